/* test_seg_canal.c — semi-automatic canal path (one click in the thecal sac -> ESCC evidence)
 * against phantom truth: a generated set of axial T2 MR phantoms of every Bilsky grade with
 * varied noise, slice thickness, pixel size, level and orientation (deterministic seeds), each
 * written as DICOM, loaded with sps_dicom_scan/sps_dicom_load, segmented from one seed and
 * graded with sps_measure_escc. The grade must be exact on >= 95 % of the cases; failures are
 * listed with their evidence. Also: the annotation round trip and the refusals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "phantom.h"
#include "spinescore/dicom.h"
#include "spinescore/measure.h"
#include "spinescore/seg.h"
#include "spinescore/volume.h"
#include "test_support.h"

static sps_models *g_models;

static int setup(void **state)
{
    (void)state;
    sps_error err;
    return sps_models_load_builtin(&g_models, &err) == SPS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sps_models_free(g_models);
    return 0;
}

/* One generated case. */
typedef struct canal_case {
    const char *grade;  /* Bilsky token */
    const char *level;  /* focus level */
    double pixel_mm;    /* square pixels */
    double thick_mm;    /* slice thickness (spacing = 1.1 x) */
    double noise;       /* MR noise sd (CSF signal 2000) */
    double obl[3];      /* oblique_deg about L, P, S */
    int seed_in_cord;   /* click the sac centre (cord) instead of CSF */
    int lesion;         /* add a lytic body lesion at the level */
} canal_case;

/* 6 grades x 8 variants; 1b keeps pixels <= 0.8 mm: its 1-mm CSF gap must exceed the one-pixel
 * contact tolerance of measurement.escc (see docs/validation.md). */
static const canal_case g_cases[] = {
    {"0", "T8", 0.7, 3.0, 20, {0, 0, 0}, 0, 0},   {"0", "T11", 0.9, 4.0, 35, {6, 0, 0}, 1, 1},
    {"0", "T6", 0.6, 2.0, 25, {0, 0, 8}, 0, 0},   {"0", "T12", 0.8, 3.0, 40, {-5, 4, 0}, 1, 0},
    {"0", "T10", 1.0, 3.0, 15, {0, 0, 0}, 0, 1},  {"0", "T9", 0.75, 2.5, 30, {4, 0, -6}, 0, 0},
    {"1a", "T8", 0.7, 3.0, 20, {0, 0, 0}, 0, 0},  {"1a", "T11", 0.8, 4.0, 30, {6, 0, 0}, 1, 1},
    {"1a", "T6", 0.6, 2.0, 25, {0, 0, 8}, 0, 0},  {"1a", "T12", 0.8, 3.0, 35, {-5, 4, 0}, 1, 0},
    {"1a", "T10", 0.9, 3.0, 15, {0, 0, 0}, 0, 1}, {"1a", "T9", 0.75, 2.5, 30, {4, 0, -6}, 0, 0},
    {"1b", "T8", 0.7, 3.0, 20, {0, 0, 0}, 0, 0},  {"1b", "T11", 0.8, 4.0, 30, {6, 0, 0}, 1, 1},
    {"1b", "T6", 0.6, 2.0, 25, {0, 0, 8}, 0, 0},  {"1b", "T12", 0.7, 3.0, 35, {-5, 4, 0}, 1, 0},
    {"1b", "T10", 0.8, 3.0, 15, {0, 0, 0}, 0, 1}, {"1b", "T9", 0.75, 2.5, 30, {4, 0, -6}, 0, 0},
    {"1c", "T8", 0.7, 3.0, 20, {0, 0, 0}, 0, 0},  {"1c", "T11", 0.9, 4.0, 30, {6, 0, 0}, 1, 1},
    {"1c", "T6", 0.6, 2.0, 25, {0, 0, 8}, 0, 0},  {"1c", "T12", 0.8, 3.0, 35, {-5, 4, 0}, 1, 0},
    {"1c", "T10", 1.0, 3.0, 15, {0, 0, 0}, 0, 1}, {"1c", "T9", 0.75, 2.5, 30, {4, 0, -6}, 0, 0},
    {"2", "T8", 0.7, 3.0, 20, {0, 0, 0}, 0, 0},   {"2", "T11", 0.9, 4.0, 30, {6, 0, 0}, 1, 1},
    {"2", "T6", 0.6, 2.0, 25, {0, 0, 8}, 0, 0},   {"2", "T12", 0.8, 3.0, 35, {-5, 4, 0}, 1, 0},
    {"2", "T10", 1.0, 3.0, 15, {0, 0, 0}, 0, 1},  {"2", "T9", 0.75, 2.5, 30, {4, 0, -6}, 0, 0},
    {"3", "T8", 0.7, 3.0, 20, {0, 0, 0}, 1, 0},   {"3", "T11", 0.9, 4.0, 30, {6, 0, 0}, 1, 1},
    {"3", "T6", 0.6, 2.0, 25, {0, 0, 8}, 1, 0},   {"3", "T12", 0.8, 3.0, 35, {-5, 4, 0}, 1, 0},
    {"3", "T10", 1.0, 3.0, 15, {0, 0, 0}, 1, 1},  {"3", "T9", 0.75, 2.5, 30, {4, 0, -6}, 1, 0},
    /* a seventh and eighth variant per grade: upper/mid thoracic, noisier, 3.5-4 mm slices,
     * tilted about P and S */
    {"0", "T7", 0.65, 3.5, 45, {0, -6, 5}, 0, 1},  {"0", "T4", 0.8, 4.0, 25, {8, 0, 0}, 1, 0},
    {"1a", "T7", 0.65, 3.5, 45, {0, -6, 5}, 0, 1}, {"1a", "T4", 0.8, 4.0, 25, {8, 0, 0}, 1, 0},
    {"1b", "T7", 0.65, 3.5, 45, {0, -6, 5}, 0, 1}, {"1b", "T4", 0.75, 4.0, 25, {8, 0, 0}, 1, 0},
    {"1c", "T7", 0.65, 3.5, 45, {0, -6, 5}, 0, 1}, {"1c", "T4", 0.8, 4.0, 25, {8, 0, 0}, 1, 0},
    {"2", "T7", 0.65, 3.5, 45, {0, -6, 5}, 0, 1},  {"2", "T4", 0.8, 4.0, 25, {8, 0, 0}, 1, 0},
    {"3", "T7", 0.65, 3.5, 45, {0, -6, 5}, 1, 1},  {"3", "T4", 0.8, 4.0, 25, {8, 0, 0}, 1, 0},
};
#define N_CASES (sizeof g_cases / sizeof g_cases[0])

