/* test_phantom.c — the phantom generator cannot drift from its truth: voxels are checked
 * against truth.json quantities (lesion HU, body volume, heights by ray casting, Bilsky
 * geometry), output is byte-identical per seed, and spec errors name the field. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>

#include "phantom.h"
#include "spinescore/dicom_write.h"
#include "test_support.h"
#include "util_internal.h"

/* ---- helpers ---- */

static ph_model *load_spec_text(const char *text, long long seed)
{
    ph_model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sps_error err;
    sps_error_clear(&err);
    sps_status st = ph_model_from_json(m, text, "test-spec", seed, &err);
    if (st != SPS_OK)
        print_error("spec error: %s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);
    return m;
}

static ph_model *load_sample(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "sample-data/%s/spec.json", name);
    char *text = NULL;
    size_t len = 0;
    sps_error err;
    assert_int_equal(sps_read_file(&text, &len, sps_test_path(rel), 1 << 20, &err), SPS_OK);
    ph_model *m = load_spec_text(text, -1);
    sps_free(text);
    return m;
}

static void render(const ph_model *m, ph_image *img)
{
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(ph_render(m, img, &err), SPS_OK);
}

/* Nearest voxel of an LPS point; 0 when outside the grid. */
static int lps_to_voxel(const ph_model *m, const double p[3], int ijk[3])
{
    const ph_acq *a = &m->acq;
    double d[3] = {p[0] - a->first[0], p[1] - a->first[1], p[2] - a->first[2]};
    double f[3] = {(d[0] * a->row_cos[0] + d[1] * a->row_cos[1] + d[2] * a->row_cos[2]) / a->col_spacing,
                   (d[0] * a->col_cos[0] + d[1] * a->col_cos[1] + d[2] * a->col_cos[2]) / a->row_spacing,
                   (d[0] * a->normal[0] + d[1] * a->normal[1] + d[2] * a->normal[2]) / a->spacing};
    int lim[3] = {a->cols, a->rows, a->slices};
    for (int i = 0; i < 3; i++) {
        ijk[i] = (int)floor(f[i] + 0.5);
        if (ijk[i] < 0 || ijk[i] >= lim[i])
            return 0;
    }
    return 1;
}

static size_t vidx(const ph_image *img, int i, int j, int k)
{
    return ((size_t)k * img->rows + (size_t)j) * img->cols + (size_t)i;
}

/* Mean value of lesion voxels whose 6 neighbours are the same lesion tissue (no partial volume). */
static double eroded_lesion_mean(const ph_image *img, int lesion, int tissue, long *count)
{
    double sum = 0;
    long n = 0;
    for (int k = 1; k + 1 < img->slices; k++)
        for (int j = 1; j + 1 < img->rows; j++)
            for (int i = 1; i + 1 < img->cols; i++) {
                size_t c = vidx(img, i, j, k);
                if (img->lesion[c] != lesion || img->tissue[c] != tissue)
                    continue;
                size_t nb[6] = {vidx(img, i - 1, j, k), vidx(img, i + 1, j, k), vidx(img, i, j - 1, k),
                                vidx(img, i, j + 1, k), vidx(img, i, j, k - 1), vidx(img, i, j, k + 1)};
                int ok = 1;
                for (int q = 0; q < 6; q++)
                    ok &= img->lesion[nb[q]] == lesion && img->tissue[nb[q]] == tissue;
                if (ok) {
                    sum += img->value[c];
                    n++;
                }
            }
    *count = n;
    return n ? sum / (double)n : NAN;
}

/* ---- lesion HU ---- */

static void check_lesion_hu(const char *sample, int tissue, double spec_hu)
{
    ph_model *m = load_sample(sample);
    ph_image img;
    render(m, &img);
    long n = 0;
    double mean = eroded_lesion_mean(&img, 1, tissue, &n);
    assert_true(n > 500);
    /* noise averages out: 4 standard errors, plus 0.5 HU */
    sps_assert_near(mean, spec_hu, 4.0 * m->acq.noise_sd / sqrt((double)n) + 0.5);
    ph_image_free(&img);
    free(m);
}

