/* batch_summary.c — the manifest reader (RFC 4180) and the summary CSV of `spinescore batch`
 * (see batch.h, docs/formats.md §7). The summary is rebuilt from the cases' report.json files in
 * manifest order, so its content never depends on the order in which cases finished. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "util_internal.h"

const char *const sps_batch_column_names[SPS_BATCH_NCOL] = {"study",  "annotations", "seeds",  "clinical",
                                                            "reader", "case_id",     "series", "level"};

/* ---- manifest ------------------------------------------------------------------------------ */

typedef struct csv_rec {
    char **f;
    size_t n, cap;
} csv_rec;

static void rec_free(csv_rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    free(r->f);
    memset(r, 0, sizeof *r);
}

static int rec_push(csv_rec *r, sps_str *cell, int quoted)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        char **f = realloc(r->f, cap * sizeof *f);
        if (!f)
            return -1;
        r->f = f;
        r->cap = cap;
    }
    if (cell->failed)
        return -1;
    char *v = cell->ptr ? sps_str_detach(cell) : sps_strdup("");
    if (!v)
        return -1;
    if (!quoted) { /* spaces around an unquoted cell are not part of it */
        size_t b = 0, e = strlen(v);
        while (v[b] == ' ' || v[b] == '\t')
            b++;
        while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        memmove(v, v + b, e - b);
        v[e - b] = '\0';
    }
    r->f[r->n++] = v;
    return 0;
}

/* One record from *pos (RFC 4180: "" inside quotes is a quote; a quoted cell may hold commas and
 * line breaks; CRLF or LF ends a record). 1 = a record, 0 = end of text, -1 = error (err set). */
static int next_record(csv_rec *r, const char *t, size_t len, size_t *pos, size_t *line, const char *origin,
                       sps_error *err)
{
    size_t i = *pos;
    if (i >= len)
        return 0;
    sps_str cell = {0};
    int quoted = 0, in_quotes = 0, after_quote = 0;
    size_t start_line = *line;
    for (;;) {
        if (i >= len) {
            if (in_quotes) {
                sps_str_free(&cell);
                sps_error_set(err, SPS_EINVALID, origin, "line %zu: a quoted cell is not closed", start_line);
                return -1;
            }
            break;
        }
        char ch = t[i];
        if (in_quotes) {
            if (ch == '"') {
                if (i + 1 < len && t[i + 1] == '"') {
                    sps_str_appendn(&cell, "\"", 1);
                    i += 2;
                    continue;
                }
                in_quotes = 0;
                after_quote = 1;
                i++;
                continue;
            }
            if (ch == '\n')
                (*line)++;
            sps_str_appendn(&cell, &ch, 1);
            i++;
            continue;
        }
        if (ch == ',' || ch == '\n' || (ch == '\r' && i + 1 < len && t[i + 1] == '\n') || (ch == '\r' && i + 1 == len)) {
            if (rec_push(r, &cell, quoted) != 0) {
                sps_str_free(&cell);
                sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
                return -1;
            }
            quoted = after_quote = 0;
            if (ch == ',') {
                i++;
                continue;
            }
            i += ch == '\r' ? 2 : 1;
            (*line)++;
            *pos = i;
            return 1;
        }
        if (ch == '"') {
            int blank = 1; /* a quote may only open a cell (after optional spaces) */
            for (size_t k = 0; cell.ptr && k < cell.len; k++)
                if (cell.ptr[k] != ' ' && cell.ptr[k] != '\t')
                    blank = 0;
            if (!blank || after_quote || quoted) {
                sps_str_free(&cell);
                sps_error_set(err, SPS_EINVALID, origin, "line %zu: a quote inside an unquoted cell (quote the whole cell and double the quote)",
                              *line);
                return -1;
            }
            sps_str_free(&cell);
            quoted = in_quotes = 1;
            i++;
            continue;
        }
        if (after_quote && ch != ' ' && ch != '\t') {
            sps_str_free(&cell);
            sps_error_set(err, SPS_EINVALID, origin, "line %zu: text after the closing quote of a cell", *line);
            return -1;
        }
        if (!after_quote)
            sps_str_appendn(&cell, &ch, 1);
        i++;
    }
    if (rec_push(r, &cell, quoted) != 0) {
        sps_str_free(&cell);
        sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
        return -1;
    }
    *pos = i;
    return 1;
}

