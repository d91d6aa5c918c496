/* truth.c — the ground-truth file: geometry in LPS mm and the expected SINS/ESCC categories.
 *
 * The expected categories follow /docs clinical-reference.md (cited per rule below). The
 * numeric cut-offs used here (50 %, 20 %, Genant bands, 0.5 body fraction, 2 mm translation)
 * are copies of that document's rules and project conventions; models/ is the authority, and
 * the lead checks these against models/sins.json. Every value within 2 points of a cut-off is
 * listed under expected.near_threshold so tests can avoid ambiguous phantoms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "phantom.h"
#include "spinescore/dicom_write.h"
#include "util_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const char *const tissue_names[PH_TISSUE_COUNT] = {
    "air", "subcutaneous_fat", "soft_tissue", "cortical_bone", "trabecular_bone", "disc",
    "epidural_fat", "csf", "cord", "epidural_tumour", "lytic_lesion", "blastic_lesion"};

static double r6(double v) { return floor(v * 1e6 + 0.5) / 1e6; } /* stable, readable numbers */

static cJSON *vec3(const double v[3])
{
    double r[3] = {r6(v[0]), r6(v[1]), r6(v[2])};
    return cJSON_CreateDoubleArray(r, 3);
}

static cJSON *add_num(cJSON *o, const char *k, double v) { return cJSON_AddNumberToObject(o, k, r6(v)); }

/* SINS location class by level, clinical-reference.md §1.2 (level index 0 = T1 ... 16 = L5). */
static const char *location_token(int level)
{
    if (level <= 1)
        return "junctional"; /* T1, T2 */
    if (level <= 9)
        return "semi_rigid"; /* T3..T10 */
    if (level <= 12)
        return "junctional"; /* T11, T12, L1 */
    if (level <= 15)
        return "mobile";     /* L2..L4 */
    return "junctional";     /* L5 */
}

/* Genant SQ grade from height loss %, clinical-reference.md §4.1 (project convention bands:
 * [20,25) -> 1, [25,40] -> 2, > 40 -> 3). */
static int genant_grade(double pct)
{
    if (pct > 40.0)
        return 3;
    if (pct >= 25.0)
        return 2;
    if (pct >= 20.0)
        return 1;
    return 0;
}

static int involved(const ph_model *m, int v)
{
    const ph_vert *vt = &m->vert[v];
    if (vt->collapse_spec[0] > 0 || vt->collapse_spec[1] > 0 || vt->collapse_spec[2] > 0)
        return 1;
    for (int i = 0; i < m->nlesion; i++)
        if (m->lesion[i].vert == v)
            return 1;
    return 0;
}

/* Reference heights: mean of the nearest uninvolved vertebrae above and below (§1.4, §4.2);
 * one neighbour when only one exists in the segment; own posterior height otherwise. */
static const char *reference_heights(const ph_model *m, int v, double ref[3])
{
    int up = -1, dn = -1;
    for (int i = v - 1; i >= 0 && up < 0; i--)
        if (!involved(m, i))
            up = i;
    for (int i = v + 1; i < m->nvert && dn < 0; i++)
        if (!involved(m, i))
            dn = i;
    const ph_vert *a = up >= 0 ? &m->vert[up] : NULL, *b = dn >= 0 ? &m->vert[dn] : NULL;
    if (a && b) {
        ref[0] = 0.5 * (a->ha + b->ha);
        ref[1] = 0.5 * (a->hm + b->hm);
        ref[2] = 0.5 * (a->hp + b->hp);
        return "mean_of_nearest_uninvolved_above_and_below";
    }
    if (a || b) {
        const ph_vert *n = a ? a : b;
        ref[0] = n->ha;
        ref[1] = n->hm;
        ref[2] = n->hp;
        return "nearest_uninvolved_one_side_only";
    }
    ref[0] = ref[1] = ref[2] = m->vert[v].hp;
    return "own_posterior_height";
}

static void six_points(const ph_model *m, int v, double pts[6][3])
{
    const ph_vert *vt = &m->vert[v];
    for (int s = 0; s < 3; s++) {
        double y = ph_station(vt, s);
        double sup[3] = {0, y, -0.5 * vt->h_nom + ph_body_height(vt, y)};
        double inf[3] = {0, y, -0.5 * vt->h_nom};
        ph_to_world(m, v, sup, pts[s]);
        ph_to_world(m, v, inf, pts[3 + s]);
    }
}

