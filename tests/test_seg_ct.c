/* test_seg_ct.c — semi-automatic CT paths (src/seg/body_ct*.cpp) against phantom truth.
 * A generated set of 42 CT phantom cases (deterministic seeds) varying level (body size), pixel
 * size and matrix, noise, orientation (axial, sagittal, oblique), slice thickness, collapse
 * pattern (none, wedge, biconcave, crush), lesion type (lytic/blastic/mixed) and lesion fraction
 * (0.15-0.40 and 0.58-0.78). Each case is rendered in memory with the sps_phantom library (no
 * DICOM round trip: the DICOM path has its own tests). Two clicks per case, as a reader would
 * place them in a seeds file: one in the vertebral body (half-way between the truth middle endplate points) ->
 * body, six points and the neighbours found across the discs -> collapse; one at the centre of
 * the lesion -> lesion mask -> density class (sps_measure_lesion_density) and body fraction.
 * Tolerance per case (issue 5): collapse within +/-5 percentage points of truth AND lesion class
 * exact; failures are listed with their reasons; criterion >= 95 % of the cases.
 * SPS_SEG_CT_TABLE=1 prints the per-case table (docs/validation.md), SPS_SEG_CT_CASE=N runs one
 * case, SPS_SEG_CT_DEBUG=1 prints the points and the density explanation. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "phantom.h"
#include "spinescore/measure.h"
#include "spinescore/seg_ct.h"
#include "spinescore/volume.h"
#include "test_support.h"

static sps_models *g_models;

typedef struct ct_case {
    char spec[2048];
    char label[96];
    char collapse_kind[12];
    char lesion_kind[8];
    char plane[10];
} ct_case;

/* small deterministic generator */
static uint64_t rng_state;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static const char *const LEVELS[] = {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9",
                                     "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"};

