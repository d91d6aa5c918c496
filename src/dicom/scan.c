/* scan.c — walk a folder tree or DICOMDIR, read headers only, and index patients, studies and
 * series; a series holding several volumes is split into parts. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dicom_internal.h"
#include "util_internal.h"

#define MAX_DEPTH 64

typedef struct visited {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
} visited;

const char *sps_orientation_name(sps_orientation o)
{
    switch (o) {
    case SPS_ORIENTATION_AXIAL:
        return "axial";
    case SPS_ORIENTATION_CORONAL:
        return "coronal";
    case SPS_ORIENTATION_SAGITTAL:
        return "sagittal";
    case SPS_ORIENTATION_OBLIQUE:
        return "oblique";
    case SPS_ORIENTATION_UNKNOWN:
        break;
    }
    return "unknown";
}

int sps_dcm__normal(double n[3], const double iop[6])
{
    const double *r = iop, *c = iop + 3;
    n[0] = r[1] * c[2] - r[2] * c[1];
    n[1] = r[2] * c[0] - r[0] * c[2];
    n[2] = r[0] * c[1] - r[1] * c[0];
    double lr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double lc = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    double dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
    double ln = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (fabs(lr - 1.0) > 1e-2 || fabs(lc - 1.0) > 1e-2 || fabs(dot) > 1e-2 || ln < 0.5)
        return 0;
    for (int i = 0; i < 3; i++)
        n[i] /= ln;
    return 1;
}

static sps_orientation classify(const double iop[6], int has_iop)
{
    double n[3];
    if (!has_iop || !sps_dcm__normal(n, iop))
        return SPS_ORIENTATION_UNKNOWN;
    const double c10 = cos(10.0 * 3.14159265358979323846 / 180.0);
    if (fabs(n[2]) >= c10)
        return SPS_ORIENTATION_AXIAL;
    if (fabs(n[1]) >= c10)
        return SPS_ORIENTATION_CORONAL;
    if (fabs(n[0]) >= c10)
        return SPS_ORIENTATION_SAGITTAL;
    return SPS_ORIENTATION_OBLIQUE;
}

const sps_dcm_frame *sps_dcm__slice_frame(const sps_dicom_index *idx, const sps_dcm_slice *s)
{
    const sps_dcm_header *h = &idx->files[s->file].h;
    if (h->per_frame && s->frame < h->n_per_frame)
        return &h->per_frame[s->frame];
    return &h->top;
}

static void add_problem(sps_dicom_index *idx, const char *path, sps_status code, const char *reason)
{
    if (idx->nproblems == idx->capproblems) {
        size_t cap = idx->capproblems ? idx->capproblems * 2 : 16;
        sps_dicom_problem *p = realloc(idx->problems, cap * sizeof *p);
        if (!p)
            return;
        idx->problems = p;
        idx->capproblems = cap;
    }
    char *pp = sps_strdup(path), *rr = sps_strdup(reason);
    if (!pp || !rr) {
        free(pp);
        free(rr);
        return;
    }
    idx->problems[idx->nproblems].path = pp;
    idx->problems[idx->nproblems].reason = rr;
    idx->problems[idx->nproblems].code = code;
    idx->nproblems++;
}

/* Cheap test before DCMTK sees a file: a "DICM" magic at 128, or a raw dataset (no preamble,
 * ACR-NEMA style) whose first tag is in group 0002 or 0008, little or big endian. */
static int looks_like_dicom(const char *path, int *io_errno)
{
    unsigned char b[132];
    *io_errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *io_errno = errno;
        return 0;
    }
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n == sizeof b && memcmp(b + 128, "DICM", 4) == 0)
        return 1;
    if (n < 8)
        return 0;
    unsigned g_le = (unsigned)b[0] | ((unsigned)b[1] << 8);
    unsigned g_be = ((unsigned)b[0] << 8) | (unsigned)b[1];
    return g_le == 0x0002 || g_le == 0x0008 || g_be == 0x0002 || g_be == 0x0008;
}

