/* body_ct_lesion.cpp — one click in a lesion on CT (no ITK here; the morphology and components
 * are body_ct_itk.cpp): the body is segmented from the same seed (body_ct.cpp); the normal-bone
 * reference is the core of the neighbouring body with the smaller SD (or a given sphere);
 * abnormal bone = smoothed HU beyond the lesion_density deltas of the reference
 * (models/measurement.json), inside the body minus its cortical shell, closed, the component at
 * the seed; the thresholds are then re-centred half-way between the reference and lesion means
 * and the lesion is extended into the shell where it reaches it and the shell voxels are abnormal
 * too. Outputs the lesion voxels inside the shell and the reference HU voxels (for
 * sps_measure_lesion_density: the cortex is left out of the density class as it is out of the
 * reference ROI) and the lesion fraction of the body mask (shell extension included). */
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "body_ct_internal.h"

using namespace sps_ct;

namespace {

/* HU of the original voxels whose centres lie in a sphere. */
void sphere_voxels(std::vector<float> &out, const sps_volume *ct, const double c[3], double r)
{
    const sps_geometry *g = sps_volume_geometry(ct);
    const float *d = sps_volume_data_const(ct);
    long lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
        lo[a] = LONG_MAX;
        hi[a] = LONG_MIN;
    }
    for (int corner = 0; corner < 8; ++corner) {
        double p[3] = {c[0] + ((corner & 1) ? r : -r), c[1] + ((corner & 2) ? r : -r), c[2] + ((corner & 4) ? r : -r)};
        double ijk[3];
        sps_geometry_lps_to_index(ijk, g, p);
        for (int a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], static_cast<long>(std::floor(ijk[a])));
            hi[a] = std::max(hi[a], static_cast<long>(std::ceil(ijk[a])));
        }
    }
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::max(0L, lo[a]);
        hi[a] = std::min(static_cast<long>(g->dims[a]) - 1, hi[a]);
    }
    for (long k = lo[2]; k <= hi[2]; ++k)
        for (long j = lo[1]; j <= hi[1]; ++j)
            for (long i = lo[0]; i <= hi[0]; ++i) {
                double ijk[3] = {double(i), double(j), double(k)}, p[3];
                sps_geometry_index_to_lps(p, g, ijk);
                double dd = (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]);
                if (dd <= r * r)
                    out.push_back(d[static_cast<size_t>(i) + g->dims[0] * (static_cast<size_t>(j) + g->dims[1] * static_cast<size_t>(k))]);
            }
}


/* HU of the acquired voxels whose centres fall in a grid mask (nearest grid voxel). */
void mask_voxels(std::vector<float> &out, const sps_volume *ct, const Grid &gr, const std::vector<unsigned char> &m)
{
    const sps_geometry *g = sps_volume_geometry(ct);
    const float *d = sps_volume_data_const(ct);
    long lo[3] = {LONG_MAX, LONG_MAX, LONG_MAX}, hi[3] = {LONG_MIN, LONG_MIN, LONG_MIN};
    for (int corner = 0; corner < 8; ++corner) {
        double p[3], ijk[3];
        gr.to_lps(p, (corner & 1) ? static_cast<double>(gr.n[0] - 1) : 0.0,
                  (corner & 2) ? static_cast<double>(gr.n[1] - 1) : 0.0,
                  (corner & 4) ? static_cast<double>(gr.n[2] - 1) : 0.0);
        sps_geometry_lps_to_index(ijk, g, p);
        for (int a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], static_cast<long>(std::floor(ijk[a])));
            hi[a] = std::max(hi[a], static_cast<long>(std::ceil(ijk[a])));
        }
    }
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::max(0L, lo[a]);
        hi[a] = std::min(static_cast<long>(g->dims[a]) - 1, hi[a]);
    }
    for (long k = lo[2]; k <= hi[2]; ++k)
        for (long j = lo[1]; j <= hi[1]; ++j)
            for (long i = lo[0]; i <= hi[0]; ++i) {
                double ijk[3] = {double(i), double(j), double(k)}, p[3], q[3];
                sps_geometry_index_to_lps(p, g, ijk);
                gr.to_grid(q, p);
                const long x = std::lround(q[0]), y = std::lround(q[1]), z = std::lround(q[2]);
                if (x < 0 || y < 0 || z < 0 || x >= static_cast<long>(gr.n[0]) || y >= static_cast<long>(gr.n[1]) ||
                    z >= static_cast<long>(gr.n[2]))
                    continue;
                if (m[gr.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))])
                    out.push_back(d[static_cast<size_t>(i) +
                                    g->dims[0] * (static_cast<size_t>(j) + g->dims[1] * static_cast<size_t>(k))]);
            }
}

