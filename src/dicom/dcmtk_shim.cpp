// dcmtk_shim.cpp — the only file that includes DCMTK: header reads, DICOMDIR references and pixel
// decoding. Every entry point is extern "C" noexcept and runs its body through guard().
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <sys/stat.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "dicom_internal.h"
#include "util_internal.h"

static_assert(sizeof(double) == 8, "double must be IEEE binary64");

namespace {

std::once_flag g_init_once;

void cleanup_codecs()
{
    DJDecoderRegistration::cleanup();
    DJLSDecoderRegistration::cleanup();
    DcmRLEDecoderRegistration::cleanup();
}

void init_once()
{
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
    std::atexit(cleanup_codecs);
}

template <class F> sps_status guard(sps_error *err, const char *where, F &&body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return sps_error_set(err, SPS_ENOMEM, where, "out of memory");
    } catch (const std::exception &e) {
        return sps_error_set(err, SPS_EINTERNAL, where, "C++ exception: %s", e.what());
    } catch (...) {
        return sps_error_set(err, SPS_EINTERNAL, where, "unknown C++ exception");
    }
}

// DCMTK reads nested sequences and items recursively (about 1 KiB of stack per level): a file of
// a few hundred kilobytes that nests 10 000 levels deep overflows the stack before DCMTK can
// report anything. nesting_check walks the element headers without recursion (tags, VRs and
// lengths only; values are skipped, the data dictionary tells implicit-VR sequences) and refuses
// a file nested deeper than kMaxNesting before DCMTK parses it. It judges nothing else: whatever
// it cannot follow (truncation, odd lengths, a deflated data set) is left to DCMTK to report.
constexpr size_t kMaxNesting = 128; // sequence levels; real files nest < 20 (enhanced multi-frame, SR trees)

struct nest_reader {
    FILE *f;
    unsigned long long size;
    bool read(unsigned long long pos, unsigned char *b, size_t n)
    {
        if (pos + n > size || fseeko(f, (off_t)pos, SEEK_SET) != 0)
            return false;
        return fread(b, 1, n, f) == n;
    }
};

unsigned u16(const unsigned char *b, bool be) { return be ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0]); }
unsigned long u32(const unsigned char *b, bool be)
{
    return be ? ((unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3])
              : ((unsigned long)b[3] << 24 | (unsigned long)b[2] << 16 | (unsigned long)b[1] << 8 | b[0]);
}

