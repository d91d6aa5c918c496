/* load.c — load one indexed series (part) into an sps_volume: per-slice checks, sort along the
 * slice normal, geometry checks (duplicates, tilt, gaps, count), then decode on N threads. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dicom_internal.h"
#include "util_internal.h"

#define PI 3.14159265358979323846

struct sps_dicom_report {
    sps_diag *d;
    size_t n, cap;
};

void sps_dicom_report_free(sps_dicom_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        free((char *)(uintptr_t)rep->d[i].where);
        free((char *)(uintptr_t)rep->d[i].message);
    }
    free(rep->d);
    free(rep);
}

size_t sps_dicom_report_count(const sps_dicom_report *rep) { return rep ? rep->n : 0; }

const sps_diag *sps_dicom_report_get(const sps_dicom_report *rep, size_t i)
{
    return rep && i < rep->n ? &rep->d[i] : NULL;
}

void sps_dicom_load_options_init(sps_dicom_load_options *opt)
{
    opt->min_slices = 3;
    opt->threads = 2;
    opt->spacing_tolerance_pct = 10.0;
    opt->max_tilt_deg = 0.5;
}

/* Load state: the report plus the first error (which becomes err). */
typedef struct ctx {
    sps_dicom_report *rep;
    int nerrors;
    sps_status first_code;
    char first_where[256];
    char first_msg[768];
} ctx;

static void diag(ctx *c, sps_diag_severity sev, sps_status code, const char *where, const char *fmt,
                 ...) SPS_PRINTF(5, 6);
static void diag(ctx *c, sps_diag_severity sev, sps_status code, const char *where, const char *fmt,
                 ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sev == SPS_DIAG_ERROR) {
        if (c->nerrors++ == 0) {
            c->first_code = code;
            sps_strlcpy(c->first_where, where, sizeof c->first_where);
            sps_strlcpy(c->first_msg, msg, sizeof c->first_msg);
        }
    }
    sps_dicom_report *r = c->rep;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        sps_diag *d = realloc(r->d, cap * sizeof *d);
        if (!d)
            return;
        r->d = d;
        r->cap = cap;
    }
    char *w = sps_strdup(where), *m = sps_strdup(msg);
    if (!w || !m) {
        free(w);
        free(m);
        return;
    }
    r->d[r->n].severity = sev;
    r->d[r->n].code = code;
    r->d[r->n].where = w;
    r->d[r->n].message = m;
    r->n++;
}

typedef struct sslice {
    const sps_dcm_slice *s;
    const sps_dcm_frame *f;
    const sps_dcm_file *file;
    double pos; /* along the normal */
    int failed;
} sslice;

static int cmp_pos(const void *a, const void *b)
{
    const sslice *x = a, *y = b;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* ---- decoding jobs: one per file ---- */
typedef struct job {
    sps_dcm_decode_req req;
    uint32_t *frame;
    float **dst;
    double *slope, *intercept;
    size_t *slice; /* sorted index of each wanted frame */
    int j2k;
    sps_status st;
    sps_error err;
} job;

typedef struct pool {
    job *jobs;
    size_t njobs;
    size_t next;
    pthread_mutex_t mu;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->njobs)
            break;
        job *j = &p->jobs[i];
        sps_error_clear(&j->err);
        j->st = j->j2k ? sps_gdcm__decode(&j->req, &j->err) : sps_dcm__decode(&j->req, &j->err);
    }
    return NULL;
}

