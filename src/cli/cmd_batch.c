/* cmd_batch.c — `spinescore batch MANIFEST.csv --out DIR`: many cases, unattended. Each case is
 * `spinescore run` in a child process (this executable, /proc/self/exe), so a crash, an abort or
 * a hang of one case (killed after --timeout) never stops the batch; -j N children at once.
 * Layout of DIR (docs/formats.md §7):
 *   cases/<folder>/       what `run` writes (report.json exists only for a complete case)
 *   work/<folder>/        stdout.txt, stderr.txt, exit, lock; while the case runs also in/
 *                         (links to its inputs, link_names: no input path reaches the outputs)
 *   summary.csv           one row per (case, lesion), rebuilt in manifest order after every case
 * A case is complete when work/<folder>/exit records exit 0 or 1 and cases/<folder>/report.json
 * exists; a rerun skips complete cases and retries the others, so a killed batch resumes. */
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

#define BATCH_MANIFEST_MAX_BYTES (64u * 1024u * 1024u)

static void batch_usage(FILE *f)
{
    fprintf(f,
            "usage: spinescore batch MANIFEST.csv --out DIR [-j N] [--timeout SECONDS] [--models DIR]\n"
            "                        [--include-identifiers] [--only ROWS] [--summary-only]\n\n"
            "Runs every case of MANIFEST.csv as `spinescore run` would (one child process per case) and\n"
            "writes DIR/cases/<case>/ (the run's outputs) and DIR/summary.csv (one row per case and lesion:\n"
            "SINS components with points and source, total, category, ESCC, NOMS, survival scores, key\n"
            "measurements, status, error). A failing case is recorded with its error and never stops the\n"
            "batch. A rerun skips complete cases and retries the others (a killed batch resumes).\n\n"
            "MANIFEST.csv (docs/formats.md section 7): a header, then one case per line. Columns: study,\n"
            "clinical (required), annotations and/or seeds, reader, case_id, series, level (optional).\n"
            "Relative paths are relative to the manifest's folder.\n\n"
            "options:\n"
            "  --out DIR              the batch folder (created; rerun with the same DIR to resume)\n"
            "  -j, --jobs N           run N cases at once (default 1)\n"
            "  --timeout SECONDS      kill a case that runs longer (default 3600; 0 = never)\n"
            "  --models DIR           passed to every run\n"
            "  --include-identifiers  patient name, ID and birth date in the reports and the summary, and\n"
            "                         the DICOM outputs (SR, Secondary Captures); default: de-identified,\n"
            "                         no DICOM outputs, input paths never written\n"
            "  --only ROWS            run only these manifest rows (1 = first case line; e.g. 3,5,7-9);\n"
            "                         for GNU parallel and Slurm arrays (docs/scale-out.md); summary.csv\n"
            "                         is then left to a final --summary-only\n"
            "  --summary-only         run nothing; rebuild DIR/summary.csv from the cases on disk\n"
            "  -h, --help             this help\n\n"
            "exit codes: 0 every case ok; 1 some case failed or partial (summary.csv says which; with\n"
            "            --summary-only also: some case not run yet); 2 usage, or DIR started with the\n"
            "            other identifier setting; 3 invalid manifest (line named; nothing run); 4 the\n"
            "            manifest cannot be read, DIR or summary.csv cannot be written (docs/exit-codes.md)\n");
}

/* ---- running a case ----------------------------------------------------------------------- */

/* Names of the links to a case's inputs in work/<folder>/in (the child runs there): the study is
 * always "study" (export folders are often named after the patient); a file keeps its basename
 * (so errors and report.json name it), prefixed with its column ("clinical-x.json") when it
 * would clash with another input, start with '-' or '.', or be "study". */
