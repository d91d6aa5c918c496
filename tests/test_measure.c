/* test_measure.c — measurement derivations against analytic geometry whose answers are known by
 * construction (heights, angles, translations, voxel fractions), and the thresholds of
 * models/measurement.json (clinical-reference.md sections 1.4, 2.1, 3.2, 4, 5). */
#include <math.h>
#include <string.h>

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

/* A vertebra on the mid-sagittal plane (x = 0), body 30 mm deep (A at y = -30, P at y = 0),
 * inferior endplate flat at z = z0, superior endplate at z0 + h (anterior/middle/posterior). */
static sps_morpho6 vertebra(double z0, double ha, double hm, double hp)
{
    sps_morpho6 m = {
        .sup_ant = {0, -30, z0 + ha}, .sup_mid = {0, -15, z0 + hm}, .sup_post = {0, 0, z0 + hp},
        .inf_ant = {0, -30, z0},      .inf_mid = {0, -15, z0},      .inf_post = {0, 0, z0},
    };
    return m;
}

static void test_measure__heights_are_point_distances(void **state)
{
    (void)state;
    sps_morpho6 v = vertebra(100, 18, 20, 22);
    sps_heights h;
    sps_measure_heights(&h, &v);
    sps_assert_near(h.ha_mm, 18, 1e-12);
    sps_assert_near(h.hm_mm, 20, 1e-12);
    sps_assert_near(h.hp_mm, 22, 1e-12);
}

/* a target of anterior height ha between flat 20-mm neighbours */
static void collapse_of(sps_collapse *c, double ha, double fraction)
{
    sps_morpho6 above = vertebra(140, 20, 20, 20), below = vertebra(60, 20, 20, 20);
    sps_morpho6 t = vertebra(100, ha, 20, 20);
    sps_error err;
    assert_int_equal(sps_measure_collapse(c, models, &t, &above, &below, fraction, &err), SPS_OK);
}

static void check_collapse(double ha, double fraction, const char *token, int genant, double pct)
{
    sps_collapse c;
    collapse_of(&c, ha, fraction);
    sps_assert_near(c.collapse_pct, pct, 1e-9);
    assert_string_equal(c.sins_token, token);
    assert_int_equal(c.genant_grade, genant);
    assert_int_equal(c.reference_method, SPS_COLLAPSE_REF_NEIGHBOURS);
}

static void test_measure__collapse_categories_and_genant_bands(void **state)
{
    (void)state;
    check_collapse(9.8, NAN, "gt50", 3, 51.0);          /* > 50 % -> 3 points */
    check_collapse(10.0, NAN, "lt50", 3, 50.0);         /* exactly 50 % scores 2 (project convention) */
    check_collapse(12.0, NAN, "lt50", 2, 40.0);         /* Genant [25, 40] -> 2 */
    check_collapse(11.98, NAN, "lt50", 3, 40.1);        /* > 40 -> 3 */
    check_collapse(15.0, NAN, "lt50", 2, 25.0);         /* 25 -> 2 */
    check_collapse(16.0, NAN, "lt50", 1, 20.0);         /* 20 % = Genant 1 = collapse present */
    check_collapse(16.02, 0.6, "no_collapse_gt50_involved", 0, 19.9);
    check_collapse(16.02, 0.5, "none", 0, 19.9);        /* exactly half is not "more than 50 %" */
    check_collapse(16.02, NAN, "", 0, 19.9);            /* unknown involvement: not computable */
    check_collapse(22.0, 0.1, "none", 0, 0.0);          /* taller than the reference: no collapse */
}

/* Near a SINS cut (measurement.collapse.near_cut_points 5, near_cut_fraction 0.15): the category
 * is not changed, the evidence says it may change within the measurement error. Reference
 * heights 20 mm, so Ha = 20 * (1 - pct / 100). */
