/* snap_geometry.c — plane fitting and the helpers shared by the image snapshots (snap_internal.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "snap_internal.h"

#define DEFAULT_SIZE 512

const char *sn_num(char *buf, size_t n, double v, int prec)
{
    if (!isfinite(v))
        snprintf(buf, n, "–");
    else if (fabs(v) < 0.5 * pow(10.0, -prec))
        snprintf(buf, n, "%.*f", prec, 0.0); /* no "-0.0" */
    else
        snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

int sn_finite3(const double p[3])
{
    return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]);
}

void sn_sub3(double o[3], const double a[3], const double b[3])
{
    for (int i = 0; i < 3; ++i)
        o[i] = a[i] - b[i];
}

/* right = ap (normalised), down = -(si orthogonalised against ap): anterior left, superior up
 * when ap points posterior and si superior. Falls back to the patient sagittal plane. */
void sn_sagittal_basis(double right[3], double down[3], const double ap[3], const double si[3])
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
void sn_plane_basis(double right[3], double down[3], const double normal[3])
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

const char *sn_plane_name(const double right[3], const double down[3])
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
void sn_polygon_plane(const sps_render_polygon *p, double normal[3], double centroid[3])
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



void sn_fit_init(sn_fit *f, const double right[3], const double down[3], const double ref[3])
{
    memset(f, 0, sizeof *f);
    memcpy(f->right, right, sizeof f->right);
    memcpy(f->down, down, sizeof f->down);
    memcpy(f->ref, ref, sizeof f->ref);
}

void sn_fit_add(sn_fit *f, const double p[3], double pad_mm)
{
    double d[3];
    sn_sub3(d, p, f->ref);
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

void sn_fit_view(sps_render_view *view, const sn_fit *f, double margin_mm, double min_fov_mm,
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

sps_status sn_common_checks(const char *path, const sps_volume *vol, const void *in, sps_error *err)
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

sps_status sn_finish(sr_canvas *cv, const char *path, const sps_volume *vol,
                         const sps_render_options *opt, const char *desc, const char *title,
                         sps_render_result *result, sps_error *err)
{
    const sps_render_view *v = &cv->view;
    char view[512];
    snprintf(view, sizeof view,
             "origin_px %d %d; size_px %d %d; pixel_mm %.6g; centre_lps %.4f %.4f %.4f; right_lps %.6f %.6f %.6f; "
             "down_lps %.6f %.6f %.6f",
             cv->ix, cv->iy, v->width, v->height, v->pixel_mm, v->centre_lps[0], v->centre_lps[1], v->centre_lps[2],
             v->right_lps[0], v->right_lps[1], v->right_lps[2], v->down_lps[0], v->down_lps[1], v->down_lps[2]);
    sps_status st = sr_write_png(cv->surf, path, series_uid_of(vol, opt), desc, title, view, err);
    if (st == SPS_OK && result)
        *result = cv->res;
    sr_canvas_free(cv);
    return st;
}

void sn_add_line(sr_line *lines, int *n, uint32_t swatch, int bold, const char *fmt, ...)
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

double sn_dist3(const double a[3], const double b[3])
{
    double d[3];
    sn_sub3(d, a, b);
    return sqrt(sr_dot(d, d));
}

void sn_mid3(double o[3], const double a[3], const double b[3])
{
    for (int i = 0; i < 3; ++i)
        o[i] = 0.5 * (a[i] + b[i]);
}

void sn_along(double o[3], const double a[3], const double dir[3], double t)
{
    for (int i = 0; i < 3; ++i)
        o[i] = a[i] + t * dir[i];
}
