/* render.h — annotated PNG snapshots of the findings, drawn on the plane where they were measured.
 * cairo draws, libpng writes (tEXt: Software, SeriesInstanceUID, Description); each call writes
 * one PNG atomically (temporary name in the same folder, then rename). Points are DICOM patient
 * coordinates (LPS, mm). The numbers printed are the ones passed in (what src/measure measured,
 * what src/core decided); the renderer never re-derives a clinical result. docs/snapshots.md. */
#ifndef SPINESCORE_RENDER_H
#define SPINESCORE_RENDER_H

#include <stddef.h>
#include "spinescore/common.h"
#include "spinescore/measure.h"
#include "spinescore/volume.h"

SPS_BEGIN_DECL

/**
 * A display plane. Image pixel (c, r) of the image area (0 <= c < width, 0 <= r < height) shows
 * the LPS position centre_lps + (c + 0.5 - width/2) * pixel_mm * right_lps
 *                              + (r + 0.5 - height/2) * pixel_mm * down_lps,
 * i.e. right_lps points to the right of the screen and down_lps down the screen.
 */
typedef struct sps_render_view {
    double centre_lps[3];
    double right_lps[3]; /**< unit LPS vector along an image row, left -> right */
    double down_lps[3];  /**< unit LPS vector down an image column, top -> bottom */
    double pixel_mm;     /**< mm per image pixel (> 0) */
    int width, height;   /**< image area in pixels (16..4096) */
} sps_render_view;

/** How grey values are mapped to the screen. */
typedef enum sps_render_window_kind {
    SPS_RENDER_WINDOW_AUTO = 0, /**< by finding: CT bone for bone findings, CT soft tissue for the
                                     canal; MR (or unknown units) from percentiles of the plane */
    SPS_RENDER_WINDOW_CT_BONE,  /**< centre/width SPS_RENDER_CT_BONE_* (HU) */
    SPS_RENDER_WINDOW_CT_SOFT,  /**< centre/width SPS_RENDER_CT_SOFT_* (HU) */
    SPS_RENDER_WINDOW_PERCENTILE, /**< SPS_RENDER_PCT_LOW..SPS_RENDER_PCT_HIGH of the plane's pixels */
    SPS_RENDER_WINDOW_EXPLICIT  /**< centre/width given (e.g. DICOM WindowCenter/Width (0028,1050/1051)) */
} sps_render_window_kind;

/* Display conventions (not clinical thresholds; docs/snapshots.md gives the sources). */
#define SPS_RENDER_CT_BONE_CENTRE 400.0   /**< HU; bone window L 400 / W 1800 */
#define SPS_RENDER_CT_BONE_WIDTH 1800.0
#define SPS_RENDER_CT_SOFT_CENTRE 40.0    /**< HU; soft-tissue window L 40 / W 400 */
#define SPS_RENDER_CT_SOFT_WIDTH 400.0
#define SPS_RENDER_PCT_LOW 1.0            /**< percentile mapped to black */
#define SPS_RENDER_PCT_HIGH 99.5          /**< percentile mapped to white */

typedef struct sps_render_window {
    sps_render_window_kind kind;
    double centre, width; /**< used by SPS_RENDER_WINDOW_EXPLICIT (width > 0) */
} sps_render_window;

/** Options shared by every snapshot. Zero-initialise, then set what you need. */
typedef struct sps_render_options {
    const sps_render_view *view;    /**< NULL: the plane is fitted to the finding (recommended) */
    int size_px;                    /**< image-area side when the view is fitted; 0 = 512 */
    sps_render_window window;       /**< kind 0 = AUTO */
    const char *series_description; /**< (0008,103E) for the title line; NULL or "" = omitted */
    const char *series_uid;         /**< tEXt SeriesInstanceUID; NULL = sps_volume_series_uid() */
} sps_render_options;

/** What a call drew: the plane, where its image area sits in the PNG, the window and scale bar. */
typedef struct sps_render_result {
    sps_render_view view;
    int image_x, image_y;        /**< top-left corner of the image area in the PNG (pixels) */
    int png_width, png_height;
    double window_centre, window_width; /**< 0, 0 for the summary card */
    double scale_bar_mm;         /**< length the bar stands for (its label); 0 if none */
    double scale_bar_px;         /**< its drawn length = scale_bar_mm / pixel_mm */
    int scale_bar_x, scale_bar_y;/**< left end of the bar in the PNG (pixels, centre of its 3-px line) */
    char orientation[4][4];      /**< letters at the left, right, top and bottom edges ("A", "PI") */
} sps_render_result;

