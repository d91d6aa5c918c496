/* test_annotations.c — reader annotations (spinescore JSON and 3D Slicer markups) to measurements,
 * on geometry whose answers are known by construction; bad items are named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/measure.h"
#include "test_support.h"

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

/* Six points of a vertebra body 30 mm deep (A at y=-30, P at y=0) on x=0, bottom at z0. */
static void add_vertebra(char *buf, size_t n, const char *level, double z0, double ha, double hm, double hp)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp,
             "{\"level\":\"%s\",\"role\":\"sup_ant\",\"lps\":[0,-30,%g]},{\"level\":\"%s\",\"role\":\"sup_mid\",\"lps\":[0,-15,%g]},"
             "{\"level\":\"%s\",\"role\":\"sup_post\",\"lps\":[0,0,%g]},{\"level\":\"%s\",\"role\":\"inf_ant\",\"lps\":[0,-30,%g]},"
             "{\"level\":\"%s\",\"role\":\"inf_mid\",\"lps\":[0,-15,%g]},{\"level\":\"%s\",\"role\":\"inf_post\",\"lps\":[0,0,%g]},",
             level, z0 + ha, level, z0 + hm, level, z0 + hp, level, z0, level, z0, level, z0);
    strncat(buf, tmp, n - strlen(buf) - 1);
}

/* flat 24-mm T11 and L1 around a T12 wedge of anterior height ha (Hm 18, Hp 24) */
static void wedge_t12(char *buf, size_t n, double ha)
{
    add_vertebra(buf, n, "T11", 60, 24, 24, 24);
    add_vertebra(buf, n, "T12", 30, ha, 18, 24);
    add_vertebra(buf, n, "L1", 0, 24, 24, 24);
}

static cJSON *measure(const char *json, const char *level)
{
    sps_annotations *a = NULL;
    sps_error err;
    sps_error_clear(&err);
    if (sps_annotations_parse(&a, models, json, strlen(json), "a.json", NULL, NULL, &err) != SPS_OK) {
        print_error("%s: %s\n", err.where, err.message);
        return NULL;
    }
    char *out = NULL;
    sps_status st = sps_measure_lesion_json(&out, models, a, level, &err);
    sps_annotations_free(a);
    if (st != SPS_OK) {
        print_error("%s: %s\n", err.where, err.message);
        return NULL;
    }
    cJSON *j = cJSON_Parse(out);
    free(out);
    return j;
}

static double num_at(const cJSON *j, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, a), b), c);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *str_at(const cJSON *j, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (c)
        x = cJSON_GetObjectItemCaseSensitive(x, c);
    return cJSON_IsString(x) ? x->valuestring : "";
}

static void test_annotations__three_vertebrae_give_collapse_and_alignment(void **state)
{
    (void)state;
    char buf[16384] = "{\"format\":\"spinescore-annotations\",\"version\":1,\"points\":[";
    wedge_t12(buf, sizeof buf, 10); /* anterior 58.3 % loss vs 24 mm */
    strncat(buf, "{\"level\":\"T12\",\"role\":\"left_pedicle\",\"lps\":[10,5,40]},"
                 "{\"level\":\"T12\",\"role\":\"right_facet\",\"lps\":[-10,20,40]}],"
                 "\"vertebrae\":[{\"level\":\"T12\",\"involved\":true,\"body_involved_fraction\":0.7}]}",
            sizeof buf - strlen(buf) - 1);
    cJSON *j = measure(buf, "t12");
    assert_non_null(j);
    sps_assert_near(num_at(j, "measurements", "collapse", "collapse_pct"), 100.0 * (1 - 10.0 / 24.0), 1e-6);
    sps_assert_near(num_at(j, "measurements", "collapse", "ha_mm"), 10.0, 1e-9);
    assert_string_equal(str_at(j, "measurements", "collapse", "reference_method"), "neighbours");
    assert_string_equal(str_at(j, "lesion", "level", NULL), "T12");
    const cJSON *sins = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "lesion"), "sins");
    assert_string_equal(str_at(sins, "collapse", "value", NULL), "gt50");
    assert_string_equal(str_at(sins, "collapse", "source", NULL), "measured");
    assert_string_equal(str_at(j, "measurements", "collapse", "near_cut"), ""); /* 58.3 %: clear of 50 */
    assert_string_equal(str_at(sins, "posterolateral", "value", NULL), "bilateral");
    /* flat neighbours, no translation: the anterior wedge of T12 gives no segmental angle between
     * T11's superior and L1's inferior endplate (both flat) */
    sps_assert_near(num_at(j, "measurements", "alignment", "translation_mm"), 0.0, 1e-9);
    assert_string_equal(str_at(sins, "alignment", "value", NULL), "normal");
    /* bone lesion needs voxels; pain is clinical */
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "not_measured");
    int saw_bone = 0, saw_pain = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, nm)
    {
        saw_bone |= strcmp(str_at(e, "component", NULL, NULL), "bone_lesion") == 0;
        saw_pain |= strcmp(str_at(e, "component", NULL, NULL), "pain") == 0;
    }
    assert_true(saw_bone && saw_pain);
    cJSON_Delete(j);
}

