/* fuzz_slicer.c — libFuzzer target: 3D Slicer markups (.mrk.json) import through
 * sps_annotations_parse and the measurements derived from it. Seeds: sample-data *.mrk.json. */
#include "annotations_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(data, size, "fuzz.mrk.json");
    return 0;
}
