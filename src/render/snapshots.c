/* snapshots.c — the four image snapshots (morphometry, lesion, alignment, axial canal): choose the
 * plane where the finding was measured, then draw its landmarks, lines, outlines and numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "spinescore/seg.h"
#include "util_internal.h"

#define DEFAULT_SIZE 512

/* ---- small helpers --------------------------------------------------------------------- */

static const char *num(char *buf, size_t n, double v, int prec)
{
    if (!isfinite(v))
        snprintf(buf, n, "–");
    else if (fabs(v) < 0.5 * pow(10.0, -prec))
        snprintf(buf, n, "%.*f", prec, 0.0); /* no "-0.0" */
    else
        snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

static int finite3(const double p[3])
{
    return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]);
}

static void sub3(double o[3], const double a[3], const double b[3])
{
    for (int i = 0; i < 3; ++i)
        o[i] = a[i] - b[i];
}

/* right = ap (normalised), down = -(si orthogonalised against ap): anterior left, superior up
 * when ap points posterior and si superior. Falls back to the patient sagittal plane. */
static void sagittal_basis(double right[3], double down[3], const double ap[3], const double si[3])
{
    double r[3] = {ap[0], ap[1], ap[2]}, s[3] = {si[0], si[1], si[2]};
    if (sr_norm(r) < 1e-6) {
        r[0] = 0, r[1] = 1, r[2] = 0;
    }
    double k = sr_dot(s, r);
    for (int i = 0; i < 3; ++i)
        s[i] -= k * r[i];
    if (sr_norm(s) < 1e-6) {
        double l[3] = {1, 0, 0};
        sr_cross(s, l, r); /* L x P = S */
        sr_norm(s);
    }
    for (int i = 0; i < 3; ++i) {
        right[i] = r[i];
        down[i] = -s[i];
    }
}

/* Basis of a plane with normal n, in the display convention of its nearest patient plane:
 * axial (right = patient left, down = posterior), sagittal (right = posterior, down = inferior),
 * coronal (right = patient left, down = inferior). */
static void plane_basis(double right[3], double down[3], const double normal[3])
{
    double n[3] = {normal[0], normal[1], normal[2]};
    if (sr_norm(n) < 1e-9) {
        n[0] = 0, n[1] = 0, n[2] = 1;
    }
    double pref_r[3], pref_d[3];
    double ax = fabs(n[0]), ay = fabs(n[1]), az = fabs(n[2]);
    if (az >= ax && az >= ay) { /* axial */
        double r[3] = {1, 0, 0}, d[3] = {0, 1, 0};
        memcpy(pref_r, r, sizeof r);
        memcpy(pref_d, d, sizeof d);
    } else if (ax >= ay) { /* sagittal */
        double r[3] = {0, 1, 0}, d[3] = {0, 0, -1};
        memcpy(pref_r, r, sizeof r);
        memcpy(pref_d, d, sizeof d);
    } else { /* coronal */
        double r[3] = {1, 0, 0}, d[3] = {0, 0, -1};
        memcpy(pref_r, r, sizeof r);
        memcpy(pref_d, d, sizeof d);
    }
    double k = sr_dot(pref_r, n);
    for (int i = 0; i < 3; ++i)
        right[i] = pref_r[i] - k * n[i];
    sr_norm(right);
    sr_cross(down, n, right);
    sr_norm(down);
    if (sr_dot(down, pref_d) < 0)
        for (int i = 0; i < 3; ++i)
            down[i] = -down[i];
}

static const char *plane_name(const double right[3], const double down[3])
{
    double n[3];
    sr_cross(n, right, down);
    double ax = fabs(n[0]), ay = fabs(n[1]), az = fabs(n[2]), m = fmax(ax, fmax(ay, az));
    int oblique = m < 0.996; /* more than ~5 degrees off a patient plane */
    if (az == m)
        return oblique ? "oblique axial" : "axial";
    if (ax == m)
        return oblique ? "oblique sagittal" : "sagittal";
    return oblique ? "oblique coronal" : "coronal";
}