static void link_names(const bcase *c, char names[SPS_BATCH_NCOL][300])
{
    for (int col = SPS_BATCH_COL_STUDY; col <= SPS_BATCH_COL_CLINICAL; col++) {
        names[col][0] = '\0';
        if (!c->path[col])
            continue;
        if (col == SPS_BATCH_COL_STUDY) {
            batch_pathf(names[col], sizeof names[col], "study");
            continue;
        }
        const char *slash = strrchr(c->path[col], '/');
        const char *base = slash ? slash + 1 : c->path[col];
        int clash = !base[0] || base[0] == '-' || base[0] == '.' || strcmp(base, "study") == 0 || strlen(base) > 200;
        for (int k = SPS_BATCH_COL_STUDY; k < col; k++)
            if (strcmp(names[k], base) == 0)
                clash = 1;
        if (clash)
            batch_pathf(names[col], sizeof names[col], "%s-%.200s", sps_batch_column_names[col], base[0] ? base : "file");
        else
            batch_pathf(names[col], sizeof names[col], "%s", base);
    }
}

static void finish_case(batch *b, bcase *c, const char *how, long code);

/* Remove staging folders a killed run left next to cases/<folder> (the lock is ours). */
static void clean_stale(const batch *b, const bcase *c)
{
    char dir[PATH_MAX + 16], prefix[200];
    batch_pathf(dir, sizeof dir, "%s/cases", b->out);
    batch_pathf(prefix, sizeof prefix, ".%s.partial-", c->folder);
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            char p[PATH_MAX + 300];
            batch_pathf(p, sizeof p, "%s/%s", dir, e->d_name);
            batch_rm_tree(p);
        }
    closedir(d);
}

