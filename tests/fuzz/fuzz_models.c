/* fuzz_models.c — libFuzzer target: model files (src/core models loader). The input is written
 * into a scratch folder as <model>.json, named after its own "model" member when that is a plain
 * name (so that a mutated sins.json replaces the built-in one, as `--models DIR` does), and
 * loaded with sps_models_load_dir. Loaded models are then used: the sample case is decided and
 * the sample CT annotations are measured with them (a model that loads but lacks or garbles a
 * table must give a named error, not a crash). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotations_harness.h"
#include "fuzz_common.h"
#include "spinescore/core.h"
#include "test_support.h"

static char *g_case, *g_ann;
static size_t g_case_len, g_ann_len;
static char g_last[128];

static char *slurp(const char *rel, size_t *len)
{
    FILE *f = fopen(sps_test_path(rel), "rb");
    if (!f)
        abort();
    char *buf = malloc(1 << 16);
    if (!buf)
        abort();
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void model_name(char *name, size_t n, const uint8_t *data, size_t size)
{
    snprintf(name, n, "fuzz");
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (cJSON_IsString(m) && m->valuestring[0] && strlen(m->valuestring) < 64 &&
        strspn(m->valuestring, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(m->valuestring))
        snprintf(name, n, "%s", m->valuestring);
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_init();
    if (!g_case) {
        g_case = slurp("sample-data/cases/lytic-t12-renal.case.json", &g_case_len);
        g_ann = slurp("sample-data/ct-blastic-l2/annotations.json", &g_ann_len);
    }
    char name[80], file[96];
    model_name(name, sizeof name, data, size);
    snprintf(file, sizeof file, "%s.json", name);
    if (g_last[0]) { /* one model file at a time in the folder */
        char old[512];
        snprintf(old, sizeof old, "%s/%s", sps_fuzz_scratch(), g_last);
        unlink(old);
    }
    if (!sps_fuzz_write(file, data, size))
        return 0;
    snprintf(g_last, sizeof g_last, "%s", file);
    sps_error err;
    sps_models *models = NULL;
    if (sps_models_load_dir(&models, sps_fuzz_scratch(), &err) != SPS_OK)
        return 0;
    for (size_t i = 0; i < sps_models_count(models); i++)
        sps_free(sps_models_dump(models, sps_models_name(models, i)));
    sps_case *c = NULL;
    if (sps_case_parse(&c, g_case, g_case_len, "sample.case.json", &err) == SPS_OK) {
        sps_decision *d = NULL;
        if (sps_decide(&d, models, c, NULL, &err) == SPS_OK) {
            sps_free(sps_decision_to_json(d));
            sps_free(sps_decision_to_text(d));
        }
        sps_decision_free(d);
        sps_case_free(c);
    }
    harness_measure(models, g_ann, g_ann_len, "sample.annotations.json");
    sps_models_free(models);
    return 0;
}
