/* test_agree.c — agreement statistics against published worked examples (data files in
 * tests/agree/, named by their source) and against values recomputed independently by
 * tests/agree/recompute.py where no published value exists (said at each test). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/agree.h"
#include "spinescore/core.h"
#include "test_support.h"

/* Read a small numeric CSV (comment lines '#', one header line, first column a label). */
static size_t read_matrix(const char *rel, double *x, size_t max, size_t *ncols)
{
    FILE *f = fopen(sps_test_path(rel), "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0, rows = 0;
    int header = 1;
    *ncols = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        char *p = strchr(line, ',');
        size_t c = 0;
        while (p) {
            assert_true(n < max);
            x[n++] = strtod(p + 1, NULL);
            c++;
            p = strchr(p + 1, ',');
        }
        *ncols = c;
        rows++;
    }
    fclose(f);
    return rows;
}

/* Expand a q x q contingency table into two rating vectors. */
static size_t expand(const double *t, size_t q, int *a, int *b)
{
    size_t n = 0;
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++)
            for (int k = 0; k < (int)t[i * q + j]; k++) {
                a[n] = (int)i;
                b[n] = (int)j;
                n++;
            }
    return n;
}

/* Bland & Altman 1986 Lancet, Table 1 (first readings): mean -2.1, SD 38.8, limits with 2 SD
 * -79.7 to 75.5 as published; this tool uses 1.96 SD. */
static void test_bland_altman_1986_pefr(void **state)
{
    (void)state;
    double x[64], a[17], b[17];
    size_t nc, n = read_matrix("tests/agree/bland_altman_1986_lancet_pefr.csv", x, 64, &nc);
    assert_int_equal(n, 17);
    assert_int_equal(nc, 2);
    for (size_t i = 0; i < n; i++) {
        a[i] = x[2 * i];
        b[i] = x[2 * i + 1];
    }
    sps_agree_continuous r;
    assert_int_equal(sps_agree_continuous_compute(a, b, n, &r, NULL), SPS_OK);
    assert_true(r.bias.computable && r.sd_diff.computable);
    sps_assert_near(r.bias.value, -2.1, 0.05);
    sps_assert_near(r.sd_diff.value, 38.8, 0.05);
    /* the published limits, computed in the paper from the rounded mean and SD */
    double mr = round(r.bias.value * 10) / 10, sr = round(r.sd_diff.value * 10) / 10;
    sps_assert_near(mr - 2 * sr, -79.7, 1e-9);
    sps_assert_near(mr + 2 * sr, 75.5, 1e-9);
    sps_assert_near(r.loa_low.value, -2.1176470588 - 1.959963985 * 38.7651298736, 1e-6);
    sps_assert_near(r.loa_high.value, -2.1176470588 + 1.959963985 * 38.7651298736, 1e-6);
    /* the paper's SE of the limits: sqrt(3 s^2 / n) */
    sps_assert_near(r.loa_low.se, sqrt(3.0 * 38.7651298736 * 38.7651298736 / 17.0), 1e-6);
    /* bias CI with t(0.975, 16) = 2.120 (table value) */
    sps_assert_near(r.bias.ci_high - r.bias.value, 2.1199 * 38.7651298736 / sqrt(17.0), 0.01);
}

/* irrCAC 1.0 README (Gwet): cont3x3abstractors, kappa 0.7964094 (SE 0.05891072),
 * AC1 0.8493305 (SE 0.04321747), percent agreement 0.89. */
