/* main.c — sps-phantom: SPEC.json -> DIR/dicom/IM0001.dcm... + DIR/truth.json. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "phantom.h"
#include "util_internal.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sps-phantom SPEC.json --out DIR [--seed N] [--force]\n"
            "  Writes a synthetic spine series to DIR/dicom/ and its ground truth to DIR/truth.json.\n"
            "  --seed N   override the spec's seed (noise and UIDs are deterministic per seed)\n"
            "  --force    replace DICOM files left in DIR/dicom/ by an earlier run\n"
            "  The spec format is described in docs/phantoms.md.\n");
}

static int make_one(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
    }
    return -1;
}

/* mkdir -p */
static int make_dir(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (buf[i] == '/') {
            buf[i] = '\0';
            if (make_one(buf) != 0)
                return -1;
            buf[i] = '/';
        }
    }
    return make_one(buf);
}

/* Count (and with remove_them delete) earlier phantom files in dir. */
static int old_files(const char *dir, int remove_them)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".dcm") == 0) {
            n++;
            if (remove_them) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                remove(path);
            }
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL;
    long long seed = -1;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            seed = strtoll(argv[++i], &end, 10);
            if (errno || !end || *end || seed < 0 || seed > 4294967295LL) {
                fprintf(stderr, "sps-phantom: --seed %s: expected an integer 0..4294967295\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && !spec) {
            spec = argv[i];
        } else {
            fprintf(stderr, "sps-phantom: unexpected argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!spec || !out) {
        usage(stderr);
        return 2;
    }
    sps_error err;
    sps_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    ph_model *m = calloc(1, sizeof *m);
    ph_image img;
    memset(&img, 0, sizeof img);
    char *truth = NULL;
    char dicom_dir[4096], truth_path[4096];
    int rc = 1;
    if (!m) {
        fprintf(stderr, "sps-phantom: out of memory\n");
        return 1;
    }
    snprintf(dicom_dir, sizeof dicom_dir, "%s/dicom", out);
    snprintf(truth_path, sizeof truth_path, "%s/truth.json", out);
    if (sps_read_file(&text, &len, spec, 1 << 20, &err) != SPS_OK)
        goto fail;
    if (ph_model_from_json(m, text, spec, seed, &err) != SPS_OK)
        goto fail;
    if (make_dir(out) != 0 || make_dir(dicom_dir) != 0) {
        fprintf(stderr, "sps-phantom: %s: cannot create the output directory: %s\n", dicom_dir, strerror(errno));
        goto done;
    }
    int old = old_files(dicom_dir, 0);
    if (old && !force) {
        fprintf(stderr, "sps-phantom: %s already holds %d .dcm files; remove them or pass --force\n", dicom_dir,
                old);
        goto done;
    }
    if (old)
        old_files(dicom_dir, 1);
    clock_t t0 = clock();
    if (ph_render(m, &img, &err) != SPS_OK)
        goto fail;
    if (ph_write_dicom(m, &img, dicom_dir, &err) != SPS_OK)
        goto fail;
    if (ph_truth_json(m, &truth, &err) != SPS_OK)
        goto fail;
    if (sps_write_file_atomic(truth_path, truth, strlen(truth), &err) != SPS_OK)
        goto fail;
    printf("sps-phantom: %s (seed %llu): %d x %d x %d %s -> %s, truth %s (%.2f s)\n", m->name,
           (unsigned long long)m->seed, m->acq.cols, m->acq.rows, m->acq.slices, m->acq.is_mr ? "MR" : "CT",
           dicom_dir, truth_path, (double)(clock() - t0) / CLOCKS_PER_SEC);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "sps-phantom: %s: %s: %s\n", sps_status_name(err.code), err.where, err.message);
done:
    free(truth);
    ph_image_free(&img);
    sps_free(text);
    free(m);
    return rc;
}