/** Overlay colours (opaque RGB, 0xRRGGBB): tests and docs refer to them. */
#define SPS_RENDER_COLOUR_TARGET 0xFFD400u    /**< target vertebra points, lines, lesion region */
#define SPS_RENDER_COLOUR_REFERENCE 0x00D8FFu /**< reference vertebrae / reference bone region */
#define SPS_RENDER_COLOUR_WALL 0x40FF40u      /**< posterior-wall lines (alignment) */
#define SPS_RENDER_COLOUR_ENDPLATE 0xFF60FFu  /**< endplate lines (alignment) */
#define SPS_RENDER_COLOUR_SAC 0x00D8FFu       /**< thecal sac outline */
#define SPS_RENDER_COLOUR_CORD 0xFFD400u      /**< cord outline */
#define SPS_RENDER_COLOUR_TUMOR 0xFF3030u     /**< epidural tumour outline */

/** A closed polygon (LPS, mm); count 0 = absent. Borrowed. */
typedef struct sps_render_polygon {
    const double (*lps)[3];
    size_t count;
} sps_render_polygon;

typedef enum sps_render_region_kind {
    SPS_RENDER_REGION_NONE = 0,
    SPS_RENDER_REGION_SPHERE,  /**< centre_lps + radius_mm */
    SPS_RENDER_REGION_POLYGON, /**< polygon on a slice */
    SPS_RENDER_REGION_MASK     /**< mask volume (any grid; > 0.5 = inside), outlined on the plane */
} sps_render_region_kind;

typedef struct sps_render_region {
    sps_render_region_kind kind;
    double centre_lps[3];
    double radius_mm;
    sps_render_polygon polygon;
    const sps_volume *mask;
} sps_render_region;

/** HU (or signal) statistics of a region as measured. n = 0: not measured. */
typedef struct sps_render_stats {
    double mean, sd;
    size_t n;
} sps_render_stats;

/* ---- the snapshots --------------------------------------------------------------------- */

/** Sagittal morphometry of one vertebra (and its reference neighbours). */
typedef struct sps_render_morphometry {
    const char *level;             /**< target level, e.g. "T12" (required) */
    sps_morpho6 target;
    const sps_morpho6 *above;      /**< reference vertebra above, or NULL */
    const char *above_level;
    const sps_morpho6 *below;      /**< reference vertebra below, or NULL */
    const char *below_level;
    const sps_collapse *collapse;  /**< measured collapse (heights, loss %, Genant, SINS token), or NULL:
                                        then only the heights of the six points are labelled */
} sps_render_morphometry;

/**
 * Sagittal snapshot: six points of the target (yellow) and reference vertebrae (cyan), the three
 * heights as lines labelled in mm, collapse %, Genant grade and SINS collapse category. CT: bone
 * window. The fitted plane contains the target's anterior-posterior and superior-inferior
 * directions (the mid-sagittal plane of its six points), anterior on the left, superior up.
 * @param[out] result  may be NULL.
 * @return SPS_OK, SPS_EINVALID (argument named), SPS_EIO (the file), SPS_ENOMEM, SPS_EINTERNAL.
 */
SPS_API sps_status sps_render_morphometry_png(const char *png_path, const sps_volume *vol,
                                              const sps_render_morphometry *in,
                                              const sps_render_options *opt,
                                              sps_render_result *result, sps_error *err);

/** Bone lesion region and the normal-bone reference with their statistics and the class. */
typedef struct sps_render_lesion {
    const char *level;               /**< required */
    sps_render_region lesion;        /**< required (not NONE) */
    sps_render_region reference;     /**< NONE if no reference was measured */
    sps_render_stats lesion_stats, reference_stats;
    const char *lesion_class;        /**< "lytic" | "mixed" | "blastic"; NULL or "" = indeterminate */
    int plane;                       /**< 0 auto: axial through the lesion, or sagittal when the
                                          reference is not on that axial plane; 1 axial; 2 sagittal */
    int has_thresholds;              /**< the class thresholds and fractions below were measured */
    double lytic_below, blastic_above;         /**< voxel thresholds used (HU) */
    double fraction_lytic, fraction_blastic;   /**< of the lesion voxels (0-1) */
} sps_render_lesion;

