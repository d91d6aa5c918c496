/* test_dicom.c — DICOM ingest against the shared corpus (real scanner files) and synthetic series.
 * Pixel values are checked against tests/dicom/oracle.py (pydicom, re-implemented value
 * transform), against the same image in other transfer syntaxes, or against known truth. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spinescore/dicom.h"
#include "spinescore/seg.h"
#include "spinescore/volume.h"
#include "test_support.h"

/* ------------------------------------------------------------------ helpers */

static const char *corpus_or_skip(void)
{
    const char *c = sps_test_corpus_dir();
    if (!c) {
        print_message("shared DICOM corpus absent: skipped\n");
        skip();
    }
    return c;
}

/* corpus path: rotating static buffers so several can be live at once */
static const char *cp(const char *rel)
{
    static char buf[8][4096];
    static int n;
    char *b = buf[n++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", corpus_or_skip(), rel);
    return b;
}

/* Scan path, load key (or the only series when key is NULL). */
static sps_status load(sps_volume **vol, sps_dicom_report **rep, const char *path, const char *key,
                       unsigned min_slices, sps_error *err)
{
    sps_dicom_index *idx = NULL;
    sps_status st = sps_dicom_scan(&idx, path, err);
    assert_int_equal(st, SPS_OK);
    if (!key) {
        assert_int_equal(sps_dicom_index_series_count(idx), 1);
        key = sps_dicom_index_series(idx, 0)->key;
    }
    sps_dicom_load_options opt;
    sps_dicom_load_options_init(&opt);
    opt.min_slices = min_slices;
    char keybuf[128];
    snprintf(keybuf, sizeof keybuf, "%s", key);
    st = sps_dicom_load(vol, rep, idx, keybuf, &opt, err);
    sps_dicom_index_free(idx);
    return st;
}

static int report_has(const sps_dicom_report *rep, sps_diag_severity sev, const char *needle)
{
    for (size_t i = 0; i < sps_dicom_report_count(rep); i++) {
        const sps_diag *d = sps_dicom_report_get(rep, i);
        if (d->severity == sev && (strstr(d->message, needle) || strstr(d->where, needle)))
            return 1;
    }
    return 0;
}

typedef struct orow {
    double pos, ipp[3], sum, min, max;
    int rows, cols;
} orow;

/* Run tests/dicom/oracle.py over args; skip if python3-pydicom is not installed. */
static size_t oracle(orow *out, size_t max, const char *args)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import pydicom' >/dev/null 2>&1") != 0) {
        print_message("python3-pydicom absent: oracle checks skipped\n");
        skip();
    }
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' %s", sps_test_path("tests/dicom/oracle.py"),
             args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    char line[8192];
    while (fgets(line, sizeof line, p) && n < max) {
        orow *r = &out[n];
        if (sscanf(line, "%lf %lf %lf %lf %lf %lf %lf %d %d", &r->pos, &r->ipp[0], &r->ipp[1],
                   &r->ipp[2], &r->sum, &r->min, &r->max, &r->rows, &r->cols) == 9)
            n++;
    }
    int rc = pclose(p);
    assert_int_equal(rc, 0);
    return n;
}

/* Every slice of vol must match one oracle row by position (0.02 mm) and by values. Returns the
 * number of slices matched (always all, or the test fails). */
static size_t check_oracle(const sps_volume *vol, const orow *rows, size_t n)
{
    const sps_geometry *g = sps_volume_geometry(vol);
    const float *d = sps_volume_data_const(vol);
    size_t px = g->dims[0] * g->dims[1];
    double last_pos = -INFINITY;
    for (size_t k = 0; k < g->dims[2]; k++) {
        double ijk[3] = {0, 0, (double)k}, p[3];
        sps_geometry_index_to_lps(p, g, ijk);
        const orow *r = NULL;
        for (size_t m = 0; m < n; m++) {
            double dist = sqrt((p[0] - rows[m].ipp[0]) * (p[0] - rows[m].ipp[0]) +
                               (p[1] - rows[m].ipp[1]) * (p[1] - rows[m].ipp[1]) +
                               (p[2] - rows[m].ipp[2]) * (p[2] - rows[m].ipp[2]));
            if (dist < 0.02)
                r = &rows[m];
        }
        if (!r)
            fail_msg("slice %zu at LPS (%.3f, %.3f, %.3f) matches no oracle position", k, p[0],
                     p[1], p[2]);
        assert_int_equal(r->cols, (int)g->dims[0]);
        assert_int_equal(r->rows, (int)g->dims[1]);
        /* k increases along the normal: the oracle's sorted position must increase too */
        double pos = p[0] * g->direction[2][0] + p[1] * g->direction[2][1] + p[2] * g->direction[2][2];
        assert_true(pos > last_pos);
        last_pos = pos;
        double sum = 0, mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < px; i++) {
            double v = d[k * px + i];
            sum += v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
        sps_assert_near(sum, r->sum, 1e-6 * fmax(1.0, fabs(r->sum)));
        sps_assert_near(mn, r->min, 1e-4 * fmax(1.0, fabs(r->min)));
        sps_assert_near(mx, r->max, 1e-4 * fmax(1.0, fabs(r->max)));
    }
    return g->dims[2];
}