static int rec_blank(const csv_rec *r)
{
    return r->n == 1 && r->f[0][0] == '\0';
}

void sps_batch_manifest_free(sps_batch_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nrows; i++)
        for (int c = 0; c < SPS_BATCH_NCOL; c++)
            free(m->rows[i].cell[c]);
    free(m->rows);
    memset(m, 0, sizeof *m);
}

sps_status sps_batch_manifest_parse(sps_batch_manifest *m, const char *text, size_t len, const char *origin,
                                    sps_error *err)
{
    memset(m, 0, sizeof *m);
    size_t pos = 0, line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    csv_rec r = {0};
    int k;
    while ((k = next_record(&r, text, len, &pos, &line, origin, err)) == 1 && rec_blank(&r))
        rec_free(&r);
    if (k < 0)
        return err ? err->code : SPS_EINVALID;
    if (k == 0)
        return sps_error_set(err, SPS_EINVALID, origin, "empty manifest: expected a header line (%s,...)",
                             "study,annotations,seeds,clinical,reader,case_id");
    int map[64]; /* manifest column -> SPS_BATCH_COL_* */
    int seen[SPS_BATCH_NCOL] = {0};
    size_t ncols = r.n;
    sps_status st = SPS_OK;
    if (ncols > 64)
        st = sps_error_set(err, SPS_EINVALID, origin, "line 1: %zu columns; expected at most %d", ncols,
                           SPS_BATCH_NCOL);
    for (size_t i = 0; st == SPS_OK && i < ncols; i++) {
        map[i] = -1;
        for (int c = 0; c < SPS_BATCH_NCOL; c++)
            if (strcasecmp(r.f[i], sps_batch_column_names[c]) == 0)
                map[i] = c;
        if (map[i] < 0)
            st = sps_error_set(err, SPS_EINVALID, origin,
                               "line 1: unknown column '%s'; expected study, annotations, seeds, clinical, reader, "
                               "case_id, series, level",
                               r.f[i]);
        else if (seen[map[i]]++)
            st = sps_error_set(err, SPS_EINVALID, origin, "line 1: column '%s' given twice", r.f[i]);
    }
    if (st == SPS_OK && (!seen[SPS_BATCH_COL_STUDY] || !seen[SPS_BATCH_COL_CLINICAL] ||
                         (!seen[SPS_BATCH_COL_ANNOTATIONS] && !seen[SPS_BATCH_COL_SEEDS])))
        st = sps_error_set(err, SPS_EINVALID, origin,
                           "line 1: the header needs the columns study, clinical and annotations or seeds");
    rec_free(&r);
    size_t cap = 0;
    while (st == SPS_OK) {
        size_t row_line = line;
        k = next_record(&r, text, len, &pos, &line, origin, err);
        if (k < 0) {
            st = err ? err->code : SPS_EINVALID;
            break;
        }
        if (k == 0)
            break;
        if (rec_blank(&r)) {
            rec_free(&r);
            continue;
        }
        if (r.n != ncols) {
            st = sps_error_set(err, SPS_EINVALID, origin, "line %zu: %zu cells; the header has %zu", row_line, r.n,
                               ncols);
            break;
        }
        if (m->nrows == cap) {
            size_t nc = cap ? 2 * cap : 16;
            sps_batch_row *rows = realloc(m->rows, nc * sizeof *rows);
            if (!rows) {
                st = sps_error_set(err, SPS_ENOMEM, origin, "out of memory");
                break;
            }
            m->rows = rows;
            cap = nc;
        }
        sps_batch_row *row = &m->rows[m->nrows++];
        memset(row, 0, sizeof *row);
        row->line = row_line;
        for (size_t i = 0; i < ncols; i++)
            if (r.f[i][0]) {
                row->cell[map[i]] = r.f[i];
                r.f[i] = NULL;
            }
        rec_free(&r);
    }
    rec_free(&r);
    if (st != SPS_OK)
        sps_batch_manifest_free(m);
    else if (m->nrows == 0)
        st = sps_error_set(err, SPS_EINVALID, origin, "no case rows after the header");
    return st;
}

/* ---- summary ------------------------------------------------------------------------------- */

static const char *const sins_components[] = {"location",  "pain",     "bone_lesion",
                                              "alignment", "collapse", "posterolateral"};
