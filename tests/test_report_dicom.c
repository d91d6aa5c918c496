#define _POSIX_C_SOURCE 200809L
/* test_report_dicom.c — the TID 1500 Measurement Report and the Secondary Capture writers on a
 * phantom series (sample-data/ct-lytic-t12-collapse, generated into a temp folder): the SR is
 * checked by dciodvfy (dicom3tools: no errors) and read back by dsrdump (dcmtk: coded values,
 * numbers, image coordinates of the truth points); the SC is checked by dciodvfy and decoded back
 * by dcm2pnm (dcmtk) to compare every pixel with the PNG it came from. Skips (77) without the
 * phantom generator or the tools. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cjson/cJSON.h>
#include <png.h>

#include "spinescore/dicom.h"
#include "spinescore/dicom_sr.h"
#include "spinescore/measure.h"
#include "spinescore/report_dicom.h"
#include "test_support.h"

typedef struct fixture {
    char *dir;                   /* temp folder: phantom, outputs */
    cJSON *truth;
    sps_dicom_image_ref *images; /* every slice of the phantom */
    size_t nimages;
    sps_dicom_study_header study;
} fixture;

static int have_tool(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* Run a shell command, capture stdout+stderr. Caller frees. */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else
                buf = nb;
        }
    }
    pclose(p);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static fixture *F;

static int setup(void **state)
{
    const char *phantom = getenv("SPS_PHANTOM");
    if (!phantom || !*phantom) {
        print_message("SKIP: SPS_PHANTOM (the sps-phantom binary) not set\n");
        return -1;
    }
    fixture *f = calloc(1, sizeof *f);
    f->dir = sps_test_mkdtemp();
    *state = f;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s' --out '%s/ph' >/dev/null", phantom,
             sps_test_path("sample-data/ct-lytic-t12-collapse/spec.json"), f->dir);
    if (system(cmd) != 0)
        return -1;
    char p[1024];
    snprintf(p, sizeof p, "%s/ph/truth.json", f->dir);
    FILE *fp = fopen(p, "r");
    if (!fp)
        return -1;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    f->truth = cJSON_Parse(text);
    snprintf(p, sizeof p, "%s/ph/dicom", f->dir);
    DIR *d = opendir(p);
    char *names[1024];
    size_t nn = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && nn < 1024)
        if (strstr(e->d_name, ".dcm"))
            names[nn++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, nn, sizeof names[0], cmp_name);
    f->images = calloc(nn, sizeof *f->images);
    for (size_t i = 0; i < nn; i++) {
        char fp2[1200];
        snprintf(fp2, sizeof fp2, "%s/%s", p, names[i]);
        sps_error err;
        if (sps_dicom_read_image_ref(fp2, &f->images[i], i == 0 ? &f->study : NULL, &err) != SPS_OK) {
            print_error("%s: %s\n", err.where, err.message);
            return -1;
        }
        free(names[i]);
    }
    f->nimages = nn;
    *state = f;
    return f->truth && nn == 80 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    F = NULL;
    if (!f)
        return 0;
    if (getenv("SPS_KEEP_TMP")) /* look at the files yourself */
        fprintf(stderr, "kept %s\n", f->dir);
    else
        sps_test_rmtree(f->dir);
    free(f->dir);
    cJSON_Delete(f->truth);
    free(f->images);
    free(f);
    return 0;
}

static const cJSON *vertebra(const fixture *f, const char *level)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f->truth, "vertebrae"))
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(v, "level");
        if (cJSON_IsString(l) && strcmp(l->valuestring, level) == 0)
            return v;
    }
    return NULL;
}

static const cJSON *t12(const fixture *f)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f->truth, "vertebrae"))
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(v, "level");
        if (cJSON_IsString(l) && strcmp(l->valuestring, "T12") == 0)
            return v;
    }
    return NULL;
}

