/* test_core.c — the decision core, driven by case files in the JSON files of tests/cases/core. Each file
 * names the clinical source of its expected values; each case gives a case object and the
 * expected values at dotted paths of the decision (see tests/cases/core/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/core.h"
#include "test_support.h"
#include "util_internal.h"

static sps_models *models;

static int setup(void **state)
{
    (void)state;
    sps_error err;
    return sps_models_load_builtin(&models, &err) == SPS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sps_models_free(models);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compare the decision value at path with an expected JSON value; returns 1 if equal. */
static int value_matches(const sps_decision *d, const char *path, const cJSON *expected, char *got, size_t n)
{
    int len = sps_decision_get(d, path, got, n);
    if (cJSON_IsNull(expected))
        return len < 0 || strcmp(got, "null") == 0;
    if (len < 0) {
        snprintf(got, n, "(absent)");
        return 0;
    }
    char want[512];
    if (cJSON_IsString(expected))
        snprintf(want, sizeof want, "%s", expected->valuestring);
    else if (cJSON_IsBool(expected))
        snprintf(want, sizeof want, "%s", cJSON_IsTrue(expected) ? "true" : "false");
    else if (cJSON_IsNumber(expected) && expected->valuedouble == (double)(long long)expected->valuedouble)
        snprintf(want, sizeof want, "%lld", (long long)expected->valuedouble);
    else if (cJSON_IsNumber(expected))
        snprintf(want, sizeof want, "%.17g", expected->valuedouble);
    else {
        char *t = cJSON_PrintUnformatted(expected);
        snprintf(want, sizeof want, "%s", t ? t : "");
        free(t);
    }
    return strcmp(want, got) == 0;
}

static int run_file(const char *path, int *ncases)
{
    char *text = NULL;
    size_t len = 0;
    sps_error err;
    if (sps_read_file(&text, &len, path, 1u << 22, &err) != SPS_OK) {
        print_error("%s: %s\n", path, err.message);
        return 1;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) {
        print_error("%s: malformed JSON\n", path);
        return 1;
    }
    int failures = 0;
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "source");
    if (!cJSON_IsString(src) || !src->valuestring[0]) {
        print_error("%s: a case file must name its clinical source\n", path);
        failures++;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(c, "case");
        const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
        const char *nm = cJSON_IsString(name) ? name->valuestring : "(unnamed)";
        if (!cs || !cJSON_IsObject(expect) || cJSON_GetArraySize(expect) == 0) {
            print_error("%s: case %s lacks \"case\" or a non-empty \"expect\"\n", path, nm);
            failures++;
            continue;
        }
        (*ncases)++;
        char *cj = NULL;
        const cJSON *inc = cJSON_GetObjectItemCaseSensitive(cs, "$include");
        if (cJSON_IsString(inc)) {
            size_t ilen = 0;
            if (sps_read_file(&cj, &ilen, sps_test_path(inc->valuestring), 1u << 22, &err) != SPS_OK) {
                print_error("%s: case %s: cannot read %s\n", path, nm, inc->valuestring);
                failures++;
                continue;
            }
        } else {
            cj = cJSON_PrintUnformatted(cs);
        }
        sps_case *k = NULL;
        sps_decision *d = NULL;
        sps_decide_options opts = SPS_DECIDE_OPTIONS_INIT;
        const cJSON *wording = cJSON_GetObjectItemCaseSensitive(c, "wording");
        if (cJSON_IsString(wording))
            opts.wording = wording->valuestring;
        if (sps_case_parse(&k, cj, strlen(cj), nm, &err) != SPS_OK ||
            sps_decide(&d, models, k, &opts, &err) != SPS_OK) {
            print_error("%s: case %s: %s: %s\n", path, nm, err.where, err.message);
            failures++;
        } else {
            const cJSON *e;
            cJSON_ArrayForEach(e, expect)
            {
                char got[4096];
                if (!value_matches(d, e->string, e, got, sizeof got)) {
                    char *w = cJSON_PrintUnformatted(e);
                    print_error("%s: case \"%s\": %s = %s, expected %s\n", path, nm, e->string, got, w ? w : "?");
                    free(w);
                    failures++;
                }
            }
        }
        free(cj);
        sps_decision_free(d);
        sps_case_free(k);
    }
    cJSON_Delete(root);
    return failures;
}

static void test_core__case_files_give_expected_decisions(void **state)
{
    (void)state;
    const char *dir = sps_test_path("tests/cases/core");
    char dirbuf[4096];
    sps_strlcpy(dirbuf, dir, sizeof dirbuf);
    DIR *d = opendir(dirbuf);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            names[n++] = sps_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_name);
    int failures = 0, ncases = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dirbuf, names[i]);
        failures += run_file(path, &ncases);
        free(names[i]);
    }
    print_message("%d case files, %d cases, %d failures\n", (int)n, ncases, failures);
    assert_true(n >= 1);
    assert_true(ncases >= 1);
    assert_int_equal(failures, 0);
}

