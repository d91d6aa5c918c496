#define _POSIX_C_SOURCE 200809L
/* test_report.c — report.json / report.txt / CSV: the clinical file merged with measurements whose
 * answers are known by construction (heights of hand-placed points), overrides kept next to the
 * measured value, conflicts refused, research output de-identified. Expected SINS/NOMS values are
 * worked by hand from clinical-reference.md §1 (Fisher 2010 points) and §6.1 (NOMS rows). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "spinescore/measure.h"
#include "spinescore/report.h"
#include "test_support.h"

static sps_models *models;

static int setup(void **state)
{
    (void)state;
    sps_error err;
    return sps_models_load_builtin(&models, &err) == SPS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sps_models_free(models);
    return 0;
}

/* Six points of a body 30 mm deep (A at y=-30, P at y=0) on x=0, inferior endplate at z0. */
static void add_vertebra(char *buf, size_t n, const char *level, double z0, double ha, double hm, double hp)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp,
             "{\"level\":\"%s\",\"role\":\"sup_ant\",\"lps\":[0,-30,%g]},{\"level\":\"%s\",\"role\":\"sup_mid\",\"lps\":[0,-15,%g]},"
             "{\"level\":\"%s\",\"role\":\"sup_post\",\"lps\":[0,0,%g]},{\"level\":\"%s\",\"role\":\"inf_ant\",\"lps\":[0,-30,%g]},"
             "{\"level\":\"%s\",\"role\":\"inf_mid\",\"lps\":[0,-15,%g]},{\"level\":\"%s\",\"role\":\"inf_post\",\"lps\":[0,0,%g]},",
             level, z0 + ha, level, z0 + hm, level, z0 + hp, level, z0, level, z0, level, z0);
    strncat(buf, tmp, n - strlen(buf) - 1);
}

/* T12 wedge: Ha 10, Hm 18, Hp 24 mm between flat 24-mm T11 and L1 -> anterior loss 58.3 % (gt50),
 * no translation, no segmental angle (normal), left pedicle marked (unilateral). */
static double t12_ha = 10.0; /* anterior height of T12; 12.4 mm gives 48.3 %, near the 50 % cut */
static char *measure_t12(void)
{
    char buf[16384] = "{\"format\":\"spinescore-annotations\",\"version\":1,\"points\":[";
    add_vertebra(buf, sizeof buf, "T11", 60, 24, 24, 24);
    add_vertebra(buf, sizeof buf, "T12", 30, t12_ha, 18, 24);
    add_vertebra(buf, sizeof buf, "L1", 0, 24, 24, 24);
    strncat(buf, "{\"level\":\"T12\",\"role\":\"left_pedicle\",\"lps\":[10,5,40]}],"
                 "\"vertebrae\":[{\"level\":\"T12\",\"involved\":true,\"body_involved_fraction\":0.7}]}",
            sizeof buf - strlen(buf) - 1);
    sps_annotations *a = NULL;
    sps_error err;
    sps_error_clear(&err);
    if (sps_annotations_parse(&a, models, buf, strlen(buf), "a.json", NULL, NULL, &err) != SPS_OK) {
        print_error("%s: %s\n", err.where, err.message);
        return NULL;
    }
    char *out = NULL;
    sps_status st = sps_measure_lesion_json(&out, models, a, "T12", &err);
    sps_annotations_free(a);
    if (st != SPS_OK)
        print_error("%s: %s\n", err.where, err.message);
    return out;
}

#define PATIENT                                                                                              \
    "\"patient\": {\"histology\": \"renal_cell\", \"myelopathy\": true, \"tolerates_surgery\": true, \"kps\": 70," \
    " \"ecog\": 2, \"albumin_g_dl\": 3.8}"

static const sps_report_series series1 = {"1.2.826.0.1.3680043.2.1125.77.2", "CT", "axial CT", "morphometry"};

