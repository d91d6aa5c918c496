/* annotations.c — reader annotations (spinescore JSON or 3D Slicer markups) read and checked:
 * labels against the level vocabulary, pixel references resolved by the caller, regions and
 * outlines on one plane. What they measure is in annotations_derive.c. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "spinescore/measure.h"
#include "spinescore/volume.h"

#define MAX_ITEMS 100000

static const char *const point_roles[] = {
    "sup_ant", "sup_mid", "sup_post", "inf_ant", "inf_mid", "inf_post",
    "cor_sup_right", "cor_sup_left", "cor_inf_right", "cor_inf_left",
    "left_pedicle", "right_pedicle", "left_facet", "right_facet", "left_costovertebral", "right_costovertebral",
    "lamina", "spinous_process", "body_seed", "lesion_seed", "sac_seed"};
static const char *const outline_roles[] = {"sac_outline", "cord_outline", "tumor_outline"};
static const char *const region_roles[] = {"lesion", "reference_bone", "body"};
#define N_REGION_ROLES 3

#include "annotations_internal.h"

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, nc * size);
    if (!q)
        return 0;
    *p = q;
    *cap = nc;
    return 1;
}

void sps_annotations_free(sps_annotations *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->noutl; i++)
        free(a->outl[i].pts);
    for (size_t i = 0; i < a->nregs; i++)
        free(a->regs[i].poly);
    free(a->pts);
    free(a->outl);
    free(a->regs);
    free(a->verts);
    free(a);
}

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

int sps_ann_level_index(const sps_annotations *a, const char *level)
{
    for (size_t i = 0; i < a->nlevels; i++)
        if (strcmp(a->levels[i], level) == 0)
            return (int)i;
    return -1;
}

/* Normalise and check a level label against the vocabulary; 0 if unknown. */
int sps_ann_check_level(const sps_annotations *a, const char *label, char out[8])
{
    char norm[16];
    if (!sps_level__normalise(label, norm, sizeof norm) || strlen(norm) >= 8)
        return 0;
    if (strcmp(norm, "OCCIPUT") == 0)
        strcpy(norm, "C0");
    if (sps_ann_level_index(a, norm) < 0)
        return 0;
    strcpy(out, norm);
    return 1;
}

static sps_status item_error(sps_error *err, const char *item, const char *fmt, ...) SPS_PRINTF(3, 4);
static sps_status item_error(sps_error *err, const char *item, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sps_status st = sps_error_setv(err, SPS_EINVALID, item, fmt, ap);
    va_end(ap);
    return st;
}

static int read_vec(const cJSON *arr, double out[3])
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 3)
        return 0;
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return 0;
        out[i] = v->valuedouble;
    }
    return 1;
}

/* A point given as {"lps": [x,y,z]} or {"pixel": {...}}. */
static sps_status read_position(const cJSON *obj, const char *item, double out[3], const char *series_uid,
                                sps_pixel_resolver resolver, void *rctx, sps_error *err)
{
    const cJSON *lps = cJSON_GetObjectItemCaseSensitive(obj, "lps");
    const cJSON *px = cJSON_GetObjectItemCaseSensitive(obj, "pixel");
    if (lps) {
        if (!read_vec(lps, out))
            return item_error(err, item, "\"lps\" must be three finite numbers (x, y, z in mm, LPS)");
        return SPS_OK;
    }
    if (cJSON_IsObject(px)) {
        if (!resolver)
            return item_error(err, item, "pixel coordinates need the series geometry: run with the study (spinescore measure SERIES_DIR)");
        const cJSON *col = cJSON_GetObjectItemCaseSensitive(px, "column");
        const cJSON *row = cJSON_GetObjectItemCaseSensitive(px, "row");
        const cJSON *inst = cJSON_GetObjectItemCaseSensitive(px, "instance");
        const cJSON *sop = cJSON_GetObjectItemCaseSensitive(px, "sop_instance_uid");
        const cJSON *frame = cJSON_GetObjectItemCaseSensitive(px, "frame");
        const cJSON *ser = cJSON_GetObjectItemCaseSensitive(px, "series_uid");
        if (!cJSON_IsNumber(col) || !cJSON_IsNumber(row) || (!cJSON_IsNumber(inst) && !cJSON_IsString(sop)))
            return item_error(err, item, "\"pixel\" needs column, row and instance (or sop_instance_uid)");
        if (resolver(rctx, cJSON_IsString(ser) ? ser->valuestring : series_uid, cJSON_IsString(sop) ? sop->valuestring : NULL,
                     cJSON_IsNumber(inst) ? inst->valueint : -1, cJSON_IsNumber(frame) ? frame->valueint : 1,
                     col->valuedouble, row->valuedouble, out) != 0)
            return item_error(err, item, "pixel reference is not in the series (instance, frame, column/row outside the image)");
        return SPS_OK;
    }
    return item_error(err, item, "needs \"lps\" or \"pixel\"");
}

