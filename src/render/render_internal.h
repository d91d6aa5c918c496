/* render_internal.h — the drawing canvas shared by the snapshot kinds (cairo surface, layout of
 * title band / image area / text panel, label placement) and the PNG writer. Module-internal. */
#ifndef SPS_RENDER_INTERNAL_H
#define SPS_RENDER_INTERNAL_H

#include <stdint.h>
#include <cairo.h>

#include "spinescore/render.h"

#define SR_FONT "DejaVu Sans"
#define SR_PI 3.14159265358979323846
#define SR_TITLE_PX 17.0
#define SR_SUBTITLE_PX 13.0
#define SR_PANEL_PX 14.0
#define SR_LABEL_PX 14.0
#define SR_LETTER_PX 18.0
#define SR_LINE_H 20
#define SR_PAD 10
#define SR_TITLE_H 52
#define SR_MAX_PLACED 96
#define SR_MAX_PANEL 40

typedef struct sr_rect {
    double x0, y0, x1, y1;
} sr_rect;

/** One line of the text panel: optional colour swatch, then text (UTF-8). */
typedef struct sr_line {
    uint32_t swatch; /**< 0xRRGGBB, or SR_NO_SWATCH */
    int bold;
    char text[320];
} sr_line;
#define SR_NO_SWATCH 0xFFFFFFFFu

typedef struct sr_canvas {
    cairo_surface_t *surf;
    cairo_t *cr;
    int w, h;   /**< PNG size */
    int ix, iy; /**< image area top-left */
    sps_render_view view;
    sr_rect placed[SR_MAX_PLACED];
    int nplaced;
    sps_render_result res;
} sr_canvas;

/** Vector helpers. */
double sr_dot(const double a[3], const double b[3]);
void sr_cross(double out[3], const double a[3], const double b[3]);
double sr_norm(double v[3]); /* normalises in place; returns the old length */

/** LPS -> PNG coordinates (continuous; pixel (x, y) covers [x, x+1)). */
void sr_project(const sr_canvas *cv, const double lps[3], double *x, double *y);
/** Signed distance of a point from the view plane (mm). */
double sr_plane_distance(const sps_render_view *v, const double lps[3]);

/**
 * Create the canvas: reslice the plane, map it through the window, lay out title + image +
 * wrapped panel lines, draw title, image, scale bar and orientation letters. @p bone_finding
 * selects the AUTO window (CT bone vs soft tissue).
 */
sps_status sr_canvas_begin(sr_canvas *cv, const sps_volume *vol, const sps_render_view *view,
                           const sps_render_options *opt, int bone_finding, const char *title,
                           const char *plane_name, const sr_line *panel, int npanel,
                           sps_error *err);
void sr_canvas_free(sr_canvas *cv);

/** Drawing on the image area (clipped to it). */
void sr_set_rgb(cairo_t *cr, uint32_t rgb);
void sr_line_lps(sr_canvas *cv, const double a[3], const double b[3], uint32_t rgb, double width,
                 int dashed);
void sr_marker(sr_canvas *cv, const double lps[3], uint32_t rgb);
void sr_polygon_lps(sr_canvas *cv, const double (*pts)[3], size_t n, uint32_t rgb, double width);
void sr_circle_lps(sr_canvas *cv, const double centre[3], double radius_mm, uint32_t rgb,
                   double width);
/** Reserve a rectangle so labels avoid it. */
void sr_reserve(sr_canvas *cv, double x0, double y0, double x1, double y1);
/** Place a label near (ax, ay) (PNG coordinates) where it overlaps nothing placed so far;
 *  prefer_left: 0 right of the anchor first, 1 left first, 2 above/below first. */
void sr_label(sr_canvas *cv, double ax, double ay, const char *text, uint32_t rgb, int prefer_left);

/** Text helpers for the card. */
double sr_text_width(cairo_t *cr, const char *text);
/** Greedy word wrap of @p text to @p max_w; calls back per line (may be NULL to only count). */
int sr_wrap(cairo_t *cr, const char *text, double max_w, void (*emit)(void *, const char *), void *ctx);

/** Encode the canvas surface as PNG with tEXt chunks and write it atomically. @p view: the "View"
 *  tEXt (how LPS maps to PNG pixels, docs/snapshots.md), NULL or "" for pictures without a plane. */
sps_status sr_write_png(cairo_surface_t *surf, const char *path, const char *series_uid,
                        const char *description, const char *title, const char *view, sps_error *err);

/** Orientation letters of a direction (public as sps_render_orientation_letters). */
void sr_letters(char out[4], const double d[3]);

#endif
