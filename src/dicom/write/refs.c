/* refs.c — the source-image references of one indexed series: every file of the series part
 * (sps_dicom_scan) read once for its SOP class/instance, plane and the patient/study header. */
#include <stdlib.h>
#include <string.h>

#include "../dicom_internal.h"
#include "dicom_sr_internal.h"
#include "util_internal.h"

typedef struct keyed {
    double along; /* position along the slice normal */
    size_t i;
} keyed;

static int by_position(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return x->along < y->along ? -1 : x->along > y->along ? 1 : (x->i > y->i) - (x->i < y->i);
}

sps_status sps_dicom_series_image_refs(sps_dicom_image_ref **out, size_t *count, sps_dicom_study_header *hdr,
                                       const sps_dicom_index *idx, const char *key, sps_error *err)
{
    if (!out || !count || !idx || !key)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_series_image_refs", "out, count, idx and key are required");
    *out = NULL;
    *count = 0;
    size_t pi = sps_dicom_index_find(idx, key, NULL);
    if (pi == (size_t)-1)
        return sps_error_set(err, SPS_ENOTFOUND, key, "no series with this key or SeriesInstanceUID");
    const sps_dcm_part *part = &idx->parts[pi];
    sps_dicom_image_ref *refs = calloc(part->nslices ? part->nslices : 1, sizeof *refs);
    unsigned char *seen = calloc(idx->nfiles ? idx->nfiles : 1, 1);
    if (!refs || !seen) {
        free(refs);
        free(seen);
        return sps_error_set(err, SPS_ENOMEM, key, "out of memory");
    }
    size_t n = 0;
    sps_status st = SPS_OK;
    for (size_t k = 0; k < part->nslices && st == SPS_OK; k++) {
        size_t f = idx->slices[part->slices[k]].file;
        if (seen[f]) /* a multi-frame file is one SOP instance */
            continue;
        seen[f] = 1;
        st = sps_dicom_read_image_ref(idx->files[f].path, &refs[n], n == 0 ? hdr : NULL, err);
        if (st == SPS_OK)
            n++;
    }
    free(seen);
    if (st != SPS_OK) {
        free(refs);
        return st;
    }
    /* slice order: along the normal (row x column cosines) of the first image, when every image has
     * geometry; otherwise the index's order */
    int all = n > 0;
    for (size_t i = 0; i < n; i++)
        all &= refs[i].has_geometry;
    if (all) {
        double normal[3];
        const double *r = refs[0].row_cosines, *c = refs[0].col_cosines;
        normal[0] = r[1] * c[2] - r[2] * c[1];
        normal[1] = r[2] * c[0] - r[0] * c[2];
        normal[2] = r[0] * c[1] - r[1] * c[0];
        keyed *k = malloc(n * sizeof *k);
        sps_dicom_image_ref *sorted = malloc(n * sizeof *sorted);
        if (!k || !sorted) {
            free(k);
            free(sorted);
            free(refs);
            return sps_error_set(err, SPS_ENOMEM, key, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            const double *p = refs[i].position_lps;
            k[i].along = p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
            k[i].i = i;
        }
        qsort(k, n, sizeof *k, by_position);
        for (size_t i = 0; i < n; i++)
            sorted[i] = refs[k[i].i];
        free(k);
        free(refs);
        refs = sorted;
    }
    *out = refs;
    *count = n;
    return SPS_OK;
}