static sps_status add_point(sps_annotations *a, const char *level, const char *role, const double p[3],
                            const char *item, sps_error *err)
{
    for (size_t i = 0; i < a->npts; i++)
        if (strcmp(a->pts[i].level, level) == 0 && strcmp(a->pts[i].role, role) == 0 &&
            strstr(role, "seed") == NULL) {
            char msg[200];
            snprintf(msg, sizeof msg, "duplicate point %s %s (first given as %s)", level, role, a->pts[i].item);
            return sps_error_set(err, SPS_EINVALID, item, "%s", msg);
        }
    if (a->npts >= MAX_ITEMS || !grow((void **)&a->pts, &a->cpts, a->npts, sizeof *a->pts))
        return sps_error_set(err, SPS_ENOMEM, item, "too many points or out of memory");
    ann_point *q = &a->pts[a->npts++];
    sps_strlcpy(q->level, level, sizeof q->level);
    sps_strlcpy(q->role, role, sizeof q->role);
    sps_strlcpy(q->item, item, sizeof q->item);
    memcpy(q->lps, p, sizeof q->lps);
    return SPS_OK;
}

static sps_status add_outline(sps_annotations *a, const char *level, const char *role, const char *slice,
                              double (*pts)[3], size_t n, const char *item, sps_error *err)
{
    if (n < 3) {
        free(pts);
        return sps_error_set(err, SPS_EINVALID, item, "an outline needs at least 3 points, got %zu", n);
    }
    if (strcmp(slice, "worst") != 0 && strcmp(slice, "reference") != 0) {
        free(pts);
        return sps_error_set(err, SPS_EINVALID, item, "slice must be \"worst\" or \"reference\", got \"%s\"", slice);
    }
    if (a->noutl >= MAX_ITEMS || !grow((void **)&a->outl, &a->coutl, a->noutl, sizeof *a->outl)) {
        free(pts);
        return sps_error_set(err, SPS_ENOMEM, item, "too many outlines or out of memory");
    }
    ann_outline *o = &a->outl[a->noutl++];
    memset(o, 0, sizeof *o);
    sps_strlcpy(o->level, level, sizeof o->level);
    sps_strlcpy(o->role, role, sizeof o->role);
    sps_strlcpy(o->slice, slice, sizeof o->slice);
    sps_strlcpy(o->item, item, sizeof o->item);
    o->pts = pts;
    o->n = n;
    return SPS_OK;
}

static ann_vertebra *vertebra_entry(sps_annotations *a, const char *level)
{
    for (size_t i = 0; i < a->nverts; i++)
        if (strcmp(a->verts[i].level, level) == 0)
            return &a->verts[i];
    if (!grow((void **)&a->verts, &a->cverts, a->nverts, sizeof *a->verts))
        return NULL;
    ann_vertebra *v = &a->verts[a->nverts++];
    memset(v, 0, sizeof *v);
    sps_strlcpy(v->level, level, sizeof v->level);
    v->involved = -1;
    v->involved_fraction = NAN;
    v->epidural_tumor = -1;
    return v;
}

/* "T12 sup_ant", "T12:sup_ant", "T12-sup_ant", "T12_sup_ant" -> level, role, optional third word. */
static int split_label(const char *label, char *level, size_t ln, char *role, size_t rn, char *extra, size_t en)
{
    char buf[160];
    sps_strlcpy(buf, label, sizeof buf);
    char *p = buf;
    while (*p && isspace((unsigned char)*p))
        p++;
    char *sep = p;
    while (*sep && !isspace((unsigned char)*sep) && *sep != ':' && *sep != '-' && *sep != '_')
        sep++;
    if (!*sep)
        return 0;
    *sep++ = '\0';
    sps_strlcpy(level, p, ln);
    while (*sep && (isspace((unsigned char)*sep) || *sep == ':'))
        sep++;
    char *end = sep;
    while (*end && !isspace((unsigned char)*end))
        end++;
    char *rest = end;
    if (*end)
        *end = '\0', rest = end + 1;
    sps_strlcpy(role, sep, rn);
    while (*rest && isspace((unsigned char)*rest))
        rest++;
    sps_strlcpy(extra, rest, en);
    size_t k = strlen(extra);
    while (k && isspace((unsigned char)extra[k - 1]))
        extra[--k] = '\0';
    return role[0] != '\0';
}

