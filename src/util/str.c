/* str.c — growable strings and small string helpers. */
#include <stdlib.h>
#include <string.h>

#include "util_internal.h"

void sps_free(void *ptr)
{
    free(ptr);
}

char *sps_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void sps_strlcpy(char *dst, const char *src, size_t dst_size)
{
    if (!dst_size)
        return;
    size_t n = strlen(src);
    if (n >= dst_size)
        n = dst_size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int reserve(sps_str *s, size_t extra)
{
    if (s->failed)
        return 0;
    if (s->len + extra + 1 <= s->cap)
        return 1;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < s->len + extra + 1)
        cap *= 2;
    char *p = realloc(s->ptr, cap);
    if (!p) {
        s->failed = 1;
        return 0;
    }
    s->ptr = p;
    s->cap = cap;
    return 1;
}

void sps_str_appendn(sps_str *s, const char *text, size_t n)
{
    if (!reserve(s, n))
        return;
    memcpy(s->ptr + s->len, text, n);
    s->len += n;
    s->ptr[s->len] = '\0';
}

void sps_str_append(sps_str *s, const char *text)
{
    sps_str_appendn(s, text, strlen(text));
}

void sps_str_csv_cell(sps_str *s, const char *v)
{
    if (!v || !*v)
        return;
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        sps_str_append(s, "\"");
    if (strchr("=+-@", v[0]))
        sps_str_append(s, "'");
    for (const char *p = v; *p; p++)
        sps_str_appendn(s, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    if (quote)
        sps_str_append(s, "\"");
}

void sps_str_printf(sps_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && reserve(s, (size_t)n)) {
        vsnprintf(s->ptr + s->len, (size_t)n + 1, fmt, ap2);
        s->len += (size_t)n;
    }
    va_end(ap2);
}

char *sps_str_detach(sps_str *s)
{
    if (s->failed) {
        sps_str_free(s);
        return NULL;
    }
    if (!s->ptr) {
        if (!reserve(s, 0))
            return NULL;
        s->ptr[0] = '\0'; /* nothing appended: an empty string */
    }
    char *p = s->ptr;
    s->ptr = NULL;
    s->len = s->cap = 0;
    return p;
}

void sps_str_free(sps_str *s)
{
    free(s->ptr);
    s->ptr = NULL;
    s->len = s->cap = 0;
    s->failed = 0;
}

void sps_utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (p && *p) {
        int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        int ok = len > 0;
        for (int k = 1; ok && k < len; k++)
            ok = (p[k] & 0xC0) == 0x80;
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += len;
    }
}
