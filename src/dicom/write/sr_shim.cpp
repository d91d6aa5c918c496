// sr_shim.cpp — the TID 1500 Measurement Report through DCMTK's dcmsr/cmr template classes, and the
// header read of a source image. Every extern "C" entry is noexcept and catches every exception.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmsr/cmr/init.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/codes/sct.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "dicom_sr_internal.h"
#include "util_internal.h"

namespace {

struct sr_failure : std::runtime_error {
    std::string where;
    sps_status code;
    sr_failure(sps_status c, std::string w, const std::string &what)
        : std::runtime_error(what), where(std::move(w)), code(c) {}
};

void check(const OFCondition &cond, const std::string &where, const char *what)
{
    if (cond.bad())
        throw sr_failure(SPS_EINTERNAL, where, std::string(what) + ": " + cond.text());
}

std::string ds(double v)
{
    char buf[64];
    for (int prec = 10; prec >= 1; prec--) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16)
            break;
    }
    return std::strcmp(buf, "-0") == 0 ? "0" : buf;
}

DSRCodedEntryValue code(const sps_sr_code &c, const std::string &where)
{
    if (!c.value || !c.scheme || !c.meaning || !*c.value || !*c.scheme || !*c.meaning)
        throw sr_failure(SPS_EINVALID, where, "a code needs value, scheme designator and meaning");
    DSRCodedEntryValue v(c.value, c.scheme, c.meaning);
    if (!v.isValid())
        throw sr_failure(SPS_EINVALID, where, std::string("invalid code (") + c.value + ", " + c.scheme + ")");
    return v;
}

void now(std::string &date, std::string &time)
{
    OFString d, t;
    DcmDate::getCurrentDate(d);
    DcmTime::getCurrentTime(t, OFFalse, OFFalse);
    date = d.c_str();
    time = t.c_str();
}

// The source image as the minimal dataset DCMTK's Image Library entry reads (SOP class/instance).
void image_item(DcmItem &item, const sps_dicom_image_ref &img)
{
    item.putAndInsertString(DCM_SOPClassUID, img.sop_class_uid);
    item.putAndInsertString(DCM_SOPInstanceUID, img.sop_instance_uid);
    if (img.modality[0])
        item.putAndInsertString(DCM_Modality, img.modality);
}

