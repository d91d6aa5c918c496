/* csv.c — the research CSV: one row per lesion of a case, de-identified unless asked otherwise.
 * An unscored value is an empty cell, never 0; the status columns say why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

static const char *const id_columns[] = {"patient_name", "patient_id", "patient_birth_date"};
static const char *const tail_columns[] = {"sins_total", "sins_category", "sins_status", "escc_grade", "escc_source",
                                           "noms_row", "noms_decision", "noms_status", "decision_status"};

char *sps_report_csv_header(int include_identifiers)
{
    sps_str s = {0};
    sps_str_append(&s, "case_id");
    if (include_identifiers)
        for (size_t i = 0; i < 3; i++)
            sps_str_printf(&s, ",%s", id_columns[i]);
    sps_str_append(&s, ",study_uid,level");
    for (size_t i = 0; i < SPS_REP_NSINS; i++) {
        const char *c = sps_rep__sins_components[i];
        sps_str_printf(&s, ",%s,%s_points,%s_source", c, c, c);
    }
    for (size_t i = 0; i < sizeof tail_columns / sizeof tail_columns[0]; i++)
        sps_str_printf(&s, ",%s", tail_columns[i]);
    sps_str_append(&s, "\n");
    return sps_str_detach(&s);
}

/* One cell, after its separator (the quoting rule: sps_str_csv_cell). */
static void cell(sps_str *s, const char *v)
{
    sps_str_append(s, ",");
    sps_str_csv_cell(s, v);
}

/* A number is printed as it is: the formula guard is for text (a negative value keeps its '-'). */
static void cell_int(sps_str *s, const cJSON *v)
{
    if (cJSON_IsNumber(v))
        sps_str_printf(s, ",%d", v->valueint);
    else
        cell(s, NULL);
}

char *sps_report_csv_rows(const sps_report *r)
{
    if (!r || !r->decision)
        return NULL;
    sps_str s = {0};
    const cJSON *dl;
    const char *case_id = sps_rep__js(r->decision, "case_id");
    cJSON_ArrayForEach(dl, cJSON_GetObjectItemCaseSensitive(r->decision, "lesions"))
    {
        /* the first cell has no leading comma: write it through cell() and drop the comma */
        sps_str row = {0};
        cell(&row, case_id);
        if (r->include_identifiers) {
            cell(&row, r->patient_name);
            cell(&row, r->patient_id);
            cell(&row, r->patient_birth_date);
        }
        cell(&row, r->study_uid);
        cell(&row, sps_rep__js(dl, "level"));
        const cJSON *sins = cJSON_GetObjectItemCaseSensitive(dl, "sins");
        const cJSON *comps = cJSON_GetObjectItemCaseSensitive(sins, "components");
        for (size_t i = 0; i < SPS_REP_NSINS; i++) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(comps, sps_rep__sins_components[i]);
            cell(&row, sps_rep__js(c, "value"));
            cell_int(&row, cJSON_GetObjectItemCaseSensitive(c, "points"));
            cell(&row, sps_rep__js(c, "source"));
        }
        cell_int(&row, cJSON_GetObjectItemCaseSensitive(sins, "total"));
        cell(&row, sps_rep__js(sins, "category"));
        cell(&row, sps_rep__js(sins, "status"));
        const cJSON *escc = cJSON_GetObjectItemCaseSensitive(dl, "escc");
        cell(&row, sps_rep__js(escc, "grade") ? sps_rep__js(escc, "grade") : NULL);
        cell(&row, sps_rep__js(escc, "grade") ? sps_rep__js(escc, "source") : NULL);
        const cJSON *noms = cJSON_GetObjectItemCaseSensitive(dl, "noms");
        cell_int(&row, cJSON_GetObjectItemCaseSensitive(noms, "row"));
        cell(&row, sps_rep__js(noms, "decision"));
        cell(&row, sps_rep__js(noms, "status"));
        cell(&row, sps_rep__js(r->decision, "status"));
        if (row.ptr)
            sps_str_append(&s, row.ptr + 1);
        sps_str_append(&s, "\n");
        if (row.failed)
            s.failed = 1;
        sps_str_free(&row);
    }
    if (!s.ptr && !s.failed)
        sps_str_append(&s, ""); /* a case without lesions has no rows: an empty string, not NULL */
    return sps_str_detach(&s);
}

sps_status sps_report_csv_append(const sps_report *r, const char *path, sps_error *err)
{
    char *header = r ? sps_report_csv_header(r->include_identifiers) : NULL;
    char *rows = sps_report_csv_rows(r);
    if (!header || !rows) {
        free(header);
        free(rows);
        return sps_error_set(err, r && !r->decision ? SPS_EINVALID : SPS_ENOMEM, path,
                             r && !r->decision ? "sps_report_decide was not called" : "out of memory");
    }
    char *old = NULL;
    size_t oldlen = 0;
    sps_error rerr;
    sps_status st = sps_read_file(&old, &oldlen, path, (size_t)1 << 30, &rerr);
    if (st == SPS_ENOTFOUND) {
        old = NULL;
        oldlen = 0;
    } else if (st != SPS_OK) {
        free(header);
        free(rows);
        if (err)
            *err = rerr;
        return st;
    }
    sps_str s = {0};
    if (oldlen == 0) {
        sps_str_append(&s, header);
    } else {
        size_t hl = strlen(header);
        if (oldlen < hl || memcmp(old, header, hl) != 0) {
            free(old);
            free(header);
            free(rows);
            return sps_error_set(err, SPS_EINVALID, path,
                                 "the file's first line is not the spinescore CSV header of this version (or of "
                                 "the identifier setting of this run); write to a new file so columns never shift");
        }
        sps_str_appendn(&s, old, oldlen);
        if (old[oldlen - 1] != '\n')
            sps_str_append(&s, "\n");
    }
    sps_str_append(&s, rows);
    free(old);
    free(header);
    free(rows);
    if (s.failed) {
        sps_str_free(&s);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    }
    st = sps_write_file_atomic(path, s.ptr ? s.ptr : "", s.len, err);
    sps_str_free(&s);
    return st;
}
