/* test_seg_canal_corpus.c — the canal path on the real lumbar-spine series of the shared corpus
 * (fo-dicom/lspine-mr-ge-ax-t2fse: GE Signa, Ax T2 FSE, four 3-slice stacks, 1.0156 mm pixels,
 * 6 mm slices). From a seed placed inside the thecal sac on the middle slice of three stacks the
 * path must report the sac area within a tolerance of a manual outline traced on the same slice
 * (docs/validation.md, canal section), and no cord (lumbar levels: cauda equina). Skips (77)
 * when the corpus is absent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/dicom.h"
#include "spinescore/seg.h"
#include "test_support.h"

/* Manual outlines: pixel polygons (column, row) traced on PNG exports of the middle slice of each
 * stack (docs/validation.md); area by the shoelace formula. Identified by the ImagePositionPatient
 * z of that slice. */
typedef struct manual_outline {
    const char *name;
    double slice_z;     /* LPS z of the middle slice's first pixel (header) */
    double seed[2];     /* column, row of the seed */
    size_t n;
    double poly[24][2];
} manual_outline;

static const manual_outline g_manual[] = {
#include "seg/lspine_manual_outlines.inc"
};
#define N_MANUAL (sizeof g_manual / sizeof g_manual[0])

static double shoelace(const manual_outline *m)
{
    double a = 0;
    for (size_t i = 0; i < m->n; i++) {
        const double *p = m->poly[i], *q = m->poly[(i + 1) % m->n];
        a += p[0] * q[1] - q[0] * p[1];
    }
    return 0.5 * fabs(a);
}

/* Relative tolerance of the automatic sac area against the manual outline (the manual outline's
 * own uncertainty: half a pixel all round a ~60-mm perimeter is ~15 %). */
#define SAC_TOL 0.25

static void test_seg_canal_corpus__lspine_sac_area_matches_manual_outline(void **state)
{
    (void)state;
    const char *corpus = sps_test_corpus_dir();
    if (!corpus)
        skip();
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fo-dicom/lspine-mr-ge-ax-t2fse", corpus);
    sps_models *models = NULL;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_models_load_builtin(&models, &err), SPS_OK);
    sps_dicom_index *ix = NULL;
    assert_int_equal(sps_dicom_scan(&ix, dir, &err), SPS_OK);
    size_t nser = sps_dicom_index_series_count(ix);
    assert_int_equal(nser, 4);
    size_t matched = 0;
    for (size_t s = 0; s < nser; s++) {
        const sps_dicom_series_info *info = sps_dicom_index_series(ix, s);
        sps_volume *vol = NULL;
        assert_int_equal(sps_dicom_load(&vol, NULL, ix, info->key, NULL, &err), SPS_OK);
        const sps_geometry *g = sps_volume_geometry(vol);
        assert_int_equal(g->dims[2], 3);
        double mid[3], ijk[3] = {0, 0, 1};
        sps_geometry_index_to_lps(mid, g, ijk);
        for (size_t m = 0; m < N_MANUAL; m++) {
            const manual_outline *mo = &g_manual[m];
            if (fabs(mid[2] - mo->slice_z) > 0.5)
                continue;
            matched++;
            double sp[3] = {mo->seed[0], mo->seed[1], 1}, seed[3];
            sps_geometry_index_to_lps(seed, g, sp);
            sps_canal_request req;
            sps_canal_request_init(&req, seed);
            req.find_reference = 0;
            req.cord = SPS_CANAL_CORD_ABSENT;
            sps_canal_result r;
            sps_status st = sps_seg_canal(&r, vol, models, &req, &err);
            if (st != SPS_OK)
                print_error("%s: %s: %s\n", mo->name, err.where, err.message);
            assert_int_equal(st, SPS_OK);
            double manual = shoelace(mo) * g->spacing_mm[0] * g->spacing_mm[1];
            print_message("%s (slice z %.1f): automatic sac %.1f mm2 (CSF %.1f, non-CSF inside %.1f; CSF signal %.0f), "
                          "manual %.1f mm2, difference %+.1f %%; cord: %s; epidural tumour %.1f mm2 (confirmed on %d "
                          "adjacent slices; dropped as seed-slice only %.1f mm2)\n",
                          mo->name, mo->slice_z, r.worst.sac_area_mm2, r.worst.csf_area_mm2,
                          r.worst.intrathecal_other_mm2, r.worst.csf_level, manual,
                          100 * (r.worst.sac_area_mm2 - manual) / manual, r.worst.cord_found ? "reported" : "none (cauda equina)",
                          r.worst.tumor_area_mm2, r.worst.tumor_confirm_slices, r.worst.tumor_unconfirmed_mm2);
            if (getenv("SPS_CANAL_DUMP")) { /* outline in pixel coordinates, for docs/validation.md figures */
                for (size_t v = 0; v < r.worst.sac.n; v++) {
                    double q[3];
                    sps_geometry_lps_to_index(q, g, &r.worst.sac.lps[3 * v]);
                    printf("%.2f,%.2f;", q[0], q[1]);
                }
                printf("\n");
            }
            assert_false(r.worst.cord_found);
            assert_true(isnan(r.worst.cord_area_mm2));
            assert_true(r.worst.sac.n >= 3);
            assert_true(fabs(r.worst.sac_area_mm2 - manual) <= SAC_TOL * manual);
            sps_canal_result_free(&r);
        }
        sps_volume_free(vol);
    }
    assert_int_equal(matched, N_MANUAL);
    sps_dicom_index_free(ix);
    sps_models_free(models);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seg_canal_corpus__lspine_sac_area_matches_manual_outline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
