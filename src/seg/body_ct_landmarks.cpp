/* body_ct_landmarks.cpp — landmark extraction of the CT body path (no ITK): body runs along the
 * superior axis between disc-like runs, endplates refined to the steepest HU step, the six
 * morphometry points on the mid-sagittal plane of the footprint, the body mask, seeds in the
 * neighbouring bodies across the discs and the central core used as the normal-bone reference. */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "body_ct_internal.h"

namespace sps_ct {

/* Body run of one column around z0 (grid units): [lo, hi] voxel range of body-ish voxels not
 * interrupted by a disc-like run of >= disc_min. Returns false if z0 itself is in such a run. */
bool column_run(const Grid &g, const Params &p, size_t x, size_t y, long z0, long *lo, long *hi)
{
    const long nz = static_cast<long>(g.n[2]);
    const long need = std::max(1L, static_cast<long>(std::lround(p.disc_min / g.s)));
    if (z0 < 0 || z0 >= nz)
        return false;
    auto dl = [&](long z) { return disclike(g.sm[g.idx(x, y, static_cast<size_t>(z))], p); };
    auto air = [&](long z) { return g.sm[g.idx(x, y, static_cast<size_t>(z))] < -300.0f; };
    /* the start must not sit inside a long disc run */
    long a = z0, b = z0;
    while (a > 0 && dl(a - 1) && dl(a))
        --a;
    while (b < nz - 1 && dl(b + 1) && dl(b))
        ++b;
    if (dl(z0) && b - a + 1 >= need)
        return false;
    long z = z0, run = 0;
    while (z + 1 < nz) {
        long zn = z + 1;
        if (air(zn))
            break;
        if (dl(zn)) {
            if (++run >= need)
                break;
        } else {
            run = 0;
        }
        z = zn;
    }
    *hi = z - run; /* last body-ish voxel */
    z = z0;
    run = 0;
    while (z > 0) {
        long zn = z - 1;
        if (air(zn))
            break;
        if (dl(zn)) {
            if (++run >= need)
                break;
        } else {
            run = 0;
        }
        z = zn;
    }
    *lo = z + run;
    return *hi > *lo;
}

/* A thin bright cortical endplate, blurred by a slice thicker than itself, has its steepest fall
 * (T - t) / 2 outside its surface, while a thick blastic endplate's lies at it. Going inward from
 * the fall at @p fall (grid z, half-step, at the step between @p zf and zf + dir, of size
 * @p fall_mag), the rise onto the layer is looked for within endplate_layer_max_mm. When it is at
 * least endplate_layer_rise_fraction of the fall, no further than endplate_layer_sep_max_mm from
 * it (a 4-mm blastic island at the endplate is not a thin layer) and more than the assumed cortex
 * thickness, and the bone inward of it reads either all normal trabecular (bone_min_hu ..
 * trabecular_max_hu) or all lesion-like (< bone_min_hu: a cortex remnant over a lytic
 * lesion) over endplate_layer_inside_mm, the edge is the layer's centre (half-way between rise and
 * fall) plus half that thickness. Otherwise the fall is returned unchanged. */
static double thin_layer_edge(const Grid &g, const Params &p, size_t x, size_t y, long zf, double fall,
                              double fall_mag, int dir)
{
    if (!(p.layer_max > 0) || !(p.cortex > 0))
        return fall;
    const long nz = static_cast<long>(g.n[2]);
    const long L = std::max(1L, static_cast<long>(std::lround(p.layer_max / g.s)));
    auto v = [&](long z) { return static_cast<double>(g.se[g.idx(x, y, static_cast<size_t>(z))]); };
    /* rise between z and z + dir (outward increasing), z inward of the fall's inner voxel */
    double best = 0;
    long bz = -1;
    std::vector<double> r(static_cast<size_t>(L + 2), 0.0);
    for (long k = 1; k <= L + 1; ++k) {
        const long z = zf - dir * k;
        if (z < 0 || z >= nz || z + dir < 0 || z + dir >= nz)
            break;
        r[static_cast<size_t>(k)] = v(z + dir) - v(z);
        if (k <= L && r[static_cast<size_t>(k)] > best) {
            best = r[static_cast<size_t>(k)];
            bz = k;
        }
    }
    if (bz < 0 || best < p.layer_rise_fraction * fall_mag)
        return fall;
    double off = 0; /* sub-voxel, in units of k (inward) */
    if (bz > 1 && bz <= L) {
        const double y0 = r[static_cast<size_t>(bz - 1)], y1 = r[static_cast<size_t>(bz)], y2 = r[static_cast<size_t>(bz + 1)];
        const double den = y0 - 2 * y1 + y2;
        if (den < 0)
            off = 0.5 * (y0 - y2) / den;
    }
    const double rise = static_cast<double>(zf - dir * bz) + 0.5 * dir - dir * off;
    /* the bone inward of the rise: normal trabecular over endplate_layer_inside_mm */
    const long zi = zf - dir * (bz + 1); /* inward of the rise step (its inner voxel is on the slope) */
    const long M = std::max(1L, static_cast<long>(std::lround(p.layer_inside / g.s)));
    int normal = 0, lytic = 0;
    for (long k = 0; k < M; ++k) {
        const long z = zi - dir * k;
        if (z < 0 || z >= nz)
            return fall;
        const double hu = v(z);
        normal += hu >= p.bone_min && hu <= p.trabecular_max;
        lytic += hu < p.bone_min;
    }
    if (normal != M && lytic != M)
        return fall;
    const double sep = dir * (fall - rise), t = p.cortex / g.s;
    if (sep <= t || sep * g.s > p.layer_sep_max)
        return fall;
    return 0.5 * (rise + fall) + 0.5 * dir * t;
}

/* Refine a run end to the steepest step of the smoothed profile near it (sub-voxel). dir = +1 for
 * the upper end (body below, disc above), -1 for the lower end. */
double refine_edge(const Grid &g, const Params &p, size_t x, size_t y, long end, int dir)
{
    const long nz = static_cast<long>(g.n[2]);
    const long w = std::max(2L, static_cast<long>(std::lround(p.edge_search / g.s)));
    float inside = g.sm[g.idx(x, y, static_cast<size_t>(end))];
    /* moving outward: bone -> disc falls, lesion -> disc rises */
    double sign = inside >= p.bone_min ? -1.0 : 1.0;
    if (sign > 0) {
        /* lytic column: a remnant of the cortical endplate beyond the lesion is the endplate;
         * its bone -> disc step is the edge, not the lesion -> cortex rise before it */
        for (long k = 1; k <= w; ++k) {
            const long z = end + dir * k;
            if (z < 0 || z >= nz)
                break;
            if (g.se[g.idx(x, y, static_cast<size_t>(z))] >= p.bone_min) {
                sign = -1.0;
                end = z;
                break;
            }
        }
    }
    long lo = std::max(1L, std::min(end, end + dir * w)), hi = std::min(nz - 2, std::max(end, end + dir * w));
    lo = std::max(1L, std::min(lo, end - dir * 1));
    hi = std::min(nz - 2, std::max(hi, end - dir * 1));
    lo = std::max(1L, std::min(lo, std::min(end - 2, end + 2)));
    hi = std::min(nz - 2, std::max(hi, std::max(end - 2, end + 2)));
    /* gradient between z and z+dir: evaluate at half steps */
    double best = -1e30;
    double bestpos = end + 0.5 * dir;
    std::vector<double> gr;
    std::vector<long> zs;
    for (long z = lo; z <= hi; ++z) {
        long z2 = z + dir;
        if (z2 < 0 || z2 >= nz)
            continue;
        double d = sign * (g.se[g.idx(x, y, static_cast<size_t>(z2))] - g.se[g.idx(x, y, static_cast<size_t>(z))]);
        gr.push_back(d);
        zs.push_back(z);
    }
    size_t bi = 0;
    for (size_t i = 0; i < gr.size(); ++i)
        if (gr[i] > best) {
            best = gr[i];
            bi = i;
        }
    if (gr.empty() || best <= 0)
        return end + 0.5 * dir;
    double off = 0.0;
    if (bi > 0 && bi + 1 < gr.size() && zs[bi - 1] + 1 == zs[bi] && zs[bi] + 1 == zs[bi + 1]) {
        double y0 = gr[bi - 1], y1 = gr[bi], y2 = gr[bi + 1];
        double den = y0 - 2 * y1 + y2;
        if (den < 0)
            off = 0.5 * (y0 - y2) / den; /* along +z */
    }
    bestpos = static_cast<double>(zs[bi]) + 0.5 * dir + off;
    if (sign < 0)
        bestpos = thin_layer_edge(g, p, x, y, zs[bi], bestpos, best, dir);
    return bestpos;
}

/* The @p f quantile of @p v (linear between order statistics). */
static double quantile(std::vector<double> v, double f)
{
    std::sort(v.begin(), v.end());
    const double r = f * static_cast<double>(v.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(r));
    return i + 1 < v.size() ? v[i] + (r - static_cast<double>(i)) * (v[i + 1] - v[i]) : v[i];
}

double median(std::vector<double> v)
{
    return v.empty() ? NAN : quantile(std::move(v), 0.5);
}

/* Steepest fall of @p prof going outward (dir +1: toward higher index) within w samples of the
 * run end @p end; sub-sample (parabola). The edge lies between samples: end + 0.5 dir if flat. */
double profile_edge(const std::vector<double> &prof, long end, int dir, long w)
{
    const long n = static_cast<long>(prof.size());
    double best = 0;
    long bi = -1;
    std::vector<double> gr(static_cast<size_t>(n), 0.0);
    for (long y = std::max(0L, end - w); y <= std::min(n - 2, end + w); ++y) {
        /* step between y and y+1, outward sign: inside minus outside */
        const double d = dir > 0 ? prof[static_cast<size_t>(y)] - prof[static_cast<size_t>(y + 1)]
                                 : prof[static_cast<size_t>(y + 1)] - prof[static_cast<size_t>(y)];
        gr[static_cast<size_t>(y)] = d;
        if (d > best) {
            best = d;
            bi = y;
        }
    }
    if (bi < 0)
        return end + 0.5 * dir;
    double off = 0;
    if (bi > std::max(0L, end - w) && bi < std::min(n - 2, end + w)) {
        const double y0 = gr[static_cast<size_t>(bi - 1)], y1 = gr[static_cast<size_t>(bi)],
                     y2 = gr[static_cast<size_t>(bi + 1)];
        const double den = y0 - 2 * y1 + y2;
        if (den < 0)
            off = 0.5 * (y0 - y2) / den;
    }
    return static_cast<double>(bi) + 0.5 + off;
}

/* The body run of column (x, y) with the largest overlap with the seed's range [z_lo, z_hi]
 * (started from @p starts points of that range). */
bool best_run(const Grid &g, const Params &p, long x, long y, long z_lo, long z_hi, long starts, long *lo, long *hi)
{
    long bestov = -1;
    for (long z0 = std::max(0L, z_lo); z0 <= z_hi; z0 += std::max(1L, (z_hi - z_lo) / starts)) {
        long l2, h2;
        if (!column_run(g, p, static_cast<size_t>(x), static_cast<size_t>(y), z0, &l2, &h2))
            continue;
        const long ov = std::min(h2, z_hi) - std::max(l2, z_lo);
        if (ov > bestov) {
            bestov = ov;
            *lo = l2;
            *hi = h2;
        }
    }
    return bestov >= 0;
}

/* The first voxel past the disc-like run that follows the run end @p end (dir +1 above, -1
 * below): false when the column reaches air or the grid's end instead. */
bool past_disc(const Grid &g, const Params &p, long x, long y, long end, int dir, long *zb)
{
    const long nz = static_cast<long>(g.n[2]);
    auto dl = [&](long zz) {
        return disclike(g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(zz))], p);
    };
    long z = end + dir;
    /* the run end may sit a voxel inside its last body voxel (column_run) */
    for (int k = 0; k < 2 && z >= 0 && z < nz && !dl(z); ++k)
        z += dir;
    while (z >= 0 && z < nz && dl(z))
        z += dir;
    if (z < 0 || z >= nz || g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))] < -300.0f)
        return false;
    *zb = z;
    return true;
}

