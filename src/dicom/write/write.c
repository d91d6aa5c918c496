/* write.c — argument checks, deterministic UIDs and temp+rename around the DCMTK slice writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dicom_write_internal.h"
#include "util_internal.h"

/* 64-bit FNV-1a over a byte string, continuing from state h. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* splitmix64 finaliser: spreads the FNV state over all bits. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

sps_status sps_dicom_make_uid(char out[65], const char *seed, const char *purpose, unsigned index,
                              sps_error *err)
{
    if (!out || !seed || !purpose)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_make_uid",
                             "out, seed and purpose must not be NULL");
    char idx[32];
    snprintf(idx, sizeof idx, "#%u", index);
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, seed);
    h = fnv1a(h, "|");
    h = fnv1a(h, purpose);
    h = fnv1a(h, idx);
    uint64_t hi = mix64(h ^ 0x5350532d55494431ULL); /* "SPS-UID1" */
    uint64_t lo = mix64(h + 0x9e3779b97f4a7c15ULL);
    /* UUID-derived OIDs (2.25) are at most 128 bits; print hi:lo in decimal by long division
     * over four 32-bit limbs. */
    uint32_t limb[4] = {(uint32_t)(hi >> 32), (uint32_t)hi, (uint32_t)(lo >> 32), (uint32_t)lo};
    char digits[48];
    int nd = 0;
    int nonzero = 1;
    while (nonzero) {
        uint64_t rem = 0;
        nonzero = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10u);
            rem = cur % 10u;
            if (limb[i])
                nonzero = 1;
        }
        digits[nd++] = (char)('0' + (int)rem);
    }
    size_t pos = 0;
    memcpy(out, "2.25.", 5);
    pos = 5;
    while (nd > 0)
        out[pos++] = digits[--nd];
    out[pos] = '\0';
    return SPS_OK;
}

static int finite3(const double v[3])
{
    return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]);
}

static sps_status check_series(const sps_dw_series *s, sps_error *err)
{
    const char *w = "sps_dw_series";
    if (s->modality != SPS_DW_MODALITY_CT && s->modality != SPS_DW_MODALITY_MR)
        return sps_error_set(err, SPS_EINVALID, w, "modality %d is not CT (0) or MR (1)",
                             (int)s->modality);
    if (s->syntax != SPS_DW_SYNTAX_EXPLICIT_LE && s->syntax != SPS_DW_SYNTAX_JPEGLS_LOSSLESS &&
        s->syntax != SPS_DW_SYNTAX_RLE)
        return sps_error_set(err, SPS_EINVALID, w, "syntax %d is not one of 0, 1, 2", (int)s->syntax);
    if (s->rows < 1 || s->rows > 4096 || s->cols < 1 || s->cols > 4096)
        return sps_error_set(err, SPS_EINVALID, w, "rows %d x cols %d: expected 1..4096 each",
                             s->rows, s->cols);
    if (s->slices < 1 || s->slices > 10000)
        return sps_error_set(err, SPS_EINVALID, w, "slices %d: expected 1..10000", s->slices);
    if (!(s->row_spacing_mm > 0) || !(s->col_spacing_mm > 0) || !isfinite(s->row_spacing_mm) ||
        !isfinite(s->col_spacing_mm))
        return sps_error_set(err, SPS_EINVALID, w, "pixel spacing %g x %g mm: expected > 0",
                             s->row_spacing_mm, s->col_spacing_mm);
    if (!(s->slice_thickness_mm > 0) || !(s->spacing_between_slices_mm > 0) ||
        !isfinite(s->slice_thickness_mm) || !isfinite(s->spacing_between_slices_mm))
        return sps_error_set(err, SPS_EINVALID, w,
                             "slice thickness %g mm / spacing %g mm: expected > 0",
                             s->slice_thickness_mm, s->spacing_between_slices_mm);
    if (!finite3(s->first_position_lps) || !finite3(s->row_cosines) || !finite3(s->col_cosines))
        return sps_error_set(err, SPS_EINVALID, w, "position or orientation is not finite");
    const double *r = s->row_cosines, *c = s->col_cosines;
    double nr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double nc = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    double dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
    if (fabs(nr - 1.0) > 1e-6 || fabs(nc - 1.0) > 1e-6 || fabs(dot) > 1e-6)
        return sps_error_set(err, SPS_EINVALID, w,
                             "row/column cosines must be orthonormal (|r|=%.9f |c|=%.9f r.c=%.3g)",
                             nr, nc, dot);
    if (!(s->window_width > 0) || !isfinite(s->window_center))
        return sps_error_set(err, SPS_EINVALID, w, "window width %g must be > 0",
                             s->window_width);
    if (!s->patient_name || !*s->patient_name || !s->patient_id || !*s->patient_id)
        return sps_error_set(err, SPS_EINVALID, w, "patient_name and patient_id are required");
    if (s->file_prefix && (strlen(s->file_prefix) > 32 || strchr(s->file_prefix, '/')))
        return sps_error_set(err, SPS_EINVALID, w,
                             "file_prefix \"%s\": expected at most 32 characters, no '/'",
                             s->file_prefix);
    return SPS_OK;
}