static void assert_same_voxels(const sps_volume *a, const sps_volume *b, const char *what)
{
    const sps_geometry *ga = sps_volume_geometry(a), *gb = sps_volume_geometry(b);
    for (int x = 0; x < 3; x++) {
        assert_int_equal(ga->dims[x], gb->dims[x]);
        sps_assert_near(ga->spacing_mm[x], gb->spacing_mm[x], 1e-6);
        sps_assert_near(ga->origin_lps[x], gb->origin_lps[x], 1e-6);
    }
    if (memcmp(sps_volume_data_const(a), sps_volume_data_const(b),
               sps_volume_voxel_count(a) * sizeof(float)) != 0)
        fail_msg("%s: voxels differ", what);
}

/* ------------------------------------------------------------------ real series */

static void test_dicom__lspine_ge_mr_is_four_disc_angled_stacks_matching_pydicom(void **state)
{
    (void)state;
    const char *dir = cp("fo-dicom/lspine-mr-ge-ax-t2fse");
    sps_error err;
    sps_dicom_index *idx = NULL;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
    assert_int_equal(c.files, 12);
    assert_int_equal(c.dicom, 12);
    /* 12 axial slices in 4 blocks of 3, each block angled along one disc: ImageOrientationPatient
     * differs by up to ~17 degrees between blocks, so it is 4 volumes, not one. */
    assert_int_equal(sps_dicom_index_series_count(idx), 4);
    orow rows[16];
    size_t nr = oracle(rows, 16, dir);
    assert_int_equal(nr, 12);
    size_t matched = 0;
    for (size_t i = 0; i < 4; i++) {
        const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
        assert_string_equal(s->modality, "MR");
        assert_int_equal(s->frames, 3);
        assert_int_equal(s->rows, 256);
        assert_int_equal(s->cols, 256);
        assert_non_null(strstr(s->split, "orientation"));
        assert_string_equal(s->transfer_syntax, "1.2.840.10008.1.2");
        sps_assert_near(s->slice_spacing_mm, 7.0, 0.01);
        sps_volume *v = NULL;
        sps_dicom_report *rep = NULL;
        assert_int_equal(sps_dicom_load(&v, &rep, idx, s->key, NULL, &err), SPS_OK);
        const sps_geometry *g = sps_volume_geometry(v);
        assert_int_equal(g->dims[2], 3);
        sps_assert_near(g->spacing_mm[0], 1.0156, 1e-9); /* PixelSpacing (0028,0030) "1.0156" */
        sps_assert_near(g->spacing_mm[2], 7.0, 0.01);
        assert_int_equal(sps_volume_units(v), SPS_UNITS_RAW);
        matched += check_oracle(v, rows, nr);
        sps_volume_free(v);
        sps_dicom_report_free(rep);
    }
    assert_int_equal(matched, 12);
    /* the bare SeriesInstanceUID is ambiguous and refused, naming the parts */
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    assert_int_equal(sps_dicom_load(&v, &rep, idx, "1.2.840.113619.2.25.4.2420019.1350725419.584",
                                    NULL, &err),
                     SPS_EINVALID);
    assert_null(v);
    assert_non_null(strstr(err.message, "series holds 4 volumes"));
    sps_dicom_report_free(rep);
    sps_dicom_index_free(idx);
}

static void test_dicom__philips_ct_loads_28_slices_in_hu_sorted_by_position(void **state)
{
    (void)state;
    const char *dir = cp("dcm_qa_ct/philips-ct-head-phantom-S2010");
    sps_volume *v = NULL, *v1 = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    assert_int_equal(load(&v, &rep, dir, NULL, 3, &err), SPS_OK);
    const sps_geometry *g = sps_volume_geometry(v);
    assert_int_equal(g->dims[0], 512);
    assert_int_equal(g->dims[1], 512);
    assert_int_equal(g->dims[2], 28);
    sps_assert_near(g->spacing_mm[2], 5.0, 1e-6);
    assert_int_equal(sps_volume_units(v), SPS_UNITS_HU);
    assert_string_equal(sps_volume_modality(v), "CT");
    orow rows[32];
    size_t nr = oracle(rows, 32, dir);
    assert_int_equal(nr, 28);
    assert_int_equal(check_oracle(v, rows, nr), 28);
    sps_assert_near(g->origin_lps[2], rows[0].ipp[2], 1e-6); /* lowest position first */
    sps_volume_stats st;
    sps_volume_stats_all(&st, v, NULL);
    sps_assert_near(st.min, -1024.0, 0); /* RescaleIntercept -1024 applied */
    /* one thread gives the same voxels as two */
    sps_dicom_index *idx = NULL;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    sps_dicom_load_options opt;
    sps_dicom_load_options_init(&opt);
    opt.threads = 1;
    assert_int_equal(sps_dicom_load(&v1, NULL, idx, sps_dicom_index_series(idx, 0)->key, &opt, &err),
                     SPS_OK);
    assert_same_voxels(v, v1, "threads=1 vs threads=2");
    sps_dicom_index_free(idx);
    sps_volume_free(v1);
    sps_volume_free(v);
    sps_dicom_report_free(rep);
}

