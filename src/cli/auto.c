/* auto.c — `--auto SEEDS.json` (docs/formats.md section 4.5): seeds -> the semi-automatic paths of
 * src/seg -> derived annotations merged with the reader's (the reader's items win) -> the same
 * src/measure code; the components the derived items drive are marked "semi_automatic". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto.h"
#include "util_internal.h"
#if defined(SPS_HAVE_SEG)
#include "spinescore/seg.h"
#include "spinescore/seg_ct.h"
#endif

#define SPS_SEEDS_MAX_BYTES (4u * 1024u * 1024u)
#define SPS_AUTO_MAX_NOTES 64

enum { K_BODY, K_LESION, K_SAC, K_REFBONE };
static const char *const kind_names[] = {"body", "lesion", "sac", "reference_bone"};

typedef struct seed {
    char level[8];
    int kind;
    int reference; /* sac: slice "reference" */
    double lps[3];
    char name[96]; /* "seeds[3] (T12 sac worst)" */
} seed;

struct sps_auto {
    char *merged;                /* merged annotation JSON */
    char level[8];
    char *notes[SPS_AUTO_MAX_NOTES];
    size_t nnotes;
    cJSON *info;                 /* the "auto" member of the measurements */
    int drives[5];               /* collapse, alignment, bone_lesion, escc, body fraction */
    char drive_seeds[5][256];
};

enum { D_COLLAPSE, D_ALIGNMENT, D_BONE_LESION, D_ESCC, D_FRACTION };

static void add_note(sps_auto *a, const char *fmt, ...) SPS_PRINTF(2, 3);
static void add_note(sps_auto *a, const char *fmt, ...)
{
    if (a->nnotes >= SPS_AUTO_MAX_NOTES)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    a->notes[a->nnotes] = sps_strdup(buf);
    if (a->notes[a->nnotes])
        a->nnotes++;
}

void sps_auto_free(sps_auto *a)
{
    if (!a)
        return;
    free(a->merged);
    for (size_t i = 0; i < a->nnotes; i++)
        free(a->notes[i]);
    cJSON_Delete(a->info);
    free(a);
}

const char *sps_auto_level(const sps_auto *a) { return a && a->level[0] ? a->level : NULL; }
const char *sps_auto_annotations_json(const sps_auto *a) { return a ? a->merged : NULL; }
size_t sps_auto_note_count(const sps_auto *a) { return a ? a->nnotes : 0; }
const char *sps_auto_note(const sps_auto *a, size_t i) { return a && i < a->nnotes ? a->notes[i] : NULL; }

static sps_status read_json(cJSON **out, const char *path, sps_error *err)
{
    char *text = NULL;
    size_t len = 0;
    sps_status st = sps_read_file(&text, &len, path, SPS_SEEDS_MAX_BYTES, err);
    if (st != SPS_OK)
        return st;
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*out) {
        size_t off = end ? (size_t)(end - text) : 0, line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        sps_free(text);
        return sps_error_set(err, SPS_EFORMAT, path, "malformed JSON at line %zu, column %zu", line, col);
    }
    sps_free(text);
    return SPS_OK;
}

sps_status sps_auto_peek_series(char uid[128], const char *seeds_path, sps_error *err)
{
    uid[0] = '\0';
    cJSON *root = NULL;
    sps_status st = read_json(&root, seeds_path, err);
    if (st != SPS_OK)
        return st;
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(root, "series_uid");
    if (cJSON_IsString(su))
        sps_strlcpy(uid, su->valuestring, 128);
    cJSON_Delete(root);
    return SPS_OK;
}

/* C0-C7, T1-T12, L1-L5, S1-S5 (docs/schemas/seeds.schema.json) */
static int valid_level(const char *s)
{
    if (!s || !s[0] || !s[1] || strlen(s) > 3)
        return 0;
    char *end = NULL;
    long n = strtol(s + 1, &end, 10);
    if (*end || (s[1] == '0' && s[0] != 'C'))
        return 0;
    switch (s[0]) {
    case 'C': return n >= 0 && n <= 7;
    case 'T': return n >= 1 && n <= 12;
    case 'L': return n >= 1 && n <= 5;
    case 'S': return n >= 1 && n <= 5;
    default: return 0;
    }
}