/* The normal-bone reference voxels: a given sphere, or the core of the neighbouring body (above
 * or below) with the smaller HU SD, taken as a sphere (core_fraction of its half-depth or
 * half-height) so a reader sees and can move it in the annotation file. */
/* The neighbouring body at @p nseed on the lesion path's grid @p g (moved in and out), when its
 * mask stays clear of the grid's ends along S; otherwise on its own grid, as sps_seg_ct_find_body. */
bool neighbour_body(sps_seg_ct_body *nb, Grid &g, const sps_volume *ct, const Params &p, const double nseed[3])
{
    double q[3];
    g.to_grid(q, nseed);
    const long sv[3] = {std::lround(q[0]), std::lround(q[1]), std::lround(q[2])};
    const long nz = static_cast<long>(g.n[2]);
    bool ok = false;
    if (sv[0] >= 0 && sv[1] >= 0 && sv[2] >= 0 && sv[0] < static_cast<long>(g.n[0]) &&
        sv[1] < static_cast<long>(g.n[1]) && sv[2] < nz) {
        BodyWork nw;
        nw.g = std::move(g);
        ok = body_from_grid(nw, nb, p, sv, nullptr) == SPS_OK;
        if (ok) {
            /* a body cut by the grid's end: its points are not its own; redo it on its own grid */
            const size_t plane = nw.g.n[0] * nw.g.n[1];
            for (size_t i = 0; i < plane && ok; ++i)
                if (nw.mask[i] || nw.mask[i + plane * (nw.g.n[2] - 1)])
                    ok = false;
        }
        g = std::move(nw.g);
    }
    if (ok)
        return true;
    std::memset(nb, 0, sizeof *nb);
    BodyWork own;
    return body_on_grid(own, nb, ct, p, nseed, nullptr) == SPS_OK;
}

void reference_voxels(std::vector<float> &ref, sps_seg_ct_lesion *out, const sps_volume *ct, const Params &p,
                      Grid &grid, const double *ref_centre_lps, double ref_radius_mm)
{
    if (ref_centre_lps) {
        sphere_voxels(ref, ct, ref_centre_lps, ref_radius_mm);
        std::memcpy(out->reference_centre_lps, ref_centre_lps, sizeof out->reference_centre_lps);
        out->reference_radius_mm = ref_radius_mm;
        std::snprintf(out->reference_from, sizeof out->reference_from, "given");
        return;
    }
    double best_sd = INFINITY;
    for (int which = 0; which < 2; ++which) {
        int has = which ? out->body.has_above : out->body.has_below;
        if (!has)
            continue;
        const double *nseed = which ? out->body.seed_above_lps : out->body.seed_below_lps;
        if (check_inputs(ct, nseed, nullptr) != SPS_OK)
            continue;
        sps_seg_ct_body nb;
        std::memset(&nb, 0, sizeof nb);
        if (!neighbour_body(&nb, grid, ct, p, nseed) || static_cast<double>(nb.core_count) < p.min_reference_voxels)
            continue;
        if (!(nb.core_sd_hu < best_sd))
            continue;
        best_sd = nb.core_sd_hu;
        const double rr =
            p.core_fraction * std::min(nb.half_depth_mm, 0.5 * std::fabs(nb.points.sup_mid[2] - nb.points.inf_mid[2]));
        double cc[3];
        for (int a = 0; a < 3; ++a)
            cc[a] = 0.5 * (nb.points.sup_mid[a] + nb.points.inf_mid[a]);
        std::vector<float> v;
        sphere_voxels(v, ct, cc, rr);
        ref.swap(v);
        std::memcpy(out->reference_centre_lps, cc, sizeof cc);
        out->reference_radius_mm = rr;
        std::snprintf(out->reference_from, sizeof out->reference_from, "%s", which ? "above" : "below");
    }
}

