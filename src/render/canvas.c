/* canvas.c — layout (title band, image area, text panel), windowing of the resliced plane,
 * overlays and labels with cairo, scale bar, orientation letters, and the PNG writer (libpng,
 * tEXt chunks, written atomically). */
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "spinescore/seg.h"
#include "util_internal.h"

double sr_dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void sr_cross(double out[3], const double a[3], const double b[3])
{
    double r[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    memcpy(out, r, sizeof r);
}

double sr_norm(double v[3])
{
    double n = sqrt(sr_dot(v, v));
    if (n > 0)
        for (int i = 0; i < 3; ++i)
            v[i] /= n;
    return n;
}

void sr_project(const sr_canvas *cv, const double lps[3], double *x, double *y)
{
    const sps_render_view *v = &cv->view;
    double d[3] = {lps[0] - v->centre_lps[0], lps[1] - v->centre_lps[1], lps[2] - v->centre_lps[2]};
    *x = cv->ix + sr_dot(d, v->right_lps) / v->pixel_mm + 0.5 * v->width;
    *y = cv->iy + sr_dot(d, v->down_lps) / v->pixel_mm + 0.5 * v->height;
}

double sr_plane_distance(const sps_render_view *v, const double lps[3])
{
    double n[3];
    sr_cross(n, v->right_lps, v->down_lps);
    double d[3] = {lps[0] - v->centre_lps[0], lps[1] - v->centre_lps[1], lps[2] - v->centre_lps[2]};
    return sr_dot(d, n);
}

void sr_letters(char out[4], const double d[3])
{
    static const char pos[3] = {'L', 'P', 'S'}, neg[3] = {'R', 'A', 'I'};
    int order[3] = {0, 1, 2};
    for (int i = 0; i < 3; ++i)
        for (int j = i + 1; j < 3; ++j)
            if (fabs(d[order[j]]) > fabs(d[order[i]])) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    int n = 0;
    for (int i = 0; i < 3 && n < 2; ++i) {
        int a = order[i];
        if (i > 0 && fabs(d[a]) <= 0.25)
            break;
        out[n++] = d[a] >= 0 ? pos[a] : neg[a];
    }
    out[n] = '\0';
}

void sps_render_orientation_letters(char out[4], const double dir_lps[3])
{
    sr_letters(out, dir_lps);
}

void sps_render_release_caches(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

/* ---- windowing ------------------------------------------------------------------------- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static sps_status choose_window(double *centre, double *width, const float *px, size_t n,
                                const sps_volume *vol, const sps_render_window *win, int bone,
                                sps_error *err)
{
    sps_render_window_kind k = win ? win->kind : SPS_RENDER_WINDOW_AUTO;
    if (k == SPS_RENDER_WINDOW_AUTO) {
        if (sps_volume_units(vol) == SPS_UNITS_HU)
            k = bone ? SPS_RENDER_WINDOW_CT_BONE : SPS_RENDER_WINDOW_CT_SOFT;
        else
            k = SPS_RENDER_WINDOW_PERCENTILE;
    }
    switch (k) {
    case SPS_RENDER_WINDOW_CT_BONE:
        *centre = SPS_RENDER_CT_BONE_CENTRE;
        *width = SPS_RENDER_CT_BONE_WIDTH;
        return SPS_OK;
    case SPS_RENDER_WINDOW_CT_SOFT:
        *centre = SPS_RENDER_CT_SOFT_CENTRE;
        *width = SPS_RENDER_CT_SOFT_WIDTH;
        return SPS_OK;
    case SPS_RENDER_WINDOW_EXPLICIT:
        if (!(win->width > 0) || !isfinite(win->centre) || !isfinite(win->width))
            return sps_error_set(err, SPS_EINVALID, "options.window",
                                 "explicit window needs a finite centre and a width > 0 (got %g / %g)",
                                 win->centre, win->width);
        *centre = win->centre;
        *width = win->width;
        return SPS_OK;
    case SPS_RENDER_WINDOW_PERCENTILE: {
        float *tmp = malloc((n ? n : 1) * sizeof *tmp);
        if (!tmp)
            return sps_error_set(err, SPS_ENOMEM, "render", "out of memory");
        size_t m = 0;
        for (size_t i = 0; i < n; ++i)
            if (isfinite(px[i]))
                tmp[m++] = px[i];
        if (m == 0) {
            free(tmp);
            *centre = 0.0;
            *width = 1.0;
            return SPS_OK;
        }
        qsort(tmp, m, sizeof *tmp, cmp_float);
        double lo = tmp[(size_t)(SPS_RENDER_PCT_LOW / 100.0 * (double)(m - 1) + 0.5)];
        double hi = tmp[(size_t)(SPS_RENDER_PCT_HIGH / 100.0 * (double)(m - 1) + 0.5)];
        free(tmp);
        if (!(hi > lo))
            hi = lo + 1.0;
        *centre = 0.5 * (lo + hi);
        *width = hi - lo;
        return SPS_OK;
    }
    default:
        return sps_error_set(err, SPS_EINVALID, "options.window.kind", "unknown window kind %d", (int)k);
    }
}

/* ---- text ------------------------------------------------------------------------------ */

static void font(cairo_t *cr, double px, int bold)
{
    cairo_select_font_face(cr, SR_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
}

double sr_text_width(cairo_t *cr, const char *text)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, text, &te);
    return te.x_advance;
}

int sr_wrap(cairo_t *cr, const char *text, double max_w, void (*emit)(void *, const char *), void *ctx)
{
    char line[512], trial[512];
    int count = 0;
    line[0] = '\0';
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            ++p;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ')
            ++e;
        size_t wl = (size_t)(e - p);
        if (wl > 300)
            wl = 300;
        /* a trial longer than the buffer is cut; it is wider than any panel and wraps anyway */
        int tw = line[0] ? snprintf(trial, sizeof trial, "%s %.*s", line, (int)wl, p)
                         : snprintf(trial, sizeof trial, "%.*s", (int)wl, p);
        if (tw < 0)
            trial[0] = '\0';
        if (line[0] && sr_text_width(cr, trial) > max_w) {
            if (emit)
                emit(ctx, line);
            ++count;
            snprintf(line, sizeof line, "%.*s", (int)wl, p);
        } else {
            memcpy(line, trial, strlen(trial) + 1);
        }
        p = e;
    }
    if (line[0] || count == 0) {
        if (emit)
            emit(ctx, line);
        ++count;
    }
    return count;
}