/**
 * Lesion snapshot on a plane through the lesion (the polygon's plane, else axial or sagittal
 * through the sphere centre / mask centroid): lesion outline (yellow), reference outline (cyan),
 * mean, SD and n of each, class. CT: bone window.
 */
SPS_API sps_status sps_render_lesion_png(const char *png_path, const sps_volume *vol,
                                         const sps_render_lesion *in, const sps_render_options *opt,
                                         sps_render_result *result, sps_error *err);

/** Alignment of one motion segment. */
typedef struct sps_render_alignment {
    const char *upper_level, *lower_level; /**< required */
    sps_alignment_input points;            /**< the landmarks used (measure.h) */
    const sps_alignment *result;           /**< measured translation / angle / category (required) */
    const char *angle_upper_level, *angle_lower_level; /**< vertebrae of the two endplate lines (their
                                                            superior / inferior endplate); NULL = the
                                                            upper / lower level */
} sps_render_alignment;

/**
 * Sagittal alignment snapshot: the lower posterior wall extended (green) with the offset of the
 * upper posterior-inferior corner drawn perpendicular to it and labelled in mm; the two endplate
 * lines (magenta) extended, labelled with the segmental angle in degrees; the category.
 */
SPS_API sps_status sps_render_alignment_png(const char *png_path, const sps_volume *vol,
                                            const sps_render_alignment *in,
                                            const sps_render_options *opt,
                                            sps_render_result *result, sps_error *err);

/** Axial canal outlines at the level of worst compression. */
typedef struct sps_render_canal {
    const char *level;                         /**< required */
    sps_render_polygon sac, cord, tumor;       /**< sac required; cord/tumor may be empty */
    const sps_escc_input *measured;            /**< areas etc. as measured (NULL: not shown) */
    const sps_escc_finding *escc;              /**< suggested grade with its evidence (NULL: not shown) */
} sps_render_canal;

/**
 * Axial canal snapshot on the plane of the sac outline (radiological convention: patient right
 * on the left of the screen, anterior up): sac (cyan), cord (yellow), tumour (red) outlines,
 * areas and ratios, ESCC grade. CT: soft-tissue window; MR: percentiles.
 */
SPS_API sps_status sps_render_canal_png(const char *png_path, const sps_volume *vol,
                                        const sps_render_canal *in, const sps_render_options *opt,
                                        sps_render_result *result, sps_error *err);

/**
 * Summary card (no image) of lesion @p lesion_index of a decision (`spinescore decide` JSON,
 * docs/formats.md §2): SINS table (six components: value, points, source; total, category),
 * ESCC grade, NOMS inputs, row and decision, the survival scores and the alerts. Everything shown
 * is read from the JSON; a missing part is shown as such ("not computable: ..."), never guessed.
 * @param series_uid  for the tEXt chunk; may be NULL.
 * @return SPS_OK, SPS_EFORMAT (not a spinescore-decision; the member named), SPS_EINVALID
 *         (lesion index out of range), SPS_EIO, SPS_ENOMEM.
 */
SPS_API sps_status sps_render_summary_png(const char *png_path, const char *decision_json,
                                          size_t len, size_t lesion_index, const char *series_uid,
                                          sps_render_result *result, sps_error *err);

/** Orientation letters of an LPS direction: "L", "P", "S" (and "R", "A", "I"), up to two letters
 *  when the direction is oblique (components above 0.25, largest first), e.g. "PI". */
SPS_API void sps_render_orientation_letters(char out[4], const double dir_lps[3]);

/**
 * Release the process-wide caches of cairo and fontconfig (cairo_debug_reset_static_data, FcFini).
 * Call once at exit, after every snapshot is written (leak checkers then see a clean heap);
 * rendering after it is allowed (the caches are rebuilt).
 */
SPS_API void sps_render_release_caches(void);

SPS_END_DECL

#endif /* SPINESCORE_RENDER_H */
