/* agree_files.c — two batch summary CSV files (docs/formats.md, summary contract) -> per-column
 * agreement. RFC 4180 reader (quoted fields, "" escapes, CRLF or LF, embedded line breaks),
 * rows matched by (case_key, level), column kinds by name, scales from the models. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/agree.h"
#include "util_internal.h"

#define AGREE_MAX_FILE (256u * 1024u * 1024u)

/* ---- CSV ---- */

typedef struct csv_table {
    size_t ncols, nrows;  /* nrows excludes the header */
    char **cells;         /* (nrows + 1) * ncols, row 0 = header */
    size_t *lines;        /* physical line where each row starts */
    const char *path;
} csv_table;

static void csv_free(csv_table *t)
{
    if (!t->cells)
        return;
    for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

typedef struct field_list {
    char **v;
    size_t n, cap;
} field_list;

static int fl_push(field_list *f, char *s)
{
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 64;
        char **p = realloc(f->v, nc * sizeof *p);
        if (!p)
            return -1;
        f->v = p;
        f->cap = nc;
    }
    f->v[f->n++] = s;
    return 0;
}

static sps_status csv_parse(csv_table *t, const char *path, const char *buf, size_t len, sps_error *err)
{
    memset(t, 0, sizeof *t);
    field_list all = {0};
    size_t *lines = NULL, nrows_all = 0, cap_lines = 0, ncols = 0, row_fields = 0;
    size_t i = 0, line = 1, row_line = 1;
    char where[300];
    sps_status st = SPS_OK;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        i = 3;
    if (i >= len) {
        return sps_error_set(err, SPS_EFORMAT, path, "empty file: expected a header line (case_key,level,status,...)");
    }
    while (i < len) {
        /* one field */
        sps_str f = {0};
        sps_str_append(&f, "");
        if (buf[i] == '"') {
            size_t qline = line;
            i++;
            for (;;) {
                if (i >= len) {
                    snprintf(where, sizeof where, "%s:%zu", path, qline);
                    sps_str_free(&f);
                    st = sps_error_set(err, SPS_EFORMAT, where, "quoted field never closed (RFC 4180: a quote inside a quoted field is written \"\")");
                    goto fail;
                }
                if (buf[i] == '"') {
                    if (i + 1 < len && buf[i + 1] == '"') {
                        sps_str_appendn(&f, "\"", 1);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (buf[i] == '\n')
                    line++;
                sps_str_appendn(&f, buf + i, 1);
                i++;
            }
            if (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
                snprintf(where, sizeof where, "%s:%zu", path, line);
                sps_str_free(&f);
                st = sps_error_set(err, SPS_EFORMAT, where, "text after a closing quote: expected ',' or end of line");
                goto fail;
            }
        } else {
            size_t s = i;
            while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
                if (buf[i] == '"') {
                    snprintf(where, sizeof where, "%s:%zu", path, line);
                    sps_str_free(&f);
                    st = sps_error_set(err, SPS_EFORMAT, where, "quote inside an unquoted field: expected the whole field quoted (RFC 4180)");
                    goto fail;
                }
                if (buf[i] == '\0') {
                    snprintf(where, sizeof where, "%s:%zu", path, line);
                    sps_str_free(&f);
                    st = sps_error_set(err, SPS_EFORMAT, where, "NUL byte: expected a UTF-8 text file");
                    goto fail;
                }
                i++;
            }
            sps_str_appendn(&f, buf + s, i - s);
        }
        char *fs = sps_str_detach(&f);
        if (!fs || fl_push(&all, fs) != 0) {
            free(fs);
            st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
            goto fail;
        }
        row_fields++;
        int end_row = 0;
        if (i >= len) {
            end_row = 1;
        } else if (buf[i] == ',') {
            i++;
            if (i >= len) { /* trailing comma at EOF: one more empty field */
                char *e = sps_strdup("");
                if (!e || fl_push(&all, e) != 0) {
                    free(e);
                    st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
                    goto fail;
                }
                row_fields++;
                end_row = 1;
            }
        } else { /* \r\n or \n or lone \r */
            if (buf[i] == '\r')
                i++;
            if (i < len && buf[i] == '\n')
                i++;
            line++;
            end_row = 1;
        }
        if (end_row) {
            if (nrows_all == 0) {
                ncols = row_fields;
            } else if (row_fields != ncols) {
                snprintf(where, sizeof where, "%s:%zu", path, row_line);
                st = sps_error_set(err, SPS_EFORMAT, where, "row has %zu fields, the header has %zu", row_fields, ncols);
                goto fail;
            }
            if (nrows_all == cap_lines) {
                size_t nc = cap_lines ? cap_lines * 2 : 64;
                size_t *p = realloc(lines, nc * sizeof *p);
                if (!p) {
                    st = sps_error_set(err, SPS_ENOMEM, path, "out of memory");
                    goto fail;
                }
                lines = p;
                cap_lines = nc;
            }
            lines[nrows_all++] = row_line;
            row_fields = 0;
            row_line = line;
        }
    }
    t->ncols = ncols;
    t->nrows = nrows_all - 1;
    t->cells = all.v;
    t->lines = lines;
    return SPS_OK;
fail:
    for (size_t k = 0; k < all.n; k++)
        free(all.v[k]);
    free(all.v);
    free(lines);
    return st;
}

static const char *cell(const csv_table *t, size_t row, size_t col)
{
    return t->cells[(row + 1) * t->ncols + col];
}

static long find_col(const csv_table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->cells[j], name) == 0)
            return (long)j;
    return -1;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* ---- scales (from the models) ---- */

