/* annotations_derive.c — what the annotations measure: outline geometry (areas, distances,
 * extents), lesion and reference regions against a loaded volume (HU statistics, body
 * fraction), and the lesion/ESCC findings as case-ready JSON with their evidence. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "spinescore/measure.h"
#include "spinescore/volume.h"

#include "annotations_internal.h"

/* ---- planar outline geometry --------------------------------------------------------------- */

static double outline_area(const ann_outline *o)
{
    double s[3] = {0, 0, 0};
    for (size_t i = 0; i < o->n; i++) {
        const double *p = o->pts[i], *q = o->pts[(i + 1) % o->n];
        s[0] += p[1] * q[2] - p[2] * q[1];
        s[1] += p[2] * q[0] - p[0] * q[2];
        s[2] += p[0] * q[1] - p[1] * q[0];
    }
    return 0.5 * sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
}

static double seg_point_dist(const double p[3], const double a[3], const double b[3])
{
    double ab[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, ap[3] = {p[0] - a[0], p[1] - a[1], p[2] - a[2]};
    double l2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    double t = l2 > 0 ? (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double d[3] = {ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]};
    return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

static double point_outline_dist(const double p[3], const ann_outline *o)
{
    double best = INFINITY;
    for (size_t i = 0; i < o->n; i++) {
        double d = seg_point_dist(p, o->pts[i], o->pts[(i + 1) % o->n]);
        if (d < best)
            best = d;
    }
    return best;
}

/* Smallest distance between two outlines (vertex-to-edge both ways; 0 when they cross closely). */
static double outline_dist(const ann_outline *a, const ann_outline *b)
{
    double best = INFINITY;
    for (size_t i = 0; i < a->n; i++) {
        double d = point_outline_dist(a->pts[i], b);
        if (d < best)
            best = d;
    }
    for (size_t i = 0; i < b->n; i++) {
        double d = point_outline_dist(b->pts[i], a);
        if (d < best)
            best = d;
    }
    return best;
}

static double extent_along(const ann_outline *o, int axis)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < o->n; i++) {
        if (o->pts[i][axis] < lo)
            lo = o->pts[i][axis];
        if (o->pts[i][axis] > hi)
            hi = o->pts[i][axis];
    }
    return hi - lo;
}

static const ann_outline *find_outline(const sps_annotations *a, const char *level, const char *role, const char *slice)
{
    for (size_t i = 0; i < a->noutl; i++)
        if (strcmp(a->outl[i].role, role) == 0 && strcmp(a->outl[i].slice, slice) == 0 &&
            (!level || strcmp(a->outl[i].level, level) == 0))
            return &a->outl[i];
    return NULL;
}

/* ---- the lesion ---------------------------------------------------------------------------- */

static cJSON *component(const char *token, const char *explanation, cJSON *evidence)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "value", token);
    cJSON_AddStringToObject(c, "source", "measured");
    cJSON_AddStringToObject(evidence, "explanation", explanation);
    cJSON_AddItemToObject(c, "evidence", evidence);
    return c;
}

static void not_measured(cJSON *list, const char *component_name, const char *why)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "component", component_name);
    cJSON_AddStringToObject(e, "why", why);
    cJSON_AddItemToArray(list, e);
}

static cJSON *vec_json(const double p[3])
{
    return cJSON_CreateDoubleArray(p, 3);
}

static cJSON *morpho_json(const sps_morpho6 *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "sup_ant", vec_json(m->sup_ant));
    cJSON_AddItemToObject(o, "sup_mid", vec_json(m->sup_mid));
    cJSON_AddItemToObject(o, "sup_post", vec_json(m->sup_post));
    cJSON_AddItemToObject(o, "inf_ant", vec_json(m->inf_ant));
    cJSON_AddItemToObject(o, "inf_mid", vec_json(m->inf_mid));
    cJSON_AddItemToObject(o, "inf_post", vec_json(m->inf_post));
    return o;
}

/* Nearest annotated vertebra with six points above (dir -1) or below (+1) the level. */
static int neighbour(const sps_annotations *a, int idx, int dir, int require_uninvolved, sps_morpho6 *out)
{
    for (int i = idx + dir; i >= 0 && i < (int)a->nlevels; i += dir) {
        if (!sps_annotations_has_morpho6(a, a->levels[i], out))
            continue;
        const ann_vertebra *v = sps_ann_vert(a, a->levels[i]);
        if (require_uninvolved && v && v->involved == 1)
            continue;
        return i;
    }
    return -1;
}