static sps_status scan_file(sps_dicom_index *idx, const char *path, int follow_dicomdir, int depth);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static sps_status walk(sps_dicom_index *idx, visited *vis, const char *path, int depth, int top)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot stat: %s", strerror(errno));
        add_problem(idx, path, SPS_EIO, msg);
        return SPS_OK;
    }
    if (S_ISREG(st.st_mode)) {
        idx->counts.files++;
        return scan_file(idx, path, top, depth);
    }
    if (!S_ISDIR(st.st_mode))
        return SPS_OK; /* fifo, device, socket: never opened */
    for (size_t i = 0; i < vis->n; i++)
        if (vis->dev[i] == st.st_dev && vis->ino[i] == st.st_ino) {
            idx->counts.loops++;
            return SPS_OK;
        }
    if (depth > MAX_DEPTH) {
        add_problem(idx, path, SPS_EINVALID, "folder nesting deeper than 64 levels: not walked");
        return SPS_OK;
    }
    if (vis->n == vis->cap) {
        size_t cap = vis->cap ? vis->cap * 2 : 64;
        dev_t *d = realloc(vis->dev, cap * sizeof *d);
        if (!d)
            return SPS_ENOMEM;
        vis->dev = d;
        ino_t *in = realloc(vis->ino, cap * sizeof *in);
        if (!in)
            return SPS_ENOMEM;
        vis->ino = in;
        vis->cap = cap;
    }
    vis->dev[vis->n] = st.st_dev;
    vis->ino[vis->n] = st.st_ino;
    vis->n++;

    DIR *d = opendir(path);
    if (!d) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot open folder: %s", strerror(errno));
        add_problem(idx, path, SPS_EIO, msg);
        return SPS_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    sps_status status = SPS_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                status = SPS_ENOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = sps_strdup(e->d_name))) {
            status = SPS_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (status == SPS_OK)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && status == SPS_OK; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            status = SPS_ENOMEM;
            break;
        }
        snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        status = walk(idx, vis, child, depth + 1, 0);
        free(child);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return status;
}

static sps_status scan_file(sps_dicom_index *idx, const char *path, int follow_dicomdir, int depth)
{
    int io_errno = 0;
    if (!looks_like_dicom(path, &io_errno)) {
        if (io_errno) {
            char msg[300];
            snprintf(msg, sizeof msg, "cannot open: %s", strerror(io_errno));
            add_problem(idx, path, SPS_EIO, msg);
            idx->counts.unreadable++;
        } else {
            idx->counts.non_dicom++;
        }
        return SPS_OK;
    }
    if (idx->nfiles == idx->capfiles) {
        size_t cap = idx->capfiles ? idx->capfiles * 2 : 256;
        sps_dcm_file *f = realloc(idx->files, cap * sizeof *f);
        if (!f)
            return SPS_ENOMEM;
        idx->files = f;
        idx->capfiles = cap;
    }
    sps_dcm_file *f = &idx->files[idx->nfiles];
    sps_error e;
    sps_error_clear(&e);
    sps_status st = sps_dcm__read_header(&f->h, path, &e);
    if (st == SPS_ENOMEM || st == SPS_EINTERNAL) { /* the set-up is broken, not the file */
        idx->fatal = e;
        return st;
    }
    if (st != SPS_OK) {
        idx->counts.unreadable++;
        add_problem(idx, path, st, e.message);
        return SPS_OK;
    }
    idx->counts.dicom++;
    if (f->h.is_dicomdir) {
        idx->counts.dicomdir++;
        sps_dcm__header_free(&f->h);
        if (!follow_dicomdir)
            return SPS_OK; /* the tree walk reaches the referenced files itself */
        char **refs = NULL;
        size_t nrefs = 0;
        st = sps_dcm__dicomdir_files(&refs, &nrefs, path, &e);
        if (st == SPS_ENOMEM)
            return st;
        if (st != SPS_OK) {
            add_problem(idx, path, st, e.message);
            return SPS_OK;
        }
        visited vis = {0};
        for (size_t i = 0; i < nrefs && st == SPS_OK; i++)
            st = walk(idx, &vis, refs[i], depth + 1, 0);
        for (size_t i = 0; i < nrefs; i++)
            free(refs[i]);
        free(refs);
        free(vis.dev);
        free(vis.ino);
        return (st == SPS_ENOMEM || st == SPS_EINTERNAL) ? st : SPS_OK;
    }
    if (!f->h.has_pixel_data) {
        idx->counts.no_image++;
        if (f->h.private_compression[0]) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "pixels stored with private compression %s (07A1,1011) outside Pixel Data "
                     "(7FE0,0010): not decoded",
                     f->h.private_compression);
            add_problem(idx, path, SPS_EUNSUPPORTED, msg);
        } else if (f->h.rows || f->h.cols || f->h.bits_allocated) {
            add_problem(idx, path, SPS_EFORMAT,
                        "image attributes (Rows/Columns/BitsAllocated (0028,0010/0011/0100)) "
                        "present but no Pixel Data (7FE0,0010)");
        }
        sps_dcm__header_free(&f->h);
        return SPS_OK;
    }
    if (!(f->path = sps_strdup(path))) {
        sps_dcm__header_free(&f->h);
        return SPS_ENOMEM;
    }
    idx->nfiles++;
    return SPS_OK;
}

