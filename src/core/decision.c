/* decision.c — sps_decide(): runs every score over the case and assembles the explained decision. */
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "spinescore/version.h"

static const char *const top_keys[] = {"format", "version", "case_id", "patient", "lesions", "notes"};
static const char *const lesion_keys[] = {"level", "levels", "sins", "escc", "stability", "label", "notes", "evidence"};
static const char *const sins_keys[] = {"location", "pain", "bone_lesion", "alignment", "collapse", "posterolateral"};
/* every patient input read by the core (docs/formats.md); anything else is reported, not silently dropped */
static const char *const patient_keys[] = {
    "histology", "radiosensitivity", "myelopathy", "functional_radiculopathy", "tolerates_surgery",
    "expected_survival_months", "kps", "ecog", "extraspinal_bone_metastases", "vertebral_body_metastases",
    "major_organ_metastases", "visceral_metastases", "katagiri_visceral", "frankel", "albumin_g_dl", "albumin_g_l",
    "ambulatory", "crp_mg_dl", "ldh_iu_l", "platelets_per_ul", "calcium_mg_dl", "bilirubin_mg_dl",
    "previous_chemotherapy", "days_surgery_to_rt", "hours_embolisation_to_surgery", "tokuhashi_primary",
    "tomita_growth", "katagiri_primary", "bone_metastases", "visceral_metastases_absent", "primary_not_lung",
    "primary_bauer_favourable", "solitary_skeletal_metastasis", "multiple_skeletal_metastases", "notes"};

static void check_keys(sps_ctx *ctx, const cJSON *obj, const char *const *keys, size_t n, const char *prefix)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        int known = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(it->string, keys[i]) == 0)
                known = 1;
        if (!known) {
            char f[200], msg[300];
            snprintf(f, sizeof f, "%s%s%s", prefix, *prefix ? "." : "", it->string);
            snprintf(msg, sizeof msg, "unknown member \"%s\" ignored (see docs/formats.md)", it->string);
            sps_ctx__warn(ctx, f, msg);
        }
    }
}