void sr_set_rgb(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                         (rgb & 0xFF) / 255.0);
}

/* Text with a dark halo, baseline-left at (x, y). */
static void halo_text(cairo_t *cr, double x, double y, const char *text, uint32_t rgb)
{
    cairo_move_to(cr, x, y);
    cairo_text_path(cr, text);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 3.5);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke_preserve(cr);
    sr_set_rgb(cr, rgb);
    cairo_fill(cr);
}

/* ---- layout ---------------------------------------------------------------------------- */

typedef struct wrapped {
    sr_line *out;
    int n, cap;
    const sr_line *src;
    int first;
} wrapped;

static void wrap_emit(void *ctx, const char *text)
{
    wrapped *w = ctx;
    if (w->n >= w->cap)
        return;
    sr_line *l = &w->out[w->n++];
    l->swatch = w->first ? w->src->swatch : SR_NO_SWATCH;
    l->bold = w->src->bold;
    snprintf(l->text, sizeof l->text, "%s%s", w->first ? "" : "    ", text);
    w->first = 0;
}

void sr_reserve(sr_canvas *cv, double x0, double y0, double x1, double y1)
{
    if (cv->nplaced < SR_MAX_PLACED) {
        sr_rect r = {x0, y0, x1, y1};
        cv->placed[cv->nplaced++] = r;
    }
}