/* Label of the component at the seed voxel, or of the nearest labelled voxel within 5 mm. */
unsigned seed_label(const std::vector<unsigned> &labels, const Grid &g, const double sg[3])
{
    const long sx = std::lround(sg[0]), sy = std::lround(sg[1]), sz = std::lround(sg[2]);
    unsigned sl = labels[g.idx(static_cast<size_t>(sx), static_cast<size_t>(sy), static_cast<size_t>(sz))];
    if (sl)
        return sl;
    const long r = static_cast<long>(std::lround(5.0 / g.s));
    long best = r * r + 1;
    for (long z = sz - r; z <= sz + r; ++z)
        for (long y = sy - r; y <= sy + r; ++y)
            for (long x = sx - r; x <= sx + r; ++x) {
                if (x < 0 || y < 0 || z < 0 || x >= static_cast<long>(g.n[0]) || y >= static_cast<long>(g.n[1]) ||
                    z >= static_cast<long>(g.n[2]))
                    continue;
                unsigned l = labels[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))];
                long d = (x - sx) * (x - sx) + (y - sy) * (y - sy) + (z - sz) * (z - sz);
                if (l && d < best) {
                    best = d;
                    sl = l;
                }
            }
    return sl;
}

/* The body's grid cropped to the bounding box of its mask and the seed, plus @p margin voxels:
 * the 3-D morphology then runs on the body, not on the whole search box. */
void crop_to_body(BodyWork &c, const BodyWork &w, const double seed_lps[3], long margin)
{
    const Grid &g = w.g;
    long lo[3], hi[3];
    double sg[3];
    g.to_grid(sg, seed_lps);
    for (int a = 0; a < 3; ++a)
        lo[a] = hi[a] = std::lround(sg[a]);
    for (size_t z = 0; z < g.n[2]; ++z)
        for (size_t y = 0; y < g.n[1]; ++y)
            for (size_t x = 0; x < g.n[0]; ++x)
                if (w.mask[g.idx(x, y, z)]) {
                    const long q[3] = {static_cast<long>(x), static_cast<long>(y), static_cast<long>(z)};
                    for (int a = 0; a < 3; ++a) {
                        lo[a] = std::min(lo[a], q[a]);
                        hi[a] = std::max(hi[a], q[a]);
                    }
                }
    Grid &cg = c.g;
    cg.s = g.s;
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::max(0L, lo[a] - margin);
        hi[a] = std::min(static_cast<long>(g.n[a]) - 1, hi[a] + margin);
        cg.n[a] = static_cast<size_t>(hi[a] - lo[a] + 1);
        cg.org[a] = g.org[a] + static_cast<double>(lo[a]) * g.s;
    }
    const size_t total = cg.total();
    cg.raw.resize(total);
    cg.sm.resize(total);
    c.mask.resize(total);
    for (size_t z = 0; z < cg.n[2]; ++z)
        for (size_t y = 0; y < cg.n[1]; ++y)
            for (size_t x = 0; x < cg.n[0]; ++x) {
                const size_t i = cg.idx(x, y, z), j = g.idx(x + static_cast<size_t>(lo[0]),
                                                            y + static_cast<size_t>(lo[1]), z + static_cast<size_t>(lo[2]));
                cg.raw[i] = g.raw[j];
                cg.sm[i] = g.sm[j];
                c.mask[i] = w.mask[j];
            }
}

