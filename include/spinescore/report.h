/* report.h — the case report: the clinical file merged with the image measurements, scored by the
 * decision core, and written as report.json, report.txt and a research CSV row (docs/formats.md §5).
 * Plain C; the DICOM SR and Secondary Capture writers are in spinescore/dicom_sr.h. */
#ifndef SPINESCORE_REPORT_H
#define SPINESCORE_REPORT_H

#include "spinescore/common.h"
#include "spinescore/core.h"

SPS_BEGIN_DECL

/** A report under construction. Opaque; free with sps_report_free(). */
typedef struct sps_report sps_report;

/** One image series the measurements came from. Strings are copied. */
typedef struct sps_report_series {
    const char *series_uid;   /**< SeriesInstanceUID (0020,000E) */
    const char *modality;     /**< "CT", "MR", ... (may be NULL) */
    const char *description;  /**< SeriesDescription (may be NULL) */
    const char *role;         /**< what it was used for: "morphometry", "escc", ... (may be NULL) */
} sps_report_series;

/** Who the patient is. Written to report.json / CSV only when include_identifiers is set. */
typedef struct sps_report_patient {
    const char *name;         /**< PatientName (0010,0010) */
    const char *id;           /**< PatientID (0010,0020) */
    const char *birth_date;   /**< PatientBirthDate (0010,0030), YYYYMMDD */
} sps_report_patient;

/** What the report is about. Zero-initialise, fill what is known; strings are copied. */
typedef struct sps_report_inputs {
    const char *study_uid;           /**< StudyInstanceUID (0020,000D) */
    const sps_report_series *series; /**< the series used, or NULL */
    size_t nseries;
    const char *annotations_file;    /**< file name as given (may be NULL) */
    const char *seeds_file;          /**< --auto file (may be NULL) */
    const char *clinical_file;       /**< file name as given (may be NULL) */
    sps_report_patient patient;      /**< all NULL when unknown */
    /** Non-zero: patient name, ID and birth date appear in report.json and the CSV. Default 0:
     *  research outputs are de-identified (docs/formats.md §5.4). */
    int include_identifiers;
    /** ISO 8601 time written as "created"; NULL leaves it out (reproducible output for tests). */
    const char *created;
} sps_report_inputs;

/**
 * Start a report from the clinical file (a spinescore case file, docs/formats.md §1: patient
 * inputs, pain, stability, and any overrides of image-derived components). @p clinical_json may
 * be NULL (no clinical file: an empty case). @p models (may be NULL) gives the SINS points used to
 * compare a clinical points value with a measured token.
 * @param[out] out  caller owns; free with sps_report_free(). NULL on failure.
 * @return SPS_OK, SPS_EFORMAT (clinical file is not a JSON object: origin:line:column),
 *         SPS_ENOMEM.
 */
SPS_API sps_status sps_report_new(sps_report **out, const sps_models *models, const sps_report_inputs *in,
                                  const char *clinical_json, size_t len, const char *clinical_origin,
                                  sps_error *err);

SPS_API void sps_report_free(sps_report *r);

/**
 * Add the measurements of one lesion: the JSON that sps_measure_lesion_json() produces
 * ({level, measurements, lesion, not_measured}). The measured lesion is merged into the
 * clinical lesion of the same level (a new lesion is added when there is none):
 *  - a component the clinical file does not give takes the measured wrapper (source measured or
 *    semi_automatic, with its evidence);
 *  - a clinical entry with "source": "overridden" and a reason wins; the merge adds
 *    "measured_value" (the measured token) and, when the entry has none, the measured evidence;
 *  - a clinical entry equal to the measured token is the measured value (source measured);
 *  - a clinical entry that differs without "source": "overridden" is a conflict: it is passed to
 *    the core as overridden without a reason, so the core refuses it (invalid, named) and the
 *    conflict is listed in the report's merge_notes. A wrong number is never silently chosen.
 * @return SPS_OK, SPS_EFORMAT (not measurement JSON: member named), SPS_EINVALID (the level is
 *         not a standard level, or was already added), SPS_ENOMEM.
 */
SPS_API sps_status sps_report_add_measurements(sps_report *r, const char *measure_json, size_t len,
                                               sps_error *err);

/** The merged case (the input of the decision core) as JSON. Caller owns; free with sps_free. */
SPS_API char *sps_report_case_json(const sps_report *r);

/**
 * Score the merged case with the decision core (sps_decide) and keep the decision. May be called
 * again after more measurements were added.
 * @return SPS_OK (the decision may be incomplete or invalid: see sps_report_decision_status),
 *         or the error of sps_case_parse / sps_decide.
 */
SPS_API sps_status sps_report_decide(sps_report *r, const sps_models *models, const sps_decide_options *opts,
                                     sps_error *err);

/** Status of the kept decision; SPS_DECISION_INVALID when sps_report_decide was not called. */
SPS_API sps_decision_status sps_report_decision_status(const sps_report *r);

/** report.json text ("spinescore-report", format_version 1). Caller owns (sps_free); NULL on ENOMEM
 *  or when sps_report_decide was not called. */
SPS_API char *sps_report_to_json(const sps_report *r);

/** report.txt text: one screen for a person. Caller owns (sps_free); NULL as above. */
SPS_API char *sps_report_to_text(const sps_report *r);

/** Write report.json / report.txt atomically (temp name, fsync, rename). */
SPS_API sps_status sps_report_write_json(const sps_report *r, const char *path, sps_error *err);
SPS_API sps_status sps_report_write_text(const sps_report *r, const char *path, sps_error *err);

/**
 * The research CSV header line (ends with "\n"). With @p include_identifiers the columns
 * patient_name, patient_id and patient_birth_date are added. Caller owns (sps_free).
 */
SPS_API char *sps_report_csv_header(int include_identifiers);

/**
 * The CSV rows of this case: one per lesion (RFC 4180 quoting, "\n" line ends), in the column
 * order of sps_report_csv_header(r's include_identifiers). Caller owns (sps_free); NULL as above.
 */
SPS_API char *sps_report_csv_rows(const sps_report *r);

/**
 * Append this case's rows to a batch CSV file: the header is written first when the file is new
 * or empty; an existing file whose first line is not the same header is refused (SPS_EINVALID),
 * so columns never shift. The file is rewritten atomically (old content + rows).
 */
SPS_API sps_status sps_report_csv_append(const sps_report *r, const char *path, sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_REPORT_H */
