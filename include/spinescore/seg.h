/* seg.h — segmentation for the semi-automatic measurement paths: a C wrapper over ITK.
 * Inputs are sps_volume (imported without copying); outputs are masks and the same landmarks
 * and regions a reader would place (LPS, mm). No ITK type crosses this header; every ITK
 * exception is caught in the shim and returned as an sps_status with its message. */
#ifndef SPINESCORE_SEG_H
#define SPINESCORE_SEG_H

#include <stddef.h>
#include "spinescore/common.h"
#include "spinescore/volume.h"
#include "spinescore/core.h"
#include "spinescore/measure.h"

SPS_BEGIN_DECL

/** ITK version the library was built with, e.g. "5.2.1". Never NULL. */
SPS_API const char *sps_seg_itk_version(void);

/* ---- NIfTI export (itk::NiftiImageIO) ------------------------------------------------------ */

/**
 * Write the volume as a single-file NIfTI-1 image (.nii, float32) through ITK's NiftiImageIO, for
 * comparison with other tools. The geometry goes into sform and qform (scanner anatomical, RAS =
 * LPS with x and y negated, as ITK converts it); units mm. Written to a temporary name in the same
 * folder and renamed.
 * @return SPS_OK, SPS_EINVALID, SPS_EUNSUPPORTED (a dim above 32767), SPS_EIO, SPS_ENOMEM,
 *         SPS_EINTERNAL (an ITK exception, its text in err).
 */
SPS_API sps_status sps_seg_write_nifti(const sps_volume *vol, const char *path, sps_error *err);

/** Same for a 0/1 mask (uint8, dims[0]*dims[1]*dims[2] values, i fastest) on @p geom. */
SPS_API sps_status sps_seg_write_nifti_mask(const unsigned char *mask, const sps_geometry *geom,
                                            const char *path, sps_error *err);

/* ---- reslicing: one plane of a volume, for display (src/seg/reslice.cpp) ------------------ */

/**
 * Resample one plane of @p vol with linear interpolation (ITK ResampleImageFilter with a
 * LinearInterpolateImageFunction; the volume buffer is imported without copying).
 * Output pixel (c, r), 0 <= c < width, 0 <= r < height, is stored at out[r*width + c] and holds
 * the value at the LPS position
 *   centre_lps + (c - (width-1)/2) * pixel_mm * u_lps + (r - (height-1)/2) * pixel_mm * v_lps,
 * so u_lps runs along an output row (left to right) and v_lps down a column (top to bottom).
 * Positions outside the volume (beyond the outer voxel centres by more than half a voxel) are NaN.
 * @param out     width*height floats, caller owns.
 * @param u_lps, v_lps  unit vectors in LPS, orthogonal (tolerance 1e-3).
 * @return SPS_OK; SPS_EINVALID (non-unit or non-orthogonal vectors, pixel_mm <= 0, an empty or
 *         larger than 16384-pixel side; the argument is named); SPS_ENOMEM; SPS_EINTERNAL (an
 *         ITK exception, its message in err).
 */
SPS_API sps_status sps_seg_reslice_plane(float *out, const sps_volume *vol,
                                         const double centre_lps[3], const double u_lps[3],
                                         const double v_lps[3], double pixel_mm, size_t width,
                                         size_t height, sps_error *err);

/* ---- canal: one click in the thecal sac -> CSF / sac / cord / epidural tumour -> ESCC evidence */

/** Whether the level holds a spinal cord. Below the conus (about L1-L2) the sac holds the cauda
 *  equina: with SPS_CANAL_CORD_ABSENT no cord is reported, only the non-CSF area inside the sac. */
typedef enum sps_canal_cord {
    SPS_CANAL_CORD_EXPECTED = 0, /**< cervical / thoracic levels (default) */
    SPS_CANAL_CORD_ABSENT = 1    /**< lumbar levels below the conus: cauda equina, no cord */
} sps_canal_cord;

/** What the caller clicked. Initialise with sps_canal_request_init(). */
typedef struct sps_canal_request {
    double seed_lps[3];           /**< a point inside the thecal sac (CSF or cord) on the slice to grade */
    int has_reference_seed;       /**< non-zero: reference_seed_lps marks the sac at a normal level */
    double reference_seed_lps[3];
    int find_reference;           /**< no reference seed: search a normal level along the canal (default 1) */
    sps_canal_cord cord;
} sps_canal_request;

