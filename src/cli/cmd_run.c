/* cmd_run.c — `spinescore run STUDY --annotations A.json --clinical C.json --out DIR`: the whole
 * case in one command. Glue only: the series is chosen, loaded and measured by pipeline.c, the
 * clinical file merged and scored by src/report, the snapshots drawn by src/render and the DICOM
 * objects written by src/dicom/write. Everything is staged in a hidden folder next to DIR and
 * moved into place in one rename (report.json written last inside it), so a reader never sees a
 * half-written case: DIR/report.json exists only when the whole case is there. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE), mkdtemp, nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "auto.h"
#include "cli.h"
#include "pipeline.h"
#include "run_outputs.h"
#include "spinescore/report.h"
#include "util_internal.h"

#define SPS_CLINICAL_MAX_BYTES (16u * 1024u * 1024u)

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: spinescore run STUDY --annotations A.json [--annotations B.json] --clinical C.json --out DIR\n"
            "                      [--series UID] [--level LEVEL] [--auto SEEDS.json] [--models DIR]\n"
            "                      [--csv FILE] [--include-identifiers] [--skip-existing] [--no-dicom]\n\n"
            "The whole case: loads the series of STUDY (a folder, file or DICOMDIR) the annotations were\n"
            "placed on, measures the lesion level, merges the measurements into the clinical file (its\n"
            "overrides win, with their reason), scores the case and writes into DIR:\n"
            "  report.json        inputs, measurements with evidence, SINS components with their source,\n"
            "                     the decision (docs/formats.md section 5.2)\n"
            "  report.txt         the same for a person, one screen\n"
            "  measurements.json  what `spinescore measure` prints (audit)\n"
            "  case.json          the merged case exactly as scored (`spinescore decide DIR/case.json`)\n"
            "  snapshots/*.png, report-sr.dcm, snapshots-sc/*.dcm  when this build has them (the run says)\n"
            "Everything is written into a hidden folder next to DIR (.NAME.partial-XXXXXX), report.json\n"
            "last, and renamed into place at the end: DIR/report.json exists only for a complete case, and\n"
            "a second run replaces DIR as a whole. An existing DIR must be empty or an earlier run's output\n"
            "(it holds report.json); anything else is refused, never deleted.\n\n"
            "options:\n"
            "  --annotations FILE     landmarks and regions (spinescore JSON or 3D Slicer .mrk.json);\n"
            "                         repeat it for several series of one patient (one file per series,\n"
            "                         e.g. a CT and an axial T2 MR): each component is taken from its\n"
            "                         preferred modality (models/measurement.json series_choice: bone\n"
            "                         lesion, collapse, alignment, posterolateral CT; ESCC MR)\n"
            "  --clinical FILE        clinical inputs and overrides (a spinescore case file)\n"
            "  --out DIR              output folder (parents are created)\n"
            "  --series UID           series key or SeriesInstanceUID (default: the annotations'\n"
            "                         series_uid, else the only image series of STUDY)\n"
            "  --level LEVEL          level to measure (default: the only level marked as the lesion)\n"
            "  --auto SEEDS.json      semi-automatic measurement from seeds (docs/formats.md section 4.5;\n"
            "                         repeatable like --annotations: seeds join the series they name);\n"
            "                         with or instead of --annotations (the reader's items win); the\n"
            "                         merged annotations go to DIR/auto-annotations[-MOD-N].json\n"
            "  --models DIR           override embedded models with DIR/<name>.json\n"
            "  --csv FILE             append this case's rows to a research CSV (header on a new file)\n"
            "  --include-identifiers  patient name, ID and birth date in report.json and the CSV\n"
            "                         (default: de-identified)\n"
            "  --skip-existing        do nothing when DIR/report.json exists (resumable batches)\n"
            "  --no-dicom             no report-sr.dcm / snapshots-sc/: they carry the patient module of\n"
            "                         the source images (to be filed in the same study), so leave them\n"
            "                         out of de-identified research outputs\n"
            "  -h, --help             this help\n\n"
            "exit codes: 0 written (a score may still be not computable: report.txt says why);\n"
            "            1 written, but files of the series were skipped or an output part failed;\n"
            "            2 usage, or several series and no --series (the candidates are listed), or two files\n"
            "              for one series;\n"
            "            3 invalid annotations or clinical file, or series of different patients (nothing\n"
            "              written), or the clinical file\n"
            "              contradicts a measurement without an override (written, the field named);\n"
            "            4 a file or folder cannot be read or written (nothing written); 5 malformed\n"
            "            model; 6 unsupported (--auto in a build without src/seg or with no seed usable on\n"
            "            the modality, codecs) (docs/exit-codes.md)\n");
}

/* ---- output folder: check, stage, move into place ----------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove a folder tree this command created (the staging folder or the replaced output). */
static void rm_tree(const char *path)
{
    if (path && path[0])
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* mkdir -p of the folder that will hold DIR. */
static sps_status make_parents(const char *dir, sps_error *err)
{
    char buf[4096];
    sps_strlcpy(buf, dir, sizeof buf);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return sps_error_set(err, SPS_EIO, buf, "cannot create the folder: %s", strerror(errno));
        *p = '/';
    }
    return SPS_OK;
}