sps_status nesting_check(const char *path, sps_error *err)
{
    FILE *f = std::fopen(path, "rb");
    if (!f)
        return SPS_OK; // DCMTK reports the open error
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        std::fclose(f);
        return SPS_OK;
    }
    nest_reader r{f, (unsigned long long)st.st_size};
    const unsigned long long kUndef = ~0ULL;
    std::vector<unsigned long long> ends; // end offset of each open sequence/item, kUndef if undefined
    unsigned char b[132];
    unsigned long long pos = 0;
    if (r.read(0, b, 132) && std::memcmp(b + 128, "DICM", 4) == 0)
        pos = 132;
    bool be = false, in_meta = true, deflated = false;
    sps_status rc = SPS_OK;
    for (unsigned long guard_steps = 0; guard_steps < 100000000UL; guard_steps++) {
        while (!ends.empty() && ends.back() != kUndef && pos >= ends.back())
            ends.pop_back();
        if (ends.size() > 2 * kMaxNesting) { // a level is a sequence and an item
            rc = sps_error_set(err, SPS_EFORMAT, path,
                               "sequences nested more than %zu levels deep (at byte %llu): refused, "
                               "real DICOM files nest far less",
                               kMaxNesting, pos);
            break;
        }
        if (!r.read(pos, b, 8))
            break;
        unsigned g = u16(b, be && !in_meta), e = u16(b + 2, be && !in_meta);
        if (in_meta && g != 0x0002) {
            in_meta = false;
            if (deflated)
                break; // compressed data set: DCMTK inflates it; not checked here
            if (be) {
                g = u16(b, true);
                e = u16(b + 2, true);
            }
        }
        bool bee = be && !in_meta;
        if (g == 0xFFFE) {
            unsigned long len = u32(b + 4, bee);
            pos += 8;
            if (e == 0xE000)
                ends.push_back(len == 0xFFFFFFFFUL ? kUndef : pos + len);
            else if (!ends.empty())
                ends.pop_back(); // item or sequence delimiter
            continue;
        }
        bool explicit_vr = std::isupper(b[4]) && std::isupper(b[5]);
        unsigned long long hdr = 8, len;
        DcmEVR evr = EVR_UNKNOWN;
        if (explicit_vr) {
            DcmVR vr(reinterpret_cast<const char *>(b + 4));
            evr = vr.getEVR();
            char v[3] = {(char)b[4], (char)b[5], 0};
            bool long_form = !std::strcmp(v, "OB") || !std::strcmp(v, "OD") || !std::strcmp(v, "OF") ||
                             !std::strcmp(v, "OL") || !std::strcmp(v, "OV") || !std::strcmp(v, "OW") ||
                             !std::strcmp(v, "SQ") || !std::strcmp(v, "SV") || !std::strcmp(v, "UC") ||
                             !std::strcmp(v, "UN") || !std::strcmp(v, "UR") || !std::strcmp(v, "UT") ||
                             !std::strcmp(v, "UV");
            if (long_form) {
                unsigned char l[4];
                if (!r.read(pos + 8, l, 4))
                    break;
                hdr = 12;
                len = u32(l, bee);
            } else {
                len = u16(b + 6, bee);
            }
        } else {
            len = u32(b + 4, bee);
            evr = DcmTag(DcmTagKey((Uint16)g, (Uint16)e)).getEVR();
        }
        if (in_meta && g == 0x0002 && e == 0x0010 && len < 80) {
            char ts[81] = {0};
            if (r.read(pos + hdr, reinterpret_cast<unsigned char *>(ts), (size_t)len)) {
                be = std::strncmp(ts, "1.2.840.10008.1.2.2", 19) == 0 && (ts[19] == 0 || ts[19] == ' ');
                deflated = std::strncmp(ts, "1.2.840.10008.1.2.1.99", 22) == 0;
            }
        }
        pos += hdr;
        bool undefined = len == 0xFFFFFFFFUL;
        if (g == 0x7FE0 && e == 0x0010 && undefined) { // encapsulated pixel data: skip the fragments
            for (;;) {
                if (!r.read(pos, b, 8))
                    break;
                unsigned long fl = u32(b + 4, bee);
                pos += 8;
                if (u16(b, bee) != 0xFFFE || u16(b + 2, bee) != 0xE000 || fl == 0xFFFFFFFFUL)
                    break; // sequence delimiter (or something DCMTK will complain about)
                pos += fl;
            }
            continue;
        }
        if (evr == EVR_SQ || (undefined && (evr == EVR_UN || evr == EVR_UNKNOWN || !explicit_vr))) {
            ends.push_back(undefined ? kUndef : pos + len);
            continue;
        }
        if (undefined)
            break; // undefined length on a plain element: DCMTK reports it
        pos += len;
    }
    std::fclose(f);
    return rc;
}

// Replace every byte that is not part of a well-formed UTF-8 sequence (a character set the
// conversion could not handle, or a string cut by the buffer size) with '?'.
void sanitize_utf8(char *p)
{
    unsigned char *s = reinterpret_cast<unsigned char *>(p);
    while (*s) {
        int len = (*s < 0x80) ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 : (*s >> 3) == 30 ? 4 : 0;
        bool ok = len > 0;
        for (int k = 1; ok && k < len; k++)
            ok = (s[k] & 0xC0) == 0x80;
        if (!ok) {
            *s++ = '?';
            continue;
        }
        s += len;
    }
}

void copy_str(DcmItem *it, const DcmTagKey &key, char *dst, size_t n)
{
    OFString s; // findAndGet* clears on failure: read into a temporary
    dst[0] = '\0';
    if (it->findAndGetOFStringArray(key, s).good()) {
        size_t b = 0, e = s.length();
        while (b < e && s[b] == ' ')
            b++;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\0'))
            e--;
        sps_strlcpy(dst, s.substr(b, e - b).c_str(), n);
        sanitize_utf8(dst);
    }
}

bool get_ds(DcmItem *it, const DcmTagKey &key, double *out, unsigned n)
{
    DcmElement *el = nullptr;
    if (it->findAndGetElement(key, el).bad() || !el)
        return false;
    if (el->getVM() < n)
        return false;
    for (unsigned i = 0; i < n; i++) {
        Float64 v = 0;
        if (el->getFloat64(v, i).bad() || !std::isfinite(v))
            return false;
        out[i] = v;
    }
    return true;
}

