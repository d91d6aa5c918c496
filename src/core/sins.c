/* sins.c — Spinal Instability Neoplastic Score: location from the level label, points per
 * component, total, category and surgical-consultation flag (models/sins.json). */
#include <ctype.h>
#include <string.h>

#include "core_internal.h"

/* Accepts "T12", "t12", "T 12", "T-12" and "occiput": letters, at most one space or hyphen, then
 * digits. Anything else ("T1-2", "T 1 2", "T12a") is refused, never read as another level. */
int sps_level__normalise(const char *label, char *out, size_t out_size)
{
    size_t i = 0, j = 0;
    while (isspace((unsigned char)label[i]))
        i++;
    size_t letters = 0;
    while (isalpha((unsigned char)label[i])) {
        if (j + 1 >= out_size)
            return 0;
        out[j++] = (char)toupper((unsigned char)label[i++]);
        letters++;
    }
    if (!letters)
        return 0;
    if (label[i] == ' ' || label[i] == '-')
        i++;
    size_t digits = 0;
    while (isdigit((unsigned char)label[i])) {
        if (j + 1 >= out_size)
            return 0;
        out[j++] = label[i++];
        digits++;
    }
    while (isspace((unsigned char)label[i]))
        i++;
    if (label[i] != '\0' || (digits == 0 && letters == 1))
        return 0;
    out[j] = '\0';
    return 1;
}

/* Location class and points of one level label; NULL (and input marked invalid) if not a level. */
static const cJSON *location_of(sps_ctx *ctx, const sps_model *m, sps_input *in, const char *label,
                                char *norm, size_t norm_size, int *points)
{
    const cJSON *loc = sps_m_obj(ctx, m, m->root, "location");
    const cJSON *levels = sps_m_obj(ctx, m, loc, "levels");
    const cJSON *classes = sps_m_arr(ctx, m, loc, "classes");
    if (!levels || !classes)
        return NULL;
    const cJSON *cls = NULL;
    if (sps_level__normalise(label, norm, norm_size)) {
        const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(loc, "level_aliases");
        const cJSON *alias = cJSON_GetObjectItemCaseSensitive(aliases, norm);
        if (cJSON_IsString(alias))
            sps_strlcpy(norm, alias->valuestring, norm_size);
        cls = cJSON_GetObjectItemCaseSensitive(levels, norm);
    }
    if (!cJSON_IsString(cls)) {
        cJSON *allowed = cJSON_CreateArray();
        const cJSON *lv;
        cJSON_ArrayForEach(lv, levels) cJSON_AddItemToArray(allowed, cJSON_CreateString(lv->string));
        sps_ctx__invalid(ctx, in,
                         "not a standard vertebral level (SINS scores C0/occiput, C1-C7, T1-T12, "
                         "L1-L5, S1-S5; relabel transitional anatomy to standard numbering)",
                         allowed);
        cJSON_Delete(allowed);
        return NULL;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, classes)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "token");
        if (cJSON_IsString(t) && strcmp(t->valuestring, cls->valuestring) == 0) {
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "points");
            *points = cJSON_IsNumber(p) ? p->valueint : 0;
            return c;
        }
    }
    return sps_ctx__model_error(ctx, "sins", "location.levels", "level maps to an undefined class");
}

static void option_range(const cJSON *options, int *lo, int *hi)
{
    *lo = 1000;
    *hi = -1000;
    const cJSON *o;
    cJSON_ArrayForEach(o, options)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "points");
        if (!cJSON_IsNumber(p))
            continue;
        if (p->valueint < *lo)
            *lo = p->valueint;
        if (p->valueint > *hi)
            *hi = p->valueint;
    }
}

static const cJSON *category_for(const cJSON *categories, int total)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, categories)
    {
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(c, "min");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(c, "max");
        if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && total >= lo->valueint && total <= hi->valueint)
            return c;
    }
    return NULL;
}

