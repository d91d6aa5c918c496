/* snap_lesion.c — bone lesion region and the normal-bone reference with their HU statistics and class. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"
#include "spinescore/seg.h"

/* ---- lesion ---------------------------------------------------------------------------- */

static sps_status region_centre(const sps_render_region *r, double c[3], double *extent_mm,
                                const char *what, sps_error *err)
{
    switch (r->kind) {
    case SPS_RENDER_REGION_SPHERE:
        if (!sn_finite3(r->centre_lps) || !(r->radius_mm > 0))
            return sps_error_set(err, SPS_EINVALID, what, "sphere needs a finite centre and a radius > 0");
        memcpy(c, r->centre_lps, 3 * sizeof(double));
        *extent_mm = r->radius_mm;
        return SPS_OK;
    case SPS_RENDER_REGION_POLYGON: {
        if (r->polygon.count < 3 || !r->polygon.lps)
            return sps_error_set(err, SPS_EINVALID, what, "polygon needs at least 3 points");
        double n[3];
        sn_polygon_plane(&r->polygon, n, c);
        *extent_mm = 0;
        for (size_t i = 0; i < r->polygon.count; ++i) {
            if (!sn_finite3(r->polygon.lps[i]))
                return sps_error_set(err, SPS_EINVALID, what, "polygon point %zu is not finite", i);
            *extent_mm = fmax(*extent_mm, sn_dist3(r->polygon.lps[i], c));
        }
        return SPS_OK;
    }
    case SPS_RENDER_REGION_MASK: {
        if (!r->mask)
            return sps_error_set(err, SPS_EINVALID, what, "mask region without a mask volume");
        const sps_geometry *g = sps_volume_geometry(r->mask);
        const float *m = sps_volume_data_const(r->mask);
        double s[3] = {0, 0, 0}, lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
        size_t cnt = 0, idx = 0;
        for (size_t k = 0; k < g->dims[2]; ++k)
            for (size_t j = 0; j < g->dims[1]; ++j)
                for (size_t i = 0; i < g->dims[0]; ++i, ++idx)
                    if (m[idx] > 0.5f) {
                        double ijk[3] = {(double)i, (double)j, (double)k}, p[3];
                        sps_geometry_index_to_lps(p, g, ijk);
                        for (int a = 0; a < 3; ++a) {
                            s[a] += p[a];
                            lo[a] = fmin(lo[a], p[a]);
                            hi[a] = fmax(hi[a], p[a]);
                        }
                        cnt++;
                    }
        if (cnt == 0)
            return sps_error_set(err, SPS_EINVALID, what, "mask is empty (no voxel > 0.5)");
        for (int a = 0; a < 3; ++a)
            c[a] = s[a] / (double)cnt;
        *extent_mm = 0.5 * sn_dist3(lo, hi);
        return SPS_OK;
    }
    default:
        return sps_error_set(err, SPS_EINVALID, what, "no region given");
    }
}

/* Does the region cut the plane? */
static int region_on_plane(const sps_render_region *r, const sps_render_view *v, const double c[3],
                           double extent)
{
    if (r->kind == SPS_RENDER_REGION_SPHERE)
        return fabs(sr_plane_distance(v, c)) < r->radius_mm;
    if (r->kind == SPS_RENDER_REGION_POLYGON) {
        for (size_t i = 0; i < r->polygon.count; ++i)
            if (fabs(sr_plane_distance(v, r->polygon.lps[i])) > 1.0)
                return 0;
        return 1;
    }
    return fabs(sr_plane_distance(v, c)) < extent;
}

