/* test_annotations_volume.c — annotations measured against a volume whose voxels are known:
 * lesion density from polygon and sphere regions, the lesion fraction of the outlined body,
 * points outside the volume, non-planar polygons, mask regions and the lesion level. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/measure.h"
#include "spinescore/volume.h"
#include "test_support.h"

static sps_models *models;
static sps_volume *vol;

/* 40 x 40 x 20 voxels, 1 x 1 x 2 mm, identity directions, origin 0: voxel (i,j,k) is at
 * (i, j, 2k) mm. Normal bone 200 HU; a lytic block of 30 HU at i, j in [10, 20), k in [5, 10). */
static int setup(void **state)
{
    (void)state;
    sps_error err;
    if (sps_models_load_builtin(&models, &err) != SPS_OK)
        return -1;
    sps_geometry g = {{40, 40, 20}, {1, 1, 2}, {0, 0, 0}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
    if (sps_volume_new(&vol, &g, &err) != SPS_OK)
        return -1;
    float *d = sps_volume_data(vol);
    for (size_t k = 0; k < 20; k++)
        for (size_t j = 0; j < 40; j++)
            for (size_t i = 0; i < 40; i++)
                d[(k * 40 + j) * 40 + i] = (i >= 10 && i < 20 && j >= 10 && j < 20 && k >= 5 && k < 10) ? 30.0f : 200.0f;
    sps_volume_set_meta(vol, SPS_UNITS_HU, "CT", "1.2.3");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sps_volume_free(vol);
    sps_models_free(models);
    return 0;
}

static sps_status run(const char *json, const char *level, cJSON **out, sps_error *err)
{
    sps_annotations *a = NULL;
    *out = NULL;
    sps_error_clear(err);
    sps_status st = sps_annotations_parse(&a, models, json, strlen(json), "v.json", NULL, NULL, err);
    if (st == SPS_OK)
        st = sps_annotations_check_volume(a, vol, err);
    char *text = NULL;
    if (st == SPS_OK)
        st = sps_measure_lesion_json_volume(&text, models, a, vol, level, err);
    sps_annotations_free(a);
    if (text) {
        *out = cJSON_Parse(text);
        free(text);
    }
    return st;
}

static double num(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* A square polygon on the plane z (axial), from lo to hi in x and y. */
static void square(char *buf, size_t n, const char *role, double lo, double hi, double z)
{
    char t[400];
    snprintf(t, sizeof t,
             "{\"level\":\"T12\",\"role\":\"%s\",\"polygon\":{\"lps\":[[%g,%g,%g],[%g,%g,%g],[%g,%g,%g],[%g,%g,%g]]}},",
             role, lo, lo, z, hi, lo, z, hi, hi, z, lo, hi, z);
    strncat(buf, t, n - strlen(buf) - 1);
}

static void test_polygons_density_and_fraction(void **state)
{
    (void)state;
    /* lesion outlined on its five slices (z = 10 ... 18), body outlined 25 x 25 voxels there;
     * reference sphere of radius 4 mm around (30, 30, 30) in normal bone */
    char json[8192] = "{\"format\":\"spinescore-annotations\",\"regions\":[";
    for (int k = 5; k < 10; k++) {
        square(json, sizeof json, "lesion", 9.6, 19.4, 2.0 * k);
        square(json, sizeof json, "body", 4.6, 29.4, 2.0 * k);
    }
    strncat(json, "{\"level\":\"T11\",\"role\":\"reference_bone\",\"sphere\":{\"center_lps\":[30,30,30],\"radius_mm\":4}}],"
                  "\"vertebrae\":[{\"level\":\"T12\",\"involved\":true}]}", sizeof json - strlen(json) - 1);
    cJSON *out = NULL;
    sps_error err;
    assert_int_equal(run(json, "T12", &out, &err), SPS_OK);
    assert_non_null(out);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(out, "measurements");
    /* reference voxels counted independently: centres within 4 mm of (30, 30, 30) */
    size_t nref = 0;
    for (int k = 0; k < 20; k++)
        for (int j = 0; j < 40; j++)
            for (int i = 0; i < 40; i++)
                nref += (i - 30) * (i - 30) + (j - 30) * (j - 30) + (2 * k - 30) * (2 * k - 30) <= 16;
    assert_true(nref >= 30);
    sps_assert_near(num(m, "bone_lesion", "lesion_voxels"), 500, 0);
    sps_assert_near(num(m, "bone_lesion", "lesion_mean_hu"), 30, 1e-9);
    sps_assert_near(num(m, "bone_lesion", "reference_voxels"), (double)nref, 0);
    sps_assert_near(num(m, "bone_lesion", "reference_mean_hu"), 200, 1e-9);
    sps_assert_near(num(m, "bone_lesion", "lytic_below_hu"), 150, 1e-9); /* SD 0: max(2 SD, 50 HU) */
    sps_assert_near(num(m, "bone_lesion", "fraction_lytic"), 1.0, 1e-12);
    /* 10 x 10 x 5 lesion voxels in 25 x 25 x 5 body voxels */
    sps_assert_near(num(m, "body_involvement", "body_involved_fraction"), 500.0 / 3125.0, 1e-12);
    sps_assert_near(num(m, "body_involvement", "body_voxels"), 3125, 0);
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(out, "lesion"), "sins"), "bone_lesion");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(bl, "value")->valuestring, "lytic");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(bl, "source")->valuestring, "measured");
    cJSON_Delete(out);
}

