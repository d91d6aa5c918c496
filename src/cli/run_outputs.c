/* run_outputs.c — snapshots, DICOM SR and Secondary Captures of `spinescore run` (see run_outputs.h).
 * Every number drawn comes from the measurement JSON of this run (or from the measure library
 * called again with the inputs that JSON records) and from the decision; nothing is re-derived. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "run_outputs.h"
#include "util_internal.h"

#ifdef SPS_HAVE_RENDER
#include "spinescore/render.h"
#endif
#ifdef SPS_HAVE_DICOM_SR
#include "spinescore/report_dicom.h"
#endif

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double jnum(const cJSON *o, const char *k, double dflt)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void part_failed(sps_run_parts *parts, const char *what, const sps_error *err)
{
    parts->failed++;
    if (err && err->code == SPS_EIO)
        parts->io_failed++;
    if (err && err->where[0])
        fprintf(stderr, "spinescore run: %s not written: %s: %s\n", what, err->where, err->message);
    else
        fprintf(stderr, "spinescore run: %s not written: %s\n", what, err ? err->message : "");
}

/* One snapshot written: its file name (relative to snapshots/) and what it shows, for the SC. */
typedef struct snap {
    char name[64];
    char description[160];
    size_t part; /**< the series it was drawn on (index into the run's pipelines) */
} snap;

#ifdef SPS_HAVE_RENDER

typedef struct snap_ctx {
    sps_run_parts *parts;
    const sps_run_out *o;
    const sps_pipeline *p;
    const sps_models *models;
    sps_render_options opt;
    snap list[16];
    size_t n;
    size_t part; /* index of c->p among the run's pipelines */
} snap_ctx;

static int snap_path(const snap_ctx *c, const char *name, char *path, size_t size)
{
    int w = snprintf(path, size, "%s/snapshots/%s", c->o->stage, name);
    return w > 0 && (size_t)w < size;
}

static void snap_done(snap_ctx *c, sps_status st, const char *name, const char *description, const sps_error *err)
{
    if (st != SPS_OK) {
        char what[96];
        snprintf(what, sizeof what, "snapshot %s", name);
        part_failed(c->parts, what, err);
        return;
    }
    if (c->n < sizeof c->list / sizeof c->list[0]) {
        sps_strlcpy(c->list[c->n].name, name, sizeof c->list[c->n].name);
        sps_strlcpy(c->list[c->n].description, description, sizeof c->list[c->n].description);
        c->list[c->n].part = c->part;
        c->n++;
    }
    c->parts->snapshots++;
}

/* Sagittal morphometry: the six points of the level and of the reference vertebrae the collapse
 * measurement used (evidence reference_above/below); the collapse numbers are those of the
 * measure library called again with the inputs the evidence records (points, neighbours,
 * body-involved fraction), checked against the measured category. */
static void snap_morphometry(snap_ctx *c, const char *level, const cJSON *coll)
{
    sps_morpho6 t, up, dn;
    if (!coll || !sps_annotations_has_morpho6(c->p->annotations, level, &t))
        return;
    const char *above = jstr(coll, "reference_above"), *below = jstr(coll, "reference_below");
    int has_up = above && sps_annotations_has_morpho6(c->p->annotations, above, &up);
    int has_dn = below && sps_annotations_has_morpho6(c->p->annotations, below, &dn);
    sps_error err;
    sps_error_clear(&err);
    sps_collapse col;
    char name[64], path[4400], desc[160];
    snprintf(name, sizeof name, "%s-collapse.png", level);
    snprintf(desc, sizeof desc, "%s sagittal morphometry: six points, heights, collapse %%, Genant grade", level);
    sps_status st = sps_measure_collapse(&col, c->models, &t, has_up ? &up : NULL, has_dn ? &dn : NULL,
                                         jnum(coll, "body_involved_fraction", NAN), &err);
    if (st == SPS_OK && fabs(col.collapse_pct - jnum(coll, "collapse_pct", NAN)) > 1e-6)
        st = sps_error_set(&err, SPS_EINTERNAL, level, "collapse %.2f %% differs from the measured %.2f %%",
                           col.collapse_pct, jnum(coll, "collapse_pct", NAN));
    if (st == SPS_OK) {
        sps_render_morphometry in = {level, t, has_up ? &up : NULL, above, has_dn ? &dn : NULL, below, &col};
        st = snap_path(c, name, path, sizeof path)
                 ? sps_render_morphometry_png(path, c->p->volume, &in, &c->opt, NULL, &err)
                 : sps_error_set(&err, SPS_EINVALID, name, "path too long");
    }
    snap_done(c, st, name, desc, &err);
}