bool get_int(DcmItem *it, const DcmTagKey &key, int *out)
{
    DcmElement *el = nullptr;
    if (it->findAndGetElement(key, el).bad() || !el || el->getVM() < 1)
        return false;
    Sint32 s = 0;
    Uint16 u = 0;
    if (el->getSint32(s).good()) {
        *out = s;
        return true;
    }
    if (el->getUint16(u).good()) {
        *out = u;
        return true;
    }
    Uint32 ul = 0;
    if (el->getUint32(ul).good() && ul < 0x7fffffffu) {
        *out = static_cast<int>(ul);
        return true;
    }
    Float64 f = 0; // some writers use DS or a padded IS that only parses as a number
    if (el->getFloat64(f).good() && std::isfinite(f) && std::fabs(f) < 2e9) {
        *out = static_cast<int>(f);
        return true;
    }
    return false;
}

unsigned get_us(DcmItem *it, const DcmTagKey &key, unsigned dflt)
{
    Uint16 v = 0;
    if (it->findAndGetUint16(key, v).good())
        return v;
    return dflt;
}

// RescaleSlope / RescaleIntercept of an item; each present one replaces the default (1, 0) and
// sets its bit in has_rescale (both are needed together; a lone one is warned about by load.c).
void get_rescale(DcmItem *it, sps_dcm_frame *f)
{
    double v = 0;
    if (get_ds(it, DCM_RescaleSlope, &v, 1)) {
        f->slope = v;
        f->has_rescale |= 1;
    }
    if (get_ds(it, DCM_RescaleIntercept, &v, 1)) {
        f->intercept = v;
        f->has_rescale |= 2;
    }
}

// Fill f from one functional-groups item (shared or per-frame); absent macros leave f alone.
void parse_functional_group(DcmItem *fg, sps_dcm_frame *f)
{
    DcmItem *s = nullptr;
    if (fg->findAndGetSequenceItem(DCM_PlanePositionSequence, s, 0).good() && s &&
        get_ds(s, DCM_ImagePositionPatient, f->ipp, 3))
        f->has_ipp = 1;
    s = nullptr;
    if (fg->findAndGetSequenceItem(DCM_PlaneOrientationSequence, s, 0).good() && s &&
        get_ds(s, DCM_ImageOrientationPatient, f->iop, 6))
        f->has_iop = 1;
    s = nullptr;
    if (fg->findAndGetSequenceItem(DCM_PixelMeasuresSequence, s, 0).good() && s) {
        if (get_ds(s, DCM_PixelSpacing, f->pixel_spacing, 2))
            f->has_spacing = 1;
        if (get_ds(s, DCM_SliceThickness, &f->thickness, 1))
            f->has_thickness = 1;
    }
    s = nullptr;
    if (fg->findAndGetSequenceItem(DCM_PixelValueTransformationSequence, s, 0).good() && s)
        get_rescale(s, f);
    s = nullptr;
    if (fg->findAndGetSequenceItem(DCM_FrameContentSequence, s, 0).good() && s) {
        int v = 0;
        if (get_int(s, DCM_InStackPositionNumber, &v))
            f->stack_position = v;
        if (get_int(s, DCM_TemporalPositionIndex, &v))
            f->temporal_position = v;
    }
}