/* Sagittal angle (deg) of the line from the anterior to the posterior point: atan2(dz, dy). */
static double sag_angle(const double ant[3], const double post[3])
{
    return atan2(post[2] - ant[2], post[1] - ant[1]) * 180.0 / M_PI;
}

static double collapse_max(const ph_model *m, int v, double pct[3])
{
    double ref[3];
    reference_heights(m, v, ref);
    const ph_vert *vt = &m->vert[v];
    double h[3] = {vt->ha, vt->hm, vt->hp}, mx = 0;
    for (int i = 0; i < 3; i++) {
        pct[i] = 100.0 * (1.0 - h[i] / ref[i]);
        if (pct[i] > mx)
            mx = pct[i];
    }
    return mx;
}

static int in_fov(const ph_model *m, const double p[3])
{
    const ph_acq *a = &m->acq;
    double d[3] = {p[0] - a->first[0], p[1] - a->first[1], p[2] - a->first[2]};
    double i = (d[0] * a->row_cos[0] + d[1] * a->row_cos[1] + d[2] * a->row_cos[2]) / a->col_spacing;
    double j = (d[0] * a->col_cos[0] + d[1] * a->col_cos[1] + d[2] * a->col_cos[2]) / a->row_spacing;
    double k = (d[0] * a->normal[0] + d[1] * a->normal[1] + d[2] * a->normal[2]) / a->spacing;
    return i >= -0.5 && i <= a->cols - 0.5 && j >= -0.5 && j <= a->rows - 0.5 && k >= -0.5 &&
           k <= a->slices - 0.5;
}

static void add_near(cJSON *arr, const char *what, double value, double cut, double band)
{
    if (fabs(value - cut) < band) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s %.2f is within %.2f of the cut-off %.2f", what, value, band, cut);
        cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
    }
}

static cJSON *series_json(const ph_model *m)
{
    const ph_acq *a = &m->acq;
    static const char *const planes[3] = {"axial", "sagittal", "coronal"};
    static const char *const syntaxes[3] = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.80",
                                            "1.2.840.10008.1.2.5"};
    cJSON *s = cJSON_CreateObject();
    char seed[96], uid[65];
    ph_uid_seed(m, seed, sizeof seed);
    cJSON_AddStringToObject(s, "modality", a->is_mr ? "MR" : "CT");
    cJSON_AddStringToObject(s, "sop_class_uid", a->is_mr ? "1.2.840.10008.5.1.4.1.1.4" : "1.2.840.10008.5.1.4.1.1.2");
    cJSON_AddStringToObject(s, "transfer_syntax_uid", syntaxes[a->syntax]);
    cJSON_AddStringToObject(s, "plane", planes[a->plane]);
    cJSON_AddStringToObject(s, "directory", "dicom");
    cJSON_AddStringToObject(s, "file_pattern", "IM%04d.dcm (1-based)");
    cJSON_AddNumberToObject(s, "rows", a->rows);
    cJSON_AddNumberToObject(s, "columns", a->cols);
    cJSON_AddNumberToObject(s, "slices", a->slices);
    double ps[2] = {a->row_spacing, a->col_spacing};
    cJSON_AddItemToObject(s, "pixel_spacing_mm", cJSON_CreateDoubleArray(ps, 2));
    add_num(s, "slice_thickness_mm", a->thickness);
    add_num(s, "spacing_between_slices_mm", a->spacing);
    cJSON_AddItemToObject(s, "first_position_lps", vec3(a->first));
    cJSON_AddItemToObject(s, "row_cosines", vec3(a->row_cos));
    cJSON_AddItemToObject(s, "column_cosines", vec3(a->col_cos));
    cJSON_AddItemToObject(s, "slice_normal", vec3(a->normal));
    cJSON_AddItemToObject(s, "center_lps", vec3(a->center));
    cJSON_AddStringToObject(s, "intensity_unit",
                            a->is_mr ? (a->is_t1 ? "MR signal (arbitrary, T1-like)" : "MR signal (arbitrary, T2-like)") : "HU");
    if (a->is_mr)
        cJSON_AddStringToObject(s, "contrast", a->is_t1 ? "T1" : "T2");
    if (!a->is_mr) {
        add_num(s, "rescale_intercept", -1024);
        add_num(s, "rescale_slope", 1);
    }
    add_num(s, "noise_sd", a->noise_sd);
    cJSON_AddNumberToObject(s, "supersample", a->supersample);
    add_num(s, "blur_sigma_mm", a->blur_sigma_mm);
    char pid[64];
    snprintf(pid, sizeof pid, "SPS-PHANTOM-%llu", (unsigned long long)m->seed);
    cJSON_AddStringToObject(s, "patient_name", m->id_patient_name[0] ? m->id_patient_name : "PHANTOM^SPINE");
    cJSON_AddStringToObject(s, "patient_id", m->id_patient_id[0] ? m->id_patient_id : pid);
    sps_dicom_make_uid(uid, seed, "study", 0, NULL);
    cJSON_AddStringToObject(s, "study_instance_uid", uid);
    sps_dicom_make_uid(uid, seed, "series", 0, NULL);
    cJSON_AddStringToObject(s, "series_instance_uid", uid);
    sps_dicom_make_uid(uid, seed, "frame-of-reference", 0, NULL);
    cJSON_AddStringToObject(s, "frame_of_reference_uid", uid);
    cJSON *tv = cJSON_AddObjectToObject(s, "tissue_values");
    for (int i = 0; i < PH_TISSUE_COUNT; i++) {
        if (!a->is_mr && (i == PH_LYTIC || i == PH_BLASTIC))
            continue; /* CT lesion values are per lesion: lesions[].hu */
        add_num(tv, tissue_names[i], a->is_mr ? m->value_mr[i] : m->value_ct[i]);
    }
    return s;
}

