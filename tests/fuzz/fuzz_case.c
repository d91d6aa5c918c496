/* fuzz_case.c — libFuzzer target: clinical/case JSON (src/core case loader) scored by the
 * decision core with the built-in models, then rendered as JSON and text (what `spinescore
 * decide` does with a case file). */
#include <stdlib.h>

#include "fuzz_common.h"
#include "spinescore/core.h"

static sps_models *g_models;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sps_error err;
    if (!g_models && sps_models_load_builtin(&g_models, &err) != SPS_OK)
        abort();
    sps_case *c = NULL;
    if (sps_case_parse(&c, (const char *)data, size, "fuzz.case.json", &err) != SPS_OK)
        return 0;
    static const char *wordings[3] = {NULL, "srs", "igrt"};
    sps_decide_options opts = SPS_DECIDE_OPTIONS_INIT;
    opts.wording = wordings[size % 3];
    sps_decision *d = NULL;
    if (sps_decide(&d, g_models, c, &opts, &err) == SPS_OK) {
        (void)sps_decision_get_status(d);
        sps_free(sps_decision_to_json(d));
        sps_free(sps_decision_to_text(d));
        char buf[64];
        (void)sps_decision_get(d, "lesions.0.sins.total", buf, sizeof buf);
        (void)sps_decision_get(d, "survival.tomita.status", buf, sizeof buf);
    }
    sps_decision_free(d);
    sps_case_free(c);
    return 0;
}
