#!/usr/bin/env python3
"""Independent plain-Python recomputation of the expected values in tests/test_agree.c that are
NOT published numbers (weighted kappa on an ordinal table with unequal spacing, the high-
prevalence 'kappa paradox' table, ICC intervals on two of the Shrout & Fleiss judges).
Written from the formulas (not from the C code): weighted kappa and its SE from Fleiss, Cohen &
Everitt 1969 written as sums over cells; AC1 and its SE from Gwet 2008; F quantiles from a
Simpson integral of the F density (the C code uses a continued fraction), bisection on the CDF.
Run: python3 tests/agree/recompute.py  (no numpy/scipy needed)."""
import math

def kappa_w(t, w):
    n = sum(map(sum, t)); q = len(t)
    p = [[x / n for x in r] for r in t]
    r = [sum(p[i]) for i in range(q)]; c = [sum(p[i][j] for i in range(q)) for j in range(q)]
    po = sum(w[i][j] * p[i][j] for i in range(q) for j in range(q))
    pe = sum(w[i][j] * r[i] * c[j] for i in range(q) for j in range(q))
    k = (po - pe) / (1 - pe)
    wi = [sum(c[j] * w[i][j] for j in range(q)) for i in range(q)]
    wj = [sum(r[i] * w[i][j] for i in range(q)) for j in range(q)]
    a = sum(p[i][j] * (w[i][j] - (wi[i] + wj[j]) * (1 - k)) ** 2 for i in range(q) for j in range(q))
    return k, math.sqrt((a - (k - pe * (1 - k)) ** 2) / (n * (1 - pe) ** 2))

def ac1(t):
    n = sum(map(sum, t)); q = len(t)
    p = [[x / n for x in r] for r in t]
    pi = [(sum(p[k]) + sum(p[i][k] for i in range(q))) / 2 for k in range(q)]
    po = sum(p[k][k] for k in range(q)); pe = sum(x * (1 - x) for x in pi) / (q - 1)
    g = (po - pe) / (1 - pe)
    v = po * (1 - po) - 4 * (1 - g) * (sum(p[k][k] * (1 - pi[k]) for k in range(q)) / (q - 1) - po * pe) \
        + 4 * (1 - g) ** 2 * (sum(p[k][l] * (1 - (pi[k] + pi[l]) / 2) ** 2 for k in range(q) for l in range(q)) / (q - 1) ** 2 - pe ** 2)
    return g, math.sqrt(v / (n * (1 - pe) ** 2))

def weights(pos, power):
    rng = pos[-1] - pos[0]
    return [[1 - (abs(a - b) / rng) ** power for b in pos] for a in pos]

def f_cdf(x, d1, d2, steps=20000):
    # P(F <= x) = I_z(d1/2, d2/2), z = d1 x / (d1 x + d2): Simpson on the beta density in u = z^(1/a)
    a, b = d1 / 2, d2 / 2
    z = d1 * x / (d1 * x + d2)
    lb = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    # substitute t = u^(1/a): integral of t^(a-1)(1-t)^(b-1) dt = (1/a) integral of (1 - u^(1/a))^(b-1) du
    top = z ** a
    h = top / steps
    f = lambda u: (1 - u ** (1 / a)) ** (b - 1) if u < 1 else 0.0
    s = f(0) + f(top) + sum((4 if k % 2 else 2) * f(k * h) for k in range(1, steps))
    return s * h / 3 / a / math.exp(lb)

def f_q(p, d1, d2):
    lo, hi = 0.0, 1000.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if f_cdf(mid, d1, d2) < p: lo = mid
        else: hi = mid
    return (lo + hi) / 2

def icc(X):
    n = len(X); k = len(X[0]); g = sum(map(sum, X)) / (n * k)
    rm = [sum(r) / k for r in X]; cm = [sum(X[i][j] for i in range(n)) / n for j in range(k)]
    ssr = k * sum((m - g) ** 2 for m in rm); ssc = n * sum((m - g) ** 2 for m in cm)
    sse = sum((x - g) ** 2 for r in X for x in r) - ssr - ssc
    msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
    c1 = (msr - mse) / (msr + (k - 1) * mse)
    a1 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    fo = msr / mse
    fl = fo / f_q(0.975, n - 1, (n - 1) * (k - 1)); fu = fo * f_q(0.975, (n - 1) * (k - 1), n - 1)
    c_ci = ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
    aa = k * a1 / (n * (1 - a1)); bb = 1 + k * a1 * (n - 1) / (n * (1 - a1))
    v = (aa * msc + bb * mse) ** 2 / ((aa * msc) ** 2 / (k - 1) + (bb * mse) ** 2 / ((n - 1) * (k - 1)))
    fs, fs2 = f_q(0.975, n - 1, v), f_q(0.975, v, n - 1)
    t = k * msc + (k * n - k - n) * mse
    a_ci = (n * (msr - fs * mse) / (fs * t + n * msr), n * (fs2 * msr - mse) / (t + n * fs2 * msr))
    return a1, a_ci, c1, c_ci

# 1. ordinal table on the SINS collapse points scale (0, 1, 2, 3), 40 invented subjects
T = [[8, 2, 0, 0], [1, 9, 2, 1], [0, 2, 7, 1], [0, 0, 1, 6]]
pos = [0, 1, 2, 3]
print("ordinal4 kappa   %.10f se %.10f" % kappa_w(T, [[1.0 if i == j else 0.0 for j in range(4)] for i in range(4)]))
print("ordinal4 linear  %.10f se %.10f" % kappa_w(T, weights(pos, 1)))
print("ordinal4 quad    %.10f se %.10f" % kappa_w(T, weights(pos, 2)))
print("ordinal4 ac1     %.10f se %.10f" % ac1(T))
# 2. same table on unequal positions (SINS bone_lesion-like 0, 1, 2 plus a gap: 0, 1, 3, 5)
pos2 = [0, 1, 3, 5]
print("unequal linear   %.10f se %.10f" % kappa_w(T, weights(pos2, 1)))
print("unequal quad     %.10f se %.10f" % kappa_w(T, weights(pos2, 2)))
# 3. high prevalence: 125 subjects, both say 'present' for 118 (kappa paradox, Feinstein & Cicchetti 1990 / Gwet 2008 setting)
P = [[118, 5], [2, 0]]
print("paradox kappa    %.10f se %.10f" % kappa_w(P, [[1, 0], [0, 1]]))
print("paradox ac1      %.10f se %.10f" % ac1(P))
# 4. ICC on judges 1 and 2 of Shrout & Fleiss 1979 Table 2, and on all four judges
SF = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
print("SF 4 judges  A1 %.10f (%.10f, %.10f)  C1 %.10f (%.10f, %.10f)" % (lambda r: (r[0], r[1][0], r[1][1], r[2], r[3][0], r[3][1]))(icc(SF)))
print("SF judges1,2 A1 %.10f (%.10f, %.10f)  C1 %.10f (%.10f, %.10f)" % (lambda r: (r[0], r[1][0], r[1][1], r[2], r[3][0], r[3][1]))(icc([r[:2] for r in SF])))
print("F.975(5,15) %.6f  F.975(15,5) %.6f  F.95(5,15) %.6f" % (f_q(0.975, 5, 15), f_q(0.975, 15, 5), f_q(0.95, 5, 15)))