/* Numeric position of a level along the spine (C0 = 0 ... S5), for "below the conus". */
static int level_rank(const char *s)
{
    int n = atoi(s + 1);
    switch (s[0]) {
    case 'C': return n;
    case 'T': return 7 + n;
    case 'L': return 19 + n;
    default: return 24 + n;
    }
}

static sps_status parse_seeds(seed **out, size_t *nout, const cJSON *root, const sps_pipeline *p, const char *path,
                              sps_error *err)
{
    *out = NULL;
    *nout = 0;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "spinescore-seeds") != 0)
        return sps_error_set(err, SPS_EINVALID, path, "format: expected \"spinescore-seeds\" (docs/formats.md section 4.5)");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (ver && !(cJSON_IsNumber(ver) && ver->valuedouble == 1))
        return sps_error_set(err, SPS_EINVALID, path, "version: only version 1 is read");
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(root, "series_uid");
    if (cJSON_IsString(su) && su->valuestring[0] && strcmp(su->valuestring, p->series.series_uid) != 0)
        return sps_error_set(err, SPS_EINVALID, path, "the seeds were placed on series %s, but the loaded series is %s",
                             su->valuestring, p->series.series_uid);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "seeds");
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1)
        return sps_error_set(err, SPS_EINVALID, path, "seeds: expected a non-empty array");
    seed *s = calloc((size_t)n, sizeof *s);
    if (!s)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    const sps_geometry *g = sps_volume_geometry(p->volume);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        seed *d = &s[i];
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        const cJSON *kd = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "slice");
        const cJSON *lps = cJSON_GetObjectItemCaseSensitive(it, "lps");
        const cJSON *px = cJSON_GetObjectItemCaseSensitive(it, "pixel");
        char where[64];
        snprintf(where, sizeof where, "seeds[%d]", i);
        sps_status st = SPS_EINVALID;
        if (!cJSON_IsString(lv) || !valid_level(lv->valuestring)) {
            sps_error_set(err, st, path, "%s: level: expected a standard level (C0-C7, T1-T12, L1-L5, S1-S5)", where);
            goto bad;
        }
        sps_strlcpy(d->level, lv->valuestring, sizeof d->level);
        d->kind = -1;
        for (int k = 0; k < 4 && cJSON_IsString(kd); k++)
            if (strcmp(kd->valuestring, kind_names[k]) == 0)
                d->kind = k;
        if (d->kind < 0) {
            sps_error_set(err, st, path, "%s: kind: expected body, lesion, sac or reference_bone", where);
            goto bad;
        }
        if (sl && !(cJSON_IsString(sl) && (strcmp(sl->valuestring, "worst") == 0 || strcmp(sl->valuestring, "reference") == 0))) {
            sps_error_set(err, st, path, "%s: slice: expected \"worst\" or \"reference\"", where);
            goto bad;
        }
        d->reference = sl && strcmp(sl->valuestring, "reference") == 0;
        snprintf(d->name, sizeof d->name, "%s (%s %s%s)", where, d->level, kind_names[d->kind],
                 d->kind == K_SAC ? (d->reference ? " reference" : " worst") : "");
        if (cJSON_IsArray(lps) && cJSON_GetArraySize(lps) == 3 && !px) {
            for (int k = 0; k < 3; k++) {
                const cJSON *c = cJSON_GetArrayItem(lps, k);
                if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble)) {
                    sps_error_set(err, st, path, "%s: lps: expected three finite numbers (mm)", d->name);
                    goto bad;
                }
                d->lps[k] = c->valuedouble;
            }
        } else if (cJSON_IsObject(px) && !lps) {
            const cJSON *inst = cJSON_GetObjectItemCaseSensitive(px, "instance");
            const cJSON *sop = cJSON_GetObjectItemCaseSensitive(px, "sop_instance_uid");
            const cJSON *fr = cJSON_GetObjectItemCaseSensitive(px, "frame");
            const cJSON *col = cJSON_GetObjectItemCaseSensitive(px, "column");
            const cJSON *row = cJSON_GetObjectItemCaseSensitive(px, "row");
            const cJSON *psu = cJSON_GetObjectItemCaseSensitive(px, "series_uid");
            if (!cJSON_IsNumber(col) || !cJSON_IsNumber(row) || (!cJSON_IsNumber(inst) && !cJSON_IsString(sop))) {
                sps_error_set(err, st, path, "%s: pixel: needs column, row and instance or sop_instance_uid", d->name);
                goto bad;
            }
            char detail[600] = "";
            if (sps_pipeline_pixel_to_lps(p, cJSON_IsString(psu) ? psu->valuestring : NULL,
                                          cJSON_IsString(sop) ? sop->valuestring : NULL,
                                          cJSON_IsNumber(inst) ? inst->valueint : -1, cJSON_IsNumber(fr) ? fr->valueint : 1,
                                          col->valuedouble, row->valuedouble, d->lps, detail, sizeof detail)) {
                sps_error_set(err, st, path, "%s: pixel reference not in the loaded series: %s", d->name, detail);
                goto bad;
            }
        } else {
            sps_error_set(err, st, path, "%s: give either \"lps\" (three numbers, mm) or \"pixel\"", d->name);
            goto bad;
        }
        double ijk[3];
        sps_geometry_lps_to_index(ijk, g, d->lps);
        for (int k = 0; k < 3; k++)
            if (!(ijk[k] >= -0.5 && ijk[k] <= (double)g->dims[k] - 0.5)) {
                sps_error_set(err, st, path,
                              "%s: LPS (%.1f, %.1f, %.1f) is outside the volume (voxel %.1f, %.1f, %.1f of %zu x %zu x %zu)",
                              d->name, d->lps[0], d->lps[1], d->lps[2], ijk[0], ijk[1], ijk[2], g->dims[0], g->dims[1],
                              g->dims[2]);
                goto bad;
            }
        i++;
        continue;
    bad:
        free(s);
        return st;
    }
    *out = s;
    *nout = (size_t)n;
    return SPS_OK;
}