static int overlaps(const sr_canvas *cv, sr_rect r)
{
    if (r.x0 < cv->ix + 2 || r.y0 < cv->iy + 2 || r.x1 > cv->ix + cv->view.width - 2 ||
        r.y1 > cv->iy + cv->view.height - 2)
        return 1;
    for (int i = 0; i < cv->nplaced; ++i) {
        const sr_rect *p = &cv->placed[i];
        if (r.x0 < p->x1 && r.x1 > p->x0 && r.y0 < p->y1 && r.y1 > p->y0)
            return 1;
    }
    return 0;
}

void sr_label(sr_canvas *cv, double ax, double ay, const char *text, uint32_t rgb, int prefer_left)
{
    cairo_t *cr = cv->cr;
    font(cr, SR_LABEL_PX, 1);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double tw = sr_text_width(cr, text), th = fe.ascent + fe.descent;
    /* candidate boxes (top-left) around the anchor, nearest first */
    double best_x = ax + 8, best_y = ay - th / 2;
    int found = 0, ring_used = 0;
    for (int ring = 1; ring <= 8 && !found; ++ring) {
        double d = 6.0 + (ring - 1) * 10.0;
        double cand[8][2] = {
            {ax + d, ay - th / 2},          {ax - d - tw, ay - th / 2},
            {ax + d, ay - d - th},          {ax - d - tw, ay - d - th},
            {ax + d, ay + d},               {ax - d - tw, ay + d},
            {ax - tw / 2, ay - d - th},     {ax - tw / 2, ay + d},
        };
        static const int above_first[8] = {6, 7, 0, 1, 2, 3, 4, 5};
        for (int c = 0; c < 8; ++c) {
            int ci = c;
            if (prefer_left == 2)
                ci = above_first[c];
            else if (prefer_left && c < 6)
                ci = c ^ 1; /* swap right/left preference */
            sr_rect r = {cand[ci][0] - 2, cand[ci][1] - 2, cand[ci][0] + tw + 2, cand[ci][1] + th + 2};
            if (!overlaps(cv, r)) {
                best_x = cand[ci][0];
                best_y = cand[ci][1];
                found = 1;
                ring_used = ring;
                break;
            }
        }
    }
    if (found && ring_used > 2) { /* far from its anchor: a leader line */
        double lx = best_x < ax ? best_x + tw : best_x, ly = best_y + th / 2;
        cairo_set_source_rgba(cr, 0, 0, 0, 0.8);
        cairo_set_line_width(cr, 3);
        cairo_move_to(cr, ax, ay);
        cairo_line_to(cr, lx, ly);
        cairo_stroke(cr);
        sr_set_rgb(cr, rgb);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, ax, ay);
        cairo_line_to(cr, lx, ly);
        cairo_stroke(cr);
    }
    sr_reserve(cv, best_x - 2, best_y - 2, best_x + tw + 2, best_y + th + 2);
    halo_text(cr, best_x, best_y + fe.ascent, text, rgb);
}

/* ---- overlays -------------------------------------------------------------------------- */

void sr_line_lps(sr_canvas *cv, const double a[3], const double b[3], uint32_t rgb, double width,
                 int dashed)
{
    double x0, y0, x1, y1;
    sr_project(cv, a, &x0, &y0);
    sr_project(cv, b, &x1, &y1);
    cairo_t *cr = cv->cr;
    double dash[2] = {8, 5};
    cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.7);
    cairo_set_line_width(cr, width + 2);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    sr_set_rgb(cr, rgb);
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    cairo_set_dash(cr, dash, 0, 0);
}

void sr_marker(sr_canvas *cv, const double lps[3], uint32_t rgb)
{
    double x, y;
    sr_project(cv, lps, &x, &y);
    cairo_t *cr = cv->cr;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, 4.5, 0, 2 * SR_PI);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, 3.2, 0, 2 * SR_PI);
    sr_set_rgb(cr, rgb);
    cairo_fill(cr);
    sr_reserve(cv, x - 5, y - 5, x + 5, y + 5);
}