void write_sr(const char *path, const sps_sr_document *doc, sps_sr_result *res)
{
    const sps_dicom_study_header *st = doc->study;
    static std::once_flag once;
    std::call_once(once, [] { CMR_ContentMappingResource::initializeAllContextGroups(); });

    TID1500_MeasurementReport report(CMR_CID7021::ImagingMeasurementReport);
    check(report.setLanguage(CID5000_Languages(CID5000_Languages::English)), "TID 1204", "language");
    char uid[65];
    std::string device_uid;
    if (doc->device_observer_uid && *doc->device_observer_uid)
        device_uid = doc->device_observer_uid;
    else {
        sps_dw__new_uid(uid);
        device_uid = uid;
    }
    std::string software = std::string("spinescore ") + sps_version();
    check(report.getObservationContext().addDeviceObserver(device_uid, "spinescore", "spinescore project", software),
          "TID 1001", "device observer");
    // Procedure reported (CID 100): CT / MR "unspecified body region", else "Imaging procedure".
    const char *mod = doc->images[0].modality;
    if (std::strcmp(mod, "CT") == 0)
        check(report.addProcedureReported(DSRCodedEntryValue("25045-6", "LN", "CT unspecified body region")), "TID 1500 row 4",
              "procedure reported");
    else if (std::strcmp(mod, "MR") == 0)
        check(report.addProcedureReported(DSRCodedEntryValue("25056-3", "LN", "MRI unspecified body region")), "TID 1500 row 4",
              "procedure reported");
    else
        check(report.addProcedureReported(DSRCodedEntryValue("363679005", "SCT", "Imaging procedure")), "TID 1500 row 4",
              "procedure reported");

    // Image Library (TID 1600): every source image.
    if (!report.getImageLibrary().hasImageLibrary())
        check(report.getImageLibrary().createNewImageLibrary(), "TID 1600", "image library");
    check(report.getImageLibrary().addImageGroup(), "TID 1600", "image group");
    for (size_t i = 0; i < doc->nimages; i++) {
        DcmItem item;
        image_item(item, doc->images[i]);
        OFCondition c = report.getImageLibrary().addImageEntry(item, TID1600_ImageLibrary::withoutDescriptors);
        if (c != CMR_EC_NoImageLibraryEntryDescriptorsToBeAdded)
            check(c, "TID 1600", "image library entry");
    }

    size_t scoords = 0, lost = 0;
    for (size_t g = 0; g < doc->ngroups; g++) {
        const sps_sr_group &grp = doc->groups[g];
        std::string gw = "groups[" + std::to_string(g) + "]";
        if (g > 0)
            check(report.addIndividualMeasurements(OFFalse), gw, "measurement group");
        TID1500_MeasurementReport::TID1501_Measurements &mg = report.getIndividualMeasurements();
        check(mg.setTrackingIdentifier(grp.tracking_id && *grp.tracking_id ? grp.tracking_id : "spinescore lesion"), gw,
              "tracking identifier");
        if (grp.tracking_uid && *grp.tracking_uid)
            check(mg.setTrackingUniqueIdentifier(grp.tracking_uid), gw, "tracking UID");
        else {
            sps_dw__new_uid(uid);
            check(mg.setTrackingUniqueIdentifier(uid), gw, "tracking UID");
        }
        if (grp.finding.value)
            check(mg.setFinding(code(grp.finding, gw + ".finding")), gw, "finding");
        if (grp.finding_site.value)
            check(mg.addFindingSite(code(grp.finding_site, gw + ".finding_site")), gw, "finding site");
        for (size_t m = 0; m < grp.nmeasurements; m++) {
            const sps_sr_measurement &me = grp.measurements[m];
            std::string mw = gw + ".measurements[" + std::to_string(m) + "]";
            if (!std::isfinite(me.value))
                throw sr_failure(SPS_EINVALID, mw, "value is not a finite number");
            CMR_SRNumericMeasurementValueWithUnits<CID7181_AbstractMultiDimensionalImageModelComponentUnits> nv(
                ds(me.value).c_str(), CID7181_AbstractMultiDimensionalImageModelComponentUnits(code(me.unit, mw + ".unit")));
            check(mg.addMeasurement(CID7469_GenericIntensityAndSizeMeasurements(code(me.concept, mw + ".concept")), nv,
                                    OFFalse),
                  mw, "numeric measurement");
            // Image coordinates: one SCOORD on one image, or one POINT per image.
            size_t img_of[64];
            double cr[64][2];
            size_t n = me.npoints < 64 ? me.npoints : 64;
            int one_image = n > 0;
            size_t found = 0;
            for (size_t p = 0; p < n; p++) {
                if (sps_sr__locate(doc, me.points_lps[p], me.series_uid, &img_of[p], &cr[p][0], &cr[p][1]) != 0) {
                    img_of[p] = (size_t)-1;
                    lost++;
                    one_image = 0;
                    continue;
                }
                found++;
                if (p > 0 && img_of[p] != img_of[0])
                    one_image = 0;
            }
            if (one_image) {
                DSRSpatialCoordinatesValue sc(n == 1 ? DSRTypes::GT_Point : DSRTypes::GT_Polyline);
                for (size_t p = 0; p < n; p++)
                    sc.getGraphicDataList().addItem((float)cr[p][0], (float)cr[p][1]);
                const sps_dicom_image_ref &im = doc->images[img_of[0]];
                check(mg.getMeasurement().addSpatialCoordinates(CODE_DCM_SourceOfMeasurement, sc,
                                                                DSRImageReferenceValue(im.sop_class_uid, im.sop_instance_uid)),
                      mw, "image coordinates");
                scoords++;
            } else if (found > 0) {
                for (size_t p = 0; p < n; p++) {
                    if (img_of[p] == (size_t)-1)
                        continue;
                    DSRSpatialCoordinatesValue sc(DSRTypes::GT_Point);
                    sc.getGraphicDataList().addItem((float)cr[p][0], (float)cr[p][1]);
                    const sps_dicom_image_ref &im = doc->images[img_of[p]];
                    check(mg.getMeasurement().addSpatialCoordinates(CODE_DCM_SourceOfMeasurement, sc,
                                                                    DSRImageReferenceValue(im.sop_class_uid, im.sop_instance_uid)),
                          mw, "image coordinates");
                    scoords++;
                }
            }
        }
        for (size_t e = 0; e < grp.nevaluations; e++) {
            std::string ew = gw + ".evaluations[" + std::to_string(e) + "]";
            check(mg.addQualitativeEvaluation(code(grp.evaluations[e].concept, ew + ".concept"),
                                              code(grp.evaluations[e].value, ew + ".value")),
                  ew, "qualitative evaluation");
        }
        for (size_t e = 0; grp.texts && e < grp.ntexts; e++) {
            std::string ew = gw + ".texts[" + std::to_string(e) + "]";
            if (!grp.texts[e].text || !*grp.texts[e].text)
                throw sr_failure(SPS_EINVALID, ew, "empty text");
            check(mg.addQualitativeEvaluation(code(grp.texts[e].concept, ew + ".concept"), OFString(grp.texts[e].text)), ew,
                  "text evaluation");
        }
    }
    for (size_t e = 0; e < doc->nevaluations; e++) {
        std::string ew = "evaluations[" + std::to_string(e) + "]";
        check(report.addQualitativeEvaluation(code(doc->evaluations[e].concept, ew + ".concept"),
                                              code(doc->evaluations[e].value, ew + ".value")),
              ew, "qualitative evaluation");
    }
    if (!report.isValid())
        throw sr_failure(SPS_EINTERNAL, "TID 1500", "DCMTK reports the measurement report as incomplete");

    DSRDocument sr(DSRTypes::DT_ComprehensiveSR);
    check(sr.setTreeFromRootTemplate(report, OFTrue), "TID 1500", "cannot set the document tree");
    sr.setSpecificCharacterSetType(DSRTypes::CS_Latin1);
    // Patient and study: copied from the source image.
    sr.setPatientName(st->patient_name);
    sr.setPatientID(st->patient_id);
    sr.setPatientBirthDate(st->patient_birth_date, OFFalse);
    sr.setPatientSex(st->patient_sex, OFFalse);
    sr.setStudyDate(st->study_date, OFFalse);
    sr.setStudyTime(st->study_time, OFFalse);
    sr.setStudyID(st->study_id);
    sr.setAccessionNumber(st->accession_number);
    sr.setReferringPhysicianName(st->referring_physician, OFFalse);
    sr.setStudyDescription(st->study_description);
    sr.setManufacturer("spinescore project");
    sr.setManufacturerModelName("spinescore");
    sr.setSoftwareVersions(software.c_str());
    sr.setSeriesDescription(doc->series_description ? doc->series_description : "spinescore measurement report");
    sr.setSeriesNumber(std::to_string(doc->series_number > 0 ? doc->series_number : 900).c_str());
    sr.setInstanceNumber(std::to_string(doc->instance_number > 0 ? doc->instance_number : 1).c_str());
    check(sr.createNewSeriesInStudy(st->study_uid), "(0020,000D)", "study UID"); /* a given series UID is set below */
    std::string date, time;
    now(date, time);
    check(sr.setContentDate(doc->content_date ? doc->content_date : date.c_str()), "(0008,0023)", "content date");
    check(sr.setContentTime(doc->content_time ? doc->content_time : time.c_str()), "(0008,0033)", "content time");
    // Evidence: every source image (one study).
    for (size_t i = 0; i < doc->nimages; i++) {
        const sps_dicom_image_ref &im = doc->images[i];
        check(sr.getCurrentRequestedProcedureEvidence().addItem(st->study_uid, im.series_uid, im.sop_class_uid,
                                                                im.sop_instance_uid),
              "(0040,A375)", "evidence");
    }
    // The private coding scheme (docs/formats.md §6.2).
    DSRCodingSchemeIdentificationList &cs = sr.getCodingSchemeIdentification();
    check(cs.addItem("99SPS"), "(0008,0110)", "coding scheme");
    cs.setCodingSchemeName("spinescore private codes (docs/formats.md section 6.2)");
    cs.setCodingSchemeResponsibleOrganization("spinescore project");

    DcmFileFormat ff;
    check(sr.write(*ff.getDataset()), "SR", "cannot serialise the SR document");
    DcmDataset *d = ff.getDataset();
    if (doc->series_uid && *doc->series_uid)
        check(d->putAndInsertString(DCM_SeriesInstanceUID, doc->series_uid), "(0020,000E)", "series UID");
    OFString sop, ser;
    d->findAndGetOFString(DCM_SOPInstanceUID, sop);
    d->findAndGetOFString(DCM_SeriesInstanceUID, ser);
    OFCondition cond = ff.saveFile(path, EXS_LittleEndianExplicit);
    if (cond.bad())
        throw sr_failure(SPS_EIO, path, std::string("cannot write the SR file: ") + cond.text());
    sps_strlcpy(res->sop_instance_uid, sop.c_str(), sizeof res->sop_instance_uid);
    sps_strlcpy(res->series_uid, ser.c_str(), sizeof res->series_uid);
    res->scoords = scoords;
    res->points_without_image = lost;
}