typedef struct scale {
    size_t n;
    char **tokens;
    double *pos;
} scale;

static void scale_free(scale *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->tokens[i]);
    free(s->tokens);
    free(s->pos);
    memset(s, 0, sizeof *s);
}

static int scale_add(scale *s, const char *tok, double pos)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->tokens[i], tok) == 0)
            return 0;
    char **t = realloc(s->tokens, (s->n + 1) * sizeof *t);
    if (!t)
        return -1;
    s->tokens = t;
    double *p = realloc(s->pos, (s->n + 1) * sizeof *p);
    if (!p)
        return -1;
    s->pos = p;
    s->tokens[s->n] = sps_strdup(tok);
    if (!s->tokens[s->n])
        return -1;
    s->pos[s->n++] = pos;
    return 0;
}

static int cmp_pos(const void *a, const void *b, const scale *s)
{
    (void)s;
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* sort a scale by position (insertion sort: scales are small) */
static void scale_sort(scale *s)
{
    for (size_t i = 1; i < s->n; i++)
        for (size_t j = i; j > 0 && cmp_pos(&s->pos[j - 1], &s->pos[j], s) > 0; j--) {
            double tp = s->pos[j];
            s->pos[j] = s->pos[j - 1];
            s->pos[j - 1] = tp;
            char *tt = s->tokens[j];
            s->tokens[j] = s->tokens[j - 1];
            s->tokens[j - 1] = tt;
        }
}

/* Options (token, points) of a SINS component: location.classes or components.<c>.options. */
static const cJSON *sins_options(const cJSON *sins, const char *comp)
{
    if (strcmp(comp, "location") == 0)
        return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sins, "location"), "classes");
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
                                                cJSON_GetObjectItemCaseSensitive(sins, "components"), comp),
                                            "options");
}

static cJSON *model_json(const sps_models *models, const char *name, sps_error *err)
{
    char *txt = models ? sps_models_dump(models, name) : NULL;
    if (!txt) {
        sps_error_set(err, SPS_EINVALID, name, "model not loaded: needed for the %s scales", name);
        return NULL;
    }
    cJSON *j = cJSON_Parse(txt);
    sps_free(txt);
    if (!j)
        sps_error_set(err, SPS_ENOMEM, name, "model dump could not be parsed");
    return j;
}

