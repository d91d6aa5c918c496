/* auto.h — `--auto SEEDS.json` for `spinescore measure` and `spinescore run`: each seed runs its
 * semi-automatic path of src/seg on the loaded series, the derived landmarks and regions are
 * merged with the reader's annotations (the reader's items win for the same level + role) and
 * measured by the same src/measure code. Prints nothing (the CLI prints the notes). */
#ifndef SPS_CLI_AUTO_H
#define SPS_CLI_AUTO_H

#include "pipeline.h"

typedef struct sps_auto sps_auto;

/** The "series_uid" of a seeds file ("" when absent). Used to choose the series when neither
 *  --series nor annotations name it. */
sps_status sps_auto_peek_series(char uid[128], const char *seeds_path, sps_error *err);

/**
 * Run every seed of @p seeds_path on p->volume, merge the derived items with the reader's
 * annotations (@p annotations_path, spinescore format; NULL = none) and replace p->annotations
 * with the merged set (parsed and checked against the volume like a reader's file).
 * @return SPS_OK; SPS_EFORMAT (seeds file malformed); SPS_EINVALID (a seed outside the volume,
 *         a seed where its path finds nothing: the seed is named); SPS_EUNSUPPORTED (a build
 *         without src/seg, no seed usable on this modality, Slicer annotations with --auto).
 */
sps_status sps_auto_apply(sps_auto **out, sps_pipeline *p, const sps_models *models, const char *seeds_path,
                          const char *annotations_path, sps_error *err);

/** The level to measure when none is given: the reader's lesion level, else the level of the
 *  lesion seed, else of the worst-slice sac seed. NULL when none. */
const char *sps_auto_level(const sps_auto *a);

/** The merged annotations (spinescore-annotations JSON: the reader's items and the derived ones,
 *  each derived item with a "note"), for a reader to correct and load back with --annotations. */
const char *sps_auto_annotations_json(const sps_auto *a);

/** Notes for stderr: seeds not run (modality), derived items the reader's items replaced.
 *  Count and item i. */
size_t sps_auto_note_count(const sps_auto *a);
const char *sps_auto_note(const sps_auto *a, size_t i);

/**
 * Rewrite a spinescore-measurements document: "source": "semi_automatic" on the components the
 * derived items drive (with evidence.semi_automatic naming the seeds), and an "auto" member
 * (seeds file, seeds run / skipped, derived items used / replaced, @p annotations_out).
 * Caller owns *out (sps_free).
 */
sps_status sps_auto_mark(char **out, const sps_auto *a, const char *measurements_json,
                         const char *annotations_out, sps_error *err);

void sps_auto_free(sps_auto *a);

#endif
