/* cmd_info.c — `spinescore info PATH [--series KEY] [--json]`: load one series, print its
 * geometry, intensity statistics and load diagnostics. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "spinescore/dicom.h"
#ifdef SPS_HAVE_SEG
#include "spinescore/seg.h"
#endif
#include "spinescore/volume.h"
#include "util_internal.h"

static void info_usage(FILE *f)
{
    fprintf(f, "usage: spinescore info PATH [--series KEY] [--json] [--min-slices N] [--threads N]\n"
               "                       [--timing] [--nifti OUT.nii]\n"
               "  Load one series (KEY = SeriesInstanceUID, or UID#n for a part of a split series,\n"
               "  as listed by `spinescore scan`; optional when PATH holds one series) and print\n"
               "  its geometry (LPS, mm), intensity statistics (HU for CT) and load diagnostics.\n"
               "  --timing prints the scan and load wall times to stderr (benchmarks).\n"
               "  --nifti writes the loaded volume as NIfTI-1 through ITK (float32, sform/qform in RAS).\n");
}

static const char *sev_name(sps_diag_severity s)
{
    switch (s) {
    case SPS_DIAG_INFO:
        return "info";
    case SPS_DIAG_WARNING:
        return "warning";
    case SPS_DIAG_ERROR:
        return "error";
    }
    return "?";
}

static cJSON *vec3(const double v[3])
{
    return cJSON_CreateDoubleArray(v, 3);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (!end || *end || end == s || v > 1000000)
        return 0;
    *out = (unsigned)v;
    return 1;
}

int sps_cmd_info(int argc, char **argv)
{
    const char *path = NULL, *key = NULL, *nifti = NULL;
    int json = 0, timing = 0;
    sps_dicom_load_options opt;
    sps_dicom_load_options_init(&opt);
    for (int i = 1; i < argc; i++) {
        if (sps_cli_is_help(argv[i])) {
            info_usage(stdout);
            return SPS_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--timing") == 0) {
            timing = 1;
        } else if (strcmp(argv[i], "--nifti") == 0 && i + 1 < argc) {
            nifti = argv[++i];
        } else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc) {
            key = argv[++i];
        } else if (strcmp(argv[i], "--min-slices") == 0 && i + 1 < argc) {
            if (!parse_uint(argv[++i], &opt.min_slices) || opt.min_slices < 1) {
                fprintf(stderr, "spinescore info: --min-slices expects a number >= 1\n");
                return SPS_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (!parse_uint(argv[++i], &opt.threads) || opt.threads < 1) {
                fprintf(stderr, "spinescore info: --threads expects a number >= 1\n");
                return SPS_EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "spinescore info: unknown option or missing value '%s'\n", argv[i]);
            info_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "spinescore info: more than one PATH given\n");
            return SPS_EXIT_USAGE;
        }
    }
    if (!path) {
        info_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    sps_error err;
    sps_error_clear(&err);
    sps_dicom_index *idx = NULL;
    double t0 = now_s();
    sps_status st = sps_dicom_scan(&idx, path, &err);
    double t1 = now_s();
    if (st != SPS_OK) {
        sps_cli_print_error("info", &err);
        return sps_cli_exit_for_status(st);
    }
    size_t nser = sps_dicom_index_series_count(idx);
    if (!key && nser == 0) { /* e.g. a 0-byte or non-DICOM file: not a choice to make */
        sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
        fprintf(stderr,
                "spinescore info: %s: no DICOM image series found (%zu file(s): %zu DICOM, %zu not DICOM "
                "(0-byte and other files), %zu unreadable, %zu without pixel data)\n",
                path, c.files, c.dicom, c.non_dicom, c.unreadable, c.no_image);
        for (size_t i = 0; i < sps_dicom_index_problem_count(idx); i++) {
            const sps_dicom_problem *p = sps_dicom_index_problem(idx, i);
            fprintf(stderr, "  unreadable: %s: %s\n", p->path, p->reason);
        }
        sps_dicom_index_free(idx);
        return SPS_EXIT_IO; /* as measure/run: no series found (SPS_ENOTFOUND) */
    }
    if (!key) {
        if (nser == 1) {
            key = sps_dicom_index_series(idx, 0)->key;
        } else {
            fprintf(stderr, "spinescore info: %s holds %zu series; choose one with --series KEY:\n",
                    path, nser);
            for (size_t i = 0; i < nser; i++) {
                const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
                fprintf(stderr, "  %s  %s %s %zu frame(s) \"%s\"\n", s->key, s->modality,
                        sps_orientation_name(s->orientation), s->frames, s->series_description);
            }
            for (size_t i = 0; i < sps_dicom_index_problem_count(idx); i++) {
                const sps_dicom_problem *p = sps_dicom_index_problem(idx, i);
                fprintf(stderr, "  unreadable: %s: %s\n", p->path, p->reason);
            }
            sps_dicom_index_free(idx);
            return nser == 0 ? SPS_EXIT_INVALID : SPS_EXIT_USAGE;
        }
    }
    sps_volume *vol = NULL;
    sps_dicom_report *rep = NULL;
    st = sps_dicom_load(&vol, &rep, idx, key, &opt, &err);
    if (timing)
        fprintf(stderr, "timing: scan %.4f s, load %.4f s (%u thread(s))\n", t1 - t0,
                now_s() - t1, opt.threads);
    size_t nd = sps_dicom_report_count(rep);
    int skipped = 0;
    for (size_t i = 0; i < nd; i++)
        if (sps_dicom_report_get(rep, i)->severity == SPS_DIAG_WARNING &&
            sps_dicom_report_get(rep, i)->code != SPS_OK)
            skipped = 1;
    int rc = SPS_EXIT_OK;
    if (st != SPS_OK) {
        sps_cli_print_error("info", &err);
        for (size_t i = 0; i < nd; i++) {
            const sps_diag *d = sps_dicom_report_get(rep, i);
            fprintf(stderr, "  %s: %s: %s\n", sev_name(d->severity), d->where, d->message);
        }
        rc = sps_cli_exit_for_status(st);
        goto done;
    }
    if (nifti) {
        sps_error werr;
        sps_error_clear(&werr);
#ifdef SPS_HAVE_SEG
        sps_status ws = sps_seg_write_nifti(vol, nifti, &werr);
#else
        sps_status ws = SPS_EUNSUPPORTED;
        snprintf(werr.message, sizeof werr.message, "built without src/seg (ITK): no NIfTI export");
        werr.code = ws;
#endif
        if (ws != SPS_OK) {
            sps_cli_print_error("info", &werr);
            rc = sps_cli_exit_for_status(ws);
            goto done;
        }
    }
    const sps_geometry *g = sps_volume_geometry(vol);
    sps_volume_stats stats;
    sps_volume_stats_all(&stats, vol, NULL);
    double ijk_last[3] = {(double)g->dims[0] - 1, (double)g->dims[1] - 1, (double)g->dims[2] - 1};
    double last[3];
    sps_geometry_index_to_lps(last, g, ijk_last);
    const char *units = sps_volume_units(vol) == SPS_UNITS_HU ? "HU" : "raw";
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "series", sps_volume_series_uid(vol));
        cJSON_AddStringToObject(root, "modality", sps_volume_modality(vol));
        cJSON_AddStringToObject(root, "units", units);
        double dims[3] = {(double)g->dims[0], (double)g->dims[1], (double)g->dims[2]};
        cJSON_AddItemToObject(root, "dims", vec3(dims));
        cJSON_AddItemToObject(root, "spacing_mm", vec3(g->spacing_mm));
        cJSON_AddItemToObject(root, "origin_lps", vec3(g->origin_lps));
        cJSON_AddItemToObject(root, "last_voxel_lps", vec3(last));
        cJSON *dir = cJSON_AddArrayToObject(root, "direction");
        for (int a = 0; a < 3; a++)
            cJSON_AddItemToArray(dir, vec3(g->direction[a]));
        cJSON *s = cJSON_AddObjectToObject(root, "stats");
        cJSON_AddNumberToObject(s, "count", (double)stats.count);
        cJSON_AddNumberToObject(s, "min", stats.min);
        cJSON_AddNumberToObject(s, "max", stats.max);
        cJSON_AddNumberToObject(s, "mean", stats.mean);
        cJSON_AddNumberToObject(s, "sd", stats.sd);
        cJSON *ds = cJSON_AddArrayToObject(root, "diagnostics");
        for (size_t i = 0; i < nd; i++) {
            const sps_diag *d = sps_dicom_report_get(rep, i);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "severity", sev_name(d->severity));
            cJSON_AddStringToObject(o, "where", d->where);
            cJSON_AddStringToObject(o, "message", d->message);
            cJSON_AddItemToArray(ds, o);
        }
        char *text = cJSON_Print(root);
        sps_utf8_scrub(text); /* paths need not be UTF-8; JSON must be */
        cJSON_Delete(root);
        if (!text) {
            fprintf(stderr, "spinescore info: out of memory writing JSON\n");
            rc = SPS_EXIT_INTERNAL;
            goto done;
        }
        puts(text);
        cJSON_free(text);
    } else {
        printf("series    %s\n", sps_volume_series_uid(vol));
        printf("modality  %s (%s)\n", sps_volume_modality(vol), units);
        printf("dims      %zu x %zu x %zu (i = along rows, j = down columns, k = slices)\n",
               g->dims[0], g->dims[1], g->dims[2]);
        printf("spacing   %.6g x %.6g x %.6g mm\n", g->spacing_mm[0], g->spacing_mm[1],
               g->spacing_mm[2]);
        printf("origin    %.4f %.4f %.4f (LPS mm, centre of voxel 0,0,0)\n", g->origin_lps[0],
               g->origin_lps[1], g->origin_lps[2]);
        printf("last      %.4f %.4f %.4f (LPS mm, centre of the last voxel)\n", last[0], last[1],
               last[2]);
        for (int a = 0; a < 3; a++)
            printf("dir[%c]    %+.6f %+.6f %+.6f\n", "ijk"[a], g->direction[a][0],
                   g->direction[a][1], g->direction[a][2]);
        printf("values    min %.6g  max %.6g  mean %.6g  sd %.6g  (%zu voxels, %s)\n", stats.min,
               stats.max, stats.mean, stats.sd, stats.count, units);
        for (size_t i = 0; i < nd; i++) {
            const sps_diag *d = sps_dicom_report_get(rep, i);
            printf("%-9s %s: %s\n", sev_name(d->severity), d->where, d->message);
        }
    }
    if (skipped)
        rc = SPS_EXIT_PARTIAL;
done:
    sps_volume_free(vol);
    sps_dicom_report_free(rep);
    sps_dicom_index_free(idx);
    return rc;
}
