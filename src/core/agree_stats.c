/* agree_stats.c — agreement statistics of two readers: Cohen's kappa (unweighted, linear and
 * quadratic weights) with the Fleiss, Cohen & Everitt 1969 large-sample SE, Gwet's AC1 with the
 * Gwet 2008 SE, McGraw & Wong 1996 ICC(A,1)/ICC(C,1) with F-based intervals, Bland-Altman 1986.
 * Formulas and sources: docs/statistics.md. Nothing here prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spinescore/agree.h"
#include "util_internal.h"

#define Z975 1.959963984540054 /* standard normal 97.5 % quantile */

static void est_none(sps_agree_est *e, const char *reason)
{
    memset(e, 0, sizeof *e);
    sps_strlcpy(e->reason, reason, sizeof e->reason);
}

static void est_value(sps_agree_est *e, double v)
{
    memset(e, 0, sizeof *e);
    e->computable = 1;
    e->value = v;
}

static double clamp1(double v)
{
    return v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v);
}

/* ---- distributions: regularized incomplete beta (continued fraction, modified Lentz) ---- */

static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 1000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return h;
}

static double ibeta(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(lbt) * betacf(a, b, x) / a;
    return 1.0 - exp(lbt) * betacf(b, a, 1.0 - x) / b;
}