static sps_status out_prepare(sps_run_out *o, const char *dir, sps_error *err)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof o->dir - 64)
        return sps_error_set(err, SPS_EINVALID, "--out", "the output folder name is empty or too long");
    memcpy(o->dir, dir, n);
    o->dir[n] = '\0';
    const char *slash = strrchr(o->dir, '/');
    const char *base = slash ? slash + 1 : o->dir;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(o->dir, "/") == 0)
        return sps_error_set(err, SPS_EINVALID, "--out", "'%s' cannot be replaced as a whole; name a folder for this case", dir);
    struct stat st;
    if (lstat(o->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return sps_error_set(err, SPS_EIO, o->dir, "exists and is not a folder; give another --out");
        DIR *d = opendir(o->dir);
        if (!d)
            return sps_error_set(err, SPS_EIO, o->dir, "cannot read the output folder: %s", strerror(errno));
        int empty = 1;
        for (struct dirent *e; (e = readdir(d));)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                empty = 0;
                break;
            }
        closedir(d);
        char rj[4200];
        snprintf(rj, sizeof rj, "%s/report.json", o->dir);
        if (!empty && !file_exists(rj))
            return sps_error_set(err, SPS_EIO, o->dir,
                                 "exists, is not empty and is not the output of an earlier run (no report.json): "
                                 "not replacing it; give another --out");
        o->existed = 1;
    } else if (errno != ENOENT) {
        return sps_error_set(err, SPS_EIO, o->dir, "cannot inspect the output folder: %s", strerror(errno));
    } else {
        sps_status s = make_parents(o->dir, err);
        if (s != SPS_OK)
            return s;
    }
    /* staging folder in the same parent (same file system: the final rename is atomic) */
    int w = slash ? snprintf(o->stage, sizeof o->stage, "%.*s/.%s.partial-XXXXXX", (int)(slash - o->dir), o->dir, base)
                  : snprintf(o->stage, sizeof o->stage, ".%s.partial-XXXXXX", base);
    if (w < 0 || (size_t)w >= sizeof o->stage)
        return sps_error_set(err, SPS_EINVALID, "--out", "the output folder name is too long");
    if (!mkdtemp(o->stage)) {
        int e = errno;
        o->stage[0] = '\0';
        return sps_error_set(err, SPS_EIO, o->dir, "cannot create a staging folder next to it: %s", strerror(e));
    }
    chmod(o->stage, 0755); /* mkdtemp makes it 0700; the case folder is as readable as any other */
    return SPS_OK;
}