/* A disc lies between this body's endplate and the neighbour's. At a station off the middle
 * column, a disc-like run whose far side (the first voxel past it) lies short of the neighbour's
 * endplate plane found on the middle column (cap, grid z) by more than @p tol voxels is not that
 * disc: it is the blurred edge of a lesion inside the body (lesion HU plus partial volume and
 * noise reach the disc band); the body run goes on past it. has_cap[0] / [1]: the lower / upper
 * cap was found (without it nothing is merged). */
void merge_past_lesion(const Grid &g, const Params &p, long x, long y, const long cap[2], const bool has_cap[2],
                       long tol, long *lo, long *hi)
{
    for (int k = 0; k < 2; ++k) {
        if (!has_cap[k])
            continue;
        const int dir = k ? +1 : -1;
        for (int it = 0; it < 4; ++it) {
            long zb, l2, h2;
            long &end = k ? *hi : *lo;
            if (!past_disc(g, p, x, y, end, dir, &zb))
                break;
            if (k ? zb >= cap[1] - tol : zb <= cap[0] + tol)
                break;
            /* the run past it must end before the neighbour's plane: one that runs past it went
             * through a real disc into a neighbour whose endplate is not flat (a collapsed one) */
            if (!column_run(g, p, static_cast<size_t>(x), static_cast<size_t>(y), zb, &l2, &h2) ||
                (k ? h2 > cap[1] : l2 < cap[0]))
                break;
            end = k ? std::max(end, h2) : std::min(end, l2);
        }
    }
}

