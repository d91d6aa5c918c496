/* report.c — the clinical file merged with the image measurements (overrides kept next to what was
 * measured), scored by the decision core, and the report.json document built from both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

/* The image-derived components: SINS members (lesion.sins.<name>) and the lesion's ESCC grade. */
const char *const sps_rep__image_components[SPS_REP_NIMAGE] = {"bone_lesion", "alignment", "collapse", "posterolateral",
                                                               "escc"};
const char *const sps_rep__sins_components[SPS_REP_NSINS] = {"location", "pain", "bone_lesion", "alignment", "collapse",
                                                             "posterolateral"};

const char *sps_rep__js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? sps_strdup(s) : NULL;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    cJSON *it = v ? cJSON_AddStringToObject(o, k, v) : NULL;
    if (it)
        sps_utf8_scrub(it->valuestring); /* a file name need not be UTF-8; report.json must be */
}

sps_status sps_report_new(sps_report **out, const sps_models *models, const sps_report_inputs *in,
                          const char *clinical_json, size_t len, const char *clinical_origin, sps_error *err)
{
    *out = NULL;
    sps_report_inputs none;
    memset(&none, 0, sizeof none);
    if (!in)
        in = &none;
    const char *origin = clinical_origin ? clinical_origin : (in->clinical_file ? in->clinical_file : "clinical file");
    cJSON *c = NULL;
    if (clinical_json) {
        const char *end = NULL;
        c = cJSON_ParseWithLengthOpts(clinical_json, len, &end, 0);
        if (!c) {
            /* line and column of the failure, as the case reader reports them */
            size_t off = end && end >= clinical_json ? (size_t)(end - clinical_json) : 0, line = 1, col = 1;
            for (size_t i = 0; i < off && i < len; i++) {
                if (clinical_json[i] == '\n') {
                    line++;
                    col = 1;
                } else
                    col++;
            }
            char where[256];
            snprintf(where, sizeof where, "%s:%zu:%zu", origin, line, col);
            return sps_error_set(err, SPS_EFORMAT, where, "malformed JSON in the clinical file");
        }
        if (!cJSON_IsObject(c)) {
            cJSON_Delete(c);
            return sps_error_set(err, SPS_EFORMAT, origin, "the clinical file must be a JSON object (a spinescore case)");
        }
        const cJSON *les = cJSON_GetObjectItemCaseSensitive(c, "lesions");
        if (les && !cJSON_IsArray(les)) {
            cJSON_Delete(c);
            return sps_error_set(err, SPS_EFORMAT, origin, "\"lesions\" must be an array");
        }
    } else {
        c = cJSON_CreateObject();
        if (c) {
            cJSON_AddStringToObject(c, "format", "spinescore-case");
            cJSON_AddNumberToObject(c, "version", 1);
        }
    }
    sps_report *r = calloc(1, sizeof *r);
    if (!r || !c) {
        free(r);
        cJSON_Delete(c);
        return sps_error_set(err, SPS_ENOMEM, "sps_report_new", "out of memory");
    }
    r->case_root = c;
    r->measured = cJSON_CreateArray();
    r->merge_notes = cJSON_CreateArray();
    r->include_identifiers = in->include_identifiers != 0;
    r->inputs = cJSON_CreateObject();
    add_str(r->inputs, "study_uid", in->study_uid);
    cJSON *series = cJSON_AddArrayToObject(r->inputs, "series");
    for (size_t i = 0; in->series && i < in->nseries; i++) {
        cJSON *s = cJSON_CreateObject();
        add_str(s, "series_uid", in->series[i].series_uid);
        add_str(s, "modality", in->series[i].modality);
        add_str(s, "description", in->series[i].description);
        add_str(s, "role", in->series[i].role);
        cJSON_AddItemToArray(series, s);
    }
    add_str(r->inputs, "annotations_file", in->annotations_file);
    add_str(r->inputs, "seeds_file", in->seeds_file);
    add_str(r->inputs, "clinical_file", in->clinical_file);
    add_str(r->inputs, "case_id", sps_rep__js(c, "case_id"));
    r->study_uid = dup_or_null(in->study_uid);
    r->created = dup_or_null(in->created);
    r->patient_name = dup_or_null(in->patient.name);
    r->patient_id = dup_or_null(in->patient.id);
    r->patient_birth_date = dup_or_null(in->patient.birth_date);
    r->sins_model_json = models ? sps_models_dump(models, "sins") : NULL;
    if (!r->measured || !r->merge_notes || !r->inputs || (in->study_uid && !r->study_uid)) {
        sps_report_free(r);
        return sps_error_set(err, SPS_ENOMEM, "sps_report_new", "out of memory");
    }
    *out = r;
    return SPS_OK;
}

