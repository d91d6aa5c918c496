/* seg_ct.h — the CT semi-automatic paths of src/seg (vertebral body and bone lesion from one
 * click each; src/seg/body_ct*.cpp, body_json.c), behind `--auto` for CT series (src/cli/auto_ct.c, driven by auto.c).
 * Their accuracy on the phantom set is in docs/validation.md, "Semi-automatic CT"; the points
 * they derive are always written back for a reader to check. Link sps_seg. */
#ifndef SPINESCORE_SEG_CT_H
#define SPINESCORE_SEG_CT_H

#include <stddef.h>
#include "spinescore/common.h"
#include "spinescore/core.h"
#include "spinescore/measure.h"
#include "spinescore/volume.h"

SPS_BEGIN_DECL

/* ---- CT semi-automatic paths: vertebral body and bone lesion (src/seg/body_ct*.cpp) ----
 * One click (LPS seed) inside a vertebral body or a lesion on CT. The image around the seed is
 * resampled by ITK onto a grid aligned with the patient axes (L, P, S; isotropic spacing), so
 * axial, sagittal and oblique acquisitions are handled alike; thresholds come from
 * models/measurement.json "segmentation_ct". docs/validation.md gives the method and accuracy. */

/** A segmented vertebral body and its six morphometry points. */
typedef struct sps_seg_ct_body {
    sps_morpho6 points;          /**< on the body's mid-sagittal plane, LPS mm */
    double centre_lps[3];        /**< centroid of the body mask */
    double volume_mm3;           /**< body mask volume (lesion included) */
    double half_width_mm, half_depth_mm; /**< of the body footprint (L-R, A-P) */
    int has_above, has_below;    /**< a neighbouring body was found across the disc */
    double seed_above_lps[3], seed_below_lps[3]; /**< points inside those bodies (if found) */
    double core_mean_hu, core_sd_hu; /**< HU of the central core (the normal-bone reference ROI) */
    size_t core_count;
    char method[512];            /**< what was done, for the evidence */
} sps_seg_ct_body;

/**
 * Segment the vertebral body containing @p seed_lps and place the six morphometry points.
 * @param models  needs "measurement" (section segmentation_ct).
 * @return SPS_OK; SPS_EINVALID (seed outside the volume, not CT/HU, no body found at the seed:
 *         named in err); SPS_EFORMAT (model entry missing); SPS_EINTERNAL (ITK exception text).
 */
SPS_API sps_status sps_seg_ct_find_body(sps_seg_ct_body *out, const sps_volume *ct, const sps_models *models,
                                   const double seed_lps[3], sps_error *err);

/** A lesion segmented from one click, with the voxels for sps_measure_lesion_density. */
typedef struct sps_seg_ct_lesion {
    sps_seg_ct_body body;        /**< the involved vertebral body (segmented from the same seed) */
    double lesion_volume_mm3;
    double body_fraction;        /**< lesion volume / body volume (0-1) */
    double centroid_lps[3];
    double equivalent_radius_mm; /**< radius of the sphere of the same volume */
    float *lesion_hu;            /**< HU of the acquired lesion voxels inside the body minus its cortical shell
                                      (the density class; owned; sps_seg_ct_lesion_clear) */
    size_t lesion_count;
    float *reference_hu;         /**< HU of the normal-bone reference voxels (owned) */
    size_t reference_count;
    double reference_centre_lps[3], reference_radius_mm; /**< reference sphere */
    char reference_from[16];     /**< "above" | "below" (neighbouring body) | "given" */
    char method[768];
} sps_seg_ct_lesion;

/**
 * Segment the lesion containing @p seed_lps (lytic, blastic or mixed) inside its vertebral body.
 * @param ref_centre_lps  normal-bone reference sphere centre, or NULL: the core of the less
 *        heterogeneous neighbouring body (above or below) is used.
 * @param ref_radius_mm   radius of the given sphere (ignored when ref_centre_lps is NULL).
 * @param[out] out  free its arrays with sps_seg_ct_lesion_clear (also on failure).
 * @return SPS_OK; SPS_EINVALID (seed outside a body, no abnormal bone at the seed, no usable
 *         reference: named); SPS_EFORMAT; SPS_ENOMEM; SPS_EINTERNAL.
 */
SPS_API sps_status sps_seg_ct_find_lesion(sps_seg_ct_lesion *out, const sps_volume *ct,
                                     const sps_models *models, const double seed_lps[3],
                                     const double *ref_centre_lps, double ref_radius_mm,
                                     sps_error *err);

/** Free the voxel arrays of a lesion result (NULL-safe, idempotent). */
SPS_API void sps_seg_ct_lesion_clear(sps_seg_ct_lesion *l);

/**
 * Write derived points and regions as a spinescore annotation file (docs/formats.md section 4.1)
 * that a reader can correct and load back with sps_annotations_parse: the six points of each
 * body, and for the lesion a "lesion" sphere (centroid, equal-volume radius), the
 * "reference_bone" sphere, the seed and the vertebra's body_involved_fraction.
 * @param levels, bodies  n vertebrae (level labels such as "T12"); @p lesion may be NULL.
 * @param[out] json_out  caller owns; free with sps_free.
 */
SPS_API sps_status sps_seg_ct_annotations_json(char **json_out, const char *series_uid,
                                               const char *const *levels,
                                               const sps_seg_ct_body *const *bodies, size_t n,
                                               const char *lesion_level,
                                               const sps_seg_ct_lesion *lesion,
                                               const double lesion_seed_lps[3], sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_SEG_CT_H */