/* ---------------------------------------------------------------- grouping and splitting */

/* Sort record: carries the strings it compares, so qsort needs no global context. */
typedef struct sortrec {
    const char *series, *sop, *path;
    size_t file;
    uint32_t frame;
    int legacy;
} sortrec;

static int cmp_sortrec(const void *a, const void *b)
{
    const sortrec *x = a, *y = b;
    int c = strcmp(x->series, y->series);
    if (c)
        return c;
    if (!x->series[0]) { /* no UID: every file is its own series */
        c = strcmp(x->path, y->path);
        if (c)
            return c;
    }
    c = strcmp(x->sop, y->sop);
    if (c)
        return c;
    c = strcmp(x->path, y->path);
    if (c)
        return c;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

typedef struct gkey {
    int orient;
    unsigned rows, cols;
    int echo;
    int localizer;
} gkey;

static int part_add_warning(sps_dcm_part *p, const char *fmt, ...) SPS_PRINTF(2, 3);
static int part_add_warning(sps_dcm_part *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **w = realloc(p->warnings, (p->nwarnings + 1) * sizeof *w);
    if (!w)
        return -1;
    p->warnings = w;
    if (!(w[p->nwarnings] = sps_strdup(buf)))
        return -1;
    p->nwarnings++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Positions of the slices along the normal, sorted; returns count (0 if no geometry). */
static size_t sorted_positions(const sps_dicom_index *idx, const size_t *sl, size_t n, double *pos)
{
    const sps_dcm_frame *f0 = sps_dcm__slice_frame(idx, &idx->slices[sl[0]]);
    double nrm[3];
    if (!f0->has_iop || !sps_dcm__normal(nrm, f0->iop))
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const sps_dcm_frame *f = sps_dcm__slice_frame(idx, &idx->slices[sl[i]]);
        if (!f->has_ipp)
            return 0;
        pos[m++] = f->ipp[0] * nrm[0] + f->ipp[1] * nrm[1] + f->ipp[2] * nrm[2];
    }
    qsort(pos, m, sizeof *pos, cmp_double);
    return m;
}

static int has_duplicates(const sps_dicom_index *idx, const size_t *sl, size_t n, double *tmp)
{
    size_t m = sorted_positions(idx, sl, n, tmp);
    for (size_t i = 1; i < m; i++)
        if (tmp[i] - tmp[i - 1] < 0.01)
            return 1;
    return 0;
}

/* Try to split the slices sl[0..n) (one group) by a per-slice value; accept only if every
 * sub-group has >= 2 slices and no repeated position. Returns number of sub-groups (>=2) and
 * writes sub-group ids into sub[], else 0. */
static size_t try_split(const sps_dicom_index *idx, const size_t *sl, size_t n, int which,
                        int *sub, double *tmp, size_t *buf)
{
    int vals[64];
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        const sps_dcm_slice *s = &idx->slices[sl[i]];
        const sps_dcm_header *h = &idx->files[s->file].h;
        const sps_dcm_frame *f = sps_dcm__slice_frame(idx, s);
        int v;
        if (which == 0) {
            if (!h->has_acquisition)
                return 0;
            v = h->acquisition_number;
        } else {
            v = f->temporal_position >= 0 ? f->temporal_position : h->temporal_position;
            if (v < 0)
                return 0;
        }
        size_t k = 0;
        while (k < nv && vals[k] != v)
            k++;
        if (k == nv) {
            if (nv == 64)
                return 0;
            vals[nv++] = v;
        }
        sub[i] = (int)k;
    }
    if (nv < 2)
        return 0;
    for (size_t k = 0; k < nv; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (sub[i] == (int)k)
                buf[m++] = sl[i];
        if (m < 2 || has_duplicates(idx, buf, m, tmp))
            return 0;
    }
    return nv;
}

