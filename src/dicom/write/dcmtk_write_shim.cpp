// dcmtk_write_shim.cpp — the only file of the writer that sees DCMTK: builds one CT/MR image
// dataset and saves it. Every extern "C" entry is noexcept and catches every C++ exception.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "dicom_write_internal.h"
#include "util_internal.h"

namespace {

// A failed OFCondition becomes an exception carrying the attribute it concerned.
struct dw_failure : std::runtime_error {
    std::string where;
    sps_status code;
    dw_failure(sps_status c, std::string w, const std::string &what)
        : std::runtime_error(what), where(std::move(w)), code(c) {}
};

void check(const OFCondition &cond, const char *where, const char *what)
{
    if (cond.bad())
        throw dw_failure(SPS_EINTERNAL, where, std::string(what) + ": " + cond.text());
}

// Decimal String: at most 16 characters (PS3.5 6.2). Use the most digits that fit.
std::string ds(double v)
{
    char buf[64];
    for (int prec = 10; prec >= 1; prec--) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16)
            break;
    }
    if (std::strcmp(buf, "-0") == 0)
        return "0";
    return buf;
}

std::string ds_multi(const double *v, int n)
{
    std::string s;
    for (int i = 0; i < n; i++) {
        if (i)
            s += '\\';
        s += ds(v[i]);
    }
    return s;
}

void put(DcmDataset *d, const DcmTagKey &tag, const std::string &value, const char *name)
{
    check(d->putAndInsertString(tag, value.c_str()), name, "cannot set attribute");
}

void register_codecs_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // preferCookedEncoding = false: encode the stored values as they are. The default
        // ("cooked") path goes through dcmimgle's DicomImage, which logs informational notes to
        // stderr ("ignoring possible modality transform"); library code never prints.
        DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFFalse);
        DcmRLEEncoderRegistration::registerCodecs();
    });
}

