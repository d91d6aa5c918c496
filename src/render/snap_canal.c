/* snap_canal.c — axial canal: thecal sac, cord and epidural tumour outlines with the ESCC grade. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

/* ---- axial canal ----------------------------------------------------------------------- */

static sps_status check_polygon(const sps_render_polygon *p, const char *what, int required, sps_error *err)
{
    if (p->count == 0 && !required)
        return SPS_OK;
    if (p->count < 3 || !p->lps)
        return sps_error_set(err, SPS_EINVALID, what, "expected a closed polygon of at least 3 points");
    for (size_t i = 0; i < p->count; ++i)
        if (!sn_finite3(p->lps[i]))
            return sps_error_set(err, SPS_EINVALID, what, "point %zu is not finite", i);
    return SPS_OK;
}

/* Vertex with the largest projection on dir (for label anchors). */
static const double *extreme(const sps_render_polygon *p, const double dir[3])
{
    const double *best = p->lps[0];
    for (size_t i = 1; i < p->count; ++i)
        if (sr_dot(p->lps[i], dir) > sr_dot(best, dir))
            best = p->lps[i];
    return best;
}

static const char *ratio(char *buf, size_t n, double a, double b)
{
    if (!isfinite(a) || !isfinite(b) || !(b > 0))
        return sn_num(buf, n, NAN, 2);
    return sn_num(buf, n, a / b, 2);
}

