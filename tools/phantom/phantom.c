/* phantom.c — the analytic spine model: geometry derivation, exact point classification,
 * lesion sizing, cross-section areas and rendering to a voxel grid with noise and blur. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phantom.h"
#include "util_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

const char *const ph_bilsky_token[6] = {"0", "1a", "1b", "1c", "2", "3"};

/* ---- per-level anatomy (documented in docs/phantoms.md; linear in the level index so that
 * the mean of two neighbours equals a vertebra's own nominal value) ---- */
#define LVL(v) ((double)(v)->level)
static double pedicle_w(const ph_vert *v) { return 5.0 + 0.1 * LVL(v); }
static double lamina_w(const ph_vert *v) { (void)v; return 5.0; }
static double tp_len(const ph_vert *v) { return 12.0 + 0.5 * LVL(v); }
static double sp_len(const ph_vert *v) { return 22.0 + 0.5 * LVL(v); }
static double sp_slope(const ph_vert *v)
{
    double s = 0.6 - 0.03 * LVL(v);
    return s < 0.1 ? 0.1 : s;
}
/* Cord present down to the conus, which tapers to nothing across L1 (level 12). */
static double cord_scale(const ph_vert *v, double z)
{
    if (v->level < 12)
        return 1.0;
    if (v->level > 12)
        return 0.0;
    double s = (z + 0.5 * v->h_nom) / v->h_nom;
    if (s <= 0)
        return 0.0;
    return s >= 1 ? 1.0 : sqrt(s);
}

static void mat_vec(const double r[3][3], const double l[3], double out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = r[i][0] * l[0] + r[i][1] * l[1] + r[i][2] * l[2];
}

void ph_to_world(const ph_model *m, int v, const double l[3], double p[3])
{
    double d[3];
    mat_vec(m->vert[v].rot, l, d);
    for (int i = 0; i < 3; i++)
        p[i] = m->vert[v].center[i] + d[i];
}

void ph_to_local(const ph_model *m, int v, const double p[3], double l[3])
{
    const ph_vert *vt = &m->vert[v];
    double d[3] = {p[0] - vt->center[0], p[1] - vt->center[1], p[2] - vt->center[2]};
    for (int i = 0; i < 3; i++)
        l[i] = vt->rot[0][i] * d[0] + vt->rot[1][i] * d[1] + vt->rot[2][i] * d[2];
}

double ph_station(const ph_vert *v, int which)
{
    return (double)(which - 1) * 0.8 * v->b;
}

/* Quadratic through (-s, ha), (0, hm), (+s, hp), s = 0.8 b; never below 1 mm. */
double ph_body_height(const ph_vert *v, double y)
{
    double s = 0.8 * v->b;
    double c1 = (v->hp - v->ha) / (2.0 * s);
    double c2 = (v->hp + v->ha - 2.0 * v->hm) / (2.0 * s * s);
    double h = v->hm + c1 * y + c2 * y * y;
    return h < 1.0 ? 1.0 : h;
}

static double z_inf(const ph_vert *v) { return -0.5 * v->h_nom; }
static double z_sup(const ph_vert *v, double y) { return -0.5 * v->h_nom + ph_body_height(v, y); }

double ph_body_volume(const ph_vert *v)
{
    /* V = integral over y of 2 a sqrt(1 - y^2/b^2) H(y); substitute y = b sin(t) to remove the
     * square-root singularity, then composite Simpson. */
    const int n = 4000;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
        double t = -M_PI / 2 + M_PI * i / n;
        double y = v->b * sin(t);
        double f = 2.0 * v->a * cos(t) * ph_body_height(v, y) * v->b * cos(t);
        double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        sum += w * f;
    }
    return sum * (M_PI / n) / 3.0;
}

/* ---- elementary inside tests in the vertebra frame ---- */
static int in_ellipse(double x, double y, double rx, double ry)
{
    if (rx <= 0 || ry <= 0)
        return 0;
    return (x / rx) * (x / rx) + (y / ry) * (y / ry) <= 1.0;
}

/* Returns 0 outside, 1 cortex, 2 trabecular for the body. */
static int body_test(const ph_vert *v, const double l[3], double t)
{
    if (!in_ellipse(l[0], l[1], v->a, v->b))
        return 0;
    double zs = z_sup(v, l[1]), zi = z_inf(v);
    if (l[2] < zi || l[2] > zs)
        return 0;
    if (in_ellipse(l[0], l[1], v->a - t, v->b - t) && l[2] >= zi + t && l[2] <= zs - t)
        return 2;
    return 1;
}