void sr_polygon_lps(sr_canvas *cv, const double (*pts)[3], size_t n, uint32_t rgb, double width)
{
    if (n < 2)
        return;
    cairo_t *cr = cv->cr;
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < n; ++i) {
            double x, y;
            sr_project(cv, pts[i], &x, &y);
            if (i == 0)
                cairo_move_to(cr, x, y);
            else
                cairo_line_to(cr, x, y);
        }
        cairo_close_path(cr);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        if (pass == 0) {
            cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
            cairo_set_line_width(cr, width + 2);
        } else {
            sr_set_rgb(cr, rgb);
            cairo_set_line_width(cr, width);
        }
        cairo_stroke(cr);
    }
}

void sr_circle_lps(sr_canvas *cv, const double centre[3], double radius_mm, uint32_t rgb,
                   double width)
{
    double x, y;
    sr_project(cv, centre, &x, &y);
    double r = radius_mm / cv->view.pixel_mm;
    cairo_t *cr = cv->cr;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * SR_PI);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
    cairo_set_line_width(cr, width + 2);
    cairo_stroke(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * SR_PI);
    sr_set_rgb(cr, rgb);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
}

/* ---- canvas ---------------------------------------------------------------------------- */

static sps_status check_view(const sps_render_view *v, sps_error *err)
{
    if (v->width < 16 || v->width > 4096 || v->height < 16 || v->height > 4096)
        return sps_error_set(err, SPS_EINVALID, "view.width/height", "expected 16..4096 pixels, got %d x %d",
                             v->width, v->height);
    if (!(v->pixel_mm > 0) || !isfinite(v->pixel_mm))
        return sps_error_set(err, SPS_EINVALID, "view.pixel_mm", "expected > 0 mm, got %g", v->pixel_mm);
    if (fabs(sr_dot(v->right_lps, v->right_lps) - 1) > 1e-3 ||
        fabs(sr_dot(v->down_lps, v->down_lps) - 1) > 1e-3 || fabs(sr_dot(v->right_lps, v->down_lps)) > 1e-3)
        return sps_error_set(err, SPS_EINVALID, "view.right_lps/down_lps",
                             "expected orthogonal unit vectors");
    for (int i = 0; i < 3; ++i)
        if (!isfinite(v->centre_lps[i]))
            return sps_error_set(err, SPS_EINVALID, "view.centre_lps", "non-finite coordinate");
    return SPS_OK;
}

static void draw_scale_bar(sr_canvas *cv)
{
    static const double nice[] = {1, 2, 5, 10, 20, 25, 50, 100, 200, 500};
    double fov = cv->view.width * cv->view.pixel_mm, len = 0;
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; ++i)
        if (nice[i] <= 0.25 * fov)
            len = nice[i];
    if (len <= 0)
        return;
    double px = len / cv->view.pixel_mm;
    int x0 = cv->ix + 16, y = cv->iy + cv->view.height - 18;
    cairo_t *cr = cv->cr;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, x0 - 2, y - 3, px + 4, 7);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x0, y - 1, px, 3);
    cairo_fill(cr);
    char label[32];
    snprintf(label, sizeof label, "%g mm", len);
    font(cr, SR_LABEL_PX, 1);
    halo_text(cr, x0, y - 8, label, 0xFFFFFF);
    sr_reserve(cv, x0 - 4, y - 26, x0 + fmax(px, sr_text_width(cr, label)) + 4, y + 6);
    cv->res.scale_bar_mm = len;
    cv->res.scale_bar_px = px;
    cv->res.scale_bar_x = x0;
    cv->res.scale_bar_y = y;
}