static void fill_info(sps_dicom_index *idx, sps_dcm_part *p, double *tmp)
{
    sps_dicom_series_info *in = &p->info;
    const sps_dcm_slice *s0 = &idx->slices[p->slices[0]];
    const sps_dcm_header *h = &idx->files[s0->file].h;
    const sps_dcm_frame *f0 = sps_dcm__slice_frame(idx, s0);
    sps_strlcpy(in->series_uid, h->series_uid, sizeof in->series_uid);
    sps_strlcpy(in->study_uid, h->study_uid, sizeof in->study_uid);
    sps_strlcpy(in->patient_id, h->patient_id, sizeof in->patient_id);
    sps_strlcpy(in->patient_name, h->patient_name, sizeof in->patient_name);
    sps_strlcpy(in->study_date, h->study_date, sizeof in->study_date);
    sps_strlcpy(in->study_description, h->study_desc, sizeof in->study_description);
    sps_strlcpy(in->series_description, h->series_desc, sizeof in->series_description);
    sps_strlcpy(in->modality, h->modality, sizeof in->modality);
    sps_strlcpy(in->body_part, h->body_part, sizeof in->body_part);
    sps_strlcpy(in->transfer_syntax, h->transfer_syntax, sizeof in->transfer_syntax);
    in->series_number = h->series_number;
    in->orientation = classify(f0->iop, f0->has_iop);
    in->rows = h->rows;
    in->cols = h->cols;
    if (f0->has_spacing) {
        in->pixel_spacing_mm[0] = f0->pixel_spacing[0];
        in->pixel_spacing_mm[1] = f0->pixel_spacing[1];
    }
    if (f0->has_thickness)
        in->slice_thickness_mm = f0->thickness;
    in->localizer = strstr(h->image_type, "LOCALIZER") != NULL;
    in->frames = p->nslices;
    size_t files = 0, last = (size_t)-1;
    int mixed_ts = 0;
    for (size_t i = 0; i < p->nslices; i++) {
        const sps_dcm_slice *s = &idx->slices[p->slices[i]];
        if (s->file != last) {
            files++;
            last = s->file;
            if (strcmp(idx->files[s->file].h.transfer_syntax, h->transfer_syntax) != 0)
                mixed_ts = 1;
        }
    }
    in->files = files;
    if (mixed_ts) {
        sps_strlcpy(in->transfer_syntax, "mixed", sizeof in->transfer_syntax);
        part_add_warning(p, "files use different transfer syntaxes (0002,0010)");
    }
    size_t m = sorted_positions(idx, p->slices, p->nslices, tmp);
    if (m >= 2) {
        for (size_t i = 1; i < m; i++)
            tmp[i - 1] = tmp[i] - tmp[i - 1];
        qsort(tmp, m - 1, sizeof *tmp, cmp_double);
        in->slice_spacing_mm = tmp[(m - 1) / 2];
    }
}

static int cmp_part(const void *a, const void *b)
{
    const sps_dcm_part *x = a, *y = b;
    int c = strcmp(x->info.patient_id, y->info.patient_id);
    if (!c)
        c = strcmp(x->info.study_uid, y->info.study_uid);
    if (!c)
        c = (x->info.series_number > y->info.series_number) -
            (x->info.series_number < y->info.series_number);
    if (!c)
        c = strcmp(x->info.key, y->info.key);
    return c;
}