/* p quantile (lower tail) of F(df1, df2); NAN for invalid arguments. */
double sps_agree_f_quantile(double p, double df1, double df2)
{
    if (!(p > 0.0 && p < 1.0) || !(df1 > 0.0) || !(df2 > 0.0) || !isfinite(df1) || !isfinite(df2))
        return NAN;
    double a = df1 / 2.0, b = df2 / 2.0, lo = 0.0, hi = 1.0;
    for (int i = 0; i < 200; i++) { /* bisection on x = df1 F / (df1 F + df2) */
        double mid = 0.5 * (lo + hi);
        if (ibeta(a, b, mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    double x = 0.5 * (lo + hi);
    return df2 * x / (df1 * (1.0 - x));
}

double sps_agree_t_quantile(double p, double df)
{
    if (!(p > 0.0 && p < 1.0) || !(df > 0.0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    double pp = p > 0.5 ? p : 1.0 - p;
    double t = sqrt(sps_agree_f_quantile(2.0 * pp - 1.0, 1.0, df));
    return p > 0.5 ? t : -t;
}

/* ---- categorical ---- */

/* kappa with agreement weights w (q x q, w_ii = 1); SE of Fleiss, Cohen & Everitt 1969. */
static void weighted_kappa(const double *p, const double *r, const double *c, size_t q, size_t n,
                           const double *w, sps_agree_est *out)
{
    double po = 0, pe = 0;
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++) {
            po += w[i * q + j] * p[i * q + j];
            pe += w[i * q + j] * r[i] * c[j];
        }
    if (n < 2) {
        est_none(out, "fewer than 2 subjects");
        return;
    }
    if (fabs(1.0 - pe) < 1e-12) {
        est_none(out, "chance agreement is 1: both readers used a single category (kappa is 0/0)");
        return;
    }
    double k = (po - pe) / (1.0 - pe);
    est_value(out, k);
    double A = 0;
    for (size_t i = 0; i < q; i++) {
        double wi = 0;
        for (size_t j = 0; j < q; j++)
            wi += c[j] * w[i * q + j];
        for (size_t j = 0; j < q; j++) {
            double wj = 0;
            for (size_t l = 0; l < q; l++)
                wj += r[l] * w[l * q + j];
            double t = w[i * q + j] - (wi + wj) * (1.0 - k);
            A += p[i * q + j] * t * t;
        }
    }
    double B = k - pe * (1.0 - k);
    double var = (A - B * B) / ((double)n * (1.0 - pe) * (1.0 - pe));
    if (var < 0)
        var = 0; /* rounding when agreement is perfect */
    out->has_se = 1;
    out->has_ci = 1;
    out->se = sqrt(var);
    out->ci_low = clamp1(k - Z975 * out->se);
    out->ci_high = clamp1(k + Z975 * out->se);
}

sps_status sps_agree_categorical_compute(const int *a, const int *b, size_t n, size_t q,
                                         const double *pos, sps_agree_categorical *out,
                                         sps_error *err)
{
    memset(out, 0, sizeof *out);
    if (q < 1 || q > 100000)
        return sps_error_set(err, SPS_EINVALID, "agree", "number of categories %zu out of range", q);
    for (size_t i = 0; i < n; i++)
        if (a[i] < 0 || b[i] < 0 || (size_t)a[i] >= q || (size_t)b[i] >= q)
            return sps_error_set(err, SPS_EINVALID, "agree", "subject %zu: category outside 0..%zu", i, q - 1);
    if (pos)
        for (size_t i = 1; i < q; i++)
            if (!(pos[i] > pos[i - 1]))
                return sps_error_set(err, SPS_EINVALID, "agree", "ordinal positions must increase");
    out->n = n;
    out->categories = q;
    out->weighted = pos != NULL;
    if (n == 0) {
        const char *why = "no subject rated by both readers";
        est_none(&out->kappa, why);
        est_none(&out->kappa_linear, why);
        est_none(&out->kappa_quadratic, why);
        est_none(&out->ac1, why);
        return SPS_OK;
    }
    double *p = calloc(q * q, sizeof *p), *r = calloc(q, sizeof *r), *c = calloc(q, sizeof *c);
    double *w = calloc(q * q, sizeof *w);
    if (!p || !r || !c || !w) {
        free(p), free(r), free(c), free(w);
        return sps_error_set(err, SPS_ENOMEM, "agree", "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        p[(size_t)a[i] * q + (size_t)b[i]] += 1.0 / (double)n;
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++) {
            r[i] += p[i * q + j];
            c[j] += p[i * q + j];
        }
    double po = 0;
    for (size_t i = 0; i < q; i++)
        po += p[i * q + i];
    out->observed = po;

    for (size_t i = 0; i < q; i++)
        w[i * q + i] = 1.0;
    weighted_kappa(p, r, c, q, n, w, &out->kappa);

    if (pos) {
        double range = pos[q - 1] - pos[0];
        if (q < 2 || !(range > 0)) {
            est_none(&out->kappa_linear, "a single category on the scale: weights undefined");
            est_none(&out->kappa_quadratic, "a single category on the scale: weights undefined");
        } else {
            for (size_t i = 0; i < q; i++)
                for (size_t j = 0; j < q; j++)
                    w[i * q + j] = 1.0 - fabs(pos[i] - pos[j]) / range;
            weighted_kappa(p, r, c, q, n, w, &out->kappa_linear);
            for (size_t i = 0; i < q; i++)
                for (size_t j = 0; j < q; j++) {
                    double d = (pos[i] - pos[j]) / range;
                    w[i * q + j] = 1.0 - d * d;
                }
            weighted_kappa(p, r, c, q, n, w, &out->kappa_quadratic);
        }
    } else {
        est_none(&out->kappa_linear, "nominal scale: no weights");
        est_none(&out->kappa_quadratic, "nominal scale: no weights");
    }

    /* Gwet 2008 AC1: pe = sum pi_k (1 - pi_k) / (q - 1), pi_k = (r_k + c_k) / 2. */
    if (q < 2) {
        est_none(&out->ac1, "a single category: AC1 needs a scale of at least 2 categories");
    } else if (n < 2) {
        est_none(&out->ac1, "fewer than 2 subjects");
    } else {
        double pe = 0;
        for (size_t k = 0; k < q; k++) {
            double pi = (r[k] + c[k]) / 2.0;
            pe += pi * (1.0 - pi);
        }
        pe /= (double)(q - 1);
        double g = (po - pe) / (1.0 - pe); /* pe <= 1/q < 1 */
        est_value(&out->ac1, g);
        double s1 = 0, s2 = 0;
        for (size_t k = 0; k < q; k++)
            s1 += p[k * q + k] * (1.0 - (r[k] + c[k]) / 2.0);
        for (size_t k = 0; k < q; k++)
            for (size_t l = 0; l < q; l++) {
                double t = 1.0 - ((r[k] + c[k]) / 2.0 + (r[l] + c[l]) / 2.0) / 2.0;
                s2 += p[k * q + l] * t * t;
            }
        double qm = (double)(q - 1);
        double var = po * (1.0 - po) - 4.0 * (1.0 - g) * (s1 / qm - po * pe) +
                     4.0 * (1.0 - g) * (1.0 - g) * (s2 / (qm * qm) - pe * pe);
        var /= (double)n * (1.0 - pe) * (1.0 - pe);
        if (var < 0)
            var = 0;
        out->ac1.has_se = 1;
        out->ac1.has_ci = 1;
        out->ac1.se = sqrt(var);
        out->ac1.ci_low = clamp1(g - Z975 * out->ac1.se);
        out->ac1.ci_high = clamp1(g + Z975 * out->ac1.se);
    }
    free(p), free(r), free(c), free(w);
    return SPS_OK;
}

/* ---- continuous ---- */

sps_status sps_agree_icc(const double *x, size_t n, size_t k, sps_agree_est *icc_a1,
                         sps_agree_est *icc_c1, sps_error *err)
{
    sps_agree_est ea, ec;
    if (n < 2 || k < 2) {
        const char *why = n < 2 ? "fewer than 2 subjects" : "fewer than 2 readers";
        est_none(&ea, why);
        est_none(&ec, why);
        goto done;
    }
    for (size_t i = 0; i < n * k; i++)
        if (!isfinite(x[i]))
            return sps_error_set(err, SPS_EINVALID, "agree", "ICC input %zu is not a finite number", i);
    double *rm = calloc(n, sizeof *rm), *cm = calloc(k, sizeof *cm);
    if (!rm || !cm) {
        free(rm), free(cm);
        return sps_error_set(err, SPS_ENOMEM, "agree", "out of memory");
    }
    double g = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            rm[i] += x[i * k + j] / (double)k;
            cm[j] += x[i * k + j] / (double)n;
            g += x[i * k + j];
        }
    g /= (double)(n * k);
    double ssr = 0, ssc = 0, sst = 0;
    for (size_t i = 0; i < n; i++)
        ssr += (rm[i] - g) * (rm[i] - g);
    ssr *= (double)k;
    for (size_t j = 0; j < k; j++)
        ssc += (cm[j] - g) * (cm[j] - g);
    ssc *= (double)n;
    for (size_t i = 0; i < n * k; i++)
        sst += (x[i] - g) * (x[i] - g);
    free(rm), free(cm);
    double sse = sst - ssr - ssc;
    if (sse < 0)
        sse = 0;
    double dn = (double)n, dk = (double)k;
    double msr = ssr / (dn - 1), msc = ssc / (dk - 1), mse = sse / ((dn - 1) * (dk - 1));
    double scale = sst / (dn * dk) + 1e-300;
    if (msr <= 1e-12 * scale && mse <= 1e-12 * scale) {
        const char *why = "no variance between subjects and no disagreement: ICC is 0/0";
        est_none(&ea, why);
        est_none(&ec, why);
        goto done;
    }
    /* ICC(C,1) */
    double dc = msr + (dk - 1) * mse;
    double vc = (msr - mse) / dc;
    est_value(&ec, vc);
    double va_den = msr + (dk - 1) * mse + dk * (msc - mse) / dn;
    double va = (msr - mse) / va_den;
    est_value(&ea, va);
    if (mse <= 1e-12 * scale) {
        sps_strlcpy(ec.reason, "no residual disagreement: F is infinite, no interval", sizeof ec.reason);
        sps_strlcpy(ea.reason, "no residual disagreement: F is infinite, no interval", sizeof ea.reason);
        goto done;
    }
    double df1 = dn - 1, df2 = (dn - 1) * (dk - 1);
    double fo = msr / mse;
    double fl = fo / sps_agree_f_quantile(0.975, df1, df2);
    double fu = fo * sps_agree_f_quantile(0.975, df2, df1);
    ec.has_ci = 1; /* F-based interval; no SE */
    ec.ci_low = (fl - 1) / (fl + dk - 1);
    ec.ci_high = (fu - 1) / (fu + dk - 1);
    /* ICC(A,1): McGraw & Wong 1996 Table 7 (Satterthwaite degrees of freedom) */
    if (va >= 1.0 || va <= 0.0) {
        sps_strlcpy(ea.reason, "ICC(A,1) outside (0, 1): the F-based interval is undefined", sizeof ea.reason);
    } else {
        double aa = dk * va / (dn * (1 - va));
        double bb = 1 + dk * va * (dn - 1) / (dn * (1 - va));
        double num = (aa * msc + bb * mse) * (aa * msc + bb * mse);
        double den = (aa * msc) * (aa * msc) / (dk - 1) + (bb * mse) * (bb * mse) / ((dn - 1) * (dk - 1));
        double v = num / den;
        double fs = sps_agree_f_quantile(0.975, dn - 1, v);
        double fs2 = sps_agree_f_quantile(0.975, v, dn - 1);
        if (!isfinite(fs) || !isfinite(fs2)) {
            sps_strlcpy(ea.reason, "degrees of freedom of the interval not finite", sizeof ea.reason);
        } else {
            double t = dk * msc + (dk * dn - dk - dn) * mse;
            ea.has_ci = 1;
            ea.ci_low = dn * (msr - fs * mse) / (fs * t + dn * msr);
            ea.ci_high = dn * (fs2 * msr - mse) / (t + dn * fs2 * msr);
        }
    }
done:
    if (icc_a1)
        *icc_a1 = ea;
    if (icc_c1)
        *icc_c1 = ec;
    return SPS_OK;
}

sps_status sps_agree_continuous_compute(const double *a, const double *b, size_t n,
                                        sps_agree_continuous *out, sps_error *err)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]) || !isfinite(b[i]))
            return sps_error_set(err, SPS_EINVALID, "agree", "subject %zu: value is not a finite number", i);
    if (n < 2) {
        const char *why = n == 0 ? "no subject measured by both readers" : "fewer than 2 subjects";
        est_none(&out->icc_a1, why);
        est_none(&out->icc_c1, why);
        est_none(&out->bias, why);
        est_none(&out->sd_diff, why);
        est_none(&out->loa_low, why);
        est_none(&out->loa_high, why);
        return SPS_OK;
    }
    double *x = malloc(2 * n * sizeof *x);
    if (!x)
        return sps_error_set(err, SPS_ENOMEM, "agree", "out of memory");
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = a[i];
        x[2 * i + 1] = b[i];
        mean += (a[i] - b[i]) / (double)n;
    }
    sps_status st = sps_agree_icc(x, n, 2, &out->icc_a1, &out->icc_c1, err);
    free(x);
    if (st != SPS_OK)
        return st;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i] - mean;
        ss += d * d;
    }
    double dn = (double)n, sd = sqrt(ss / (dn - 1));
    double t = sps_agree_t_quantile(0.975, dn - 1);
    est_value(&out->bias, mean);
    out->bias.has_se = 1;
    out->bias.has_ci = 1;
    out->bias.se = sd / sqrt(dn);
    out->bias.ci_low = mean - t * out->bias.se;
    out->bias.ci_high = mean + t * out->bias.se;
    est_value(&out->sd_diff, sd);
    est_value(&out->loa_low, mean - Z975 * sd);
    est_value(&out->loa_high, mean + Z975 * sd);
    /* Bland & Altman 1986: SE of each limit ~ sqrt(3 s^2 / n), t with n - 1 df */
    double sel = sqrt(3.0 * sd * sd / dn);
    sps_agree_est *l[2] = {&out->loa_low, &out->loa_high};
    for (int i = 0; i < 2; i++) {
        l[i]->has_se = 1;
        l[i]->has_ci = 1;
        l[i]->se = sel;
        l[i]->ci_low = l[i]->value - t * sel;
        l[i]->ci_high = l[i]->value + t * sel;
    }
    return SPS_OK;
}

const char *sps_agree_kind_name(sps_agree_kind kind)
{
    switch (kind) {
    case SPS_AGREE_NOMINAL:
        return "nominal";
    case SPS_AGREE_ORDINAL:
        return "ordinal";
    case SPS_AGREE_CONTINUOUS:
        return "continuous";
    case SPS_AGREE_ORDINAL_AND_CONTINUOUS:
        return "ordinal+continuous";
    }
    return "unknown";
}