/* 1: started; 0: finished at once (an input missing: recorded); -1: held by another process. */
static int launch(batch *b, bcase *c)
{
    char work[PATH_MAX + 256], p[PATH_MAX + 300];
    batch_case_path(work, sizeof work, b, c, "");
    if (batch_mkdir_p(work) != 0) {
        fprintf(stderr, "spinescore batch: %s: cannot create the folder: %s\n", work, strerror(errno));
        finish_case(b, c, "input", SPS_EXIT_IO);
        return 0;
    }
    batch_case_path(p, sizeof p, b, c, "lock");
    c->lockfd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (c->lockfd < 0 || flock(c->lockfd, LOCK_EX | LOCK_NB) != 0) {
        if (c->lockfd >= 0)
            close(c->lockfd);
        c->lockfd = -1;
        return -1;
    }
    batch_case_path(p, sizeof p, b, c, "exit");
    unlink(p);
    clean_stale(b, c);
    DIR *wd = opendir(work); /* temporaries of a killed batch (exit.tmp.*, stderr.txt.tmp.*) */
    for (struct dirent *e; wd && (e = readdir(wd));)
        if (strstr(e->d_name, ".tmp.")) {
            batch_pathf(p, sizeof p, "%s/%s", work, e->d_name);
            unlink(p);
        }
    if (wd)
        closedir(wd);
    free(c->rows);
    c->rows = NULL;

    /* inputs: check, then link (names: link_names) */
    char in[PATH_MAX + 300], names[SPS_BATCH_NCOL][300];
    link_names(c, names);
    batch_case_path(in, sizeof in, b, c, "in");
    batch_rm_tree(in);
    mkdir(in, 0777);
    sps_str msg = {0};
    for (int col = SPS_BATCH_COL_STUDY; col <= SPS_BATCH_COL_CLINICAL; col++) {
        if (!c->path[col])
            continue;
        /* de-identified: the study is named by its manifest line only, a file by its basename */
        const char *slash = strrchr(c->path[col], '/');
        const char *shown = b->identifiers ? c->row->cell[col] : col == SPS_BATCH_COL_STUDY ? "" : slash ? slash + 1 : c->path[col];
        struct stat st;
        int bad = stat(c->path[col], &st) != 0 ? errno : 0;
        if (bad || (col != SPS_BATCH_COL_STUDY && S_ISDIR(st.st_mode))) {
            sps_str_printf(&msg, "spinescore batch: manifest line %zu: %s%s%s%s: %s\n", c->row->line,
                           sps_batch_column_names[col], shown[0] ? " '" : "", shown, shown[0] ? "'" : "",
                           bad ? strerror(bad) : "is a folder, expected a file");
            continue;
        }
        batch_pathf(p, sizeof p, "%s/%s", in, names[col]);
        if (symlink(c->path[col], p) != 0)
            sps_str_printf(&msg, "spinescore batch: %s: cannot link the input: %s\n", p, strerror(errno));
    }
    batch_case_path(p, sizeof p, b, c, "stderr.txt");
    if (msg.ptr) {
        sps_error err;
        sps_write_file_atomic(p, msg.ptr, msg.len, &err);
        sps_str_free(&msg);
        finish_case(b, c, "input", SPS_EXIT_IO);
        return 0;
    }
    int efd = open(p, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    batch_case_path(p, sizeof p, b, c, "stdout.txt");
    int ofd = open(p, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    /* the command line of `spinescore run` (relative names: the child runs in work/<folder>/in) */
    char outarg[300];
    batch_pathf(outarg, sizeof outarg, "../../../cases/%s", c->folder);
    const char *argv[32];
    int k = 0;
    argv[k++] = b->self;
    argv[k++] = "run";
    argv[k++] = "study";
    argv[k++] = "--clinical";
    argv[k++] = names[SPS_BATCH_COL_CLINICAL];
    if (c->path[SPS_BATCH_COL_ANNOTATIONS]) {
        argv[k++] = "--annotations";
        argv[k++] = names[SPS_BATCH_COL_ANNOTATIONS];
    }
    if (c->path[SPS_BATCH_COL_SEEDS]) {
        argv[k++] = "--auto";
        argv[k++] = names[SPS_BATCH_COL_SEEDS];
    }
    if (c->row->cell[SPS_BATCH_COL_SERIES]) {
        argv[k++] = "--series";
        argv[k++] = c->row->cell[SPS_BATCH_COL_SERIES];
    }
    if (c->row->cell[SPS_BATCH_COL_LEVEL]) {
        argv[k++] = "--level";
        argv[k++] = c->row->cell[SPS_BATCH_COL_LEVEL];
    }
    if (b->models[0]) {
        argv[k++] = "--models";
        argv[k++] = b->models;
    }
    argv[k++] = "--out";
    argv[k++] = outarg;
    argv[k++] = b->identifiers ? "--include-identifiers" : "--no-dicom";
    argv[k] = NULL;

    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = efd >= 0 && ofd >= 0 && nfd >= 0 ? fork() : -1;
    if (pid == 0) { /* child: async-signal-safe calls only until exec */
        setpgid(0, 0);
        sigprocmask(SIG_SETMASK, &b->oldmask, NULL); /* SIGCHLD is blocked in the batch only */
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed batch takes its cases with it */
        if (getppid() != parent)
            _exit(127);
        if (chdir(in) != 0 || dup2(nfd, 0) < 0 || dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
            _exit(127);
        execv(b->self, (char *const *)(uintptr_t)argv); /* execv does not change them */
        static const char m[] = "spinescore batch: cannot start spinescore run\n";
        if (write(2, m, sizeof m - 1) < 0)
            _exit(127);
        _exit(127);
    }
    int e = errno;
    if (efd >= 0)
        close(efd);
    if (ofd >= 0)
        close(ofd);
    if (nfd >= 0)
        close(nfd);
    if (pid < 0) {
        char msgbuf[256];
        batch_pathf(msgbuf, sizeof msgbuf, "spinescore batch: cannot start the case: %s\n", strerror(e));
        sps_error err;
        batch_case_path(p, sizeof p, b, c, "stderr.txt");
        sps_write_file_atomic(p, msgbuf, strlen(msgbuf), &err);
        finish_case(b, c, "input", SPS_EXIT_INTERNAL);
        return 0;
    }
    setpgid(pid, pid);
    c->pid = pid;
    c->t0 = batch_now();
    c->timed_out = 0;
    return 1;
}

static void finish_case(batch *b, bcase *c, const char *how, long code)
{
    char p[PATH_MAX + 256], text[64];
    batch_case_path(p, sizeof p, b, c, "in");
    batch_rm_tree(p); /* the links hold the input paths: not left in DIR */
    batch_case_path(p, sizeof p, b, c, "exit");
    batch_pathf(text, sizeof text, "%s %ld\n", how, code);
    sps_error err;
    if (sps_write_file_atomic(p, text, strlen(text), &err) != SPS_OK)
        sps_cli_print_error("batch", &err);
    double secs = c->pid ? batch_now() - c->t0 : -1;
    c->pid = 0;
    if (c->lockfd >= 0)
        close(c->lockfd); /* releases the lock */
    c->lockfd = -1;
    free(c->rows);
    const char *status = NULL;
    c->rows = batch_case_rows(b, c, &status);
    b->done++;
    b->ran++;
    if (status && strcmp(status, "ok") == 0)
        b->ok++;
    else if (status && strcmp(status, "partial") == 0)
        b->partial++;
    else
        b->failed++;
    char what[300];
    if (status && strcmp(status, "ok") == 0) {
        batch_pathf(what, sizeof what, "ok");
    } else {
        case_exit e;
        sps_strlcpy(e.how, how, sizeof e.how);
        e.code = code;
        char *er = batch_case_error(b, c, &e);
        batch_pathf(what, sizeof what, "%s: %.240s", status ? status : "failed", er ? er : "");
        sps_free(er);
    }
    batch_log_case(b, c, what, secs);
}

static int parse_rows(const char *spec, bcase *c, size_t n)
{
    const char *s = spec;
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), z = a;
        if (end == s)
            return -1;
        s = end;
        if (*s == '-') {
            s++;
            z = strtol(s, &end, 10);
            if (end == s)
                return -1;
            s = end;
        }
        if (a < 1 || z < a || (size_t)z > n)
            return -1;
        for (long i = a; i <= z; i++)
            c[i - 1].selected = 1;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return 0;
}

static int cmp_folder(const void *x, const void *y)
{
    const bcase *const *a = x, *const *b = y;
    return strcmp((*a)->folder, (*b)->folder);
}

int sps_cmd_batch(int argc, char **argv)
{
    const char *manifest = NULL, *out = NULL, *models = NULL, *only = NULL;
    int identifiers = 0, summary_only = 0;
    long jobs = 1;
    double timeout = 3600;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (sps_cli_is_help(a)) {
            batch_usage(stdout);
            return SPS_EXIT_OK;
        } else if (strcmp(a, "--include-identifiers") == 0) {
            identifiers = 1;
        } else if (strcmp(a, "--summary-only") == 0) {
            summary_only = 1;
        } else if (((strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) && i + 1 < argc) ||
                   (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9')) {
            char *end;
            const char *v = a[2] >= '0' && a[2] <= '9' ? a + 2 : argv[++i];
            jobs = strtol(v, &end, 10);
            if (*end || jobs < 1 || jobs > 256) {
                fprintf(stderr, "spinescore batch: -j '%s': expected a number of cases at once, 1..256\n", v);
                return SPS_EXIT_USAGE;
            }
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            timeout = strtod(argv[++i], &end);
            if (*end || !(timeout >= 0) || timeout > 1e7) {
                fprintf(stderr, "spinescore batch: --timeout '%s': expected seconds (0 = no limit)\n", argv[i]);
                return SPS_EXIT_USAGE;
            }
        } else if ((strcmp(a, "--out") == 0 || strcmp(a, "--models") == 0 || strcmp(a, "--only") == 0) &&
                   i + 1 < argc) {
            const char **dst = strcmp(a, "--out") == 0 ? &out : strcmp(a, "--models") == 0 ? &models : &only;
            if (*dst) {
                fprintf(stderr, "spinescore batch: %s given twice\n", a);
                return SPS_EXIT_USAGE;
            }
            *dst = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spinescore batch: unknown or incomplete option '%s'\n", a);
            batch_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!manifest) {
            manifest = a;
        } else {
            fprintf(stderr, "spinescore batch: only one MANIFEST is accepted (got '%s' and '%s')\n", manifest, a);
            return SPS_EXIT_USAGE;
        }
    }
    if (!manifest || !out) {
        fprintf(stderr, "spinescore batch: MANIFEST.csv and --out DIR are required\n");
        batch_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (only && summary_only) {
        fprintf(stderr, "spinescore batch: --only and --summary-only exclude each other\n");
        return SPS_EXIT_USAGE;
    }

    static batch B; /* large path buffers: not on the stack */
    batch *b = &B;
    memset(b, 0, sizeof *b);
    b->identifiers = identifiers;
    b->jobs = (int)jobs;
    b->timeout = timeout;
    int rc = SPS_EXIT_OK;
    sps_error err;
    sps_error_clear(&err);
    sps_batch_manifest m = {0};
    char *text = NULL, *mdir = NULL;
    size_t len = 0;

    sps_status st = sps_read_file(&text, &len, manifest, BATCH_MANIFEST_MAX_BYTES, &err);
    if (st == SPS_OK)
        st = sps_batch_manifest_parse(&m, text, len, manifest, &err);
    sps_free(text);
    if (st != SPS_OK) {
        sps_cli_print_error("batch", &err);
        return st == SPS_EINVALID || st == SPS_EFORMAT ? SPS_EXIT_INVALID : SPS_EXIT_IO;
    }
    /* the manifest's folder: relative paths of its rows are relative to it */
    {
        char *copy = sps_strdup(manifest);
        char *slash = copy ? strrchr(copy, '/') : NULL;
        const char *d = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
        mdir = realpath(d, NULL);
        free(copy);
        if (!mdir) {
            fprintf(stderr, "spinescore batch: %s: cannot resolve the manifest's folder: %s\n", manifest, strerror(errno));
            sps_batch_manifest_free(&m);
            return SPS_EXIT_IO;
        }
    }
    if (models && !realpath(models, b->models)) {
        fprintf(stderr, "spinescore batch: --models %s: %s\n", models, strerror(errno));
        rc = SPS_EXIT_IO;
        goto done;
    }
    ssize_t sl = readlink("/proc/self/exe", b->self, sizeof b->self - 1);
    if (sl <= 0) {
        fprintf(stderr, "spinescore batch: cannot find this executable (/proc/self/exe): %s\n", strerror(errno));
        rc = SPS_EXIT_INTERNAL;
        goto done;
    }
    b->self[sl] = '\0';

    /* cases: keys, folders, paths */
    b->n = m.nrows;
    b->c = calloc(b->n, sizeof *b->c);
    bcase **sorted = calloc(b->n, sizeof *sorted);
    if (!b->c || !sorted) {
        free(sorted);
        fprintf(stderr, "spinescore batch: out of memory\n");
        rc = SPS_EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < b->n && rc == SPS_EXIT_OK; i++) {
        bcase *c = &b->c[i];
        const sps_batch_row *r = &m.rows[i];
        c->row = r;
        c->number = i + 1;
        c->lockfd = -1;
        c->selected = !only;
        const char *id = r->cell[SPS_BATCH_COL_CASE_ID], *reader = r->cell[SPS_BATCH_COL_READER];
        if (!r->cell[SPS_BATCH_COL_STUDY] || !r->cell[SPS_BATCH_COL_CLINICAL] ||
            (!r->cell[SPS_BATCH_COL_ANNOTATIONS] && !r->cell[SPS_BATCH_COL_SEEDS])) {
            fprintf(stderr, "spinescore batch: %s:%zu: study, clinical and annotations or seeds are required\n",
                    manifest, r->line);
            rc = SPS_EXIT_INVALID;
        } else if (id && !batch_valid_name(id, 64)) {
            fprintf(stderr, "spinescore batch: %s:%zu: case_id '%s': use 1-64 letters, digits, '.', '_' or '-' "
                            "(not first: '.', '-')\n", manifest, r->line, id);
            rc = SPS_EXIT_INVALID;
        } else if (reader && !batch_valid_name(reader, 32)) {
            fprintf(stderr, "spinescore batch: %s:%zu: reader '%s': use 1-32 letters, digits, '.', '_' or '-' "
                            "(a pseudonymous reader id, e.g. R1)\n", manifest, r->line, reader);
            rc = SPS_EXIT_INVALID;
        }
        if (rc != SPS_EXIT_OK)
            break;
        if (id) {
            sps_strlcpy(c->key, id, sizeof c->key);
        } else { /* the study path as written, without ./ and trailing slashes */
            char norm[PATH_MAX];
            const char *s = r->cell[SPS_BATCH_COL_STUDY];
            while (s[0] == '.' && s[1] == '/')
                s += 2;
            sps_strlcpy(norm, s, sizeof norm);
            for (size_t n = strlen(norm); n > 1 && norm[n - 1] == '/'; n--)
                norm[n - 1] = '\0';
            batch_pathf(c->key, sizeof c->key, "s%016llx", (unsigned long long)batch_fnv1a64(norm));
        }
        if (reader)
            batch_pathf(c->folder, sizeof c->folder, "%s__%s", c->key, reader);
        else
            batch_pathf(c->folder, sizeof c->folder, "%s", c->key);
        for (int col = SPS_BATCH_COL_STUDY; col <= SPS_BATCH_COL_CLINICAL; col++)
            if (r->cell[col] && !(c->path[col] = batch_join_path(mdir, r->cell[col]))) {
                fprintf(stderr, "spinescore batch: out of memory\n");
                rc = SPS_EXIT_INTERNAL;
            }
        sorted[i] = c;
    }
    if (rc == SPS_EXIT_OK) {
        qsort(sorted, b->n, sizeof *sorted, cmp_folder);
        for (size_t i = 1; i < b->n; i++)
            if (strcmp(sorted[i - 1]->folder, sorted[i]->folder) == 0) {
                fprintf(stderr, "spinescore batch: %s: lines %zu and %zu are the same case (%s%s): give each a "
                                "distinct case_id (or reader)\n",
                        manifest, sorted[i - 1]->row->line, sorted[i]->row->line, sorted[i]->folder,
                        sorted[i]->row->cell[SPS_BATCH_COL_CASE_ID] ? "" : ", derived from the study path");
                rc = SPS_EXIT_INVALID;
                break;
            }
    }
    free(sorted);
    if (rc != SPS_EXIT_OK)
        goto done;
    if (only && parse_rows(only, b->c, b->n) != 0) {
        fprintf(stderr, "spinescore batch: --only '%s': expected row numbers 1..%zu, e.g. 3,5,7-9\n", only, b->n);
        rc = SPS_EXIT_USAGE;
        goto done;
    }

    /* DIR and its settings (identifier setting fixed at the first run; the time stamp of every
     * report of the batch, so a resumed batch writes the same bytes: SOURCE_DATE_EPOCH) */
    if (batch_mkdir_p(out) != 0 || !realpath(out, b->out)) {
        fprintf(stderr, "spinescore batch: %s: cannot create the output folder: %s\n", out, strerror(errno));
        rc = SPS_EXIT_IO;
        goto done;
    }
    {
        char p[PATH_MAX + 64], v[64];
        batch_pathf(p, sizeof p, "%s/work", b->out);
        int ok = batch_mkdir_p(p) == 0;
        batch_pathf(p, sizeof p, "%s/cases", b->out);
        ok = ok && batch_mkdir_p(p) == 0;
        batch_pathf(v, sizeof v, "%s", identifiers ? "include-identifiers" : "de-identified");
        batch_pathf(p, sizeof p, "%s/work/identifiers", b->out);
        ok = ok && batch_settle_file(p, v, sizeof v) == 0;
        if (ok && strcmp(v, identifiers ? "include-identifiers" : "de-identified") != 0) {
            fprintf(stderr, "spinescore batch: %s was started %s; %s --include-identifiers: use another --out\n",
                    b->out, identifiers ? "de-identified" : "with identifiers", identifiers ? "rerun without" : "rerun with");
            rc = SPS_EXIT_USAGE;
            goto done;
        }
        const char *env = getenv("SOURCE_DATE_EPOCH");
        if (env && *env && strspn(env, "0123456789") == strlen(env)) {
            batch_pathf(v, sizeof v, "%s", env);
        } else {
            batch_pathf(v, sizeof v, "%lld\n", (long long)time(NULL));
            batch_pathf(p, sizeof p, "%s/work/source-date-epoch", b->out);
            ok = ok && batch_settle_file(p, v, sizeof v) == 0;
        }
        if (!ok) {
            fprintf(stderr, "spinescore batch: %s: cannot write the batch folder: %s\n", b->out, strerror(errno));
            rc = SPS_EXIT_IO;
            goto done;
        }
        setenv("SOURCE_DATE_EPOCH", v, 1);
    }

    b->tty = isatty(2);
    b->start = batch_now();
    for (size_t i = 0; i < b->n; i++)
        b->total += b->c[i].selected;
    if (!summary_only) {
        size_t next = 0, running = 0;
        sigemptyset(&b->chld);
        sigaddset(&b->chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &b->chld, &b->oldmask);
        while (next < b->n || running) {
            while (running < (size_t)b->jobs && next < b->n) {
                bcase *c = &b->c[next++];
                case_exit e;
                if (!c->selected)
                    continue;
                if (batch_case_complete(b, c, &e)) {
                    b->done++;
                    b->skipped++;
                    batch_log_case(b, c, "already complete", -1);
                    continue;
                }
                int k = launch(b, c);
                if (k > 0) {
                    running++;
                } else if (k < 0) {
                    b->done++;
                    b->failed++;
                    batch_log_case(b, c, "skipped: another spinescore batch is running this case", -1);
                } else if (!only) {
                    batch_write_summary(b, &err);
                }
            }
            int status;
            pid_t pid = running ? waitpid(-1, &status, WNOHANG) : 0;
            if (pid > 0) {
                for (size_t i = 0; i < b->n; i++) {
                    bcase *c = &b->c[i];
                    if (c->pid != pid)
                        continue;
                    running--;
                    if (c->timed_out)
                        finish_case(b, c, "timeout", (long)ceil(b->timeout));
                    else if (WIFSIGNALED(status))
                        finish_case(b, c, "signal", WTERMSIG(status));
                    else
                        finish_case(b, c, "exit", WEXITSTATUS(status));
                    if (!only && batch_write_summary(b, &err) != SPS_OK)
                        sps_cli_print_error("batch", &err);
                    break;
                }
                continue;
            }
            if (pid < 0 && errno != EINTR && errno != ECHILD)
                break;
            double t = batch_now();
            for (size_t i = 0; i < b->n; i++) {
                bcase *c = &b->c[i];
                if (c->pid && b->timeout > 0 && !c->timed_out && t - c->t0 > b->timeout) {
                    kill(-c->pid, SIGKILL);
                    kill(c->pid, SIGKILL);
                    c->timed_out = 1;
                }
            }
            if (running) {
                static double last;
                if (b->tty && t - last >= 1.0) {
                    batch_progress_line(b);
                    last = t;
                }
                struct timespec ts = {0, 200 * 1000 * 1000}; /* until a child ends, at most 0.2 s */
                sigtimedwait(&b->chld, NULL, &ts);
            }
        }
        sigprocmask(SIG_SETMASK, &b->oldmask, NULL);
        if (b->progress_shown)
            fputc('\n', stderr);
    }
    /* the final summary (also for --summary-only; with --only the last --summary-only writes it) */
    if (!only) {
        for (size_t i = 0; i < b->n; i++) {
            free(b->c[i].rows);
            b->c[i].rows = NULL;
        }
        if (batch_write_summary(b, &err) != SPS_OK) {
            sps_cli_print_error("batch", &err);
            rc = SPS_EXIT_IO;
            goto done;
        }
    }
    /* the exit code: every selected case ok? (from disk: also cases another process ran) */
    size_t nok = 0, nbad = 0, npend = 0;
    for (size_t i = 0; i < b->n; i++) {
        bcase *c = &b->c[i];
        if (!c->selected && !summary_only)
            continue;
        case_exit e;
        if (!batch_read_exit(b, c, &e))
            npend++;
        else if (batch_case_complete(b, c, &e) && e.code == 0)
            nok++;
        else
            nbad++;
    }
    if (!summary_only)
        fprintf(stderr, "spinescore batch: %zu case(s) this run: %zu ok, %zu partial, %zu failed; %zu already complete\n",
                b->ran, b->ok, b->partial, b->failed, b->skipped);
    fprintf(stderr, "spinescore batch: %zu of %zu case(s) ok, %zu partial or failed, %zu not run\n", nok,
            nok + nbad + npend, nbad, npend);
    if (!only)
        printf("summary:   %s/summary.csv\n", b->out);
    printf("cases:     %s/cases/\n", b->out);
    rc = nbad || npend ? SPS_EXIT_PARTIAL : SPS_EXIT_OK;
done:
    for (size_t i = 0; b->c && i < b->n; i++) {
        for (int col = 0; col < SPS_BATCH_NCOL; col++)
            free(b->c[i].path[col]);
        free(b->c[i].rows);
        if (b->c[i].lockfd >= 0)
            close(b->c[i].lockfd);
    }
    free(b->c);
    free(mdir);
    sps_batch_manifest_free(&m);
    return rc;
}