sps_status read_header(sps_dcm_header *h, const char *path, sps_error *err)
{
    std::memset(h, 0, sizeof *h);
    h->series_number = h->instance_number = -1;
    h->top.slope = 1.0;
    h->top.stack_position = h->top.temporal_position = -1;
    h->temporal_position = -1;

    // Without the data dictionary, implicit-VR files parse into UN elements and every number
    // would silently go missing: refuse loudly instead.
    if (!dcmDataDict.isDictionaryLoaded())
        return sps_error_set(err, SPS_EINTERNAL, path,
                             "DCMTK data dictionary not loaded (check DCMDICTPATH / dicom.dic)");
    if (sps_status nst = nesting_check(path, err))
        return nst;
    DcmFileFormat ff;
    // Elements longer than 1 KiB (Pixel Data above all) are not read: they stay on disk.
    OFCondition c = ff.loadFile(path, EXS_Unknown, EGL_noChange, 1024, ERM_autoDetect);
    if (c.bad())
        return sps_error_set(err, SPS_EFORMAT, path, "not a readable DICOM file: %s", c.text());
    DcmMetaInfo *meta = ff.getMetaInfo();
    DcmDataset *ds = ff.getDataset();
    if (!ds)
        return sps_error_set(err, SPS_EFORMAT, path, "no dataset");
    char media[72];
    media[0] = '\0';
    if (meta && meta->card() > 0) {
        h->has_meta = 1;
        copy_str(meta, DCM_TransferSyntaxUID, h->transfer_syntax, sizeof h->transfer_syntax);
        copy_str(meta, DCM_MediaStorageSOPClassUID, media, sizeof media);
    }
    if (!h->transfer_syntax[0]) {
        DcmXfer x(ds->getOriginalXfer());
        sps_strlcpy(h->transfer_syntax, x.getXferID(), sizeof h->transfer_syntax);
    }
    // Strings go out as UTF-8 (SpecificCharacterSet (0008,0005) honoured where DCMTK can);
    // what cannot be converted is sanitised byte by byte in copy_str.
    (void)ds->convertToUTF8();
    if (std::strcmp(media, UID_MediaStorageDirectoryStorage) == 0 ||
        ds->tagExists(DCM_DirectoryRecordSequence)) {
        h->is_dicomdir = 1;
        return SPS_OK;
    }
    copy_str(ds, DCM_SOPClassUID, h->sop_class, sizeof h->sop_class);
    copy_str(ds, DCM_SOPInstanceUID, h->sop_instance, sizeof h->sop_instance);
    copy_str(ds, DCM_PatientID, h->patient_id, sizeof h->patient_id);
    copy_str(ds, DCM_PatientName, h->patient_name, sizeof h->patient_name);
    copy_str(ds, DCM_StudyInstanceUID, h->study_uid, sizeof h->study_uid);
    copy_str(ds, DCM_StudyDate, h->study_date, sizeof h->study_date);
    copy_str(ds, DCM_StudyDescription, h->study_desc, sizeof h->study_desc);
    copy_str(ds, DCM_SeriesInstanceUID, h->series_uid, sizeof h->series_uid);
    copy_str(ds, DCM_SeriesDescription, h->series_desc, sizeof h->series_desc);
    copy_str(ds, DCM_Modality, h->modality, sizeof h->modality);
    copy_str(ds, DCM_BodyPartExamined, h->body_part, sizeof h->body_part);
    copy_str(ds, DCM_ImageType, h->image_type, sizeof h->image_type);
    copy_str(ds, DCM_PhotometricInterpretation, h->photometric, sizeof h->photometric);
    copy_str(ds, DCM_FrameOfReferenceUID, h->frame_of_reference, sizeof h->frame_of_reference);
    get_int(ds, DCM_SeriesNumber, &h->series_number);
    get_int(ds, DCM_InstanceNumber, &h->instance_number);
    h->has_echo = get_int(ds, DCM_EchoNumbers, &h->echo_number);
    h->has_acquisition = get_int(ds, DCM_AcquisitionNumber, &h->acquisition_number);
    get_int(ds, DCM_TemporalPositionIdentifier, &h->temporal_position);

    h->has_pixel_data = ds->tagExists(DCM_PixelData) ? 1 : 0;
    // Elscint (ELSCINT1) private compression keeps the pixels in (07A1,100A) and names the
    // method in (07A1,1011) (orthanc-tests/misc/2020-09-12-ELSCINT1-PMSCT_RLE1.dcm).
    copy_str(ds, DcmTagKey(0x07a1, 0x1011), h->private_compression, sizeof h->private_compression);
    h->rows = get_us(ds, DCM_Rows, 0);
    h->cols = get_us(ds, DCM_Columns, 0);
    h->bits_allocated = get_us(ds, DCM_BitsAllocated, 0);
    h->bits_stored = get_us(ds, DCM_BitsStored, h->bits_allocated);
    h->high_bit = get_us(ds, DCM_HighBit, h->bits_stored ? h->bits_stored - 1 : 0);
    h->pixel_rep = get_us(ds, DCM_PixelRepresentation, 0);
    h->samples = get_us(ds, DCM_SamplesPerPixel, 1);
    int frames = 1;
    if (get_int(ds, DCM_NumberOfFrames, &frames) && frames < 1)
        return sps_error_set(err, SPS_EFORMAT, path, "NumberOfFrames (0028,0008) = %d, expected >= 1",
                             frames);
    h->frames = static_cast<unsigned>(frames);

    h->has_spacing_between = get_ds(ds, DCM_SpacingBetweenSlices, &h->spacing_between_slices, 1);
    h->has_gantry_tilt = get_ds(ds, DCM_GantryDetectorTilt, &h->gantry_tilt_deg, 1);

    sps_dcm_frame *t = &h->top;
    t->has_ipp = get_ds(ds, DCM_ImagePositionPatient, t->ipp, 3);
    t->has_iop = get_ds(ds, DCM_ImageOrientationPatient, t->iop, 6);
    t->has_spacing = get_ds(ds, DCM_PixelSpacing, t->pixel_spacing, 2);
    t->has_thickness = get_ds(ds, DCM_SliceThickness, &t->thickness, 1);
    get_rescale(ds, t);
    h->has_modality_lut = ds->tagExists(DCM_ModalityLUTSequence) ? 1 : 0;
    {
        int pad = 0;
        if (get_int(ds, DCM_PixelPaddingValue, &pad)) {
            h->pixel_padding = pad;
            h->has_pixel_padding = 1;
        }
    }
    DcmItem *shared = nullptr;
    if (ds->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() && shared)
        parse_functional_group(shared, t);

    DcmSequenceOfItems *per = nullptr;
    if (ds->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per).good() && per &&
        per->card() > 0) {
        unsigned long n = per->card();
        if (n != h->frames)
            return sps_error_set(err, SPS_EFORMAT, path,
                                 "PerFrameFunctionalGroupsSequence (5200,9230) has %lu items, "
                                 "NumberOfFrames (0028,0008) says %u",
                                 n, h->frames);
        h->per_frame = static_cast<sps_dcm_frame *>(std::calloc(n, sizeof(sps_dcm_frame)));
        if (!h->per_frame)
            return sps_error_set(err, SPS_ENOMEM, path, "out of memory (%lu frames)", n);
        h->n_per_frame = n;
        for (unsigned long i = 0; i < n; i++) {
            h->per_frame[i] = *t;
            parse_functional_group(per->getItem(i), &h->per_frame[i]);
        }
    }
    return SPS_OK;
}

