/* agree.h — agreement between two readers: Cohen's kappa (unweighted, linear and quadratic
 * weights), Gwet's AC1, ICC(A,1) / ICC(C,1) and Bland-Altman limits, on raw ratings or on two
 * batch summary CSV files (docs/statistics.md gives every formula and its source).
 * The functions compute and fill structs; they never print. */
#ifndef SPINESCORE_AGREE_H
#define SPINESCORE_AGREE_H

#include "spinescore/common.h"
#include "spinescore/core.h"

SPS_BEGIN_DECL

/**
 * One estimate. When computable is 0, value/se/ci are 0 and meaningless and reason says why
 * ("all ratings in one category: chance agreement is 1"): never print value then.
 */
typedef struct sps_agree_est {
    int computable;
    double value;
    int has_se;    /**< se is set */
    double se;
    int has_ci;    /**< the 95 % confidence interval is set */
    double ci_low, ci_high;
    char reason[160];
} sps_agree_est;

/** Categorical agreement of two readers on n subjects. */
typedef struct sps_agree_categorical {
    size_t n;              /**< subjects used */
    size_t categories;     /**< q: categories of the scale (AC1 chance agreement uses q) */
    double observed;       /**< proportion of exact agreement p_o */
    sps_agree_est kappa;   /**< Cohen 1960; SE Fleiss, Cohen & Everitt 1969 */
    int weighted;          /**< 1 when the scale is ordinal: the two weighted kappas are set */
    sps_agree_est kappa_linear;    /**< Cohen 1968, w = 1 - |xi - xj| / (max - min) */
    sps_agree_est kappa_quadratic; /**< Cohen 1968, w = 1 - (xi - xj)^2 / (max - min)^2 */
    sps_agree_est ac1;     /**< Gwet 2008 AC1; SE Gwet 2008 (sampling fraction 0) */
} sps_agree_categorical;

/**
 * Agreement on categories. a[i], b[i] in 0..q-1 are the two readers' categories of subject i.
 * pos: NULL for a nominal scale, else the q category positions on the ordinal scale (strictly
 * increasing; e.g. the points values) used by the weighted kappas.
 * Degenerate inputs (n < 2, one category used by both readers...) give estimates with
 * computable = 0 and a reason, and SPS_OK. SPS_EINVALID for a category outside 0..q-1 or q < 2.
 */
SPS_API sps_status sps_agree_categorical_compute(const int *a, const int *b, size_t n, size_t q,
                                                 const double *pos, sps_agree_categorical *out,
                                                 sps_error *err);

/** Continuous agreement of two readers (A minus B for Bland-Altman). */
typedef struct sps_agree_continuous {
    size_t n;
    sps_agree_est icc_a1;   /**< McGraw & Wong 1996 ICC(A,1): two-way, absolute agreement, single measures */
    sps_agree_est icc_c1;   /**< McGraw & Wong 1996 ICC(C,1): two-way, consistency, single measures */
    sps_agree_est bias;     /**< mean of A - B; CI from Student's t */
    sps_agree_est sd_diff;  /**< sample SD of A - B (n - 1) */
    sps_agree_est loa_low;  /**< bias - 1.96 SD (Bland & Altman 1986; the 1986 paper rounds 1.96 to 2) */
    sps_agree_est loa_high; /**< bias + 1.96 SD */
} sps_agree_continuous;

SPS_API sps_status sps_agree_continuous_compute(const double *a, const double *b, size_t n,
                                                sps_agree_continuous *out, sps_error *err);

/**
 * ICC(A,1) and ICC(C,1) (McGraw & Wong 1996; = Shrout & Fleiss 1979 ICC(2,1) and ICC(3,1)) of an
 * n x k matrix x (row-major: n targets, k raters), with the F-based 95 % intervals of McGraw &
 * Wong 1996 Table 7. Either output may be NULL.
 */
SPS_API sps_status sps_agree_icc(const double *x, size_t n, size_t k, sps_agree_est *icc_a1,
                                 sps_agree_est *icc_c1, sps_error *err);

/** Upper-tail p quantile helpers used for the intervals (exposed for tests). */
SPS_API double sps_agree_f_quantile(double p, double df1, double df2);
SPS_API double sps_agree_t_quantile(double p, double df);

/** How a summary column is analysed (docs/statistics.md, summary contract). */
typedef enum sps_agree_kind {
    SPS_AGREE_NOMINAL = 0,
    SPS_AGREE_ORDINAL = 1,        /**< integer scores or a token scale with a fixed order */
    SPS_AGREE_CONTINUOUS = 2,
    SPS_AGREE_ORDINAL_AND_CONTINUOUS = 3 /**< sins_total */
} sps_agree_kind;

/** One analysed column of two summary files. */
typedef struct sps_agree_column {
    char name[96];
    sps_agree_kind kind;
    size_t n_used;
    size_t excluded_unmatched;  /**< rows present in one file only */
    size_t excluded_status;     /**< matched rows whose status is not ok in A or B */
    size_t excluded_empty;      /**< matched ok rows with an empty cell in A or B */
    int has_categorical, has_continuous;
    sps_agree_categorical cat;
    sps_agree_continuous cont;
    char note[200];             /**< e.g. "present in A only": nothing computed */
} sps_agree_column;

/** Result of comparing two summary files. */
typedef struct sps_agree_result {
    size_t rows_a, rows_b;       /**< data rows of each file */
    size_t matched;              /**< (case_key, level) pairs found in both */
    size_t only_a, only_b;
    size_t matched_not_ok;       /**< matched pairs with status != ok in A or B */
    size_t n_columns;
    sps_agree_column *columns;
} sps_agree_result;

/**
 * Read two batch summary CSV files (RFC 4180) and compute per-column agreement. Rows are matched
 * by (case_key, level). The token orders of sins_category and escc_grade come from the models
 * (sins.json categories, escc.json grades).
 * @return SPS_OK; SPS_ENOTFOUND / SPS_EIO (unreadable file); SPS_EFORMAT (bad CSV, missing key
 *         column, duplicate key, a cell outside its scale: err names file, line and column).
 */
SPS_API sps_status sps_agree_files(const char *path_a, const char *path_b, const sps_models *models,
                                   sps_agree_result **out, sps_error *err);
SPS_API void sps_agree_result_free(sps_agree_result *r);

/** "nominal", "ordinal", "continuous", "ordinal+continuous". */
SPS_API const char *sps_agree_kind_name(sps_agree_kind kind);

SPS_END_DECL

#endif