#define NSINS (sizeof sins_components / sizeof sins_components[0])

static const char *const survival_scores[] = {"tokuhashi_revised", "tomita", "bauer_modified", "nesms",
                                              "katagiri_new"};
#define NSURV (sizeof survival_scores / sizeof survival_scores[0])

/* Key measurements: report.json lesions[].measurements.<group>.<member> -> column (unit in the
 * name; the member names are those of measurements.json, docs/formats.md §4.3). */
static const struct {
    const char *group, *member, *column;
} measures[] = {
    {"collapse", "collapse_pct", "m_collapse_percent"},
    {"collapse", "loss_anterior_pct", "m_loss_anterior_percent"},
    {"collapse", "loss_middle_pct", "m_loss_middle_percent"},
    {"collapse", "loss_posterior_pct", "m_loss_posterior_percent"},
    {"collapse", "ha_mm", "m_height_anterior_mm"},
    {"collapse", "hm_mm", "m_height_middle_mm"},
    {"collapse", "hp_mm", "m_height_posterior_mm"},
    {"alignment", "translation_mm", "m_translation_mm"},
    {"alignment", "translation_pct", "m_translation_percent"},
    {"alignment", "segmental_kyphosis_deg", "m_kyphosis_deg"},
    {"alignment", "coronal_deg", "m_coronal_deg"},
    {"bone_lesion", "lesion_mean_hu", "m_lesion_mean_hu"},
    {"bone_lesion", "reference_mean_hu", "m_reference_mean_hu"},
    {"bone_lesion", "fraction_lytic", "m_fraction_lytic"},
    {"bone_lesion", "fraction_blastic", "m_fraction_blastic"},
    {"body_involvement", "body_involved_fraction", "m_body_involved_fraction"},
    {"escc", "sac_area_mm2", "m_sac_area_mm2"},
    {"escc", "cord_area_mm2", "m_cord_area_mm2"},
    {"escc", "ref_sac_area_mm2", "m_ref_sac_area_mm2"},
    {"escc", "ref_cord_area_mm2", "m_ref_cord_area_mm2"},
    {"escc", "tumor_cord_distance_mm", "m_tumor_cord_distance_mm"},
    {"escc", "csf_rim_fraction", "m_csf_rim_fraction"},
};
#define NMEAS (sizeof measures / sizeof measures[0])

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One text cell (sps_str_csv_cell: RFC 4180 and the formula guard of docs/formats.md §5.4).
 * Numbers go through cell_num, unprefixed. */
static void cell(sps_str *s, const char *v, int first)
{
    if (!first)
        sps_str_append(s, ",");
    sps_str_csv_cell(s, v);
}

static void cell_int(sps_str *s, const cJSON *v)
{
    if (cJSON_IsNumber(v))
        sps_str_printf(s, ",%d", v->valueint);
    else
        sps_str_append(s, ",");
}

static void cell_num(sps_str *s, const cJSON *v)
{
    if (cJSON_IsNumber(v) && v->valuedouble == v->valuedouble)
        sps_str_printf(s, ",%.6g", v->valuedouble == 0 ? 0.0 : v->valuedouble); /* never "-0" */
    else
        sps_str_append(s, ",");
}

static void header(sps_str *s, int identifiers)
{
    sps_str_append(s, "case_key,reader,level,status,error");
    if (identifiers)
        sps_str_append(s, ",patient_name,patient_id,patient_birth_date");
    for (size_t i = 0; i < NSINS; i++)
        sps_str_printf(s, ",%s,%s_points,%s_source", sins_components[i], sins_components[i], sins_components[i]);
    sps_str_append(s, ",sins_total,sins_category,escc_grade,escc_source,noms_decision");
    for (size_t i = 0; i < NSURV; i++)
        sps_str_printf(s, ",%s_total,%s_class", survival_scores[i], survival_scores[i]);
    for (size_t i = 0; i < NMEAS; i++)
        sps_str_printf(s, ",%s", measures[i].column);
    sps_str_append(s, "\n");
}

/* key, reader, level, status, error [, identifiers] */
static void row_head(sps_str *s, const sps_batch_result *r, const char *level, const char *status, const char *error,
                     int identifiers, const cJSON *patient)
{
    cell(s, r->case_key, 1);
    cell(s, r->reader, 0);
    cell(s, level, 0);
    cell(s, status, 0);
    cell(s, error, 0);
    if (identifiers) {
        cell(s, jstr(patient, "name"), 0);
        cell(s, jstr(patient, "id"), 0);
        cell(s, jstr(patient, "birth_date"), 0);
    }
}

