/* volume.c — sps_volume: allocation, geometry checks, index<->LPS transforms, ROI statistics. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/volume.h"
#include "util_internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

struct sps_volume {
    sps_geometry geom;
    size_t count;
    float *data;
    void *map_base; /**< non-NULL when data lives in an anonymous mapping */
    size_t map_len;
    sps_units units;
    char modality[16];
    char series_uid[128];
};

sps_status sps_geometry_validate(const sps_geometry *g, sps_error *err)
{
    static const char *axis[3] = {"i", "j", "k"};
    if (!g)
        return sps_error_set(err, SPS_EINVALID, "geometry", "geometry is NULL");
    size_t n = 1;
    for (int a = 0; a < 3; a++) {
        if (g->dims[a] < 1 || g->dims[a] > SPS_VOLUME_MAX_DIM)
            return sps_error_set(err, SPS_EINVALID, "geometry.dims",
                                 "dims[%s] = %zu, expected 1..%zu", axis[a], g->dims[a],
                                 SPS_VOLUME_MAX_DIM);
        if (n > SPS_VOLUME_MAX_VOXELS / g->dims[a])
            return sps_error_set(err, SPS_EINVALID, "geometry.dims",
                                 "%zu x %zu x %zu voxels exceed the limit of %zu", g->dims[0],
                                 g->dims[1], g->dims[2], SPS_VOLUME_MAX_VOXELS);
        n *= g->dims[a];
        if (!isfinite(g->spacing_mm[a]) || g->spacing_mm[a] <= 0.0)
            return sps_error_set(err, SPS_EINVALID, "geometry.spacing_mm",
                                 "spacing_mm[%s] = %g, expected a finite value > 0", axis[a],
                                 g->spacing_mm[a]);
        if (!isfinite(g->origin_lps[a]))
            return sps_error_set(err, SPS_EINVALID, "geometry.origin_lps",
                                 "origin_lps[%d] is not finite", a);
    }
    for (int a = 0; a < 3; a++) {
        for (int b = a; b < 3; b++) {
            double d = 0.0;
            for (int c = 0; c < 3; c++)
                d += g->direction[a][c] * g->direction[b][c];
            double want = (a == b) ? 1.0 : 0.0;
            if (!(fabs(d - want) <= 1e-3))
                return sps_error_set(err, SPS_EINVALID, "geometry.direction",
                                     "direction[%s].direction[%s] = %.6f, expected %.0f "
                                     "(orthonormal direction cosines)",
                                     axis[a], axis[b], d, want);
        }
    }
    return SPS_OK;
}

sps_status sps_volume_new(sps_volume **out, const sps_geometry *geom, sps_error *err)
{
    if (!out)
        return sps_error_set(err, SPS_EINVALID, "sps_volume_new", "out is NULL");
    *out = NULL;
    sps_status st = sps_geometry_validate(geom, err);
    if (st != SPS_OK)
        return st;
    sps_volume *v = calloc(1, sizeof *v);
    if (!v)
        return sps_error_set(err, SPS_ENOMEM, "sps_volume_new", "out of memory");
    v->geom = *geom;
    v->count = geom->dims[0] * geom->dims[1] * geom->dims[2];
    size_t bytes = v->count * sizeof(float);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Large volumes: a fresh anonymous mapping (zero-filled by the kernel) aligned to 2 MiB and
     * marked for transparent huge pages, so filling 300 CT slices costs ~150 page faults, not
     * ~77 000 (measured: the 4 KiB faults were a third of the load time). */
    if (bytes >= ((size_t)8 << 20)) {
        const size_t huge = (size_t)2 << 20;
        size_t len = bytes + huge;
        void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base != MAP_FAILED) {
            uintptr_t a = ((uintptr_t)base + huge - 1) & ~(uintptr_t)(huge - 1);
            (void)madvise((void *)a, bytes, MADV_HUGEPAGE); /* advice only: failure is harmless */
            v->map_base = base;
            v->map_len = len;
            v->data = (float *)a;
        }
    }
#endif
    if (!v->data)
        v->data = calloc(v->count, sizeof(float));
    if (!v->data) {
        free(v);
        return sps_error_set(err, SPS_ENOMEM, "sps_volume_new",
                             "out of memory allocating %zu voxels (%zu MiB)", geom->dims[0] *
                             geom->dims[1] * geom->dims[2],
                             geom->dims[0] * geom->dims[1] * geom->dims[2] * sizeof(float) >> 20);
    }
    *out = v;
    return SPS_OK;
}