/* Lesion density: the first lesion region of the level and the first normal-bone reference region
 * (the regions the measurement used), with the statistics and class the measurement recorded. */
static void snap_lesion(snap_ctx *c, const char *level, const cJSON *bl, const cJSON *lesion)
{
    if (!bl)
        return;
    const sps_annotations *a = c->p->annotations;
    sps_annotation_region les, ref, g;
    int has_les = 0, has_ref = 0;
    for (size_t i = 0; sps_annotations_region(a, i, &g); i++) {
        if (!has_les && strcmp(g.role, "lesion") == 0 && strcmp(g.level, level) == 0)
            les = g, has_les = 1;
        else if (!has_ref && strcmp(g.role, "reference_bone") == 0)
            ref = g, has_ref = 1;
    }
    if (!has_les)
        return;
    sps_render_lesion in;
    memset(&in, 0, sizeof in);
    in.level = level;
    const sps_annotation_region *src[2] = {&les, has_ref ? &ref : NULL};
    sps_render_region *dst[2] = {&in.lesion, &in.reference};
    for (int k = 0; k < 2; k++) {
        if (!src[k])
            continue;
        if (src[k]->polygon) {
            dst[k]->kind = SPS_RENDER_REGION_POLYGON;
            dst[k]->polygon.lps = src[k]->polygon_lps;
            dst[k]->polygon.count = src[k]->npolygon;
        } else {
            dst[k]->kind = SPS_RENDER_REGION_SPHERE;
            memcpy(dst[k]->centre_lps, src[k]->centre_lps, sizeof dst[k]->centre_lps);
            dst[k]->radius_mm = src[k]->radius_mm;
        }
    }
    in.lesion_stats.mean = jnum(bl, "lesion_mean_hu", NAN);
    in.lesion_stats.sd = jnum(bl, "lesion_sd_hu", NAN);
    in.lesion_stats.n = (size_t)jnum(bl, "lesion_voxels", 0);
    in.reference_stats.mean = jnum(bl, "reference_mean_hu", NAN);
    in.reference_stats.sd = jnum(bl, "reference_sd_hu", NAN);
    in.reference_stats.n = (size_t)jnum(bl, "reference_voxels", 0);
    in.has_thresholds = 1;
    in.lytic_below = jnum(bl, "lytic_below_hu", NAN);
    in.blastic_above = jnum(bl, "blastic_above_hu", NAN);
    in.fraction_lytic = jnum(bl, "fraction_lytic", NAN);
    in.fraction_blastic = jnum(bl, "fraction_blastic", NAN);
    const cJSON *comp = jget(jget(lesion, "sins"), "bone_lesion");
    in.lesion_class = jstr(comp, "value"); /* absent: indeterminate, the reader decides */
    sps_error err;
    sps_error_clear(&err);
    char name[64], path[4400], desc[160];
    snprintf(name, sizeof name, "%s-lesion.png", level);
    snprintf(desc, sizeof desc, "%s bone lesion: lesion and normal-bone reference regions, HU statistics, class", level);
    sps_status st = snap_path(c, name, path, sizeof path)
                        ? sps_render_lesion_png(path, c->p->volume, &in, &c->opt, NULL, &err)
                        : sps_error_set(&err, SPS_EINVALID, name, "path too long");
    snap_done(c, st, name, desc, &err);
}

/* Alignment: the segment whose translation the measurement reported (upper over lower), with the
 * endplate lines of the vertebrae above and below the level; the numbers are those of the measure
 * library called again with these landmarks, checked against the recorded ones. */