static void test_phantom__lytic_lesion_mean_hu_matches_spec(void **state)
{
    (void)state;
    check_lesion_hu("ct-lytic-t12-collapse", PH_LYTIC, 35.0);
}

static void test_phantom__blastic_lesion_mean_hu_matches_spec(void **state)
{
    (void)state;
    check_lesion_hu("ct-blastic-l2", PH_BLASTIC, 900.0);
}

/* ---- body volume and lesion fraction ---- */

static const char *fine_ct_spec =
    "{\"name\":\"fine\",\"seed\":5,\"levels\":{\"from\":\"T11\",\"to\":\"L1\"},"
    "\"acquisition\":{\"modality\":\"CT\",\"plane\":\"axial\",\"matrix\":[96,96],"
    "\"pixel_spacing_mm\":[0.5,0.5],\"slices\":70,\"slice_thickness_mm\":0.5,\"supersample\":1,"
    "\"noise_sd\":0,\"center_lps\":[0,0,0]},"
    "\"lesions\":[{\"level\":\"T12\",\"type\":\"lytic\",\"hu\":30,\"body_fraction\":0.55}],"
    "\"collapse\":[{\"level\":\"T12\",\"anterior_pct\":30,\"middle_pct\":40,\"posterior_pct\":5}]}";

static void test_phantom__body_volume_and_lesion_fraction_match_voxels(void **state)
{
    (void)state;
    ph_model *m = load_spec_text(fine_ct_spec, -1);
    ph_image img;
    render(m, &img);
    int v = m->focus;
    assert_string_equal(m->vert[v].name, "T12");
    size_t n = (size_t)img.cols * img.rows * img.slices;
    long body = 0, les = 0;
    for (size_t i = 0; i < n; i++) {
        if (img.vert[i] == v && img.part[i] == PH_PART_BODY) {
            body++;
            les += img.lesion[i] != 0;
        }
    }
    double voxel = m->acq.col_spacing * m->acq.row_spacing * m->acq.spacing;
    double analytic = ph_body_volume(&m->vert[v]);
    /* the whole body must be inside the field of view for this check */
    sps_assert_near(body * voxel, analytic, 0.01 * analytic);
    sps_assert_near((double)les / (double)body, m->lesion[0].body_fraction, 0.01);
    sps_assert_near(m->lesion[0].body_fraction, 0.55, 0.005);
    ph_image_free(&img);
    free(m);
}

static void test_phantom__mixed_lesion_and_posterolateral_extent_show_in_voxels(void **state)
{
    (void)state;
    const char *spec =
        "{\"name\":\"mixed\",\"seed\":8,\"levels\":{\"from\":\"T11\",\"to\":\"L1\"},"
        "\"acquisition\":{\"modality\":\"CT\",\"plane\":\"axial\",\"matrix\":[96,96],"
        "\"pixel_spacing_mm\":[0.7,0.7],\"slices\":40,\"slice_thickness_mm\":0.7,\"supersample\":1,"
        "\"noise_sd\":0},"
        "\"lesions\":[{\"level\":\"T12\",\"type\":\"mixed\",\"hu_lytic\":20,\"hu_blastic\":1000,"
        "\"body_fraction\":0.5,\"extends\":[\"pedicle_left\",\"facet_left\",\"costovertebral_left\"]}]}";
    ph_model *m = load_spec_text(spec, -1);
    ph_image img;
    render(m, &img);
    size_t n = (size_t)img.cols * img.rows * img.slices;
    long lyt = 0, bla = 0, ped[2] = {0, 0}, ped_les[2] = {0, 0}, fac_les[2] = {0, 0}, cv[2] = {0, 0}, cv_les[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (img.vert[i] != m->focus)
            continue;
        int les = img.lesion[i] != 0;
        if (img.part[i] == PH_PART_BODY && les) {
            lyt += img.tissue[i] == PH_LYTIC;
            bla += img.tissue[i] == PH_BLASTIC;
            /* a voxel value is exactly the tissue value without noise or supersampling */
            sps_assert_near(img.value[i], img.tissue[i] == PH_LYTIC ? 20.0 : 1000.0, 1e-3);
        }
        if (img.part[i] == PH_PART_PEDICLE_L || img.part[i] == PH_PART_PEDICLE_R) {
            int side = img.part[i] == PH_PART_PEDICLE_R;
            ped[side]++;
            ped_les[side] += les;
        }
        if ((img.part[i] == PH_PART_FACET_L || img.part[i] == PH_PART_FACET_R) && les)
            fac_les[img.part[i] == PH_PART_FACET_R]++;
        if (img.part[i] == PH_PART_COSTOVERT_L || img.part[i] == PH_PART_COSTOVERT_R) {
            int side = img.part[i] == PH_PART_COSTOVERT_R;
            cv[side]++;
            cv_les[side] += les;
        }
    }
    double share = (double)bla / (double)(lyt + bla);
    /* both components >= 20 %: a §3.2 classifier would call it mixed */
    assert_true(share >= 0.2 && share <= 0.8);
    sps_assert_near(share, m->lesion[0].blastic_share, 0.05);
    /* left pedicle, facet and costovertebral joint replaced entirely, right side untouched */
    assert_true(ped[0] > 50 && ped_les[0] == ped[0]);
    assert_true(ped[1] > 50 && ped_les[1] == 0);
    assert_true(fac_les[0] > 50 && fac_les[1] == 0);
    assert_true(cv[0] > 50 && cv_les[0] == cv[0]);
    assert_true(cv[1] > 50 && cv_les[1] == 0);
    ph_image_free(&img);
    free(m);
}

