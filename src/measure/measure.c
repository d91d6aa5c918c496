/* measure.c — measurements to proposed SINS categories and an ESCC grade: collapse and Genant
 * grade, lesion density class, alignment, posterolateral involvement, ESCC findings.
 * Thresholds come from models/measurement.json; nothing clinical is hard-coded here. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core_internal.h"
#include "spinescore/measure.h"

/* ---- model access ------------------------------------------------------------------------- */

static const cJSON *section(const sps_models *models, const char *name, sps_error *err)
{
    const sps_model *m = sps_models__find(models, "measurement");
    const cJSON *s = m ? cJSON_GetObjectItemCaseSensitive(m->root, name) : NULL;
    if (!cJSON_IsObject(s)) {
        sps_error_set(err, SPS_EFORMAT, "model measurement", "missing section \"%s\"", name);
        return NULL;
    }
    return s;
}

static int num(const cJSON *sec, const char *key, double *out, sps_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sec, key);
    if (!cJSON_IsNumber(v)) {
        sps_error_set(err, SPS_EFORMAT, "model measurement", "missing number \"%s\"", key);
        return 0;
    }
    *out = v->valuedouble;
    return 1;
}

/* ---- small vector helpers ------------------------------------------------------------------ */

static double dist(const double a[3], const double b[3])
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

static void sub(double out[3], const double a[3], const double b[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = a[i] - b[i];
}

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm(const double a[3])
{
    return sqrt(dot(a, a));
}

static int finite3(const double a[3])
{
    return isfinite(a[0]) && isfinite(a[1]) && isfinite(a[2]);
}

static const double rad2deg = 57.29577951308232;

/* ---- collapse ------------------------------------------------------------------------------ */

void sps_measure_heights(sps_heights *out, const sps_morpho6 *m)
{
    out->ha_mm = dist(m->sup_ant, m->inf_ant);
    out->hm_mm = dist(m->sup_mid, m->inf_mid);
    out->hp_mm = dist(m->sup_post, m->inf_post);
}

static int heights_ok(const sps_morpho6 *m, sps_heights *h)
{
    const double *pts[] = {m->sup_ant, m->sup_mid, m->sup_post, m->inf_ant, m->inf_mid, m->inf_post};
    for (int i = 0; i < 6; i++)
        if (!finite3(pts[i]))
            return 0;
    sps_measure_heights(h, m);
    return h->ha_mm > 0 && h->hm_mm > 0 && h->hp_mm > 0;
}

static int genant_grade(const cJSON *genant, double pct, char *label, size_t n)
{
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(genant, "grades"))
    {
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(g, "min_pct");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(g, "max_pct");
        int incl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "max_inclusive"));
        int above = !cJSON_IsNumber(lo) || pct >= lo->valuedouble;
        int below = !cJSON_IsNumber(hi) || (incl ? pct <= hi->valuedouble : pct < hi->valuedouble);
        if (above && below) {
            const cJSON *l = cJSON_GetObjectItemCaseSensitive(g, "label");
            snprintf(label, n, "%s", cJSON_IsString(l) ? l->valuestring : "");
            const cJSON *grade = cJSON_GetObjectItemCaseSensitive(g, "grade");
            return cJSON_IsNumber(grade) ? grade->valueint : -2; /* -2: the model row lacks "grade" */
        }
    }
    return -1;
}