static void make_case(ct_case *c, int i)
{
    rng_state = 0x5eedULL + 7919ULL * (uint64_t)i;
    (void)urand();
    int lv = 9 + i % 6; /* T10..L3 as the focus (two levels each side): 35-41 mm wide */
    const char *kinds[4] = {"none", "wedge", "biconcave", "crush"};
    const char *lesions[3] = {"lytic", "blastic", "mixed"};
    const char *planes[3] = {"axial", "sagittal", "oblique"};
    /* factors cycle with coprime-ish periods so no two are confounded */
    const char *kind = kinds[i % 4];
    const char *les = lesions[i % 3];
    const char *plane = planes[(i / 3) % 3];
    double thick[4] = {1.0, 1.5, 2.0, 2.5};
    double th = thick[(i / 9 + i) % 4];
    double noise = 8.0 + 17.0 * urand();
    double px = 0.6 + 0.35 * urand();
    double ca = 0, cm = 0, cp = 0;
    if (strcmp(kind, "wedge") == 0) {
        ca = 25 + 35 * urand();
        cm = 0.5 * ca;
        cp = 5 * urand();
    } else if (strcmp(kind, "biconcave") == 0) {
        cm = 25 + 25 * urand();
        ca = 5 * urand();
        cp = 5 * urand();
    } else if (strcmp(kind, "crush") == 0) {
        cm = 25 + 30 * urand();
        ca = cm - 5 + 10 * urand();
        cp = cm - 5 + 10 * urand();
    }
    /* lesion fraction away from the 50 % cut-off (truth and measurement near it may disagree) */
    double frac = ((i / 2) % 2) ? 0.15 + 0.25 * urand() : 0.58 + 0.2 * urand();
    double pos[3] = {0.3 * (urand() - 0.5), 0.1 + 0.2 * (urand() - 0.5), 0.2 * (urand() - 0.5)};
    char lesion_json[256];
    if (strcmp(les, "mixed") == 0)
        snprintf(lesion_json, sizeof lesion_json,
                 "{\"level\": \"%s\", \"type\": \"mixed\", \"hu_lytic\": %d, \"hu_blastic\": %d, "
                 "\"body_fraction\": %.3f, \"position\": [%.3f, %.3f, %.3f]}",
                 LEVELS[lv], 20 + (int)(30 * urand()), 700 + (int)(400 * urand()), frac, pos[0], pos[1], pos[2]);
    else
        snprintf(lesion_json, sizeof lesion_json,
                 "{\"level\": \"%s\", \"type\": \"%s\", \"hu\": %d, \"body_fraction\": %.3f, "
                 "\"position\": [%.3f, %.3f, %.3f]}",
                 LEVELS[lv], les, strcmp(les, "lytic") == 0 ? 15 + (int)(40 * urand()) : 600 + (int)(500 * urand()),
                 frac, pos[0], pos[1], pos[2]);
    char collapse_json[200] = "";
    if (strcmp(kind, "none") != 0)
        snprintf(collapse_json, sizeof collapse_json,
                 ", \"collapse\": [{\"level\": \"%s\", \"anterior_pct\": %.1f, \"middle_pct\": %.1f, "
                 "\"posterior_pct\": %.1f}]",
                 LEVELS[lv], ca, cm, cp);
    /* field of view: the focus and both neighbours with their discs (~110 mm along S) */
    char acq[512];
    int slices;
    if (strcmp(plane, "sagittal") == 0) {
        slices = (int)ceil(56.0 / th);
        int n = (int)ceil(120.0 / px);
        snprintf(acq, sizeof acq,
                 "\"plane\": \"sagittal\", \"matrix\": [%d, %d], \"pixel_spacing_mm\": [%.3f, %.3f], "
                 "\"slices\": %d, \"slice_thickness_mm\": %.1f",
                 n, n, px, px, slices, th);
    } else {
        slices = (int)ceil(112.0 / th);
        int n = (int)ceil(84.0 / px); /* the body and its footprint search box; arch partly cut */
        double ob[3] = {0, 0, 0};
        if (strcmp(plane, "oblique") == 0) {
            ob[0] = 10 + 15 * urand();
            ob[1] = 5 + 10 * urand();
            ob[2] = 20 * urand();
            n = (int)ceil(100.0 / px);
            slices = (int)ceil(125.0 / th);
        }
        snprintf(acq, sizeof acq,
                 "\"plane\": \"axial\", \"matrix\": [%d, %d], \"pixel_spacing_mm\": [%.3f, %.3f], "
                 "\"slices\": %d, \"slice_thickness_mm\": %.1f, \"oblique_deg\": [%.1f, %.1f, %.1f]",
                 n, n, px, px, slices, th, ob[0], ob[1], ob[2]);
    }
    snprintf(c->spec, sizeof c->spec,
             "{\"name\": \"seg-ct-%02d\", \"seed\": %d, \"levels\": {\"from\": \"%s\", \"to\": \"%s\"}, "
             "\"focus\": \"%s\", \"acquisition\": {\"modality\": \"CT\", %s, \"supersample\": 2, "
             "\"noise_sd\": %.1f}, \"lesions\": [%s]%s}",
             i, 100 + i, LEVELS[lv - 2], LEVELS[lv + 2], LEVELS[lv], acq, noise, lesion_json, collapse_json);
    snprintf(c->label, sizeof c->label, "%s %s %.1fmm px%.2f n%.0f", LEVELS[lv], plane, th, px, noise);
    snprintf(c->collapse_kind, sizeof c->collapse_kind, "%s", kind);
    snprintf(c->lesion_kind, sizeof c->lesion_kind, "%s", les);
    snprintf(c->plane, sizeof c->plane, "%s", plane);
}

/* Render a case into an sps_volume (HU) and its truth JSON; @p truth_lesion (optional) receives
 * the phantom's per-voxel lesion label (voxel centre inside the lesion ellipsoid and the body). */
static void render_case(const ct_case *c, sps_volume **vol, cJSON **truth, uint8_t **truth_lesion)
{
    static ph_model m;
    sps_error err;
    if (ph_model_from_json(&m, c->spec, "seg-ct-case", -1, &err) != SPS_OK)
        fail_msg("spec %s: %s: %s", c->spec, err.where, err.message);
    ph_image img;
    assert_int_equal(ph_render(&m, &img, &err), SPS_OK);
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = (size_t)m.acq.cols;
    g.dims[1] = (size_t)m.acq.rows;
    g.dims[2] = (size_t)m.acq.slices;
    g.spacing_mm[0] = m.acq.col_spacing;
    g.spacing_mm[1] = m.acq.row_spacing;
    g.spacing_mm[2] = m.acq.spacing;
    for (int a = 0; a < 3; a++) {
        g.origin_lps[a] = m.acq.first[a];
        g.direction[0][a] = m.acq.row_cos[a];
        g.direction[1][a] = m.acq.col_cos[a];
        g.direction[2][a] = m.acq.normal[a];
    }
    assert_int_equal(sps_volume_new_copy(vol, &g, img.value, &err), SPS_OK);
    sps_volume_set_meta(*vol, SPS_UNITS_HU, "CT", "2.25.1");
    if (truth_lesion) {
        *truth_lesion = img.lesion; /* handed over */
        img.lesion = NULL;
    }
    ph_image_free(&img);
    char *t = NULL;
    assert_int_equal(ph_truth_json(&m, &t, &err), SPS_OK);
    *truth = cJSON_Parse(t);
    free(t);
    assert_non_null(*truth);
}

