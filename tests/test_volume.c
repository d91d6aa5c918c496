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

/* Read the qform of a NIfTI-1 file and rebuild its index->RAS matrix (nifti1.h formulas). */
static void qform_matrix(double m[3][4], const unsigned char *h)
{
    float pix[8], q[6];
    memcpy(pix, h + 76, sizeof pix);
    memcpy(q, h + 256, sizeof q);
    double b = q[0], c = q[1], d = q[2], a = sqrt(fmax(0.0, 1.0 - (b * b + c * c + d * d)));
    double r[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                      {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                      {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
    double sp[3] = {pix[1], pix[2], pix[3] * (pix[0] < 0 ? -1.0 : 1.0)};
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            m[i][j] = r[i][j] * sp[j];
        m[i][3] = q[3 + i];
    }
}

static void test_volume__nifti_header_holds_the_geometry_in_ras(void **state)
{
    (void)state;
    char *dir = sps_test_mkdtemp();
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/v.nii", dir);
    for (int handed = 0; handed < 2; handed++) {
        sps_geometry g = axial_geom(4, 3, 2);
        double c = sqrt(3.0) / 2.0, s = 0.5; /* oblique: 30 degrees about L */
        memset(g.direction, 0, sizeof g.direction);
        g.direction[0][0] = 1.0;
        g.direction[1][1] = c;
        g.direction[1][2] = -s;
        g.direction[2][1] = handed ? -s : s; /* handed = 1: left-handed index axes (qfac -1) */
        g.direction[2][2] = handed ? -c : c;
        sps_volume *v = NULL;
        assert_int_equal(sps_volume_new(&v, &g, NULL), SPS_OK);
        sps_volume_data(v)[5] = 42.0f;
        sps_error err;
        assert_int_equal(sps_volume_write_nifti(v, path, &err), SPS_OK);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        unsigned char h[352 + 24 * 4];
        assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
        fclose(f);
        assert_memory_equal(h + 344, "n+1", 4);
        float srow[12], vox5;
        memcpy(srow, h + 280, sizeof srow);
        memcpy(&vox5, h + 352 + 5 * 4, 4);
        assert_true(vox5 == 42.0f);
        double q[3][4];
        qform_matrix(q, h);
        double ijk[3] = {3, 2, 1}, lps[3];
        sps_geometry_index_to_lps(lps, &g, ijk);
        for (int r = 0; r < 3; r++) {
            double ras = srow[4 * r] * 3 + srow[4 * r + 1] * 2 + srow[4 * r + 2] * 1 + srow[4 * r + 3];
            double qras = q[r][0] * 3 + q[r][1] * 2 + q[r][2] * 1 + q[r][3];
            double want = r < 2 ? -lps[r] : lps[r];
            sps_assert_near(ras, want, 1e-4);
            sps_assert_near(qras, want, 1e-3); /* float quaternion: ~5e-4 mm here */
        }
        float qfac;
        memcpy(&qfac, h + 76, 4);
        sps_assert_near(qfac, handed ? -1.0 : 1.0, 0);
        sps_volume_free(v);
    }
    sps_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume__invalid_geometry_is_named),
        cmocka_unit_test(test_volume__absurd_dimensions_are_refused_before_allocation),
        cmocka_unit_test(test_volume__voxels_are_x_fastest),
        cmocka_unit_test(test_volume__index_to_lps_round_trips_on_oblique_geometry),
        cmocka_unit_test(test_volume__box_and_sphere_statistics),
        cmocka_unit_test(test_volume__nifti_header_holds_the_geometry_in_ras),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
