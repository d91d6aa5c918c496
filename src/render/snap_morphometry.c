/* snap_morphometry.c — sagittal six-point morphometry: heights, collapse %, Genant grade, SINS collapse. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

/* ---- morphometry ----------------------------------------------------------------------- */

static const double *m6(const sps_morpho6 *m, int i)
{
    const double *p[6] = {m->sup_ant, m->sup_mid, m->sup_post, m->inf_ant, m->inf_mid, m->inf_post};
    return p[i];
}

static int morpho_finite(const sps_morpho6 *m)
{
    for (int i = 0; i < 6; ++i)
        if (!sn_finite3(m6(m, i)))
            return 0;
    return 1;
}

static const char *collapse_gloss(const char *tok)
{
    if (!strcmp(tok, "gt50"))
        return "more than 50 % collapse";
    if (!strcmp(tok, "lt50"))
        return "less than 50 % collapse";
    if (!strcmp(tok, "no_collapse_gt50_involved"))
        return "no collapse with more than 50 % of the body involved";
    if (!strcmp(tok, "none"))
        return "none of the above";
    return "";
}

static const char *refmethod(sps_collapse_reference r)
{
    switch (r) {
    case SPS_COLLAPSE_REF_NEIGHBOURS: return "mean of the uninvolved vertebrae above and below";
    case SPS_COLLAPSE_REF_ONE_NEIGHBOUR: return "one uninvolved neighbour";
    case SPS_COLLAPSE_REF_OWN_POSTERIOR: return "own posterior height (no neighbour; posterior loss unknown)";
    default: return "no reference";
    }
}

static void draw_vertebra(sr_canvas *cv, const sps_morpho6 *m, uint32_t rgb, double w)
{
    sr_line_lps(cv, m->sup_ant, m->sup_mid, rgb, 1.5, 0);
    sr_line_lps(cv, m->sup_mid, m->sup_post, rgb, 1.5, 0);
    sr_line_lps(cv, m->inf_ant, m->inf_mid, rgb, 1.5, 0);
    sr_line_lps(cv, m->inf_mid, m->inf_post, rgb, 1.5, 0);
    for (int i = 0; i < 3; ++i)
        sr_line_lps(cv, m6(m, i), m6(m, i + 3), rgb, w, 0);
}


