/* auto_merge.c — what the derived items of `--auto` become: merged with the reader's annotations
 * (the reader's items win for the same level + role, + slice for outlines; a note names each
 * derived item replaced), the components the used items drive, and those components marked
 * "semi_automatic" in the measurements (sps_auto_mark). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auto_internal.h"

const char *sps_auto_js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int same_item(const char *member, const cJSON *a, const cJSON *b)
{
    if (strcmp(sps_auto_js(a, "level"), sps_auto_js(b, "level")) != 0)
        return 0;
    if (strcmp(member, "vertebrae") == 0)
        return 1;
    if (strcmp(sps_auto_js(a, "role"), sps_auto_js(b, "role")) != 0)
        return 0;
    if (strcmp(member, "outlines") == 0) {
        const char *sa = sps_auto_js(a, "slice"), *sb = sps_auto_js(b, "slice");
        return strcmp(sa[0] ? sa : "worst", sb[0] ? sb : "worst") == 0;
    }
    return 1;
}

static void item_label(char *buf, size_t n, const char *member, const cJSON *it)
{
    if (strcmp(member, "vertebrae") == 0)
        snprintf(buf, n, "%s vertebra facts", sps_auto_js(it, "level"));
    else if (strcmp(member, "outlines") == 0)
        snprintf(buf, n, "%s %s %s", sps_auto_js(it, "level"), sps_auto_js(it, "role"), sps_auto_js(it, "slice"));
    else
        snprintf(buf, n, "%s %s", sps_auto_js(it, "level"), sps_auto_js(it, "role"));
}

/* Merge the derived document @p d into @p m (the reader's document, or a fresh one). */
static void merge_doc(sps_auto *a, cJSON *m, cJSON *d, const char *note, cJSON *used, cJSON *replaced)
{
    static const char *const members[] = {"points", "outlines", "regions", "vertebrae"};
    for (size_t k = 0; k < 4; k++) {
        cJSON *src = cJSON_GetObjectItemCaseSensitive(d, members[k]);
        if (!cJSON_IsArray(src))
            continue;
        cJSON *dst = cJSON_GetObjectItemCaseSensitive(m, members[k]);
        if (!cJSON_IsArray(dst))
            dst = cJSON_AddArrayToObject(m, members[k]);
        int nuser = cJSON_GetArraySize(dst);
        cJSON *it = src->child;
        while (it) {
            cJSON *next = it->next;
            cJSON *hit = NULL;
            int idx = 0;
            for (cJSON *u = dst->child; u && idx < nuser; u = u->next, idx++)
                if (same_item(members[k], u, it)) {
                    hit = u;
                    break;
                }
            char label[96];
            item_label(label, sizeof label, members[k], it);
            if (hit && strcmp(members[k], "vertebrae") == 0) {
                /* per fact: the reader's value wins, a derived fact the reader left out is added */
                for (cJSON *f = it->child; f; f = f->next) {
                    if (strcmp(f->string, "level") == 0 || strcmp(f->string, "note") == 0)
                        continue;
                    char fl[128];
                    snprintf(fl, sizeof fl, "%s %s", label, f->string);
                    if (cJSON_GetObjectItemCaseSensitive(hit, f->string)) {
                        cJSON_AddItemToArray(replaced, cJSON_CreateString(fl));
                        sps_auto_add_note(a, "%s: the reader's value is used, not the semi-automatic one", fl);
                    } else {
                        cJSON_AddItemToObject(hit, f->string, cJSON_Duplicate(f, 1));
                        cJSON_AddItemToArray(used, cJSON_CreateString(fl));
                    }
                }
            } else if (hit) {
                cJSON_AddItemToArray(replaced, cJSON_CreateString(label));
                sps_auto_add_note(a, "%s: the reader's item is used, not the semi-automatic one", label);
            } else {
                cJSON *c = cJSON_DetachItemViaPointer(src, it);
                /* the path's own note (what it set aside or could not check) follows the
                 * semi-automatic one, and is listed with the run's notes */
                const cJSON *own = cJSON_GetObjectItemCaseSensitive(c, "note");
                int own_len = cJSON_IsString(own) ? (int)strlen(own->valuestring) : 0;
                while (own_len > 0 && (own->valuestring[own_len - 1] == ' ' || own->valuestring[own_len - 1] == ';'))
                    own_len--; /* the notes' trailing "; " */
                if (own_len > 0) {
                    sps_auto_add_note(a, "%s: %.*s", label, own_len, own->valuestring);
                    sps_str both = {0};
                    sps_str_printf(&both, "%s; %.*s", note, own_len, own->valuestring);
                    cJSON_DeleteItemFromObjectCaseSensitive(c, "note");
                    cJSON_AddStringToObject(c, "note", both.ptr ? both.ptr : note);
                    sps_str_free(&both);
                } else {
                    cJSON_DeleteItemFromObjectCaseSensitive(c, "note");
                    cJSON_AddStringToObject(c, "note", note);
                }
                cJSON_AddItemToArray(dst, c);
                cJSON_AddItemToArray(used, cJSON_CreateString(label));
            }
            it = next;
        }
    }
}

