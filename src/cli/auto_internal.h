/* auto_internal.h — private to `--auto SEEDS.json` (auto.h): the seeds, the state of one run and
 * the parts the driver auto.c calls: auto_seeds.c (the seeds file -> checked seeds), auto_mr.c
 * (the canal path of the sac seeds), auto_ct.c (the CT body/lesion paths and the body-depth
 * cross-check), auto_merge.c (derived items merged with the reader's annotations, the components
 * they drive, the marks on the measurements). Prints nothing. */
#ifndef SPS_CLI_AUTO_INTERNAL_H
#define SPS_CLI_AUTO_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "auto.h"
#include "util_internal.h"

#define SPS_SEEDS_MAX_BYTES (4u * 1024u * 1024u)
#define SPS_AUTO_MAX_NOTES 64

enum { K_BODY, K_LESION, K_SAC, K_REFBONE };
extern const char *const sps_auto_kind_names[4]; /* "body", "lesion", "sac", "reference_bone" */

typedef struct seed {
    char level[8];
    int kind;
    int reference; /* sac: slice "reference" */
    double lps[3];
    char name[96]; /* "seeds[3] (T12 sac worst)" */
} seed;

struct sps_auto {
    char *merged;                /* merged annotation JSON */
    char level[8];
    char *notes[SPS_AUTO_MAX_NOTES];
    size_t nnotes;
    cJSON *info;                 /* the "auto" member of the measurements */
    int drives[5];               /* collapse, alignment, bone_lesion, escc, body fraction */
    char drive_seeds[5][256];
};

enum { D_COLLAPSE, D_ALIGNMENT, D_BONE_LESION, D_ESCC, D_FRACTION };

/* ---- the run (auto.c) ---- */

/* A note for stderr (at most SPS_AUTO_MAX_NOTES; a longer one is cut at 511 bytes). */
void sps_auto_add_note(sps_auto *a, const char *fmt, ...) SPS_PRINTF(2, 3);

/* ---- seeds (auto_seeds.c) ---- */

/* A JSON file of at most SPS_SEEDS_MAX_BYTES; malformed JSON is named by line and column. */
sps_status sps_auto_read_json(cJSON **out, const char *path, sps_error *err);
/* C0-C7, T1-T12, L1-L5, S1-S5 (docs/schemas/seeds.schema.json) */
int sps_auto_valid_level(const char *s);
/* Numeric position of a level along the spine (C0 = 0 ... S5), for "below the conus". */
int sps_auto_level_rank(const char *s);
/* The seeds of a spinescore-seeds document, each inside p->volume (pixel references resolved).
 * Caller frees *out (free). */
sps_status sps_auto_parse_seeds(seed **out, size_t *nout, const cJSON *root, const sps_pipeline *p, const char *path,
                                sps_error *err);

/* ---- merging (auto_merge.c) ---- */

/* A string member of @p o, "" when absent. */
const char *sps_auto_js(const cJSON *o, const char *k);
/* One path's derived document @p doc (consumed) merged into @p merged (the reader's document, or
 * a fresh one): each item taken gets the note "semi-automatic: PATH from FROM" (@p path_name,
 * @p from); the items used drive their components under @p names and are listed in a->info's
 * derived_used, the reader's items that replace derived ones in derived_replaced_by_reader, and
 * @p names in seeds_run. */
void sps_auto_take_derived(sps_auto *a, cJSON *merged, cJSON *doc, const char *path_name, const char *from,
                           const char *names);

/* ---- the semi-automatic paths of src/seg (auto_mr.c, auto_ct.c; builds with src/seg) ---- */

/* measurement.auto.cord_absent_from_level as a level rank. */
sps_status sps_auto_cord_absent_from(int *rank, const sps_models *models, sps_error *err);
/* The reference sac seed nearest to the worst-slice sac seed @p w among @p s, or NULL. */
const seed *sps_auto_canal_reference(const seed *s, size_t n, const seed *w);
/* One worst-slice sac seed (+ the nearest reference sac seed) -> sps_seg_canal -> annotation JSON. */
sps_status sps_auto_run_canal(cJSON **doc, char *level_out, const sps_pipeline *p, const sps_models *models,
                              const seed *w, const seed *ref, int cord_absent_rank, const char *path, sps_error *err);
/* The CT seeds @p s (body seeds, at most one lesion and one reference_bone seed) -> one annotation
 * document; @p names lists the seeds whose items it holds, @p lesion_level the lesion seed's level. */
sps_status sps_auto_run_ct(sps_auto *a, cJSON **doc, char *lesion_level, char *names, size_t names_size,
                           const sps_pipeline *p, const sps_models *models, const seed *s, size_t n, const char *path,
                           sps_error *err);

#endif