/* ---- regions and points against a loaded volume ------------------------------------------ */

static int in_polygon_2d(const ann_region *g, double pu, double pv)
{
    int inside = 0;
    for (size_t i = 0, j = g->npoly - 1; i < g->npoly; j = i++) {
        const double *pi = g->poly[i], *pj = g->poly[j];
        double ui = pi[0] * g->u[0] + pi[1] * g->u[1] + pi[2] * g->u[2];
        double vi = pi[0] * g->v[0] + pi[1] * g->v[1] + pi[2] * g->v[2];
        double uj = pj[0] * g->u[0] + pj[1] * g->u[1] + pj[2] * g->u[2];
        double vj = pj[0] * g->v[0] + pj[1] * g->v[1] + pj[2] * g->v[2];
        if ((vi > pv) != (vj > pv) && pu < (uj - ui) * (pv - vi) / (vj - vi) + ui)
            inside = !inside;
    }
    return inside;
}

/* Half the extent of a voxel along a unit direction (support of the voxel box). */
static double voxel_half_extent(const sps_geometry *geo, const double n[3])
{
    double h = 0;
    for (int ax = 0; ax < 3; ax++)
        h += fabs(n[0] * geo->direction[ax][0] + n[1] * geo->direction[ax][1] + n[2] * geo->direction[ax][2]) *
             geo->spacing_mm[ax];
    return 0.5 * h;
}

/* Does the voxel with centre p belong to the region? A sphere takes the voxels whose centre is
 * inside; a polygon the voxels its plane passes through whose centre projects inside it. */
static int region_contains(const ann_region *g, const sps_geometry *geo, const double p[3])
{
    double d[3] = {p[0] - g->centre[0], p[1] - g->centre[1], p[2] - g->centre[2]};
    if (g->kind == REGION_SPHERE)
        return d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= g->radius_mm * g->radius_mm;
    double off = d[0] * g->normal[0] + d[1] * g->normal[1] + d[2] * g->normal[2];
    if (fabs(off) > voxel_half_extent(geo, g->normal))
        return 0;
    return in_polygon_2d(g, p[0] * g->u[0] + p[1] * g->u[1] + p[2] * g->u[2], p[0] * g->v[0] + p[1] * g->v[1] + p[2] * g->v[2]);
}

/* Voxel index box (inclusive lo, exclusive hi) that holds the region, clipped to the volume. */
static int region_box(const ann_region *g, const sps_geometry *geo, size_t lo[3], size_t hi[3])
{
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    size_t npt = g->kind == REGION_SPHERE ? 8 : g->npoly;
    for (size_t i = 0; i < npt; i++) {
        double q[3], ijk[3];
        if (g->kind == REGION_SPHERE) {
            for (int k = 0; k < 3; k++)
                q[k] = g->centre[k] + (((i >> k) & 1) ? g->radius_mm : -g->radius_mm);
        } else {
            memcpy(q, g->poly[i], sizeof q);
        }
        sps_geometry_lps_to_index(ijk, geo, q);
        for (int k = 0; k < 3; k++) {
            mn[k] = fmin(mn[k], ijk[k]);
            mx[k] = fmax(mx[k], ijk[k]);
        }
    }
    for (int k = 0; k < 3; k++) {
        double l = floor(mn[k]) - 1, h = ceil(mx[k]) + 2;
        if (l < 0)
            l = 0;
        if (h > (double)geo->dims[k])
            h = (double)geo->dims[k];
        if (!(l < h))
            return 0;
        lo[k] = (size_t)l;
        hi[k] = (size_t)h;
    }
    return 1;
}

/* Mark the voxels of every region with @p role (and @p level unless NULL) in mask; count them.
 * span[0..1) grows to cover the linear indices marked, so callers scan only that range of the
 * mask (a whole-volume scan of a 300-slice CT was a quarter of `spinescore run`). */
static size_t mark_regions(const sps_annotations *a, const sps_volume *vol, const char *level, const char *role,
                           unsigned char *mask, unsigned char bit, size_t span[2])
{
    const sps_geometry *geo = sps_volume_geometry(vol);
    size_t count = 0;
    for (size_t r = 0; r < a->nregs; r++) {
        const ann_region *g = &a->regs[r];
        if (strcmp(g->role, role) != 0 || (level && strcmp(g->level, level) != 0))
            continue;
        size_t lo[3], hi[3];
        if (!region_box(g, geo, lo, hi))
            continue;
        for (size_t k = lo[2]; k < hi[2]; k++)
            for (size_t j = lo[1]; j < hi[1]; j++)
                for (size_t i = lo[0]; i < hi[0]; i++) {
                    size_t at = (k * geo->dims[1] + j) * geo->dims[0] + i;
                    if (mask[at] & bit)
                        continue;
                    double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                    sps_geometry_index_to_lps(p, geo, ijk);
                    if (region_contains(g, geo, p)) {
                        mask[at] |= bit;
                        count++;
                        span[0] = at < span[0] ? at : span[0];
                        span[1] = at + 1 > span[1] ? at + 1 : span[1];
                    }
                }
    }
    return count;
}