static const char *const g_levels[] = {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9",
                                       "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"};

static int level_index(const char *l)
{
    for (int i = 0; i < 17; i++)
        if (strcmp(g_levels[i], l) == 0)
            return i;
    return -1;
}

/* Generated, loaded case. */
typedef struct loaded {
    ph_model *m;
    sps_volume *vol;
    char *dir;
    double seed[3];
    ph_areas truth, truth_ref;
} loaded;

/* noise realisation: SPS_SEG_CANAL_SEED_BASE=N draws another one of the same set (held-out check
 * of rules tuned on the default 500; docs/validation.md) */
static int seed_base(void)
{
    const char *s = getenv("SPS_SEG_CANAL_SEED_BASE");
    return s && *s ? atoi(s) : 500;
}

static void load_case(loaded *L, const canal_case *c, int idx)
{
    int li = level_index(c->level);
    assert_true(li >= 2 && li <= 14);
    double fov = 110.0;
    int matrix = (int)ceil(fov / c->pixel_mm);
    double sp = 1.1 * c->thick_mm;
    int slices = (int)ceil(100.0 / sp);
    char lesion[256] = "";
    if (c->lesion)
        snprintf(lesion, sizeof lesion,
                 ",\"lesions\":[{\"level\":\"%s\",\"type\":\"lytic\",\"body_fraction\":0.35,\"position\":[0,0.3,0]}]",
                 c->level);
    char spec[2048];
    snprintf(spec, sizeof spec,
             "{\"name\":\"canal-%02d\",\"seed\":%d,\"levels\":{\"from\":\"%s\",\"to\":\"%s\"},\"focus\":\"%s\","
             "\"acquisition\":{\"modality\":\"MR\",\"plane\":\"axial\",\"matrix\":[%d,%d],"
             "\"pixel_spacing_mm\":[%g,%g],\"slices\":%d,\"slice_thickness_mm\":%g,\"slice_spacing_mm\":%g,"
             "\"oblique_deg\":[%g,%g,%g],\"supersample\":2,\"noise_sd\":%g}%s,"
             "\"epidural\":{\"level\":\"%s\",\"bilsky\":\"%s\"}}",
             idx, seed_base() + idx, g_levels[li - 2], g_levels[li + 2], c->level, matrix, matrix, c->pixel_mm, c->pixel_mm,
             slices, c->thick_mm, sp, c->obl[0], c->obl[1], c->obl[2], c->noise, lesion, c->level, c->grade);
    L->m = calloc(1, sizeof *L->m);
    assert_non_null(L->m);
    sps_error err;
    sps_error_clear(&err);
    sps_status st = ph_model_from_json(L->m, spec, "canal case", -1, &err);
    if (st != SPS_OK)
        print_error("case %d: %s: %s\n", idx, err.where, err.message);
    assert_int_equal(st, SPS_OK);
    ph_image img;
    assert_int_equal(ph_render(L->m, &img, &err), SPS_OK);
    L->dir = sps_test_mkdtemp();
    assert_non_null(L->dir);
    assert_int_equal(ph_write_dicom(L->m, &img, L->dir, &err), SPS_OK);
    ph_image_free(&img);
    sps_dicom_index *ix = NULL;
    assert_int_equal(sps_dicom_scan(&ix, L->dir, &err), SPS_OK);
    assert_int_equal(sps_dicom_index_series_count(ix), 1);
    st = sps_dicom_load(&L->vol, NULL, ix, sps_dicom_index_series(ix, 0)->key, NULL, &err);
    if (st != SPS_OK)
        print_error("case %d load: %s: %s\n", idx, err.where, err.message);
    assert_int_equal(st, SPS_OK);
    sps_dicom_index_free(ix);

    /* the click: in the anterior CSF (grades 0-1c), the lateral CSF (2), or the sac centre */
    const ph_model *m = L->m;
    int v = m->epi_vert;
    const ph_vert *vt = &m->vert[v];
    double u = 0, w = 0; /* from the canal centre, local x (left) and y (posterior) */
    if (c->seed_in_cord) /* the cord's centre (flattened cords: between the tumour front and the rear edge) */
        w = m->epi_front > m->cord_off - m->cord_ry ? 0.5 * (m->epi_front + m->cord_off + m->cord_ry) : m->cord_off;
    else if (m->bilsky >= 4) {
        u = m->sac_rx - 0.6;
        w = m->sac_off + 0.5;
    } else
        w = m->sac_off - m->sac_ry + 1.2;
    double loc[3] = {u, vt->b + m->canal_ry + w, 0};
    ph_to_world(m, v, loc, L->seed);
    ph_section_areas(m, v, 0.0, &L->truth);
    ph_section_areas(m, v > 0 ? v - 1 : v + 1, 0.0, &L->truth_ref);
}