sps_status write_slice(const char *path, const sps_dw_series *s, const sps_dw__slice *sl,
                       const uint16_t *pixels)
{
    const bool ct = s->modality == SPS_DW_MODALITY_CT;
    DcmFileFormat ff;
    DcmDataset *d = ff.getDataset();
    const char *date = s->study_date ? s->study_date : "20000101";
    const char *time = s->study_time ? s->study_time : "120000";

    // SOP Common
    put(d, DCM_SOPClassUID, ct ? UID_CTImageStorage : UID_MRImageStorage, "(0008,0016)");
    put(d, DCM_SOPInstanceUID, sl->instance_uid, "(0008,0018)");
    put(d, DCM_InstanceCreationDate, date, "(0008,0012)");
    put(d, DCM_InstanceCreationTime, time, "(0008,0013)");
    // Patient (obviously synthetic)
    put(d, DCM_PatientName, s->patient_name, "(0010,0010)");
    put(d, DCM_PatientID, s->patient_id, "(0010,0020)");
    put(d, DCM_PatientBirthDate, s->patient_birth_date ? s->patient_birth_date : "", "(0010,0030)");
    put(d, DCM_PatientSex, "O", "(0010,0040)");
    put(d, DCM_PatientIdentityRemoved, "YES", "(0012,0062)");
    put(d, DCM_DeidentificationMethod, "synthetic phantom, no patient data", "(0012,0063)");
    // General Study
    put(d, DCM_StudyInstanceUID, sl->study_uid, "(0020,000D)");
    put(d, DCM_StudyDate, date, "(0008,0020)");
    put(d, DCM_StudyTime, time, "(0008,0030)");
    put(d, DCM_ReferringPhysicianName, s->referring_physician ? s->referring_physician : "", "(0008,0090)");
    put(d, DCM_StudyID, "1", "(0020,0010)");
    put(d, DCM_AccessionNumber, s->accession_number ? s->accession_number : "", "(0008,0050)");
    if (s->institution_name)
        put(d, DCM_InstitutionName, s->institution_name, "(0008,0080)");
    if (s->performing_physician)
        put(d, DCM_PerformingPhysicianName, s->performing_physician, "(0008,1050)");
    if (s->reading_physician)
        put(d, DCM_NameOfPhysiciansReadingStudy, s->reading_physician, "(0008,1060)");
    if (s->study_description)
        put(d, DCM_StudyDescription, s->study_description, "(0008,1030)");
    // General Series
    put(d, DCM_Modality, ct ? "CT" : "MR", "(0008,0060)");
    put(d, DCM_SeriesInstanceUID, sl->series_uid, "(0020,000E)");
    put(d, DCM_SeriesNumber, std::to_string(s->series_number), "(0020,0011)");
    put(d, DCM_SeriesDate, date, "(0008,0021)");
    put(d, DCM_SeriesTime, time, "(0008,0031)");
    if (s->series_description)
        put(d, DCM_SeriesDescription, s->series_description, "(0008,103E)");
    put(d, DCM_BodyPartExamined, "SPINE", "(0018,0015)");
    put(d, DCM_PatientPosition, "HFS", "(0018,5100)");
    // Frame of Reference
    put(d, DCM_FrameOfReferenceUID, sl->frame_uid, "(0020,0052)");
    put(d, DCM_PositionReferenceIndicator, "", "(0020,1040)");
    // General Equipment
    put(d, DCM_Manufacturer, "spinescore phantom (synthetic)", "(0008,0070)");
    put(d, DCM_ManufacturerModelName, "sps-phantom", "(0008,1090)");
    put(d, DCM_SoftwareVersions, sps_version(), "(0018,1020)");
    // General Image / Acquisition
    put(d, DCM_InstanceNumber, std::to_string(sl->index + 1), "(0020,0013)");
    put(d, DCM_AcquisitionNumber, "1", "(0020,0012)");
    put(d, DCM_ContentDate, date, "(0008,0023)");
    put(d, DCM_ContentTime, time, "(0008,0033)");
    put(d, DCM_ImageType, ct ? "DERIVED\\PRIMARY\\AXIAL" : "DERIVED\\PRIMARY\\OTHER", "(0008,0008)");
    put(d, DCM_BurnedInAnnotation, "NO", "(0028,0301)");
    put(d, DCM_LossyImageCompression, "00", "(0028,2110)");
    // Image Plane
    double spacing[2] = {s->row_spacing_mm, s->col_spacing_mm};
    double iop[6] = {s->row_cosines[0], s->row_cosines[1], s->row_cosines[2],
                     s->col_cosines[0], s->col_cosines[1], s->col_cosines[2]};
    put(d, DCM_PixelSpacing, ds_multi(spacing, 2), "(0028,0030)");
    put(d, DCM_ImageOrientationPatient, ds_multi(iop, 6), "(0020,0037)");
    put(d, DCM_ImagePositionPatient, ds_multi(sl->position_lps, 3), "(0020,0032)");
    put(d, DCM_SliceThickness, ds(s->slice_thickness_mm), "(0018,0050)");
    if (!ct)  // SpacingBetweenSlices belongs to the MR Image module; CT has no such attribute.
        put(d, DCM_SpacingBetweenSlices, ds(s->spacing_between_slices_mm), "(0018,0088)");
    // Image Pixel
    check(d->putAndInsertUint16(DCM_SamplesPerPixel, 1), "(0028,0002)", "cannot set");
    put(d, DCM_PhotometricInterpretation, "MONOCHROME2", "(0028,0004)");
    check(d->putAndInsertUint16(DCM_Rows, (Uint16)s->rows), "(0028,0010)", "cannot set");
    check(d->putAndInsertUint16(DCM_Columns, (Uint16)s->cols), "(0028,0011)", "cannot set");
    check(d->putAndInsertUint16(DCM_BitsAllocated, 16), "(0028,0100)", "cannot set");
    check(d->putAndInsertUint16(DCM_BitsStored, 12), "(0028,0101)", "cannot set");
    check(d->putAndInsertUint16(DCM_HighBit, 11), "(0028,0102)", "cannot set");
    check(d->putAndInsertUint16(DCM_PixelRepresentation, 0), "(0028,0103)", "cannot set");
    // VOI LUT
    put(d, DCM_WindowCenter, ds(s->window_center), "(0028,1050)");
    put(d, DCM_WindowWidth, ds(s->window_width), "(0028,1051)");
    if (ct) {
        put(d, DCM_RescaleIntercept, "-1024", "(0028,1052)");
        put(d, DCM_RescaleSlope, "1", "(0028,1053)");
        put(d, DCM_RescaleType, "HU", "(0028,1054)");
        put(d, DCM_KVP, ds(s->ct_kvp > 0 ? s->ct_kvp : 120.0), "(0018,0060)");
    } else {
        put(d, DCM_ScanningSequence, "SE", "(0018,0020)");
        put(d, DCM_SequenceVariant, "SK", "(0018,0021)");
        put(d, DCM_ScanOptions, "", "(0018,0022)");
        put(d, DCM_MRAcquisitionType, "2D", "(0018,0023)");
        put(d, DCM_RepetitionTime, ds(s->mr_repetition_time_ms > 0 ? s->mr_repetition_time_ms : 3000.0),
            "(0018,0080)");
        put(d, DCM_EchoTime, ds(s->mr_echo_time_ms > 0 ? s->mr_echo_time_ms : 100.0), "(0018,0081)");
        put(d, DCM_EchoTrainLength, "16", "(0018,0091)");
        put(d, DCM_MagneticFieldStrength,
            ds(s->mr_field_strength_t > 0 ? s->mr_field_strength_t : 1.5), "(0018,0087)");
        put(d, DCM_ImagedNucleus, "1H", "(0018,0085)");
    }
    const unsigned long count = (unsigned long)s->rows * (unsigned long)s->cols;
    check(d->putAndInsertUint16Array(DCM_PixelData, pixels, count), "(7FE0,0010)",
          "cannot set pixel data");

    E_TransferSyntax xfer = EXS_LittleEndianExplicit;
    if (s->syntax == SPS_DW_SYNTAX_JPEGLS_LOSSLESS)
        xfer = EXS_JPEGLSLossless;
    else if (s->syntax == SPS_DW_SYNTAX_RLE)
        xfer = EXS_RLELossless;
    if (xfer != EXS_LittleEndianExplicit) {
        register_codecs_once();
        check(d->chooseRepresentation(xfer, nullptr), "(7FE0,0010)", "cannot encode pixel data");
        if (!d->canWriteXfer(xfer))
            throw dw_failure(SPS_EINTERNAL, "(7FE0,0010)", "encoder did not produce the transfer syntax");
    }
    OFCondition cond = ff.saveFile(path, xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange);
    if (cond.bad())
        throw dw_failure(SPS_EIO, path, std::string("cannot write DICOM file: ") + cond.text());
    return SPS_OK;
}

}  // namespace

extern "C" void sps_dw__new_uid(char out[65]) noexcept
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, SITE_INSTANCE_UID_ROOT);
    sps_strlcpy(out, buf, 65);
}

extern "C" sps_status sps_dw__write_slice(const char *path, const sps_dw_series *series,
                                          const sps_dw__slice *slice, const uint16_t *pixels,
                                          sps_error *err) noexcept
{
    try {
        return write_slice(path, series, slice, pixels);
    } catch (const dw_failure &e) {
        return sps_error_set(err, e.code, e.where.c_str(), "%s (file %s)", e.what(), path);
    } catch (const std::bad_alloc &) {
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory while building the DICOM file");
    } catch (const std::exception &e) {
        return sps_error_set(err, SPS_EINTERNAL, path, "DCMTK: %s", e.what());
    } catch (...) {
        return sps_error_set(err, SPS_EINTERNAL, path, "unknown C++ exception in the DICOM writer");
    }
}