typedef enum col_scale_kind { SC_NONE, SC_TOKENS_NOMINAL, SC_TOKENS_ORDINAL } col_scale_kind;

/* Fill the scale of a column from the models; kind tells how the column is analysed. */
static sps_status column_scale(const char *name, const cJSON *sins, const cJSON *escc, sps_agree_kind *kind,
                               col_scale_kind *sk, scale *sc, sps_error *err)
{
    static const char *comps[] = {"location", "pain", "bone_lesion", "alignment", "collapse", "posterolateral"};
    memset(sc, 0, sizeof *sc);
    *sk = SC_NONE;
    int oom = 0;
    for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
        size_t cl = strlen(comps[i]);
        int is_tok = strcmp(name, comps[i]) == 0;
        int is_pts = strncmp(name, comps[i], cl) == 0 && strcmp(name + cl, "_points") == 0;
        if (!is_tok && !is_pts)
            continue;
        const cJSON *opts = sins_options(sins, comps[i]), *o;
        if (!cJSON_IsArray(opts))
            return sps_error_set(err, SPS_EINTERNAL, "sins", "no options for component %s in the model", comps[i]);
        cJSON_ArrayForEach(o, opts)
        {
            const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "token");
            const cJSON *pts = cJSON_GetObjectItemCaseSensitive(o, "points");
            if (!cJSON_IsString(tok) || !cJSON_IsNumber(pts))
                continue;
            char buf[32];
            snprintf(buf, sizeof buf, "%d", pts->valueint);
            oom |= scale_add(sc, is_tok ? tok->valuestring : buf, is_tok ? (double)sc->n : pts->valuedouble);
        }
        if (is_pts)
            scale_sort(sc);
        *kind = is_tok ? SPS_AGREE_NOMINAL : SPS_AGREE_ORDINAL;
        *sk = is_tok ? SC_TOKENS_NOMINAL : SC_TOKENS_ORDINAL;
        goto out;
    }
    if (strcmp(name, "sins_total") == 0 || strcmp(name, "sins_category") == 0) {
        const cJSON *cats = cJSON_GetObjectItemCaseSensitive(sins, "categories"), *c;
        double maxv = 0;
        cJSON_ArrayForEach(c, cats)
        {
            const cJSON *tok = cJSON_GetObjectItemCaseSensitive(c, "token");
            const cJSON *mx = cJSON_GetObjectItemCaseSensitive(c, "max");
            if (cJSON_IsNumber(mx) && mx->valuedouble > maxv)
                maxv = mx->valuedouble;
            if (strcmp(name, "sins_category") == 0 && cJSON_IsString(tok))
                oom |= scale_add(sc, tok->valuestring, (double)sc->n);
        }
        if (strcmp(name, "sins_total") == 0) {
            for (int v = 0; v <= (int)maxv; v++) {
                char buf[16];
                snprintf(buf, sizeof buf, "%d", v);
                oom |= scale_add(sc, buf, v);
            }
            *kind = SPS_AGREE_ORDINAL_AND_CONTINUOUS;
        } else {
            *kind = SPS_AGREE_ORDINAL;
        }
        *sk = SC_TOKENS_ORDINAL;
        goto out;
    }
    if (strcmp(name, "escc_grade") == 0) {
        const cJSON *g, *grades = cJSON_GetObjectItemCaseSensitive(escc, "grades");
        cJSON_ArrayForEach(g, grades)
        {
            const cJSON *tok = cJSON_GetObjectItemCaseSensitive(g, "token");
            const cJSON *rank = cJSON_GetObjectItemCaseSensitive(g, "rank");
            if (cJSON_IsString(tok) && cJSON_IsNumber(rank))
                oom |= scale_add(sc, tok->valuestring, rank->valuedouble);
        }
        scale_sort(sc);
        *kind = SPS_AGREE_ORDINAL;
        *sk = SC_TOKENS_ORDINAL;
        goto out;
    }
    if (strncmp(name, "m_", 2) == 0 || ends_with(name, "_total")) {
        *kind = SPS_AGREE_CONTINUOUS;
        return SPS_OK;
    }
    *kind = SPS_AGREE_NOMINAL; /* other tokens: categories as observed */
    return SPS_OK;