/* ---- heights by ray casting through the body mask ---- */

static double ray_height(const ph_model *m, const ph_image *img, int v, double y)
{
    const ph_vert *vt = &m->vert[v];
    double best = 0, run = 0;
    const double step = 0.02;
    for (double z = -vt->h_nom; z <= vt->h_nom; z += step) {
        double l[3] = {0, y, z}, p[3];
        int ijk[3];
        ph_to_world(m, v, l, p);
        int in = lps_to_voxel(m, p, ijk);
        size_t c = in ? vidx(img, ijk[0], ijk[1], ijk[2]) : 0;
        if (in && img->vert[c] == v && img->part[c] == PH_PART_BODY) {
            run += step;
            if (run > best)
                best = run;
        } else {
            run = 0;
        }
    }
    return best;
}

static void check_heights(ph_model *m, double tol)
{
    ph_image img;
    render(m, &img);
    int checked = 0;
    for (int v = 0; v < m->nvert; v++) {
        const ph_vert *vt = &m->vert[v];
        double top[3], bottom[3];
        double lt[3] = {0, 0, 0.5 * vt->h_nom}, lb[3] = {0, 0, -0.5 * vt->h_nom};
        ph_to_world(m, v, lt, top);
        ph_to_world(m, v, lb, bottom);
        int ijk[3];
        if (!lps_to_voxel(m, top, ijk) || !lps_to_voxel(m, bottom, ijk))
            continue; /* body not fully in the field of view */
        double h[3] = {vt->ha, vt->hm, vt->hp};
        for (int s = 0; s < 3; s++)
            sps_assert_near(ray_height(m, &img, v, ph_station(vt, s)), h[s], tol);
        checked++;
    }
    assert_true(checked >= 3);
    ph_image_free(&img);
}

static void test_phantom__heights_by_ray_casting_match_truth(void **state)
{
    (void)state;
    ph_model *m = load_sample("ct-lytic-t12-collapse");
    /* one voxel: 1.5 mm slices along the ray */
    check_heights(m, m->acq.spacing);
    free(m);
}

static void test_phantom__heights_hold_in_oblique_sagittal_with_alignment(void **state)
{
    (void)state;
    const char *spec =
        "{\"name\":\"oblique\",\"seed\":3,\"levels\":{\"from\":\"T11\",\"to\":\"L3\"},"
        "\"acquisition\":{\"modality\":\"CT\",\"plane\":\"sagittal\",\"matrix\":[128,160],"
        "\"pixel_spacing_mm\":[0.8,0.8],\"slices\":40,\"slice_thickness_mm\":1.0,"
        "\"oblique_deg\":[8,0,-6],\"supersample\":1,\"noise_sd\":0},"
        "\"collapse\":[{\"level\":\"L1\",\"anterior_pct\":35,\"middle_pct\":20,\"posterior_pct\":0}],"
        "\"alignment\":{\"level\":\"L1\",\"translation_mm\":[2,4],\"kyphosis_deg\":10,\"scoliosis_deg\":5}}";
    ph_model *m = load_spec_text(spec, -1);
    /* the ray crosses voxels obliquely: allow one voxel diagonal */
    check_heights(m, sqrt(0.8 * 0.8 * 2 + 1.0));
    free(m);
}

