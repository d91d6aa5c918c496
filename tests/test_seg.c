/* test_seg.c — src/seg (ITK wrapper): zero-copy import geometry, NIfTI export through ITK,
 * error handling at the C boundary. The CT phantom accuracy runs live in test_seg_ct.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/seg.h"
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

static void test_seg__nifti_header_holds_the_geometry_in_ras(void **state)
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
        assert_int_equal(sps_seg_write_nifti(v, path, &err), SPS_OK);
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

static void test_seg__nifti_errors_are_named(void **state)
{
    (void)state;
    sps_geometry g = axial_geom(4, 3, 2);
    sps_volume *v = NULL;
    assert_int_equal(sps_volume_new(&v, &g, NULL), SPS_OK);
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_seg_write_nifti(v, "/nonexistent-sps-dir/v.nii", &err), SPS_EIO);
    assert_string_equal(err.where, "/nonexistent-sps-dir/v.nii");
    assert_int_equal(sps_seg_write_nifti(NULL, "x.nii", &err), SPS_EINVALID);
    sps_volume_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seg__nifti_header_holds_the_geometry_in_ras),
        cmocka_unit_test(test_seg__nifti_errors_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
