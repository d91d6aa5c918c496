/* auto.c — `--auto SEEDS.json` (docs/formats.md section 4.5): seeds -> the semi-automatic paths of
 * src/seg -> derived annotations merged with the reader's (the reader's items win) -> the same
 * src/measure code; the components the derived items drive are marked "semi_automatic". This
 * file holds the run (which seed runs on this modality, the notes, the merged annotations); the
 * parts are in auto_seeds.c, auto_mr.c, auto_ct.c and auto_merge.c (auto_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto_internal.h"

void sps_auto_add_note(sps_auto *a, const char *fmt, ...)
{
    if (a->nnotes >= SPS_AUTO_MAX_NOTES)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    a->notes[a->nnotes] = sps_strdup(buf);
    if (a->notes[a->nnotes])
        a->nnotes++;
}

void sps_auto_free(sps_auto *a)
{
    if (!a)
        return;
    free(a->merged);
    for (size_t i = 0; i < a->nnotes; i++)
        free(a->notes[i]);
    cJSON_Delete(a->info);
    free(a);
}

const char *sps_auto_level(const sps_auto *a) { return a && a->level[0] ? a->level : NULL; }
const char *sps_auto_annotations_json(const sps_auto *a) { return a ? a->merged : NULL; }
size_t sps_auto_note_count(const sps_auto *a) { return a ? a->nnotes : 0; }
const char *sps_auto_note(const sps_auto *a, size_t i) { return a && i < a->nnotes ? a->notes[i] : NULL; }

sps_status sps_auto_apply(sps_auto **out, sps_pipeline *p, const sps_models *models, const char *seeds_path,
                          const char *annotations_path, sps_error *err)
{
    *out = NULL;
#if !defined(SPS_HAVE_SEG)
    (void)p;
    (void)models;
    (void)annotations_path;
    return sps_error_set(err, SPS_EUNSUPPORTED, seeds_path,
                         "semi-automatic measurement is not available in this build (src/seg is not built); "
                         "place the points with --annotations");
#else
    sps_auto *a = calloc(1, sizeof *a);
    cJSON *root = NULL, *merged = NULL;
    seed *s = NULL;
    size_t n = 0;
    if (!a)
        return sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
    sps_status st = sps_auto_read_json(&root, seeds_path, err);
    if (st == SPS_OK)
        st = sps_auto_parse_seeds(&s, &n, root, p, seeds_path, err);
    if (st != SPS_OK)
        goto fail;
    /* the reader's document (spinescore format only: Slicer markups cannot be written back) */
    if (annotations_path) {
        st = sps_auto_read_json(&merged, annotations_path, err);
        if (st != SPS_OK)
            goto fail;
        if (strcmp(sps_auto_js(merged, "format"), "spinescore-annotations") != 0) {
            st = sps_error_set(err, SPS_EUNSUPPORTED, annotations_path,
                               "--auto merges with spinescore annotations only (docs/formats.md section 4.1); "
                               "a 3D Slicer markups file cannot be merged and written back");
            goto fail;
        }
    } else {
        merged = cJSON_CreateObject();
        cJSON_AddStringToObject(merged, "format", "spinescore-annotations");
        cJSON_AddNumberToObject(merged, "version", 1);
    }
    if (!cJSON_GetObjectItemCaseSensitive(merged, "series_uid"))
        cJSON_AddStringToObject(merged, "series_uid", p->series.series_uid);
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "description");
    cJSON_AddStringToObject(merged, "description",
                            annotations_path ? "the reader's annotations and the items derived by spinescore --auto "
                                               "(each with a note); correct them and load with --annotations"
                                             : "items derived by spinescore --auto (each with a note); correct them "
                                               "and load with --annotations");

    a->info = cJSON_CreateObject();
    cJSON_AddStringToObject(a->info, "seeds", seeds_path);
    cJSON_AddArrayToObject(a->info, "seeds_run"); /* these three filled by sps_auto_take_derived */
    cJSON *skipped = cJSON_AddArrayToObject(a->info, "seeds_not_run");
    cJSON_AddArrayToObject(a->info, "derived_used");
    cJSON_AddArrayToObject(a->info, "derived_replaced_by_reader");
    const int is_ct = strcmp(p->series.modality, "CT") == 0, is_mr = strcmp(p->series.modality, "MR") == 0;
    int cord_rank = 0;
    if ((st = sps_auto_cord_absent_from(&cord_rank, models, err)) != SPS_OK)
        goto fail;
    size_t nrun = 0;
    char lesion_level[8] = "", sac_level[8] = "";
    size_t nct = 0;
    const seed *first_lesion = NULL, *first_ref = NULL;
    int has_worst_sac = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind == K_LESION && !first_lesion)
            first_lesion = &s[i];
        if (s[i].kind == K_REFBONE && !first_ref)
            first_ref = &s[i];
        has_worst_sac |= s[i].kind == K_SAC && !s[i].reference;
    }
    const int has_lesion_seed = first_lesion != NULL;
    for (size_t i = 0; i < n; i++) {
        const seed *d = &s[i];
        char why[256] = "";
        if (d->kind == K_SAC && !is_mr)
            snprintf(why, sizeof why, "the canal path needs axial T2 MR (series modality %s: CSF and cord cannot be told apart on CT without myelography)",
                     p->series.modality);
        else if (d->kind != K_SAC && !is_ct)
            snprintf(why, sizeof why, "the %s path needs CT (series modality %s)", sps_auto_kind_names[d->kind],
                     p->series.modality);
        else if (d->kind == K_REFBONE && !has_lesion_seed)
            snprintf(why, sizeof why, "a reference_bone seed is the lesion path's reference: there is no lesion seed");
        else if (d->kind == K_LESION && d != first_lesion)
            snprintf(why, sizeof why, "one lesion seed per run (%s is used)", first_lesion->name);
        else if (d->kind == K_REFBONE && d != first_ref)
            snprintf(why, sizeof why, "one reference_bone seed per run (%s is used)", first_ref->name);
        else if (d->kind != K_SAC) {
            nct++;
            continue; /* run together below */
        }
        else if (d->reference && !has_worst_sac)
            snprintf(why, sizeof why, "a reference sac seed gives the normal level for a worst-slice sac seed: there is "
                     "none (add a sac seed with \"slice\": \"worst\" at the level to grade)");
        else if (d->reference)
            continue; /* used with its worst-slice seed */
        if (why[0]) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "seed", d->name);
            cJSON_AddStringToObject(o, "why", why);
            cJSON_AddItemToArray(skipped, o);
            sps_auto_add_note(a, "%s not run: %s", d->name, why);
            continue;
        }
        /* sac, worst slice: the nearest reference seed, if any */
        const seed *ref = sps_auto_canal_reference(s, n, d);
        cJSON *doc = NULL;
        st = sps_auto_run_canal(&doc, sac_level, p, models, d, ref, cord_rank, seeds_path, err);
        if (st != SPS_OK)
            goto fail;
        char from[200], names[200]; /* two seed names of up to 95 bytes each */
        snprintf(from, sizeof from, "%s%s%s", d->name, ref ? " and " : "", ref ? ref->name : "");
        snprintf(names, sizeof names, "%s%s%s", d->name, ref ? " + " : "", ref ? ref->name : "");
        sps_auto_take_derived(a, merged, doc, "canal path", from, names);
        nrun++;
    }
    if (nct) {
        /* only the seeds that were not skipped above reach the CT paths */
        seed *cts = calloc(nct, sizeof *cts);
        size_t k = 0;
        if (!cts) {
            st = sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            if (s[i].kind != K_SAC && is_ct &&
                (s[i].kind == K_BODY || &s[i] == first_lesion || (&s[i] == first_ref && has_lesion_seed)))
                cts[k++] = s[i];
        cJSON *doc = NULL;
        char names[400];
        st = sps_auto_run_ct(a, &doc, lesion_level, names, sizeof names, p, models, cts, k, seeds_path, err);
        free(cts);
        if (st != SPS_OK)
            goto fail;
        sps_auto_take_derived(a, merged, doc, "CT paths", names, names);
        nrun++;
    }
    if (nrun == 0) {
        sps_str list = {0};
        const cJSON *o;
        cJSON_ArrayForEach(o, skipped)
            sps_str_printf(&list, "%s%s: %s", list.len ? "; " : "", sps_auto_js(o, "seed"), sps_auto_js(o, "why"));
        st = sps_error_set(err, SPS_EUNSUPPORTED, seeds_path, "no seed can be run on this %s series: %s", p->series.modality,
                           list.ptr ? list.ptr : "");
        sps_str_free(&list);
        goto fail;
    }
    a->merged = cJSON_Print(merged);
    if (!a->merged) {
        st = sps_error_set(err, SPS_ENOMEM, seeds_path, "out of memory");
        goto fail;
    }
    st = sps_pipeline_set_annotations(p, models, a->merged, strlen(a->merged), "merged annotations (--auto)", err);
    if (st != SPS_OK)
        goto fail;
    {
        char lv[8];
        sps_error e;
        if (sps_annotations_lesion_level(p->annotations, lv, &e) == SPS_OK)
            sps_strlcpy(a->level, lv, sizeof a->level);
        else
            sps_strlcpy(a->level, lesion_level[0] ? lesion_level : sac_level, sizeof a->level);
    }
    cJSON_Delete(root);
    cJSON_Delete(merged);
    free(s);
    *out = a;
    return SPS_OK;
fail:
    cJSON_Delete(root);
    cJSON_Delete(merged);
    free(s);
    sps_auto_free(a);
    return st;
#endif
}