static int has_region(const sps_annotations *a, const char *level, const char *role)
{
    for (size_t r = 0; r < a->nregs; r++)
        if (strcmp(a->regs[r].role, role) == 0 && (!level || strcmp(a->regs[r].level, level) == 0))
            return 1;
    return 0;
}

static int inside_volume(const sps_geometry *geo, const double p[3], double ijk[3])
{
    sps_geometry_lps_to_index(ijk, geo, p);
    for (int k = 0; k < 3; k++)
        if (!(ijk[k] >= -0.5 && ijk[k] <= (double)geo->dims[k] - 0.5))
            return 0;
    return 1;
}

static sps_status outside_error(sps_error *err, const char *item, const char *what, const double p[3],
                                const double ijk[3], const sps_geometry *geo)
{
    return sps_error_set(err, SPS_EINVALID, item,
                         "%s (%.1f, %.1f, %.1f) mm LPS is outside the loaded series: voxel (%.1f, %.1f, %.1f), the volume has %zu x %zu x %zu voxels",
                         what, p[0], p[1], p[2], ijk[0], ijk[1], ijk[2], geo->dims[0], geo->dims[1], geo->dims[2]);
}

sps_status sps_annotations_check_volume(const sps_annotations *a, const sps_volume *vol, sps_error *err)
{
    if (!a || !vol)
        return sps_error_set(err, SPS_EINVALID, "sps_annotations_check_volume", "annotations and volume are required");
    const sps_geometry *geo = sps_volume_geometry(vol);
    double ijk[3];
    for (size_t i = 0; i < a->npts; i++)
        if (!inside_volume(geo, a->pts[i].lps, ijk))
            return outside_error(err, a->pts[i].item, "the point", a->pts[i].lps, ijk, geo);
    for (size_t o = 0; o < a->noutl; o++)
        for (size_t i = 0; i < a->outl[o].n; i++)
            if (!inside_volume(geo, a->outl[o].pts[i], ijk)) {
                char what[48];
                snprintf(what, sizeof what, "outline point %zu", i);
                return outside_error(err, a->outl[o].item, what, a->outl[o].pts[i], ijk, geo);
            }
    for (size_t r = 0; r < a->nregs; r++) {
        const ann_region *g = &a->regs[r];
        if (g->kind == REGION_SPHERE) {
            if (!inside_volume(geo, g->centre, ijk))
                return outside_error(err, g->item, "the sphere centre", g->centre, ijk, geo);
        } else {
            for (size_t i = 0; i < g->npoly; i++)
                if (!inside_volume(geo, g->poly[i], ijk)) {
                    char what[48];
                    snprintf(what, sizeof what, "polygon point %zu", i);
                    return outside_error(err, g->item, what, g->poly[i], ijk, geo);
                }
        }
    }
    return SPS_OK;
}

/* Bone lesion class (and the lesion fraction of the body when the body is outlined) from the
 * CT voxels of the regions of @p level. Fills *fraction (NaN if not measured). */
