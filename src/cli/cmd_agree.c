/* cmd_agree.c — `spinescore agree A.csv B.csv`: reader agreement between two batch summaries
 * (statistics in src/core/agree_*.c, formulas in docs/statistics.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "spinescore/agree.h"
#include "spinescore/core.h"
#include "util_internal.h"

static void agree_usage(FILE *f)
{
    fprintf(f,
            "usage: spinescore agree [options] A.csv B.csv\n\n"
            "Agreement between two readers' batch summaries (summary.csv of `spinescore batch`), per\n"
            "column: rows matched by (case_key, level); rows with status other than ok, rows in one\n"
            "file only and empty cells are excluded and counted.\n"
            "  ordinal (points, sins_total, sins_category, escc_grade): Cohen kappa, weighted kappa\n"
            "    (linear, quadratic), Gwet AC1; nominal tokens: Cohen kappa, Gwet AC1;\n"
            "  continuous (m_*, *_total): ICC(A,1), ICC(C,1) (McGraw & Wong 1996), Bland-Altman.\n\n"
            "options:\n"
            "  --json               print JSON instead of the table\n"
            "  --csv FILE           also write one row per statistic to FILE (atomically)\n"
            "  --models DIR         override embedded models with DIR/<name>.json (scales)\n"
            "  -h, --help           this help\n\n"
            "exit codes: 0 written (a statistic may be not computable), 2 usage, 3 malformed CSV or a\n"
            "            value outside its scale, 4 file not readable/writable, 5 malformed model\n");
}

#define F4 "%.4f"

static void fmt_est(char *buf, size_t n, const sps_agree_est *e, int with_ci)
{
    if (!e->computable) {
        snprintf(buf, n, "not computable: %s", e->reason);
        return;
    }
    int k = snprintf(buf, n, F4, e->value);
    if (with_ci && e->has_ci && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, "  (95%% CI " F4 " to " F4 "%s", e->ci_low, e->ci_high, e->has_se ? "" : ")");
    if (with_ci && e->has_ci && e->has_se && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, ", SE " F4 ")", e->se);
    if (e->reason[0] && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, "  [%s]", e->reason);
}

static void print_line(const char *label, const sps_agree_est *e, int with_ci)
{
    char buf[512];
    fmt_est(buf, sizeof buf, e, with_ci);
    printf("  %-30s %s\n", label, buf);
}

static void print_table(const char *pa, const char *pb, const sps_agree_result *r)
{
    printf("reader agreement: A = %s, B = %s\n", pa, pb);
    printf("rows: A %zu, B %zu; matched by (case_key, level) %zu; A only %zu, B only %zu; "
           "matched with status not ok %zu\n",
           r->rows_a, r->rows_b, r->matched, r->only_a, r->only_b, r->matched_not_ok);
    printf("kappa SE: Fleiss, Cohen & Everitt 1969; AC1 SE: Gwet 2008; ICC: McGraw & Wong 1996, F-based 95 %% CI;\n"
           "limits of agreement: bias +/- 1.96 SD of A - B (Bland & Altman 1986)\n");
    for (size_t i = 0; i < r->n_columns; i++) {
        const sps_agree_column *c = &r->columns[i];
        printf("\n%s (%s", c->name, sps_agree_kind_name(c->kind));
        if (c->has_categorical)
            printf(", %zu categories", c->cat.categories);
        printf(")\n");
        printf("  n used %zu; excluded: %zu row(s) in one file only, %zu status not ok, %zu empty cell\n",
               c->n_used, c->excluded_unmatched, c->excluded_status, c->excluded_empty);
        if (c->note[0])
            printf("  note: %s\n", c->note);
        if (c->has_categorical) {
            if (c->n_used)
                printf("  %-30s " F4 "\n", "observed agreement", c->cat.observed);
            else
                printf("  %-30s not computable: no subject rated by both readers\n", "observed agreement");
            print_line("Cohen kappa", &c->cat.kappa, 1);
            if (c->cat.weighted) {
                print_line("weighted kappa, linear", &c->cat.kappa_linear, 1);
                print_line("weighted kappa, quadratic", &c->cat.kappa_quadratic, 1);
            }
            print_line("Gwet AC1", &c->cat.ac1, 1);
        }
        if (c->has_continuous) {
            print_line("ICC(A,1) absolute agreement", &c->cont.icc_a1, 1);
            print_line("ICC(C,1) consistency", &c->cont.icc_c1, 1);
            print_line("Bland-Altman bias (A - B)", &c->cont.bias, 1);
            print_line("SD of differences", &c->cont.sd_diff, 0);
            print_line("lower limit of agreement", &c->cont.loa_low, 1);
            print_line("upper limit of agreement", &c->cont.loa_high, 1);
        }
    }
}

static cJSON *est_json(const sps_agree_est *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!e->computable) {
        cJSON_AddNullToObject(o, "value");
        cJSON_AddStringToObject(o, "not_computable", e->reason);
        return o;
    }
    cJSON_AddNumberToObject(o, "value", e->value);
    if (e->has_se)
        cJSON_AddNumberToObject(o, "se", e->se);
    if (e->has_ci) {
        cJSON *ci = cJSON_AddArrayToObject(o, "ci95");
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(e->ci_low));
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(e->ci_high));
    }
    if (e->reason[0])
        cJSON_AddStringToObject(o, "note", e->reason);
    return o;
}

static char *result_json(const char *pa, const char *pb, const sps_agree_result *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "file_a", pa);
    cJSON_AddStringToObject(root, "file_b", pb);
    cJSON *rows = cJSON_AddObjectToObject(root, "rows");
    cJSON_AddNumberToObject(rows, "a", (double)r->rows_a);
    cJSON_AddNumberToObject(rows, "b", (double)r->rows_b);
    cJSON_AddNumberToObject(rows, "matched", (double)r->matched);
    cJSON_AddNumberToObject(rows, "a_only", (double)r->only_a);
    cJSON_AddNumberToObject(rows, "b_only", (double)r->only_b);
    cJSON_AddNumberToObject(rows, "matched_status_not_ok", (double)r->matched_not_ok);
    cJSON *m = cJSON_AddObjectToObject(root, "methods");
    cJSON_AddStringToObject(m, "kappa", "Cohen 1960; weighted Cohen 1968 (linear, quadratic agreement weights on the scale positions); SE Fleiss, Cohen & Everitt 1969; 95% CI kappa +/- 1.96 SE clipped to [-1, 1]");
    cJSON_AddStringToObject(m, "ac1", "Gwet 2008 AC1, q = categories of the scale; SE Gwet 2008 (sampling fraction 0); 95% CI +/- 1.96 SE clipped to [-1, 1]");
    cJSON_AddStringToObject(m, "icc", "McGraw & Wong 1996 ICC(A,1) two-way random, absolute agreement, single measures and ICC(C,1) consistency, single measures; F-based 95% CI (McGraw & Wong 1996 Table 7)");
    cJSON_AddStringToObject(m, "bland_altman", "Bland & Altman 1986: bias = mean(A - B) (95% CI Student t), SD of differences (n - 1), limits bias +/- 1.96 SD with CI from SE sqrt(3 SD^2 / n)");
    cJSON *cols = cJSON_AddArrayToObject(root, "columns");
    for (size_t i = 0; i < r->n_columns; i++) {
        const sps_agree_column *c = &r->columns[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "column", c->name);
        cJSON_AddStringToObject(o, "kind", sps_agree_kind_name(c->kind));
        cJSON_AddNumberToObject(o, "n_used", (double)c->n_used);
        cJSON *ex = cJSON_AddObjectToObject(o, "excluded");
        cJSON_AddNumberToObject(ex, "in_one_file_only", (double)c->excluded_unmatched);
        cJSON_AddNumberToObject(ex, "status_not_ok", (double)c->excluded_status);
        cJSON_AddNumberToObject(ex, "empty_cell", (double)c->excluded_empty);
        if (c->note[0])
            cJSON_AddStringToObject(o, "note", c->note);
        if (c->has_categorical) {
            cJSON *k = cJSON_AddObjectToObject(o, "categorical");
            cJSON_AddNumberToObject(k, "categories", (double)c->cat.categories);
            if (c->n_used)
                cJSON_AddNumberToObject(k, "observed_agreement", c->cat.observed);
            else
                cJSON_AddNullToObject(k, "observed_agreement");
            cJSON_AddItemToObject(k, "kappa", est_json(&c->cat.kappa));
            if (c->cat.weighted) {
                cJSON_AddItemToObject(k, "kappa_linear", est_json(&c->cat.kappa_linear));
                cJSON_AddItemToObject(k, "kappa_quadratic", est_json(&c->cat.kappa_quadratic));
            }
            cJSON_AddItemToObject(k, "ac1", est_json(&c->cat.ac1));
        }
        if (c->has_continuous) {
            cJSON *k = cJSON_AddObjectToObject(o, "continuous");
            cJSON_AddItemToObject(k, "icc_a1", est_json(&c->cont.icc_a1));
            cJSON_AddItemToObject(k, "icc_c1", est_json(&c->cont.icc_c1));
            cJSON_AddItemToObject(k, "bias", est_json(&c->cont.bias));
            cJSON_AddItemToObject(k, "sd_diff", est_json(&c->cont.sd_diff));
            cJSON_AddItemToObject(k, "loa_low", est_json(&c->cont.loa_low));
            cJSON_AddItemToObject(k, "loa_high", est_json(&c->cont.loa_high));
        }
        cJSON_AddItemToArray(cols, o);
    }
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

static void csv_row(sps_str *s, const sps_agree_column *c, const char *stat, const sps_agree_est *e)
{
    sps_str_csv_cell(s, c->name);
    sps_str_printf(s, ",%s,%s,%zu,%zu,%zu,%zu,", sps_agree_kind_name(c->kind), stat, c->n_used,
                   c->excluded_unmatched, c->excluded_status, c->excluded_empty);
    if (e->computable) {
        sps_str_printf(s, "%.17g,", e->value);
        if (e->has_se)
            sps_str_printf(s, "%.17g", e->se);
        sps_str_append(s, ",");
        if (e->has_ci)
            sps_str_printf(s, "%.17g,%.17g,", e->ci_low, e->ci_high);
        else
            sps_str_append(s, ",,");
        sps_str_csv_cell(s, e->reason);
    } else {
        sps_str_append(s, ",,,,");
        sps_str_append(s, "not computable: ");
        sps_str_csv_cell(s, e->reason);
    }
    sps_str_append(s, "\n");
}

static char *result_csv(const sps_agree_result *r)
{
    sps_str s = {0};
    sps_str_append(&s, "column,kind,statistic,n_used,excluded_in_one_file_only,excluded_status_not_ok,"
                       "excluded_empty_cell,value,se,ci95_low,ci95_high,note\n");
    for (size_t i = 0; i < r->n_columns; i++) {
        const sps_agree_column *c = &r->columns[i];
        if (c->has_categorical) {
            sps_agree_est po = {0};
            if (c->n_used) {
                po.computable = 1;
                po.value = c->cat.observed;
            } else {
                sps_strlcpy(po.reason, "no subject rated by both readers", sizeof po.reason);
            }
            csv_row(&s, c, "observed_agreement", &po);
            csv_row(&s, c, "kappa", &c->cat.kappa);
            if (c->cat.weighted) {
                csv_row(&s, c, "kappa_linear", &c->cat.kappa_linear);
                csv_row(&s, c, "kappa_quadratic", &c->cat.kappa_quadratic);
            }
            csv_row(&s, c, "ac1", &c->cat.ac1);
        }
        if (c->has_continuous) {
            csv_row(&s, c, "icc_a1", &c->cont.icc_a1);
            csv_row(&s, c, "icc_c1", &c->cont.icc_c1);
            csv_row(&s, c, "bias", &c->cont.bias);
            csv_row(&s, c, "sd_diff", &c->cont.sd_diff);
            csv_row(&s, c, "loa_low", &c->cont.loa_low);
            csv_row(&s, c, "loa_high", &c->cont.loa_high);
        }
        if (!c->has_categorical && !c->has_continuous) {
            sps_agree_est none = {0};
            sps_strlcpy(none.reason, c->note, sizeof none.reason);
            csv_row(&s, c, "none", &none);
        }
    }
    return sps_str_detach(&s);
}

int sps_cmd_agree(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL}, *csv_path = NULL, *models_dir = NULL;
    int json = 0, npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (sps_cli_is_help(a)) {
            agree_usage(stdout);
            return SPS_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if ((strcmp(a, "--csv") == 0 || strcmp(a, "--models") == 0) && i + 1 < argc) {
            if (strcmp(a, "--csv") == 0)
                csv_path = argv[++i];
            else
                models_dir = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spinescore agree: unknown or incomplete option '%s'\n", a);
            agree_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (npaths < 2) {
            paths[npaths++] = a;
        } else {
            fprintf(stderr, "spinescore agree: more than two summary files given ('%s')\n", a);
            return SPS_EXIT_USAGE;
        }
    }
    if (npaths != 2) {
        fprintf(stderr, "spinescore agree: two summary CSV files needed\n");
        agree_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    sps_error err;
    sps_error_clear(&err);
    sps_models *models = NULL;
    sps_status st = models_dir ? sps_models_load_dir(&models, models_dir, &err) : sps_models_load_builtin(&models, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("agree", &err);
        return st == SPS_ENOMEM ? SPS_EXIT_INTERNAL : SPS_EXIT_MODEL;
    }
    sps_agree_result *res = NULL;
    st = sps_agree_files(paths[0], paths[1], models, &res, &err);
    sps_models_free(models);
    if (st != SPS_OK) {
        sps_cli_print_error("agree", &err);
        return sps_cli_exit_for_status(st);
    }
    int rc = SPS_EXIT_OK;
    if (csv_path) {
        char *csv = result_csv(res);
        if (!csv) {
            sps_agree_result_free(res);
            fprintf(stderr, "spinescore agree: out of memory\n");
            return SPS_EXIT_INTERNAL;
        }
        st = sps_write_file_atomic(csv_path, csv, strlen(csv), &err);
        sps_free(csv);
        if (st != SPS_OK) {
            sps_cli_print_error("agree", &err);
            sps_agree_result_free(res);
            return sps_cli_exit_for_status(st);
        }
    }
    if (res->matched == 0)
        fprintf(stderr, "spinescore agree: warning: no (case_key, level) row is in both files\n");
    if (json) {
        char *s = result_json(paths[0], paths[1], res);
        if (!s) {
            rc = SPS_EXIT_INTERNAL;
        } else {
            printf("%s\n", s);
            cJSON_free(s);
        }
    } else {
        print_table(paths[0], paths[1], res);
    }
    sps_agree_result_free(res);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "spinescore agree: cannot write to standard output\n");
        rc = SPS_EXIT_IO;
    }
    return rc;
}
