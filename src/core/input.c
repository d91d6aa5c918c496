/* input.c — the scoring context: typed, validating readers for case inputs, model member
 * lookups that report a malformed model instead of crashing, and result objects. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

static const char *const sources[] = {"measured", "semi_automatic", "entered", "overridden"};

/* ---- model lookups ---------------------------------------------------------------------- */

void *sps_ctx__model_error(sps_ctx *ctx, const char *model, const char *path, const char *what)
{
    if (ctx->model_status == SPS_OK) {
        char where[256];
        snprintf(where, sizeof where, "model %s: %s", model, path);
        ctx->model_status = sps_error_set(ctx->err, SPS_EFORMAT, where, "%s", what);
    }
    return NULL;
}

const sps_model *sps_ctx__model(sps_ctx *ctx, const char *name)
{
    const sps_model *m = sps_models__find(ctx->models, name);
    if (!m)
        sps_ctx__model_error(ctx, name, "(file)", "required model is missing");
    return m;
}

const cJSON *sps_m_obj(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    const cJSON *v = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
    if (!cJSON_IsObject(v))
        return sps_ctx__model_error(ctx, m ? m->name : "?", key, "expected an object member");
    return v;
}

const cJSON *sps_m_arr(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    const cJSON *v = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
    if (!cJSON_IsArray(v))
        return sps_ctx__model_error(ctx, m ? m->name : "?", key, "expected an array member");
    return v;
}

const char *sps_m_str(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    const cJSON *v = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
    if (!cJSON_IsString(v))
        return sps_ctx__model_error(ctx, m ? m->name : "?", key, "expected a string member");
    return v->valuestring;
}

int sps_m_num(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key, double *out)
{
    const cJSON *v = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
    if (!cJSON_IsNumber(v)) {
        sps_ctx__model_error(ctx, m ? m->name : "?", key, "expected a number member");
        return 0;
    }
    *out = v->valuedouble;
    return 1;
}

int sps_m_int(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    double v = 0.0;
    return sps_m_num(ctx, m, parent, key, &v) ? (int)cJSON_GetObjectItemCaseSensitive(parent, key)->valueint : 0;
}

double sps_m_dbl(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    double v = 0.0;
    return sps_m_num(ctx, m, parent, key, &v) ? v : 0.0;
}

const char *sps_m_tok(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key)
{
    const char *s = sps_m_str(ctx, m, parent, key);
    return s ? s : "";
}

/* ---- issues ----------------------------------------------------------------------------- */

void sps_ctx__invalid(sps_ctx *ctx, sps_input *in, const char *problem, const cJSON *allowed)
{
    in->state = SPS_IN_INVALID;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "field", in->path);
    if (in->value)
        cJSON_AddItemToObject(e, "value", cJSON_Duplicate(in->value, 1));
    cJSON_AddStringToObject(e, "problem", problem);
    if (allowed)
        cJSON_AddItemToObject(e, "allowed", cJSON_Duplicate(allowed, 1));
    /* one entry per field: a field read by several scores is reported once */
    const cJSON *it;
    cJSON_ArrayForEach(it, ctx->input_errors)
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "field");
        if (cJSON_IsString(f) && strcmp(f->valuestring, in->path) == 0) {
            cJSON_Delete(e);
            return;
        }
    }
    cJSON_AddItemToArray(ctx->input_errors, e);
}

void sps_ctx__warn(sps_ctx *ctx, const char *field, const char *message)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, ctx->warnings)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "message");
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "field");
        if (cJSON_IsString(m) && strcmp(m->valuestring, message) == 0 &&
            ((!field && !f) || (field && cJSON_IsString(f) && strcmp(f->valuestring, field) == 0)))
            return;
    }
    cJSON *w = cJSON_CreateObject();
    if (field)
        cJSON_AddStringToObject(w, "field", field);
    cJSON_AddStringToObject(w, "message", message);
    cJSON_AddItemToArray(ctx->warnings, w);
}

cJSON *sps_ctx__alert(sps_ctx *ctx, const char *code, const char *level, const char *message,
                      const char *rule, const char *source)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "code", code);
    cJSON_AddStringToObject(a, "level", level);
    cJSON_AddStringToObject(a, "message", message);
    if (rule)
        cJSON_AddStringToObject(a, "rule", rule);
    if (source)
        cJSON_AddStringToObject(a, "reference", source);
    cJSON_AddItemToArray(ctx->alerts, a);
    return a;
}

/* ---- inputs ----------------------------------------------------------------------------- */

static void set_path_suffix(sps_input *in, const char *suffix)
{
    size_t n = strlen(in->path), k = strlen(suffix);
    if (n + k < sizeof in->path)
        memcpy(in->path + n, suffix, k + 1);
}

