/* canal_annotations.c — the canal path's result (sps_canal_result) as annotation JSON (docs/formats.md
 * section 4.1): sac, cord and tumour outlines at the worst and reference slices, and the level's
 * vertebra note, so a reader can load, correct and re-measure them. No image work here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/seg.h"
#include "util_internal.h"

/* ---- annotations (docs/formats.md section 4.1) --------------------------------------------- */

/* Level next to @p level: cranial (dir = +1) or caudal (-1), in C1-C7, T1-T12, L1-L5, S1-S5. */
static int neighbour_level(const char *level, int dir, char out[8])
{
    static const char regions[4] = {'C', 'T', 'L', 'S'};
    static const int counts[4] = {7, 12, 5, 5};
    int r = -1, num = 0;
    for (int i = 0; i < 4; i++)
        if (level[0] == regions[i])
            r = i;
    if (r < 0 || sscanf(level + 1, "%d", &num) != 1 || num < 1 || num > counts[r])
        return 0;
    int g = num - 1;
    for (int i = 0; i < r; i++)
        g += counts[i];
    g -= dir; /* cranial = smaller index */
    if (g < 0 || g >= 29)
        return 0;
    for (int i = 0; i < 4; i++) {
        if (g < counts[i]) {
            /* g < counts[i] <= 12: at most two digits (the cast tells the compiler so). */
            snprintf(out, 8, "%c%u", regions[i], (unsigned)(unsigned char)(g + 1));
            return 1;
        }
        g -= counts[i];
    }
    return 0;
}

static cJSON *outline_json(const char *level, const char *role, const char *slice, const sps_outline *o)
{
    cJSON *it = cJSON_CreateObject(), *pts = cJSON_CreateArray();
    cJSON_AddStringToObject(it, "level", level);
    cJSON_AddStringToObject(it, "role", role);
    cJSON_AddStringToObject(it, "slice", slice);
    for (size_t i = 0; i < o->n; i++) {
        double v[3];
        for (int a = 0; a < 3; a++)
            v[a] = floor(o->lps[3 * i + a] * 1000.0 + 0.5) / 1000.0; /* um: enough, and short */
        cJSON_AddItemToArray(pts, cJSON_CreateDoubleArray(v, 3));
    }
    cJSON_AddItemToObject(it, "lps", pts);
    return it;
}

sps_status sps_canal_annotations_json(char **json_out, const sps_canal_result *r, const char *level,
                                      const char *reference_level, const char *series_uid, sps_error *err)
{
    if (!json_out || !r || !level)
        return sps_error_set(err, SPS_EINVALID, "sps_canal_annotations_json", "result and level are required");
    *json_out = NULL;
    char tmp[8];
    if (!neighbour_level(level, 1, tmp) && !neighbour_level(level, -1, tmp))
        return sps_error_set(err, SPS_EINVALID, "level", "\"%s\" is not a level (C1-C7, T1-T12, L1-L5, S1-S5)", level);
    if (r->worst.sac.n < 3)
        return sps_error_set(err, SPS_EINVALID, "canal result", "no sac outline at the seed's slice");
    char ref[8] = "";
    if (r->has_reference && r->reference.sac.n >= 3) {
        if (reference_level)
            sps_strlcpy(ref, reference_level, sizeof ref);
        else if (!neighbour_level(level, r->reference_cranial ? 1 : -1, ref))
            return sps_error_set(err, SPS_EINVALID, "reference level", "no level next to %s on the %s side", level,
                                 r->reference_cranial ? "cranial" : "caudal");
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "spinescore-annotations");
    cJSON_AddNumberToObject(root, "version", 1);
    if (series_uid && *series_uid)
        cJSON_AddStringToObject(root, "series_uid", series_uid);
    cJSON *points = cJSON_AddArrayToObject(root, "points");
    cJSON *seed = cJSON_CreateObject();
    cJSON_AddStringToObject(seed, "level", level);
    cJSON_AddStringToObject(seed, "role", "sac_seed");
    cJSON_AddItemToObject(seed, "lps", cJSON_CreateDoubleArray(r->worst.seed_lps, 3));
    cJSON_AddItemToArray(points, seed);
    cJSON *outl = cJSON_AddArrayToObject(root, "outlines");
    cJSON_AddItemToArray(outl, outline_json(level, "sac_outline", "worst", &r->worst.sac));
    if (r->worst.cord.n >= 3)
        cJSON_AddItemToArray(outl, outline_json(level, "cord_outline", "worst", &r->worst.cord));
    if (r->worst.tumor.n >= 3)
        cJSON_AddItemToArray(outl, outline_json(level, "tumor_outline", "worst", &r->worst.tumor));
    if (ref[0]) {
        cJSON_AddItemToArray(outl, outline_json(ref, "sac_outline", "reference", &r->reference.sac));
        if (r->reference.cord.n >= 3)
            cJSON_AddItemToArray(outl, outline_json(ref, "cord_outline", "reference", &r->reference.cord));
    }
    cJSON *verts = cJSON_AddArrayToObject(root, "vertebrae");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "level", level);
    cJSON_AddBoolToObject(v, "epidural_tumor", r->worst.tumor_found && r->worst.tumor.n >= 3);
    if (r->notes[0]) /* what the path did not find or set aside, for the reader who corrects it */
        cJSON_AddStringToObject(v, "note", r->notes);
    cJSON_AddItemToArray(verts, v);
    *json_out = cJSON_Print(root);
    cJSON_Delete(root);
    return *json_out ? SPS_OK : sps_error_set(err, SPS_ENOMEM, "canal annotations", "out of memory");
}
