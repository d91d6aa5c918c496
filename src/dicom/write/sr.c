/* sr.c — argument checks, LPS -> image coordinates and temp+rename around the SR / SC shims. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dicom_sr_internal.h"
#include "util_internal.h"

void sps_dicom_new_uid(char out[65])
{
    sps_dw__new_uid(out);
}

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void normal_of(const sps_dicom_image_ref *img, double n[3])
{
    const double *r = img->row_cosines, *c = img->col_cosines;
    n[0] = r[1] * c[2] - r[2] * c[1];
    n[1] = r[2] * c[0] - r[0] * c[2];
    n[2] = r[0] * c[1] - r[1] * c[0];
}

int sps_dicom_image_project(const sps_dicom_image_ref *img, const double lps[3], double *column, double *row,
                            double *plane_distance_mm)
{
    if (!img || !img->has_geometry || !(img->row_spacing_mm > 0) || !(img->col_spacing_mm > 0))
        return -1;
    double d[3] = {lps[0] - img->position_lps[0], lps[1] - img->position_lps[1], lps[2] - img->position_lps[2]};
    double n[3];
    normal_of(img, n);
    /* pixel (i, j) has its centre at i + 0.5, j + 0.5 in SCOORD image coordinates */
    if (column)
        *column = dot3(d, img->row_cosines) / img->col_spacing_mm + 0.5;
    if (row)
        *row = dot3(d, img->col_cosines) / img->row_spacing_mm + 0.5;
    if (plane_distance_mm)
        *plane_distance_mm = fabs(dot3(d, n));
    return 0;
}

int sps_sr__locate(const sps_sr_document *doc, const double lps[3], const char *series_uid, size_t *image,
                   double *column, double *row)
{
    size_t best = (size_t)-1;
    double bd = INFINITY, second = INFINITY, bc = 0, br = 0;
    for (size_t i = 0; i < doc->nimages; i++) {
        double c, r, dist;
        if (series_uid && series_uid[0] && strcmp(doc->images[i].series_uid, series_uid) != 0)
            continue;
        if (sps_dicom_image_project(&doc->images[i], lps, &c, &r, &dist) != 0)
            continue;
        if (dist < bd) {
            second = bd;
            bd = dist;
            best = i;
            bc = c;
            br = r;
        } else if (dist < second) {
            second = dist;
        }
    }
    if (best == (size_t)-1)
        return -1;
    /* tolerance: given, else half the gap between the two nearest planes (the point lies between
     * them: their distances add up to the gap) */
    double tol = doc->max_plane_distance_mm > 0 ? doc->max_plane_distance_mm
                                                : (isfinite(second) ? 0.5 * (bd + second) + 1e-6 : 1e-3);
    const sps_dicom_image_ref *im = &doc->images[best];
    if (bd > tol || bc < 0 || br < 0 || bc > (double)im->cols || br > (double)im->rows)
        return -1;
    *image = best;
    *column = bc;
    *row = br;
    return 0;
}

static sps_status check_code(const sps_sr_code *c, const char *where, sps_error *err)
{
    if (!c->value || !c->scheme || !c->meaning || !*c->value || !*c->scheme || !*c->meaning)
        return sps_error_set(err, SPS_EINVALID, where, "a code needs value, coding scheme designator and meaning");
    return SPS_OK;
}

/* Write through @p fn to a hidden temporary name beside @p path, then rename. */
static char *temp_name(const char *path)
{
    size_t n = strlen(path) + 64;
    char *tmp = malloc(n);
    if (!tmp)
        return NULL;
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, n, "%.*s/.%s.%ld.tmp", (int)(slash - path), path, slash + 1, (long)getpid());
    else
        snprintf(tmp, n, ".%s.%ld.tmp", path, (long)getpid());
    return tmp;
}

static sps_status finish(sps_status st, char *tmp, const char *path, sps_error *err)
{
    if (st == SPS_OK && rename(tmp, path) != 0)
        st = sps_error_set(err, SPS_EIO, path, "cannot rename the temporary file into place");
    if (st != SPS_OK)
        remove(tmp);
    free(tmp);
    return st;
}