/* The vertices of an outline or polygon: {"lps": [[x,y,z], ...]} or, drawn on one image,
 * {"pixel": {"instance" | "sop_instance_uid", "frame"?, "series_uid"?, "points": [[column, row], ...]}}.
 * *out is malloc'd (at least one element); *n may be 0. */
static sps_status read_vertices(const cJSON *obj, const char *item, double (**out)[3], int *n, const char *series_uid,
                                sps_pixel_resolver resolver, void *rctx, sps_error *err)
{
    *out = NULL;
    *n = 0;
    const cJSON *lps = cJSON_GetObjectItemCaseSensitive(obj, "lps");
    const cJSON *px = cJSON_GetObjectItemCaseSensitive(obj, "pixel");
    if ((lps != NULL) == (px != NULL))
        return item_error(err, item, "give the vertices either as \"lps\": [[x, y, z], ...] or as \"pixel\": {\"instance\", \"points\": [[column, row], ...]}");
    const cJSON *pts = lps ? lps : cJSON_GetObjectItemCaseSensitive(px, "points");
    int m = cJSON_GetArraySize(pts);
    if (!cJSON_IsArray(pts) || m > MAX_ITEMS)
        return item_error(err, item, lps ? "\"lps\" must be an array of [x, y, z] points" : "\"pixel\" needs \"points\": [[column, row], ...]");
    double (*buf)[3] = calloc((size_t)(m ? m : 1), sizeof *buf);
    if (!buf)
        return sps_error_set(err, SPS_ENOMEM, item, "out of memory");
    if (lps) {
        for (int k = 0; k < m; k++)
            if (!read_vec(cJSON_GetArrayItem(pts, k), buf[k])) {
                free(buf);
                return item_error(err, item, "point %d must be three finite numbers", k);
            }
    } else {
        if (!resolver) {
            free(buf);
            return item_error(err, item, "pixel coordinates need the series geometry: run with the study (spinescore measure SERIES_DIR)");
        }
        const cJSON *inst = cJSON_GetObjectItemCaseSensitive(px, "instance");
        const cJSON *sop = cJSON_GetObjectItemCaseSensitive(px, "sop_instance_uid");
        const cJSON *frame = cJSON_GetObjectItemCaseSensitive(px, "frame");
        const cJSON *ser = cJSON_GetObjectItemCaseSensitive(px, "series_uid");
        if (!cJSON_IsNumber(inst) && !cJSON_IsString(sop)) {
            free(buf);
            return item_error(err, item, "\"pixel\" needs \"instance\" (or \"sop_instance_uid\") and \"points\"");
        }
        for (int k = 0; k < m; k++) {
            const cJSON *cr = cJSON_GetArrayItem(pts, k);
            const cJSON *c = cJSON_GetArrayItem(cr, 0), *r = cJSON_GetArrayItem(cr, 1);
            if (!cJSON_IsArray(cr) || cJSON_GetArraySize(cr) != 2 || !cJSON_IsNumber(c) || !cJSON_IsNumber(r) ||
                !isfinite(c->valuedouble) || !isfinite(r->valuedouble)) {
                free(buf);
                return item_error(err, item, "pixel point %d must be [column, row]", k);
            }
            if (resolver(rctx, cJSON_IsString(ser) ? ser->valuestring : series_uid, cJSON_IsString(sop) ? sop->valuestring : NULL,
                         cJSON_IsNumber(inst) ? inst->valueint : -1, cJSON_IsNumber(frame) ? frame->valueint : 1,
                         c->valuedouble, r->valuedouble, buf[k]) != 0) {
                free(buf);
                return item_error(err, item, "pixel point %d is not in the series (instance, frame, column/row outside the image)", k);
            }
        }
    }
    *out = buf;
    *n = m;
    return SPS_OK;
}