sps_status sps_render_morphometry_png(const char *png_path, const sps_volume *vol,
                                      const sps_render_morphometry *in,
                                      const sps_render_options *opt, sps_render_result *result,
                                      sps_error *err)
{
    sps_status st = sn_common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->level || !in->level[0])
        return sps_error_set(err, SPS_EINVALID, "morphometry.level", "expected the target level");
    if (!morpho_finite(&in->target) || (in->above && !morpho_finite(in->above)) ||
        (in->below && !morpho_finite(in->below)))
        return sps_error_set(err, SPS_EINVALID, "morphometry.points", "a morphometry point is not finite");
    const sps_morpho6 *t = &in->target;
    double ap[3], si[3] = {0, 0, 0}, a1[3], a2[3], c[3] = {0, 0, 0};
    sn_sub3(a1, t->sup_post, t->sup_ant);
    sn_sub3(a2, t->inf_post, t->inf_ant);
    for (int i = 0; i < 3; ++i)
        ap[i] = a1[i] + a2[i];
    for (int k = 0; k < 3; ++k) {
        double d[3];
        sn_sub3(d, m6(t, k), m6(t, k + 3));
        for (int i = 0; i < 3; ++i)
            si[i] += d[i];
    }
    for (int k = 0; k < 6; ++k)
        for (int i = 0; i < 3; ++i)
            c[i] += m6(t, k)[i] / 6.0;
    double right[3], down[3], normal[3];
    sn_sagittal_basis(right, down, ap, si);
    /* the plane of the points, shown upright in patient axes (a wedge must look like a wedge) */
    sr_cross(normal, right, down);
    sn_plane_basis(right, down, normal);
    sn_fit f;
    sn_fit_init(&f, right, down, c);
    const sps_morpho6 *refs[2] = {in->above, in->below};
    const char *ref_names[2] = {in->above_level ? in->above_level : "above",
                                in->below_level ? in->below_level : "below"};
    for (int k = 0; k < 6; ++k) {
        sn_fit_add(&f, m6(t, k), 0);
        for (int r = 0; r < 2; ++r)
            if (refs[r])
                sn_fit_add(&f, m6(refs[r], k), 0);
    }
    sps_render_view view;
    sn_fit_view(&view, &f, 18.0, 90.0, opt);

    sps_heights h;
    if (in->collapse) {
        h = in->collapse->heights;
    } else {
        h.ha_mm = sn_dist3(t->sup_ant, t->inf_ant);
        h.hm_mm = sn_dist3(t->sup_mid, t->inf_mid);
        h.hp_mm = sn_dist3(t->sup_post, t->inf_post);
    }
    char b1[32], b2[32], b3[32], b4[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    sn_add_line(lines, &nl, SPS_RENDER_COLOUR_TARGET, 0, "%s (target): Ha %s mm · Hm %s mm · Hp %s mm",
             in->level, sn_num(b1, 32, h.ha_mm, 1), sn_num(b2, 32, h.hm_mm, 1), sn_num(b3, 32, h.hp_mm, 1));
    if (in->above || in->below) {
        char names[64];
        snprintf(names, sizeof names, "%s%s%s", in->above ? ref_names[0] : "",
                 in->above && in->below ? ", " : "", in->below ? ref_names[1] : "");
        if (in->collapse && in->collapse->reference_method != SPS_COLLAPSE_REF_NONE)
            sn_add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0,
                     "Reference %s: expected Ha %s · Hm %s · Hp %s mm (%s)", names,
                     sn_num(b1, 32, in->collapse->reference.ha_mm, 1), sn_num(b2, 32, in->collapse->reference.hm_mm, 1),
                     sn_num(b3, 32, in->collapse->reference.hp_mm, 1), refmethod(in->collapse->reference_method));
        else
            sn_add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Reference vertebrae: %s", names);
    }
    char desc[600], coll[96] = "";
    if (in->collapse) {
        const sps_collapse *co = in->collapse;
        if (co->reference_method == SPS_COLLAPSE_REF_NONE) {
            sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "Height loss: not computable (no reference heights)");
        } else {
            sn_add_line(lines, &nl, SR_NO_SWATCH, 0,
                     "Height loss: anterior %s\u00a0%% · middle %s\u00a0%% · posterior %s\u00a0%% → collapse %s\u00a0%%",
                     sn_num(b1, 32, co->loss_pct[0], 0), sn_num(b2, 32, co->loss_pct[1], 0),
                     sn_num(b3, 32, co->loss_pct[2], 0), sn_num(b4, 32, co->collapse_pct, 0));
            snprintf(coll, sizeof coll, "collapse %s %%; Genant grade %d; ", sn_num(b4, 32, co->collapse_pct, 0),
                     co->genant_grade);
        }
        if (co->sins_token[0])
            sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "Genant grade %d · SINS collapse: %s (%s)",
                     co->genant_grade, co->sins_token, collapse_gloss(co->sins_token));
        else
            sn_add_line(lines, &nl, SR_NO_SWATCH, 1,
                     "Genant grade %d · SINS collapse: not computable (body involvement unknown)",
                     co->genant_grade);
        if (co->near_cut[0] && co->near_cut_is_fraction)
            sn_add_line(lines, &nl, SR_NO_SWATCH, 1,
                        "Body involved %.2f is near the %.2f cut: the category may change within the measurement error",
                        co->body_involved_fraction, co->near_cut_at);
        else if (co->near_cut[0])
            sn_add_line(lines, &nl, SR_NO_SWATCH, 1,
                        "Collapse is near the %.0f\u00a0%% cut: the category may change within the measurement error",
                        co->near_cut_at);
    } else {
        sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "Collapse not measured (heights of the six points only)");
    }
    double offp = 0;
    for (int k = 0; k < 6; ++k)
        offp = fmax(offp, fabs(sr_plane_distance(&view, m6(t, k))));
    if (offp > 2.0)
        sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "Note: target points lie up to %.1f mm off this plane (projected)", offp);

    char title[160];
    snprintf(title, sizeof title, "%s · body heights and collapse (six-point morphometry)", in->level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, sn_plane_name(view.right_lps, view.down_lps),
                         lines, nl, err);
    if (st != SPS_OK)
        return st;
    for (int r = 0; r < 2; ++r)
        if (refs[r])
            draw_vertebra(&cv, refs[r], SPS_RENDER_COLOUR_REFERENCE, 2.0);
    draw_vertebra(&cv, t, SPS_RENDER_COLOUR_TARGET, 2.5);
    for (int r = 0; r < 2; ++r)
        if (refs[r])
            for (int k = 0; k < 6; ++k)
                sr_marker(&cv, m6(refs[r], k), SPS_RENDER_COLOUR_REFERENCE);
    for (int k = 0; k < 6; ++k)
        sr_marker(&cv, m6(t, k), SPS_RENDER_COLOUR_TARGET);
    /* labels: heights beside their lines (anterior ones on the anterior side), level names */
    const char *hn[3] = {"Ha", "Hm", "Hp"};
    double hv[3] = {h.ha_mm, h.hm_mm, h.hp_mm};
    double cx, cy;
    sr_project(&cv, c, &cx, &cy);
    for (int k = 0; k < 3; ++k) {
        double m[3], x, y;
        sn_mid3(m, m6(t, k), m6(t, k + 3));
        sr_project(&cv, m, &x, &y);
        char lab[48];
        snprintf(lab, sizeof lab, "%s %s mm", hn[k], sn_num(b1, 32, hv[k], 1));
        sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_TARGET, k == 1 ? (x < cx) : (x <= cx));
    }
    {
        double m[3], x, y;
        sn_mid3(m, t->sup_ant, t->inf_ant);
        sr_project(&cv, m, &x, &y);
        sr_label(&cv, x - 60, y, in->level, SPS_RENDER_COLOUR_TARGET, 1);
    }
    for (int r = 0; r < 2; ++r)
        if (refs[r]) {
            double m[3], x, y;
            sn_mid3(m, refs[r]->sup_ant, refs[r]->inf_ant);
            sr_project(&cv, m, &x, &y);
            char lab[48];
            snprintf(lab, sizeof lab, "%s ref", ref_names[r]);
            sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_REFERENCE, 1);
        }
    snprintf(desc, sizeof desc,
             "%s %s morphometry: six points of %s%s%s%s%s; heights Ha %.1f Hm %.1f Hp %.1f mm; %sSINS collapse %s",
             in->level, sn_plane_name(view.right_lps, view.down_lps), in->level,
             in->above || in->below ? " and reference " : "", in->above ? ref_names[0] : "",
             in->above && in->below ? ", " : "", in->below ? ref_names[1] : "", h.ha_mm, h.hm_mm, h.hp_mm,
             coll, in->collapse && in->collapse->sins_token[0] ? in->collapse->sins_token : "not given");
    return sn_finish(&cv, png_path, vol, opt, desc, title, result, err);
}