static void draw_letters(sr_canvas *cv)
{
    const sps_render_view *v = &cv->view;
    double left[3], up[3];
    for (int i = 0; i < 3; ++i) {
        left[i] = -v->right_lps[i];
        up[i] = -v->down_lps[i];
    }
    sr_letters(cv->res.orientation[0], left);
    sr_letters(cv->res.orientation[1], v->right_lps);
    sr_letters(cv->res.orientation[2], up);
    sr_letters(cv->res.orientation[3], v->down_lps);
    cairo_t *cr = cv->cr;
    font(cr, SR_LETTER_PX, 1);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double cx = cv->ix + v->width / 2.0, cy = cv->iy + v->height / 2.0;
    for (int e = 0; e < 4; ++e) {
        const char *t = cv->res.orientation[e];
        double tw = sr_text_width(cr, t), x, y; /* y = baseline */
        switch (e) {
        case 0: x = cv->ix + 6; y = cy + fe.ascent / 2; break;
        case 1: x = cv->ix + v->width - 6 - tw; y = cy + fe.ascent / 2; break;
        case 2: x = cx - tw / 2; y = cv->iy + 6 + fe.ascent; break;
        default: x = cx - tw / 2; y = cv->iy + v->height - 8; break;
        }
        halo_text(cr, x, y, t, 0xFFFFFF);
        sr_reserve(cv, x - 3, y - fe.ascent - 3, x + tw + 3, y + 4);
    }
}

