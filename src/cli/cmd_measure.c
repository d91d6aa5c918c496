/* cmd_measure.c — `spinescore measure SERIES_DIR --annotations A.json`: reader-placed landmarks and
 * regions on a loaded series -> measurements and the SINS/ESCC inputs, as JSON for `decide`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auto.h"
#include "cli.h"
#include "pipeline.h"
#include "util_internal.h"

static void measure_usage(FILE *f)
{
    fprintf(f,
            "usage: spinescore measure SERIES_DIR [--series UID] [--annotations A.json] [--level T12]\n"
            "                          [--auto SEEDS.json [--auto-annotations FILE]] [--out FILE] [--models DIR]\n\n"
            "Loads one series of SERIES_DIR (a folder, file or DICOMDIR), reads the points and regions a\n"
            "reader placed (spinescore annotations or a 3D Slicer .mrk.json; pixel references are resolved\n"
            "through the series geometry) and prints the measurements and the SINS/ESCC inputs of one level\n"
            "as JSON (docs/formats.md section 4.4). Feed it to the decision with the clinical inputs:\n"
            "  spinescore decide --measurements M.json CLINICAL.case.json\n\n"
            "options:\n"
            "  --series UID       series key or SeriesInstanceUID (default: the annotations' series_uid,\n"
            "                     else the only image series of SERIES_DIR)\n"
            "  --annotations FILE landmarks and regions (docs/formats.md section 4)\n"
            "  --level LEVEL      level to measure (default: the only level marked as the lesion)\n"
            "  --auto SEEDS.json  semi-automatic measurement from seeds (docs/formats.md section 4.5): each\n"
            "                     seed runs its path of src/seg; the derived items are merged with the\n"
            "                     annotations (the reader's items win) and marked semi_automatic\n"
            "  --auto-annotations FILE  write the merged annotations (derived items included) to FILE for\n"
            "                     correction (default with --out M.json: M.auto-annotations.json)\n"
            "  --out FILE         write the JSON to FILE atomically instead of stdout\n"
            "  --models DIR       override embedded models with DIR/<name>.json\n"
            "  -h, --help         this help\n\n"
            "exit codes: 0 written; 1 written but files of the series were skipped (see load warnings);\n"
            "            2 usage, or several series and no --series (the candidates are listed);\n"
            "            3 invalid annotations (the item is named); 4 file or series not found/readable;\n"
            "            5 malformed model; 6 unsupported (--auto in a build without src/seg or with no seed\n"
            "            usable on the modality, mask regions, codecs) (docs/exit-codes.md)\n");
}

int sps_cmd_measure(int argc, char **argv)
{
    sps_pipeline_request req = {NULL, NULL, NULL};
    const char *level = NULL, *out_path = NULL, *auto_path = NULL, *models_dir = NULL, *auto_ann = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (sps_cli_is_help(a)) {
            measure_usage(stdout);
            return SPS_EXIT_OK;
        } else if ((strcmp(a, "--series") == 0 || strcmp(a, "--annotations") == 0 || strcmp(a, "--level") == 0 ||
                    strcmp(a, "--out") == 0 || strcmp(a, "--auto") == 0 || strcmp(a, "--models") == 0 ||
                    strcmp(a, "--auto-annotations") == 0) &&
                   i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(a, "--series") == 0)
                req.series = v;
            else if (strcmp(a, "--annotations") == 0)
                req.annotations_path = v;
            else if (strcmp(a, "--level") == 0)
                level = v;
            else if (strcmp(a, "--out") == 0)
                out_path = v;
            else if (strcmp(a, "--auto") == 0)
                auto_path = v;
            else if (strcmp(a, "--auto-annotations") == 0)
                auto_ann = v;
            else
                models_dir = v;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spinescore measure: unknown or incomplete option '%s'\n", a);
            measure_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!req.study_path) {
            req.study_path = a;
        } else {
            fprintf(stderr, "spinescore measure: only one SERIES_DIR is accepted (got '%s' and '%s')\n", req.study_path, a);
            return SPS_EXIT_USAGE;
        }
    }
    if (!req.study_path) {
        measure_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (!req.annotations_path && !auto_path) {
        fprintf(stderr, "spinescore measure: --annotations FILE (or --auto SEEDS.json) is required\n");
        measure_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (auto_ann && !auto_path) {
        fprintf(stderr, "spinescore measure: --auto-annotations needs --auto SEEDS.json\n");
        return SPS_EXIT_USAGE;
    }

    sps_error err;
    sps_error_clear(&err);
    sps_models *models = NULL;
    sps_status st = models_dir ? sps_models_load_dir(&models, models_dir, &err) : sps_models_load_builtin(&models, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("measure", &err);
        return st == SPS_EFORMAT ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    }
    char seeds_series[128] = "";
    if (auto_path && !req.series && !req.annotations_path) { /* the seeds file names the series */
        if ((st = sps_auto_peek_series(seeds_series, auto_path, &err)) != SPS_OK) {
            sps_cli_print_error("measure", &err);
            sps_models_free(models);
            return sps_cli_exit_for_status(st);
        }
        req.series = seeds_series[0] ? seeds_series : NULL;
    }
    sps_pipeline *p = NULL;
    sps_pipeline_failure why = SPS_PIPELINE_FAIL_OTHER;
    st = sps_pipeline_open(&p, &why, models, &req, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("measure", &err);
        sps_models_free(models);
        return why == SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES ? SPS_EXIT_USAGE : sps_cli_exit_for_status(st);
    }
    sps_auto *au = NULL;
    char auto_ann_default[4200];
    if (auto_path) {
        st = sps_auto_apply(&au, p, models, auto_path, req.annotations_path, &err);
        if (st != SPS_OK) {
            sps_cli_print_error("measure", &err);
            sps_pipeline_free(p);
            sps_models_free(models);
            return st == SPS_EFORMAT && strncmp(err.where, "model", 5) == 0 ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
        }
        for (size_t i = 0; i < sps_auto_note_count(au); i++)
            fprintf(stderr, "spinescore measure: --auto: %s\n", sps_auto_note(au, i));
        if (!level)
            level = sps_auto_level(au);
        if (!auto_ann && out_path) {
            size_t n = strlen(out_path);
            if (n > 5 && strcmp(out_path + n - 5, ".json") == 0)
                n -= 5;
            snprintf(auto_ann_default, sizeof auto_ann_default, "%.*s.auto-annotations.json", (int)n, out_path);
            auto_ann = auto_ann_default;
        }
    }
    char *json = NULL;
    st = sps_pipeline_measure(&json, p, models, level, req.annotations_path, &err);
    int rc = SPS_EXIT_OK;
    if (st == SPS_OK && au) {
        char *marked = NULL;
        const char *ann = sps_auto_annotations_json(au);
        if (auto_ann)
            st = sps_write_file_atomic(auto_ann, ann, strlen(ann), &err);
        else
            fprintf(stderr, "spinescore measure: --auto: the derived items were not written (give --auto-annotations FILE "
                            "or --out)\n");
        if (st == SPS_OK)
            st = sps_auto_mark(&marked, au, json, auto_ann, &err);
        sps_free(json);
        json = marked;
    }
    if (st != SPS_OK) {
        sps_cli_print_error("measure", &err);
        rc = st == SPS_EFORMAT && strncmp(err.where, "model", 5) == 0 ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    } else {
        size_t n = strlen(json);
        if (out_path) {
            char *buf = malloc(n + 2);
            if (!buf) {
                rc = SPS_EXIT_INTERNAL;
            } else {
                memcpy(buf, json, n);
                buf[n] = '\n';
                st = sps_write_file_atomic(out_path, buf, n + 1, &err);
                free(buf);
                if (st != SPS_OK) {
                    sps_cli_print_error("measure", &err);
                    rc = SPS_EXIT_IO;
                }
            }
        } else {
            fputs(json, stdout);
            fputc('\n', stdout);
        }
        if (rc == SPS_EXIT_OK && p->warnings) {
            fprintf(stderr, "spinescore measure: %zu file(s) of the series were skipped; see `spinescore info` for the load diagnostics\n",
                    p->warnings);
            rc = SPS_EXIT_PARTIAL;
        }
    }
    sps_free(json);
    sps_auto_free(au);
    sps_pipeline_free(p);
    sps_models_free(models);
    return rc;
}
