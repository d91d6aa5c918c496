/* canal.c — semi-automatic canal path: one click in the thecal sac on an axial T2 MR slice ->
 * CSF / thecal sac / cord / epidural tumour -> ESCC evidence (sps_escc_input) and outlines.
 * The image operations are ITK (canal_itk.cpp); this file holds the decisions. Signal
 * thresholds are fractions of the CSF signal near the seed (models/measurement.json "canal"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canal_internal.h"
#include "core_internal.h"
#include "spinescore/seg.h"
#include "util_internal.h"

/* ---- parameters (models/measurement.json "canal") ----------------------------------------- */

typedef struct canal_params {
    double median_radius_px, csf_search_radius_mm, csf_search_half_length_mm, csf_bright_fraction;
    double csf_min_fraction, bone_max_fraction, cord_max_step, tumor_max_fraction, tumor_max_gap_mm, tumor_max_gap_px, tumor_extent_mm;
    double tumor_min_area_mm2, tumor_min_pixels, tumor_confirm_px, tumor_confirm_max_spacing_mm, cord_min_area_mm2, cord_max_area_mm2, roi_radius_mm, csf_near_mm;
    double sac_closing_mm, csf_rim_max_distance_px, reference_min_distance_mm, reference_max_distance_mm, csf_max_fraction, seed_radius_mm, fat_margin_px;
} canal_params;

static sps_status load_params(canal_params *p, const sps_models *models, sps_error *err)
{
    const sps_model *m = models ? sps_models__find(models, "measurement") : NULL;
    const cJSON *s = m ? cJSON_GetObjectItemCaseSensitive(m->root, "canal") : NULL;
    if (!cJSON_IsObject(s))
        return sps_error_set(err, SPS_EFORMAT, "model measurement", "missing section \"canal\"");
    static const char *const keys[] = {
        "median_radius_px", "csf_search_radius_mm", "csf_search_half_length_mm", "csf_bright_fraction",
        "csf_min_fraction", "bone_max_fraction", "cord_max_step", "tumor_max_fraction", "tumor_max_gap_mm", "tumor_max_gap_px", "tumor_extent_mm",
        "tumor_min_area_mm2", "tumor_min_pixels", "tumor_confirm_px", "tumor_confirm_max_spacing_mm", "cord_min_area_mm2", "cord_max_area_mm2", "roi_radius_mm", "csf_near_mm",
        "sac_closing_mm", "csf_rim_max_distance_px", "reference_min_distance_mm", "reference_max_distance_mm", "csf_max_fraction", "seed_radius_mm", "fat_margin_px"};
    double *dst[] = {&p->median_radius_px, &p->csf_search_radius_mm, &p->csf_search_half_length_mm,
                     &p->csf_bright_fraction, &p->csf_min_fraction, &p->bone_max_fraction, &p->cord_max_step,
                     &p->tumor_max_fraction, &p->tumor_max_gap_mm, &p->tumor_max_gap_px, &p->tumor_extent_mm, &p->tumor_min_area_mm2, &p->tumor_min_pixels, &p->tumor_confirm_px, &p->tumor_confirm_max_spacing_mm, &p->cord_min_area_mm2,
                     &p->cord_max_area_mm2, &p->roi_radius_mm, &p->csf_near_mm, &p->sac_closing_mm,
                     &p->csf_rim_max_distance_px, &p->reference_min_distance_mm, &p->reference_max_distance_mm, &p->csf_max_fraction, &p->seed_radius_mm, &p->fat_margin_px};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, keys[i]);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
            return sps_error_set(err, SPS_EFORMAT, "model measurement", "canal: missing or negative number \"%s\"",
                                 keys[i]);
        *dst[i] = v->valuedouble;
    }
    return SPS_OK;
}

/* ---- working state ------------------------------------------------------------------------- */

typedef struct canal_ctx {
    const sps_volume *vol;
    const sps_geometry *g;
    canal_params p;
    size_t nx, ny, nz, n;
    double sx, sy, pixel_mm;
    float *smooth;     /* median-filtered slice */
    float *dist;       /* distance map scratch */
    int32_t *labels;
    uint8_t *csf, *cord, *sac, *tumor, *tmp, *tmp2;
    const uint8_t *confirm; /* tumour of the adjacent slices; NULL: no confirmation asked */
    int confirming;         /* analysing an adjacent slice for the confirmation */
    int smoothed_k;    /* slice held in smooth, -1 none */
    double csf_level;
    double cord_level; /* NaN until measured */
    int cord_expected;
    sps_error *err;
} canal_ctx;

static void section_init(sps_canal_section *s)
{
    memset(s, 0, sizeof *s);
    s->cord_level = s->cord_area_mm2 = s->cord_ap_mm = s->cord_transverse_mm = NAN;
    s->csf_rim_fraction = NAN;
    s->tumor_cord_distance_mm = INFINITY;
}

static void section_free(sps_canal_section *s)
{
    free(s->sac.lps);
    free(s->cord.lps);
    free(s->tumor.lps);
    s->sac.lps = s->cord.lps = s->tumor.lps = NULL;
    s->sac.n = s->cord.n = s->tumor.n = 0;
}