sps_status sps_measure_collapse(sps_collapse *out, const sps_models *models,
                                const sps_morpho6 *target, const sps_morpho6 *above,
                                const sps_morpho6 *below, double body_involved_fraction,
                                sps_error *err)
{
    memset(out, 0, sizeof *out);
    out->reference.ha_mm = out->reference.hm_mm = out->reference.hp_mm = NAN;
    for (int i = 0; i < 3; i++)
        out->loss_pct[i] = NAN;
    out->collapse_pct = NAN;
    out->near_cut_at = NAN;
    out->genant_grade = -1;
    out->body_involved_fraction = body_involved_fraction;
    const cJSON *cs = section(models, "collapse", err);
    const cJSON *gs = cs ? section(models, "genant", err) : NULL;
    double present_min, gt50_above, involved_gt, near_pts, near_frac;
    if (!gs || !num(cs, "present_min_pct", &present_min, err) || !num(cs, "gt50_above_pct", &gt50_above, err) ||
        !num(cs, "involved_gt_fraction", &involved_gt, err) || !num(cs, "near_cut_points", &near_pts, err) ||
        !num(cs, "near_cut_fraction", &near_frac, err))
        return err ? err->code : SPS_EFORMAT;
    if (!isnan(body_involved_fraction) && (body_involved_fraction < 0 || body_involved_fraction > 1))
        return sps_error_set(err, SPS_EINVALID, "body_involved_fraction", "expected 0-1, got %g", body_involved_fraction);
    if (!heights_ok(target, &out->heights))
        return sps_error_set(err, SPS_EINVALID, "target vertebra", "six morphometry points must be finite and give heights > 0");

    sps_heights ha = {0, 0, 0}, hb = {0, 0, 0};
    int use_a = above && heights_ok(above, &ha);
    int use_b = below && heights_ok(below, &hb);
    if (above && !use_a)
        return sps_error_set(err, SPS_EINVALID, "vertebra above", "six morphometry points must be finite and give heights > 0");
    if (below && !use_b)
        return sps_error_set(err, SPS_EINVALID, "vertebra below", "six morphometry points must be finite and give heights > 0");
    const char *refdesc;
    if (use_a || use_b) {
        int n = use_a + use_b;
        out->reference.ha_mm = (ha.ha_mm + hb.ha_mm) / n;
        out->reference.hm_mm = (ha.hm_mm + hb.hm_mm) / n;
        out->reference.hp_mm = (ha.hp_mm + hb.hp_mm) / n;
        out->reference_method = n == 2 ? SPS_COLLAPSE_REF_NEIGHBOURS : SPS_COLLAPSE_REF_ONE_NEIGHBOUR;
        refdesc = n == 2 ? "mean of the uninvolved vertebrae above and below"
                         : (use_a ? "the uninvolved vertebra above only" : "the uninvolved vertebra below only");
        out->loss_pct[0] = 100.0 * (1.0 - out->heights.ha_mm / out->reference.ha_mm);
        out->loss_pct[1] = 100.0 * (1.0 - out->heights.hm_mm / out->reference.hm_mm);
        out->loss_pct[2] = 100.0 * (1.0 - out->heights.hp_mm / out->reference.hp_mm);
    } else {
        out->reference_method = SPS_COLLAPSE_REF_OWN_POSTERIOR;
        refdesc = "own posterior height (Ha/Hp, Hm/Hp): no uninvolved neighbour was given; posterior collapse cannot be seen this way";
        out->reference.ha_mm = out->reference.hm_mm = out->heights.hp_mm;
        out->loss_pct[0] = 100.0 * (1.0 - out->heights.ha_mm / out->heights.hp_mm);
        out->loss_pct[1] = 100.0 * (1.0 - out->heights.hm_mm / out->heights.hp_mm);
    }
    /* Remove floating-point noise (1 - 16/20 = 19.999999999999996) before thresholding, so that a
     * boundary value such as exactly 20 % lands where models/measurement.json says it does. */
    for (int i = 0; i < 3; i++)
        if (!isnan(out->loss_pct[i]))
            out->loss_pct[i] = round(out->loss_pct[i] * 1e6) / 1e6;
    double mx = -INFINITY;
    for (int i = 0; i < 3; i++)
        if (!isnan(out->loss_pct[i]) && out->loss_pct[i] > mx)
            mx = out->loss_pct[i];
    out->collapse_pct = mx < 0 ? 0.0 : mx; /* a body taller than its reference has no collapse */
    char glabel[64] = "";
    out->genant_grade = genant_grade(gs, out->collapse_pct, glabel, sizeof glabel);
    if (out->genant_grade == -2)
        return sps_error_set(err, SPS_EFORMAT, "model measurement",
                             "genant.grades: the row matching %.1f %% lacks the number \"grade\"",
                             out->collapse_pct);

    const char *why;
    if (out->collapse_pct > gt50_above) {
        sps_strlcpy(out->sins_token, "gt50", sizeof out->sins_token);
        why = "collapse above the 50 % cut";
    } else if (out->collapse_pct >= present_min) {
        sps_strlcpy(out->sins_token, "lt50", sizeof out->sins_token);
        why = "collapse present (>= the Genant grade 1 level) and not above 50 %";
    } else if (isnan(body_involved_fraction)) {
        out->sins_token[0] = '\0';
        why = "no measurable collapse, and the lesion fraction of the body is unknown: 'none' and 'no collapse with > 50 % involved' cannot be told apart";
    } else if (body_involved_fraction > involved_gt) {
        sps_strlcpy(out->sins_token, "no_collapse_gt50_involved", sizeof out->sins_token);
        why = "no measurable collapse, more than half of the body involved";
    } else {
        sps_strlcpy(out->sins_token, "none", sizeof out->sins_token);
        why = "no measurable collapse, half of the body or less involved";
    }
    /* Near a cut: the category the value gives may change within the measurement error. The
     * collapse cuts are checked whatever the category; the fraction cut only where it decided. */
    const double cuts[2] = {gt50_above, present_min};
    for (int i = 0; i < 2 && !out->near_cut[0]; i++)
        if (fabs(out->collapse_pct - cuts[i]) <= near_pts) {
            out->near_cut_at = cuts[i];
            snprintf(out->near_cut, sizeof out->near_cut,
                     "collapse %.1f %% is %.1f points %s the %.0f %% cut (within %.0f points, "
                     "measurement.collapse.near_cut_points): the category may change within the "
                     "measurement error; check the six points",
                     out->collapse_pct, fabs(out->collapse_pct - cuts[i]),
                     out->collapse_pct > cuts[i] ? "above" : (out->collapse_pct < cuts[i] ? "below" : "at"), cuts[i],
                     near_pts);
        }
    if (!out->near_cut[0] && out->collapse_pct < present_min && !isnan(body_involved_fraction) &&
        fabs(body_involved_fraction - involved_gt) <= near_frac) {
        out->near_cut_at = involved_gt;
        out->near_cut_is_fraction = 1;
        snprintf(out->near_cut, sizeof out->near_cut,
                 "body involved %.2f is within %.2f of the %.2f cut (measurement.collapse.near_cut_fraction): "
                 "'none' and 'no collapse with > 50 %% involved' may swap within the measurement error; check "
                 "the lesion outline",
                 body_involved_fraction, near_frac, involved_gt);
    }
    char ploss[32] = "n/a";
    if (!isnan(out->loss_pct[2]))
        snprintf(ploss, sizeof ploss, "%.1f %%", out->loss_pct[2]);
    snprintf(out->explanation, sizeof out->explanation,
             "Ha %.1f, Hm %.1f, Hp %.1f mm; reference: %s (%.1f/%.1f/%.1f mm); loss A %.1f %%, M %.1f %%, P %s; "
             "collapse %.1f %% (Genant %d, %s); %s (measurement.collapse: present >= %.0f %%, gt50 > %.0f %%, involved > %.2f)",
             out->heights.ha_mm, out->heights.hm_mm, out->heights.hp_mm, refdesc, out->reference.ha_mm,
             out->reference.hm_mm, out->reference.hp_mm, out->loss_pct[0], out->loss_pct[1], ploss,
             out->collapse_pct, out->genant_grade, glabel, why, present_min, gt50_above, involved_gt);
    if (out->near_cut[0]) {
        size_t l = strlen(out->explanation);
        snprintf(out->explanation + l, sizeof out->explanation - l, "; NEAR A CUT: %s", out->near_cut);
    }
    return SPS_OK;
}

