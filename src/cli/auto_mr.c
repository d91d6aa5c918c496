/* auto_mr.c — the sac seeds of `--auto` on axial T2 MR: a worst-slice seed (with the nearest
 * reference-slice seed) -> the canal path of src/seg (sps_seg_canal; no cord looked for from
 * measurement.auto.cord_absent_from_level down) -> sac, cord and tumour outlines as annotation
 * JSON, refused when an outline reaches the border of the image. */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto_internal.h"
#if defined(SPS_HAVE_SEG)
#include "spinescore/seg.h"

sps_status sps_auto_cord_absent_from(int *rank, const sps_models *models, sps_error *err)
{
    char *txt = sps_models_dump(models, "measurement");
    cJSON *m = txt ? cJSON_Parse(txt) : NULL;
    sps_free(txt);
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "auto"), "cord_absent_from_level");
    sps_status st = SPS_OK;
    if (!cJSON_IsString(lv) || !sps_auto_valid_level(lv->valuestring))
        st = sps_error_set(err, SPS_EFORMAT, "model measurement.auto.cord_absent_from_level", "expected a level such as \"L2\"");
    else
        *rank = sps_auto_level_rank(lv->valuestring);
    cJSON_Delete(m);
    return st;
}

const seed *sps_auto_canal_reference(const seed *s, size_t n, const seed *w)
{
    const seed *ref = NULL;
    double best = INFINITY;
    for (size_t j = 0; j < n; j++)
        if (s[j].kind == K_SAC && s[j].reference) {
            double dz = 0;
            for (int k = 0; k < 3; k++)
                dz += (s[j].lps[k] - w->lps[k]) * (s[j].lps[k] - w->lps[k]);
            if (dz < best) {
                best = dz;
                ref = &s[j];
            }
        }
    return ref;
}

sps_status sps_auto_run_canal(cJSON **doc, char *level_out, const sps_pipeline *p, const sps_models *models,
                              const seed *w, const seed *ref, int cord_absent_rank, const char *path, sps_error *err)
{
    sps_canal_request req;
    sps_canal_request_init(&req, w->lps);
    if (ref) {
        req.has_reference_seed = 1;
        memcpy(req.reference_seed_lps, ref->lps, sizeof req.reference_seed_lps);
    }
    req.cord = sps_auto_level_rank(w->level) >= cord_absent_rank ? SPS_CANAL_CORD_ABSENT : SPS_CANAL_CORD_EXPECTED;
    sps_canal_result r;
    memset(&r, 0, sizeof r);
    sps_error e;
    sps_error_clear(&e);
    sps_status st = sps_seg_canal(&r, p->volume, models, &req, &e);
    if (st != SPS_OK)
        return sps_error_set(err, st, path, "%s: the canal path failed: %s: %s", w->name, e.where, e.message);
    char *json = NULL;
    st = sps_canal_annotations_json(&json, &r, w->level, ref ? ref->level : NULL, p->series.series_uid, &e);
    sps_canal_result_free(&r);
    if (st != SPS_OK)
        return sps_error_set(err, st, path, "%s: %s: %s", w->name, e.where, e.message);
    *doc = cJSON_Parse(json);
    sps_free(json);
    if (!*doc)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    /* A thecal sac lies well inside the image: an outline that reaches the image border is what
     * a seed outside the sac (air, background) gives. */
    const sps_geometry *g = sps_volume_geometry(p->volume);
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(*doc, "outlines"))
    {
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, "lps"))
        {
            double q[3] = {0, 0, 0}, ijk[3];
            for (int k = 0; k < 3; k++)
                q[k] = cJSON_GetArrayItem(v, k) ? cJSON_GetArrayItem(v, k)->valuedouble : NAN;
            sps_geometry_lps_to_index(ijk, g, q);
            if (!(ijk[0] > 0 && ijk[0] < (double)g->dims[0] - 1 && ijk[1] > 0 && ijk[1] < (double)g->dims[1] - 1)) {
                sps_status bad = sps_error_set(err, SPS_EINVALID, path,
                                               "%s: the canal path's %s (%s) reaches the border of the image at voxel "
                                               "(%.1f, %.1f, %.1f): not a thecal sac; is the seed inside the sac?",
                                               w->name, sps_auto_js(o, "role"), sps_auto_js(o, "slice"), ijk[0], ijk[1],
                                               ijk[2]);
                cJSON_Delete(*doc);
                *doc = NULL;
                return bad;
            }
        }
    }
    sps_strlcpy(level_out, w->level, 8);
    return SPS_OK;
}
#endif
