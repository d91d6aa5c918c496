/* body_ct_internal.h — internal to the CT semi-automatic paths (C++ only, no ITK headers).
 *
 *   body_ct.cpp            parameters, input checks, body segmentation (height range at the seed,
 *                          footprint), sps_seg_ct_find_body
 *   body_ct_landmarks.cpp  column runs and endplate edges, the six morphometry points, body mask,
 *                          neighbour seeds, the normal-bone core
 *   body_ct_lesion.cpp     lesion from one click, reference voxels, sps_seg_ct_find_lesion
 *   body_ct_itk.cpp        the only ITK translation unit of these paths: resampling and smoothing,
 *                          2-D opening + components, 3-D morphology and components
 *   body_json.c            annotation JSON writer (plain C)
 *
 * Method: see the comment at the top of body_ct.cpp and docs/validation.md "Semi-automatic CT". */
#ifndef SPS_SEG_BODY_CT_INTERNAL_H
#define SPS_SEG_BODY_CT_INTERNAL_H

#ifndef __cplusplus
#error "body_ct_internal.h is for the C++ CT shims in src/seg only"
#endif

#include <cstddef>
#include <exception>
#include <new>
#include <vector>

#include "spinescore/seg_ct.h"
#include "util_internal.h"

namespace sps_ct {

/** Thresholds from models/measurement.json "segmentation_ct" and "lesion_density". */
struct Params {
    double spacing, roi_half[3], sigma, bone_min, lytic_max, disc_min, open_mm, edge_search;
    double station, station_quantile, patch, min_height, shell, closing, core_fraction, footprint_fill, hole_fill_mm, lesion_fill_mm;
    double edge_sigma, lesion_extra_s, edge_margin, disc_plane_tol, disc_search_max, neighbour_seed_depth, endplate_step_max;
    double cortex, layer_max, layer_sep_max, layer_rise_fraction, layer_inside, trabecular_max, seed_search, seed_tries;
    double lytic_sd_factor, lytic_min, blastic_sd_factor, blastic_min, min_reference_voxels;
};

/** The canonical grid: patient-axis aligned, isotropic, centred on a seed. Index (x, y, z) with x
 *  toward patient left, y posterior, z superior. */
struct Grid {
    size_t n[3];
    double s;                   /* spacing, mm */
    double org[3];              /* LPS of voxel (0,0,0) */
    /* resampled HU, smoothed HU (regions), lightly smoothed HU (edges: computed on the box of the
     * body last segmented on the grid, body_from_grid; sm elsewhere) */
    std::vector<float> raw, sm, se;
    size_t idx(size_t x, size_t y, size_t z) const { return x + n[0] * (y + n[1] * z); }
    size_t total() const { return n[0] * n[1] * n[2]; }
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

/** Everything one body segmentation leaves behind for the lesion path. */
struct BodyWork {
    Grid g;
    std::vector<unsigned char> mask;   /* body mask on the grid */
    std::vector<unsigned char> foot;   /* 2-D footprint (convex hull), n[0] x n[1] */
    std::vector<unsigned char> opened; /* 2-D opened component at the seed (before the hull) */
    long z_lo = 0, z_hi = 0;           /* height range at the seed (grid z) */
};

/* ---- body_ct.cpp ---- */
sps_status load_params(Params *p, const sps_models *models, sps_error *err);
sps_status check_inputs(const sps_volume *ct, const double seed[3], sps_error *err);
/** Grid, footprint, landmarks, mask, neighbours and core of the body at @p seed. */
sps_status body_on_grid(BodyWork &w, sps_seg_ct_body *out, const sps_volume *ct, const Params &p,
                        const double seed[3], sps_error *err);
/** body_from_grid from the seed voxel @p sv or, when there is no body there (a lesion replaced the
 *  bone of most of the height at the click), from the nearest normal trabecular bone within
 *  seed_search_mm: accepted when that body's footprint and height range hold @p sv. */
sps_status body_around_seed(BodyWork &w, sps_seg_ct_body *out, const Params &p, const long sv[3], sps_error *err);
/** The same on a grid already resampled (raw, sm) in w.g, the seed at grid voxel @p sv. Fills
 *  w.g.se on the footprint's box (overwriting the edge smoothing of an earlier body). */
sps_status body_from_grid(BodyWork &w, sps_seg_ct_body *out, const Params &p, const long sv[3], sps_error *err);

/* ---- body_ct_landmarks.cpp ---- */
inline bool disclike(float v, const Params &p) { return v > p.lytic_max && v < p.bone_min; }
/** Body run [lo, hi] of column (x, y) around z0, bounded by disc-like runs >= disc_min or air. */
bool column_run(const Grid &g, const Params &p, size_t x, size_t y, long z0, long *lo, long *hi);
/** A run end refined to the steepest HU step near it (sub-voxel); dir +1 upper end, -1 lower. */
double refine_edge(const Grid &g, const Params &p, size_t x, size_t y, long end, int dir);
double median(std::vector<double> v);
/** Six points, body mask, neighbour seeds and core statistics from the footprint in @p w. */
sps_status place_landmarks(BodyWork &w, sps_seg_ct_body *out, const Params &p, sps_error *err);

/* ---- body_ct_itk.cpp (ITK; every function catches its exceptions) ---- */
/** Linear resampling of @p ct onto the grid centred on @p seed (half extents roi_half_mm, plus
 *  @p extra_s voxels at each end along S on the same lattice), then recursive Gaussian smoothing
 *  (sigma) into g.sm; g.se is left empty (itk_edge_smooth). */
sps_status itk_resample(Grid &g, const sps_volume *ct, const double seed[3], const Params &p, long extra_s,
                        sps_error *err);
/** g.se = g.sm, then inside the box [lo, hi] (grid voxels, inclusive) the raw HU smoothed with the
 *  edge sigma (recursive Gaussian on the box). */
sps_status itk_edge_smooth(Grid &g, const long lo[3], const long hi[3], const Params &p, sps_error *err);
/** Binary opening with a ball of @p radius pixels, then 4-connected components (0 = background). */
sps_status itk_open_label_2d(std::vector<unsigned> &labels, const std::vector<unsigned char> &mask, size_t nx,
                             size_t ny, double spacing, long radius, sps_error *err);
enum class Morph { erode, dilate, close };
/** 3-D binary morphology with the ball of itk::BinaryBallStructuringElement of radius
 *  max(1, round(radius_mm / spacing)) voxels, computed from exact Euclidean distance maps (one per
 *  dilation or erosion, whatever the radius); outside the grid is foreground for the erosion. */
sps_status itk_morph_3d(std::vector<unsigned char> &out, const std::vector<unsigned char> &in, const size_t n[3],
                        double spacing, double radius_mm, Morph op, sps_error *err);
/** Erosions of @p in by @p count balls (radii as itk_morph_3d) from one distance map. */
sps_status itk_erode_3d(std::vector<unsigned char> *out[], const double radius_mm[], int count,
                        const std::vector<unsigned char> &in, const size_t n[3], double spacing, sps_error *err);
/** 6-connected components of a 3-D mask (0 = background). */
sps_status itk_label_3d(std::vector<unsigned> &labels, const std::vector<unsigned char> &mask, const size_t n[3],
                        sps_error *err);

} // namespace sps_ct

/* Guard for the extern "C" entry points of the ITK-free CT files: nothing C++ escapes into C. */
#define SPS_CT_TRY try
#define SPS_CT_CATCH(err, where)                                                                \
    catch (const std::bad_alloc &) {                                                            \
        return sps_error_set((err), SPS_ENOMEM, (where), "out of memory");                      \
    }                                                                                           \
    catch (const std::exception &sps_ct_e_) {                                                   \
        return sps_error_set((err), SPS_EINTERNAL, (where), "C++ exception: %s", sps_ct_e_.what()); \
    }                                                                                           \
    catch (...) {                                                                               \
        return sps_error_set((err), SPS_EINTERNAL, (where), "unknown C++ exception");           \
    }

#endif /* SPS_SEG_BODY_CT_INTERNAL_H */