sps_status sr_canvas_begin(sr_canvas *cv, const sps_volume *vol, const sps_render_view *view,
                           const sps_render_options *opt, int bone_finding, const char *title,
                           const char *plane_name, const sr_line *panel, int npanel,
                           sps_error *err)
{
    memset(cv, 0, sizeof *cv);
    sps_status st = check_view(view, err);
    if (st != SPS_OK)
        return st;
    cv->view = *view;
    size_t n = (size_t)view->width * (size_t)view->height;
    float *px = malloc(n * sizeof *px);
    if (!px)
        return sps_error_set(err, SPS_ENOMEM, "render", "out of memory (%zu pixels)", n);
    st = sps_seg_reslice_plane(px, vol, view->centre_lps, view->right_lps, view->down_lps,
                               view->pixel_mm, (size_t)view->width, (size_t)view->height, err);
    double wc = 0, ww = 1;
    if (st == SPS_OK)
        st = choose_window(&wc, &ww, px, n, vol, opt ? &opt->window : NULL, bone_finding, err);
    if (st != SPS_OK) {
        free(px);
        return st;
    }

    /* wrap the panel with a scratch context to know the height */
    sr_line *lines = calloc(SR_MAX_PANEL, sizeof *lines);
    if (!lines) {
        free(px);
        return sps_error_set(err, SPS_ENOMEM, "render", "out of memory");
    }
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
    cairo_t *scr = cairo_create(scratch);
    int nl = 0;
    for (int i = 0; i < npanel; ++i) {
        font(scr, SR_PANEL_PX, panel[i].bold);
        wrapped w = {lines, nl, SR_MAX_PANEL, &panel[i], 1};
        sr_wrap(scr, panel[i].text, view->width - 2 * SR_PAD - 24, wrap_emit, &w);
        nl = w.n;
    }
    cairo_destroy(scr);
    cairo_surface_destroy(scratch);

    cv->w = view->width;
    cv->ix = 0;
    cv->iy = SR_TITLE_H;
    cv->h = SR_TITLE_H + view->height + (nl ? 2 * SR_PAD + nl * SR_LINE_H : 0);
    cv->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cv->w, cv->h);
    if (cairo_surface_status(cv->surf) != CAIRO_STATUS_SUCCESS) {
        free(px);
        free(lines);
        cairo_surface_destroy(cv->surf);
        cv->surf = NULL;
        return sps_error_set(err, SPS_ENOMEM, "render", "cairo cannot create a %dx%d surface", cv->w, cv->h);
    }
    /* background, then the image pixels straight into the surface */
    cairo_t *cr = cairo_create(cv->surf);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.09);
    cairo_paint(cr);
    cairo_surface_flush(cv->surf);
    unsigned char *data = cairo_image_surface_get_data(cv->surf);
    int stride = cairo_image_surface_get_stride(cv->surf);
    double lo = wc - ww / 2;
    for (int r = 0; r < view->height; ++r) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)(cv->iy + r) * (size_t)stride) + cv->ix;
        for (int c = 0; c < view->width; ++c) {
            float v = px[(size_t)r * (size_t)view->width + (size_t)c];
            uint32_t g;
            if (!isfinite(v)) {
                row[c] = 0xFF000000u | (0x18u << 16) | (0x10u << 8) | 0x28u; /* outside: dark violet */
                continue;
            }
            double t = (v - lo) / ww;
            g = t <= 0 ? 0u : t >= 1 ? 255u : (uint32_t)(t * 255.0 + 0.5);
            row[c] = 0xFF000000u | (g << 16) | (g << 8) | g;
        }
    }
    free(px);
    cairo_surface_mark_dirty(cv->surf);
    cv->cr = cr;
    cv->res.view = *view;
    cv->res.image_x = cv->ix;
    cv->res.image_y = cv->iy;
    cv->res.png_width = cv->w;
    cv->res.png_height = cv->h;
    cv->res.window_centre = wc;
    cv->res.window_width = ww;

    /* title band */
    double tpx = SR_TITLE_PX; /* shrink a long title to fit the width (not below 12 px) */
    font(cr, tpx, 1);
    while (tpx > 12.0 && sr_text_width(cr, title) > cv->w - 2 * SR_PAD) {
        tpx -= 0.5;
        font(cr, tpx, 1);
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, SR_PAD, 22);
    cairo_show_text(cr, title);
    char sub[400];
    const char *mod = sps_volume_modality(vol);
    const char *desc = opt && opt->series_description ? opt->series_description : "";
    snprintf(sub, sizeof sub, "%s%s%s · %s · window L %.0f / W %.0f%s", desc, desc[0] ? " · " : "",
             mod[0] ? mod : "modality unknown", plane_name, wc, ww,
             sps_volume_units(vol) == SPS_UNITS_HU ? " HU" : "");
    double spx = SR_SUBTITLE_PX;
    font(cr, spx, 0);
    while (spx > 10.0 && sr_text_width(cr, sub) > cv->w - 2 * SR_PAD) {
        spx -= 0.5;
        font(cr, spx, 0);
    }
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_move_to(cr, SR_PAD, 43);
    cairo_show_text(cr, sub);

    /* panel */
    for (int i = 0; i < nl; ++i) {
        double y = cv->iy + view->height + SR_PAD + (i + 1) * SR_LINE_H - 5;
        double x = SR_PAD;
        if (lines[i].swatch != SR_NO_SWATCH) {
            sr_set_rgb(cr, lines[i].swatch);
            cairo_rectangle(cr, x, y - 11, 12, 12);
            cairo_fill(cr);
        }
        font(cr, SR_PANEL_PX, lines[i].bold);
        cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
        cairo_move_to(cr, x + 20, y);
        cairo_show_text(cr, lines[i].text);
    }
    free(lines);

    /* image area decorations; overlays are clipped to the image area */
    cairo_rectangle(cr, cv->ix, cv->iy, view->width, view->height);
    cairo_clip(cr);
    draw_scale_bar(cv);
    draw_letters(cv);
    return SPS_OK;
}

void sr_canvas_free(sr_canvas *cv)
{
    if (cv->cr)
        cairo_destroy(cv->cr);
    if (cv->surf)
        cairo_surface_destroy(cv->surf);
    cv->cr = NULL;
    cv->surf = NULL;
}

/* ---- PNG ------------------------------------------------------------------------------- */

typedef struct png_buf {
    unsigned char *data;
    size_t len, cap;
    int failed;
} png_buf;

