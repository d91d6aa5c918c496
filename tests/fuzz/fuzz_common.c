/* fuzz_common.c — scratch folder for the fuzz targets that need a file on disk. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

static char g_dir[256];

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (g_dir[0])
        nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *sps_fuzz_scratch(void)
{
    if (g_dir[0])
        return g_dir;
    const char *bases[3] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
    for (int i = 0; i < 3; i++) {
        if (!bases[i] || !*bases[i] || access(bases[i], W_OK) != 0)
            continue;
        snprintf(g_dir, sizeof g_dir, "%s/sps-fuzz-XXXXXX", bases[i]);
        if (mkdtemp(g_dir)) {
            atexit(cleanup);
            return g_dir;
        }
        g_dir[0] = '\0';
    }
    return NULL;
}

const char *sps_fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    const char *dir = sps_fuzz_scratch();
    if (!dir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    int ok = (size == 0 || fwrite(data, 1, size, f) == size);
    if (fclose(f) != 0 || !ok)
        return NULL;
    return path;
}
