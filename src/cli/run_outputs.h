/* run_outputs.h — the parts of `spinescore run` beyond report.json/report.txt: PNG snapshots
 * (src/render), the DICOM SR and the snapshots as Secondary Captures (src/dicom/write). Each part
 * is compiled in when its module is in the build; a part that fails is named on stderr and the
 * run exits "partial" (1), never with a half-written file. Glue only: no drawing, no DICOM code. */
#ifndef SPS_CLI_RUN_OUTPUTS_H
#define SPS_CLI_RUN_OUTPUTS_H

#include "pipeline.h"
#include "spinescore/report.h"

/** The output folder being staged. */
typedef struct sps_run_out {
    char dir[4096];   /**< DIR as given, without trailing slashes */
    char stage[4096]; /**< staging folder next to DIR (.NAME.partial-XXXXXX); "" once committed */
    int existed;      /**< DIR existed (empty, or an earlier run's output) */
} sps_run_out;

/** What was written besides the report. */
typedef struct sps_run_parts {
    int have_render, have_sr; /**< the modules are in this build */
    size_t snapshots;         /**< PNGs in snapshots/ */
    size_t secondary;         /**< DICOM files in snapshots-sc/ */
    int sr;                   /**< report-sr.dcm written */
    int dicom_off;            /**< --no-dicom */
    size_t failed;            /**< parts that failed (each named on stderr) */
    size_t io_failed;         /**< of which failed to be written (disk full, I/O): the run fails */
} sps_run_parts;

/** Write @p text (+ a final newline) to STAGE/@p name atomically. */
sps_status sps_run_write_text(const sps_run_out *o, const char *name, const char *text, sps_error *err);

/** Snapshots, SR and Secondary Captures (unless !@p dicom) into the staging folder, as far as the
 *  build has them. @p ps: the run's series (@p nps >= 1; the first is the primary): each finding is
 *  drawn on the series it was measured on (the measurement group's series_uid when @p mjson merges
 *  several), its Secondary Capture goes into that series' study; the SR goes into the first
 *  series' study and references the images of every series of that study. */
void sps_run_write_images(sps_run_parts *parts, const sps_run_out *o, const sps_pipeline *const *ps, size_t nps,
                          const sps_report *r, const sps_models *models, const char *mjson, const char *report_json,
                          int dicom);

/** "snapshots: ..." / "DICOM: ..." lines for the end of the run (paths under @p dir). */
void sps_run_print_parts(const sps_run_parts *parts, const char *dir);

#endif