/* ---- merging: the reader's items win for the same level + role (+ slice for outlines) -------- */

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int same_item(const char *member, const cJSON *a, const cJSON *b)
{
    if (strcmp(js(a, "level"), js(b, "level")) != 0)
        return 0;
    if (strcmp(member, "vertebrae") == 0)
        return 1;
    if (strcmp(js(a, "role"), js(b, "role")) != 0)
        return 0;
    if (strcmp(member, "outlines") == 0) {
        const char *sa = js(a, "slice"), *sb = js(b, "slice");
        return strcmp(sa[0] ? sa : "worst", sb[0] ? sb : "worst") == 0;
    }
    return 1;
}

static void item_label(char *buf, size_t n, const char *member, const cJSON *it)
{
    if (strcmp(member, "vertebrae") == 0)
        snprintf(buf, n, "%s vertebra facts", js(it, "level"));
    else if (strcmp(member, "outlines") == 0)
        snprintf(buf, n, "%s %s %s", js(it, "level"), js(it, "role"), js(it, "slice"));
    else
        snprintf(buf, n, "%s %s", js(it, "level"), js(it, "role"));
}

/* Merge the derived document @p d into @p m (the reader's document, or a fresh one). */
static void merge_doc(sps_auto *a, cJSON *m, cJSON *d, const char *note, cJSON *used, cJSON *replaced)
{
    static const char *const members[] = {"points", "outlines", "regions", "vertebrae"};
    for (size_t k = 0; k < 4; k++) {
        cJSON *src = cJSON_GetObjectItemCaseSensitive(d, members[k]);
        if (!cJSON_IsArray(src))
            continue;
        cJSON *dst = cJSON_GetObjectItemCaseSensitive(m, members[k]);
        if (!cJSON_IsArray(dst))
            dst = cJSON_AddArrayToObject(m, members[k]);
        int nuser = cJSON_GetArraySize(dst);
        cJSON *it = src->child;
        while (it) {
            cJSON *next = it->next;
            cJSON *hit = NULL;
            int idx = 0;
            for (cJSON *u = dst->child; u && idx < nuser; u = u->next, idx++)
                if (same_item(members[k], u, it)) {
                    hit = u;
                    break;
                }
            char label[96];
            item_label(label, sizeof label, members[k], it);
            if (hit && strcmp(members[k], "vertebrae") == 0) {
                /* per fact: the reader's value wins, a derived fact the reader left out is added */
                for (cJSON *f = it->child; f; f = f->next) {
                    if (strcmp(f->string, "level") == 0 || strcmp(f->string, "note") == 0)
                        continue;
                    char fl[128];
                    snprintf(fl, sizeof fl, "%s %s", label, f->string);
                    if (cJSON_GetObjectItemCaseSensitive(hit, f->string)) {
                        cJSON_AddItemToArray(replaced, cJSON_CreateString(fl));
                        add_note(a, "%s: the reader's value is used, not the semi-automatic one", fl);
                    } else {
                        cJSON_AddItemToObject(hit, f->string, cJSON_Duplicate(f, 1));
                        cJSON_AddItemToArray(used, cJSON_CreateString(fl));
                    }
                }
            } else if (hit) {
                cJSON_AddItemToArray(replaced, cJSON_CreateString(label));
                add_note(a, "%s: the reader's item is used, not the semi-automatic one", label);
            } else {
                cJSON *c = cJSON_DetachItemViaPointer(src, it);
                cJSON_DeleteItemFromObjectCaseSensitive(c, "note");
                cJSON_AddStringToObject(c, "note", note);
                cJSON_AddItemToArray(dst, c);
                cJSON_AddItemToArray(used, cJSON_CreateString(label));
            }
            it = next;
        }
    }
}

