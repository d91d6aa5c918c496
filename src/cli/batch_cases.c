/* batch_cases.c — `spinescore batch`: small helpers, the per-case files (DIR/work/<folder>/exit,
 * DIR/cases/<folder>/report.json), the summary CSV and the progress output. The cases themselves
 * run in cmd_batch.c. */
#define _GNU_SOURCE /* prctl, nftw, realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch_internal.h"
#include "cli.h"
#include "util_internal.h"

/* ---- small helpers ------------------------------------------------------------------------ */

/* snprintf for paths and messages (a long path is cut, never overflows). */
int batch_pathf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

double batch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int batch_mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    if (strlen(dir) >= sizeof buf)
        return -1;
    sps_strlcpy(buf, dir, sizeof buf);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void batch_rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int batch_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* FNV-1a, 64 bits: the derived case key (stable across runs and machines). */
uint64_t batch_fnv1a64(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Case ids and reader ids become folder names: letters, digits, . _ - (not leading . or -). */
int batch_valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

char *batch_join_path(const char *dir, const char *p)
{
    sps_str s = {0};
    if (p[0] == '/')
        sps_str_append(&s, p);
    else
        sps_str_printf(&s, "%s/%s", dir, p);
    return sps_str_detach(&s);
}

/* A small settings file of DIR, written once (the first process wins, also under GNU parallel):
 * *value is replaced by what the file holds. 0 ok, -1 error. */
int batch_settle_file(const char *path, char *value, size_t size)
{
    char tmp[PATH_MAX + 32];
    batch_pathf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    sps_error err;
    if (!batch_exists(path)) {
        if (sps_write_file_atomic(tmp, value, strlen(value), &err) != SPS_OK)
            return -1;
        if (link(tmp, path) != 0 && errno != EEXIST) {
            unlink(tmp);
            return -1;
        }
        unlink(tmp);
    }
    char *text = NULL;
    if (sps_read_file(&text, NULL, path, 256, &err) != SPS_OK)
        return -1;
    sps_strlcpy(value, text, size);
    sps_free(text);
    value[strcspn(value, "\r\n")] = '\0';
    return 0;
}

/* ---- per-case files ----------------------------------------------------------------------- */

void batch_case_path(char *buf, size_t size, const batch *b, const bcase *c, const char *what)
{
    if (strcmp(what, "report") == 0)
        batch_pathf(buf, size, "%s/cases/%s/report.json", b->out, c->folder);
    else
        batch_pathf(buf, size, "%s/work/%s%s%s", b->out, c->folder, what[0] ? "/" : "", what);
}

int batch_read_exit(const batch *b, const bcase *c, case_exit *e)
{
    char p[PATH_MAX + 256];
    batch_case_path(p, sizeof p, b, c, "exit");
    char *text = NULL;
    sps_error err;
    if (sps_read_file(&text, NULL, p, 256, &err) != SPS_OK)
        return 0;
    int ok = sscanf(text, "%15s %ld", e->how, &e->code) == 2;
    sps_free(text);
    return ok;
}

int batch_case_complete(const batch *b, const bcase *c, case_exit *e)
{
    char p[PATH_MAX + 256];
    batch_case_path(p, sizeof p, b, c, "report");
    return batch_read_exit(b, c, e) && strcmp(e->how, "exit") == 0 && (e->code == 0 || e->code == 1) && batch_exists(p);
}

/* The error cell: how the child ended and what it printed on stderr (one line, bounded). */
char *batch_case_error(const batch *b, const bcase *c, const case_exit *e)
{
    sps_str s = {0};
    if (strcmp(e->how, "exit") == 0 && e->code != 0)
        sps_str_printf(&s, "run exit %ld: ", e->code);
    else if (strcmp(e->how, "signal") == 0)
        sps_str_printf(&s, "run killed by signal %ld (%s): ", e->code, strsignal((int)e->code));
    else if (strcmp(e->how, "timeout") == 0)
        sps_str_printf(&s, "run timed out after %ld s and was killed: ", e->code);
    char p[PATH_MAX + 256];
    batch_case_path(p, sizeof p, b, c, "stderr.txt");
    char *text = NULL;
    sps_error err;
    size_t len = 0;
    if (sps_read_file(&text, &len, p, (size_t)16 << 20, &err) == SPS_OK) {
        size_t kept = 0;
        int sep = 0;
        for (char *line = text; line && *line && kept < BATCH_ERROR_MAX;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
                n--;
            if (n) {
                if (sep)
                    sps_str_append(&s, " | ");
                if (kept + n > BATCH_ERROR_MAX)
                    n = BATCH_ERROR_MAX - kept;
                for (size_t i = 0; i < n; i++) /* control characters out of the cell */
                    sps_str_appendn(&s, (unsigned char)line[i] < 0x20 ? " " : &line[i], 1);
                kept += n;
                sep = 1;
            }
            line = nl ? nl + 1 : NULL;
        }
    }
    sps_free(text);
    if (s.ptr) /* drop a trailing ": " when nothing was printed */
        while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == ':'))
            s.ptr[--s.len] = '\0';
    if (!s.ptr)
        sps_str_append(&s, "");
    return sps_str_detach(&s);
}

