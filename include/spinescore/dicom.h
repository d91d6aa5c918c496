/* dicom.h — DICOM ingest: scan a folder tree or DICOMDIR (headers only) into patients, studies
 * and series, then load one series into an sps_volume with its geometry checked. */
#ifndef SPINESCORE_DICOM_H
#define SPINESCORE_DICOM_H

#include <stddef.h>
#include "spinescore/common.h"
#include "spinescore/volume.h"

SPS_BEGIN_DECL

/** Orientation class of a series, from ImageOrientationPatient (0020,0037). */
typedef enum sps_orientation {
    SPS_ORIENTATION_UNKNOWN = 0, /**< no (0020,0037) */
    SPS_ORIENTATION_AXIAL,       /**< slice normal within 10 degrees of S-I */
    SPS_ORIENTATION_CORONAL,     /**< slice normal within 10 degrees of A-P */
    SPS_ORIENTATION_SAGITTAL,    /**< slice normal within 10 degrees of L-R */
    SPS_ORIENTATION_OBLIQUE      /**< anything else */
} sps_orientation;

/** "axial", "coronal", "sagittal", "oblique" or "unknown"; never NULL. */
SPS_API const char *sps_orientation_name(sps_orientation o);

/** Result of a scan. Opaque; free with sps_dicom_index_free(). */
typedef struct sps_dicom_index sps_dicom_index;

/** File counts of a scan. */
typedef struct sps_dicom_scan_counts {
    size_t files;      /**< regular files seen (after following symlinks) */
    size_t dicom;      /**< files whose header was read (images and others) */
    size_t non_dicom;  /**< files that are not DICOM (counted and skipped) */
    size_t unreadable; /**< DICOM files whose header could not be read (see problems) */
    size_t dicomdir;   /**< DICOMDIR files (their references were followed, not indexed twice) */
    size_t no_image;   /**< DICOM files without Pixel Data (SR, RT plan, ...): skipped */
    size_t loops;      /**< directories reached twice (symlink loops) and not walked again */
} sps_dicom_scan_counts;

/**
 * One loadable series (or one part of a series that held several volumes). Value struct;
 * strings are NUL-terminated and empty when the tag is absent.
 */
typedef struct sps_dicom_series_info {
    char key[96];               /**< what sps_dicom_load takes: SeriesInstanceUID, + "#n" for part n of a split */
    char series_uid[72];        /**< (0020,000E) */
    char study_uid[72];         /**< (0020,000D) */
    char patient_id[72];        /**< (0010,0020) */
    char patient_name[72];      /**< (0010,0010) */
    char study_date[12];        /**< (0008,0020) */
    char study_description[72]; /**< (0008,1030) */
    char series_description[72];/**< (0008,103E) */
    char modality[20];          /**< (0008,0060) */
    char body_part[20];         /**< (0018,0015) */
    char transfer_syntax[72];   /**< (0002,0010) of the first file; "mixed" if files differ */
    char split[160];            /**< empty, or why this is a part: e.g. "orientation 2/2 (sagittal)" */
    int series_number;          /**< (0020,0011), -1 if absent */
    sps_orientation orientation;
    size_t files;               /**< files in this series (part) */
    size_t frames;              /**< frames (slices) in this series (part) */
    unsigned rows, cols;        /**< (0028,0010), (0028,0011) */
    double pixel_spacing_mm[2]; /**< (0028,0030): row spacing, column spacing; 0 if absent */
    double slice_spacing_mm;    /**< median distance between positions along the normal; 0 if < 2 positions */
    double slice_thickness_mm;  /**< (0018,0050); 0 if absent */
    int localizer;              /**< ImageType (0008,0008) says LOCALIZER */
    size_t warnings;            /**< number of warnings (sps_dicom_index_series_warning) */
} sps_dicom_series_info;

/** A file that could not be used, and why. Borrowed from the index. */
typedef struct sps_dicom_problem {
    const char *path;
    sps_status code;    /**< SPS_EFORMAT (malformed), SPS_EIO (unreadable), ... */
    const char *reason; /**< what was wrong, naming the tag or structure */
} sps_dicom_problem;

/**
 * Scan a folder tree, a single file or a DICOMDIR, reading headers only (Pixel Data is never
 * read). Symbolic links are followed; a directory reached twice is not walked again.
 * Non-DICOM files are counted; unreadable DICOM files become problems. Series are grouped
 * by SeriesInstanceUID and split where they hold several volumes (orientation, matrix,
 * echo number, localizer, repeated positions by acquisition/temporal position).
 * @param[out] out  caller owns; free with sps_dicom_index_free(). NULL on failure.
 * @return SPS_OK (even if some files were unreadable), SPS_ENOTFOUND (path missing),
 *         SPS_EIO, SPS_ENOMEM.
 */
SPS_API sps_status sps_dicom_scan(sps_dicom_index **out, const char *path, sps_error *err);

/** Free an index (NULL-safe). */
SPS_API void sps_dicom_index_free(sps_dicom_index *idx);

/** File counts of the scan. */
SPS_API sps_dicom_scan_counts sps_dicom_index_counts(const sps_dicom_index *idx);

/** Number of series (parts), ordered by patient, study, series number, key. */
SPS_API size_t sps_dicom_index_series_count(const sps_dicom_index *idx);
/** Series (part) i, or NULL if out of range. Borrowed from the index. */
SPS_API const sps_dicom_series_info *sps_dicom_index_series(const sps_dicom_index *idx, size_t i);
/** Warning w of series i (e.g. "mixed transfer syntaxes"), or NULL. Borrowed. */
SPS_API const char *sps_dicom_index_series_warning(const sps_dicom_index *idx, size_t i, size_t w);
/**
 * Find a series by key or by SeriesInstanceUID. A bare UID of a split series matches
 * nothing and *ambiguous is set to the number of parts (when ambiguous is not NULL).
 * @return index, or (size_t)-1 when not found.
 */