#include <time.h>
static double sps_test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const cJSON *jget(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static const cJSON *truth_vertebra(const cJSON *truth, const char *level)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, jget(truth, "vertebrae"))
        if (strcmp(jget(v, "level")->valuestring, level) == 0)
            return v;
    return NULL;
}

static void jvec(double out[3], const cJSON *a)
{
    for (int i = 0; i < 3; i++)
        out[i] = cJSON_GetArrayItem(a, i)->valuedouble;
}

typedef struct case_result {
    int ok_run;
    char why[1100];
    double collapse_true, collapse_meas, frac_true, frac_meas;
    double height_err_max; /* largest |measured - true| height of the focus (mm) */
    char class_true[32], class_meas[32];
    char token_true[32], token_meas[32];
    /* lytic / blastic voxel fractions (sps_measure_lesion_density, same reference) in the
     * semi-automatic mask, in the true lesion (phantom voxel labels) and in the true lesion eroded
     * by one voxel (6-neighbourhood); NAN when not computed */
    double flyt[3], fbla[3];
    int pass;
} case_result;

/* Lytic / blastic fractions of the acquired voxels labelled as the lesion by the phantom (all, or
 * those whose six face neighbours are lesion too), against the segmentation's reference voxels. */
static void truth_fractions(case_result *r, const sps_volume *vol, const uint8_t *lab, const float *ref,
                            size_t nref)
{
    const sps_geometry *g = sps_volume_geometry(vol);
    const float *d = sps_volume_data_const(vol);
    const size_t nx = g->dims[0], ny = g->dims[1], nz = g->dims[2], n = nx * ny * nz;
    float *all = malloc(n * sizeof *all), *core = malloc(n * sizeof *core);
    assert_non_null(all);
    assert_non_null(core);
    size_t na = 0, nc = 0;
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++) {
                const size_t i = x + nx * (y + ny * z);
                if (!lab[i])
                    continue;
                all[na++] = d[i];
                if (x > 0 && y > 0 && z > 0 && x + 1 < nx && y + 1 < ny && z + 1 < nz && lab[i - 1] && lab[i + 1] &&
                    lab[i - nx] && lab[i + nx] && lab[i - nx * ny] && lab[i + nx * ny])
                    core[nc++] = d[i];
            }
    sps_lesion_density dd;
    sps_error err;
    if (sps_measure_lesion_density(&dd, g_models, all, na, ref, nref, &err) == SPS_OK) {
        r->flyt[1] = dd.fraction_lytic;
        r->fbla[1] = dd.fraction_blastic;
    }
    if (sps_measure_lesion_density(&dd, g_models, core, nc, ref, nref, &err) == SPS_OK) {
        r->flyt[2] = dd.fraction_lytic;
        r->fbla[2] = dd.fraction_blastic;
    }
    free(all);
    free(core);
}