static sps_status build_parts(sps_dicom_index *idx)
{
    size_t total = 0;
    for (size_t i = 0; i < idx->nfiles; i++)
        total += idx->files[i].h.frames ? idx->files[i].h.frames : 1;
    if (total == 0)
        return SPS_OK;
    idx->slices = calloc(total, sizeof *idx->slices);
    double *tmp = malloc(total * sizeof *tmp);
    size_t *buf = malloc(total * sizeof *buf);
    size_t *sl = malloc(total * sizeof *sl);
    int *sub = malloc(total * sizeof *sub);
    size_t *buf2 = malloc(total * sizeof *buf2);
    sps_status status = SPS_OK;
    if (!idx->slices || !tmp || !buf || !sl || !sub || !buf2) {
        status = SPS_ENOMEM;
        goto done;
    }
    {
        sortrec *rec = malloc(total * sizeof *rec);
        if (!rec) {
            status = SPS_ENOMEM;
            goto done;
        }
        size_t nr = 0;
        for (size_t i = 0; i < idx->nfiles; i++) {
            const sps_dcm_header *h = &idx->files[i].h;
            unsigned nf = h->frames ? h->frames : 1;
            for (unsigned k = 0; k < nf; k++) {
                sortrec *r = &rec[nr++];
                r->series = h->series_uid;
                r->sop = h->sop_instance;
                r->path = idx->files[i].path;
                r->file = i;
                r->frame = k;
                r->legacy = (nf > 1 && !h->per_frame);
            }
        }
        qsort(rec, nr, sizeof *rec, cmp_sortrec);
        for (size_t i = 0; i < nr; i++) {
            sps_dcm_slice *s = &idx->slices[idx->nslices++];
            s->file = rec[i].file;
            s->frame = rec[i].frame;
            s->legacy_multiframe = rec[i].legacy;
        }
        free(rec);
    }

    for (size_t a = 0; a < idx->nslices;) {
        /* one series: slices [a, b) */
        const sps_dcm_file *fa = &idx->files[idx->slices[a].file];
        size_t b = a + 1;
        while (b < idx->nslices) {
            const sps_dcm_file *fb = &idx->files[idx->slices[b].file];
            if (strcmp(fa->h.series_uid, fb->h.series_uid) != 0 ||
                (!fa->h.series_uid[0] && strcmp(fa->path, fb->path) != 0))
                break;
            b++;
        }
        /* drop files that repeat an earlier file's SOPInstanceUID (sorted by SOP, then path) */
        size_t n = 0, ndup = 0;
        const char *dup_example = NULL, *dup_of = NULL;
        for (size_t i = a; i < b; i++) {
            const sps_dcm_slice *s = &idx->slices[i];
            const sps_dcm_file *f = &idx->files[s->file];
            if (n > 0 && f->h.sop_instance[0]) {
                const sps_dcm_slice *p = &idx->slices[sl[n - 1]];
                const sps_dcm_file *pf = &idx->files[p->file];
                if (p->file != s->file && strcmp(pf->h.sop_instance, f->h.sop_instance) == 0) {
                    if (s->frame == 0) {
                        ndup++;
                        if (!dup_example) {
                            dup_example = f->path;
                            dup_of = pf->path;
                        }
                    }
                    /* skip every frame of the duplicate file */
                    size_t j = i;
                    while (j + 1 < b && idx->slices[j + 1].file == s->file)
                        j++;
                    i = j;
                    continue;
                }
            }
            sl[n++] = i;
        }
        /* group by split key */
        gkey keys[32];
        double ocl[32][6]; /* orientation clusters: row and column cosines */
        size_t ng = 0, nocl = 0;
        int overflow = 0;
        for (size_t i = 0; i < n; i++) {
            sps_dcm_slice *s = &idx->slices[sl[i]];
            const sps_dcm_header *h = &idx->files[s->file].h;
            const sps_dcm_frame *f = sps_dcm__slice_frame(idx, s);
            gkey k = {-1, h->rows, h->cols, h->has_echo ? h->echo_number : -1,
                      strstr(h->image_type, "LOCALIZER") != NULL};
            if (f->has_iop) {
                /* same cluster when row and column cosines agree within ~1 degree */
                size_t o;
                for (o = 0; o < nocl; o++) {
                    double dr = 0, dc = 0;
                    for (int c = 0; c < 3; c++) {
                        dr += ocl[o][c] * f->iop[c];
                        dc += ocl[o][c + 3] * f->iop[c + 3];
                    }
                    if (dr > 0.99985 && dc > 0.99985)
                        break;
                }
                if (o == nocl && nocl < 32)
                    memcpy(ocl[nocl++], f->iop, sizeof ocl[0]);
                if (o == 32) {
                    overflow = 1;
                    o = 31;
                }
                k.orient = (int)o;
            }
            size_t g;
            for (g = 0; g < ng; g++)
                if (keys[g].orient == k.orient && keys[g].rows == k.rows &&
                    keys[g].cols == k.cols && keys[g].echo == k.echo &&
                    keys[g].localizer == k.localizer)
                    break;
            if (g == ng) {
                if (ng == 32) {
                    overflow = 1;
                    g = 31;
                } else {
                    keys[ng++] = k;
                }
            }
            s->group = (int)g;
        }
        /* what differs between groups */
        int d_orient = 0, d_matrix = 0, d_echo = 0, d_loc = 0;
        for (size_t g = 1; g < ng; g++) {
            d_orient |= keys[g].orient != keys[0].orient;
            d_matrix |= keys[g].rows != keys[0].rows || keys[g].cols != keys[0].cols;
            d_echo |= keys[g].echo != keys[0].echo;
            d_loc |= keys[g].localizer != keys[0].localizer;
        }
        /* materialise parts; a group with repeated positions may split by acquisition/time */
        size_t first_part = idx->nparts;
        for (size_t g = 0; g < ng; g++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (idx->slices[sl[i]].group == (int)g)
                    buf[m++] = sl[i];
            size_t nsub = 0;
            int how = -1;
            if (has_duplicates(idx, buf, m, tmp)) {
                for (how = 0; how < 2 && nsub == 0; how++)
                    nsub = try_split(idx, buf, m, how, sub, tmp, buf2);
                how--;
            }
            size_t parts_here = nsub ? nsub : 1;
            sps_dcm_part *np = realloc(idx->parts, (idx->nparts + parts_here) * sizeof *np);
            if (!np) {
                status = SPS_ENOMEM;
                goto done;
            }
            idx->parts = np;
            for (size_t q = 0; q < parts_here; q++) {
                sps_dcm_part *p = &idx->parts[idx->nparts];
                memset(p, 0, sizeof *p);
                size_t cnt = 0;
                for (size_t i = 0; i < m; i++)
                    if (!nsub || sub[i] == (int)q)
                        cnt++;
                p->slices = malloc(cnt * sizeof *p->slices);
                if (!p->slices) {
                    status = SPS_ENOMEM;
                    goto done;
                }
                for (size_t i = 0; i < m; i++)
                    if (!nsub || sub[i] == (int)q)
                        p->slices[p->nslices++] = buf[i];
                idx->nparts++;
                fill_info(idx, p, tmp);
                sps_str why = {0};
                if (d_orient)
                    sps_str_printf(&why, "%sorientation %s", why.len ? ", " : "",
                                   sps_orientation_name(p->info.orientation));
                if (d_matrix)
                    sps_str_printf(&why, "%smatrix %ux%u", why.len ? ", " : "", p->info.cols,
                                   p->info.rows);
                if (d_echo)
                    sps_str_printf(&why, "%secho %d", why.len ? ", " : "", keys[g].echo);
                if (d_loc)
                    sps_str_printf(&why, "%s%s", why.len ? ", " : "",
                                   keys[g].localizer ? "localizer" : "not localizer");
                if (nsub) {
                    const sps_dcm_slice *s0 = &idx->slices[p->slices[0]];
                    const sps_dcm_header *h0 = &idx->files[s0->file].h;
                    const sps_dcm_frame *f0 = sps_dcm__slice_frame(idx, s0);
                    if (how == 0)
                        sps_str_printf(&why, "%sacquisition %d", why.len ? ", " : "",
                                       h0->acquisition_number);
                    else
                        sps_str_printf(&why, "%stemporal position %d", why.len ? ", " : "",
                                       f0->temporal_position >= 0 ? f0->temporal_position
                                                                  : h0->temporal_position);
                }
                if (why.ptr)
                    sps_strlcpy(p->info.split, why.ptr, sizeof p->info.split);
                sps_str_free(&why);
            }
        }
        size_t nparts_uid = idx->nparts - first_part;
        for (size_t q = first_part; q < idx->nparts; q++) {
            sps_dcm_part *p = &idx->parts[q];
            p->parts_of_uid = nparts_uid;
            const char *uid = p->info.series_uid[0] ? p->info.series_uid : "(no SeriesInstanceUID)";
            if (!p->info.series_uid[0]) {
                /* no UID: the key is the file path so it can still be selected */
                sps_strlcpy(p->info.key, idx->files[idx->slices[p->slices[0]].file].path,
                            sizeof p->info.key);
            } else if (nparts_uid > 1) {
                snprintf(p->info.key, sizeof p->info.key, "%s#%zu", uid, q - first_part + 1);
                sps_str t = {0};
                sps_str_printf(&t, "part %zu/%zu: %s", q - first_part + 1, nparts_uid,
                               p->info.split);
                if (t.ptr)
                    sps_strlcpy(p->info.split, t.ptr, sizeof p->info.split);
                sps_str_free(&t);
            } else {
                sps_strlcpy(p->info.key, uid, sizeof p->info.key);
            }
            if (ndup)
                part_add_warning(p, "%zu file(s) repeat a SOPInstanceUID (0008,0018) and were skipped, "
                                    "e.g. %s (same instance as %s)",
                                 ndup, dup_example, dup_of);
            if (overflow)
                part_add_warning(p, "more than 32 distinct orientation/matrix/echo groups: "
                                    "the last ones were merged");
            if (p->info.series_uid[0] == '\0')
                part_add_warning(p, "SeriesInstanceUID (0020,000E) missing: file listed alone");
        }
        a = b;
    }
    for (size_t q = 0; q < idx->nparts; q++)
        idx->parts[q].info.warnings = idx->parts[q].nwarnings;
    qsort(idx->parts, idx->nparts, sizeof *idx->parts, cmp_part);
done:
    free(tmp);
    free(buf);
    free(sl);
    free(sub);
    free(buf2);
    return status;
}

