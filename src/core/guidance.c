/* guidance.c — surgical and radiotherapy guidance (models/guidance.json): survival threshold and
 * technique tiers, embolisation, RT timing after surgery, SRS and ESCC, fracture risk after SRS. */
#include <string.h>

#include "core_internal.h"

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int read_spec_number(sps_ctx *ctx, const char *name, sps_input *in, double *out)
{
    const sps_model *mi = sps_ctx__model(ctx, "inputs");
    const cJSON *fields = mi ? sps_m_obj(ctx, mi, mi->root, "fields") : NULL;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(fields, name);
    *in = sps_in_get(ctx, ctx->patient, name, "patient");
    if (!cJSON_IsObject(spec)) {
        sps_ctx__model_error(ctx, "inputs", name, "no field specification for this input");
        return 0;
    }
    if (strcmp(jstr(spec, "type"), "int") == 0) {
        long v = 0;
        int ok = sps_in_int(ctx, in, (long)jnum(spec, "min", 0), (long)jnum(spec, "max", 0), (long)jnum(spec, "step", 1), &v);
        *out = (double)v;
        return ok;
    }
    return sps_in_number(ctx, in, jnum(spec, "min", 0), jnum(spec, "max", 0), out);
}

cJSON *sps_guidance__patient(sps_ctx *ctx, const cJSON *survival)
{
    (void)survival;
    const sps_model *m = sps_ctx__model(ctx, "guidance");
    if (!m)
        return NULL;
    cJSON *g = cJSON_CreateObject();
    char ref[96];
    sps_model__ref(m, ref, sizeof ref);
    cJSON_AddStringToObject(g, "model", ref);

    /* Expected survival: surgery threshold and technique tier. */
    const cJSON *thr = sps_m_obj(ctx, m, m->root, "surgery_survival_threshold");
    const cJSON *tiers = sps_m_obj(ctx, m, m->root, "survival_tiers");
    const cJSON *tlist = tiers ? sps_m_arr(ctx, m, tiers, "tiers") : NULL;
    double min_months = 0;
    if (!thr || !tlist || !sps_m_num(ctx, m, thr, "min_months", &min_months))
        return g;
    cJSON *surg = sps_result_new(m);
    cJSON *thr_ref = cJSON_CreateString(jstr(thr, "source"));
    /* the model may lack a top-level "source" (no "reference" to replace): add, do not leak */
    if (thr_ref && !cJSON_ReplaceItemInObjectCaseSensitive(surg, "reference", thr_ref))
        cJSON_AddItemToObject(surg, "reference", thr_ref);
    sps_input in;
    double months = 0;
    if (read_spec_number(ctx, "expected_survival_months", &in, &months)) {
        int candidate = months >= min_months;
        cJSON_AddNumberToObject(surg, "expected_survival_months", months);
        cJSON_AddBoolToObject(surg, "meets_survival_threshold", candidate);
        cJSON_AddStringToObject(surg, "rule", "guidance.surgery_survival_threshold");
        sps_in_provenance(&in, surg);
        sps_result_explain(surg, "Expected survival %.1f months %s the %.1f-month threshold: %s", months,
                           candidate ? "meets" : "is below", min_months, jstr(thr, "text"));
        if (candidate) {
            const cJSON *t;
            cJSON_ArrayForEach(t, tlist)
            {
                double lo = jnum(t, "min_months", 0);
                const cJSON *hi = cJSON_GetObjectItemCaseSensitive(t, "max_months");
                int incl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "max_inclusive"));
                int above_lo = months >= lo;
                int below_hi = !cJSON_IsNumber(hi) || (incl ? months <= hi->valuedouble : months < hi->valuedouble);
                /* tiers above the first start strictly above the previous tier's inclusive max */
                if (above_lo && below_hi) {
                    cJSON_AddStringToObject(surg, "tier", jstr(t, "token"));
                    cJSON_AddStringToObject(surg, "tier_label", jstr(t, "label"));
                    cJSON_AddStringToObject(surg, "technique", jstr(t, "technique"));
                    cJSON_AddStringToObject(surg, "tier_source", jstr(tiers, "source"));
                    sps_result_explain(surg, "Survival tier %s (%s): %s. Low evidence: %s", jstr(t, "token"),
                                       jstr(t, "label"), jstr(t, "technique"), jstr(tiers, "source"));
                    break;
                }
            }
        } else {
            sps_result_explain(surg, "Below the surgical survival threshold no technique tier is shown.");
        }
        sps_input tol = sps_in_get(ctx, ctx->patient, "tolerates_surgery", "patient");
        if (!candidate && tol.state == SPS_IN_OK && cJSON_IsTrue(tol.value)) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "Patient entered as able to tolerate surgery, but expected survival %.1f months is below %.1f months; the entry is kept (not overwritten).",
                     months, min_months);
            sps_ctx__alert(ctx, "survival_below_surgical_threshold", "alert", msg,
                           "guidance.surgery_survival_threshold", jstr(thr, "source"));
        }
    } else if (in.state == SPS_IN_INVALID) {
        sps_result_invalid(surg, in.path);
    } else {
        sps_result_missing(surg, in.path);
        sps_result_explain(surg, "Enter the clinician's estimate of expected survival (the survival scores give bands, not a number of months).");
    }
    sps_result_finish(surg);
    cJSON_AddItemToObject(g, "surgery", surg);

    /* Embolisation for hypervascular histologies. */
    const cJSON *emb = sps_m_obj(ctx, m, m->root, "embolisation");
    const char *htok = NULL;
    const cJSON *h = sps_histology__entry(ctx, &htok, NULL);
    if (emb && h) {
        cJSON *e = cJSON_AddObjectToObject(g, "embolisation");
        int hv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "hypervascular"));
        cJSON_AddStringToObject(e, "histology", htok);
        cJSON_AddBoolToObject(e, "hypervascular_list", hv);
        cJSON_AddStringToObject(e, "reference", jstr(emb, "source"));
        if (hv) {
            cJSON_AddStringToObject(e, "advice", jstr(emb, "text"));
            sps_ctx__alert(ctx, "embolisation", "alert", jstr(emb, "text"), "guidance.embolisation", jstr(emb, "source"));
            sps_input hin;
            double hours = 0;
            if (read_spec_number(ctx, "hours_embolisation_to_surgery", &hin, &hours)) {
                double maxh = jnum(emb, "max_hours_to_surgery", 24);
                int within = hours <= maxh;
                cJSON_AddNumberToObject(e, "hours_embolisation_to_surgery", hours);
                cJSON_AddBoolToObject(e, "within_window", within);
                if (!within) {
                    char msg[200];
                    snprintf(msg, sizeof msg, "Surgery %.1f h after embolisation: later than the %.0f h window.", hours, maxh);
                    sps_ctx__alert(ctx, "embolisation_window", "alert", msg, "guidance.embolisation", jstr(emb, "source"));
                }
            }
        } else {
            char txt[300];
            snprintf(txt, sizeof txt, "histology \"%s\": %s", htok, jstr(emb, "not_listed_text"));
            cJSON_AddStringToObject(e, "advice", txt);
        }
    }

    /* Radiotherapy timing after surgery. */
    const cJSON *rt = sps_m_obj(ctx, m, m->root, "rt_after_surgery");
    sps_input din;
    double days = 0;
    if (rt && read_spec_number(ctx, "days_surgery_to_rt", &din, &days)) {
        cJSON *r = cJSON_AddObjectToObject(g, "rt_timing");
        cJSON_AddNumberToObject(r, "days_surgery_to_rt", days);
        cJSON_AddStringToObject(r, "reference", jstr(rt, "source"));
        double early = jnum(rt, "too_early_below_days", 7), rec = jnum(rt, "recommended_min_days", 14);
        if (days < 0) {
            cJSON_AddStringToObject(r, "result", "rt_before_surgery");
            cJSON_AddStringToObject(r, "message", "radiotherapy before surgery: the seeds give no rule");
        } else if (days < early) {
            cJSON_AddStringToObject(r, "result", "too_early");
            cJSON_AddStringToObject(r, "message", jstr(rt, "too_early_text"));
            sps_ctx__alert(ctx, "rt_too_early", "alert", jstr(rt, "too_early_text"), "guidance.rt_after_surgery", jstr(rt, "source"));
        } else if (days < rec) {
            cJSON_AddStringToObject(r, "result", "minimum_met");
            cJSON_AddStringToObject(r, "message", jstr(rt, "minimum_text"));
            sps_ctx__alert(ctx, "rt_below_recommendation", "warning", jstr(rt, "minimum_text"), "guidance.rt_after_surgery", jstr(rt, "source"));
        } else {
            cJSON_AddStringToObject(r, "result", "meets_recommendation");
            cJSON_AddStringToObject(r, "message", jstr(rt, "ok_text"));
        }
        cJSON_AddStringToObject(r, "srs_note", jstr(rt, "srs_note"));
    }
    const cJSON *cav = cJSON_GetObjectItemCaseSensitive(m->root, "survival_scores_caveat");
    if (cJSON_IsObject(cav))
        cJSON_AddStringToObject(g, "survival_scores_caveat", jstr(cav, "text"));
    return g;
}

