/* body_ct.cpp — semi-automatic CT paths: one click in a vertebral body -> body mask and the six
 * morphometry points; one click in a lesion -> lesion mask, HU voxels for the density class and
 * the lesion fraction of the body. Method (docs/validation.md, "Semi-automatic CT paths"):
 *
 *  1. ITK resamples the CT around the seed (linear) onto a grid aligned with the patient axes
 *     L, P, S with isotropic spacing: every acquisition (axial, sagittal, oblique, any slice
 *     thickness) becomes the same problem in physical space. ITK smooths it (recursive Gaussian).
 *  2. Along the S axis a column is "body" while its smoothed HU is bone (>= bone_min_hu) or
 *     lesion-like (<= lytic_max_hu); a run of disc-like HU (between the two) of at least
 *     disc_min_mm separates the body from the disc. The run around the seed gives the body's
 *     height range at the seed.
 *  3. Footprint: bone projected along S over that range (2-D), opened by ITK (ball of
 *     footprint_opening_mm: pedicles, facets, laminae and ribs go), the component at the seed,
 *     holes filled by ITK. Mid-sagittal plane = footprint centroid (L); stations at -0.8, 0, +0.8
 *     of the half-depth along P.
 *  4. Endplates at each station: the body run of the columns in a small patch, each end refined
 *     to the steepest HU step (sub-voxel, parabola) near the run end; median over the patch.
 *  5. Body mask = every footprint column's body run. Neighbour seeds: past the disc above and
 *     below the middle column.
 *  Lesion: body from the same seed; reference HU from the core of the neighbouring body with the
 *  smaller SD (or a given sphere); abnormal = smoothed HU beyond the lesion_density deltas of the
 *  reference, inside the body minus its cortical shell, closed by ITK, the component at the seed,
 *  thresholds re-centred half-way between reference and lesion means, extended into the shell. */
#include <itkBinaryBallStructuringElement.h>
#include <itkBinaryDilateImageFilter.h>
#include <itkBinaryErodeImageFilter.h>
#include <itkBinaryFillholeImageFilter.h>
#include <itkBinaryMorphologicalClosingImageFilter.h>
#include <itkBinaryMorphologicalOpeningImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <cjson/cJSON.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "seg_itk.h"
#include "spinescore/seg.h"

