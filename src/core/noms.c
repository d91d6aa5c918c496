/* noms.c — NOMS: derive N, O, M and S from the case (clinical-reference.md sections 6.2-6.3), find the
 * table row of models/noms.json, or say which input is missing or that no row matches. */
#include <string.h>

#include "core_internal.h"

const cJSON *sps_histology__entry(sps_ctx *ctx, const char **token, sps_in_state *state)
{
    *token = NULL;
    sps_in_state dummy;
    if (!state)
        state = &dummy;
    *state = SPS_IN_MISSING;
    const sps_model *m = sps_ctx__model(ctx, "histology");
    if (!m)
        return NULL;
    const cJSON *table = sps_m_obj(ctx, m, m->root, "histologies");
    sps_input in = sps_in_get(ctx, ctx->patient, "histology", "patient");
    *state = in.state;
    if (in.state != SPS_IN_OK || !table)
        return NULL;
    const cJSON *e = cJSON_IsString(in.value) ? cJSON_GetObjectItemCaseSensitive(table, in.value->valuestring) : NULL;
    if (!cJSON_IsObject(e)) {
        cJSON *allowed = cJSON_CreateArray();
        const cJSON *h;
        cJSON_ArrayForEach(h, table) cJSON_AddItemToArray(allowed, cJSON_CreateString(h->string));
        sps_ctx__invalid(ctx, &in, "unknown histology token (use \"other\" and enter the classes explicitly)", allowed);
        cJSON_Delete(allowed);
        *state = SPS_IN_INVALID;
        return NULL;
    }
    *token = in.value->valuestring;
    return e;
}

/* Row dimension matches: model value null = any. */
static int dim_ok(const cJSON *row, const char *key, const char *known)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    if (!v || cJSON_IsNull(v) || !known)
        return 1;
    return cJSON_IsString(v) && strcmp(v->valuestring, known) == 0;
}

static int myel_ok(const cJSON *row, int known, int value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "myelopathy");
    if (!v || cJSON_IsNull(v) || !known)
        return 1;
    return cJSON_IsTrue(v) == (value != 0);
}

static void add_gap(sps_ctx *ctx, const sps_model *m, cJSON *res, const char *id)
{
    const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(m->root, "gaps");
    const cJSON *g;
    cJSON_ArrayForEach(g, gaps)
    {
        const cJSON *gid = cJSON_GetObjectItemCaseSensitive(g, "id");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(g, "text");
        if (cJSON_IsString(gid) && strcmp(gid->valuestring, id) == 0 && cJSON_IsString(text)) {
            cJSON_AddStringToObject(res, "gap", id);
            sps_result_explain(res, "No matching row: %s", text->valuestring);
            return;
        }
    }
    sps_ctx__model_error(ctx, "noms", "gaps", "gap entry missing");
}