static void unload(loaded *L)
{
    sps_volume_free(L->vol);
    sps_test_rmtree(L->dir);
    free(L->dir);
    free(L->m);
}

/* ---- accuracy over the generated set ------------------------------------------------------- */

static void test_seg_canal__bilsky_grade_exact_on_generated_set(void **state)
{
    (void)state;
    size_t ok = 0;
    char failures[16384] = "";
    double sac_err_max = 0, cord_err_max = 0, sac_err_sum = 0, cord_err_sum = 0;
    size_t n_cord = 0;
    print_message("case grade level px thick noise obl seed | sac truth/auto ref | cord truth/auto ref | tum gap rim | "
                  "auto grade\n");
    /* SPS_SEG_CANAL_CASE=N runs one case (for debugging; the criterion asserts are skipped) */
    const char *only = getenv("SPS_SEG_CANAL_CASE");
    for (size_t i = 0; i < N_CASES; i++) {
        const canal_case *c = &g_cases[i];
        if (only && *only && (size_t)atoi(only) != i)
            continue;
        loaded L;
        load_case(&L, c, (int)i);
        sps_canal_request req;
        sps_canal_request_init(&req, L.seed);
        sps_canal_result r;
        sps_error err;
        sps_error_clear(&err);
        sps_status st = sps_seg_canal(&r, L.vol, g_models, &req, &err);
        char got[8] = "-", why[2048] = "";
        sps_escc_finding f;
        memset(&f, 0, sizeof f);
        if (st != SPS_OK)
            snprintf(why, sizeof why, "segmentation refused: %s: %s", err.where, err.message);
        else if (!r.escc_ready)
            snprintf(why, sizeof why, "no ESCC evidence: %s", r.notes);
        else if ((st = sps_measure_escc(&f, g_models, &r.escc, &err)) != SPS_OK)
            snprintf(why, sizeof why, "measure refused: %s", err.message);
        else
            snprintf(got, sizeof got, "%s", f.grade);
        if (strcmp(got, c->grade) == 0) {
            ok++;
        } else {
            if (!why[0])
                snprintf(why, sizeof why, "%s%s%s%s", f.explanation, r.notes[0] ? " [notes: " : "", r.notes[0] ? r.notes : "", r.notes[0] ? "]" : "");
            size_t len = strlen(failures);
            snprintf(failures + len, sizeof failures - len, "  case %zu (Bilsky %s, %s, %.2f mm px, %.1f mm slices, noise %.0f, "
                     "oblique %g/%g/%g): got %s: %s\n", i, c->grade, c->level, c->pixel_mm, c->thick_mm, c->noise,
                     c->obl[0], c->obl[1], c->obl[2], got, why);
        }
        if (st == SPS_OK) {
            double se = fabs(r.worst.sac_area_mm2 - L.truth.sac) / L.truth.sac;
            sac_err_sum += se;
            sac_err_max = fmax(sac_err_max, se);
            if (r.worst.cord_found && L.truth.cord > 0) {
                double ce = fabs(r.worst.cord_area_mm2 - L.truth.cord) / L.truth.cord;
                cord_err_sum += ce;
                cord_err_max = fmax(cord_err_max, ce);
                n_cord++;
            }
            print_message("%2zu %-2s %-3s %.2f %.1f %2.0f %g/%g/%g %s | %6.1f/%6.1f %6.1f | %5.1f/%5.1f %5.1f | %5.1f/%5.1f %4.1f %.2f | %s\n",
                          i, c->grade, c->level, c->pixel_mm, c->thick_mm, c->noise, c->obl[0], c->obl[1], c->obl[2],
                          c->seed_in_cord ? "cord" : "csf ", L.truth.sac, r.worst.sac_area_mm2,
                          r.reference.sac_area_mm2, L.truth.cord, r.worst.cord_area_mm2, r.reference.cord_area_mm2,
                          L.truth.tumour, r.worst.tumor_area_mm2, r.worst.tumor_cord_distance_mm, r.worst.csf_rim_fraction, got);
        }
        sps_canal_result_free(&r);
        unload(&L);
    }
    double rate = (double)ok / (double)N_CASES;
    print_message("Bilsky grade exact: %zu/%zu = %.1f %%; seed-slice sac area error vs the central-section truth: mean "
                  "%.1f %%, max %.1f %%; cord: mean %.1f %%, max %.1f %% (%zu cases)\n",
                  ok, (size_t)N_CASES, 100 * rate, 100 * sac_err_sum / N_CASES, 100 * sac_err_max,
                  n_cord ? 100 * cord_err_sum / (double)n_cord : 0.0, 100 * cord_err_max, n_cord);
    if (failures[0])
        print_message("failures:\n%s", failures);
    /* issue 5 asks >= 95 % of a generated set of at least 40 cases: 48/48 measured with the
     * default noise (docs/validation.md "Semi-automatic canal on phantoms", which also gives four
     * other noise realisations: 237/240) */
    if (only && *only)
        return;
    assert_true(N_CASES >= 40);
    print_message("issue 5 criterion (>= 95 %% of >= 40 cases): %s\n", rate >= 0.95 ? "met" : "NOT met");
    assert_true(ok * 100 >= 95 * N_CASES);
}