/* Polygon normal (Newell) and centroid of the vertices. */
static void polygon_plane(const sps_render_polygon *p, double normal[3], double centroid[3])
{
    memset(normal, 0, 3 * sizeof(double));
    memset(centroid, 0, 3 * sizeof(double));
    for (size_t i = 0; i < p->count; ++i) {
        const double *a = p->lps[i], *b = p->lps[(i + 1) % p->count];
        normal[0] += (a[1] - b[1]) * (a[2] + b[2]);
        normal[1] += (a[2] - b[2]) * (a[0] + b[0]);
        normal[2] += (a[0] - b[0]) * (a[1] + b[1]);
        for (int k = 0; k < 3; ++k)
            centroid[k] += a[k] / (double)p->count;
    }
    sr_norm(normal);
}

typedef struct fit {
    double right[3], down[3], ref[3];
    double umin, umax, vmin, vmax;
    int n;
} fit;

static void fit_init(fit *f, const double right[3], const double down[3], const double ref[3])
{
    memset(f, 0, sizeof *f);
    memcpy(f->right, right, sizeof f->right);
    memcpy(f->down, down, sizeof f->down);
    memcpy(f->ref, ref, sizeof f->ref);
}

static void fit_add(fit *f, const double p[3], double pad_mm)
{
    double d[3];
    sub3(d, p, f->ref);
    double u = sr_dot(d, f->right), v = sr_dot(d, f->down);
    if (f->n == 0 || u - pad_mm < f->umin)
        f->umin = u - pad_mm;
    if (f->n == 0 || u + pad_mm > f->umax)
        f->umax = u + pad_mm;
    if (f->n == 0 || v - pad_mm < f->vmin)
        f->vmin = v - pad_mm;
    if (f->n == 0 || v + pad_mm > f->vmax)
        f->vmax = v + pad_mm;
    f->n++;
}

static void fit_view(sps_render_view *view, const fit *f, double margin_mm, double min_fov_mm,
                     const sps_render_options *opt)
{
    if (opt && opt->view) {
        *view = *opt->view;
        return;
    }
    int size = opt && opt->size_px > 0 ? opt->size_px : DEFAULT_SIZE;
    double ext = fmax(f->umax - f->umin, f->vmax - f->vmin) + 2 * margin_mm;
    double fov = fmax(ext, min_fov_mm);
    double cu = 0.5 * (f->umin + f->umax), cv = 0.5 * (f->vmin + f->vmax);
    for (int i = 0; i < 3; ++i) {
        view->centre_lps[i] = f->ref[i] + cu * f->right[i] + cv * f->down[i];
        view->right_lps[i] = f->right[i];
        view->down_lps[i] = f->down[i];
    }
    view->pixel_mm = fov / size;
    view->width = size;
    view->height = size;
}

static sps_status common_checks(const char *path, const sps_volume *vol, const void *in, sps_error *err)
{
    if (!path || !path[0])
        return sps_error_set(err, SPS_EINVALID, "png_path", "expected an output file name");
    if (!vol)
        return sps_error_set(err, SPS_EINVALID, "vol", "expected a loaded volume");
    if (!in)
        return sps_error_set(err, SPS_EINVALID, "input", "expected the finding to draw");
    return SPS_OK;
}

static const char *series_uid_of(const sps_volume *vol, const sps_render_options *opt)
{
    return opt && opt->series_uid ? opt->series_uid : sps_volume_series_uid(vol);
}

static sps_status finish(sr_canvas *cv, const char *path, const sps_volume *vol,
                         const sps_render_options *opt, const char *desc, const char *title,
                         sps_render_result *result, sps_error *err)
{
    sps_status st = sr_write_png(cv->surf, path, series_uid_of(vol, opt), desc, title, err);
    if (st == SPS_OK && result)
        *result = cv->res;
    sr_canvas_free(cv);
    return st;
}

static void add_line(sr_line *lines, int *n, uint32_t swatch, int bold, const char *fmt, ...)
    SPS_PRINTF(5, 6);
static void add_line(sr_line *lines, int *n, uint32_t swatch, int bold, const char *fmt, ...)
{
    if (*n >= SR_MAX_PANEL)
        return;
    sr_line *l = &lines[(*n)++];
    l->swatch = swatch;
    l->bold = bold;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
}

