/* dicom_sr.h — derived DICOM objects in the study of the source images: a TID 1500 Measurement
 * Report (Comprehensive SR, DCMTK dcmsr) and Secondary Capture images of the PNG snapshots.
 * Everything here is plain C; DCMTK stays in the shims of src/dicom/write (docs/formats.md §6). */
#ifndef SPINESCORE_DICOM_SR_H
#define SPINESCORE_DICOM_SR_H

#include <stddef.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

/** Patient and study header fields copied from a source image into derived objects. Empty = absent. */
typedef struct sps_dicom_study_header {
    char patient_name[72];        /**< (0010,0010) */
    char patient_id[72];          /**< (0010,0020) */
    char patient_birth_date[12];  /**< (0010,0030) */
    char patient_sex[8];          /**< (0010,0040) */
    char study_uid[72];           /**< (0020,000D), required */
    char study_date[12];          /**< (0008,0020) */
    char study_time[20];          /**< (0008,0030) */
    char study_id[20];            /**< (0020,0010) */
    char accession_number[20];    /**< (0008,0050) */
    char referring_physician[72]; /**< (0008,0090) */
    char study_description[72];   /**< (0008,1030) */
} sps_dicom_study_header;

/** One source image: what a reference needs, and its plane (for LPS -> pixel). */
typedef struct sps_dicom_image_ref {
    char sop_class_uid[72];    /**< (0008,0016) */
    char sop_instance_uid[72]; /**< (0008,0018) */
    char series_uid[72];       /**< (0020,000E) */
    char modality[20];         /**< (0008,0060) */
    int instance_number;       /**< (0020,0013), -1 if absent */
    unsigned rows, cols;       /**< (0028,0010), (0028,0011) */
    int has_geometry;          /**< position, orientation and spacing are present */
    double position_lps[3];    /**< (0020,0032): centre of the first pixel */
    double row_cosines[3];     /**< (0020,0037)[0..2]: direction of increasing column */
    double col_cosines[3];     /**< (0020,0037)[3..5]: direction of increasing row */
    double row_spacing_mm;     /**< (0028,0030)[0]: distance between rows */
    double col_spacing_mm;     /**< (0028,0030)[1]: distance between columns */
} sps_dicom_image_ref;

/**
 * Read the reference and header fields of one image file (header only, through DCMTK).
 * @param hdr  may be NULL.
 * @return SPS_OK, SPS_ENOTFOUND, SPS_EFORMAT (not DICOM, or no SOP Class/Instance UID), SPS_EINTERNAL.
 */
SPS_API sps_status sps_dicom_read_image_ref(const char *path, sps_dicom_image_ref *img, sps_dicom_study_header *hdr,
                                            sps_error *err);

/** Scan index of spinescore/dicom.h (declared here so this header needs no other). */
typedef struct sps_dicom_index sps_dicom_index;

/**
 * The references of every image of one series part of a scan (sps_dicom_scan; @p key as for
 * sps_dicom_load): one entry per file (a multi-frame file is one SOP instance, without per-frame
 * geometry), sorted along the slice normal when every file has a plane (else in the index's
 * order); @p hdr (may be NULL) gets the patient/study header of one of them.
 * @param[out] out  caller owns (sps_free). @return SPS_OK, SPS_ENOTFOUND, errors of
 *         sps_dicom_read_image_ref, SPS_ENOMEM.
 */
SPS_API sps_status sps_dicom_series_image_refs(sps_dicom_image_ref **out, size_t *count, sps_dicom_study_header *hdr,
                                               const sps_dicom_index *idx, const char *key, sps_error *err);

/**
 * Where an LPS point (mm) falls on an image: SCOORD pixel coordinates (column, row) with 0,0 the
 * top-left corner of the first pixel (PS3.3 C.18.6.1.1: a pixel centre is at i + 0.5), and the
 * distance of the point from the image plane (mm). @return 0, or -1 without geometry.
 */
SPS_API int sps_dicom_image_project(const sps_dicom_image_ref *img, const double lps[3], double *column, double *row,
                                    double *plane_distance_mm);

/** A fresh DICOM UID (DCMTK generator). @p out holds 65 bytes. */
SPS_API void sps_dicom_new_uid(char out[65]);

/* ---- TID 1500 Measurement Report ---------------------------------------------------------- */

/** A code: value, scheme designator ("DCM", "SCT", "UCUM", "99SPS"), meaning. */
typedef struct sps_sr_code {
    const char *value, *scheme, *meaning;
} sps_sr_code;

/** A numeric measurement (TID 300) and, optionally, the image points it was measured from. */
typedef struct sps_sr_measurement {
    sps_sr_code concept;           /**< e.g. (SPS-HA, 99SPS, "Anterior vertebral body height") */
    double value;
    sps_sr_code unit;              /**< UCUM: (mm, UCUM, "mm"), (%, UCUM, "%"), (deg, UCUM, "deg"), (mm2, UCUM, "mm2") */
    const double (*points_lps)[3]; /**< npoints points (LPS, mm) or NULL */
    size_t npoints;
    /** Points all on one source image: one SCOORD (POINT for 1, POLYLINE otherwise) selected from
     *  it. Points on different images (e.g. a height across axial slices): one SCOORD POINT per
     *  point, each selected from its own image. A point on no image is left out (see
     *  sps_sr_result.points_without_image). */
    const char *series_uid;        /**< the points lie on images of this series (a run over a CT and an
                                        MR: their coordinates are not comparable); NULL = any image */
} sps_sr_measurement;

