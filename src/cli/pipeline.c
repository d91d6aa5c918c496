/* pipeline.c — scan -> choose series -> load -> annotations (pixel references resolved through
 * the loaded geometry, every point checked against the volume) -> measure one level. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline.h"
#include "spinescore/version.h"
#include "util_internal.h"

#define SPS_ANNOTATIONS_MAX_BYTES (64u * 1024u * 1024u)

typedef struct resolver_ctx {
    const sps_dicom_index *index;
    const char *key;
    const sps_volume *vol;
    const char *series_uid;
    char detail[600];
} resolver_ctx;

/* sps_pixel_resolver over a loaded series: (SOP or instance, frame) -> slice k, then (column, row, k) -> LPS. */
static int resolve_pixel(void *vctx, const char *series_uid, const char *sop_uid, int instance, int frame,
                         double column, double row, double lps_out[3])
{
    resolver_ctx *c = vctx;
    c->detail[0] = '\0';
    if (series_uid && series_uid[0] && strcmp(series_uid, c->series_uid) != 0) {
        snprintf(c->detail, sizeof c->detail, "it names series %s but the loaded series is %s", series_uid, c->series_uid);
        return 1;
    }
    if (frame < 1) {
        snprintf(c->detail, sizeof c->detail, "frame %d: frames are numbered from 1", frame);
        return 1;
    }
    sps_error e;
    sps_error_clear(&e);
    size_t k = 0;
    if (sps_dicom_slice_index(&k, c->index, c->key, c->vol, sop_uid, instance, (unsigned)frame, &e) != SPS_OK) {
        sps_strlcpy(c->detail, e.message, sizeof c->detail);
        return 1;
    }
    const sps_geometry *g = sps_volume_geometry(c->vol);
    if (!(column >= -0.5 && column <= (double)g->dims[0] - 0.5) || !(row >= -0.5 && row <= (double)g->dims[1] - 0.5)) {
        snprintf(c->detail, sizeof c->detail, "column %.1f, row %.1f is outside the %zu x %zu image (columns 0-%zu, rows 0-%zu)",
                 column, row, g->dims[0], g->dims[1], g->dims[0] - 1, g->dims[1] - 1);
        return 1;
    }
    double ijk[3] = {column, row, (double)k};
    sps_geometry_index_to_lps(lps_out, g, ijk);
    return 0;
}

void sps_pipeline_free(sps_pipeline *p)
{
    if (!p)
        return;
    sps_annotations_free(p->annotations);
    sps_volume_free(p->volume);
    sps_dicom_report_free(p->report);
    sps_dicom_index_free(p->index);
    free(p);
}

/* Choose the series: explicit, else the annotations' series_uid, else the only candidate. */
static sps_status choose_series(size_t *chosen, sps_pipeline_failure *why, const sps_dicom_index *idx,
                                const char *want, const char *want_origin, const char *study, sps_error *err)
{
    size_t n = sps_dicom_index_series_count(idx);
    if (want) {
        size_t amb = 0;
        size_t i = sps_dicom_index_find(idx, want, &amb);
        if (i != (size_t)-1) {
            *chosen = i;
            return SPS_OK;
        }
        if (amb > 1) {
            sps_str list = {0};
            for (size_t s = 0; s < n; s++) {
                const sps_dicom_series_info *si = sps_dicom_index_series(idx, s);
                if (strcmp(si->series_uid, want) == 0)
                    sps_str_printf(&list, "%s%s (%s)", list.len ? "; " : "", si->key, si->split);
            }
            if (why)
                *why = SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES;
            sps_status st = sps_error_set(err, SPS_EINVALID, want_origin,
                                          "series %s holds %zu volumes; choose one with --series: %s", want, amb,
                                          list.ptr ? list.ptr : "");
            sps_str_free(&list);
            return st;
        }
        return sps_error_set(err, SPS_ENOTFOUND, want_origin, "series %s is not in %s (spinescore scan lists the series)",
                             want, study);
    }
    size_t cand = (size_t)-1, ncand = 0;
    sps_str list = {0};
    for (size_t s = 0; s < n; s++) {
        const sps_dicom_series_info *si = sps_dicom_index_series(idx, s);
        if (si->localizer || si->frames < 3)
            continue;
        ncand++;
        cand = s;
        sps_str_printf(&list, "\n  --series %s  (%s %s, %zu slices, %s%s%s)", si->key, si->modality,
                       sps_orientation_name(si->orientation), si->frames,
                       si->series_description[0] ? si->series_description : "no description",
                       si->split[0] ? ", " : "", si->split);
    }
    sps_status st = SPS_OK;
    if (ncand == 1) {
        *chosen = cand;
    } else if (ncand == 0) {
        st = sps_error_set(err, SPS_ENOTFOUND, study, "no image series with at least 3 slices (spinescore scan shows what was found)");
    } else {
        if (why)
            *why = SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES;
        st = sps_error_set(err, SPS_EINVALID, study, "%zu series could be measured; choose one with --series:%s", ncand,
                           list.ptr ? list.ptr : "");
    }
    sps_str_free(&list);
    return st;
}