/* The first bone voxel of the neighbouring body across the disc from the endplate at grid z
 * @p endz of column (x, y), going @p dir: past the endplate's own blur (bone-valued voxels just
 * beyond the refined edge: a blastic endplate blurred by a thick or oblique slice reaches 2-3 mm
 * into the disc) and then at least @p need voxels below bone_min_hu (the disc, as column_run
 * separates bodies). -1 if none within @p limit voxels. */
static long bone_across_disc(const Grid &g, const Params &p, long x, long y, double endz, int dir, long need,
                             long limit)
{
    const long nz = static_cast<long>(g.n[2]);
    auto bone = [&](long z) {
        return g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))] >= p.bone_min;
    };
    long z = static_cast<long>(std::lround(endz)) + dir, k = 0, gap = 0;
    for (; k < limit && z >= 0 && z < nz && bone(z); ++k, z += dir)
        ;
    for (; k < limit && z >= 0 && z < nz; ++k, z += dir) {
        if (!bone(z)) {
            ++gap;
        } else if (gap >= need) {
            return z;
        } else {
            gap = 0; /* a bone-valued blip in the blur or the disc: the disc starts after it */
        }
    }
    return -1;
}


/* A station's endplate from the edges @p z of its patch of columns (@p dy: their row relative to
 * the station's, along P): the @p f quantile, outward, of the edges. A lesion at the endplate
 * shortens columns (a lytic island between bone and disc reads like the disc) and does not
 * lengthen them, so the surface is an outer quantile rather than the median (models
 * station_edge_quantile). At the anterior and posterior stations (@p detrend) the endplate slopes
 * across the patch's rows (wedge, the rim of a biconcave body): the edges are first de-trended by
 * the slope between the medians of the rows behind and in front of the station's, so the quantile
 * does not pick the outer rows. */