sps_status sps_dicom_write_series(const char *dir, const sps_dw_series *series,
                                  const uint16_t *pixels, sps_error *err)
{
    if (!dir || !series || !pixels)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_write_series",
                             "dir, series and pixels must not be NULL");
    sps_status st = check_series(series, err);
    if (st != SPS_OK)
        return st;
    size_t plane = (size_t)series->rows * (size_t)series->cols;
    for (size_t i = 0, n = plane * (size_t)series->slices; i < n; i++)
        if (pixels[i] > 4095)
            return sps_error_set(err, SPS_EINVALID, "sps_dicom_write_series",
                                 "stored value %u at pixel %zu exceeds 4095 (BitsStored 12)",
                                 (unsigned)pixels[i], i);

    sps_dw__slice sl;
    memset(&sl, 0, sizeof sl);
    if (series->uid_seed) {
        sps_dicom_make_uid(sl.study_uid, series->uid_seed, "study", 0, NULL);
        sps_dicom_make_uid(sl.series_uid, series->uid_seed, "series", 0, NULL);
        sps_dicom_make_uid(sl.frame_uid, series->uid_seed, "frame-of-reference", 0, NULL);
    } else {
        sps_dw__new_uid(sl.study_uid);
        sps_dw__new_uid(sl.series_uid);
        sps_dw__new_uid(sl.frame_uid);
    }

    const double *r = series->row_cosines, *c = series->col_cosines;
    double nrm[3] = {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
    const char *prefix = series->file_prefix ? series->file_prefix : "IM";
    size_t dlen = strlen(dir);
    size_t cap = dlen + strlen(prefix) + 40;
    char *path = malloc(cap);
    char *tmp = malloc(cap);
    if (!path || !tmp) {
        free(path);
        free(tmp);
        return sps_error_set(err, SPS_ENOMEM, dir, "out of memory for file names");
    }
    for (int k = 0; k < series->slices && st == SPS_OK; k++) {
        sl.index = k;
        for (int a = 0; a < 3; a++)
            sl.position_lps[a] =
                series->first_position_lps[a] + (double)k * series->spacing_between_slices_mm * nrm[a];
        if (series->uid_seed)
            sps_dicom_make_uid(sl.instance_uid, series->uid_seed, "instance", (unsigned)k, NULL);
        else
            sps_dw__new_uid(sl.instance_uid);
        snprintf(path, cap, "%s/%s%04d.dcm", dir, prefix, k + 1);
        snprintf(tmp, cap, "%s/.%s%04d.dcm.tmp", dir, prefix, k + 1);
        st = sps_dw__write_slice(tmp, series, &sl, pixels + plane * (size_t)k, err);
        if (st != SPS_OK) {
            remove(tmp);
            break;
        }
        if (rename(tmp, path) != 0) {
            remove(tmp);
            st = sps_error_set(err, SPS_EIO, path, "cannot rename the temporary file into place");
        }
    }
    free(path);
    free(tmp);
    return st;
}