/* 12.4 of 24 mm anterior: 48.3 % collapse, "lt50", within 5 points of the 50 % cut: the evidence
 * and the component's explanation say so (measurement.collapse.near_cut_points). */
static void test_annotations__collapse_near_the_50_cut_says_so(void **state)
{
    (void)state;
    char buf[16384] = "{\"format\":\"spinescore-annotations\",\"version\":1,\"points\":[";
    wedge_t12(buf, sizeof buf, 12.4);
    strncat(buf, "{\"level\":\"T12\",\"role\":\"left_pedicle\",\"lps\":[10,5,40]}],"
                 "\"vertebrae\":[{\"level\":\"T12\",\"involved\":true,\"body_involved_fraction\":0.3}]}",
            sizeof buf - strlen(buf) - 1);
    cJSON *j = measure(buf, "T12");
    assert_non_null(j);
    sps_assert_near(num_at(j, "measurements", "collapse", "collapse_pct"), 100.0 * (1 - 12.4 / 24.0), 1e-6);
    const cJSON *sins = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "lesion"), "sins");
    assert_string_equal(str_at(sins, "collapse", "value", NULL), "lt50");
    assert_non_null(strstr(str_at(j, "measurements", "collapse", "near_cut"), "1.7 points below the 50 % cut"));
    assert_non_null(strstr(str_at(sins, "collapse", "evidence", "near_cut"), "50 % cut"));
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sins, "collapse"), "evidence");
    assert_non_null(strstr(str_at(ev, "explanation", NULL, NULL), "NEAR A CUT"));
    cJSON_Delete(j);
}

static void test_annotations__lesion_json_feeds_the_decision_core(void **state)
{
    (void)state;
    char buf[16384] = "{\"format\":\"spinescore-annotations\",\"version\":1,\"points\":[";
    wedge_t12(buf, sizeof buf, 10);
    strncat(buf, "{\"level\":\"T12\",\"role\":\"left_pedicle\",\"lps\":[10,5,40]}]}", sizeof buf - strlen(buf) - 1);
    cJSON *j = measure(buf, "T12");
    assert_non_null(j);
    cJSON *lesion = cJSON_DetachItemFromObjectCaseSensitive(j, "lesion");
    cJSON *sins = cJSON_GetObjectItemCaseSensitive(lesion, "sins");
    cJSON_AddStringToObject(sins, "pain", "mechanical");
    cJSON_AddStringToObject(sins, "bone_lesion", "lytic");
    cJSON *c = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(c, "lesions");
    cJSON_AddItemToArray(arr, lesion);
    char *text = cJSON_PrintUnformatted(c);
    sps_case *k = NULL;
    sps_decision *d = NULL;
    sps_error err;
    assert_int_equal(sps_case_parse(&k, text, strlen(text), "t", &err), SPS_OK);
    assert_int_equal(sps_decide(&d, models, k, NULL, &err), SPS_OK);
    char v[64];
    /* T12 junctional 3 + mechanical 3 + lytic 2 + normal 0 + gt50 3 + unilateral 1 = 12 */
    assert_true(sps_decision_get(d, "lesions.0.sins.total", v, sizeof v) > 0);
    assert_string_equal(v, "12");
    assert_true(sps_decision_get(d, "lesions.0.sins.components.collapse.source", v, sizeof v) > 0);
    assert_string_equal(v, "measured");
    sps_decision_free(d);
    sps_case_free(k);
    free(text);
    cJSON_Delete(c);
    cJSON_Delete(j);
}