static void truth_point(const fixture *f, const char *name, double out[3])
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t12(f), "morphometry_points_lps"), name);
    assert_int_equal(cJSON_GetArraySize(p), 3);
    for (int i = 0; i < 3; i++)
        out[i] = cJSON_GetArrayItem(p, i)->valuedouble;
}

static double truth_num(const fixture *f, const char *obj, const char *key)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(t12(f), obj);
    const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(o, key) : o;
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* The slice whose plane holds z (axial phantom: IPP z = first + k * spacing). */
static size_t slice_of(const fixture *f, double z)
{
    size_t best = 0;
    for (size_t i = 0; i < f->nimages; i++)
        if (fabs(f->images[i].position_lps[2] - z) < fabs(f->images[best].position_lps[2] - z))
            best = i;
    return best;
}

static void test_report_dicom__image_refs_and_projection(void **state)
{
    (void)state;
    fixture *f = F;
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(f->truth, "series");
    assert_string_equal(f->study.study_uid, cJSON_GetObjectItemCaseSensitive(series, "study_instance_uid")->valuestring);
    assert_string_equal(f->study.patient_id, "SPS-PHANTOM-12");
    assert_string_equal(f->images[0].sop_class_uid, "1.2.840.10008.5.1.4.1.1.2");
    assert_true(f->images[0].has_geometry);
    sps_assert_near(f->images[0].position_lps[2], -56.15, 1e-6);
    /* the centre of pixel (0,0) of slice 0 is at SCOORD (0.5, 0.5); pixel (10, 20) at (10.5, 20.5) */
    double c, r, dist, p[3] = {-57.15 + 10 * 0.9, -36.25 + 20 * 0.9, -56.15 + 0.3};
    assert_int_equal(sps_dicom_image_project(&f->images[0], p, &c, &r, &dist), 0);
    sps_assert_near(c, 10.5, 1e-9);
    sps_assert_near(r, 20.5, 1e-9);
    sps_assert_near(dist, 0.3, 1e-9);
}

/* Heights of T12 with their truth points, collapse %, alignment and canal numbers, SINS components
 * and the Bilsky grade as coded evaluations. */
