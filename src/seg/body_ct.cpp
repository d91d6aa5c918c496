/* body_ct.cpp — semi-automatic CT paths: one click in a vertebral body -> body mask and the six
 * morphometry points (this file: parameters, input checks, body segmentation; the points are
 * placed by body_ct_landmarks.cpp, the lesion is body_ct_lesion.cpp, the ITK steps are
 * body_ct_itk.cpp). Method (docs/validation.md, "Semi-automatic CT"):
 *
 *  1. ITK resamples the CT around the seed (linear) onto a grid aligned with the patient axes
 *     L, P, S with isotropic spacing: every acquisition (axial, sagittal, oblique, any slice
 *     thickness) becomes the same problem in physical space. ITK smooths it (recursive Gaussian;
 *     the lighter edge smoothing only on the footprint's box, once the footprint is known). The
 *     lesion path resamples one grid longer along S (lesion_extra_s_mm) and segments the involved
 *     body and both neighbours on it.
 *  2. Along the S axis a column is "body" while its smoothed HU is bone (>= bone_min_hu) or
 *     lesion-like (<= lytic_max_hu); a run of disc-like HU (between the two) of at least
 *     disc_min_mm separates the body from the disc. The median run over a small patch around the
 *     seed gives the body's height range at the seed.
 *  3. Footprint: columns holding bone over that range, projected along S (2-D), opened by ITK
 *     (ball of footprint_opening_mm: pedicles, facets, laminae and ribs go), the component at the
 *     seed, then its convex hull (a lytic lesion that broke the ring).
 *  4. (landmarks) Mid-sagittal plane = footprint centroid (L); stations at -0.8, 0, +0.8 of the
 *     half-depth along P. Endplates at each station: the body run of the columns in a small
 *     patch, each end refined to the steepest HU step (sub-voxel, parabola); median over the patch.
 *     At the anterior and posterior stations a disc-like run whose far side lies short of the
 *     neighbour's endplate (found across the disc on the middle column) by more than
 *     disc_plane_tol_mm is the blurred edge of a lesion inside the body, not the disc: the run
 *     goes on past it (a lytic lesion's HU plus partial volume and noise reach the disc band).
 *  5. (landmarks) Body mask = every footprint column's body run. Neighbour seeds: past the disc
 *     above and below the middle column. Core = central ellipse-cylinder (normal-bone reference).
 */
#include <cjson/cJSON.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "body_ct_internal.h"

namespace sps_ct {

namespace {

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

} // namespace

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
            get_num(s, "edge_sigma_mm", &p->edge_sigma, err, sc) &&
            get_num(s, "lesion_extra_s_mm", &p->lesion_extra_s, err, sc) &&
            get_num(s, "edge_margin_mm", &p->edge_margin, err, sc) &&
            get_num(s, "bone_min_hu", &p->bone_min, err, sc) &&
            get_num(s, "lytic_max_hu", &p->lytic_max, err, sc) &&
            get_num(s, "disc_min_mm", &p->disc_min, err, sc) &&
            get_num(s, "disc_plane_tol_mm", &p->disc_plane_tol, err, sc) &&
            get_num(s, "disc_search_max_mm", &p->disc_search_max, err, sc) &&
            get_num(s, "neighbour_seed_depth_mm", &p->neighbour_seed_depth, err, sc) &&
            get_num(s, "endplate_step_max_mm", &p->endplate_step_max, err, sc) &&
            get_num(s, "endplate_cortex_mm", &p->cortex, err, sc) &&
            get_num(s, "endplate_layer_max_mm", &p->layer_max, err, sc) &&
            get_num(s, "endplate_layer_sep_max_mm", &p->layer_sep_max, err, sc) &&
            get_num(s, "endplate_layer_rise_fraction", &p->layer_rise_fraction, err, sc) &&
            get_num(s, "endplate_layer_inside_mm", &p->layer_inside, err, sc) &&
            get_num(s, "trabecular_max_hu", &p->trabecular_max, err, sc) &&
            get_num(s, "seed_search_mm", &p->seed_search, err, sc) &&
            get_num(s, "seed_search_tries", &p->seed_tries, err, sc) &&
            get_num(s, "footprint_opening_mm", &p->open_mm, err, sc) &&
            get_num(s, "edge_search_mm", &p->edge_search, err, sc) &&
            get_num(s, "station_fraction", &p->station, err, sc) &&
            get_num(s, "station_edge_quantile", &p->station_quantile, err, sc) &&
            get_num(s, "column_patch_mm", &p->patch, err, sc) &&
            get_num(s, "min_body_height_mm", &p->min_height, err, sc) &&
            get_num(s, "shell_mm", &p->shell, err, sc) &&
            get_num(s, "lesion_closing_mm", &p->closing, err, sc) &&
            get_num(s, "core_fraction", &p->core_fraction, err, sc) &&
            get_num(s, "footprint_bone_fraction", &p->footprint_fill, err, sc) &&
            get_num(s, "hole_fill_mm", &p->hole_fill_mm, err, sc) &&
            get_num(s, "lesion_fill_mm", &p->lesion_fill_mm, err, sc) &&
            get_num(d, "lytic_delta_sd_factor", &p->lytic_sd_factor, err, dc) &&
            get_num(d, "lytic_delta_min_hu", &p->lytic_min, err, dc) &&
            get_num(d, "blastic_delta_sd_factor", &p->blastic_sd_factor, err, dc) &&
            get_num(d, "blastic_delta_min_hu", &p->blastic_min, err, dc) &&
            get_num(d, "min_reference_voxels", &p->min_reference_voxels, err, dc)) {
            if (p->spacing > 0.1 && p->sigma >= 0 && p->edge_sigma > 0 && p->bone_min > p->lytic_max && p->disc_min > 0 &&
                p->disc_search_max > p->disc_min && p->neighbour_seed_depth > 0 && p->lesion_extra_s >= 0 && p->edge_margin >= 0 && p->station_quantile >= 0.5 && p->station_quantile < 1.0)
                st = SPS_OK;
            else
                sps_error_set(err, SPS_EFORMAT, "model measurement",
                              "segmentation_ct: need grid_spacing_mm > 0.1, bone_min_hu > lytic_max_hu, "
                              "disc_min_mm > 0, disc_search_max_mm > disc_min_mm, neighbour_seed_depth_mm > 0, "
                              "lesion_extra_s_mm >= 0, edge_margin_mm >= 0, "
                              "0.5 <= station_edge_quantile < 1");
        }
    }
    cJSON_Delete(root);
    return st;
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