static void expect_refusal(const char *rel, sps_status code, const char *n1, const char *n2)
{
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    sps_status st = load(&v, &rep, cp(rel), NULL, 3, &err);
    if (st != code)
        fail_msg("%s: status %s, expected %s (%s)", rel, sps_status_name(st),
                 sps_status_name(code), err.message);
    assert_null(v);
    if (!report_has(rep, SPS_DIAG_ERROR, n1))
        fail_msg("%s: no error mentioning '%s' (first: %s)", rel, n1, err.message);
    if (n2 && !report_has(rep, SPS_DIAG_ERROR, n2))
        fail_msg("%s: no error mentioning '%s' (first: %s)", rel, n2, err.message);
    sps_dicom_report_free(rep);
}

static void test_dicom__gantry_tilt_is_refused_with_its_angle(void **state)
{
    (void)state;
    /* IOP column cosines (0, 0.9703, -0.2419): normal is 14.0 deg from the 5 mm z steps */
    expect_refusal("dicom2nifti/failing/gantrytilting/001", SPS_EINVALID, "gantry tilt",
                   "step 14.00 deg off the slice normal");
}

static void test_dicom__identical_positions_are_refused(void **state)
{
    (void)state;
    expect_refusal("dicom2nifti/failing/notavolume/001", SPS_EINVALID, "duplicate slice positions",
                   "3 of 4 slices");
}

static void test_dicom__two_slices_are_too_few(void **state)
{
    (void)state;
    expect_refusal("dicom2nifti/failing/slicecount/001", SPS_EINVALID, "too few slices: 2", NULL);
}

static void test_dicom__missing_slice_is_named_with_the_gap_in_mm(void **state)
{
    (void)state;
    /* GE CT, z = 18.11, 23.11, 28.11, 38.11 */
    expect_refusal("dicom2nifti/failing/sliceincrement/001", SPS_EINVALID, "missing slice(s)",
                   "gap of 10.00 mm");
    /* Siemens CT, instance 4 missing; the series is also tilted 15.5 deg: both reasons listed */
    expect_refusal("dicom2nifti/failing/sliceincrement/002", SPS_EINVALID, "gap of 1.50 mm",
                   "step 15.50 deg off the slice normal");
}

static void test_dicom__orientation_change_splits_the_series(void **state)
{
    (void)state;
    const char *dir = cp("dicom2nifti/failing/sliceorientation/001");
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    assert_int_equal(sps_dicom_index_series_count(idx), 2);
    const sps_dicom_series_info *a = sps_dicom_index_series(idx, 0);
    assert_non_null(strstr(a->split, "part 1/2: orientation"));
    assert_int_equal(a->frames, 2);
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    assert_int_equal(sps_dicom_load(&v, &rep, idx, a->series_uid, NULL, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "series holds 2 volumes (mixed orientations"));
    sps_dicom_report_free(rep);
    assert_int_equal(sps_dicom_load(&v, &rep, idx, a->key, NULL, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "too few slices: 2"));
    sps_dicom_report_free(rep);
    sps_dicom_index_free(idx);
}

/* ------------------------------------------------------------------ transfer syntaxes */

static void test_dicom__dcm_qa_ts_nine_encodings_decode_identically(void **state)
{
    (void)state;
    /* expl LE, impl LE, expl BE, RLE, JPEG-LL SV1 x2, JPEG-LS x2, J2K lossless (GDCM) */
    sps_volume *ref = NULL;
    sps_error err;
    assert_int_equal(load(&ref, NULL, cp("dcm_qa_ts/1.dcm"), NULL, 1, &err), SPS_OK);
    orow rows[2];
    assert_int_equal(oracle(rows, 2, cp("dcm_qa_ts/1.dcm")), 1);
    assert_int_equal(check_oracle(ref, rows, 1), 1);
    for (int i = 2; i <= 9; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "dcm_qa_ts/%d.dcm", i);
        sps_volume *v = NULL;
        assert_int_equal(load(&v, NULL, cp(rel), NULL, 1, &err), SPS_OK);
        assert_same_voxels(ref, v, rel);
        sps_volume_free(v);
    }
    sps_volume_free(ref);
}

static void test_dicom__compressed_mr_series_identical_in_four_codecs(void **state)
{
    (void)state;
    static const char *codecs[] = {"compressed_jpeg", "compressed_jpegls", "compressed_rle",
                                   "compressed_j2k"};
    sps_volume *ref = NULL;
    sps_error err;
    for (size_t i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "dicom2nifti/generic/%s/001", codecs[i]);
        sps_volume *v = NULL;
        assert_int_equal(load(&v, NULL, cp(rel), NULL, 3, &err), SPS_OK);
        const sps_geometry *g = sps_volume_geometry(v);
        assert_int_equal(g->dims[0], 256);
        assert_int_equal(g->dims[2], 4);
        if (!ref)
            ref = v;
        else {
            assert_same_voxels(ref, v, codecs[i]);
            sps_volume_free(v);
        }
    }
    sps_volume_free(ref);
}

static void test_dicom__mr_small_in_every_syntax_matches_pydicom(void **state)
{
    (void)state;
    static const char *variants[] = {"MR_small_RLE.dcm", "MR_small_bigendian.dcm",
                                     "MR_small_expb.dcm", "MR_small_implicit.dcm",
                                     "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                     "MR_small_padded.dcm"};
    sps_volume *ref = NULL;
    sps_error err;
    assert_int_equal(load(&ref, NULL, cp("pydicom/MR_small.dcm"), NULL, 1, &err), SPS_OK);
    orow rows[2];
    assert_int_equal(oracle(rows, 2, cp("pydicom/MR_small.dcm")), 1);
    check_oracle(ref, rows, 1);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "pydicom/%s", variants[i]);
        sps_volume *v = NULL;
        assert_int_equal(load(&v, NULL, cp(rel), NULL, 1, &err), SPS_OK);
        assert_same_voxels(ref, v, rel);
        sps_volume_free(v);
    }
    sps_volume_free(ref);
}

