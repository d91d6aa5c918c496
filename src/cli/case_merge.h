/* case_merge.h — `spinescore decide --measurements M.json CASE.json`: the measured lesion of
 * `spinescore measure` merged into a case that holds the clinical inputs. Prints nothing. */
#ifndef SPS_CLI_CASE_MERGE_H
#define SPS_CLI_CASE_MERGE_H

#include <stddef.h>
#include "spinescore/common.h"

/**
 * Merge a measurements document into a case (clinical inputs): the measured lesion goes into the
 * case lesion of the same level (added when there is none). A component the case also gives must
 * agree with the measurement, or be wrapped with "source": "overridden" (then the case value
 * wins and the measured value is recorded in "measured_value"); anything else is refused naming
 * the component. Both texts are JSON; *merged is caller-owned (sps_free).
 * @return SPS_OK, SPS_EFORMAT (malformed JSON, wrong format), SPS_EINVALID (conflict, named).
 */
sps_status sps_cli_merge_case(char **merged, const char *case_json, size_t case_len, const char *case_origin,
                                   const char *meas_json, size_t meas_len, const char *meas_origin,
                                   sps_error *err);

#endif