static void test_report_dicom__sr_tid1500_reads_back(void **state)
{
    (void)state;
    fixture *f = F;
    if (!have_tool("dsrdump") || !have_tool("dciodvfy"))
        skip();
    double sa[3], sm[3], sp[3], ia[3], im[3], ip[3];
    truth_point(f, "superior_anterior", sa);
    truth_point(f, "superior_middle", sm);
    truth_point(f, "superior_posterior", sp);
    truth_point(f, "inferior_anterior", ia);
    truth_point(f, "inferior_middle", im);
    truth_point(f, "inferior_posterior", ip);
    double ha[2][3], hm[2][3], hp[2][3];
    memcpy(ha[0], sa, sizeof sa);
    memcpy(ha[1], ia, sizeof ia);
    memcpy(hm[0], sm, sizeof sm);
    memcpy(hm[1], im, sizeof im);
    memcpy(hp[0], sp, sizeof sp);
    memcpy(hp[1], ip, sizeof ip);
    const sps_sr_code mm = {"mm", "UCUM", "mm"}, pct = {"%", "UCUM", "%"}, deg = {"deg", "UCUM", "deg"},
                      mm2 = {"mm2", "UCUM", "mm2"};
    sps_sr_measurement ms[] = {
        {{"SPS-HA", "99SPS", "Anterior vertebral body height"}, truth_num(f, "heights_mm", "anterior"), mm,
         (const double(*)[3])ha, 2, NULL},
        {{"SPS-HM", "99SPS", "Middle vertebral body height"}, truth_num(f, "heights_mm", "middle"), mm,
         (const double(*)[3])hm, 2, NULL},
        {{"SPS-HP", "99SPS", "Posterior vertebral body height"}, truth_num(f, "heights_mm", "posterior"), mm,
         (const double(*)[3])hp, 2, NULL},
        {{"SPS-COLLAPSE", "99SPS", "Vertebral body height loss"}, truth_num(f, "collapse_pct", "max"), pct, NULL, 0, NULL},
        {{"SPS-TRANSL", "99SPS", "Segmental translation"}, 0.0, mm, NULL, 0, NULL},
        {{"SPS-KYPHOSIS", "99SPS", "Segmental kyphosis angle"}, 2.5, deg, NULL, 0, NULL},
        {{"SPS-SAC-AREA", "99SPS", "Thecal sac area"}, 131.9, mm2, NULL, 0, NULL},
    };
    sps_sr_evaluation ev[] = {
        {{"SPS-SINS-COLL", "99SPS", "SINS vertebral body collapse"}, {"SINS-COLL-3", "99SPS", "> 50 % collapse"}},
        {{"SPS-SINS-PL", "99SPS", "SINS posterolateral involvement"}, {"SINS-PL-1", "99SPS", "unilateral"}},
        {{"SPS-ESCC", "99SPS", "Bilsky ESCC grade"}, {"ESCC-0", "99SPS", "Bilsky grade 0"}},
    };
    sps_sr_evaluation top[] = {
        {{"SPS-SINS-CAT", "99SPS", "SINS category"}, {"SINS-CAT-PU", "99SPS", "potentially unstable"}},
    };
    sps_sr_group g = {"T12 lesion", NULL, {"SPS-LESION", "99SPS", "Spinal metastatic lesion"},
                      {"SPS-T12", "99SPS", "T12 vertebra"}, ms, sizeof ms / sizeof ms[0], ev, 3, NULL, 0};
    sps_sr_document doc;
    memset(&doc, 0, sizeof doc);
    doc.study = &f->study;
    doc.images = f->images;
    doc.nimages = f->nimages;
    doc.groups = &g;
    doc.ngroups = 1;
    doc.evaluations = top;
    doc.nevaluations = 1;
    char path[1024];
    snprintf(path, sizeof path, "%s/report-sr.dcm", f->dir);
    sps_sr_result res;
    sps_error err;
    sps_error_clear(&err);
    sps_status st = sps_dicom_write_sr(path, &doc, &res, &err);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);
    /* three heights, two points each, on different axial slices: six POINT coordinates */
    assert_int_equal(res.scoords, 6);
    assert_int_equal(res.points_without_image, 0);
    assert_true(strncmp(res.series_uid, f->images[0].series_uid, 64) != 0);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "dciodvfy '%s' 2>&1", path);
    char *out = run(cmd);
    assert_non_null(out);
    if (strstr(out, "Error"))
        print_error("%s\n", out);
    assert_null(strstr(out, "Error"));
    free(out);

    snprintf(cmd, sizeof cmd, "dsrdump +Pu +Pl '%s' 2>&1", path); /* referenced SOP instance UIDs, long values */
    out = run(cmd);
    assert_non_null(out);
    /* document: TID 1500, same patient and study as the source, a new series */
    assert_non_null(strstr(out, "<CONTAINER:(,,\"Imaging Measurement Report\")=SEPARATE>"));
    assert_non_null(strstr(out, "Patient             : PHANTOM^SPINE (O, #SPS-PHANTOM-12)"));
    sps_dicom_image_ref srref;
    sps_dicom_study_header srhdr;
    assert_int_equal(sps_dicom_read_image_ref(path, &srref, &srhdr, &err), SPS_OK);
    assert_string_equal(srhdr.study_uid, f->study.study_uid);
    assert_string_equal(srhdr.patient_id, f->study.patient_id);
    assert_string_equal(srref.series_uid, res.series_uid);
    assert_string_equal(srref.sop_instance_uid, res.sop_instance_uid);
    assert_string_equal(srref.modality, "SR");
    /* numbers with UCUM units */
    char want[256];
    snprintf(want, sizeof want, "\"Anterior vertebral body height\")=\"%g\" (mm,UCUM,\"mm\")",
             truth_num(f, "heights_mm", "anterior"));
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "\"Vertebral body height loss\")=\"60\" (%,UCUM,\"%\")"));
    assert_non_null(strstr(out, "\"Segmental kyphosis angle\")=\"2.5\" (deg,UCUM,\"deg\")"));
    assert_non_null(strstr(out, "\"Thecal sac area\")=\"131.9\" (mm2,UCUM,\"mm2\")"));
    /* coded qualitative evaluations, in the group and at report level */
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS vertebral body collapse\")=(SINS-COLL-3,99SPS,\"> 50 % collapse\")>"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"Bilsky ESCC grade\")=(ESCC-0,99SPS,\"Bilsky grade 0\")>"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS category\")=(SINS-CAT-PU,99SPS,\"potentially unstable\")>"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"Finding\")=(SPS-LESION,99SPS,\"Spinal metastatic lesion\")>"));
    /* each truth point of the anterior height on its own slice, at its pixel: the first SCOORD
     * after the Ha item is the superior point, the second the inferior one */
    const char *at = strstr(out, "\"Anterior vertebral body height\"");
    const double *pts[2] = {sa, ia};
    for (int i = 0; i < 2; i++) {
        at = strstr(at, "=(POINT,");
        assert_non_null(at);
        double c = NAN, r = NAN, ec, er, dist;
        assert_int_equal(sscanf(at, "=(POINT,%lf/%lf)", &c, &r), 2);
        size_t k = slice_of(f, pts[i][2]);
        sps_dicom_image_project(&f->images[k], pts[i], &ec, &er, &dist);
        assert_true(dist <= 0.75); /* within half a slice gap (1.5 mm) */
        sps_assert_near(c, ec, 1e-4);
        sps_assert_near(r, er, 1e-4);
        /* (0, -10.32) in a 0.9-mm grid starting at (-57.15, -36.25): column 64, row 29.31 */
        sps_assert_near(c, (pts[i][0] + 57.15) / 0.9 + 0.5, 1e-4);
        sps_assert_near(r, (pts[i][1] + 36.25) / 0.9 + 0.5, 1e-4);
        const char *sel = strstr(at, "selected from IMAGE:=(CT image,\"");
        assert_non_null(sel);
        assert_memory_equal(sel + strlen("selected from IMAGE:=(CT image,\""), f->images[k].sop_instance_uid,
                            strlen(f->images[k].sop_instance_uid));
        at = sel;
    }
    free(out);
    /* the evidence sequence lists every source image */
    snprintf(cmd, sizeof cmd, "dcmdump +P '0040,a375[0].0008,1115[0].0008,1199[*].0008,1155' '%s' 2>&1 | grep -c ReferencedSOPInstanceUID", path);
    out = run(cmd);
    assert_int_equal(atoi(out), (int)f->nimages);
    free(out);
}

