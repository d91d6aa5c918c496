/* core_internal.h — internals of the decision core: models, the scoring context, typed input
 * readers that validate against the models, and result objects. Not part of the public API. */
#ifndef SPS_CORE_INTERNAL_H
#define SPS_CORE_INTERNAL_H

#include <cjson/cJSON.h>

#include "spinescore/core.h"
#include "util_internal.h"

/* ---- models ---------------------------------------------------------------------------- */

typedef struct sps_embedded_model {
    const char *file;          /* "sins.json" */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
} sps_embedded_model;

extern const sps_embedded_model sps_embedded_models[];
extern const size_t sps_embedded_model_count;

typedef struct sps_model {
    char *name;    /* "sins" */
    char *version; /* "1.0.0" */
    char *origin;  /* "builtin:sins.json" or the file path */
    cJSON *root;
} sps_model;

struct sps_models {
    sps_model *items;
    size_t count;
};

/** Borrowed model by name, or NULL. */
const sps_model *sps_models__find(const sps_models *models, const char *name);

/** Parse model text; malformed JSON is reported with origin:line:column. */
sps_status sps_models__parse_one(sps_model *out, const char *text, size_t len, const char *origin,
                                 const char *expected_name, sps_error *err);

/** Offset -> 1-based line and column in text. */
void sps_json__line_col(const char *text, size_t offset, int *line, int *col);

/* ---- cases and decisions ----------------------------------------------------------------- */

struct sps_case {
    cJSON *root;
    char *origin;
};

struct sps_decision {
    cJSON *root;
    sps_decision_status status;
};

/* ---- scoring context --------------------------------------------------------------------- */

typedef struct sps_ctx {
    const sps_models *models;
    const cJSON *case_root;
    const cJSON *patient;   /* may be NULL */
    cJSON *input_errors;    /* array of {field, value, problem, allowed} */
    cJSON *warnings;        /* array of {field?, message, rule?} */
    cJSON *alerts;          /* array of {code, level, message, rule, reference} */
    const char *wording;    /* "srs" | "igrt" */
    sps_error *err;
    sps_status model_status; /* first model problem (SPS_EFORMAT) */
} sps_ctx;

/** Record a model problem (first one wins); returns NULL for convenient use in lookups. */
void *sps_ctx__model_error(sps_ctx *ctx, const char *model, const char *path, const char *what);