static void empty_cells(sps_str *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sps_str_append(s, ",");
}

#define NSCORE_CELLS (3 * NSINS + 5 + 2 * NSURV + NMEAS)

static void failed_row(sps_str *s, const sps_batch_result *r, const char *error, int identifiers)
{
    row_head(s, r, NULL, "failed", error, identifiers, NULL);
    empty_cells(s, NSCORE_CELLS);
    sps_str_append(s, "\n");
}

/* A component's final value as a token cell: "missing" / "invalid" are not scores (empty). */
static const char *token_or_empty(const char *v)
{
    return v && strcmp(v, "missing") != 0 && strcmp(v, "invalid") != 0 ? v : NULL;
}

static void lesion_row(sps_str *s, const sps_batch_result *r, const cJSON *root, const cJSON *L, int identifiers)
{
    const cJSON *decision = jget(root, "decision");
    row_head(s, r, jstr(L, "level"), r->status, r->error, identifiers, jget(root, "patient"));
    const cJSON *comps = jget(L, "components"), *sum = jget(L, "summary");
    for (size_t i = 0; i < NSINS; i++) {
        const cJSON *c = jget(comps, sins_components[i]), *fin = jget(c, "final");
        cell(s, token_or_empty(jstr(fin, "value")), 0);
        cell_int(s, jget(fin, "points"));
        cell(s, jstr(c, "status"), 0);
    }
    cell_int(s, jget(sum, "sins_total"));
    cell(s, cJSON_IsNumber(jget(sum, "sins_total")) ? jstr(sum, "sins_category") : NULL, 0);
    const char *grade = jstr(sum, "escc_grade");
    cell(s, grade, 0);
    cell(s, grade ? jstr(jget(comps, "escc"), "status") : NULL, 0);
    cell(s, jstr(sum, "noms_decision"), 0);
    const cJSON *surv = jget(decision, "survival");
    for (size_t i = 0; i < NSURV; i++) {
        const cJSON *sc = jget(surv, survival_scores[i]);
        int ok = jstr(sc, "status") && strcmp(jstr(sc, "status"), "ok") == 0;
        cell_int(s, ok ? jget(sc, "total") : NULL);
        cell(s, ok ? jstr(jget(sc, "band"), "token") : NULL, 0);
    }
    const cJSON *meas = jget(L, "measurements");
    for (size_t i = 0; i < NMEAS; i++)
        cell_num(s, jget(jget(meas, measures[i].group), measures[i].member));
    sps_str_append(s, "\n");
}

char *sps_batch_summary_header(int identifiers)
{
    sps_str s = {0};
    header(&s, identifiers);
    return sps_str_detach(&s);
}

char *sps_batch_summary_rows(const sps_batch_result *r, int identifiers)
{
    sps_str s = {0};
    sps_str_append(&s, "");
    if (!r->status)
        return sps_str_detach(&s);
    if (strcmp(r->status, "failed") == 0 || !r->report_json) {
        failed_row(&s, r, r->error, identifiers);
        return sps_str_detach(&s);
    }
    char *text = NULL;
    sps_error err;
    sps_error_clear(&err);
    cJSON *root = NULL;
    if (sps_read_file(&text, NULL, r->report_json, (size_t)256 << 20, &err) == SPS_OK)
        root = cJSON_Parse(text);
    sps_free(text);
    const cJSON *lesions = jget(root, "lesions");
    if (!root || !cJSON_IsArray(lesions)) {
        failed_row(&s, r, "report.json of the case cannot be read or is not a spinescore report", identifiers);
    } else if (cJSON_GetArraySize(lesions) == 0) {
        row_head(&s, r, NULL, r->status, r->error, identifiers, jget(root, "patient"));
        empty_cells(&s, NSCORE_CELLS);
        sps_str_append(&s, "\n");
    } else {
        const cJSON *L;
        cJSON_ArrayForEach(L, lesions)
        lesion_row(&s, r, root, L, identifiers);
    }
    cJSON_Delete(root);
    return sps_str_detach(&s);
}
