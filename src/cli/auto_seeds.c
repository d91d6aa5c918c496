/* auto_seeds.c — the seeds file of `--auto` (docs/formats.md section 4.5,
 * docs/schemas/seeds.schema.json): JSON read, levels checked and ranked, each seed's LPS position
 * (given, or from a pixel of the loaded series) checked against the volume. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto_internal.h"

const char *const sps_auto_kind_names[4] = {"body", "lesion", "sac", "reference_bone"};

sps_status sps_auto_read_json(cJSON **out, const char *path, sps_error *err)
{
    char *text = NULL;
    size_t len = 0;
    sps_status st = sps_read_file(&text, &len, path, SPS_SEEDS_MAX_BYTES, err);
    if (st != SPS_OK)
        return st;
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*out) {
        size_t off = end ? (size_t)(end - text) : 0, line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        sps_free(text);
        return sps_error_set(err, SPS_EFORMAT, path, "malformed JSON at line %zu, column %zu", line, col);
    }
    sps_free(text);
    return SPS_OK;
}

sps_status sps_auto_peek_series(char uid[128], const char *seeds_path, sps_error *err)
{
    uid[0] = '\0';
    cJSON *root = NULL;
    sps_status st = sps_auto_read_json(&root, seeds_path, err);
    if (st != SPS_OK)
        return st;
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(root, "series_uid");
    if (cJSON_IsString(su))
        sps_strlcpy(uid, su->valuestring, 128);
    cJSON_Delete(root);
    return SPS_OK;
}

int sps_auto_valid_level(const char *s)
{
    if (!s || !s[0] || !s[1] || strlen(s) > 3)
        return 0;
    char *end = NULL;
    long n = strtol(s + 1, &end, 10);
    if (*end || (s[1] == '0' && (s[0] != 'C' || s[2]))) /* no leading zeros; C0 is the occiput */
        return 0;
    switch (s[0]) {
    case 'C': return n >= 0 && n <= 7;
    case 'T': return n >= 1 && n <= 12;
    case 'L': return n >= 1 && n <= 5;
    case 'S': return n >= 1 && n <= 5;
    default: return 0;
    }
}

int sps_auto_level_rank(const char *s)
{
    int n = atoi(s + 1);
    switch (s[0]) {
    case 'C': return n;
    case 'T': return 7 + n;
    case 'L': return 19 + n;
    default: return 24 + n;
    }
}