/* Plane of a polygon (Newell normal) and an in-plane basis; 0 if degenerate or not planar. */
static int polygon_plane(ann_region *g, double *max_off)
{
    double n[3] = {0, 0, 0}, c[3] = {0, 0, 0};
    for (size_t i = 0; i < g->npoly; i++) {
        const double *p = g->poly[i], *q = g->poly[(i + 1) % g->npoly];
        n[0] += (p[1] - q[1]) * (p[2] + q[2]);
        n[1] += (p[2] - q[2]) * (p[0] + q[0]);
        n[2] += (p[0] - q[0]) * (p[1] + q[1]);
        for (int k = 0; k < 3; k++)
            c[k] += p[k] / (double)g->npoly;
    }
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len > 1e-9))
        return 0;
    for (int k = 0; k < 3; k++)
        g->normal[k] = n[k] / len;
    /* u: the first edge direction made orthogonal to the normal; v = normal x u */
    double e[3] = {g->poly[1][0] - g->poly[0][0], g->poly[1][1] - g->poly[0][1], g->poly[1][2] - g->poly[0][2]};
    double d = e[0] * g->normal[0] + e[1] * g->normal[1] + e[2] * g->normal[2];
    for (int k = 0; k < 3; k++)
        e[k] -= d * g->normal[k];
    double el = sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
    if (!(el > 1e-9))
        return 0;
    for (int k = 0; k < 3; k++)
        g->u[k] = e[k] / el;
    g->v[0] = g->normal[1] * g->u[2] - g->normal[2] * g->u[1];
    g->v[1] = g->normal[2] * g->u[0] - g->normal[0] * g->u[2];
    g->v[2] = g->normal[0] * g->u[1] - g->normal[1] * g->u[0];
    memcpy(g->centre, c, sizeof c);
    *max_off = 0;
    for (size_t i = 0; i < g->npoly; i++) {
        double off = fabs((g->poly[i][0] - c[0]) * g->normal[0] + (g->poly[i][1] - c[1]) * g->normal[1] +
                          (g->poly[i][2] - c[2]) * g->normal[2]);
        if (off > *max_off)
            *max_off = off;
    }
    return 1;
}

/* Maximal distance of a polygon vertex from the polygon's plane (mm) before it is refused. */
#define POLYGON_PLANARITY_MM 0.5

/* A region: {"sphere": {...}} or {"polygon": {"lps": [[x,y,z], ...]}} (one plane). */
static sps_status add_region(sps_annotations *a, const char *level, const char *role, const cJSON *it,
                             const char *item, const char *series_uid, sps_pixel_resolver resolver, void *rctx,
                             sps_error *err)
{
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(it, "sphere");
    const cJSON *pg = cJSON_GetObjectItemCaseSensitive(it, "polygon");
    if (cJSON_GetObjectItemCaseSensitive(it, "mask"))
        return sps_error_set(err, SPS_EUNSUPPORTED, item,
                             "mask files are not supported by this version; give the region as a sphere or as polygons on slices");
    if ((sp != NULL) == (pg != NULL))
        return item_error(err, item, "a region needs exactly one of \"sphere\" or \"polygon\"");
    ann_region g;
    memset(&g, 0, sizeof g);
    if (sp) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(sp, "center_lps");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(sp, "radius_mm");
        if (!cJSON_IsObject(sp) || !read_vec(c, g.centre) || !cJSON_IsNumber(r) || !(r->valuedouble > 0) ||
            !isfinite(r->valuedouble))
            return item_error(err, item, "a sphere needs \"center_lps\": [x, y, z] and \"radius_mm\" > 0");
        g.kind = REGION_SPHERE;
        g.radius_mm = r->valuedouble;
    } else {
        if (!cJSON_IsObject(pg))
            return item_error(err, item, "a polygon needs \"lps\" (or \"pixel\") with at least 3 points on one plane");
        int n = 0;
        sps_status rs = read_vertices(pg, item, &g.poly, &n, series_uid, resolver, rctx, err);
        if (rs != SPS_OK)
            return rs;
        if (n < 3) {
            free(g.poly);
            return item_error(err, item, "a polygon needs at least 3 points on one plane, got %d", n);
        }
        g.kind = REGION_POLYGON;
        g.npoly = (size_t)n;
        double off = 0;
        if (!polygon_plane(&g, &off)) {
            free(g.poly);
            return item_error(err, item, "the polygon is degenerate (its points lie on a line or coincide)");
        }
        if (off > POLYGON_PLANARITY_MM) {
            free(g.poly);
            return item_error(err, item, "the polygon is not planar: a point lies %.2f mm from its plane (at most %.1f mm; draw it on one slice)",
                              off, POLYGON_PLANARITY_MM);
        }
    }
    if (a->nregs >= MAX_ITEMS || !grow((void **)&a->regs, &a->cregs, a->nregs, sizeof *a->regs)) {
        free(g.poly);
        return sps_error_set(err, SPS_ENOMEM, item, "too many regions or out of memory");
    }
    sps_strlcpy(g.level, level, sizeof g.level);
    sps_strlcpy(g.role, role, sizeof g.role);
    sps_strlcpy(g.item, item, sizeof g.item);
    a->regs[a->nregs++] = g;
    return SPS_OK;
}

