/* spec.c — parse and validate a phantom spec (JSON) into ph_model inputs. Strict: unknown keys
 * and out-of-range values are errors that name the file and the JSON path. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "phantom.h"
#include "util_internal.h"

static const char *const level_names[PH_MAX_VERT] = {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9",
                                                     "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"};

typedef struct ctx {
    const char *src;
    sps_error *err;
    char where[256];
} ctx;

static sps_status fail(ctx *c, const char *path, const char *fmt, ...) SPS_PRINTF(3, 4);
static sps_status fail(ctx *c, const char *path, const char *fmt, ...)
{
    char w[256];
    snprintf(w, sizeof w, "%s: %s", c->src, path);
    va_list ap;
    va_start(ap, fmt);
    sps_status st = sps_error_setv(c->err, SPS_EINVALID, w, fmt, ap);
    va_end(ap);
    return st;
}

static sps_status check_keys(ctx *c, const cJSON *obj, const char *path, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(c, path, "%s", "expected a JSON object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, it->string) == 0)
                ok = 1;
        if (!ok) {
            char p[200];
            snprintf(p, sizeof p, "%s.%s", path, it->string);
            return fail(c, p, "unknown key \"%s\" (check the spelling; docs/phantoms.md lists the keys)",
                        it->string);
        }
    }
    return SPS_OK;
}

/* Optional number in [lo, hi]; keeps *out when absent. */
static sps_status get_num(ctx *c, const cJSON *obj, const char *key, const char *path, double lo, double hi,
                          int required, double *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[200];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!it) {
        if (required)
            return fail(c, p, "%s", "required number is missing");
        return SPS_OK;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return fail(c, p, "%s", "expected a number");
    if (it->valuedouble < lo || it->valuedouble > hi) {
        char d[128];
        snprintf(d, sizeof d, "%g is outside [%g, %g]", it->valuedouble, lo, hi);
        return fail(c, p, "%s", d);
    }
    *out = it->valuedouble;
    return SPS_OK;
}

static sps_status get_int(ctx *c, const cJSON *obj, const char *key, const char *path, int lo, int hi,
                          int required, int *out)
{
    double v = *out;
    sps_status st = get_num(c, obj, key, path, lo, hi, required, &v);
    if (st != SPS_OK)
        return st;
    if (v != floor(v)) {
        char p[200];
        snprintf(p, sizeof p, "%s.%s", path, key);
        return fail(c, p, "%s", "expected an integer");
    }
    *out = (int)v;
    return SPS_OK;
}

/* Array of n numbers in [lo, hi]. */
static sps_status get_vec(ctx *c, const cJSON *obj, const char *key, const char *path, int n, double lo,
                          double hi, double *out, int *present)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[200];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (present)
        *present = it != NULL;
    if (!it)
        return SPS_OK;
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != n) {
        char d[64];
        snprintf(d, sizeof d, "expected an array of %d numbers", n);
        return fail(c, p, "%s", d);
    }
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(it, i);
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < lo || e->valuedouble > hi) {
            char d[128];
            snprintf(d, sizeof d, "element %d: expected a number in [%g, %g]", i, lo, hi);
            return fail(c, p, "%s", d);
        }
        out[i] = e->valuedouble;
    }
    return SPS_OK;
}

static sps_status get_str(ctx *c, const cJSON *obj, const char *key, const char *path, int required,
                          const char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[200];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!it) {
        if (required)
            return fail(c, p, "%s", "required string is missing");
        return SPS_OK;
    }
    if (!cJSON_IsString(it))
        return fail(c, p, "%s", "expected a string");
    *out = it->valuestring;
    return SPS_OK;
}

static int level_index(const char *name)
{
    for (int i = 0; i < PH_MAX_VERT; i++)
        if (strcmp(level_names[i], name) == 0)
            return i;
    return -1;
}

/* Level name -> vertebra index within the model's segment. */
static sps_status level_of(ctx *c, const ph_model *m, const char *name, const char *p, int *vi)
{
    int li = level_index(name);
    if (li < 0)
        return fail(c, p, "\"%s\" is not a level T1..T12 or L1..L5 (the phantom models the thoracolumbar spine)",
                    name);
    int v = li - m->first_level;
    if (v < 0 || v >= m->nvert)
        return fail(c, p, "level %s is outside the segment given in \"levels\"", name);
    *vi = v;
    return SPS_OK;
}