cJSON *sps_noms__decide(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const cJSON *sins,
                        const cJSON *escc, const char *escc_class)
{
    const sps_model *m = sps_ctx__model(ctx, "noms");
    if (!m)
        return NULL;
    const cJSON *rows = sps_m_arr(ctx, m, m->root, "rows");
    const cJSON *mech = sps_m_obj(ctx, m, m->root, "mechanical_from_sins");
    double stable_max = 0, unstable_min = 0;
    if (!rows || !mech || !sps_m_num(ctx, m, mech, "stable_max", &stable_max) ||
        !sps_m_num(ctx, m, mech, "unstable_min", &unstable_min))
        return NULL;
    cJSON *res = sps_result_new(m);
    cJSON *inputs = cJSON_AddObjectToObject(res, "inputs");

    /* N */
    const char *n = NULL;
    cJSON *jn = cJSON_AddObjectToObject(inputs, "N");
    if (escc_class && *escc_class) {
        n = escc_class;
        cJSON_AddStringToObject(jn, "value", n);
        cJSON_AddStringToObject(jn, "escc_grade", sps_m_tok(ctx, m, escc, "grade"));
        const cJSON *erule = cJSON_GetObjectItemCaseSensitive(escc, "rule");
        cJSON_AddStringToObject(jn, "rule", cJSON_IsString(erule) ? erule->valuestring : "escc.high_grade_from");
    } else {
        cJSON_AddStringToObject(jn, "value", "unknown");
        const char *st = escc ? sps_result_status(escc) : "not_computable";
        char f[180];
        snprintf(f, sizeof f, "%s.escc", prefix);
        if (strcmp(st, "invalid") == 0)
            sps_result_invalid(res, f);
        else
            sps_result_missing(res, f);
    }
    int myel_known = 0, myel = 0;
    sps_input my = sps_in_get(ctx, ctx->patient, "myelopathy", "patient");
    if (my.state == SPS_IN_OK && sps_in_bool(ctx, &my, &myel))
        myel_known = 1;
    if (myel_known)
        cJSON_AddBoolToObject(jn, "myelopathy", myel);
    if (n && strcmp(n, "high") == 0) {
        cJSON_AddStringToObject(jn, "myelopathy_rule", "ignored for high-grade ESCC (+/- myelopathy)");
    } else if (!myel_known) {
        if (my.state == SPS_IN_INVALID)
            sps_result_invalid(res, my.path);
        else if (n) /* only needed for low grade */
            sps_result_missing(res, my.path);
    }
    sps_input fr = sps_in_get(ctx, ctx->patient, "functional_radiculopathy", "patient");
    int frv = 0;
    if (fr.state == SPS_IN_OK && sps_in_bool(ctx, &fr, &frv) && frv) {
        cJSON_AddBoolToObject(jn, "functional_radiculopathy", 1);
        add_gap(ctx, m, jn, "functional_radiculopathy");
    }

    /* O */
    const char *o = NULL;
    cJSON *jo = cJSON_AddObjectToObject(inputs, "O");
    sps_input rs = sps_in_get(ctx, ctx->patient, "radiosensitivity", "patient");
    int o_gap = 0;
    if (rs.state == SPS_IN_OK) {
        const cJSON *toks = cJSON_GetObjectItemCaseSensitive(m->root, "radiosensitivity_tokens");
        int ok = 0;
        const cJSON *t;
        cJSON_ArrayForEach(t, toks)
        {
            if (cJSON_IsString(rs.value) && cJSON_IsString(t) && strcmp(t->valuestring, rs.value->valuestring) == 0)
                ok = 1;
        }
        if (!ok) {
            sps_ctx__invalid(ctx, &rs, "not an allowed radiosensitivity class", toks);
            sps_result_invalid(res, rs.path);
            cJSON_AddStringToObject(jo, "value", "invalid");
        } else {
            o = rs.value->valuestring;
            cJSON_AddStringToObject(jo, "value", o);
            cJSON_AddStringToObject(jo, "from", "clinician entry (patient.radiosensitivity), which wins over the histology table");
            sps_in_provenance(&rs, jo);
            if (strcmp(o, "intermediate") == 0)
                o_gap = 1;
        }
    } else if (rs.state == SPS_IN_INVALID) {
        sps_result_invalid(res, rs.path);
        cJSON_AddStringToObject(jo, "value", "invalid");
    } else {
        const char *htok = NULL;
        sps_in_state hstate;
        const cJSON *h = sps_histology__entry(ctx, &htok, &hstate);
        if (h) {
            const cJSON *cls = cJSON_GetObjectItemCaseSensitive(h, "radiosensitivity");
            if (cJSON_IsString(cls)) {
                o = cls->valuestring;
                char from[200];
                snprintf(from, sizeof from, "histology \"%s\" -> %s (models/histology.json, Seed 003)", htok, o);
                cJSON_AddStringToObject(jo, "value", o);
                cJSON_AddStringToObject(jo, "from", from);
                cJSON_AddStringToObject(jo, "rule", "histology.histologies.radiosensitivity");
            } else {
                char msg[256];
                snprintf(msg, sizeof msg, "histology \"%s\" is unclassified for radiosensitivity (not in Seed 003's table): enter patient.radiosensitivity", htok);
                cJSON_AddStringToObject(jo, "value", "unclassified");
                sps_result_explain(res, "%s.", msg);
                sps_result_missing(res, "patient.radiosensitivity");
            }
        } else if (hstate == SPS_IN_INVALID) {
            cJSON_AddStringToObject(jo, "value", "invalid");
            sps_result_invalid(res, "patient.histology");
        } else {
            cJSON_AddStringToObject(jo, "value", "unknown");
            sps_result_missing(res, "patient.histology");
        }
    }

    /* M */
    const char *mm = NULL;
    cJSON *jm = cJSON_AddObjectToObject(inputs, "M");
    char sp[180];
    snprintf(sp, sizeof sp, "%s", prefix);
    sps_input stab = sps_in_get(ctx, lesion, "stability", sp);
    if (stab.state == SPS_IN_OK) {
        if (cJSON_IsString(stab.value) && (strcmp(stab.value->valuestring, "stable") == 0 ||
                                            strcmp(stab.value->valuestring, "unstable") == 0)) {
            mm = stab.value->valuestring;
            cJSON_AddStringToObject(jm, "value", mm);
            cJSON_AddStringToObject(jm, "from", "clinician entry (stability), which always wins over SINS");
            sps_in_provenance(&stab, jm);
        } else {
            cJSON *allowed = cJSON_CreateArray();
            cJSON_AddItemToArray(allowed, cJSON_CreateString("stable"));
            cJSON_AddItemToArray(allowed, cJSON_CreateString("unstable"));
            sps_ctx__invalid(ctx, &stab, "not an allowed stability entry", allowed);
            cJSON_Delete(allowed);
            sps_result_invalid(res, stab.path);
            cJSON_AddStringToObject(jm, "value", "invalid");
        }
    } else if (stab.state == SPS_IN_INVALID) {
        sps_result_invalid(res, stab.path);
        cJSON_AddStringToObject(jm, "value", "invalid");
    } else {
        const cJSON *tot = sins ? cJSON_GetObjectItemCaseSensitive(sins, "total") : NULL;
        if (cJSON_IsNumber(tot)) {
            char from[200];
            if (tot->valuedouble <= stable_max) {
                mm = "stable";
                snprintf(from, sizeof from, "SINS %d <= %g -> stable", tot->valueint, stable_max);
            } else if (tot->valuedouble >= unstable_min) {
                mm = "unstable";
                snprintf(from, sizeof from, "SINS %d >= %g -> unstable", tot->valueint, unstable_min);
            } else {
                snprintf(from, sizeof from,
                         "SINS %d is potentially unstable (%g-%g): the table needs a yes/no answer only the surgeon can give; enter %s.stability",
                         tot->valueint, stable_max + 1, unstable_min - 1, prefix);
                sps_result_missing(res, stab.path);
            }
            cJSON_AddStringToObject(jm, "value", mm ? mm : "surgeon_judgement_needed");
            cJSON_AddStringToObject(jm, "from", from);
            cJSON_AddStringToObject(jm, "rule", "noms.mechanical_from_sins");
            if (!mm)
                sps_result_explain(res, "%s.", from);
        } else {
            cJSON_AddStringToObject(jm, "value", "unknown");
            cJSON_AddStringToObject(jm, "from", "SINS not computable and no clinician stability entry");
            sps_result_missing(res, stab.path);
            const cJSON *miss = sins ? cJSON_GetObjectItemCaseSensitive(sins, "missing") : NULL;
            const cJSON *f;
            cJSON_ArrayForEach(f, miss) sps_result_missing(res, f->valuestring);
            const cJSON *inv = sins ? cJSON_GetObjectItemCaseSensitive(sins, "invalid") : NULL;
            cJSON_ArrayForEach(f, inv) sps_result_invalid(res, f->valuestring);
        }
    }

    /* S */
    const char *s = NULL;
    cJSON *js = cJSON_AddObjectToObject(inputs, "S");
    sps_input tol = sps_in_get(ctx, ctx->patient, "tolerates_surgery", "patient");
    int tolv = 0;
    if (tol.state == SPS_IN_OK && sps_in_bool(ctx, &tol, &tolv)) {
        s = tolv ? "able" : "unable";
        cJSON_AddStringToObject(js, "value", s);
        sps_in_provenance(&tol, js);
    } else {
        cJSON_AddStringToObject(js, "value", tol.state == SPS_IN_INVALID ? "invalid" : "unknown");
    }

    /* Rows consistent with what is known. */
    int low_myel = n && strcmp(n, "low") == 0 && myel_known && myel;
    cJSON *possible = cJSON_CreateArray();
    const cJSON *row, *chosen = NULL;
    int nposs = 0;
    int needs_s = 0;
    cJSON_ArrayForEach(row, rows)
    {
        if (!dim_ok(row, "n", n) || !myel_ok(row, myel_known, myel) || !dim_ok(row, "o", o) ||
            !dim_ok(row, "m", mm) || !dim_ok(row, "s", s))
            continue;
        cJSON_AddItemToArray(possible, cJSON_CreateNumber(sps_m_dbl(ctx, m, row, "row")));
        nposs++;
        chosen = row;
        const cJSON *rs_ = cJSON_GetObjectItemCaseSensitive(row, "s");
        if (cJSON_IsString(rs_))
            needs_s = 1;
    }
    if (nposs > 1 && n && o && mm && !s && needs_s)
        sps_result_missing(res, tol.state == SPS_IN_INVALID ? tol.path : "patient.tolerates_surgery");
    if (tol.state == SPS_IN_INVALID && needs_s)
        sps_result_invalid(res, tol.path);

    const char *status = sps_result_finish(res);
    if (strcmp(status, "ok") == 0 && (low_myel || o_gap || nposs == 0)) {
        sps_result_set_status(res, "no_matching_row");
        if (low_myel || o_gap)
            add_gap(ctx, m, res, low_myel ? "low_escc_with_myelopathy" : "intermediate_radiosensitivity");
        else
            sps_result_explain(res, "No row of models/noms.json matches N %s, O %s, M %s.", n, o, mm);
        cJSON_Delete(possible);
    } else if (strcmp(status, "ok") == 0 && nposs == 1) {
        cJSON_Delete(possible);
        int rown = sps_m_int(ctx, m, row = chosen, "row");
        const cJSON *dec = cJSON_GetObjectItemCaseSensitive(chosen, "decision");
        const cJSON *wording = cJSON_GetObjectItemCaseSensitive(chosen, "wording");
        cJSON_AddNumberToObject(res, "row", rown);
        cJSON_AddStringToObject(res, "decision", dec->valuestring);
        cJSON_AddItemToObject(res, "wording", cJSON_Duplicate(wording, 1));
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(wording, ctx->wording);
        cJSON_AddStringToObject(res, "label", cJSON_IsString(label) ? label->valuestring : dec->valuestring);
        char rule[64];
        snprintf(rule, sizeof rule, "noms.rows[row=%d]", rown);
        cJSON_AddStringToObject(res, "rule", rule);
        if (cJSON_IsString(label) && strchr(label->valuestring, '*')) {
            const cJSON *fn = cJSON_GetObjectItemCaseSensitive(m->root, "stabilization_footnote");
            if (cJSON_IsString(fn))
                cJSON_AddStringToObject(res, "footnote", fn->valuestring);
        }
        sps_result_explain(res, "N %s ESCC%s, O %s, M %s%s%s -> row %d: %s.", n,
                           strcmp(n, "low") == 0 ? (myel ? " with myelopathy" : " without myelopathy") : " (+/- myelopathy)",
                           o, mm, s && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(chosen, "s")) ? ", S " : "",
                           s && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(chosen, "s")) ? s : "", rown,
                           cJSON_IsString(label) ? label->valuestring : dec->valuestring);
        if (escc && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(escc, "contested")))
            sps_result_explain(res, "ESCC 1c decided the N branch (low in this model; contested, see escc.high_grade_from).");
    } else {
        if (nposs > 0) {
            cJSON_AddItemToObject(res, "possible_rows", possible);
            cJSON *decs = cJSON_AddArrayToObject(res, "possible_decisions");
            cJSON_ArrayForEach(row, rows)
            {
                const cJSON *r;
                cJSON_ArrayForEach(r, possible)
                {
                    if (r->valueint == sps_m_int(ctx, m, row, "row")) {
                        const char *d = sps_m_tok(ctx, m, row, "decision");
                        int dup = 0;
                        const cJSON *x;
                        cJSON_ArrayForEach(x, decs) if (strcmp(x->valuestring, d) == 0) dup = 1;
                        if (!dup)
                            cJSON_AddItemToArray(decs, cJSON_CreateString(d));
                    }
                }
            }
        } else {
            cJSON_Delete(possible);
        }
        if (strcmp(status, "not_computable") == 0 && low_myel) {
            sps_result_set_status(res, "no_matching_row");
            add_gap(ctx, m, res, "low_escc_with_myelopathy");
        } else {
            sps_result_explain(res, "NOMS %s: %s.", strcmp(status, "invalid") == 0 ? "refused" : "not computable",
                               strcmp(status, "invalid") == 0 ? "an input was invalid" : "an input is missing (see \"missing\")");
        }
    }
    return res;
}