void sps_report_free(sps_report *r)
{
    if (!r)
        return;
    cJSON_Delete(r->case_root);
    cJSON_Delete(r->measured);
    cJSON_Delete(r->merge_notes);
    cJSON_Delete(r->inputs);
    cJSON_Delete(r->decision);
    free(r->study_uid);
    free(r->created);
    free(r->patient_name);
    free(r->patient_id);
    free(r->patient_birth_date);
    free(r->sins_model_json);
    free(r->decision_text);
    free(r);
}

/* ---- merge ---------------------------------------------------------------------------------- */

/* The bare value of a case input (wrapper resolved); NULL when missing. */
static const cJSON *bare_value(const cJSON *v)
{
    if (cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(v, "value");
    return v && !cJSON_IsNull(v) ? v : NULL;
}

/* Points of a SINS token of component @p comp from models/sins.json; -1 if unknown. */
static int token_points(const cJSON *sins_model, const char *comp, const char *token)
{
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(sins_model, "components");
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(comps, comp), "options");
    const cJSON *o;
    cJSON_ArrayForEach(o, opts)
    {
        const char *t = sps_rep__js(o, "token");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "points");
        if (t && strcmp(t, token) == 0 && cJSON_IsNumber(p))
            return p->valueint;
    }
    return -1;
}

/* Does a clinical bare value say the same as a measured token? Tokens compare as text; a points
 * value compares with the token's points (SINS); an ESCC number with its text ("2" == 2). */
static int same_value(const cJSON *sins_model, const char *comp, const cJSON *clin, const char *token)
{
    if (cJSON_IsString(clin))
        return strcmp(clin->valuestring, token) == 0;
    if (cJSON_IsNumber(clin)) {
        if (strcmp(comp, "escc") == 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "%g", clin->valuedouble);
            return strcmp(buf, token) == 0;
        }
        int p = token_points(sins_model, comp, token);
        return p >= 0 && clin->valuedouble == (double)p;
    }
    return 0;
}

static void note(sps_report *r, const char *field, const char *kind, const cJSON *clinical, const char *measured,
                 const char *message)
{
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "field", field);
    cJSON_AddStringToObject(n, "kind", kind);
    if (clinical)
        cJSON_AddItemToObject(n, "clinical_value", cJSON_Duplicate(clinical, 1));
    if (measured)
        cJSON_AddStringToObject(n, "measured_value", measured);
    cJSON_AddStringToObject(n, "message", message);
    cJSON_AddItemToArray(r->merge_notes, n);
}