static void test_core__malformed_case_json_names_line_and_column(void **state)
{
    (void)state;
    const char *bad = "{\n  \"lesions\": [\n    {\"level\": \"T12\",, }\n  ]\n}\n";
    sps_case *c = NULL;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_case_parse(&c, bad, strlen(bad), "bad.json", &err), SPS_EFORMAT);
    assert_null(c);
    assert_string_equal(err.where, "bad.json:3:22");
}

static void test_core__malformed_model_file_is_refused_with_line_and_column(void **state)
{
    (void)state;
    char *dir = sps_test_mkdtemp();
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/sins.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\n \"model\": \"sins\",\n \"version\": 1.0.0\n}\n", f);
    fclose(f);
    sps_models *m = NULL;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_models_load_dir(&m, dir, &err), SPS_EFORMAT);
    assert_null(m);
    char want[600];
    snprintf(want, sizeof want, "%s:3:16", path); /* the second "." of 1.0.0 */
    assert_string_equal(err.where, want);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_core__model_override_changes_the_escc_class_boundary(void **state)
{
    (void)state;
    /* models/escc.json high_grade_from = "1c" makes 1c high grade (clinical-reference.md 10.2). */
    char *dir = sps_test_mkdtemp();
    char *orig = sps_models_dump(models, "escc");
    cJSON *j = cJSON_Parse(orig);
    free(orig);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "high_grade_from", cJSON_CreateString("1c"));
    char *txt = cJSON_Print(j);
    cJSON_Delete(j);
    char path[512];
    snprintf(path, sizeof path, "%s/escc.json", dir);
    FILE *f = fopen(path, "w");
    fputs(txt, f);
    fclose(f);
    free(txt);
    sps_models *m = NULL;
    sps_error err;
    assert_int_equal(sps_models_load_dir(&m, dir, &err), SPS_OK);
    const char *cs = "{\"lesions\":[{\"level\":\"T6\",\"escc\":\"1c\"}]}";
    sps_case *c = NULL;
    sps_decision *d = NULL;
    assert_int_equal(sps_case_parse(&c, cs, strlen(cs), "t", &err), SPS_OK);
    assert_int_equal(sps_decide(&d, m, c, NULL, &err), SPS_OK);
    char buf[64];
    assert_true(sps_decision_get(d, "lesions.0.escc.class", buf, sizeof buf) > 0);
    assert_string_equal(buf, "high");
    sps_decision_free(d);
    sps_decision_free(NULL);
    assert_int_equal(sps_decide(&d, models, c, NULL, &err), SPS_OK);
    assert_true(sps_decision_get(d, "lesions.0.escc.class", buf, sizeof buf) > 0);
    assert_string_equal(buf, "low");
    sps_decision_free(d);
    sps_case_free(c);
    sps_models_free(m);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_core__every_embedded_model_names_its_source(void **state)
{
    (void)state;
    assert_true(sps_models_count(models) >= 11);
    for (size_t i = 0; i < sps_models_count(models); i++) {
        char *s = sps_models_dump(models, sps_models_name(models, i));
        cJSON *j = cJSON_Parse(s);
        free(s);
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "source");
        if (!cJSON_IsString(src) || strlen(src->valuestring) < 8)
            fail_msg("model %s has no source", sps_models_name(models, i));
        cJSON_Delete(j);
    }
}

static void test_core__text_output_names_total_and_missing_fields(void **state)
{
    (void)state;
    const char *cs = "{\"lesions\":[{\"level\":\"L1\",\"sins\":{\"pain\":\"mechanical\",\"bone_lesion\":\"lytic\","
                     "\"alignment\":\"normal\",\"collapse\":\"gt50\",\"posterolateral\":\"unilateral\"},\"escc\":\"2\"}]}";
    sps_case *c = NULL;
    sps_decision *d = NULL;
    sps_error err;
    assert_int_equal(sps_case_parse(&c, cs, strlen(cs), "t", &err), SPS_OK);
    assert_int_equal(sps_decide(&d, models, c, NULL, &err), SPS_OK);
    char *t = sps_decision_to_text(d);
    assert_non_null(strstr(t, "TOTAL 12 -> potentially_unstable"));
    assert_non_null(strstr(t, "patient.histology"));
    free(t);
    sps_decision_free(d);
    sps_case_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core__case_files_give_expected_decisions),
        cmocka_unit_test(test_core__malformed_case_json_names_line_and_column),
        cmocka_unit_test(test_core__malformed_model_file_is_refused_with_line_and_column),
        cmocka_unit_test(test_core__model_override_changes_the_escc_class_boundary),
        cmocka_unit_test(test_core__every_embedded_model_names_its_source),
        cmocka_unit_test(test_core__text_output_names_total_and_missing_fields),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
