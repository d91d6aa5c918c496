/* snap_alignment.c — sagittal alignment: posterior-wall translation (mm) and segmental angle (deg). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

/* ---- alignment ------------------------------------------------------------------------- */

static const char *align_gloss(const char *tok)
{
    if (!strcmp(tok, "subluxation_translation"))
        return "subluxation / translation present";
    if (!strcmp(tok, "de_novo_deformity"))
        return "de novo deformity (kyphosis / scoliosis)";
    if (!strcmp(tok, "normal"))
        return "normal alignment";
    return "";
}


sps_status sps_render_alignment_png(const char *png_path, const sps_volume *vol,
                                    const sps_render_alignment *in, const sps_render_options *opt,
                                    sps_render_result *result, sps_error *err)
{
    sps_status st = sn_common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->upper_level || !in->upper_level[0] || !in->lower_level || !in->lower_level[0])
        return sps_error_set(err, SPS_EINVALID, "alignment.upper_level/lower_level", "expected both levels");
    if (!in->result)
        return sps_error_set(err, SPS_EINVALID, "alignment.result", "expected the measured alignment");
    const sps_alignment_input *p = &in->points;
    const double *pts[8] = {p->upper_post_inf, p->lower_post_sup, p->lower_post_inf, p->lower_ant_sup,
                            p->upper_end_post, p->upper_end_ant, p->lower_end_post, p->lower_end_ant};
    for (int i = 0; i < 8; ++i)
        if (!sn_finite3(pts[i]))
            return sps_error_set(err, SPS_EINVALID, "alignment.points", "landmark %d is not finite", i);
    double ap[3], si[3], c[3] = {0, 0, 0};
    sn_sub3(ap, p->lower_post_sup, p->lower_ant_sup);
    sn_sub3(si, p->lower_post_sup, p->lower_post_inf);
    double right[3], down[3], normal[3];
    sn_sagittal_basis(right, down, ap, si);
    sr_cross(normal, right, down);
    sn_plane_basis(right, down, normal);
    for (int k = 0; k < 8; ++k)
        for (int i = 0; i < 3; ++i)
            c[i] += pts[k][i] / 8.0;
    sn_fit f;
    sn_fit_init(&f, right, down, c);
    for (int k = 0; k < 8; ++k)
        sn_fit_add(&f, pts[k], 0);
    sps_render_view view;
    sn_fit_view(&view, &f, 25.0, 90.0, opt);

    const sps_alignment *a = in->result;
    char b1[32], b2[32], b3[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    sn_add_line(lines, &nl, SPS_RENDER_COLOUR_WALL, 0,
             "Translation of %s over %s: %s mm (%s %% of the %s endplate depth), perpendicular to the %s posterior wall",
             in->upper_level, in->lower_level, sn_num(b1, 32, a->translation_mm, 1), sn_num(b2, 32, a->translation_pct, 0),
             in->lower_level, in->lower_level);
    const char *eu = in->angle_upper_level ? in->angle_upper_level : in->upper_level;
    const char *el = in->angle_lower_level ? in->angle_lower_level : in->lower_level;
    sn_add_line(lines, &nl, SPS_RENDER_COLOUR_ENDPLATE, 0,
             "Segmental angle (Cobb, %s superior to %s inferior endplate): %s° (negative = lordosis)%s%s%s", eu, el,
             sn_num(b1, 32, a->kyphosis_deg, 1), isfinite(a->coronal_deg) ? "; coronal " : "",
             isfinite(a->coronal_deg) ? sn_num(b3, 32, a->coronal_deg, 1) : "", isfinite(a->coronal_deg) ? "°" : "");
    if (a->sins_token[0])
        sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "SINS alignment: %s (%s)", a->sins_token, align_gloss(a->sins_token));
    else
        sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "SINS alignment: not computable");
    if (a->needs_confirmation)
        sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "De novo deformity: the reader must confirm it is new (prior study)");

    char title[160];
    snprintf(title, sizeof title, "%s–%s · alignment: translation and segmental angle", in->upper_level,
             in->lower_level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, sn_plane_name(view.right_lps, view.down_lps), lines, nl,
                         err);
    if (st != SPS_OK)
        return st;
    /* posterior wall of the lower vertebra, extended past the upper corner */
    double w[3], a0[3], a1[3], foot[3], d[3];
    sn_sub3(w, p->lower_post_sup, p->lower_post_inf);
    double wl = sr_norm(w);
    sn_sub3(d, p->upper_post_inf, p->lower_post_inf);
    double s_up = sr_dot(d, w);
    sn_along(a0, p->lower_post_inf, w, -6.0);
    sn_along(a1, p->lower_post_inf, w, wl);
    sr_line_lps(&cv, a0, a1, SPS_RENDER_COLOUR_WALL, 2.0, 0);
    sn_along(a0, p->lower_post_inf, w, fmax(wl, s_up) + 18.0);
    sr_line_lps(&cv, a1, a0, SPS_RENDER_COLOUR_WALL, 1.5, 1);
    sn_along(foot, p->lower_post_inf, w, s_up);
    sr_line_lps(&cv, p->upper_post_inf, foot, SPS_RENDER_COLOUR_WALL, 2.5, 0);
    /* endplate lines, extended by 40 % on both sides */
    const double *ep[2][2] = {{p->upper_end_post, p->upper_end_ant}, {p->lower_end_post, p->lower_end_ant}};
    for (int e = 0; e < 2; ++e) {
        double u[3];
        sn_sub3(u, ep[e][1], ep[e][0]);
        double l = sr_norm(u);
        sn_along(a0, ep[e][0], u, -0.4 * l);
        sn_along(a1, ep[e][0], u, 1.4 * l);
        sr_line_lps(&cv, a0, a1, SPS_RENDER_COLOUR_ENDPLATE, 1.5, 1);
        sr_line_lps(&cv, ep[e][0], ep[e][1], SPS_RENDER_COLOUR_ENDPLATE, 2.5, 0);
    }
    for (int k = 4; k < 8; ++k)
        sr_marker(&cv, pts[k], SPS_RENDER_COLOUR_ENDPLATE);
    for (int k = 0; k < 4; ++k)
        sr_marker(&cv, pts[k], SPS_RENDER_COLOUR_WALL);
    double x, y, m[3], cx, cy, fx, fy;
    sr_project(&cv, c, &cx, &cy);
    sr_project(&cv, p->upper_post_inf, &x, &y);
    sr_project(&cv, foot, &fx, &fy);
    sr_reserve(&cv, fmin(x, fx) - 3, fmin(y, fy) - 3, fmax(x, fx) + 3, fmax(y, fy) + 3);
    sn_mid3(m, p->upper_post_inf, foot);
    sr_project(&cv, m, &x, &y);
    char lab[64];
    snprintf(lab, sizeof lab, "%s mm", sn_num(b1, 32, a->translation_mm, 1));
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_WALL, 2);
    sn_mid3(m, p->upper_end_ant, p->lower_end_ant);
    sr_project(&cv, m, &x, &y);
    snprintf(lab, sizeof lab, "%s°", sn_num(b1, 32, a->kyphosis_deg, 1));
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_ENDPLATE, x < cx);
    for (int e = 0; e < 2; ++e) { /* level names beyond the anterior end of the extended lines */
        double u[3];
        sn_sub3(u, ep[e][1], ep[e][0]);
        sn_along(a0, ep[e][0], u, 1.4);
        sr_project(&cv, a0, &x, &y);
        char lv[40];
        snprintf(lv, sizeof lv, "%s %s", e == 0 ? eu : el, e == 0 ? "sup." : "inf.");
        sr_label(&cv, x, y, lv, 0xFFFFFF, x < cx);
    }
    char desc[600];
    snprintf(desc, sizeof desc,
             "%s-%s alignment on a %s plane: posterior-wall line of %s with the translation %.1f mm, endplate "
             "lines with the segmental angle %.1f deg; SINS alignment %s",
             in->upper_level, in->lower_level, sn_plane_name(view.right_lps, view.down_lps), in->lower_level,
             a->translation_mm, a->kyphosis_deg, a->sins_token[0] ? a->sins_token : "not computable");
    return sn_finish(&cv, png_path, vol, opt, desc, title, result, err);
}