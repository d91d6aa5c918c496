/* fuzz_annotations.c — libFuzzer target: spinescore annotation JSON (src/measure annotations
 * parser and the measurements derived from it). Seeds: sample-data annotations and seeds. */
#include "annotations_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(data, size, "fuzz.annotations.json");
    return 0;
}
