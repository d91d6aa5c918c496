/* run_outputs.c — snapshots, DICOM SR and Secondary Captures of `spinescore run` (see run_outputs.h). */
#include <stdio.h>
#include <string.h>

#include "run_outputs.h"

void sps_run_write_images(sps_run_parts *parts, const sps_run_out *o, const sps_pipeline *p, const sps_report *r,
                          const sps_models *models, const char *report_json)
{
    (void)o;
    (void)p;
    (void)r;
    (void)models;
    (void)report_json;
    memset(parts, 0, sizeof *parts);
}

void sps_run_print_parts(const sps_run_parts *parts, const char *dir)
{
    if (parts->have_render)
        printf("snapshots: %s/snapshots/ (%zu PNG)\n", dir, parts->snapshots);
    else
        printf("snapshots: not in this build (the snapshot renderer, src/render, is missing)\n");
    if (parts->have_sr)
        printf("DICOM:     %s%s%s, %s/snapshots-sc/ (%zu Secondary Capture)\n", parts->sr ? dir : "",
               parts->sr ? "/report-sr.dcm" : "no SR", "", dir, parts->secondary);
    else
        printf("DICOM:     not in this build (the SR and Secondary Capture writers are missing)\n");
}