sps_status sps_decide(sps_decision **out, const sps_models *models, const sps_case *c,
                      const sps_decide_options *opts, sps_error *err)
{
    *out = NULL;
    sps_decide_options defaults = SPS_DECIDE_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (!models || !c)
        return sps_error_set(err, SPS_EINVALID, "sps_decide", "models and case are required");
    sps_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.models = models;
    ctx.case_root = c->root;
    ctx.err = err;
    ctx.input_errors = cJSON_CreateArray();
    ctx.warnings = cJSON_CreateArray();
    ctx.alerts = cJSON_CreateArray();
    const sps_model *noms = sps_models__find(models, "noms");
    const cJSON *wd = noms ? cJSON_GetObjectItemCaseSensitive(noms->root, "wording_default") : NULL;
    ctx.wording = opts->wording ? opts->wording : (cJSON_IsString(wd) ? wd->valuestring : "srs");
    if (strcmp(ctx.wording, "srs") != 0 && strcmp(ctx.wording, "igrt") != 0) {
        cJSON_Delete(ctx.input_errors);
        cJSON_Delete(ctx.warnings);
        cJSON_Delete(ctx.alerts);
        return sps_error_set(err, SPS_EINVALID, "--wording", "expected \"srs\" or \"igrt\", got \"%s\"", opts->wording);
    }

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "spinescore-decision");
    cJSON_AddNumberToObject(root, "format_version", 1);
    cJSON_AddStringToObject(root, "software", "spinescore " SPS_VERSION_STRING);
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c->root, "case_id");
    if (cJSON_IsString(cid))
        cJSON_AddStringToObject(root, "case_id", cid->valuestring);
    cJSON_AddStringToObject(root, "case_origin", c->origin);
    cJSON_AddStringToObject(root, "status", "ok");

    check_keys(&ctx, c->root, top_keys, sizeof top_keys / sizeof top_keys[0], "");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(c->root, "format");
    if (fmt && !(cJSON_IsString(fmt) && strcmp(fmt->valuestring, "spinescore-case") == 0)) {
        sps_input fi = sps_in_get(&ctx, c->root, "format", "");
        cJSON *allowed = cJSON_CreateString("spinescore-case");
        sps_ctx__invalid(&ctx, &fi, "not a spinescore case file", allowed);
        cJSON_Delete(allowed);
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(c->root, "version");
    if (ver && !(cJSON_IsNumber(ver) && ver->valuedouble == 1.0)) {
        sps_input vi = sps_in_get(&ctx, c->root, "version", "");
        sps_ctx__invalid(&ctx, &vi, "unsupported case format version (this software reads version 1)", NULL);
    }
    if (cid && !cJSON_IsString(cid)) {
        sps_input ci = sps_in_get(&ctx, c->root, "case_id", "");
        sps_ctx__invalid(&ctx, &ci, "expected a string", NULL);
    }
    const cJSON *patient = cJSON_GetObjectItemCaseSensitive(c->root, "patient");
    if (patient && !cJSON_IsObject(patient)) {
        sps_input pi = sps_in_get(&ctx, c->root, "patient", "");
        sps_ctx__invalid(&ctx, &pi, "expected an object", NULL);
        patient = NULL;
    }
    if (patient)
        check_keys(&ctx, patient, patient_keys, sizeof patient_keys / sizeof patient_keys[0], "patient");
    ctx.patient = patient;

    /* Lesions. */
    cJSON *jlesions = cJSON_AddArrayToObject(root, "lesions");
    const cJSON *lesions = cJSON_GetObjectItemCaseSensitive(c->root, "lesions");
    if (!cJSON_IsArray(lesions) || cJSON_GetArraySize(lesions) == 0) {
        sps_input li = sps_in_get(&ctx, c->root, "lesions", "");
        if (lesions)
            sps_ctx__invalid(&ctx, &li, "expected a non-empty array of lesions", NULL);
        else
            sps_ctx__warn(&ctx, "lesions", "no lesions: only patient-level scores are computed");
    } else {
        int idx = 0;
        const cJSON *lesion;
        cJSON_ArrayForEach(lesion, lesions)
        {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "lesions[%d]", idx++);
            cJSON *jl = cJSON_CreateObject();
            cJSON_AddItemToArray(jlesions, jl);
            if (!cJSON_IsObject(lesion)) {
                sps_input li;
                memset(&li, 0, sizeof li);
                li.value = lesion;
                sps_strlcpy(li.path, prefix, sizeof li.path);
                sps_ctx__invalid(&ctx, &li, "expected a lesion object", NULL);
                cJSON_AddStringToObject(jl, "status", "invalid");
                continue;
            }
            check_keys(&ctx, lesion, lesion_keys, sizeof lesion_keys / sizeof lesion_keys[0], prefix);
            const cJSON *sins_in = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
            if (cJSON_IsObject(sins_in)) {
                char sp[96];
                snprintf(sp, sizeof sp, "%s.sins", prefix);
                check_keys(&ctx, sins_in, sins_keys, sizeof sins_keys / sizeof sins_keys[0], sp);
            }
            const cJSON *label = cJSON_GetObjectItemCaseSensitive(lesion, "label");
            if (cJSON_IsString(label))
                cJSON_AddStringToObject(jl, "label", label->valuestring);
            int total = -1;
            cJSON *sins = sps_sins__score(&ctx, lesion, prefix, &total);
            if (!sins)
                break;
            const cJSON *lv = cJSON_GetObjectItemCaseSensitive(sins, "scored_level");
            if (cJSON_IsString(lv))
                cJSON_AddStringToObject(jl, "level", lv->valuestring);
            cJSON_AddItemToObject(jl, "sins", sins);
            char cls[16], grade[16];
            cJSON *escc = sps_escc__grade(&ctx, lesion, prefix, cJSON_IsString(lv) ? lv->valuestring : NULL,
                                          cls, sizeof cls, grade, sizeof grade);
            if (!escc)
                break;
            cJSON_AddItemToObject(jl, "escc", escc);
            cJSON *nm = sps_noms__decide(&ctx, lesion, prefix, sins, escc, cls);
            if (!nm)
                break;
            cJSON_AddItemToObject(jl, "noms", nm);
            cJSON *gd = sps_guidance__lesion(&ctx, lesion, prefix, sins, escc, nm);
            if (!gd)
                break;
            cJSON_AddItemToObject(jl, "guidance", gd);
        }
    }

    cJSON *surv = ctx.model_status == SPS_OK ? sps_survival__all(&ctx) : NULL;
    if (surv)
        cJSON_AddItemToObject(root, "survival", surv);
    cJSON *pg = ctx.model_status == SPS_OK ? sps_guidance__patient(&ctx, surv) : NULL;
    if (pg)
        cJSON_AddItemToObject(root, "guidance", pg);

    if (ctx.model_status != SPS_OK) {
        cJSON_Delete(root);
        cJSON_Delete(ctx.input_errors);
        cJSON_Delete(ctx.warnings);
        cJSON_Delete(ctx.alerts);
        return ctx.model_status;
    }

    /* Models used. */
    cJSON *jm = cJSON_AddArrayToObject(root, "models");
    for (size_t i = 0; i < models->count; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", models->items[i].name);
        cJSON_AddStringToObject(e, "version", models->items[i].version);
        cJSON_AddStringToObject(e, "origin", models->items[i].origin);
        cJSON_AddItemToArray(jm, e);
    }

    /* Overall status: invalid > incomplete > ok. */
    sps_decision_status st = SPS_DECISION_OK;
    if (cJSON_GetArraySize(ctx.input_errors) > 0) {
        st = SPS_DECISION_INVALID;
    } else {
        const cJSON *l;
        cJSON_ArrayForEach(l, jlesions)
        {
            static const char *const parts[] = {"sins", "escc", "noms"};
            for (size_t i = 0; i < 3; i++)
                if (strcmp(sps_result_status(cJSON_GetObjectItemCaseSensitive(l, parts[i])), "ok") != 0)
                    st = SPS_DECISION_INCOMPLETE;
        }
        const cJSON *s;
        cJSON_ArrayForEach(s, surv)
        {
            if (strcmp(sps_result_status(s), "ok") != 0)
                st = SPS_DECISION_INCOMPLETE;
        }
    }
    static const char *const names[] = {"ok", "incomplete", "invalid"};
    cJSON_ReplaceItemInObjectCaseSensitive(root, "status", cJSON_CreateString(names[st]));
    cJSON_AddItemToObject(root, "input_errors", ctx.input_errors);
    cJSON_AddItemToObject(root, "alerts", ctx.alerts);
    cJSON_AddItemToObject(root, "warnings", ctx.warnings);

    sps_decision *d = calloc(1, sizeof *d);
    if (!d) {
        cJSON_Delete(root);
        return sps_error_set(err, SPS_ENOMEM, "sps_decide", "out of memory");
    }
    d->root = root;
    d->status = st;
    *out = d;
    return SPS_OK;
}