static sps_status parse_native(sps_annotations *a, const cJSON *root, const char *origin,
                               sps_pixel_resolver resolver, void *rctx, sps_error *err)
{
    const cJSON *suid = cJSON_GetObjectItemCaseSensitive(root, "series_uid");
    const char *series = cJSON_IsString(suid) ? suid->valuestring : NULL;
    char item[96];
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "points"))
    {
        snprintf(item, sizeof item, "%s: points[%d]", origin, i++);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(it, "role");
        char level[8];
        if (!cJSON_IsString(lv) || !sps_ann_check_level(a, lv->valuestring, level))
            return item_error(err, item, "\"level\" must be a standard vertebral level (C0-C7, T1-T12, L1-L5, S1-S5), got %s",
                              cJSON_IsString(lv) ? lv->valuestring : "nothing");
        if (!cJSON_IsString(ro) || !in_list(ro->valuestring, point_roles, sizeof point_roles / sizeof point_roles[0]))
            return item_error(err, item, "unknown point role \"%s\" (see docs/formats.md)", cJSON_IsString(ro) ? ro->valuestring : "");
        double p[3];
        sps_status st = read_position(it, item, p, series, resolver, rctx, err);
        if (st == SPS_OK)
            st = add_point(a, level, ro->valuestring, p, item, err);
        if (st != SPS_OK)
            return st;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "outlines"))
    {
        snprintf(item, sizeof item, "%s: outlines[%d]", origin, i++);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(it, "role");
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "slice");
        char level[8];
        if (!cJSON_IsString(lv) || !sps_ann_check_level(a, lv->valuestring, level))
            return item_error(err, item, "\"level\" must be a standard vertebral level, got %s", cJSON_IsString(lv) ? lv->valuestring : "nothing");
        if (!cJSON_IsString(ro) || !in_list(ro->valuestring, outline_roles, 3))
            return item_error(err, item, "unknown outline role \"%s\" (sac_outline, cord_outline, tumor_outline)", cJSON_IsString(ro) ? ro->valuestring : "");
        int n = 0;
        double (*buf)[3] = NULL;
        sps_status st = read_vertices(it, item, &buf, &n, series, resolver, rctx, err);
        if (st != SPS_OK)
            return st;
        st = add_outline(a, level, ro->valuestring, cJSON_IsString(sl) ? sl->valuestring : "", buf, (size_t)n, item, err);
        if (st != SPS_OK)
            return st;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "regions"))
    {
        snprintf(item, sizeof item, "%s: regions[%d]", origin, i++);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(it, "role");
        char level[8];
        if (!cJSON_IsString(lv) || !sps_ann_check_level(a, lv->valuestring, level))
            return item_error(err, item, "\"level\" must be a standard vertebral level, got %s", cJSON_IsString(lv) ? lv->valuestring : "nothing");
        if (!cJSON_IsString(ro) || !in_list(ro->valuestring, region_roles, N_REGION_ROLES))
            return item_error(err, item, "unknown region role \"%s\" (lesion, reference_bone, body)", cJSON_IsString(ro) ? ro->valuestring : "");
        sps_status st = add_region(a, level, ro->valuestring, it, item, series, resolver, rctx, err);
        if (st != SPS_OK)
            return st;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "vertebrae"))
    {
        snprintf(item, sizeof item, "%s: vertebrae[%d]", origin, i++);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        char level[8];
        if (!cJSON_IsString(lv) || !sps_ann_check_level(a, lv->valuestring, level))
            return item_error(err, item, "\"level\" must be a standard vertebral level, got %s", cJSON_IsString(lv) ? lv->valuestring : "nothing");
        ann_vertebra *v = vertebra_entry(a, level);
        if (!v)
            return sps_error_set(err, SPS_ENOMEM, item, "out of memory");
        const cJSON *x;
        if ((x = cJSON_GetObjectItemCaseSensitive(it, "involved")) != NULL) {
            if (!cJSON_IsBool(x))
                return item_error(err, item, "\"involved\" must be true or false");
            v->involved = cJSON_IsTrue(x);
        }
        if ((x = cJSON_GetObjectItemCaseSensitive(it, "body_involved_fraction")) != NULL) {
            if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1)
                return item_error(err, item, "\"body_involved_fraction\" must be a number from 0 to 1");
            v->involved_fraction = x->valuedouble;
        }
        if ((x = cJSON_GetObjectItemCaseSensitive(it, "deformity_preexisting")) != NULL) {
            if (!cJSON_IsBool(x))
                return item_error(err, item, "\"deformity_preexisting\" must be true or false");
            v->preexisting = cJSON_IsTrue(x);
        }
        if ((x = cJSON_GetObjectItemCaseSensitive(it, "epidural_tumor")) != NULL) {
            if (!cJSON_IsBool(x))
                return item_error(err, item, "\"epidural_tumor\" must be true or false");
            v->epidural_tumor = cJSON_IsTrue(x);
        }
        if ((x = cJSON_GetObjectItemCaseSensitive(it, "posterolateral_assessed")) != NULL) {
            if (!cJSON_IsBool(x))
                return item_error(err, item, "\"posterolateral_assessed\" must be true or false");
            v->posterolateral_assessed = cJSON_IsTrue(x);
        }
    }
    return SPS_OK;
}

