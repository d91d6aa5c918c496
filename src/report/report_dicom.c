/* report_dicom.c — the report as a TID 1500 Measurement Report: per lesion one measurement group
 * with the measured numbers (and the image points behind them), the final SINS components, the
 * Bilsky grade, the SINS total/category and the NOMS row as coded evaluations (99SPS codes,
 * docs/formats.md §6.2), and a text note for every override. And the snapshots as Secondary
 * Captures in one new series. */
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "spinescore/report_dicom.h"

/* Component -> short code stem and concept meaning (docs/formats.md §6.2). */
static const struct {
    const char *comp, *stem, *meaning;
} sins_codes[SPS_REP_NSINS] = {
    {"location", "LOC", "SINS location"},
    {"pain", "PAIN", "SINS pain"},
    {"bone_lesion", "BONE", "SINS bone lesion"},
    {"alignment", "ALIGN", "SINS radiographic spinal alignment"},
    {"collapse", "COLL", "SINS vertebral body collapse"},
    {"posterolateral", "PL", "SINS posterolateral involvement"},
};

/* Every string the SR document borrows, freed together. */
typedef struct pool {
    char **s;
    size_t n, cap;
    int failed;
} pool;

static const char *keep(pool *p, const char *fmt, ...) SPS_PRINTF(2, 3);
static const char *keep(pool *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (p->n == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 64;
        char **ns = realloc(p->s, nc * sizeof *ns);
        if (!ns) {
            p->failed = 1;
            return "";
        }
        p->s = ns;
        p->cap = nc;
    }
    char *d = sps_strdup(buf);
    if (!d) {
        p->failed = 1;
        return "";
    }
    p->s[p->n++] = d;
    return d;
}

static void pool_free(pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->s[i]);
    free(p->s);
}

/* Code meanings are LO (64 characters). */
static const char *meaning64(pool *p, const char *m)
{
    return keep(p, "%.64s", m ? m : "");
}

typedef struct group_buf {
    sps_sr_measurement m[16];
    double pts[16][6][3];
    sps_sr_evaluation e[12];
    sps_sr_text t[8];
} group_buf;

static int num(const cJSON *o, const char *k, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        return 0;
    *out = v->valuedouble;
    return 1;
}

static int point(const cJSON *pts, const char *name, double out[3])
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(pts, name);
    if (cJSON_GetArraySize(a) != 3)
        return 0;
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(v))
            return 0;
        out[i] = v->valuedouble;
    }
    return 1;
}

static void add_meas(group_buf *b, size_t *n, pool *p, const char *code, const char *meaning, double v,
                     const char *unit, const char *unit_meaning, const cJSON *pts, const char *p0, const char *p1)
{
    if (*n >= 16 || !isfinite(v))
        return;
    sps_sr_measurement *m = &b->m[*n];
    memset(m, 0, sizeof *m);
    m->concept.value = code;
    m->concept.scheme = "99SPS";
    m->concept.meaning = meaning;
    m->value = v;
    m->unit.value = unit;
    m->unit.scheme = "UCUM";
    m->unit.meaning = unit_meaning;
    if (pts && p0 && p1 && point(pts, p0, b->pts[*n][0]) && point(pts, p1, b->pts[*n][1])) {
        m->points_lps = (const double(*)[3])b->pts[*n];
        m->npoints = 2;
    }
    (void)p;
    (*n)++;
}

