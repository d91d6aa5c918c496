/* bench_seg.c — benchmark of the semi-automatic CT paths (issue 5): one click in a vertebral body
 * and one in its lesion on a 512x512x300 CT phantom (rendered in memory by the sps_phantom library),
 * with peers measured in the same run: one pass over the volume (sps_volume_stats_all, the memory
 * floor) and the ITK NIfTI write of the whole volume (ITK I/O on the same buffer).
 *   sps-bench-seg [RUNS] [TMPDIR]      prints median wall times (s). Not a test. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "phantom.h"
#include "spinescore/measure.h"
#include "spinescore/seg.h"
#include "spinescore/seg_ct.h"
#include "spinescore/volume.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* process CPU time (all threads): less sensitive than wall time to other jobs on a shared machine */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* the process policy of the spinescore executable (src/cli/main.c memory_policy), so the
     * paths are timed as `spinescore measure/run --auto` runs them; SPS_BENCH_SEG_GLIBC_DEFAULT=1
     * keeps glibc's defaults (each ITK grid buffer a fresh, page-faulted mapping) */
    if (!getenv("SPS_BENCH_SEG_GLIBC_DEFAULT")) {
        mallopt(M_MMAP_THRESHOLD, 16 << 20);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
    }
#endif
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    const char *tmp = argc > 2 ? argv[2] : "/tmp";
    if (runs < 1 || runs > 50)
        runs = 5;
    static const char *spec =
        "{\"name\": \"bench-seg\", \"seed\": 5, \"levels\": {\"from\": \"T10\", \"to\": \"L4\"}, \"focus\": \"L1\","
        " \"acquisition\": {\"modality\": \"CT\", \"plane\": \"axial\", \"matrix\": [512, 512],"
        " \"pixel_spacing_mm\": [0.7, 0.7], \"slices\": 300, \"slice_thickness_mm\": 0.6, \"supersample\": 1,"
        " \"noise_sd\": 15}, \"lesions\": [{\"level\": \"L1\", \"type\": \"mixed\", \"body_fraction\": 0.4,"
        " \"position\": [0, 0.1, 0]}], \"collapse\": [{\"level\": \"L1\", \"anterior_pct\": 40, \"middle_pct\": 25,"
        " \"posterior_pct\": 5}]}";
    static ph_model m;
    sps_error err;
    if (ph_model_from_json(&m, spec, "bench-seg", -1, &err) != SPS_OK) {
        fprintf(stderr, "spec: %s\n", err.message);
        return 1;
    }
    /* SPS_BENCH_SEG_VOLUME=FILE keeps the rendered voxels in FILE (raw float32) and reuses them:
     * rendering takes ~20-50 s, the measured paths well under that */
    const char *cache = getenv("SPS_BENCH_SEG_VOLUME");
    double t0 = now();
    ph_image img;
    const size_t nvox = (size_t)m.acq.cols * (size_t)m.acq.rows * (size_t)m.acq.slices;
    int from_cache = 0;
    if (cache) {
        FILE *f = fopen(cache, "rb");
        if (f) {
            memset(&img, 0, sizeof img);
            img.value = malloc(nvox * sizeof(float));
            from_cache = img.value && fread(img.value, sizeof(float), nvox, f) == nvox && fgetc(f) == EOF;
            fclose(f);
            if (!from_cache)
                free(img.value);
        }
    }
    if (!from_cache) {
        if (ph_render(&m, &img, &err) != SPS_OK) {
            fprintf(stderr, "render: %s\n", err.message);
            return 1;
        }
        if (cache) {
            FILE *f = fopen(cache, "wb");
            if (!f || fwrite(img.value, sizeof(float), nvox, f) != nvox) {
                fprintf(stderr, "cannot write %s\n", cache);
                return 1;
            }
            fclose(f);
        }
    }
    double t_render = now() - t0;
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = (size_t)m.acq.cols;
    g.dims[1] = (size_t)m.acq.rows;
    g.dims[2] = (size_t)m.acq.slices;
    g.spacing_mm[0] = m.acq.col_spacing;
    g.spacing_mm[1] = m.acq.row_spacing;
    g.spacing_mm[2] = m.acq.spacing;
    for (int a = 0; a < 3; a++) {
        g.origin_lps[a] = m.acq.first[a];
        g.direction[0][a] = m.acq.row_cos[a];
        g.direction[1][a] = m.acq.col_cos[a];
        g.direction[2][a] = m.acq.normal[a];
    }
    sps_volume *vol = NULL;
    if (sps_volume_new_copy(&vol, &g, img.value, &err) != SPS_OK)
        return 1;
    ph_image_free(&img);
    sps_volume_set_meta(vol, SPS_UNITS_HU, "CT", "2.25.5");
    sps_models *models = NULL;
    if (sps_models_load_builtin(&models, &err) != SPS_OK)
        return 1;
    int li = -1;
    for (int i = 0; i < m.nvert; i++)
        if (strcmp(m.vert[i].name, "L1") == 0)
            li = i;
    const ph_lesion *ls = &m.lesion[0];
    double seed[3];
    ph_to_world(&m, li, ls->center_local, seed);
    double *tb = calloc((size_t)runs, sizeof(double)), *tl = calloc((size_t)runs, sizeof(double)),
           *ts = calloc((size_t)runs, sizeof(double)), *tn = calloc((size_t)runs, sizeof(double)),
           *cb = calloc((size_t)runs, sizeof(double)), *cl = calloc((size_t)runs, sizeof(double));
    char nii[4096];
    snprintf(nii, sizeof nii, "%s/sps-bench-seg-%ld.nii", tmp, (long)getpid());
    sps_seg_ct_lesion L;
    for (int r = 0; r < runs; r++) {
        sps_seg_ct_body b;
        double c0 = cpu();
        t0 = now();
        if (sps_seg_ct_find_body(&b, vol, models, seed, &err) != SPS_OK) {
            fprintf(stderr, "body: %s\n", err.message);
            return 1;
        }
        tb[r] = now() - t0;
        cb[r] = cpu() - c0;
        c0 = cpu();
        t0 = now();
        if (sps_seg_ct_find_lesion(&L, vol, models, seed, NULL, 0, &err) != SPS_OK) {
            fprintf(stderr, "lesion: %s\n", err.message);
            return 1;
        }
        tl[r] = now() - t0;
        cl[r] = cpu() - c0;
        if (r + 1 < runs)
            sps_seg_ct_lesion_clear(&L);
        sps_volume_stats st;
        t0 = now();
        sps_volume_stats_all(&st, vol, NULL);
        ts[r] = now() - t0;
        t0 = now();
        if (sps_seg_write_nifti(vol, nii, &err) != SPS_OK) {
            fprintf(stderr, "nifti: %s\n", err.message);
            return 1;
        }
        tn[r] = now() - t0;
        unlink(nii);
    }
    sps_lesion_density d;
    sps_measure_lesion_density(&d, models, L.lesion_hu, L.lesion_count, L.reference_hu, L.reference_count, NULL);
    printf("volume: %zux%zux%zu CT phantom (%.0f MB float), %s in %.1f s\n", g.dims[0], g.dims[1], g.dims[2],
           (double)sps_volume_voxel_count(vol) * 4 / 1e6, from_cache ? "read from SPS_BENCH_SEG_VOLUME" : "rendered",
           t_render);
    printf("runs: %d (median wall time)\n", runs);
    printf("%-52s %.3f s\n", "body (one click): sps_seg_ct_find_body", median(tb, runs));
    printf("%-52s %.3f s\n", "lesion (one click; body + 2 neighbours + lesion)", median(tl, runs));
    printf("%-52s %.3f s\n", "body + lesion per vertebra", median(tb, runs) + median(tl, runs));
    printf("%-52s %.3f s\n", "CPU time (all threads), body", median(cb, runs));
    printf("%-52s %.3f s\n", "CPU time (all threads), lesion", median(cl, runs));
    printf("%-52s %.3f s\n", "peer: one pass over the volume (stats_all)", median(ts, runs));
    printf("%-52s %.3f s\n", "peer: ITK NIfTI write of the volume", median(tn, runs));
    printf("result: lesion class %s, body fraction %.2f (truth %.2f)\n", d.sins_token[0] ? d.sins_token : "-",
           L.body_fraction, ls->body_fraction);
    sps_seg_ct_lesion_clear(&L);
    free(tb);
    free(tl);
    free(ts);
    free(tn);
    free(cb);
    free(cl);
    sps_models_free(models);
    sps_volume_free(vol);
    return 0;
}