static int cmp_file(const void *a, const void *b)
{
    const size_t *x = a, *y = b; /* pairs (file, sorted index) */
    if (x[0] != y[0])
        return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static sps_status decode_all(ctx *c, sslice *ss, size_t n, float *data, size_t frame_px,
                             unsigned threads, const sps_dicom_index *idx)
{
    size_t *pairs = malloc(2 * n * sizeof *pairs);
    job *jobs = calloc(n, sizeof *jobs);
    uint32_t *frames = malloc(n * sizeof *frames);
    float **dsts = malloc(n * sizeof *dsts);
    double *sl = malloc(n * sizeof *sl), *ic = malloc(n * sizeof *ic);
    size_t *sidx = malloc(n * sizeof *sidx);
    sps_status status = SPS_OK;
    if (!pairs || !jobs || !frames || !dsts || !sl || !ic || !sidx) {
        status = SPS_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        pairs[2 * k] = ss[k].s->file;
        pairs[2 * k + 1] = k;
    }
    qsort(pairs, n, 2 * sizeof *pairs, cmp_file);
    size_t nj = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && pairs[2 * b] == pairs[2 * a])
            b++;
        job *j = &jobs[nj++];
        const sps_dcm_file *f = &idx->files[pairs[2 * a]];
        j->frame = frames + a;
        j->dst = dsts + a;
        j->slope = sl + a;
        j->intercept = ic + a;
        j->slice = sidx + a;
        for (size_t q = a; q < b; q++) {
            size_t k = pairs[2 * q + 1];
            frames[q] = ss[k].s->frame;
            dsts[q] = data + k * frame_px;
            sl[q] = ss[k].f->slope; /* 1 and 0 when absent (set by the header reader) */
            ic[q] = ss[k].f->intercept;
            sidx[q] = k;
        }
        j->req.path = f->path;
        j->req.rows = f->h.rows;
        j->req.cols = f->h.cols;
        j->req.bits_allocated = f->h.bits_allocated;
        j->req.bits_stored = f->h.bits_stored;
        j->req.high_bit = f->h.high_bit;
        j->req.pixel_rep = f->h.pixel_rep;
        j->req.nframes_file = f->h.frames ? f->h.frames : 1;
        j->req.nwant = b - a;
        j->req.frame = j->frame;
        j->req.dst = j->dst;
        j->req.slope = j->slope;
        j->req.intercept = j->intercept;
        j->j2k = sps_dcm__is_j2k(f->h.transfer_syntax);
        a = b;
    }
    pool p = {jobs, nj, 0, PTHREAD_MUTEX_INITIALIZER};
    if (threads < 1)
        threads = 1;
    if (threads > 16)
        threads = 16;
    if (threads > nj)
        threads = (unsigned)nj;
    pthread_t th[16];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&th[t], NULL, worker, &p) == 0)
            started++;
    worker(&p); /* the calling thread works too */
    for (unsigned t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    for (size_t i = 0; i < nj; i++) {
        if (jobs[i].st == SPS_OK)
            continue;
        if (jobs[i].st == SPS_ENOMEM) {
            status = SPS_ENOMEM;
            continue;
        }
        for (size_t q = 0; q < jobs[i].req.nwant; q++)
            ss[jobs[i].slice[q]].failed = (int)jobs[i].st;
        diag(c, SPS_DIAG_WARNING, jobs[i].st, jobs[i].err.where[0] ? jobs[i].err.where : jobs[i].req.path,
             "%s", jobs[i].err.message);
    }
done:
    free(pairs);
    free(jobs);
    free(frames);
    free(dsts);
    free(sl);
    free(ic);
    free(sidx);
    return status;
}

/* Geometry checks over sorted slices ss[0..n): duplicates, tilt, spacing. Returns the mean
 * step (mm) or 0 when n < 2. Problems go to the report as errors. */