void sps_canal_result_free(sps_canal_result *r)
{
    if (!r)
        return;
    section_free(&r->worst);
    section_free(&r->reference);
}

void sps_canal_request_init(sps_canal_request *req, const double seed_lps[3])
{
    memset(req, 0, sizeof *req);
    if (seed_lps)
        memcpy(req->seed_lps, seed_lps, sizeof req->seed_lps);
    req->find_reference = 1;
    req->cord = SPS_CANAL_CORD_EXPECTED;
}

static sps_status smooth_slice(canal_ctx *c, size_t k)
{
    if (c->smoothed_k == (int)k)
        return SPS_OK;
    const float *src = sps_volume_data_const(c->vol) + k * c->nx * c->ny;
    sps_status st = sps__canal_median(src, c->nx, c->ny, (unsigned)c->p.median_radius_px, c->smooth, c->err);
    if (st == SPS_OK)
        c->smoothed_k = (int)k;
    return st;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median of the smoothed values under a mask (NaN for an empty mask). */
static double mask_median(const canal_ctx *c, const uint8_t *mask)
{
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        m += mask[i] != 0;
    if (m == 0)
        return NAN;
    float *v = malloc(m * sizeof *v);
    if (!v)
        return NAN;
    m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (mask[i])
            v[m++] = c->smooth[i];
    qsort(v, m, sizeof *v, cmp_float);
    double r = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    free(v);
    return r;
}

static size_t count(const canal_ctx *c, const uint8_t *mask)
{
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        m += mask[i] != 0;
    return m;
}

static unsigned radius_px(double mm, double spacing)
{
    double r = floor(mm / spacing + 0.5);
    return r < 1 ? 1u : (unsigned)r;
}

/* CSF signal: the bright voxels of a cylinder around the seed along the slice normal (the sac is
 * the brightest structure of an axial T2 near the canal; slices a level away give it even where
 * the seed's slice has no CSF left). */
static sps_status estimate_csf(canal_ctx *c, const double seed_ijk[3])
{
    const canal_params *p = &c->p;
    long half = (long)floor(p->csf_search_half_length_mm / c->g->spacing_mm[2]);
    long k0 = (long)floor(seed_ijk[2] + 0.5);
    size_t cap = 0, m = 0;
    long ri = (long)ceil(p->csf_search_radius_mm / c->sx), rj = (long)ceil(p->csf_search_radius_mm / c->sy);
    cap = (size_t)(2 * half + 1) * (size_t)(2 * ri + 1) * (size_t)(2 * rj + 1);
    float *v = malloc(cap * sizeof *v);
    if (!v)
        return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
    for (long k = k0 - half; k <= k0 + half; k++) {
        if (k < 0 || k >= (long)c->nz)
            continue;
        sps_status st = smooth_slice(c, (size_t)k);
        if (st != SPS_OK) {
            free(v);
            return st;
        }
        for (long j = (long)seed_ijk[1] - rj; j <= (long)seed_ijk[1] + rj; j++)
            for (long i = (long)seed_ijk[0] - ri; i <= (long)seed_ijk[0] + ri; i++) {
                if (i < 0 || j < 0 || i >= (long)c->nx || j >= (long)c->ny)
                    continue;
                double dx = (i - seed_ijk[0]) * c->sx, dy = (j - seed_ijk[1]) * c->sy;
                if (dx * dx + dy * dy > p->csf_search_radius_mm * p->csf_search_radius_mm)
                    continue;
                v[m++] = c->smooth[(size_t)j * c->nx + (size_t)i];
            }
    }
    if (m < 10) {
        free(v);
        return sps_error_set(c->err, SPS_EINVALID, "canal seed", "too few voxels around the seed to measure CSF");
    }
    qsort(v, m, sizeof *v, cmp_float);
    double hi = v[(size_t)(0.98 * (double)(m - 1))];
    size_t lo = m;
    while (lo > 0 && v[lo - 1] >= p->csf_bright_fraction * hi)
        lo--;
    size_t cnt = m - lo;
    c->csf_level = cnt % 2 ? v[lo + cnt / 2] : 0.5 * (v[lo + cnt / 2 - 1] + v[lo + cnt / 2]);
    free(v);
    if (!(c->csf_level > 0))
        return sps_error_set(c->err, SPS_EINVALID, "canal seed", "no bright (CSF) signal near the seed");
    return SPS_OK;
}

static void to_lps(const canal_ctx *c, double i, double j, size_t k, double out[3])
{
    double ijk[3] = {i, j, (double)k};
    sps_geometry_index_to_lps(out, c->g, ijk);
}

static sps_status outline_of(canal_ctx *c, const uint8_t *mask, size_t k, sps_outline *o)
{
    double *xy = NULL;
    size_t n = 0;
    sps_status st = sps__canal_contour(mask, c->nx, c->ny, &xy, &n, c->err);
    if (st != SPS_OK)
        return st;
    free(o->lps);
    o->lps = NULL;
    o->n = 0;
    if (n > 0) {
        o->lps = malloc(3 * n * sizeof *o->lps);
        if (!o->lps) {
            free(xy);
            return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
        }
        for (size_t v = 0; v < n; v++)
            to_lps(c, xy[2 * v], xy[2 * v + 1], k, &o->lps[3 * v]);
        o->n = n;
    }
    free(xy);
    return SPS_OK;
}

/* In-plane unit vectors (in pixel-axis mm coordinates) closest to patient P (AP) and L. */
static void inplane_axes(const canal_ctx *c, double ap[2], double tr[2])
{
    const double(*d)[3] = c->g->direction;
    double a0 = d[0][1], a1 = d[1][1];
    double nrm = hypot(a0, a1);
    if (nrm < 1e-6) {
        ap[0] = 0;
        ap[1] = 1;
    } else {
        ap[0] = a0 / nrm;
        ap[1] = a1 / nrm;
    }
    tr[0] = ap[1];
    tr[1] = -ap[0];
}

/* Analyse one slice around the centre guess (ci, cj). Fills the masks of ctx and the section.
 * want_tumor: look for epidural tumour. The cord uses c->cord_level when known, else the holes
 * of the CSF (normal level). */
static sps_status analyse(canal_ctx *c, size_t k, double ci, double cj, int want_tumor, int outlines,
                          sps_canal_section *s)
{
    const canal_params *p = &c->p;
    sps_status st = smooth_slice(c, k);
    if (st != SPS_OK)
        return st;
    section_init(s);
    s->slice = k;
    to_lps(c, ci, cj, k, s->seed_lps);
    s->pixel_mm = c->pixel_mm;
    s->csf_level = c->csf_level;
    const size_t nx = c->nx, ny = c->ny, n = c->n;
    const double area_px = c->sx * c->sy;
    const double t_csf = p->csf_min_fraction * c->csf_level, t_bone = p->bone_max_fraction * c->csf_level;
    const double t_csf_hi = p->csf_max_fraction * c->csf_level; /* brighter: fat (T2 FSE), not CSF */
    const double r2 = p->roi_radius_mm * p->roi_radius_mm;
    uint8_t *roi = c->tmp2;
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++) {
            double dx = ((double)i - ci) * c->sx, dy = ((double)j - cj) * c->sy;
            roi[j * nx + i] = dx * dx + dy * dy <= r2;
        }
    /* CSF: bright components near the centre */
    for (size_t i = 0; i < n; i++)
        c->tmp[i] = roi[i] && c->smooth[i] > t_csf_hi;
    /* CSF is not next to fat brighter than it: partial-volume bridges into the lateral recesses
     * and foramina (T2 FSE fat) are cut there */
    if ((st = sps__canal_distance(c->tmp, nx, ny, c->sx, c->sy, c->dist, c->err)) != SPS_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        c->tmp[i] = roi[i] && c->smooth[i] >= t_csf && c->smooth[i] <= t_csf_hi &&
                    c->dist[i] > p->fat_margin_px * c->pixel_mm;
    int nl = 0;
    if ((st = sps__canal_label(c->tmp, nx, ny, c->labels, &nl, c->err)) != SPS_OK)
        return st;
    memset(c->csf, 0, n);
    if (nl > 0) {
        uint8_t *keep = calloc((size_t)nl + 1, 1);
        if (!keep)
            return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
        double near2 = p->csf_near_mm * p->csf_near_mm;
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++) {
                int32_t l = c->labels[j * nx + i];
                if (l <= 0)
                    continue;
                double dx = ((double)i - ci) * c->sx, dy = ((double)j - cj) * c->sy;
                if (dx * dx + dy * dy <= near2)
                    keep[l] = 1;
            }
        for (size_t i = 0; i < n; i++)
            c->csf[i] = c->labels[i] > 0 && keep[c->labels[i]];
        free(keep);
    }
    size_t ncsf = count(c, c->csf);
    size_t ci_idx = (size_t)floor(cj + 0.5) * nx + (size_t)floor(ci + 0.5);

    /* Cord */
    memset(c->cord, 0, n);
    if (isnan(c->cord_level)) {
        /* normal level: the cord is the largest hole of the CSF */
        memcpy(c->tmp, c->csf, n);
        unsigned rx = radius_px(p->sac_closing_mm, c->sx), ry = radius_px(p->sac_closing_mm, c->sy);
        if ((st = sps__canal_morph(c->tmp, nx, ny, rx, ry, 1, c->err)) != SPS_OK)
            return st;
        if ((st = sps__canal_fill_holes(c->tmp, nx, ny, c->err)) != SPS_OK)
            return st;
        for (size_t i = 0; i < n; i++)
            c->tmp[i] = c->tmp[i] && !c->csf[i] && c->smooth[i] < t_csf && c->smooth[i] >= t_bone;
    } else {
        double cord_hi = c->cord_level + p->cord_max_step * (c->csf_level - c->cord_level);
        for (size_t i = 0; i < n; i++)
            c->tmp[i] = roi[i] && c->smooth[i] <= cord_hi && c->smooth[i] >= t_bone;
        /* partial-volume chains (fat next to bone passes through the cord band) are one pixel
         * wide: an opening removes them, the cord survives */
        if ((st = sps__canal_morph(c->tmp, nx, ny, 1, 1, 0, c->err)) != SPS_OK)
            return st;
    }
    if ((st = sps__canal_label(c->tmp, nx, ny, c->labels, &nl, c->err)) != SPS_OK)
        return st;
    if (nl > 0) {
        /* candidates: area within limits, touching the CSF (or holding the centre) */
        size_t *area = calloc((size_t)nl + 1, sizeof *area), *touch = calloc((size_t)nl + 1, sizeof *touch);
        double *d2min = malloc(((size_t)nl + 1) * sizeof *d2min);
        if (!area || !touch || !d2min) {
            free(area);
            free(touch);
            free(d2min);
            return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
        }
        for (int l = 0; l <= nl; l++)
            d2min[l] = INFINITY;
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++) {
                int32_t l = c->labels[j * nx + i];
                if (l <= 0)
                    continue;
                area[l]++;
                double dx = ((double)i - ci) * c->sx, dy = ((double)j - cj) * c->sy;
                if (dx * dx + dy * dy < d2min[l])
                    d2min[l] = dx * dx + dy * dy;
                int t = (i > 0 && c->csf[j * nx + i - 1]) || (i + 1 < nx && c->csf[j * nx + i + 1]) ||
                        (j > 0 && c->csf[(j - 1) * nx + i]) || (j + 1 < ny && c->csf[(j + 1) * nx + i]);
                touch[l] += (size_t)t;
            }
        int best = 0;
        int centre_label = ci_idx < n ? c->labels[ci_idx] : 0;
        for (int l = 1; l <= nl; l++) {
            double a = (double)area[l] * area_px;
            if (a < p->cord_min_area_mm2 || a > p->cord_max_area_mm2)
                continue;
            if (l == centre_label) { /* the click (or the tracked centre) is in it */
                best = l;
                break;
            }
            if (ncsf > 0 && touch[l] > 0 && (best == 0 || touch[l] > touch[best]))
                best = l;
            if (ncsf == 0 && d2min[l] <= 25.0 && (best == 0 || d2min[l] < d2min[best]))
                best = l;
        }
        for (size_t i = 0; i < n; i++)
            c->cord[i] = best > 0 && c->labels[i] == best;
        free(area);
        free(touch);
        free(d2min);
    }
    size_t ncord = count(c, c->cord);
    if (ncsf == 0 && ncord == 0)
        return sps_error_set(c->err, SPS_EINVALID, "canal seed",
                             "slice %zu: no CSF (>= %.0f, %.0f %% of the CSF signal %.0f) and no cord within %.0f mm of "
                             "the seed: is the seed inside the thecal sac?",
                             k, t_csf, 100 * p->csf_min_fraction, c->csf_level, p->csf_near_mm);

    /* Sac: CSF and cord, closed and filled */
    for (size_t i = 0; i < n; i++)
        c->sac[i] = c->csf[i] || c->cord[i];
    {
        unsigned rx = radius_px(p->sac_closing_mm, c->sx), ry = radius_px(p->sac_closing_mm, c->sy);
        if ((st = sps__canal_morph(c->sac, nx, ny, rx, ry, 1, c->err)) != SPS_OK)
            return st;
        if ((st = sps__canal_fill_holes(c->sac, nx, ny, c->err)) != SPS_OK)
            return st;
    }
    /* closing may bridge into dark bone or the tumour: keep only canal-content signal, but
     * never drop CSF or cord */
    for (size_t i = 0; i < n; i++)
        c->sac[i] = c->csf[i] || c->cord[i] || (c->sac[i] && c->smooth[i] >= t_bone);

    size_t nsac = count(c, c->sac);
    s->sac_area_mm2 = (double)nsac * area_px;
    s->csf_area_mm2 = (double)ncsf * area_px;
    double sum_i = 0, sum_j = 0;
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++)
            if (c->sac[j * nx + i]) {
                sum_i += (double)i;
                sum_j += (double)j;
            }
    if (nsac > 0)
        to_lps(c, sum_i / (double)nsac, sum_j / (double)nsac, k, s->centre_lps);

    int cord_ok = ncord > 0 && c->cord_expected;
    if (!c->cord_expected) {
        for (size_t i = 0; i < n; i++)
            c->cord[i] = 0;
        ncord = 0;
    }
    s->cord_found = cord_ok;
    size_t nother = 0;
    for (size_t i = 0; i < n; i++)
        nother += c->sac[i] && !c->csf[i] && !c->cord[i];
    s->intrathecal_other_mm2 = (double)nother * area_px;
    if (cord_ok) {
        s->cord_area_mm2 = (double)ncord * area_px;
        s->cord_level = mask_median(c, c->cord);
        double ap[2], tr[2];
        inplane_axes(c, ap, tr);
        double lo_a = INFINITY, hi_a = -INFINITY, lo_t = INFINITY, hi_t = -INFINITY;
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++)
                if (c->cord[j * nx + i]) {
                    double u = (double)i * c->sx, v = (double)j * c->sy;
                    double a = u * ap[0] + v * ap[1], t = u * tr[0] + v * tr[1];
                    lo_a = fmin(lo_a, a);
                    hi_a = fmax(hi_a, a);
                    lo_t = fmin(lo_t, t);
                    hi_t = fmax(hi_t, t);
                }
        s->cord_ap_mm = hi_a - lo_a + fabs(ap[0]) * c->sx + fabs(ap[1]) * c->sy;
        s->cord_transverse_mm = hi_t - lo_t + fabs(tr[0]) * c->sx + fabs(tr[1]) * c->sy;
        /* CSF rim: cord boundary pixels with CSF within csf_rim_max_distance_px pixels */
        if ((st = sps__canal_distance(c->csf, nx, ny, c->sx, c->sy, c->dist, c->err)) != SPS_OK)
            return st;
        size_t nb = 0, rim = 0;
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++) {
                size_t q = j * nx + i;
                if (!c->cord[q])
                    continue;
                int edge = i == 0 || j == 0 || i + 1 == nx || j + 1 == ny || !c->cord[q - 1] || !c->cord[q + 1] ||
                           !c->cord[q - nx] || !c->cord[q + nx];
                if (!edge)
                    continue;
                nb++;
                rim += c->dist[q] <= p->csf_rim_max_distance_px * c->pixel_mm;
            }
        s->csf_rim_fraction = nb ? (double)rim / (double)nb : 0.0;
    }

    /* Epidural tumour: intermediate signal outside the sac, next to it */
    memset(c->tumor, 0, n);
    if (want_tumor) {
        if ((st = sps__canal_distance(c->sac, nx, ny, c->sx, c->sy, c->dist, c->err)) != SPS_OK)
            return st;
        double lo = isnan(c->cord_level) ? t_bone
                                         : c->cord_level + p->cord_max_step * (c->csf_level - c->cord_level);
        double hi = p->tumor_max_fraction * c->csf_level;
        /* components of intermediate signal within tumor_extent_mm of the sac; a component
         * counts when its part within the gap distance (touching the sac, or separated by a thin
         * fat layer) is large enough: bone lesions and partial-volume rims lie further out */
        double gap = fmax(p->tumor_max_gap_mm, p->tumor_max_gap_px * c->pixel_mm);
        for (size_t i = 0; i < n; i++)
            c->tmp[i] = roi[i] && !c->sac[i] && c->smooth[i] > lo && c->smooth[i] <= hi &&
                        c->dist[i] <= p->tumor_extent_mm;
        if ((st = sps__canal_label(c->tmp, nx, ny, c->labels, &nl, c->err)) != SPS_OK)
            return st;
        if (nl > 0) {
            size_t *near = calloc((size_t)nl + 1, sizeof *near);
            uint8_t *held = calloc((size_t)nl + 1, 1);
            if (!near || !held) {
                free(near);
                free(held);
                return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
            }
            for (size_t i = 0; i < n; i++)
                if (c->labels[i] > 0 && c->dist[i] <= gap)
                    near[c->labels[i]]++;
            /* ... and holds more than a wall corner's partial volume or a noise speck: at least
             * tumor_min_pixels pixels there, whatever the pixel size. On an adjacent slice that
             * only confirms the seed slice's tumour the pixel count alone is asked (the tumour
             * tapers toward its ends along the canal). */
            for (int l = 1; l <= nl; l++)
                held[l] = (double)near[l] >= p->tumor_min_pixels &&
                          (c->confirming || (double)near[l] * area_px >= p->tumor_min_area_mm2);
            /* ... and continues on an adjacent slice: a tumour component of that slice lies within
             * tumor_confirm_px pixels of it (partial volume of the canal wall and noise change
             * from slice to slice of an oblique or noisy series; a tumour does not) */
            if (c->confirm) {
                if ((st = sps__canal_distance(c->confirm, nx, ny, c->sx, c->sy, c->dist, c->err)) != SPS_OK) {
                    free(near);
                    free(held);
                    return st;
                }
                uint8_t *seen = calloc((size_t)nl + 1, 1);
                if (!seen) {
                    free(near);
                    free(held);
                    return sps_error_set(c->err, SPS_ENOMEM, "canal", "out of memory");
                }
                for (size_t i = 0; i < n; i++)
                    if (c->labels[i] > 0 && c->dist[i] <= p->tumor_confirm_px * c->pixel_mm)
                        seen[c->labels[i]] = 1;
                for (int l = 1; l <= nl; l++) {
                    if (held[l] && !seen[l])
                        s->tumor_unconfirmed_mm2 += (double)near[l] * area_px;
                    held[l] = held[l] && seen[l];
                }
                free(seen);
            }
            for (size_t i = 0; i < n; i++)
                c->tumor[i] = c->labels[i] > 0 && held[c->labels[i]];
            free(near);
            free(held);
        }
        size_t ntum = count(c, c->tumor);
        s->tumor_found = ntum > 0;
        s->tumor_area_mm2 = (double)ntum * area_px;
        if (ntum > 0 && cord_ok) {
            if ((st = sps__canal_distance(c->cord, nx, ny, c->sx, c->sy, c->dist, c->err)) != SPS_OK)
                return st;
            double dmin = INFINITY;
            for (size_t i = 0; i < n; i++)
                if (c->tumor[i] && c->dist[i] < dmin)
                    dmin = c->dist[i];
            /* centre-to-centre -> edge-to-edge */
            dmin -= fmin(c->sx, c->sy);
            s->tumor_cord_distance_mm = dmin < 0 ? 0 : dmin;
        }
    }
    if (outlines) {
        if ((st = outline_of(c, c->sac, k, &s->sac)) != SPS_OK)
            return st;
        if (cord_ok && (st = outline_of(c, c->cord, k, &s->cord)) != SPS_OK)
            return st;
        if (s->tumor_found && (st = outline_of(c, c->tumor, k, &s->tumor)) != SPS_OK)
            return st;
    }
    return SPS_OK;
}