/* 3D Slicer markups (.mrk.json): control-point labels "T12 sup_ant"; closed curves named
 * "T12 sac_outline worst". RAS coordinates are converted to LPS. */
static sps_status parse_slicer(sps_annotations *a, const cJSON *root, const char *origin, sps_error *err)
{
    const cJSON *mk;
    int m = 0;
    cJSON_ArrayForEach(mk, cJSON_GetObjectItemCaseSensitive(root, "markups"))
    {
        char item[96];
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(mk, "type");
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(mk, "coordinateSystem");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(mk, "name");
        int ras = cJSON_IsString(cs) && strcmp(cs->valuestring, "RAS") == 0;
        if (cJSON_IsString(cs) && !ras && strcmp(cs->valuestring, "LPS") != 0) {
            snprintf(item, sizeof item, "%s: markups[%d]", origin, m);
            return item_error(err, item, "coordinateSystem must be LPS or RAS, got %s", cs->valuestring);
        }
        const char *t = cJSON_IsString(type) ? type->valuestring : "";
        const cJSON *cps = cJSON_GetObjectItemCaseSensitive(mk, "controlPoints");
        int closed = strcmp(t, "ClosedCurve") == 0 || strcmp(t, "Curve") == 0;
        if (closed) {
            snprintf(item, sizeof item, "%s: markups[%d] \"%s\"", origin, m, cJSON_IsString(name) ? name->valuestring : "");
            char lvraw[16], role[24], extra[24];
            char level[8];
            if (!cJSON_IsString(name) || !split_label(name->valuestring, lvraw, sizeof lvraw, role, sizeof role, extra, sizeof extra))
                return item_error(err, item, "a curve must be named \"<level> <role> <worst|reference>\", e.g. \"T12 sac_outline worst\"");
            if (!sps_ann_check_level(a, lvraw, level))
                return item_error(err, item, "\"%s\" is not a standard vertebral level", lvraw);
            if (in_list(role, region_roles, N_REGION_ROLES)) {
                /* "T12 lesion", "T10 reference_bone", "T12 body": a polygon region on one slice */
                cJSON *reg = cJSON_CreateObject(), *pgn = cJSON_AddObjectToObject(reg, "polygon");
                cJSON *arr = cJSON_AddArrayToObject(pgn, "lps");
                const cJSON *cp;
                cJSON_ArrayForEach(cp, cps)
                {
                    double q[3];
                    if (!read_vec(cJSON_GetObjectItemCaseSensitive(cp, "position"), q)) {
                        cJSON_Delete(reg);
                        return item_error(err, item, "control point without a 3-number \"position\"");
                    }
                    if (ras)
                        q[0] = -q[0], q[1] = -q[1];
                    cJSON_AddItemToArray(arr, cJSON_CreateDoubleArray(q, 3));
                }
                sps_status st = add_region(a, level, role, reg, item, NULL, NULL, NULL, err);
                cJSON_Delete(reg);
                if (st != SPS_OK)
                    return st;
                m++;
                continue;
            }
            if (!in_list(role, outline_roles, 3))
                return item_error(err, item, "unknown outline role \"%s\" (sac_outline, cord_outline, tumor_outline)", role);
            int n = cJSON_GetArraySize(cps);
            double (*buf)[3] = calloc((size_t)(n ? n : 1), sizeof *buf);
            if (!buf)
                return sps_error_set(err, SPS_ENOMEM, item, "out of memory");
            for (int k = 0; k < n; k++) {
                if (!read_vec(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cps, k), "position"), buf[k])) {
                    free(buf);
                    return item_error(err, item, "control point without a 3-number \"position\"");
                }
                if (ras)
                    buf[k][0] = -buf[k][0], buf[k][1] = -buf[k][1];
            }
            sps_status st = add_outline(a, level, role, extra, buf, (size_t)n, item, err);
            if (st != SPS_OK)
                return st;
        } else if (strcmp(t, "Fiducial") == 0 || strcmp(t, "Line") == 0 || strcmp(t, "Angle") == 0) {
            const cJSON *cp;
            int k = 0;
            cJSON_ArrayForEach(cp, cps)
            {
                const cJSON *label = cJSON_GetObjectItemCaseSensitive(cp, "label");
                snprintf(item, sizeof item, "%s: markups[%d] point %d \"%s\"", origin, m, k++,
                         cJSON_IsString(label) ? label->valuestring : "");
                char lvraw[16], role[24], extra[24], level[8];
                if (!cJSON_IsString(label) || !split_label(label->valuestring, lvraw, sizeof lvraw, role, sizeof role, extra, sizeof extra))
                    return item_error(err, item, "a point label must be \"<level> <role>\", e.g. \"T12 sup_ant\"");
                if (!sps_ann_check_level(a, lvraw, level))
                    return item_error(err, item, "\"%s\" is not a standard vertebral level", lvraw);
                if (!in_list(role, point_roles, sizeof point_roles / sizeof point_roles[0]))
                    return item_error(err, item, "unknown point role \"%s\" (see docs/formats.md)", role);
                double p[3];
                if (!read_vec(cJSON_GetObjectItemCaseSensitive(cp, "position"), p))
                    return item_error(err, item, "control point without a 3-number \"position\"");
                if (ras)
                    p[0] = -p[0], p[1] = -p[1];
                sps_status st = add_point(a, level, role, p, item, err);
                if (st != SPS_OK)
                    return st;
            }
        } else {
            snprintf(item, sizeof item, "%s: markups[%d]", origin, m);
            return item_error(err, item, "unsupported markup type \"%s\" (Fiducial, Line, Angle, ClosedCurve, Curve)", t);
        }
        m++;
    }
    return SPS_OK;
}