/* ---------------------------------------------------------------- public API */

sps_status sps_dicom_scan(sps_dicom_index **out, const char *path, sps_error *err)
{
    if (!out || !path)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_scan", "out and path are required");
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return sps_error_set(err, errno == ENOENT ? SPS_ENOTFOUND : SPS_EIO, path,
                             "cannot access: %s", strerror(errno));
    sps_dicom_index *idx = calloc(1, sizeof *idx);
    if (!idx)
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory");
    visited vis = {0};
    sps_status st2 = walk(idx, &vis, path, 0, 1);
    free(vis.dev);
    free(vis.ino);
    if (st2 == SPS_OK)
        st2 = build_parts(idx);
    if (st2 != SPS_OK) {
        if (idx->fatal.code != SPS_OK)
            sps_error_set(err, idx->fatal.code, idx->fatal.where, "%s", idx->fatal.message);
        else
            sps_error_set(err, st2, path, "out of memory while scanning");
        sps_dicom_index_free(idx);
        return st2;
    }
    *out = idx;
    return SPS_OK;
}

void sps_dicom_index_free(sps_dicom_index *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->nfiles; i++) {
        free(idx->files[i].path);
        sps_dcm__header_free(&idx->files[i].h);
    }
    free(idx->files);
    free(idx->slices);
    for (size_t i = 0; i < idx->nparts; i++) {
        free(idx->parts[i].slices);
        for (size_t w = 0; w < idx->parts[i].nwarnings; w++)
            free(idx->parts[i].warnings[w]);
        free(idx->parts[i].warnings);
    }
    free(idx->parts);
    for (size_t i = 0; i < idx->nproblems; i++) {
        free((char *)(uintptr_t)idx->problems[i].path);
        free((char *)(uintptr_t)idx->problems[i].reason);
    }
    free(idx->problems);
    free(idx);
}

