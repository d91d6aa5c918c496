/* annotations_internal.h — the parsed annotation set shared by annotations.c (reading and
 * checking the JSON) and annotations_derive.c (geometry, regions against the volume, lesion JSON).
 * Not installed; not part of the public API. */
#ifndef SPS_ANNOTATIONS_INTERNAL_H
#define SPS_ANNOTATIONS_INTERNAL_H

#include <stddef.h>

#include "spinescore/measure.h"

typedef struct ann_point {
    char level[8], role[24], item[96];
    double lps[3];
} ann_point;

typedef struct ann_outline {
    char level[8], role[24], slice[16], item[96];
    double (*pts)[3];
    size_t n;
} ann_outline;

typedef enum { REGION_SPHERE = 0, REGION_POLYGON = 1 } region_kind;

typedef struct ann_region {
    char level[8], role[24], item[96];
    region_kind kind;
    double centre[3], radius_mm; /* sphere */
    double (*poly)[3];           /* polygon on one plane (malloc) */
    size_t npoly;
    double normal[3], u[3], v[3];/* polygon plane: unit normal and in-plane basis */
} ann_region;

typedef struct ann_vertebra {
    char level[8];
    int involved;            /* -1 unknown */
    double involved_fraction;/* NaN unknown */
    int preexisting;         /* deformity recorded as pre-existing */
    int epidural_tumor;      /* -1 unknown */
    int posterolateral_assessed;
} ann_vertebra;

struct sps_annotations {
    ann_point *pts;
    size_t npts, cpts;
    ann_outline *outl;
    size_t noutl, coutl;
    ann_region *regs;
    size_t nregs, cregs;
    ann_vertebra *verts;
    size_t nverts, cverts;
    char levels[40][8]; /* level order from models/sins.json */
    size_t nlevels;
};

/* Index of @p level in the model's level order, or -1. */
int sps_ann_level_index(const sps_annotations *a, const char *level);
/* 1 if @p label is a level of the model (copied, normalised, into @p out). */
int sps_ann_check_level(const sps_annotations *a, const char *label, char out[8]);
/* The point with this level and role, or NULL. */
const ann_point *sps_ann_find_point(const sps_annotations *a, const char *level, const char *role);
/* How many of the six morphometry points are present for @p level (0-6). */
int sps_ann_morpho_count(const sps_annotations *a, const char *level);
/* Per-vertebra reader facts for @p level, or NULL. */
const ann_vertebra *sps_ann_vert(const sps_annotations *a, const char *level);

#endif