/* Move the staged case into place: one rename (or an atomic exchange with the earlier output). */
static sps_status out_commit(sps_run_out *o, sps_error *err)
{
    if (rename(o->stage, o->dir) == 0) { /* DIR absent or empty */
        o->stage[0] = '\0';
        return SPS_OK;
    }
    if (errno != ENOTEMPTY && errno != EEXIST)
        return sps_error_set(err, SPS_EIO, o->dir, "cannot move the case into place: %s", strerror(errno));
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, o->stage, AT_FDCWD, o->dir, RENAME_EXCHANGE) == 0) {
        rm_tree(o->stage); /* now holds the earlier output */
        o->stage[0] = '\0';
        return SPS_OK;
    }
#endif
    /* no atomic exchange on this file system: move the old output aside first (a reader may find
     * DIR missing for an instant, never half-written) */
    char old[4200];
    snprintf(old, sizeof old, "%s.old-XXXXXX", o->stage);
    if (!mkdtemp(old) || rename(o->dir, old) != 0)
        return sps_error_set(err, SPS_EIO, o->dir, "cannot replace the earlier output: %s", strerror(errno));
    if (rename(o->stage, o->dir) != 0) {
        int e = errno;
        rename(old, o->dir);
        return sps_error_set(err, SPS_EIO, o->dir, "cannot move the case into place: %s", strerror(e));
    }
    rm_tree(old);
    o->stage[0] = '\0';
    return SPS_OK;
}

static void out_abort(sps_run_out *o)
{
    rm_tree(o->stage);
    o->stage[0] = '\0';
}

sps_status sps_run_write_text(const sps_run_out *o, const char *name, const char *text, sps_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", o->stage, name);
    size_t n = strlen(text);
    char *buf = malloc(n + 2);
    if (!buf)
        return sps_error_set(err, SPS_ENOMEM, name, "out of memory");
    memcpy(buf, text, n);
    size_t len = n;
    if (n == 0 || text[n - 1] != '\n')
        buf[len++] = '\n';
    sps_status st = sps_write_file_atomic(path, buf, len, err);
    free(buf);
    return st;
}

/* ---- the command ------------------------------------------------------------------------- */

static void iso_now(char out[32])
{
    /* SOURCE_DATE_EPOCH (reproducible-builds.org): set by `spinescore batch` so a resumed batch
     * writes the same bytes as an uninterrupted one */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde && strspn(sde, "0123456789") == strlen(sde) ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line per lesion from report.json's summaries (what a reader checks first). */
static void print_summary(const char *report_json)
{
    cJSON *root = cJSON_Parse(report_json);
    const cJSON *lesions = cJSON_GetObjectItemCaseSensitive(root, "lesions"), *l;
    cJSON_ArrayForEach(l, lesions)
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(l, "summary");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(l, "level");
        const cJSON *tot = cJSON_GetObjectItemCaseSensitive(s, "sins_total");
        const cJSON *cat = cJSON_GetObjectItemCaseSensitive(s, "sins_category");
        const cJSON *esc = cJSON_GetObjectItemCaseSensitive(s, "escc_grade");
        const cJSON *row = cJSON_GetObjectItemCaseSensitive(s, "noms_row");
        const cJSON *dec = cJSON_GetObjectItemCaseSensitive(s, "noms_decision");
        const cJSON *sst = cJSON_GetObjectItemCaseSensitive(s, "sins_status");
        const cJSON *nst = cJSON_GetObjectItemCaseSensitive(s, "noms_status");
        printf("%s: SINS ", cJSON_IsString(lv) ? lv->valuestring : "?");
        if (cJSON_IsNumber(tot))
            printf("%d (%s)", tot->valueint, cJSON_IsString(cat) ? cat->valuestring : "?");
        else
            printf("%s", cJSON_IsString(sst) ? sst->valuestring : "not computable");
        printf(", ESCC %s, NOMS ", cJSON_IsString(esc) ? esc->valuestring : "not graded");
        if (cJSON_IsNumber(row))
            printf("row %d: %s\n", row->valueint, cJSON_IsString(dec) ? dec->valuestring : "?");
        else
            printf("%s\n", cJSON_IsString(nst) ? nst->valuestring : "not computable");
    }
    cJSON_Delete(root);
}

