/* text.c — the decision as a one-screen summary a surgeon reads: every component with its points
 * and source, totals and bands, the NOMS branch, alerts, and what is not computable and why. */
#include <string.h>

#include "core_internal.h"

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void list_fields(sps_str *s, const cJSON *res, const char *key, const char *label)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, key);
    if (cJSON_GetArraySize(a) == 0)
        return;
    sps_str_printf(s, "      %s:", label);
    const cJSON *f;
    cJSON_ArrayForEach(f, a) sps_str_printf(s, " %s", f->valuestring);
    sps_str_append(s, "\n");
}

static void explain(sps_str *s, const cJSON *res, const char *indent)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "explanation"))
        sps_str_printf(s, "%s%s\n", indent, e->valuestring);
}

static void sins_text(sps_str *s, const cJSON *sins)
{
    const char *st = js(sins, "status");
    sps_str_printf(s, "  SINS (%s)\n", js(sins, "model") ? js(sins, "model") : "");
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(sins, "components");
    const cJSON *c;
    cJSON_ArrayForEach(c, comps)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "points");
        char pts[16];
        if (cJSON_IsNumber(p))
            snprintf(pts, sizeof pts, "%d", p->valueint);
        else
            snprintf(pts, sizeof pts, "-");
        sps_str_printf(s, "    %-15s %-26s %2s  [%s]%s%s\n", c->string, js(c, "value") ? js(c, "value") : "?", pts,
                       js(c, "source") ? js(c, "source") : "", js(c, "reason") ? " reason: " : "",
                       js(c, "reason") ? js(c, "reason") : "");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "evidence");
        if (ev) {
            char *t = cJSON_PrintUnformatted(ev);
            if (t) {
                sps_str_printf(s, "      evidence: %.300s%s\n", t, strlen(t) > 300 ? "..." : "");
                cJSON_free(t);
            }
        }
        const cJSON *mv = cJSON_GetObjectItemCaseSensitive(c, "measured_value");
        if (cJSON_IsString(mv))
            sps_str_printf(s, "      measured value was: %s\n", mv->valuestring);
    }
    if (st && strcmp(st, "ok") == 0) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(sins, "total");
        sps_str_printf(s, "    TOTAL %d -> %s%s\n", t->valueint, js(sins, "category"),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sins, "surgical_consultation"))
                           ? " (surgical consultation recommended)" : "");
    } else {
        sps_str_printf(s, "    SINS %s\n", st ? st : "?");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(sins, "total_range");
        if (r)
            sps_str_printf(s, "      total could be %d-%d\n", cJSON_GetObjectItemCaseSensitive(r, "min")->valueint,
                           cJSON_GetObjectItemCaseSensitive(r, "max")->valueint);
        list_fields(s, sins, "missing", "missing");
        list_fields(s, sins, "invalid", "invalid");
    }
}