/* A PNG with known pixels (libpng writes it) becomes a Secondary Capture; dcm2pnm decodes the SC
 * back and every pixel matches. */
static void test_report_dicom__sc_pixels_round_trip(void **state)
{
    (void)state;
    fixture *f = F;
    if (!have_tool("dciodvfy") || !have_tool("dcm2pnm"))
        skip();
    const unsigned w = 67, h = 45; /* odd sizes: no padding may shift a row */
    unsigned char *rgb = malloc(w * h * 3);
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < w; x++) {
            unsigned char *p = rgb + 3 * (y * w + x);
            p[0] = (unsigned char)(x * 3);
            p[1] = (unsigned char)(y * 5);
            p[2] = (unsigned char)((x * y) & 0xff);
        }
    char png[1024], dcm[1024], back[1024];
    snprintf(png, sizeof png, "%s/snap.png", f->dir);
    snprintf(dcm, sizeof dcm, "%s/snap-sc.dcm", f->dir);
    snprintf(back, sizeof back, "%s/back.png", f->dir);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = w;
    img.height = h;
    img.format = PNG_FORMAT_RGB;
    assert_true(png_image_write_to_file(&img, png, 0, rgb, 0, NULL));

    char series[65], sop[65];
    sps_dicom_new_uid(series);
    sps_sc_image sc;
    memset(&sc, 0, sizeof sc);
    sc.study = &f->study;
    sc.series_uid = series;
    sc.instance_number = 1;
    sc.description = "test pattern";
    sc.sources = &f->images[40];
    sc.nsources = 1;
    sps_error err;
    sps_status st = sps_dicom_write_sc_png(dcm, png, &sc, sop, &err);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);

    char cmd[3200];
    snprintf(cmd, sizeof cmd, "dciodvfy '%s' 2>&1", dcm);
    char *out = run(cmd);
    if (strstr(out, "Error"))
        print_error("%s\n", out);
    assert_null(strstr(out, "Error"));
    free(out);

    /* same study and patient, new series, the SOP UID we were given */
    sps_dicom_image_ref ref;
    sps_dicom_study_header hdr;
    assert_int_equal(sps_dicom_read_image_ref(dcm, &ref, &hdr, &err), SPS_OK);
    assert_string_equal(hdr.study_uid, f->study.study_uid);
    assert_string_equal(hdr.patient_id, f->study.patient_id);
    assert_string_equal(ref.series_uid, series);
    assert_string_equal(ref.sop_instance_uid, sop);
    assert_string_equal(ref.sop_class_uid, "1.2.840.10008.5.1.4.1.1.7");
    assert_int_equal(ref.rows, h);
    assert_int_equal(ref.cols, w);

    snprintf(cmd, sizeof cmd, "dcm2pnm +on '%s' '%s' 2>&1", dcm, back);
    out = run(cmd);
    free(out);
    unsigned char *dec = NULL;
    unsigned dw = 0, dh = 0;
    assert_int_equal(sps_png_read_rgb(back, &dec, &dw, &dh, &err), SPS_OK);
    assert_int_equal(dw, w);
    assert_int_equal(dh, h);
    assert_memory_equal(dec, rgb, (size_t)w * h * 3);
    free(dec);
    free(rgb);

    /* a file that is not a PNG is refused, named */
    assert_int_equal(sps_dicom_write_sc_png(dcm, dcm, &sc, NULL, &err), SPS_EFORMAT);
    assert_non_null(strstr(err.where, "snap-sc.dcm"));
}