std::string get(DcmItem *d, const DcmTagKey &k)
{
    OFString s;
    if (d->findAndGetOFStringArray(k, s).bad())
        return "";
    return s.c_str();
}

void copy(char *dst, size_t n, const std::string &s)
{
    sps_strlcpy(dst, s.c_str(), n);
}

void read_ref(const char *path, sps_dicom_image_ref *img, sps_dicom_study_header *hdr)
{
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(path, EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
    if (c.bad())
        throw sr_failure(c == EC_InvalidFilename ? SPS_ENOTFOUND : SPS_EFORMAT, path, std::string("cannot read: ") + c.text());
    DcmDataset *d = ff.getDataset();
    std::memset(img, 0, sizeof *img);
    copy(img->sop_class_uid, sizeof img->sop_class_uid, get(d, DCM_SOPClassUID));
    copy(img->sop_instance_uid, sizeof img->sop_instance_uid, get(d, DCM_SOPInstanceUID));
    if (!img->sop_class_uid[0] || !img->sop_instance_uid[0])
        throw sr_failure(SPS_EFORMAT, path, "no SOP Class UID (0008,0016) or SOP Instance UID (0008,0018)");
    copy(img->series_uid, sizeof img->series_uid, get(d, DCM_SeriesInstanceUID));
    copy(img->modality, sizeof img->modality, get(d, DCM_Modality));
    Sint32 inum = -1;
    img->instance_number = d->findAndGetSint32(DCM_InstanceNumber, inum).good() ? (int)inum : -1;
    Uint16 r = 0, cl = 0;
    d->findAndGetUint16(DCM_Rows, r);
    d->findAndGetUint16(DCM_Columns, cl);
    img->rows = r;
    img->cols = cl;
    Float64 ipp[3], iop[6], ps[2];
    int ok = 1;
    for (int i = 0; i < 3; i++)
        ok &= d->findAndGetFloat64(DCM_ImagePositionPatient, ipp[i], (unsigned long)i).good();
    for (int i = 0; i < 6; i++)
        ok &= d->findAndGetFloat64(DCM_ImageOrientationPatient, iop[i], (unsigned long)i).good();
    for (int i = 0; i < 2; i++)
        ok &= d->findAndGetFloat64(DCM_PixelSpacing, ps[i], (unsigned long)i).good();
    if (ok && ps[0] > 0 && ps[1] > 0) {
        img->has_geometry = 1;
        for (int i = 0; i < 3; i++) {
            img->position_lps[i] = ipp[i];
            img->row_cosines[i] = iop[i];
            img->col_cosines[i] = iop[3 + i];
        }
        img->row_spacing_mm = ps[0];
        img->col_spacing_mm = ps[1];
    }
    if (hdr) {
        std::memset(hdr, 0, sizeof *hdr);
        copy(hdr->patient_name, sizeof hdr->patient_name, get(d, DCM_PatientName));
        copy(hdr->patient_id, sizeof hdr->patient_id, get(d, DCM_PatientID));
        copy(hdr->patient_birth_date, sizeof hdr->patient_birth_date, get(d, DCM_PatientBirthDate));
        copy(hdr->patient_sex, sizeof hdr->patient_sex, get(d, DCM_PatientSex));
        copy(hdr->study_uid, sizeof hdr->study_uid, get(d, DCM_StudyInstanceUID));
        copy(hdr->study_date, sizeof hdr->study_date, get(d, DCM_StudyDate));
        copy(hdr->study_time, sizeof hdr->study_time, get(d, DCM_StudyTime));
        copy(hdr->study_id, sizeof hdr->study_id, get(d, DCM_StudyID));
        copy(hdr->accession_number, sizeof hdr->accession_number, get(d, DCM_AccessionNumber));
        copy(hdr->referring_physician, sizeof hdr->referring_physician, get(d, DCM_ReferringPhysicianName));
        copy(hdr->study_description, sizeof hdr->study_description, get(d, DCM_StudyDescription));
    }
}

template <typename F> sps_status guarded(const char *where, sps_error *err, F f)
{
    try {
        f();
        return SPS_OK;
    } catch (const sr_failure &e) {
        return sps_error_set(err, e.code, e.where.c_str(), "%s", e.what());
    } catch (const std::bad_alloc &) {
        return sps_error_set(err, SPS_ENOMEM, where, "out of memory");
    } catch (const std::exception &e) {
        return sps_error_set(err, SPS_EINTERNAL, where, "DCMTK: %s", e.what());
    } catch (...) {
        return sps_error_set(err, SPS_EINTERNAL, where, "unknown C++ exception");
    }
}

}  // namespace

extern "C" sps_status sps_dw__write_sr(const char *path, const sps_sr_document *doc, sps_sr_result *result,
                                       sps_error *err) noexcept
{
    return guarded(path, err, [&] { write_sr(path, doc, result); });
}

// Public entry (declared in C without noexcept); it still lets no exception through.
extern "C" sps_status sps_dicom_read_image_ref(const char *path, sps_dicom_image_ref *img, sps_dicom_study_header *hdr,
                                               sps_error *err)
{
    if (!path || !img)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_read_image_ref", "path and img are required");
    return guarded(path, err, [&] { read_ref(path, img, hdr); });
}