SPS_API void sps_canal_request_init(sps_canal_request *req, const double seed_lps[3]);

/** A closed planar polygon in LPS (mm): n vertices, lps[3*i .. 3*i+2]. Owned by its result. */
typedef struct sps_outline {
    size_t n;
    double *lps;
} sps_outline;

/** One axial section of the canal (the slice of the series that holds the seed). */
typedef struct sps_canal_section {
    size_t slice;               /**< slice index k in the volume */
    double seed_lps[3];         /**< seed used (clicked or tracked) */
    double centre_lps[3];       /**< centroid of the thecal sac */
    double pixel_mm;            /**< larger in-plane pixel spacing */
    double csf_level;           /**< CSF signal the thresholds are relative to */
    double cord_level;          /**< cord signal (median inside the cord at a normal level); NaN if unknown */
    double sac_area_mm2, csf_area_mm2;
    int cord_found;             /**< 0: no cord (none expected, or none distinguishable) */
    double cord_area_mm2;       /**< NaN when cord_found == 0 */
    double intrathecal_other_mm2; /**< non-CSF area inside the sac that is not called cord (roots, conus) */
    double cord_ap_mm, cord_transverse_mm; /**< extents along the in-plane P and L directions; NaN if no cord */
    int tumor_found;            /**< epidural soft tissue inside the canal outside the sac (worst slice only) */
    double tumor_area_mm2;
    int tumor_confirm_slices;   /**< adjacent slices whose tumour confirmed this one's (0-2; 0: not checked) */
    double tumor_unconfirmed_mm2; /**< next-to-sac area of candidates absent from the adjacent slices (dropped) */
    double tumor_cord_distance_mm; /**< closest edge-to-edge distance; INFINITY when no tumour or no cord */
    double csf_rim_fraction;    /**< share of the cord boundary with CSF next to it; NaN if no cord */
    sps_outline sac, cord, tumor; /**< n = 0 when absent */
} sps_canal_section;

/** Result of sps_seg_canal. Free the outlines with sps_canal_result_free(). */
typedef struct sps_canal_result {
    sps_canal_section worst;     /**< the seed's slice */
    sps_canal_section reference; /**< the normal level (valid when has_reference) */
    int has_reference;
    double reference_offset_mm;  /**< signed distance along the slice normal, reference minus worst */
    int reference_cranial;       /**< 1 if the reference lies cranial (superior) of the seed */
    char reference_method[96];   /**< "second seed" or "automatic: ..." */
    int escc_ready;              /**< escc is filled (a reference and a cord at both sections) */
    sps_escc_input escc;         /**< evidence for sps_measure_escc (src/measure) */
    char notes[1024];            /**< what was not found or set aside, and why */
} sps_canal_result;

/**
 * Segment CSF, thecal sac, cord and epidural tumour on the axial T2 MR slice that holds the
 * seed (ITK: median filter, thresholded components relative to the CSF signal near the seed,
 * hole filling, closing, distance maps), find a normal reference level along the canal (or use
 * the reference seed), and fill the ESCC evidence. Thresholds: models/measurement.json "canal".
 * @return SPS_OK (escc_ready may be 0: see notes), SPS_EINVALID (seed outside the volume, no CSF
 *         near the seed, slices not axial enough), SPS_EUNSUPPORTED (CT: CSF and cord cannot be
 *         told apart without myelography), SPS_EFORMAT (model entry), SPS_ENOMEM, SPS_EINTERNAL (ITK).
 */
SPS_API sps_status sps_seg_canal(sps_canal_result *out, const sps_volume *vol, const sps_models *models,
                                 const sps_canal_request *req, sps_error *err);

/** Free the outlines of a result (NULL-safe; the struct itself is the caller's). */
SPS_API void sps_canal_result_free(sps_canal_result *r);

/**
 * The result as a spinescore annotation file (docs/formats.md section 4.1) so a reader can
 * correct it: the seed as "sac_seed", sac / cord / tumour outlines at "worst", sac / cord at
 * "reference", and the level's epidural_tumor flag. @p reference_level NULL: the level next to
 * @p level on the side where the reference was found. Caller frees *json_out with sps_free.
 * @return SPS_OK, SPS_EINVALID (no sac outline, unknown level label), SPS_ENOMEM.
 */
SPS_API sps_status sps_canal_annotations_json(char **json_out, const sps_canal_result *r, const char *level,
                                              const char *reference_level, const char *series_uid,
                                              sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_SEG_H */