/* Number after `"name")="` in dsrdump output, or NaN. */
static double sr_number(const char *out, const char *name)
{
    char key[160];
    snprintf(key, sizeof key, "\"%s\")=\"", name);
    const char *p = strstr(out, key);
    return p ? atof(p + strlen(key)) : NAN;
}

/* End to end: annotations at the phantom's truth points of T11, T12 and L1 (and the left pedicle
 * the spec replaces) -> measurements -> report with the clinical file (alignment overridden) ->
 * TID 1500 SR. Truth: T12 Ha/Hm/Hp 9.52/13.09/21.42 mm, collapse gt50, alignment normal,
 * posterolateral unilateral (truth.json "expected"). Final SINS: location T12 junctional 3 + pain
 * mechanical 3 + lytic 2 + alignment overridden de novo deformity 2 + gt50 3 + unilateral 1 = 14
 * (unstable, clinical-reference.md §1.3); ESCC 0 (low) without myelopathy, renal cell
 * (radioresistant), unstable -> NOMS row 4, stabilisation followed by SRS (§6.1). */
static void test_report_dicom__report_sr_end_to_end(void **state)
{
    (void)state;
    fixture *f = F;
    if (!have_tool("dsrdump") || !have_tool("dciodvfy"))
        skip();
    sps_models *models = NULL;
    sps_error err;
    assert_int_equal(sps_models_load_builtin(&models, &err), SPS_OK);
    static const char *const roles[6][2] = {{"superior_anterior", "sup_ant"},   {"superior_middle", "sup_mid"},
                                            {"superior_posterior", "sup_post"}, {"inferior_anterior", "inf_ant"},
                                            {"inferior_middle", "inf_mid"},     {"inferior_posterior", "inf_post"}};
    static const char *const levels[3] = {"T11", "T12", "L1"};
    cJSON *ann = cJSON_CreateObject();
    cJSON_AddStringToObject(ann, "format", "spinescore-annotations");
    cJSON_AddNumberToObject(ann, "version", 1);
    cJSON *pts = cJSON_AddArrayToObject(ann, "points");
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < 6; k++) {
            const cJSON *src = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(vertebra(f, levels[l]), "morphometry_points_lps"), roles[k][0]);
            assert_non_null(src);
            cJSON *pt = cJSON_CreateObject();
            cJSON_AddStringToObject(pt, "level", levels[l]);
            cJSON_AddStringToObject(pt, "role", roles[k][1]);
            cJSON_AddItemToObject(pt, "lps", cJSON_Duplicate(src, 1));
            cJSON_AddItemToArray(pts, pt);
        }
    cJSON *ped = cJSON_CreateObject();
    cJSON_AddStringToObject(ped, "level", "T12");
    cJSON_AddStringToObject(ped, "role", "left_pedicle");
    double pl[3] = {12.0, 15.0, 6.0};
    cJSON_AddItemToObject(ped, "lps", cJSON_CreateDoubleArray(pl, 3));
    cJSON_AddItemToArray(pts, ped);
    cJSON *vs = cJSON_AddArrayToObject(ann, "vertebrae");
    cJSON *v12 = cJSON_CreateObject();
    cJSON_AddStringToObject(v12, "level", "T12");
    cJSON_AddBoolToObject(v12, "involved", 1);
    cJSON_AddNumberToObject(v12, "body_involved_fraction", 0.6);
    cJSON_AddItemToArray(vs, v12);
    char *atext = cJSON_PrintUnformatted(ann);
    cJSON_Delete(ann);
    sps_annotations *a = NULL;
    assert_int_equal(sps_annotations_parse(&a, models, atext, strlen(atext), "truth.annotations.json", NULL, NULL, &err),
                     SPS_OK);
    free(atext);
    char *mj = NULL;
    assert_int_equal(sps_measure_lesion_json(&mj, models, a, "T12", &err), SPS_OK);
    sps_annotations_free(a);

    const char *clinical =
        "{\"case_id\": \"PHANTOM-12\", \"patient\": {\"histology\": \"renal_cell\", \"myelopathy\": false, "
        "\"tolerates_surgery\": true}, \"lesions\": [{\"level\": \"T12\", \"escc\": \"0\", \"sins\": {\"pain\": "
        "\"mechanical\", \"bone_lesion\": \"lytic\", \"alignment\": {\"value\": \"de_novo_deformity\", \"source\": "
        "\"overridden\", \"reason\": \"new kyphosis against the prior study\"}}}]}";
    sps_report_inputs in;
    memset(&in, 0, sizeof in);
    in.study_uid = f->study.study_uid;
    sps_report *r = NULL;
    assert_int_equal(sps_report_new(&r, models, &in, clinical, strlen(clinical), "c.json", &err), SPS_OK);
    assert_int_equal(sps_report_add_measurements(r, mj, strlen(mj), &err), SPS_OK);
    free(mj);
    assert_int_equal(sps_report_decide(r, models, NULL, &err), SPS_OK);

    char path[1024];
    snprintf(path, sizeof path, "%s/report-sr.dcm", f->dir);
    sps_sr_result res;
    sps_status st = sps_report_write_sr(r, &f->study, f->images, f->nimages, path, &res, &err);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    assert_int_equal(st, SPS_OK);
    assert_int_equal(res.scoords, 6);
    assert_int_equal(res.points_without_image, 0);
    sps_report_free(r);
    sps_models_free(models);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "dciodvfy '%s' 2>&1", path);
    char *out = run(cmd);
    if (strstr(out, "Error"))
        print_error("%s\n", out);
    assert_null(strstr(out, "Error"));
    free(out);
    snprintf(cmd, sizeof cmd, "dsrdump +Pu +Pl '%s' 2>&1", path);
    out = run(cmd);
    sps_assert_near(sr_number(out, "Anterior vertebral body height"), truth_num(f, "heights_mm", "anterior"), 0.01);
    sps_assert_near(sr_number(out, "Middle vertebral body height"), truth_num(f, "heights_mm", "middle"), 0.01);
    sps_assert_near(sr_number(out, "Posterior vertebral body height"), truth_num(f, "heights_mm", "posterior"), 0.01);
    sps_assert_near(sr_number(out, "Vertebral body height loss"), truth_num(f, "collapse_pct", "max"), 0.1);
    /* no prescribed translation; the posterior corners sit at 0.8 b of each body (docs/phantoms.md:
     * b = 8.5 + 0.4 L, T11 12.5 mm, T12 12.9 mm), so T11's corner is 0.8 * 0.4 = 0.32 mm anterior
     * of T12's wall: below the 2-mm subluxation threshold, alignment "normal" as the truth says */
    sps_assert_near(sr_number(out, "Segmental translation"), 0.32, 0.01);
    sps_assert_near(sr_number(out, "SINS total score"), 14, 0);
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS vertebral body collapse\")=(SINS-COLL-3,99SPS,"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS posterolateral involvement\")=(SINS-PL-1,99SPS,"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS radiographic spinal alignment\")=(SINS-ALIGN-2,99SPS,"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS location\")=(SINS-LOC-3,99SPS,"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"Bilsky ESCC grade\")=(ESCC-0,99SPS,\"Bilsky grade 0\")>"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"SINS category\")=(SINS-CAT-U,99SPS,\"unstable\")>"));
    assert_non_null(strstr(out, "<contains CODE:(,,\"NOMS recommendation\")=(NOMS-ROW-4,99SPS,"));
    assert_non_null(strstr(out, "\"Override of a measured value\")=\"alignment: measured normal, final de_novo_deformity; "
                                "reason: new kyphosis against the prior study\""));
    assert_non_null(strstr(out, "(SPS-T12,99SPS,\"T12 vertebra\")"));
    free(out);
}