/** Required model member lookups; on absence they record a model error and return NULL. */
const cJSON *sps_m_obj(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
const cJSON *sps_m_arr(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
const char *sps_m_str(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
int sps_m_num(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key, double *out);
/** Members of model table rows read in passing (a band's "min", an option's "token"): on absence
 *  or a wrong type they record a model error (sps_decide then fails with SPS_EFORMAT naming the
 *  model and member) and return 0 or "" so that the caller can finish without a NULL. */
int sps_m_int(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
double sps_m_dbl(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
const char *sps_m_tok(sps_ctx *ctx, const sps_model *m, const cJSON *parent, const char *key);
const sps_model *sps_ctx__model(sps_ctx *ctx, const char *name);

/** "sins@1.0.0" */
void sps_model__ref(const sps_model *m, char *buf, size_t n);

/* ---- inputs ------------------------------------------------------------------------------ */

typedef enum sps_in_state { SPS_IN_MISSING = 0, SPS_IN_OK = 1, SPS_IN_INVALID = 2 } sps_in_state;

/**
 * A case input. Values arrive bare ("lytic", 3, true) or wrapped:
 * {"value": "lytic", "source": "measured", "evidence": {...}, "reason": "..."}.
 */
typedef struct sps_input {
    sps_in_state state;
    const cJSON *value;    /* the bare value node (borrowed) */
    const char *source;    /* measured | semi_automatic | entered | overridden (default entered) */
    const cJSON *wrapper;  /* the wrapping object, or NULL */
    char path[160];        /* "lesions[0].sins.pain" */
} sps_input;

/** Record an invalid input; allowed may be NULL or a cJSON array/string (copied). */
void sps_ctx__invalid(sps_ctx *ctx, sps_input *in, const char *problem, const cJSON *allowed);
/** Record a warning about an input or a rule. */
void sps_ctx__warn(sps_ctx *ctx, const char *field, const char *message);
/** Add an alert {code, level, message, rule, reference}. Returns the alert object (borrowed). */
cJSON *sps_ctx__alert(sps_ctx *ctx, const char *code, const char *level, const char *message,
                      const char *rule, const char *source);

/** Read parent[key] as an input (wrapper resolved, source validated). */
sps_input sps_in_get(sps_ctx *ctx, const cJSON *parent, const char *key, const char *path_prefix);

/**
 * Match an input against model options [{token, points, label}, ...]. Strings match tokens
 * exactly; integers match points when allow_points and the points value is unique.
 * On success returns the option (borrowed) and sets *points; on failure marks the input invalid
 * (listing the allowed tokens) and returns NULL. Missing input returns NULL, state untouched.
 */
const cJSON *sps_in_choice(sps_ctx *ctx, sps_input *in, const cJSON *options, int allow_points,
                           int *points);
/** Integer within [min, max] and a multiple of step (when step > 1). */
int sps_in_int(sps_ctx *ctx, sps_input *in, long min, long max, long step, long *out);
/** Number within [min, max]. */
int sps_in_number(sps_ctx *ctx, sps_input *in, double min, double max, double *out);
/** JSON boolean (true/false); "yes"/"no" are refused. */
int sps_in_bool(sps_ctx *ctx, sps_input *in, int *out);

/** Copy an input's provenance (source, evidence, reason, measured value) into a result. */
void sps_in_provenance(const sps_input *in, cJSON *dst);

/* ---- results ----------------------------------------------------------------------------- */

/** New result object {"status": "ok", "model": "name@version", "source": ...}. */
cJSON *sps_result_new(const sps_model *m);
void sps_result_missing(cJSON *res, const char *field);
void sps_result_invalid(cJSON *res, const char *field);
/** Set status from missing/invalid lists (invalid > not_computable > ok) unless already set to
 * no_matching_row; returns the final status string (borrowed). */
const char *sps_result_finish(cJSON *res);
void sps_result_set_status(cJSON *res, const char *status);
const char *sps_result_status(const cJSON *res);
/** Append an explanation line. */
void sps_result_explain(cJSON *res, const char *fmt, ...) SPS_PRINTF(2, 3);

/* ---- the scores (one file each) ---------------------------------------------------------- */

/** Normalise a level label ("t12", "T 12" -> "T12"); returns 0 if not a standard level. */
int sps_level__normalise(const char *label, char *out, size_t out_size);

cJSON *sps_sins__score(sps_ctx *ctx, const cJSON *lesion, const char *prefix, int *total_out);
cJSON *sps_escc__grade(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const char *level,
                       char *class_out, size_t class_size, char *grade_out, size_t grade_size);
cJSON *sps_noms__decide(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const cJSON *sins,
                        const cJSON *escc, const char *escc_class);
cJSON *sps_survival__all(sps_ctx *ctx);
cJSON *sps_guidance__patient(sps_ctx *ctx, const cJSON *survival);
cJSON *sps_guidance__lesion(sps_ctx *ctx, const cJSON *lesion, const char *prefix, const cJSON *sins,
                            const cJSON *escc, const cJSON *noms);

/** Histology entry for the patient (borrowed) or NULL; sets *token, and *state (may be NULL) to
 * SPS_IN_MISSING, SPS_IN_OK or SPS_IN_INVALID (an unknown token, recorded once in input_errors). */
const cJSON *sps_histology__entry(sps_ctx *ctx, const char **token, sps_in_state *state);

/** Text rendering (text.c). Caller owns. */
char *sps_decision__text(const cJSON *root);

#endif