static int decision_has(const cJSON *noms, const char *word)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(noms, "decision");
    return cJSON_IsString(d) && strstr(d->valuestring, word) != NULL;
}

cJSON *sps_guidance__lesion(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const cJSON *sins,
                            const cJSON *escc, const cJSON *noms)
{
    (void)lesion;
    const sps_model *m = sps_ctx__model(ctx, "guidance");
    if (!m)
        return NULL;
    cJSON *out = cJSON_CreateArray();
    const char *level = jstr(sins, "scored_level");
    char where[200];
    snprintf(where, sizeof where, "%s%s%s", prefix, *level ? " " : "", level);

    /* SRS needs ESCC <= 1c. */
    const cJSON *srs = sps_m_obj(ctx, m, m->root, "srs_escc");
    const cJSON *grade = cJSON_GetObjectItemCaseSensitive(escc, "grade");
    if (srs && cJSON_IsString(grade)) {
        const sps_model *em = sps_ctx__model(ctx, "escc");
        const cJSON *grades = em ? cJSON_GetObjectItemCaseSensitive(em->root, "grades") : NULL;
        int rank = -1, max_rank = -1;
        const cJSON *gr;
        cJSON_ArrayForEach(gr, grades)
        {
            if (strcmp(jstr(gr, "token"), grade->valuestring) == 0)
                rank = (int)jnum(gr, "rank", -1);
            if (strcmp(jstr(gr, "token"), jstr(srs, "max_grade")) == 0)
                max_rank = (int)jnum(gr, "rank", -1);
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "code", "srs_escc");
        cJSON_AddStringToObject(e, "rule", "guidance.srs_escc");
        cJSON_AddStringToObject(e, "reference", jstr(srs, "source"));
        char msg[512];
        if (rank < 0 && strcmp(grade->valuestring, "1") == 0 && max_rank >= 3) {
            /* every sub-grade of a bare 1 (1a-1c) is within the SRS limit */
            snprintf(msg, sizeof msg, "ESCC 1 (sub-grade not given): every sub-grade 1a-1c is <= %s, so SRS is possible by ESCC (still needs a 2-3 mm tumour-cord margin).",
                     jstr(srs, "max_grade"));
            cJSON_AddStringToObject(e, "result", "srs_possible");
        } else if (rank < 0) {
            snprintf(msg, sizeof msg, "ESCC %s: sub-grade unknown, the SRS margin (ESCC <= %s) cannot be checked. %s",
                     grade->valuestring, jstr(srs, "max_grade"), jstr(srs, "text"));
            cJSON_AddStringToObject(e, "result", "unknown");
        } else if (rank <= max_rank) {
            snprintf(msg, sizeof msg, "ESCC %s <= %s: SRS is possible by ESCC (still needs a 2-3 mm tumour-cord margin).",
                     grade->valuestring, jstr(srs, "max_grade"));
            cJSON_AddStringToObject(e, "result", "srs_possible");
        } else {
            snprintf(msg, sizeof msg, "ESCC %s > %s: SRS alone is not suitable. %s", grade->valuestring,
                     jstr(srs, "max_grade"), jstr(srs, "text"));
            cJSON_AddStringToObject(e, "result", "srs_alone_unsuitable");
            if (decision_has(noms, "srs") && !decision_has(noms, "decompression")) {
                char am[600];
                snprintf(am, sizeof am, "%s: NOMS decision includes SRS without decompression but ESCC is %s.", where, grade->valuestring);
                sps_ctx__alert(ctx, "srs_high_escc", "alert", am, "guidance.srs_escc", jstr(srs, "source"));
            }
        }
        cJSON_AddStringToObject(e, "message", msg);
        cJSON_AddItemToArray(out, e);
    }

    /* Fracture after SRS when SINS is high. */
    const cJSON *fx = sps_m_obj(ctx, m, m->root, "fracture_after_srs");
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sins, "total");
    if (fx && cJSON_IsNumber(tot) && tot->valuedouble >= jnum(fx, "sins_min", 7)) {
        cJSON *e = cJSON_CreateObject();
        char msg[900];
        snprintf(msg, sizeof msg, "SINS %d >= %.0f: if SRS is considered, weigh stabilisation first. %s", tot->valueint,
                 jnum(fx, "sins_min", 7), jstr(fx, "text"));
        cJSON_AddStringToObject(e, "code", "fracture_after_srs");
        cJSON_AddStringToObject(e, "message", msg);
        cJSON_AddStringToObject(e, "rule", "guidance.fracture_after_srs");
        cJSON_AddStringToObject(e, "reference", jstr(fx, "source"));
        cJSON_AddItemToArray(out, e);
        if (decision_has(noms, "srs")) {
            char am[400];
            snprintf(am, sizeof am, "%s: vertebral compression fracture risk after SRS with SINS %d%s.", where, tot->valueint,
                     decision_has(noms, "stabilization") ? " (stabilisation before SRS is part of the NOMS decision)"
                                                         : "; consider stabilisation before SRS");
            sps_ctx__alert(ctx, "fracture_after_srs", "warning", am, "guidance.fracture_after_srs", jstr(fx, "source"));
        }
        const cJSON *sw = cJSON_GetObjectItemCaseSensitive(m->root, "sins_wording");
        if (cJSON_IsObject(sw)) {
            cJSON *w = cJSON_CreateObject();
            cJSON_AddStringToObject(w, "code", "sins_wording");
            cJSON_AddStringToObject(w, "message", jstr(sw, "text"));
            cJSON_AddStringToObject(w, "rule", "guidance.sins_wording");
            cJSON_AddStringToObject(w, "reference", jstr(sw, "source"));
            cJSON_AddItemToArray(out, w);
        }
    }

    /* Surgery in the NOMS decision but expected survival below the threshold. */
    if (decision_has(noms, "stabilization") || decision_has(noms, "decompression")) {
        const cJSON *thr = cJSON_GetObjectItemCaseSensitive(m->root, "surgery_survival_threshold");
        sps_input in = sps_in_get(ctx, ctx->patient, "expected_survival_months", "patient");
        if (in.state == SPS_IN_OK && cJSON_IsNumber(in.value) && in.value->valuedouble < jnum(thr, "min_months", 3)) {
            char am[400];
            snprintf(am, sizeof am, "%s: NOMS decision includes surgery (%s) but expected survival %.1f months is below %.1f months.",
                     where, jstr(noms, "decision"), in.value->valuedouble, jnum(thr, "min_months", 3));
            sps_ctx__alert(ctx, "surgery_survival", "alert", am, "guidance.surgery_survival_threshold", jstr(thr, "source"));
        }
    }
    return out;
}
