/* case_merge.c — merge the measured lesion of `spinescore measure` into a case holding the
 * clinical inputs (`spinescore decide --measurements M.json CASE.json`). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "case_merge.h"
#include "util_internal.h"

static sps_status parse_json(cJSON **out, const char *text, size_t len, const char *origin, sps_error *err)
{
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (*out)
        return SPS_OK;
    size_t off = end && end >= text ? (size_t)(end - text) : 0;
    int line = 1, col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n')
            line++, col = 1;
        else
            col++;
    }
    char where[256];
    snprintf(where, sizeof where, "%s:%d:%d", origin, line, col);
    return sps_error_set(err, SPS_EFORMAT, where, "malformed JSON");
}

/* Level label of a (bare or wrapped) value, upper case without spaces or hyphens; "" if none. */
static void level_key(const cJSON *v, char out[16])
{
    out[0] = '\0';
    if (cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(v, "value");
    if (!cJSON_IsString(v))
        return;
    size_t n = 0;
    for (const char *p = v->valuestring; *p && n < 15; p++)
        if (*p != ' ' && *p != '-')
            out[n++] = (char)toupper((unsigned char)*p);
    out[n] = '\0';
    if (strcmp(out, "OCCIPUT") == 0 || strcmp(out, "OCC") == 0)
        strcpy(out, "C0");
}

/* Text of a bare or wrapped value for comparison ("" if missing, "#n" for a number). */
static void value_text(const cJSON *v, char *out, size_t n)
{
    if (cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(v, "value");
    if (cJSON_IsString(v))
        snprintf(out, n, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(out, n, "%g", v->valuedouble);
    else
        out[0] = '\0';
}

static int is_overridden(const cJSON *v)
{
    const cJSON *s = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "source") : NULL;
    return cJSON_IsString(s) && strcmp(s->valuestring, "overridden") == 0;
}

/* Put measured value m under key in dst (object); conflicts with what the case gives are refused. */
static sps_status merge_value(cJSON *dst, const char *key, const cJSON *m, const char *path, const char *meas_origin,
                              sps_error *err)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(dst, key);
    char ct[64], mt[64];
    value_text(c, ct, sizeof ct);
    value_text(m, mt, sizeof mt);
    if (c && is_overridden(c)) {
        if (!cJSON_GetObjectItemCaseSensitive(c, "measured_value"))
            cJSON_AddStringToObject(c, "measured_value", mt);
        return SPS_OK;
    }
    if (ct[0] && strcmp(ct, mt) != 0)
        return sps_error_set(err, SPS_EINVALID, path,
                             "the case gives \"%s\" but the measurement (%s) gives \"%s\": remove it from the case, "
                             "or keep it as {\"value\": \"%s\", \"source\": \"overridden\", \"reason\": \"...\"} "
                             "(merging compares tokens, not points)",
                             ct, meas_origin, mt, ct);
    cJSON *dup = cJSON_Duplicate(m, 1);
    if (!dup)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    if (c)
        cJSON_ReplaceItemInObjectCaseSensitive(dst, key, dup);
    else
        cJSON_AddItemToObject(dst, key, dup);
    return SPS_OK;
}

sps_status sps_cli_merge_case(char **merged, const char *case_json, size_t case_len, const char *case_origin,
                              const char *meas_json, size_t meas_len, const char *meas_origin, sps_error *err)
{
    *merged = NULL;
    cJSON *cs = NULL, *ms = NULL;
    sps_status st = parse_json(&ms, meas_json, meas_len, meas_origin, err);
    if (st == SPS_OK)
        st = parse_json(&cs, case_json, case_len, case_origin, err);
    if (st != SPS_OK)
        goto done;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(ms, "format");
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(ms, "lesion");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "spinescore-measurements") != 0 || !cJSON_IsObject(ml)) {
        st = sps_error_set(err, SPS_EFORMAT, meas_origin,
                           "not a measurements file: expected \"format\": \"spinescore-measurements\" with a \"lesion\" (the output of spinescore measure)");
        goto done;
    }
    if (!cJSON_IsObject(cs)) {
        st = sps_error_set(err, SPS_EFORMAT, case_origin, "a case file is a JSON object (docs/formats.md section 1)");
        goto done;
    }
    char want[16];
    level_key(cJSON_GetObjectItemCaseSensitive(ml, "level"), want);
    cJSON *lesions = cJSON_GetObjectItemCaseSensitive(cs, "lesions");
    if (!lesions)
        lesions = cJSON_AddArrayToObject(cs, "lesions");
    if (!cJSON_IsArray(lesions)) {
        st = sps_error_set(err, SPS_EFORMAT, case_origin, "\"lesions\" must be an array");
        goto done;
    }
    cJSON *target = NULL;
    int ti = 0, i = 0;
    cJSON *l;
    cJSON_ArrayForEach(l, lesions)
    {
        char k[16];
        level_key(cJSON_IsObject(l) ? cJSON_GetObjectItemCaseSensitive(l, "level") : NULL, k);
        if (want[0] && strcmp(k, want) == 0) {
            target = l;
            ti = i;
            break;
        }
        i++;
    }
    if (!target) {
        target = cJSON_Duplicate(ml, 1);
        if (!target) {
            st = sps_error_set(err, SPS_ENOMEM, case_origin, "out of memory");
            goto done;
        }
        cJSON_AddItemToArray(lesions, target);
    } else {
        char path[128];
        const cJSON *msins = cJSON_GetObjectItemCaseSensitive(ml, "sins");
        cJSON *csins = cJSON_GetObjectItemCaseSensitive(target, "sins");
        if (!csins)
            csins = cJSON_AddObjectToObject(target, "sins");
        if (!cJSON_IsObject(csins)) {
            snprintf(path, sizeof path, "%s: lesions[%d].sins", case_origin, ti);
            st = sps_error_set(err, SPS_EFORMAT, path, "must be an object");
            goto done;
        }
        const cJSON *comp;
        cJSON_ArrayForEach(comp, msins)
        {
            snprintf(path, sizeof path, "%s: lesions[%d].sins.%s", case_origin, ti, comp->string);
            if ((st = merge_value(csins, comp->string, comp, path, meas_origin, err)) != SPS_OK)
                goto done;
        }
        const cJSON *escc = cJSON_GetObjectItemCaseSensitive(ml, "escc");
        if (escc) {
            snprintf(path, sizeof path, "%s: lesions[%d].escc", case_origin, ti);
            if ((st = merge_value(target, "escc", escc, path, meas_origin, err)) != SPS_OK)
                goto done;
        }
    }
    /* where the measured values came from (lesion evidence is copied, not scored) */
    cJSON *ev = cJSON_GetObjectItemCaseSensitive(target, "evidence");
    if (!ev)
        ev = cJSON_AddObjectToObject(target, "evidence");
    if (cJSON_IsObject(ev)) {
        const cJSON *ser = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ms, "series"), "series_uid");
        cJSON_DeleteItemFromObjectCaseSensitive(ev, "measurements_file");
        cJSON_AddStringToObject(ev, "measurements_file", meas_origin);
        if (cJSON_IsString(ser)) {
            cJSON_DeleteItemFromObjectCaseSensitive(ev, "measured_series_uid");
            cJSON_AddStringToObject(ev, "measured_series_uid", ser->valuestring);
        }
    }
    *merged = cJSON_Print(cs);
    if (!*merged)
        st = sps_error_set(err, SPS_ENOMEM, case_origin, "out of memory");
done:
    cJSON_Delete(cs);
    cJSON_Delete(ms);
    return st;
}