void sps_decision_free(sps_decision *d)
{
    if (!d)
        return;
    cJSON_Delete(d->root);
    free(d);
}

sps_decision_status sps_decision_get_status(const sps_decision *d)
{
    return d->status;
}

char *sps_decision_to_json(const sps_decision *d)
{
    return cJSON_Print(d->root);
}

char *sps_decision_to_text(const sps_decision *d)
{
    return sps_decision__text(d->root);
}

int sps_decision_get(const sps_decision *d, const char *path, char *buf, size_t buf_size)
{
    const cJSON *node = d->root;
    char key[128];
    const char *p = path;
    while (*p && node) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof key)
            return -1;
        memcpy(key, p, n);
        key[n] = '\0';
        if (cJSON_IsArray(node)) {
            char *endp = NULL;
            long i = strtol(key, &endp, 10);
            node = (endp && *endp == '\0') ? cJSON_GetArrayItem(node, (int)i) : NULL;
        } else {
            node = cJSON_GetObjectItemCaseSensitive(node, key);
        }
        p += n;
        if (*p == '.')
            p++;
    }
    if (!node)
        return -1;
    if (cJSON_IsString(node))
        return snprintf(buf, buf_size, "%s", node->valuestring);
    if (cJSON_IsNumber(node)) {
        if (node->valuedouble == (double)(long long)node->valuedouble)
            return snprintf(buf, buf_size, "%lld", (long long)node->valuedouble);
        return snprintf(buf, buf_size, "%.17g", node->valuedouble);
    }
    if (cJSON_IsBool(node))
        return snprintf(buf, buf_size, "%s", cJSON_IsTrue(node) ? "true" : "false");
    if (cJSON_IsNull(node))
        return snprintf(buf, buf_size, "null");
    char *s = cJSON_PrintUnformatted(node);
    if (!s)
        return -1;
    int n = snprintf(buf, buf_size, "%s", s);
    free(s);
    return n;
}