static double check_geometry(ctx *c, const sslice *ss, size_t n, const double nrm[3],
                             const sps_dicom_load_options *opt, const char *key)
{
    if (n < 2)
        return 0.0;
    /* duplicates */
    size_t ndup = 0, first_dup = 0;
    for (size_t k = 1; k < n; k++)
        if (ss[k].pos - ss[k - 1].pos < 0.01) {
            if (!ndup)
                first_dup = k;
            ndup++;
        }
    if (ndup) {
        int temporal = 0;
        for (size_t k = 1; k < n; k++)
            temporal |= ss[k].f->temporal_position != ss[0].f->temporal_position;
        diag(c, SPS_DIAG_ERROR, SPS_EINVALID, ss[first_dup].file->path,
             "duplicate slice positions: %zu of %zu slices repeat a position along the normal "
             "(ImagePositionPatient (0020,0032)), e.g. %.3f mm also in %s; not a single volume%s",
             ndup, n, ss[first_dup].pos, ss[first_dup - 1].file->path,
             temporal ? " (frames differ by TemporalPositionIndex (0020,9128): a time series)" : "");
        return 0.0;
    }
    /* gantry tilt: the step between slices must run along the normal */
    double max_angle = 0.0;
    size_t at = 0;
    for (size_t k = 1; k < n; k++) {
        double v[3], len = 0.0, dot = 0.0;
        for (int a = 0; a < 3; a++) {
            v[a] = ss[k].f->ipp[a] - ss[k - 1].f->ipp[a];
            len += v[a] * v[a];
            dot += v[a] * nrm[a];
        }
        len = sqrt(len);
        double cosang = fabs(dot) / len;
        if (cosang > 1.0)
            cosang = 1.0;
        double ang = acos(cosang) * 180.0 / PI;
        if (ang > max_angle) {
            max_angle = ang;
            at = k;
        }
    }
    if (max_angle > opt->max_tilt_deg) {
        const sps_dcm_header *h = &ss[at].file->h;
        char tilt[96] = "";
        if (h->has_gantry_tilt)
            snprintf(tilt, sizeof tilt, "; GantryDetectorTilt (0018,1120) = %.2f deg",
                     h->gantry_tilt_deg);
        diag(c, SPS_DIAG_ERROR, SPS_EINVALID, ss[at].file->path,
             "gantry tilt: slice positions step %.2f deg off the slice normal (limit %.2f deg)%s; "
             "tilted series are refused, not resampled",
             max_angle, opt->max_tilt_deg, tilt);
    }
    /* spacing */
    double *g = malloc((n - 1) * sizeof *g);
    if (!g)
        return 0.0;
    for (size_t k = 1; k < n; k++)
        g[k - 1] = ss[k].pos - ss[k - 1].pos;
    double ref;
    {
        double *t = malloc((n - 1) * sizeof *t);
        if (!t) {
            free(g);
            return 0.0;
        }
        memcpy(t, g, (n - 1) * sizeof *t);
        for (size_t i = 1; i < n - 1; i++) /* insertion sort: n is small */
            for (size_t j = i; j > 0 && t[j] < t[j - 1]; j--) {
                double x = t[j];
                t[j] = t[j - 1];
                t[j - 1] = x;
            }
        ref = (n - 1 >= 3) ? t[(n - 2) / 2] : t[0];
        free(t);
    }
    int reported = 0;
    for (size_t k = 0; k + 1 < n && reported < 5; k++) {
        double dev = fabs(g[k] - ref) / ref * 100.0;
        if (dev <= opt->spacing_tolerance_pct)
            continue;
        reported++;
        double ratio = g[k] / ref;
        double missing = floor(ratio + 0.5) - 1.0;
        if (missing >= 1.0 && fabs(ratio - floor(ratio + 0.5)) * 100.0 <= opt->spacing_tolerance_pct)
            diag(c, SPS_DIAG_ERROR, SPS_EINVALID, ss[k + 1].file->path,
                 "missing slice(s): gap of %.2f mm between positions %.2f and %.2f mm along the "
                 "normal (files %s and %s), expected %.2f mm: about %.0f slice(s) missing in %s",
                 g[k], ss[k].pos, ss[k + 1].pos, ss[k].file->path, ss[k + 1].file->path, ref,
                 missing, key);
        else
            diag(c, SPS_DIAG_ERROR, SPS_EINVALID, ss[k + 1].file->path,
                 "uneven slice spacing: gap of %.2f mm between positions %.2f and %.2f mm along "
                 "the normal, expected %.2f mm (+/- %.0f%%)",
                 g[k], ss[k].pos, ss[k + 1].pos, ref, opt->spacing_tolerance_pct);
    }
    free(g);
    return (ss[n - 1].pos - ss[0].pos) / (double)(n - 1);
}