static int lesion_in_ellipsoid(const ph_lesion *ls, const double l[3])
{
    double q = 0;
    for (int i = 0; i < 3; i++) {
        double d = (l[i] - ls->center_local[i]) / ls->radii[i];
        q += d * d;
    }
    return q <= 1.0;
}

/* Mixed lesions: a 3-D checker of 4-mm blobs decides lytic vs blastic. */
static int mixed_is_blastic(const ph_lesion *ls, const double l[3])
{
    const double k = 2.0 * M_PI / 8.0;
    double g = sin(k * (l[0] - ls->center_local[0]) + 0.3) * sin(k * (l[1] - ls->center_local[1]) + 0.7) *
               sin(k * (l[2] - ls->center_local[2]) + 1.1);
    return g > 0;
}

/* Distance from p to the segment a-b; *t = position along it (0..1). */
static double seg_dist(const double p[3], const double a[3], const double b[3], double *t)
{
    double ab[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, ap[3] = {p[0] - a[0], p[1] - a[1], p[2] - a[2]};
    double L2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    double s = L2 > 0 ? (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / L2 : 0;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    double d[3] = {ap[0] - s * ab[0], ap[1] - s * ab[1], ap[2] - s * ab[2]};
    *t = s;
    return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

/* Thoracic rib (T1-T12), mirrored left/right: a 4.5-mm head 1.5 mm lateral of the posterolateral
 * body margin at the level of the transverse process, a 3.5-mm shaft to just anterior of the
 * transverse-process tip (costotransverse joint), then anterolaterally and caudally (60 mm; 30 mm
 * for the floating T11/T12 ribs). Returns 0 outside, 1 cortex, 2 trabecular; sets *part. */
static int rib_test(const ph_vert *v, const double l[3], double crx, double cry, double wl, double t,
                    ph_part *part)
{
    if (v->level > 11)
        return 0;
    const double rh = 4.5, rs = 3.5, yh = 0.55 * v->b, zr = 0.225 * v->h_nom;
    double p0[3] = {v->a * sqrt(1.0 - 0.55 * 0.55) + 1.5 + rh, yh, zr};
    double p1[3] = {crx + wl + 12.0 + 0.5 * (double)v->level - 4.0, v->b + cry - 8.0, zr};
    double dir[3] = {0.85, -0.35, -0.4}, nd = sqrt(0.85 * 0.85 + 0.35 * 0.35 + 0.4 * 0.4);
    double len = v->level >= 10 ? 30.0 : 60.0;
    double p2[3] = {p1[0] + len * dir[0] / nd, p1[1] + len * dir[1] / nd, p1[2] + len * dir[2] / nd};
    double q[3] = {fabs(l[0]), l[1], l[2]};
    if (q[0] < p0[0] - rh - 1.0 || fabs(q[2] - zr) > 60.0)
        return 0;
    double dh = sqrt((q[0] - p0[0]) * (q[0] - p0[0]) + (q[1] - p0[1]) * (q[1] - p0[1]) +
                     (q[2] - p0[2]) * (q[2] - p0[2]));
    double t1, t2;
    double d1 = seg_dist(q, p0, p1, &t1), d2 = seg_dist(q, p1, p2, &t2);
    double len1 = sqrt((p1[0] - p0[0]) * (p1[0] - p0[0]) + (p1[1] - p0[1]) * (p1[1] - p0[1]));
    int in_head = dh <= rh, in1 = d1 <= rs, in2 = d2 <= rs;
    if (!in_head && !in1 && !in2)
        return 0;
    int joint = in_head || (in1 && t1 * len1 <= 8.0);
    int left = l[0] > 0;
    *part = joint ? (left ? PH_PART_COSTOVERT_L : PH_PART_COSTOVERT_R) : (left ? PH_PART_RIB_L : PH_PART_RIB_R);
    int inner = dh <= rh - t || d1 <= rs - t || d2 <= rs - t;
    return inner ? 2 : 1;
}

/* Posterior elements. Returns 0 outside, 1 cortex, 2 trabecular; sets *part. */
static int arch_test(const ph_model *m, int vi, const double l[3], ph_part *part)
{
    const ph_vert *v = &m->vert[vi];
    const double t = m->cortex_mm, h = v->h_nom;
    const double crx = m->canal_rx, cry = m->canal_ry, yc = v->b + cry;
    const double wl = pedicle_w(v), wp = lamina_w(v);
    const double x = l[0], y = l[1], z = l[2], ax = fabs(x), w = y - yc;

    /* facets: one articular column per side spanning the vertebra, 1-mm joint gap at the
     * mid-disc plane */
    double disc_above = vi > 0 ? m->vert[vi - 1].disc_below : v->disc_below;
    double fz0 = -0.5 * h - 0.5 * v->disc_below + 0.5, fz1 = 0.5 * h + 0.5 * disc_above - 0.5;
    double xf = crx + wl + 2.0, yf = yc + 0.25 * cry, frx = 3.5, fry = 4.5;
    if (z >= fz0 && z <= fz1 && in_ellipse(ax - xf, y - yf, frx, fry)) {
        *part = x > 0 ? PH_PART_FACET_L : PH_PART_FACET_R;
        return (z >= fz0 + t && z <= fz1 - t && in_ellipse(ax - xf, y - yf, frx - t, fry - t)) ? 2 : 1;
    }
    /* neural arch: elliptic annulus around the canal, outside the body's footprint (the
     * pedicles start at the body's margin; the annulus's front arc would otherwise stand inside
     * the footprint, above the endplate of a collapsed body) */
    if (y >= 0.5 * v->b && !in_ellipse(x, y, v->a, v->b) && !in_ellipse(x, w, crx, cry) &&
        in_ellipse(x, w, crx + wl, cry + wp)) {
        int ped = w < 0;
        double za = ped ? -0.1 * h : -0.45 * h, zb = 0.45 * h;
        if (z >= za && z <= zb) {
            *part = ped ? (x > 0 ? PH_PART_PEDICLE_L : PH_PART_PEDICLE_R) : PH_PART_LAMINA;
            int inner = z >= za + t && z <= zb - t && !in_ellipse(x, w, crx + t, cry + t) &&
                        in_ellipse(x, w, crx + wl - t, cry + wp - t);
            return inner ? 2 : 1;
        }
    }
    /* transverse processes */
    double tx0 = crx + wl - 1.0, tx1 = crx + wl + tp_len(v);
    if (ax >= tx0 && ax <= tx1 && fabs(w) <= 3.5 && z >= 0.05 * h && z <= 0.4 * h) {
        *part = x > 0 ? PH_PART_TRANSVERSE_L : PH_PART_TRANSVERSE_R;
        int inner = ax >= tx0 + t && ax <= tx1 - t && fabs(w) <= 3.5 - t && z >= 0.05 * h + t &&
                    z <= 0.4 * h - t;
        return inner ? 2 : 1;
    }
    /* ribs (thoracic levels) */
    int r = rib_test(v, l, crx, cry, wl, t, part);
    if (r)
        return r;
    /* spinous process, sloping caudally */
    double ys0 = yc + cry + wp - 1.5, ys1 = ys0 + sp_len(v);
    if (y >= ys0 && y <= ys1 && ax <= 3.0) {
        double drop = sp_slope(v) * (y - ys0);
        double zlo = -0.35 * h - drop, zhi = 0.25 * h - drop;
        if (z >= zlo && z <= zhi) {
            *part = PH_PART_SPINOUS;
            int inner = y <= ys1 - t && ax <= 3.0 - t && z >= zlo + t && z <= zhi - t;
            return inner ? 2 : 1;
        }
    }
    return 0;
}

/* Bone of vertebra vi at local point l; fills out and returns 1 when bone (or lesion). */
static int bone_test(const ph_model *m, int vi, const double l[3], ph_class *out)
{
    const ph_vert *v = &m->vert[vi];
    ph_part part = PH_PART_NONE;
    int b = body_test(v, l, m->cortex_mm);
    if (b)
        part = PH_PART_BODY;
    else
        b = arch_test(m, vi, l, &part);
    if (!b)
        return 0;
    out->tissue = b == 2 ? PH_TRAB : PH_CORTEX;
    out->part = part;
    out->vert = vi;
    out->lesion = 0;
    for (int i = 0; i < m->nlesion; i++) {
        const ph_lesion *ls = &m->lesion[i];
        if (ls->vert != vi)
            continue;
        int hit = 0;
        if (part == PH_PART_BODY)
            hit = lesion_in_ellipsoid(ls, l);
        else if (part == PH_PART_PEDICLE_L || part == PH_PART_PEDICLE_R)
            hit = ls->pedicle[part == PH_PART_PEDICLE_L ? 0 : 1];
        else if (part == PH_PART_FACET_L || part == PH_PART_FACET_R)
            hit = ls->facet[part == PH_PART_FACET_L ? 0 : 1];
        else if (part == PH_PART_COSTOVERT_L || part == PH_PART_COSTOVERT_R)
            hit = ls->costo[part == PH_PART_COSTOVERT_L ? 0 : 1];
        if (hit) {
            int blastic = ls->cls == PH_LESION_BLASTIC ||
                          (ls->cls == PH_LESION_MIXED && mixed_is_blastic(ls, l));
            out->tissue = blastic ? PH_BLASTIC : PH_LYTIC;
            out->lesion = i + 1;
            break;
        }
    }
    return 1;
}

/* Tumour front (mm from the canal centre, anterior negative) at lateral u and local z. */
static double tumour_front(const ph_model *m, double u, double z, const ph_vert *v)
{
    double tz = 0.4 * v->h_nom;
    if (fabs(z) >= tz)
        return -1e9;
    double cf = -m->canal_ry;
    return cf + (m->epi_front - cf) * sqrt(1.0 - (z / tz) * (z / tz)) - 0.02 * u * u;
}

/* Canal contents of owner vertebra vi at local l (already known to be inside the canal). */
static ph_tissue canal_tissue(const ph_model *m, int vi, const double l[3])
{
    const ph_vert *v = &m->vert[vi];
    double u = l[0], w = l[1] - (v->b + m->canal_ry), z = l[2];
    int epi = vi == m->epi_vert && m->bilsky > 0;
    double f_u = epi ? tumour_front(m, u, z, v) : -1e9;
    double f_0 = epi ? tumour_front(m, 0, z, v) : -1e9;
    if (epi && w < f_u)
        return PH_TUMOUR;
    int in_sac = in_ellipse(u, w - m->sac_off, m->sac_rx, m->sac_ry);
    double cs = cord_scale(v, z);
    if (cs > 0) {
        double rx = m->cord_rx * cs, ry = m->cord_ry * cs;
        double front = m->cord_off - ry, back = m->cord_off + ry;
        if (f_0 > front) {
            /* compressed (grades 2 and 3): flattened from the front, rear edge fixed, widened */
            double ry2 = 0.5 * (back - f_0), rx2 = rx * pow(ry / ry2, 0.3);
            if (rx2 > m->sac_rx - 0.8)
                rx2 = m->sac_rx - 0.8;
            if (in_ellipse(u, w - 0.5 * (back + f_0), rx2, ry2))
                return PH_CORD;
            /* grade 3: the sac has collapsed onto the cord, no CSF left; the freed space is
             * epidural fat */
            if (m->bilsky == 5)
                return PH_EPIFAT;
        } else if (in_ellipse(u, w - m->cord_off, rx, ry)) {
            return PH_CORD;
        }
    }
    return in_sac ? PH_CSF : PH_EPIFAT;
}

static int slab_owner(const ph_model *m, double loc[][3])
{
    int best = -1;
    double best_d = 1e30;
    for (int v = 0; v < m->nvert; v++) {
        const ph_vert *vt = &m->vert[v];
        double lo = v == m->nvert - 1 ? -1e9 : -0.5 * vt->h_nom - 0.5 * vt->disc_below;
        double hi = v == 0 ? 1e9 : 0.5 * vt->h_nom + 0.5 * m->vert[v - 1].disc_below;
        double z = loc[v][2], d;
        if (z >= lo && z <= hi)
            d = fabs(z) - 1e6; /* inside: prefer the closest centre */
        else
            d = z < lo ? lo - z : z - hi;
        if (d < best_d) {
            best_d = d;
            best = v;
        }
    }
    return best;
}

void ph_classify(const ph_model *m, const double p[3], ph_class *out)
{
    double loc[PH_MAX_VERT][3];
    out->tissue = PH_AIR;
    out->part = PH_PART_NONE;
    out->vert = -1;
    out->lesion = 0;
    for (int v = 0; v < m->nvert; v++)
        ph_to_local(m, v, p, loc[v]);
    for (int v = 0; v < m->nvert; v++) {
        const ph_vert *vt = &m->vert[v];
        double reach = vt->h_nom + vt->disc_below + 60.0;
        if (fabs(loc[v][2]) > reach)
            continue;
        if (bone_test(m, v, loc[v], out))
            return;
    }
    for (int v = 0; v + 1 < m->nvert; v++) {
        const ph_vert *up = &m->vert[v], *lo = &m->vert[v + 1];
        const double *lu = loc[v], *ll = loc[v + 1];
        if (lu[2] < z_inf(up) && ll[2] > z_sup(lo, ll[1]) && in_ellipse(lu[0], lu[1], up->a, up->b) &&
            in_ellipse(ll[0], ll[1], lo->a, lo->b)) {
            out->tissue = PH_DISC;
            out->part = PH_PART_DISC;
            out->vert = v;
            return;
        }
    }
    int o = slab_owner(m, loc);
    if (o >= 0) {
        const ph_vert *vt = &m->vert[o];
        if (in_ellipse(loc[o][0], loc[o][1] - (vt->b + m->canal_ry), m->canal_rx, m->canal_ry)) {
            out->tissue = canal_tissue(m, o, loc[o]);
            out->part = PH_PART_CANAL;
            out->vert = o;
            return;
        }
    }
    /* trunk: elliptic cylinder, 12 mm of subcutaneous fat */
    double tx = p[0], ty = p[1] + 35.0;
    if (in_ellipse(tx, ty, 150.0, 115.0))
        out->tissue = in_ellipse(tx, ty, 138.0, 103.0) ? PH_SOFT : PH_FAT;
}

void ph_section_areas(const ph_model *m, int v, double z_local, ph_areas *out)
{
    const ph_vert *vt = &m->vert[v];
    const double step = 0.02;
    memset(out, 0, sizeof *out);
    double yc = vt->b + m->canal_ry;
    double da = step * step;
    for (double w = -m->canal_ry + 0.5 * step; w < m->canal_ry; w += step) {
        for (double u = -m->canal_rx + 0.5 * step; u < m->canal_rx; u += step) {
            if (!in_ellipse(u, w, m->canal_rx, m->canal_ry))
                continue;
            double l[3] = {u, yc + w, z_local};
            out->canal += da;
            switch (canal_tissue(m, v, l)) {
            case PH_TUMOUR: out->tumour += da; break;
            case PH_CORD: out->cord += da; out->sac += da; break;
            case PH_CSF: out->csf += da; out->sac += da; break;
            default: out->epifat += da; break;
            }
        }
    }
}

/* Fraction of the body volume inside the ellipsoid, by columns on a grid of step mm. */
static double lesion_body_fraction(const ph_vert *v, const ph_lesion *ls, double step)
{
    double vb = 0, vl = 0;
    for (double y = -v->b + 0.5 * step; y < v->b; y += step) {
        double zi = z_inf(v), zs = z_sup(v, y);
        for (double x = -v->a + 0.5 * step; x < v->a; x += step) {
            if (!in_ellipse(x, y, v->a, v->b))
                continue;
            vb += zs - zi;
            double dx = (x - ls->center_local[0]) / ls->radii[0];
            double dy = (y - ls->center_local[1]) / ls->radii[1];
            double q = 1.0 - dx * dx - dy * dy;
            if (q <= 0)
                continue;
            double half = ls->radii[2] * sqrt(q);
            double lo = fmax(zi, ls->center_local[2] - half), hi = fmin(zs, ls->center_local[2] + half);
            if (hi > lo)
                vl += hi - lo;
        }
    }
    return vb > 0 ? vl / vb : 0;
}

static void set_lesion_size(const ph_vert *v, ph_lesion *ls, double k)
{
    double hm = ph_body_height(v, 0);
    ls->radii[0] = k * v->a;
    ls->radii[1] = k * v->b;
    ls->radii[2] = k * 0.5 * hm;
}

static double mixed_share(const ph_model *m, int vi, const ph_lesion *ls)
{
    const double st = 0.25;
    long nb = 0, nt = 0;
    for (double z = ls->center_local[2] - ls->radii[2]; z <= ls->center_local[2] + ls->radii[2]; z += st)
        for (double y = ls->center_local[1] - ls->radii[1]; y <= ls->center_local[1] + ls->radii[1]; y += st)
            for (double x = ls->center_local[0] - ls->radii[0]; x <= ls->center_local[0] + ls->radii[0];
                 x += st) {
                double l[3] = {x, y, z};
                if (!lesion_in_ellipsoid(ls, l) || !body_test(&m->vert[vi], l, 0.0))
                    continue;
                nt++;
                nb += mixed_is_blastic(ls, l);
            }
    return nt ? (double)nb / (double)nt : 0;
}

static void rot_x(double a, double r[3][3])
{
    double c = cos(a), s = sin(a);
    double t[3][3] = {{1, 0, 0}, {0, c, -s}, {0, s, c}};
    memcpy(r, t, sizeof t);
}
static void rot_y(double a, double r[3][3])
{
    double c = cos(a), s = sin(a);
    double t[3][3] = {{c, 0, s}, {0, 1, 0}, {-s, 0, c}};
    memcpy(r, t, sizeof t);
}
static void rot_z(double a, double r[3][3])
{
    double c = cos(a), s = sin(a);
    double t[3][3] = {{c, -s, 0}, {s, c, 0}, {0, 0, 1}};
    memcpy(r, t, sizeof t);
}
static void mat_mul(const double a[3][3], const double b[3][3], double out[3][3])
{
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(out, t, sizeof t);
}

sps_status ph_model_build(ph_model *m, sps_error *err)
{
    if (m->nvert < 1 || m->nvert > PH_MAX_VERT)
        return sps_error_set(err, SPS_EINVALID, "levels", "%d vertebrae: expected 1..%d", m->nvert,
                             PH_MAX_VERT);
    /* nominal anatomy */
    for (int i = 0; i < m->nvert; i++) {
        ph_vert *v = &m->vert[i];
        double L = (double)v->level;
        v->a = 12.0 + 0.6 * L;
        v->b = 8.5 + 0.4 * L;
        v->h_nom = 15.0 + 0.8 * L;
        v->disc_below = 3.5 + 0.35 * L;
        v->ha = v->h_nom * (1.0 - v->collapse_spec[0] / 100.0);
        v->hm = v->h_nom * (1.0 - v->collapse_spec[1] / 100.0);
        v->hp = v->h_nom * (1.0 - v->collapse_spec[2] / 100.0);
        memset(v->rot, 0, sizeof v->rot);
        v->rot[0][0] = v->rot[1][1] = v->rot[2][2] = 1.0;
    }
    /* stack the bodies along +z (superior), caudal vertebra first; centre the segment at z = 0 */
    int n = m->nvert;
    m->vert[n - 1].center[2] = 0;
    for (int i = n - 2; i >= 0; i--)
        m->vert[i].center[2] = m->vert[i + 1].center[2] + 0.5 * m->vert[i + 1].h_nom +
                               m->vert[i].disc_below + 0.5 * m->vert[i].h_nom;
    double top = m->vert[0].center[2] + 0.5 * m->vert[0].h_nom;
    double bot = m->vert[n - 1].center[2] - 0.5 * m->vert[n - 1].h_nom;
    for (int i = 0; i < n; i++) {
        m->vert[i].center[0] = m->vert[i].center[1] = 0;
        m->vert[i].center[2] -= 0.5 * (top + bot);
    }
    /* alignment: rigid motion of every vertebra cranial to the motion segment below align_vert,
     * rotation about the centre of that disc, then translation */
    if (m->align_vert >= 0) {
        if (m->align_vert >= n - 1)
            return sps_error_set(err, SPS_EINVALID, "alignment.level",
                                 "%s has no vertebra below it in the segment", m->vert[m->align_vert].name);
        const ph_vert *j = &m->vert[m->align_vert];
        double pivot[3] = {0, 0, j->center[2] - 0.5 * j->h_nom - 0.5 * j->disc_below};
        double rx[3][3], ry[3][3], r[3][3];
        rot_x(m->kyphosis_deg * M_PI / 180.0, rx);
        rot_y(m->scoliosis_deg * M_PI / 180.0, ry);
        mat_mul(rx, ry, r);
        for (int i = 0; i <= m->align_vert; i++) {
            ph_vert *v = &m->vert[i];
            double d[3] = {v->center[0] - pivot[0], v->center[1] - pivot[1], v->center[2] - pivot[2]}, e[3];
            mat_vec(r, d, e);
            v->center[0] = pivot[0] + e[0] + m->translation_mm[0];
            v->center[1] = pivot[1] + e[1] + m->translation_mm[1];
            v->center[2] = pivot[2] + e[2];
            memcpy(v->rot, r, sizeof r);
        }
    }
    /* lesions: scale an ellipsoid until it covers the requested fraction of the body */
    for (int i = 0; i < m->nlesion; i++) {
        ph_lesion *ls = &m->lesion[i];
        const ph_vert *v = &m->vert[ls->vert];
        double hm = ph_body_height(v, 0);
        ls->center_local[0] = ls->pos_frac[0] * v->a;
        ls->center_local[1] = ls->pos_frac[1] * v->b;
        ls->center_local[2] = z_inf(v) + 0.5 * hm + ls->pos_frac[2] * 0.5 * hm;
        double lo = 0.0, hi = 4.0;
        set_lesion_size(v, ls, hi);
        char where[64];
        snprintf(where, sizeof where, "lesions[%d].body_fraction", i);
        if (lesion_body_fraction(v, ls, 0.25) < ls->body_fraction_spec)
            return sps_error_set(err, SPS_EINVALID, where,
                                 "%.3f cannot be reached at %s with this lesion position",
                                 ls->body_fraction_spec, v->name);
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo + hi);
            set_lesion_size(v, ls, mid);
            if (lesion_body_fraction(v, ls, 0.25) < ls->body_fraction_spec)
                lo = mid;
            else
                hi = mid;
        }
        set_lesion_size(v, ls, 0.5 * (lo + hi));
        ls->body_fraction = lesion_body_fraction(v, ls, 0.1);
        ls->blastic_share = ls->cls == PH_LESION_BLASTIC ? 1.0
                            : ls->cls == PH_LESION_LYTIC ? 0.0
                                                         : mixed_share(m, ls->vert, ls);
    }
    /* epidural tumour front by Bilsky grade (tokens in model order, clinical-reference.md §2) */
    {
        double sac_front = m->sac_off - m->sac_ry, cord_front = m->cord_off - m->cord_ry;
        double canal_front = -m->canal_ry;
        switch (m->bilsky) {
        case 1: m->epi_front = canal_front + 0.6 * (sac_front - canal_front); break; /* 1a */
        case 2: m->epi_front = cord_front - 1.0; break;                             /* 1b: 1 mm gap */
        case 3: m->epi_front = cord_front; break;                                   /* 1c: abuts */
        case 4: m->epi_front = cord_front + 0.4 * 2.0 * m->cord_ry; break;          /* 2 */
        case 5: m->epi_front = cord_front + 0.5 * 2.0 * m->cord_ry; break;          /* 3 */
        default: m->epi_front = canal_front; break;
        }
        if (m->epi_vert >= 0 && m->bilsky >= 3 && m->vert[m->epi_vert].level > 12)
            return sps_error_set(err, SPS_EINVALID, "epidural.level",
                                 "Bilsky %s needs a cord; %s is below the conus (L1)",
                                 ph_bilsky_token[m->bilsky], m->vert[m->epi_vert].name);
    }
    /* acquisition geometry */
    ph_acq *a = &m->acq;
    double row[3], col[3];
    if (a->plane == PH_PLANE_AXIAL) {
        double r0[3] = {1, 0, 0}, c0[3] = {0, 1, 0};
        memcpy(row, r0, sizeof row);
        memcpy(col, c0, sizeof col);
    } else if (a->plane == PH_PLANE_SAGITTAL) {
        double r0[3] = {0, 1, 0}, c0[3] = {0, 0, -1};
        memcpy(row, r0, sizeof row);
        memcpy(col, c0, sizeof col);
    } else {
        double r0[3] = {1, 0, 0}, c0[3] = {0, 0, -1};
        memcpy(row, r0, sizeof row);
        memcpy(col, c0, sizeof col);
    }
    double ox[3][3], oy[3][3], oz[3][3], orr[3][3];
    rot_x(a->oblique_deg[0] * M_PI / 180.0, ox);
    rot_y(a->oblique_deg[1] * M_PI / 180.0, oy);
    rot_z(a->oblique_deg[2] * M_PI / 180.0, oz);
    mat_mul(oz, oy, orr);
    mat_mul(orr, ox, orr);
    mat_vec(orr, row, a->row_cos);
    mat_vec(orr, col, a->col_cos);
    a->normal[0] = a->row_cos[1] * a->col_cos[2] - a->row_cos[2] * a->col_cos[1];
    a->normal[1] = a->row_cos[2] * a->col_cos[0] - a->row_cos[0] * a->col_cos[2];
    a->normal[2] = a->row_cos[0] * a->col_cos[1] - a->row_cos[1] * a->col_cos[0];
    if (!a->center_given) {
        double l[3] = {0, m->vert[m->focus].b + 8.0, 0};
        ph_to_world(m, m->focus, l, a->center);
    }
    for (int i = 0; i < 3; i++)
        a->first[i] = a->center[i] - 0.5 * (a->cols - 1) * a->col_spacing * a->row_cos[i] -
                      0.5 * (a->rows - 1) * a->row_spacing * a->col_cos[i] -
                      0.5 * (a->slices - 1) * a->spacing * a->normal[i];
    return SPS_OK;
}

void ph_voxel_lps(const ph_model *m, double i, double j, double k, double p[3])
{
    const ph_acq *a = &m->acq;
    for (int c = 0; c < 3; c++)
        p[c] = a->first[c] + i * a->col_spacing * a->row_cos[c] + j * a->row_spacing * a->col_cos[c] +
               k * a->spacing * a->normal[c];
}

static double tissue_value(const ph_model *m, const ph_class *c)
{
    if (c->lesion && !m->acq.is_mr) {
        const ph_lesion *ls = &m->lesion[c->lesion - 1];
        return c->tissue == PH_BLASTIC ? ls->hu_blastic : ls->hu_lytic;
    }
    return m->acq.is_mr ? m->value_mr[c->tissue] : m->value_ct[c->tissue];
}

/* Counter-based normal deviate: independent of loop order, reproducible per seed. */
static uint64_t hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
static double gauss(uint64_t seed, uint64_t idx)
{
    uint64_t h1 = hash64(seed * 0x100000001b3ULL ^ (2 * idx)), h2 = hash64(hash64(seed) ^ (2 * idx + 1));
    double u1 = ((double)(h1 >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(h2 >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void blur_slice(float *img, int cols, int rows, double sx, double sy, float *tmp)
{
    double sig[2] = {sx, sy};
    for (int pass = 0; pass < 2; pass++) {
        double s = sig[pass];
        if (s <= 0)
            continue;
        int r = (int)ceil(3.0 * s);
        if (r > 32)
            r = 32;
        double k[65], ks = 0;
        for (int i = -r; i <= r; i++)
            ks += (k[i + r] = exp(-0.5 * i * i / (s * s)));
        for (int i = 0; i <= 2 * r; i++)
            k[i] /= ks;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++) {
                double acc = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = pass == 0 ? x + i : x, yy = pass == 0 ? y : y + i;
                    xx = xx < 0 ? 0 : xx >= cols ? cols - 1 : xx; /* edge replicate */
                    yy = yy < 0 ? 0 : yy >= rows ? rows - 1 : yy;
                    acc += k[i + r] * img[(size_t)yy * cols + xx];
                }
                tmp[(size_t)y * cols + x] = (float)acc;
            }
        memcpy(img, tmp, sizeof(float) * (size_t)cols * rows);
    }
}

void ph_image_free(ph_image *img)
{
    if (!img)
        return;
    free(img->value);
    free(img->tissue);
    free(img->part);
    free(img->vert);
    free(img->lesion);
    memset(img, 0, sizeof *img);
}

sps_status ph_render(const ph_model *m, ph_image *out, sps_error *err)
{
    const ph_acq *a = &m->acq;
    memset(out, 0, sizeof *out);
    size_t plane = (size_t)a->cols * a->rows, n = plane * (size_t)a->slices;
    out->cols = a->cols;
    out->rows = a->rows;
    out->slices = a->slices;
    out->value = malloc(n * sizeof(float));
    out->tissue = malloc(n);
    out->part = malloc(n);
    out->vert = malloc(n);
    out->lesion = malloc(n);
    float *tmp = malloc(plane * sizeof(float));
    if (!out->value || !out->tissue || !out->part || !out->vert || !out->lesion || !tmp) {
        free(tmp);
        ph_image_free(out);
        return sps_error_set(err, SPS_ENOMEM, "acquisition", "cannot allocate %zu voxels", n);
    }
    int ss = a->supersample < 1 ? 1 : a->supersample;
    for (int k = 0; k < a->slices; k++) {
        for (int j = 0; j < a->rows; j++) {
            for (int i = 0; i < a->cols; i++) {
                size_t idx = (size_t)k * plane + (size_t)j * a->cols + (size_t)i;
                double p[3];
                ph_class c;
                ph_voxel_lps(m, i, j, k, p);
                ph_classify(m, p, &c);
                out->tissue[idx] = (uint8_t)c.tissue;
                out->part[idx] = (uint8_t)c.part;
                out->vert[idx] = (int8_t)c.vert;
                out->lesion[idx] = (uint8_t)c.lesion;
                double acc = 0;
                if (ss == 1) {
                    acc = tissue_value(m, &c);
                } else {
                    /* box profile: pixel extent in-plane, slice thickness through-plane */
                    double tk = a->thickness / a->spacing;
                    for (int sk = 0; sk < ss; sk++)
                        for (int sj = 0; sj < ss; sj++)
                            for (int si = 0; si < ss; si++) {
                                double q[3];
                                ph_voxel_lps(m, i + (si + 0.5) / ss - 0.5, j + (sj + 0.5) / ss - 0.5,
                                             k + ((sk + 0.5) / ss - 0.5) * tk, q);
                                ph_class cs;
                                ph_classify(m, q, &cs);
                                acc += tissue_value(m, &cs);
                            }
                    acc /= (double)(ss * ss * ss);
                }
                out->value[idx] = (float)acc;
            }
        }
        if (a->blur_sigma_mm > 0)
            blur_slice(out->value + (size_t)k * plane, a->cols, a->rows, a->blur_sigma_mm / a->col_spacing,
                       a->blur_sigma_mm / a->row_spacing, tmp);
    }
    free(tmp);
    if (a->noise_sd > 0)
        for (size_t i = 0; i < n; i++)
            out->value[i] += (float)(a->noise_sd * gauss(m->seed, (uint64_t)i));
    return SPS_OK;
}
