/* pipeline_merge.c — one measurement document from the measurements of several series of one
 * patient (a CT for the bone-lesion class and collapse, an axial T2 MR for the ESCC grade): each
 * component from the first modality of its models/measurement.json series_choice list that
 * measured it, the other series' values kept beside it, a disagreement named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline.h"
#include "util_internal.h"

/* The components a series can measure, and the measurement groups that belong to each. */
static const struct {
    const char *component;  /* lesion.sins.<c>, or lesion.escc for "escc" */
    const char *groups[2];  /* measurements.<g> that go with it */
} comps[] = {
    {"bone_lesion", {"bone_lesion", NULL}},
    {"collapse", {"collapse", "body_involvement"}},
    {"alignment", {"alignment", NULL}},
    {"posterolateral", {"posterolateral", NULL}},
    {"escc", {"escc", NULL}},
};
#define NCOMPS (sizeof comps / sizeof comps[0])

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* lesion.sins.<c> or lesion.escc of a measurement document (NULL: not measured there). */
static const cJSON *component_of(const cJSON *doc, const char *c)
{
    const cJSON *lesion = jget(doc, "lesion");
    return strcmp(c, "escc") == 0 ? jget(lesion, "escc") : jget(jget(lesion, "sins"), c);
}

/* Rank of @p modality in the series_choice list of @p c (lower is preferred); a modality the list
 * does not name ranks after every listed one; -1 when the list names modalities and the component
 * is "list only" (bone_lesion: CT only) is not needed: the measure library already refuses it. */
static int rank_of(const cJSON *choice, const char *c, const char *modality)
{
    const cJSON *list = jget(choice, c), *m;
    int i = 0;
    cJSON_ArrayForEach(m, list)
    {
        if (cJSON_IsString(m) && modality && strcmp(m->valuestring, modality) == 0)
            return i;
        i++;
    }
    return 1000;
}

static int same_value(const cJSON *a, const cJSON *b)
{
    const cJSON *va = jget(a, "value"), *vb = jget(b, "value");
    if (!va || !vb)
        return va == vb;
    return cJSON_Compare(va, vb, 1);
}

static cJSON *series_ref(const cJSON *doc)
{
    const cJSON *s = jget(doc, "series");
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "series_uid", jstr(s, "series_uid") ? jstr(s, "series_uid") : "");
    cJSON_AddStringToObject(o, "modality", jstr(s, "modality") ? jstr(s, "modality") : "");
    return o;
}