static void finish_err(ctx *c, sps_error *err)
{
    if (c->nerrors > 1)
        sps_error_set(err, c->first_code, c->first_where,
                      "%s (and %d more problem(s); see the load report)", c->first_msg,
                      c->nerrors - 1);
    else
        sps_error_set(err, c->first_code, c->first_where, "%s", c->first_msg);
}

sps_status sps_dicom_load(sps_volume **out, sps_dicom_report **report, const sps_dicom_index *idx,
                          const char *key, const sps_dicom_load_options *opt_in, sps_error *err)
{
    if (out)
        *out = NULL;
    if (report)
        *report = NULL;
    if (!out || !idx || !key)
        return sps_error_set(err, SPS_EINVALID, "sps_dicom_load", "out, idx and key are required");
    sps_dicom_load_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        sps_dicom_load_options_init(&opt);

    ctx c = {0};
    c.rep = calloc(1, sizeof *c.rep);
    if (!c.rep)
        return sps_error_set(err, SPS_ENOMEM, key, "out of memory");
    sslice *ss = NULL;
    sps_volume *vol = NULL;
    sps_status status = SPS_OK;

    size_t ambiguous = 0;
    size_t pi = sps_dicom_index_find(idx, key, &ambiguous);
    if (pi == (size_t)-1) {
        if (ambiguous > 1) {
            sps_str list = {0};
            for (size_t i = 0; i < idx->nparts; i++)
                if (strcmp(idx->parts[i].info.series_uid, key) == 0)
                    sps_str_printf(&list, "%s%s (%s)", list.len ? "; " : "",
                                   idx->parts[i].info.key, idx->parts[i].info.split);
            diag(&c, SPS_DIAG_ERROR, SPS_EINVALID, key,
                 "series holds %zu volumes (mixed orientations, matrices, echoes or acquisitions); "
                 "load one part: %s",
                 ambiguous, list.ptr ? list.ptr : "");
            sps_str_free(&list);
        } else {
            diag(&c, SPS_DIAG_ERROR, SPS_ENOTFOUND, key, "no series with this key or SeriesInstanceUID");
        }
        goto fail;
    }
    const sps_dcm_part *part = &idx->parts[pi];
    size_t n = part->nslices;
    ss = calloc(n, sizeof *ss);
    if (!ss) {
        status = SPS_ENOMEM;
        goto oom;
    }
    /* ---- per-slice header checks (each kind reported once, naming the first file) ---- */
    const sps_dcm_slice *s0 = &idx->slices[part->slices[0]];
    const sps_dcm_header *h0 = &idx->files[s0->file].h;
    const sps_dcm_frame *f0 = sps_dcm__slice_frame(idx, s0);
    double nrm[3] = {0, 0, 0};
    enum { K_LEGACY, K_SAMPLES, K_BITS, K_BITSSTORED, K_PHOTO, K_IPP, K_IOP, K_SPACING, K_SLOPE,
           K_PSDIFF, K_MLUT, K_NKINDS };
    int seen[K_NKINDS] = {0};
    int nrm_ok = f0->has_iop && sps_dcm__normal(nrm, f0->iop);
    if (!nrm_ok)
        seen[K_IOP] = 1; /* reported after the pixel-format checks below */
    int is_ct = strcmp(h0->modality, "CT") == 0;
    int no_rescale_ct = 0, mono1 = 0, partial_rescale = 0, padding = 0;
    for (size_t k = 0; k < n; k++) {
        const sps_dcm_slice *s = &idx->slices[part->slices[k]];
        const sps_dcm_file *file = &idx->files[s->file];
        const sps_dcm_header *h = &file->h;
        const sps_dcm_frame *f = sps_dcm__slice_frame(idx, s);
        ss[k].s = s;
        ss[k].f = f;
        ss[k].file = file;
        if (s->legacy_multiframe && !seen[K_LEGACY]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EUNSUPPORTED, file->path,
                 "multi-frame file (NumberOfFrames (0028,0008) = %u) without per-frame positions "
                 "(PerFrameFunctionalGroupsSequence (5200,9230)): frames cannot be placed in space",
                 h->frames);
        if (h->samples != 1 && !seen[K_SAMPLES]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EUNSUPPORTED, file->path,
                 "SamplesPerPixel (0028,0002) = %u: colour images are not loaded as volumes, "
                 "expected 1",
                 h->samples);
        if (h->bits_allocated != 8 && h->bits_allocated != 16 && !seen[K_BITS]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EUNSUPPORTED, file->path,
                 "BitsAllocated (0028,0100) = %u, expected 8 or 16", h->bits_allocated);
        if ((h->bits_stored < 1 || h->bits_stored > h->bits_allocated ||
             h->high_bit >= h->bits_allocated || h->high_bit + 1 < h->bits_stored ||
             h->rows == 0 || h->cols == 0) &&
            !seen[K_BITSSTORED]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, file->path,
                 "inconsistent pixel description: Rows %u, Columns %u, BitsAllocated %u, "
                 "BitsStored %u, HighBit %u (expected rows, columns > 0 and BitsStored <= "
                 "HighBit+1 <= BitsAllocated)",
                 h->rows, h->cols, h->bits_allocated, h->bits_stored, h->high_bit);
        if (strcmp(h->photometric, "MONOCHROME1") == 0) {
            mono1 = 1;
        } else if (strcmp(h->photometric, "MONOCHROME2") != 0 && !seen[K_PHOTO]++) {
            if (h->photometric[0])
                diag(&c, SPS_DIAG_ERROR, SPS_EUNSUPPORTED, file->path,
                     "PhotometricInterpretation (0028,0004) = %s, expected MONOCHROME1 or "
                     "MONOCHROME2",
                     h->photometric);
            else
                diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, file->path,
                     "PhotometricInterpretation (0028,0004) missing (type 1): the meaning of the "
                     "stored values is unknown");
        }
        if (!f->has_ipp && !seen[K_IPP]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, file->path,
                 "ImagePositionPatient (0020,0032) missing or not 3 numbers");
        if (f->has_iop && !seen[K_IOP]) {
            double d = 0;
            for (int a = 0; a < 6; a++)
                d = fmax(d, fabs(f->iop[a] - f0->iop[a]));
            if (d > 1e-3) {
                seen[K_IOP] = 1;
                diag(&c, SPS_DIAG_ERROR, SPS_EINVALID, file->path,
                     "mixed orientations: ImageOrientationPatient (0020,0037) differs from %s by "
                     "%.4f",
                     idx->files[s0->file].path, d);
            }
        }
        if ((!f->has_spacing || !(f->pixel_spacing[0] > 0) || !(f->pixel_spacing[1] > 0)) &&
            !seen[K_SPACING]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, file->path,
                 "PixelSpacing (0028,0030) missing or not two positive numbers");
        if (f->has_spacing && f0->has_spacing && !seen[K_PSDIFF] &&
            (fabs(f->pixel_spacing[0] - f0->pixel_spacing[0]) > 1e-4 ||
             fabs(f->pixel_spacing[1] - f0->pixel_spacing[1]) > 1e-4)) {
            seen[K_PSDIFF] = 1;
            diag(&c, SPS_DIAG_ERROR, SPS_EINVALID, file->path,
                 "PixelSpacing (0028,0030) %g\\%g differs from %g\\%g in %s", f->pixel_spacing[0],
                 f->pixel_spacing[1], f0->pixel_spacing[0], f0->pixel_spacing[1],
                 idx->files[s0->file].path);
        }
        if (f->has_rescale && f->slope == 0.0 && !seen[K_SLOPE]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, file->path, "RescaleSlope (0028,1053) = 0");
        if (is_ct && !f->has_rescale)
            no_rescale_ct = 1;
        if (f->has_rescale == 1 || f->has_rescale == 2)
            partial_rescale = f->has_rescale;
        if (h->has_modality_lut && !f->has_rescale && !seen[K_MLUT]++)
            diag(&c, SPS_DIAG_ERROR, SPS_EUNSUPPORTED, file->path,
                 "ModalityLUTSequence (0028,3000) instead of RescaleSlope/Intercept: lookup-table "
                 "modality transforms are not supported");
        if (h->has_pixel_padding)
            padding = 1;
    }
    if (!nrm_ok)
        diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, idx->files[s0->file].path,
             f0->has_iop ? "ImageOrientationPatient (0020,0037) is not two orthogonal unit vectors"
                         : "ImageOrientationPatient (0020,0037) missing: cannot place the slices");
    for (size_t k = 0; k < n; k++)
        ss[k].pos = ss[k].f->ipp[0] * nrm[0] + ss[k].f->ipp[1] * nrm[1] + ss[k].f->ipp[2] * nrm[2];
    if (c.nerrors)
        goto fail;
    if (n < opt.min_slices)
        diag(&c, SPS_DIAG_ERROR, SPS_EINVALID, key,
             "too few slices: %zu, at least %u needed to form and check a volume", n,
             opt.min_slices);

    /* ---- sort by position along the normal and check the geometry ---- */
    qsort(ss, n, sizeof *ss, cmp_pos);
    double step = check_geometry(&c, ss, n, nrm, &opt, key);
    if (c.nerrors)
        goto fail;

    /* ---- allocate once (size checked first), decode straight into the slices ---- */
    sps_geometry g;
    memset(&g, 0, sizeof g);
    g.dims[0] = h0->cols;
    g.dims[1] = h0->rows;
    g.dims[2] = n;
    g.spacing_mm[0] = f0->pixel_spacing[1]; /* column spacing: along a row */
    g.spacing_mm[1] = f0->pixel_spacing[0]; /* row spacing: down a column */
    if (n >= 2)
        g.spacing_mm[2] = step;
    else
        g.spacing_mm[2] = (f0->has_thickness && f0->thickness > 0) ? f0->thickness : 1.0;
    memcpy(g.origin_lps, ss[0].f->ipp, sizeof g.origin_lps);
    for (int a = 0; a < 3; a++) {
        g.direction[0][a] = f0->iop[a];
        g.direction[1][a] = f0->iop[3 + a];
        g.direction[2][a] = nrm[a];
    }
    {
        /* renormalise the in-plane cosines (DS values carry ~1e-6 rounding) */
        for (int r = 0; r < 2; r++) {
            double l = sqrt(g.direction[r][0] * g.direction[r][0] +
                            g.direction[r][1] * g.direction[r][1] +
                            g.direction[r][2] * g.direction[r][2]);
            for (int a = 0; a < 3; a++)
                g.direction[r][a] /= l;
        }
    }
    sps_error e2;
    sps_error_clear(&e2);
    status = sps_volume_new(&vol, &g, &e2);
    if (status != SPS_OK) {
        diag(&c, SPS_DIAG_ERROR, status, key, "volume %zu x %zu x %zu refused: %s", g.dims[0],
             g.dims[1], g.dims[2], e2.message);
        goto fail;
    }
    float *data = sps_volume_data(vol);
    size_t frame_px = g.dims[0] * g.dims[1];
    status = decode_all(&c, ss, n, data, frame_px, opt.threads, idx);
    if (status == SPS_ENOMEM)
        goto oom;
    /* ---- files that failed: keep the volume only if the rest is contiguous ---- */
    size_t lo = 0, hi = n, nfailed = 0;
    for (size_t k = 0; k < n; k++)
        nfailed += ss[k].failed != 0;
    if (nfailed) {
        while (lo < n && ss[lo].failed)
            lo++;
        while (hi > lo && ss[hi - 1].failed)
            hi--;
        size_t inner = 0;
        for (size_t k = lo; k < hi; k++)
            inner += ss[k].failed != 0;
        size_t left = hi - lo;
        if (left == 0) {
            diag(&c, SPS_DIAG_ERROR, (sps_status)ss[0].failed, key,
                 "no slice of the series could be decoded (%zu file(s) failed; see the report)",
                 nfailed);
            goto fail;
        }
        if (inner) {
            size_t k0 = lo;
            while (!ss[k0].failed)
                k0++;
            diag(&c, SPS_DIAG_ERROR, SPS_EFORMAT, ss[k0].file->path,
                 "%zu slice(s) inside the series failed to decode (first at %.2f mm along the "
                 "normal, this file): the rest would have a gap; series refused",
                 inner, ss[k0].pos);
            goto fail;
        }
        if (left < opt.min_slices) {
            diag(&c, SPS_DIAG_ERROR, SPS_EINVALID, key,
                 "too few slices after skipping %zu undecodable file(s): %zu, at least %u needed",
                 nfailed, left, opt.min_slices);
            goto fail;
        }
        /* shrink: move the good slices to the front and rebuild with the new extent */
        sps_geometry g2 = g;
        g2.dims[2] = left;
        memcpy(g2.origin_lps, ss[lo].f->ipp, sizeof g2.origin_lps);
        sps_volume *v2 = NULL;
        status = sps_volume_new_copy(&v2, &g2, data + lo * frame_px, &e2);
        if (status != SPS_OK) {
            diag(&c, SPS_DIAG_ERROR, status, key, "%s", e2.message);
            goto fail;
        }
        sps_volume_free(vol);
        vol = v2;
        diag(&c, SPS_DIAG_WARNING, SPS_OK, key,
             "%zu end slice(s) skipped because their files failed to decode; volume has %zu "
             "slices",
             nfailed, left);
    }
    /* ---- informational cross-checks ---- */
    if (no_rescale_ct)
        diag(&c, SPS_DIAG_WARNING, SPS_OK, key,
             "CT without RescaleSlope/RescaleIntercept (0028,1053/1052): stored values used as HU");
    if (partial_rescale)
        diag(&c, SPS_DIAG_WARNING, SPS_OK, key,
             partial_rescale == 1
                 ? "RescaleSlope (0028,1053) without RescaleIntercept (0028,1052): intercept 0 used"
                 : "RescaleIntercept (0028,1052) without RescaleSlope (0028,1053): slope 1 used");
    if (padding)
        diag(&c, SPS_DIAG_INFO, SPS_OK, key,
             "PixelPaddingValue (0028,0120) = %g (stored): padded voxels (outside the field of "
             "view) keep their rescaled value and count in the statistics",
             h0->pixel_padding);
    if (mono1)
        diag(&c, SPS_DIAG_INFO, SPS_OK, key,
             "PhotometricInterpretation MONOCHROME1: values are modality values (HU for CT); "
             "the display inversion is not applied to them");
    if (h0->has_spacing_between && n >= 2 && h0->spacing_between_slices > 0 &&
        fabs(h0->spacing_between_slices - fabs(step)) > 0.1 * fabs(step))
        diag(&c, SPS_DIAG_INFO, SPS_OK, key,
             "SpacingBetweenSlices (0018,0088) = %.3f mm but positions step %.3f mm: positions used",
             h0->spacing_between_slices, step);
    if (h0->has_gantry_tilt && fabs(h0->gantry_tilt_deg) > 0.01)
        diag(&c, SPS_DIAG_INFO, SPS_OK, key,
             "GantryDetectorTilt (0018,1120) = %.2f deg, but slice positions run along the normal: "
             "geometry taken from positions",
             h0->gantry_tilt_deg);
    for (size_t w = 0; w < part->nwarnings; w++)
        diag(&c, SPS_DIAG_WARNING, SPS_OK, key, "%s", part->warnings[w]);

    sps_volume_set_meta(vol, is_ct ? SPS_UNITS_HU : SPS_UNITS_RAW, h0->modality, part->info.key);
    free(ss);
    *out = vol;
    if (report)
        *report = c.rep;
    else
        sps_dicom_report_free(c.rep);
    return SPS_OK;

oom:
    diag(&c, SPS_DIAG_ERROR, SPS_ENOMEM, key, "out of memory");
fail:
    free(ss);
    sps_volume_free(vol);
    finish_err(&c, err);
    if (report)
        *report = c.rep;
    else
        sps_dicom_report_free(c.rep);
    return c.first_code != SPS_OK ? c.first_code : SPS_EINTERNAL;
}
