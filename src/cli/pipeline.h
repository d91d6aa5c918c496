/* pipeline.h — the imaging front end shared by `spinescore measure` and (later) `spinescore run`:
 * scan a study folder, pick the series, load it, read the reader's annotations (pixel references
 * resolved through the loaded geometry), and measure one level. Prints nothing. */
#ifndef SPS_CLI_PIPELINE_H
#define SPS_CLI_PIPELINE_H

#include "spinescore/core.h"
#include "spinescore/dicom.h"
#include "spinescore/measure.h"

/** What to load and measure. */
typedef struct sps_pipeline_request {
    const char *study_path;       /**< folder, file or DICOMDIR */
    const char *series;           /**< key or SeriesInstanceUID; NULL = the annotations' series_uid, else the only candidate */
    const char *annotations_path; /**< spinescore annotations or Slicer .mrk.json; NULL = none */
} sps_pipeline_request;

/** A loaded series with its annotations. */
typedef struct sps_pipeline {
    sps_dicom_index *index;
    sps_volume *volume;
    sps_dicom_report *report;
    sps_annotations *annotations;
    sps_dicom_series_info series; /**< copy of the chosen series */
    size_t warnings;              /**< load warnings (skipped files): exit "partial" */
} sps_pipeline;

/** Why sps_pipeline_open failed beyond the status: set when the series is ambiguous. */
typedef enum sps_pipeline_failure {
    SPS_PIPELINE_FAIL_OTHER = 0,
    SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES = 1 /**< several candidates: err lists them; give --series */
} sps_pipeline_failure;

/**
 * Scan, choose and load the series, parse and check the annotations against it.
 * Series choice: req->series if given; else the annotation file's "series_uid"; else the only
 * loadable non-localizer series of the study. Pixel references are resolved with
 * sps_dicom_slice_index and the volume geometry; every point must lie inside the volume.
 * @param[out] out     caller owns (sps_pipeline_free); NULL on failure.
 * @param[out] why     optional; SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES when the choice is ambiguous.
 */
sps_status sps_pipeline_open(sps_pipeline **out, sps_pipeline_failure *why, const sps_models *models,
                             const sps_pipeline_request *req, sps_error *err);

/**
 * Measure one level (NULL: the only lesion level of the annotations) and return the
 * "spinescore-measurements" document (docs/formats.md §4.4). Caller owns *json (sps_free).
 */
sps_status sps_pipeline_measure(char **json, const sps_pipeline *p, const sps_models *models,
                                const char *level, const char *annotations_origin, sps_error *err);

/** A pixel reference (as in annotation files) on the loaded series -> LPS. 0 on success, else
 *  non-zero with the reason in @p detail. */
int sps_pipeline_pixel_to_lps(const sps_pipeline *p, const char *series_uid, const char *sop_uid, int instance,
                              int frame, double column, double row, double lps[3], char *detail, size_t detail_size);

/** Parse annotation text (pixel references resolved on the loaded series), check every item
 *  against the volume and replace p->annotations (unchanged on failure). */
sps_status sps_pipeline_set_annotations(sps_pipeline *p, const sps_models *models, const char *text, size_t len,
                                        const char *origin, sps_error *err);

/**
 * One measurement document from those of several series of one patient, all of one level
 * (pipeline_merge.c): each component (bone_lesion, collapse with body_involvement, alignment,
 * posterolateral, escc) from the first modality of its models/measurement.json `series_choice`
 * list that measured it; its evidence and measurement groups gain `series_uid` and `modality`, and
 * `other_series` with what the other series gave. The document gains `series_choice[]`
 * ({component, series, other_series[], agree}) and `per_series[]` (every input document);
 * `not_measured` lists what no series gave, the reason per modality.
 * @return SPS_OK; SPS_EINVALID (levels differ: "--level" named); SPS_EFORMAT (model); SPS_ENOMEM.
 */
sps_status sps_pipeline_merge_measurements(char **out, const char *const *docs, size_t n, const sps_models *models,
                                           sps_error *err);

/** The components on which the series disagreed, as one line into @p text; returns their count. */
size_t sps_pipeline_merge_disagreements(const char *merged_json, char *text, size_t size);

void sps_pipeline_free(sps_pipeline *p);

#endif
