/* cli.h — the `spinescore` command: shared exit codes, option helpers and the verb table. */
#ifndef SPS_CLI_H
#define SPS_CLI_H

#include <stdio.h>
#include "spinescore/common.h"

/* Exit codes: documented in docs/exit-codes.md (a test checks that every code is listed). */
#define SPS_EXIT_LIST(X)                                                                        \
    X(SPS_EXIT_OK, 0, "success: everything asked for was done (a result may still say not_computable)") \
    X(SPS_EXIT_PARTIAL, 1, "partial success: output written, but some inputs were skipped (e.g. a broken file in a study)") \
    X(SPS_EXIT_USAGE, 2, "usage error: unknown verb or option, missing argument")               \
    X(SPS_EXIT_INVALID, 3, "invalid input: malformed JSON or a value outside its allowed set; nothing was scored from it") \
    X(SPS_EXIT_IO, 4, "input/output error: a file or folder could not be read or written")      \
    X(SPS_EXIT_MODEL, 5, "model error: a models/ file is malformed or inconsistent")            \
    X(SPS_EXIT_UNSUPPORTED, 6, "unsupported input: valid data this version cannot process (e.g. a codec)") \
    X(SPS_EXIT_INTERNAL, 70, "internal error: a bug; please report it with the input")

enum {
#define SPS_X_EXIT(name, value, text) name = value,
    SPS_EXIT_LIST(SPS_X_EXIT)
#undef SPS_X_EXIT
};

/** One verb of the command line. */
typedef struct sps_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /**< argv[0] is the verb name */
} sps_cli_command;

/** Map a library status to an exit code. */
int sps_cli_exit_for_status(sps_status status);

/** Print "spinescore: <where>: <message>" to stderr. */
void sps_cli_print_error(const char *verb, const sps_error *err);

/** True if arg is "-h" or "--help". */
int sps_cli_is_help(const char *arg);

/* Verbs (one file each: cmd_<verb>.c). */
int sps_cmd_decide(int argc, char **argv);
int sps_cmd_models(int argc, char **argv);
int sps_cmd_agree(int argc, char **argv);  /* cmd_agree.c */
int sps_cmd_scan(int argc, char **argv); /* cmd_scan.c, built with the dicom module */
int sps_cmd_info(int argc, char **argv); /* cmd_info.c, built with the dicom module */
int sps_cmd_measure(int argc, char **argv); /* cmd_measure.c, built with the dicom and measure modules */
int sps_cmd_run(int argc, char **argv);     /* cmd_run.c, built with the dicom, measure and report modules */
int sps_cmd_batch(int argc, char **argv);   /* cmd_batch.c, built with run */

#endif
