/* body_json.c — semi-automatic CT results written back in the spinescore annotation format
 * (docs/formats.md section 4.1) so a reader can correct them and load them with
 * sps_annotations_parse. Plain C; no ITK. */
#include <math.h>
#include <string.h>

#include "spinescore/seg_ct.h"
#include "util_internal.h"

static void put_point(sps_str *s, int *first, const char *level, const char *role, const double p[3])
{
    sps_str_printf(s, "%s\n    {\"level\": \"%s\", \"role\": \"%s\", \"lps\": [%.3f, %.3f, %.3f]}",
                   *first ? "" : ",", level, role, p[0], p[1], p[2]);
    *first = 0;
}

static int finite3(const double p[3])
{
    return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]);
}

static int plain_label(const char *s)
{
    if (!s || !*s || strlen(s) > 16)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

sps_status sps_seg_ct_annotations_json(char **json_out, const char *series_uid,
                                       const char *const *levels,
                                       const sps_seg_ct_body *const *bodies, size_t n,
                                       const char *lesion_level, const sps_seg_ct_lesion *lesion,
                                       const double lesion_seed_lps[3], sps_error *err)
{
    if (!json_out)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_annotations_json", "json_out is required");
    *json_out = NULL;
    if (n && (!levels || !bodies))
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_annotations_json", "levels and bodies are required");
    for (size_t i = 0; i < n; i++)
        if (!plain_label(levels[i]) || !bodies[i])
            return sps_error_set(err, SPS_EINVALID, "levels", "item %zu: a level label such as \"T12\" and a body are required", i);
    if (lesion && !plain_label(lesion_level))
        return sps_error_set(err, SPS_EINVALID, "lesion_level", "a level label such as \"T12\" is required with a lesion");
    if (series_uid)
        for (const char *c = series_uid; *c; c++)
            if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == '#'))
                return sps_error_set(err, SPS_EINVALID, "series_uid", "not a DICOM UID: \"%s\"", series_uid);
    sps_str s = {0};
    sps_str_append(&s, "{\n  \"format\": \"spinescore-annotations\", \"version\": 1,\n");
    if (series_uid && *series_uid)
        sps_str_printf(&s, "  \"series_uid\": \"%s\",\n", series_uid);
    sps_str_append(&s, "  \"points\": [");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const sps_morpho6 *m = &bodies[i]->points;
        put_point(&s, &first, levels[i], "sup_ant", m->sup_ant);
        put_point(&s, &first, levels[i], "sup_mid", m->sup_mid);
        put_point(&s, &first, levels[i], "sup_post", m->sup_post);
        put_point(&s, &first, levels[i], "inf_ant", m->inf_ant);
        put_point(&s, &first, levels[i], "inf_mid", m->inf_mid);
        put_point(&s, &first, levels[i], "inf_post", m->inf_post);
    }
    if (lesion && lesion_seed_lps && finite3(lesion_seed_lps))
        put_point(&s, &first, lesion_level, "lesion_seed", lesion_seed_lps);
    sps_str_append(&s, "\n  ],\n  \"regions\": [");
    if (lesion) {
        sps_str_printf(&s,
                       "\n    {\"level\": \"%s\", \"role\": \"lesion\", \"sphere\": {\"center_lps\": [%.3f, %.3f, %.3f], "
                       "\"radius_mm\": %.3f}}",
                       lesion_level, lesion->centroid_lps[0], lesion->centroid_lps[1], lesion->centroid_lps[2],
                       lesion->equivalent_radius_mm);
        if (lesion->reference_radius_mm > 0)
            sps_str_printf(&s,
                           ",\n    {\"level\": \"%s\", \"role\": \"reference_bone\", \"sphere\": {\"center_lps\": "
                           "[%.3f, %.3f, %.3f], \"radius_mm\": %.3f}}",
                           lesion_level, lesion->reference_centre_lps[0], lesion->reference_centre_lps[1],
                           lesion->reference_centre_lps[2], lesion->reference_radius_mm);
    }
    sps_str_append(&s, "\n  ],\n  \"vertebrae\": [");
    first = 1;
    for (size_t i = 0; i < n; i++) {
        int involved = lesion && strcmp(levels[i], lesion_level) == 0;
        sps_str_printf(&s, "%s\n    {\"level\": \"%s\", \"involved\": %s", first ? "" : ",", levels[i],
                       involved ? "true" : "false");
        if (involved && isfinite(lesion->body_fraction))
            sps_str_printf(&s, ", \"body_involved_fraction\": %.4f", lesion->body_fraction);
        sps_str_append(&s, "}");
        first = 0;
    }
    sps_str_append(&s, "\n  ]\n}\n");
    char *out = sps_str_detach(&s);
    if (!out)
        return sps_error_set(err, SPS_ENOMEM, "sps_seg_ct_annotations_json", "out of memory");
    *json_out = out;
    return SPS_OK;
}