/* Merge one measured component wrapper @p meas into @p parent[comp] (clinical). */
static void merge_component(sps_report *r, const cJSON *sins_model, cJSON *parent, const char *comp,
                            const cJSON *meas, const char *field)
{
    const char *token = sps_rep__js(meas, "value");
    if (!token)
        return;
    cJSON *clin = cJSON_GetObjectItemCaseSensitive(parent, comp);
    const cJSON *cv = bare_value(clin);
    if (!clin || cJSON_IsNull(clin) || (cJSON_IsObject(clin) && !cv)) {
        /* not given (or a wrapper without a value): the measurement is the input */
        cJSON *m = cJSON_Duplicate(meas, 1);
        if (clin && cJSON_IsObject(clin)) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(clin, "note");
            if (cJSON_IsString(n))
                cJSON_AddStringToObject(m, "note", n->valuestring);
        }
        if (clin)
            cJSON_ReplaceItemInObjectCaseSensitive(parent, comp, m);
        else
            cJSON_AddItemToObject(parent, comp, m);
        return;
    }
    const char *src = cJSON_IsObject(clin) ? sps_rep__js(clin, "source") : NULL;
    if (src && strcmp(src, "overridden") == 0) {
        /* the person's value wins; keep what was measured next to it */
        if (!cJSON_GetObjectItemCaseSensitive(clin, "measured_value"))
            cJSON_AddStringToObject(clin, "measured_value", token);
        if (!cJSON_GetObjectItemCaseSensitive(clin, "evidence")) {
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(meas, "evidence");
            if (ev)
                cJSON_AddItemToObject(clin, "evidence", cJSON_Duplicate(ev, 1));
        }
        char msg[256];
        snprintf(msg, sizeof msg, "overridden by the clinical file (measured %s)", token);
        note(r, field, "override", cv, token, msg);
        return;
    }
    if (same_value(sins_model, comp, cv, token)) {
        note(r, field, "agrees", cv, token, "the clinical file gives the measured value; the measurement is used");
        cJSON_ReplaceItemInObjectCaseSensitive(parent, comp, cJSON_Duplicate(meas, 1)); /* frees clin and cv */
        return;
    }
    /* A different value without an override: pass it as an override without a reason, so the core
     * refuses it (invalid, field named) instead of one of the two values being chosen silently. */
    cJSON *w = cJSON_CreateObject();
    cJSON_AddItemToObject(w, "value", cJSON_Duplicate(cv, 1));
    cJSON_AddStringToObject(w, "source", "overridden");
    cJSON_AddStringToObject(w, "measured_value", token);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(meas, "evidence");
    if (ev)
        cJSON_AddItemToObject(w, "evidence", cJSON_Duplicate(ev, 1));
    cJSON_AddStringToObject(w, "note",
                            "conflict: the clinical file differs from the measurement without \"source\": \"overridden\" and a \"reason\"");
    char msg[400];
    snprintf(msg, sizeof msg,
             "the clinical file differs from the measured value %s but is not marked as an override: write "
             "{\"value\": ..., \"source\": \"overridden\", \"reason\": \"...\"} to override; the input is refused until then",
             token);
    note(r, field, "conflict", cv, token, msg);
    cJSON_ReplaceItemInObjectCaseSensitive(parent, comp, w); /* frees clin and cv */
}

