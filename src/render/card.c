/* card.c — the summary card: what the decision core decided for one lesion (SINS table, ESCC,
 * NOMS, survival scores, alerts), read from the decision JSON and drawn as text with cairo. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "util_internal.h"

#define CARD_W 820
#define CARD_TEXT_PX 14.0
#define CARD_HEAD_PX 16.0

typedef struct card {
    cairo_t *cr;
    int draw;
    double y;
} card;

static const char *js(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static const cJSON *jo(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Number member as text, or "–" when absent. */
static const char *jn(char *buf, size_t n, const cJSON *o, const char *key)
{
    const cJSON *v = jo(o, key);
    if (cJSON_IsNumber(v))
        snprintf(buf, n, "%g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, n, "%s", v->valuestring);
    else
        snprintf(buf, n, "–");
    return buf;
}

/* Array of strings or numbers joined with ", ". */
static void jjoin(char *buf, size_t n, const cJSON *arr)
{
    buf[0] = '\0';
    const cJSON *it;
    size_t used = 0;
    cJSON_ArrayForEach(it, arr)
    {
        char one[128];
        if (cJSON_IsString(it))
            snprintf(one, sizeof one, "%s", it->valuestring);
        else if (cJSON_IsNumber(it))
            snprintf(one, sizeof one, "%g", it->valuedouble);
        else
            continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", one);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

static void set_font(cairo_t *cr, double px, int bold)
{
    cairo_select_font_face(cr, SR_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
}

typedef struct emit_ctx {
    card *c;
    double x;
    uint32_t rgb;
    double line_h;
} emit_ctx;

static void emit_line(void *ctx, const char *text)
{
    emit_ctx *e = ctx;
    e->c->y += e->line_h;
    if (e->c->draw) {
        sr_set_rgb(e->c->cr, e->rgb);
        cairo_move_to(e->c->cr, e->x, e->c->y);
        cairo_show_text(e->c->cr, text);
    }
}

/* Wrapped paragraph at x, advancing y. */
static void para(card *c, double x, const char *text, double px, int bold, uint32_t rgb)
{
    set_font(c->cr, px, bold);
    emit_ctx e = {c, x, rgb, px + 6};
    sr_wrap(c->cr, text, CARD_W - x - SR_PAD, emit_line, &e);
}

static void heading(card *c, const char *text)
{
    c->y += 10;
    para(c, SR_PAD, text, CARD_HEAD_PX, 1, 0xFFD400);
    c->y += 2;
    if (c->draw) {
        cairo_set_source_rgb(c->cr, 0.35, 0.35, 0.35);
        cairo_rectangle(c->cr, SR_PAD, c->y + 3, CARD_W - 2 * SR_PAD, 1);
        cairo_fill(c->cr);
    }
    c->y += 4;
}

/* One table row: cells at fixed x positions (single line each, the last one wraps). */
static void row(card *c, const char *cells[], const double xs[], int n, int bold, uint32_t rgb)
{
    double y0 = c->y;
    double ymax = y0;
    for (int i = 0; i < n; ++i) {
        c->y = y0;
        set_font(c->cr, CARD_TEXT_PX, bold);
        emit_ctx e = {c, xs[i], rgb, CARD_TEXT_PX + 6};
        double maxw = (i + 1 < n ? xs[i + 1] : CARD_W - SR_PAD) - xs[i] - 8;
        sr_wrap(c->cr, cells[i], maxw, emit_line, &e);
        ymax = fmax(ymax, c->y);
    }
    c->y = ymax;
}

static const char *const sins_names[6][2] = {
    {"location", "Location"}, {"pain", "Pain"}, {"bone_lesion", "Bone lesion"},
    {"alignment", "Alignment"}, {"collapse", "Collapse"}, {"posterolateral", "Posterolateral"}};

typedef struct summary {
    char sins[160], escc[64], noms[160];
} summary;

static void draw_card(card *c, const cJSON *root, const cJSON *lesion, size_t index, size_t nles,
                      summary *sum)
{
    char buf[1200], b1[64], b2[64], list[600];
    const char *level = js(lesion, "level");
    snprintf(buf, sizeof buf, "Summary · %s%s%s", level[0] ? level : "lesion", js(root, "case_id")[0] ? " · case " : "",
             js(root, "case_id"));
    c->y = 8;
    para(c, SR_PAD, buf, 19, 1, 0xFFFFFF);
    snprintf(buf, sizeof buf, "Decision of %s · status %s · lesion %zu of %zu · every value below is read from the decision",
             js(root, "software"), js(root, "status"), index + 1, nles);
    para(c, SR_PAD, buf, 12, 0, 0xBBBBBB);

    /* SINS */
    const cJSON *sins = jo(lesion, "sins");
    heading(c, "SINS — Spinal Instability Neoplastic Score");
    const double xs[4] = {SR_PAD, 150, 520, 590};
    const char *head[4] = {"Component", "Value", "Points", "Source"};
    row(c, head, xs, 4, 1, 0xBBBBBB);
    const cJSON *comps = jo(sins, "components");
    for (int i = 0; i < 6; ++i) {
        const cJSON *k = jo(comps, sins_names[i][0]);
        const char *src = js(k, "source");
        char val[200];
        snprintf(val, sizeof val, "%s", k ? js(k, "value") : "missing");
        if (!val[0])
            snprintf(val, sizeof val, "missing");
        const char *cells[4] = {sins_names[i][1], val, jn(b1, sizeof b1, k, "points"), src[0] ? src : "–"};
        int missing = !cJSON_IsNumber(jo(k, "points"));
        row(c, cells, xs, 4, 0, missing ? 0xFF8080 : 0xF2F2F2);
        if (!strcmp(src, "overridden")) {
            const cJSON *mv = jo(k, "measured_value");
            char mvt[96] = "";
            if (cJSON_IsString(mv))
                snprintf(mvt, sizeof mvt, "measured %s; ", mv->valuestring);
            else if (cJSON_IsNumber(mv))
                snprintf(mvt, sizeof mvt, "measured %g; ", mv->valuedouble);
            snprintf(buf, sizeof buf, "overridden: %sreason: %s", mvt, js(k, "reason"));
            para(c, 150, buf, 12, 0, 0xFFB060);
        }
    }
    const char *sst = js(sins, "status");
    c->y += 4;
    if (!strcmp(sst, "ok")) {
        snprintf(buf, sizeof buf, "Total %s / 18 · %s%s", jn(b1, sizeof b1, sins, "total"), js(sins, "category"),
                 cJSON_IsTrue(jo(sins, "surgical_consultation")) ? " · surgical consultation recommended" : "");
        snprintf(sum->sins, sizeof sum->sins, "SINS %s %s", b1, js(sins, "category"));
    } else if (!strcmp(sst, "not_computable")) {
        const cJSON *r = jo(sins, "total_range");
        char cats[200];
        jjoin(cats, sizeof cats, jo(sins, "possible_categories"));
        jjoin(list, sizeof list, jo(sins, "missing"));
        snprintf(buf, sizeof buf, "Total not computable: %s–%s (possible: %s); missing %s", jn(b1, sizeof b1, r, "min"),
                 jn(b2, sizeof b2, r, "max"), cats, list);
        snprintf(sum->sins, sizeof sum->sins, "SINS not computable (%s-%s)", b1, b2);
    } else {
        jjoin(list, sizeof list, jo(sins, "invalid"));
        snprintf(buf, sizeof buf, "SINS %s%s%s", sst[0] ? sst : "absent", list[0] ? ": " : "", list);
        snprintf(sum->sins, sizeof sum->sins, "SINS %s", sst[0] ? sst : "absent");
    }
    para(c, SR_PAD, buf, CARD_TEXT_PX, 1, 0xFFFFFF);

    /* ESCC */
    const cJSON *escc = jo(lesion, "escc");
    heading(c, "ESCC — epidural spinal cord compression (Bilsky)");
    if (!strcmp(js(escc, "status"), "ok")) {
        snprintf(buf, sizeof buf, "Grade %s (%s grade) · %s · source %s%s", js(escc, "grade"), js(escc, "class"),
                 js(escc, "label"), js(escc, "source")[0] ? js(escc, "source") : "–",
                 cJSON_IsTrue(jo(escc, "contested")) ? " · 1c: contested grouping" : "");
        snprintf(sum->escc, sizeof sum->escc, "ESCC %s", js(escc, "grade"));
    } else {
        jjoin(list, sizeof list, jo(escc, "missing"));
        snprintf(buf, sizeof buf, "%s%s%s", js(escc, "status")[0] ? js(escc, "status") : "not given",
                 list[0] ? ": missing " : "", list);
        snprintf(sum->escc, sizeof sum->escc, "ESCC %s", js(escc, "status")[0] ? js(escc, "status") : "absent");
    }
    para(c, SR_PAD, buf, CARD_TEXT_PX, 0, 0xF2F2F2);

    /* NOMS */
    const cJSON *noms = jo(lesion, "noms"), *nin = jo(noms, "inputs");
    heading(c, "NOMS — neurologic, oncologic, mechanical, systemic");
    snprintf(buf, sizeof buf, "N %s · O %s · M %s · S %s", js(jo(nin, "N"), "value"), js(jo(nin, "O"), "value"),
             js(jo(nin, "M"), "value"), js(jo(nin, "S"), "value"));
    para(c, SR_PAD, buf, CARD_TEXT_PX, 0, 0xF2F2F2);
    const char *nst = js(noms, "status");
    if (!strcmp(nst, "ok")) {
        snprintf(buf, sizeof buf, "Row %s → %s", jn(b1, sizeof b1, noms, "row"), js(noms, "label"));
        snprintf(sum->noms, sizeof sum->noms, "NOMS row %s %s", b1, js(noms, "decision"));
    } else if (!strcmp(nst, "no_matching_row")) {
        snprintf(buf, sizeof buf, "No matching row (%s)", js(noms, "gap"));
        snprintf(sum->noms, sizeof sum->noms, "NOMS no matching row");
    } else {
        char rows[120];
        jjoin(rows, sizeof rows, jo(noms, "possible_rows"));
        jjoin(list, sizeof list, jo(noms, !strcmp(nst, "invalid") ? "invalid" : "missing"));
        snprintf(buf, sizeof buf, "%s: possible rows %s; %s %s", nst[0] ? nst : "absent", rows[0] ? rows : "–",
                 !strcmp(nst, "invalid") ? "invalid" : "missing", list[0] ? list : "–");
        snprintf(sum->noms, sizeof sum->noms, "NOMS %s", nst[0] ? nst : "absent");
    }
    para(c, SR_PAD, buf, CARD_TEXT_PX, 1, 0xFFFFFF);
    const cJSON *expl = jo(noms, "explanation"), *it;
    if (!strcmp(nst, "no_matching_row"))
        cJSON_ArrayForEach(it, expl) if (cJSON_IsString(it)) para(c, 24, it->valuestring, 12, 0, 0xBBBBBB);

    /* survival */
    heading(c, "Survival scores (bands, not months)");
    static const char *const scores[5] = {"tokuhashi_revised", "tomita", "bauer_modified", "nesms", "katagiri_new"};
    const cJSON *surv = jo(root, "survival");
    for (int i = 0; i < 5; ++i) {
        const cJSON *s = jo(surv, scores[i]);
        const char *st = js(s, "status"), *title = js(s, "title")[0] ? js(s, "title") : scores[i];
        if (!strcmp(st, "ok")) {
            const cJSON *band = jo(s, "band");
            const char *txt = js(band, "survival")[0] ? js(band, "survival")
                              : js(band, "goal")[0]   ? js(band, "goal")
                                                      : js(band, "token");
            snprintf(buf, sizeof buf, "%s: %s → %s", title, jn(b1, sizeof b1, s, "total"), txt);
        } else if (!strcmp(st, "not_computable")) {
            const cJSON *r = jo(s, "total_range");
            jjoin(list, sizeof list, jo(s, "missing"));
            snprintf(buf, sizeof buf, "%s: not computable (total %s–%s); missing %s", title, jn(b1, sizeof b1, r, "min"),
                     jn(b2, sizeof b2, r, "max"), list);
        } else {
            snprintf(buf, sizeof buf, "%s: %s", title, st[0] ? st : "absent");
        }
        para(c, SR_PAD, buf, CARD_TEXT_PX, 0, 0xF2F2F2);
    }

    /* alerts and refused inputs */
    heading(c, "Alerts");
    int any = 0;
    cJSON_ArrayForEach(it, jo(root, "alerts"))
    {
        snprintf(buf, sizeof buf, "[%s] %s", js(it, "level"), js(it, "message"));
        para(c, SR_PAD, buf, CARD_TEXT_PX, 0, strcmp(js(it, "level"), "alert") ? 0xFFD080 : 0xFF8080);
        any = 1;
    }
    cJSON_ArrayForEach(it, jo(root, "input_errors"))
    {
        snprintf(buf, sizeof buf, "[refused input] %s: %s", js(it, "field"), js(it, "problem"));
        para(c, SR_PAD, buf, CARD_TEXT_PX, 0, 0xFF8080);
        any = 1;
    }
    if (!any)
        para(c, SR_PAD, "none", CARD_TEXT_PX, 0, 0xBBBBBB);
    c->y += 14;
}

sps_status sps_render_summary_png(const char *png_path, const char *decision_json, size_t len,
                                  size_t lesion_index, const char *series_uid, sps_render_result *result,
                                  sps_error *err)
{
    if (!png_path || !png_path[0])
        return sps_error_set(err, SPS_EINVALID, "png_path", "expected an output file name");
    if (!decision_json)
        return sps_error_set(err, SPS_EINVALID, "decision_json", "expected the decision JSON");
    cJSON *root = cJSON_ParseWithLength(decision_json, len);
    if (!root)
        return sps_error_set(err, SPS_EFORMAT, "decision_json", "not valid JSON");
    if (strcmp(js(root, "format"), "spinescore-decision") != 0) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_EFORMAT, "decision_json.format", "expected \"spinescore-decision\"");
    }
    const cJSON *lesions = jo(root, "lesions");
    size_t nles = cJSON_IsArray(lesions) ? (size_t)cJSON_GetArraySize(lesions) : 0;
    if (lesion_index >= nles) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_EINVALID, "lesion_index", "decision has %zu lesions, index %zu requested",
                             nles, lesion_index);
    }
    const cJSON *lesion = cJSON_GetArrayItem(lesions, (int)lesion_index);
    summary sum;
    memset(&sum, 0, sizeof sum);

    /* pass 1: measure the height */
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
    cairo_t *scr = cairo_create(scratch);
    card c = {scr, 0, 0};
    draw_card(&c, root, lesion, lesion_index, nles, &sum);
    cairo_destroy(scr);
    cairo_surface_destroy(scratch);
    int h = (int)ceil(c.y);

    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, CARD_W, h);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        cJSON_Delete(root);
        return sps_error_set(err, SPS_ENOMEM, png_path, "cairo cannot create a %dx%d surface", CARD_W, h);
    }
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.09);
    cairo_paint(cr);
    card d = {cr, 1, 0};
    draw_card(&d, root, lesion, lesion_index, nles, &sum);
    cairo_destroy(cr);

    char desc[600], title[200];
    const char *level = js(lesion, "level");
    snprintf(title, sizeof title, "Summary %s", level[0] ? level : "lesion");
    snprintf(desc, sizeof desc, "Summary card of the decision for %s: %s; %s; %s; survival scores and alerts",
             level[0] ? level : "the lesion", sum.sins, sum.escc, sum.noms);
    cJSON_Delete(root);
    sps_status st = sr_write_png(surf, png_path, series_uid, desc, title, NULL, err);
    if (st == SPS_OK && result) {
        memset(result, 0, sizeof *result);
        result->png_width = CARD_W;
        result->png_height = h;
    }
    cairo_surface_destroy(surf);
    return st;
}