static sps_status draw_region(sr_canvas *cv, const sps_render_region *r, uint32_t rgb, sps_error *err)
{
    if (r->kind == SPS_RENDER_REGION_SPHERE) {
        double d = sr_plane_distance(&cv->view, r->centre_lps);
        double rr = sqrt(fmax(0.0, r->radius_mm * r->radius_mm - d * d));
        double foot[3], n[3];
        sr_cross(n, cv->view.right_lps, cv->view.down_lps);
        for (int i = 0; i < 3; ++i)
            foot[i] = r->centre_lps[i] - d * n[i];
        sr_circle_lps(cv, foot, rr, rgb, 2.0);
    } else if (r->kind == SPS_RENDER_REGION_POLYGON) {
        sr_polygon_lps(cv, r->polygon.lps, r->polygon.count, rgb, 2.0);
    } else if (r->kind == SPS_RENDER_REGION_MASK) {
        const sps_render_view *v = &cv->view;
        size_t n = (size_t)v->width * (size_t)v->height;
        float *m = malloc(n * sizeof *m);
        if (!m)
            return sps_error_set(err, SPS_ENOMEM, "render", "out of memory");
        sps_status st = sps_seg_reslice_plane(m, r->mask, v->centre_lps, v->right_lps, v->down_lps,
                                              v->pixel_mm, (size_t)v->width, (size_t)v->height, err);
        if (st != SPS_OK) {
            free(m);
            return st;
        }
        sr_set_rgb(cv->cr, rgb);
        for (int y = 0; y < v->height; ++y)
            for (int x = 0; x < v->width; ++x) {
                float val = m[(size_t)y * (size_t)v->width + (size_t)x];
                if (!(val > 0.5f))
                    continue;
                int edge = 0;
                for (int dy = -1; dy <= 1 && !edge; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= v->width || yy >= v->height ||
                            !(m[(size_t)yy * (size_t)v->width + (size_t)xx] > 0.5f)) {
                            edge = 1;
                            break;
                        }
                    }
                if (edge)
                    cairo_rectangle(cv->cr, cv->ix + x, cv->iy + y, 1, 1);
            }
        cairo_fill(cv->cr);
        free(m);
    }
    return SPS_OK;
}

static void region_text(char *buf, size_t n, const sps_render_region *r)
{
    if (r->kind == SPS_RENDER_REGION_SPHERE)
        snprintf(buf, n, "sphere r %.1f mm", r->radius_mm);
    else if (r->kind == SPS_RENDER_REGION_POLYGON)
        snprintf(buf, n, "polygon, %zu points", r->polygon.count);
    else
        snprintf(buf, n, "mask");
}

static void stats_text(char *buf, size_t n, const sps_render_stats *s, const char *unit)
{
    char sd[48] = "";
    if (isfinite(s->sd))
        snprintf(sd, sizeof sd, " · SD %.0f", s->sd);
    if (s->n == 0)
        snprintf(buf, n, "not measured");
    else
        snprintf(buf, n, "mean %.0f%s%s · n %zu voxels", s->mean, unit, sd, s->n);
}