namespace {

using sps_itk::FloatImage;
using sps_itk::MaskImage;
using Mask2D = itk::Image<unsigned char, 2>;
using Label2D = itk::Image<unsigned int, 2>;
using Label3D = itk::Image<unsigned int, 3>;

struct Params {
    double spacing, roi_half[3], sigma, bone_min, lytic_max, disc_min, open_mm, edge_search;
    double station, patch, min_height, shell, closing, core_fraction, footprint_fill;
    double lytic_sd_factor, lytic_min, blastic_sd_factor, blastic_min;
};

const cJSON *obj(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

bool get_num(const cJSON *sec, const char *key, double *out, sps_error *err, const char *secname)
{
    const cJSON *v = obj(sec, key);
    if (!cJSON_IsNumber(v)) {
        sps_error_set(err, SPS_EFORMAT, "model measurement", "missing number \"%s.%s\"", secname, key);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

sps_status load_params(Params *p, const sps_models *models, sps_error *err)
{
    if (!models)
        return sps_error_set(err, SPS_EINVALID, "models", "models are required (measurement.json)");
    char *text = sps_models_dump(models, "measurement");
    if (!text)
        return sps_error_set(err, SPS_EFORMAT, "model measurement", "model \"measurement\" not loaded");
    cJSON *root = cJSON_Parse(text);
    sps_free(text);
    if (!root)
        return sps_error_set(err, SPS_EFORMAT, "model measurement", "cannot parse the dumped model");
    sps_status st = SPS_EFORMAT;
    const cJSON *s = obj(root, "segmentation_ct"), *d = obj(root, "lesion_density");
    const cJSON *roi = s ? obj(s, "roi_half_mm") : nullptr;
    if (!cJSON_IsObject(s) || !cJSON_IsObject(d)) {
        sps_error_set(err, SPS_EFORMAT, "model measurement",
                      "missing section \"segmentation_ct\" or \"lesion_density\"");
    } else if (!cJSON_IsArray(roi) || cJSON_GetArraySize(roi) != 3) {
        sps_error_set(err, SPS_EFORMAT, "model measurement",
                      "\"segmentation_ct.roi_half_mm\" must be an array of 3 numbers");
    } else {
        for (int a = 0; a < 3; ++a)
            p->roi_half[a] = cJSON_GetArrayItem(roi, a)->valuedouble;
        const char *sc = "segmentation_ct", *dc = "lesion_density";
        if (get_num(s, "grid_spacing_mm", &p->spacing, err, sc) &&
            get_num(s, "smoothing_sigma_mm", &p->sigma, err, sc) &&
            get_num(s, "bone_min_hu", &p->bone_min, err, sc) &&
            get_num(s, "lytic_max_hu", &p->lytic_max, err, sc) &&
            get_num(s, "disc_min_mm", &p->disc_min, err, sc) &&
            get_num(s, "footprint_opening_mm", &p->open_mm, err, sc) &&
            get_num(s, "edge_search_mm", &p->edge_search, err, sc) &&
            get_num(s, "station_fraction", &p->station, err, sc) &&
            get_num(s, "column_patch_mm", &p->patch, err, sc) &&
            get_num(s, "min_body_height_mm", &p->min_height, err, sc) &&
            get_num(s, "shell_mm", &p->shell, err, sc) &&
            get_num(s, "lesion_closing_mm", &p->closing, err, sc) &&
            get_num(s, "core_fraction", &p->core_fraction, err, sc) &&
            get_num(s, "footprint_bone_fraction", &p->footprint_fill, err, sc) &&
            get_num(d, "lytic_delta_sd_factor", &p->lytic_sd_factor, err, dc) &&
            get_num(d, "lytic_delta_min_hu", &p->lytic_min, err, dc) &&
            get_num(d, "blastic_delta_sd_factor", &p->blastic_sd_factor, err, dc) &&
            get_num(d, "blastic_delta_min_hu", &p->blastic_min, err, dc)) {
            if (p->spacing > 0.1 && p->sigma >= 0 && p->bone_min > p->lytic_max && p->disc_min > 0)
                st = SPS_OK;
            else
                sps_error_set(err, SPS_EFORMAT, "model measurement",
                              "segmentation_ct: need grid_spacing_mm > 0.1, bone_min_hu > lytic_max_hu, "
                              "disc_min_mm > 0");
        }
    }
    cJSON_Delete(root);
    return st;
}

/* The canonical grid: patient-axis aligned, isotropic, centred on a seed. Index (x, y, z) with x
 * toward patient left, y posterior, z superior. */
struct Grid {
    size_t n[3];
    double s;       /* spacing, mm */
    double org[3];  /* LPS of voxel (0,0,0) */
    std::vector<float> raw, sm; /* resampled HU, smoothed HU */
    size_t idx(size_t x, size_t y, size_t z) const { return x + n[0] * (y + n[1] * z); }
    void to_lps(double lps[3], double x, double y, double z) const
    {
        lps[0] = org[0] + x * s;
        lps[1] = org[1] + y * s;
        lps[2] = org[2] + z * s;
    }
    void to_grid(double g[3], const double lps[3]) const
    {
        for (int a = 0; a < 3; ++a)
            g[a] = (lps[a] - org[a]) / s;
    }
};

void build_grid(Grid &g, const FloatImage *img, const double seed[3], const Params &p)
{
    g.s = p.spacing;
    for (int a = 0; a < 3; ++a) {
        g.n[a] = static_cast<size_t>(std::ceil(2.0 * p.roi_half[a] / g.s)) + 1;
        g.org[a] = seed[a] - 0.5 * static_cast<double>(g.n[a] - 1) * g.s;
    }
    using Resampler = itk::ResampleImageFilter<FloatImage, FloatImage>;
    Resampler::Pointer rs = Resampler::New();
    rs->SetInput(img);
    rs->SetInterpolator(itk::LinearInterpolateImageFunction<FloatImage, double>::New());
    FloatImage::SizeType size;
    FloatImage::SpacingType sp;
    FloatImage::PointType org;
    FloatImage::DirectionType dir;
    dir.SetIdentity();
    for (unsigned a = 0; a < 3; ++a) {
        size[a] = g.n[a];
        sp[a] = g.s;
        org[a] = g.org[a];
    }
    rs->SetSize(size);
    rs->SetOutputSpacing(sp);
    rs->SetOutputOrigin(org);
    rs->SetOutputDirection(dir);
    rs->SetDefaultPixelValue(-1000.0f); /* outside the field of view: air */
    using Smoother = itk::SmoothingRecursiveGaussianImageFilter<FloatImage, FloatImage>;
    Smoother::Pointer sm = Smoother::New();
    sm->SetInput(rs->GetOutput());
    sm->SetSigma(p.sigma);
    sm->Update();
    FloatImage::Pointer raw = rs->GetOutput();
    const size_t total = g.n[0] * g.n[1] * g.n[2];
    g.raw.assign(raw->GetBufferPointer(), raw->GetBufferPointer() + total);
    g.sm.assign(sm->GetOutput()->GetBufferPointer(), sm->GetOutput()->GetBufferPointer() + total);
}

enum VoxClass { BODYISH = 0, DISCLIKE = 1 };

inline bool disclike(float v, const Params &p) { return v > p.lytic_max && v < p.bone_min; }

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

/* Refine a run end to the steepest step of the smoothed profile near it (sub-voxel). dir = +1 for
 * the upper end (body below, disc above), -1 for the lower end. */
double refine_edge(const Grid &g, const Params &p, size_t x, size_t y, long end, int dir)
{
    const long nz = static_cast<long>(g.n[2]);
    const long w = std::max(2L, static_cast<long>(std::lround(p.edge_search / g.s)));
    float inside = g.sm[g.idx(x, y, static_cast<size_t>(end))];
    /* moving outward: bone -> disc falls, lesion -> disc rises */
    const double sign = inside >= p.bone_min ? -1.0 : 1.0;
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
        double d = sign * (g.sm[g.idx(x, y, static_cast<size_t>(z2))] - g.sm[g.idx(x, y, static_cast<size_t>(z))]);
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
    return bestpos;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return NAN;
    std::sort(v.begin(), v.end());
    size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/* Rasterised convex hull of the set pixels of m (nx x ny) into out (monotone chain). */
void convex_fill(std::vector<unsigned char> &out, const unsigned char *m, long nx, long ny)
{
    std::vector<std::pair<long, long>> pts;
    for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x)
            if (m[x + nx * y]) {
                /* the hull only needs each row's extreme pixels */
                long x2 = x;
                while (x2 + 1 < nx && m[x2 + 1 + nx * y])
                    ++x2;
                pts.emplace_back(x, y);
                if (x2 != x)
                    pts.emplace_back(x2, y);
                x = x2;
            }
    if (pts.size() < 3) {
        for (auto &p : pts)
            out[static_cast<size_t>(p.first + nx * p.second)] = 1;
        return;
    }
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    auto cross = [](const std::pair<long, long> &o, const std::pair<long, long> &a, const std::pair<long, long> &b) {
        return (a.first - o.first) * (b.second - o.second) - (a.second - o.second) * (b.first - o.first);
    };
    std::vector<std::pair<long, long>> h(2 * pts.size());
    size_t k = 0;
    for (size_t i = 0; i < pts.size(); ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], pts[i]) <= 0)
            --k;
        h[k++] = pts[i];
    }
    for (size_t i = pts.size() - 1, t = k + 1; i > 0; --i) {
        while (k >= t && cross(h[k - 2], h[k - 1], pts[i - 1]) <= 0)
            --k;
        h[k++] = pts[i - 1];
    }
    h.resize(k - 1);
    const size_t nh = h.size();
    for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x) {
            bool inside = true;
            for (size_t i = 0; i < nh && inside; ++i)
                if (cross(h[i], h[(i + 1) % nh], {x, y}) < 0)
                    inside = false;
            if (inside)
                out[static_cast<size_t>(x + nx * y)] = 1;
        }
}