int sps_pipeline_pixel_to_lps(const sps_pipeline *p, const char *series_uid, const char *sop_uid, int instance,
                              int frame, double column, double row, double lps[3], char *detail, size_t detail_size)
{
    resolver_ctx rc = {p->index, p->series.key, p->volume, p->series.series_uid, ""};
    int r = resolve_pixel(&rc, series_uid, sop_uid, instance, frame, column, row, lps);
    if (r && detail_size)
        sps_strlcpy(detail, rc.detail, detail_size);
    return r;
}

sps_status sps_pipeline_set_annotations(sps_pipeline *p, const sps_models *models, const char *text, size_t len,
                                        const char *origin, sps_error *err)
{
    resolver_ctx rc = {p->index, p->series.key, p->volume, p->series.series_uid, ""};
    sps_annotations *a = NULL;
    sps_status st = sps_annotations_parse(&a, models, text, len, origin, resolve_pixel, &rc, err);
    if (st != SPS_OK) {
        if (rc.detail[0] && err) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "pixel reference not in the loaded series: %.600s", rc.detail);
            sps_strlcpy(err->message, msg, sizeof err->message);
        }
        return st;
    }
    st = sps_annotations_check_volume(a, p->volume, err);
    if (st != SPS_OK) {
        sps_annotations_free(a);
        return st;
    }
    sps_annotations_free(p->annotations);
    p->annotations = a;
    return SPS_OK;
}

sps_status sps_pipeline_open(sps_pipeline **out, sps_pipeline_failure *why, const sps_models *models,
                             const sps_pipeline_request *req, sps_error *err)
{
    *out = NULL;
    if (why)
        *why = SPS_PIPELINE_FAIL_OTHER;
    sps_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return sps_error_set(err, SPS_ENOMEM, req->study_path, "out of memory");
    char *text = NULL;
    size_t len = 0;
    cJSON *peek = NULL;
    sps_status st = SPS_OK;
    const char *want = req->series, *want_origin = "--series";
    char ann_series[128] = "";
    if (req->annotations_path) {
        st = sps_read_file(&text, &len, req->annotations_path, SPS_ANNOTATIONS_MAX_BYTES, err);
        if (st != SPS_OK)
            goto fail;
        peek = cJSON_ParseWithLength(text, len);
        const cJSON *su = peek ? cJSON_GetObjectItemCaseSensitive(peek, "series_uid") : NULL;
        if (cJSON_IsString(su) && su->valuestring[0])
            sps_strlcpy(ann_series, su->valuestring, sizeof ann_series);
        cJSON_Delete(peek);
        if (!want && ann_series[0]) {
            want = ann_series;
            want_origin = req->annotations_path;
        }
    }
    st = sps_dicom_scan(&p->index, req->study_path, err);
    if (st != SPS_OK)
        goto fail;
    size_t si = 0;
    st = choose_series(&si, why, p->index, want, want_origin, req->study_path, err);
    if (st != SPS_OK)
        goto fail;
    p->series = *sps_dicom_index_series(p->index, si);
    if (req->series && ann_series[0] && strcmp(p->series.series_uid, ann_series) != 0) {
        st = sps_error_set(err, SPS_EINVALID, req->annotations_path,
                           "the annotations were placed on series %s, but --series chose %s", ann_series, p->series.series_uid);
        goto fail;
    }
    st = sps_dicom_load(&p->volume, &p->report, p->index, p->series.key, NULL, err);
    if (st != SPS_OK)
        goto fail;
    for (size_t i = 0; i < sps_dicom_report_count(p->report); i++)
        if (sps_dicom_report_get(p->report, i)->severity == SPS_DIAG_WARNING)
            p->warnings++;
    if (text) {
        st = sps_pipeline_set_annotations(p, models, text, len, req->annotations_path, err);
        if (st != SPS_OK)
            goto fail;
    }
    sps_free(text);
    *out = p;
    return SPS_OK;
fail:
    sps_free(text);
    sps_pipeline_free(p);
    return st;
}

