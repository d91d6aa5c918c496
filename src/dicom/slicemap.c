/* slicemap.c — map an image of a series (SOPInstanceUID or InstanceNumber, frame) to the slice
 * index of the loaded volume, through its ImagePositionPatient (never through file order). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dicom_internal.h"
#include "util_internal.h"

sps_status sps_dicom_slice_index(size_t *k_out, const sps_dicom_index *idx, const char *key,
                                 const sps_volume *vol, const char *sop_uid, int instance_number,
                                 unsigned frame, sps_error *err)
{
    if (!k_out || !idx || !key || !vol)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_slice_index", "k_out, idx, key and vol are required");
    *k_out = 0;
    size_t pi = sps_dicom_index_find(idx, key, NULL);
    if (pi == (size_t)-1)
        return sps_error_set(err, SPS_ENOTFOUND, key, "no series with this key or SeriesInstanceUID");
    if (frame < 1)
        return sps_error_set(err, SPS_ENOTFOUND, key, "frame numbers start at 1, got %u", frame);
    const sps_dcm_part *part = &idx->parts[pi];
    int by_sop = sop_uid && sop_uid[0];
    const sps_dcm_slice *hit = NULL;
    size_t nhit = 0, file_matches = 0;
    for (size_t n = 0; n < part->nslices; n++) {
        const sps_dcm_slice *s = &idx->slices[part->slices[n]];
        const sps_dcm_header *h = &idx->files[s->file].h;
        int match = by_sop ? strcmp(h->sop_instance, sop_uid) == 0 : h->instance_number == instance_number;
        if (!match)
            continue;
        if (s->frame == 0)
            file_matches++;
        if (s->frame + 1 == frame) {
            if (!hit)
                hit = s;
            nhit++;
        }
    }
    char what[128];
    if (by_sop)
        snprintf(what, sizeof what, "SOPInstanceUID %s frame %u", sop_uid, frame);
    else
        snprintf(what, sizeof what, "InstanceNumber %d frame %u", instance_number, frame);
    if (!hit)
        return sps_error_set(err, SPS_ENOTFOUND, key, "%s is not an image of this series%s", what,
                             file_matches ? " (the file exists but has fewer frames)" : "");
    if (nhit > 1)
        return sps_error_set(err, SPS_EINVALID, key,
                             "%s is ambiguous: %zu images of the series share it; give sop_instance_uid instead",
                             what, nhit);
    const sps_dcm_frame *f = sps_dcm__slice_frame(idx, hit);
    if (!f->has_ipp)
        return sps_error_set(err, SPS_EINVALID, idx->files[hit->file].path,
                             "%s has no ImagePositionPatient (0020,0032)", what);
    const sps_geometry *g = sps_volume_geometry(vol);
    double ijk[3];
    sps_geometry_lps_to_index(ijk, g, f->ipp);
    double kr = floor(ijk[2] + 0.5);
    if (fabs(ijk[0]) > 0.01 || fabs(ijk[1]) > 0.01 || fabs(ijk[2] - kr) > 0.01 || kr < 0 ||
        kr >= (double)g->dims[2])
        return sps_error_set(err, SPS_EINVALID, idx->files[hit->file].path,
                             "%s is not a slice of the loaded volume (its position maps to voxel %.2f, %.2f, %.2f)",
                             what, ijk[0], ijk[1], ijk[2]);
    *k_out = (size_t)kr;
    return SPS_OK;
}
