/* report_internal.h — the report's state, shared by report.c (merge, JSON), text.c and csv.c. */
#ifndef SPS_REPORT_INTERNAL_H
#define SPS_REPORT_INTERNAL_H

#include <cjson/cJSON.h>

#include "core_internal.h" /* sps_level__normalise: one level vocabulary for the whole program */
#include "spinescore/report.h"
#include "util_internal.h"

#define SPS_REP_NIMAGE 5
#define SPS_REP_NSINS 6
/** bone_lesion, alignment, collapse, posterolateral, escc */
extern const char *const sps_rep__image_components[SPS_REP_NIMAGE];
/** location, pain, bone_lesion, alignment, collapse, posterolateral (the order of sins.json) */
extern const char *const sps_rep__sins_components[SPS_REP_NSINS];

struct sps_report {
    cJSON *case_root;   /* the merged case (clinical file + measurements) */
    cJSON *measured;    /* array of measurement objects (+ case_lesion_index) */
    cJSON *merge_notes; /* array of {field, kind, clinical_value?, measured_value?, message} */
    cJSON *inputs;      /* report.json "inputs" */
    cJSON *decision;    /* parsed decision JSON, NULL before sps_report_decide */
    char *decision_text;/* sps_decision_to_text */
    sps_decision_status status;
    int include_identifiers;
    char *study_uid, *created, *patient_name, *patient_id, *patient_birth_date;
    char *sins_model_json; /* models/sins.json as text (points of tokens), or NULL */
};

const char *sps_rep__js(const cJSON *o, const char *k);
const cJSON *sps_rep__measured_for(const sps_report *r, int idx);
/** The report.json document. Caller owns (cJSON_Delete). */
cJSON *sps_rep__build_json(const sps_report *r);

#endif
