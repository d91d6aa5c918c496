/* auto_ct.c — the CT seeds of `--auto`: body seeds -> sps_seg_ct_find_body; the first lesion seed
 * (with a reference_bone seed as its reference sphere, else the neighbouring body's core) ->
 * sps_seg_ct_find_lesion; all written as one annotation document by sps_seg_ct_annotations_json.
 * A body cut by the edge of the series, or whose depth agrees with no other body found (the
 * body-depth cross-check), is not measured and is named in a note. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto_internal.h"
#if defined(SPS_HAVE_SEG)
#include "spinescore/seg_ct.h"

/* The first of the six points of @p b outside the volume (a body cut by the edge of the series), or NULL. */
static const char *point_outside(const sps_seg_ct_body *b, const sps_volume *vol, double lps_out[3])
{
    static const char *const names[6] = {"sup_ant", "sup_mid", "sup_post", "inf_ant", "inf_mid", "inf_post"};
    const double *pts[6] = {b->points.sup_ant, b->points.sup_mid, b->points.sup_post,
                            b->points.inf_ant, b->points.inf_mid, b->points.inf_post};
    const sps_geometry *g = sps_volume_geometry(vol);
    for (int i = 0; i < 6; i++) {
        double ijk[3];
        sps_geometry_lps_to_index(ijk, g, pts[i]);
        for (int d = 0; d < 3; d++)
            if (!(ijk[d] >= -0.5 && ijk[d] <= (double)g->dims[d] - 0.5)) {
                memcpy(lps_out, pts[i], 3 * sizeof(double));
                return names[i];
            }
    }
    return NULL;
}

/* Anteroposterior depth of a body from its six points (mean of the superior and inferior
 * anterior-posterior distances; the points sit at the same fraction of the half-depth). */
static double body_depth(const sps_seg_ct_body *b)
{
    double s = 0, i = 0;
    for (int d = 0; d < 3; d++) {
        s += (b->points.sup_post[d] - b->points.sup_ant[d]) * (b->points.sup_post[d] - b->points.sup_ant[d]);
        i += (b->points.inf_post[d] - b->points.inf_ant[d]) * (b->points.inf_post[d] - b->points.inf_ant[d]);
    }
    return 0.5 * (sqrt(s) + sqrt(i));
}

/* Cross-check of the bodies found from several seeds: the depth of a vertebral body changes by a
 * few percent from one level to the next, and neither collapse nor a lesion changes where its
 * anterior and posterior walls are. A body whose depth agrees with no other body (tolerance
 * measurement.auto.body_depth_tolerance + body_depth_tolerance_per_level per level apart) is an
 * outline gone wrong (typically a click inside a lesion that has hollowed the body out): it is
 * dropped with a note, never measured. Two bodies that disagree with each other are both dropped
 * (which one is wrong cannot be told). One body alone is not checked. Returns the new count. */
static size_t drop_inconsistent_bodies(sps_auto *a, const char **levels, const sps_seg_ct_body **bp, size_t nb,
                                       double tol, double tol_per_level)
{
    if (nb < 2 || !(tol > 0))
        return nb;
    double depth[64];
    int keep[64];
    size_t n = nb < 64 ? nb : 64;
    for (size_t i = 0; i < n; i++)
        depth[i] = body_depth(bp[i]);
    for (size_t i = 0; i < n; i++) {
        keep[i] = 0;
        for (size_t j = 0; j < n && !keep[i]; j++) {
            if (j == i)
                continue;
            double apart = fabs((double)(sps_auto_level_rank(levels[i]) - sps_auto_level_rank(levels[j])));
            double allowed = tol + tol_per_level * (apart > 1 ? apart - 1 : 0);
            double big = depth[i] > depth[j] ? depth[i] : depth[j];
            keep[i] = big > 0 && fabs(depth[i] - depth[j]) <= allowed * big;
        }
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) {
            levels[out] = levels[i];
            bp[out] = bp[i];
            out++;
            continue;
        }
        char others[256] = "";
        for (size_t j = 0; j < n; j++) {
            size_t l = strlen(others);
            if (j != i)
                snprintf(others + l, sizeof others - l, "%s%s %.1f mm", l ? ", " : "", levels[j], depth[j]);
        }
        sps_auto_add_note(a, "%s not measured: the body found from its seed is %.1f mm deep (anterior to posterior wall), "
                             "which agrees with no other body found (%s; tolerance %.0f %% + %.0f %% per level apart, "
                             "measurement.auto): the outline is not trusted; place its six points by hand",
                          levels[i], depth[i], others, 100.0 * tol, 100.0 * tol_per_level);
    }
    for (size_t i = n; i < nb; i++) { /* beyond the cross-check's capacity: kept unchecked */
        levels[out] = levels[i];
        bp[out] = bp[i];
        out++;
    }
    return out;
}

/* A number of the "auto" section of models/measurement.json, or NAN. */
static double auto_model_number(const sps_models *models, const char *key)
{
    char *txt = sps_models_dump(models, "measurement");
    cJSON *m = txt ? cJSON_Parse(txt) : NULL;
    sps_free(txt);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "auto"), key);
    double v = cJSON_IsNumber(r) ? r->valuedouble : NAN;
    cJSON_Delete(m);
    return v;
}