static sps_status measure_regions(const sps_annotations *a, const sps_models *models, const sps_volume *vol,
                                  const char *level, cJSON *meas, cJSON *sins, cJSON *nm, double *fraction,
                                  sps_error *err)
{
    *fraction = NAN;
    int has_lesion = has_region(a, level, "lesion"), has_ref = has_region(a, NULL, "reference_bone");
    int has_body = has_region(a, level, "body");
    if (!vol) {
        not_measured(nm, "bone_lesion", "needs CT voxels (lesion region and reference ROI): run spinescore measure on the series");
        return SPS_OK;
    }
    size_t nvox = sps_volume_voxel_count(vol);
    unsigned char *mask = NULL;
    const float *data = sps_volume_data_const(vol);
    sps_status st = SPS_OK;
    if (has_lesion || has_body) {
        mask = calloc(nvox, 1);
        if (!mask)
            return sps_error_set(err, SPS_ENOMEM, level, "out of memory for the region mask");
    }
    size_t span[2] = {SIZE_MAX, 0}, rspan[2] = {SIZE_MAX, 0}; /* marked index ranges of mask, rmask */
    size_t n_les = has_lesion ? mark_regions(a, vol, level, "lesion", mask, 1, span) : 0;
    if (has_lesion && n_les == 0) {
        free(mask);
        return sps_error_set(err, SPS_EINVALID, level, "the lesion region of %s contains no voxel centre of the series", level);
    }
    /* lesion fraction of the body: voxels of the lesion region inside the body outline */
    if (has_body && has_lesion) {
        size_t n_body = mark_regions(a, vol, level, "body", mask, 2, span), n_both = 0;
        for (size_t i = span[0]; i < span[1]; i++)
            n_both += mask[i] == 3;
        if (n_body == 0) {
            free(mask);
            return sps_error_set(err, SPS_EINVALID, level, "the body outline of %s contains no voxel centre of the series", level);
        }
        *fraction = (double)n_both / (double)n_body;
        cJSON *ev = cJSON_AddObjectToObject(meas, "body_involvement");
        cJSON_AddNumberToObject(ev, "body_involved_fraction", *fraction);
        cJSON_AddNumberToObject(ev, "body_voxels", (double)n_body);
        cJSON_AddNumberToObject(ev, "lesion_voxels_in_body", (double)n_both);
        cJSON_AddStringToObject(ev, "method", "voxels of the lesion region inside the body outline / voxels inside the body outline (a voxel counts when its centre is inside a sphere, or when a polygon's plane passes through it and its centre projects inside the polygon)");
    }
    if (sps_volume_units(vol) != SPS_UNITS_HU) {
        not_measured(nm, "bone_lesion", "the lytic/blastic class needs CT (HU); this series is not CT: enter it from the CT");
    } else if (!has_lesion) {
        not_measured(nm, "bone_lesion", "no lesion region (sphere or polygon, role \"lesion\") at this level");
    } else if (!has_ref) {
        not_measured(nm, "bone_lesion", "no normal-bone reference region (role \"reference_bone\")");
    } else {
        unsigned char *rmask = calloc(nvox, 1);
        float *les = malloc(n_les * sizeof *les);
        float *ref = NULL;
        size_t n_ref = rmask ? mark_regions(a, vol, NULL, "reference_bone", rmask, 1, rspan) : 0;
        if (rmask && n_ref)
            ref = malloc(n_ref * sizeof *ref);
        if (!rmask || !les || (n_ref && !ref)) {
            st = sps_error_set(err, SPS_ENOMEM, level, "out of memory for the lesion voxels");
        } else {
            size_t il = 0, ir = 0;
            size_t i0 = span[0] < rspan[0] ? span[0] : rspan[0], i1 = span[1] > rspan[1] ? span[1] : rspan[1];
            for (size_t i = i0; i < i1; i++) {
                if (mask[i] & 1)
                    les[il++] = data[i];
                if (rmask[i])
                    ref[ir++] = data[i];
            }
            sps_lesion_density d;
            st = sps_measure_lesion_density(&d, models, les, il, ref, ir, err);
            if (st == SPS_OK) {
                cJSON *ev = cJSON_CreateObject();
                cJSON_AddNumberToObject(ev, "lesion_mean_hu", d.lesion_mean_hu);
                cJSON_AddNumberToObject(ev, "lesion_voxels", (double)d.lesion_count);
                cJSON_AddNumberToObject(ev, "reference_mean_hu", d.ref_mean_hu);
                cJSON_AddNumberToObject(ev, "reference_sd_hu", d.ref_sd_hu);
                cJSON_AddNumberToObject(ev, "reference_voxels", (double)d.ref_count);
                cJSON_AddNumberToObject(ev, "lytic_below_hu", d.lytic_below_hu);
                cJSON_AddNumberToObject(ev, "blastic_above_hu", d.blastic_above_hu);
                cJSON_AddNumberToObject(ev, "fraction_lytic", d.fraction_lytic);
                cJSON_AddNumberToObject(ev, "fraction_blastic", d.fraction_blastic);
                cJSON_AddStringToObject(ev, "model_entry", "measurement.lesion_density");
                cJSON_AddItemToObject(meas, "bone_lesion", cJSON_Duplicate(ev, 1));
                if (d.sins_token[0]) {
                    cJSON_AddItemToObject(sins, "bone_lesion", component(d.sins_token, d.explanation, ev));
                } else {
                    not_measured(nm, "bone_lesion", d.explanation);
                    cJSON_Delete(ev);
                }
            } else if (err && err->code == SPS_EINVALID) {
                /* too few voxels: name the level in the message */
                size_t wl = strlen(err->where);
                if (wl + 12 < sizeof err->where)
                    snprintf(err->where + wl, sizeof err->where - wl, " of %.7s", level);
            }
        }
        free(rmask);
        free(les);
        free(ref);
    }
    free(mask);
    return st;
}