/* ---- lesion density ------------------------------------------------------------------------ */

sps_status sps_measure_lesion_density(sps_lesion_density *out, const sps_models *models,
                                      const float *lesion_hu, size_t lesion_count,
                                      const float *reference_hu, size_t reference_count,
                                      sps_error *err)
{
    memset(out, 0, sizeof *out);
    const cJSON *s = section(models, "lesion_density", err);
    double lf, lmin, bf, bmin, cmin, rmin, lesmin;
    if (!s || !num(s, "lytic_delta_sd_factor", &lf, err) || !num(s, "lytic_delta_min_hu", &lmin, err) ||
        !num(s, "blastic_delta_sd_factor", &bf, err) || !num(s, "blastic_delta_min_hu", &bmin, err) ||
        !num(s, "class_min_fraction", &cmin, err) || !num(s, "min_reference_voxels", &rmin, err) ||
        !num(s, "min_lesion_voxels", &lesmin, err))
        return err ? err->code : SPS_EFORMAT;
    if ((double)reference_count < rmin)
        return sps_error_set(err, SPS_EINVALID, "reference ROI", "%zu voxels, at least %.0f needed (measurement.lesion_density.min_reference_voxels)",
                             reference_count, rmin);
    if ((double)lesion_count < lesmin)
        return sps_error_set(err, SPS_EINVALID, "lesion region", "%zu voxels, at least %.0f needed (measurement.lesion_density.min_lesion_voxels)",
                             lesion_count, lesmin);
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < reference_count; i++) {
        sum += reference_hu[i];
        sum2 += (double)reference_hu[i] * reference_hu[i];
    }
    out->ref_count = reference_count;
    out->ref_mean_hu = sum / (double)reference_count;
    double var = sum2 / (double)reference_count - out->ref_mean_hu * out->ref_mean_hu;
    out->ref_sd_hu = var > 0 ? sqrt(var) : 0;
    double dl = fmax(lf * out->ref_sd_hu, lmin), db = fmax(bf * out->ref_sd_hu, bmin);
    out->lytic_below_hu = out->ref_mean_hu - dl;
    out->blastic_above_hu = out->ref_mean_hu + db;
    size_t nl = 0, nb = 0;
    double lsum = 0;
    for (size_t i = 0; i < lesion_count; i++) {
        lsum += lesion_hu[i];
        if (lesion_hu[i] < out->lytic_below_hu)
            nl++;
        else if (lesion_hu[i] > out->blastic_above_hu)
            nb++;
    }
    out->lesion_count = lesion_count;
    out->lesion_mean_hu = lsum / (double)lesion_count;
    out->fraction_lytic = (double)nl / (double)lesion_count;
    out->fraction_blastic = (double)nb / (double)lesion_count;
    int lyt = out->fraction_lytic >= cmin, bla = out->fraction_blastic >= cmin;
    const char *tok = lyt && bla ? "mixed" : lyt ? "lytic" : bla ? "blastic" : "";
    sps_strlcpy(out->sins_token, tok, sizeof out->sins_token);
    snprintf(out->explanation, sizeof out->explanation,
             "reference ROI %.0f +/- %.0f HU (%zu voxels); lesion mean %.0f HU (%zu voxels); lytic < %.0f HU: %.0f %%, "
             "blastic > %.0f HU: %.0f %%; class %s (measurement.lesion_density: delta = max(%.0f SD, %.0f/%.0f HU), "
             "class fraction >= %.0f %%; unvalidated project convention)",
             out->ref_mean_hu, out->ref_sd_hu, out->ref_count, out->lesion_mean_hu, out->lesion_count,
             out->lytic_below_hu, 100 * out->fraction_lytic, out->blastic_above_hu, 100 * out->fraction_blastic,
             *tok ? tok : "indeterminate (the reader decides)", lf, lmin, bmin, 100 * cmin);
    return SPS_OK;
}

