/* models.c — loading the decision tables: embedded at build time, overridable per file from a
 * folder. Malformed files are refused with file, line and column. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core_internal.h"

#define SPS_MODEL_MAX_BYTES (4u * 1024u * 1024u)

void sps_json__line_col(const char *text, size_t offset, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void model_clear(sps_model *m)
{
    free(m->name);
    free(m->version);
    free(m->origin);
    cJSON_Delete(m->root);
    memset(m, 0, sizeof *m);
}

sps_status sps_models__parse_one(sps_model *out, const char *text, size_t len, const char *origin,
                                 const char *expected_name, sps_error *err)
{
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        int line = 1, col = 1;
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        sps_json__line_col(text, off, &line, &col);
        char where[256];
        snprintf(where, sizeof where, "%s:%d:%d", origin, line, col);
        return sps_error_set(err, SPS_EFORMAT, where, "malformed JSON in model file");
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsObject(root) || !cJSON_IsString(name) || !cJSON_IsString(version)) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_EFORMAT, origin,
                             "model file must be a JSON object with string members \"model\" and \"version\"");
    }
    if (expected_name && strcmp(name->valuestring, expected_name) != 0) {
        sps_status st = sps_error_set(err, SPS_EFORMAT, origin,
                                      "\"model\" is \"%s\" but the file name says \"%s\"",
                                      name->valuestring, expected_name);
        cJSON_Delete(root);
        return st;
    }
    out->name = sps_strdup(name->valuestring);
    out->version = sps_strdup(version->valuestring);
    out->origin = sps_strdup(origin);
    out->root = root;
    if (!out->name || !out->version || !out->origin) {
        model_clear(out);
        return sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
    }
    return SPS_OK;
}

static void base_name(char *dst, size_t n, const char *file)
{
    sps_strlcpy(dst, file, n);
    char *dot = strrchr(dst, '.');
    if (dot && strcmp(dot, ".json") == 0)
        *dot = '\0';
}

sps_status sps_models_load_builtin(sps_models **out, sps_error *err)
{
    *out = NULL;
    sps_models *ms = calloc(1, sizeof *ms);
    if (!ms)
        return sps_error_set(err, SPS_ENOMEM, "models", "out of memory");
    ms->items = calloc(sps_embedded_model_count ? sps_embedded_model_count : 1, sizeof *ms->items);
    if (!ms->items) {
        free(ms);
        return sps_error_set(err, SPS_ENOMEM, "models", "out of memory");
    }
    for (size_t i = 0; i < sps_embedded_model_count; i++) {
        char name[128], origin[192];
        base_name(name, sizeof name, sps_embedded_models[i].file);
        snprintf(origin, sizeof origin, "builtin:models/%s", sps_embedded_models[i].file);
        sps_status st = sps_models__parse_one(&ms->items[i], (const char *)sps_embedded_models[i].data,
                                              sps_embedded_models[i].len, origin, name, err);
        if (st != SPS_OK) {
            sps_models_free(ms);
            return st;
        }
        ms->count++;
    }
    *out = ms;
    return SPS_OK;
}

sps_status sps_models_load_dir(sps_models **out, const char *dir, sps_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sps_error_set(err, SPS_ENOTFOUND, dir, "models folder not found (expected a folder of <model>.json files)");
    sps_models *ms = NULL;
    sps_status rc = sps_models_load_builtin(&ms, err);
    if (rc != SPS_OK)
        return rc;
    DIR *d = opendir(dir);
    if (!d) {
        sps_models_free(ms);
        return sps_error_set(err, SPS_EIO, dir, "cannot open models folder");
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0 || e->d_name[0] == '.')
            continue;
        char name[128];
        base_name(name, sizeof name, e->d_name);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        rc = sps_read_file(&text, &len, path, SPS_MODEL_MAX_BYTES, err);
        if (rc != SPS_OK)
            break;
        sps_model m;
        rc = sps_models__parse_one(&m, text, len, path, name, err);
        free(text);
        if (rc != SPS_OK)
            break;
        size_t i;
        for (i = 0; i < ms->count; i++)
            if (strcmp(ms->items[i].name, m.name) == 0)
                break;
        if (i == ms->count) {
            sps_model *p = realloc(ms->items, (ms->count + 1) * sizeof *p);
            if (!p) {
                model_clear(&m);
                rc = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
                break;
            }
            ms->items = p;
            ms->count++;
        } else {
            model_clear(&ms->items[i]);
        }
        ms->items[i] = m;
    }
    closedir(d);
    if (rc != SPS_OK) {
        sps_models_free(ms);
        return rc;
    }
    *out = ms;
    return SPS_OK;
}

void sps_models_free(sps_models *models)
{
    if (!models)
        return;
    for (size_t i = 0; i < models->count; i++)
        model_clear(&models->items[i]);
    free(models->items);
    free(models);
}

size_t sps_models_count(const sps_models *models)
{
    return models ? models->count : 0;
}

const char *sps_models_name(const sps_models *models, size_t i)
{
    return models && i < models->count ? models->items[i].name : NULL;
}

const char *sps_models_version(const sps_models *models, size_t i)
{
    return models && i < models->count ? models->items[i].version : NULL;
}

const char *sps_models_origin(const sps_models *models, size_t i)
{
    return models && i < models->count ? models->items[i].origin : NULL;
}

const sps_model *sps_models__find(const sps_models *models, const char *name)
{
    for (size_t i = 0; models && i < models->count; i++)
        if (strcmp(models->items[i].name, name) == 0)
            return &models->items[i];
    return NULL;
}

char *sps_models_dump(const sps_models *models, const char *name)
{
    const sps_model *m = sps_models__find(models, name);
    return m ? cJSON_Print(m->root) : NULL;
}

void sps_model__ref(const sps_model *m, char *buf, size_t n)
{
    snprintf(buf, n, "%s@%s", m->name, m->version);
}