static double dist3(const double a[3], const double b[3])
{
    double d[3];
    sub3(d, a, b);
    return sqrt(sr_dot(d, d));
}

/* ---- morphometry ----------------------------------------------------------------------- */

static const double *m6(const sps_morpho6 *m, int i)
{
    const double *p[6] = {m->sup_ant, m->sup_mid, m->sup_post, m->inf_ant, m->inf_mid, m->inf_post};
    return p[i];
}

static int morpho_finite(const sps_morpho6 *m)
{
    for (int i = 0; i < 6; ++i)
        if (!finite3(m6(m, i)))
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

static void mid3(double o[3], const double a[3], const double b[3])
{
    for (int i = 0; i < 3; ++i)
        o[i] = 0.5 * (a[i] + b[i]);
}

sps_status sps_render_morphometry_png(const char *png_path, const sps_volume *vol,
                                      const sps_render_morphometry *in,
                                      const sps_render_options *opt, sps_render_result *result,
                                      sps_error *err)
{
    sps_status st = common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->level || !in->level[0])
        return sps_error_set(err, SPS_EINVALID, "morphometry.level", "expected the target level");
    if (!morpho_finite(&in->target) || (in->above && !morpho_finite(in->above)) ||
        (in->below && !morpho_finite(in->below)))
        return sps_error_set(err, SPS_EINVALID, "morphometry.points", "a morphometry point is not finite");
    const sps_morpho6 *t = &in->target;
    double ap[3], si[3] = {0, 0, 0}, a1[3], a2[3], c[3] = {0, 0, 0};
    sub3(a1, t->sup_post, t->sup_ant);
    sub3(a2, t->inf_post, t->inf_ant);
    for (int i = 0; i < 3; ++i)
        ap[i] = a1[i] + a2[i];
    for (int k = 0; k < 3; ++k) {
        double d[3];
        sub3(d, m6(t, k), m6(t, k + 3));
        for (int i = 0; i < 3; ++i)
            si[i] += d[i];
    }
    for (int k = 0; k < 6; ++k)
        for (int i = 0; i < 3; ++i)
            c[i] += m6(t, k)[i] / 6.0;
    double right[3], down[3], normal[3];
    sagittal_basis(right, down, ap, si);
    /* the plane of the points, shown upright in patient axes (a wedge must look like a wedge) */
    sr_cross(normal, right, down);
    plane_basis(right, down, normal);
    fit f;
    fit_init(&f, right, down, c);
    const sps_morpho6 *refs[2] = {in->above, in->below};
    const char *ref_names[2] = {in->above_level ? in->above_level : "above",
                                in->below_level ? in->below_level : "below"};
    for (int k = 0; k < 6; ++k) {
        fit_add(&f, m6(t, k), 0);
        for (int r = 0; r < 2; ++r)
            if (refs[r])
                fit_add(&f, m6(refs[r], k), 0);
    }
    sps_render_view view;
    fit_view(&view, &f, 18.0, 90.0, opt);

    sps_heights h;
    if (in->collapse) {
        h = in->collapse->heights;
    } else {
        h.ha_mm = dist3(t->sup_ant, t->inf_ant);
        h.hm_mm = dist3(t->sup_mid, t->inf_mid);
        h.hp_mm = dist3(t->sup_post, t->inf_post);
    }
    char b1[32], b2[32], b3[32], b4[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    add_line(lines, &nl, SPS_RENDER_COLOUR_TARGET, 0, "%s (target): Ha %s mm · Hm %s mm · Hp %s mm",
             in->level, num(b1, 32, h.ha_mm, 1), num(b2, 32, h.hm_mm, 1), num(b3, 32, h.hp_mm, 1));
    if (in->above || in->below) {
        char names[64];
        snprintf(names, sizeof names, "%s%s%s", in->above ? ref_names[0] : "",
                 in->above && in->below ? ", " : "", in->below ? ref_names[1] : "");
        if (in->collapse && in->collapse->reference_method != SPS_COLLAPSE_REF_NONE)
            add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0,
                     "Reference %s: expected Ha %s · Hm %s · Hp %s mm (%s)", names,
                     num(b1, 32, in->collapse->reference.ha_mm, 1), num(b2, 32, in->collapse->reference.hm_mm, 1),
                     num(b3, 32, in->collapse->reference.hp_mm, 1), refmethod(in->collapse->reference_method));
        else
            add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Reference vertebrae: %s", names);
    }
    char desc[600], coll[96] = "";
    if (in->collapse) {
        const sps_collapse *co = in->collapse;
        if (co->reference_method == SPS_COLLAPSE_REF_NONE) {
            add_line(lines, &nl, SR_NO_SWATCH, 0, "Height loss: not computable (no reference heights)");
        } else {
            add_line(lines, &nl, SR_NO_SWATCH, 0,
                     "Height loss: anterior %s %% · middle %s %% · posterior %s %% → collapse %s %%",
                     num(b1, 32, co->loss_pct[0], 0), num(b2, 32, co->loss_pct[1], 0),
                     num(b3, 32, co->loss_pct[2], 0), num(b4, 32, co->collapse_pct, 0));
            snprintf(coll, sizeof coll, "collapse %s %%; Genant grade %d; ", num(b4, 32, co->collapse_pct, 0),
                     co->genant_grade);
        }
        if (co->sins_token[0])
            add_line(lines, &nl, SR_NO_SWATCH, 1, "Genant grade %d · SINS collapse: %s (%s)",
                     co->genant_grade, co->sins_token, collapse_gloss(co->sins_token));
        else
            add_line(lines, &nl, SR_NO_SWATCH, 1,
                     "Genant grade %d · SINS collapse: not computable (body involvement unknown)",
                     co->genant_grade);
    } else {
        add_line(lines, &nl, SR_NO_SWATCH, 0, "Collapse not measured (heights of the six points only)");
    }
    double offp = 0;
    for (int k = 0; k < 6; ++k)
        offp = fmax(offp, fabs(sr_plane_distance(&view, m6(t, k))));
    if (offp > 2.0)
        add_line(lines, &nl, SR_NO_SWATCH, 0, "Note: target points lie up to %.1f mm off this plane (projected)", offp);

    char title[160];
    snprintf(title, sizeof title, "%s · body heights and collapse (six-point morphometry)", in->level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, plane_name(view.right_lps, view.down_lps),
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
        mid3(m, m6(t, k), m6(t, k + 3));
        sr_project(&cv, m, &x, &y);
        char lab[48];
        snprintf(lab, sizeof lab, "%s %s mm", hn[k], num(b1, 32, hv[k], 1));
        sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_TARGET, k == 1 ? (x < cx) : (x <= cx));
    }
    {
        double m[3], x, y;
        mid3(m, t->sup_ant, t->inf_ant);
        sr_project(&cv, m, &x, &y);
        sr_label(&cv, x - 60, y, in->level, SPS_RENDER_COLOUR_TARGET, 1);
    }
    for (int r = 0; r < 2; ++r)
        if (refs[r]) {
            double m[3], x, y;
            mid3(m, refs[r]->sup_ant, refs[r]->inf_ant);
            sr_project(&cv, m, &x, &y);
            char lab[48];
            snprintf(lab, sizeof lab, "%s ref", ref_names[r]);
            sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_REFERENCE, 1);
        }
    snprintf(desc, sizeof desc,
             "%s %s morphometry: six points of %s%s%s%s%s; heights Ha %.1f Hm %.1f Hp %.1f mm; %sSINS collapse %s",
             in->level, plane_name(view.right_lps, view.down_lps), in->level,
             in->above || in->below ? " and reference " : "", in->above ? ref_names[0] : "",
             in->above && in->below ? ", " : "", in->below ? ref_names[1] : "", h.ha_mm, h.hm_mm, h.hp_mm,
             coll, in->collapse && in->collapse->sins_token[0] ? in->collapse->sins_token : "not given");
    return finish(&cv, png_path, vol, opt, desc, title, result, err);
}

