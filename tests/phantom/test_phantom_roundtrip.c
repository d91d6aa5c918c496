/* test_phantom_roundtrip.c — generated series round-trip through the project's own loader
 * (sps_dicom_scan + sps_dicom_load) with exact geometry and exact voxel values, for every
 * transfer syntax and for axial, sagittal and oblique acquisitions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "spinescore/dicom.h"
#include "spinescore/volume.h"
#include "test_support.h"
#include "util_internal.h"

#define RT_SPEC_FMT                                                                                  \
    "{\"name\":\"roundtrip\",\"seed\":21,\"levels\":{\"from\":\"T11\",\"to\":\"L2\"},"             \
    "\"acquisition\":{\"modality\":\"%s\",\"plane\":\"%s\",\"matrix\":[40,52],"                   \
    "\"pixel_spacing_mm\":[1.1,0.9],\"slices\":9,\"slice_thickness_mm\":2.5,"                      \
    "\"slice_spacing_mm\":2.0,\"oblique_deg\":[%g,%g,%g],\"transfer_syntax\":\"%s\","              \
    "\"noise_sd\":20},"                                                                            \
    "\"lesions\":[{\"level\":\"L1\",\"type\":\"blastic\",\"hu\":1500,\"body_fraction\":0.3}]}"

static void roundtrip(const char *modality, const char *plane, const double obl[3], const char *syntax)
{
    char spec[1024];
    snprintf(spec, sizeof spec, RT_SPEC_FMT, modality, plane, obl[0], obl[1], obl[2], syntax);
    ph_model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(ph_model_from_json(m, spec, "roundtrip", -1, &err), SPS_OK);
    ph_image img;
    assert_int_equal(ph_render(m, &img, &err), SPS_OK);
    char *dir = sps_test_mkdtemp();
    assert_non_null(dir);
    assert_int_equal(ph_write_dicom(m, &img, dir, &err), SPS_OK);

    sps_dicom_index *idx = NULL;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    assert_int_equal(sps_dicom_index_series_count(idx), 1);
    const sps_dicom_series_info *info = sps_dicom_index_series(idx, 0);
    assert_string_equal(info->patient_name, "PHANTOM^SPINE");
    assert_string_equal(info->modality, modality);
    sps_volume *vol = NULL;
    sps_dicom_report *rep = NULL;
    sps_status st = sps_dicom_load(&vol, &rep, idx, info->key, NULL, &err);
    if (st != SPS_OK)
        print_error("load %s %s %s: %s: %s\n", modality, plane, syntax, err.where, err.message);
    assert_int_equal(st, SPS_OK);

    const sps_geometry *g = sps_volume_geometry(vol);
    const ph_acq *a = &m->acq;
    assert_int_equal(g->dims[0], (size_t)a->cols);
    assert_int_equal(g->dims[1], (size_t)a->rows);
    assert_int_equal(g->dims[2], (size_t)a->slices);
    /* DS values carry 10 significant digits */
    sps_assert_near(g->spacing_mm[0], a->col_spacing, 1e-6);
    sps_assert_near(g->spacing_mm[1], a->row_spacing, 1e-6);
    sps_assert_near(g->spacing_mm[2], a->spacing, 1e-5);
    for (int c = 0; c < 3; c++) {
        sps_assert_near(g->origin_lps[c], a->first[c], 1e-5);
        sps_assert_near(g->direction[0][c], a->row_cos[c], 1e-7);
        sps_assert_near(g->direction[1][c], a->col_cos[c], 1e-7);
        sps_assert_near(g->direction[2][c], a->normal[c], 1e-6);
    }
    /* every voxel: the loaded value is the quantised rendered value */
    int is_ct = strcmp(modality, "CT") == 0;
    assert_int_equal(sps_volume_units(vol), is_ct ? SPS_UNITS_HU : SPS_UNITS_RAW);
    size_t n = (size_t)a->cols * a->rows * a->slices, bad = 0;
    const float *d = sps_volume_data_const(vol);
    for (size_t i = 0; i < n; i++) {
        double off = is_ct ? 1024.0 : 0.0;
        double q = floor((double)img.value[i] + off + 0.5);
        q = (q < 0 ? 0 : q > 4095 ? 4095 : q) - off;
        bad += fabs((double)d[i] - q) > 1e-3;
    }
    assert_int_equal(bad, 0);
    /* the truth's LPS positions land on the same voxel through the loader's transform */
    double lps[3], ijk[3];
    ph_voxel_lps(m, 7, 11, 3, lps);
    sps_geometry_lps_to_index(ijk, g, lps);
    sps_assert_near(ijk[0], 7, 1e-5);
    sps_assert_near(ijk[1], 11, 1e-5);
    sps_assert_near(ijk[2], 3, 1e-5);

    sps_volume_free(vol);
    sps_dicom_report_free(rep);
    sps_dicom_index_free(idx);
    sps_test_rmtree(dir);
    free(dir);
    ph_image_free(&img);
    free(m);
}

static void test_phantom__roundtrip_through_loader_is_exact(void **state)
{
    (void)state;
    static const char *const syntaxes[3] = {"explicit_le", "jpeg_ls", "rle"};
    const double none[3] = {0, 0, 0}, obl[3] = {12.5, -7, 20};
    for (int s = 0; s < 3; s++) {
        roundtrip("CT", "axial", none, syntaxes[s]);
        roundtrip("MR", "sagittal", none, syntaxes[s]);
        roundtrip("CT", "coronal", obl, syntaxes[s]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phantom__roundtrip_through_loader_is_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