/* One series of the run: its annotation file and/or seeds, loaded and measured. */
typedef struct run_part {
    const char *annotations, *seeds;
    sps_pipeline *p;
    sps_auto *au;
    char *mjson;
    char auto_name[48];   /* auto-annotations[-N].json */
    char seeds_series[128];
} run_part;

#define RUN_MAX_SERIES 4

/* Modality order of the parts: CT first (the primary series: the SR goes into its study). */
static int part_rank(const run_part *a)
{
    return strcmp(a->p->series.modality, "CT") == 0 ? 0 : 1;
}

static void sort_parts(run_part *parts, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && part_rank(&parts[j]) < part_rank(&parts[j - 1]); j--) {
            run_part t = parts[j];
            parts[j] = parts[j - 1];
            parts[j - 1] = t;
        }
}

/* Open every series of the run: one per annotation file, a seeds file joining the series it names
 * (or the only one), else a series of its own. Prints the error; returns an exit code. */
static int open_parts(run_part *parts, size_t *nparts, const char *const *ann, size_t nann, const char *const *seeds,
                      size_t nseeds, const char *study, const char *series, const sps_models *models)
{
    sps_error err;
    sps_error_clear(&err);
    size_t n = 0;
    if (series && (nann > 1 || nseeds > 1)) {
        fprintf(stderr, "spinescore run: --series names one series; with several annotation or seeds files each file "
                        "names its series (\"series_uid\")\n");
        return SPS_EXIT_USAGE;
    }
    for (size_t i = 0; i < nann; i++)
        parts[n++].annotations = ann[i];
    for (size_t i = 0; i < nseeds; i++) {
        char uid[128] = "";
        sps_status st = sps_auto_peek_series(uid, seeds[i], &err);
        if (st != SPS_OK) {
            sps_cli_print_error("run", &err);
            return sps_cli_exit_for_status(st);
        }
        /* one annotation file and one seeds file: the same series (sps_auto_apply checks it); else
         * the seeds join the annotation file of the series they name once it is loaded (below) */
        run_part *to = nann == 1 && nseeds == 1 ? &parts[0] : &parts[n++];
        to->seeds = seeds[i];
        sps_strlcpy(to->seeds_series, uid, sizeof to->seeds_series);
    }
    for (size_t i = 0; i < n; i++) {
        run_part *pt = &parts[i];
        if (!pt->annotations && pt->seeds) { /* a seeds file whose series an annotation file already loaded */
            int joined = 0;
            for (size_t k = 0; k < i && !joined; k++)
                if (parts[k].p && !parts[k].seeds && pt->seeds_series[0] &&
                    strcmp(parts[k].p->series.series_uid, pt->seeds_series) == 0) {
                    parts[k].seeds = pt->seeds;
                    sps_strlcpy(parts[k].seeds_series, pt->seeds_series, sizeof parts[k].seeds_series);
                    joined = 1;
                }
            if (joined) {
                memmove(pt, pt + 1, (n - i - 1) * sizeof *pt);
                memset(&parts[--n], 0, sizeof *pt);
                i--;
                continue;
            }
        }
        sps_pipeline_request req = {study, series, pt->annotations};
        if (!pt->annotations && !series)
            req.series = pt->seeds_series[0] ? pt->seeds_series : NULL; /* the seeds file names the series */
        sps_pipeline_failure why = SPS_PIPELINE_FAIL_OTHER;
        sps_status st = sps_pipeline_open(&pt->p, &why, models, &req, &err);
        if (st != SPS_OK) {
            sps_cli_print_error("run", &err);
            *nparts = n;
            return why == SPS_PIPELINE_FAIL_AMBIGUOUS_SERIES ? SPS_EXIT_USAGE : sps_cli_exit_for_status(st);
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(parts[k].p->series.series_uid, pt->p->series.series_uid) == 0) {
                fprintf(stderr, "spinescore run: %s and %s both name series %s: give one annotation file per series\n",
                        parts[k].annotations ? parts[k].annotations : parts[k].seeds,
                        pt->annotations ? pt->annotations : pt->seeds, pt->p->series.series_uid);
                *nparts = n;
                return SPS_EXIT_USAGE;
            }
    }
    *nparts = n;
    /* one patient: measurements of two patients are never combined */
    for (size_t i = 1; i < n; i++) {
        const char *a = parts[0].p->series.patient_id, *b = parts[i].p->series.patient_id;
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "spinescore run: series %s and %s belong to different patients (PatientID (0010,0020) "
                            "differs): one run scores one patient\n",
                    parts[0].p->series.series_uid, parts[i].p->series.series_uid);
            return SPS_EXIT_INVALID;
        }
    }
    sort_parts(parts, n);
    for (size_t i = 0; i < n; i++)
        if (n == 1)
            sps_strlcpy(parts[i].auto_name, "auto-annotations.json", sizeof parts[i].auto_name);
        else
            snprintf(parts[i].auto_name, sizeof parts[i].auto_name, "auto-annotations-%.8s-%u.json",
                     parts[i].p->series.modality[0] ? parts[i].p->series.modality : "series", (unsigned)(i + 1) % 10u);
    return SPS_EXIT_OK;
}

