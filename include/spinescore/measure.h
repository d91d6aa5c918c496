/* measure.h — image measurements turned into proposed SINS components and an ESCC grade.
 * Plain C; points are DICOM patient coordinates (LPS, mm). Every result records the value, the
 * method, the threshold and the model entry (models/measurement.json) that produced it. */
#ifndef SPINESCORE_MEASURE_H
#define SPINESCORE_MEASURE_H

#include "spinescore/common.h"
#include "spinescore/core.h"
#include "spinescore/volume.h"

SPS_BEGIN_DECL

/** The six morphometry points of one vertebral body on the mid-sagittal plane (LPS, mm). */
typedef struct sps_morpho6 {
    double sup_ant[3], sup_mid[3], sup_post[3]; /**< superior endplate: anterior, middle, posterior */
    double inf_ant[3], inf_mid[3], inf_post[3]; /**< inferior endplate: anterior, middle, posterior */
} sps_morpho6;

/** Anterior, middle and posterior heights (mm): distance between matching endplate points. */
typedef struct sps_heights {
    double ha_mm, hm_mm, hp_mm;
} sps_heights;

/** Heights of one vertebra from its six points (clinical-reference.md section 4.2). */
SPS_API void sps_measure_heights(sps_heights *out, const sps_morpho6 *m);

/** Where the expected (pre-fracture) heights came from. */
typedef enum sps_collapse_reference {
    SPS_COLLAPSE_REF_NONE = 0,          /**< not computable */
    SPS_COLLAPSE_REF_NEIGHBOURS = 1,    /**< mean of the uninvolved vertebrae above and below */
    SPS_COLLAPSE_REF_ONE_NEIGHBOUR = 2, /**< only one uninvolved neighbour was given */
    SPS_COLLAPSE_REF_OWN_POSTERIOR = 3  /**< no neighbour: own Hp (Ha/Hp, Hm/Hp); posterior loss unknown */
} sps_collapse_reference;

/** Collapse of one vertebral body and the proposed SINS collapse category. */
typedef struct sps_collapse {
    sps_heights heights;          /**< of the involved vertebra */
    sps_heights reference;        /**< expected heights (NaN where not applicable) */
    sps_collapse_reference reference_method;
    double loss_pct[3];           /**< height loss anterior, middle, posterior (%); NaN if unknown */
    double collapse_pct;          /**< largest of loss_pct (%) */
    int genant_grade;             /**< 0-3 (Genant 1993, automated bands of models/measurement.json) */
    double body_involved_fraction;/**< lesion fraction of the body (0-1) as given; NaN if unknown */
    char sins_token[32];          /**< "gt50" | "lt50" | "no_collapse_gt50_involved" | "none"; "" if not computable */
    char near_cut[256];           /**< non-empty when the value that decided the category lies within
                                       measurement.collapse.near_cut_points (or near_cut_fraction) of
                                       a SINS cut: the category may change within the measurement
                                       error; the reader should check the points. "" otherwise */
    double near_cut_at;           /**< the cut it is near: a collapse % (near_cut_is_fraction 0) or
                                       a body fraction (1); NaN when near_cut is "" */
    int near_cut_is_fraction;
    char explanation[1024];       /**< method, thresholds and model entries, for the report */
} sps_collapse;

/**
 * Collapse % and the proposed SINS collapse category (clinical-reference.md sections 1.4, 4).
 * @param above, below  uninvolved neighbours (either may be NULL).
 * @param body_involved_fraction  lesion volume fraction of the body (0-1), or NaN if unknown:
 *        without it, "no measurable collapse" cannot be told from "no collapse, > 50 % involved",
 *        so the category is left empty (not computable) when no collapse is measured.
 * @return SPS_OK; SPS_EINVALID for degenerate points (a height <= 0) or a fraction outside 0-1;
 *         SPS_EFORMAT if models/measurement.json lacks an entry.
 */
SPS_API sps_status sps_measure_collapse(sps_collapse *out, const sps_models *models,
                                        const sps_morpho6 *target, const sps_morpho6 *above,
                                        const sps_morpho6 *below, double body_involved_fraction,
                                        sps_error *err);

/** Lesion density class against a normal-bone reference ROI (clinical-reference.md section 3.2). */
typedef struct sps_lesion_density {
    double ref_mean_hu, ref_sd_hu;
    size_t ref_count, lesion_count;
    double lesion_mean_hu;
    double lytic_below_hu, blastic_above_hu; /**< voxel thresholds used */
    double fraction_lytic, fraction_blastic;
    char sins_token[32]; /**< "lytic" | "mixed" | "blastic"; "" = indeterminate (reader decides) */
    char explanation[768];
} sps_lesion_density;

/**
 * Classify lesion voxels (HU) against reference voxels (HU).
 * @return SPS_OK (token may be "" = indeterminate), SPS_EINVALID if either set is smaller than the
 *         minimum voxel counts of models/measurement.json, SPS_EFORMAT for a model problem.
 */
