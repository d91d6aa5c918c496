/* annotations_harness.h — the body shared by fuzz_annotations.c (spinescore annotation JSON)
 * and fuzz_slicer.c (3D Slicer .mrk.json): both formats enter through sps_annotations_parse,
 * the targets differ by their seed corpora. A parsed document is then used the way `spinescore
 * measure/run` use it: lesion level, regions, outlines, measurements alone and against a small
 * CT volume (sphere/polygon voxel walks), and the inside-the-volume check. */
#ifndef SPS_FUZZ_ANNOTATIONS_HARNESS_H
#define SPS_FUZZ_ANNOTATIONS_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "spinescore/core.h"
#include "spinescore/measure.h"
#include "spinescore/volume.h"

static sps_models *g_models;
static sps_volume *g_vol;

/* Pixel references: axial 0.5 mm pixels, slices 5 mm apart, 10 instances of 256 x 256. */
static int fuzz_resolver(void *ctx, const char *series, const char *sop, int instance, int frame,
                         double col, double row, double lps[3])
{
    (void)ctx;
    (void)series;
    (void)sop;
    if (frame > 2 || instance < 1 || instance > 10 || !(col >= 0 && col <= 255) ||
        !(row >= 0 && row <= 255))
        return 1;
    lps[0] = -64 + 0.5 * col;
    lps[1] = -64 + 0.5 * row;
    lps[2] = 5.0 * (instance - 1);
    return 0;
}

static inline void harness_init(void)
{
    if (g_models)
        return;
    sps_error err;
    if (sps_models_load_builtin(&g_models, &err) != SPS_OK)
        abort();
    /* 48^3 CT volume, 2 mm voxels, centred on the origin (the sample phantoms' frame) */
    sps_geometry g = {{48, 48, 48}, {2, 2, 2}, {-48, -48, -48}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
    if (sps_volume_new(&g_vol, &g, &err) != SPS_OK)
        abort();
    sps_volume_set_meta(g_vol, SPS_UNITS_HU, "CT", "2.25.1");
    float *v = sps_volume_data(g_vol);
    for (size_t i = 0; i < sps_volume_voxel_count(g_vol); i++)
        v[i] = (float)((i * 7919u) % 1400u) - 200.0f; /* every value class: lytic to blastic */
}

static inline void harness_measure(const sps_models *models, const char *json_in, size_t size,
                            const char *origin)
{
    harness_init();
    sps_error err;
    sps_annotations *a = NULL;
    if (sps_annotations_parse(&a, models, json_in, size, origin, fuzz_resolver, NULL, &err) != SPS_OK)
        return;
    (void)sps_annotations_point_count(a);
    (void)sps_annotations_check_volume(a, g_vol, &err);
    char level[8], next[8];
    sps_status st = sps_annotations_lesion_level(a, level, &err);
    /* levels to measure: the lesion level if there is one, and those of the first regions */
    char levels[4][8];
    size_t nlev = 0;
    if (st == SPS_OK)
        memcpy(levels[nlev++], level, 8);
    size_t nreg = sps_annotations_region_count(a);
    for (size_t i = 0; i < nreg && nlev < 4; i++) {
        sps_annotation_region r;
        if (sps_annotations_region(a, i, &r) && r.level[0])
            memcpy(levels[nlev++], r.level, 8);
    }
    for (size_t l = 0; l < nlev; l++) {
        sps_morpho6 m;
        (void)sps_annotations_has_morpho6(a, levels[l], &m);
        (void)sps_annotations_adjacent_level(a, levels[l], -1, next);
        (void)sps_annotations_adjacent_level(a, levels[l], +1, next);
        const double(*lps)[3] = NULL;
        char found[8];
        (void)sps_annotations_outline(a, levels[l], "sac_outline", "worst", &lps, found);
        (void)sps_annotations_outline(a, NULL, "tumor_outline", "reference", &lps, found);
        char *json = NULL;
        if (sps_measure_lesion_json(&json, models, a, levels[l], &err) == SPS_OK)
            sps_free(json);
        json = NULL;
        if (sps_measure_lesion_json_volume(&json, models, a, g_vol, levels[l], &err) == SPS_OK)
            sps_free(json);
    }
    sps_annotations_free(a);
}

static inline void harness_run(const uint8_t *data, size_t size, const char *origin)
{
    harness_init();
    harness_measure(g_models, (const char *)data, size, origin);
}

#endif