sps_status sps_report_add_measurements(sps_report *r, const char *measure_json, size_t len, sps_error *err)
{
    if (!r || !measure_json)
        return sps_error_set(err, SPS_EINVALID, "sps_report_add_measurements", "report and JSON are required");
    cJSON *m = cJSON_ParseWithLength(measure_json, len);
    if (!cJSON_IsObject(m)) {
        cJSON_Delete(m);
        return sps_error_set(err, SPS_EFORMAT, "measurements", "not a JSON object (expected the output of spinescore measure)");
    }
    const char *lv = sps_rep__js(m, "level");
    const cJSON *mles = cJSON_GetObjectItemCaseSensitive(m, "lesion");
    if (!lv || !cJSON_IsObject(mles)) {
        cJSON_Delete(m);
        return sps_error_set(err, SPS_EFORMAT, "measurements", "\"level\" (string) and \"lesion\" (object) are required");
    }
    char level[16];
    if (!sps_level__normalise(lv, level, sizeof level)) {
        sps_error_set(err, SPS_EINVALID, "measurements.level", "\"%s\" is not a standard vertebral level", lv);
        cJSON_Delete(m);
        return SPS_EINVALID;
    }
    cJSON *sins_model = r->sins_model_json ? cJSON_Parse(r->sins_model_json) : NULL;
    if (sins_model) {
        /* the level vocabulary of models/sins.json (aliases resolved): T13, L6 are refused here too */
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(sins_model, "location");
        const char *alias = sps_rep__js(cJSON_GetObjectItemCaseSensitive(loc, "level_aliases"), level);
        if (alias)
            sps_strlcpy(level, alias, sizeof level);
        if (!cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(loc, "levels"), level)) {
            sps_error_set(err, SPS_EINVALID, "measurements.level",
                          "\"%s\" is not a standard vertebral level of models/sins.json", lv);
            cJSON_Delete(sins_model);
            cJSON_Delete(m);
            return SPS_EINVALID;
        }
    }
    const cJSON *prev;
    cJSON_ArrayForEach(prev, r->measured)
    {
        if (strcmp(sps_rep__js(prev, "level"), level) == 0) {
            cJSON_Delete(sins_model);
            cJSON_Delete(m);
            return sps_error_set(err, SPS_EINVALID, "measurements.level", "%s was already added", level);
        }
    }
    cJSON_ReplaceItemInObjectCaseSensitive(m, "level", cJSON_CreateString(level));

    /* the clinical lesion at this level, or a new one */
    cJSON *lesions = cJSON_GetObjectItemCaseSensitive(r->case_root, "lesions");
    if (!lesions)
        lesions = cJSON_AddArrayToObject(r->case_root, "lesions");
    cJSON *target = NULL, *l;
    int li = 0, idx = -1;
    cJSON_ArrayForEach(l, lesions)
    {
        const cJSON *cl = bare_value(cJSON_GetObjectItemCaseSensitive(l, "level"));
        char norm[16];
        if (cJSON_IsString(cl) && sps_level__normalise(cl->valuestring, norm, sizeof norm) && strcmp(norm, level) == 0) {
            target = l;
            idx = li;
            break;
        }
        li++;
    }
    if (!target) {
        target = cJSON_CreateObject();
        cJSON_AddStringToObject(target, "level", level);
        cJSON_AddItemToArray(lesions, target);
        idx = cJSON_GetArraySize(lesions) - 1;
    }
    if (!cJSON_IsObject(target)) {
        cJSON_Delete(sins_model);
        cJSON_Delete(m);
        return sps_error_set(err, SPS_EFORMAT, "clinical file lesions", "a lesion entry is not an object");
    }
    cJSON *sins = cJSON_GetObjectItemCaseSensitive(target, "sins");
    if (!sins)
        sins = cJSON_AddObjectToObject(target, "sins");
    if (!cJSON_IsObject(sins)) {
        cJSON_Delete(sins_model);
        cJSON_Delete(m);
        return sps_error_set(err, SPS_EFORMAT, "clinical file lesions[].sins", "not an object");
    }
    const cJSON *msins = cJSON_GetObjectItemCaseSensitive(mles, "sins");
    for (size_t i = 0; i < SPS_REP_NIMAGE; i++) {
        const char *comp = sps_rep__image_components[i];
        int is_escc = strcmp(comp, "escc") == 0;
        const cJSON *mc = cJSON_GetObjectItemCaseSensitive(is_escc ? mles : msins, comp);
        if (!cJSON_IsObject(mc))
            continue;
        char field[96];
        snprintf(field, sizeof field, is_escc ? "lesions[%d].%s" : "lesions[%d].sins.%s", idx, comp);
        merge_component(r, sins_model, is_escc ? target : sins, comp, mc, field);
    }
    cJSON_Delete(sins_model);
    cJSON_AddNumberToObject(m, "case_lesion_index", idx);
    cJSON_AddItemToArray(r->measured, m);
    return SPS_OK;
}

char *sps_report_case_json(const sps_report *r)
{
    return r ? cJSON_Print(r->case_root) : NULL;
}

sps_status sps_report_decide(sps_report *r, const sps_models *models, const sps_decide_options *opts, sps_error *err)
{
    if (!r || !models)
        return sps_error_set(err, SPS_EINVALID, "sps_report_decide", "report and models are required");
    char *text = cJSON_PrintUnformatted(r->case_root);
    if (!text)
        return sps_error_set(err, SPS_ENOMEM, "sps_report_decide", "out of memory");
    sps_case *c = NULL;
    sps_decision *d = NULL;
    sps_status st = sps_case_parse(&c, text, strlen(text), "merged case", err);
    free(text);
    if (st == SPS_OK)
        st = sps_decide(&d, models, c, opts, err);
    sps_case_free(c);
    if (st != SPS_OK)
        return st;
    char *dj = sps_decision_to_json(d);
    char *dt = sps_decision_to_text(d);
    sps_decision_status ds = sps_decision_get_status(d);
    sps_decision_free(d);
    cJSON *dec = dj ? cJSON_Parse(dj) : NULL;
    free(dj);
    if (!dec || !dt) {
        free(dt);
        cJSON_Delete(dec);
        return sps_error_set(err, SPS_ENOMEM, "sps_report_decide", "out of memory");
    }
    cJSON_Delete(r->decision);
    free(r->decision_text);
    r->decision = dec;
    r->decision_text = dt;
    r->status = ds;
    return SPS_OK;
}

sps_decision_status sps_report_decision_status(const sps_report *r)
{
    return r && r->decision ? r->status : SPS_DECISION_INVALID;
}

/* ---- report.json ------------------------------------------------------------------------------ */