static void test_sphere_lesion_blastic_mixed(void **state)
{
    (void)state;
    /* a sphere half in the lytic block and half in normal bone: 30 and 200 HU; no blastic voxel,
     * so lytic if >= 20 % of the voxels are lytic */
    const char *json = "{\"format\":\"spinescore-annotations\",\"regions\":["
                       "{\"level\":\"T12\",\"role\":\"lesion\",\"sphere\":{\"center_lps\":[20,15,14],\"radius_mm\":3}},"
                       "{\"level\":\"T10\",\"role\":\"reference_bone\",\"sphere\":{\"center_lps\":[30,30,30],\"radius_mm\":4}}]}";
    cJSON *out = NULL;
    sps_error err;
    assert_int_equal(run(json, "T12", &out, &err), SPS_OK);
    size_t nl = 0, nlyt = 0;
    for (int k = 0; k < 20; k++)
        for (int j = 0; j < 40; j++)
            for (int i = 0; i < 40; i++)
                if ((i - 20) * (i - 20) + (j - 15) * (j - 15) + (2 * k - 14) * (2 * k - 14) <= 9) {
                    nl++;
                    nlyt += i >= 10 && i < 20 && j >= 10 && j < 20 && k >= 5 && k < 10;
                }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(out, "measurements");
    sps_assert_near(num(m, "bone_lesion", "lesion_voxels"), (double)nl, 0);
    sps_assert_near(num(m, "bone_lesion", "fraction_lytic"), (double)nlyt / (double)nl, 1e-12);
    assert_null(cJSON_GetObjectItemCaseSensitive(m, "body_involvement")); /* no body outline */
    cJSON_Delete(out);
}

static void expect_error(const char *json, sps_status code, const char *where_part, const char *msg_part)
{
    cJSON *out = NULL;
    sps_error err;
    sps_status st = run(json, "T12", &out, &err);
    cJSON_Delete(out);
    if (st != code || !strstr(err.where, where_part) || !strstr(err.message, msg_part)) {
        print_error("expected %d %s / %s, got %d %s: %s\n", code, where_part, msg_part, st, err.where, err.message);
        fail();
    }
}

static void test_refusals(void **state)
{
    (void)state;
    expect_error("{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"left_pedicle\",\"lps\":[10,10,10]},"
                 "{\"level\":\"T12\",\"role\":\"right_pedicle\",\"lps\":[100,10,10]}]}",
                 SPS_EINVALID, "points[1]", "outside the loaded series");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\","
                 "\"polygon\":{\"lps\":[[0,0,10],[10,0,10],[10,10,14],[0,10,10]]}}]}",
                 SPS_EINVALID, "regions[0]", "not planar");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\","
                 "\"polygon\":{\"lps\":[[0,0,10],[10,0,10],[20,0,10]]}}]}",
                 SPS_EINVALID, "regions[0]", "degenerate");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\",\"mask\":\"m.nii\"}]}",
                 SPS_EUNSUPPORTED, "regions[0]", "mask");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\","
                 "\"sphere\":{\"center_lps\":[15,15,14],\"radius_mm\":1},\"polygon\":{\"lps\":[[0,0,10],[10,0,10],[10,10,10]]}}]}",
                 SPS_EINVALID, "regions[0]", "exactly one");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\","
                 "\"sphere\":{\"center_lps\":[39.4,39.4,38.8],\"radius_mm\":0.3}},"
                 "{\"level\":\"T10\",\"role\":\"reference_bone\",\"sphere\":{\"center_lps\":[30,30,30],\"radius_mm\":4}}]}",
                 SPS_EINVALID, "T12", "contains no voxel centre");
    expect_error("{\"format\":\"spinescore-annotations\",\"regions\":[{\"level\":\"T12\",\"role\":\"lesion\","
                 "\"sphere\":{\"center_lps\":[15,15,14],\"radius_mm\":3}},"
                 "{\"level\":\"T10\",\"role\":\"reference_bone\",\"sphere\":{\"center_lps\":[30,30,30],\"radius_mm\":1.5}}]}",
                 SPS_EINVALID, "reference ROI of T12", "at least 30");
}

static void test_lesion_level(void **state)
{
    (void)state;
    const char *one = "{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"left_facet\",\"lps\":[1,1,1]}]}";
    const char *two = "{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"left_facet\",\"lps\":[1,1,1]}],"
                      "\"vertebrae\":[{\"level\":\"L1\",\"involved\":true}]}";
    const char *none = "{\"format\":\"spinescore-annotations\",\"points\":[{\"level\":\"T12\",\"role\":\"lamina\",\"lps\":[1,1,1]}]}";
    const char *docs[3] = {one, two, none};
    sps_status want[3] = {SPS_OK, SPS_EINVALID, SPS_EINVALID};
    for (int i = 0; i < 3; i++) {
        sps_annotations *a = NULL;
        sps_error err;
        assert_int_equal(sps_annotations_parse(&a, models, docs[i], strlen(docs[i]), "l.json", NULL, NULL, &err), SPS_OK);
        char level[8] = "";
        assert_int_equal(sps_annotations_lesion_level(a, level, &err), want[i]);
        if (i == 0)
            assert_string_equal(level, "T12");
        if (i == 1)
            assert_non_null(strstr(err.message, "T12, L1"));
        sps_annotations_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygons_density_and_fraction),
        cmocka_unit_test(test_sphere_lesion_blastic_mixed),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_lesion_level),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