namespace {

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

/* Flood the background pixels 4-connected to (cx, cy) within a disc of radius r; when the flood
 * stays inside the disc (bone encloses it), set them. */
void fill_seed_hole(std::vector<unsigned char> &m, long nx, long ny, long cx, long cy, long r)
{
    if (m[static_cast<size_t>(cx + nx * cy)])
        return;
    std::vector<unsigned char> seen(m.size(), 0);
    std::vector<long> stack{cx + nx * cy}, region;
    seen[static_cast<size_t>(cx + nx * cy)] = 1;
    while (!stack.empty()) {
        const long i = stack.back();
        stack.pop_back();
        region.push_back(i);
        const long x = i % nx, y = i / nx;
        const long nb[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
        for (const auto &q : nb) {
            if (q[0] < 0 || q[1] < 0 || q[0] >= nx || q[1] >= ny)
                return; /* reached the grid edge */
            if ((q[0] - cx) * (q[0] - cx) + (q[1] - cy) * (q[1] - cy) > r * r)
                return; /* not enclosed within the disc */
            const size_t j = static_cast<size_t>(q[0] + nx * q[1]);
            if (m[j] || seen[j])
                continue;
            seen[j] = 1;
            stack.push_back(static_cast<long>(j));
        }
    }
    for (long i : region)
        m[static_cast<size_t>(i)] = 1;
}

} // namespace

sps_status body_on_grid(BodyWork &w, sps_seg_ct_body *out, const sps_volume *ct, const Params &p,
                        const double seed[3], sps_error *err)
{
    sps_status st = itk_resample(w.g, ct, seed, p, 0, err);
    if (st != SPS_OK)
        return st;
    const long sv[3] = {static_cast<long>(w.g.n[0] / 2), static_cast<long>(w.g.n[1] / 2),
                        static_cast<long>(w.g.n[2] / 2)};
    return body_around_seed(w, out, p, sv, err);
}

namespace {

/* The body just segmented holds grid voxel @p sv: in its footprint, between its lowest inferior and
 * highest superior morphometry point. */
bool body_holds(const BodyWork &w, const sps_seg_ct_body *out, const long sv[3])
{
    const Grid &g = w.g;
    if (!w.foot[static_cast<size_t>(sv[0] + static_cast<long>(g.n[0]) * sv[1])])
        return false;
    const double *pts[6] = {out->points.sup_ant, out->points.sup_mid, out->points.sup_post,
                            out->points.inf_ant, out->points.inf_mid, out->points.inf_post};
    double zmax = -1e30, zmin = 1e30, q[3];
    for (int k = 0; k < 6; ++k) {
        g.to_grid(q, pts[k]);
        if (k < 3)
            zmax = std::max(zmax, q[2]);
        else
            zmin = std::min(zmin, q[2]);
    }
    return static_cast<double>(sv[2]) >= zmin && static_cast<double>(sv[2]) <= zmax;
}

} // namespace

sps_status body_around_seed(BodyWork &w, sps_seg_ct_body *out, const Params &p, const long sv[3], sps_error *err)
{
    const Grid &g = w.g;
    sps_error first;
    sps_error_clear(&first);
    sps_status st = body_from_grid(w, out, p, sv, &first);
    if (st == SPS_OK && !body_holds(w, out, sv)) {
        /* the columns at a click beside a body or in a disc can lead to another body */
        double c[3];
        g.to_lps(c, static_cast<double>(sv[0]), static_cast<double>(sv[1]), static_cast<double>(sv[2]));
        sps_error_set(&first, SPS_EINVALID, "seed",
                      "the body found from the seed (%.1f, %.1f, %.1f) LPS (centre %.1f, %.1f, %.1f) does not hold "
                      "it: is the seed inside a vertebral body?",
                      c[0], c[1], c[2], out->centre_lps[0], out->centre_lps[1], out->centre_lps[2]);
        st = SPS_EINVALID;
    }
    if (st != SPS_EINVALID || !(p.seed_search > 0) || !(p.seed_tries >= 1)) {
        if (st != SPS_OK) {
            std::memset(out, 0, sizeof *out);
            if (err)
                *err = first;
        }
        return st;
    }
    /* a lesion at the click left no body there: retry from the nearest normal trabecular bone */
    const long r = static_cast<long>(std::lround(p.seed_search / g.s));
    const long apart = std::max(1L, static_cast<long>(std::lround(3.0 / g.s)));
    std::vector<std::pair<long, std::array<long, 3>>> cand;
    for (long dz = -r; dz <= r; ++dz)
        for (long dy = -r; dy <= r; ++dy)
            for (long dx = -r; dx <= r; ++dx) {
                const long d2 = dx * dx + dy * dy + dz * dz;
                const long x = sv[0] + dx, y = sv[1] + dy, z = sv[2] + dz;
                if (d2 > r * r || x < 0 || y < 0 || z < 0 || x >= static_cast<long>(g.n[0]) ||
                    y >= static_cast<long>(g.n[1]) || z >= static_cast<long>(g.n[2]))
                    continue;
                const float v = g.sm[g.idx(static_cast<size_t>(x), static_cast<size_t>(y), static_cast<size_t>(z))];
                if (v >= p.bone_min && v <= p.trabecular_max)
                    cand.push_back({d2, {x, y, z}});
            }
    std::stable_sort(cand.begin(), cand.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<std::array<long, 3>> tried;
    for (const auto &c : cand) {
        if (static_cast<double>(tried.size()) >= p.seed_tries)
            break;
        bool near = false;
        for (const auto &t : tried) {
            const long ex = t[0] - c.second[0], ey = t[1] - c.second[1], ez = t[2] - c.second[2];
            near = near || ex * ex + ey * ey + ez * ez < apart * apart;
        }
        if (near)
            continue;
        tried.push_back(c.second);
        const long s2[3] = {c.second[0], c.second[1], c.second[2]};
        if (body_from_grid(w, out, p, s2, nullptr) == SPS_OK && body_holds(w, out, sv)) {
            const size_t n = std::strlen(out->method);
            std::snprintf(out->method + n, sizeof out->method - n,
                          "; no body at the click (%s): found from normal bone %.1f mm from it",
                          first.message, std::sqrt(static_cast<double>(c.first)) * g.s);
            return SPS_OK;
        }
    }
    std::memset(out, 0, sizeof *out);
    if (err) {
        *err = first;
        const size_t n = std::strlen(err->message);
        std::snprintf(err->message + n, sizeof err->message - n,
                      "; no body holding the seed found from the normal bone within %.0f mm (%zu tried)",
                      p.seed_search, tried.size());
    }
    return SPS_EINVALID;
}

sps_status body_from_grid(BodyWork &w, sps_seg_ct_body *out, const Params &p, const long sv[3], sps_error *err)
{
    Grid &g = w.g;
    sps_status st;
    const long cx = sv[0], cy = sv[1], cz = sv[2];
    const long nx = static_cast<long>(g.n[0]), ny = static_cast<long>(g.n[1]);
    if (cx < 0 || cy < 0 || cz < 0 || cx >= nx || cy >= ny || cz >= static_cast<long>(g.n[2]))
        return sps_error_set(err, SPS_EINVALID, "seed", "seed outside the resampled grid");
    double seed[3];
    g.to_lps(seed, static_cast<double>(cx), static_cast<double>(cy), static_cast<double>(cz));
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
    w.z_lo = z_lo;
    w.z_hi = z_hi;
    if ((z_hi - z_lo) * g.s < p.min_height)
        return sps_error_set(err, SPS_EINVALID, "seed", "body at the seed is only %.1f mm tall",
                             (z_hi - z_lo) * g.s);
    /* 2. footprint: bone projected over [z_lo, z_hi] */
    std::vector<unsigned char> proj(static_cast<size_t>(nx * ny), 0);
    unsigned char *pb = proj.data();
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
    /* a lesion at the seed that replaced the bone of most of the height leaves a hole in the
     * projection: fill the hole at the seed when bone encloses it within hole_fill_mm */
    fill_seed_hole(proj, nx, ny, cx, cy, static_cast<long>(std::lround(p.hole_fill_mm / g.s)));
    /* open (pedicles, arch, ribs go; the canal is no longer enclosed), keep the component at
     * the seed, then its convex hull (a lytic lesion that broke the ring) */
    std::vector<unsigned> labels;
    if ((st = itk_open_label_2d(labels, proj, g.n[0], g.n[1], g.s, std::lround(p.open_mm / g.s), err)) != SPS_OK)
        return st;
    const unsigned *lab = labels.data();
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
    w.opened.assign(static_cast<size_t>(nx * ny), 0);
    for (long i = 0; i < nx * ny; ++i)
        w.opened[static_cast<size_t>(i)] = lab[i] == seedlab ? 1 : 0;
    w.foot.assign(static_cast<size_t>(nx * ny), 0);
    convex_fill(w.foot, w.opened.data(), nx, ny);
    /* touching the grid edge means the footprint leaked (or the body is huge) */
    for (long x = 0; x < nx; ++x)
        if (w.foot[x] || w.foot[x + nx * (ny - 1)])
            return sps_error_set(err, SPS_EINVALID, "seed", "body footprint reaches the edge of the %.0f mm search box",
                                 2 * p.roi_half[1]);
    /* the light edge smoothing on the footprint's box only (its walls and endplates are the only
     * edges looked for), widened by the edge search and a margin; along S the body's range plus
     * the neighbour search (disc_search_max_mm past an endplate) */
    {
        long lo[3] = {nx, ny, 0}, hi[3] = {-1, -1, 0};
        for (long y = 0; y < ny; ++y)
            for (long x = 0; x < nx; ++x)
                if (w.foot[static_cast<size_t>(x + nx * y)]) {
                    lo[0] = std::min(lo[0], x);
                    hi[0] = std::max(hi[0], x);
                    lo[1] = std::min(lo[1], y);
                    hi[1] = std::max(hi[1], y);
                }
        const long m = static_cast<long>(std::ceil((p.edge_search + p.edge_margin) / g.s)) + 1;
        const long mz = m + static_cast<long>(std::ceil((p.disc_search_max + p.disc_min) / g.s));
        lo[2] = z_lo - mz;
        hi[2] = z_hi + mz;
        for (int a = 0; a < 3; ++a) {
            if (a < 2) {
                lo[a] -= m;
                hi[a] += m;
            }
            lo[a] = std::max(0L, lo[a]);
            hi[a] = std::min(static_cast<long>(g.n[a]) - 1, hi[a]);
        }
        if ((st = itk_edge_smooth(g, lo, hi, p, err)) != SPS_OK)
            return st;
    }
    return place_landmarks(w, out, p, err);
}

} // namespace sps_ct

extern "C" sps_status sps_seg_ct_find_body(sps_seg_ct_body *out, const sps_volume *ct, const sps_models *models,
                                           const double seed_lps[3], sps_error *err)
{
    if (!out)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_ct_find_body", "out is required");
    std::memset(out, 0, sizeof *out);
    SPS_CT_TRY {
        sps_status st = sps_ct::check_inputs(ct, seed_lps, err);
        if (st != SPS_OK)
            return st;
        sps_ct::Params p;
        if ((st = sps_ct::load_params(&p, models, err)) != SPS_OK)
            return st;
        sps_ct::BodyWork w;
        return sps_ct::body_on_grid(w, out, ct, p, seed_lps, err);
    }
    SPS_CT_CATCH(err, "sps_seg_ct_find_body")
}