/* Which components a used derived item drives. */
static void drives_from_used(sps_auto *a, const cJSON *used, const char *seedname)
{
    const cJSON *u;
    cJSON_ArrayForEach(u, used)
    {
        /* labels: "LEVEL ROLE", "LEVEL ROLE SLICE" (outlines), "LEVEL vertebra facts FACT" */
        const char *sp = strchr(u->valuestring, ' ');
        char role[64] = "";
        if (sp)
            sps_strlcpy(role, sp + 1, sizeof role);
        if (strncmp(role, "vertebra facts ", 15) == 0)
            memmove(role, role + 15, strlen(role + 15) + 1);
        char *sp2 = strchr(role, ' ');
        if (sp2)
            *sp2 = '\0';
        int d[5] = {0};
        if (strncmp(role, "sup_", 4) == 0 || strncmp(role, "inf_", 4) == 0)
            d[D_COLLAPSE] = d[D_ALIGNMENT] = 1;
        if (strcmp(role, "lesion") == 0 || strcmp(role, "reference_bone") == 0)
            d[D_BONE_LESION] = 1;
        if (strstr(role, "_outline") || strcmp(role, "epidural_tumor") == 0)
            d[D_ESCC] = 1;
        if (strcmp(role, "body_involved_fraction") == 0 || strcmp(role, "body") == 0)
            d[D_FRACTION] = 1;
        for (int k = 0; k < 5; k++)
            if (d[k]) {
                a->drives[k] = 1;
                if (!strstr(a->drive_seeds[k], seedname)) {
                    size_t l = strlen(a->drive_seeds[k]);
                    snprintf(a->drive_seeds[k] + l, sizeof a->drive_seeds[k] - l, "%s%s", l ? ", " : "", seedname);
                }
            }
    }
}

#if defined(SPS_HAVE_SEG)
static sps_status cord_absent_from(int *rank, const sps_models *models, sps_error *err)
{
    char *txt = sps_models_dump(models, "measurement");
    cJSON *m = txt ? cJSON_Parse(txt) : NULL;
    sps_free(txt);
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "auto"), "cord_absent_from_level");
    sps_status st = SPS_OK;
    if (!cJSON_IsString(lv) || !valid_level(lv->valuestring))
        st = sps_error_set(err, SPS_EFORMAT, "model measurement.auto.cord_absent_from_level", "expected a level such as \"L2\"");
    else
        *rank = level_rank(lv->valuestring);
    cJSON_Delete(m);
    return st;
}