/* ---- alignment ----------------------------------------------------------------------------- */

/* Angle between two lines (deg, 0-90) — endplate lines have no direction of their own. */
static double line_angle_deg(const double a0[3], const double a1[3], const double b0[3], const double b1[3],
                             double signed_axis_x, double *signed_out)
{
    double u[3], v[3];
    sub(u, a1, a0);
    sub(v, b1, b0);
    double c = dot(u, v) / (norm(u) * norm(v));
    if (c > 1)
        c = 1;
    if (c < -1)
        c = -1;
    double ang = acos(c) * rad2deg;
    if (signed_out) {
        /* sign about the patient's left axis (LPS x): negative cross.x = endplates converge anteriorly */
        double cx = u[1] * v[2] - u[2] * v[1];
        *signed_out = (cx * signed_axis_x < 0) ? ang : -ang;
    }
    return ang;
}

sps_status sps_measure_alignment(sps_alignment *out, const sps_models *models,
                                 const sps_alignment_input *in, sps_error *err)
{
    memset(out, 0, sizeof *out);
    out->coronal_deg = NAN;
    const cJSON *s = section(models, "alignment", err);
    double tmin, dmin;
    if (!s || !num(s, "translation_min_mm", &tmin, err) || !num(s, "deformity_min_deg", &dmin, err))
        return err ? err->code : SPS_EFORMAT;
    /* The White & Panjabi construction measures along the lower superior endplate. A collapsed
     * (tilted) endplate would turn disc height into false translation, so the AP axis is taken
     * perpendicular to the lower posterior wall, in the plane of wall and endplate; for an intact
     * vertebra (endplate perpendicular to the wall) both are the same. */
    double e[3], w[3], d[3];
    sub(e, in->lower_ant_sup, in->lower_post_sup);
    sub(d, in->lower_post_sup, in->lower_post_inf);
    double depth = norm(e), wall = norm(d);
    if (!(depth > 0) || !(wall > 0) || !finite3(in->upper_post_inf))
        return sps_error_set(err, SPS_EINVALID, "alignment landmarks",
                             "the lower vertebra's corners coincide or a point is not finite");
    for (int i = 0; i < 3; i++)
        d[i] /= wall;
    double ed = dot(e, d);
    for (int i = 0; i < 3; i++)
        e[i] -= ed * d[i];
    double en = norm(e);
    if (!(en > 0))
        return sps_error_set(err, SPS_EINVALID, "alignment landmarks", "the lower endplate runs along the posterior wall");
    for (int i = 0; i < 3; i++)
        e[i] /= en;
    sub(w, in->upper_post_inf, in->lower_post_sup);
    double t = dot(w, e); /* > 0: the upper vertebra sits anterior of the lower one */
    out->translation_mm = fabs(t);
    out->translation_pct = 100.0 * fabs(t) / depth;
    double u1[3], u2[3];
    sub(u1, in->upper_end_ant, in->upper_end_post);
    sub(u2, in->lower_end_ant, in->lower_end_post);
    if (!(norm(u1) > 0) || !(norm(u2) > 0))
        return sps_error_set(err, SPS_EINVALID, "endplate lines", "an endplate line has coincident end points");
    double signed_kyph = 0;
    line_angle_deg(in->upper_end_post, in->upper_end_ant, in->lower_end_post, in->lower_end_ant, 1.0, &signed_kyph);
    out->kyphosis_deg = signed_kyph;
    if (in->has_coronal)
        out->coronal_deg = line_angle_deg(in->cor_upper_right, in->cor_upper_left, in->cor_lower_right,
                                          in->cor_lower_left, 1.0, NULL);
    int deform = out->kyphosis_deg >= dmin || (!isnan(out->coronal_deg) && out->coronal_deg >= dmin);
    const char *why;
    if (out->translation_mm >= tmin) {
        sps_strlcpy(out->sins_token, "subluxation_translation", sizeof out->sins_token);
        why = "translation at or above measurement noise";
    } else if (deform && !in->deformity_preexisting) {
        sps_strlcpy(out->sins_token, "de_novo_deformity", sizeof out->sins_token);
        out->needs_confirmation = 1;
        why = "focal deformity present; 'de novo' needs the reader's confirmation that it is new (a prior study)";
    } else {
        sps_strlcpy(out->sins_token, "normal", sizeof out->sins_token);
        why = deform ? "deformity recorded as pre-existing (not de novo)" : "no translation or deformity above the thresholds";
    }
    char cor[48] = "not measured";
    if (!isnan(out->coronal_deg))
        snprintf(cor, sizeof cor, "%.1f deg", out->coronal_deg);
    snprintf(out->explanation, sizeof out->explanation,
             "translation %.1f mm perpendicular to the lower posterior wall (%.0f %% of %.1f mm AP depth, %s), segmental kyphosis %.1f deg "
             "(Cobb of the adjacent endplates; negative = lordosis), coronal %s: %s (measurement.alignment: "
             "translation >= %.1f mm, deformity >= %.0f deg; supine imaging can hide translation)",
             out->translation_mm, out->translation_pct, depth, t >= 0 ? "upper vertebra anterior" : "upper vertebra posterior",
             out->kyphosis_deg, cor, why, tmin, dmin);
    return SPS_OK;
}