static void check_near(double ha, double fraction, const char *token, double cut, int is_fraction)
{
    sps_collapse c;
    collapse_of(&c, ha, fraction);
    assert_string_equal(c.sins_token, token);
    if (isnan(cut)) {
        assert_string_equal(c.near_cut, "");
        assert_true(isnan(c.near_cut_at));
        assert_null(strstr(c.explanation, "NEAR A CUT"));
    } else {
        assert_true(c.near_cut[0] != '\0');
        sps_assert_near(c.near_cut_at, cut, 1e-12);
        assert_int_equal(c.near_cut_is_fraction, is_fraction);
        assert_non_null(strstr(c.explanation, "NEAR A CUT"));
    }
}

static void test_measure__collapse_near_a_sins_cut_is_flagged_not_changed(void **state)
{
    (void)state;
    check_near(10.32, NAN, "lt50", 50.0, 0); /* 48.4 %: phantom case 29's truth, read gt50 at +4.0 */
    check_near(9.0, NAN, "gt50", 50.0, 0);   /* 55.0 %: at the edge (5 points) */
    check_near(8.98, NAN, "gt50", NAN, 0);   /* 55.1 %: clear of it */
    check_near(14.0, NAN, "lt50", NAN, 0);   /* 30 %: 10 points from both cuts */
    check_near(16.4, 0.1, "none", 20.0, 0);  /* 18 %: 2 points below the collapse-present cut */
    check_near(17.0, 0.1, "none", 20.0, 0);  /* 15 %: 5 points below it */
    check_near(17.0, 0.55, "no_collapse_gt50_involved", 20.0, 0); /* both near: the collapse cut is named */
    check_near(20.0, 0.55, "no_collapse_gt50_involved", 0.5, 1); /* 0 %, fraction 0.05 above 0.5 */
    check_near(20.0, 0.40, "none", 0.5, 1);  /* 0.10 below it */
    check_near(20.0, 0.70, "no_collapse_gt50_involved", NAN, 0); /* 0.20 above: clear */
    check_near(20.0, 0.10, "none", NAN, 0);  /* 0 %, fraction 0.1: clear of every cut */
    check_near(20.0, NAN, "", NAN, 0);       /* not computable: nothing to be near */
}

static void test_measure__collapse_reference_falls_back_to_one_neighbour_then_own_hp(void **state)
{
    (void)state;
    sps_morpho6 above = vertebra(140, 24, 24, 24);
    sps_morpho6 t = vertebra(100, 12, 18, 24);
    sps_collapse c;
    sps_error err;
    assert_int_equal(sps_measure_collapse(&c, models, &t, &above, NULL, 0.0, &err), SPS_OK);
    assert_int_equal(c.reference_method, SPS_COLLAPSE_REF_ONE_NEIGHBOUR);
    sps_assert_near(c.loss_pct[0], 50.0, 1e-9);
    sps_assert_near(c.loss_pct[1], 25.0, 1e-9);
    assert_int_equal(sps_measure_collapse(&c, models, &t, NULL, NULL, 0.0, &err), SPS_OK);
    assert_int_equal(c.reference_method, SPS_COLLAPSE_REF_OWN_POSTERIOR);
    sps_assert_near(c.loss_pct[0], 50.0, 1e-9);
    assert_true(isnan(c.loss_pct[2]));
    assert_non_null(strstr(c.explanation, "own posterior height"));
    /* degenerate input is refused, never scored */
    sps_morpho6 flat = vertebra(100, 0, 18, 24);
    assert_int_equal(sps_measure_collapse(&c, models, &flat, NULL, NULL, 0.0, &err), SPS_EINVALID);
    assert_int_equal(sps_measure_collapse(&c, models, &t, NULL, NULL, 1.5, &err), SPS_EINVALID);
}

static void fill(float *v, size_t n, float a, float b)
{
    /* deterministic spread between a and b */
    for (size_t i = 0; i < n; i++)
        v[i] = a + (b - a) * (float)((i * 37) % 101) / 100.0f;
}