static void snap_alignment(snap_ctx *c, const char *level, const cJSON *al)
{
    const sps_annotations *a = c->p->annotations;
    char lv_up[8], lv_dn[8];
    sps_morpho6 t, up, dn;
    const char *seg = jstr(al, "translation_segment");
    if (!al || !seg || !sps_annotations_adjacent_level(a, level, -1, lv_up) ||
        !sps_annotations_adjacent_level(a, level, +1, lv_dn) || !sps_annotations_has_morpho6(a, level, &t) ||
        !sps_annotations_has_morpho6(a, lv_up, &up) || !sps_annotations_has_morpho6(a, lv_dn, &dn))
        return;
    int lower_seg = strcmp(seg, level) == 0; /* level over the vertebra below; else above over level */
    const sps_morpho6 *u = lower_seg ? &t : &up, *l = lower_seg ? &dn : &t;
    sps_render_alignment in;
    memset(&in, 0, sizeof in);
    in.upper_level = lower_seg ? level : lv_up;
    in.lower_level = lower_seg ? lv_dn : level;
    in.angle_upper_level = lv_up; /* the Cobb spans the vertebra above to the vertebra below */
    in.angle_lower_level = lv_dn;
    sps_alignment_input *pi = &in.points;
    memcpy(pi->upper_post_inf, u->inf_post, sizeof pi->upper_post_inf);
    memcpy(pi->lower_post_sup, l->sup_post, sizeof pi->lower_post_sup);
    memcpy(pi->lower_post_inf, l->inf_post, sizeof pi->lower_post_inf);
    memcpy(pi->lower_ant_sup, l->sup_ant, sizeof pi->lower_ant_sup);
    memcpy(pi->upper_end_post, up.sup_post, sizeof pi->upper_end_post);
    memcpy(pi->upper_end_ant, up.sup_ant, sizeof pi->upper_end_ant);
    memcpy(pi->lower_end_post, dn.inf_post, sizeof pi->lower_end_post);
    memcpy(pi->lower_end_ant, dn.inf_ant, sizeof pi->lower_end_ant);
    sps_error err;
    sps_error_clear(&err);
    char name[64], path[4400], desc[160];
    snprintf(name, sizeof name, "%s-alignment.png", level);
    snprintf(desc, sizeof desc, "%s-%s sagittal alignment: posterior-wall translation (mm), segmental angle (deg)",
             in.upper_level, in.lower_level);
    sps_alignment res;
    sps_status st = sps_measure_alignment(&res, c->models, pi, &err);
    if (st == SPS_OK && (fabs(res.translation_mm - jnum(al, "translation_mm", NAN)) > 1e-6 ||
                         fabs(res.kyphosis_deg - jnum(al, "segmental_kyphosis_deg", NAN)) > 1e-6))
        st = sps_error_set(&err, SPS_EINTERNAL, level,
                           "alignment %.2f mm / %.2f deg differs from the measured %.2f mm / %.2f deg",
                           res.translation_mm, res.kyphosis_deg, jnum(al, "translation_mm", NAN),
                           jnum(al, "segmental_kyphosis_deg", NAN));
    if (st == SPS_OK) {
        /* the coronal angle is not drawn on a sagittal picture: shown as recorded */
        res.coronal_deg = jnum(al, "coronal_deg", NAN);
        in.result = &res;
        st = snap_path(c, name, path, sizeof path)
                 ? sps_render_alignment_png(path, c->p->volume, &in, &c->opt, NULL, &err)
                 : sps_error_set(&err, SPS_EINVALID, name, "path too long");
    }
    snap_done(c, st, name, desc, &err);
}

/* Axial canal at the worst slice: the sac, cord and tumour outlines the ESCC measurement used;
 * the grade is the measure library's on the recorded evidence (areas, tumour-cord distance, CSF
 * rim; the cord AP/transverse extents of the outlines as the measurement takes them), checked
 * against the recorded grade. */
static double extent_along(const double (*pts)[3], size_t n, int axis)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, pts[i][axis]);
        hi = fmax(hi, pts[i][axis]);
    }
    return n ? hi - lo : NAN;
}