struct BodyWork {
    Grid g;
    std::vector<unsigned char> mask; /* body mask on the grid */
    std::vector<unsigned char> foot; /* 2-D footprint, n[0] x n[1] */
};

sps_status body_on_grid(BodyWork &w, sps_seg_ct_body *out, const FloatImage *img, const Params &p,
                        const double seed[3], sps_error *err)
{
    Grid &g = w.g;
    build_grid(g, img, seed, p);
    const long cx = static_cast<long>(g.n[0] / 2), cy = static_cast<long>(g.n[1] / 2),
               cz = static_cast<long>(g.n[2] / 2);
    const long nx = static_cast<long>(g.n[0]), ny = static_cast<long>(g.n[1]);
    /* 1. height range at the seed: median run over a small patch */
    const long pr = std::max(1L, static_cast<long>(std::lround(p.patch / g.s)));
    std::vector<double> los, his;
    for (long y = cy - pr; y <= cy + pr; ++y)
        for (long x = cx - pr; x <= cx + pr; ++x) {
            long lo, hi;
            if (column_run(g, p, static_cast<size_t>(x), static_cast<size_t>(y), cz, &lo, &hi)) {
                los.push_back(static_cast<double>(lo));
                his.push_back(static_cast<double>(hi));
            }
        }
    if (los.size() < 3)
        return sps_error_set(err, SPS_EINVALID, "seed",
                             "no vertebral body at the seed (%.1f, %.1f, %.1f) LPS: disc-like, soft "
                             "tissue or air around it",
                             seed[0], seed[1], seed[2]);
    const long z_lo = static_cast<long>(median(los)), z_hi = static_cast<long>(median(his));
    if ((z_hi - z_lo) * g.s < p.min_height)
        return sps_error_set(err, SPS_EINVALID, "seed", "body at the seed is only %.1f mm tall",
                             (z_hi - z_lo) * g.s);
    /* 2. footprint: bone projected over [z_lo, z_hi] */
    Mask2D::Pointer proj = Mask2D::New();
    {
        Mask2D::RegionType r;
        Mask2D::SizeType sz;
        sz[0] = g.n[0];
        sz[1] = g.n[1];
        r.SetSize(sz);
        proj->SetRegions(r);
        Mask2D::SpacingType sp;
        sp.Fill(g.s);
        proj->SetSpacing(sp);
        proj->Allocate();
        proj->FillBuffer(0);
    }
    unsigned char *pb = proj->GetBufferPointer();
    {
        /* a footprint column holds bone over a good part of the height range (a rib or a process
         * crosses a column over a few mm only; a lytic column is a hole the hull closes) */
        const long zl = std::max(0L, z_lo), zh = std::min(static_cast<long>(g.n[2]) - 1, z_hi);
        const double need_cnt = p.footprint_fill * static_cast<double>(zh - zl + 1);
        for (long y = 0; y < ny; ++y)
            for (long x = 0; x < nx; ++x) {
                long cnt_b = 0, first = -1, last = -1, disc = 0;
                for (long z = zl; z <= zh; ++z) {
                    float v = g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))];
                    if (v >= p.bone_min) {
                        ++cnt_b;
                        if (first < 0)
                            first = z;
                        last = z;
                    } else if (v < -300.0f) {
                        disc += zh - zl; /* air: not a body column */
                    }
                }
                /* or: bone at both ends with lesion-like HU between (a lytic column) */
                if (first >= 0)
                    for (long z = first; z <= last; ++z)
                        if (disclike(g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))], p))
                            ++disc;
                bool body = cnt_b >= need_cnt ||
                            (first >= 0 && static_cast<double>(last - first) >= 0.6 * (zh - zl) &&
                             disc * g.s < 2.0 * p.disc_min);
                pb[x + nx * y] = body ? 1 : 0;
            }
    }
    using SE2 = itk::BinaryBallStructuringElement<unsigned char, 2>;
    SE2 se;
    se.SetRadius(static_cast<itk::SizeValueType>(std::lround(p.open_mm / g.s)));
    se.CreateStructuringElement();
    /* open (pedicles, arch, ribs go; the canal is no longer enclosed), keep the component at
     * the seed, then its convex hull (a lytic lesion that broke the ring) */
    using Open2 = itk::BinaryMorphologicalOpeningImageFilter<Mask2D, Mask2D, SE2>;
    Open2::Pointer op = Open2::New();
    op->SetInput(proj);
    op->SetKernel(se);
    op->SetForegroundValue(1);
    op->SetBackgroundValue(0);
    using CC2 = itk::ConnectedComponentImageFilter<Mask2D, Label2D>;
    CC2::Pointer cc = CC2::New();
    cc->SetInput(op->GetOutput());
    cc->Update();
    const unsigned int *lab = cc->GetOutput()->GetBufferPointer();
    unsigned int seedlab = lab[cx + nx * cy];
    if (!seedlab) { /* nearest labelled pixel within 10 mm */
        double bestd = (10.0 / g.s) * (10.0 / g.s);
        for (long y = 0; y < ny; ++y)
            for (long x = 0; x < nx; ++x)
                if (lab[x + nx * y]) {
                    double d = double((x - cx) * (x - cx) + (y - cy) * (y - cy));
                    if (d < bestd) {
                        bestd = d;
                        seedlab = lab[x + nx * y];
                    }
                }
    }
    if (!seedlab)
        return sps_error_set(err, SPS_EINVALID, "seed",
                             "no vertebral body footprint within 10 mm of the seed (%.1f, %.1f, %.1f) LPS",
                             seed[0], seed[1], seed[2]);
    Mask2D::Pointer fp = Mask2D::New();
    fp->SetRegions(proj->GetLargestPossibleRegion());
    fp->SetSpacing(proj->GetSpacing());
    fp->Allocate();
    for (long i = 0; i < nx * ny; ++i)
        fp->GetBufferPointer()[i] = lab[i] == seedlab ? 1 : 0;
    w.foot.assign(static_cast<size_t>(nx * ny), 0);
    convex_fill(w.foot, fp->GetBufferPointer(), nx, ny);
    /* touching the grid edge means the footprint leaked (or the body is huge) */
    for (long x = 0; x < nx; ++x)
        if (w.foot[x] || w.foot[x + nx * (ny - 1)])
            return sps_error_set(err, SPS_EINVALID, "seed", "body footprint reaches the edge of the %.0f mm search box",
                                 2 * p.roi_half[1]);
    /* 3. mid-sagittal plane and stations */
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
    const unsigned char *opened = fp->GetBufferPointer();
    for (long y = 0; y < ny; ++y)
        if (opened[mxi + nx * y]) {
            if (yfront < 0)
                yfront = y;
            yback = y;
        }
    const double half_depth = 0.5 * (yback - yfront + 1) * g.s;
    const double yc = 0.5 * (yfront + yback);
    const double half_width = 0.5 * (xmax - xmin + 1) * g.s;
    const double st_y[3] = {yc - p.station * half_depth / g.s, yc, yc + p.station * half_depth / g.s};
    const long zmid = (z_lo + z_hi) / 2;
    double top[3], bot[3];
    for (int s = 0; s < 3; ++s) {
        std::vector<double> ts, bs;
        const long ys = std::lround(st_y[s]);
        const long prx = pr, pry = std::max(1L, pr / 2);
        for (long y = ys - pry; y <= ys + pry; ++y)
            for (long x = mxi - prx; x <= mxi + prx; ++x) {
                if (x < 0 || y < 0 || x >= nx || y >= ny || !w.foot[x + nx * y])
                    continue;
                /* the run with the largest overlap with the seed range */
                long lo = -1, hi = -1;
                long bestov = -1;
                for (long z0 = std::max(0L, z_lo); z0 <= z_hi; z0 += std::max(1L, (z_hi - z_lo) / 6)) {
                    long l2, h2;
                    if (!column_run(g, p, static_cast<size_t>(x), static_cast<size_t>(y), z0, &l2, &h2))
                        continue;
                    long ov = std::min(h2, z_hi) - std::max(l2, z_lo);
                    if (ov > bestov) {
                        bestov = ov;
                        lo = l2;
                        hi = h2;
                    }
                }
                (void)zmid;
                if (bestov < 0)
                    continue;
                ts.push_back(refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), hi, +1));
                bs.push_back(refine_edge(g, p, static_cast<size_t>(x), static_cast<size_t>(y), lo, -1));
            }
        if (ts.size() < 2)
            return sps_error_set(err, SPS_EINVALID, "seed",
                                 "no endplates found at the %s station of the body at the seed",
                                 s == 0 ? "anterior" : s == 1 ? "middle" : "posterior");
        top[s] = median(ts);
        bot[s] = median(bs);
    }
    double *sup[3] = {out->points.sup_ant, out->points.sup_mid, out->points.sup_post};
    double *inf[3] = {out->points.inf_ant, out->points.inf_mid, out->points.inf_post};
    for (int s = 0; s < 3; ++s) {
        g.to_lps(sup[s], mx, st_y[s], top[s]);
        g.to_lps(inf[s], mx, st_y[s], bot[s]);
    }
    out->half_width_mm = half_width;
    out->half_depth_mm = half_depth;
    /* 4. body mask */
    const size_t total = g.n[0] * g.n[1] * g.n[2];
    w.mask.assign(total, 0);
    double vx = 0, vy = 0, vz = 0, nvox = 0;
    for (long y = 0; y < ny; ++y)
        for (long x = 0; x < nx; ++x) {
            if (!w.foot[x + nx * y])
                continue;
            long lo = -1, hi = -1, bestov = -1;
            for (long z0 = std::max(0L, z_lo); z0 <= z_hi; z0 += std::max(1L, (z_hi - z_lo) / 4)) {
                long l2, h2;
                if (!column_run(g, p, static_cast<size_t>(x), static_cast<size_t>(y), z0, &l2, &h2))
                    continue;
                long ov = std::min(h2, z_hi) - std::max(l2, z_lo);
                if (ov > bestov) {
                    bestov = ov;
                    lo = l2;
                    hi = h2;
                }
            }
            if (bestov < 0)
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
    /* 5. neighbour seeds: from the middle column, past the disc */
    const long need = std::max(1L, static_cast<long>(std::lround(p.disc_min / g.s)));
    out->has_above = out->has_below = 0;
    for (int dirn = -1; dirn <= 1; dirn += 2) {
        double endz = dirn > 0 ? top[1] : bot[1];
        long z = static_cast<long>(std::lround(endz)) + dirn * need;
        long found = -1;
        const long limit = static_cast<long>(std::lround(20.0 / g.s)); /* a disc is < 20 mm */
        for (long k = 0; k < limit; ++k, z += dirn) {
            if (z < 0 || z >= static_cast<long>(g.n[2]))
                break;
            if (g.sm[g.idx(static_cast<size_t>(mxi), static_cast<size_t>(std::lround(yc)), static_cast<size_t>(z))] >= p.bone_min) {
                found = z;
                break;
            }
        }
        if (found >= 0) {
            double into = found + dirn * (6.0 / g.s);
            double *dst = dirn > 0 ? out->seed_above_lps : out->seed_below_lps;
            g.to_lps(dst, mx, yc, into);
            (dirn > 0 ? out->has_above : out->has_below) = 1;
        }
    }
    /* 6. core (reference ROI candidate): central part of the body */
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
                  "half-depth (models/measurement.json segmentation_ct)",
                  g.s, p.sigma, p.bone_min, p.lytic_max, p.disc_min, p.open_mm, p.station);
    return SPS_OK;
}