out:
    if (oom)
        return sps_error_set(err, SPS_ENOMEM, name, "out of memory");
    if (sc->n == 0)
        return sps_error_set(err, SPS_EINTERNAL, name, "the model gives no scale for this column");
    return SPS_OK;
}

/* Keys, bookkeeping, provenance and identity are not ratings: `patient_*` columns (written by
 * `batch --include-identifiers`) would otherwise be scored as nominal. */
static int ignored_column(const char *name)
{
    return strcmp(name, "case_key") == 0 || strcmp(name, "reader") == 0 || strcmp(name, "level") == 0 ||
           strcmp(name, "status") == 0 || strcmp(name, "error") == 0 || ends_with(name, "_source") ||
           strncmp(name, "patient_", 8) == 0;
}

/* ---- matching and analysis ---- */

static sps_status load_table(csv_table *t, const char *path, sps_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    sps_status st = sps_read_file(&buf, &len, path, AGREE_MAX_FILE, err);
    if (st != SPS_OK)
        return st;
    st = csv_parse(t, path, buf, len, err);
    sps_free(buf);
    if (st != SPS_OK)
        return st;
    static const char *need[] = {"case_key", "level", "status"};
    for (size_t i = 0; i < 3; i++)
        if (find_col(t, need[i]) < 0) {
            csv_free(t);
            return sps_error_set(err, SPS_EFORMAT, path, "header lacks the '%s' column (summary CSV: case_key, level, status, ...)", need[i]);
        }
    long ck = find_col(t, "case_key"), lv = find_col(t, "level");
    for (size_t r = 0; r < t->nrows; r++) {
        if (cell(t, r, (size_t)ck)[0] == '\0') {
            char where[300];
            snprintf(where, sizeof where, "%s:%zu", path, t->lines[r + 1]);
            csv_free(t);
            return sps_error_set(err, SPS_EFORMAT, where, "empty case_key: every row needs its case key");
        }
        for (size_t q = 0; q < r; q++)
            if (strcmp(cell(t, r, (size_t)ck), cell(t, q, (size_t)ck)) == 0 &&
                strcmp(cell(t, r, (size_t)lv), cell(t, q, (size_t)lv)) == 0) {
                char where[300];
                snprintf(where, sizeof where, "%s:%zu", path, t->lines[r + 1]);
                sps_error_set(err, SPS_EFORMAT, where, "case_key '%.80s' level '%.16s' already on line %zu: each (case, level) once",
                              cell(t, r, (size_t)ck), cell(t, r, (size_t)lv), t->lines[q + 1]);
                csv_free(t);
                return SPS_EFORMAT;
            }
    }
    return SPS_OK;
}

static sps_status bad_cell(sps_error *err, const csv_table *t, size_t row, const char *col, const char *val,
                           const char *expected)
{
    char where[300];
    snprintf(where, sizeof where, "%s:%zu", t->path, t->lines[row + 1]);
    return sps_error_set(err, SPS_EFORMAT, where, "column %s: '%.60s' is not %s", col, val, expected);
}

static long token_index(const scale *sc, const char *v)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->tokens[i], v) == 0)
            return (long)i;
    return -1;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || end == s)
        return 0;
    *out = v;
    return 1;
}