struct Thresholds {
    double m, sd;            /* reference mean and SD (HU) */
    double low, high;        /* abnormal: smoothed HU < low or > high */
    double lm_low, lm_high;  /* lesion means of the lytic / blastic parts (NAN: absent) */
};

/* The lesion mask on the body's grid: two passes (the second with thresholds re-centred half-way
 * between the reference and the first pass's lesion means). @p interior = body minus its shell. */
sps_status lesion_mask(std::vector<unsigned char> &les, const std::vector<unsigned char> &interior, Thresholds &t,
                       const BodyWork &w, const Params &p, const double seed_lps[3], sps_error *err)
{
    const Grid &g = w.g;
    sps_status st = SPS_OK;
    const size_t total = g.total();
    double sg[3];
    g.to_grid(sg, seed_lps);
    les.assign(total, 0);
    t.lm_low = t.lm_high = NAN;
    std::vector<unsigned char> ab(total), cl;
    std::vector<unsigned> labels;
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < total; ++i)
            ab[i] = interior[i] && (g.sm[i] < t.low || g.sm[i] > t.high) ? 1 : 0;
        if ((st = itk_morph_3d(cl, ab, g.n, g.s, p.closing, Morph::close, err)) != SPS_OK)
            return st;
        for (size_t i = 0; i < total; ++i)
            cl[i] = cl[i] && interior[i];
        if ((st = itk_label_3d(labels, cl, g.n, err)) != SPS_OK)
            return st;
        const unsigned sl = seed_label(labels, g, sg);
        if (!sl)
            return sps_error_set(err, SPS_EINVALID, "seed",
                                 "no abnormal bone at the lesion seed (%.1f, %.1f, %.1f) LPS: HU within "
                                 "[%.0f, %.0f] of the reference (mean %.0f HU)",
                                 seed_lps[0], seed_lps[1], seed_lps[2], t.low, t.high, t.m);
        for (size_t i = 0; i < total; ++i)
            les[i] = labels[i] == sl ? 1 : 0;
        if (pass == 1) {
            /* bridge the islands of a mixed lesion (lesion_fill_mm), inside the interior */
            if ((st = itk_morph_3d(cl, les, g.n, g.s, p.lesion_fill_mm, Morph::close, err)) != SPS_OK)
                return st;
            for (size_t i = 0; i < total; ++i)
                les[i] = cl[i] && interior[i];
            break;
        }
        double sl_ = 0, sh_ = 0;
        size_t nl = 0, nh = 0;
        for (size_t i = 0; i < total; ++i)
            if (les[i]) {
                if (g.sm[i] < t.low) {
                    sl_ += g.sm[i];
                    ++nl;
                } else if (g.sm[i] > t.high) {
                    sh_ += g.sm[i];
                    ++nh;
                }
            }
        if (nl > 10) {
            t.lm_low = sl_ / static_cast<double>(nl);
            t.low = std::min(t.low, 0.5 * (t.m + t.lm_low));
        }
        if (nh > 10) {
            t.lm_high = sh_ / static_cast<double>(nh);
            t.high = std::max(t.high, 0.5 * (t.m + t.lm_high));
        }
    }
    return SPS_OK;
}

} // namespace

extern "C" void sps_seg_ct_lesion_clear(sps_seg_ct_lesion *l)
{
    if (!l)
        return;
    std::free(l->lesion_hu);
    std::free(l->reference_hu);
    l->lesion_hu = l->reference_hu = nullptr;
    l->lesion_count = l->reference_count = 0;
}