sps_status decode(const sps_dcm_decode_req *r, sps_error *err)
{
    if (sps_status nst = nesting_check(r->path, err))
        return nst;
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(r->path);
    if (c.bad())
        return sps_error_set(err, SPS_EFORMAT, r->path, "cannot read the file with its pixel data: %s",
                             c.text());
    DcmDataset *ds = ff.getDataset();
    unsigned rows = get_us(ds, DCM_Rows, 0), cols = get_us(ds, DCM_Columns, 0);
    unsigned ba = get_us(ds, DCM_BitsAllocated, 0);
    if (rows != r->rows || cols != r->cols || ba != r->bits_allocated)
        return sps_error_set(err, SPS_EFORMAT, r->path,
                             "Rows/Columns/BitsAllocated (0028,0010/0011/0100) are %u/%u/%u, the "
                             "header scan found %u/%u/%u",
                             rows, cols, ba, r->rows, r->cols, r->bits_allocated);
    DcmXfer orig(ds->getOriginalXfer());
    c = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (c.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit)) {
        if (orig.isEncapsulated())
            return sps_error_set(err, SPS_EUNSUPPORTED, r->path,
                                 "cannot decode transfer syntax %s (%s): %s", orig.getXferID(),
                                 orig.getXferName(), c.bad() ? c.text() : "no decoder");
        return sps_error_set(err, SPS_EFORMAT, r->path, "Pixel Data (7FE0,0010) unusable: %s",
                             c.bad() ? c.text() : "cannot convert");
    }
    DcmElement *el = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, el).bad() || !el)
        return sps_error_set(err, SPS_EFORMAT, r->path, "Pixel Data (7FE0,0010) missing");
    const size_t bytes = ba / 8;
    const size_t frame_px = static_cast<size_t>(rows) * cols;
    const size_t need = frame_px * bytes * r->nframes_file;
    const void *src = nullptr;
    if (ba == 8) {
        Uint8 *p = nullptr;
        c = el->getUint8Array(p);
        src = p;
    } else {
        Uint16 *p = nullptr;
        c = el->getUint16Array(p);
        src = p;
    }
    if (c.bad() || !src)
        return sps_error_set(err, SPS_EFORMAT, r->path, "Pixel Data (7FE0,0010) unreadable: %s",
                             c.text());
    size_t have = el->getLength();
    if (have < need)
        return sps_error_set(err, SPS_EFORMAT, r->path,
                             "Pixel Data (7FE0,0010) holds %zu bytes, expected %zu (%zu frame(s) "
                             "of %ux%u at %u bits): truncated",
                             have, need, r->nframes_file, cols, rows, ba);
    for (size_t w = 0; w < r->nwant; w++) {
        const char *fsrc = static_cast<const char *>(src) + frame_px * bytes * r->frame[w];
        sps_dcm__convert(r->dst[w], fsrc, frame_px, ba, r->bits_stored, r->high_bit, r->pixel_rep,
                         r->slope[w], r->intercept[w]);
    }
    return SPS_OK;
}