static void test_dicom__ct_singles_match_pydicom(void **state)
{
    (void)state;
    /* uncompressed single slices (signed/unsigned, implicit, deflated) vs. oracle */
    static const char *files[] = {
        "pydicom/CT_small.dcm", "orthanc-tests/misc/SignedCT.dcm",
        "notZaki-DICOMSamples/CT_Explicit_Little.dcm", "dwv/singles/dicompyler-ct.0.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.dcm",
        "orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.1.99.dcm"};
    /* (GH177, big endian with undefined lengths, is not readable by pydicom 2.3.1; it is
     * compared with the RLE and JPEG lossless encodings of the same image below.) */
    sps_error err;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        sps_volume *v = NULL;
        assert_int_equal(load(&v, NULL, cp(files[i]), NULL, 1, &err), SPS_OK);
        orow rows[2];
        char arg[4200];
        snprintf(arg, sizeof arg, "'%s'", cp(files[i]));
        assert_int_equal(oracle(rows, 2, arg), 1);
        assert_int_equal(check_oracle(v, rows, 1), 1);
        sps_volume_free(v);
    }
}

static void test_dicom__same_ct_in_rle_and_jpeg_lossless_as_big_endian_original(void **state)
{
    (void)state;
    /* NEMA CT1 (Clunie): explicit BE with undefined lengths vs RLE fragments vs JPEG LL SV1 */
    sps_volume *ref = NULL, *v = NULL;
    sps_error err;
    assert_int_equal(load(&ref, NULL, cp("fo-dicom/singles/GH177_D_CLUNIE_CT1_IVRLE_BigEndian_undefined_length.dcm"),
                          NULL, 1, &err),
                     SPS_OK);
    assert_int_equal(load(&v, NULL, cp("fo-dicom/singles/D_CLUNIE_CT1_RLE_FRAGS.dcm"), NULL, 1, &err), SPS_OK);
    assert_same_voxels(ref, v, "D_CLUNIE_CT1_RLE_FRAGS");
    sps_volume_free(v);
    assert_int_equal(load(&v, NULL, cp("dwv/singles/nema-ct1_jpll.dcm"), NULL, 1, &err), SPS_OK);
    assert_same_voxels(ref, v, "nema-ct1_jpll");
    sps_volume_free(v);
    sps_volume_free(ref);
    /* MR2: JPEG lossless process 14 (DCMTK) vs JPEG 2000 lossless (GDCM) */
    assert_int_equal(load(&ref, NULL, cp("orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.4.57.dcm"), NULL, 1, &err),
                     SPS_OK);
    assert_int_equal(load(&v, NULL, cp("pydicom-data/MR2_J2KR.dcm"), NULL, 1, &err), SPS_OK);
    assert_same_voxels(ref, v, "MR2_J2KR vs 4.57");
    sps_volume_free(v);
    sps_volume_free(ref);
}

static void test_dicom__enhanced_multiframe_uses_per_frame_groups(void **state)
{
    (void)state;
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    /* Philips enhanced MR: 8 frames, PlanePositionSequence x = 100.29 - 1.2 k (the private
     * (2005,140F) copy is offset by half a voxel and is ignored), RescaleSlope 4.2588 per frame */
    assert_int_equal(load(&v, &rep, cp("dicom2nifti/philips_enhanced/anatomical/001"), NULL, 3, &err),
                     SPS_OK);
    const sps_geometry *g = sps_volume_geometry(v);
    assert_int_equal(g->dims[2], 8);
    sps_assert_near(g->origin_lps[0], 100.293579101562, 1e-6);
    sps_assert_near(g->origin_lps[1], -150.60459327697, 1e-6);
    sps_assert_near(g->spacing_mm[2], 1.2, 1e-3);
    sps_assert_near(g->direction[2][0], -1.0, 1e-9);
    sps_volume_stats st;
    sps_volume_stats_all(&st, v, NULL);
    /* values are stored * 4.25885225885225: max 1081.75 = 254 * slope */
    sps_assert_near(st.max / 4.25885225885225, 254.0, 1e-3);
    sps_volume_free(v);
    sps_dicom_report_free(rep);
    /* enhanced CT, 2 frames: too few for a volume by default, loads with min_slices 1 */
    expect_refusal("pydicom-data/eCT_Supplemental.dcm", SPS_EINVALID, "too few slices: 2", NULL);
    assert_int_equal(load(&v, NULL, cp("pydicom-data/eCT_Supplemental.dcm"), NULL, 1, &err), SPS_OK);
    assert_int_equal(sps_volume_geometry(v)->dims[2], 2);
    assert_int_equal(sps_volume_units(v), SPS_UNITS_HU);
    sps_volume_free(v);
    /* a movie (one position, 19 temporal positions) is not a volume */
    expect_refusal("fo-dicom/singles/MOVEKNEE.dcm", SPS_EINVALID, "duplicate slice positions",
                   "TemporalPositionIndex");
}

/* ------------------------------------------------------------------ broken and odd files */