sps_status sps_report_write_sr(const sps_report *r, const sps_dicom_study_header *study,
                               const sps_dicom_image_ref *images, size_t nimages, const char *path,
                               sps_sr_result *result, sps_error *err)
{
    if (!r || !r->decision)
        return sps_error_set(err, SPS_EINVALID, "sps_report_write_sr", "the report has no decision (call sps_report_decide)");
    cJSON *doc = sps_rep__build_json(r);
    if (!doc)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    size_t nl = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "lesions"));
    sps_sr_group *groups = calloc(nl ? nl : 1, sizeof *groups);
    group_buf *bufs = calloc(nl ? nl : 1, sizeof *bufs);
    pool p = {0};
    if (!groups || !bufs) {
        free(groups);
        free(bufs);
        cJSON_Delete(doc);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    }
    size_t g = 0;
    const cJSON *lo;
    cJSON_ArrayForEach(lo, cJSON_GetObjectItemCaseSensitive(doc, "lesions"))
    {
        group_buf *b = &bufs[g];
        sps_sr_group *gr = &groups[g];
        const char *level = sps_rep__js(lo, "level") ? sps_rep__js(lo, "level") : "unknown level";
        gr->tracking_id = keep(&p, "%s lesion", level);
        gr->finding = (sps_sr_code){"SPS-LESION", "99SPS", "Spinal metastatic lesion"};
        if (sps_rep__js(lo, "level"))
            gr->finding_site = (sps_sr_code){keep(&p, "SPS-%s", level), "99SPS", keep(&p, "%s vertebra", level)};
        /* numbers: the measurements of this lesion, as measured */
        size_t nm = 0;
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(lo, "measurements");
        const cJSON *col = cJSON_GetObjectItemCaseSensitive(ms, "collapse");
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(col, "points_lps");
        double v;
        if (num(col, "ha_mm", &v))
            add_meas(b, &nm, &p, "SPS-HA", "Anterior vertebral body height", v, "mm", "mm", pts, "sup_ant", "inf_ant");
        if (num(col, "hm_mm", &v))
            add_meas(b, &nm, &p, "SPS-HM", "Middle vertebral body height", v, "mm", "mm", pts, "sup_mid", "inf_mid");
        if (num(col, "hp_mm", &v))
            add_meas(b, &nm, &p, "SPS-HP", "Posterior vertebral body height", v, "mm", "mm", pts, "sup_post", "inf_post");
        for (size_t k = 0; k < nm; k++) /* the points lie on the series that measured the collapse */
            b->m[k].series_uid = sps_rep__js(col, "series_uid");
        if (num(col, "collapse_pct", &v))
            add_meas(b, &nm, &p, "SPS-COLLAPSE", "Vertebral body height loss", v, "%", "%", NULL, NULL, NULL);
        const cJSON *al = cJSON_GetObjectItemCaseSensitive(ms, "alignment");
        if (num(al, "translation_mm", &v))
            add_meas(b, &nm, &p, "SPS-TRANSL", "Segmental translation", v, "mm", "mm", NULL, NULL, NULL);
        if (num(al, "segmental_kyphosis_deg", &v))
            add_meas(b, &nm, &p, "SPS-KYPHOSIS", "Segmental kyphosis angle", v, "deg", "deg", NULL, NULL, NULL);
        if (num(al, "coronal_deg", &v))
            add_meas(b, &nm, &p, "SPS-CORONAL", "Segmental coronal angle", v, "deg", "deg", NULL, NULL, NULL);
        const cJSON *es = cJSON_GetObjectItemCaseSensitive(ms, "escc");
        if (num(es, "sac_area_mm2", &v))
            add_meas(b, &nm, &p, "SPS-SAC-AREA", "Thecal sac area", v, "mm2", "mm2", NULL, NULL, NULL);
        if (num(es, "ref_sac_area_mm2", &v))
            add_meas(b, &nm, &p, "SPS-SAC-AREA-REF", "Thecal sac area at the reference level", v, "mm2", "mm2", NULL, NULL, NULL);
        if (num(es, "cord_area_mm2", &v))
            add_meas(b, &nm, &p, "SPS-CORD-AREA", "Spinal cord area", v, "mm2", "mm2", NULL, NULL, NULL);
        if (num(es, "ref_cord_area_mm2", &v))
            add_meas(b, &nm, &p, "SPS-CORD-AREA-REF", "Spinal cord area at the reference level", v, "mm2", "mm2", NULL, NULL, NULL);
        if (num(es, "tumor_cord_distance_mm", &v))
            add_meas(b, &nm, &p, "SPS-TUM-CORD", "Tumour to cord distance", v, "mm", "mm", NULL, NULL, NULL);
        /* lesion density: the measurement (present even when the class is indeterminate), else the
         * evidence of a measured component */
        const cJSON *bl = cJSON_GetObjectItemCaseSensitive(ms, "bone_lesion");
        if (!bl)
            bl = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
                                                     cJSON_GetObjectItemCaseSensitive(lo, "components"), "bone_lesion"),
                                                 "measured"),
                "evidence");
        if (num(bl, "lesion_mean_hu", &v))
            add_meas(b, &nm, &p, "SPS-LESION-HU", "Lesion mean attenuation", v, "[hnsf'U]", "Hounsfield unit", NULL, NULL, NULL);
        if (num(bl, "reference_mean_hu", &v))
            add_meas(b, &nm, &p, "SPS-REF-HU", "Reference bone mean attenuation", v, "[hnsf'U]", "Hounsfield unit", NULL, NULL,
                     NULL);
        /* the SINS total is a number too (points) */
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(lo, "summary");
        if (num(sum, "sins_total", &v))
            add_meas(b, &nm, &p, "SPS-SINS-TOTAL", "SINS total score", v, "{score}", "score", NULL, NULL, NULL);
        gr->measurements = b->m;
        gr->nmeasurements = nm;

        /* coded evaluations: the final components, the Bilsky grade, SINS category, NOMS row */
        size_t ne = 0, nt = 0;
        const cJSON *comps = cJSON_GetObjectItemCaseSensitive(lo, "components");
        for (size_t k = 0; k < SPS_REP_NSINS && ne < 12; k++) {
            const cJSON *row = cJSON_GetObjectItemCaseSensitive(comps, sins_codes[k].comp);
            const cJSON *fin = cJSON_GetObjectItemCaseSensitive(row, "final");
            const cJSON *pt = cJSON_GetObjectItemCaseSensitive(fin, "points");
            if (!cJSON_IsNumber(pt))
                continue; /* not scored: no code (not computable is not a value) */
            const char *label = sps_rep__js(fin, "label") ? sps_rep__js(fin, "label") : sps_rep__js(fin, "value");
            b->e[ne].concept = (sps_sr_code){keep(&p, "SPS-SINS-%s", sins_codes[k].stem), "99SPS", sins_codes[k].meaning};
            b->e[ne].value = (sps_sr_code){keep(&p, "SINS-%s-%d", sins_codes[k].stem, pt->valueint), "99SPS", meaning64(&p, label)};
            ne++;
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "overridden")) && nt < 8) {
                const cJSON *me = cJSON_GetObjectItemCaseSensitive(row, "measured");
                b->t[nt].concept = (sps_sr_code){"SPS-OVERRIDE", "99SPS", "Override of a measured value"};
                b->t[nt].text = keep(&p, "%s: measured %s, final %s; reason: %s", sins_codes[k].comp,
                                     sps_rep__js(me, "value") ? sps_rep__js(me, "value") : "(not measured)",
                                     sps_rep__js(fin, "value"), sps_rep__js(fin, "reason") ? sps_rep__js(fin, "reason") : "");
                nt++;
            }
        }
        const char *grade = sps_rep__js(sum, "escc_grade");
        if (grade && ne < 12) {
            char up[8];
            size_t i = 0;
            for (; grade[i] && i + 1 < sizeof up; i++)
                up[i] = (char)toupper((unsigned char)grade[i]);
            up[i] = '\0';
            b->e[ne].concept = (sps_sr_code){"SPS-ESCC", "99SPS", "Bilsky ESCC grade"};
            b->e[ne].value = (sps_sr_code){keep(&p, "ESCC-%s", up), "99SPS", keep(&p, "Bilsky grade %s", grade)};
            ne++;
            const cJSON *erow = cJSON_GetObjectItemCaseSensitive(comps, "escc");
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(erow, "overridden")) && nt < 8) {
                const cJSON *me = cJSON_GetObjectItemCaseSensitive(erow, "measured");
                const cJSON *fin = cJSON_GetObjectItemCaseSensitive(erow, "final");
                b->t[nt].concept = (sps_sr_code){"SPS-OVERRIDE", "99SPS", "Override of a measured value"};
                b->t[nt].text = keep(&p, "escc: measured %s, final %s; reason: %s",
                                     sps_rep__js(me, "value") ? sps_rep__js(me, "value") : "(not measured)", grade,
                                     sps_rep__js(fin, "reason") ? sps_rep__js(fin, "reason") : "");
                nt++;
            }
        }
        const char *cat = sps_rep__js(sum, "sins_category");
        if (cat && ne < 12) {
            const char *stem = strcmp(cat, "stable") == 0 ? "S" : strcmp(cat, "unstable") == 0 ? "U" : "PU";
            b->e[ne].concept = (sps_sr_code){"SPS-SINS-CAT", "99SPS", "SINS category"};
            b->e[ne].value = (sps_sr_code){keep(&p, "SINS-CAT-%s", stem), "99SPS", keep(&p, "%s", cat)};
            ne++;
        }
        if (num(sum, "noms_row", &v) && ne < 12) {
            b->e[ne].concept = (sps_sr_code){"SPS-NOMS", "99SPS", "NOMS recommendation"};
            b->e[ne].value = (sps_sr_code){keep(&p, "NOMS-ROW-%d", (int)v), "99SPS",
                                           meaning64(&p, sps_rep__js(sum, "noms_label") ? sps_rep__js(sum, "noms_label")
                                                                                        : sps_rep__js(sum, "noms_decision"))};
            ne++;
        }
        gr->evaluations = b->e;
        gr->nevaluations = ne;
        gr->texts = b->t;
        gr->ntexts = nt;
        g++;
    }
    sps_status st;
    if (p.failed) {
        st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    } else {
        sps_sr_document d;
        memset(&d, 0, sizeof d);
        d.study = study;
        d.images = images;
        d.nimages = nimages;
        d.groups = groups;
        d.ngroups = g;
        st = sps_dicom_write_sr(path, &d, result, err);
    }
    pool_free(&p);
    free(groups);
    free(bufs);
    cJSON_Delete(doc);
    return st;
}
