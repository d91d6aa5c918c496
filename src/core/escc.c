/* escc.c — Bilsky ESCC grade and its low/high class; the class boundary is a model setting
 * (models/escc.json "high_grade_from"), because sources disagree about 1c. */
#include <string.h>

#include "core_internal.h"

static int grade_rank(const cJSON *grades, const char *token)
{
    const cJSON *g;
    cJSON_ArrayForEach(g, grades)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(g, "token");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(g, "rank");
        if (cJSON_IsString(t) && cJSON_IsNumber(r) && strcmp(t->valuestring, token) == 0)
            return r->valueint;
    }
    return -1;
}

cJSON *sps_escc__grade(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const char *level,
                       char *class_out, size_t class_size, char *grade_out, size_t grade_size)
{
    class_out[0] = '\0';
    grade_out[0] = '\0';
    const sps_model *m = sps_ctx__model(ctx, "escc");
    if (!m)
        return NULL;
    const cJSON *grades = sps_m_arr(ctx, m, m->root, "grades");
    const char *high_from = sps_m_str(ctx, m, m->root, "high_grade_from");
    if (!grades || !high_from)
        return NULL;
    int high_rank = grade_rank(grades, high_from);
    if (high_rank < 0)
        return sps_ctx__model_error(ctx, "escc", "high_grade_from", "must name one of the grades");

    cJSON *res = sps_result_new(m);
    sps_input in = sps_in_get(ctx, lesion, "escc", prefix);
    /* a bare 1 (number or string) is accepted with a warning when the model allows it */
    const cJSON *bare = cJSON_GetObjectItemCaseSensitive(m->root, "bare_grade_1");
    int is_bare_one = in.state == SPS_IN_OK &&
                      ((cJSON_IsString(in.value) && strcmp(in.value->valuestring, "1") == 0) ||
                       (cJSON_IsNumber(in.value) && in.value->valuedouble == 1.0));
    if (is_bare_one && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(bare, "accepted"))) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(bare, "warning");
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(bare, "class");
        cJSON_AddStringToObject(res, "grade", "1");
        cJSON_AddStringToObject(res, "class", cJSON_IsString(cls) ? cls->valuestring : "low");
        cJSON_AddStringToObject(res, "rule", "escc.bare_grade_1");
        sps_in_provenance(&in, res);
        if (cJSON_IsString(w)) {
            sps_ctx__warn(ctx, in.path, w->valuestring);
            sps_result_explain(res, "%s.", w->valuestring);
        }
        sps_strlcpy(grade_out, "1", grade_size);
        sps_strlcpy(class_out, cJSON_IsString(cls) ? cls->valuestring : "low", class_size);
        return res;
    }
    if (in.state == SPS_IN_OK && cJSON_IsNumber(in.value) &&
        (in.value->valuedouble == 0.0 || in.value->valuedouble == 2.0 || in.value->valuedouble == 3.0)) {
        /* 0, 2 and 3 written as numbers are unambiguous */
        static const char *const tok[] = {"0", "", "2", "3"};
        cJSON *s = cJSON_CreateString(tok[in.value->valueint]);
        const cJSON *g;
        int pts = 0;
        sps_input tmp = in;
        tmp.value = s;
        g = sps_in_choice(ctx, &tmp, grades, 0, &pts);
        cJSON_Delete(s);
        in.state = tmp.state;
        if (g)
            in.value = cJSON_GetObjectItemCaseSensitive(g, "token");
    }
    int dummy = 0;
    const cJSON *g = in.state == SPS_IN_OK ? sps_in_choice(ctx, &in, grades, 0, &dummy) : NULL;
    if (!g) {
        if (in.state == SPS_IN_INVALID)
            sps_result_invalid(res, in.path);
        else
            sps_result_missing(res, in.path);
        sps_result_finish(res);
        sps_result_explain(res, "ESCC grade %s: valid grades are 0, 1a, 1b, 1c, 2, 3.",
                           in.state == SPS_IN_INVALID ? "refused" : "not given");
        return res;
    }
    const char *tok = sps_m_tok(ctx, m, g, "token");
    int rank = grade_rank(grades, tok);
    const char *cls = rank >= high_rank ? "high" : "low";
    const cJSON *lbl = cJSON_GetObjectItemCaseSensitive(g, "label");
    cJSON_AddStringToObject(res, "grade", tok);
    if (cJSON_IsString(lbl))
        cJSON_AddStringToObject(res, "label", lbl->valuestring);
    cJSON_AddStringToObject(res, "class", cls);
    cJSON_AddStringToObject(res, "high_grade_from", high_from);
    cJSON_AddStringToObject(res, "rule", "escc.high_grade_from");
    sps_in_provenance(&in, res);
    sps_result_explain(res, "ESCC %s (%s) is %s grade: high grade starts at %s in this model.", tok,
                       cJSON_IsString(lbl) ? lbl->valuestring : "", cls, high_from);
    const cJSON *contested = cJSON_GetObjectItemCaseSensitive(m->root, "contested_grades");
    const cJSON *c;
    cJSON_ArrayForEach(c, contested)
    {
        if (cJSON_IsString(c) && strcmp(c->valuestring, tok) == 0) {
            const cJSON *why = cJSON_GetObjectItemCaseSensitive(m->root, "high_grade_from_source");
            sps_result_explain(res, "Grade %s is contested: %s", tok,
                               cJSON_IsString(why) ? why->valuestring : "see clinical-reference.md section 10");
            cJSON_AddBoolToObject(res, "contested", 1);
        }
    }
    /* every level of the lesion counts, not only the one SINS scored */
    char outside[96] = "";
    {
        const cJSON *regions = cJSON_GetObjectItemCaseSensitive(m->root, "validated_regions");
        cJSON *all = cJSON_CreateArray();
        const cJSON *lv1 = cJSON_GetObjectItemCaseSensitive(lesion, "level");
        if (cJSON_IsString(lv1))
            cJSON_AddItemToArray(all, cJSON_CreateString(lv1->valuestring));
        const cJSON *l;
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(lesion, "levels"))
            if (cJSON_IsString(l)) cJSON_AddItemToArray(all, cJSON_CreateString(l->valuestring));
        if (level && *level && cJSON_GetArraySize(all) == 0)
            cJSON_AddItemToArray(all, cJSON_CreateString(level));
        cJSON_ArrayForEach(l, all)
        {
            char norm[16];
            if (!sps_level__normalise(l->valuestring, norm, sizeof norm))
                continue;
            if (strncmp(norm, "OCC", 3) == 0)
                strcpy(norm, "C0");
            int validated = 0;
            cJSON_ArrayForEach(c, regions)
            {
                if (cJSON_IsString(c) && c->valuestring[0] == norm[0])
                    validated = 1;
            }
            if (!validated && strlen(outside) + strlen(norm) + 2 < sizeof outside && !strstr(outside, norm)) {
                if (outside[0])
                    strcat(outside, ", ");
                strcat(outside, norm);
            }
        }
        cJSON_Delete(all);
    }
    {
        if (outside[0]) {
            const cJSON *note = cJSON_GetObjectItemCaseSensitive(m->root, "not_validated_note");
            char msg[512];
            snprintf(msg, sizeof msg, "ESCC graded at %s: %s", outside,
                     cJSON_IsString(note) ? note->valuestring : "outside the validated regions");
            sps_ctx__warn(ctx, in.path, msg);
            sps_result_explain(res, "%s", msg);
            cJSON_AddBoolToObject(res, "outside_validated_levels", 1);
        }
    }
    sps_strlcpy(grade_out, tok, grade_size);
    sps_strlcpy(class_out, cls, class_size);
    return res;
}