static void run_case(const ct_case *c, case_result *r)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; k < 3; k++)
        r->flyt[k] = r->fbla[k] = NAN;
    sps_volume *vol = NULL;
    cJSON *truth = NULL;
    uint8_t *truth_lesion = NULL;
    render_case(c, &vol, &truth, &truth_lesion);
    const cJSON *les = cJSON_GetArrayItem(jget(truth, "lesions"), 0);
    const char *level = jget(les, "level")->valuestring;
    const cJSON *tv = truth_vertebra(truth, level);
    r->collapse_true = jget(jget(tv, "collapse_pct"), "max")->valuedouble;
    r->frac_true = jget(les, "body_fraction")->valuedouble;
    snprintf(r->class_true, sizeof r->class_true, "%s", jget(les, "class")->valuestring);
    snprintf(r->token_true, sizeof r->token_true, "%s",
             jget(jget(jget(truth, "expected"), "sins"), "collapse")->valuestring);
    /* the lesion click: the centre of the lesion ellipsoid (inside the body by construction) */
    double seed[3];
    jvec(seed, jget(les, "ellipsoid_center_lps"));
    sps_error err;
    sps_error_clear(&err);
    sps_seg_ct_lesion L;
    double t0 = sps_test_now();
    sps_status st = sps_seg_ct_find_lesion(&L, vol, g_models, seed, NULL, 0, &err);
    if (getenv("SPS_SEG_CT_DEBUG"))
        print_message("lesion path %.3f s\n", sps_test_now() - t0);
    if (st != SPS_OK && getenv("SPS_SEG_CT_DEBUG")) {
        sps_seg_ct_body b;
        sps_error e2;
        if (sps_seg_ct_find_body(&b, vol, g_models, seed, &e2) == SPS_OK)
            print_message("body: sup %.1f %.1f %.1f / %.1f %.1f %.1f inf %.1f %.1f %.1f / %.1f %.1f %.1f core %.0f sd %.0f above %d (%.1f %.1f %.1f) below %d (%.1f %.1f %.1f)\ntruth %s\n",
                          b.points.sup_ant[0], b.points.sup_ant[1], b.points.sup_ant[2], b.points.sup_mid[0],
                          b.points.sup_mid[1], b.points.sup_mid[2], b.points.inf_ant[0], b.points.inf_ant[1],
                          b.points.inf_ant[2], b.points.inf_mid[0], b.points.inf_mid[1], b.points.inf_mid[2],
                          b.core_mean_hu, b.core_sd_hu, b.has_above, b.seed_above_lps[0], b.seed_above_lps[1],
                          b.seed_above_lps[2], b.has_below, b.seed_below_lps[0], b.seed_below_lps[1], b.seed_below_lps[2],
                          cJSON_PrintUnformatted(jget(tv, "morphometry_points_lps")));
        else
            print_message("body failed: %s\n", e2.message);
    }
    if (st != SPS_OK) {
        snprintf(r->why, sizeof r->why, "lesion: %s: %s", err.where, err.message);
        goto done;
    }
    r->frac_meas = L.body_fraction;
    /* the lesion click reports the fraction of the body it involves */
    assert_true(isfinite(L.body_fraction) && L.body_fraction > 0.0 && L.body_fraction <= 1.0);
    assert_true(L.lesion_count > 0 && L.reference_count > 0);
    if (getenv("SPS_SEG_CT_DEBUG")) {
        const sps_morpho6 *q = &L.body.points;
        print_message("body: centre %.1f %.1f %.1f vol %.0f hw %.1f hd %.1f\n sup %.1f,%.1f,%.1f / %.1f,%.1f,%.1f / %.1f,%.1f,%.1f\n inf %.1f,%.1f,%.1f / %.1f,%.1f,%.1f / %.1f,%.1f,%.1f\n above %d %.1f %.1f %.1f below %d %.1f %.1f %.1f core %.0f sd %.0f\n ref %s %.1f %.1f %.1f r %.1f\n %s\n",
                      L.body.centre_lps[0], L.body.centre_lps[1], L.body.centre_lps[2], L.body.volume_mm3,
                      L.body.half_width_mm, L.body.half_depth_mm, q->sup_ant[0], q->sup_ant[1], q->sup_ant[2],
                      q->sup_mid[0], q->sup_mid[1], q->sup_mid[2], q->sup_post[0], q->sup_post[1], q->sup_post[2],
                      q->inf_ant[0], q->inf_ant[1], q->inf_ant[2], q->inf_mid[0], q->inf_mid[1], q->inf_mid[2],
                      q->inf_post[0], q->inf_post[1], q->inf_post[2], L.body.has_above, L.body.seed_above_lps[0],
                      L.body.seed_above_lps[1], L.body.seed_above_lps[2], L.body.has_below, L.body.seed_below_lps[0],
                      L.body.seed_below_lps[1], L.body.seed_below_lps[2], L.body.core_mean_hu, L.body.core_sd_hu,
                      L.reference_from, L.reference_centre_lps[0], L.reference_centre_lps[1], L.reference_centre_lps[2],
                      L.reference_radius_mm, L.method);
        print_message("truth: %s\n", cJSON_PrintUnformatted(jget(tv, "morphometry_points_lps")));
    }
    sps_lesion_density dens;
    st = sps_measure_lesion_density(&dens, g_models, L.lesion_hu, L.lesion_count, L.reference_hu,
                                    L.reference_count, &err);
    if (st != SPS_OK) {
        snprintf(r->why, sizeof r->why, "density: %s", err.message);
        sps_seg_ct_lesion_clear(&L);
        goto done;
    }
    snprintf(r->class_meas, sizeof r->class_meas, "%s", dens.sins_token[0] ? dens.sins_token : "indet.");
    r->flyt[0] = dens.fraction_lytic;
    r->fbla[0] = dens.fraction_blastic;
    truth_fractions(r, vol, truth_lesion, L.reference_hu, L.reference_count);
    if (getenv("SPS_SEG_CT_DEBUG"))
        print_message("density: %s\nlytic/blastic fractions: mask %.3f/%.3f, true lesion %.3f/%.3f, true lesion "
                      "eroded 1 voxel %.3f/%.3f\n",
                      dens.explanation, r->flyt[0], r->fbla[0], r->flyt[1], r->fbla[1], r->flyt[2], r->fbla[2]);
    /* the body click: the centre of the vertebra (truth), a separate click from the lesion's;
     * the neighbours from the seeds the body path found across the discs */
    double bseed[3], sm[3], im[3];
    jvec(sm, jget(jget(tv, "morphometry_points_lps"), "superior_middle"));
    jvec(im, jget(jget(tv, "morphometry_points_lps"), "inferior_middle"));
    for (int a = 0; a < 3; a++) /* half-way between the middle endplate points: inside even a crushed body */
        bseed[a] = 0.5 * (sm[a] + im[a]);
    sps_seg_ct_body B;
    if (sps_seg_ct_find_body(&B, vol, g_models, bseed, &err) != SPS_OK) {
        snprintf(r->why, sizeof r->why, "body: %s: %s", err.where, err.message);
        sps_seg_ct_lesion_clear(&L);
        goto done;
    }
    sps_seg_ct_body above, below;
    int ha = B.has_above && sps_seg_ct_find_body(&above, vol, g_models, B.seed_above_lps, NULL) == SPS_OK;
    sps_error nerr = {0};
    int hb = B.has_below && sps_seg_ct_find_body(&below, vol, g_models, B.seed_below_lps, &nerr) == SPS_OK;
    if (getenv("SPS_SEG_CT_DEBUG")) {
        if (!hb)
            print_message("below neighbour: %s (seed %.1f, %.1f, %.1f): %s: %s\n", B.has_below ? "refused" : "no seed",
                          B.seed_below_lps[0], B.seed_below_lps[1], B.seed_below_lps[2], nerr.where, nerr.message);
        sps_heights hB, hA = {NAN, NAN, NAN}, hL = {NAN, NAN, NAN};
        sps_measure_heights(&hB, &B.points);
        if (ha)
            sps_measure_heights(&hA, &above.points);
        if (hb)
            sps_measure_heights(&hL, &below.points);
        print_message("body click: heights %.1f/%.1f/%.1f; above %.1f/%.1f/%.1f; below %.1f/%.1f/%.1f\n", hB.ha_mm,
                      hB.hm_mm, hB.hp_mm, hA.ha_mm, hA.hm_mm, hA.hp_mm, hL.ha_mm, hL.hm_mm, hL.hp_mm);
        const sps_morpho6 *q = &B.points;
        print_message(" body click sup %.2f,%.2f,%.2f / %.2f,%.2f,%.2f / %.2f,%.2f,%.2f\n inf %.2f,%.2f,%.2f / "
                      "%.2f,%.2f,%.2f / %.2f,%.2f,%.2f\n",
                      q->sup_ant[0], q->sup_ant[1], q->sup_ant[2], q->sup_mid[0], q->sup_mid[1], q->sup_mid[2],
                      q->sup_post[0], q->sup_post[1], q->sup_post[2], q->inf_ant[0], q->inf_ant[1], q->inf_ant[2],
                      q->inf_mid[0], q->inf_mid[1], q->inf_mid[2], q->inf_post[0], q->inf_post[1], q->inf_post[2]);
        const cJSON *v;
        cJSON_ArrayForEach(v, jget(truth, "vertebrae"))
        {
            const cJSON *h = jget(v, "heights_mm");
            print_message("truth %s heights %.1f/%.1f/%.1f\n", jget(v, "level")->valuestring,
                          jget(h, "anterior")->valuedouble, jget(h, "middle")->valuedouble,
                          jget(h, "posterior")->valuedouble);
        }
    }
    sps_collapse col;
    st = sps_measure_collapse(&col, g_models, &B.points, ha ? &above.points : NULL, hb ? &below.points : NULL,
                              L.body_fraction, &err);
    if (st != SPS_OK) {
        snprintf(r->why, sizeof r->why, "collapse: %s", err.message);
        sps_seg_ct_lesion_clear(&L);
        goto done;
    }
    r->collapse_meas = col.collapse_pct;
    snprintf(r->token_meas, sizeof r->token_meas, "%s", col.sins_token);
    sps_heights h;
    sps_measure_heights(&h, &B.points);
    const cJSON *th = jget(tv, "heights_mm");
    double e1 = fabs(h.ha_mm - jget(th, "anterior")->valuedouble);
    double e2 = fabs(h.hm_mm - jget(th, "middle")->valuedouble);
    double e3 = fabs(h.hp_mm - jget(th, "posterior")->valuedouble);
    r->height_err_max = fmax(e1, fmax(e2, e3));
    r->ok_run = 1;
    if (!ha || !hb)
        snprintf(r->why, sizeof r->why, "only %s neighbour found", ha ? "the upper" : hb ? "the lower" : "no");
    sps_seg_ct_lesion_clear(&L);