static void test_measure__lesion_density_classes_from_voxel_fractions(void **state)
{
    (void)state;
    float ref[200], les[100];
    fill(ref, 200, 180, 220); /* mean 200, SD ~11.7 -> lytic < 150, blastic > 300 (minimum deltas) */
    sps_lesion_density d;
    sps_error err;
    fill(les, 100, 20, 80);
    assert_int_equal(sps_measure_lesion_density(&d, models, les, 100, ref, 200, &err), SPS_OK);
    sps_assert_near(d.ref_mean_hu, 200.0, 0.5);
    sps_assert_near(d.lytic_below_hu, 150.0, 0.5);
    sps_assert_near(d.blastic_above_hu, 300.0, 0.5);
    assert_string_equal(d.sins_token, "lytic");
    sps_assert_near(d.fraction_lytic, 1.0, 1e-12);
    fill(les, 100, 600, 800);
    assert_int_equal(sps_measure_lesion_density(&d, models, les, 100, ref, 200, &err), SPS_OK);
    assert_string_equal(d.sins_token, "blastic");
    fill(les, 50, 20, 80);
    fill(les + 50, 50, 600, 800);
    assert_int_equal(sps_measure_lesion_density(&d, models, les, 100, ref, 200, &err), SPS_OK);
    assert_string_equal(d.sins_token, "mixed");
    sps_assert_near(d.fraction_lytic, 0.5, 1e-12);
    /* 15 % lytic, the rest bone-like: below the 20 % class fraction -> indeterminate */
    fill(les, 100, 190, 210);
    fill(les, 15, 20, 80);
    assert_int_equal(sps_measure_lesion_density(&d, models, les, 100, ref, 200, &err), SPS_OK);
    assert_string_equal(d.sins_token, "");
    assert_non_null(strstr(d.explanation, "indeterminate"));
    assert_int_equal(sps_measure_lesion_density(&d, models, les, 100, ref, 10, &err), SPS_EINVALID);
}

/* Two vertebrae: lower body spans y in [-30, 0] at z = 0; the upper one shifted anteriorly by dy. */
static sps_alignment_input segment(double dy, double kyph_deg)
{
    sps_alignment_input in;
    memset(&in, 0, sizeof in);
    double t = tan(kyph_deg / 57.29577951308232);
    double up[3] = {0, 0 - dy, 5}, lp[3] = {0, 0, 0}, la[3] = {0, -30, 0}, lpi[3] = {0, 0, -25};
    memcpy(in.upper_post_inf, up, sizeof up);
    memcpy(in.lower_post_sup, lp, sizeof lp);
    memcpy(in.lower_post_inf, lpi, sizeof lpi);
    memcpy(in.lower_ant_sup, la, sizeof la);
    /* upper endplate tilted down anteriorly by kyph_deg (kyphosis), lower endplate flat */
    double uep[3] = {0, 0, 40}, uea[3] = {0, -30, 40 - 30 * t}, lep[3] = {0, 0, -25}, lea[3] = {0, -30, -25};
    memcpy(in.upper_end_post, uep, sizeof uep);
    memcpy(in.upper_end_ant, uea, sizeof uea);
    memcpy(in.lower_end_post, lep, sizeof lep);
    memcpy(in.lower_end_ant, lea, sizeof lea);
    return in;
}

static void test_measure__alignment_translation_and_segmental_angle(void **state)
{
    (void)state;
    sps_alignment a;
    sps_error err;
    sps_alignment_input in = segment(3.0, 0);
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    sps_assert_near(a.translation_mm, 3.0, 1e-9);
    sps_assert_near(a.translation_pct, 10.0, 1e-9);
    assert_string_equal(a.sins_token, "subluxation_translation");
    /* a collapsed (tilted) lower endplate must not turn disc height into translation */
    in = segment(0.0, 0);
    in.lower_ant_sup[2] = -14.0;
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    sps_assert_near(a.translation_mm, 0.0, 1e-9);
    in = segment(1.0, 12.0);
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    sps_assert_near(a.kyphosis_deg, 12.0, 1e-9);
    assert_string_equal(a.sins_token, "de_novo_deformity");
    assert_true(a.needs_confirmation);
    in.deformity_preexisting = 1;
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    assert_string_equal(a.sins_token, "normal");
    in = segment(0.0, -8.0); /* lordosis is not kyphosis */
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    sps_assert_near(a.kyphosis_deg, -8.0, 1e-9);
    assert_string_equal(a.sins_token, "normal");
    in = segment(0.0, 0.0);
    in.has_coronal = 1;
    double r0[3] = {-20, -15, 40}, l0[3] = {20, -15, 40 + 40 * tan(11 / 57.29577951308232)};
    double r1[3] = {-20, -15, -25}, l1[3] = {20, -15, -25};
    memcpy(in.cor_upper_right, r0, sizeof r0);
    memcpy(in.cor_upper_left, l0, sizeof l0);
    memcpy(in.cor_lower_right, r1, sizeof r1);
    memcpy(in.cor_lower_left, l1, sizeof l1);
    assert_int_equal(sps_measure_alignment(&a, models, &in, &err), SPS_OK);
    sps_assert_near(a.coronal_deg, 11.0, 1e-9);
    assert_string_equal(a.sins_token, "de_novo_deformity");
}