sps_status sps_auto_parse_seeds(seed **out, size_t *nout, const cJSON *root, const sps_pipeline *p, const char *path,
                                sps_error *err)
{
    *out = NULL;
    *nout = 0;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "spinescore-seeds") != 0)
        return sps_error_set(err, SPS_EINVALID, path, "format: expected \"spinescore-seeds\" (docs/formats.md section 4.5)");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (ver && !(cJSON_IsNumber(ver) && ver->valuedouble == 1))
        return sps_error_set(err, SPS_EINVALID, path, "version: only version 1 is read");
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(root, "series_uid");
    if (cJSON_IsString(su) && su->valuestring[0] && strcmp(su->valuestring, p->series.series_uid) != 0)
        return sps_error_set(err, SPS_EINVALID, path, "the seeds were placed on series %s, but the loaded series is %s",
                             su->valuestring, p->series.series_uid);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "seeds");
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1)
        return sps_error_set(err, SPS_EINVALID, path, "seeds: expected a non-empty array");
    seed *s = calloc((size_t)n, sizeof *s);
    if (!s)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    const sps_geometry *g = sps_volume_geometry(p->volume);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        seed *d = &s[i];
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "level");
        const cJSON *kd = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "slice");
        const cJSON *lps = cJSON_GetObjectItemCaseSensitive(it, "lps");
        const cJSON *px = cJSON_GetObjectItemCaseSensitive(it, "pixel");
        char where[64];
        snprintf(where, sizeof where, "seeds[%d]", i);
        sps_status st = SPS_EINVALID;
        if (!cJSON_IsString(lv) || !sps_auto_valid_level(lv->valuestring)) {
            sps_error_set(err, st, path, "%s: level: expected a standard level (C0-C7, T1-T12, L1-L5, S1-S5)", where);
            goto bad;
        }
        sps_strlcpy(d->level, lv->valuestring, sizeof d->level);
        d->kind = -1;
        for (int k = 0; k < 4 && cJSON_IsString(kd); k++)
            if (strcmp(kd->valuestring, sps_auto_kind_names[k]) == 0)
                d->kind = k;
        if (d->kind < 0) {
            sps_error_set(err, st, path, "%s: kind: expected body, lesion, sac or reference_bone", where);
            goto bad;
        }
        if (sl && !(cJSON_IsString(sl) && (strcmp(sl->valuestring, "worst") == 0 || strcmp(sl->valuestring, "reference") == 0))) {
            sps_error_set(err, st, path, "%s: slice: expected \"worst\" or \"reference\"", where);
            goto bad;
        }
        d->reference = sl && strcmp(sl->valuestring, "reference") == 0;
        snprintf(d->name, sizeof d->name, "%s (%s %s%s)", where, d->level, sps_auto_kind_names[d->kind],
                 d->kind == K_SAC ? (d->reference ? " reference" : " worst") : "");
        if (cJSON_IsArray(lps) && cJSON_GetArraySize(lps) == 3 && !px) {
            for (int k = 0; k < 3; k++) {
                const cJSON *c = cJSON_GetArrayItem(lps, k);
                if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble)) {
                    sps_error_set(err, st, path, "%s: lps: expected three finite numbers (mm)", d->name);
                    goto bad;
                }
                d->lps[k] = c->valuedouble;
            }
        } else if (cJSON_IsObject(px) && !lps) {
            const cJSON *inst = cJSON_GetObjectItemCaseSensitive(px, "instance");
            const cJSON *sop = cJSON_GetObjectItemCaseSensitive(px, "sop_instance_uid");
            const cJSON *fr = cJSON_GetObjectItemCaseSensitive(px, "frame");
            const cJSON *col = cJSON_GetObjectItemCaseSensitive(px, "column");
            const cJSON *row = cJSON_GetObjectItemCaseSensitive(px, "row");
            const cJSON *psu = cJSON_GetObjectItemCaseSensitive(px, "series_uid");
            if (!cJSON_IsNumber(col) || !cJSON_IsNumber(row) || (!cJSON_IsNumber(inst) && !cJSON_IsString(sop))) {
                sps_error_set(err, st, path, "%s: pixel: needs column, row and instance or sop_instance_uid", d->name);
                goto bad;
            }
            char detail[600] = "";
            if (sps_pipeline_pixel_to_lps(p, cJSON_IsString(psu) ? psu->valuestring : NULL,
                                          cJSON_IsString(sop) ? sop->valuestring : NULL,
                                          cJSON_IsNumber(inst) ? inst->valueint : -1, cJSON_IsNumber(fr) ? fr->valueint : 1,
                                          col->valuedouble, row->valuedouble, d->lps, detail, sizeof detail)) {
                sps_error_set(err, st, path, "%s: pixel reference not in the loaded series: %s", d->name, detail);
                goto bad;
            }
        } else {
            sps_error_set(err, st, path, "%s: give either \"lps\" (three numbers, mm) or \"pixel\"", d->name);
            goto bad;
        }
        double ijk[3];
        sps_geometry_lps_to_index(ijk, g, d->lps);
        for (int k = 0; k < 3; k++)
            if (!(ijk[k] >= -0.5 && ijk[k] <= (double)g->dims[k] - 0.5)) {
                sps_error_set(err, st, path,
                              "%s: LPS (%.1f, %.1f, %.1f) is outside the volume (voxel %.1f, %.1f, %.1f of %zu x %zu x %zu)",
                              d->name, d->lps[0], d->lps[1], d->lps[2], ijk[0], ijk[1], ijk[2], g->dims[0], g->dims[1],
                              g->dims[2]);
                goto bad;
            }
        i++;
        continue;
    bad:
        free(s);
        return st;
    }
    *out = s;
    *nout = (size_t)n;
    return SPS_OK;
}