static void test_annotations__slicer_markups_ras_points_and_curves(void **state)
{
    (void)state;
    /* Points in RAS: LPS = (-R, -A, S). A square sac of 10x10 mm and a cord of 4x4 at the worst
     * and reference slices; a tumour touching the cord. */
    const char *mrk =
        "{\"@schema\":\"https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#\","
        "\"markups\":[{\"type\":\"Fiducial\",\"coordinateSystem\":\"RAS\",\"controlPoints\":["
        "{\"label\":\"T12 left_pedicle\",\"position\":[-10.0, 5.0, 40.0]}]},"
        "{\"type\":\"ClosedCurve\",\"name\":\"T12 sac_outline worst\",\"coordinateSystem\":\"LPS\",\"controlPoints\":["
        "{\"position\":[-5,-5,40]},{\"position\":[5,-5,40]},{\"position\":[5,5,40]},{\"position\":[-5,5,40]}]},"
        "{\"type\":\"ClosedCurve\",\"name\":\"T12 cord_outline worst\",\"coordinateSystem\":\"LPS\",\"controlPoints\":["
        "{\"position\":[-2,-2,40]},{\"position\":[2,-2,40]},{\"position\":[2,2,40]},{\"position\":[-2,2,40]}]},"
        "{\"type\":\"ClosedCurve\",\"name\":\"T12 tumor_outline worst\",\"coordinateSystem\":\"LPS\",\"controlPoints\":["
        "{\"position\":[-4,-5,40]},{\"position\":[4,-5,40]},{\"position\":[4,-2,40]},{\"position\":[-4,-2,40]}]},"
        "{\"type\":\"ClosedCurve\",\"name\":\"T10 sac_outline reference\",\"coordinateSystem\":\"LPS\",\"controlPoints\":["
        "{\"position\":[-6,-6,90]},{\"position\":[6,-6,90]},{\"position\":[6,6,90]},{\"position\":[-6,6,90]}]},"
        "{\"type\":\"ClosedCurve\",\"name\":\"T10 cord_outline reference\",\"coordinateSystem\":\"LPS\",\"controlPoints\":["
        "{\"position\":[-2,-2,90]},{\"position\":[2,-2,90]},{\"position\":[2,2,90]},{\"position\":[-2,2,90]}]}]}";
    cJSON *j = measure(mrk, "T12");
    assert_non_null(j);
    sps_assert_near(num_at(j, "measurements", "escc", "sac_area_mm2"), 100.0, 1e-9);
    sps_assert_near(num_at(j, "measurements", "escc", "ref_sac_area_mm2"), 144.0, 1e-9);
    sps_assert_near(num_at(j, "measurements", "escc", "cord_area_mm2"), 16.0, 1e-9);
    sps_assert_near(num_at(j, "measurements", "escc", "tumor_cord_distance_mm"), 0.0, 1e-9);
    /* sac 69 % of reference (deformed), tumour touches the cord, cord area 100 %: 1c */
    assert_string_equal(str_at(j, "lesion", "escc", "value"), "1c");
    assert_string_equal(str_at(j, "lesion", "escc", "source"), "semi_automatic");
    /* RAS (-10, 5, 40) -> LPS (10, -5, 40) is the left pedicle: unilateral */
    const cJSON *sins = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "lesion"), "sins");
    assert_string_equal(str_at(sins, "posterolateral", "value", NULL), "unilateral");
    cJSON_Delete(j);
}

static void expect_error(const char *json, sps_status code, const char *where_part, const char *msg_part)
{
    sps_annotations *a = NULL;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_annotations_parse(&a, models, json, strlen(json), "a.json", NULL, NULL, &err), code);
    assert_null(a);
    if (!strstr(err.where, where_part) || !strstr(err.message, msg_part))
        fail_msg("got '%s: %s', expected '%s' and '%s'", err.where, err.message, where_part, msg_part);
}