sps_status sps_render_canal_png(const char *png_path, const sps_volume *vol, const sps_render_canal *in,
                                const sps_render_options *opt, sps_render_result *result, sps_error *err)
{
    sps_status st = sn_common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->level || !in->level[0])
        return sps_error_set(err, SPS_EINVALID, "canal.level", "expected the level");
    if ((st = check_polygon(&in->sac, "canal.sac", 1, err)) != SPS_OK ||
        (st = check_polygon(&in->cord, "canal.cord", 0, err)) != SPS_OK ||
        (st = check_polygon(&in->tumor, "canal.tumor", 0, err)) != SPS_OK)
        return st;
    double normal[3], c[3], right[3], down[3];
    sn_polygon_plane(&in->sac, normal, c);
    sn_plane_basis(right, down, normal);
    sn_fit f;
    sn_fit_init(&f, right, down, c);
    const sps_render_polygon *polys[3] = {&in->sac, &in->tumor, &in->cord};
    for (int k = 0; k < 3; ++k)
        for (size_t i = 0; i < polys[k]->count; ++i)
            sn_fit_add(&f, polys[k]->lps[i], 0);
    sps_render_view view;
    sn_fit_view(&view, &f, 22.0, 64.0, opt);

    const sps_escc_input *mi = in->measured;
    const sps_escc_finding *e = in->escc;
    char b1[32], b2[32], b3[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    if (mi)
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_SAC, 0, "Thecal sac: %s mm² (normal level %s mm², ratio %s)%s",
                 sn_num(b1, 32, mi->sac_area_mm2, 1), sn_num(b2, 32, mi->ref_sac_area_mm2, 1),
                 ratio(b3, 32, mi->sac_area_mm2, mi->ref_sac_area_mm2),
                 e ? (e->sac_deformed ? " — deformed" : " — not deformed") : "");
    else
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_SAC, 0, "Thecal sac outline");
    if (in->cord.count) {
        if (mi)
            sn_add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord: %s mm² (normal level %s mm², ratio %s)%s",
                     sn_num(b1, 32, mi->cord_area_mm2, 1), sn_num(b2, 32, mi->ref_cord_area_mm2, 1),
                     ratio(b3, 32, mi->cord_area_mm2, mi->ref_cord_area_mm2),
                     e ? (e->cord_compressed ? " — compressed" : " — not compressed") : "");
        else
            sn_add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord outline");
    } else {
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord: not outlined");
    }
    if (in->tumor.count || (mi && mi->epidural_tumor))
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_TUMOR, 0, "Epidural tumour%s; tumour–cord distance %s mm%s",
                 in->tumor.count ? " outlined" : " present (not outlined)",
                 mi ? sn_num(b1, 32, mi->tumor_cord_distance_mm, 1) : "–",
                 e ? (e->cord_contact ? " — contact" : " — no contact") : "");
    else
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_TUMOR, 0, "Epidural tumour: none outlined");
    if (mi && isfinite(mi->csf_rim_fraction))
        sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "CSF around the cord: %.0f %% of its outline%s",
                 100.0 * mi->csf_rim_fraction, e ? (e->csf_visible ? " (CSF visible)" : " (no CSF)") : "");
    if (e)
        sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "ESCC (Bilsky) grade %s — suggested by the measurement; the reader's grade wins",
                 e->grade);
    else
        sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "ESCC grade: not graded");

    char title[160];
    snprintf(title, sizeof title, "%s · spinal canal: epidural cord compression (ESCC)", in->level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 0, title, sn_plane_name(view.right_lps, view.down_lps), lines, nl,
                         err);
    if (st != SPS_OK)
        return st;
    sr_polygon_lps(&cv, in->sac.lps, in->sac.count, SPS_RENDER_COLOUR_SAC, 2.0);
    if (in->tumor.count)
        sr_polygon_lps(&cv, in->tumor.lps, in->tumor.count, SPS_RENDER_COLOUR_TUMOR, 2.0);
    if (in->cord.count)
        sr_polygon_lps(&cv, in->cord.lps, in->cord.count, SPS_RENDER_COLOUR_CORD, 2.0);
    /* reserve the canal so labels go outside it */
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9, x, y;
    for (size_t i = 0; i < in->sac.count; ++i) {
        sr_project(&cv, in->sac.lps[i], &x, &y);
        x0 = fmin(x0, x), y0 = fmin(y0, y), x1 = fmax(x1, x), y1 = fmax(y1, y);
    }
    sr_reserve(&cv, x0 - 3, y0 - 3, x1 + 3, y1 + 3);
    char lab[64];
    sr_project(&cv, extreme(&in->sac, view.right_lps), &x, &y);
    snprintf(lab, sizeof lab, "sac%s%s", mi ? " " : "", mi ? sn_num(b1, 32, mi->sac_area_mm2, 1) : "");
    if (mi)
        strncat(lab, " mm²", sizeof lab - strlen(lab) - 1);
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_SAC, 0);
    if (in->cord.count) {
        double l[3] = {-view.right_lps[0], -view.right_lps[1], -view.right_lps[2]};
        sr_project(&cv, extreme(&in->cord, l), &x, &y);
        snprintf(lab, sizeof lab, "cord%s%s", mi ? " " : "", mi ? sn_num(b1, 32, mi->cord_area_mm2, 1) : "");
        if (mi)
            strncat(lab, " mm²", sizeof lab - strlen(lab) - 1);
        sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_CORD, 1);
    }
    if (in->tumor.count) {
        double up[3] = {-view.down_lps[0], -view.down_lps[1], -view.down_lps[2]};
        sr_project(&cv, extreme(&in->tumor, up), &x, &y);
        sr_label(&cv, x, y, "tumour", SPS_RENDER_COLOUR_TUMOR, 0);
    }
    if (e) {
        snprintf(lab, sizeof lab, "ESCC %s", e->grade);
        sr_label(&cv, cv.ix + view.width - 90, cv.iy + 40, lab, 0xFFFFFF, 0);
    }
    char desc[600];
    snprintf(desc, sizeof desc,
             "%s axial canal on a %s plane: thecal sac%s%s outlines; sac %.1f mm2, cord %.1f mm2; ESCC grade %s",
             in->level, sn_plane_name(view.right_lps, view.down_lps), in->cord.count ? ", cord" : "",
             in->tumor.count ? ", epidural tumour" : "", mi ? mi->sac_area_mm2 : NAN, mi ? mi->cord_area_mm2 : NAN,
             e ? e->grade : "not graded");
    return sn_finish(&cv, png_path, vol, opt, desc, title, result, err);
}
