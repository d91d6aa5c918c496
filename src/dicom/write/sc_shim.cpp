// sc_shim.cpp — one RGB Secondary Capture image through DCMTK. Every extern "C" entry is noexcept
// and catches every exception.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "dicom_sr_internal.h"
#include "util_internal.h"

namespace {

struct sc_failure : std::runtime_error {
    std::string where;
    sps_status code;
    sc_failure(sps_status c, std::string w, const std::string &what)
        : std::runtime_error(what), where(std::move(w)), code(c) {}
};

void put(DcmItem *d, const DcmTagKey &tag, const char *value, const char *name)
{
    OFCondition c = d->putAndInsertString(tag, value ? value : "");
    if (c.bad())
        throw sc_failure(SPS_EINTERNAL, name, std::string("cannot set attribute: ") + c.text());
}

void put16(DcmItem *d, const DcmTagKey &tag, Uint16 v, const char *name)
{
    if (d->putAndInsertUint16(tag, v).bad())
        throw sc_failure(SPS_EINTERNAL, name, "cannot set attribute");
}

void write_sc(const char *path, const sps_sc_image *sc, char *sop_out)
{
    const sps_dicom_study_header *st = sc->study;
    DcmFileFormat ff;
    DcmDataset *d = ff.getDataset();
    char sop[65];
    sps_dw__new_uid(sop);
    OFString date, time;
    DcmDate::getCurrentDate(date);
    DcmTime::getCurrentTime(time, OFFalse, OFFalse);
    const char *cdate = sc->content_date ? sc->content_date : date.c_str();
    const char *ctime = sc->content_time ? sc->content_time : time.c_str();
    std::string software = std::string("spinescore ") + sps_version();

    put(d, DCM_SpecificCharacterSet, "ISO_IR 100", "(0008,0005)");
    // SOP Common
    put(d, DCM_SOPClassUID, UID_SecondaryCaptureImageStorage, "(0008,0016)");
    put(d, DCM_SOPInstanceUID, sop, "(0008,0018)");
    put(d, DCM_InstanceCreationDate, cdate, "(0008,0012)");
    put(d, DCM_InstanceCreationTime, ctime, "(0008,0013)");
    // Patient and General Study: copied from the source image
    put(d, DCM_PatientName, st->patient_name, "(0010,0010)");
    put(d, DCM_PatientID, st->patient_id, "(0010,0020)");
    put(d, DCM_PatientBirthDate, st->patient_birth_date, "(0010,0030)");
    put(d, DCM_PatientSex, st->patient_sex, "(0010,0040)");
    put(d, DCM_StudyInstanceUID, st->study_uid, "(0020,000D)");
    put(d, DCM_StudyDate, st->study_date, "(0008,0020)");
    put(d, DCM_StudyTime, st->study_time, "(0008,0030)");
    put(d, DCM_ReferringPhysicianName, st->referring_physician, "(0008,0090)");
    put(d, DCM_StudyID, st->study_id, "(0020,0010)");
    put(d, DCM_AccessionNumber, st->accession_number, "(0008,0050)");
    if (st->study_description[0])
        put(d, DCM_StudyDescription, st->study_description, "(0008,1030)");
    // General Series (new series)
    put(d, DCM_Modality, "OT", "(0008,0060)");
    put(d, DCM_SeriesInstanceUID, sc->series_uid, "(0020,000E)");
    put(d, DCM_Laterality, "", "(0020,0060)"); /* type 2C: a rendering has no side of its own */
    put(d, DCM_SeriesNumber, std::to_string(sc->series_number > 0 ? sc->series_number : 901).c_str(), "(0020,0011)");
    put(d, DCM_SeriesDescription, sc->series_description ? sc->series_description : "spinescore snapshots", "(0008,103E)");
    put(d, DCM_SeriesDate, cdate, "(0008,0021)");
    put(d, DCM_SeriesTime, ctime, "(0008,0031)");
    // General Equipment / SC Equipment
    put(d, DCM_Manufacturer, "spinescore project", "(0008,0070)");
    put(d, DCM_ManufacturerModelName, "spinescore", "(0008,1090)");
    put(d, DCM_SoftwareVersions, software.c_str(), "(0018,1020)");
    put(d, DCM_ConversionType, "WSD", "(0008,0064)");
    put(d, DCM_SecondaryCaptureDeviceManufacturer, "spinescore project", "(0018,1016)");
    put(d, DCM_SecondaryCaptureDeviceManufacturerModelName, "spinescore", "(0018,1018)");
    put(d, DCM_SecondaryCaptureDeviceSoftwareVersions, software.c_str(), "(0018,1019)");
    // General Image / SC Image
    put(d, DCM_InstanceNumber, std::to_string(sc->instance_number > 0 ? sc->instance_number : 1).c_str(), "(0020,0013)");
    put(d, DCM_PatientOrientation, "", "(0020,0020)");
    put(d, DCM_ContentDate, cdate, "(0008,0023)");
    put(d, DCM_ContentTime, ctime, "(0008,0033)");
    put(d, DCM_ImageType, "DERIVED\\SECONDARY", "(0008,0008)");
    put(d, DCM_DateOfSecondaryCapture, cdate, "(0018,1012)");
    put(d, DCM_TimeOfSecondaryCapture, ctime, "(0018,1014)");
    put(d, DCM_BurnedInAnnotation, "YES", "(0028,0301)");
    put(d, DCM_LossyImageCompression, "00", "(0028,2110)");
    if (sc->description && *sc->description) {
        std::string desc(sc->description);
        put(d, DCM_DerivationDescription, desc.substr(0, 1024).c_str(), "(0008,2111)");
        put(d, DCM_ImageComments, desc.substr(0, 10240).c_str(), "(0020,4000)");
    }
    for (size_t i = 0; sc->sources && i < sc->nsources; i++) {
        DcmItem *item = nullptr;
        if (d->findOrCreateSequenceItem(DCM_SourceImageSequence, item, -2).bad() || !item)
            throw sc_failure(SPS_EINTERNAL, "(0008,2112)", "cannot add a source image item");
        put(item, DCM_ReferencedSOPClassUID, sc->sources[i].sop_class_uid, "(0008,1150)");
        put(item, DCM_ReferencedSOPInstanceUID, sc->sources[i].sop_instance_uid, "(0008,1155)");
    }
    // Image Pixel: 8-bit RGB, interleaved
    put16(d, DCM_SamplesPerPixel, 3, "(0028,0002)");
    put(d, DCM_PhotometricInterpretation, "RGB", "(0028,0004)");
    put16(d, DCM_PlanarConfiguration, 0, "(0028,0006)");
    put16(d, DCM_Rows, (Uint16)sc->height, "(0028,0010)");
    put16(d, DCM_Columns, (Uint16)sc->width, "(0028,0011)");
    put16(d, DCM_BitsAllocated, 8, "(0028,0100)");
    put16(d, DCM_BitsStored, 8, "(0028,0101)");
    put16(d, DCM_HighBit, 7, "(0028,0102)");
    put16(d, DCM_PixelRepresentation, 0, "(0028,0103)");
    const unsigned long n = (unsigned long)sc->width * sc->height * 3ul;
    if (d->putAndInsertUint8Array(DCM_PixelData, sc->rgb, n).bad())
        throw sc_failure(SPS_EINTERNAL, "(7FE0,0010)", "cannot set pixel data");
    OFCondition c = ff.saveFile(path, EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_withoutPadding);
    if (c.bad())
        throw sc_failure(SPS_EIO, path, std::string("cannot write the Secondary Capture file: ") + c.text());
    if (sop_out)
        sps_strlcpy(sop_out, sop, 65);
}

}  // namespace

extern "C" sps_status sps_dw__write_sc(const char *path, const sps_sc_image *sc, char *sop_uid_out,
                                       sps_error *err) noexcept
{
    try {
        write_sc(path, sc, sop_uid_out);
        return SPS_OK;
    } catch (const sc_failure &e) {
        return sps_error_set(err, e.code, e.where.c_str(), "%s", e.what());
    } catch (const std::bad_alloc &) {
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    } catch (const std::exception &e) {
        return sps_error_set(err, SPS_EINTERNAL, path, "DCMTK: %s", e.what());
    } catch (...) {
        return sps_error_set(err, SPS_EINTERNAL, path, "unknown C++ exception");
    }
}