static void expect_scan_problem(const char *rel, sps_status code, const char *needle)
{
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, cp(rel), &err), SPS_OK);
    assert_int_equal(sps_dicom_index_series_count(idx), 0);
    assert_int_equal(sps_dicom_index_problem_count(idx), 1);
    const sps_dicom_problem *p = sps_dicom_index_problem(idx, 0);
    assert_string_equal(p->path, cp(rel));
    if (p->code != code || !strstr(p->reason, needle))
        fail_msg("%s: problem %s '%s', expected %s '%s'", rel, sps_status_name(p->code), p->reason,
                 sps_status_name(code), needle);
    sps_dicom_index_free(idx);
}

static void expect_load_refusal_1(const char *rel, sps_status code, const char *needle)
{
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    sps_status st = load(&v, &rep, cp(rel), NULL, 1, &err);
    if (st != code || !report_has(rep, SPS_DIAG_ERROR, needle))
        fail_msg("%s: %s '%s', expected %s '%s'", rel, sps_status_name(st), err.message,
                 sps_status_name(code), needle);
    sps_dicom_report_free(rep);
}

static void test_dicom__broken_files_are_reported_with_the_reason(void **state)
{
    (void)state;
    expect_scan_problem("pydicom/MR_truncated.dcm", SPS_EFORMAT, "premature end of stream");
    expect_scan_problem("pydicom/rtplan_truncated.dcm", SPS_EFORMAT, "not a readable DICOM file");
    expect_scan_problem("pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm", SPS_EFORMAT,
                        "Sequence Delimitation Item missing");
    expect_scan_problem("orthanc-tests/misc/Issue22-NoPixelData.dcm", SPS_EFORMAT,
                        "no Pixel Data (7FE0,0010)");
    expect_scan_problem("orthanc-tests/misc/DummyCTInvalidRows.dcm", SPS_EFORMAT,
                        "no Pixel Data (7FE0,0010)");
    expect_scan_problem("orthanc-tests/misc/2020-09-12-ELSCINT1-PMSCT_RLE1.dcm", SPS_EUNSUPPORTED,
                        "private compression PMSCT_RLE1");
    expect_scan_problem("pydicom/liver_1frame.dcm", SPS_EFORMAT,
                        "PerFrameFunctionalGroupsSequence (5200,9230) has 3 items");
    /* no pixel data at all (RT plan, SR): counted, not a problem */
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, cp("pydicom/rtplan.dcm"), &err), SPS_OK);
    assert_int_equal(sps_dicom_index_counts(idx).no_image, 1);
    assert_int_equal(sps_dicom_index_problem_count(idx), 0);
    sps_dicom_index_free(idx);
    /* parsed but not loadable as a volume: named reasons */
    expect_load_refusal_1("pydicom/badVR.dcm", SPS_EUNSUPPORTED, "BitsAllocated (0028,0100) = 32");
    expect_load_refusal_1("pydicom-data/liver.dcm", SPS_EUNSUPPORTED, "BitsAllocated (0028,0100) = 1");
    expect_load_refusal_1("fo-dicom/singles/1403-OB.dcm", SPS_EUNSUPPORTED,
                          "SamplesPerPixel (0028,0002) = 3");
    expect_load_refusal_1("pydicom/examples_palette.dcm", SPS_EUNSUPPORTED, "PALETTE COLOR");
    expect_load_refusal_1("dwv/singles/multiframe-test1.dcm", SPS_EUNSUPPORTED,
                          "without per-frame positions");
    expect_load_refusal_1("notZaki-DICOMSamples/CT_Implicit_Little_Headless_Retired.dcm",
                          SPS_EFORMAT, "ImageOrientationPatient (0020,0037) missing");
    expect_load_refusal_1("pydicom-data/JPEG-LL.dcm", SPS_EFORMAT,
                          "ImagePositionPatient (0020,0032) missing");
    /* files without preamble/meta still load when they hold the geometry */
    sps_volume *v = NULL;
    assert_int_equal(load(&v, NULL, cp("orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.dcm"), NULL, 1, &err),
                     SPS_OK);
    sps_volume_free(v);
}

static void test_dicom__whole_corpus_scan_lists_every_unreadable_file(void **state)
{
    (void)state;
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, corpus_or_skip(), &err), SPS_OK);
    sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
    assert_true(c.files >= 330);
    assert_true(c.non_dicom >= 5); /* MANIFEST.md, README files */
    assert_int_equal(c.dicomdir, 8);
    assert_true(c.unreadable >= 5);
    for (size_t i = 0; i < sps_dicom_index_problem_count(idx); i++) {
        const sps_dicom_problem *p = sps_dicom_index_problem(idx, i);
        assert_true(strlen(p->path) > 0);
        assert_true(strlen(p->reason) > 0);
    }
    assert_true(sps_dicom_index_series_count(idx) > 50);
    sps_dicom_index_free(idx);
}

static void test_dicom__dicomdir_references_are_followed(void **state)
{
    (void)state;
    static const char *variants[] = {"DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-implicit",
                                     "DICOMDIR-nooffset", "DICOMDIR-reordered"};
    for (size_t i = 0; i < 5; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "pydicom/dicomdirtests/%s", variants[i]);
        sps_dicom_index *idx = NULL;
        sps_error err;
        assert_int_equal(sps_dicom_scan(&idx, cp(rel), &err), SPS_OK);
        sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
        assert_int_equal(c.dicomdir, 1);
        assert_int_equal(c.dicom, 32); /* the DICOMDIR + 31 referenced images */
        size_t files = 0;
        for (size_t s = 0; s < sps_dicom_index_series_count(idx); s++)
            files += sps_dicom_index_series(idx, s)->files;
        assert_int_equal(files, 31);
        assert_int_equal(sps_dicom_index_problem_count(idx), 0);
        sps_dicom_index_free(idx);
    }
}