sps_status check_inputs(const sps_volume *ct, const double seed[3], sps_error *err)
{
    if (!ct || !seed)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct", "volume and seed are required");
    if (sps_volume_units(ct) != SPS_UNITS_HU)
        return sps_error_set(err, SPS_EINVALID, "volume", "not a CT volume in HU (modality \"%s\")",
                             sps_volume_modality(ct));
    for (int a = 0; a < 3; ++a)
        if (!std::isfinite(seed[a]))
            return sps_error_set(err, SPS_EINVALID, "seed", "seed coordinate %d is not finite", a);
    double ijk[3];
    const sps_geometry *g = sps_volume_geometry(ct);
    sps_geometry_lps_to_index(ijk, g, seed);
    for (int a = 0; a < 3; ++a)
        if (ijk[a] < -0.5 || ijk[a] > static_cast<double>(g->dims[a]) - 0.5)
            return sps_error_set(err, SPS_EINVALID, "seed",
                                 "seed (%.1f, %.1f, %.1f) LPS lies outside the volume", seed[0], seed[1], seed[2]);
    return SPS_OK;
}

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

template <typename TFilter>
MaskImage::Pointer morph(const MaskImage *in, double radius_mm, double s)
{
    using SE = itk::BinaryBallStructuringElement<unsigned char, 3>;
    SE se;
    se.SetRadius(static_cast<itk::SizeValueType>(std::max(1L, std::lround(radius_mm / s))));
    se.CreateStructuringElement();
    typename TFilter::Pointer f = TFilter::New();
    f->SetInput(in);
    f->SetKernel(se);
    f->SetForegroundValue(1);
    f->Update();
    MaskImage::Pointer o = f->GetOutput();
    o->DisconnectPipeline();
    return o;
}