sps_status sps_pipeline_merge_measurements(char **out, const char *const *docs_text, size_t n,
                                           const sps_models *models, sps_error *err)
{
    *out = NULL;
    if (n == 0)
        return sps_error_set(err, SPS_EINVALID, "sps_pipeline_merge_measurements", "no measurements");
    cJSON **docs = calloc(n, sizeof *docs);
    cJSON *merged = NULL, *model = NULL;
    sps_status st = SPS_OK;
    if (!docs)
        return sps_error_set(err, SPS_ENOMEM, "measurements", "out of memory");
    for (size_t i = 0; i < n && st == SPS_OK; i++) {
        docs[i] = cJSON_Parse(docs_text[i]);
        if (!cJSON_IsObject(docs[i]) || !jstr(docs[i], "level"))
            st = sps_error_set(err, SPS_EINTERNAL, "measurements", "measurement document %zu is not valid", i + 1);
    }
    /* one level: the series must have measured the same vertebra */
    for (size_t i = 1; i < n && st == SPS_OK; i++)
        if (strcmp(jstr(docs[i], "level"), jstr(docs[0], "level")) != 0)
            st = sps_error_set(err, SPS_EINVALID, "--level",
                               "the annotations of series %s (%s) mark %s, those of series %s (%s) mark %s: "
                               "one run measures one level; give --level",
                               jstr(jget(docs[0], "series"), "series_uid"), jstr(jget(docs[0], "series"), "modality"),
                               jstr(docs[0], "level"), jstr(jget(docs[i], "series"), "series_uid"),
                               jstr(jget(docs[i], "series"), "modality"), jstr(docs[i], "level"));
    if (st == SPS_OK) {
        char *mt = sps_models_dump(models, "measurement");
        model = mt ? cJSON_Parse(mt) : NULL;
        sps_free(mt);
        if (!jget(model, "series_choice"))
            st = sps_error_set(err, SPS_EFORMAT, "model measurement.series_choice",
                               "missing (the modality order of each component for runs over several series)");
    }
    if (st == SPS_OK && !(merged = cJSON_Duplicate(docs[0], 1)))
        st = sps_error_set(err, SPS_ENOMEM, "measurements", "out of memory");
    if (st != SPS_OK)
        goto done;

    const cJSON *choice = jget(model, "series_choice");
    cJSON *lesion = cJSON_GetObjectItemCaseSensitive(merged, "lesion");
    cJSON *sins = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
    cJSON *meas = cJSON_GetObjectItemCaseSensitive(merged, "measurements");
    if (!sins)
        sins = cJSON_AddObjectToObject(lesion, "sins");
    if (!meas)
        meas = cJSON_AddObjectToObject(merged, "measurements");
    cJSON *choices = cJSON_AddArrayToObject(merged, "series_choice");
    cJSON *notm = cJSON_CreateArray();
    for (size_t k = 0; k < NCOMPS; k++) {
        const char *c = comps[k].component;
        size_t best = (size_t)-1;
        int best_rank = 1 << 30;
        for (size_t i = 0; i < n; i++) {
            if (!component_of(docs[i], c))
                continue;
            int r = rank_of(choice, c, jstr(jget(docs[i], "series"), "modality"));
            if (r < best_rank)
                best_rank = r, best = i;
        }
        /* replace the first document's component and measurement groups by the chosen series' */
        if (strcmp(c, "escc") == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(lesion, "escc");
        else
            cJSON_DeleteItemFromObjectCaseSensitive(sins, c);
        for (int g = 0; g < 2 && comps[k].groups[g]; g++)
            cJSON_DeleteItemFromObjectCaseSensitive(meas, comps[k].groups[g]);
        if (best == (size_t)-1) {
            /* measured nowhere: why, per series */
            sps_str why = {0};
            for (size_t i = 0; i < n; i++) {
                const cJSON *nm;
                cJSON_ArrayForEach(nm, jget(docs[i], "not_measured"))
                {
                    const char *nc = jstr(nm, "component"), *w = jstr(nm, "why");
                    if (nc && w && strcmp(nc, c) == 0)
                        sps_str_printf(&why, "%s%s: %s", why.len ? "; " : "", jstr(jget(docs[i], "series"), "modality"), w);
                }
            }
            if (why.len) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "component", c);
                cJSON_AddStringToObject(e, "why", why.ptr);
                cJSON_AddItemToArray(notm, e);
            }
            sps_str_free(&why);
            continue;
        }
        cJSON *chosen = cJSON_Duplicate(component_of(docs[best], c), 1);
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "component", c);
        cJSON_AddItemToObject(rec, "series", series_ref(docs[best]));
        cJSON *others = cJSON_AddArrayToObject(rec, "other_series");
        int agree = 1;
        for (size_t i = 0; i < n; i++) {
            const cJSON *o = component_of(docs[i], c);
            if (i == best || !o)
                continue;
            cJSON *ref = series_ref(docs[i]);
            const cJSON *v = jget(o, "value");
            cJSON_AddItemToObject(ref, "value", v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
            cJSON_AddItemToArray(others, ref);
            if (!same_value(o, chosen))
                agree = 0;
        }
        cJSON_AddBoolToObject(rec, "agree", agree);
        cJSON_AddItemToArray(choices, rec);
        /* the component's evidence says where it was measured and what the other series gave */
        cJSON *ev = cJSON_GetObjectItemCaseSensitive(chosen, "evidence");
        if (!ev)
            ev = cJSON_AddObjectToObject(chosen, "evidence");
        cJSON_AddStringToObject(ev, "series_uid", jstr(jget(docs[best], "series"), "series_uid"));
        cJSON_AddStringToObject(ev, "modality", jstr(jget(docs[best], "series"), "modality"));
        if (cJSON_GetArraySize(others) > 0)
            cJSON_AddItemToObject(ev, "other_series", cJSON_Duplicate(others, 1));
        if (strcmp(c, "escc") == 0)
            cJSON_AddItemToObject(lesion, "escc", chosen);
        else
            cJSON_AddItemToObject(sins, c, chosen);
        for (int g = 0; g < 2 && comps[k].groups[g]; g++) {
            const cJSON *grp = jget(jget(docs[best], "measurements"), comps[k].groups[g]);
            if (!grp)
                continue;
            cJSON *dup = cJSON_Duplicate(grp, 1);
            cJSON_AddStringToObject(dup, "series_uid", jstr(jget(docs[best], "series"), "series_uid"));
            cJSON_AddStringToObject(dup, "modality", jstr(jget(docs[best], "series"), "modality"));
            cJSON_AddItemToObject(meas, comps[k].groups[g], dup);
        }
    }
    /* not_measured: what no series gave (pain stays a clinical input) */
    const cJSON *nm;
    cJSON_ArrayForEach(nm, jget(docs[0], "not_measured"))
    {
        const char *nc = jstr(nm, "component");
        int known = 0;
        for (size_t k = 0; k < NCOMPS; k++)
            known |= nc && strcmp(nc, comps[k].component) == 0;
        if (!known)
            cJSON_AddItemToArray(notm, cJSON_Duplicate(nm, 1));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(merged, "not_measured", notm);
    /* every series and its own document, for the audit */
    cJSON *all = cJSON_AddArrayToObject(merged, "per_series");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(all, cJSON_Duplicate(docs[i], 1));
    *out = cJSON_Print(merged);
    if (!*out)
        st = sps_error_set(err, SPS_ENOMEM, "measurements", "out of memory");
done:
    cJSON_Delete(merged);
    cJSON_Delete(model);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(docs ? docs[i] : NULL);
    free(docs);
    return st;
}

size_t sps_pipeline_merge_disagreements(const char *merged_json, char *text, size_t size)
{
    cJSON *m = cJSON_Parse(merged_json);
    size_t count = 0, used = 0;
    if (size)
        text[0] = '\0';
    const cJSON *rec;
    cJSON_ArrayForEach(rec, jget(m, "series_choice"))
    {
        if (cJSON_IsTrue(jget(rec, "agree")))
            continue;
        const cJSON *o;
        cJSON_ArrayForEach(o, jget(rec, "other_series"))
        {
            char *v = cJSON_PrintUnformatted(jget(o, "value"));
            int w = snprintf(text + used, size > used ? size - used : 0, "%s%s: %s gave %s, taken from %s (series_choice)",
                             count ? "; " : "", jstr(rec, "component"), jstr(o, "modality"), v ? v : "?",
                             jstr(jget(rec, "series"), "modality"));
            cJSON_free(v);
            if (w > 0 && used + (size_t)w < size)
                used += (size_t)w;
            count++;
        }
    }
    cJSON_Delete(m);
    return count;
}