/* The measurement object added for case lesion @p idx, or NULL. */
const cJSON *sps_rep__measured_for(const sps_report *r, int idx)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, r->measured)
    {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(m, "case_lesion_index");
        if (cJSON_IsNumber(i) && i->valueint == idx)
            return m;
    }
    return NULL;
}

static const char *why_not_measured(const cJSON *meas, const char *comp)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(meas, "not_measured"))
    {
        const char *c = sps_rep__js(e, "component");
        if (c && strcmp(c, comp) == 0)
            return sps_rep__js(e, "why");
    }
    return NULL;
}

/* One component row: {measured, final, status, overridden, not_measured?}. */
static cJSON *component_row(const cJSON *meas, const cJSON *dlesion, const char *comp)
{
    cJSON *row = cJSON_CreateObject();
    int is_escc = strcmp(comp, "escc") == 0;
    const cJSON *mles = cJSON_GetObjectItemCaseSensitive(meas, "lesion");
    const cJSON *mc = is_escc ? cJSON_GetObjectItemCaseSensitive(mles, "escc")
                              : cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mles, "sins"), comp);
    if (cJSON_IsObject(mc)) {
        cJSON *mo = cJSON_AddObjectToObject(row, "measured");
        add_str(mo, "value", sps_rep__js(mc, "value"));
        add_str(mo, "source", sps_rep__js(mc, "source"));
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(mc, "evidence");
        if (ev)
            cJSON_AddItemToObject(mo, "evidence", cJSON_Duplicate(ev, 1));
    } else {
        cJSON_AddNullToObject(row, "measured");
        const char *why = meas ? why_not_measured(meas, comp) : NULL;
        if (why)
            cJSON_AddStringToObject(row, "not_measured", why);
    }
    const cJSON *dc = is_escc ? cJSON_GetObjectItemCaseSensitive(dlesion, "escc")
                              : cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dlesion, "sins"), "components"),
                                    comp);
    cJSON *fo = cJSON_AddObjectToObject(row, "final");
    const char *val = is_escc ? sps_rep__js(dc, "grade") : sps_rep__js(dc, "value");
    const char *state;
    if (is_escc && !val)
        val = sps_rep__js(dc, "status");
    add_str(fo, "value", val ? val : "missing");
    if (!is_escc) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(dc, "points");
        if (cJSON_IsNumber(p))
            cJSON_AddNumberToObject(fo, "points", p->valueint);
    } else {
        add_str(fo, "class", sps_rep__js(dc, "class"));
    }
    add_str(fo, "label", sps_rep__js(dc, "label"));
    add_str(fo, "source", sps_rep__js(dc, "source"));
    add_str(fo, "reason", sps_rep__js(dc, "reason"));
    add_str(fo, "field", sps_rep__js(dc, "field"));
    if (!val || strcmp(val, "missing") == 0 || strcmp(val, "not_computable") == 0)
        state = "missing";
    else if (strcmp(val, "invalid") == 0)
        state = "invalid";
    else
        state = sps_rep__js(dc, "source") ? sps_rep__js(dc, "source") : "entered";
    cJSON_AddStringToObject(row, "status", state);
    const char *mv = cJSON_IsObject(mc) ? sps_rep__js(mc, "value") : NULL;
    cJSON_AddBoolToObject(row, "overridden", strcmp(state, "overridden") == 0);
    cJSON_AddBoolToObject(row, "changed_from_measured", mv && val && strcmp(state, "invalid") != 0 &&
                                                            strcmp(state, "missing") != 0 && strcmp(mv, val) != 0);
    return row;
}