static void test_irrcac_cont3x3abstractors(void **state)
{
    (void)state;
    double t[16];
    size_t nc, rows = read_matrix("tests/agree/irrcac_cont3x3abstractors.csv", t, 16, &nc);
    assert_int_equal(rows, 3);
    assert_int_equal(nc, 3);
    int a[200], b[200];
    size_t n = expand(t, 3, a, b);
    assert_int_equal(n, 100);
    sps_agree_categorical r;
    assert_int_equal(sps_agree_categorical_compute(a, b, n, 3, NULL, &r, NULL), SPS_OK);
    sps_assert_near(r.observed, 0.89, 1e-12);
    assert_true(r.kappa.computable && r.kappa.has_se);
    sps_assert_near(r.kappa.value, 0.7964094, 5e-8);
    sps_assert_near(r.kappa.se, 0.05891072, 5e-9);
    assert_true(r.ac1.computable && r.ac1.has_se);
    sps_assert_near(r.ac1.value, 0.8493305, 5e-8);
    sps_assert_near(r.ac1.se, 0.04321747, 5e-9);
    assert_false(r.weighted);
    assert_false(r.kappa_linear.computable);
}

/* Shrout & Fleiss 1979 Table 2 (6 targets x 4 judges): published ICC(2,1) = .29, ICC(3,1) = .71.
 * The F-based intervals are recomputed by tests/agree/recompute.py (not published numbers). */
static void test_shrout_fleiss_1979(void **state)
{
    (void)state;
    double x[32];
    size_t k, n = read_matrix("tests/agree/shrout_fleiss_1979_table2.csv", x, 32, &k);
    assert_int_equal(n, 6);
    assert_int_equal(k, 4);
    sps_agree_est a1, c1;
    assert_int_equal(sps_agree_icc(x, n, k, &a1, &c1, NULL), SPS_OK);
    assert_true(a1.computable && c1.computable);
    sps_assert_near(a1.value, 0.29, 0.005);
    sps_assert_near(c1.value, 0.71, 0.005);
    sps_assert_near(a1.value, 0.2897637795, 1e-9); /* exact from the mean squares */
    sps_assert_near(c1.value, 0.7148407148, 1e-9);
    assert_true(a1.has_ci && c1.has_ci);
    sps_assert_near(a1.ci_low, 0.0187870707, 2e-3);
    sps_assert_near(a1.ci_high, 0.7610828848, 2e-3);
    sps_assert_near(c1.ci_low, 0.3424827785, 2e-3);
    sps_assert_near(c1.ci_high, 0.9458031158, 2e-3);

    /* two readers: judges 1 and 2 through the two-reader entry point (recompute.py) */
    double ja[6], jb[6];
    for (size_t i = 0; i < 6; i++) {
        ja[i] = x[i * 4];
        jb[i] = x[i * 4 + 1];
    }
    sps_agree_continuous r;
    assert_int_equal(sps_agree_continuous_compute(ja, jb, 6, &r, NULL), SPS_OK);
    sps_assert_near(r.icc_a1.value, 0.1256544503, 1e-9);
    sps_assert_near(r.icc_c1.value, 0.7453416149, 1e-9);
    sps_assert_near(r.icc_a1.ci_low, -0.0236532229, 2e-3);
    sps_assert_near(r.icc_a1.ci_high, 0.5998514840, 2e-3);
    sps_assert_near(r.icc_c1.ci_low, -0.0209034326, 2e-3);
    sps_assert_near(r.icc_c1.ci_high, 0.9599826646, 2e-3);
    sps_assert_near(r.bias.value, 31.0 / 6.0, 1e-12); /* judge 1 - judge 2: (46 - 15) / 6 */
}

/* F and t quantiles against printed tables (e.g. Fisher & Yates; any statistics text). */
static void test_quantiles(void **state)
{
    (void)state;
    sps_assert_near(sps_agree_f_quantile(0.95, 5, 15), 2.90, 0.005);
    sps_assert_near(sps_agree_f_quantile(0.975, 5, 15), 3.58, 0.005);
    sps_assert_near(sps_agree_f_quantile(0.975, 15, 5), 6.43, 0.005);
    sps_assert_near(sps_agree_f_quantile(0.99, 1, 10), 10.04, 0.005);
    sps_assert_near(sps_agree_t_quantile(0.975, 16), 2.120, 0.0005);
    sps_assert_near(sps_agree_t_quantile(0.975, 5), 2.571, 0.0005);
    sps_assert_near(sps_agree_t_quantile(0.025, 5), -2.571, 0.0005);
    assert_true(isnan(sps_agree_f_quantile(0.975, 0, 5)));
}

