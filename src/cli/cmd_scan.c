/* cmd_scan.c — `spinescore scan PATH [--json]`: list patients, studies and series of an export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "spinescore/dicom.h"
#include "util_internal.h"

static void scan_usage(FILE *f)
{
    fprintf(f, "usage: spinescore scan PATH [--json]\n"
               "  Read the headers of every file under PATH (a folder, a file or a DICOMDIR) and\n"
               "  list patients > studies > series. A series that holds several volumes is split\n"
               "  into parts UID#1, UID#2, ... (the reason is shown). Pixel data is not read.\n");
}

static cJSON *series_json(const sps_dicom_index *idx, size_t i)
{
    const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", s->key);
    cJSON_AddStringToObject(o, "series_uid", s->series_uid);
    cJSON_AddNumberToObject(o, "series_number", s->series_number);
    cJSON_AddStringToObject(o, "modality", s->modality);
    cJSON_AddStringToObject(o, "description", s->series_description);
    cJSON_AddStringToObject(o, "body_part", s->body_part);
    cJSON_AddStringToObject(o, "orientation", sps_orientation_name(s->orientation));
    cJSON_AddNumberToObject(o, "files", (double)s->files);
    cJSON_AddNumberToObject(o, "frames", (double)s->frames);
    cJSON_AddNumberToObject(o, "rows", s->rows);
    cJSON_AddNumberToObject(o, "columns", s->cols);
    cJSON *ps = cJSON_AddArrayToObject(o, "pixel_spacing_mm");
    cJSON_AddItemToArray(ps, cJSON_CreateNumber(s->pixel_spacing_mm[0]));
    cJSON_AddItemToArray(ps, cJSON_CreateNumber(s->pixel_spacing_mm[1]));
    cJSON_AddNumberToObject(o, "slice_spacing_mm", s->slice_spacing_mm);
    cJSON_AddNumberToObject(o, "slice_thickness_mm", s->slice_thickness_mm);
    cJSON_AddStringToObject(o, "transfer_syntax", s->transfer_syntax);
    cJSON_AddBoolToObject(o, "localizer", s->localizer);
    if (s->split[0])
        cJSON_AddStringToObject(o, "split", s->split);
    cJSON *w = cJSON_AddArrayToObject(o, "warnings");
    for (size_t k = 0; k < s->warnings; k++)
        cJSON_AddItemToArray(w, cJSON_CreateString(sps_dicom_index_series_warning(idx, i, k)));
    return o;
}

static int print_json(const char *path, const sps_dicom_index *idx)
{
    sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "path", path);
    cJSON *cnt = cJSON_AddObjectToObject(root, "counts");
    cJSON_AddNumberToObject(cnt, "files", (double)c.files);
    cJSON_AddNumberToObject(cnt, "dicom", (double)c.dicom);
    cJSON_AddNumberToObject(cnt, "non_dicom", (double)c.non_dicom);
    cJSON_AddNumberToObject(cnt, "unreadable", (double)c.unreadable);
    cJSON_AddNumberToObject(cnt, "dicomdir", (double)c.dicomdir);
    cJSON_AddNumberToObject(cnt, "no_pixel_data", (double)c.no_image);
    cJSON_AddNumberToObject(cnt, "folder_loops", (double)c.loops);
    cJSON *patients = cJSON_AddArrayToObject(root, "patients");
    cJSON *pat = NULL, *studies = NULL, *st = NULL, *series = NULL;
    const char *last_pat = NULL, *last_study = NULL;
    size_t n = sps_dicom_index_series_count(idx);
    for (size_t i = 0; i < n; i++) {
        const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
        if (!last_pat || strcmp(last_pat, s->patient_id) != 0) {
            pat = cJSON_CreateObject();
            cJSON_AddItemToArray(patients, pat);
            cJSON_AddStringToObject(pat, "patient_id", s->patient_id);
            cJSON_AddStringToObject(pat, "patient_name", s->patient_name);
            studies = cJSON_AddArrayToObject(pat, "studies");
            last_pat = s->patient_id;
            last_study = NULL;
        }
        if (!last_study || strcmp(last_study, s->study_uid) != 0) {
            st = cJSON_CreateObject();
            cJSON_AddItemToArray(studies, st);
            cJSON_AddStringToObject(st, "study_uid", s->study_uid);
            cJSON_AddStringToObject(st, "study_date", s->study_date);
            cJSON_AddStringToObject(st, "description", s->study_description);
            series = cJSON_AddArrayToObject(st, "series");
            last_study = s->study_uid;
        }
        cJSON_AddItemToArray(series, series_json(idx, i));
    }
    cJSON *probs = cJSON_AddArrayToObject(root, "problems");
    for (size_t i = 0; i < sps_dicom_index_problem_count(idx); i++) {
        const sps_dicom_problem *p = sps_dicom_index_problem(idx, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", p->path);
        cJSON_AddStringToObject(o, "code", sps_status_name(p->code));
        cJSON_AddStringToObject(o, "reason", p->reason);
        cJSON_AddItemToArray(probs, o);
    }
    char *text = cJSON_Print(root);
    sps_utf8_scrub(text); /* paths need not be UTF-8; JSON must be */
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "spinescore scan: out of memory writing JSON\n");
        return SPS_EXIT_INTERNAL;
    }
    puts(text);
    cJSON_free(text);
    return SPS_EXIT_OK;
}