cJSON *sps_sins__score(sps_ctx *ctx, const cJSON *lesion, const char *prefix, int *total_out)
{
    *total_out = -1;
    const sps_model *m = sps_ctx__model(ctx, "sins");
    if (!m)
        return NULL;
    cJSON *res = sps_result_new(m);
    cJSON *comps = cJSON_AddObjectToObject(res, "components");
    const cJSON *sins_in = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
    char sprefix[160];
    snprintf(sprefix, sizeof sprefix, "%s.sins", prefix);
    if (sins_in && !cJSON_IsObject(sins_in)) {
        sps_input bad = sps_in_get(ctx, lesion, "sins", prefix);
        sps_ctx__invalid(ctx, &bad, "expected an object of SINS components", NULL);
        sps_result_invalid(res, bad.path);
        sins_in = NULL;
    }

    /* Location: from the level label(s). */
    int loc_points = -1;
    int lo_sum = 0, hi_sum = 0, known_sum = 0;
    int loc_ok = 0;
    {
        sps_input lv = sps_in_get(ctx, lesion, "level", prefix);
        const cJSON *levels = cJSON_GetObjectItemCaseSensitive(lesion, "levels");
        cJSON *comp = cJSON_CreateObject();
        cJSON *scored = NULL;
        if (lv.state != SPS_IN_INVALID && cJSON_IsArray(levels) && cJSON_GetArraySize(levels) > 0) {
            /* multi-level lesion: score each level (and "level" too, when both are given), keep
             * the highest (project convention, clinical-reference.md section 1.2) */
            scored = cJSON_AddArrayToObject(comp, "levels_scored");
            int idx = 0, best = -1;
            const cJSON *l;
            char best_level[16] = "";
            const cJSON *best_cls = NULL;
            int all_ok = 1;
            cJSON *all = cJSON_Duplicate(levels, 1);
            if (lv.state == SPS_IN_OK)
                cJSON_AddItemToArray(all, cJSON_Duplicate(lv.value, 1));
            int nlev = cJSON_GetArraySize(levels);
            cJSON_ArrayForEach(l, all)
            {
                sps_input li;
                memset(&li, 0, sizeof li);
                li.state = SPS_IN_OK;
                li.value = l;
                li.source = "entered";
                if (idx < nlev)
                    snprintf(li.path, sizeof li.path, "%s.levels[%d]", prefix, idx);
                else
                    snprintf(li.path, sizeof li.path, "%s.level", prefix);
                idx++;
                if (!cJSON_IsString(l)) {
                    sps_ctx__invalid(ctx, &li, "expected a level label such as \"T12\"", NULL);
                    sps_result_invalid(res, li.path);
                    all_ok = 0;
                    continue;
                }
                char norm[16];
                int pts = 0;
                const cJSON *cls = location_of(ctx, m, &li, l->valuestring, norm, sizeof norm, &pts);
                if (!cls) {
                    sps_result_invalid(res, li.path);
                    all_ok = 0;
                    continue;
                }
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "level", norm);
                cJSON_AddStringToObject(e, "class", sps_m_tok(ctx, m, cls, "token"));
                cJSON_AddNumberToObject(e, "points", pts);
                cJSON_AddItemToArray(scored, e);
                if (pts > best) {
                    best = pts;
                    best_cls = cls;
                    sps_strlcpy(best_level, norm, sizeof best_level);
                }
            }
            cJSON_Delete(all);
            if (all_ok && best_cls) {
                loc_points = best;
                loc_ok = 1;
                cJSON_AddStringToObject(comp, "value", sps_m_tok(ctx, m, best_cls, "token"));
                cJSON_AddNumberToObject(comp, "points", best);
                cJSON_AddStringToObject(comp, "level", best_level);
                cJSON_AddStringToObject(res, "scored_level", best_level);
                const cJSON *rule = cJSON_GetObjectItemCaseSensitive(m->root, "multilevel_rule");
                if (cJSON_IsString(rule))
                    sps_result_explain(res, "Multi-level lesion: %s Highest location points at %s.",
                                       rule->valuestring, best_level);
            }
            cJSON_AddStringToObject(comp, "source", "entered");
            char f[180];
            snprintf(f, sizeof f, "%s.levels", prefix);
            cJSON_AddStringToObject(comp, "field", f);
        } else if (lv.state == SPS_IN_OK && cJSON_IsString(lv.value)) {
            char norm[16];
            int pts = 0;
            const cJSON *cls = location_of(ctx, m, &lv, lv.value->valuestring, norm, sizeof norm, &pts);
            if (cls) {
                loc_points = pts;
                loc_ok = 1;
                cJSON_AddStringToObject(comp, "value", sps_m_tok(ctx, m, cls, "token"));
                cJSON_AddNumberToObject(comp, "points", pts);
                cJSON_AddStringToObject(comp, "level", norm);
                cJSON_AddStringToObject(res, "scored_level", norm);
            } else {
                sps_result_invalid(res, lv.path);
            }
            sps_in_provenance(&lv, comp);
        } else if (lv.state == SPS_IN_OK) {
            sps_ctx__invalid(ctx, &lv, "expected a level label such as \"T12\"", NULL);
            sps_result_invalid(res, lv.path);
        } else if (lv.state == SPS_IN_INVALID) {
            sps_result_invalid(res, lv.path);
        } else {
            sps_result_missing(res, lv.path);
        }
        char rule[96];
        const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(comp, "level");
        snprintf(rule, sizeof rule, "sins.location.levels%s%s%s", cJSON_IsString(lvl) ? "[" : "",
                 cJSON_IsString(lvl) ? lvl->valuestring : "", cJSON_IsString(lvl) ? "]" : "");
        cJSON_AddStringToObject(comp, "rule", rule);
        if (loc_ok) {
            const cJSON *lbl = NULL;
            const cJSON *classes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m->root, "location"), "classes");
            const cJSON *c;
            const char *tok = sps_m_tok(ctx, m, comp, "value");
            cJSON_ArrayForEach(c, classes)
            {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "token");
                if (cJSON_IsString(t) && strcmp(t->valuestring, tok) == 0)
                    lbl = cJSON_GetObjectItemCaseSensitive(c, "label");
            }
            if (cJSON_IsString(lbl))
                cJSON_AddStringToObject(comp, "label", lbl->valuestring);
            known_sum += loc_points;
            lo_sum += loc_points;
            hi_sum += loc_points;
        } else {
            lo_sum += 0;
            hi_sum += 3;
        }
        /* an explicit location entry must agree with the level */
        sps_input le = sps_in_get(ctx, sins_in, "location", sprefix);
        if (le.state == SPS_IN_OK && loc_ok) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(comp, "value");
            int agrees = (cJSON_IsString(le.value) && strcmp(le.value->valuestring, v->valuestring) == 0) ||
                         (cJSON_IsNumber(le.value) && le.value->valueint == loc_points);
            if (!agrees) {
                char msg[200];
                snprintf(msg, sizeof msg, "disagrees with the level label, which gives \"%s\" (%d points); location comes from the level",
                         v->valuestring, loc_points);
                sps_ctx__invalid(ctx, &le, msg, NULL);
                sps_result_invalid(res, le.path);
            }
        }
        cJSON_AddItemToObject(comps, "location", comp);
    }

    /* The five other components. */
    const cJSON *cdefs = sps_m_obj(ctx, m, m->root, "components");
    static const char *const names[] = {"pain", "bone_lesion", "alignment", "collapse", "posterolateral"};
    for (size_t i = 0; cdefs && i < sizeof names / sizeof names[0]; i++) {
        const cJSON *def = sps_m_obj(ctx, m, cdefs, names[i]);
        const cJSON *options = def ? sps_m_arr(ctx, m, def, "options") : NULL;
        if (!options)
            break;
        int lo, hi;
        option_range(options, &lo, &hi);
        sps_input in = sps_in_get(ctx, sins_in, names[i], sprefix);
        cJSON *comp = cJSON_CreateObject();
        int pts = 0;
        if (strcmp(names[i], "pain") == 0 && in.state == SPS_IN_OK &&
            (strcmp(in.source, "measured") == 0 || strcmp(in.source, "semi_automatic") == 0))
            sps_ctx__invalid(ctx, &in, "pain is a clinical input only (clinical-reference.md section 1.4): source must be entered or overridden", NULL);
        const cJSON *opt = sps_in_choice(ctx, &in, options, 1, &pts);
        if (opt) {
            cJSON_AddStringToObject(comp, "value", sps_m_tok(ctx, m, opt, "token"));
            cJSON_AddNumberToObject(comp, "points", pts);
            const cJSON *lbl = cJSON_GetObjectItemCaseSensitive(opt, "label");
            if (cJSON_IsString(lbl))
                cJSON_AddStringToObject(comp, "label", lbl->valuestring);
            known_sum += pts;
            lo_sum += pts;
            hi_sum += pts;
        } else {
            cJSON_AddStringToObject(comp, "value", in.state == SPS_IN_INVALID ? "invalid" : "missing");
            lo_sum += lo;
            hi_sum += hi;
            if (in.state == SPS_IN_INVALID)
                sps_result_invalid(res, in.path);
            else
                sps_result_missing(res, in.path);
        }
        char rule[160];
        if (opt)
            snprintf(rule, sizeof rule, "sins.components.%s.options[%s]", names[i],
                     sps_m_tok(ctx, m, opt, "token"));
        else
            snprintf(rule, sizeof rule, "sins.components.%s", names[i]);
        cJSON_AddStringToObject(comp, "rule", rule);
        sps_in_provenance(&in, comp);
        cJSON_AddItemToObject(comps, names[i], comp);
    }

    const cJSON *cats = sps_m_arr(ctx, m, m->root, "categories");
    const char *status = sps_result_finish(res);
    if (strcmp(status, "ok") == 0 && cats) {
        cJSON_AddNumberToObject(res, "total", known_sum);
        const cJSON *cat = category_for(cats, known_sum);
        if (!cat) {
            sps_ctx__model_error(ctx, "sins", "categories", "total not covered by any category");
        } else {
            cJSON_AddStringToObject(res, "category", sps_m_tok(ctx, m, cat, "token"));
            const cJSON *lbl = cJSON_GetObjectItemCaseSensitive(cat, "label");
            const cJSON *adv = cJSON_GetObjectItemCaseSensitive(cat, "advice");
            cJSON_AddBoolToObject(res, "surgical_consultation",
                                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cat, "surgical_consultation")));
            char crule[96];
            snprintf(crule, sizeof crule, "sins.categories[%s]", sps_m_tok(ctx, m, cat, "token"));
            cJSON_AddStringToObject(res, "rule", crule);
            sps_result_explain(res, "SINS %d = %s (%d-%d): %s.", known_sum,
                               cJSON_IsString(lbl) ? lbl->valuestring : "",
                               sps_m_int(ctx, m, cat, "min"),
                               sps_m_int(ctx, m, cat, "max"),
                               cJSON_IsString(adv) ? adv->valuestring : "");
        }
        *total_out = known_sum;
    } else if (strcmp(status, "not_computable") == 0) {
        cJSON *range = cJSON_AddObjectToObject(res, "total_range");
        cJSON_AddNumberToObject(range, "min", lo_sum);
        cJSON_AddNumberToObject(range, "max", hi_sum);
        if (cats) {
            const cJSON *a = category_for(cats, lo_sum), *b = category_for(cats, hi_sum);
            cJSON *poss = cJSON_AddArrayToObject(res, "possible_categories");
            int in_range = 0;
            const cJSON *c;
            cJSON_ArrayForEach(c, cats)
            {
                if (c == a)
                    in_range = 1;
                if (in_range)
                    cJSON_AddItemToArray(poss, cJSON_CreateString(sps_m_tok(ctx, m, c, "token")));
                if (c == b)
                    in_range = 0;
            }
        }
        sps_result_explain(res, "SINS not computable: missing component(s); the total could be %d-%d.",
                           lo_sum, hi_sum);
    } else {
        sps_result_explain(res, "SINS refused: invalid component value(s); nothing was scored from them.");
    }
    return res;
}