/* ------------------------------------------------------------------ synthetic series */

static char *make_series(const char *flag)
{
    if (system("/usr/bin/python3 -c 'import pydicom' >/dev/null 2>&1") != 0) {
        print_message("python3-pydicom absent: synthetic series skipped\n");
        skip();
    }
    char *dir = sps_test_mkdtemp();
    assert_non_null(dir);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' %s >/dev/null",
             sps_test_path("tests/dicom/make_series.py"), dir, flag);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static void test_dicom__shuffled_synthetic_series_loads_in_position_order(void **state)
{
    (void)state;
    char *dir = make_series("");
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
    assert_int_equal(c.dicom, 6);
    assert_int_equal(c.non_dicom, 1); /* README.txt */
    assert_int_equal(c.loops, 1);     /* loop -> . is not walked twice */
    assert_int_equal(sps_dicom_index_series_count(idx), 1);
    const sps_dicom_series_info *s = sps_dicom_index_series(idx, 0);
    assert_int_equal(s->orientation, SPS_ORIENTATION_SAGITTAL);
    assert_int_equal(s->rows, 12);
    assert_int_equal(s->cols, 16);
    sps_volume *v = NULL;
    assert_int_equal(sps_dicom_load(&v, NULL, idx, s->key, NULL, &err), SPS_OK);
    const sps_geometry *g = sps_volume_geometry(v);
    assert_int_equal(g->dims[0], 16);
    assert_int_equal(g->dims[1], 12);
    assert_int_equal(g->dims[2], 6);
    sps_assert_near(g->spacing_mm[0], 0.6, 1e-9); /* column spacing (second PixelSpacing value) */
    sps_assert_near(g->spacing_mm[1], 0.8, 1e-9);
    sps_assert_near(g->spacing_mm[2], 3.0, 1e-9);
    sps_assert_near(g->origin_lps[0], 10.0, 1e-9);
    sps_assert_near(g->origin_lps[1], -20.0, 1e-9);
    sps_assert_near(g->origin_lps[2], 30.0, 1e-9);
    sps_assert_near(g->direction[0][1], 1.0, 1e-12);
    sps_assert_near(g->direction[1][2], -1.0, 1e-12);
    sps_assert_near(g->direction[2][0], -1.0, 1e-12);
    for (size_t k = 0; k < 6; k++)
        for (size_t j = 0; j < 12; j++)
            for (size_t i = 0; i < 16; i++)
                if (sps_volume_at(v, i, j, k) != (float)(1000 + 100 * (int)k + 5 * (int)j + (int)i - 1024))
                    fail_msg("voxel (%zu,%zu,%zu) = %g", i, j, k, (double)sps_volume_at(v, i, j, k));
    /* voxel (i,j,k) sits where the transform says: slice k at x = 10 - 3k */
    double ijk[3] = {2, 3, 4}, p[3];
    sps_geometry_index_to_lps(p, g, ijk);
    sps_assert_near(p[0], -2.0, 1e-9);
    sps_assert_near(p[1], -20.0 + 2 * 0.6, 1e-9);
    sps_assert_near(p[2], 30.0 - 3 * 0.8, 1e-9);
    sps_volume_free(v);
    sps_dicom_index_free(idx);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_dicom__corrupt_end_slice_is_skipped_and_reported(void **state)
{
    (void)state;
    char *dir = make_series("--corrupt-end");
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    assert_int_equal(load(&v, &rep, dir, NULL, 3, &err), SPS_OK);
    assert_int_equal(sps_volume_geometry(v)->dims[2], 5);
    assert_true(report_has(rep, SPS_DIAG_WARNING, "holds 352 bytes, expected 384"));
    assert_true(report_has(rep, SPS_DIAG_WARNING, "1 end slice(s) skipped"));
    sps_volume_free(v);
    sps_dicom_report_free(rep);
    sps_test_rmtree(dir);
    free(dir);

    dir = make_series("--corrupt-interior");
    assert_int_equal(load(&v, &rep, dir, NULL, 3, &err), SPS_EFORMAT);
    assert_null(v);
    assert_non_null(strstr(err.message, "inside the series failed to decode"));
    assert_non_null(strstr(err.where, dir)); /* names the file */
    sps_dicom_report_free(rep);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_dicom__repeated_acquisition_and_localizer_are_split(void **state)
{
    (void)state;
    char *dir = make_series("--repeat-acquisition --localizer");
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    /* one SeriesInstanceUID: 6 slices x 2 acquisitions + 1 coronal localizer = 3 volumes */
    assert_int_equal(sps_dicom_index_series_count(idx), 3);
    int acq1 = 0, acq2 = 0, loc = 0;
    for (size_t i = 0; i < 3; i++) {
        const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
        sps_volume *v = NULL;
        sps_dicom_load_options opt;
        sps_dicom_load_options_init(&opt);
        opt.min_slices = 1;
        assert_int_equal(sps_dicom_load(&v, NULL, idx, s->key, &opt, &err), SPS_OK);
        sps_volume_stats st;
        sps_volume_stats_all(&st, v, NULL);
        if (s->localizer) {
            loc++;
            assert_int_equal(s->orientation, SPS_ORIENTATION_CORONAL);
            assert_non_null(strstr(s->split, "localizer"));
            assert_int_equal(s->frames, 1);
        } else if (strstr(s->split, "acquisition 1")) {
            acq1++;
            assert_int_equal(s->frames, 6);
            sps_assert_near(st.min, -24.0, 0); /* 1000 - 1024 */
        } else if (strstr(s->split, "acquisition 2")) {
            acq2++;
            assert_int_equal(s->frames, 6);
            sps_assert_near(st.min, (double)((11000 & 0xFFF) - 1024), 0);
        }
        sps_volume_free(v);
    }
    assert_int_equal(acq1 + acq2 + loc, 3);
    assert_int_equal(acq1 * acq2 * loc, 1);
    sps_dicom_index_free(idx);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_dicom__absurd_dimensions_are_refused_before_allocation(void **state)
{
    (void)state;
    char *dir = make_series("--absurd"); /* Rows = Columns = 65535, 3 slices: 12.9e9 voxels */
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    assert_int_equal(load(&v, &rep, dir, NULL, 3, &err), SPS_EINVALID);
    assert_null(v);
    assert_non_null(strstr(err.message, "65535 x 65535 x 3 voxels exceed the limit"));
    sps_dicom_report_free(rep);
    sps_test_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ NIfTI (dcm2niix as oracle) */

typedef struct nii {
    int dim[3];
    double srow[3][4]; /* index -> RAS */
    float *data;       /* scaled values, i fastest */
} nii;

static int read_nifti(nii *out, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char h[352];
    if (fread(h, 1, sizeof h, f) != sizeof h) {
        fclose(f);
        return -1;
    }
    int16_t dim[8], datatype;
    float vox_offset, slope, inter, srow[12];
    memcpy(dim, h + 40, sizeof dim);
    memcpy(&datatype, h + 70, 2);
    memcpy(&vox_offset, h + 108, 4);
    memcpy(&slope, h + 112, 4);
    memcpy(&inter, h + 116, 4);
    memcpy(srow, h + 280, sizeof srow);
    if (slope == 0.0f)
        slope = 1.0f;
    size_t n = 1;
    for (int a = 0; a < 3; a++) {
        out->dim[a] = dim[a + 1];
        n *= (size_t)dim[a + 1];
        for (int c = 0; c < 4; c++)
            out->srow[a][c] = srow[4 * a + c];
    }
    int bytes = datatype == 16 ? 4 : datatype == 4 || datatype == 512 ? 2 : datatype == 2 ? 1 : 0;
    assert_true(bytes > 0);
    unsigned char *raw = malloc(n * (size_t)bytes);
    out->data = malloc(n * sizeof(float));
    assert_non_null(raw);
    assert_non_null(out->data);
    fseek(f, (long)vox_offset, SEEK_SET);
    size_t got = fread(raw, (size_t)bytes, n, f);
    fclose(f);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        double v;
        if (datatype == 16) {
            float x;
            memcpy(&x, raw + 4 * i, 4);
            v = x;
        } else if (datatype == 4) {
            int16_t x;
            memcpy(&x, raw + 2 * i, 2);
            v = x;
        } else if (datatype == 512) {
            uint16_t x;
            memcpy(&x, raw + 2 * i, 2);
            v = x;
        } else {
            v = raw[i];
        }
        out->data[i] = (float)(v * slope + inter);
    }
    free(raw);
    return 0;
}

/* Every voxel of the NIfTI file must land, through its sform, on a voxel centre of vol (within
 * 0.01 voxel) holding the same value (1e-3): same geometry and values, whatever axis flips. */
static void assert_nifti_matches(const sps_volume *vol, const char *path)
{
    nii n;
    memset(&n, 0, sizeof n);
    assert_int_equal(read_nifti(&n, path), 0);
    const sps_geometry *g = sps_volume_geometry(vol);
    size_t total = (size_t)n.dim[0] * (size_t)n.dim[1] * (size_t)n.dim[2];
    assert_int_equal(total, sps_volume_voxel_count(vol));
    size_t idx = 0;
    for (int k = 0; k < n.dim[2]; k++)
        for (int j = 0; j < n.dim[1]; j++)
            for (int i = 0; i < n.dim[0]; i++, idx++) {
                double lps[3], ijk[3];
                for (int c = 0; c < 3; c++) {
                    double ras = n.srow[c][0] * i + n.srow[c][1] * j + n.srow[c][2] * k + n.srow[c][3];
                    lps[c] = c < 2 ? -ras : ras;
                }
                sps_geometry_lps_to_index(ijk, g, lps);
                size_t r[3];
                for (int a = 0; a < 3; a++) {
                    double rr = floor(ijk[a] + 0.5);
                    if (fabs(ijk[a] - rr) > 0.01 || rr < 0 || rr >= (double)g->dims[a])
                        fail_msg("%s voxel (%d,%d,%d) maps to index %.4f on axis %d", path, i, j, k,
                                 ijk[a], a);
                    r[a] = (size_t)rr;
                }
                float ours = sps_volume_at(vol, r[0], r[1], r[2]);
                if (fabsf(ours - n.data[idx]) > 1e-3f * fmaxf(1.0f, fabsf(ours)))
                    fail_msg("%s voxel (%d,%d,%d) = %g, ours (%zu,%zu,%zu) = %g", path, i, j, k,
                             (double)n.data[idx], r[0], r[1], r[2], (double)ours);
            }
    free(n.data);
}

static void compare_with_dcm2niix(const char *series_dir)
{
    if (system("command -v dcm2niix >/dev/null 2>&1") != 0) {
        print_message("dcm2niix absent: comparison skipped\n");
        skip();
    }
    sps_volume *v = NULL;
    sps_error err;
    assert_int_equal(load(&v, NULL, series_dir, NULL, 3, &err), SPS_OK);
    char *tmp = sps_test_mkdtemp();
    char cmd[8192], nii_path[4200];
    snprintf(cmd, sizeof cmd, "dcm2niix -z n -f ref -o '%s' '%s' >/dev/null 2>&1", tmp, series_dir);
    assert_int_equal(system(cmd), 0);
    snprintf(nii_path, sizeof nii_path, "%s/ref.nii", tmp);
    assert_nifti_matches(v, nii_path);
    /* our own NIfTI writer round-trips through the same check */
    snprintf(nii_path, sizeof nii_path, "%s/ours.nii", tmp);
    assert_int_equal(sps_seg_write_nifti(v, nii_path, &err), SPS_OK);
    assert_nifti_matches(v, nii_path);
    sps_volume_free(v);
    sps_test_rmtree(tmp);
    free(tmp);
}

static void test_dicom__geometry_and_values_agree_with_dcm2niix(void **state)
{
    (void)state;
    compare_with_dcm2niix(cp("dcm_qa_ct/philips-ct-head-phantom-S2010")); /* axial CT, HU */
    compare_with_dcm2niix(cp("dicom2nifti/ge/anatomical/001"));            /* GE MR */
    compare_with_dcm2niix(cp("dwv/bbmri-mr-series"));                      /* Siemens MR */
    char *dir = make_series("");                                           /* sagittal, shuffled */
    compare_with_dcm2niix(dir);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_dicom__lone_rescale_slope_is_applied_and_warned(void **state)
{
    (void)state;
    char *dir = make_series("--slope-only");
    sps_volume *v = NULL;
    sps_dicom_report *rep = NULL;
    sps_error err;
    assert_int_equal(load(&v, &rep, dir, NULL, 3, &err), SPS_OK);
    assert_true(report_has(rep, SPS_DIAG_WARNING, "RescaleSlope (0028,1053) without RescaleIntercept"));
    /* voxel (i,j,k) = 2 * (1000 + 100k + 5j + i), not the stored value */
    sps_assert_near(sps_volume_at(v, 3, 2, 1), 2.0 * (1000 + 100 + 10 + 3), 0);
    sps_volume_free(v);
    sps_dicom_report_free(rep);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_dicom__missing_path_is_not_found(void **state)
{
    (void)state;
    sps_dicom_index *idx = (sps_dicom_index *)1;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, "/nonexistent/spinescore", &err), SPS_ENOTFOUND);
    assert_null(idx);
    assert_string_equal(err.where, "/nonexistent/spinescore");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dicom__lspine_ge_mr_is_four_disc_angled_stacks_matching_pydicom),
        cmocka_unit_test(test_dicom__philips_ct_loads_28_slices_in_hu_sorted_by_position),
        cmocka_unit_test(test_dicom__gantry_tilt_is_refused_with_its_angle),
        cmocka_unit_test(test_dicom__identical_positions_are_refused),
        cmocka_unit_test(test_dicom__two_slices_are_too_few),
        cmocka_unit_test(test_dicom__missing_slice_is_named_with_the_gap_in_mm),
        cmocka_unit_test(test_dicom__orientation_change_splits_the_series),
        cmocka_unit_test(test_dicom__dcm_qa_ts_nine_encodings_decode_identically),
        cmocka_unit_test(test_dicom__compressed_mr_series_identical_in_four_codecs),
        cmocka_unit_test(test_dicom__mr_small_in_every_syntax_matches_pydicom),
        cmocka_unit_test(test_dicom__ct_singles_match_pydicom),
        cmocka_unit_test(test_dicom__same_ct_in_rle_and_jpeg_lossless_as_big_endian_original),
        cmocka_unit_test(test_dicom__enhanced_multiframe_uses_per_frame_groups),
        cmocka_unit_test(test_dicom__broken_files_are_reported_with_the_reason),
        cmocka_unit_test(test_dicom__whole_corpus_scan_lists_every_unreadable_file),
        cmocka_unit_test(test_dicom__dicomdir_references_are_followed),
        cmocka_unit_test(test_dicom__shuffled_synthetic_series_loads_in_position_order),
        cmocka_unit_test(test_dicom__corrupt_end_slice_is_skipped_and_reported),
        cmocka_unit_test(test_dicom__repeated_acquisition_and_localizer_are_split),
        cmocka_unit_test(test_dicom__absurd_dimensions_are_refused_before_allocation),
        cmocka_unit_test(test_dicom__geometry_and_values_agree_with_dcm2niix),
        cmocka_unit_test(test_dicom__lone_rescale_slope_is_applied_and_warned),
        cmocka_unit_test(test_dicom__missing_path_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