/* Which components a used derived item drives. */

/* Add @p name to a ", "-separated list unless it is already one of its items (whole items: "T1"
 * is not "T12 body"); a list that would overflow ends with "and more" instead of being cut. */
static void list_add(char *list, size_t cap, const char *name)
{
    static const char more[] = ", and more";
    const size_t nl = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += nl)
        if ((p == list || (p - list >= 2 && p[-2] == ',' && p[-1] == ' ')) && (p[nl] == '\0' || p[nl] == ','))
            return;
    const size_t l = strlen(list);
    if (l >= sizeof more - 1 && strcmp(list + l - (sizeof more - 1), more) == 0)
        return;
    if (l + 2 + nl + sizeof more > cap) {
        if (l + sizeof more <= cap)
            memcpy(list + l, more, sizeof more);
        return;
    }
    snprintf(list + l, cap - l, "%s%s", l ? ", " : "", name);
}
static void drives_from_used(sps_auto *a, const cJSON *used, const char *seedname)
{
    const cJSON *u;
    cJSON_ArrayForEach(u, used)
    {
        /* labels: "LEVEL ROLE", "LEVEL ROLE SLICE" (outlines), "LEVEL vertebra facts FACT" */
        const char *sp = strchr(u->valuestring, ' ');
        char role[64] = "";
        if (sp)
            sps_strlcpy(role, sp + 1, sizeof role);
        if (strncmp(role, "vertebra facts ", 15) == 0)
            memmove(role, role + 15, strlen(role + 15) + 1);
        char *sp2 = strchr(role, ' ');
        if (sp2)
            *sp2 = '\0';
        int d[5] = {0};
        if (strncmp(role, "sup_", 4) == 0 || strncmp(role, "inf_", 4) == 0)
            d[D_COLLAPSE] = d[D_ALIGNMENT] = 1;
        if (strcmp(role, "lesion") == 0 || strcmp(role, "reference_bone") == 0)
            d[D_BONE_LESION] = 1;
        if (strstr(role, "_outline") || strcmp(role, "epidural_tumor") == 0)
            d[D_ESCC] = 1;
        if (strcmp(role, "body_involved_fraction") == 0 || strcmp(role, "body") == 0)
            d[D_FRACTION] = 1;
        for (int k = 0; k < 5; k++)
            if (d[k]) {
                a->drives[k] = 1;
                list_add(a->drive_seeds[k], sizeof a->drive_seeds[k], seedname);
            }
    }
}