/* ---- the outlines as an annotation file, read back by src/measure -------------------------- */

static void roundtrip(size_t ci)
{
    const canal_case *c = &g_cases[ci];
    loaded L;
    load_case(&L, c, (int)ci);
    sps_canal_request req;
    sps_canal_request_init(&req, L.seed);
    sps_canal_result r;
    sps_error err;
    sps_error_clear(&err);
    assert_int_equal(sps_seg_canal(&r, L.vol, g_models, &req, &err), SPS_OK);
    assert_true(r.escc_ready);
    sps_escc_finding f;
    assert_int_equal(sps_measure_escc(&f, g_models, &r.escc, &err), SPS_OK);
    assert_string_equal(f.grade, c->grade);

    char *json = NULL;
    assert_int_equal(sps_canal_annotations_json(&json, &r, c->level, NULL, sps_volume_series_uid(L.vol), &err), SPS_OK);
    sps_annotations *a = NULL;
    sps_status st = sps_annotations_parse(&a, g_models, json, strlen(json), "canal.json", NULL, NULL, &err);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);
    /* the outlines' vertices come back exactly (micrometre rounding) */
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    cJSON *o0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "outlines"), 0);
    assert_string_equal(cJSON_GetObjectItem(o0, "role")->valuestring, "sac_outline");
    cJSON *pts = cJSON_GetObjectItem(o0, "lps");
    assert_int_equal((size_t)cJSON_GetArraySize(pts), r.worst.sac.n);
    for (int k = 0; k < 3; k++)
        sps_assert_near(cJSON_GetArrayItem(cJSON_GetArrayItem(pts, 0), k)->valuedouble, r.worst.sac.lps[k], 1e-3);
    cJSON_Delete(root);

    char *out = NULL;
    assert_int_equal(sps_measure_lesion_json(&out, g_models, a, c->level, &err), SPS_OK);
    cJSON *res = cJSON_Parse(out);
    assert_non_null(res);
    cJSON *ev = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "measurements"), "escc");
    assert_non_null(ev);
    double sac = cJSON_GetObjectItem(ev, "sac_area_mm2")->valuedouble;
    double cord = cJSON_GetObjectItem(ev, "cord_area_mm2")->valuedouble;
    double rsac = cJSON_GetObjectItem(ev, "ref_sac_area_mm2")->valuedouble;
    const char *grade = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "lesion"), "escc"), "value")->valuestring;
    print_message("round trip case %zu (Bilsky %s): outline areas sac %.1f (mask %.1f), cord %.1f (mask %.1f), reference sac "
                  "%.1f (mask %.1f); grade from the annotations %s, from the masks %s\n",
                  ci, c->grade, sac, r.worst.sac_area_mm2, cord, r.worst.cord_area_mm2, rsac, r.reference.sac_area_mm2, grade,
                  f.grade);
    /* polygon through the pixel-edge midpoints vs pixel count: within 10 % */
    sps_assert_near(sac, r.worst.sac_area_mm2, 0.10 * r.worst.sac_area_mm2);
    sps_assert_near(cord, r.worst.cord_area_mm2, 0.15 * r.worst.cord_area_mm2);
    sps_assert_near(rsac, r.reference.sac_area_mm2, 0.10 * r.reference.sac_area_mm2);
    assert_string_equal(grade, c->grade);
    cJSON_Delete(res);
    sps_free(out);
    sps_annotations_free(a);
    sps_free(json);
    sps_canal_result_free(&r);
    unload(&L);
}