/* Does anything in the annotations name this level? */
static int level_annotated(const sps_annotations *a, const char *level)
{
    for (size_t i = 0; i < a->npts; i++)
        if (strcmp(a->pts[i].level, level) == 0)
            return 1;
    for (size_t i = 0; i < a->noutl; i++)
        if (strcmp(a->outl[i].level, level) == 0)
            return 1;
    for (size_t i = 0; i < a->nregs; i++)
        if (strcmp(a->regs[i].level, level) == 0)
            return 1;
    return sps_ann_vert(a, level) != NULL;
}

sps_status sps_measure_lesion_json(char **json_out, const sps_models *models, const sps_annotations *a,
                                   const char *level_label, sps_error *err)
{
    return sps_measure_lesion_json_volume(json_out, models, a, NULL, level_label, err);
}

sps_status sps_measure_lesion_json_volume(char **json_out, const sps_models *models, const sps_annotations *a,
                                          const sps_volume *vol, const char *level_label, sps_error *err)
{
    *json_out = NULL;
    char level[8];
    if (!level_label || !sps_ann_check_level(a, level_label, level))
        return sps_error_set(err, SPS_EINVALID, "level", "\"%s\" is not a standard vertebral level", level_label ? level_label : "");
    int idx = sps_ann_level_index(a, level);
    if (!level_annotated(a, level)) {
        char list[200] = "";
        for (size_t l = 0; l < a->nlevels; l++)
            if (level_annotated(a, a->levels[l])) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", a->levels[l]);
            }
        return sps_error_set(err, SPS_EINVALID, "level", "%s has no annotations (annotated levels: %s)", level,
                             list[0] ? list : "none");
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "level", level);
    cJSON *meas = cJSON_AddObjectToObject(root, "measurements");
    cJSON *lesion = cJSON_AddObjectToObject(root, "lesion");
    cJSON_AddStringToObject(lesion, "level", level);
    cJSON *sins = cJSON_AddObjectToObject(lesion, "sins");
    cJSON *nm = cJSON_AddArrayToObject(root, "not_measured");
    not_measured(nm, "pain", "pain is a clinical input only");
    sps_status st = SPS_OK;
    const ann_vertebra *tv = sps_ann_vert(a, level);

    /* Bone lesion and body involvement from the CT voxels of the regions. */
    double measured_fraction = NAN;
    st = measure_regions(a, models, vol, level, meas, sins, nm, &measured_fraction, err);
    if (st != SPS_OK)
        goto fail;
    double fraction = isfinite(measured_fraction) ? measured_fraction : tv ? tv->involved_fraction : NAN;
    const char *fraction_source = isfinite(measured_fraction) ? "measured from the lesion region and the body outline"
                                  : isfinite(fraction)        ? "entered by the reader (vertebrae[].body_involved_fraction)"
                                                              : NULL;

    /* Collapse. */
    sps_morpho6 t, up, dn;
    int nt = sps_ann_morpho_count(a, level);
    if (nt > 0 && nt < 6) {
        char msg[160];
        snprintf(msg, sizeof msg, "%d of the six morphometry points of %s are given; all six are needed", nt, level);
        cJSON_Delete(root);
        return sps_error_set(err, SPS_EINVALID, level, "%s", msg);
    }
    if (nt == 6) {
        sps_annotations_has_morpho6(a, level, &t);
        int iu = neighbour(a, idx, -1, 1, &up), id = neighbour(a, idx, +1, 1, &dn);
        sps_collapse c;
        st = sps_measure_collapse(&c, models, &t, iu >= 0 ? &up : NULL, id >= 0 ? &dn : NULL,
                                  fraction, err);
        if (st != SPS_OK)
            goto fail;
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddNumberToObject(ev, "ha_mm", c.heights.ha_mm);
        cJSON_AddNumberToObject(ev, "hm_mm", c.heights.hm_mm);
        cJSON_AddNumberToObject(ev, "hp_mm", c.heights.hp_mm);
        if (isfinite(c.loss_pct[0]))
            cJSON_AddNumberToObject(ev, "loss_anterior_pct", c.loss_pct[0]);
        if (isfinite(c.loss_pct[1]))
            cJSON_AddNumberToObject(ev, "loss_middle_pct", c.loss_pct[1]);
        if (isfinite(c.loss_pct[2]))
            cJSON_AddNumberToObject(ev, "loss_posterior_pct", c.loss_pct[2]);
        cJSON_AddNumberToObject(ev, "collapse_pct", c.collapse_pct);
        cJSON_AddNumberToObject(ev, "genant_grade", c.genant_grade);
        static const char *const refm[] = {"none", "neighbours", "one_neighbour", "own_posterior_height"};
        cJSON_AddStringToObject(ev, "reference_method", refm[c.reference_method]);
        if (iu >= 0)
            cJSON_AddStringToObject(ev, "reference_above", a->levels[iu]);
        if (id >= 0)
            cJSON_AddStringToObject(ev, "reference_below", a->levels[id]);
        if (isfinite(c.body_involved_fraction)) {
            cJSON_AddNumberToObject(ev, "body_involved_fraction", c.body_involved_fraction);
            cJSON_AddStringToObject(ev, "body_involved_fraction_source", fraction_source);
        }
        if (c.near_cut[0])
            cJSON_AddStringToObject(ev, "near_cut", c.near_cut);
        cJSON_AddItemToObject(ev, "points_lps", morpho_json(&t));
        cJSON_AddStringToObject(ev, "model_entry", "measurement.collapse, measurement.genant");
        cJSON_AddItemToObject(meas, "collapse", cJSON_Duplicate(ev, 1));
        if (c.sins_token[0])
            cJSON_AddItemToObject(sins, "collapse", component(c.sins_token, c.explanation, ev));
        else {
            not_measured(nm, "collapse", c.explanation);
            cJSON_Delete(ev);
        }
    } else {
        not_measured(nm, "collapse", "the six morphometry points of the level are not annotated");
    }

    /* Alignment: needs the level and its neighbours above and below (any involvement). */
    int iu = idx >= 0 ? neighbour(a, idx, -1, 0, &up) : -1, id = idx >= 0 ? neighbour(a, idx, +1, 0, &dn) : -1;
    if (nt == 6 && iu == idx - 1 && id == idx + 1) {
        /* translation at both segments (upper over lower), the larger one is reported */
        sps_alignment_input in1, in2;
        memset(&in1, 0, sizeof in1);
        memcpy(in1.upper_post_inf, up.inf_post, sizeof up.inf_post);
        memcpy(in1.lower_post_sup, t.sup_post, sizeof t.sup_post);
        memcpy(in1.lower_post_inf, t.inf_post, sizeof t.inf_post);
        memcpy(in1.lower_ant_sup, t.sup_ant, sizeof t.sup_ant);
        memcpy(in1.upper_end_post, up.sup_post, sizeof up.sup_post);
        memcpy(in1.upper_end_ant, up.sup_ant, sizeof up.sup_ant);
        memcpy(in1.lower_end_post, dn.inf_post, sizeof dn.inf_post);
        memcpy(in1.lower_end_ant, dn.inf_ant, sizeof dn.inf_ant);
        in2 = in1;
        memcpy(in2.upper_post_inf, t.inf_post, sizeof t.inf_post);
        memcpy(in2.lower_post_sup, dn.sup_post, sizeof dn.sup_post);
        memcpy(in2.lower_post_inf, dn.inf_post, sizeof dn.inf_post);
        memcpy(in2.lower_ant_sup, dn.sup_ant, sizeof dn.sup_ant);
        /* coronal Cobb over the same segment as the sagittal one: the superior endplate of the
         * vertebra above to the inferior endplate of the vertebra below */
        const ann_point *cr[4] = {sps_ann_find_point(a, a->levels[iu], "cor_sup_right"), sps_ann_find_point(a, a->levels[iu], "cor_sup_left"),
                                  sps_ann_find_point(a, a->levels[id], "cor_inf_right"), sps_ann_find_point(a, a->levels[id], "cor_inf_left")};
        if (cr[0] && cr[1] && cr[2] && cr[3]) {
            in1.has_coronal = in2.has_coronal = 1;
            memcpy(in1.cor_upper_right, cr[0]->lps, sizeof cr[0]->lps);
            memcpy(in1.cor_upper_left, cr[1]->lps, sizeof cr[1]->lps);
            memcpy(in1.cor_lower_right, cr[2]->lps, sizeof cr[2]->lps);
            memcpy(in1.cor_lower_left, cr[3]->lps, sizeof cr[3]->lps);
            memcpy(in2.cor_upper_right, cr[0]->lps, sizeof cr[0]->lps);
            memcpy(in2.cor_upper_left, cr[1]->lps, sizeof cr[1]->lps);
            memcpy(in2.cor_lower_right, cr[2]->lps, sizeof cr[2]->lps);
            memcpy(in2.cor_lower_left, cr[3]->lps, sizeof cr[3]->lps);
        }
        in1.deformity_preexisting = in2.deformity_preexisting = tv ? tv->preexisting : 0;
        sps_alignment a1, a2;
        st = sps_measure_alignment(&a1, models, &in1, err);
        if (st == SPS_OK)
            st = sps_measure_alignment(&a2, models, &in2, err);
        if (st != SPS_OK)
            goto fail;
        const sps_alignment *w = a2.translation_mm > a1.translation_mm ? &a2 : &a1;
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddNumberToObject(ev, "translation_mm", w->translation_mm);
        cJSON_AddNumberToObject(ev, "translation_pct", w->translation_pct);
        cJSON_AddStringToObject(ev, "translation_segment", w == &a1 ? a->levels[iu] : level);
        cJSON_AddNumberToObject(ev, "segmental_kyphosis_deg", w->kyphosis_deg);
        cJSON_AddStringToObject(ev, "kyphosis_method", "sagittal Cobb from the superior endplate of the vertebra above to the inferior endplate of the vertebra below (Kuklo 2001 variant a)");
        if (isfinite(w->coronal_deg))
            cJSON_AddNumberToObject(ev, "coronal_deg", w->coronal_deg);
        if (w->needs_confirmation)
            cJSON_AddStringToObject(ev, "confirm", "de novo deformity needs the clinician's confirmation that it is new (compare with a prior study)");
        cJSON_AddStringToObject(ev, "model_entry", "measurement.alignment");
        cJSON_AddItemToObject(meas, "alignment", cJSON_Duplicate(ev, 1));
        cJSON_AddItemToObject(sins, "alignment", component(w->sins_token, w->explanation, ev));
    } else {
        not_measured(nm, "alignment", "needs the six morphometry points of the level and of the vertebrae directly above and below");
    }

    /* Posterolateral. */
    sps_posterolateral_input pin;
    memset(&pin, 0, sizeof pin);
    pin.left_pedicle = sps_ann_find_point(a, level, "left_pedicle") != NULL;
    pin.right_pedicle = sps_ann_find_point(a, level, "right_pedicle") != NULL;
    pin.left_facet = sps_ann_find_point(a, level, "left_facet") != NULL;
    pin.right_facet = sps_ann_find_point(a, level, "right_facet") != NULL;
    pin.left_costovertebral = sps_ann_find_point(a, level, "left_costovertebral") != NULL;
    pin.right_costovertebral = sps_ann_find_point(a, level, "right_costovertebral") != NULL;
    pin.lamina_or_spinous_only = sps_ann_find_point(a, level, "lamina") || sps_ann_find_point(a, level, "spinous_process");
    int any = pin.left_pedicle || pin.right_pedicle || pin.left_facet || pin.right_facet || pin.left_costovertebral ||
              pin.right_costovertebral || pin.lamina_or_spinous_only;
    if (any || (tv && tv->posterolateral_assessed)) {
        sps_posterolateral p;
        st = sps_measure_posterolateral(&p, models, &pin, err);
        if (st != SPS_OK)
            goto fail;
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddBoolToObject(ev, "left", p.left);
        cJSON_AddBoolToObject(ev, "right", p.right);
        cJSON_AddStringToObject(ev, "model_entry", "measurement.posterolateral");
        cJSON_AddItemToObject(meas, "posterolateral", cJSON_Duplicate(ev, 1));
        cJSON_AddItemToObject(sins, "posterolateral", component(p.sins_token, p.explanation, ev));
    } else {
        not_measured(nm, "posterolateral", "no pedicle/facet/costovertebral marks and not marked as assessed");
    }


    /* ESCC from axial outlines at the worst level and a reference level. */
    const ann_outline *sac = find_outline(a, level, "sac_outline", "worst");
    const ann_outline *cord = find_outline(a, level, "cord_outline", "worst");
    const ann_outline *tum = find_outline(a, level, "tumor_outline", "worst");
    const ann_outline *rsac = find_outline(a, NULL, "sac_outline", "reference");
    const ann_outline *rcord = find_outline(a, NULL, "cord_outline", "reference");
    if (sac && cord && rsac && rcord && (tum || (tv && tv->epidural_tumor == 0))) {
        sps_escc_input in = {
            .epidural_tumor = tum != NULL,
            .sac_area_mm2 = outline_area(sac), .ref_sac_area_mm2 = outline_area(rsac),
            .cord_area_mm2 = outline_area(cord), .ref_cord_area_mm2 = outline_area(rcord),
            .cord_ap_mm = extent_along(cord, 1), .cord_transverse_mm = extent_along(cord, 0),
            .ref_cord_ap_mm = extent_along(rcord, 1), .ref_cord_transverse_mm = extent_along(rcord, 0),
            .tumor_cord_distance_mm = tum ? outline_dist(tum, cord) : INFINITY,
            .csf_rim_fraction = 0, .pixel_mm = 0,
        };
        /* CSF rim: cord outline vertices away from both the sac boundary and the tumour */
        size_t free_pts = 0;
        for (size_t i = 0; i < cord->n; i++) {
            double ds = point_outline_dist(cord->pts[i], sac);
            double dt = tum ? point_outline_dist(cord->pts[i], tum) : INFINITY;
            if (ds > 0.5 && dt > 0.5)
                free_pts++;
        }
        in.csf_rim_fraction = (double)free_pts / (double)cord->n;
        sps_escc_finding f;
        st = sps_measure_escc(&f, models, &in, err);
        if (st != SPS_OK)
            goto fail;
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddNumberToObject(ev, "sac_area_mm2", in.sac_area_mm2);
        cJSON_AddNumberToObject(ev, "ref_sac_area_mm2", in.ref_sac_area_mm2);
        cJSON_AddNumberToObject(ev, "cord_area_mm2", in.cord_area_mm2);
        cJSON_AddNumberToObject(ev, "ref_cord_area_mm2", in.ref_cord_area_mm2);
        if (tum)
            cJSON_AddNumberToObject(ev, "tumor_cord_distance_mm", in.tumor_cord_distance_mm);
        cJSON_AddNumberToObject(ev, "csf_rim_fraction", in.csf_rim_fraction);
        cJSON_AddStringToObject(ev, "reference_level", rsac->level);
        cJSON_AddStringToObject(ev, "model_entry", "measurement.escc");
        cJSON_AddItemToObject(meas, "escc", cJSON_Duplicate(ev, 1));
        cJSON *c = component(f.grade, f.explanation, ev);
        cJSON_ReplaceItemInObjectCaseSensitive(c, "source", cJSON_CreateString("semi_automatic"));
        cJSON_AddItemToObject(lesion, "escc", c);
    } else {
        not_measured(nm, "escc", "needs sac and cord outlines at the worst slice and at a reference slice, and a tumour outline (or \"epidural_tumor\": false)");
    }
    *json_out = cJSON_Print(root);
    cJSON_Delete(root);
    return *json_out ? SPS_OK : sps_error_set(err, SPS_ENOMEM, level, "out of memory");