/* The references of an indexed series (sps_dicom_scan) are the phantom's 80 slices, in slice order. */
static void test_report_dicom__series_refs_from_the_index(void **state)
{
    (void)state;
    fixture *f = F;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/ph/dicom", f->dir);
    sps_dicom_index *idx = NULL;
    sps_error err;
    assert_int_equal(sps_dicom_scan(&idx, dir, &err), SPS_OK);
    assert_int_equal(sps_dicom_index_series_count(idx), 1);
    sps_dicom_image_ref *refs = NULL;
    size_t n = 0;
    sps_dicom_study_header hdr;
    assert_int_equal(sps_dicom_series_image_refs(&refs, &n, &hdr, idx, f->images[0].series_uid, &err), SPS_OK);
    assert_int_equal(n, f->nimages);
    assert_string_equal(hdr.study_uid, f->study.study_uid);
    for (size_t k = 0; k < n; k++) {
        /* slice k of the volume is the image at z = first + 1.5 k (files IM0001... in the same order) */
        sps_assert_near(refs[k].position_lps[2], -56.15 + 1.5 * (double)k, 1e-6);
        assert_string_equal(refs[k].sop_instance_uid, f->images[slice_of(f, refs[k].position_lps[2])].sop_instance_uid);
    }
    free(refs);
    assert_int_equal(sps_dicom_series_image_refs(&refs, &n, NULL, idx, "1.2.3.4", &err), SPS_ENOTFOUND);
    sps_dicom_index_free(idx);
}