sps_status sps_render_lesion_png(const char *png_path, const sps_volume *vol, const sps_render_lesion *in,
                                 const sps_render_options *opt, sps_render_result *result, sps_error *err)
{
    sps_status st = sn_common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->level || !in->level[0])
        return sps_error_set(err, SPS_EINVALID, "lesion.level", "expected the level");
    double lc[3], le, rc[3] = {0, 0, 0}, re = 0;
    st = region_centre(&in->lesion, lc, &le, "lesion.lesion", err);
    if (st != SPS_OK)
        return st;
    int has_ref = in->reference.kind != SPS_RENDER_REGION_NONE;
    if (has_ref && (st = region_centre(&in->reference, rc, &re, "lesion.reference", err)) != SPS_OK)
        return st;

    double right[3], down[3], normal[3];
    if (in->lesion.kind == SPS_RENDER_REGION_POLYGON) {
        double dummy[3];
        sn_polygon_plane(&in->lesion.polygon, normal, dummy);
        sn_plane_basis(right, down, normal);
    } else {
        double ax[3] = {0, 0, 1}, sg[3] = {1, 0, 0};
        int sag = in->plane == 2;
        if (in->plane == 0 && has_ref) { /* auto: axial unless the reference is off that plane */
            sps_render_view t;
            memset(&t, 0, sizeof t);
            sn_plane_basis(t.right_lps, t.down_lps, ax);
            memcpy(t.centre_lps, lc, sizeof lc);
            if (!region_on_plane(&in->reference, &t, rc, re))
                sag = 1;
        }
        sn_plane_basis(right, down, sag ? sg : ax);
    }
    sn_fit f;
    sn_fit_init(&f, right, down, lc);
    sn_fit_add(&f, lc, le);
    sps_render_view tmp;
    memset(&tmp, 0, sizeof tmp);
    memcpy(tmp.centre_lps, lc, sizeof lc);
    memcpy(tmp.right_lps, right, sizeof right);
    memcpy(tmp.down_lps, down, sizeof down);
    int ref_visible = has_ref && region_on_plane(&in->reference, &tmp, rc, re);
    if (ref_visible)
        sn_fit_add(&f, rc, re);
    sps_render_view view;
    sn_fit_view(&view, &f, 22.0, 80.0, opt);
    if (has_ref)
        ref_visible = region_on_plane(&in->reference, &view, rc, re);

    const char *unit = sps_volume_units(vol) == SPS_UNITS_HU ? " HU" : "";
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    char rt[64], stt[128];
    region_text(rt, sizeof rt, &in->lesion);
    stats_text(stt, sizeof stt, &in->lesion_stats, unit);
    sn_add_line(lines, &nl, SPS_RENDER_COLOUR_TARGET, 0, "Lesion (%s): %s", rt, stt);
    if (has_ref) {
        region_text(rt, sizeof rt, &in->reference);
        stats_text(stt, sizeof stt, &in->reference_stats, unit);
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Normal-bone reference (%s): %s%s", rt, stt,
                 ref_visible ? "" : " — not on this plane");
    } else {
        sn_add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Normal-bone reference: none given");
    }
    if (in->has_thresholds)
        sn_add_line(lines, &nl, SR_NO_SWATCH, 0, "Voxels below %.0f%s (lytic): %.0f %% · above %.0f%s (blastic): %.0f %%",
                    in->lytic_below, unit, 100.0 * in->fraction_lytic, in->blastic_above, unit,
                    100.0 * in->fraction_blastic);
    const char *cls = in->lesion_class && in->lesion_class[0] ? in->lesion_class : NULL;
    sn_add_line(lines, &nl, SR_NO_SWATCH, 1, "Bone lesion class: %s",
             cls ? cls : "indeterminate (the reader decides)");

    char title[160];
    snprintf(title, sizeof title, "%s · bone lesion density%s", in->level, unit[0] ? " (CT HU)" : "");
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, sn_plane_name(view.right_lps, view.down_lps), lines,
                         nl, err);
    if (st != SPS_OK)
        return st;
    if (ref_visible && (st = draw_region(&cv, &in->reference, SPS_RENDER_COLOUR_REFERENCE, err)) != SPS_OK) {
        sr_canvas_free(&cv);
        return st;
    }
    if ((st = draw_region(&cv, &in->lesion, SPS_RENDER_COLOUR_TARGET, err)) != SPS_OK) {
        sr_canvas_free(&cv);
        return st;
    }
    double x, y;
    sr_project(&cv, lc, &x, &y);
    char lab[96];
    snprintf(lab, sizeof lab, "lesion %s", cls ? cls : "");
    sr_label(&cv, x + le / view.pixel_mm, y, lab, SPS_RENDER_COLOUR_TARGET, 0);
    if (ref_visible) {
        sr_project(&cv, rc, &x, &y);
        sr_label(&cv, x + re / view.pixel_mm, y, "reference", SPS_RENDER_COLOUR_REFERENCE, 0);
    }
    char desc[600], lsd[32] = "", rsd[32] = "";
    if (isfinite(in->lesion_stats.sd))
        snprintf(lsd, sizeof lsd, " SD %.1f", in->lesion_stats.sd);
    if (isfinite(in->reference_stats.sd))
        snprintf(rsd, sizeof rsd, " SD %.1f", in->reference_stats.sd);
    snprintf(desc, sizeof desc,
             "%s bone lesion on a %s plane through it: lesion mean %.1f%s n %zu; reference mean %.1f%s n %zu%s; "
             "class %s",
             in->level, sn_plane_name(view.right_lps, view.down_lps), in->lesion_stats.mean, lsd, in->lesion_stats.n,
             in->reference_stats.mean, rsd, in->reference_stats.n,
             has_ref ? (ref_visible ? "" : " (reference off this plane)") : " (no reference)",
             cls ? cls : "indeterminate");
    return sn_finish(&cv, png_path, vol, opt, desc, title, result, err);
}