static double station_edge(const std::vector<double> &z, const std::vector<double> &dy, double f, bool detrend)
{
    std::vector<double> r = z;
    if (detrend) {
        std::vector<double> zf, zb, yf, yb;
        for (size_t i = 0; i < z.size(); ++i)
            if (dy[i] < 0) {
                zf.push_back(z[i]);
                yf.push_back(dy[i]);
            } else if (dy[i] > 0) {
                zb.push_back(z[i]);
                yb.push_back(dy[i]);
            }
        if (!zf.empty() && !zb.empty()) {
            const double du = median(yb) - median(yf);
            const double slope = du > 0 ? (median(zb) - median(zf)) / du : 0.0;
            for (size_t i = 0; i < z.size(); ++i)
                r[i] = z[i] - slope * dy[i];
        }
    }
    return quantile(r, f);
}

sps_status place_landmarks(BodyWork &w, sps_seg_ct_body *out, const Params &p, sps_error *err)
{
    Grid &g = w.g;
    const long nx = static_cast<long>(g.n[0]), ny = static_cast<long>(g.n[1]);
    const long z_lo = w.z_lo, z_hi = w.z_hi;
    const long pr = std::max(1L, static_cast<long>(std::lround(p.patch / g.s)));
    /* mid-sagittal plane and stations */
    double sx = 0, cnt = 0;
    long xmin = nx, xmax = -1;
    for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x)
            if (w.foot[x + nx * y]) {
                sx += x;
                cnt += 1;
                xmin = std::min(xmin, x);
                xmax = std::max(xmax, x);
            }
    const double mx = sx / cnt;
    const long mxi = std::lround(mx);
    long yfront = -1, yback = -1;
    /* A-P extent on the mid-sagittal line from the opened component, not the hull: the hull
     * bridges the pedicle roots across the front of the canal */
    const unsigned char *opened = w.opened.data();
    for (long y = 0; y < ny; ++y)
        if (opened[mxi + nx * y]) {
            if (yfront < 0)
                yfront = y;
            yback = y;
        }
    if (yfront < 0)
        return sps_error_set(err, SPS_EINVALID, "seed", "the body footprint at the seed does not cross its mid-sagittal line");
    /* the front and back walls refined to the steepest HU step of the mean profile along P over
     * the middle half of the height (the bone threshold lies outside the blurred cortex) */
    std::vector<double> prof(static_cast<size_t>(ny), 0.0);
    {
        const long q = (z_hi - z_lo) / 4;
        long cntp = 0;
        for (long z = std::max(0L, z_lo + q); z <= std::min(static_cast<long>(g.n[2]) - 1, z_hi - q); ++z)
            for (long x = std::max(0L, mxi - pr); x <= std::min(nx - 1, mxi + pr); ++x, ++cntp)
                for (long y = 0; y < ny; ++y)
                    prof[static_cast<size_t>(y)] += g.se[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))];
        for (double &v : prof)
            v /= static_cast<double>(std::max(1L, cntp));
    }
    const double yf = profile_edge(prof, yfront, -1, std::lround(p.edge_search / g.s));
    const double yb = profile_edge(prof, yback, +1, std::lround(p.edge_search / g.s));
    const double half_depth = 0.5 * (yb - yf) * g.s;
    const double yc = 0.5 * (yf + yb);
    const double half_width = 0.5 * (xmax - xmin + 1) * g.s;
    const double st_y[3] = {yc - p.station * half_depth / g.s, yc, yc + p.station * half_depth / g.s};
    double top[3], bot[3];
    /* the middle station first: the bodies above and below it (first bone across each disc on
     * the middle column) cap the other stations and the mask, so a column that runs through a
     * disc it cannot separate (partial volume at the rim) is not taken for the body */
    long cap_lo = 0, cap_hi = static_cast<long>(g.n[2]) - 1;
    bool has_cap[2] = {false, false};
    const long need = std::max(1L, static_cast<long>(std::lround(p.disc_min / g.s)));
    const long plane_tol = std::max(1L, static_cast<long>(std::lround(p.disc_plane_tol / g.s)));
    const long step_max = std::max(1L, static_cast<long>(std::lround(p.endplate_step_max / g.s)));
    /* median run ends over the patch of mid-sagittal columns at y (stations off the middle: the
     * runs go on past lesion edges, merge_past_lesion) */
    auto ends_at = [&](long y, long *lo, long *hi) {
        std::vector<double> l, h;
        const long cap[2] = {cap_lo, cap_hi};
        for (long x = mxi - pr; x <= mxi + pr; ++x) {
            long a, b;
            if (x < 0 || y < 0 || x >= nx || y >= ny || !w.foot[x + nx * y] || !best_run(g, p, x, y, z_lo, z_hi, 6, &a, &b))
                continue;
            merge_past_lesion(g, p, x, y, cap, has_cap, plane_tol, &a, &b);
            l.push_back(static_cast<double>(a));
            h.push_back(static_cast<double>(b));
        }
        if (l.size() < 2)
            return false;
        *lo = std::lround(median(l));
        *hi = std::lround(median(h));
        return true;
    };
    for (int s : {1, 0, 2}) {
        std::vector<double> ts, bs, rows;
        const long ys = std::lround(st_y[s]);
        const long prx = pr, pry = std::max(1L, pr / 2);
        /* An endplate is one continuous surface: followed along the mid-sagittal plane from the
         * middle station to this one, a run end that jumps outward by more than
         * endplate_step_max_mm between neighbouring columns, past the middle station's end, has left it (another structure continues the column, e.g.
         * the arch above a crushed body); past the jump the station's run is cut back to the last
         * continuous end and its edge searched there. */
        bool cut[2] = {false, false};
        long cut_at[2] = {0, 0};
        if (s != 1) {
            const long dy = s == 0 ? -1 : +1;
            long prev[2], mid[2];
            const bool have_mid = ends_at(std::lround(yc), &mid[0], &mid[1]);
            prev[0] = mid[0];
            prev[1] = mid[1];
            if (have_mid)
                for (long y = std::lround(yc) + dy; dy * (y - ys) <= 0; y += dy) {
                    long e[2];
                    if (!ends_at(y, &e[0], &e[1]))
                        continue;
                    for (int k = 0; k < 2; ++k) {
                        if (cut[k])
                            continue;
                        /* outward: away from the body's centre along S */
                        const long jump = k ? e[k] - prev[k] : prev[k] - e[k];
                        const long past_mid = k ? e[k] - mid[k] : mid[k] - e[k];
                        if (std::labs(jump) <= step_max) {
                            prev[k] = e[k];
                        } else if (jump > 0 && past_mid > step_max) {
                            /* a jump outward past the middle station's end */
                            cut[k] = true;
                            cut_at[k] = prev[k];
                        }
                        /* else an isolated column stopped at a lesion edge, or an end coming back
                         * from one toward the middle's endplate: not followed */
                    }
                }
        }
        for (long y = ys - pry; y <= ys + pry; ++y)
            for (long x = mxi - prx; x <= mxi + prx; ++x) {
                /* a station column outside the footprint but inside the walls found on the HU
                 * profile: a lesion took the body's rim there out of the bone projection */
                if (x < 0 || y < 0 || x >= nx || y >= ny ||
                    (!w.foot[x + nx * y] && !(static_cast<double>(y) > yf && static_cast<double>(y) < yb)))
                    continue;
                long lo, hi;
                if (!best_run(g, p, x, y, z_lo, z_hi, 6, &lo, &hi))
                    continue;
                if (s != 1) {
                    const long cap[2] = {cap_lo, cap_hi};
                    merge_past_lesion(g, p, x, y, cap, has_cap, plane_tol, &lo, &hi);
                    if (cut[1] && hi > cut_at[1] + step_max)
                        hi = cut_at[1];
                    if (cut[0] && lo < cut_at[0] - step_max)
                        lo = cut_at[0];
                }
                if (hi > cap_hi || lo < cap_lo)
                    continue;
                ts.push_back(refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), hi, +1));
                bs.push_back(refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), lo, -1));
                rows.push_back(static_cast<double>(y - ys));
            }
        if (ts.size() < 2)
            return sps_error_set(err, SPS_EINVALID, "seed",
                                 "no endplates found at the %s station of the body at the seed",
                                 s == 0 ? "anterior" : s == 1 ? "middle" : "posterior");
        top[s] = station_edge(ts, rows, p.station_quantile, s != 1);
        bot[s] = station_edge(bs, rows, 1.0 - p.station_quantile, s != 1);
        if (s == 1) {
            const long yi = std::lround(yc), lim = static_cast<long>(std::lround(p.disc_search_max / g.s));
            for (int dirn = -1; dirn <= 1; dirn += 2) {
                const long z = bone_across_disc(g, p, mxi, yi, dirn > 0 ? top[1] : bot[1], dirn, need, lim);
                if (z >= 0) {
                    (dirn > 0 ? cap_hi : cap_lo) = z - dirn;
                    has_cap[dirn > 0 ? 1 : 0] = true;
                }
            }
        }
    }
    double *sup[3] = {out->points.sup_ant, out->points.sup_mid, out->points.sup_post};
    double *inf[3] = {out->points.inf_ant, out->points.inf_mid, out->points.inf_post};
    for (int s = 0; s < 3; ++s) {
        g.to_lps(sup[s], mx, st_y[s], top[s]);
        g.to_lps(inf[s], mx, st_y[s], bot[s]);
    }
    out->half_width_mm = half_width;
    out->half_depth_mm = half_depth;
    /* body mask */
    const size_t total = g.n[0] * g.n[1] * g.n[2];
    w.mask.assign(total, 0);
    double vx = 0, vy = 0, vz = 0, nvox = 0;
    for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x) {
            if (!w.foot[x + nx * y])
                continue;
            long lo, hi;
            if (!best_run(g, p, x, y, z_lo, z_hi, 4, &lo, &hi))
                continue;
            lo = std::max(lo, cap_lo + 1);
            hi = std::min(hi, cap_hi - 1);
            if (hi <= lo)
                continue;
            double t = refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), hi, +1);
            double b = refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), lo, -1);
            for (long z = std::max(0L, static_cast<long>(std::ceil(b))); z <= static_cast<long>(std::floor(t)) &&
                                                                         z < static_cast<long>(g.n[2]);
                 ++z) {
                w.mask[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))] = 1;
                vx += x;
                vy += y;
                vz += z;
                nvox += 1;
            }
        }
    if (nvox < 1)
        return sps_error_set(err, SPS_EINVALID, "seed", "empty body mask at the seed");
    out->volume_mm3 = nvox * g.s * g.s * g.s;
    g.to_lps(out->centre_lps, vx / nvox, vy / nvox, vz / nvox);
    /* neighbour seeds: from the middle column, past the disc */
    out->has_above = out->has_below = 0;
    for (int dirn = -1; dirn <= 1; dirn += 2) {
        const long limit = static_cast<long>(std::lround(p.disc_search_max / g.s)); /* a disc is thinner */
        const long found = bone_across_disc(g, p, mxi, std::lround(yc), dirn > 0 ? top[1] : bot[1], dirn, need, limit);
        if (found >= 0) {
            double into = found + dirn * (p.neighbour_seed_depth / g.s);
            double *dst = dirn > 0 ? out->seed_above_lps : out->seed_below_lps;
            g.to_lps(dst, mx, yc, into);
            (dirn > 0 ? out->has_above : out->has_below) = 1;
        }
    }
    /* core (reference ROI candidate): central part of the body */
    double cs = 0, cs2 = 0;
    size_t cc_n = 0;
    const double zc = 0.5 * (top[1] + bot[1]), hz = 0.5 * p.core_fraction * (top[1] - bot[1]);
    const double rx = p.core_fraction * half_width / g.s, ry = p.core_fraction * half_depth / g.s;
    for (long z = static_cast<long>(std::ceil(zc - hz)); z <= static_cast<long>(std::floor(zc + hz)); ++z)
        for (long y = static_cast<long>(std::ceil(yc - ry)); y <= static_cast<long>(std::floor(yc + ry)); ++y)
            for (long x = static_cast<long>(std::ceil(mx - rx)); x <= static_cast<long>(std::floor(mx + rx)); ++x) {
                if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= static_cast<long>(g.n[2]))
                    continue;
                double ex = (x - mx) / rx, ey = (y - yc) / ry;
                if (ex * ex + ey * ey > 1.0)
                    continue;
                size_t i = g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z));
                if (!w.mask[i])
                    continue;
                cs += g.raw[i];
                cs2 += double(g.raw[i]) * g.raw[i];
                ++cc_n;
            }
    out->core_count = cc_n;
    out->core_mean_hu = cc_n ? cs / cc_n : NAN;
    out->core_sd_hu = cc_n ? std::sqrt(std::max(0.0, cs2 / cc_n - out->core_mean_hu * out->core_mean_hu)) : NAN;
    std::snprintf(out->method, sizeof out->method,
                  "ITK: linear resample to a %.2f mm L/P/S grid, recursive Gaussian sigma %.1f mm; body = "
                  "columns of bone (>= %.0f HU) or lesion-like (<= %.0f HU) HU between disc-like runs >= %.1f mm; "
                  "footprint opened %.1f mm; endplates at the steepest HU step; stations -/0/+%.2f of the "
                  "half-depth, a disc-like run there ending > %.1f mm short of the neighbour's endplate on the "
                  "middle column taken as a lesion edge (models/measurement.json segmentation_ct)",
                  g.s, p.sigma, p.bone_min, p.lytic_max, p.disc_min, p.open_mm, p.station, p.disc_plane_tol);
    return SPS_OK;
}

} // namespace sps_ct