extern "C" sps_status sps_seg_ct_find_lesion(sps_seg_ct_lesion *out, const sps_volume *ct,
                                             const sps_models *models, const double seed_lps[3],
                                             const double *ref_centre_lps, double ref_radius_mm, sps_error *err)
{
    if (!out)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_find_lesion", "out is required");
    std::memset(out, 0, sizeof *out);
    SPS_CT_TRY {
        sps_status st = check_inputs(ct, seed_lps, err);
        if (st != SPS_OK)
            return st;
        if (ref_centre_lps && !(ref_radius_mm > 0))
            return sps_error_set(err, SPS_EINVALID, "reference", "a given reference sphere needs a radius > 0");
        Params p;
        if ((st = load_params(&p, models, err)) != SPS_OK)
            return st;
        /* one grid, longer along S than a body's by lesion_extra_s_mm at each end (same lattice):
         * the involved body and both neighbours (the reference) are segmented on it */
        BodyWork full, w;
        const long extra = std::lround(p.lesion_extra_s / p.spacing);
        if ((st = itk_resample(full.g, ct, seed_lps, p, extra, err)) != SPS_OK)
            return st;
        const long sv[3] = {static_cast<long>(full.g.n[0] / 2), static_cast<long>(full.g.n[1] / 2),
                            static_cast<long>(full.g.n[2] / 2)};
        if ((st = body_around_seed(full, &out->body, p, sv, err)) != SPS_OK)
            return st;
        crop_to_body(w, full, seed_lps,
                     2 + std::lround(std::max(p.shell, std::max(p.closing, p.lesion_fill_mm)) / full.g.s));
        std::vector<float> ref;
        reference_voxels(ref, out, ct, p, full.g, ref_centre_lps, ref_radius_mm);
        if (static_cast<double>(ref.size()) < p.min_reference_voxels)
            return sps_error_set(err, SPS_EINVALID, "reference",
                                 "no usable normal-bone reference (%zu voxels, need %.0f: an uninvolved body above "
                                 "or below, or a given sphere)",
                                 ref.size(), p.min_reference_voxels);
        Thresholds t;
        double m2 = 0;
        t.m = 0;
        for (float v : ref) {
            t.m += v;
            m2 += double(v) * v;
        }
        t.m /= static_cast<double>(ref.size());
        t.sd = std::sqrt(std::max(0.0, m2 / static_cast<double>(ref.size()) - t.m * t.m));
        t.low = t.m - std::max(p.lytic_sd_factor * t.sd, p.lytic_min);
        t.high = t.m + std::max(p.blastic_sd_factor * t.sd, p.blastic_min);
        /* the body minus its shell (interior), and minus the cortex plus half the largest acquired
         * voxel extent (rim_inner: below the partial volume of the cortex, for the lesion rim) */
        const Grid &g = w.g;
        const sps_geometry *ag = sps_volume_geometry(ct);
        const double voxel_extent = std::max(ag->spacing_mm[0], std::max(ag->spacing_mm[1], ag->spacing_mm[2]));
        const double rim_depth = p.cortex + 0.5 * voxel_extent;
        std::vector<unsigned char> les, interior, rim_inner, dl;
        {
            std::vector<unsigned char> *outs[2] = {&interior, &rim_inner};
            const double radii[2] = {p.shell, rim_depth};
            if ((st = itk_erode_3d(outs, radii, 2, w.mask, g.n, g.s, err)) != SPS_OK)
                return st;
        }
        if ((st = lesion_mask(les, interior, t, w, p, seed_lps, err)) != SPS_OK)
            return st;
        /* extend into the shell where the lesion reaches it and the shell voxel is abnormal too
         * (the re-centred thresholds): a blind dilation added the normal bone and the cortex of
         * the shell wherever a lesion came near it (most of a crushed body's height is shell) */
        if ((st = itk_morph_3d(dl, les, g.n, g.s, p.shell, Morph::dilate, err)) != SPS_OK)
            return st;
        /* The lesion's own rim, for the density class: where the lesion reaches toward the body
         * surface, or its lytic islands sit between blastic ones, the smoothing lifts the lesion
         * voxels at its edge back into the normal range and the thresholded component stops short
         * of it (a mixed lesion's lytic islands at its top and bottom slab were lost:
         * docs/validation.md). Voxels within the shell dilation of the lesion whose resampled
         * (unsmoothed) HU is abnormal are lesion for the class, except those within the cortex plus
         * half the largest acquired voxel extent of the body surface: they hold partial volume of
         * the cortex. */
        std::vector<unsigned char> cls = les;
        size_t nrim = 0;
        for (size_t i = 0; i < g.total(); ++i) {
            if (!dl[i])
                continue;
            if (!les[i] && rim_inner[i] && (g.raw[i] < t.low || g.raw[i] > t.high)) {
                cls[i] = 1;
                ++nrim;
            }
            if (!interior[i] && !(g.sm[i] < t.low || g.sm[i] > t.high))
                dl[i] = 0;
        }
        size_t nles = 0, nbody = 0;
        double cxs = 0, cys = 0, czs = 0;
        std::vector<unsigned char> final_mask(g.total(), 0);
        for (size_t i = 0; i < g.total(); ++i) {
            if (!w.mask[i])
                continue;
            ++nbody;
            if (!(les[i] || (dl[i] && !interior[i])))
                continue;
            final_mask[i] = 1;
            ++nles;
            const size_t x = i % g.n[0], y = (i / g.n[0]) % g.n[1], z = i / (g.n[0] * g.n[1]);
            cxs += static_cast<double>(x);
            cys += static_cast<double>(y);
            czs += static_cast<double>(z);
        }
        /* the density class is computed on the acquired voxels whose centres fall in the lesion
         * inside the shell and its rim (no interpolation blur between the lytic and blastic parts
         * of a mixed lesion; no cortex, which reads as blastic and diluted the lytic part of mixed
         * lesions: docs/validation.md) */
        std::vector<float> hu;
        mask_voxels(hu, ct, g, cls);
        if (!nles)
            return sps_error_set(err, SPS_EINVALID, "seed", "the lesion at the seed lies outside the body mask");
        const double vox = g.s * g.s * g.s, dn = static_cast<double>(nles);
        out->lesion_volume_mm3 = dn * vox;
        out->body_fraction = dn / static_cast<double>(nbody);
        g.to_lps(out->centroid_lps, cxs / dn, cys / dn, czs / dn);
        out->equivalent_radius_mm = std::cbrt(3.0 * out->lesion_volume_mm3 / (4.0 * M_PI));
        out->lesion_hu = static_cast<float *>(std::malloc(hu.size() * sizeof(float)));
        out->reference_hu = static_cast<float *>(std::malloc(ref.size() * sizeof(float)));
        if (!out->lesion_hu || !out->reference_hu) {
            sps_seg_ct_lesion_clear(out);
            return sps_error_set(err, SPS_ENOMEM, "sps_seg_ct_find_lesion", "cannot hold %zu lesion voxels", hu.size());
        }
        std::copy(hu.begin(), hu.end(), out->lesion_hu);
        std::copy(ref.begin(), ref.end(), out->reference_hu);
        out->lesion_count = hu.size();
        out->reference_count = ref.size();
        std::snprintf(out->method, sizeof out->method,
                      "lesion = smoothed HU < %.0f or > %.0f (reference %s: mean %.0f, SD %.0f HU; thresholds "
                      "half-way to the lesion means%s%s) inside the body minus a %.1f mm shell, closed %.1f mm "
                      "(ITK), component at the seed closed %.1f mm; density class on its voxels and on the %zu "
                      "voxels of its rim (within %.1f mm of it, unsmoothed HU abnormal, deeper than %.1f mm under "
                      "the body surface); extended into the shell where abnormal too for the fraction of the "
                      "body mask",
                      t.low, t.high, out->reference_from, t.m, t.sd, std::isnan(t.lm_low) ? "" : ", lytic part",
                      std::isnan(t.lm_high) ? "" : ", blastic part", p.shell, p.closing, p.lesion_fill_mm, nrim,
                      p.shell, rim_depth);
        return SPS_OK;
    }
    SPS_CT_CATCH(err, "sps_seg_ct_find_lesion")
}