/* ---- the path ------------------------------------------------------------------------------ */

static sps_status seed_index(const canal_ctx *c, const double lps[3], double ijk[3], const char *what)
{
    sps_geometry_lps_to_index(ijk, c->g, lps);
    for (int a = 0; a < 3; a++)
        if (!(ijk[a] > -0.5 && ijk[a] < (double)c->g->dims[a] - 0.5))
            return sps_error_set(c->err, SPS_EINVALID, what,
                                 "(%.1f, %.1f, %.1f) LPS lies outside the volume (index %.1f, %.1f, %.1f)", lps[0],
                                 lps[1], lps[2], ijk[0], ijk[1], ijk[2]);
    return SPS_OK;
}

static void centre_index(const canal_ctx *c, const sps_canal_section *s, double *ci, double *cj)
{
    double ijk[3];
    sps_geometry_lps_to_index(ijk, c->g, s->centre_lps);
    *ci = ijk[0];
    *cj = ijk[1];
}

/* Walk along the slices from k0 in direction dir, tracking the sac centroid; return the slice
 * between min and max distance with the largest sac (and a cord when one is expected). */
static sps_status search_reference(canal_ctx *c, size_t k0, double ci0, double cj0, int dir, sps_canal_section *best,
                                   int *found)
{
    const canal_params *p = &c->p;
    double ci = ci0, cj = cj0;
    double dz = c->g->spacing_mm[2];
    *found = 0;
    sps_canal_section s;
    for (long step = 1;; step++) {
        long k = (long)k0 + dir * step;
        double dist = (double)step * dz;
        if (k < 0 || k >= (long)c->nz || dist > p->reference_max_distance_mm)
            break;
        sps_error e2;
        sps_error *saved = c->err;
        c->err = &e2;
        sps_status st = analyse(c, (size_t)k, ci, cj, 0, 0, &s);
        c->err = saved;
        if (st == SPS_ENOMEM || st == SPS_EINTERNAL)
            return sps_error_set(c->err, st, e2.where, "%s", e2.message);
        if (st != SPS_OK)
            continue; /* no sac here (e.g. no CSF next to the tumour): keep the last centre */
        centre_index(c, &s, &ci, &cj);
        if (dist < p->reference_min_distance_mm)
            continue;
        if (c->cord_expected && !s.cord_found)
            continue;
        if (!*found || s.sac_area_mm2 > best->sac_area_mm2) {
            *best = s;
            *found = 1;
        }
    }
    return SPS_OK;
}