sps_status sps_auto_run_ct(sps_auto *a, cJSON **doc, char *lesion_level, char *names, size_t names_size,
                           const sps_pipeline *p, const sps_models *models, const seed *s, size_t n, const char *path,
                           sps_error *err)
{
    *doc = NULL;
    names[0] = '\0';
    sps_seg_ct_body *bodies = calloc(n + 1, sizeof *bodies);
    const sps_seg_ct_body **bp = calloc(n + 1, sizeof *bp);
    const char **levels = calloc(n + 1, sizeof *levels);
    sps_seg_ct_lesion les;
    memset(&les, 0, sizeof les);
    const seed *lseed = NULL, *rseed = NULL;
    size_t nb = 0;
    sps_status st = SPS_OK;
    sps_error e;
    sps_error_clear(&e);
    if (!bodies || !bp || !levels) {
        st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind == K_LESION && !lseed)
            lseed = &s[i];
        else if (s[i].kind == K_REFBONE && !rseed)
            rseed = &s[i];
        if (s[i].kind != K_BODY)
            continue;
        int dup = 0;
        for (size_t j = 0; j < nb; j++)
            dup |= strcmp(levels[j], s[i].level) == 0;
        if (dup) {
            st = sps_error_set(err, SPS_EINVALID, path, "%s: a second body seed for %s", s[i].name, s[i].level);
            goto done;
        }
        if ((st = sps_seg_ct_find_body(&bodies[nb], p->volume, models, s[i].lps, &e)) != SPS_OK) {
            st = sps_error_set(err, st, path, "%s: the body path failed: %s: %s", s[i].name, e.where, e.message);
            goto done;
        }
        double out_lps[3];
        const char *out_pt = point_outside(&bodies[nb], p->volume, out_lps);
        if (out_pt) { /* the series ends inside this body: its heights cannot be measured */
            sps_auto_add_note(a, "%s: %s not measured: the body reaches past the edge of the series (%s at %.1f, %.1f, "
                                 "%.1f mm LPS is outside the volume)",
                              s[i].name, s[i].level, out_pt, out_lps[0], out_lps[1], out_lps[2]);
            continue;
        }
        levels[nb] = s[i].level;
        bp[nb] = &bodies[nb];
        nb++;
        size_t l = strlen(names);
        snprintf(names + l, names_size - l, "%s%s", l ? ", " : "", s[i].name);
    }
    if (lseed) {
        double radius = 0;
        if (rseed) {
            radius = auto_model_number(models, "reference_bone_radius_mm");
            if (!(radius > 0)) {
                st = sps_error_set(err, SPS_EFORMAT, "model measurement.auto.reference_bone_radius_mm", "expected a positive number (mm)");
                goto done;
            }
        }
        if ((st = sps_seg_ct_find_lesion(&les, p->volume, models, lseed->lps, rseed ? rseed->lps : NULL, radius, &e)) != SPS_OK) {
            st = sps_error_set(err, st, path, "%s: the lesion path failed: %s: %s", lseed->name, e.where, e.message);
            goto done;
        }
        int have = 0;
        for (size_t j = 0; j < nb; j++)
            have |= strcmp(levels[j], lseed->level) == 0;
        if (!have) { /* the lesion's own body gives that level's six points */
            levels[nb] = lseed->level;
            bp[nb] = &les.body;
            nb++;
        }
        sps_strlcpy(lesion_level, lseed->level, 8);
        size_t l = strlen(names);
        snprintf(names + l, names_size - l, "%s%s%s%s", l ? ", " : "", lseed->name, rseed ? ", " : "", rseed ? rseed->name : "");
    }
    {
        double tol = auto_model_number(models, "body_depth_tolerance");
        double tol_level = auto_model_number(models, "body_depth_tolerance_per_level");
        if (!(tol > 0 && tol < 1) || !(tol_level >= 0 && tol_level < 1)) {
            st = sps_error_set(err, SPS_EFORMAT, "model measurement.auto.body_depth_tolerance",
                               "expected body_depth_tolerance in (0, 1) and body_depth_tolerance_per_level in [0, 1)");
            goto done;
        }
        nb = drop_inconsistent_bodies(a, levels, bp, nb, tol, tol_level);
    }
    char *json = NULL;
    st = sps_seg_ct_annotations_json(&json, p->series.series_uid, levels, bp, nb, lseed ? lseed->level : NULL,
                                     lseed ? &les : NULL, lseed ? lseed->lps : NULL, &e);
    if (st != SPS_OK) {
        st = sps_error_set(err, st, path, "CT seeds: %s: %s", e.where, e.message);
        goto done;
    }
    *doc = cJSON_Parse(json);
    sps_free(json);
    if (!*doc)
        st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
done:
    sps_seg_ct_lesion_clear(&les);
    free(bodies);
    free(bp);
    free(levels);
    return st;
}
#endif