static cJSON *vertebra_json(const ph_model *m, int v)
{
    static const char *const pnames[6] = {"superior_anterior", "superior_middle", "superior_posterior",
                                          "inferior_anterior", "inferior_middle", "inferior_posterior"};
    const ph_vert *vt = &m->vert[v];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", vt->name);
    cJSON_AddItemToObject(o, "center_lps", vec3(vt->center));
    cJSON_AddBoolToObject(o, "center_in_field_of_view", in_fov(m, vt->center));
    cJSON *ax = cJSON_AddObjectToObject(o, "axes_lps");
    double c0[3] = {vt->rot[0][0], vt->rot[1][0], vt->rot[2][0]};
    double c1[3] = {vt->rot[0][1], vt->rot[1][1], vt->rot[2][1]};
    double c2[3] = {vt->rot[0][2], vt->rot[1][2], vt->rot[2][2]};
    cJSON_AddItemToObject(ax, "left", vec3(c0));
    cJSON_AddItemToObject(ax, "posterior", vec3(c1));
    cJSON_AddItemToObject(ax, "superior", vec3(c2));
    cJSON *body = cJSON_AddObjectToObject(o, "body");
    add_num(body, "half_width_mm", vt->a);
    add_num(body, "half_depth_mm", vt->b);
    add_num(body, "nominal_height_mm", vt->h_nom);
    add_num(body, "cortex_mm", m->cortex_mm);
    add_num(body, "volume_mm3", ph_body_volume(vt));
    add_num(body, "disc_below_nominal_mm", vt->disc_below);
    double pts[6][3];
    six_points(m, v, pts);
    cJSON *mp = cJSON_AddObjectToObject(o, "morphometry_points_lps");
    for (int i = 0; i < 6; i++)
        cJSON_AddItemToObject(mp, pnames[i], vec3(pts[i]));
    cJSON *hs = cJSON_AddObjectToObject(o, "heights_mm");
    add_num(hs, "anterior", vt->ha);
    add_num(hs, "middle", vt->hm);
    add_num(hs, "posterior", vt->hp);
    double ref[3], pct[3];
    const char *how = reference_heights(m, v, ref);
    cJSON *rh = cJSON_AddObjectToObject(o, "reference_heights_mm");
    add_num(rh, "anterior", ref[0]);
    add_num(rh, "middle", ref[1]);
    add_num(rh, "posterior", ref[2]);
    cJSON_AddStringToObject(o, "reference_method", how);
    double mx = collapse_max(m, v, pct);
    cJSON *cp = cJSON_AddObjectToObject(o, "collapse_pct");
    add_num(cp, "anterior", pct[0]);
    add_num(cp, "middle", pct[1]);
    add_num(cp, "posterior", pct[2]);
    add_num(cp, "max", mx);
    cJSON_AddNumberToObject(o, "genant_grade", genant_grade(mx));
    /* vertebral wedge angle, clinical-reference.md §5 method (b): superior vs inferior endplate */
    add_num(o, "wedge_angle_deg", sag_angle(pts[0], pts[2]) - sag_angle(pts[3], pts[5]));
    cJSON_AddBoolToObject(o, "involved", involved(m, v));
    return o;
}