static sps_report *make_report(const char *clinical, int include_ids)
{
    sps_report_inputs in;
    memset(&in, 0, sizeof in);
    in.study_uid = "1.2.826.0.1.3680043.2.1125.77.1";
    in.series = &series1;
    in.nseries = 1;
    in.annotations_file = "t12.annotations.json";
    in.clinical_file = "t12.clinical.json";
    in.patient.name = "DOE^JANE";
    in.patient.id = "MRN-4711";
    in.patient.birth_date = "19500101";
    in.include_identifiers = include_ids;
    sps_report *r = NULL;
    sps_error err;
    sps_error_clear(&err);
    if (sps_report_new(&r, models, &in, clinical, clinical ? strlen(clinical) : 0, "t12.clinical.json", &err) != SPS_OK) {
        print_error("%s: %s\n", err.where, err.message);
        return NULL;
    }
    char *m = measure_t12();
    if (!m || sps_report_add_measurements(r, m, strlen(m), &err) != SPS_OK ||
        sps_report_decide(r, models, NULL, &err) != SPS_OK) {
        print_error("%s: %s\n", err.where, err.message);
        free(m);
        sps_report_free(r);
        return NULL;
    }
    free(m);
    return r;
}

static const cJSON *path(const cJSON *j, const char *dotted)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *t = strtok_r(buf, ".", &save); t && j; t = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(j))
            j = cJSON_GetArrayItem(j, atoi(t));
        else
            j = cJSON_GetObjectItemCaseSensitive(j, t);
    }
    return j;
}