sps_input sps_in_get(sps_ctx *ctx, const cJSON *parent, const char *key, const char *path_prefix)
{
    sps_input in;
    memset(&in, 0, sizeof in);
    in.source = "entered";
    if (path_prefix && *path_prefix)
        snprintf(in.path, sizeof in.path, "%s.%s", path_prefix, key);
    else
        snprintf(in.path, sizeof in.path, "%s", key);
    const cJSON *v = parent && cJSON_IsObject(parent) ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
    if (!v || cJSON_IsNull(v))
        return in; /* missing */
    if (cJSON_IsObject(v)) {
        in.wrapper = v;
        static const char *const wkeys[] = {"value", "source", "evidence", "reason", "measured_value", "original_value", "note"};
        const cJSON *k;
        cJSON_ArrayForEach(k, v)
        {
            int known = 0;
            for (size_t i = 0; i < sizeof wkeys / sizeof wkeys[0]; i++)
                known |= strcmp(k->string, wkeys[i]) == 0;
            if (!known) {
                char f[240], msg[300];
                snprintf(f, sizeof f, "%s.%s", in.path, k->string);
                snprintf(msg, sizeof msg, "unknown member \"%s\" ignored (value, source, evidence, reason, measured_value, original_value, note)", k->string);
                sps_ctx__warn(ctx, f, msg);
            }
        }
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(v, "value");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(v, "source");
        if (src) {
            in.value = src;
            if (!cJSON_IsString(src)) {
                cJSON *allowed = cJSON_CreateStringArray(sources, 4);
                sps_input tmp = in;
                set_path_suffix(&tmp, ".source");
                sps_ctx__invalid(ctx, &tmp, "source must be a string", allowed);
                cJSON_Delete(allowed);
                in.state = SPS_IN_INVALID;
                return in;
            }
            int ok = 0;
            for (size_t i = 0; i < 4; i++)
                if (strcmp(src->valuestring, sources[i]) == 0) {
                    ok = 1;
                    in.source = sources[i];
                }
            if (!ok) {
                cJSON *allowed = cJSON_CreateStringArray(sources, 4);
                sps_input tmp = in;
                set_path_suffix(&tmp, ".source");
                sps_ctx__invalid(ctx, &tmp, "unknown source", allowed);
                cJSON_Delete(allowed);
                in.state = SPS_IN_INVALID;
                return in;
            }
        }
        if (strcmp(in.source, "overridden") == 0) {
            const cJSON *reason = cJSON_GetObjectItemCaseSensitive(v, "reason");
            if (!cJSON_IsString(reason) || !reason->valuestring[0]) {
                in.value = v;
                sps_ctx__invalid(ctx, &in, "an overridden value needs a non-empty \"reason\"", NULL);
                return in;
            }
        }
        in.value = NULL;
        if (!val || cJSON_IsNull(val))
            return in; /* a wrapper without a value is still missing (e.g. evidence only) */
        v = val;
    }
    in.value = v;
    in.state = SPS_IN_OK;
    return in;
}

void sps_in_provenance(const sps_input *in, cJSON *dst)
{
    cJSON_AddStringToObject(dst, "field", in->path);
    if (in->state == SPS_IN_MISSING && !in->wrapper)
        return; /* nothing was given: no source to claim */
    cJSON_AddStringToObject(dst, "source", in->source);
    if (!in->wrapper)
        return;
    static const char *const keep[] = {"evidence", "reason", "measured_value", "original_value", "note"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(in->wrapper, keep[i]);
        if (e)
            cJSON_AddItemToObject(dst, keep[i], cJSON_Duplicate(e, 1));
    }
}

static cJSON *allowed_tokens(const cJSON *options, int with_points)
{
    cJSON *a = cJSON_CreateArray();
    const cJSON *o;
    cJSON_ArrayForEach(o, options)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "token");
        if (cJSON_IsString(t))
            cJSON_AddItemToArray(a, cJSON_CreateString(t->valuestring));
    }
    if (with_points) {
        cJSON_ArrayForEach(o, options)
        {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "points");
            if (cJSON_IsNumber(p))
                cJSON_AddItemToArray(a, cJSON_CreateNumber(p->valuedouble));
        }
    }
    return a;
}