static sps_status get_level(ctx *c, const ph_model *m, const cJSON *obj, const char *path, int *vi)
{
    const char *name = NULL;
    sps_status st = get_str(c, obj, "level", path, 1, &name);
    if (st != SPS_OK)
        return st;
    char p[200];
    snprintf(p, sizeof p, "%s.level", path);
    return level_of(c, m, name, p, vi);
}

static sps_status parse_acq(ctx *c, ph_model *m, const cJSON *a)
{
    static const char *const keys[] = {"modality", "plane", "matrix", "pixel_spacing_mm", "slices",
                                       "slice_thickness_mm", "slice_spacing_mm", "center_lps", "oblique_deg",
                                       "transfer_syntax", "supersample", "noise_sd", "blur_sigma_mm", "window",
                                       "contrast",
                                       NULL};
    const char *P = "$.acquisition";
    sps_status st = check_keys(c, a, P, keys);
    if (st != SPS_OK)
        return st;
    ph_acq *q = &m->acq;
    const char *mod = NULL, *plane = "axial", *ts = "explicit_le";
    if ((st = get_str(c, a, "modality", P, 1, &mod)) != SPS_OK)
        return st;
    if (strcmp(mod, "CT") == 0)
        q->is_mr = 0;
    else if (strcmp(mod, "MR") == 0)
        q->is_mr = 1;
    else
        return fail(c, "$.acquisition.modality", "\"%s\": expected \"CT\" or \"MR\"", mod);
    const char *contrast = q->is_mr ? "T2" : NULL;
    if ((st = get_str(c, a, "contrast", P, 0, &contrast)) != SPS_OK)
        return st;
    if (!q->is_mr && contrast)
        return fail(c, "$.acquisition.contrast", "%s", "only for modality \"MR\" (\"T1\" or \"T2\")");
    if (q->is_mr && strcmp(contrast, "T1") == 0) {
        /* T1-like: fat and fatty marrow bright, CSF dark, lesions hypointense to marrow */
        double t1[PH_TISSUE_COUNT] = {0, 1600, 500, 40, 1100, 450, 1500, 250, 700, 550, 400, 100};
        memcpy(m->value_mr, t1, sizeof t1);
        q->is_t1 = 1;
    } else if (q->is_mr && strcmp(contrast, "T2") != 0) {
        return fail(c, "$.acquisition.contrast", "\"%s\": expected \"T1\" or \"T2\"", contrast);
    }
    if ((st = get_str(c, a, "plane", P, 0, &plane)) != SPS_OK)
        return st;
    if (strcmp(plane, "axial") == 0)
        q->plane = PH_PLANE_AXIAL;
    else if (strcmp(plane, "sagittal") == 0)
        q->plane = PH_PLANE_SAGITTAL;
    else if (strcmp(plane, "coronal") == 0)
        q->plane = PH_PLANE_CORONAL;
    else
        return fail(c, "$.acquisition.plane", "\"%s\": expected \"axial\", \"sagittal\" or \"coronal\"", plane);
    double mat[2] = {128, 128}, ps[2] = {1, 1};
    if ((st = get_vec(c, a, "matrix", P, 2, 16, 1024, mat, NULL)) != SPS_OK)
        return st;
    if (mat[0] != floor(mat[0]) || mat[1] != floor(mat[1]))
        return fail(c, "$.acquisition.matrix", "%s", "expected integers [columns, rows]");
    q->cols = (int)mat[0];
    q->rows = (int)mat[1];
    if ((st = get_vec(c, a, "pixel_spacing_mm", P, 2, 0.05, 10, ps, NULL)) != SPS_OK)
        return st;
    q->row_spacing = ps[0];
    q->col_spacing = ps[1];
    q->slices = 40;
    if ((st = get_int(c, a, "slices", P, 1, 1000, 1, &q->slices)) != SPS_OK)
        return st;
    q->thickness = 1.0;
    if ((st = get_num(c, a, "slice_thickness_mm", P, 0.1, 20, 1, &q->thickness)) != SPS_OK)
        return st;
    q->spacing = q->thickness;
    if ((st = get_num(c, a, "slice_spacing_mm", P, 0.1, 20, 0, &q->spacing)) != SPS_OK)
        return st;
    if ((st = get_vec(c, a, "center_lps", P, 3, -2000, 2000, q->center, &q->center_given)) != SPS_OK)
        return st;
    if ((st = get_vec(c, a, "oblique_deg", P, 3, -90, 90, q->oblique_deg, NULL)) != SPS_OK)
        return st;
    if ((st = get_str(c, a, "transfer_syntax", P, 0, &ts)) != SPS_OK)
        return st;
    if (strcmp(ts, "explicit_le") == 0)
        q->syntax = 0;
    else if (strcmp(ts, "jpeg_ls") == 0)
        q->syntax = 1;
    else if (strcmp(ts, "rle") == 0)
        q->syntax = 2;
    else
        return fail(c, "$.acquisition.transfer_syntax", "\"%s\": expected \"explicit_le\", \"jpeg_ls\" or \"rle\"",
                    ts);
    q->supersample = 2;
    if ((st = get_int(c, a, "supersample", P, 1, 4, 0, &q->supersample)) != SPS_OK)
        return st;
    q->noise_sd = q->is_mr ? 20.0 : 10.0;
    if ((st = get_num(c, a, "noise_sd", P, 0, 500, 0, &q->noise_sd)) != SPS_OK)
        return st;
    if ((st = get_num(c, a, "blur_sigma_mm", P, 0, 5, 0, &q->blur_sigma_mm)) != SPS_OK)
        return st;
    double win[2] = {q->is_mr ? 1000 : 400, q->is_mr ? 2000 : 1800};
    if ((st = get_vec(c, a, "window", P, 2, -2000, 10000, win, NULL)) != SPS_OK)
        return st;
    if (!(win[1] > 0))
        return fail(c, "$.acquisition.window", "%s", "width (second value) must be > 0");
    q->window_center = win[0];
    q->window_width = win[1];
    return SPS_OK;
}