sps_status sps_volume_new_copy(sps_volume **out, const sps_geometry *geom, const float *voxels,
                               sps_error *err)
{
    if (!voxels) {
        if (out)
            *out = NULL;
        return sps_error_set(err, SPS_EINVALID, "sps_volume_new_copy", "voxels is NULL");
    }
    sps_status st = sps_volume_new(out, geom, err);
    if (st == SPS_OK)
        memcpy((*out)->data, voxels, (*out)->count * sizeof(float));
    return st;
}

void sps_volume_free(sps_volume *vol)
{
    if (!vol)
        return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (vol->map_base)
        munmap(vol->map_base, vol->map_len);
    else
#endif
        free(vol->data);
    free(vol);
}

const sps_geometry *sps_volume_geometry(const sps_volume *vol) { return &vol->geom; }
float *sps_volume_data(sps_volume *vol) { return vol->data; }
const float *sps_volume_data_const(const sps_volume *vol) { return vol->data; }
size_t sps_volume_voxel_count(const sps_volume *vol) { return vol->count; }
sps_units sps_volume_units(const sps_volume *vol) { return vol->units; }
const char *sps_volume_modality(const sps_volume *vol) { return vol->modality; }
const char *sps_volume_series_uid(const sps_volume *vol) { return vol->series_uid; }

float sps_volume_at(const sps_volume *vol, size_t i, size_t j, size_t k)
{
    const size_t *d = vol->geom.dims;
    if (i >= d[0] || j >= d[1] || k >= d[2])
        return NAN;
    return vol->data[(k * d[1] + j) * d[0] + i];
}

void sps_volume_set_meta(sps_volume *vol, sps_units units, const char *modality,
                         const char *series_uid)
{
    vol->units = units;
    sps_strlcpy(vol->modality, modality ? modality : "", sizeof vol->modality);
    sps_strlcpy(vol->series_uid, series_uid ? series_uid : "", sizeof vol->series_uid);
}

void sps_geometry_index_to_lps(double lps[3], const sps_geometry *g, const double ijk[3])
{
    for (int c = 0; c < 3; c++) {
        double p = g->origin_lps[c];
        for (int a = 0; a < 3; a++)
            p += ijk[a] * g->spacing_mm[a] * g->direction[a][c];
        lps[c] = p;
    }
}

void sps_geometry_lps_to_index(double ijk[3], const sps_geometry *g, const double lps[3])
{
    /* Solve M x = (p - o) with M[c][a] = spacing[a] * direction[a][c] (Cramer's rule, so a
     * direction that is only nearly orthonormal still inverts exactly). */
    double m[3][3], r[3];
    for (int c = 0; c < 3; c++) {
        r[c] = lps[c] - g->origin_lps[c];
        for (int a = 0; a < 3; a++)
            m[c][a] = g->spacing_mm[a] * g->direction[a][c];
    }
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int a = 0; a < 3; a++) {
        double t[3][3];
        memcpy(t, m, sizeof t);
        for (int c = 0; c < 3; c++)
            t[c][a] = r[c];
        double d = t[0][0] * (t[1][1] * t[2][2] - t[1][2] * t[2][1]) -
                   t[0][1] * (t[1][0] * t[2][2] - t[1][2] * t[2][0]) +
                   t[0][2] * (t[1][0] * t[2][1] - t[1][1] * t[2][0]);
        ijk[a] = d / det;
    }
}

/* Running statistics: sums shifted by the first value (numerically safe for image ranges
 * without a division per voxel). */
typedef struct acc {
    size_t n;
    double shift, sum, sumsq, min, max;
} acc;

static void acc_add(acc *s, double v)
{
    if (isnan(v))
        return;
    if (s->n == 0) {
        s->shift = v;
        s->min = s->max = v;
    }
    s->n++;
    double d = v - s->shift;
    s->sum += d;
    s->sumsq += d * d;
    if (v < s->min)
        s->min = v;
    if (v > s->max)
        s->max = v;
}