static void test_seg_canal__annotation_round_trip(void **state)
{
    (void)state;
    roundtrip(0);  /* Bilsky 0 */
    roundtrip(24); /* Bilsky 2 */
    roundtrip(30); /* Bilsky 3 */
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void test_seg_canal__refuses_ct_and_seed_outside(void **state)
{
    (void)state;
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = g.dims[1] = 32;
    g.dims[2] = 4;
    g.spacing_mm[0] = g.spacing_mm[1] = 1;
    g.spacing_mm[2] = 3;
    for (int a = 0; a < 3; a++)
        g.direction[a][a] = 1;
    sps_volume *v = NULL;
    sps_error err;
    assert_int_equal(sps_volume_new(&v, &g, &err), SPS_OK);
    sps_volume_set_meta(v, SPS_UNITS_HU, "CT", "1.2.3");
    double seed[3] = {16, 16, 3};
    sps_canal_request req;
    sps_canal_request_init(&req, seed);
    sps_canal_result r;
    assert_int_equal(sps_seg_canal(&r, v, g_models, &req, &err), SPS_EUNSUPPORTED);
    sps_volume_set_meta(v, SPS_UNITS_RAW, "MR", "1.2.3");
    double out[3] = {16, 16, 40};
    sps_canal_request_init(&req, out);
    assert_int_equal(sps_seg_canal(&r, v, g_models, &req, &err), SPS_EINVALID);
    assert_string_equal(err.where, "canal seed");
    /* an MR slab of zeros: no CSF near the seed */
    sps_canal_request_init(&req, seed);
    assert_int_equal(sps_seg_canal(&r, v, g_models, &req, &err), SPS_EINVALID);
    sps_volume_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seg_canal__refuses_ct_and_seed_outside),
        cmocka_unit_test(test_seg_canal__annotation_round_trip),
        cmocka_unit_test(test_seg_canal__bilsky_grade_exact_on_generated_set),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