SPS_API size_t sps_dicom_index_find(const sps_dicom_index *idx, const char *key_or_uid,
                                    size_t *ambiguous);

/**
 * File of slice @p j (0 <= j < frames) of series part @p i, in index order (not sorted along the
 * normal; a multi-frame file appears once per frame, consecutively). For callers that reference the
 * source images (e.g. a DICOM SR). Borrowed from the index; NULL when out of range.
 */
SPS_API const char *sps_dicom_index_series_file(const sps_dicom_index *idx, size_t i, size_t j);

/** Number of problem files. */
SPS_API size_t sps_dicom_index_problem_count(const sps_dicom_index *idx);
/** Problem i, or NULL. Borrowed from the index. */
SPS_API const sps_dicom_problem *sps_dicom_index_problem(const sps_dicom_index *idx, size_t i);

/** Severity of a load diagnostic. */
typedef enum sps_diag_severity {
    SPS_DIAG_INFO = 0,    /**< worth knowing (e.g. header spacing differs from positions) */
    SPS_DIAG_WARNING = 1, /**< a file was skipped but the volume is still valid */
    SPS_DIAG_ERROR = 2    /**< a reason the series was refused */
} sps_diag_severity;

/** One diagnostic. Borrowed from its report. */
typedef struct sps_diag {
    sps_diag_severity severity;
    sps_status code;
    const char *where;   /**< file path, tag "(0020,0032)" or series key */
    const char *message; /**< what was found and what was expected */
} sps_diag;

/** Diagnostics of one load. Opaque; free with sps_dicom_report_free(). */
typedef struct sps_dicom_report sps_dicom_report;
SPS_API void sps_dicom_report_free(sps_dicom_report *rep);
SPS_API size_t sps_dicom_report_count(const sps_dicom_report *rep);
/** Diagnostic i, or NULL. Borrowed from the report. */
SPS_API const sps_diag *sps_dicom_report_get(const sps_dicom_report *rep, size_t i);

/** Load options; initialise with sps_dicom_load_options_init(). */
typedef struct sps_dicom_load_options {
    unsigned min_slices;          /**< fewer slices are refused (default 3; 1 allows single images) */
    unsigned threads;             /**< decoding threads (default 2; 1 = serial) */
    double spacing_tolerance_pct; /**< allowed deviation of a slice gap from the median (default 10) */
    double max_tilt_deg;          /**< steps between slices may deviate this much from the normal (default 0.5) */
} sps_dicom_load_options;

SPS_API void sps_dicom_load_options_init(sps_dicom_load_options *opt);

/**
 * Load one series (part) of an index into a volume. Slices are sorted by their position
 * along the slice normal (row x column cosines), never by file name or InstanceNumber.
 * CT voxels are HU (per-slice RescaleSlope/Intercept), other modalities stored values after
 * the modality transform (RescaleSlope/Intercept if present). Direction[2] is the normal.
 * Files that fail to decode are skipped with a warning if the rest is still a valid volume.
 * @param[out] out     caller owns (sps_volume_free); NULL on failure.
 * @param[out] report  optional; caller owns (sps_dicom_report_free), set even on failure:
 *                     every skipped file and every reason for a refusal is listed there.
 * @param key          key or SeriesInstanceUID (see sps_dicom_index_find).
 * @param opt          NULL for defaults.
 * @return SPS_OK; SPS_ENOTFOUND (no such series); SPS_EINVALID (geometry refused: tilt,
 *         duplicate positions, missing slices, mixed orientations, too few slices — err holds
 *         the first reason, the report all); SPS_EUNSUPPORTED (codec, colour, bit depth,
 *         multi-frame without positions); SPS_EFORMAT (no decodable slice, bad header
 *         values); SPS_ENOMEM.
 */
SPS_API sps_status sps_dicom_load(sps_volume **out, sps_dicom_report **report,
                                  const sps_dicom_index *idx, const char *key,
                                  const sps_dicom_load_options *opt, sps_error *err);

/**
 * Slice index k of a loaded volume that holds one image of the series: the way pixel
 * references (SOPInstanceUID or InstanceNumber, frame, column, row) are mapped onto the volume.
 * The image is looked up in the series part @p key of @p idx by SOPInstanceUID (when @p sop_uid
 * is not NULL or empty) or else by InstanceNumber (0020,0013); @p frame is 1-based (1 for
 * single-frame files). Its ImagePositionPatient is then placed in @p vol's geometry: k is the
 * slice whose centre it is (within 1 % of a slice gap), never the position in file or
 * InstanceNumber order. Pixel (column, row) of that image is then voxel (column, row, k).
 * @param[out] k_out  slice index (0-based along direction[2]).
 * @return SPS_OK; SPS_ENOTFOUND (no such series, SOPInstanceUID, InstanceNumber or frame: named
 *         in err); SPS_EINVALID (InstanceNumber shared by several images of the part, or the
 *         image is not a slice of @p vol: e.g. a file skipped at load).
 */
SPS_API sps_status sps_dicom_slice_index(size_t *k_out, const sps_dicom_index *idx, const char *key,
                                         const sps_volume *vol, const char *sop_uid,
                                         int instance_number, unsigned frame, sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_DICOM_H */
