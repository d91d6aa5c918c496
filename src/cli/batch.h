/* batch.h — `spinescore batch`: the manifest reader and the summary CSV (docs/formats.md §7).
 * Glue only: every number of the summary comes from a case's report.json as `spinescore run`
 * wrote it; nothing is re-scored here. Prints nothing. */
#ifndef SPS_CLI_BATCH_H
#define SPS_CLI_BATCH_H

#include <stddef.h>

#include "spinescore/common.h"

/* ---- manifest (RFC 4180 CSV with a header) ------------------------------------------------ */

/** Columns of a manifest row (cells as written, NULL when empty). */
enum {
    SPS_BATCH_COL_STUDY,
    SPS_BATCH_COL_ANNOTATIONS,
    SPS_BATCH_COL_SEEDS,
    SPS_BATCH_COL_CLINICAL,
    SPS_BATCH_COL_READER,
    SPS_BATCH_COL_CASE_ID,
    SPS_BATCH_COL_SERIES,
    SPS_BATCH_COL_LEVEL,
    SPS_BATCH_NCOL
};

/** Header names of the columns, in the order of the enum. */
extern const char *const sps_batch_column_names[SPS_BATCH_NCOL];

typedef struct sps_batch_row {
    size_t line;                  /**< line of the manifest where the row starts (1 = header) */
    char *cell[SPS_BATCH_NCOL];   /**< NULL when the column is absent or the cell empty */
} sps_batch_row;

typedef struct sps_batch_manifest {
    sps_batch_row *rows;
    size_t nrows;
} sps_batch_manifest;

/**
 * Parse manifest text: a header naming columns of sps_batch_column_names (any order, case
 * insensitive, `study` and `clinical` required, an unknown column refused), then one case per
 * record; blank lines are skipped; a UTF-8 BOM is accepted. Cells are trimmed of spaces outside
 * quotes. @p origin names the file in errors ("file:line").
 */
sps_status sps_batch_manifest_parse(sps_batch_manifest *m, const char *text, size_t len, const char *origin,
                                    sps_error *err);
void sps_batch_manifest_free(sps_batch_manifest *m);

/* ---- summary CSV --------------------------------------------------------------------------- */

/** How a case ended (what the summary says of it). */
typedef struct sps_batch_result {
    const char *case_key; /**< stable, de-identified */
    const char *reader;   /**< "" when none */
    const char *status;   /**< "ok", "partial", "failed"; NULL: not finished (no row) */
    const char *error;    /**< text for the error cell ("" when none) */
    const char *report_json; /**< path of the case's report.json (ok / partial), else NULL */
} sps_batch_result;

/** The header line of the summary CSV (with its "\n"). @p identifiers adds patient_name,
 *  patient_id, patient_birth_date after `error`. Caller frees with sps_free. */
char *sps_batch_summary_header(int identifiers);

/**
 * The summary rows of one case: one row per lesion of a finished case, one row for a failed one
 * (every score cell empty); a case whose report.json cannot be read becomes "failed" with the
 * reason; a case not finished (status NULL) has no row (""). Caller frees with sps_free.
 */
char *sps_batch_summary_rows(const sps_batch_result *r, int identifiers);

#endif