/* One worst-slice sac seed (+ the nearest reference sac seed) -> sps_seg_canal -> annotation JSON. */
static sps_status run_canal(cJSON **doc, char *level_out, const sps_pipeline *p, const sps_models *models,
                            const seed *w, const seed *ref, int cord_absent_rank, const char *path, sps_error *err)
{
    sps_canal_request req;
    sps_canal_request_init(&req, w->lps);
    if (ref) {
        req.has_reference_seed = 1;
        memcpy(req.reference_seed_lps, ref->lps, sizeof req.reference_seed_lps);
    }
    req.cord = level_rank(w->level) >= cord_absent_rank ? SPS_CANAL_CORD_ABSENT : SPS_CANAL_CORD_EXPECTED;
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
                                               w->name, js(o, "role"), js(o, "slice"), ijk[0], ijk[1], ijk[2]);
                cJSON_Delete(*doc);
                *doc = NULL;
                return bad;
            }
        }
    }
    sps_strlcpy(level_out, w->level, 8);
    return SPS_OK;
}
/* CT: body seeds -> sps_seg_ct_find_body; the first lesion seed (with a reference_bone seed as
 * its reference sphere, else the neighbouring body's core) -> sps_seg_ct_find_lesion; all written
 * as one annotation document by sps_seg_ct_annotations_json. */
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
            double apart = fabs((double)(level_rank(levels[i]) - level_rank(levels[j])));
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
        add_note(a, "%s not measured: the body found from its seed is %.1f mm deep (anterior to posterior wall), "
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

static sps_status run_ct(sps_auto *a, cJSON **doc, char *lesion_level, char *names, size_t names_size,
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
            add_note(a, "%s: %s not measured: the body reaches past the edge of the series (%s at %.1f, %.1f, %.1f mm LPS "
                        "is outside the volume)", s[i].name, s[i].level, out_pt, out_lps[0], out_lps[1], out_lps[2]);
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

sps_status sps_auto_apply(sps_auto **out, sps_pipeline *p, const sps_models *models, const char *seeds_path,
                          const char *annotations_path, sps_error *err)
{
    *out = NULL;
#if !defined(SPS_HAVE_SEG)
    (void)p;
    (void)models;
    (void)annotations_path;
    (void)parse_seeds;
    (void)merge_doc;
    (void)drives_from_used;
    (void)level_rank;
    return sps_error_set(err, SPS_EUNSUPPORTED, seeds_path,
                         "semi-automatic measurement is not available in this build (src/seg is not built); "
                         "place the points with --annotations");
#else
    sps_auto *a = calloc(1, sizeof *a);
    cJSON *root = NULL, *merged = NULL;
    seed *s = NULL;
    size_t n = 0;
    if (!a)
        return sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
    sps_status st = read_json(&root, seeds_path, err);
    if (st == SPS_OK)
        st = parse_seeds(&s, &n, root, p, seeds_path, err);
    if (st != SPS_OK)
        goto fail;
    /* the reader's document (spinescore format only: Slicer markups cannot be written back) */
    if (annotations_path) {
        st = read_json(&merged, annotations_path, err);
        if (st != SPS_OK)
            goto fail;
        if (strcmp(js(merged, "format"), "spinescore-annotations") != 0) {
            st = sps_error_set(err, SPS_EUNSUPPORTED, annotations_path,
                               "--auto merges with spinescore annotations only (docs/formats.md section 4.1); "
                               "a 3D Slicer markups file cannot be merged and written back");
            goto fail;
        }
    } else {
        merged = cJSON_CreateObject();
        cJSON_AddStringToObject(merged, "format", "spinescore-annotations");
        cJSON_AddNumberToObject(merged, "version", 1);
    }
    if (!cJSON_GetObjectItemCaseSensitive(merged, "series_uid"))
        cJSON_AddStringToObject(merged, "series_uid", p->series.series_uid);
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "description");
    cJSON_AddStringToObject(merged, "description",
                            annotations_path ? "the reader's annotations and the items derived by spinescore --auto "
                                               "(each with a note); correct them and load with --annotations"
                                             : "items derived by spinescore --auto (each with a note); correct them "
                                               "and load with --annotations");

    a->info = cJSON_CreateObject();
    cJSON_AddStringToObject(a->info, "seeds", seeds_path);
    cJSON *run = cJSON_AddArrayToObject(a->info, "seeds_run");
    cJSON *skipped = cJSON_AddArrayToObject(a->info, "seeds_not_run");
    cJSON *used = cJSON_AddArrayToObject(a->info, "derived_used");
    cJSON *replaced = cJSON_AddArrayToObject(a->info, "derived_replaced_by_reader");
    const int is_ct = strcmp(p->series.modality, "CT") == 0, is_mr = strcmp(p->series.modality, "MR") == 0;
    int cord_rank = 0;
    if ((st = cord_absent_from(&cord_rank, models, err)) != SPS_OK)
        goto fail;
    size_t nrun = 0;
    char lesion_level[8] = "", sac_level[8] = "";
    size_t nct = 0;
    const seed *first_lesion = NULL, *first_ref = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind == K_LESION && !first_lesion)
            first_lesion = &s[i];
        if (s[i].kind == K_REFBONE && !first_ref)
            first_ref = &s[i];
    }
    const int has_lesion_seed = first_lesion != NULL;
    for (size_t i = 0; i < n; i++) {
        const seed *d = &s[i];
        char why[256] = "";
        if (d->kind == K_SAC && !is_mr)
            snprintf(why, sizeof why, "the canal path needs axial T2 MR (series modality %s: CSF and cord cannot be told apart on CT without myelography)",
                     p->series.modality);
        else if (d->kind != K_SAC && !is_ct)
            snprintf(why, sizeof why, "the %s path needs CT (series modality %s)", kind_names[d->kind], p->series.modality);
        else if (d->kind == K_REFBONE && !has_lesion_seed)
            snprintf(why, sizeof why, "a reference_bone seed is the lesion path's reference: there is no lesion seed");
        else if (d->kind == K_LESION && d != first_lesion)
            snprintf(why, sizeof why, "one lesion seed per run (%s is used)", first_lesion->name);
        else if (d->kind == K_REFBONE && d != first_ref)
            snprintf(why, sizeof why, "one reference_bone seed per run (%s is used)", first_ref->name);
        else if (d->kind != K_SAC) {
            nct++;
            continue; /* run together below */
        }
        else if (d->reference)
            continue; /* used with its worst-slice seed */
        if (why[0]) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "seed", d->name);
            cJSON_AddStringToObject(o, "why", why);
            cJSON_AddItemToArray(skipped, o);
            add_note(a, "%s not run: %s", d->name, why);
            continue;
        }
        /* sac, worst slice: the nearest reference seed, if any */
        const seed *ref = NULL;
        double best = INFINITY;
        for (size_t j = 0; j < n; j++)
            if (s[j].kind == K_SAC && s[j].reference) {
                double dz = 0;
                for (int k = 0; k < 3; k++)
                    dz += (s[j].lps[k] - d->lps[k]) * (s[j].lps[k] - d->lps[k]);
                if (dz < best) {
                    best = dz;
                    ref = &s[j];
                }
            }
        cJSON *doc = NULL;
        st = run_canal(&doc, sac_level, p, models, d, ref, cord_rank, seeds_path, err);
        if (st != SPS_OK)
            goto fail;
        char note[256]; /* two seed names of up to 95 bytes each */
        snprintf(note, sizeof note, "semi-automatic: canal path from %s%s%s", d->name, ref ? " and " : "", ref ? ref->name : "");
        cJSON *u = cJSON_CreateArray();
        merge_doc(a, merged, doc, note, u, replaced);
        char names[200];
        snprintf(names, sizeof names, "%s%s%s", d->name, ref ? " + " : "", ref ? ref->name : "");
        drives_from_used(a, u, names);
        cJSON *it;
        cJSON_ArrayForEach(it, u) cJSON_AddItemToArray(used, cJSON_Duplicate(it, 1));
        cJSON_Delete(u);
        cJSON_Delete(doc);
        cJSON_AddItemToArray(run, cJSON_CreateString(names));
        nrun++;
    }
    if (nct) {
        /* only the seeds that were not skipped above reach the CT paths */
        seed *cts = calloc(nct, sizeof *cts);
        size_t k = 0;
        if (!cts) {
            st = sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            if (s[i].kind != K_SAC && is_ct &&
                (s[i].kind == K_BODY || &s[i] == first_lesion || (&s[i] == first_ref && has_lesion_seed)))
                cts[k++] = s[i];
        cJSON *doc = NULL;
        char names[400];
        st = run_ct(a, &doc, lesion_level, names, sizeof names, p, models, cts, k, seeds_path, err);
        free(cts);
        if (st != SPS_OK)
            goto fail;
        char note[460];
        snprintf(note, sizeof note, "semi-automatic: CT paths from %s", names);
        cJSON *u = cJSON_CreateArray();
        merge_doc(a, merged, doc, note, u, replaced);
        drives_from_used(a, u, names);
        cJSON *it;
        cJSON_ArrayForEach(it, u) cJSON_AddItemToArray(used, cJSON_Duplicate(it, 1));
        cJSON_Delete(u);
        cJSON_Delete(doc);
        cJSON_AddItemToArray(run, cJSON_CreateString(names));
        nrun++;
    }
    if (nrun == 0) {
        sps_str list = {0};
        const cJSON *o;
        cJSON_ArrayForEach(o, skipped) sps_str_printf(&list, "%s%s: %s", list.len ? "; " : "", js(o, "seed"), js(o, "why"));
        st = sps_error_set(err, SPS_EUNSUPPORTED, seeds_path, "no seed can be run on this %s series: %s", p->series.modality,
                           list.ptr ? list.ptr : "");
        sps_str_free(&list);
        goto fail;
    }
    a->merged = cJSON_Print(merged);
    if (!a->merged) {
        st = sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
        goto fail;
    }
    st = sps_pipeline_set_annotations(p, models, a->merged, strlen(a->merged), "merged annotations (--auto)", err);
    if (st != SPS_OK)
        goto fail;
    {
        char lv[8];
        sps_error e;
        if (sps_annotations_lesion_level(p->annotations, lv, &e) == SPS_OK)
            sps_strlcpy(a->level, lv, sizeof a->level);
        else
            sps_strlcpy(a->level, lesion_level[0] ? lesion_level : sac_level, sizeof a->level);
    }
    cJSON_Delete(root);
    cJSON_Delete(merged);
    free(s);
    *out = a;
    return SPS_OK;
fail:
    cJSON_Delete(root);
    cJSON_Delete(merged);
    free(s);
    sps_auto_free(a);
    return st;
#endif
}