/* ---- Bilsky geometry by construction ---- */

static void test_phantom__bilsky_grades_have_their_defining_geometry(void **state)
{
    (void)state;
    for (int g = 0; g < 6; g++) {
        char spec[1024];
        snprintf(spec, sizeof spec,
                 "{\"name\":\"escc\",\"seed\":9,\"levels\":{\"from\":\"T9\",\"to\":\"T12\"},"
                 "\"acquisition\":{\"modality\":\"MR\",\"plane\":\"axial\",\"matrix\":[96,96],"
                 "\"pixel_spacing_mm\":[0.2,0.2],\"slices\":1,\"slice_thickness_mm\":0.2,"
                 "\"supersample\":1,\"noise_sd\":0},"
                 "\"lesions\":[{\"level\":\"T11\",\"type\":\"lytic\",\"body_fraction\":0.4}],"
                 "\"epidural\":{\"level\":\"T11\",\"bilsky\":\"%s\"}}",
                 ph_bilsky_token[g]);
        ph_model *m = load_spec_text(spec, -1);
        /* one axial slice through the tumour centre, centred on the canal */
        const ph_vert *v = &m->vert[m->epi_vert];
        double l[3] = {0, v->b + m->canal_ry, 0};
        ph_to_world(m, m->epi_vert, l, m->acq.center);
        m->acq.center_given = 1;
        sps_error err;
        assert_int_equal(ph_model_build(m, &err), SPS_OK);
        ph_image img;
        render(m, &img);
        long n_t = 0, n_cord = 0, n_csf = 0, t_csf = 0;
        double min_d2 = 1e30;
        for (int j = 0; j < img.rows; j++)
            for (int i = 0; i < img.cols; i++) {
                size_t c = vidx(&img, i, j, 0);
                n_t += img.tissue[c] == PH_TUMOUR;
                n_cord += img.tissue[c] == PH_CORD;
                n_csf += img.tissue[c] == PH_CSF;
                if (img.tissue[c] != PH_TUMOUR)
                    continue;
                /* 4-neighbour contact with CSF = the tumour deforms the sac */
                int nb[4][2] = {{i - 1, j}, {i + 1, j}, {i, j - 1}, {i, j + 1}};
                for (int q = 0; q < 4; q++) {
                    if (nb[q][0] < 0 || nb[q][1] < 0 || nb[q][0] >= img.cols || nb[q][1] >= img.rows)
                        continue;
                    t_csf += img.tissue[vidx(&img, nb[q][0], nb[q][1], 0)] == PH_CSF;
                }
                for (int jj = 0; jj < img.rows; jj++)
                    for (int ii = 0; ii < img.cols; ii++)
                        if (img.tissue[vidx(&img, ii, jj, 0)] == PH_CORD) {
                            double d2 = (ii - i) * (ii - i) + (jj - j) * (jj - j);
                            if (d2 < min_d2)
                                min_d2 = d2;
                        }
            }
        double px = m->acq.col_spacing, pa = px * px;
        double gap = sqrt(min_d2) * px; /* tumour-cord distance between voxel centres, mm */
        ph_areas ar, ref;
        ph_section_areas(m, m->epi_vert, 0.0, &ar);
        ph_section_areas(m, m->epi_vert - 1, 0.0, &ref);
        /* voxel areas agree with the analytic section areas */
        sps_assert_near(n_cord * pa, ar.cord, 0.03 * ref.cord + 2 * pa);
        sps_assert_near(n_csf * pa, ar.csf, 0.03 * ref.csf + 2 * pa);
        sps_assert_near(n_t * pa, ar.tumour, 0.05 * ar.tumour + 2 * pa);
        switch (g) {
        case 0: /* tumour confined to bone */
            assert_int_equal(n_t, 0);
            break;
        case 1: /* 1a: epidural tumour, sac not deformed */
            assert_true(n_t > 0);
            assert_int_equal(t_csf, 0);
            break;
        case 2: /* 1b: sac deformed, cord not touched */
            assert_true(t_csf > 0);
            assert_true(gap > 0.8);
            sps_assert_near(ar.cord, ref.cord, 1e-9);
            break;
        case 3: /* 1c: tumour abuts the cord, cord not compressed */
            assert_true(t_csf > 0);
            assert_true(gap <= 1.5 * px);
            sps_assert_near(ar.cord, ref.cord, 0.01 * ref.cord);
            break;
        case 4: /* 2: cord compressed, CSF visible */
            assert_true(ar.cord < 0.95 * ref.cord);
            assert_true(gap <= 1.5 * px);
            assert_true(n_csf > 50);
            break;
        case 5: /* 3: cord compressed, no CSF */
            assert_true(ar.cord < 0.95 * ref.cord);
            assert_int_equal(n_csf, 0);
            sps_assert_near(ar.csf, 0.0, 1e-9);
            break;
        }
        /* the truth file says the same */
        char *truth = NULL;
        assert_int_equal(ph_truth_json(m, &truth, &err), SPS_OK);
        cJSON *t = cJSON_Parse(truth);
        assert_non_null(t);
        cJSON *ep = cJSON_GetObjectItem(t, "epidural");
        assert_string_equal(cJSON_GetObjectItem(ep, "bilsky")->valuestring, ph_bilsky_token[g]);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(ep, "tumour_touches_cord")), g >= 3);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(ep, "tumour_touches_sac")), g >= 2);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(ep, "cord_compressed")), g >= 4);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(ep, "csf_visible_around_cord")), g != 5);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "expected"), "bilsky")->valuestring,
                            ph_bilsky_token[g]);
        cJSON_Delete(t);
        free(truth);
        ph_image_free(&img);
        free(m);
    }
}