/* Weighted kappa on a 4-point ordinal table: values recomputed by tests/agree/recompute.py
 * (not published). Plus two identities that hold for any table: with 2 categories the weighted
 * kappas equal kappa, and quadratic-weighted kappa = 2 s_xy / (s_x^2 + s_y^2 + (mx - my)^2)
 * with 1/n moments (Fleiss & Cohen 1973). */
static void test_weighted_kappa(void **state)
{
    (void)state;
    const double t[16] = {8, 2, 0, 0, 1, 9, 2, 1, 0, 2, 7, 1, 0, 0, 1, 6};
    int a[64], b[64];
    size_t n = expand(t, 4, a, b);
    assert_int_equal(n, 40);
    const double pos[4] = {0, 1, 2, 3}, pos2[4] = {0, 1, 3, 5};
    sps_agree_categorical r;
    assert_int_equal(sps_agree_categorical_compute(a, b, n, 4, pos, &r, NULL), SPS_OK);
    assert_true(r.weighted);
    sps_assert_near(r.kappa.value, 0.6624472574, 1e-9);
    sps_assert_near(r.kappa.se, 0.0933449450, 1e-9);
    sps_assert_near(r.kappa_linear.value, 0.7629310345, 1e-9);
    sps_assert_near(r.kappa_linear.se, 0.0719683118, 1e-9);
    sps_assert_near(r.kappa_quadratic.value, 0.8507462687, 1e-9);
    sps_assert_near(r.kappa_quadratic.se, 0.0568483418, 1e-9);
    sps_assert_near(r.ac1.value, 0.6680956991, 1e-9);
    sps_assert_near(r.ac1.se, 0.0906768066, 1e-9);
    assert_int_equal(sps_agree_categorical_compute(a, b, n, 4, pos2, &r, NULL), SPS_OK);
    sps_assert_near(r.kappa_linear.value, 0.7573435504, 1e-9);
    sps_assert_near(r.kappa_quadratic.value, 0.8328799067, 1e-9);
    sps_assert_near(r.kappa_quadratic.se, 0.0714363902, 1e-9);
    /* identity: quadratic kappa from the moments of the positions */
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        mx += pos2[a[i]] / (double)n;
        my += pos2[b[i]] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        double dx = pos2[a[i]] - mx, dy = pos2[b[i]] - my;
        sxx += dx * dx / (double)n;
        syy += dy * dy / (double)n;
        sxy += dx * dy / (double)n;
    }
    sps_assert_near(r.kappa_quadratic.value, 2 * sxy / (sxx + syy + (mx - my) * (mx - my)), 1e-12);
    /* identity: two categories -> weighted = unweighted */
    const double t2[4] = {20, 5, 10, 15};
    n = expand(t2, 2, a, b);
    const double p2[2] = {0, 2};
    assert_int_equal(sps_agree_categorical_compute(a, b, n, 2, p2, &r, NULL), SPS_OK);
    sps_assert_near(r.kappa.value, 0.4, 1e-12); /* p_o 0.7, p_e 0.5 */
    sps_assert_near(r.kappa_linear.value, r.kappa.value, 1e-12);
    sps_assert_near(r.kappa_quadratic.value, r.kappa.value, 1e-12);
    sps_assert_near(r.kappa_linear.se, r.kappa.se, 1e-12);
}

/* The kappa paradox (Feinstein & Cicchetti 1990; the case Gwet 2008 built AC1 for): 125
 * subjects, 118 rated present by both, p_o = 0.944 but kappa is below 0 while AC1 is high.
 * Values recomputed by tests/agree/recompute.py. */