cJSON *sps_rep__build_json(const sps_report *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "spinescore-report");
    cJSON_AddNumberToObject(root, "format_version", 1);
    char sw[64];
    snprintf(sw, sizeof sw, "spinescore %s", sps_version());
    cJSON_AddStringToObject(root, "software", sw);
    add_str(root, "created", r->created);
    cJSON_AddStringToObject(root, "status", sps_rep__js(r->decision, "status") ? sps_rep__js(r->decision, "status") : "invalid");
    cJSON_AddItemToObject(root, "inputs", cJSON_Duplicate(r->inputs, 1));
    cJSON_AddBoolToObject(root, "de_identified", !r->include_identifiers);
    if (r->include_identifiers) {
        cJSON *p = cJSON_AddObjectToObject(root, "patient");
        add_str(p, "name", r->patient_name);
        add_str(p, "id", r->patient_id);
        add_str(p, "birth_date", r->patient_birth_date);
    }
    cJSON *lesions = cJSON_AddArrayToObject(root, "lesions");
    const cJSON *dl;
    int i = 0;
    cJSON_ArrayForEach(dl, cJSON_GetObjectItemCaseSensitive(r->decision, "lesions"))
    {
        const cJSON *meas = sps_rep__measured_for(r, i);
        cJSON *lo = cJSON_CreateObject();
        cJSON_AddNumberToObject(lo, "index", i);
        add_str(lo, "level", sps_rep__js(dl, "level"));
        add_str(lo, "label", sps_rep__js(dl, "label"));
        cJSON_AddBoolToObject(lo, "measured", meas != NULL);
        if (meas) {
            cJSON_AddItemToObject(lo, "measurements",
                                  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(meas, "measurements"), 1));
            cJSON_AddItemToObject(lo, "not_measured",
                                  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(meas, "not_measured"), 1));
        }
        cJSON *comps = cJSON_AddObjectToObject(lo, "components");
        for (size_t k = 0; k < SPS_REP_NSINS; k++)
            cJSON_AddItemToObject(comps, sps_rep__sins_components[k], component_row(meas, dl, sps_rep__sins_components[k]));
        cJSON_AddItemToObject(comps, "escc", component_row(meas, dl, "escc"));
        const cJSON *sins = cJSON_GetObjectItemCaseSensitive(dl, "sins");
        cJSON *sum = cJSON_AddObjectToObject(lo, "summary");
        add_str(sum, "sins_status", sps_rep__js(sins, "status"));
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(sins, "total");
        if (cJSON_IsNumber(t))
            cJSON_AddNumberToObject(sum, "sins_total", t->valueint);
        add_str(sum, "sins_category", sps_rep__js(sins, "category"));
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(sins, "total_range");
        if (tr)
            cJSON_AddItemToObject(sum, "sins_total_range", cJSON_Duplicate(tr, 1));
        const cJSON *escc = cJSON_GetObjectItemCaseSensitive(dl, "escc");
        add_str(sum, "escc_grade", sps_rep__js(escc, "grade"));
        add_str(sum, "escc_class", sps_rep__js(escc, "class"));
        const cJSON *noms = cJSON_GetObjectItemCaseSensitive(dl, "noms");
        add_str(sum, "noms_status", sps_rep__js(noms, "status"));
        const cJSON *row = cJSON_GetObjectItemCaseSensitive(noms, "row");
        if (cJSON_IsNumber(row))
            cJSON_AddNumberToObject(sum, "noms_row", row->valueint);
        add_str(sum, "noms_decision", sps_rep__js(noms, "decision"));
        add_str(sum, "noms_label", sps_rep__js(noms, "label"));
        cJSON_AddItemToArray(lesions, lo);
        i++;
    }
    cJSON_AddItemToObject(root, "merge_notes", cJSON_Duplicate(r->merge_notes, 1));
    cJSON_AddItemToObject(root, "case", cJSON_Duplicate(r->case_root, 1));
    cJSON_AddItemToObject(root, "decision", cJSON_Duplicate(r->decision, 1));
    return root;
}

char *sps_report_to_json(const sps_report *r)
{
    if (!r || !r->decision)
        return NULL;
    cJSON *root = sps_rep__build_json(r);
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    return s;
}

static sps_status write_text(char *text, const char *path, sps_error *err)
{
    if (!text)
        return sps_error_set(err, SPS_ENOMEM, path, "no report text (out of memory, or sps_report_decide not called)");
    sps_status st = sps_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

sps_status sps_report_write_json(const sps_report *r, const char *path, sps_error *err)
{
    char *s = sps_report_to_json(r);
    if (s) {
        size_t n = strlen(s);
        char *t = realloc(s, n + 2);
        if (!t) {
            free(s);
            return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
        }
        t[n] = '\n';
        t[n + 1] = '\0';
        s = t;
    }
    return write_text(s, path, err);
}

sps_status sps_report_write_text(const sps_report *r, const char *path, sps_error *err)
{
    return write_text(sps_report_to_text(r), path, err);
}
