/* core.h — the shared decision core: SINS, ESCC, NOMS, survival scores and guidance, each
 * result explained with the model entry that produced it. Pure C11; depends on libc and cJSON. */
#ifndef SPINESCORE_CORE_H
#define SPINESCORE_CORE_H

#include "spinescore/common.h"

SPS_BEGIN_DECL

/** The decision tables (the models folder, one JSON file per table), loaded once and passed in explicitly. Opaque. */
typedef struct sps_models sps_models;
/** A parsed case (one patient, one or more lesions). Opaque. */
typedef struct sps_case sps_case;
/** The result of sps_decide(). Opaque. */
typedef struct sps_decision sps_decision;

/** Overall status of a decision. Per-result status strings are in the JSON. */
typedef enum sps_decision_status {
    SPS_DECISION_OK = 0,            /**< every result computed */
    SPS_DECISION_INCOMPLETE = 1,    /**< some results not_computable or no_matching_row (an answer, not an error) */
    SPS_DECISION_INVALID = 2        /**< at least one input was refused; nothing was scored from it */
} sps_decision_status;

/**
 * Load the models embedded in the binary at build time.
 * @param[out] out  caller owns; free with sps_models_free(). NULL on failure.
 * @return SPS_OK, SPS_EFORMAT (an embedded model is malformed), SPS_ENOMEM.
 */
SPS_API sps_status sps_models_load_builtin(sps_models **out, sps_error *err);

/**
 * Load the embedded models, then replace each one for which @p dir holds a file of the same
 * name (e.g. dir/sins.json). A malformed file is refused with file, line and column.
 * @param[out] out  caller owns; free with sps_models_free(). NULL on failure.
 * @return SPS_OK, SPS_ENOTFOUND (dir missing), SPS_EFORMAT, SPS_EIO, SPS_ENOMEM.
 */
SPS_API sps_status sps_models_load_dir(sps_models **out, const char *dir, sps_error *err);

/** Free a models handle (NULL-safe). */
SPS_API void sps_models_free(sps_models *models);

/** Number of models in the handle, and the name ("sins"), version and file of model @p i (borrowed). */
SPS_API size_t sps_models_count(const sps_models *models);
SPS_API const char *sps_models_name(const sps_models *models, size_t i);
SPS_API const char *sps_models_version(const sps_models *models, size_t i);
SPS_API const char *sps_models_origin(const sps_models *models, size_t i);

/**
 * A model as JSON text (pretty-printed). Caller owns; free with sps_free(). NULL if no model
 * has that name.
 */
SPS_API char *sps_models_dump(const sps_models *models, const char *name);

/**
 * Parse a case from JSON text. Syntax errors are reported with @p origin (a file name),
 * line and column; field-level problems are found by sps_decide() and reported per field.
 * @param[out] out  caller owns; free with sps_case_free(). NULL on failure.
 * @return SPS_OK, SPS_EFORMAT (malformed JSON or not an object), SPS_ENOMEM.
 */
SPS_API sps_status sps_case_parse(sps_case **out, const char *json, size_t len, const char *origin,
                                  sps_error *err);

/** Free a case (NULL-safe). */
SPS_API void sps_case_free(sps_case *c);

/** Options for sps_decide(). Initialise with SPS_DECIDE_OPTIONS_INIT. */
typedef struct sps_decide_options {
    unsigned version;       /**< SPS_DECIDE_OPTIONS_VERSION */
    const char *wording;    /**< "srs" or "igrt" for the NOMS label shown first; NULL = model default */
} sps_decide_options;
#define SPS_DECIDE_OPTIONS_VERSION 1u
#define SPS_DECIDE_OPTIONS_INIT {SPS_DECIDE_OPTIONS_VERSION, NULL}

/**
 * Score a case. Invalid, missing and contradictory inputs are not errors: they are reported in
 * the decision (status invalid / not_computable / no_matching_row with the fields named).
 * @param[out] out  caller owns; free with sps_decision_free(). NULL on failure.
 * @param opts      may be NULL for defaults.
 * @return SPS_OK, SPS_EINVALID (bad options), SPS_EFORMAT (a model lacks a field it needs), SPS_ENOMEM.
 */
SPS_API sps_status sps_decide(sps_decision **out, const sps_models *models, const sps_case *c,
                              const sps_decide_options *opts, sps_error *err);

/** Free a decision (NULL-safe). */
SPS_API void sps_decision_free(sps_decision *d);

/** Overall status of the decision. */
SPS_API sps_decision_status sps_decision_get_status(const sps_decision *d);

/** The decision as JSON (docs/formats.md). Caller owns; free with sps_free(). NULL on ENOMEM. */
SPS_API char *sps_decision_to_json(const sps_decision *d);

/** The decision as a readable summary for a surgeon. Caller owns; free with sps_free(). */
SPS_API char *sps_decision_to_text(const sps_decision *d);

/**
 * Look up one value in the decision by a dotted path, e.g. "lesions.0.sins.total" or
 * "survival.tomita.status". Returns the value as text into buf (snprintf-style; returns the
 * length needed, or -1 if the path does not exist). For tests and front ends.
 */
SPS_API int sps_decision_get(const sps_decision *d, const char *path, char *buf, size_t buf_size);

SPS_END_DECL

#endif /* SPINESCORE_CORE_H */