const cJSON *sps_in_choice(sps_ctx *ctx, sps_input *in, const cJSON *options, int allow_points,
                           int *points)
{
    if (in->state != SPS_IN_OK)
        return NULL;
    const cJSON *o, *match = NULL;
    if (cJSON_IsString(in->value)) {
        cJSON_ArrayForEach(o, options)
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "token");
            if (cJSON_IsString(t) && strcmp(t->valuestring, in->value->valuestring) == 0)
                match = o;
        }
    } else if (allow_points && cJSON_IsNumber(in->value)) {
        double v = in->value->valuedouble;
        int n = 0;
        cJSON_ArrayForEach(o, options)
        {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "points");
            if (cJSON_IsNumber(p) && p->valuedouble == v) {
                match = o;
                n++;
            }
        }
        if (n > 1)
            match = NULL;
    }
    if (!match) {
        cJSON *allowed = allowed_tokens(options, allow_points);
        sps_ctx__invalid(ctx, in,
                         allow_points ? "not an allowed category or point value"
                                      : "not an allowed category",
                         allowed);
        cJSON_Delete(allowed);
        return NULL;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(match, "points");
    *points = cJSON_IsNumber(p) ? p->valueint : 0;
    return match;
}

int sps_in_int(sps_ctx *ctx, sps_input *in, long min, long max, long step, long *out)
{
    if (in->state != SPS_IN_OK)
        return 0;
    char problem[160];
    if (!cJSON_IsNumber(in->value) || in->value->valuedouble != floor(in->value->valuedouble)) {
        snprintf(problem, sizeof problem, "expected a whole number from %ld to %ld", min, max);
        sps_ctx__invalid(ctx, in, problem, NULL);
        return 0;
    }
    double v = in->value->valuedouble;
    if (v < (double)min || v > (double)max || (step > 1 && fmod(v - (double)min, (double)step) != 0.0)) {
        if (step > 1)
            snprintf(problem, sizeof problem, "expected a multiple of %ld from %ld to %ld", step, min, max);
        else
            snprintf(problem, sizeof problem, "expected a whole number from %ld to %ld", min, max);
        sps_ctx__invalid(ctx, in, problem, NULL);
        return 0;
    }
    *out = (long)v;
    return 1;
}

int sps_in_number(sps_ctx *ctx, sps_input *in, double min, double max, double *out)
{
    if (in->state != SPS_IN_OK)
        return 0;
    char problem[160];
    if (!cJSON_IsNumber(in->value) || !isfinite(in->value->valuedouble) ||
        in->value->valuedouble < min || in->value->valuedouble > max) {
        snprintf(problem, sizeof problem, "expected a number from %g to %g", min, max);
        sps_ctx__invalid(ctx, in, problem, NULL);
        return 0;
    }
    *out = in->value->valuedouble;
    return 1;
}

int sps_in_bool(sps_ctx *ctx, sps_input *in, int *out)
{
    if (in->state != SPS_IN_OK)
        return 0;
    if (!cJSON_IsBool(in->value)) {
        sps_ctx__invalid(ctx, in, "expected true or false", NULL);
        return 0;
    }
    *out = cJSON_IsTrue(in->value) ? 1 : 0;
    return 1;
}

/* ---- results ---------------------------------------------------------------------------- */

cJSON *sps_result_new(const sps_model *m)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "status", "ok");
    if (m) {
        char ref[160];
        sps_model__ref(m, ref, sizeof ref);
        cJSON_AddStringToObject(r, "model", ref);
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(m->root, "source");
        if (cJSON_IsString(src))
            cJSON_AddStringToObject(r, "reference", src->valuestring);
    }
    return r;
}

static void add_unique(cJSON *res, const char *list, const char *field)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(res, list);
    if (!a)
        a = cJSON_AddArrayToObject(res, list);
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, field) == 0)
            return;
    }
    cJSON_AddItemToArray(a, cJSON_CreateString(field));
}

void sps_result_missing(cJSON *res, const char *field)
{
    add_unique(res, "missing", field);
}

void sps_result_invalid(cJSON *res, const char *field)
{
    add_unique(res, "invalid", field);
}

void sps_result_set_status(cJSON *res, const char *status)
{
    cJSON_ReplaceItemInObjectCaseSensitive(res, "status", cJSON_CreateString(status));
}

const char *sps_result_status(const cJSON *res)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(res, "status");
    return cJSON_IsString(s) ? s->valuestring : "not_computable";
}

const char *sps_result_finish(cJSON *res)
{
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "invalid")) > 0)
        sps_result_set_status(res, "invalid");
    else if (strcmp(sps_result_status(res), "no_matching_row") == 0)
        ;
    else if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "missing")) > 0)
        sps_result_set_status(res, "not_computable");
    return sps_result_status(res);
}

void sps_result_explain(cJSON *res, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cJSON *a = cJSON_GetObjectItemCaseSensitive(res, "explanation");
    if (!a)
        a = cJSON_AddArrayToObject(res, "explanation");
    cJSON_AddItemToArray(a, cJSON_CreateString(line));
}
