/* batch_internal.h — private to `spinescore batch` (cmd_batch.c runs the cases; batch_cases.c
 * holds the small helpers, the per-case files of DIR/work and DIR/cases, the summary and the
 * progress output). Layout of DIR: the comment at the top of cmd_batch.c. */
#ifndef SPS_CLI_BATCH_INTERNAL_H
#define SPS_CLI_BATCH_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "batch.h"
#include "util_internal.h"

#define BATCH_ERROR_MAX 1500 /* characters of a child's stderr kept in the summary's error cell */

typedef struct bcase {
    const sps_batch_row *row;
    size_t number;            /**< 1-based data row */
    char key[80];             /**< case_key of the summary */
    char folder[160];         /**< key, or key__reader */
    char *path[SPS_BATCH_NCOL]; /**< absolute input paths (study, annotations, seeds, clinical) */
    int selected;
    pid_t pid;                /**< running child, else 0 */
    int lockfd;
    double t0;
    int timed_out;
    char *rows;               /**< cached summary rows (NULL: compute from disk) */
} bcase;

typedef struct batch {
    char out[PATH_MAX];
    char self[PATH_MAX];
    char models[PATH_MAX];
    int identifiers;
    int jobs;
    double timeout;
    bcase *c;
    size_t n;
    size_t total, done, ran, ok, partial, failed, skipped;
    double start;
    int tty, progress_shown;
    sigset_t chld, oldmask; /**< SIGCHLD blocked: the loop waits for it with sigtimedwait */
} batch;

/* work/<folder>/exit: "exit N", "signal N", "timeout S" or "input N". */
typedef struct case_exit {
    char how[16];
    long code;
} case_exit;

/* ---- small helpers (batch_cases.c) ---- */

/* snprintf for paths and messages (a long path is cut, never overflows). */
int batch_pathf(char *buf, size_t size, const char *fmt, ...) SPS_PRINTF(3, 4);
double batch_now(void);
int batch_mkdir_p(const char *dir);
void batch_rm_tree(const char *path);
int batch_exists(const char *p);
uint64_t batch_fnv1a64(const char *s);
int batch_valid_name(const char *s, size_t max);
char *batch_join_path(const char *dir, const char *p);
int batch_settle_file(const char *path, char *value, size_t size);

/* ---- per-case files (batch_cases.c) ---- */

/* DIR/cases/<folder>/report.json for "report", else DIR/work/<folder>[/what]. */
void batch_case_path(char *buf, size_t size, const batch *b, const bcase *c, const char *what);
int batch_read_exit(const batch *b, const bcase *c, case_exit *e);
/* exit 0 or 1 recorded and report.json present. */
int batch_case_complete(const batch *b, const bcase *c, case_exit *e);
char *batch_case_error(const batch *b, const bcase *c, const case_exit *e);
char *batch_case_rows(const batch *b, const bcase *c, const char **status_out);
/* summary.csv rebuilt atomically in manifest order. */
sps_status batch_write_summary(batch *b, sps_error *err);

/* ---- progress (batch_cases.c) ---- */

/* The in-place line on a terminal. */
void batch_progress_line(batch *b);
/* One plain log line per case (stderr). */
void batch_log_case(batch *b, const bcase *c, const char *what, double secs);

#endif