/* ---- posterolateral ------------------------------------------------------------------------ */

sps_status sps_measure_posterolateral(sps_posterolateral *out, const sps_models *models,
                                      const sps_posterolateral_input *in, sps_error *err)
{
    memset(out, 0, sizeof *out);
    if (!section(models, "posterolateral", err))
        return err ? err->code : SPS_EFORMAT;
    out->left = in->left_pedicle || in->left_facet || in->left_costovertebral;
    out->right = in->right_pedicle || in->right_facet || in->right_costovertebral;
    const char *tok = out->left && out->right ? "bilateral" : (out->left || out->right) ? "unilateral" : "none";
    sps_strlcpy(out->sins_token, tok, sizeof out->sins_token);
    snprintf(out->explanation, sizeof out->explanation,
             "left: %s%s%s%s; right: %s%s%s%s -> %s (only pedicle, facet and costovertebral joint count%s)",
             in->left_pedicle ? "pedicle " : "", in->left_facet ? "facet " : "",
             in->left_costovertebral ? "costovertebral " : "", out->left ? "" : "none",
             in->right_pedicle ? "pedicle " : "", in->right_facet ? "facet " : "",
             in->right_costovertebral ? "costovertebral " : "", out->right ? "" : "none", tok,
             in->lamina_or_spinous_only ? "; tumour in lamina/spinous process alone scores 0" : "");
    return SPS_OK;
}

