/* test_volume.c — sps_volume: geometry validation, index<->LPS transforms, ROI statistics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/volume.h"
#include "test_support.h"

static sps_geometry axial_geom(size_t nx, size_t ny, size_t nz)
{
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = nx;
    g.dims[1] = ny;
    g.dims[2] = nz;
    g.spacing_mm[0] = 0.5;
    g.spacing_mm[1] = 0.5;
    g.spacing_mm[2] = 2.0;
    g.origin_lps[0] = -10.0;
    g.origin_lps[1] = 20.0;
    g.origin_lps[2] = 100.0;
    g.direction[0][0] = 1.0;
    g.direction[1][1] = 1.0;
    g.direction[2][2] = 1.0;
    return g;
}

static void test_volume__invalid_geometry_is_named(void **state)
{
    (void)state;
    sps_error err;
    sps_volume *v = (sps_volume *)1;
    sps_geometry g = axial_geom(4, 4, 0);
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_EINVALID);
    assert_null(v);
    assert_string_equal(err.where, "geometry.dims");
    g = axial_geom(4, 4, 4);
    g.spacing_mm[2] = -1.0;
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_EINVALID);
    assert_string_equal(err.where, "geometry.spacing_mm");
    g = axial_geom(4, 4, 4);
    g.direction[1][0] = 0.5; /* not orthogonal to direction[0] */
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_EINVALID);
    assert_string_equal(err.where, "geometry.direction");
}

static void test_volume__absurd_dimensions_are_refused_before_allocation(void **state)
{
    (void)state;
    sps_error err;
    sps_volume *v = NULL;
    sps_geometry g = axial_geom(65535, 65535, 65535); /* 2.8e14 voxels: must not try malloc */
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_EINVALID);
    assert_null(v);
    assert_non_null(strstr(err.message, "exceed the limit"));
    g = axial_geom(70000, 1, 1);
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_EINVALID);
}

static void test_volume__voxels_are_x_fastest(void **state)
{
    (void)state;
    sps_geometry g = axial_geom(3, 2, 2);
    float vox[12];
    for (int i = 0; i < 12; i++)
        vox[i] = (float)i;
    sps_volume *v = NULL;
    assert_int_equal(sps_volume_new_copy(&v, &g, vox, NULL), SPS_OK);
    assert_int_equal(sps_volume_voxel_count(v), 12);
    assert_true(sps_volume_at(v, 2, 0, 0) == 2.0f);
    assert_true(sps_volume_at(v, 0, 1, 0) == 3.0f);
    assert_true(sps_volume_at(v, 1, 1, 1) == 10.0f);
    assert_true(isnan(sps_volume_at(v, 3, 0, 0)));
    sps_volume_set_meta(v, SPS_UNITS_HU, "CT", "1.2.3");
    assert_int_equal(sps_volume_units(v), SPS_UNITS_HU);
    assert_string_equal(sps_volume_modality(v), "CT");
    assert_string_equal(sps_volume_series_uid(v), "1.2.3");
    sps_volume_free(v);
    sps_volume_free(NULL);
}

static void test_volume__index_to_lps_round_trips_on_oblique_geometry(void **state)
{
    (void)state;
    sps_geometry g = axial_geom(10, 10, 10);
    /* rotate 30 degrees about L (x): a disc-angled axial */
    double c = sqrt(3.0) / 2.0, s = 0.5;
    memset(g.direction, 0, sizeof g.direction);
    g.direction[0][0] = 1.0;
    g.direction[1][1] = c;
    g.direction[1][2] = -s;
    g.direction[2][1] = s;
    g.direction[2][2] = c;
    assert_int_equal(sps_geometry_validate(&g, NULL), SPS_OK);
    double ijk[3] = {2.0, 3.0, 4.0}, p[3], back[3];
    sps_geometry_index_to_lps(p, &g, ijk);
    /* p = o + 2*0.5*x + 3*0.5*(0,c,-s) + 4*2*(0,s,c) */
    sps_assert_near(p[0], -10.0 + 1.0, 1e-12);
    sps_assert_near(p[1], 20.0 + 1.5 * c + 8.0 * s, 1e-12);
    sps_assert_near(p[2], 100.0 - 1.5 * s + 8.0 * c, 1e-12);
    sps_geometry_lps_to_index(back, &g, p);
    for (int a = 0; a < 3; a++)
        sps_assert_near(back[a], ijk[a], 1e-9);
}

static void test_volume__box_and_sphere_statistics(void **state)
{
    (void)state;
    sps_geometry g = axial_geom(5, 5, 5);
    g.spacing_mm[0] = g.spacing_mm[1] = g.spacing_mm[2] = 1.0;
    sps_volume *v = NULL;
    assert_int_equal(sps_volume_new(&v, &g, NULL), SPS_OK);
    float *d = sps_volume_data(v);
    for (size_t i = 0; i < 125; i++)
        d[i] = (float)(i % 5); /* value = i index */
    sps_volume_stats st;
    assert_int_equal(sps_volume_stats_all(&st, v, NULL), SPS_OK);
    assert_int_equal(st.count, 125);
    sps_assert_near(st.mean, 2.0, 1e-12);
    sps_assert_near(st.sd, sqrt(2.0), 1e-12);
    sps_assert_near(st.min, 0.0, 0);
    sps_assert_near(st.max, 4.0, 0);
    size_t lo[3] = {1, 0, 0}, hi[3] = {3, 99, 99}; /* hi clipped to the volume */
    assert_int_equal(sps_volume_stats_box(&st, v, lo, hi, NULL), SPS_OK);
    assert_int_equal(st.count, 2 * 25);
    sps_assert_near(st.mean, 1.5, 1e-12);
    size_t bad_hi[3] = {1, 5, 5};
    sps_error err;
    assert_int_equal(sps_volume_stats_box(&st, v, lo, bad_hi, &err), SPS_EINVALID);
    /* sphere of radius 1 mm around the centre voxel (2,2,2): 7 voxels (centre + 6 faces) */
    double ijk[3] = {2, 2, 2}, c[3];
    sps_geometry_index_to_lps(c, &g, ijk);
    assert_int_equal(sps_volume_stats_sphere(&st, v, c, 1.0, NULL), SPS_OK);
    assert_int_equal(st.count, 7);
    sps_assert_near(st.mean, 2.0, 1e-12);
    sps_assert_near(st.min, 1.0, 0);
    sps_assert_near(st.max, 3.0, 0);
    double far[3] = {1000, 1000, 1000};
    assert_int_equal(sps_volume_stats_sphere(&st, v, far, 1.0, NULL), SPS_OK);
    assert_int_equal(st.count, 0);
    assert_int_equal(sps_volume_stats_sphere(&st, v, c, 0.0, &err), SPS_EINVALID);
    sps_volume_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume__invalid_geometry_is_named),
        cmocka_unit_test(test_volume__absurd_dimensions_are_refused_before_allocation),
        cmocka_unit_test(test_volume__voxels_are_x_fastest),
        cmocka_unit_test(test_volume__index_to_lps_round_trips_on_oblique_geometry),
        cmocka_unit_test(test_volume__box_and_sphere_statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