done:
    {
        int col_ok = r->ok_run && fabs(r->collapse_meas - r->collapse_true) <= 5.0;
        int cls_ok = r->ok_run && strcmp(r->class_meas, r->class_true) == 0;
        r->pass = col_ok && cls_ok;
        if (r->ok_run && !r->pass) {
            size_t n = strlen(r->why);
            snprintf(r->why + n, sizeof r->why - n, "%s%s%s", n ? "; " : "",
                     col_ok ? "" : "collapse error > 5 points", cls_ok ? "" : (col_ok ? "class differs" : ", class differs"));
        }
    }
    free(truth_lesion);
    cJSON_Delete(truth);
    sps_volume_free(vol);
}

#define N_CASES 42
/* lesion fraction of the body: |measured - truth| <= FRAC_TOL on at least FRAC_FLOOR of the cases
 * where both clicks gave a result (regression floor, two below the measured 37/41) */
#define FRAC_TOL 0.15
#define FRAC_FLOOR 35

static void test_seg_ct__phantom_set_meets_the_accuracy_criterion(void **state)
{
    (void)state;
    int table = getenv("SPS_SEG_CT_TABLE") != NULL;
    const char *only = getenv("SPS_SEG_CT_CASE");
    /* SPS_SEG_CT_STRIDE=k runs every k-th case only: the sanitizer build (tests/seg.cmake) checks
     * every code path for memory and UB errors on a subset, the normal build measures all cases. */
    const char *stride_env = getenv("SPS_SEG_CT_STRIDE");
    int stride = stride_env ? atoi(stride_env) : 1;
    if (stride < 1)
        stride = 1;
    int passed = 0, ran = 0;
    double sum_abs = 0, max_abs = 0, sum_signed = 0, frac_abs = 0, frac_signed = 0, frac_max = 0, hmax = 0;
    int nerr = 0, within2 = 0, class_ok = 0, token_ok = 0, frac_within = 0;
    if (table)
        print_message("| # | case | collapse | lesion | true %% | meas %% | err | class true/meas | frac true/meas | "
                      "frac err | f_lyt/f_bla mask | f_lyt/f_bla true lesion | max height err mm | "
                      "SINS collapse true/meas | pass |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < N_CASES; i++) {
        if ((only && atoi(only) != i) || (!only && i % stride != 0))
            continue;
        ct_case c;
        make_case(&c, i);
        case_result r;
        run_case(&c, &r);
        ran++;
        passed += r.pass;
        if (r.ok_run) {
            double e = r.collapse_meas - r.collapse_true;
            sum_abs += fabs(e);
            sum_signed += e;
            max_abs = fmax(max_abs, fabs(e));
            within2 += fabs(e) <= 2.0;
            const double fe = r.frac_meas - r.frac_true;
            frac_abs += fabs(fe);
            frac_signed += fe;
            frac_max = fmax(frac_max, fabs(fe));
            frac_within += fabs(fe) <= FRAC_TOL;
            hmax = fmax(hmax, r.height_err_max);
            nerr++;
            class_ok += strcmp(r.class_meas, r.class_true) == 0;
            token_ok += strcmp(r.token_meas, r.token_true) == 0;
        }
        if (table) {
            char fe[16] = "", fm[32] = "", ft[32] = "";
            if (isfinite(r.flyt[0])) { /* the lesion click gave an outline and a density */
                snprintf(fe, sizeof fe, "%+.2f", r.frac_meas - r.frac_true);
                snprintf(fm, sizeof fm, "%.2f/%.2f", r.flyt[0], r.fbla[0]);
            }
            if (isfinite(r.flyt[1]))
                snprintf(ft, sizeof ft, "%.2f/%.2f", r.flyt[1], r.fbla[1]);
            print_message("| %d | %s | %s | %s | %.1f | %.1f | %+.1f | %s/%s | %.2f/%.2f | %s | %s | %s | %.2f | %s/%s | %s |\n",
                          i, c.label, c.collapse_kind, c.lesion_kind, r.collapse_true, r.collapse_meas,
                          r.collapse_meas - r.collapse_true, r.class_true, r.class_meas, r.frac_true, r.frac_meas, fe,
                          fm, ft, r.height_err_max, r.token_true, r.token_meas, r.pass ? "yes" : "NO");
        }
        if (!r.pass)
            print_message("FAIL case %d (%s, %s collapse, %s): %s\n  spec: %s\n", i, c.label, c.collapse_kind,
                          c.lesion_kind, r.why, c.spec);
    }
    print_message("seg-ct phantoms: %d/%d pass (collapse within 5 points and class exact); collapse error "
                  "mean |e| %.2f, mean e %+.2f, max |e| %.2f points, within 2 points %d/%d; class exact %d/%d; "
                  "SINS collapse token equal %d/%d; lesion fraction error mean |e| %.3f, mean e %+.3f, max |e| %.3f, "
                  "within %.2f %d/%d; largest height error %.2f mm\n",
                  passed, ran, nerr ? sum_abs / nerr : NAN, nerr ? sum_signed / nerr : NAN, max_abs, within2, nerr,
                  class_ok, nerr, token_ok, nerr, nerr ? frac_abs / nerr : NAN, nerr ? frac_signed / nerr : NAN,
                  frac_max, FRAC_TOL, frac_within, nerr, hmax);
    const int met = passed * 100 >= 95 * ran;
    print_message("issue 5 criterion (>= 95 %% of the cases within tolerance): %s (%d/%d = %.0f %%)\n",
                  met ? "met" : "NOT met", passed, ran, ran ? 100.0 * passed / ran : 0.0);
    if (!only && stride > 1) {
        assert_int_equal(ran, (N_CASES + stride - 1) / stride);
        print_message("subset of every %d-th case (SPS_SEG_CT_STRIDE): the accuracy floor is asserted on the full set only\n", stride);
    } else if (!only) {
        assert_int_equal(ran, N_CASES);
        /* The criterion: >= 95 % of the set (40 of 42 measured, docs/validation.md,
         * "Semi-automatic CT", lists the two failures and why). A change that loses a case fails
         * here. */
        assert_true(met);
        assert_true(frac_within >= FRAC_FLOOR);
    }
}