/* "measurements: bone_lesion, collapse" — what the run took from this series. */
static void part_role(char *role, size_t size, const char *mjson, const char *series_uid, size_t nparts)
{
    sps_strlcpy(role, "measurements", size);
    if (nparts < 2)
        return;
    cJSON *m = cJSON_Parse(mjson);
    const cJSON *rec;
    size_t used = strlen(role), k = 0;
    cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(m, "series_choice"))
    {
        const cJSON *su = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "series"), "series_uid");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, "component");
        if (!cJSON_IsString(su) || !cJSON_IsString(c) || strcmp(su->valuestring, series_uid) != 0)
            continue;
        int w = snprintf(role + used, size - used, "%s%s", k++ ? ", " : ": ", c->valuestring);
        if (w < 0 || used + (size_t)w >= size)
            break;
        used += (size_t)w;
    }
    if (k == 0)
        snprintf(role + used, size - used, ": none taken (other series preferred)");
    cJSON_Delete(m);
}

int sps_cmd_run(int argc, char **argv)
{
    const char *study = NULL, *series = NULL;
    const char *level = NULL, *out_dir = NULL, *models_dir = NULL, *clinical = NULL;
    const char *csv = NULL;
    const char *ann[RUN_MAX_SERIES], *seeds[RUN_MAX_SERIES];
    size_t nann = 0, nseeds = 0;
    int identifiers = 0, skip_existing = 0, no_dicom = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (sps_cli_is_help(a)) {
            run_usage(stdout);
            return SPS_EXIT_OK;
        } else if (strcmp(a, "--include-identifiers") == 0) {
            identifiers = 1;
        } else if (strcmp(a, "--skip-existing") == 0) {
            skip_existing = 1;
        } else if (strcmp(a, "--no-dicom") == 0) {
            no_dicom = 1;
        } else if ((strcmp(a, "--annotations") == 0 || strcmp(a, "--auto") == 0) && i + 1 < argc) {
            int is_ann = strcmp(a, "--annotations") == 0;
            size_t *cnt = is_ann ? &nann : &nseeds;
            if (*cnt == RUN_MAX_SERIES) {
                fprintf(stderr, "spinescore run: at most %d %s files (one per series)\n", RUN_MAX_SERIES, a);
                return SPS_EXIT_USAGE;
            }
            (is_ann ? ann : seeds)[(*cnt)++] = argv[++i];
        } else if ((strcmp(a, "--series") == 0 || strcmp(a, "--level") == 0 || strcmp(a, "--out") == 0 ||
                    strcmp(a, "--models") == 0 || strcmp(a, "--clinical") == 0 || strcmp(a, "--csv") == 0) &&
                   i + 1 < argc) {
            const char *v = argv[++i], **dst = NULL;
            if (strcmp(a, "--series") == 0)
                dst = &series;
            else if (strcmp(a, "--level") == 0)
                dst = &level;
            else if (strcmp(a, "--out") == 0)
                dst = &out_dir;
            else if (strcmp(a, "--models") == 0)
                dst = &models_dir;
            else if (strcmp(a, "--clinical") == 0)
                dst = &clinical;
            else
                dst = &csv;
            if (*dst) {
                fprintf(stderr, "spinescore run: %s given twice ('%s' and '%s')\n", a, *dst, v);
                return SPS_EXIT_USAGE;
            }
            *dst = v;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "spinescore run: unknown or incomplete option '%s'\n", a);
            run_usage(stderr);
            return SPS_EXIT_USAGE;
        } else if (!study) {
            study = a;
        } else {
            fprintf(stderr, "spinescore run: only one STUDY is accepted (got '%s' and '%s')\n", study, a);
            return SPS_EXIT_USAGE;
        }
    }
    if (!study || !out_dir || !clinical || (nann == 0 && nseeds == 0)) {
        fprintf(stderr, "spinescore run: STUDY, --annotations (or --auto), --clinical and --out are required\n");
        run_usage(stderr);
        return SPS_EXIT_USAGE;
    }
    if (skip_existing) {
        char rj[4200];
        snprintf(rj, sizeof rj, "%s/report.json", out_dir);
        if (file_exists(rj)) {
            printf("spinescore run: %s exists: skipped (--skip-existing)\n", rj);
            return SPS_EXIT_OK;
        }
    }
    sps_error err;
    sps_error_clear(&err);
    int rc = SPS_EXIT_OK;
    sps_models *models = NULL;
    run_part rp[2 * RUN_MAX_SERIES];
    memset(rp, 0, sizeof rp);
    size_t np = 0;
    const sps_pipeline *pls[2 * RUN_MAX_SERIES];
    sps_report *r = NULL;
    char *ctext = NULL, *mjson = NULL, *case_json = NULL, *rep_json = NULL, *rep_txt = NULL;
    char *ann_list = NULL, *seeds_list = NULL;
    size_t clen = 0;
    sps_run_out out;
    memset(&out, 0, sizeof out);
    sps_run_parts parts;
    memset(&parts, 0, sizeof parts);

    sps_status st = models_dir ? sps_models_load_dir(&models, models_dir, &err) : sps_models_load_builtin(&models, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        return st == SPS_EFORMAT ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
    }
    /* 1. the clinical file first: a missing file fails before any image is read */
    st = sps_read_file(&ctext, &clen, clinical, SPS_CLINICAL_MAX_BYTES, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        rc = sps_cli_exit_for_status(st);
        goto done;
    }
    /* 2. series, annotations, measurements (the same path as `spinescore measure`), per series */
    rc = open_parts(rp, &np, ann, nann, seeds, nseeds, study, series, models);
    if (rc != SPS_EXIT_OK)
        goto done;
    for (size_t i = 0; i < np; i++) {
        run_part *pt = &rp[i];
        pls[i] = pt->p;
        if (pt->seeds) { /* seeds -> src/seg -> derived items merged with the reader's (theirs win) */
            st = sps_auto_apply(&pt->au, pt->p, models, pt->seeds, pt->annotations, &err);
            if (st != SPS_OK)
                break;
            for (size_t k = 0; k < sps_auto_note_count(pt->au); k++)
                fprintf(stderr, "spinescore run: --auto%s%s: %s\n", np > 1 ? " " : "", np > 1 ? pt->seeds : "",
                        sps_auto_note(pt->au, k));
        }
        const char *lv = level ? level : pt->au ? sps_auto_level(pt->au) : NULL;
        st = sps_pipeline_measure(&pt->mjson, pt->p, models, lv, pt->annotations, &err);
        if (st == SPS_OK && pt->au) {
            char *marked = NULL;
            st = sps_auto_mark(&marked, pt->au, pt->mjson, pt->auto_name, &err);
            sps_free(pt->mjson);
            pt->mjson = marked;
        }
        if (st != SPS_OK)
            break;
    }
    if (st == SPS_OK && np == 1) {
        mjson = rp[0].mjson;
        rp[0].mjson = NULL;
    } else if (st == SPS_OK) { /* several series: one document, each component from its preferred modality */
        const char *docs[2 * RUN_MAX_SERIES];
        for (size_t i = 0; i < np; i++)
            docs[i] = rp[i].mjson;
        st = sps_pipeline_merge_measurements(&mjson, docs, np, models, &err);
        char dis[1024];
        if (st == SPS_OK && sps_pipeline_merge_disagreements(mjson, dis, sizeof dis))
            fprintf(stderr, "spinescore run: the series disagree: %s\n", dis);
    }
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        rc = st == SPS_EFORMAT && strncmp(err.where, "model", 5) == 0 ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
        goto done;
    }
    /* 3. the report: clinical file + measurements -> decision (src/report) */
    char created[32];
    iso_now(created);
    sps_report_series ser[2 * RUN_MAX_SERIES];
    char roles[2 * RUN_MAX_SERIES][160];
    sps_str al = {0}, sl = {0};
    for (size_t i = 0; i < np; i++) {
        const sps_pipeline *p = rp[i].p;
        part_role(roles[i], sizeof roles[i], mjson, p->series.series_uid, np);
        ser[i] = (sps_report_series){p->series.series_uid, p->series.modality, p->series.series_description, roles[i]};
        if (rp[i].annotations)
            sps_str_printf(&al, "%s%s", al.len ? ", " : "", rp[i].annotations);
        if (rp[i].seeds)
            sps_str_printf(&sl, "%s%s", sl.len ? ", " : "", rp[i].seeds);
    }
    ann_list = al.len ? sps_str_detach(&al) : NULL; /* NULL: no such file (the report leaves it out) */
    seeds_list = sl.len ? sps_str_detach(&sl) : NULL;
    sps_str_free(&al);
    sps_str_free(&sl);
    const sps_pipeline *p = rp[0].p;
    sps_report_inputs in;
    memset(&in, 0, sizeof in);
    in.study_uid = p->series.study_uid;
    in.series = ser;
    in.nseries = np;
    in.annotations_file = ann_list;
    in.seeds_file = seeds_list;
    in.clinical_file = clinical;
    in.patient.name = p->series.patient_name;
    in.patient.id = p->series.patient_id;
    in.include_identifiers = identifiers;
    in.created = created;
    st = sps_report_new(&r, models, &in, ctext, clen, clinical, &err);
    if (st == SPS_OK)
        st = sps_report_add_measurements(r, mjson, strlen(mjson), &err);
    if (st == SPS_OK) {
        sps_decide_options opts = SPS_DECIDE_OPTIONS_INIT;
        st = sps_report_decide(r, models, &opts, &err);
    }
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        rc = st == SPS_EFORMAT && strncmp(err.where, "model", 5) == 0 ? SPS_EXIT_MODEL : sps_cli_exit_for_status(st);
        goto done;
    }
    case_json = sps_report_case_json(r);
    rep_json = sps_report_to_json(r);
    rep_txt = sps_report_to_text(r);
    if (!case_json || !rep_json || !rep_txt) {
        fprintf(stderr, "spinescore run: out of memory\n");
        rc = SPS_EXIT_INTERNAL;
        goto done;
    }

    /* 4. stage every output next to DIR, report.json last, then move the folder into place */
    st = out_prepare(&out, out_dir, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        rc = sps_cli_exit_for_status(st) == SPS_EXIT_INVALID ? SPS_EXIT_USAGE : SPS_EXIT_IO;
        goto done;
    }
    st = sps_run_write_text(&out, "measurements.json", mjson, &err);
    for (size_t i = 0; i < np && st == SPS_OK; i++)
        if (rp[i].au)
            st = sps_run_write_text(&out, rp[i].auto_name, sps_auto_annotations_json(rp[i].au), &err);
    if (st == SPS_OK)
        st = sps_run_write_text(&out, "case.json", case_json, &err);
    if (st == SPS_OK)
        st = sps_run_write_text(&out, "report.txt", rep_txt, &err);
    if (st == SPS_OK) {
        sps_run_write_images(&parts, &out, pls, np, r, models, mjson, rep_json, !no_dicom); /* never fatal */
        if (parts.io_failed) /* ...unless the disk refused them: a case folder must not miss outputs */
            st = sps_error_set(&err, SPS_EIO, out_dir, "%zu output(s) could not be written (named above); nothing kept",
                               parts.io_failed);
    }
    if (st == SPS_OK)
        st = sps_run_write_text(&out, "report.json", rep_json, &err);
    if (st == SPS_OK)
        st = out_commit(&out, &err);
    if (st != SPS_OK) {
        sps_cli_print_error("run", &err);
        out_abort(&out);
        rc = st == SPS_ENOMEM ? SPS_EXIT_INTERNAL : SPS_EXIT_IO;
        goto done;
    }

    /* 5. research CSV (after the case is in place: a row always has its case folder) */
    int csv_failed = 0;
    if (csv) {
        st = sps_report_csv_append(r, csv, &err);
        if (st != SPS_OK) {
            sps_cli_print_error("run", &err);
            csv_failed = 1;
        }
    }

    /* 6. tell the reader what was decided and where everything is */
    print_summary(rep_json);
    printf("report:    %s/report.json, %s/report.txt\n", out.dir, out.dir);
    sps_run_print_parts(&parts, out.dir);
    if (csv && !csv_failed)
        printf("csv:       %s (rows appended)\n", csv);
    printf("audit:     %s/measurements.json, %s/case.json\n", out.dir, out.dir);
    for (size_t i = 0; i < np; i++)
        if (rp[i].au)
            printf("auto:      %s/%s (the derived items: correct them and rerun with --annotations)\n", out.dir,
                   rp[i].auto_name);

    sps_decision_status ds = sps_report_decision_status(r);
    if (ds == SPS_DECISION_INVALID) {
        fprintf(stderr, "spinescore run: an input was refused (see %s/report.txt: input errors and merge notes); "
                        "nothing was scored from it\n", out.dir);
        rc = SPS_EXIT_INVALID;
    } else if (ds == SPS_DECISION_INCOMPLETE) {
        fprintf(stderr, "spinescore run: some results are not computable; %s/report.txt names what is missing\n",
                out.dir);
    }
    if (csv_failed && rc == SPS_EXIT_OK)
        rc = sps_cli_exit_for_status(st) == SPS_EXIT_INVALID ? SPS_EXIT_INVALID : SPS_EXIT_IO;
    size_t skipped = 0;
    for (size_t i = 0; i < np; i++)
        skipped += rp[i].p->warnings;
    if (rc == SPS_EXIT_OK && (skipped || parts.failed)) {
        if (skipped)
            fprintf(stderr, "spinescore run: %zu file(s) of the series were skipped; see `spinescore info` for the load diagnostics\n",
                    skipped);
        rc = SPS_EXIT_PARTIAL;
    }
done:
    if (out.stage[0])
        out_abort(&out);
    sps_free(rep_txt);
    sps_free(rep_json);
    sps_free(case_json);
    sps_free(mjson);
    sps_free(ctext);
    sps_report_free(r);
    for (size_t i = 0; i < np; i++) {
        sps_free(rp[i].mjson);
        sps_auto_free(rp[i].au);
        sps_pipeline_free(rp[i].p);
    }
    free(ann_list);
    free(seeds_list);
    sps_models_free(models);
    return rc;
}
