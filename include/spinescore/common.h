/* common.h — status codes, the caller-owned error record and export macros shared by every module. */
#ifndef SPINESCORE_COMMON_H
#define SPINESCORE_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
#define SPS_BEGIN_DECL extern "C" {
#define SPS_END_DECL }
#else
#define SPS_BEGIN_DECL
#define SPS_END_DECL
#endif

#if defined(__GNUC__)
#define SPS_API __attribute__((visibility("default")))
#else
#define SPS_API
#endif

SPS_BEGIN_DECL

/**
 * The one list of status codes (X-macro): name, value, one-line meaning.
 * docs/errors.md lists every code; a test checks that it does.
 */
#define SPS_STATUS_LIST(X)                                                             \
    X(SPS_OK, 0, "success")                                                            \
    X(SPS_EINVALID, -1, "invalid argument or input value")                             \
    X(SPS_ENOTFOUND, -2, "file, series or entry not found")                            \
    X(SPS_EIO, -3, "input/output error")                                               \
    X(SPS_EFORMAT, -4, "parsed but malformed (JSON, DICOM, model file)")               \
    X(SPS_EUNSUPPORTED, -5, "valid but unsupported (transfer syntax, modality, ...)")  \
    X(SPS_ENOMEM, -6, "out of memory or size limit exceeded")                          \
    X(SPS_EINTERNAL, -7, "internal error (broken invariant, unexpected exception)")

typedef enum sps_status {
#define SPS_X_ENUM(name, value, text) name = value,
    SPS_STATUS_LIST(SPS_X_ENUM)
#undef SPS_X_ENUM
} sps_status;

/**
 * Error record owned by the caller (fixed storage: thread-safe, works when memory ran out).
 * The code that detects a problem fills it; callers pass it up unchanged. A NULL pointer is
 * accepted everywhere an sps_error * is taken.
 */
typedef struct sps_error {
    sps_status code;
    char where[256];   /**< file, DICOM tag "(0028,0030)", or "case.json:12:7", or a JSON path */
    char message[768]; /**< what was found and what was expected */
} sps_error;

/** Symbolic name of a status ("SPS_EFORMAT"); never NULL. */
SPS_API const char *sps_status_name(sps_status status);
/** One-line meaning of a status; never NULL. */
SPS_API const char *sps_status_text(sps_status status);

/** Reset an error record to SPS_OK with empty strings (NULL-safe). */
SPS_API void sps_error_clear(sps_error *err);

/** Free memory that a spinescore function returned as "caller owns; free with sps_free". */
SPS_API void sps_free(void *ptr);

/** Library version string, e.g. "0.1.0". */
SPS_API const char *sps_version(void);

SPS_END_DECL

#endif /* SPINESCORE_COMMON_H */