static void test_paradox(void **state)
{
    (void)state;
    const double t[4] = {118, 5, 2, 0};
    int a[128], b[128];
    size_t n = expand(t, 2, a, b);
    sps_agree_categorical r;
    assert_int_equal(sps_agree_categorical_compute(a, b, n, 2, NULL, &r, NULL), SPS_OK);
    sps_assert_near(r.observed, 118.0 / 125.0, 1e-12);
    sps_assert_near(r.kappa.value, -0.0233918129, 1e-9);
    sps_assert_near(r.kappa.se, 0.0122867567, 1e-9);
    sps_assert_near(r.ac1.value, 0.9407763376, 1e-9);
    sps_assert_near(r.ac1.se, 0.0229645512, 1e-9);
}

/* Degenerate inputs: "not computable" with a reason, never a number. */
static void test_degenerate(void **state)
{
    (void)state;
    int a[5] = {1, 1, 1, 1, 1}, b[5] = {1, 1, 1, 1, 1};
    const double pos[3] = {0, 1, 3};
    sps_agree_categorical r;
    assert_int_equal(sps_agree_categorical_compute(a, b, 5, 3, pos, &r, NULL), SPS_OK);
    sps_assert_near(r.observed, 1.0, 0);
    assert_false(r.kappa.computable);
    assert_non_null(strstr(r.kappa.reason, "single category"));
    assert_false(r.kappa_linear.computable);
    assert_false(r.kappa_quadratic.computable);
    assert_true(r.ac1.computable); /* AC1 stays defined: pe <= 1/q */
    sps_assert_near(r.ac1.value, 1.0, 1e-12);
    assert_int_equal(sps_agree_categorical_compute(a, b, 0, 3, pos, &r, NULL), SPS_OK);
    assert_false(r.kappa.computable);
    assert_false(r.ac1.computable);
    assert_int_equal(sps_agree_categorical_compute(a, b, 1, 3, pos, &r, NULL), SPS_OK);
    assert_false(r.kappa.computable);
    int bad[1] = {3};
    sps_error err;
    assert_int_equal(sps_agree_categorical_compute(bad, a, 1, 3, pos, &r, &err), SPS_EINVALID);

    double x[4] = {5, 5, 5, 5}, y[4] = {5, 5, 5, 5};
    sps_agree_continuous c;
    assert_int_equal(sps_agree_continuous_compute(x, y, 4, &c, NULL), SPS_OK);
    assert_false(c.icc_a1.computable);
    assert_false(c.icc_c1.computable);
    assert_non_null(strstr(c.icc_a1.reason, "0/0"));
    assert_true(c.bias.computable);
    sps_assert_near(c.bias.value, 0, 0);
    sps_assert_near(c.sd_diff.value, 0, 0);
    double u[4] = {1, 2, 3, 4};
    assert_int_equal(sps_agree_continuous_compute(u, u, 4, &c, NULL), SPS_OK);
    assert_true(c.icc_a1.computable);
    sps_assert_near(c.icc_a1.value, 1.0, 1e-12);
    assert_false(c.icc_a1.has_ci); /* perfect agreement: F infinite, no interval */
    assert_non_null(strstr(c.icc_a1.reason, "infinite"));
    assert_int_equal(sps_agree_continuous_compute(u, u, 1, &c, NULL), SPS_OK);
    assert_false(c.bias.computable);
    assert_false(c.icc_c1.computable);
    double nanv[1] = {NAN};
    assert_int_equal(sps_agree_continuous_compute(nanv, u, 1, &c, &err), SPS_EINVALID);
}

static char *dupstr(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    assert_non_null(d);
    return strcpy(d, s);
}