sps_status sps_pipeline_measure(char **json, const sps_pipeline *p, const sps_models *models, const char *level,
                                const char *annotations_origin, sps_error *err)
{
    *json = NULL;
    char lv[8];
    if (!p->annotations)
        return sps_error_set(err, SPS_EINVALID, "annotations", "nothing to measure: give --annotations");
    if (!level) {
        sps_status st = sps_annotations_lesion_level(p->annotations, lv, err);
        if (st != SPS_OK)
            return st;
        level = lv;
    }
    char *lesion_text = NULL;
    sps_status st = sps_measure_lesion_json_volume(&lesion_text, models, p->annotations, p->volume, level, err);
    if (st != SPS_OK)
        return st;
    cJSON *body = cJSON_Parse(lesion_text);
    sps_free(lesion_text);
    cJSON *root = cJSON_CreateObject();
    if (!body || !root) {
        cJSON_Delete(body);
        cJSON_Delete(root);
        return sps_error_set(err, SPS_ENOMEM, level, "out of memory");
    }
    cJSON_AddStringToObject(root, "format", "spinescore-measurements");
    cJSON_AddNumberToObject(root, "format_version", 1);
    cJSON_AddStringToObject(root, "software", "spinescore " SPS_VERSION_STRING);
    cJSON *ser = cJSON_AddObjectToObject(root, "series");
    const sps_geometry *g = sps_volume_geometry(p->volume);
    cJSON_AddStringToObject(ser, "key", p->series.key);
    cJSON_AddStringToObject(ser, "series_uid", p->series.series_uid);
    cJSON_AddStringToObject(ser, "study_uid", p->series.study_uid);
    cJSON_AddStringToObject(ser, "modality", p->series.modality);
    cJSON_AddStringToObject(ser, "orientation", sps_orientation_name(p->series.orientation));
    double dims[3] = {(double)g->dims[0], (double)g->dims[1], (double)g->dims[2]};
    cJSON_AddItemToObject(ser, "dims", cJSON_CreateDoubleArray(dims, 3));
    cJSON_AddItemToObject(ser, "spacing_mm", cJSON_CreateDoubleArray(g->spacing_mm, 3));
    cJSON_AddNumberToObject(ser, "load_warnings", (double)p->warnings);
    if (annotations_origin)
        cJSON_AddStringToObject(root, "annotations", annotations_origin);
    cJSON_AddNumberToObject(root, "annotation_points", (double)sps_annotations_point_count(p->annotations));
    cJSON *it = body->child;
    while (it) {
        cJSON *next = it->next;
        cJSON_AddItemToObject(root, it->string, cJSON_DetachItemViaPointer(body, it));
        it = next;
    }
    cJSON_Delete(body);
    *json = cJSON_Print(root);
    sps_utf8_scrub(*json); /* the annotation path need not be UTF-8; measurements.json must be */
    cJSON_Delete(root);
    return *json ? SPS_OK : sps_error_set(err, SPS_ENOMEM, level, "out of memory");
}