/* Summary rows of a case from what is on disk (NULL status: not finished, no row). */
char *batch_case_rows(const batch *b, const bcase *c, const char **status_out)
{
    case_exit e;
    sps_batch_result r = {c->key, c->row->cell[SPS_BATCH_COL_READER] ? c->row->cell[SPS_BATCH_COL_READER] : "",
                          NULL, "", NULL};
    char rep[PATH_MAX + 256];
    batch_case_path(rep, sizeof rep, b, c, "report");
    char *error = NULL;
    if (batch_read_exit(b, c, &e)) {
        if (batch_case_complete(b, c, &e)) {
            r.status = e.code == 0 ? "ok" : "partial";
            r.report_json = rep;
        } else {
            r.status = "failed";
        }
        if (strcmp(r.status, "ok") != 0) {
            error = batch_case_error(b, c, &e);
            r.error = error ? error : "";
        }
    }
    if (status_out)
        *status_out = r.status;
    char *rows = sps_batch_summary_rows(&r, b->identifiers);
    sps_free(error);
    return rows;
}

sps_status batch_write_summary(batch *b, sps_error *err)
{
    sps_str s = {0};
    char *h = sps_batch_summary_header(b->identifiers);
    sps_str_append(&s, h ? h : "");
    sps_free(h);
    for (size_t i = 0; i < b->n; i++) {
        bcase *c = &b->c[i];
        if (!c->rows && !c->pid)
            c->rows = batch_case_rows(b, c, NULL);
        if (c->rows && !c->pid)
            sps_str_append(&s, c->rows);
    }
    if (s.failed) {
        sps_str_free(&s);
        return sps_error_set(err, SPS_ENOMEM, "summary.csv", "out of memory");
    }
    /* writers hold work/summary.lock: a temporary summary.csv.tmp.* found under it was left by a
     * killed writer */
    char p[PATH_MAX + 32];
    batch_pathf(p, sizeof p, "%s/work/summary.lock", b->out);
    int lfd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lfd >= 0 && flock(lfd, LOCK_EX) == 0) {
        DIR *d = opendir(b->out);
        for (struct dirent *e; d && (e = readdir(d));)
            if (strncmp(e->d_name, "summary.csv.tmp.", 16) == 0) {
                batch_pathf(p, sizeof p, "%s/%s", b->out, e->d_name);
                unlink(p);
            }
        if (d)
            closedir(d);
    }
    batch_pathf(p, sizeof p, "%s/summary.csv", b->out);
    sps_status st = sps_write_file_atomic(p, s.ptr, s.len, err);
    sps_str_free(&s);
    if (lfd >= 0)
        close(lfd);
    return st;
}

/* ---- progress ----------------------------------------------------------------------------- */

static void fmt_hms(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    batch_pathf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void batch_progress_line(batch *b)
{
    if (!b->tty)
        return;
    double el = batch_now() - b->start;
    char eta[32] = "?", elapsed[32];
    fmt_hms(elapsed, sizeof elapsed, el);
    double rate = b->ran && el > 0 ? b->ran / el * 3600.0 : 0;
    if (b->ran && el > 0)
        fmt_hms(eta, sizeof eta, (double)(b->total - b->done) / (b->ran / el));
    fprintf(stderr, "\r\033[Kbatch: %zu/%zu done (%zu ok, %zu partial, %zu failed, %zu already complete), "
                    "%.0f cases/h, elapsed %s, ETA %s",
            b->done, b->total, b->ok, b->partial, b->failed, b->skipped, rate, elapsed, eta);
    fflush(stderr);
    b->progress_shown = 1;
}

void batch_log_case(batch *b, const bcase *c, const char *what, double secs)
{
    if (b->tty) { /* a case that did not end ok keeps its line above the progress line */
        if (strcmp(what, "ok") != 0 && strcmp(what, "already complete") != 0)
            fprintf(stderr, "\r\033[Kspinescore batch: row %zu %s: %s\n", c->number, c->folder, what);
        batch_progress_line(b);
        return;
    }
    if (secs >= 0)
        fprintf(stderr, "spinescore batch: [%zu/%zu] row %zu %s: %s (%.1f s)\n", b->done, b->total, c->number,
                c->folder, what, secs);
    else
        fprintf(stderr, "spinescore batch: [%zu/%zu] row %zu %s: %s\n", b->done, b->total, c->number, c->folder,
                what);
}