static cJSON *lesion_json(const ph_model *m, const ph_lesion *ls)
{
    static const char *const cls[3] = {"lytic", "blastic", "mixed"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", m->vert[ls->vert].name);
    cJSON_AddStringToObject(o, "class", cls[ls->cls]);
    if (ls->cls == PH_LESION_MIXED) {
        add_num(o, "hu_lytic", ls->hu_lytic);
        add_num(o, "hu_blastic", ls->hu_blastic);
    } else {
        add_num(o, "hu", ls->hu_lytic);
    }
    add_num(o, "blastic_volume_share", ls->blastic_share);
    add_num(o, "body_fraction_requested", ls->body_fraction_spec);
    add_num(o, "body_fraction", ls->body_fraction);
    cJSON_AddStringToObject(o, "body_fraction_method",
                            "volume of (body ellipsoid-lesion intersection) / body volume, columns on a 0.1 mm grid");
    double c[3];
    ph_to_world(m, ls->vert, ls->center_local, c);
    cJSON_AddItemToObject(o, "ellipsoid_center_lps", vec3(c));
    cJSON_AddItemToObject(o, "ellipsoid_radii_mm", vec3(ls->radii));
    cJSON_AddStringToObject(o, "ellipsoid_axes", "vertebra axes (left, posterior, superior)");
    cJSON *ex = cJSON_AddArrayToObject(o, "replaced_posterior_elements");
    if (ls->pedicle[0])
        cJSON_AddItemToArray(ex, cJSON_CreateString("pedicle_left"));
    if (ls->pedicle[1])
        cJSON_AddItemToArray(ex, cJSON_CreateString("pedicle_right"));
    if (ls->facet[0])
        cJSON_AddItemToArray(ex, cJSON_CreateString("facet_left"));
    if (ls->facet[1])
        cJSON_AddItemToArray(ex, cJSON_CreateString("facet_right"));
    if (ls->costo[0])
        cJSON_AddItemToArray(ex, cJSON_CreateString("costovertebral_left"));
    if (ls->costo[1])
        cJSON_AddItemToArray(ex, cJSON_CreateString("costovertebral_right"));
    int left = ls->pedicle[0] || ls->facet[0] || ls->costo[0];
    int right = ls->pedicle[1] || ls->facet[1] || ls->costo[1];
    cJSON *pl = cJSON_AddObjectToObject(o, "posterolateral");
    cJSON_AddBoolToObject(pl, "left", left);
    cJSON_AddBoolToObject(pl, "right", right);
    /* §1.4: one side -> unilateral, both -> bilateral; lamina/spinous alone do not count */
    cJSON_AddStringToObject(pl, "category", left && right ? "bilateral" : (left || right) ? "unilateral" : "none");
    return o;
}

static cJSON *areas_json(const ph_areas *a)
{
    cJSON *o = cJSON_CreateObject();
    add_num(o, "canal", a->canal);
    add_num(o, "thecal_sac", a->sac);
    add_num(o, "cord", a->cord);
    add_num(o, "csf", a->csf);
    add_num(o, "epidural_tumour", a->tumour);
    add_num(o, "epidural_fat", a->epifat);
    return o;
}

sps_status ph_truth_json(const ph_model *m, char **out, sps_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return sps_error_set(err, SPS_ENOMEM, "truth.json", "out of memory");
    cJSON_AddStringToObject(root, "format", "spinescore-phantom-truth");
    cJSON_AddNumberToObject(root, "format_version", 1);
    cJSON_AddStringToObject(root, "generator", "sps-phantom");
    cJSON_AddStringToObject(root, "generator_version", sps_version());
    cJSON_AddStringToObject(root, "name", m->name);
    cJSON_AddNumberToObject(root, "seed", (double)m->seed);
    char hex[32];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)m->spec_hash);
    cJSON_AddStringToObject(root, "spec_fnv1a64", hex);
    cJSON_AddStringToObject(root, "coordinates", "DICOM patient LPS, mm; angles in degrees");
    cJSON_AddItemToObject(root, "series", series_json(m));

    cJSON *verts = cJSON_AddArrayToObject(root, "vertebrae");
    for (int v = 0; v < m->nvert; v++)
        cJSON_AddItemToArray(verts, vertebra_json(m, v));
    cJSON *ls = cJSON_AddArrayToObject(root, "lesions");
    for (int i = 0; i < m->nlesion; i++)
        cJSON_AddItemToArray(ls, lesion_json(m, &m->lesion[i]));

    /* canal model (same at every level) */
    cJSON *cn = cJSON_AddObjectToObject(root, "canal_model_mm");
    add_num(cn, "canal_half_width", m->canal_rx);
    add_num(cn, "canal_half_depth", m->canal_ry);
    add_num(cn, "sac_half_width", m->sac_rx);
    add_num(cn, "sac_half_depth", m->sac_ry);
    add_num(cn, "sac_offset_posterior", m->sac_off);
    add_num(cn, "cord_half_width", m->cord_rx);
    add_num(cn, "cord_half_depth", m->cord_ry);
    add_num(cn, "cord_offset_posterior", m->cord_off);
    cJSON_AddStringToObject(cn, "conus", "cord tapers to nothing across L1; no cord below L1");

    int f = m->focus;
    /* alignment */
    cJSON *al = cJSON_AddObjectToObject(root, "alignment");
    if (m->align_vert >= 0) {
        char seg[16];
        snprintf(seg, sizeof seg, "%s-%s", m->vert[m->align_vert].name, m->vert[m->align_vert + 1].name);
        cJSON_AddStringToObject(al, "motion_segment", seg);
    } else {
        cJSON_AddNullToObject(al, "motion_segment");
    }
    cJSON *tr = cJSON_AddObjectToObject(al, "translation_mm");
    add_num(tr, "left", m->translation_mm[0]);
    add_num(tr, "posterior", m->translation_mm[1]);
    add_num(tr, "magnitude", hypot(m->translation_mm[0], m->translation_mm[1]));
    add_num(al, "kyphosis_deg_prescribed", m->kyphosis_deg);
    add_num(al, "scoliosis_deg_prescribed", m->scoliosis_deg);
    if (f > 0 && f + 1 < m->nvert) {
        double up[6][3], dn[6][3];
        six_points(m, f - 1, up);
        six_points(m, f + 1, dn);
        /* §5 method (a): superior endplate of the vertebra above to inferior endplate below */
        add_num(al, "segmental_kyphosis_deg_focus", sag_angle(up[0], up[2]) - sag_angle(dn[3], dn[5]));
        const ph_vert *a = &m->vert[f - 1], *b = &m->vert[f + 1];
        add_num(al, "segmental_coronal_deg_focus",
                (atan2(a->rot[0][2], a->rot[2][2]) - atan2(b->rot[0][2], b->rot[2][2])) * 180.0 / M_PI);
    }
    cJSON_AddStringToObject(al, "note",
                            "translation/angles are prescribed rigid motions of every vertebra cranial to the "
                            "motion segment (rotation about the disc centre, then translation); collapse does not "
                            "tilt the column above (wedge_angle_deg per vertebra shows the body's own wedge)");

    /* epidural */
    cJSON *ep = cJSON_AddObjectToObject(root, "epidural");
    if (m->epi_vert >= 0) {
        const ph_vert *v = &m->vert[m->epi_vert];
        cJSON_AddStringToObject(ep, "level", v->name);
        cJSON_AddStringToObject(ep, "bilsky", ph_bilsky_token[m->bilsky]);
        double o[3] = {0, v->b + m->canal_ry, 0}, c[3];
        ph_to_world(m, m->epi_vert, o, c);
        cJSON_AddItemToObject(ep, "section_canal_center_lps", vec3(c));
        double nz[3] = {v->rot[0][2], v->rot[1][2], v->rot[2][2]};
        cJSON_AddItemToObject(ep, "section_normal_lps", vec3(nz));
        ph_areas ar;
        ph_section_areas(m, m->epi_vert, 0.0, &ar);
        cJSON_AddItemToObject(ep, "areas_mm2", areas_json(&ar));
        int rv = m->epi_vert > 0 ? m->epi_vert - 1 : m->epi_vert + 1;
        ph_areas rf;
        ph_section_areas(m, rv, 0.0, &rf);
        cJSON *ra = areas_json(&rf);
        cJSON_AddStringToObject(ra, "level", m->vert[rv].name);
        cJSON_AddItemToObject(ep, "reference_areas_mm2", ra);
        double cs = v->level < 12 ? 1.0 : v->level == 12 ? sqrt(0.5) : 0.0;
        double sac_front = m->sac_off - m->sac_ry, cord_front = m->cord_off - m->cord_ry * cs;
        double front = m->bilsky > 0 ? m->epi_front : -m->canal_ry;
        cJSON *g = cJSON_AddObjectToObject(ep, "midline_mm_from_canal_center");
        add_num(g, "canal_front", -m->canal_ry);
        add_num(g, "tumour_front", front);
        add_num(g, "sac_front_undeformed", sac_front);
        add_num(g, "cord_front_uncompressed", cord_front);
        cJSON_AddBoolToObject(ep, "epidural_tumour_present", m->bilsky > 0);
        cJSON_AddBoolToObject(ep, "tumour_touches_sac", m->bilsky > 0 && front >= sac_front);
        cJSON_AddBoolToObject(ep, "tumour_touches_cord", m->bilsky > 0 && cs > 0 && front >= cord_front);
        cJSON_AddBoolToObject(ep, "cord_compressed", m->bilsky > 0 && cs > 0 && front > cord_front);
        add_num(ep, "tumour_cord_gap_mm", m->bilsky > 0 && cs > 0 ? fmax(0.0, cord_front - front) : -1);
        cJSON_AddBoolToObject(ep, "csf_visible_around_cord", ar.csf > 0.5);
    }

    /* expected categories for the focus level */
    cJSON *ex = cJSON_AddObjectToObject(root, "expected");
    const ph_vert *fv = &m->vert[f];
    cJSON_AddStringToObject(ex, "level", fv->name);
    cJSON *near = cJSON_CreateArray();
    cJSON *notes = cJSON_CreateArray();
    cJSON *sins = cJSON_AddObjectToObject(ex, "sins");
    cJSON_AddStringToObject(sins, "location", location_token(fv->level)); /* §1.2 */
    const ph_lesion *fl = NULL;
    for (int i = 0; i < m->nlesion; i++)
        if (m->lesion[i].vert == f)
            fl = &m->lesion[i];
    static const char *const cls[3] = {"lytic", "blastic", "mixed"};
    if (fl)
        cJSON_AddStringToObject(sins, "bone_lesion", cls[fl->cls]); /* §1.1, by construction */
    else
        cJSON_AddNullToObject(sins, "bone_lesion");
    if (m->acq.is_mr)
        cJSON_AddItemToArray(notes, cJSON_CreateString(
                                        "bone_lesion is scored on CT (clinical-reference.md §1.4); on this MR "
                                        "phantom it is the construction class, not an image-derivable value"));
    /* §1.4 / §5: translation present -> 4 points; de novo kyphosis/scoliosis -> 2; the most
     * points win when both apply. Applies when the prescribed motion segment is at the focus. */
    const char *align = "normal";
    if (m->align_vert >= 0 && (m->align_vert == f || m->align_vert == f - 1)) {
        double t = hypot(m->translation_mm[0], m->translation_mm[1]);
        if (t > 0)
            align = "subluxation_translation";
        else if (m->kyphosis_deg != 0 || m->scoliosis_deg != 0)
            align = "de_novo_deformity";
        /* §5 project convention (models/measurement.json alignment.*): translation is proposed
         * from 2 mm, a deformity from 10 degrees. Prescribed values below or near these are
         * still the construction truth, but a measuring tool would not propose them. */
        char b[160];
        if (t > 0 && t < 3.0) {
            snprintf(b, sizeof b, "translation %.2f mm is below or within 1 mm of the 2 mm proposal threshold", t);
            cJSON_AddItemToArray(near, cJSON_CreateString(b));
        }
        double ang[2] = {fabs(m->kyphosis_deg), fabs(m->scoliosis_deg)};
        for (int k = 0; k < 2; k++)
            if (ang[k] > 0 && ang[k] < 12.0) {
                snprintf(b, sizeof b, "%s %.2f deg is below or within 2 deg of the 10 deg proposal threshold",
                         k ? "scoliosis" : "kyphosis", ang[k]);
                cJSON_AddItemToArray(near, cJSON_CreateString(b));
            }
    }
    cJSON_AddStringToObject(sins, "alignment", align);
    /* §1.4 collapse: > 50 % -> gt50; collapse present (Genant 1, >= 20 %) up to 50 % -> lt50;
     * otherwise > 50 % of the body involved -> no_collapse_gt50_involved; else none. */
    double pct[3];
    double mx = collapse_max(m, f, pct);
    double frac = fl ? fl->body_fraction : 0.0;
    const char *col = mx > 50.0   ? "gt50"
                      : mx >= 20.0 ? "lt50"
                      : frac > 0.5 ? "no_collapse_gt50_involved"
                                   : "none";
    cJSON_AddStringToObject(sins, "collapse", col);
    add_near(near, "collapse_pct", mx, 50.0, 2.0);
    add_near(near, "collapse_pct", mx, 20.0, 2.0);
    if (fl)
        add_near(near, "body_fraction x100", 100.0 * frac, 50.0, 2.0);
    int left = fl && (fl->pedicle[0] || fl->facet[0] || fl->costo[0]);
    int right = fl && (fl->pedicle[1] || fl->facet[1] || fl->costo[1]);
    cJSON_AddStringToObject(sins, "posterolateral",
                            left && right ? "bilateral" : (left || right) ? "unilateral" : "none");
    cJSON_AddNullToObject(sins, "pain");
    cJSON_AddItemToArray(notes, cJSON_CreateString("pain is a clinical input; a phantom has none"));
    cJSON_AddNumberToObject(ex, "genant_grade", genant_grade(mx));
    add_near(near, "collapse_pct (Genant band)", mx, 25.0, 1.0);
    add_near(near, "collapse_pct (Genant band)", mx, 40.0, 1.0);
    /* ESCC (§2): the constructed grade; "0" when no epidural tumour was specified */
    cJSON_AddStringToObject(ex, "bilsky", m->epi_vert >= 0 ? ph_bilsky_token[m->bilsky] : "0");
    if (m->epi_vert >= 0 && m->epi_vert != f) {
        char b[96];
        snprintf(b, sizeof b, "the epidural tumour is at %s, not at the focus level", m->vert[m->epi_vert].name);
        cJSON_AddItemToArray(notes, cJSON_CreateString(b));
    }
    if (m->epi_vert >= 0 && m->vert[m->epi_vert].level > 11)
        cJSON_AddItemToArray(notes, cJSON_CreateString(
                                        "Bilsky at L1 and below is an analogy (conus/cauda equina), §2"));
    if (m->epi_vert >= 0 && m->acq.is_t1)
        cJSON_AddItemToArray(notes, cJSON_CreateString(
                                        "Bilsky is graded on axial T2 (clinical-reference.md §2); this T1-like "
                                        "series carries the constructed grade only"));
    cJSON_AddItemToObject(ex, "near_threshold", near);
    cJSON_AddItemToObject(ex, "notes", notes);
    cJSON_AddStringToObject(ex, "rules",
                            "clinical-reference.md §1.2 (location), §1.4 (collapse, posterolateral, "
                            "alignment), §4.1 (Genant), §2 (Bilsky); thresholds to be checked against models/");

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return sps_error_set(err, SPS_ENOMEM, "truth.json", "out of memory while printing");
    *out = text;
    return SPS_OK;
}
