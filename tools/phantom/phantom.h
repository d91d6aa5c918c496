/* phantom.h — analytic spine phantom: spec parsing, exact tissue classification in LPS space,
 * rendering to a voxel grid, DICOM output and the ground-truth file. Tool-internal API. */
#ifndef SPS_PHANTOM_H
#define SPS_PHANTOM_H

#include <stdint.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

#define PH_MAX_VERT 17 /* T1..L5 */
#define PH_MAX_LESIONS 4

/** Tissue classes; each has one CT HU and one MR (T2-like) value. */
typedef enum ph_tissue {
    PH_AIR = 0,
    PH_FAT,          /* subcutaneous fat */
    PH_SOFT,         /* muscle / soft tissue */
    PH_CORTEX,       /* cortical bone */
    PH_TRAB,         /* trabecular bone */
    PH_DISC,         /* intervertebral disc */
    PH_EPIFAT,       /* epidural fat */
    PH_CSF,          /* CSF inside the thecal sac */
    PH_CORD,         /* spinal cord */
    PH_TUMOUR,       /* epidural tumour */
    PH_LYTIC,        /* lytic lesion (bone replaced by tumour soft tissue) */
    PH_BLASTIC,      /* blastic lesion */
    PH_TISSUE_COUNT
} ph_tissue;

/** Anatomical part a point belongs to (for masks and posterolateral regions). */
typedef enum ph_part {
    PH_PART_NONE = 0,
    PH_PART_BODY,
    PH_PART_PEDICLE_L,
    PH_PART_PEDICLE_R,
    PH_PART_LAMINA,
    PH_PART_FACET_L,
    PH_PART_FACET_R,
    PH_PART_TRANSVERSE_L,
    PH_PART_TRANSVERSE_R,
    PH_PART_SPINOUS,
    PH_PART_DISC,
    PH_PART_CANAL,
    PH_PART_COSTOVERT_L, /* rib head and neck (first 8 mm) at the costovertebral joint, T1-T12 */
    PH_PART_COSTOVERT_R,
    PH_PART_RIB_L,       /* rest of the rib in the model (posterior arc only) */
    PH_PART_RIB_R,
    PH_PART_COUNT
} ph_part;

typedef enum ph_lesion_class { PH_LESION_LYTIC = 0, PH_LESION_BLASTIC, PH_LESION_MIXED } ph_lesion_class;
typedef enum ph_plane { PH_PLANE_AXIAL = 0, PH_PLANE_SAGITTAL, PH_PLANE_CORONAL } ph_plane;

/** Result of classifying one point. */
typedef struct ph_class {
    ph_tissue tissue;
    ph_part part;
    int vert;   /**< index into model->vert (cranial first), -1 when none */
    int lesion; /**< 1 + index into model->lesion when inside a bone lesion, else 0 */
} ph_class;

typedef struct ph_lesion {
    int vert;                  /**< vertebra index */
    ph_lesion_class cls;
    double hu_lytic, hu_blastic; /**< CT values used (spec) */
    double body_fraction_spec; /**< requested fraction of the body volume */
    double body_fraction;      /**< achieved (numerical integration, 0.1 mm grid) */
    double blastic_share;      /**< share of the lesion volume that is blastic (mixed only) */
    double pos_frac[3];        /**< spec: centre as fractions of (a, b, H/2); default 0, 0.2, 0 */
    double center_local[3];    /**< ellipsoid centre in the vertebra frame, mm */
    double radii[3];           /**< ellipsoid radii, mm */
    int pedicle[2], facet[2], costo[2]; /**< [0] = left, [1] = right: replaced by tumour */
} ph_lesion;

typedef struct ph_vert {
    char name[4];
    int level;            /**< 0 = T1 ... 16 = L5 */
    double a, b;          /**< body half-width (x) and half-depth (y), mm */
    double h_nom;         /**< nominal (pre-collapse) body height, mm */
    double ha, hm, hp;    /**< actual heights at the anterior/middle/posterior stations */
    double disc_below;    /**< nominal height of the disc below, mm */
    double center[3];     /**< LPS position of the local origin (mid-height of the nominal body) */
    double rot[3][3];     /**< columns: local x (left), y (posterior), z (superior) in LPS */
    double collapse_spec[3]; /**< requested anterior/middle/posterior loss, % of nominal */
    int epidural;         /**< 1 when this level carries the epidural tumour */
} ph_vert;

typedef struct ph_acq {
    int is_mr;
    int is_t1;                       /**< MR only: T1-like instead of T2-like contrast */
    ph_plane plane;
    int cols, rows, slices;
    double col_spacing, row_spacing; /**< PixelSpacing[1], PixelSpacing[0] */
    double thickness, spacing;
    double center[3];
    int center_given;
    double oblique_deg[3];           /**< rotations about L, P, S applied to the slice axes */
    int syntax;                      /**< sps_dw_syntax */
    int supersample;                 /**< samples per axis per voxel (1..4) */
    double noise_sd;                 /**< HU (CT) or signal units (MR) */
    double blur_sigma_mm;            /**< in-plane Gaussian, 0 = none */
    double window_center, window_width;
    /* derived */
    double row_cos[3], col_cos[3], normal[3], first[3];
} ph_acq;