void sps_auto_take_derived(sps_auto *a, cJSON *merged, cJSON *doc, const char *path_name, const char *from,
                           const char *names)
{
    char note[512]; /* "CT paths" + the CT seed names (under 400 bytes) */
    snprintf(note, sizeof note, "semi-automatic: %s from %s", path_name, from);
    cJSON *u = cJSON_CreateArray();
    merge_doc(a, merged, doc, note, u, cJSON_GetObjectItemCaseSensitive(a->info, "derived_replaced_by_reader"));
    drives_from_used(a, u, names);
    cJSON *used = cJSON_GetObjectItemCaseSensitive(a->info, "derived_used");
    cJSON *it;
    cJSON_ArrayForEach(it, u) cJSON_AddItemToArray(used, cJSON_Duplicate(it, 1));
    cJSON_Delete(u);
    cJSON_Delete(doc);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a->info, "seeds_run"), cJSON_CreateString(names));
}

sps_status sps_auto_mark(char **out, const sps_auto *a, const char *measurements_json, const char *annotations_out,
                         sps_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(measurements_json);
    if (!root)
        return sps_error_set(err, SPS_EINTERNAL, "measurements", "not JSON");
    cJSON *lesion = cJSON_GetObjectItemCaseSensitive(root, "lesion");
    cJSON *sins = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
    static const struct {
        const char *name;
        int drive;
    } comps[] = {{"collapse", D_COLLAPSE}, {"collapse", D_FRACTION}, {"alignment", D_ALIGNMENT},
                 {"bone_lesion", D_BONE_LESION}, {"escc", D_ESCC}};
    cJSON *marked = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
        if (!a->drives[comps[i].drive])
            continue;
        cJSON *c = cJSON_GetObjectItemCaseSensitive(strcmp(comps[i].name, "escc") == 0 ? lesion : sins, comps[i].name);
        if (!cJSON_IsObject(c))
            continue;
        cJSON_ReplaceItemInObjectCaseSensitive(c, "source", cJSON_CreateString("semi_automatic"));
        cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "evidence");
        if (!cJSON_IsObject(ev))
            ev = cJSON_AddObjectToObject(c, "evidence");
        cJSON *sa = cJSON_GetObjectItemCaseSensitive(ev, "semi_automatic");
        char buf[400];
        snprintf(buf, sizeof buf, "%s%s%s", cJSON_IsString(sa) ? sa->valuestring : "", cJSON_IsString(sa) ? ", " : "",
                 a->drive_seeds[comps[i].drive]);
        if (sa)
            cJSON_ReplaceItemInObjectCaseSensitive(ev, "semi_automatic", cJSON_CreateString(buf));
        else
            cJSON_AddStringToObject(ev, "semi_automatic", buf);
        /* The canal path's tumour finding is validated on phantoms only; on the real lumbar T2
         * series it read normal epidural contents as tumour (docs/validation.md). A grade that
         * rests on it asks the reader to confirm the outline, as a de novo deformity does. */
        if (comps[i].drive == D_ESCC && !cJSON_GetObjectItemCaseSensitive(ev, "confirm")) {
            const cJSON *u;
            int tumour = 0;
            cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(a->info, "derived_used"))
                tumour |= cJSON_IsString(u) && strstr(u->valuestring, " tumor_outline") != NULL;
            if (tumour)
                cJSON_AddStringToObject(ev, "confirm",
                                        "the epidural tumour outline is semi-automatic (validated on phantoms only; on "
                                        "real lumbar T2 it read normal epidural contents as tumour): confirm or correct "
                                        "the written-back tumor_outline before using this grade");
        }
        int dup = 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, marked) dup |= strcmp(m->valuestring, comps[i].name) == 0;
        if (!dup)
            cJSON_AddItemToArray(marked, cJSON_CreateString(comps[i].name));
    }
    cJSON *info = cJSON_Duplicate(a->info, 1);
    cJSON_AddItemToObject(info, "semi_automatic_components", marked);
    if (annotations_out)
        cJSON_AddStringToObject(info, "annotations_written", annotations_out);
    cJSON *notes = cJSON_AddArrayToObject(info, "notes");
    for (size_t i = 0; i < a->nnotes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(a->notes[i]));
    cJSON_AddItemToObject(root, "auto", info);
    *out = cJSON_Print(root);
    cJSON_Delete(root);
    return *out ? SPS_OK : sps_error_set(err, SPS_ENOMEM, "measurements", "out of memory");
}
