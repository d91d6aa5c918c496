/* snap_internal.h — plane fitting, small vector helpers and the panel/PNG plumbing shared by the
 * four image snapshots (snap_morphometry.c, snap_lesion.c, snap_alignment.c, snap_canal.c).
 * Module-internal. */
#ifndef SPS_SNAP_INTERNAL_H
#define SPS_SNAP_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "render_internal.h"
#include "util_internal.h"

/** Bounding box of points in a plane basis (u along right, v along down, relative to ref). */
typedef struct sn_fit {
    double right[3], down[3], ref[3];
    double umin, umax, vmin, vmax;
    int n;
} sn_fit;

/** "%.*f" of v, "–" when not finite, never "-0". */
const char *sn_num(char *buf, size_t n, double v, int prec);
int sn_finite3(const double p[3]);
void sn_sub3(double o[3], const double a[3], const double b[3]);
double sn_dist3(const double a[3], const double b[3]);
void sn_mid3(double o[3], const double a[3], const double b[3]);
/** o = a + t * dir */
void sn_along(double o[3], const double a[3], const double dir[3], double t);

/** right = ap, down = -(si orthogonalised): anterior left, superior up. */
void sn_sagittal_basis(double right[3], double down[3], const double ap[3], const double si[3]);
/** Basis of the plane with @p normal in the display convention of its nearest patient plane. */
void sn_plane_basis(double right[3], double down[3], const double normal[3]);
/** "axial", "oblique sagittal", ... */
const char *sn_plane_name(const double right[3], const double down[3]);
/** Newell normal and vertex centroid of a polygon. */
void sn_polygon_plane(const sps_render_polygon *p, double normal[3], double centroid[3]);

void sn_fit_init(sn_fit *f, const double right[3], const double down[3], const double ref[3]);
void sn_fit_add(sn_fit *f, const double p[3], double pad_mm);
/** The square view around the fitted box (margin, minimum field of view), or opt->view. */
void sn_fit_view(sps_render_view *view, const sn_fit *f, double margin_mm, double min_fov_mm,
                 const sps_render_options *opt);

sps_status sn_common_checks(const char *path, const sps_volume *vol, const void *in, sps_error *err);
/** Write the canvas as PNG (tEXt series UID, description, title), copy the result, free. */
sps_status sn_finish(sr_canvas *cv, const char *path, const sps_volume *vol, const sps_render_options *opt,
                     const char *desc, const char *title, sps_render_result *result, sps_error *err);
/** Append a panel line (ignored past SR_MAX_PANEL). */
void sn_add_line(sr_line *lines, int *n, uint32_t swatch, int bold, const char *fmt, ...) SPS_PRINTF(5, 6);

#endif