static sps_status analyse_column(sps_agree_column *col, const csv_table *A, const csv_table *B, long ca, long cb,
                                 const size_t *pair_a, const size_t *pair_b, const int *pair_ok, size_t npairs,
                                 const cJSON *sins, const cJSON *escc, sps_error *err)
{
    scale sc;
    col_scale_kind sk;
    sps_status st = column_scale(col->name, sins, escc, &col->kind, &sk, &sc, err);
    if (st != SPS_OK)
        return st;
    int *ia = calloc(npairs + 1, sizeof *ia), *ib = calloc(npairs + 1, sizeof *ib);
    double *xa = calloc(npairs + 1, sizeof *xa), *xb = calloc(npairs + 1, sizeof *xb);
    scale obs = {0}; /* observed categories of a nominal column without a model scale */
    if (!ia || !ib || !xa || !xb) {
        st = sps_error_set(err, SPS_ENOMEM, col->name, "out of memory");
        goto done;
    }
    size_t n = 0;
    char expected[400];
    if (sk != SC_NONE) {
        sps_str e = {0};
        sps_str_append(&e, "on the scale (one of");
        for (size_t i = 0; i < sc.n; i++)
            sps_str_printf(&e, "%s %s", i ? "," : "", sc.tokens[i]);
        sps_str_append(&e, ")");
        sps_strlcpy(expected, e.ptr ? e.ptr : "on the scale", sizeof expected);
        sps_str_free(&e);
    }
    for (size_t p = 0; p < npairs; p++) {
        if (!pair_ok[p]) {
            col->excluded_status++;
            continue;
        }
        const char *va = cell(A, pair_a[p], (size_t)ca), *vb = cell(B, pair_b[p], (size_t)cb);
        if (!*va || !*vb) {
            col->excluded_empty++;
            continue;
        }
        if (col->kind == SPS_AGREE_CONTINUOUS || col->kind == SPS_AGREE_ORDINAL_AND_CONTINUOUS) {
            if (!parse_number(va, &xa[n])) {
                st = bad_cell(err, A, pair_a[p], col->name, va, "a finite number");
                goto done;
            }
            if (!parse_number(vb, &xb[n])) {
                st = bad_cell(err, B, pair_b[p], col->name, vb, "a finite number");
                goto done;
            }
        }
        if (sk != SC_NONE) {
            long ka = token_index(&sc, va), kb = token_index(&sc, vb);
            if (ka < 0) {
                st = bad_cell(err, A, pair_a[p], col->name, va, expected);
                goto done;
            }
            if (kb < 0) {
                st = bad_cell(err, B, pair_b[p], col->name, vb, expected);
                goto done;
            }
            ia[n] = (int)ka;
            ib[n] = (int)kb;
        } else if (col->kind == SPS_AGREE_NOMINAL) {
            if (scale_add(&obs, va, (double)obs.n) || scale_add(&obs, vb, (double)obs.n)) {
                st = sps_error_set(err, SPS_ENOMEM, col->name, "out of memory");
                goto done;
            }
            ia[n] = (int)token_index(&obs, va);
            ib[n] = (int)token_index(&obs, vb);
        }
        n++;
    }
    col->n_used = n;
    if (col->kind != SPS_AGREE_CONTINUOUS) {
        col->has_categorical = 1;
        if (sk != SC_NONE)
            st = sps_agree_categorical_compute(ia, ib, n, sc.n, sk == SC_TOKENS_ORDINAL ? sc.pos : NULL, &col->cat, err);
        else
            st = sps_agree_categorical_compute(ia, ib, n, obs.n ? obs.n : 1, NULL, &col->cat, err);
        if (st != SPS_OK)
            goto done;
        if (sk == SC_NONE)
            snprintf(col->note, sizeof col->note, "no fixed scale: categories are the %zu values observed", obs.n);
    }
    if (col->kind == SPS_AGREE_CONTINUOUS || col->kind == SPS_AGREE_ORDINAL_AND_CONTINUOUS) {
        col->has_continuous = 1;
        st = sps_agree_continuous_compute(xa, xb, n, &col->cont, err);
    }
done:
    free(ia), free(ib), free(xa), free(xb);
    scale_free(&sc);
    scale_free(&obs);
    return st;
}

void sps_agree_result_free(sps_agree_result *r)
{
    if (!r)
        return;
    free(r->columns);
    free(r);
}