sps_status dicomdir_files(std::vector<std::string> &out, const char *path, sps_error *err)
{
    if (sps_status nst = nesting_check(path, err))
        return nst;
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(path);
    if (c.bad())
        return sps_error_set(err, SPS_EFORMAT, path, "cannot read DICOMDIR: %s", c.text());
    DcmSequenceOfItems *seq = nullptr;
    if (ff.getDataset()->findAndGetSequence(DCM_DirectoryRecordSequence, seq).bad() || !seq)
        return sps_error_set(err, SPS_EFORMAT, path,
                             "DirectoryRecordSequence (0004,1220) missing in DICOMDIR");
    std::string dir(path);
    size_t slash = dir.find_last_of('/');
    dir = (slash == std::string::npos) ? std::string(".") : dir.substr(0, slash);
    for (unsigned long i = 0; i < seq->card(); i++) {
        DcmItem *rec = seq->getItem(i);
        OFString comp;
        DcmElement *el = nullptr;
        if (rec->findAndGetElement(DCM_ReferencedFileID, el).bad() || !el)
            continue;
        std::string rel;
        for (unsigned long k = 0; k < el->getVM(); k++) {
            if (el->getOFString(comp, k).bad())
                continue;
            while (!comp.empty() && comp[comp.length() - 1] == ' ')
                comp.erase(comp.length() - 1);
            rel += "/";
            rel += comp.c_str();
        }
        if (!rel.empty())
            out.push_back(dir + rel);
    }
    return SPS_OK;
}

} // namespace

extern "C" {

void sps_dcm__init(void) noexcept
{
    try {
        std::call_once(g_init_once, init_once);
    } catch (...) {
        // call_once only throws on a system error; the first decode then reports the codec.
    }
}

sps_status sps_dcm__read_header(sps_dcm_header *out, const char *path, sps_error *err) noexcept
{
    sps_dcm__init();
    sps_status st = guard(err, path, [&] { return read_header(out, path, err); });
    if (st != SPS_OK)
        sps_dcm__header_free(out);
    return st;
}

sps_status sps_dcm__dicomdir_files(char ***out, size_t *n, const char *path, sps_error *err) noexcept
{
    *out = nullptr;
    *n = 0;
    sps_dcm__init();
    return guard(err, path, [&] {
        std::vector<std::string> v;
        sps_status st = dicomdir_files(v, path, err);
        if (st != SPS_OK)
            return st;
        char **arr = static_cast<char **>(std::calloc(v.size() + 1, sizeof(char *)));
        if (!arr)
            throw std::bad_alloc();
        for (size_t i = 0; i < v.size(); i++) {
            arr[i] = sps_strdup(v[i].c_str());
            if (!arr[i]) {
                for (size_t k = 0; k < i; k++)
                    std::free(arr[k]);
                std::free(arr);
                throw std::bad_alloc();
            }
        }
        *out = arr;
        *n = v.size();
        return SPS_OK;
    });
}

sps_status sps_dcm__decode(const sps_dcm_decode_req *req, sps_error *err) noexcept
{
    sps_dcm__init();
    return guard(err, req->path, [&] { return decode(req, err); });
}

} // extern "C"