MaskImage::Pointer mask_image(const Grid &g, const std::vector<unsigned char> &m)
{
    MaskImage::Pointer img = MaskImage::New();
    MaskImage::RegionType r;
    MaskImage::SizeType sz;
    for (unsigned a = 0; a < 3; ++a)
        sz[a] = g.n[a];
    r.SetSize(sz);
    img->SetRegions(r);
    MaskImage::SpacingType sp;
    sp.Fill(g.s);
    img->SetSpacing(sp);
    img->Allocate();
    std::copy(m.begin(), m.end(), img->GetBufferPointer());
    return img;
}

} // namespace

extern "C" sps_status sps_seg_ct_find_body(sps_seg_ct_body *out, const sps_volume *ct, const sps_models *models,
                                      const double seed_lps[3], sps_error *err)
{
    if (!out)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_find_body", "out is required");
    std::memset(out, 0, sizeof *out);
    sps_status st = check_inputs(ct, seed_lps, err);
    if (st != SPS_OK)
        return st;
    Params p;
    if ((st = load_params(&p, models, err)) != SPS_OK)
        return st;
    SPS_ITK_TRY {
        FloatImage::Pointer img = sps_itk::import_volume(ct);
        BodyWork w;
        return body_on_grid(w, out, img.GetPointer(), p, seed_lps, err);
    }
    SPS_ITK_CATCH(err, "sps_seg_ct_find_body")
}

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
                                        const double *ref_centre_lps, double ref_radius_mm,
                                        sps_error *err)
{
    if (!out)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_find_lesion", "out is required");
    std::memset(out, 0, sizeof *out);
    sps_status st = check_inputs(ct, seed_lps, err);
    if (st != SPS_OK)
        return st;
    if (ref_centre_lps && !(ref_radius_mm > 0))
        return sps_error_set(err, SPS_EINVALID, "reference", "a given reference sphere needs a radius > 0");
    Params p;
    if ((st = load_params(&p, models, err)) != SPS_OK)
        return st;
    SPS_ITK_TRY {
        FloatImage::Pointer img = sps_itk::import_volume(ct);
        BodyWork w;
        st = body_on_grid(w, &out->body, img.GetPointer(), p, seed_lps, err);
        if (st != SPS_OK)
            return st;
        /* reference */
        std::vector<float> ref;
        if (ref_centre_lps) {
            sphere_voxels(ref, ct, ref_centre_lps, ref_radius_mm);
            std::memcpy(out->reference_centre_lps, ref_centre_lps, sizeof out->reference_centre_lps);
            out->reference_radius_mm = ref_radius_mm;
            std::snprintf(out->reference_from, sizeof out->reference_from, "given");
        } else {
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
                BodyWork nw;
                if (body_on_grid(nw, &nb, img.GetPointer(), p, nseed, nullptr) != SPS_OK || nb.core_count < 30)
                    continue;
                if (nb.core_sd_hu < best_sd) {
                    best_sd = nb.core_sd_hu;
                    /* the core as a sphere for the annotations; voxels from the core ellipse */
                    std::vector<float> v;
                    const double rr = p.core_fraction * std::min(nb.half_depth_mm,
                                                                 0.5 * std::fabs(nb.points.sup_mid[2] - nb.points.inf_mid[2]));
                    double cc[3];
                    for (int a = 0; a < 3; ++a)
                        cc[a] = 0.5 * (nb.points.sup_mid[a] + nb.points.inf_mid[a]);
                    sphere_voxels(v, ct, cc, rr);
                    ref.swap(v);
                    std::memcpy(out->reference_centre_lps, cc, sizeof cc);
                    out->reference_radius_mm = rr;
                    std::snprintf(out->reference_from, sizeof out->reference_from, "%s", which ? "above" : "below");
                }
            }
        }
        if (ref.size() < 30)
            return sps_error_set(err, SPS_EINVALID, "reference",
                                 "no usable normal-bone reference (%zu voxels; need an uninvolved body above or "
                                 "below, or a given sphere)",
                                 ref.size());
        double m = 0, m2 = 0;
        for (float v : ref) {
            m += v;
            m2 += double(v) * v;
        }
        m /= ref.size();
        const double sd = std::sqrt(std::max(0.0, m2 / ref.size() - m * m));
        double low = m - std::max(p.lytic_sd_factor * sd, p.lytic_min);
        double high = m + std::max(p.blastic_sd_factor * sd, p.blastic_min);
        /* interior = body minus its shell */
        const Grid &g = w.g;
        MaskImage::Pointer body = mask_image(g, w.mask);
        using Erode = itk::BinaryErodeImageFilter<MaskImage, MaskImage, itk::BinaryBallStructuringElement<unsigned char, 3>>;
        using Dilate = itk::BinaryDilateImageFilter<MaskImage, MaskImage, itk::BinaryBallStructuringElement<unsigned char, 3>>;
        using Close = itk::BinaryMorphologicalClosingImageFilter<MaskImage, MaskImage, itk::BinaryBallStructuringElement<unsigned char, 3>>;
        MaskImage::Pointer interior = morph<Erode>(body.GetPointer(), p.shell, g.s);
        const unsigned char *inb = interior->GetBufferPointer();
        const size_t total = g.n[0] * g.n[1] * g.n[2];
        double sg[3];
        g.to_grid(sg, seed_lps);
        const size_t sidx = g.idx(static_cast<size_t>(std::lround(sg[0])), static_cast<size_t>(std::lround(sg[1])),
                                  static_cast<size_t>(std::lround(sg[2])));
        std::vector<unsigned char> les(total, 0);
        double lm_low = NAN, lm_high = NAN;
        for (int pass = 0; pass < 2; ++pass) {
            MaskImage::Pointer ab = MaskImage::New();
            ab->CopyInformation(interior);
            ab->SetRegions(interior->GetLargestPossibleRegion());
            ab->Allocate();
            unsigned char *abb = ab->GetBufferPointer();
            for (size_t i = 0; i < total; ++i)
                abb[i] = inb[i] && (g.sm[i] < low || g.sm[i] > high) ? 1 : 0;
            MaskImage::Pointer cl = morph<Close>(ab.GetPointer(), p.closing, g.s);
            unsigned char *clb = cl->GetBufferPointer();
            for (size_t i = 0; i < total; ++i)
                clb[i] = clb[i] && inb[i];
            using CC3 = itk::ConnectedComponentImageFilter<MaskImage, Label3D>;
            CC3::Pointer cc = CC3::New();
            cc->SetInput(cl);
            cc->SetFullyConnected(false);
            cc->Update();
            const unsigned int *lab = cc->GetOutput()->GetBufferPointer();
            unsigned int sl = lab[sidx];
            if (!sl) { /* nearest lesion voxel within 5 mm of the seed */
                const long r = static_cast<long>(std::lround(5.0 / g.s));
                long best = r * r + 1;
                const long sx = std::lround(sg[0]), sy = std::lround(sg[1]), sz = std::lround(sg[2]);
                for (long z = sz - r; z <= sz + r; ++z)
                    for (long y = sy - r; y <= sy + r; ++y)
                        for (long x = sx - r; x <= sx + r; ++x) {
                            if (x < 0 || y < 0 || z < 0 || x >= static_cast<long>(g.n[0]) ||
                                y >= static_cast<long>(g.n[1]) || z >= static_cast<long>(g.n[2]))
                                continue;
                            unsigned int l = lab[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))];
                            long d = (x - sx) * (x - sx) + (y - sy) * (y - sy) + (z - sz) * (z - sz);
                            if (l && d < best) {
                                best = d;
                                sl = l;
                            }
                        }
            }
            if (!sl)
                return sps_error_set(err, SPS_EINVALID, "seed",
                                     "no abnormal bone at the lesion seed (%.1f, %.1f, %.1f) LPS: HU within "
                                     "[%.0f, %.0f] of the reference (mean %.0f HU)",
                                     seed_lps[0], seed_lps[1], seed_lps[2], low, high, m);
            for (size_t i = 0; i < total; ++i)
                les[i] = lab[i] == sl ? 1 : 0;
            if (pass == 0) { /* re-centre the thresholds half-way to the lesion means */
                double sl_ = 0, sh_ = 0;
                size_t nl = 0, nh = 0;
                for (size_t i = 0; i < total; ++i)
                    if (les[i]) {
                        if (g.sm[i] < low) {
                            sl_ += g.sm[i];
                            ++nl;
                        } else if (g.sm[i] > high) {
                            sh_ += g.sm[i];
                            ++nh;
                        }
                    }
                if (nl > 10) {
                    lm_low = sl_ / nl;
                    low = std::min(low, 0.5 * (m + lm_low));
                }
                if (nh > 10) {
                    lm_high = sh_ / nh;
                    high = std::max(high, 0.5 * (m + lm_high));
                }
            }
        }
        /* extend into the shell where the lesion reaches it */
        MaskImage::Pointer lm = mask_image(g, les);
        MaskImage::Pointer dl = morph<Dilate>(lm.GetPointer(), p.shell, g.s);
        const unsigned char *dlb = dl->GetBufferPointer();
        size_t nles = 0, nbody = 0;
        double cxs = 0, cys = 0, czs = 0;
        std::vector<float> hu;
        for (size_t i = 0; i < total; ++i) {
            if (!w.mask[i])
                continue;
            ++nbody;
            bool in = les[i] || (dlb[i] && !inb[i]);
            if (!in)
                continue;
            ++nles;
            size_t x = i % g.n[0], y = (i / g.n[0]) % g.n[1], z = i / (g.n[0] * g.n[1]);
            cxs += x;
            cys += y;
            czs += z;
            hu.push_back(g.raw[i]);
        }
        out->lesion_volume_mm3 = nles * g.s * g.s * g.s;
        out->body_fraction = nbody ? double(nles) / double(nbody) : NAN;
        g.to_lps(out->centroid_lps, cxs / nles, cys / nles, czs / nles);
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
                      "(ITK), component at the seed, extended into the shell; fraction of the body mask",
                      low, high, out->reference_from, m, sd, std::isnan(lm_low) ? "" : ", lytic part",
                      std::isnan(lm_high) ? "" : ", blastic part", p.shell, p.closing);
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "sps_seg_ct_find_lesion")
}