SPS_API sps_status sps_measure_lesion_density(sps_lesion_density *out, const sps_models *models,
                                              const float *lesion_hu, size_t lesion_count,
                                              const float *reference_hu, size_t reference_count,
                                              sps_error *err);

/** Sagittal (and optional coronal) alignment of one motion segment. */
typedef struct sps_alignment_input {
    /** posterior-inferior corner of the upper vertebra; the lower vertebra's posterior wall
     *  (posterior-superior and posterior-inferior corners) and anterior-superior corner; LPS mm */
    double upper_post_inf[3], lower_post_sup[3], lower_post_inf[3], lower_ant_sup[3];
    /** endplate lines for the segmental angle: superior endplate of the vertebra above (post, ant)
     *  and inferior endplate of the vertebra below (post, ant) */
    double upper_end_post[3], upper_end_ant[3], lower_end_post[3], lower_end_ant[3];
    int has_coronal;          /**< non-zero if the coronal endplate lines below are given */
    double cor_upper_right[3], cor_upper_left[3], cor_lower_right[3], cor_lower_left[3];
    int deformity_preexisting;/**< reader: the deformity was on a prior study (not de novo) */
} sps_alignment_input;

typedef struct sps_alignment {
    double translation_mm;       /**< AP offset of the upper posterior-inferior corner from the lower
                                      posterior wall, perpendicular to that wall (White & Panjabi
                                      construction with the endplate taken perpendicular to the wall) */
    double translation_pct;      /**< of the lower body's AP depth (superior endplate length) */
    double kyphosis_deg;         /**< sagittal segmental angle (Cobb of the two endplates), >= 0 */
    double coronal_deg;          /**< coronal segmental angle; NaN if not given */
    char sins_token[32];         /**< "subluxation_translation" | "de_novo_deformity" | "normal" */
    int needs_confirmation;      /**< de novo deformity must be confirmed as new by the reader */
    char explanation[768];
} sps_alignment;

SPS_API sps_status sps_measure_alignment(sps_alignment *out, const sps_models *models,
                                         const sps_alignment_input *in, sps_error *err);

/** Posterolateral involvement from per-side marks (pedicle, facet, costovertebral joint). */
typedef struct sps_posterolateral_input {
    int left_pedicle, left_facet, left_costovertebral;
    int right_pedicle, right_facet, right_costovertebral;
    int lamina_or_spinous_only; /**< tumour only in lamina/spinous process: does not count */
} sps_posterolateral_input;

typedef struct sps_posterolateral {
    int left, right;
    char sins_token[32]; /**< "none" | "unilateral" | "bilateral" */
    char explanation[512];
} sps_posterolateral;

SPS_API sps_status sps_measure_posterolateral(sps_posterolateral *out, const sps_models *models,
                                              const sps_posterolateral_input *in, sps_error *err);

/** Axial canal findings at the level of worst compression and at a normal reference level. */
typedef struct sps_escc_input {
    int epidural_tumor;              /**< epidural soft tissue outside the bone margin */
    double sac_area_mm2, ref_sac_area_mm2;
    double cord_area_mm2, ref_cord_area_mm2;
    double cord_ap_mm, cord_transverse_mm, ref_cord_ap_mm, ref_cord_transverse_mm; /**< NaN if unknown */
    double tumor_cord_distance_mm;   /**< closest tumour-cord distance; 0 = touching */
    double csf_rim_fraction;         /**< fraction of the cord outline with CSF next to it (0-1) */
    double pixel_mm;                 /**< in-plane pixel size, for the contact tolerance */
} sps_escc_input;

typedef struct sps_escc_finding {
    double sac_area_ratio, cord_area_ratio, cord_ap_ratio_fraction;
    int sac_deformed, cord_contact, cord_compressed, csf_visible;
    char grade[4]; /**< "0" "1a" "1b" "1c" "2" "3" */
    char explanation[768];
} sps_escc_finding;

SPS_API sps_status sps_measure_escc(sps_escc_finding *out, const sps_models *models,
                                    const sps_escc_input *in, sps_error *err);

/* ---- annotations: landmarks and regions placed by a reader (docs/formats.md) --------------- */

/** Parsed annotations (spinescore JSON or 3D Slicer markups). Opaque; free with sps_annotations_free(). */
typedef struct sps_annotations sps_annotations;

/**
 * Converts a pixel reference to LPS (mm). Supplied by the caller that knows the series geometry
 * (the DICOM front end); return 0 on success, non-zero if the reference is unknown.
 * @param sop_uid  SOPInstanceUID or NULL; @param instance InstanceNumber or -1; frame is 1-based.
 */
typedef int (*sps_pixel_resolver)(void *ctx, const char *series_uid, const char *sop_uid, int instance,
                                  int frame, double column, double row, double lps_out[3]);

