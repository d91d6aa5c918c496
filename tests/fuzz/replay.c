/* replay.c — runs a fuzz target without libFuzzer (every normal build, one ctest per target):
 * feeds each file named on the command line, each file of each folder named (sorted, not
 * recursive), and each path listed in an @LIST file to LLVMFuzzerTestOneInput.
 * In a list, blank lines and '#' comments are skipped; "corpus:REL" is REL inside the shared
 * DICOM corpus (SPS_CORPUS_DIR, else ../shared/dicom-corpus beside the source tree: the logic
 * of tests/support) and is skipped when the corpus is absent; "src:REL" is REL in the source
 * tree. A crash, a sanitizer report or a missing file fails the run. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "test_support.h"

static size_t g_runs, g_skipped;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            unsigned char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return 1;
    }
    /* an exact-size copy so that ASan sees reads past the end of the input */
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    g_runs++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open folder %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                rc = 1;
                break;
            }
            names = p;
        }
        names[count] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[count]) {
            rc = 1;
            break;
        }
        sprintf(names[count], "%s/%s", dir, e->d_name);
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, cmp_str);
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = run_file(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return S_ISDIR(st.st_mode) ? run_dir(path) : run_file(path);
}

static int run_list(const char *list)
{
    FILE *f = fopen(list, "r");
    if (!f) {
        fprintf(stderr, "replay: cannot open list %s: %s\n", list, strerror(errno));
        return 1;
    }
    char line[4096], path[8192];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        if (strncmp(line, "corpus:", 7) == 0) {
            const char *corpus = sps_test_corpus_dir();
            if (!corpus) {
                g_skipped++;
                continue;
            }
            snprintf(path, sizeof path, "%s/%s", corpus, line + 7);
        } else if (strncmp(line, "src:", 4) == 0) {
            snprintf(path, sizeof path, "%s", sps_test_path(line + 4));
        } else {
            snprintf(path, sizeof path, "%s", line);
        }
        rc = run_path(path);
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|FOLDER|@LIST ...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        int rc = argv[i][0] == '@' ? run_list(argv[i] + 1) : run_path(argv[i]);
        if (rc != 0)
            return 1;
    }
    printf("replay: %zu input(s) run without a crash", g_runs);
    if (g_skipped)
        printf(", %zu corpus seed(s) skipped (shared DICOM corpus absent)", g_skipped);
    printf("\n");
    return 0;
}