static void print_text(const char *path, const sps_dicom_index *idx)
{
    sps_dicom_scan_counts c = sps_dicom_index_counts(idx);
    printf("%s: %zu file(s): %zu DICOM, %zu non-DICOM, %zu unreadable, %zu DICOMDIR, "
           "%zu without pixel data\n",
           path, c.files, c.dicom, c.non_dicom, c.unreadable, c.dicomdir, c.no_image);
    const char *last_pat = NULL, *last_study = NULL;
    size_t n = sps_dicom_index_series_count(idx);
    for (size_t i = 0; i < n; i++) {
        const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
        if (!last_pat || strcmp(last_pat, s->patient_id) != 0) {
            printf("patient %s  %s\n", s->patient_id[0] ? s->patient_id : "(no ID)", s->patient_name);
            last_pat = s->patient_id;
            last_study = NULL;
        }
        if (!last_study || strcmp(last_study, s->study_uid) != 0) {
            printf("  study %s  %s  %s\n", s->study_uid, s->study_date, s->study_description);
            last_study = s->study_uid;
        }
        printf("    series %s\n", s->key);
        printf("      #%d %-3s %-8s %zu file(s), %zu frame(s), %ux%u, pixel %.4gx%.4g mm, "
               "slice step %.4g mm, %s\n",
               s->series_number, s->modality, sps_orientation_name(s->orientation), s->files,
               s->frames, s->cols, s->rows, s->pixel_spacing_mm[1], s->pixel_spacing_mm[0],
               s->slice_spacing_mm, s->transfer_syntax);
        if (s->series_description[0] || s->body_part[0])
            printf("      \"%s\"  body part %s%s\n", s->series_description,
                   s->body_part[0] ? s->body_part : "-", s->localizer ? "  LOCALIZER" : "");
        if (s->split[0])
            printf("      split: %s\n", s->split);
        for (size_t k = 0; k < s->warnings; k++)
            printf("      warning: %s\n", sps_dicom_index_series_warning(idx, i, k));
    }
    size_t np = sps_dicom_index_problem_count(idx);
    if (np)
        printf("problems:\n");
    for (size_t i = 0; i < np; i++) {
        const sps_dicom_problem *p = sps_dicom_index_problem(idx, i);
        printf("  %s: %s\n", p->path, p->reason);
    }
}

int sps_cmd_scan(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (sps_cli_is_help(argv[i])) {
            scan_usage(stdout);
            return SPS_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "spinescore scan: unknown option '%s'\n", argv[i]);
            scan_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "spinescore scan: more than one PATH given\n");
            return SPS_EXIT_USAGE;
        }
    }
    if (!path) {
        scan_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    sps_error err;
    sps_error_clear(&err);
    sps_dicom_index *idx = NULL;
    sps_status st = sps_dicom_scan(&idx, path, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("scan", &err);
        return sps_cli_exit_for_status(st);
    }
    int rc = SPS_EXIT_OK;
    if (json)
        rc = print_json(path, idx);
    else
        print_text(path, idx);
    if (rc == SPS_EXIT_OK && sps_dicom_index_problem_count(idx) > 0)
        rc = SPS_EXIT_PARTIAL;
    sps_dicom_index_free(idx);
    return rc;
}
