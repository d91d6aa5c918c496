/* fileio.c — bounded whole-file reads and atomic writes (temp name in the same folder, then rename). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util_internal.h"

sps_status sps_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes,
                         sps_error *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sps_error_set(err, errno == ENOENT ? SPS_ENOTFOUND : SPS_EIO, path,
                             "cannot open for reading: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return sps_error_set(err, SPS_EINVALID, path, "is a directory, expected a file");
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > max_bytes) {
                free(buf);
                fclose(f);
                return sps_error_set(err, SPS_EINVALID, path, "file is larger than the %zu-byte limit for this input",
                                     max_bytes);
            }
            size_t ncap = cap * 2;
            char *p = realloc(buf, ncap);
            if (!p) {
                free(buf);
                fclose(f);
                return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
            }
            buf = p;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return sps_error_set(err, SPS_EIO, path, "read error");
    }
    if (len > max_bytes) {
        free(buf);
        return sps_error_set(err, SPS_EINVALID, path, "file is larger than the %zu-byte limit for this input",
                             max_bytes);
    }
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return SPS_OK;
}

sps_status sps_write_file_atomic(const char *path, const void *data, size_t len, sps_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        sps_status st = sps_error_set(err, SPS_EIO, path, "cannot create temporary file: %s",
                                      strerror(errno));
        free(tmp);
        return st;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            sps_status st = sps_error_set(err, SPS_EIO, path, "write failed: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return st;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || fchmod(fd, 0644) != 0) {
        sps_status st = sps_error_set(err, SPS_EIO, path, "cannot flush file: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return st;
    }
    if (close(fd) != 0) {
        sps_status st = sps_error_set(err, SPS_EIO, path, "close failed: %s", strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    if (rename(tmp, path) != 0) {
        sps_status st = sps_error_set(err, SPS_EIO, path, "cannot rename temporary file into place: %s",
                                      strerror(errno));
        unlink(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return SPS_OK;
}