static void test_annotations__bad_items_are_named(void **state)
{
    (void)state;
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T13\",\"role\":\"sup_ant\",\"lps\":[0,0,0]}]}",
                 SPS_EINVALID, "points[0]", "T13");
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"top\",\"lps\":[0,0,0]}]}",
                 SPS_EINVALID, "points[0]", "unknown point role");
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"sup_ant\",\"lps\":[0,0]}]}",
                 SPS_EINVALID, "points[0]", "three finite numbers");
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"sup_ant\",\"lps\":[0,0,0]},"
                 "{\"level\":\"T12\",\"role\":\"sup_ant\",\"lps\":[0,0,1]}]}",
                 SPS_EINVALID, "points[1]", "duplicate point T12 sup_ant");
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"sup_ant\","
                 "\"pixel\":{\"instance\":3,\"column\":10,\"row\":20}}]}",
                 SPS_EINVALID, "points[0]", "series geometry");
    expect_error("{\"format\":\"spinescore-annotations\",\n\"points\": [,]}", SPS_EFORMAT, "a.json:2:", "malformed JSON");
    expect_error("{\"markups\":[{\"type\":\"Fiducial\",\"controlPoints\":[{\"label\":\"L6 sup_ant\",\"position\":[0,0,0]}]}]}",
                 SPS_EINVALID, "L6 sup_ant", "not a standard vertebral level");
    expect_error("{\"markups\":[{\"type\":\"ROI\",\"controlPoints\":[]}]}", SPS_EINVALID, "markups[0]", "unsupported markup type");
    expect_error("{\"points\":[]}", SPS_EFORMAT, "a.json", "not an annotation file");
    /* three of six points: measuring the level names what is missing */
    const char *three = "{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"sup_ant\",\"lps\":[0,-30,40]},"
                        "{\"level\":\"T12\",\"role\":\"sup_mid\",\"lps\":[0,-15,40]},{\"level\":\"T12\",\"role\":\"sup_post\",\"lps\":[0,0,40]}]}";
    sps_annotations *a = NULL;
    sps_error err;
    assert_int_equal(sps_annotations_parse(&a, models, three, strlen(three), "a.json", NULL, NULL, &err), SPS_OK);
    char *out = NULL;
    assert_int_equal(sps_measure_lesion_json(&out, models, a, "T12", &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "3 of the six morphometry points"));
    assert_null(out);
    sps_annotations_free(a);
}

static int resolver(void *ctx, const char *series, const char *sop, int instance, int frame, double col, double row,
                    double lps[3])
{
    (void)ctx;
    (void)series;
    (void)sop;
    (void)frame;
    if (instance < 1 || instance > 10 || col < 0 || row < 0 || col > 255 || row > 255)
        return 1;
    /* axial slices 5 mm apart, 0.5 mm pixels, origin (-64, -64, 0) */
    lps[0] = -64 + 0.5 * col;
    lps[1] = -64 + 0.5 * row;
    lps[2] = 5.0 * (instance - 1);
    return 0;
}

static void test_annotations__pixel_references_use_the_caller_geometry(void **state)
{
    (void)state;
    const char *json = "{\"format\":\"spinescore-annotations\",\"points\":["
                       "{\"level\":\"T12\",\"role\":\"lesion_seed\",\"pixel\":{\"instance\":3,\"column\":128,\"row\":100}}]}";
    sps_annotations *a = NULL;
    sps_error err;
    assert_int_equal(sps_annotations_parse(&a, models, json, strlen(json), "a.json", resolver, NULL, &err), SPS_OK);
    assert_int_equal(sps_annotations_point_count(a), 1);
    sps_annotations_free(a);
    const char *outside = "{\"format\":\"spinescore-annotations\",\"points\":["
                          "{\"level\":\"T12\",\"role\":\"lesion_seed\",\"pixel\":{\"instance\":30,\"column\":128,\"row\":100}}]}";
    assert_int_equal(sps_annotations_parse(&a, models, outside, strlen(outside), "a.json", resolver, NULL, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "not in the series"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annotations__three_vertebrae_give_collapse_and_alignment),
        cmocka_unit_test(test_annotations__collapse_near_the_50_cut_says_so),
        cmocka_unit_test(test_annotations__lesion_json_feeds_the_decision_core),
        cmocka_unit_test(test_annotations__slicer_markups_ras_points_and_curves),
        cmocka_unit_test(test_annotations__bad_items_are_named),
        cmocka_unit_test(test_annotations__pixel_references_use_the_caller_geometry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