static void assert_points_equal(const sps_morpho6 *a, const sps_morpho6 *b)
{
    const double *pa = &a->sup_ant[0], *pb = &b->sup_ant[0];
    for (int i = 0; i < 18; i++)
        sps_assert_near(pa[i], pb[i], 1e-3);
}

/* Derived points and regions -> annotation JSON -> sps_annotations_parse -> the same points. */
static void test_seg_ct__annotations_round_trip(void **state)
{
    (void)state;
    ct_case c;
    make_case(&c, 1); /* T11 wedge collapse, lytic */
    sps_volume *vol = NULL;
    cJSON *truth = NULL;
    render_case(&c, &vol, &truth, NULL);
    const cJSON *les = cJSON_GetArrayItem(jget(truth, "lesions"), 0);
    const char *level = jget(les, "level")->valuestring;
    int li = -1;
    for (int i = 0; i < 17; i++)
        if (strcmp(LEVELS[i], level) == 0)
            li = i;
    assert_true(li > 0 && li < 16);
    double seed[3];
    jvec(seed, jget(les, "ellipsoid_center_lps"));
    sps_error err;
    sps_seg_ct_lesion L;
    assert_int_equal(sps_seg_ct_find_lesion(&L, vol, g_models, seed, NULL, 0, &err), SPS_OK);
    sps_seg_ct_body above, below;
    assert_true(L.body.has_above && L.body.has_below);
    assert_int_equal(sps_seg_ct_find_body(&above, vol, g_models, L.body.seed_above_lps, &err), SPS_OK);
    assert_int_equal(sps_seg_ct_find_body(&below, vol, g_models, L.body.seed_below_lps, &err), SPS_OK);
    const char *levels[3] = {LEVELS[li - 1], level, LEVELS[li + 1]}; /* cranial first */
    const sps_seg_ct_body *bodies[3] = {&above, &L.body, &below};
    char *json = NULL;
    assert_int_equal(sps_seg_ct_annotations_json(&json, "2.25.1", levels, bodies, 3, level, &L, seed, &err), SPS_OK);
    sps_annotations *a = NULL;
    sps_status st = sps_annotations_parse(&a, g_models, json, strlen(json), "seg-ct.json", NULL, NULL, &err);
    if (st != SPS_OK)
        fail_msg("%s: %s\n%s", err.where, err.message, json);
    assert_int_equal(sps_annotations_point_count(a), 19);
    for (int i = 0; i < 3; i++) {
        sps_morpho6 m;
        assert_true(sps_annotations_has_morpho6(a, levels[i], &m));
        assert_points_equal(&m, &bodies[i]->points);
    }
    /* the parsed file measures the same collapse as the segmentation's own points */
    char *out = NULL;
    assert_int_equal(sps_measure_lesion_json(&out, g_models, a, level, &err), SPS_OK);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    sps_collapse col;
    assert_int_equal(sps_measure_collapse(&col, g_models, &L.body.points, &above.points, &below.points,
                                          L.body_fraction, &err), SPS_OK);
    const cJSON *mc = jget(jget(o, "measurements"), "collapse");
    assert_non_null(mc);
    const cJSON *pct = jget(mc, "collapse_pct");
    if (cJSON_IsNumber(pct))
        sps_assert_near(pct->valuedouble, col.collapse_pct, 0.01);
    cJSON_Delete(o);
    sps_free(out);
    sps_annotations_free(a);
    sps_free(json);
    sps_seg_ct_lesion_clear(&L);
    cJSON_Delete(truth);
    sps_volume_free(vol);
}

