/* error.c — status names, error record filling. */
#include <stdio.h>
#include <string.h>

#include "util_internal.h"
#include "spinescore/version.h"

const char *sps_status_name(sps_status status)
{
    switch (status) {
#define SPS_X_NAME(name, value, text) \
    case name:                        \
        return #name;
        SPS_STATUS_LIST(SPS_X_NAME)
#undef SPS_X_NAME
    }
    return "SPS_E?";
}

const char *sps_status_text(sps_status status)
{
    switch (status) {
#define SPS_X_TEXT(name, value, text) \
    case name:                        \
        return text;
        SPS_STATUS_LIST(SPS_X_TEXT)
#undef SPS_X_TEXT
    }
    return "unknown status";
}

void sps_error_clear(sps_error *err)
{
    if (!err)
        return;
    err->code = SPS_OK;
    err->where[0] = '\0';
    err->message[0] = '\0';
}

sps_status sps_error_setv(sps_error *err, sps_status code, const char *where, const char *fmt,
                          va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    sps_strlcpy(err->where, where ? where : "", sizeof err->where);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

sps_status sps_error_set(sps_error *err, sps_status code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sps_error_setv(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

const char *sps_version(void)
{
    return SPS_VERSION_STRING;
}