/* Summary files: matching, exclusions, scales from the models, errors naming file and line. */
static char *write_tmp(const char *dir, const char *name, const char *text)
{
    static char path[2][1024];
    static int k;
    char *p = path[k++ % 2];
    snprintf(p, 1024, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_files(void **state)
{
    (void)state;
    char *dir = sps_test_mkdtemp(); /* caller frees */
    sps_models *models = NULL;
    assert_int_equal(sps_models_load_builtin(&models, NULL), SPS_OK);
    char *pa = dupstr(write_tmp(dir, "a.csv",
        "case_key,reader,level,status,error,collapse,collapse_points,collapse_source,sins_total,sins_category,escc_grade,m_collapse_percent,note\n"
        "c1,r1,T12,ok,,gt50,3,measured,14,unstable,2,60.5,\"x, \"\"quoted\"\"\"\n"
        "c2,r1,L1,ok,,lt50,2,measured,9,potentially_unstable,1b,30,\n"
        "c3,r1,T8,ok,,none,0,measured,5,stable,0,,\n"
        "c4,r1,T9,failed,\"load failed\",,,,,,,,\n"
        "c5,r1,T10,ok,,lt50,2,measured,10,potentially_unstable,1c,35,\n"
        "c6,r1,L2,ok,,gt50,3,measured,13,unstable,3,55,\n"));
    char *pb = dupstr(write_tmp(dir, "b.csv",
        "case_key,reader,level,status,error,collapse,collapse_points,collapse_source,sins_total,sins_category,escc_grade,m_collapse_percent,note\r\n"
        "c2,r2,L1,ok,,lt50,2,measured,8,potentially_unstable,1c,28,\r\n"
        "c1,r2,T12,ok,,gt50,3,measured,14,unstable,2,58.5,\r\n"
        "c3,r2,T8,ok,,lt50,2,measured,7,potentially_unstable,0,10,\r\n"
        "c4,r2,T9,ok,,lt50,2,measured,9,potentially_unstable,1a,20,\r\n"
        "c5,r2,T10,ok,,lt50,2,measured,10,potentially_unstable,1c,36,\r\n"
        "c7,r2,T11,ok,,lt50,2,measured,10,potentially_unstable,1c,36,\r\n"));
    sps_agree_result *res = NULL;
    sps_error err;
    sps_status st = sps_agree_files(pa, pb, models, &res, &err);
    if (st != SPS_OK)
        fail_msg("%s: %s", err.where, err.message);
    assert_int_equal(res->rows_a, 6);
    assert_int_equal(res->rows_b, 6);
    assert_int_equal(res->matched, 5);
    assert_int_equal(res->only_a, 1);
    assert_int_equal(res->only_b, 1);
    assert_int_equal(res->matched_not_ok, 1);
    const sps_agree_column *pts = NULL, *tot = NULL, *m = NULL, *esc = NULL, *tok = NULL;
    for (size_t i = 0; i < res->n_columns; i++) {
        const sps_agree_column *c = &res->columns[i];
        assert_null(strstr(c->name, "_source"));
        assert_true(strcmp(c->name, "reader") && strcmp(c->name, "status") && strcmp(c->name, "error"));
        if (!strcmp(c->name, "collapse_points"))
            pts = c;
        else if (!strcmp(c->name, "sins_total"))
            tot = c;
        else if (!strcmp(c->name, "m_collapse_percent"))
            m = c;
        else if (!strcmp(c->name, "escc_grade"))
            esc = c;
        else if (!strcmp(c->name, "collapse"))
            tok = c;
    }
    assert_non_null(pts);
    assert_non_null(tot);
    assert_non_null(m);
    assert_non_null(esc);
    assert_non_null(tok);
    assert_int_equal(pts->kind, SPS_AGREE_ORDINAL);
    assert_int_equal(pts->n_used, 4);
    assert_int_equal(pts->excluded_status, 1);
    assert_int_equal(pts->excluded_unmatched, 2);
    assert_int_equal(pts->excluded_empty, 0);
    assert_true(pts->cat.weighted);
    sps_assert_near(pts->cat.observed, 0.75, 1e-12);
    assert_int_equal(tok->kind, SPS_AGREE_NOMINAL);
    assert_false(tok->cat.weighted);
    assert_int_equal(tot->kind, SPS_AGREE_ORDINAL_AND_CONTINUOUS);
    assert_true(tot->has_categorical && tot->has_continuous);
    assert_int_equal(tot->cat.categories, 19); /* 0..18 from sins.json categories */
    sps_assert_near(tot->cont.bias.value, (0 + 1 - 2 + 0) / 4.0, 1e-12);
    assert_int_equal(m->kind, SPS_AGREE_CONTINUOUS);
    assert_int_equal(m->n_used, 3);        /* c3 empty in A */
    assert_int_equal(m->excluded_empty, 1);
    sps_assert_near(m->cont.bias.value, (2.0 + 2.0 - 1.0) / 3.0, 1e-12);
    assert_int_equal(esc->cat.categories, 6); /* 0 1a 1b 1c 2 3 from escc.json */
    assert_int_equal(esc->n_used, 4);
    sps_agree_result_free(res);

    /* identity columns (batch --include-identifiers) are not ratings: never compared */
    char *pe = dupstr(write_tmp(dir, "e.csv", "case_key,reader,level,status,error,patient_name,patient_id,patient_birth_date,escc_grade\n"
                                             "c1,r1,T12,ok,,DOE^JANE,P1,19500101,2\nc2,r1,L1,ok,,ROE^JIM,P2,19600202,1a\n"));
    char *pf = write_tmp(dir, "f.csv", "case_key,reader,level,status,error,patient_name,patient_id,patient_birth_date,escc_grade\n"
                                      "c1,r2,T12,ok,,Doe^J,X9,19500102,2\nc2,r2,L1,ok,,Roe^J,X8,19600203,1a\n");
    assert_int_equal(sps_agree_files(pe, pf, models, &res, &err), SPS_OK);
    assert_int_equal(res->n_columns, 1);
    assert_string_equal(res->columns[0].name, "escc_grade");
    assert_int_equal(res->columns[0].n_used, 2);
    sps_agree_result_free(res);
    res = NULL;
    free(pe);

    /* a token off the scale names the file, line and column */
    char *pc = write_tmp(dir, "c.csv", "case_key,level,status,escc_grade\nc1,T12,ok,2\nc2,L1,ok,4\n");
    char *pd = write_tmp(dir, "d.csv", "case_key,level,status,escc_grade\nc1,T12,ok,2\nc2,L1,ok,1a\n");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.where, "c.csv:3"));
    assert_non_null(strstr(err.message, "escc_grade"));
    assert_non_null(strstr(err.message, "1a"));
    /* duplicate key */
    pc = write_tmp(dir, "c.csv", "case_key,level,status\nc1,T12,ok\nc1,T12,ok\n");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.message, "already on line 2"));
    /* broken quoting, ragged row, missing key column, empty file */
    pc = write_tmp(dir, "c.csv", "case_key,level,status\nc1,T12,\"ok\n");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.message, "never closed"));
    pc = write_tmp(dir, "c.csv", "case_key,level,status\nc1,T12\n");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.message, "2 fields"));
    pc = write_tmp(dir, "c.csv", "case,level,status\n");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.message, "case_key"));
    pc = write_tmp(dir, "c.csv", "");
    assert_int_equal(sps_agree_files(pc, pd, models, &res, &err), SPS_EFORMAT);
    assert_int_equal(sps_agree_files("/nonexistent/a.csv", pd, models, &res, &err), SPS_ENOTFOUND);
    assert_null(res);
    free(pa);
    free(pb);
    sps_models_free(models);
    sps_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bland_altman_1986_pefr),
        cmocka_unit_test(test_irrcac_cont3x3abstractors),
        cmocka_unit_test(test_shrout_fleiss_1979),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_weighted_kappa),
        cmocka_unit_test(test_paradox),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