/* Refusals are named, and nothing C++ escapes. */
static void test_seg_ct__refusals_are_named(void **state)
{
    (void)state;
    ct_case c;
    make_case(&c, 1);
    sps_volume *vol = NULL;
    cJSON *truth = NULL;
    render_case(&c, &vol, &truth, NULL);
    sps_error err;
    sps_seg_ct_body b;
    double outside[3] = {0, 0, 5000};
    assert_int_equal(sps_seg_ct_find_body(&b, vol, g_models, outside, &err), SPS_EINVALID);
    assert_string_equal(err.where, "seed");
    double air[3];
    const sps_geometry *g = sps_volume_geometry(vol);
    double ijk[3] = {1, 1, 1};
    sps_geometry_index_to_lps(air, g, ijk); /* a corner of the field of view: air */
    assert_int_equal(sps_seg_ct_find_body(&b, vol, g_models, air, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "no vertebral body"));
    /* a click beside the body or in the disc below it, with normal bone of the body within the
     * 15 mm the body path retries from (seed_search_mm), is not snapped to that body */
    const cJSON *tv = truth_vertebra(truth, jget(cJSON_GetArrayItem(jget(truth, "lesions"), 0), "level")->valuestring);
    double im[3], sm[3], left[3], sup[3];
    jvec(im, jget(jget(tv, "morphometry_points_lps"), "inferior_middle"));
    jvec(sm, jget(jget(tv, "morphometry_points_lps"), "superior_middle"));
    jvec(left, jget(jget(tv, "axes_lps"), "left"));
    jvec(sup, jget(jget(tv, "axes_lps"), "superior"));
    const double hw = jget(jget(tv, "body"), "half_width_mm")->valuedouble;
    const double disc = jget(jget(tv, "body"), "disc_below_nominal_mm")->valuedouble;
    double beside[3], in_disc[3];
    for (int a = 0; a < 3; a++) {
        beside[a] = 0.5 * (im[a] + sm[a]) + (hw + 6.0) * left[a];
        in_disc[a] = im[a] - 0.5 * disc * sup[a];
    }
    /* pre-existing: this click, 6 mm lateral of T11 at mid-height, gave the body of T12 */
    assert_int_equal(sps_seg_ct_find_body(&b, vol, g_models, beside, &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "does not hold it"));
    assert_string_equal(err.where, "seed");
    assert_int_equal(sps_seg_ct_find_body(&b, vol, g_models, in_disc, &err), SPS_EINVALID);
    assert_string_equal(err.where, "seed");
    assert_non_null(strstr(err.message, "no body holding the seed"));
    sps_volume_set_meta(vol, SPS_UNITS_RAW, "MR", "2.25.1");
    double seed[3] = {0, 0, 0};
    assert_int_equal(sps_seg_ct_find_body(&b, vol, g_models, seed, &err), SPS_EINVALID);
    assert_string_equal(err.where, "volume");
    cJSON_Delete(truth);
    sps_volume_free(vol);
}

int main(void)
{
    sps_error err;
    if (sps_models_load_builtin(&g_models, &err) != SPS_OK) {
        fprintf(stderr, "models: %s\n", err.message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seg_ct__annotations_round_trip),
        cmocka_unit_test(test_seg_ct__refusals_are_named),
        cmocka_unit_test(test_seg_ct__phantom_set_meets_the_accuracy_criterion),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sps_models_free(g_models);
    return rc;
}