static void test_measure__posterolateral_counts_only_pedicle_facet_costovertebral(void **state)
{
    (void)state;
    sps_posterolateral p;
    sps_error err;
    sps_posterolateral_input in = {0};
    in.lamina_or_spinous_only = 1;
    assert_int_equal(sps_measure_posterolateral(&p, models, &in, &err), SPS_OK);
    assert_string_equal(p.sins_token, "none");
    in.left_facet = 1;
    assert_int_equal(sps_measure_posterolateral(&p, models, &in, &err), SPS_OK);
    assert_string_equal(p.sins_token, "unilateral");
    in.right_costovertebral = 1;
    assert_int_equal(sps_measure_posterolateral(&p, models, &in, &err), SPS_OK);
    assert_string_equal(p.sins_token, "bilateral");
}

static sps_escc_input canal(int tumor, double sac, double dist, double cord, double csf)
{
    sps_escc_input in = {
        .epidural_tumor = tumor, .sac_area_mm2 = sac, .ref_sac_area_mm2 = 200, .cord_area_mm2 = cord,
        .ref_cord_area_mm2 = 60, .cord_ap_mm = NAN, .cord_transverse_mm = NAN, .ref_cord_ap_mm = NAN,
        .ref_cord_transverse_mm = NAN, .tumor_cord_distance_mm = dist, .csf_rim_fraction = csf, .pixel_mm = 0.5,
    };
    return in;
}

static void test_measure__escc_grades_follow_bilsky_findings(void **state)
{
    (void)state;
    struct { sps_escc_input in; const char *grade; } cases[] = {
        {canal(0, 200, 10, 60, 1.0), "0"},
        {canal(1, 195, 5, 60, 1.0), "1a"},  /* sac 97.5 % of reference: not deformed */
        {canal(1, 150, 2, 60, 1.0), "1b"},
        {canal(1, 120, 0, 58, 0.6), "1c"},  /* touching, cord 97 %: not compressed */
        {canal(1, 90, 0, 40, 0.3), "2"},    /* cord 67 %, CSF rim visible */
        {canal(1, 60, 0, 30, 0.0), "3"},    /* no CSF */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sps_escc_finding f;
        sps_error err;
        assert_int_equal(sps_measure_escc(&f, models, &cases[i].in, &err), SPS_OK);
        assert_string_equal(f.grade, cases[i].grade);
    }
    sps_escc_input bad = canal(1, 100, 0, 30, 0);
    bad.ref_sac_area_mm2 = 0;
    sps_escc_finding f;
    sps_error err;
    assert_int_equal(sps_measure_escc(&f, models, &bad, &err), SPS_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure__heights_are_point_distances),
        cmocka_unit_test(test_measure__collapse_categories_and_genant_bands),
        cmocka_unit_test(test_measure__collapse_near_a_sins_cut_is_flagged_not_changed),
        cmocka_unit_test(test_measure__collapse_reference_falls_back_to_one_neighbour_then_own_hp),
        cmocka_unit_test(test_measure__lesion_density_classes_from_voxel_fractions),
        cmocka_unit_test(test_measure__alignment_translation_and_segmental_angle),
        cmocka_unit_test(test_measure__posterolateral_counts_only_pedicle_facet_costovertebral),
        cmocka_unit_test(test_measure__escc_grades_follow_bilsky_findings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
