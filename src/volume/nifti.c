/* nifti.c — write an sps_volume as a NIfTI-1 file (.nii, float32) so results can be compared with
 * other tools (dcm2niix, ITK, 3D Slicer). Geometry goes into sform and qform (RAS = LPS with x, y
 * negated). Written to a temporary name and renamed: a reader never sees half a file. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spinescore/volume.h"
#include "util_internal.h"

/* NIfTI-1 header, 348 bytes (nifti1.h field order). */
#pragma pack(push, 1)
typedef struct nifti1_header {
    int32_t sizeof_hdr;
    char data_type[10], db_name[18];
    int32_t extents;
    int16_t session_error;
    char regular, dim_info;
    int16_t dim[8];
    float intent_p1, intent_p2, intent_p3;
    int16_t intent_code, datatype, bitpix, slice_start;
    float pixdim[8], vox_offset, scl_slope, scl_inter;
    int16_t slice_end;
    char slice_code, xyzt_units;
    float cal_max, cal_min, slice_duration, toffset;
    int32_t glmax, glmin;
    char descrip[80], aux_file[24];
    int16_t qform_code, sform_code;
    float quatern_b, quatern_c, quatern_d, qoffset_x, qoffset_y, qoffset_z;
    float srow_x[4], srow_y[4], srow_z[4];
    char intent_name[16], magic[4];
} nifti1_header;
#pragma pack(pop)

_Static_assert(sizeof(nifti1_header) == 348, "NIfTI-1 header must be 348 bytes");

/* Quaternion of a proper rotation R (columns = unit axes), as in nifti1_io's
 * nifti_mat44_to_quatern; qfac (-1 or 1) is handled by the caller. */
static void rotation_to_quaternion(const double r[3][3], double *b, double *c, double *d)
{
    double a = r[0][0] + r[1][1] + r[2][2] + 1.0;
    if (a > 0.5) {
        a = 0.5 * sqrt(a);
        *b = 0.25 * (r[2][1] - r[1][2]) / a;
        *c = 0.25 * (r[0][2] - r[2][0]) / a;
        *d = 0.25 * (r[1][0] - r[0][1]) / a;
    } else {
        double xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        double yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        double zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if (xd > 1.0) {
            *b = 0.5 * sqrt(xd);
            *c = 0.25 * (r[0][1] + r[1][0]) / *b;
            *d = 0.25 * (r[0][2] + r[2][0]) / *b;
            a = 0.25 * (r[2][1] - r[1][2]) / *b;
        } else if (yd > 1.0) {
            *c = 0.5 * sqrt(yd);
            *b = 0.25 * (r[0][1] + r[1][0]) / *c;
            *d = 0.25 * (r[1][2] + r[2][1]) / *c;
            a = 0.25 * (r[0][2] - r[2][0]) / *c;
        } else {
            *d = 0.5 * sqrt(zd);
            *b = 0.25 * (r[0][2] + r[2][0]) / *d;
            *c = 0.25 * (r[1][2] + r[2][1]) / *d;
            a = 0.25 * (r[1][0] - r[0][1]) / *d;
        }
        if (a < 0.0) {
            *b = -*b;
            *c = -*c;
            *d = -*d;
        }
    }
}

sps_status sps_volume_write_nifti(const sps_volume *vol, const char *path, sps_error *err)
{
    if (!vol || !path)
        return sps_error_set(err, SPS_EINVALID, "sps_volume_write_nifti", "vol and path are required");
    const sps_geometry *g = sps_volume_geometry(vol);
    for (int a = 0; a < 3; a++)
        if (g->dims[a] > 32767)
            return sps_error_set(err, SPS_EUNSUPPORTED, path,
                                 "dims[%d] = %zu exceeds NIfTI-1's limit of 32767", a, g->dims[a]);
    nifti1_header h;
    memset(&h, 0, sizeof h);
    h.sizeof_hdr = 348;
    h.regular = 'r';
    h.dim[0] = 3;
    for (int a = 0; a < 3; a++) {
        h.dim[a + 1] = (int16_t)g->dims[a];
        h.pixdim[a + 1] = (float)g->spacing_mm[a];
    }
    h.dim[4] = h.dim[5] = h.dim[6] = h.dim[7] = 1;
    h.pixdim[4] = h.pixdim[5] = h.pixdim[6] = h.pixdim[7] = 1.0f;
    h.datatype = 16; /* NIFTI_TYPE_FLOAT32 */
    h.bitpix = 32;
    h.vox_offset = 352.0f;
    h.scl_slope = 1.0f;
    h.xyzt_units = 2; /* NIFTI_UNITS_MM */
    snprintf(h.descrip, sizeof h.descrip, "spinescore %s %s",
             sps_volume_modality(vol), sps_volume_units(vol) == SPS_UNITS_HU ? "HU" : "raw");
    /* index -> RAS: RAS = diag(-1,-1,1) * (origin + sum_a idx_a * spacing_a * dir_a) */
    static const double flip[3] = {-1.0, -1.0, 1.0};
    float *rows[3] = {h.srow_x, h.srow_y, h.srow_z};
    double rot[3][3]; /* columns = unit axes in RAS */
    for (int c = 0; c < 3; c++) {
        for (int a = 0; a < 3; a++) {
            rows[c][a] = (float)(flip[c] * g->direction[a][c] * g->spacing_mm[a]);
            rot[c][a] = flip[c] * g->direction[a][c];
        }
        rows[c][3] = (float)(flip[c] * g->origin_lps[c]);
    }
    h.sform_code = 1; /* NIFTI_XFORM_SCANNER_ANAT */
    h.qform_code = 1;
    double det = rot[0][0] * (rot[1][1] * rot[2][2] - rot[1][2] * rot[2][1]) -
                 rot[0][1] * (rot[1][0] * rot[2][2] - rot[1][2] * rot[2][0]) +
                 rot[0][2] * (rot[1][0] * rot[2][1] - rot[1][1] * rot[2][0]);
    double qfac = det < 0.0 ? -1.0 : 1.0;
    if (qfac < 0.0) /* the third axis is flipped in the quaternion representation */
        for (int c = 0; c < 3; c++)
            rot[c][2] = -rot[c][2];
    double qb, qc, qd;
    rotation_to_quaternion(rot, &qb, &qc, &qd);
    h.quatern_b = (float)qb;
    h.quatern_c = (float)qc;
    h.quatern_d = (float)qd;
    h.pixdim[0] = (float)qfac;
    h.qoffset_x = rows[0][3];
    h.qoffset_y = rows[1][3];
    h.qoffset_z = rows[2][3];
    memcpy(h.magic, "n+1", 4);

    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        sps_status st = sps_error_set(err, SPS_EIO, path, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    static const char ext[4] = {0, 0, 0, 0};
    size_t n = sps_volume_voxel_count(vol);
    int ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(ext, 4, 1, f) == 1 &&
             fwrite(sps_volume_data_const(vol), sizeof(float), n, f) == n;
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return sps_error_set(err, SPS_EIO, path, "cannot write NIfTI file: %s", strerror(e));
    }
    free(tmp);
    return SPS_OK;
}