/* The renderer's tEXt "Description" becomes the SC's Derivation Description and Image Comments. */
static void test_report_dicom__sc_description_from_png_text(void **state)
{
    (void)state;
    fixture *f = F;
    if (!have_tool("dcmdump"))
        skip();
    char png[1024], dcm[1024];
    snprintf(png, sizeof png, "%s/described.png", f->dir);
    snprintf(dcm, sizeof dcm, "%s/described-sc.dcm", f->dir);
    FILE *fp = fopen(png, "wb");
    assert_non_null(fp);
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    png_init_io(p, fp);
    png_set_IHDR(p, info, 4, 2, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_text t[2];
    memset(t, 0, sizeof t);
    t[0].compression = t[1].compression = PNG_TEXT_COMPRESSION_NONE;
    t[0].key = (char *)"Software";
    t[0].text = (char *)"spinescore test";
    t[1].key = (char *)"Description";
    t[1].text = (char *)"T12 sagittal morphometry: heights Ha 9.5 Hm 13.1 Hp 21.4 mm";
    png_set_text(p, info, t, 2);
    png_write_info(p, info);
    unsigned char row[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9};
    png_write_row(p, row);
    png_write_row(p, row);
    png_write_end(p, NULL);
    png_destroy_write_struct(&p, &info);
    fclose(fp);
    char series[65];
    sps_dicom_new_uid(series);
    sps_sc_image sc;
    memset(&sc, 0, sizeof sc);
    sc.study = &f->study;
    sc.series_uid = series;
    sc.instance_number = 2;
    sps_error err;
    assert_int_equal(sps_dicom_write_sc_png(dcm, png, &sc, NULL, &err), SPS_OK);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "dcmdump +P 0020,4000 +P 0008,2111 '%s' 2>&1", dcm);
    char *out = run(cmd);
    assert_non_null(strstr(out, "(0020,4000) LT [T12 sagittal morphometry: heights Ha 9.5 Hm 13.1 Hp 21.4 mm]"));
    assert_non_null(strstr(out, "(0008,2111) ST [T12 sagittal morphometry: heights Ha 9.5 Hm 13.1 Hp 21.4 mm]"));
    free(out);
}