sps_status sps_annotations_parse(sps_annotations **out, const sps_models *models, const char *json, size_t len,
                                 const char *origin, sps_pixel_resolver resolver, void *rctx, sps_error *err)
{
    *out = NULL;
    if (!origin)
        origin = "annotations";
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        int line = 1, col = 1;
        sps_json__line_col(json, end && end >= json ? (size_t)(end - json) : 0, &line, &col);
        char where[256];
        snprintf(where, sizeof where, "%s:%d:%d", origin, line, col);
        return sps_error_set(err, SPS_EFORMAT, where, "malformed JSON (expected annotations, see docs/formats.md)");
    }
    sps_annotations *a = calloc(1, sizeof *a);
    if (!a) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
    }
    const sps_model *sins = sps_models__find(models, "sins");
    const cJSON *levels = sins ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sins->root, "location"), "levels") : NULL;
    const cJSON *lv;
    cJSON_ArrayForEach(lv, levels)
    {
        if (a->nlevels < 40 && strlen(lv->string) < 8)
            strcpy(a->levels[a->nlevels++], lv->string);
    }
    sps_status st;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!a->nlevels)
        st = sps_error_set(err, SPS_EFORMAT, "model sins", "location.levels is missing");
    else if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "markups")))
        st = parse_slicer(a, root, origin, err);
    else if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "spinescore-annotations") == 0)
        st = parse_native(a, root, origin, resolver, rctx, err);
    else
        st = sps_error_set(err, SPS_EFORMAT, origin,
                           "not an annotation file: expected \"format\": \"spinescore-annotations\" or a 3D Slicer markups file (\"markups\": [...])");
    cJSON_Delete(root);
    if (st != SPS_OK) {
        sps_annotations_free(a);
        return st;
    }
    *out = a;
    return SPS_OK;
}

