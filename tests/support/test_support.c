/* test_support.c — helpers shared by the cmocka tests. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"
#include "util_internal.h"

void sps_assert_near_impl(double actual, double expected, double tol, const char *expr,
                          const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol)) {
        print_error("%s = %.9g, expected %.9g +/- %.3g\n", expr, actual, expected, tol);
        _fail(file, line);
    }
}

const char *sps_test_path(const char *relative)
{
    static char buf[4096];
    const char *root = getenv("SPS_SOURCE_DIR");
    if (!root || !*root)
        root = SPS_SOURCE_DIR;
    snprintf(buf, sizeof buf, "%s/%s", root, relative);
    return buf;
}

const char *sps_test_corpus_dir(void)
{
    static char buf[4096];
    struct stat st;
    const char *env = getenv("SPS_CORPUS_DIR");
    if (env && *env) {
        sps_strlcpy(buf, env, sizeof buf);
    } else {
        const char *root = getenv("SPS_SOURCE_DIR");
        if (!root || !*root)
            root = SPS_SOURCE_DIR;
        snprintf(buf, sizeof buf, "%s/../shared/dicom-corpus", root);
    }
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return buf;
}

char *sps_test_mkdtemp(void)
{
    char tmpl[] = "/tmp/sps-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? sps_strdup(d) : NULL;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void sps_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}