/**
 * Parse a spinescore annotation file (format "spinescore-annotations") or a 3D Slicer markups
 * file (.mrk.json: point lists, lines, angles, closed curves; LPS or RAS). Labels are checked
 * against the level vocabulary of models/sins.json and the roles of docs/formats.md; an unknown
 * label, a level that does not exist, a duplicate point or an incomplete set names the item.
 * @param resolver  converts pixel references; NULL refuses them (with the item named).
 * @param[out] out  caller owns; free with sps_annotations_free(). NULL on failure.
 * @return SPS_OK, SPS_EFORMAT (malformed JSON: origin:line:column), SPS_EINVALID (an item).
 */
SPS_API sps_status sps_annotations_parse(sps_annotations **out, const sps_models *models,
                                         const char *json, size_t len, const char *origin,
                                         sps_pixel_resolver resolver, void *resolver_ctx,
                                         sps_error *err);

SPS_API void sps_annotations_free(sps_annotations *a);

/** Number of points parsed, and whether all six morphometry points of @p level are present. */
SPS_API size_t sps_annotations_point_count(const sps_annotations *a);
SPS_API int sps_annotations_has_morpho6(const sps_annotations *a, const char *level, sps_morpho6 *out);

/**
 * The first outline of @p role ("sac_outline", "cord_outline", "tumor_outline") at @p slice
 * ("worst" | "reference") of @p level (NULL = any level). @p lps is borrowed from @p a;
 * @p found_level (8 bytes, may be NULL) receives its level. @return the vertex count, 0 if absent.
 */
SPS_API size_t sps_annotations_outline(const sps_annotations *a, const char *level, const char *role,
                                       const char *slice, const double (**lps)[3], char found_level[8]);

/** A region as annotated (role "lesion", "reference_bone" or "body"); polygon points borrowed. */
typedef struct sps_annotation_region {
    char level[8], role[24];
    int polygon;               /**< 0 sphere (centre_lps, radius_mm), 1 polygon on one plane */
    double centre_lps[3], radius_mm;
    const double (*polygon_lps)[3];
    size_t npolygon;
} sps_annotation_region;

/** Regions in file order: count, and region @p i (returns 0 when out of range). */
SPS_API size_t sps_annotations_region_count(const sps_annotations *a);
SPS_API int sps_annotations_region(const sps_annotations *a, size_t i, sps_annotation_region *out);

/** The level next to @p level in the vocabulary of models/sins.json (@p dir -1 above, +1 below).
 *  @param[out] out 8 bytes. @return 1, or 0 when there is none. */
SPS_API int sps_annotations_adjacent_level(const sps_annotations *a, const char *level, int dir, char out[8]);

/**
 * Derive every measurement the annotations allow for the lesion at @p level and write them as
 * JSON (caller owns; free with sps_free): {"level", "measurements": {collapse, alignment,
 * posterolateral, escc}, "lesion": {...a case lesion with measured SINS components and ESCC...},
 * "not_measured": [{"component", "why"}]}. The lesion object feeds `spinescore decide`.
 * @return SPS_OK, SPS_EINVALID (level not annotated or geometry degenerate; named), SPS_EFORMAT.
 */
SPS_API sps_status sps_measure_lesion_json(char **json_out, const sps_models *models,
                                           const sps_annotations *a, const char *level,
                                           sps_error *err);

/**
 * Same as sps_measure_lesion_json, measured against a loaded series as well (@p vol may be NULL):
 * the lesion regions of the level (role "lesion": spheres and/or polygons on slices) and the
 * normal-bone reference regions (role "reference_bone", any level) give the bone-lesion class
 * through sps_measure_lesion_density when the series is CT (HU); when the body of the level is
 * outlined (role "body"), the lesion fraction of the body is measured (voxels of the lesion
 * region inside the body / voxels of the body) and used for the collapse category in place of
 * vertebrae[].body_involved_fraction. A voxel belongs to a sphere when its centre is inside it,
 * and to a polygon when the polygon's plane passes through the voxel and its centre projects
 * inside the polygon.
 * @return as sps_measure_lesion_json; SPS_EINVALID also for a region without any voxel or with
 *         fewer voxels than models/measurement.json lesion_density asks for (named).
 */
SPS_API sps_status sps_measure_lesion_json_volume(char **json_out, const sps_models *models,
                                                  const sps_annotations *a, const sps_volume *vol,
                                                  const char *level, sps_error *err);

/**
 * Check that every point, outline vertex, sphere centre and polygon vertex lies inside the
 * volume (voxel centres +/- half a voxel). @return SPS_OK or SPS_EINVALID naming the item, its
 * LPS position and its voxel position.
 */
SPS_API sps_status sps_annotations_check_volume(const sps_annotations *a, const sps_volume *vol,
                                                sps_error *err);

/**
 * The level to measure when none is given: the only level marked as the lesion (a "lesion"
 * region, a "tumor_outline" at the worst slice, pedicle/facet/costovertebral marks, or
 * vertebrae[].involved true).
 * @param[out] level  8 bytes. @return SPS_OK, SPS_EINVALID when there is none or several
 *         (the candidates are listed in err).
 */
SPS_API sps_status sps_annotations_lesion_level(const sps_annotations *a, char level[8], sps_error *err);

SPS_END_DECL

#endif