typedef struct ph_model {
    char name[64];
    uint64_t seed;
    uint64_t spec_hash;
    int nvert;
    ph_vert vert[PH_MAX_VERT];
    int nlesion;
    ph_lesion lesion[PH_MAX_LESIONS];
    int collapse_vert;    /**< -1 when none */
    /* alignment at the motion segment below vertebra align_vert */
    int align_vert;       /**< -1 when none */
    double translation_mm[2]; /**< [0] toward patient left (+x), [1] posterior (+y) */
    double kyphosis_deg, scoliosis_deg;
    /* epidural tumour */
    int epi_vert;         /**< -1 when none */
    int bilsky;           /**< 0 = "0", 1 = "1a", 2 = "1b", 3 = "1c", 4 = "2", 5 = "3" */
    double epi_front;     /**< tumour front at the midline, mm from canal centre (anterior < 0) */
    /* canal (same at every level) */
    double canal_rx, canal_ry, sac_rx, sac_ry, sac_off, cord_rx, cord_ry, cord_off;
    double cortex_mm;
    double value_ct[PH_TISSUE_COUNT];
    double value_mr[PH_TISSUE_COUNT];
    ph_acq acq;
    int focus;            /**< vertebra the truth's "expected" block describes */
    int first_level;      /**< level index of vert[0] (0 = T1) */
    /* optional "identifiers" of the spec (tests of de-identification); "" = the synthetic
     * defaults (PHANTOM^SPINE, SPS-PHANTOM-<seed>, empty type-2 attributes) */
    char id_patient_name[64], id_patient_id[64], id_birth_date[16], id_accession[32], id_institution[64],
        id_referring[64], id_performing[64], id_reading[64];
} ph_model;

/** Rendered volume: values in output units (HU or MR signal) and labels at voxel centres. */
typedef struct ph_image {
    int cols, rows, slices;
    float *value;    /**< cols*rows*slices, column fastest */
    uint8_t *tissue; /**< ph_tissue at the voxel centre */
    uint8_t *part;   /**< ph_part at the voxel centre */
    int8_t *vert;    /**< vertebra index at the voxel centre, -1 when none */
    uint8_t *lesion; /**< 1 inside a bone lesion */
} ph_image;

/** Bilsky tokens in model order. */
extern const char *const ph_bilsky_token[6];

/** Parse a JSON spec (text) into a model. @p src names the file in messages. Seed override if
 *  @p seed_override >= 0. */
sps_status ph_model_from_json(ph_model *out, const char *text, const char *src, long long seed_override,
                              sps_error *err);

/** Derive everything from the raw spec inputs (stacking, alignment, lesion size, acquisition
 *  geometry). Called by ph_model_from_json; exposed for tests that edit a model. */
sps_status ph_model_build(ph_model *m, sps_error *err);

/** Classify one LPS point (exact analytic model). */
void ph_classify(const ph_model *m, const double p[3], ph_class *out);

/** Local (vertebra frame) -> LPS, and LPS -> local. */
void ph_to_world(const ph_model *m, int v, const double l[3], double p[3]);
void ph_to_local(const ph_model *m, int v, const double p[3], double l[3]);

/** Body height profile H(y) of vertebra v (local y, mm) and superior endplate z. */
double ph_body_height(const ph_vert *v, double y);
/** Analytic body volume (mm^3), by 1-D integration of the height profile over the ellipse. */
double ph_body_volume(const ph_vert *v);
/** Station y of the anterior (-), middle (0) and posterior (+) morphometry points. */
double ph_station(const ph_vert *v, int which /* 0 ant, 1 mid, 2 post */);

/** Voxel centre (col i, row j, slice k) in LPS. */
void ph_voxel_lps(const ph_model *m, double i, double j, double k, double p[3]);

/** Render the acquisition. Caller frees with ph_image_free. */
sps_status ph_render(const ph_model *m, ph_image *out, sps_error *err);
void ph_image_free(ph_image *img);

/** Write the series (DICOM) into directory @p dir (must exist). */
sps_status ph_write_dicom(const ph_model *m, const ph_image *img, const char *dir, sps_error *err);

/** Ground truth as JSON text. Caller frees with free(). */
sps_status ph_truth_json(const ph_model *m, char **out, sps_error *err);

/** UID seed string of the model (spec hash + seed). */
void ph_uid_seed(const ph_model *m, char *buf, size_t n);

/** Cross-section areas (mm^2) at local z of vertebra v, by 2-D integration on a 0.02 mm grid. */
typedef struct ph_areas {
    double canal, sac, cord, csf, tumour, epifat;
} ph_areas;
void ph_section_areas(const ph_model *m, int v, double z_local, ph_areas *out);

SPS_END_DECL

#endif