/* ---- lesion ---------------------------------------------------------------------------- */

static sps_status region_centre(const sps_render_region *r, double c[3], double *extent_mm,
                                const char *what, sps_error *err)
{
    switch (r->kind) {
    case SPS_RENDER_REGION_SPHERE:
        if (!finite3(r->centre_lps) || !(r->radius_mm > 0))
            return sps_error_set(err, SPS_EINVALID, what, "sphere needs a finite centre and a radius > 0");
        memcpy(c, r->centre_lps, 3 * sizeof(double));
        *extent_mm = r->radius_mm;
        return SPS_OK;
    case SPS_RENDER_REGION_POLYGON: {
        if (r->polygon.count < 3 || !r->polygon.lps)
            return sps_error_set(err, SPS_EINVALID, what, "polygon needs at least 3 points");
        double n[3];
        polygon_plane(&r->polygon, n, c);
        *extent_mm = 0;
        for (size_t i = 0; i < r->polygon.count; ++i) {
            if (!finite3(r->polygon.lps[i]))
                return sps_error_set(err, SPS_EINVALID, what, "polygon point %zu is not finite", i);
            *extent_mm = fmax(*extent_mm, dist3(r->polygon.lps[i], c));
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
        *extent_mm = 0.5 * dist3(lo, hi);
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
    if (s->n == 0)
        snprintf(buf, n, "not measured");
    else
        snprintf(buf, n, "mean %.0f%s · SD %.0f · n %zu voxels", s->mean, unit, s->sd, s->n);
}

sps_status sps_render_lesion_png(const char *png_path, const sps_volume *vol, const sps_render_lesion *in,
                                 const sps_render_options *opt, sps_render_result *result, sps_error *err)
{
    sps_status st = common_checks(png_path, vol, in, err);
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
        polygon_plane(&in->lesion.polygon, normal, dummy);
        plane_basis(right, down, normal);
    } else {
        double ax[3] = {0, 0, 1}, sg[3] = {1, 0, 0};
        int sag = in->plane == 2;
        if (in->plane == 0 && has_ref) { /* auto: axial unless the reference is off that plane */
            sps_render_view t;
            memset(&t, 0, sizeof t);
            plane_basis(t.right_lps, t.down_lps, ax);
            memcpy(t.centre_lps, lc, sizeof lc);
            if (!region_on_plane(&in->reference, &t, rc, re))
                sag = 1;
        }
        plane_basis(right, down, sag ? sg : ax);
    }
    fit f;
    fit_init(&f, right, down, lc);
    fit_add(&f, lc, le);
    sps_render_view tmp;
    memset(&tmp, 0, sizeof tmp);
    memcpy(tmp.centre_lps, lc, sizeof lc);
    memcpy(tmp.right_lps, right, sizeof right);
    memcpy(tmp.down_lps, down, sizeof down);
    int ref_visible = has_ref && region_on_plane(&in->reference, &tmp, rc, re);
    if (ref_visible)
        fit_add(&f, rc, re);
    sps_render_view view;
    fit_view(&view, &f, 22.0, 80.0, opt);
    if (has_ref)
        ref_visible = region_on_plane(&in->reference, &view, rc, re);

    const char *unit = sps_volume_units(vol) == SPS_UNITS_HU ? " HU" : "";
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    char rt[64], stt[128];
    region_text(rt, sizeof rt, &in->lesion);
    stats_text(stt, sizeof stt, &in->lesion_stats, unit);
    add_line(lines, &nl, SPS_RENDER_COLOUR_TARGET, 0, "Lesion (%s): %s", rt, stt);
    if (has_ref) {
        region_text(rt, sizeof rt, &in->reference);
        stats_text(stt, sizeof stt, &in->reference_stats, unit);
        add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Normal-bone reference (%s): %s%s", rt, stt,
                 ref_visible ? "" : " — not on this plane");
    } else {
        add_line(lines, &nl, SPS_RENDER_COLOUR_REFERENCE, 0, "Normal-bone reference: none given");
    }
    const char *cls = in->lesion_class && in->lesion_class[0] ? in->lesion_class : NULL;
    add_line(lines, &nl, SR_NO_SWATCH, 1, "Bone lesion class: %s",
             cls ? cls : "indeterminate (the reader decides)");

    char title[160];
    snprintf(title, sizeof title, "%s · bone lesion density%s", in->level, unit[0] ? " (CT HU)" : "");
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, plane_name(view.right_lps, view.down_lps), lines,
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
    char desc[600];
    snprintf(desc, sizeof desc,
             "%s bone lesion on a %s plane through it: lesion mean %.1f SD %.1f n %zu; reference mean %.1f "
             "SD %.1f n %zu%s; class %s",
             in->level, plane_name(view.right_lps, view.down_lps), in->lesion_stats.mean, in->lesion_stats.sd,
             in->lesion_stats.n, in->reference_stats.mean, in->reference_stats.sd, in->reference_stats.n,
             has_ref ? (ref_visible ? "" : " (reference off this plane)") : " (no reference)",
             cls ? cls : "indeterminate");
    return finish(&cv, png_path, vol, opt, desc, title, result, err);
}

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

static void along(double o[3], const double a[3], const double dir[3], double t)
{
    for (int i = 0; i < 3; ++i)
        o[i] = a[i] + t * dir[i];
}

sps_status sps_render_alignment_png(const char *png_path, const sps_volume *vol,
                                    const sps_render_alignment *in, const sps_render_options *opt,
                                    sps_render_result *result, sps_error *err)
{
    sps_status st = common_checks(png_path, vol, in, err);
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
        if (!finite3(pts[i]))
            return sps_error_set(err, SPS_EINVALID, "alignment.points", "landmark %d is not finite", i);
    double ap[3], si[3], c[3] = {0, 0, 0};
    sub3(ap, p->lower_post_sup, p->lower_ant_sup);
    sub3(si, p->lower_post_sup, p->lower_post_inf);
    double right[3], down[3], normal[3];
    sagittal_basis(right, down, ap, si);
    sr_cross(normal, right, down);
    plane_basis(right, down, normal);
    for (int k = 0; k < 8; ++k)
        for (int i = 0; i < 3; ++i)
            c[i] += pts[k][i] / 8.0;
    fit f;
    fit_init(&f, right, down, c);
    for (int k = 0; k < 8; ++k)
        fit_add(&f, pts[k], 0);
    sps_render_view view;
    fit_view(&view, &f, 25.0, 90.0, opt);

    const sps_alignment *a = in->result;
    char b1[32], b2[32], b3[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    add_line(lines, &nl, SPS_RENDER_COLOUR_WALL, 0,
             "Translation of %s over %s: %s mm (%s %% of the %s endplate depth), perpendicular to the %s posterior wall",
             in->upper_level, in->lower_level, num(b1, 32, a->translation_mm, 1), num(b2, 32, a->translation_pct, 0),
             in->lower_level, in->lower_level);
    add_line(lines, &nl, SPS_RENDER_COLOUR_ENDPLATE, 0,
             "Segmental angle (Cobb of the two endplate lines): %s° (negative = lordosis)%s%s%s",
             num(b1, 32, a->kyphosis_deg, 1), isfinite(a->coronal_deg) ? "; coronal " : "",
             isfinite(a->coronal_deg) ? num(b3, 32, a->coronal_deg, 1) : "", isfinite(a->coronal_deg) ? "°" : "");
    if (a->sins_token[0])
        add_line(lines, &nl, SR_NO_SWATCH, 1, "SINS alignment: %s (%s)", a->sins_token, align_gloss(a->sins_token));
    else
        add_line(lines, &nl, SR_NO_SWATCH, 1, "SINS alignment: not computable");
    if (a->needs_confirmation)
        add_line(lines, &nl, SR_NO_SWATCH, 0, "De novo deformity: the reader must confirm it is new (prior study)");

    char title[160];
    snprintf(title, sizeof title, "%s–%s · alignment: translation and segmental angle", in->upper_level,
             in->lower_level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 1, title, plane_name(view.right_lps, view.down_lps), lines, nl,
                         err);
    if (st != SPS_OK)
        return st;
    /* posterior wall of the lower vertebra, extended past the upper corner */
    double w[3], a0[3], a1[3], foot[3], d[3];
    sub3(w, p->lower_post_sup, p->lower_post_inf);
    double wl = sr_norm(w);
    sub3(d, p->upper_post_inf, p->lower_post_inf);
    double s_up = sr_dot(d, w);
    along(a0, p->lower_post_inf, w, -6.0);
    along(a1, p->lower_post_inf, w, wl);
    sr_line_lps(&cv, a0, a1, SPS_RENDER_COLOUR_WALL, 2.0, 0);
    along(a0, p->lower_post_inf, w, fmax(wl, s_up) + 18.0);
    sr_line_lps(&cv, a1, a0, SPS_RENDER_COLOUR_WALL, 1.5, 1);
    along(foot, p->lower_post_inf, w, s_up);
    sr_line_lps(&cv, p->upper_post_inf, foot, SPS_RENDER_COLOUR_WALL, 2.5, 0);
    /* endplate lines, extended by 40 % on both sides */
    const double *ep[2][2] = {{p->upper_end_post, p->upper_end_ant}, {p->lower_end_post, p->lower_end_ant}};
    for (int e = 0; e < 2; ++e) {
        double u[3];
        sub3(u, ep[e][1], ep[e][0]);
        double l = sr_norm(u);
        along(a0, ep[e][0], u, -0.4 * l);
        along(a1, ep[e][0], u, 1.4 * l);
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
    mid3(m, p->upper_post_inf, foot);
    sr_project(&cv, m, &x, &y);
    char lab[64];
    snprintf(lab, sizeof lab, "%s mm", num(b1, 32, a->translation_mm, 1));
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_WALL, 2);
    mid3(m, p->upper_end_ant, p->lower_end_ant);
    sr_project(&cv, m, &x, &y);
    snprintf(lab, sizeof lab, "%s°", num(b1, 32, a->kyphosis_deg, 1));
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_ENDPLATE, x < cx);
    for (int e = 0; e < 2; ++e) { /* level names beyond the anterior end of the extended lines */
        double u[3];
        sub3(u, ep[e][1], ep[e][0]);
        along(a0, ep[e][0], u, 1.4);
        sr_project(&cv, a0, &x, &y);
        sr_label(&cv, x, y, e == 0 ? in->upper_level : in->lower_level, 0xFFFFFF, x < cx);
    }
    char desc[600];
    snprintf(desc, sizeof desc,
             "%s-%s alignment on a %s plane: posterior-wall line of %s with the translation %.1f mm, endplate "
             "lines with the segmental angle %.1f deg; SINS alignment %s",
             in->upper_level, in->lower_level, plane_name(view.right_lps, view.down_lps), in->lower_level,
             a->translation_mm, a->kyphosis_deg, a->sins_token[0] ? a->sins_token : "not computable");
    return finish(&cv, png_path, vol, opt, desc, title, result, err);
}

/* ---- axial canal ----------------------------------------------------------------------- */

static sps_status check_polygon(const sps_render_polygon *p, const char *what, int required, sps_error *err)
{
    if (p->count == 0 && !required)
        return SPS_OK;
    if (p->count < 3 || !p->lps)
        return sps_error_set(err, SPS_EINVALID, what, "expected a closed polygon of at least 3 points");
    for (size_t i = 0; i < p->count; ++i)
        if (!finite3(p->lps[i]))
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
        return num(buf, n, NAN, 2);
    return num(buf, n, a / b, 2);
}

sps_status sps_render_canal_png(const char *png_path, const sps_volume *vol, const sps_render_canal *in,
                                const sps_render_options *opt, sps_render_result *result, sps_error *err)
{
    sps_status st = common_checks(png_path, vol, in, err);
    if (st != SPS_OK)
        return st;
    if (!in->level || !in->level[0])
        return sps_error_set(err, SPS_EINVALID, "canal.level", "expected the level");
    if ((st = check_polygon(&in->sac, "canal.sac", 1, err)) != SPS_OK ||
        (st = check_polygon(&in->cord, "canal.cord", 0, err)) != SPS_OK ||
        (st = check_polygon(&in->tumor, "canal.tumor", 0, err)) != SPS_OK)
        return st;
    double normal[3], c[3], right[3], down[3];
    polygon_plane(&in->sac, normal, c);
    plane_basis(right, down, normal);
    fit f;
    fit_init(&f, right, down, c);
    const sps_render_polygon *polys[3] = {&in->sac, &in->tumor, &in->cord};
    for (int k = 0; k < 3; ++k)
        for (size_t i = 0; i < polys[k]->count; ++i)
            fit_add(&f, polys[k]->lps[i], 0);
    sps_render_view view;
    fit_view(&view, &f, 22.0, 64.0, opt);

    const sps_escc_input *mi = in->measured;
    const sps_escc_finding *e = in->escc;
    char b1[32], b2[32], b3[32];
    sr_line lines[SR_MAX_PANEL];
    int nl = 0;
    if (mi)
        add_line(lines, &nl, SPS_RENDER_COLOUR_SAC, 0, "Thecal sac: %s mm² (normal level %s mm², ratio %s)%s",
                 num(b1, 32, mi->sac_area_mm2, 1), num(b2, 32, mi->ref_sac_area_mm2, 1),
                 ratio(b3, 32, mi->sac_area_mm2, mi->ref_sac_area_mm2),
                 e ? (e->sac_deformed ? " — deformed" : " — not deformed") : "");
    else
        add_line(lines, &nl, SPS_RENDER_COLOUR_SAC, 0, "Thecal sac outline");
    if (in->cord.count) {
        if (mi)
            add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord: %s mm² (normal level %s mm², ratio %s)%s",
                     num(b1, 32, mi->cord_area_mm2, 1), num(b2, 32, mi->ref_cord_area_mm2, 1),
                     ratio(b3, 32, mi->cord_area_mm2, mi->ref_cord_area_mm2),
                     e ? (e->cord_compressed ? " — compressed" : " — not compressed") : "");
        else
            add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord outline");
    } else {
        add_line(lines, &nl, SPS_RENDER_COLOUR_CORD, 0, "Cord: not outlined");
    }
    if (in->tumor.count || (mi && mi->epidural_tumor))
        add_line(lines, &nl, SPS_RENDER_COLOUR_TUMOR, 0, "Epidural tumour%s; tumour–cord distance %s mm%s",
                 in->tumor.count ? " outlined" : " present (not outlined)",
                 mi ? num(b1, 32, mi->tumor_cord_distance_mm, 1) : "–",
                 e ? (e->cord_contact ? " — contact" : " — no contact") : "");
    else
        add_line(lines, &nl, SPS_RENDER_COLOUR_TUMOR, 0, "Epidural tumour: none outlined");
    if (mi && isfinite(mi->csf_rim_fraction))
        add_line(lines, &nl, SR_NO_SWATCH, 0, "CSF around the cord: %.0f %% of its outline%s",
                 100.0 * mi->csf_rim_fraction, e ? (e->csf_visible ? " (CSF visible)" : " (no CSF)") : "");
    if (e)
        add_line(lines, &nl, SR_NO_SWATCH, 1, "ESCC (Bilsky) grade %s — suggested by the measurement; the reader's grade wins",
                 e->grade);
    else
        add_line(lines, &nl, SR_NO_SWATCH, 1, "ESCC grade: not graded");

    char title[160];
    snprintf(title, sizeof title, "%s · spinal canal: epidural cord compression (ESCC)", in->level);
    sr_canvas cv;
    st = sr_canvas_begin(&cv, vol, &view, opt, 0, title, plane_name(view.right_lps, view.down_lps), lines, nl,
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
    snprintf(lab, sizeof lab, "sac%s%s", mi ? " " : "", mi ? num(b1, 32, mi->sac_area_mm2, 1) : "");
    if (mi)
        strncat(lab, " mm²", sizeof lab - strlen(lab) - 1);
    sr_label(&cv, x, y, lab, SPS_RENDER_COLOUR_SAC, 0);
    if (in->cord.count) {
        double l[3] = {-view.right_lps[0], -view.right_lps[1], -view.right_lps[2]};
        sr_project(&cv, extreme(&in->cord, l), &x, &y);
        snprintf(lab, sizeof lab, "cord%s%s", mi ? " " : "", mi ? num(b1, 32, mi->cord_area_mm2, 1) : "");
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
             in->level, plane_name(view.right_lps, view.down_lps), in->cord.count ? ", cord" : "",
             in->tumor.count ? ", epidural tumour" : "", mi ? mi->sac_area_mm2 : NAN, mi ? mi->cord_area_mm2 : NAN,
             e ? e->grade : "not graded");
    return finish(&cv, png_path, vol, opt, desc, title, result, err);
}