/* ---- expected categories of the sample cases ---- */

static cJSON *truth_of(const char *sample)
{
    ph_model *m = load_sample(sample);
    char *text = NULL;
    sps_error err;
    assert_int_equal(ph_truth_json(m, &text, &err), SPS_OK);
    cJSON *t = cJSON_Parse(text);
    assert_non_null(t);
    free(text);
    free(m);
    return t;
}

static const char *sins_of(cJSON *t, const char *component)
{
    cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "expected"), "sins");
    cJSON *c = cJSON_GetObjectItem(s, component);
    return cJSON_IsString(c) ? c->valuestring : "(null)";
}

static void test_phantom__sample_truths_carry_the_intended_categories(void **state)
{
    (void)state;
    cJSON *t = truth_of("ct-lytic-t12-collapse");
    assert_string_equal(sins_of(t, "location"), "junctional");
    assert_string_equal(sins_of(t, "bone_lesion"), "lytic");
    assert_string_equal(sins_of(t, "collapse"), "gt50");
    assert_string_equal(sins_of(t, "posterolateral"), "unilateral");
    assert_string_equal(sins_of(t, "alignment"), "normal");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "expected"), "genant_grade")->valueint, 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "expected"), "near_threshold")),
                     0);
    /* T12 collapse against the mean of T11 and L1 (both uninvolved, §1.4) */
    cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "vertebrae"), 2);
    assert_string_equal(cJSON_GetObjectItem(v, "level")->valuestring, "T12");
    sps_assert_near(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "collapse_pct"), "anterior")->valuedouble, 60.0,
                    1e-6);
    cJSON_Delete(t);

    t = truth_of("ct-blastic-l2");
    assert_string_equal(sins_of(t, "location"), "mobile");
    assert_string_equal(sins_of(t, "bone_lesion"), "blastic");
    assert_string_equal(sins_of(t, "collapse"), "none");
    assert_string_equal(sins_of(t, "posterolateral"), "none");
    cJSON_Delete(t);

    t = truth_of("mr-t2-escc2-t11");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "expected"), "bilsky")->valuestring, "2");
    assert_string_equal(sins_of(t, "posterolateral"), "unilateral");
    assert_string_equal(sins_of(t, "location"), "junctional");
    cJSON_Delete(t);
}