size_t sps_annotations_point_count(const sps_annotations *a)
{
    return a ? a->npts : 0;
}

const ann_point *sps_ann_find_point(const sps_annotations *a, const char *level, const char *role)
{
    for (size_t i = 0; i < a->npts; i++)
        if (strcmp(a->pts[i].level, level) == 0 && strcmp(a->pts[i].role, role) == 0)
            return &a->pts[i];
    return NULL;
}

int sps_annotations_has_morpho6(const sps_annotations *a, const char *level, sps_morpho6 *out)
{
    static const char *const r[6] = {"sup_ant", "sup_mid", "sup_post", "inf_ant", "inf_mid", "inf_post"};
    double *dst[6] = {out->sup_ant, out->sup_mid, out->sup_post, out->inf_ant, out->inf_mid, out->inf_post};
    for (int i = 0; i < 6; i++) {
        const ann_point *p = sps_ann_find_point(a, level, r[i]);
        if (!p)
            return 0;
        memcpy(dst[i], p->lps, sizeof p->lps);
    }
    return 1;
}

/* Read-only views for callers that draw what was measured (spinescore run's snapshots). */
size_t sps_annotations_outline(const sps_annotations *a, const char *level, const char *role, const char *slice,
                               const double (**lps)[3], char found_level[8])
{
    *lps = NULL;
    for (size_t i = 0; a && i < a->noutl; i++)
        if (strcmp(a->outl[i].role, role) == 0 && strcmp(a->outl[i].slice, slice) == 0 &&
            (!level || strcmp(a->outl[i].level, level) == 0)) {
            *lps = (const double (*)[3])a->outl[i].pts;
            if (found_level)
                memcpy(found_level, a->outl[i].level, 8);
            return a->outl[i].n;
        }
    return 0;
}

size_t sps_annotations_region_count(const sps_annotations *a)
{
    return a ? a->nregs : 0;
}

int sps_annotations_region(const sps_annotations *a, size_t i, sps_annotation_region *out)
{
    if (!a || i >= a->nregs)
        return 0;
    const ann_region *g = &a->regs[i];
    memset(out, 0, sizeof *out);
    memcpy(out->level, g->level, sizeof out->level);
    sps_strlcpy(out->role, g->role, sizeof out->role);
    out->polygon = g->kind == REGION_POLYGON;
    memcpy(out->centre_lps, g->centre, sizeof g->centre);
    out->radius_mm = g->radius_mm;
    out->polygon_lps = (const double (*)[3])g->poly;
    out->npolygon = g->npoly;
    return 1;
}

int sps_annotations_adjacent_level(const sps_annotations *a, const char *level, int dir, char out[8])
{
    for (size_t i = 0; a && i < a->nlevels; i++)
        if (strcmp(a->levels[i], level) == 0) {
            long j = (long)i + (dir < 0 ? -1 : 1);
            if (j < 0 || j >= (long)a->nlevels)
                return 0;
            memcpy(out, a->levels[j], 8);
            return 1;
        }
    return 0;
}

/* Roles of the six points present for a level (0-6). */
int sps_ann_morpho_count(const sps_annotations *a, const char *level)
{
    static const char *const r[6] = {"sup_ant", "sup_mid", "sup_post", "inf_ant", "inf_mid", "inf_post"};
    int n = 0;
    for (int i = 0; i < 6; i++)
        n += sps_ann_find_point(a, level, r[i]) != NULL;
    return n;
}

const ann_vertebra *sps_ann_vert(const sps_annotations *a, const char *level)
{
    for (size_t i = 0; i < a->nverts; i++)
        if (strcmp(a->verts[i].level, level) == 0)
            return &a->verts[i];
    return NULL;
}