/** A coded qualitative evaluation: concept = value (e.g. "SINS collapse" = "> 50 % collapse"). */
typedef struct sps_sr_evaluation {
    sps_sr_code concept, value;
} sps_sr_evaluation;

/** A text qualitative evaluation (e.g. why a measured value was overridden). */
typedef struct sps_sr_text {
    sps_sr_code concept;
    const char *text;
} sps_sr_text;

/** One measurement group (TID 1501): one lesion / vertebral level. */
typedef struct sps_sr_group {
    const char *tracking_id;       /**< (112039) e.g. "T12 lesion" */
    const char *tracking_uid;      /**< (112040); NULL: a new UID */
    sps_sr_code finding;           /**< (121071) Finding; value NULL to leave out */
    sps_sr_code finding_site;      /**< (363698007, SCT) Finding Site; value NULL to leave out */
    const sps_sr_measurement *measurements;
    size_t nmeasurements;
    const sps_sr_evaluation *evaluations;
    size_t nevaluations;
    const sps_sr_text *texts;      /**< text evaluations (TID 1501 row 12), may be NULL */
    size_t ntexts;
} sps_sr_group;

/** The report. Zero-initialise, fill; everything is borrowed for the call. */
typedef struct sps_sr_document {
    const sps_dicom_study_header *study;  /**< patient + study of the source images (required) */
    const sps_dicom_image_ref *images;    /**< source images: Image Library and evidence (>= 1) */
    size_t nimages;
    const sps_sr_group *groups;
    size_t ngroups;
    const sps_sr_evaluation *evaluations; /**< report-level qualitative evaluations */
    size_t nevaluations;
    const char *series_uid;               /**< NULL: a new series */
    int series_number;                    /**< 0: 900 */
    int instance_number;                  /**< 0: 1 */
    const char *series_description;       /**< NULL: "spinescore measurement report" */
    const char *device_observer_uid;      /**< NULL: a new UID */
    const char *content_date, *content_time; /**< YYYYMMDD, HHMMSS; NULL: now */
    double max_plane_distance_mm;         /**< a point farther from every image plane has no image;
                                               0: half the gap between the two nearest planes */
} sps_sr_document;

/** What was written. */
typedef struct sps_sr_result {
    char sop_instance_uid[65];
    char series_uid[65];
    size_t scoords;               /**< SCOORD items written */
    size_t points_without_image;  /**< measurement points that fell on no source image */
} sps_sr_result;

/**
 * Write the Measurement Report to @p path (temp name + rename): Comprehensive SR, TID 1500 built
 * with DCMTK's TID 1500/1501/300/1600/1001/1204 classes; Current Requested Procedure Evidence
 * Sequence and the Image Library list every source image; private codes use the scheme
 * designator 99SPS (declared in the Coding Scheme Identification Sequence, docs/formats.md §6.2).
 * @param result may be NULL.
 * @return SPS_OK, SPS_EINVALID (missing study UID / images, a code without value/scheme/meaning:
 *         named), SPS_EIO, SPS_EINTERNAL (DCMTK refused a value: its message), SPS_ENOMEM.
 */
SPS_API sps_status sps_dicom_write_sr(const char *path, const sps_sr_document *doc, sps_sr_result *result,
                                      sps_error *err);

/* ---- Secondary Capture ------------------------------------------------------------------- */

/** One Secondary Capture image (8-bit RGB). Everything is borrowed for the call. */
typedef struct sps_sc_image {
    const sps_dicom_study_header *study; /**< required */
    const unsigned char *rgb;            /**< height rows of width * 3 bytes (R, G, B), top row first */
    unsigned width, height;              /**< 1..16384 */
    const char *series_uid;              /**< required: give the same UID to every snapshot of a run */
    int series_number;                   /**< 0: 901 */
    int instance_number;                 /**< >= 1 */
    const char *series_description;      /**< NULL: "spinescore snapshots" */
    const char *description;             /**< what the picture shows: DerivationDescription / ImageComments (NULL: none) */
    const sps_dicom_image_ref *sources;  /**< Source Image Sequence (may be NULL) */
    size_t nsources;
    const char *content_date, *content_time; /**< NULL: now */
} sps_sc_image;

/**
 * Write one Secondary Capture Image Storage file (RGB, uncompressed explicit VR little endian),
 * temp name + rename. @param sop_uid_out (65 bytes) may be NULL.
 */
SPS_API sps_status sps_dicom_write_sc(const char *path, const sps_sc_image *sc, char sop_uid_out[65], sps_error *err);

/**
 * Decode a PNG (libpng; any colour type and bit depth, alpha composited on black) to 8-bit RGB.
 * @param[out] rgb  caller owns (sps_free); width * height * 3 bytes.
 * @return SPS_OK, SPS_ENOTFOUND, SPS_EFORMAT (not a PNG or corrupt), SPS_ENOMEM.
 */
SPS_API sps_status sps_png_read_rgb(const char *path, unsigned char **rgb, unsigned *width, unsigned *height,
                                    sps_error *err);

/** sps_png_read_rgb + sps_dicom_write_sc: the PNG at @p png_path as a Secondary Capture. When
 *  sc->description is NULL, the PNG's tEXt "Description" (written by src/render) is used. */
SPS_API sps_status sps_dicom_write_sc_png(const char *path, const char *png_path, const sps_sc_image *sc,
                                          char sop_uid_out[65], sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_DICOM_SR_H */