sps_status sps_auto_mark(char **out, const sps_auto *a, const char *measurements_json, const char *annotations_out,
                         sps_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(measurements_json);
    if (!root)
        return sps_error_set(err, SPS_EINTERNAL, "measurements", "not JSON");
    cJSON *lesion = cJSON_GetObjectItemCaseSensitive(root, "lesion");
    cJSON *sins = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
    static const struct {
        const char *name;
        int drive;
    } comps[] = {{"collapse", D_COLLAPSE}, {"collapse", D_FRACTION}, {"alignment", D_ALIGNMENT},
                 {"bone_lesion", D_BONE_LESION}, {"escc", D_ESCC}};
    cJSON *marked = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
        if (!a->drives[comps[i].drive])
            continue;
        cJSON *c = cJSON_GetObjectItemCaseSensitive(strcmp(comps[i].name, "escc") == 0 ? lesion : sins, comps[i].name);
        if (!cJSON_IsObject(c))
            continue;
        cJSON_ReplaceItemInObjectCaseSensitive(c, "source", cJSON_CreateString("semi_automatic"));
        cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "evidence");
        if (!cJSON_IsObject(ev))
            ev = cJSON_AddObjectToObject(c, "evidence");
        cJSON *sa = cJSON_GetObjectItemCaseSensitive(ev, "semi_automatic");
        char buf[400];
        snprintf(buf, sizeof buf, "%s%s%s", cJSON_IsString(sa) ? sa->valuestring : "", cJSON_IsString(sa) ? ", " : "",
                 a->drive_seeds[comps[i].drive]);
        if (sa)
            cJSON_ReplaceItemInObjectCaseSensitive(ev, "semi_automatic", cJSON_CreateString(buf));
        else
            cJSON_AddStringToObject(ev, "semi_automatic", buf);
        int dup = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, marked) dup |= strcmp(m->valuestring, comps[i].name) == 0;
        if (!dup)
            cJSON_AddItemToArray(marked, cJSON_CreateString(comps[i].name));
    }
    cJSON *info = cJSON_Duplicate(a->info, 1);
    cJSON_AddItemToObject(info, "semi_automatic_components", marked);
    if (annotations_out)
        cJSON_AddStringToObject(info, "annotations_written", annotations_out);
    cJSON_AddItemToObject(root, "auto", info);
    *out = cJSON_Print(root);
    cJSON_Delete(root);
    return *out ? SPS_OK : sps_error_set(err, SPS_ENOMEM, "measurements", "out of memory");
}