static const char *pstr(const cJSON *j, const char *dotted)
{
    const cJSON *v = path(j, dotted);
    return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static double pnum(const cJSON *j, const char *dotted)
{
    const cJSON *v = path(j, dotted);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static cJSON *report_json(const sps_report *r)
{
    char *s = sps_report_to_json(r);
    assert_non_null(s);
    cJSON *j = cJSON_Parse(s);
    free(s);
    assert_non_null(j);
    return j;
}

/* The surgeon overrides the measured collapse (gt50) with lt50 and a reason: the report shows both,
 * the core scores the override. SINS = location T12 junctional 3 + pain mechanical 3 + lytic 2 +
 * alignment normal 0 + collapse lt50 2 + posterolateral unilateral 1 = 11 (potentially unstable);
 * ESCC 2 (high) + renal cell (radioresistant) + unstable + able -> NOMS row 9. */
static void test_report__override_shows_measured_and_final(void **state)
{
    (void)state;
    const char *clinical =
        "{\"format\": \"spinescore-case\", \"version\": 1, \"case_id\": \"R-1\", " PATIENT ", \"lesions\": [{\"level\": \"t 12\", "
        "\"stability\": \"unstable\", \"escc\": \"2\", \"sins\": {\"pain\": \"mechanical\", \"bone_lesion\": \"lytic\", "
        "\"collapse\": {\"value\": \"lt50\", \"source\": \"overridden\", \"reason\": \"anterior corner osteophyte, true loss 40 %\"}}}]}";
    sps_report *r = make_report(clinical, 0);
    assert_non_null(r);
    assert_int_equal(sps_report_decision_status(r), SPS_DECISION_INCOMPLETE); /* survival inputs incomplete */
    cJSON *j = report_json(r);
    assert_string_equal(pstr(j, "format"), "spinescore-report");
    assert_string_equal(pstr(j, "inputs.study_uid"), "1.2.826.0.1.3680043.2.1125.77.1");
    assert_string_equal(pstr(j, "inputs.clinical_file"), "t12.clinical.json");
    assert_string_equal(pstr(j, "inputs.series.0.series_uid"), series1.series_uid);
    /* collapse: measured gt50 with its heights, final lt50 overridden with the reason */
    assert_string_equal(pstr(j, "lesions.0.components.collapse.measured.value"), "gt50");
    sps_assert_near(pnum(j, "lesions.0.components.collapse.measured.evidence.ha_mm"), 10.0, 1e-9);
    sps_assert_near(pnum(j, "lesions.0.components.collapse.measured.evidence.collapse_pct"), 100.0 * (1 - 10.0 / 24.0), 1e-6);
    assert_string_equal(pstr(j, "lesions.0.components.collapse.final.value"), "lt50");
    sps_assert_near(pnum(j, "lesions.0.components.collapse.final.points"), 2, 0);
    assert_string_equal(pstr(j, "lesions.0.components.collapse.status"), "overridden");
    assert_string_equal(pstr(j, "lesions.0.components.collapse.final.reason"), "anterior corner osteophyte, true loss 40 %");
    assert_true(cJSON_IsTrue(path(j, "lesions.0.components.collapse.changed_from_measured")));
    /* the core saw the measured value next to the override */
    assert_string_equal(pstr(j, "decision.lesions.0.sins.components.collapse.measured_value"), "gt50");
    /* measured components kept their source */
    assert_string_equal(pstr(j, "lesions.0.components.posterolateral.final.value"), "unilateral");
    assert_string_equal(pstr(j, "lesions.0.components.posterolateral.status"), "measured");
    assert_string_equal(pstr(j, "lesions.0.components.alignment.final.value"), "normal");
    assert_string_equal(pstr(j, "lesions.0.components.bone_lesion.status"), "entered");
    assert_true(cJSON_IsNull(path(j, "lesions.0.components.bone_lesion.measured")));
    assert_true(strstr(pstr(j, "lesions.0.components.bone_lesion.not_measured"), "CT voxels") != NULL);
    assert_string_equal(pstr(j, "lesions.0.components.pain.status"), "entered");
    /* totals */
    sps_assert_near(pnum(j, "lesions.0.summary.sins_total"), 11, 0);
    assert_string_equal(pstr(j, "lesions.0.summary.sins_category"), "potentially_unstable");
    assert_string_equal(pstr(j, "lesions.0.summary.escc_grade"), "2");
    sps_assert_near(pnum(j, "lesions.0.summary.noms_row"), 9, 0);
    assert_string_equal(pstr(j, "lesions.0.summary.noms_decision"), "decompression_stabilization_then_srs");
    assert_string_equal(pstr(j, "merge_notes.0.kind"), "override");
    /* de-identified by default */
    assert_true(cJSON_IsTrue(path(j, "de_identified")));
    assert_null(path(j, "patient"));
    char *all = cJSON_PrintUnformatted(j);
    assert_null(strstr(all, "DOE^JANE"));
    assert_null(strstr(all, "MRN-4711"));
    assert_null(strstr(all, "19500101"));
    free(all);
    cJSON_Delete(j);

    char *t = sps_report_to_text(r);
    assert_non_null(t);
    assert_non_null(strstr(t, "Ha 10.0 / Hm 18.0 / Hp 24.0 mm, collapse 58.3 %"));
    assert_null(strstr(t, "NEAR A CUT"));
    assert_non_null(strstr(t, "measured gt50, final lt50; reason: anterior corner osteophyte"));
    assert_non_null(strstr(t, "TOTAL 11 -> potentially_unstable"));
    assert_non_null(strstr(t, "row 9:"));
    assert_null(strstr(t, "DOE^JANE"));
    free(t);
    sps_report_free(r);
}

/* A collapse within measurement.collapse.near_cut_points of the 50 % cut keeps its category and
 * the report's text says it is near the cut. */
static void test_report__collapse_near_the_cut_is_shown(void **state)
{
    (void)state;
    t12_ha = 12.4;
    sps_report *r = make_report(NULL, 0);
    t12_ha = 10.0;
    assert_non_null(r);
    char *t = sps_report_to_text(r);
    assert_non_null(t);
    assert_non_null(strstr(t, "Ha 12.4 / Hm 18.0 / Hp 24.0 mm, collapse 48.3 %"));
    assert_non_null(strstr(t, "NEAR A CUT: collapse 48.3 % is 1.7 points below the 50 % cut"));
    free(t);
    sps_report_free(r);
}

/* A clinical value that differs from the measurement without an override is refused by the core,
 * named, and listed as a conflict — never silently one or the other. */
static void test_report__conflict_is_refused_not_chosen(void **state)
{
    (void)state;
    const char *clinical = "{\"case_id\": \"R-2\", " PATIENT ", \"lesions\": [{\"level\": \"T12\", \"escc\": \"1a\", "
                           "\"sins\": {\"pain\": \"pain_free\", \"bone_lesion\": \"blastic\", \"collapse\": \"none\"}}]}";
    sps_report *r = make_report(clinical, 0);
    assert_non_null(r);
    assert_int_equal(sps_report_decision_status(r), SPS_DECISION_INVALID);
    cJSON *j = report_json(r);
    assert_string_equal(pstr(j, "lesions.0.components.collapse.status"), "invalid");
    assert_string_equal(pstr(j, "lesions.0.components.collapse.measured.value"), "gt50");
    assert_string_equal(pstr(j, "merge_notes.0.kind"), "conflict");
    assert_string_equal(pstr(j, "merge_notes.0.field"), "lesions[0].sins.collapse");
    assert_string_equal(pstr(j, "decision.input_errors.0.field"), "lesions[0].sins.collapse");
    assert_string_equal(pstr(j, "lesions.0.summary.sins_status"), "invalid");
    assert_null(path(j, "lesions.0.summary.sins_total"));
    cJSON_Delete(j);
    char *t = sps_report_to_text(r);
    assert_non_null(strstr(t, "CONFLICT lesions[0].sins.collapse"));
    free(t);
    sps_report_free(r);
}

/* A points value equal to the measured token's points agrees (collapse 3 == gt50); with no clinical
 * lesion at the level, one is added; without pain the total is not computable and its range given. */
static void test_report__agreement_and_not_computable(void **state)
{
    (void)state;
    const char *agree = "{\"lesions\": [{\"level\": \"T12\", \"sins\": {\"collapse\": 3}}]}";
    sps_report *r = make_report(agree, 0);
    assert_non_null(r);
    cJSON *j = report_json(r);
    assert_string_equal(pstr(j, "lesions.0.components.collapse.status"), "measured");
    assert_string_equal(pstr(j, "merge_notes.0.kind"), "agrees");
    assert_string_equal(pstr(j, "lesions.0.summary.sins_status"), "not_computable");
    /* known: location 3 + alignment 0 + collapse 3 + posterolateral 1 = 7; pain 0-3, bone 0-2 */
    sps_assert_near(pnum(j, "lesions.0.summary.sins_total_range.min"), 7, 0);
    sps_assert_near(pnum(j, "lesions.0.summary.sins_total_range.max"), 12, 0);
    assert_string_equal(pstr(j, "lesions.0.components.pain.status"), "missing");
    cJSON_Delete(j);
    sps_report_free(r);

    r = make_report(NULL, 0); /* no clinical file: the lesion comes from the measurements alone */
    assert_non_null(r);
    j = report_json(r);
    assert_string_equal(pstr(j, "lesions.0.level"), "T12");
    assert_string_equal(pstr(j, "lesions.0.components.collapse.final.value"), "gt50");
    assert_string_equal(pstr(j, "lesions.0.components.escc.status"), "missing");
    assert_true(strstr(pstr(j, "lesions.0.components.escc.not_measured"), "outlines") != NULL);
    cJSON_Delete(j);
    sps_report_free(r);
}

/* ESCC merge from a semi-automatic grade (the measure JSON shape, written out here). */
static void test_report__escc_semi_automatic_and_override(void **state)
{
    (void)state;
    const char *meas = "{\"level\": \"L2\", \"measurements\": {\"escc\": {\"sac_area_mm2\": 80, \"ref_sac_area_mm2\": 130}},"
                       " \"lesion\": {\"level\": \"L2\", \"sins\": {}, \"escc\": {\"value\": \"1b\", \"source\": \"semi_automatic\","
                       " \"evidence\": {\"sac_area_mm2\": 80, \"ref_sac_area_mm2\": 130}}}, \"not_measured\": []}";
    const char *clin[2] = {"{\"lesions\": [{\"level\": \"L2\"}]}",
                           "{\"lesions\": [{\"level\": \"L2\", \"escc\": {\"value\": \"1c\", \"source\": \"overridden\","
                           " \"reason\": \"cord contact on the sagittal T2\"}}]}"};
    const char *want_grade[2] = {"1b", "1c"}, *want_status[2] = {"semi_automatic", "overridden"};
    for (int k = 0; k < 2; k++) {
        sps_report *r = NULL;
        sps_error err;
        assert_int_equal(sps_report_new(&r, models, NULL, clin[k], strlen(clin[k]), "c.json", &err), SPS_OK);
        assert_int_equal(sps_report_add_measurements(r, meas, strlen(meas), &err), SPS_OK);
        assert_int_equal(sps_report_add_measurements(r, meas, strlen(meas), &err), SPS_EINVALID); /* twice */
        assert_int_equal(sps_report_decide(r, models, NULL, &err), SPS_OK);
        cJSON *j = report_json(r);
        assert_string_equal(pstr(j, "lesions.0.components.escc.final.value"), want_grade[k]);
        assert_string_equal(pstr(j, "lesions.0.components.escc.status"), want_status[k]);
        assert_string_equal(pstr(j, "lesions.0.components.escc.measured.value"), "1b");
        assert_string_equal(pstr(j, "lesions.0.summary.escc_class"), "low");
        cJSON_Delete(j);
        sps_report_free(r);
    }
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

/* One row per lesion; empty cells for what was not scored; identifiers only on request. */
static void test_report__csv_rows_and_identifiers(void **state)
{
    (void)state;
    const char *clinical =
        "{\"case_id\": \"R-3, batch \\\"A\\\"\", " PATIENT ", \"lesions\": [{\"level\": \"T12\", \"stability\": \"unstable\", "
        "\"escc\": \"2\", \"sins\": {\"pain\": \"mechanical\", \"bone_lesion\": \"lytic\"}}]}";
    char *h = sps_report_csv_header(0);
    assert_string_equal(h, "case_id,study_uid,level,location,location_points,location_source,pain,pain_points,pain_source,"
                           "bone_lesion,bone_lesion_points,bone_lesion_source,alignment,alignment_points,alignment_source,"
                           "collapse,collapse_points,collapse_source,posterolateral,posterolateral_points,posterolateral_source,"
                           "sins_total,sins_category,sins_status,escc_grade,escc_source,noms_row,noms_decision,noms_status,"
                           "decision_status\n");
    sps_report *r = make_report(clinical, 0);
    assert_non_null(r);
    char *rows = sps_report_csv_rows(r);
    assert_non_null(rows);
    /* location 3 + pain 3 + lytic 2 + normal 0 + gt50 3 + unilateral 1 = 12 */
    assert_string_equal(rows, "\"R-3, batch \"\"A\"\"\",1.2.826.0.1.3680043.2.1125.77.1,T12,junctional,3,entered,mechanical,3,"
                              "entered,lytic,2,entered,normal,0,measured,gt50,3,measured,unilateral,1,measured,12,"
                              "potentially_unstable,ok,2,entered,9,decompression_stabilization_then_srs,ok,incomplete\n");
    assert_int_equal(count_char(h, ','), 29);
    free(rows);

    /* append twice into a batch file: one header, two rows; a file with another header is refused */
    char *dir = sps_test_mkdtemp();
    char csv[512];
    snprintf(csv, sizeof csv, "%s/batch.csv", dir);
    sps_error err;
    assert_int_equal(sps_report_csv_append(r, csv, &err), SPS_OK);
    assert_int_equal(sps_report_csv_append(r, csv, &err), SPS_OK);
    FILE *f = fopen(csv, "r");
    assert_non_null(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_int_equal(count_char(text, '\n'), 3);
    assert_memory_equal(text, h, strlen(h));
    sps_report_free(r);

    r = make_report(clinical, 1);
    assert_int_equal(sps_report_csv_append(r, csv, &err), SPS_EINVALID); /* columns would shift */
    char *hid = sps_report_csv_header(1);
    assert_non_null(strstr(hid, "case_id,patient_name,patient_id,patient_birth_date,study_uid"));
    rows = sps_report_csv_rows(r);
    assert_non_null(strstr(rows, ",DOE^JANE,MRN-4711,19500101,"));
    free(rows);
    cJSON *j = report_json(r);
    assert_string_equal(pstr(j, "patient.id"), "MRN-4711");
    assert_true(cJSON_IsFalse(path(j, "de_identified")));
    cJSON_Delete(j);
    free(hid);

    /* report.json and report.txt land atomically and read back */
    char p[512];
    snprintf(p, sizeof p, "%s/report.json", dir);
    assert_int_equal(sps_report_write_json(r, p, &err), SPS_OK);
    char *back = NULL;
    f = fopen(p, "r");
    assert_non_null(f);
    back = calloc(1, 1 << 20);
    n = fread(back, 1, (1 << 20) - 1, f);
    fclose(f);
    cJSON *jb = cJSON_Parse(back);
    assert_non_null(jb);
    sps_assert_near(pnum(jb, "lesions.0.summary.sins_total"), 12, 0);
    cJSON_Delete(jb);
    free(back);
    snprintf(p, sizeof p, "%s/report.txt", dir);
    assert_int_equal(sps_report_write_text(r, p, &err), SPS_OK);
    sps_report_free(r);
    free(h);
    sps_test_rmtree(dir);
    free(dir);
}

static void test_report__bad_inputs_are_named(void **state)
{
    (void)state;
    sps_report *r = NULL;
    sps_error err;
    const char *bad = "{\"lesions\": [\n  {\"level\": \"T12\",}\n]}";
    assert_int_equal(sps_report_new(&r, models, NULL, bad, strlen(bad), "c.json", &err), SPS_EFORMAT);
    assert_null(r);
    assert_non_null(strstr(err.where, "c.json:2:"));
    assert_int_equal(sps_report_new(&r, models, NULL, "[1]", 3, "c.json", &err), SPS_EFORMAT);
    assert_int_equal(sps_report_new(&r, models, NULL, NULL, 0, NULL, &err), SPS_OK);
    assert_null(sps_report_to_json(r)); /* not decided yet */
    const char *m = "{\"level\": \"T13\", \"lesion\": {}}";
    assert_int_equal(sps_report_add_measurements(r, m, strlen(m), &err), SPS_EINVALID);
    assert_non_null(strstr(err.message, "T13"));
    m = "{\"lesion\": {}}";
    assert_int_equal(sps_report_add_measurements(r, m, strlen(m), &err), SPS_EFORMAT);
    sps_report_free(r);
    sps_report_free(NULL);
}

/* --dump DIR: write the report.json of each scenario above into DIR, for
 * tests/schemas/validate_report.py (report.schema.json checked on real output). */
static int dump(const char *dir)
{
    if (setup(NULL) != 0)
        return 1;
    static const char *const clin[] = {
        "{\"case_id\": \"D-1\", " PATIENT ", \"lesions\": [{\"level\": \"T12\", \"stability\": \"unstable\", \"escc\": \"2\", "
        "\"sins\": {\"pain\": \"mechanical\", \"bone_lesion\": \"lytic\", \"collapse\": {\"value\": \"lt50\", "
        "\"source\": \"overridden\", \"reason\": \"osteophyte\"}}}]}",
        "{\"lesions\": [{\"level\": \"T12\", \"sins\": {\"collapse\": \"none\"}}]}",
        "{\"lesions\": [{\"level\": \"T12\", \"sins\": {\"collapse\": 3}}, {\"level\": \"L3\", \"escc\": \"1a\"}]}",
        NULL};
    int rc = 0;
    for (int k = 0; k < 5; k++) {
        const char *c = k < 4 ? clin[k] : clin[0];
        sps_report *r = make_report(c, k == 4);
        char p[512];
        snprintf(p, sizeof p, "%s/scenario-%d.report.json", dir, k);
        sps_error err;
        if (!r || sps_report_write_json(r, p, &err) != SPS_OK)
            rc = 1;
        sps_report_free(r);
    }
    teardown(NULL);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0)
        return dump(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__override_shows_measured_and_final),
        cmocka_unit_test(test_report__collapse_near_the_cut_is_shown),
        cmocka_unit_test(test_report__conflict_is_refused_not_chosen),
        cmocka_unit_test(test_report__agreement_and_not_computable),
        cmocka_unit_test(test_report__escc_semi_automatic_and_override),
        cmocka_unit_test(test_report__csv_rows_and_identifiers),
        cmocka_unit_test(test_report__bad_inputs_are_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