static void snap_canal(snap_ctx *c, const char *level, const cJSON *ev, const cJSON *lesion)
{
    const sps_annotations *a = c->p->annotations;
    sps_render_canal in;
    memset(&in, 0, sizeof in);
    in.level = level;
    in.sac.count = sps_annotations_outline(a, level, "sac_outline", "worst", &in.sac.lps, NULL);
    in.cord.count = sps_annotations_outline(a, level, "cord_outline", "worst", &in.cord.lps, NULL);
    in.tumor.count = sps_annotations_outline(a, level, "tumor_outline", "worst", &in.tumor.lps, NULL);
    if (!ev || in.sac.count == 0)
        return;
    const double (*rc)[3] = NULL;
    size_t nrc = sps_annotations_outline(a, NULL, "cord_outline", "reference", &rc, NULL);
    const cJSON *tcd = jget(ev, "tumor_cord_distance_mm");
    sps_escc_input mi = {
        .epidural_tumor = tcd != NULL,
        .sac_area_mm2 = jnum(ev, "sac_area_mm2", NAN), .ref_sac_area_mm2 = jnum(ev, "ref_sac_area_mm2", NAN),
        .cord_area_mm2 = jnum(ev, "cord_area_mm2", NAN), .ref_cord_area_mm2 = jnum(ev, "ref_cord_area_mm2", NAN),
        .cord_ap_mm = extent_along(in.cord.lps, in.cord.count, 1),
        .cord_transverse_mm = extent_along(in.cord.lps, in.cord.count, 0),
        .ref_cord_ap_mm = extent_along(rc, nrc, 1), .ref_cord_transverse_mm = extent_along(rc, nrc, 0),
        .tumor_cord_distance_mm = tcd ? jnum(ev, "tumor_cord_distance_mm", NAN) : INFINITY,
        .csf_rim_fraction = jnum(ev, "csf_rim_fraction", NAN), .pixel_mm = 0,
    };
    const char *grade = jstr(jget(lesion, "escc"), "value");
    sps_error err;
    sps_error_clear(&err);
    char name[64], path[4400], desc[160];
    snprintf(name, sizeof name, "%s-canal.png", level);
    snprintf(desc, sizeof desc, "%s axial canal: thecal sac, cord and epidural tumour outlines, ESCC (Bilsky) grade",
             level);
    sps_escc_finding f;
    sps_status st = sps_measure_escc(&f, c->models, &mi, &err);
    if (st == SPS_OK && (!grade || strcmp(grade, f.grade) != 0))
        st = sps_error_set(&err, SPS_EINTERNAL, level, "ESCC grade %s differs from the measured grade %s", f.grade,
                           grade ? grade : "(none)");
    if (st == SPS_OK) {
        in.measured = &mi;
        in.escc = &f;
        st = snap_path(c, name, path, sizeof path)
                 ? sps_render_canal_png(path, c->p->volume, &in, &c->opt, NULL, &err)
                 : sps_error_set(&err, SPS_EINVALID, name, "path too long");
    }
    snap_done(c, st, name, desc, &err);
}

/* Summary card of the decision lesion at @p level. */
static void snap_summary(snap_ctx *c, const char *level, const char *report_json)
{
    cJSON *root = cJSON_Parse(report_json);
    const cJSON *dec = jget(root, "decision");
    const cJSON *lesions = jget(dec, "lesions"), *l;
    size_t idx = 0, found = (size_t)-1;
    cJSON_ArrayForEach(l, lesions)
    {
        const char *lv = jstr(l, "level");
        if (lv && strcmp(lv, level) == 0 && found == (size_t)-1)
            found = idx;
        idx++;
    }
    sps_error err;
    sps_error_clear(&err);
    char name[64], path[4400], desc[160];
    snprintf(name, sizeof name, "%s-summary.png", level);
    snprintf(desc, sizeof desc, "%s summary card: SINS table, ESCC, NOMS decision, survival scores, alerts", level);
    char *text = dec ? cJSON_PrintUnformatted(dec) : NULL;
    sps_status st;
    if (!text)
        st = sps_error_set(&err, SPS_EINTERNAL, "report.json", "no decision to draw");
    else if (found == (size_t)-1)
        st = sps_error_set(&err, SPS_EINTERNAL, level, "the decision has no lesion at this level");
    else if (!snap_path(c, name, path, sizeof path))
        st = sps_error_set(&err, SPS_EINVALID, name, "path too long");
    else
        st = sps_render_summary_png(path, text, strlen(text), found, c->p->series.series_uid, NULL, &err);
    snap_done(c, st, name, desc, &err);
    cJSON_free(text);
    cJSON_Delete(root);
}

/* A measurement group drawn on this series: a run over several series records which series each
 * group came from (pipeline_merge.c); a single-series run has no such member. */
static const cJSON *on_series(const cJSON *grp, const sps_pipeline *p)
{
    const char *uid = jstr(grp, "series_uid");
    return grp && (!uid || strcmp(uid, p->series.series_uid) == 0) ? grp : NULL;
}

