/* util_internal.h — internal helpers shared by all modules: error filling, growable strings,
 * whole-file reads and atomic (temp + rename) writes. Not part of the public API. */
#ifndef SPS_UTIL_INTERNAL_H
#define SPS_UTIL_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

#if defined(__GNUC__)
#define SPS_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define SPS_PRINTF(fmt_idx, arg_idx)
#endif

/** Fill err (if not NULL) with code, location and a formatted message; returns code. */
sps_status sps_error_set(sps_error *err, sps_status code, const char *where, const char *fmt, ...)
    SPS_PRINTF(4, 5);
sps_status sps_error_setv(sps_error *err, sps_status code, const char *where, const char *fmt,
                          va_list ap) SPS_PRINTF(4, 0);

/** Growable NUL-terminated string. Zero-initialise ({0}) before use; free with sps_str_free. */
typedef struct sps_str {
    char *ptr;
    size_t len;
    size_t cap;
    int failed; /**< set once an allocation failed; later appends are ignored */
} sps_str;

void sps_str_append(sps_str *s, const char *text);
void sps_str_appendn(sps_str *s, const char *text, size_t n);
void sps_str_printf(sps_str *s, const char *fmt, ...) SPS_PRINTF(2, 3);
/** Append one CSV text cell (RFC 4180; no separator): quoted when it holds a comma, quote, CR or
 * LF; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula
 * (docs/formats.md). NULL or "" appends nothing. Numbers should be printed directly. */
void sps_str_csv_cell(sps_str *s, const char *v);
/** Hand the buffer to the caller (free with sps_free); NULL if an allocation failed. */
char *sps_str_detach(sps_str *s);
void sps_str_free(sps_str *s);

/** Read a whole file (at most max_bytes) into a NUL-terminated buffer. Caller frees with sps_free. */
sps_status sps_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes,
                         sps_error *err);

/**
 * Write len bytes to path atomically: a temp file in the same folder, fsync, then rename.
 * A reader never sees a half-written file; on failure nothing is left behind.
 */
sps_status sps_write_file_atomic(const char *path, const void *data, size_t len, sps_error *err);

/** Replace, in place, every byte that is not part of well-formed UTF-8 with '?': JSON output must
 * be UTF-8, file names need not be (a path named with Latin-1 bytes). NULL-safe. */
void sps_utf8_scrub(char *s);

/** strdup that returns NULL on allocation failure (no POSIX dependency). */
char *sps_strdup(const char *s);

/** Bounded copy that always terminates dst. */
void sps_strlcpy(char *dst, const char *src, size_t dst_size);

SPS_END_DECL

#endif