char *sps_decision__text(const cJSON *root)
{
    sps_str s = {0};
    sps_str_printf(&s, "spinescore decision%s%s — status: %s\n", js(root, "case_id") ? " for " : "",
                   js(root, "case_id") ? js(root, "case_id") : "", js(root, "status"));
    const cJSON *ie = cJSON_GetObjectItemCaseSensitive(root, "input_errors");
    if (cJSON_GetArraySize(ie) > 0) {
        sps_str_append(&s, "\nINVALID INPUT (nothing was scored from these fields):\n");
        const cJSON *e;
        cJSON_ArrayForEach(e, ie)
        {
            sps_str_printf(&s, "  %s: %s", js(e, "field"), js(e, "problem"));
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "allowed");
            if (a) {
                char *t = cJSON_PrintUnformatted(a);
                if (t) {
                    sps_str_printf(&s, " (allowed: %.400s)", t);
                    cJSON_free(t);
                }
            }
            sps_str_append(&s, "\n");
        }
    }
    const cJSON *l;
    int i = 0;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(root, "lesions"))
    {
        sps_str_printf(&s, "\nLesion %d%s%s\n", ++i, js(l, "level") ? " at " : "", js(l, "level") ? js(l, "level") : "");
        const cJSON *sins = cJSON_GetObjectItemCaseSensitive(l, "sins");
        if (sins)
            sins_text(&s, sins);
        const cJSON *escc = cJSON_GetObjectItemCaseSensitive(l, "escc");
        if (escc) {
            if (js(escc, "grade"))
                sps_str_printf(&s, "  ESCC %s (%s grade) [%s]\n", js(escc, "grade"), js(escc, "class"),
                               js(escc, "source") && strcmp(js(escc, "source"), "entered") != 0 ? js(escc, "source") : "entered");
            else
                sps_str_printf(&s, "  ESCC %s\n", js(escc, "status"));
        }
        const cJSON *noms = cJSON_GetObjectItemCaseSensitive(l, "noms");
        if (noms) {
            const cJSON *in = cJSON_GetObjectItemCaseSensitive(noms, "inputs");
            sps_str_printf(&s, "  NOMS  N %s | O %s | M %s | S %s\n",
                           js(cJSON_GetObjectItemCaseSensitive(in, "N"), "value"),
                           js(cJSON_GetObjectItemCaseSensitive(in, "O"), "value"),
                           js(cJSON_GetObjectItemCaseSensitive(in, "M"), "value"),
                           js(cJSON_GetObjectItemCaseSensitive(in, "S"), "value"));
            if (strcmp(js(noms, "status"), "ok") == 0) {
                sps_str_printf(&s, "    row %d: %s\n", cJSON_GetObjectItemCaseSensitive(noms, "row")->valueint, js(noms, "label"));
                if (js(noms, "footnote"))
                    sps_str_printf(&s, "    %s\n", js(noms, "footnote"));
            } else {
                sps_str_printf(&s, "    %s\n", js(noms, "status"));
                explain(&s, noms, "    ");
                list_fields(&s, noms, "missing", "missing");
                list_fields(&s, noms, "invalid", "invalid");
            }
        }
        const cJSON *g;
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(l, "guidance"))
            sps_str_printf(&s, "  - %s\n", js(g, "message"));
    }
    sps_str_append(&s, "\nSurvival scores (bands, never a single number of months)\n");
    const cJSON *sc;
    cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(root, "survival"))
    {
        const char *title = js(sc, "title") ? js(sc, "title") : sc->string;
        if (strcmp(js(sc, "status"), "ok") == 0) {
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(sc, "band");
            const char *w = js(b, "survival") ? js(b, "survival") : js(b, "goal");
            sps_str_printf(&s, "  %-28s %2d  %s%s%s\n", title, cJSON_GetObjectItemCaseSensitive(sc, "total")->valueint,
                           w ? w : "", js(b, "strategy") ? "; " : "", js(b, "strategy") ? js(b, "strategy") : "");
        } else {
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(sc, "total_range");
            sps_str_printf(&s, "  %-28s %s", title, js(sc, "status"));
            if (r)
                sps_str_printf(&s, " (total could be %d-%d)", cJSON_GetObjectItemCaseSensitive(r, "min")->valueint,
                               cJSON_GetObjectItemCaseSensitive(r, "max")->valueint);
            sps_str_append(&s, "\n");
            list_fields(&s, sc, "missing", "missing");
            list_fields(&s, sc, "invalid", "invalid");
        }
    }
    const cJSON *gd = cJSON_GetObjectItemCaseSensitive(root, "guidance");
    const cJSON *surg = cJSON_GetObjectItemCaseSensitive(gd, "surgery");
    if (surg) {
        sps_str_append(&s, "\nSurgery and timing\n");
        explain(&s, surg, "  ");
        list_fields(&s, surg, "missing", "missing");
    }
    const cJSON *emb = cJSON_GetObjectItemCaseSensitive(gd, "embolisation");
    if (emb && js(emb, "advice"))
        sps_str_printf(&s, "  Embolisation: %s\n", js(emb, "advice"));
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(gd, "rt_timing");
    if (rt)
        sps_str_printf(&s, "  RT timing: %s\n", js(rt, "message"));
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(root, "alerts");
    if (cJSON_GetArraySize(al) > 0) {
        sps_str_append(&s, "\nALERTS\n");
        const cJSON *a;
        cJSON_ArrayForEach(a, al) sps_str_printf(&s, "  [%s] %s\n", js(a, "level"), js(a, "message"));
    }
    const cJSON *wa = cJSON_GetObjectItemCaseSensitive(root, "warnings");
    if (cJSON_GetArraySize(wa) > 0) {
        sps_str_append(&s, "\nWarnings\n");
        const cJSON *w;
        cJSON_ArrayForEach(w, wa)
            sps_str_printf(&s, "  %s%s%s\n", js(w, "field") ? js(w, "field") : "", js(w, "field") ? ": " : "", js(w, "message"));
    }
    if (js(gd, "survival_scores_caveat"))
        sps_str_printf(&s, "\nNote: %s\n", js(gd, "survival_scores_caveat"));
    sps_str_append(&s, "\nDecision support only; it does not replace the treating team.\n");
    return sps_str_detach(&s);
}