sps_status sps_seg_canal(sps_canal_result *out, const sps_volume *vol, const sps_models *models,
                         const sps_canal_request *req, sps_error *err)
{
    if (!out || !vol || !req)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_canal", "result, volume and request are required");
    memset(out, 0, sizeof *out);
    section_init(&out->worst);
    section_init(&out->reference);
    if (strcmp(sps_volume_modality(vol), "CT") == 0 || sps_volume_units(vol) == SPS_UNITS_HU)
        return sps_error_set(err, SPS_EUNSUPPORTED, "canal",
                             "CT: CSF and cord differ by a few HU without intrathecal contrast; the canal path needs an "
                             "axial T2 MR (outline the sac and cord by hand on CT)");
    canal_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.vol = vol;
    c.g = sps_volume_geometry(vol);
    sps_status st = load_params(&c.p, models, err);
    if (st != SPS_OK)
        return st;
    /* axial enough: the slice normal within 30 degrees of S-I */
    if (fabs(c.g->direction[2][2]) < cos(30.0 * 3.14159265358979323846 / 180.0))
        return sps_error_set(err, SPS_EINVALID, "canal",
                             "the slices are not axial (normal %.2f, %.2f, %.2f LPS): the canal path needs axial slices",
                             c.g->direction[2][0], c.g->direction[2][1], c.g->direction[2][2]);
    c.nx = c.g->dims[0];
    c.ny = c.g->dims[1];
    c.nz = c.g->dims[2];
    c.n = c.nx * c.ny;
    c.sx = c.g->spacing_mm[0];
    c.sy = c.g->spacing_mm[1];
    c.pixel_mm = fmax(c.sx, c.sy);
    c.smoothed_k = -1;
    c.cord_level = NAN;
    c.cord_expected = req->cord != SPS_CANAL_CORD_ABSENT;
    c.smooth = malloc(c.n * sizeof *c.smooth);
    c.dist = malloc(c.n * sizeof *c.dist);
    c.labels = malloc(c.n * sizeof *c.labels);
    uint8_t *masks = malloc(6 * c.n), *confirm = NULL;
    if (!c.smooth || !c.dist || !c.labels || !masks) {
        st = sps_error_set(err, SPS_ENOMEM, "canal", "out of memory");
        goto done;
    }
    c.csf = masks;
    c.cord = masks + c.n;
    c.sac = masks + 2 * c.n;
    c.tumor = masks + 3 * c.n;
    c.tmp = masks + 4 * c.n;
    c.tmp2 = masks + 5 * c.n;

    double seed[3];
    if ((st = seed_index(&c, req->seed_lps, seed, "canal seed")) != SPS_OK)
        goto done;
    size_t k0 = (size_t)floor(seed[2] + 0.5);
    if (c.cord_expected) {
        /* the seed may lie in the cord: CSF from the bright voxels around it */
        if ((st = estimate_csf(&c, seed)) != SPS_OK)
            goto done;
    } else {
        /* no cord below the conus: the seed lies in the sac (CSF and roots), whose signal it gives;
         * epidural fat may be brighter than CSF on T2 FSE */
        if ((st = smooth_slice(&c, k0)) != SPS_OK)
            goto done;
        double r = c.p.seed_radius_mm;
        float vals[256];
        size_t m = 0;
        for (long j = (long)floor(seed[1] - r / c.sy); j <= (long)ceil(seed[1] + r / c.sy); j++)
            for (long i = (long)floor(seed[0] - r / c.sx); i <= (long)ceil(seed[0] + r / c.sx); i++) {
                double dx = ((double)i - seed[0]) * c.sx, dy = ((double)j - seed[1]) * c.sy;
                if (i < 0 || j < 0 || i >= (long)c.nx || j >= (long)c.ny || dx * dx + dy * dy > r * r || m >= 256)
                    continue;
                vals[m++] = c.smooth[(size_t)j * c.nx + (size_t)i];
            }
        if (m == 0) {
            st = sps_error_set(err, SPS_EINVALID, "canal seed", "no voxel around the seed");
            goto done;
        }
        qsort(vals, m, sizeof vals[0], cmp_float);
        c.csf_level = m % 2 ? vals[m / 2] : 0.5 * (vals[m / 2 - 1] + vals[m / 2]);
        if (!(c.csf_level > 0)) {
            st = sps_error_set(err, SPS_EINVALID, "canal seed", "no signal at the seed");
            goto done;
        }
    }

    /* Reference: the second seed, or a normal level along the canal */
    if (req->has_reference_seed) {
        double r[3];
        if ((st = seed_index(&c, req->reference_seed_lps, r, "canal reference seed")) != SPS_OK)
            goto done;
        if ((st = analyse(&c, (size_t)floor(r[2] + 0.5), r[0], r[1], 0, 1, &out->reference)) != SPS_OK)
            goto done;
        out->has_reference = 1;
        snprintf(out->reference_method, sizeof out->reference_method, "second seed");
    } else if (req->find_reference) {
        /* a first look at the seed's slice gives the centre to track from */
        sps_canal_section s0;
        sps_error e0;
        double ci = seed[0], cj = seed[1];
        c.err = &e0;
        st = analyse(&c, k0, seed[0], seed[1], 0, 0, &s0);
        c.err = err;
        if (st == SPS_OK)
            centre_index(&c, &s0, &ci, &cj);
        else if (st == SPS_ENOMEM || st == SPS_EINTERNAL) {
            st = sps_error_set(err, st, e0.where, "%s", e0.message);
            goto done;
        }
        sps_canal_section up, down;
        int fu = 0, fd = 0;
        if ((st = search_reference(&c, k0, ci, cj, +1, &up, &fu)) != SPS_OK ||
            (st = search_reference(&c, k0, ci, cj, -1, &down, &fd)) != SPS_OK)
            goto done;
        if (fu || fd) {
            /* prefer the cranial side: caudal levels of the thoracolumbar junction hold the conus */
            int up_cranial = c.g->direction[2][2] > 0;
            sps_canal_section *pick = up_cranial ? (fu ? &up : &down) : (fd ? &down : &up);
            out->reference = *pick;
            out->has_reference = 1;
            snprintf(out->reference_method, sizeof out->reference_method,
                     "automatic: largest sac %.0f-%.0f mm from the seed along the slices, cranial side first",
                     c.p.reference_min_distance_mm, c.p.reference_max_distance_mm);
        } else {
            snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                     "no normal reference level found %.0f-%.0f mm from the seed%s; ",
                     c.p.reference_min_distance_mm, c.p.reference_max_distance_mm,
                     c.cord_expected ? " with a cord" : "");
        }
    }
    if (out->has_reference) {
        /* the cord signal of the normal level, then the same cord rule at both sections */
        double rs[3];
        memcpy(rs, out->reference.seed_lps, sizeof rs);
        double ri[3];
        sps_geometry_lps_to_index(ri, c.g, out->reference.centre_lps);
        size_t kr = out->reference.slice;
        if (c.cord_expected && out->reference.cord_found)
            c.cord_level = out->reference.cord_level;
        section_free(&out->reference);
        if ((st = analyse(&c, kr, ri[0], ri[1], 0, 1, &out->reference)) != SPS_OK)
            goto done;
        memcpy(out->reference.seed_lps, rs, sizeof rs);
        double dk = (double)kr - (double)k0;
        out->reference_offset_mm = dk * c.g->spacing_mm[2];
        out->reference_cranial = dk * c.g->direction[2][2] > 0;
    }
    if (isnan(c.cord_level) && c.cord_expected) {
        /* no reference: a seed in the cord (no CSF on this slice) gives the cord signal */
        if ((st = smooth_slice(&c, k0)) != SPS_OK)
            goto done;
        size_t q = (size_t)floor(seed[1] + 0.5) * c.nx + (size_t)floor(seed[0] + 0.5);
        double v = c.smooth[q];
        if (v < c.p.csf_min_fraction * c.csf_level && v >= c.p.bone_max_fraction * c.csf_level)
            c.cord_level = v;
    }
    /* the adjacent slices' tumour, to confirm the seed slice's (tumor_confirm_max_spacing_mm) */
    int nconfirm = 0;
    if (c.g->spacing_mm[2] <= c.p.tumor_confirm_max_spacing_mm) {
        confirm = calloc(c.n, 1);
        if (!confirm) {
            st = sps_error_set(err, SPS_ENOMEM, "canal", "out of memory");
            goto done;
        }
        for (int dk = -1; dk <= 1; dk += 2) {
            long kk = (long)k0 + dk;
            if (kk < 0 || kk >= (long)c.nz)
                continue;
            sps_canal_section sn;
            sps_error en;
            c.err = &en;
            c.confirming = 1;
            st = analyse(&c, (size_t)kk, seed[0], seed[1], 1, 0, &sn);
            c.confirming = 0;
            c.err = err;
            if (st == SPS_ENOMEM || st == SPS_EINTERNAL) {
                st = sps_error_set(err, st, en.where, "%s", en.message);
                goto done;
            }
            if (st != SPS_OK)
                continue; /* no sac there: that side cannot confirm */
            nconfirm++;
            for (size_t i = 0; i < c.n; i++)
                confirm[i] |= c.tumor[i];
        }
        st = SPS_OK;
        c.confirm = nconfirm > 0 ? confirm : NULL;
    }
    if ((st = analyse(&c, k0, seed[0], seed[1], 1, 1, &out->worst)) != SPS_OK)
        goto done;
    c.confirm = NULL;
    out->worst.tumor_confirm_slices = nconfirm;
    if (out->worst.tumor_unconfirmed_mm2 > 0)
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "intermediate signal next to the sac (%.1f mm2 within the gap) on the seed's slice only, not on "
                 "the adjacent slice(s): taken as partial volume of the canal wall or noise, not tumour (check it); ",
                 out->worst.tumor_unconfirmed_mm2);
    else if (nconfirm == 0 && out->worst.tumor_found)
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "epidural tumour found on the seed's slice, not checked on an adjacent slice (%s); ",
                 c.g->spacing_mm[2] > c.p.tumor_confirm_max_spacing_mm ? "slices too far apart" : "none with a sac");
    if (out->worst.tumor_found)
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "epidural tumour: this rule is validated on phantoms only; on a real lumbar T2 FSE series it read "
                 "epidural contents (ligament, disc margin, veins) as tumour (docs/validation.md): confirm the tumour "
                 "outline before using the grade; ");
    memcpy(out->worst.seed_lps, req->seed_lps, sizeof out->worst.seed_lps);

    if (!c.cord_expected)
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "no cord expected at this level (cauda equina): cord area not reported, intrathecal non-CSF area "
                 "%.1f mm2; ",
                 out->worst.intrathecal_other_mm2);
    else if (!out->worst.cord_found)
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "no cord distinguished on the seed's slice; ");
    if (out->has_reference && out->worst.cord_found && out->reference.cord_found) {
        sps_escc_input *e = &out->escc;
        const sps_canal_section *w = &out->worst, *r = &out->reference;
        e->epidural_tumor = w->tumor_found;
        e->sac_area_mm2 = w->sac_area_mm2;
        e->ref_sac_area_mm2 = r->sac_area_mm2;
        e->cord_area_mm2 = w->cord_area_mm2;
        e->ref_cord_area_mm2 = r->cord_area_mm2;
        e->cord_ap_mm = w->cord_ap_mm;
        e->cord_transverse_mm = w->cord_transverse_mm;
        e->ref_cord_ap_mm = r->cord_ap_mm;
        e->ref_cord_transverse_mm = r->cord_transverse_mm;
        e->tumor_cord_distance_mm = w->tumor_cord_distance_mm;
        e->csf_rim_fraction = w->csf_rim_fraction;
        e->pixel_mm = c.pixel_mm;
        out->escc_ready = 1;
    } else if (c.cord_expected) {
        snprintf(out->notes + strlen(out->notes), sizeof out->notes - strlen(out->notes),
                 "ESCC evidence incomplete (needs a reference level and a cord on both sections); ");
    }
    st = SPS_OK;
done:
    free(c.smooth);
    free(c.dist);
    free(c.labels);
    free(masks);
    free(confirm);
    return st;
}