fail:
    cJSON_Delete(root);
    return st;
}

sps_status sps_annotations_lesion_level(const sps_annotations *a, char level[8], sps_error *err)
{
    char found[40][8];
    size_t n = 0;
    for (size_t l = 0; l < a->nlevels; l++) {
        const char *lv = a->levels[l];
        const ann_vertebra *v = sps_ann_vert(a, lv);
        int marks = 0;
        static const char *const pl[] = {"left_pedicle", "right_pedicle", "left_facet", "right_facet",
                                         "left_costovertebral", "right_costovertebral"};
        for (size_t m = 0; m < sizeof pl / sizeof pl[0]; m++)
            marks |= sps_ann_find_point(a, lv, pl[m]) != NULL;
        if (has_region(a, lv, "lesion") || find_outline(a, lv, "tumor_outline", "worst") || (v && v->involved == 1) || marks)
            sps_strlcpy(found[n++], lv, sizeof found[0]);
    }
    if (n == 1) {
        memcpy(level, found[0], 8);
        return SPS_OK;
    }
    if (n == 0)
        return sps_error_set(err, SPS_EINVALID, "annotations",
                             "no level is marked as the lesion (a \"lesion\" region, a tumour outline, posterolateral marks or \"involved\": true); give --level");
    char list[200] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", found[i]);
    }
    return sps_error_set(err, SPS_EINVALID, "annotations", "several levels are marked as lesions (%s); choose one with --level", list);
}