/* ---- determinism and DICOM output ---- */

#define SMALL_SPEC_FMT \
    "{\"name\":\"small\",\"seed\":4,\"levels\":{\"from\":\"T11\",\"to\":\"L1\"},"                \
    "\"acquisition\":{\"modality\":\"CT\",\"plane\":\"axial\",\"matrix\":[48,40],"            \
    "\"pixel_spacing_mm\":[1.5,1.5],\"slices\":6,\"slice_thickness_mm\":3,"                   \
    "\"transfer_syntax\":\"%s\",\"noise_sd\":15},"                                            \
    "\"lesions\":[{\"level\":\"T12\",\"type\":\"mixed\",\"body_fraction\":0.4}]}"

static uint64_t checksum_dir(const char *dir, int nfiles)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 1; i <= nfiles; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/IM%04d.dcm", dir, i);
        char *data = NULL;
        size_t len = 0;
        sps_error err;
        assert_int_equal(sps_read_file(&data, &len, path, 1 << 26, &err), SPS_OK);
        for (size_t k = 0; k < len; k++) {
            h ^= (unsigned char)data[k];
            h *= 0x100000001b3ULL;
        }
        sps_free(data);
    }
    return h;
}

static uint64_t generate(const char *syntax, long long seed, char **dir_out)
{
    char spec[1024];
    snprintf(spec, sizeof spec, SMALL_SPEC_FMT, syntax);
    ph_model *m = load_spec_text(spec, seed);
    ph_image img;
    render(m, &img);
    char *dir = sps_test_mkdtemp();
    assert_non_null(dir);
    sps_error err;
    sps_error_clear(&err);
    sps_status st = ph_write_dicom(m, &img, dir, &err);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);
    uint64_t h = checksum_dir(dir, m->acq.slices);
    ph_image_free(&img);
    free(m);
    *dir_out = dir;
    return h;
}

static void test_phantom__same_seed_gives_identical_files(void **state)
{
    (void)state;
    static const char *const syntaxes[3] = {"explicit_le", "jpeg_ls", "rle"};
    for (int s = 0; s < 3; s++) {
        char *d1, *d2, *d3;
        uint64_t a = generate(syntaxes[s], -1, &d1);
        uint64_t b = generate(syntaxes[s], -1, &d2);
        uint64_t c = generate(syntaxes[s], 99, &d3);
        assert_true(a == b);
        assert_true(a != c);
        /* no temporary files left behind */
        char tmp[512];
        struct stat st;
        snprintf(tmp, sizeof tmp, "%s/.IM0001.dcm.tmp", d1);
        assert_true(stat(tmp, &st) != 0);
        sps_test_rmtree(d1);
        sps_test_rmtree(d2);
        sps_test_rmtree(d3);
        free(d1);
        free(d2);
        free(d3);
    }
}

/* ---- spec and writer errors ---- */

static void expect_spec_error(const char *text, sps_status code, const char *where_part, const char *msg_part)
{
    ph_model *m = calloc(1, sizeof *m);
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(ph_model_from_json(m, text, "bad.json", -1, &err), code);
    if (!strstr(err.where, where_part) || !strstr(err.message, msg_part))
        print_error("where=\"%s\" message=\"%s\"\n", err.where, err.message);
    assert_non_null(strstr(err.where, where_part));
    assert_non_null(strstr(err.message, msg_part));
    free(m);
}