/* A row of voxels: the common case (no NaN) without per-voxel branches on n. */
static void acc_add_row(acc *s, const float *row, size_t len)
{
    size_t i = 0;
    while (i < len && s->n == 0)
        acc_add(s, row[i++]);
    double sum = 0.0, sumsq = 0.0, mn = s->min, mx = s->max;
    size_t nan = 0, start = i;
    for (; i < len; i++) {
        double v = row[i];
        if (v != v) {
            nan++;
            continue;
        }
        double d = v - s->shift;
        sum += d;
        sumsq += d * d;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    s->n += (len - start) - nan;
    s->sum += sum;
    s->sumsq += sumsq;
    s->min = mn;
    s->max = mx;
}

static void acc_out(sps_volume_stats *out, const acc *s)
{
    memset(out, 0, sizeof *out);
    out->count = s->n;
    if (s->n) {
        double mean = s->sum / (double)s->n;
        double var = s->sumsq / (double)s->n - mean * mean;
        out->min = s->min;
        out->max = s->max;
        out->mean = s->shift + mean;
        out->sd = var > 0.0 ? sqrt(var) : 0.0;
    }
}

sps_status sps_volume_stats_box(sps_volume_stats *out, const sps_volume *vol, const size_t lo[3],
                                const size_t hi[3], sps_error *err)
{
    size_t l[3], h[3];
    for (int a = 0; a < 3; a++) {
        if (lo[a] >= hi[a])
            return sps_error_set(err, SPS_EINVALID, "sps_volume_stats_box",
                                 "box lo[%d] = %zu >= hi[%d] = %zu, expected lo < hi", a, lo[a],
                                 a, hi[a]);
        l[a] = lo[a] < vol->geom.dims[a] ? lo[a] : vol->geom.dims[a];
        h[a] = hi[a] < vol->geom.dims[a] ? hi[a] : vol->geom.dims[a];
    }
    acc s = {0};
    const size_t nx = vol->geom.dims[0], ny = vol->geom.dims[1];
    for (size_t k = l[2]; k < h[2]; k++)
        for (size_t j = l[1]; j < h[1]; j++) {
            acc_add_row(&s, vol->data + (k * ny + j) * nx + l[0], h[0] - l[0]);
        }
    acc_out(out, &s);
    return SPS_OK;
}

sps_status sps_volume_stats_all(sps_volume_stats *out, const sps_volume *vol, sps_error *err)
{
    size_t lo[3] = {0, 0, 0};
    return sps_volume_stats_box(out, vol, lo, vol->geom.dims, err);
}

sps_status sps_volume_stats_sphere(sps_volume_stats *out, const sps_volume *vol,
                                   const double centre_lps[3], double radius_mm, sps_error *err)
{
    if (!(radius_mm > 0.0) || !isfinite(radius_mm))
        return sps_error_set(err, SPS_EINVALID, "radius_mm", "radius %g mm, expected > 0",
                             radius_mm);
    const sps_geometry *g = &vol->geom;
    double c[3];
    sps_geometry_lps_to_index(c, g, centre_lps);
    /* Bounding box in index space: the direction is orthonormal, so the radius in voxels
     * along axis a is radius / spacing[a]. */
    size_t lo[3], hi[3];
    for (int a = 0; a < 3; a++) {
        double r = radius_mm / g->spacing_mm[a] + 1.0;
        double l = floor(c[a] - r), h = ceil(c[a] + r) + 1.0;
        if (l < 0.0)
            l = 0.0;
        if (h > (double)g->dims[a])
            h = (double)g->dims[a];
        if (h <= l) {
            memset(out, 0, sizeof *out);
            return SPS_OK;
        }
        lo[a] = (size_t)l;
        hi[a] = (size_t)h;
    }
    acc s = {0};
    const double r2 = radius_mm * radius_mm;
    for (size_t k = lo[2]; k < hi[2]; k++)
        for (size_t j = lo[1]; j < hi[1]; j++)
            for (size_t i = lo[0]; i < hi[0]; i++) {
                double ijk[3] = {(double)i, (double)j, (double)k}, p[3], d2 = 0.0;
                sps_geometry_index_to_lps(p, g, ijk);
                for (int a = 0; a < 3; a++)
                    d2 += (p[a] - centre_lps[a]) * (p[a] - centre_lps[a]);
                if (d2 <= r2)
                    acc_add(&s, vol->data[(k * g->dims[1] + j) * g->dims[0] + i]);
            }
    acc_out(out, &s);
    return SPS_OK;
}