sps_dicom_scan_counts sps_dicom_index_counts(const sps_dicom_index *idx) { return idx->counts; }
size_t sps_dicom_index_series_count(const sps_dicom_index *idx) { return idx->nparts; }

const sps_dicom_series_info *sps_dicom_index_series(const sps_dicom_index *idx, size_t i)
{
    return i < idx->nparts ? &idx->parts[i].info : NULL;
}

const char *sps_dicom_index_series_warning(const sps_dicom_index *idx, size_t i, size_t w)
{
    if (i >= idx->nparts || w >= idx->parts[i].nwarnings)
        return NULL;
    return idx->parts[i].warnings[w];
}

const char *sps_dicom_index_series_file(const sps_dicom_index *idx, size_t i, size_t j)
{
    if (!idx || i >= idx->nparts || j >= idx->parts[i].nslices)
        return NULL;
    return idx->files[idx->slices[idx->parts[i].slices[j]].file].path;
}

size_t sps_dicom_index_find(const sps_dicom_index *idx, const char *key, size_t *ambiguous)
{
    size_t parts = 0;
    if (ambiguous)
        *ambiguous = 0;
    for (size_t i = 0; i < idx->nparts; i++)
        if (strcmp(idx->parts[i].info.key, key) == 0)
            return i;
    for (size_t i = 0; i < idx->nparts; i++)
        if (strcmp(idx->parts[i].info.series_uid, key) == 0)
            parts++;
    if (ambiguous)
        *ambiguous = parts;
    return (size_t)-1;
}

size_t sps_dicom_index_problem_count(const sps_dicom_index *idx) { return idx->nproblems; }

const sps_dicom_problem *sps_dicom_index_problem(const sps_dicom_index *idx, size_t i)
{
    return i < idx->nproblems ? &idx->problems[i] : NULL;
}