/* ---- ESCC ---------------------------------------------------------------------------------- */

sps_status sps_measure_escc(sps_escc_finding *out, const sps_models *models, const sps_escc_input *in,
                            sps_error *err)
{
    memset(out, 0, sizeof *out);
    out->sac_area_ratio = out->cord_area_ratio = out->cord_ap_ratio_fraction = NAN;
    const cJSON *s = section(models, "escc", err);
    double sac_max, contact_max, cord_max, ap_max, csf_min;
    if (!s || !num(s, "sac_deformed_max_area_ratio", &sac_max, err) ||
        !num(s, "cord_contact_max_distance_mm", &contact_max, err) ||
        !num(s, "cord_compressed_max_area_ratio", &cord_max, err) ||
        !num(s, "cord_compressed_max_ap_ratio_fraction", &ap_max, err) || !num(s, "csf_rim_min_fraction", &csf_min, err))
        return err ? err->code : SPS_EFORMAT;
    if (!(in->ref_sac_area_mm2 > 0) || !(in->ref_cord_area_mm2 > 0) || !(in->sac_area_mm2 >= 0) || !(in->cord_area_mm2 >= 0))
        return sps_error_set(err, SPS_EINVALID, "canal areas", "sac and cord areas (and their reference-level values > 0) are needed");
    out->sac_area_ratio = in->sac_area_mm2 / in->ref_sac_area_mm2;
    out->cord_area_ratio = in->cord_area_mm2 / in->ref_cord_area_mm2;
    if (in->cord_ap_mm > 0 && in->cord_transverse_mm > 0 && in->ref_cord_ap_mm > 0 && in->ref_cord_transverse_mm > 0)
        out->cord_ap_ratio_fraction = (in->cord_ap_mm / in->cord_transverse_mm) /
                                      (in->ref_cord_ap_mm / in->ref_cord_transverse_mm);
    double tol = fmax(contact_max, isfinite(in->pixel_mm) ? in->pixel_mm : 0);
    out->sac_deformed = out->sac_area_ratio < sac_max;
    out->cord_contact = in->epidural_tumor && in->tumor_cord_distance_mm <= tol;
    out->cord_compressed = out->cord_area_ratio < cord_max ||
                           (!isnan(out->cord_ap_ratio_fraction) && out->cord_ap_ratio_fraction < ap_max);
    out->csf_visible = in->csf_rim_fraction >= csf_min;
    const char *g;
    if (!in->epidural_tumor)
        g = "0";
    else if (out->cord_compressed)
        g = out->csf_visible ? "2" : "3";
    else if (out->cord_contact)
        g = "1c";
    else if (out->sac_deformed)
        g = "1b";
    else
        g = "1a";
    sps_strlcpy(out->grade, g, sizeof out->grade);
    snprintf(out->explanation, sizeof out->explanation,
             "epidural tumour %s; thecal sac %.0f %% of the reference level (deformed < %.0f %%): %s; tumour-cord "
             "distance %.1f mm (contact <= %.1f mm): %s; cord area %.0f %% of reference (compressed < %.0f %%)%s: %s; "
             "CSF rim %.0f %% of the cord outline (visible >= %.0f %%) -> suggested ESCC %s (semi-automatic; "
             "measurement.escc thresholds are a project convention, the reader's grade wins)",
             in->epidural_tumor ? "present" : "absent", 100 * out->sac_area_ratio, 100 * sac_max,
             out->sac_deformed ? "yes" : "no", in->tumor_cord_distance_mm, tol, out->cord_contact ? "yes" : "no",
             100 * out->cord_area_ratio, 100 * cord_max, isnan(out->cord_ap_ratio_fraction) ? "" : ", AP/transverse ratio checked",
             out->cord_compressed ? "yes" : "no", 100 * in->csf_rim_fraction, 100 * csf_min, g);
    return SPS_OK;
}