sps_status sps_agree_files(const char *path_a, const char *path_b, const sps_models *models,
                           sps_agree_result **out, sps_error *err)
{
    *out = NULL;
    csv_table A = {0}, B = {0};
    cJSON *sins = NULL, *escc = NULL;
    sps_agree_result *res = NULL;
    size_t *pa = NULL, *pb = NULL;
    int *pok = NULL;
    sps_status st = load_table(&A, path_a, err);
    if (st != SPS_OK)
        return st;
    A.path = path_a;
    st = load_table(&B, path_b, err);
    if (st != SPS_OK)
        goto done;
    B.path = path_b;
    sins = model_json(models, "sins", err);
    escc = sins ? model_json(models, "escc", err) : NULL;
    if (!sins || !escc) {
        st = err ? err->code : SPS_EINVALID;
        goto done;
    }
    res = calloc(1, sizeof *res);
    size_t maxp = A.nrows < B.nrows ? A.nrows : B.nrows;
    pa = calloc(maxp + 1, sizeof *pa);
    pb = calloc(maxp + 1, sizeof *pb);
    pok = calloc(maxp + 1, sizeof *pok);
    if (!res || !pa || !pb || !pok || !(res->columns = calloc(A.ncols + B.ncols, sizeof *res->columns))) {
        st = sps_error_set(err, SPS_ENOMEM, "agree", "out of memory");
        goto done;
    }
    res->rows_a = A.nrows;
    res->rows_b = B.nrows;
    size_t cka = (size_t)find_col(&A, "case_key"), lva = (size_t)find_col(&A, "level"), sta = (size_t)find_col(&A, "status");
    size_t ckb = (size_t)find_col(&B, "case_key"), lvb = (size_t)find_col(&B, "level"), stb = (size_t)find_col(&B, "status");
    size_t np = 0;
    for (size_t r = 0; r < A.nrows; r++) {
        for (size_t q = 0; q < B.nrows; q++)
            if (strcmp(cell(&A, r, cka), cell(&B, q, ckb)) == 0 && strcmp(cell(&A, r, lva), cell(&B, q, lvb)) == 0) {
                pa[np] = r;
                pb[np] = q;
                pok[np] = strcmp(cell(&A, r, sta), "ok") == 0 && strcmp(cell(&B, q, stb), "ok") == 0;
                if (!pok[np])
                    res->matched_not_ok++;
                np++;
                break;
            }
    }
    res->matched = np;
    res->only_a = A.nrows - np;
    res->only_b = B.nrows - np;
    for (int pass = 0; pass < 2; pass++) {
        const csv_table *T = pass == 0 ? &A : &B, *O = pass == 0 ? &B : &A;
        for (size_t j = 0; j < T->ncols; j++) {
            const char *name = T->cells[j];
            if (ignored_column(name))
                continue;
            long other = find_col(O, name);
            if (pass == 1 && other >= 0)
                continue; /* done in pass 0 */
            sps_agree_column *col = &res->columns[res->n_columns++];
            sps_strlcpy(col->name, name, sizeof col->name);
            col->excluded_unmatched = res->only_a + res->only_b;
            if (other < 0) {
                sps_agree_kind k;
                col_scale_kind sk;
                scale sc;
                st = column_scale(name, sins, escc, &k, &sk, &sc, err);
                scale_free(&sc);
                if (st != SPS_OK)
                    goto done;
                col->kind = k;
                snprintf(col->note, sizeof col->note, "column only in %s: nothing to compare", pass == 0 ? "A" : "B");
                continue;
            }
            long ca = pass == 0 ? (long)j : other, cb = pass == 0 ? other : (long)j;
            st = analyse_column(col, &A, &B, ca, cb, pa, pb, pok, np, sins, escc, err);
            if (st != SPS_OK)
                goto done;
        }
    }
    *out = res;
    res = NULL;
done:
    sps_agree_result_free(res);
    free(pa), free(pb), free(pok);
    cJSON_Delete(sins);
    cJSON_Delete(escc);
    csv_free(&A);
    csv_free(&B);
    return st;
}