static void write_snapshots(snap_ctx *c, const sps_pipeline *const *ps, size_t nps, const char *mjson,
                            const char *report_json)
{
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/snapshots", c->o->stage);
    if (mkdir(dir, 0777) != 0) {
        sps_error err;
        sps_error_clear(&err);
        sps_error_set(&err, SPS_EIO, dir, "cannot create the folder");
        part_failed(c->parts, "snapshots", &err);
        return;
    }
    cJSON *m = cJSON_Parse(mjson);
    const char *level = jstr(m, "level");
    const cJSON *meas = jget(m, "measurements");
    if (level) {
        const cJSON *lesion = jget(m, "lesion");
        for (size_t i = 0; i < nps; i++) { /* each finding on the series it was measured on */
            c->p = ps[i];
            c->part = i;
            c->opt.series_description = ps[i]->series.series_description;
            c->opt.series_uid = ps[i]->series.series_uid;
            snap_morphometry(c, level, on_series(jget(meas, "collapse"), ps[i]));
            snap_lesion(c, level, on_series(jget(meas, "bone_lesion"), ps[i]), lesion);
            snap_alignment(c, level, on_series(jget(meas, "alignment"), ps[i]));
            snap_canal(c, level, on_series(jget(meas, "escc"), ps[i]), lesion);
        }
        c->p = ps[0];
        c->part = 0;
        snap_summary(c, level, report_json);
    }
    cJSON_Delete(m);
}
#endif /* SPS_HAVE_RENDER */

#ifdef SPS_HAVE_DICOM_SR
/* The source images of the series (header only, DCMTK): what the SR references and where its
 * points are projected; the study header of the first one goes into every derived object. */
static sps_status read_sources(sps_dicom_image_ref **imgs, size_t *n, sps_dicom_study_header *hdr,
                               const sps_pipeline *p, sps_error *err)
{
    *imgs = NULL;
    *n = 0;
    size_t part = sps_dicom_index_find(p->index, p->series.key, NULL);
    if (part == (size_t)-1)
        return sps_error_set(err, SPS_EINTERNAL, p->series.key, "the loaded series is not in the index");
    size_t cap = p->series.frames ? p->series.frames : 1;
    sps_dicom_image_ref *v = calloc(cap, sizeof *v);
    if (!v)
        return sps_error_set(err, SPS_ENOMEM, p->series.key, "out of memory");
    const char *prev = NULL, *f;
    for (size_t j = 0; (f = sps_dicom_index_series_file(p->index, part, j)) && *n < cap; j++) {
        if (prev && strcmp(prev, f) == 0)
            continue; /* the next frame of a multi-frame file */
        prev = f;
        sps_status st = sps_dicom_read_image_ref(f, &v[*n], *n == 0 ? hdr : NULL, err);
        if (st != SPS_OK) {
            if (p->warnings)
                continue; /* a file skipped at load: already reported, exit "partial" */
            free(v);
            *n = 0;
            return st;
        }
        (*n)++;
    }
    if (*n == 0) {
        free(v);
        return sps_error_set(err, SPS_ENOTFOUND, p->series.key, "no readable source image");
    }
    *imgs = v;
    return SPS_OK;
}

/* The snapshots drawn on one series as Secondary Captures in that series' study (a new series). */
static void write_sc(sps_run_parts *parts, const sps_run_out *o, size_t part, const sps_dicom_study_header *hdr,
                     const sps_dicom_image_ref *imgs, size_t nimg, const snap *snaps, size_t nsnaps)
{
    sps_error err;
    sps_error_clear(&err);
    char path[4400], png[4400], series_uid[65] = "";
    for (size_t i = 0; i < nsnaps; i++) {
        if (snaps[i].part != part)
            continue;
        if (!series_uid[0])
            sps_dicom_new_uid(series_uid);
        sps_sc_image sc;
        memset(&sc, 0, sizeof sc);
        sc.study = hdr;
        sc.series_uid = series_uid;
        sc.instance_number = (int)i + 1;
        sc.description = snaps[i].description;
        sc.sources = imgs;
        sc.nsources = nimg;
        char base[64];
        sps_strlcpy(base, snaps[i].name, sizeof base);
        char *dot = strrchr(base, '.');
        if (dot)
            *dot = '\0';
        snprintf(png, sizeof png, "%s/snapshots/%s", o->stage, snaps[i].name);
        snprintf(path, sizeof path, "%s/snapshots-sc/%s.dcm", o->stage, base);
        sps_status st = sps_dicom_write_sc_png(path, png, &sc, NULL, &err);
        if (st == SPS_OK) {
            parts->secondary++;
        } else {
            char what[96];
            snprintf(what, sizeof what, "snapshots-sc/%s.dcm", base);
            part_failed(parts, what, &err);
        }
    }
}