static void default_values(ph_model *m)
{
    /* CT (HU) */
    double ct[PH_TISSUE_COUNT] = {-1000, -100, 45, 700, 200, 80, -90, 8, 35, 60, 30, 900};
    /* MR T2-like signal (arbitrary units): CSF bright, fat bright, cord intermediate, bone dark */
    double mr[PH_TISSUE_COUNT] = {0, 1500, 350, 40, 450, 1300, 1400, 2000, 750, 1000, 1150, 120};
    memcpy(m->value_ct, ct, sizeof ct);
    memcpy(m->value_mr, mr, sizeof mr);
    m->cortex_mm = 1.2;
    m->canal_rx = 8.5;
    m->canal_ry = 7.5;
    m->sac_rx = 7.0;
    m->sac_ry = 6.0;
    m->sac_off = 0.5;
    m->cord_rx = 4.5;
    m->cord_ry = 3.5;
    m->cord_off = 1.5;
}

sps_status ph_model_from_json(ph_model *m, const char *text, const char *src, long long seed_override,
                              sps_error *err)
{
    ctx c = {src ? src : "spec", err, {0}};
    memset(m, 0, sizeof *m);
    default_values(m);
    m->collapse_vert = m->align_vert = m->epi_vert = -1;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *s = text; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    m->spec_hash = h;

    cJSON *root = cJSON_Parse(text);
    if (!root) {
        const char *ep = cJSON_GetErrorPtr();
        int line = 1, col = 1;
        for (const char *s = text; ep && s < ep && *s; s++) {
            if (*s == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        char w[256];
        snprintf(w, sizeof w, "%s:%d:%d", c.src, line, col);
        return sps_error_set(err, SPS_EFORMAT, w, "invalid JSON near line %d, column %d", line, col);
    }
    static const char *const keys[] = {"name", "description", "seed", "levels", "focus", "tissue",
                                       "acquisition", "lesions", "collapse", "alignment", "epidural",
                                       "identifiers", NULL};
    sps_status st = check_keys(&c, root, "$", keys);
    const char *name = "phantom";
    if (st == SPS_OK)
        st = get_str(&c, root, "name", "$", 0, &name);
    if (st == SPS_OK) {
        if (strlen(name) >= sizeof m->name || strlen(name) == 0)
            st = fail(&c, "$.name", "%s", "expected 1..63 characters");
        else
            sps_strlcpy(m->name, name, sizeof m->name);
    }
    double seed = 1;
    if (st == SPS_OK)
        st = get_num(&c, root, "seed", "$", 0, 4294967295.0, 0, &seed);
    m->seed = seed_override >= 0 ? (uint64_t)seed_override : (uint64_t)seed;

    /* identifiers (optional): written into the DICOM headers, for de-identification tests */
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "identifiers");
    if (st == SPS_OK && ids) {
        static const char *const ik[] = {"patient_name", "patient_id", "patient_birth_date", "accession_number",
                                         "institution_name", "referring_physician", "performing_physician",
                                         "reading_physician", NULL};
        char *const dst[] = {m->id_patient_name, m->id_patient_id, m->id_birth_date, m->id_accession,
                             m->id_institution, m->id_referring, m->id_performing, m->id_reading};
        const size_t size[] = {sizeof m->id_patient_name, sizeof m->id_patient_id, sizeof m->id_birth_date,
                               sizeof m->id_accession, sizeof m->id_institution, sizeof m->id_referring,
                               sizeof m->id_performing, sizeof m->id_reading};
        st = check_keys(&c, ids, "$.identifiers", ik);
        for (int i = 0; st == SPS_OK && ik[i]; i++) {
            const char *v = NULL;
            st = get_str(&c, ids, ik[i], "$.identifiers", 0, &v);
            if (st == SPS_OK && v && strlen(v) >= size[i])
                st = fail(&c, "$.identifiers", "%s: at most %zu characters", ik[i], size[i] - 1);
            else if (st == SPS_OK && v)
                sps_strlcpy(dst[i], v, size[i]);
        }
    }

    /* levels */
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(root, "levels");
    if (st == SPS_OK) {
        static const char *const lk[] = {"from", "to", NULL};
        const char *from = NULL, *to = NULL;
        if (!lv)
            st = fail(&c, "$.levels", "%s", "required, e.g. {\"from\": \"T10\", \"to\": \"L2\"}");
        if (st == SPS_OK)
            st = check_keys(&c, lv, "$.levels", lk);
        if (st == SPS_OK)
            st = get_str(&c, lv, "from", "$.levels", 1, &from);
        if (st == SPS_OK)
            st = get_str(&c, lv, "to", "$.levels", 1, &to);
        if (st == SPS_OK) {
            int a = level_index(from), b = level_index(to);
            if (a < 0 || b < 0)
                st = fail(&c, "$.levels", "\"%s\": levels must be T1..T12 or L1..L5", a < 0 ? from : to);
            else if (b - a < 2)
                st = fail(&c, "$.levels", "%s", "need at least three vertebrae, cranial first (from T10 to L2)");
            else {
                m->first_level = a;
                m->nvert = b - a + 1;
                for (int i = 0; i < m->nvert; i++) {
                    m->vert[i].level = a + i;
                    sps_strlcpy(m->vert[i].name, level_names[a + i], sizeof m->vert[i].name);
                }
            }
        }
    }
    /* tissue */
    const cJSON *ti = cJSON_GetObjectItemCaseSensitive(root, "tissue");
    if (st == SPS_OK && ti) {
        static const char *const tk[] = {"cortical_hu", "trabecular_hu", "cortex_mm", NULL};
        st = check_keys(&c, ti, "$.tissue", tk);
        if (st == SPS_OK)
            st = get_num(&c, ti, "cortical_hu", "$.tissue", 0, 2000, 0, &m->value_ct[PH_CORTEX]);
        if (st == SPS_OK)
            st = get_num(&c, ti, "trabecular_hu", "$.tissue", -100, 1500, 0, &m->value_ct[PH_TRAB]);
        if (st == SPS_OK)
            st = get_num(&c, ti, "cortex_mm", "$.tissue", 0.3, 4, 0, &m->cortex_mm);
    }
    /* acquisition */
    if (st == SPS_OK) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "acquisition");
        st = a ? parse_acq(&c, m, a) : fail(&c, "$.acquisition", "%s", "required object is missing");
    }
    /* lesions */
    const cJSON *ls = cJSON_GetObjectItemCaseSensitive(root, "lesions");
    if (st == SPS_OK && ls) {
        if (!cJSON_IsArray(ls) || cJSON_GetArraySize(ls) > PH_MAX_LESIONS)
            st = fail(&c, "$.lesions", "%s", "expected an array of at most 4 lesions");
        int i = 0;
        for (const cJSON *e = ls ? ls->child : NULL; st == SPS_OK && e; e = e->next, i++) {
            static const char *const lk[] = {"level", "type", "hu", "hu_lytic", "hu_blastic", "body_fraction",
                                             "position", "extends", NULL};
            char P[64];
            snprintf(P, sizeof P, "$.lesions[%d]", i);
            ph_lesion *L = &m->lesion[i];
            const char *type = NULL;
            st = check_keys(&c, e, P, lk);
            if (st == SPS_OK)
                st = get_level(&c, m, e, P, &L->vert);
            for (int j = 0; st == SPS_OK && j < i; j++)
                if (m->lesion[j].vert == L->vert)
                    st = fail(&c, P, "%s", "one lesion per level (use type \"mixed\" for mixed lesions)");
            if (st == SPS_OK)
                st = get_str(&c, e, "type", P, 1, &type);
            if (st == SPS_OK) {
                if (strcmp(type, "lytic") == 0)
                    L->cls = PH_LESION_LYTIC;
                else if (strcmp(type, "blastic") == 0)
                    L->cls = PH_LESION_BLASTIC;
                else if (strcmp(type, "mixed") == 0)
                    L->cls = PH_LESION_MIXED;
                else
                    st = fail(&c, P, "type \"%s\": expected \"lytic\", \"blastic\" or \"mixed\"", type);
            }
            /* default HU: soft-tissue lytic, dense blastic (clinical-reference.md §3.1 ranges) */
            L->hu_lytic = 30;
            L->hu_blastic = 900;
            if (st == SPS_OK && L->cls != PH_LESION_MIXED) {
                double hu = L->cls == PH_LESION_LYTIC ? L->hu_lytic : L->hu_blastic;
                st = get_num(&c, e, "hu", P, -200, 3000, 0, &hu);
                L->hu_lytic = L->hu_blastic = hu;
                if (st == SPS_OK && (cJSON_GetObjectItemCaseSensitive(e, "hu_lytic") ||
                                     cJSON_GetObjectItemCaseSensitive(e, "hu_blastic")))
                    st = fail(&c, P, "%s", "hu_lytic/hu_blastic are for type \"mixed\"; use \"hu\"");
            } else if (st == SPS_OK) {
                st = get_num(&c, e, "hu_lytic", P, -200, 3000, 0, &L->hu_lytic);
                if (st == SPS_OK)
                    st = get_num(&c, e, "hu_blastic", P, -200, 3000, 0, &L->hu_blastic);
            }
            if (st == SPS_OK)
                st = get_num(&c, e, "body_fraction", P, 0.01, 0.95, 1, &L->body_fraction_spec);
            L->pos_frac[1] = 0.2;
            if (st == SPS_OK)
                st = get_vec(&c, e, "position", P, 3, -0.5, 0.5, L->pos_frac, NULL);
            const cJSON *ex = cJSON_GetObjectItemCaseSensitive(e, "extends");
            if (st == SPS_OK && ex) {
                if (!cJSON_IsArray(ex))
                    st = fail(&c, P, "%s", "extends: expected an array of strings");
                for (const cJSON *x = ex->child; st == SPS_OK && x; x = x->next) {
                    const char *s = cJSON_IsString(x) ? x->valuestring : "";
                    if (strcmp(s, "pedicle_left") == 0)
                        L->pedicle[0] = 1;
                    else if (strcmp(s, "pedicle_right") == 0)
                        L->pedicle[1] = 1;
                    else if (strcmp(s, "facet_left") == 0)
                        L->facet[0] = 1;
                    else if (strcmp(s, "facet_right") == 0)
                        L->facet[1] = 1;
                    else if (strcmp(s, "costovertebral_left") == 0 || strcmp(s, "costovertebral_right") == 0) {
                        if (m->vert[L->vert].level > 11)
                            st = fail(&c, P, "extends: \"%s\": only thoracic levels (T1-T12) have ribs", s);
                        else
                            L->costo[strcmp(s, "costovertebral_left") == 0 ? 0 : 1] = 1;
                    }
                    else
                        st = fail(&c, P,
                                  "extends: \"%s\" is not pedicle_left, pedicle_right, facet_left, facet_right, "
                                  "costovertebral_left or costovertebral_right",
                                  s);
                }
            }
        }
        m->nlesion = i;
    }
    /* collapse */
    const cJSON *co = cJSON_GetObjectItemCaseSensitive(root, "collapse");
    if (st == SPS_OK && co) {
        static const char *const ck[] = {"level", "anterior_pct", "middle_pct", "posterior_pct", NULL};
        if (!cJSON_IsArray(co))
            st = fail(&c, "$.collapse", "%s", "expected an array");
        int i = 0;
        for (const cJSON *e = co->child; st == SPS_OK && e; e = e->next, i++) {
            char P[64];
            snprintf(P, sizeof P, "$.collapse[%d]", i);
            int v = -1;
            st = check_keys(&c, e, P, ck);
            if (st == SPS_OK)
                st = get_level(&c, m, e, P, &v);
            for (int k = 0; st == SPS_OK && k < 3; k++) {
                static const char *const names[3] = {"anterior_pct", "middle_pct", "posterior_pct"};
                st = get_num(&c, e, names[k], P, 0, 90, 0, &m->vert[v].collapse_spec[k]);
            }
            if (st == SPS_OK && m->collapse_vert < 0)
                m->collapse_vert = v;
        }
    }
    /* alignment */
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(root, "alignment");
    if (st == SPS_OK && al) {
        static const char *const ak[] = {"level", "translation_mm", "kyphosis_deg", "scoliosis_deg", NULL};
        st = check_keys(&c, al, "$.alignment", ak);
        if (st == SPS_OK)
            st = get_level(&c, m, al, "$.alignment", &m->align_vert);
        if (st == SPS_OK)
            st = get_vec(&c, al, "translation_mm", "$.alignment", 2, -30, 30, m->translation_mm, NULL);
        if (st == SPS_OK)
            st = get_num(&c, al, "kyphosis_deg", "$.alignment", -45, 45, 0, &m->kyphosis_deg);
        if (st == SPS_OK)
            st = get_num(&c, al, "scoliosis_deg", "$.alignment", -45, 45, 0, &m->scoliosis_deg);
    }
    /* epidural */
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(root, "epidural");
    if (st == SPS_OK && ep) {
        static const char *const ek[] = {"level", "bilsky", NULL};
        const char *g = NULL;
        st = check_keys(&c, ep, "$.epidural", ek);
        if (st == SPS_OK)
            st = get_level(&c, m, ep, "$.epidural", &m->epi_vert);
        if (st == SPS_OK)
            st = get_str(&c, ep, "bilsky", "$.epidural", 1, &g);
        if (st == SPS_OK) {
            m->bilsky = -1;
            for (int k = 0; k < 6; k++)
                if (strcmp(g, ph_bilsky_token[k]) == 0)
                    m->bilsky = k;
            if (m->bilsky < 0)
                st = fail(&c, "$.epidural.bilsky", "\"%s\": expected one of 0, 1a, 1b, 1c, 2, 3", g);
            else
                m->vert[m->epi_vert].epidural = 1;
        }
    }
    /* focus: the level the "expected" block describes */
    if (st == SPS_OK) {
        m->focus = m->nlesion ? m->lesion[0].vert
                   : m->collapse_vert >= 0 ? m->collapse_vert
                   : m->epi_vert >= 0      ? m->epi_vert
                   : m->align_vert >= 0    ? m->align_vert
                                           : m->nvert / 2;
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(root, "focus");
        if (fo && !cJSON_IsString(fo))
            st = fail(&c, "$.focus", "%s", "expected a level name such as \"T12\"");
        else if (fo)
            st = level_of(&c, m, fo->valuestring, "$.focus", &m->focus);
    }
    cJSON_Delete(root);
    if (st != SPS_OK)
        return st;
    st = ph_model_build(m, err);
    if (st != SPS_OK && err) { /* name the spec file in errors found while deriving the model */
        char w[sizeof err->where];
        snprintf(w, sizeof w, "%s: $.%.200s", c.src, err->where);
        sps_strlcpy(err->where, w, sizeof err->where);
    }
    return st;
}
