/* case.c — parsing a case file: JSON syntax errors with line and column; field checks happen
 * while scoring (sps_decide), so every problem is reported against its field. */
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

sps_status sps_case_parse(sps_case **out, const char *json, size_t len, const char *origin,
                          sps_error *err)
{
    *out = NULL;
    if (!origin)
        origin = "case";
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        int line = 1, col = 1;
        size_t off = end && end >= json ? (size_t)(end - json) : 0;
        sps_json__line_col(json, off, &line, &col);
        char where[256];
        snprintf(where, sizeof where, "%s:%d:%d", origin, line, col);
        return sps_error_set(err, SPS_EFORMAT, where, "malformed JSON (expected a case object, see docs/formats.md)");
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_EFORMAT, origin, "a case must be a JSON object, see docs/formats.md");
    }
    sps_case *c = calloc(1, sizeof *c);
    if (!c || !(c->origin = sps_strdup(origin))) {
        free(c);
        cJSON_Delete(root);
        return sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
    }
    c->root = root;
    *out = c;
    return SPS_OK;
}

void sps_case_free(sps_case *c)
{
    if (!c)
        return;
    cJSON_Delete(c->root);
    free(c->origin);
    free(c);
}