static void test_report_dicom__refusals_are_named(void **state)
{
    (void)state;
    fixture *f = F;
    sps_sr_document doc;
    memset(&doc, 0, sizeof doc);
    sps_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s/bad-sr.dcm", f->dir);
    doc.study = &f->study;
    assert_int_equal(sps_dicom_write_sr(path, &doc, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "images");
    doc.images = f->images;
    doc.nimages = 1;
    sps_sr_measurement m = {{"SPS-HA", "99SPS", NULL}, 1.0, {"mm", "UCUM", "mm"}, NULL, 0, NULL};
    sps_sr_group g = {"x", NULL, {NULL, NULL, NULL}, {NULL, NULL, NULL}, &m, 1, NULL, 0, NULL, 0};
    doc.groups = &g;
    doc.ngroups = 1;
    assert_int_equal(sps_dicom_write_sr(path, &doc, NULL, &err), SPS_EINVALID);
    assert_string_equal(err.where, "groups[0].measurements[0].concept");
    FILE *fp = fopen(path, "r");
    assert_null(fp); /* nothing left behind */
    if (fp)
        fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_dicom__image_refs_and_projection),
        cmocka_unit_test(test_report_dicom__sr_tid1500_reads_back),
        cmocka_unit_test(test_report_dicom__sc_pixels_round_trip),
        cmocka_unit_test(test_report_dicom__report_sr_end_to_end),
        cmocka_unit_test(test_report_dicom__series_refs_from_the_index),
        cmocka_unit_test(test_report_dicom__sc_description_from_png_text),
        cmocka_unit_test(test_report_dicom__refusals_are_named),
    };
    void *state = NULL;
    if (setup(&state) != 0) {
        teardown(&state);
        return 77;
    }
    F = state;
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    teardown(&state);
    return rc;
}