static void write_dicom(sps_run_parts *parts, const sps_run_out *o, const sps_pipeline *const *ps, size_t nps,
                        const sps_report *r, const snap *snaps, size_t nsnaps)
{
    sps_error err;
    sps_error_clear(&err);
    sps_dicom_image_ref *all = NULL; /* the SR's images: every series in the study of the first */
    size_t nall = 0;
    sps_dicom_study_header first;
    memset(&first, 0, sizeof first);
    char path[4400];
    if (nsnaps) {
        snprintf(path, sizeof path, "%s/snapshots-sc", o->stage);
        if (mkdir(path, 0777) != 0) {
            sps_error_set(&err, SPS_EIO, path, "cannot create the folder");
            part_failed(parts, "snapshots-sc/", &err);
            nsnaps = 0;
        }
    }
    for (size_t i = 0; i < nps; i++) {
        sps_dicom_image_ref *imgs = NULL;
        size_t nimg = 0;
        sps_dicom_study_header hdr;
        memset(&hdr, 0, sizeof hdr);
        sps_status st = read_sources(&imgs, &nimg, &hdr, ps[i], &err);
        if (st != SPS_OK) {
            part_failed(parts, i == 0 ? "report-sr.dcm and snapshots-sc/" : "snapshots-sc/ of a series", &err);
            if (i == 0)
                return;
            continue;
        }
        write_sc(parts, o, i, &hdr, imgs, nimg, snaps, nsnaps);
        if (i == 0)
            first = hdr;
        if (i == 0 || strcmp(hdr.study_uid, first.study_uid) == 0) {
            sps_dicom_image_ref *grown = realloc(all, (nall + nimg) * sizeof *all);
            if (grown) {
                all = grown;
                memcpy(all + nall, imgs, nimg * sizeof *imgs);
                nall += nimg;
            }
        }
        free(imgs);
    }
    snprintf(path, sizeof path, "%s/report-sr.dcm", o->stage);
    sps_sr_result res;
    sps_status st = all ? sps_report_write_sr(r, &first, all, nall, path, &res, &err)
                        : sps_error_set(&err, SPS_ENOMEM, path, "out of memory");
    if (st == SPS_OK)
        parts->sr = 1;
    else
        part_failed(parts, "report-sr.dcm", &err);
    free(all);
}
#endif /* SPS_HAVE_DICOM_SR */

void sps_run_write_images(sps_run_parts *parts, const sps_run_out *o, const sps_pipeline *const *ps, size_t nps,
                          const sps_report *r, const sps_models *models, const char *mjson, const char *report_json,
                          int dicom)
{
    memset(parts, 0, sizeof *parts);
    const snap *snaps = NULL;
    size_t nsnaps = 0;
#ifdef SPS_HAVE_RENDER
    parts->have_render = 1;
    snap_ctx c;
    memset(&c, 0, sizeof c);
    c.parts = parts;
    c.o = o;
    c.models = models;
    write_snapshots(&c, ps, nps, mjson, report_json);
    sps_render_release_caches();
    snaps = c.list;
    nsnaps = c.n;
#else
    (void)models;
    (void)mjson;
    (void)report_json;
#endif
#ifdef SPS_HAVE_DICOM_SR
    parts->have_sr = 1;
    parts->dicom_off = !dicom;
    if (dicom)
        write_dicom(parts, o, ps, nps, r, snaps, nsnaps);
#else
    (void)o;
    (void)ps;
    (void)nps;
    (void)r;
    (void)dicom;
    (void)snaps;
    (void)nsnaps;
#endif
}

void sps_run_print_parts(const sps_run_parts *parts, const char *dir)
{
    if (parts->have_render)
        printf("snapshots: %s/snapshots/ (%zu PNG)\n", dir, parts->snapshots);
    else
        printf("snapshots: not in this build (the snapshot renderer, src/render, is missing)\n");
    if (parts->have_sr && parts->dicom_off)
        printf("DICOM:     not written (--no-dicom)\n");
    else if (parts->have_sr)
        printf("DICOM:     %s%s, %s/snapshots-sc/ (%zu Secondary Capture)\n", parts->sr ? dir : "no SR",
               parts->sr ? "/report-sr.dcm" : "", dir, parts->secondary);
    else
        printf("DICOM:     not in this build (the SR and Secondary Capture writers are missing)\n");
}