static void test_phantom__spec_errors_name_file_and_field(void **state)
{
    (void)state;
    expect_spec_error("{\n \"name\": \"x\",\n \"levels\": [\n", SPS_EFORMAT, "bad.json:", "line");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"L2\"},\"acquisition\":{\"modality\":\"CT\","
                      "\"slices\":4,\"slice_thickness_mm\":1,\"matrx\":[64,64]}}",
                      SPS_EINVALID, "bad.json: $.acquisition.matrx", "unknown key");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"T13\"},\"acquisition\":{}}", SPS_EINVALID,
                      "$.levels", "T13");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"L2\"},\"acquisition\":{\"modality\":\"CT\","
                      "\"slices\":4,\"slice_thickness_mm\":1},"
                      "\"epidural\":{\"level\":\"T12\",\"bilsky\":\"1d\"}}",
                      SPS_EINVALID, "$.epidural.bilsky", "1d");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"L2\"},\"acquisition\":{\"modality\":\"CT\","
                      "\"slices\":4,\"slice_thickness_mm\":1},"
                      "\"lesions\":[{\"level\":\"T12\",\"type\":\"lytic\",\"body_fraction\":1.5}]}",
                      SPS_EINVALID, "$.lesions[0].body_fraction", "outside");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"L2\"},\"acquisition\":{\"modality\":\"CT\","
                      "\"slices\":4,\"slice_thickness_mm\":1},\"epidural\":{\"level\":\"L2\",\"bilsky\":\"2\"}}",
                      SPS_EINVALID, "epidural.level", "conus");
    expect_spec_error("{\"levels\":{\"from\":\"T10\",\"to\":\"L2\"},\"acquisition\":{\"modality\":\"CT\","
                      "\"slices\":4,\"slice_thickness_mm\":1},\"lesions\":[{\"level\":\"L1\",\"type\":\"lytic\","
                      "\"body_fraction\":0.3,\"extends\":[\"costovertebral_left\"]}]}",
                      SPS_EINVALID, "$.lesions[0]", "ribs");
}

static void test_dicom_write__rejects_bad_input_and_makes_valid_uids(void **state)
{
    (void)state;
    char uid[65], uid2[65];
    assert_int_equal(sps_dicom_make_uid(uid, "seed", "series", 3, NULL), SPS_OK);
    assert_int_equal(sps_dicom_make_uid(uid2, "seed", "series", 3, NULL), SPS_OK);
    assert_string_equal(uid, uid2);
    assert_true(strlen(uid) <= 64 && strncmp(uid, "2.25.", 5) == 0 && uid[5] != '0');
    for (const char *c = uid + 5; *c; c++)
        assert_true(*c >= '0' && *c <= '9');
    assert_int_equal(sps_dicom_make_uid(uid2, "seed", "series", 4, NULL), SPS_OK);
    assert_string_not_equal(uid, uid2);

    uint16_t px[4] = {0, 100, 4095, 7};
    sps_dw_series s;
    memset(&s, 0, sizeof s);
    s.rows = s.cols = 2;
    s.slices = 1;
    s.row_spacing_mm = s.col_spacing_mm = s.slice_thickness_mm = s.spacing_between_slices_mm = 1;
    s.row_cosines[0] = 1;
    s.col_cosines[0] = 1; /* not orthogonal */
    s.window_width = 100;
    s.patient_name = "PHANTOM^SPINE";
    s.patient_id = "SPS-PHANTOM-0";
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_dicom_write_series("/tmp", &s, px, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "orthonormal"));
    s.col_cosines[0] = 0;
    s.col_cosines[1] = 1;
    px[3] = 5000;
    assert_int_equal(sps_dicom_write_series("/tmp", &s, px, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "4095"));
    px[3] = 7;
    assert_int_equal(sps_dicom_write_series("/nonexistent-dir-sps", &s, px, &err), SPS_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phantom__lytic_lesion_mean_hu_matches_spec),
        cmocka_unit_test(test_phantom__blastic_lesion_mean_hu_matches_spec),
        cmocka_unit_test(test_phantom__body_volume_and_lesion_fraction_match_voxels),
        cmocka_unit_test(test_phantom__mixed_lesion_and_posterolateral_extent_show_in_voxels),
        cmocka_unit_test(test_phantom__heights_by_ray_casting_match_truth),
        cmocka_unit_test(test_phantom__heights_hold_in_oblique_sagittal_with_alignment),
        cmocka_unit_test(test_phantom__bilsky_grades_have_their_defining_geometry),
        cmocka_unit_test(test_phantom__sample_truths_carry_the_intended_categories),
        cmocka_unit_test(test_phantom__same_seed_gives_identical_files),
        cmocka_unit_test(test_phantom__spec_errors_name_file_and_field),
        cmocka_unit_test(test_dicom_write__rejects_bad_input_and_makes_valid_uids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