sps_status sps_dicom_write_sr(const char *path, const sps_sr_document *doc, sps_sr_result *result, sps_error *err)
{
    sps_sr_result local;
    if (!result)
        result = &local;
    memset(result, 0, sizeof *result);
    if (!path || !doc || !doc->study)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_write_sr", "path, document and study header are required");
    if (!doc->study->study_uid[0])
        return sps_error_set(err, SPS_EINVALID, "study.study_uid", "the StudyInstanceUID of the source images is required");
    if (!doc->images || doc->nimages == 0)
        return sps_error_set(err, SPS_EINVALID, "images", "at least one source image is required (evidence)");
    for (size_t i = 0; i < doc->nimages; i++)
        if (!doc->images[i].sop_class_uid[0] || !doc->images[i].sop_instance_uid[0] || !doc->images[i].series_uid[0]) {
            char w[48];
            snprintf(w, sizeof w, "images[%zu]", i);
            return sps_error_set(err, SPS_EINVALID, w, "SOP Class, SOP Instance and Series UIDs are required");
        }
    if (doc->ngroups == 0 && doc->nevaluations == 0)
        return sps_error_set(err, SPS_EINVALID, "sps_sr_document", "nothing to report: no measurement group and no evaluation");
    for (size_t g = 0; g < doc->ngroups; g++) {
        const sps_sr_group *gr = &doc->groups[g];
        char w[96];
        for (size_t m = 0; m < gr->nmeasurements; m++) {
            snprintf(w, sizeof w, "groups[%zu].measurements[%zu].concept", g, m);
            if (check_code(&gr->measurements[m].concept, w, err) != SPS_OK)
                return SPS_EINVALID;
            snprintf(w, sizeof w, "groups[%zu].measurements[%zu].unit", g, m);
            if (check_code(&gr->measurements[m].unit, w, err) != SPS_OK)
                return SPS_EINVALID;
        }
    }
    char *tmp = temp_name(path);
    if (!tmp)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    return finish(sps_dw__write_sr(tmp, doc, result, err), tmp, path, err);
}

sps_status sps_dicom_write_sc(const char *path, const sps_sc_image *sc, char sop_uid_out[65], sps_error *err)
{
    if (!path || !sc || !sc->study || !sc->rgb)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_write_sc", "path, image, study header and pixels are required");
    if (!sc->study->study_uid[0])
        return sps_error_set(err, SPS_EINVALID, "study.study_uid", "the StudyInstanceUID of the source images is required");
    if (!sc->series_uid || !*sc->series_uid)
        return sps_error_set(err, SPS_EINVALID, "series_uid", "a series UID is required (one per run, shared by its snapshots)");
    if (sc->width < 1 || sc->height < 1 || sc->width > 16384 || sc->height > 16384)
        return sps_error_set(err, SPS_EINVALID, "width/height", "%ux%u is outside 1..16384", sc->width, sc->height);
    char *tmp = temp_name(path);
    if (!tmp)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    return finish(sps_dw__write_sc(tmp, sc, sop_uid_out, err), tmp, path, err);
}

sps_status sps_dicom_write_sc_png(const char *path, const char *png_path, const sps_sc_image *sc, char sop_uid_out[65],
                                  sps_error *err)
{
    if (!sc)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_write_sc_png", "image description is required");
    unsigned char *rgb = NULL;
    unsigned w = 0, h = 0;
    sps_status st = sps_png_read_rgb(png_path, &rgb, &w, &h, err);
    if (st != SPS_OK)
        return st;
    sps_sc_image copy = *sc;
    char desc[2048];
    if (!copy.description && sps_png__text(png_path, "Description", desc, sizeof desc))
        copy.description = desc; /* what the renderer says the picture shows (docs/snapshots.md) */
    copy.rgb = rgb;
    copy.width = w;
    copy.height = h;
    st = sps_dicom_write_sc(path, &copy, sop_uid_out, err);
    free(rgb);
    return st;
}
