/* cmd_decide.c — `spinescore decide CASE.json|-`: the decision core on a case file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spinescore/core.h"
#ifdef SPS_HAVE_REPORT
#include "spinescore/report.h"
#endif
#include "util_internal.h"

#define SPS_CASE_MAX_BYTES (16u * 1024u * 1024u)

static void decide_usage(FILE *f)
{
    fprintf(f,
            "usage: spinescore decide [options] CASE.json|-\n\n"
            "Scores a case (SINS, ESCC, NOMS, survival scores, guidance) and explains every result.\n\n"
            "options:\n"
            "  --format json|text   output format (default json)\n"
            "  --wording srs|igrt   NOMS label for the conformal high-dose arm (default: model)\n"
            "  --models DIR         override embedded models with DIR/<name>.json\n"
            "  --out FILE           write the output to FILE atomically instead of stdout\n"
            "  --measurements M.json  merge the lesion measured by `spinescore measure` into the case\n"
            "                       (the case then holds the clinical inputs: docs/formats.md 4.4)\n"
            "  -h, --help           this help\n\n"
            "exit codes: 0 decision written (results may still be not_computable), 3 invalid input,\n"
            "            4 file not readable/writable, 5 malformed model (docs/exit-codes.md)\n");
}

/* Read a file or stdin ("-"). */
static sps_status read_input(char **out, size_t *len, const char *path, sps_error *err)
{
    if (strcmp(path, "-") != 0)
        return sps_read_file(out, len, path, SPS_CASE_MAX_BYTES, err);
    sps_str s = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        sps_str_appendn(&s, buf, n);
        if (s.len > SPS_CASE_MAX_BYTES) {
            sps_str_free(&s);
            return sps_error_set(err, SPS_EINVALID, "stdin", "input is larger than the %u-byte limit",
                                 SPS_CASE_MAX_BYTES);
        }
    }
    *len = s.len;
    *out = sps_str_detach(&s);
    return *out ? SPS_OK : sps_error_set(err, SPS_ENOMEM, "stdin", "out of memory");
}

int sps_cmd_decide(int argc, char **argv)
{
    const char *format = "json", *models_dir = NULL, *path = NULL, *out_path = NULL, *meas_path = NULL;
    sps_decide_options opts = SPS_DECIDE_OPTIONS_INIT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (sps_cli_is_help(a)) {
            decide_usage(stdout);
            return SPS_EXIT_OK;
        } else if ((strcmp(a, "--format") == 0 || strcmp(a, "--wording") == 0 || strcmp(a, "--models") == 0 ||
                    strcmp(a, "--out") == 0 || strcmp(a, "--measurements") == 0) && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(a, "--format") == 0)
                format = v;
            else if (strcmp(a, "--wording") == 0)
                opts.wording = v;
            else if (strcmp(a, "--models") == 0)
                models_dir = v;
            else if (strcmp(a, "--measurements") == 0)
                meas_path = v;
            else
                out_path = v;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spinescore decide: unknown or incomplete option '%s'\n", a);
            decide_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "spinescore decide: only one case file is accepted\n");
            return SPS_EXIT_USAGE;
        }
    }
    if (!path) {
        decide_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
        fprintf(stderr, "spinescore decide: --format must be json or text, got '%s'\n", format);
        return SPS_EXIT_USAGE;
    }

    sps_error err;
    sps_error_clear(&err);
    sps_models *models = NULL;
    sps_status st = models_dir ? sps_models_load_dir(&models, models_dir, &err) : sps_models_load_builtin(&models, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("decide", &err);
        return st == SPS_EFORMAT ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    }
    char *text = NULL;
    size_t len = 0;
    st = read_input(&text, &len, path, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("decide", &err);
        sps_models_free(models);
        return sps_cli_exit_for_status(st);
    }
    if (meas_path) {
        /* the measured lesion merged into the clinical case by the report module's rules
         * (docs/formats.md 5.1): one merge rule for `decide --measurements` and `run` */
#ifdef SPS_HAVE_REPORT
        char *mtext = NULL, *merged = NULL;
        size_t mlen = 0;
        sps_report *r = NULL;
        sps_report_inputs in;
        memset(&in, 0, sizeof in);
        in.clinical_file = path;
        st = sps_read_file(&mtext, &mlen, meas_path, SPS_CASE_MAX_BYTES, &err);
        if (st == SPS_OK)
            st = sps_report_new(&r, models, &in, text, len, strcmp(path, "-") == 0 ? "stdin" : path, &err);
        if (st == SPS_OK)
            st = sps_report_add_measurements(r, mtext, mlen, &err);
        if (st == SPS_OK && !(merged = sps_report_case_json(r)))
            st = sps_error_set(&err, SPS_ENOMEM, meas_path, "out of memory");
        sps_report_free(r);
        sps_free(mtext);
        sps_free(text);
        text = merged;
        len = merged ? strlen(merged) : 0;
        if (st != SPS_OK) {
            if (strcmp(err.where, "measurements") == 0 || strncmp(err.where, "measurements.", 13) == 0) {
                char w[sizeof err.where];
                snprintf(w, sizeof w, "%.200s: %.40s", meas_path, err.where);
                sps_strlcpy(err.where, w, sizeof err.where);
            }
            sps_cli_print_error("decide", &err);
            sps_models_free(models);
            return sps_cli_exit_for_status(st);
        }
#else
        fprintf(stderr, "spinescore decide: --measurements needs the report module, which is not in this build\n");
        sps_free(text);
        sps_models_free(models);
        return SPS_EXIT_UNSUPPORTED;
#endif
    }
    sps_case *c = NULL;
    st = sps_case_parse(&c, text, len, strcmp(path, "-") == 0 ? "stdin" : path, &err);
    sps_free(text);
    if (st != SPS_OK) {
        sps_cli_print_error("decide", &err);
        sps_models_free(models);
        return sps_cli_exit_for_status(st);
    }
    sps_decision *d = NULL;
    st = sps_decide(&d, models, c, &opts, &err);
    sps_case_free(c);
    if (st != SPS_OK) {
        sps_cli_print_error("decide", &err);
        sps_models_free(models);
        return st == SPS_EFORMAT ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    }
    char *outtext = strcmp(format, "text") == 0 ? sps_decision_to_text(d) : sps_decision_to_json(d);
    int rc = SPS_EXIT_OK;
    if (!outtext) {
        fprintf(stderr, "spinescore decide: out of memory\n");
        rc = SPS_EXIT_INTERNAL;
    } else if (out_path) {
        size_t n = strlen(outtext);
        outtext[n] = '\n';
        st = sps_write_file_atomic(out_path, outtext, n + 1, &err);
        outtext[n] = '\0';
        if (st != SPS_OK) {
            sps_cli_print_error("decide", &err);
            rc = SPS_EXIT_IO;
        }
    } else {
        fputs(outtext, stdout);
        if (outtext[0] && outtext[strlen(outtext) - 1] != '\n')
            fputc('\n', stdout);
    }
    if (rc == SPS_EXIT_OK && sps_decision_get_status(d) == SPS_DECISION_INVALID) {
        fprintf(stderr, "spinescore decide: %s: invalid input, see input_errors; nothing was scored from those fields\n", path);
        rc = SPS_EXIT_INVALID;
    }
    sps_free(outtext);
    sps_decision_free(d);
    sps_models_free(models);
    return rc;
}