static void png_buf_write(png_structp png, png_bytep bytes, png_size_t n)
{
    png_buf *b = png_get_io_ptr(png);
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void png_buf_flush(png_structp png)
{
    (void)png;
}

/* tEXt is Latin-1: keep printable ASCII, replace anything else by '?'. */
static void ascii_copy(char *dst, size_t n, const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src && src[i] && j + 1 < n; ++i) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x80) {
            while ((unsigned char)src[i + 1] >= 0x80 && (((unsigned char)src[i + 1]) & 0xC0) == 0x80)
                ++i;
            dst[j++] = '?';
        } else if (c >= 0x20 || c == '\n') {
            dst[j++] = (char)c;
        }
    }
    dst[j] = '\0';
}

sps_status sr_write_png(cairo_surface_t *surf, const char *path, const char *series_uid,
                        const char *description, const char *title, const char *view, sps_error *err)
{
    cairo_surface_flush(surf);
    int w = cairo_image_surface_get_width(surf), h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf);
    const unsigned char *data = cairo_image_surface_get_data(surf);
    int opaque = 1;
    for (int y = 0; y < h && opaque; ++y) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; ++x)
            if ((row[x] >> 24) != 0xFF) {
                opaque = 0;
                break;
            }
    }
    int ch = opaque ? 3 : 4;
    unsigned char *rgb = malloc((size_t)w * (size_t)h * (size_t)ch);
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    if (!rgb || !rows) {
        free(rgb);
        free(rows);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    }
    for (int y = 0; y < h; ++y) {
        const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        unsigned char *dst = rgb + (size_t)y * (size_t)w * (size_t)ch;
        rows[y] = dst;
        for (int x = 0; x < w; ++x) {
            uint32_t p = src[x]; /* native-endian ARGB32, colour premultiplied by alpha */
            unsigned a = p >> 24, r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF;
            if (a != 0xFF) {
                if (a == 0) {
                    r = g = b = 0;
                } else {
                    r = (r * 255 + a / 2) / a;
                    g = (g * 255 + a / 2) / a;
                    b = (b * 255 + a / 2) / a;
                }
            }
            dst[0] = (unsigned char)r;
            dst[1] = (unsigned char)g;
            dst[2] = (unsigned char)b;
            if (ch == 4)
                dst[3] = (unsigned char)a;
            dst += ch;
        }
    }

    png_buf buf = {NULL, 0, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        free(rgb);
        free(rows);
        return sps_error_set(err, SPS_ENOMEM, path, "libpng: cannot create the write structures");
    }
    char sw[64], uid[128], desc[1024], ttl[512];
    snprintf(sw, sizeof sw, "spinescore %s", sps_version());
    ascii_copy(uid, sizeof uid, series_uid ? series_uid : "");
    ascii_copy(desc, sizeof desc, description);
    ascii_copy(ttl, sizeof ttl, title);
    char vw[512];
    ascii_copy(vw, sizeof vw, view);
    png_text text[5];
    memset(text, 0, sizeof text);
    char k_sw[] = "Software", k_uid[] = "SeriesInstanceUID", k_desc[] = "Description", k_title[] = "Title",
         k_view[] = "View";
    text[0].key = k_sw;
    text[0].text = sw;
    text[1].key = k_uid;
    text[1].text = uid;
    text[2].key = k_desc;
    text[2].text = desc;
    text[3].key = k_title;
    text[3].text = ttl;
    text[4].key = k_view;
    text[4].text = vw;
    int ntext = view && view[0] ? 5 : 4;
    for (int i = 0; i < ntext; ++i)
        text[i].compression = PNG_TEXT_COMPRESSION_NONE;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rgb);
        free(rows);
        free(buf.data);
        return sps_error_set(err, SPS_EINTERNAL, path, "libpng failed while encoding");
    }
    png_set_write_fn(png, &buf, png_buf_write, png_buf_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 ch == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_text(png, info, text, ntext);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rgb);
    free(rows);
    if (buf.failed) {
        free(buf.data);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory while encoding the PNG");
    }
    sps_status st = sps_write_file_atomic(path, buf.data, buf.len, err);
    free(buf.data);
    return st;
}
