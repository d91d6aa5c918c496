/* j2k_loader.c — JPEG 2000 through the GDCM module (j2k_module.h): loaded with dlopen on the first
 * JPEG 2000 file, checked against the header, converted like every other codec's output. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dicom_internal.h"
#include "j2k_module.h"
#include "util_internal.h"

#ifndef SPS_J2K_MODULE_PATH
#define SPS_J2K_MODULE_PATH "libsps_j2k.so"
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void *g_handle;
static sps_j2k_decode_fn g_decode;
static sps_j2k_free_fn g_free;
static char g_why[600];
static char g_path[400];

static void load_module(void)
{
    /* SPS_J2K_MODULE names another copy (e.g. an installed tree); else the one this build made */
    const char *path = getenv("SPS_J2K_MODULE");
    if (!path || !path[0])
        path = SPS_J2K_MODULE_PATH;
    sps_strlcpy(g_path, path, sizeof g_path);
    g_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!g_handle) {
        const char *e = dlerror();
        sps_strlcpy(g_why, e ? e : path, sizeof g_why);
        return;
    }
    *(void **)&g_decode = dlsym(g_handle, SPS_J2K_DECODE_SYMBOL);
    *(void **)&g_free = dlsym(g_handle, SPS_J2K_FREE_SYMBOL);
    if (!g_decode || !g_free) {
        sps_strlcpy(g_why, "the module lacks " SPS_J2K_DECODE_SYMBOL " / " SPS_J2K_FREE_SYMBOL, sizeof g_why);
        dlclose(g_handle);
        g_handle = NULL;
        g_decode = NULL;
        return;
    }
    /* never closed: GDCM's and OpenJPEG's static state stays valid until exit (sanitizer leak
     * reports and suppressions need the module's symbols then) */
}

sps_status sps_gdcm__decode(const sps_dcm_decode_req *r, sps_error *err)
{
    pthread_once(&g_once, load_module);
    if (!g_decode)
        return sps_error_set(err, SPS_EUNSUPPORTED, r->path,
                             "JPEG 2000 needs the GDCM module (%s), which could not be loaded: %s "
                             "(SPS_J2K_MODULE names another path)", g_path, g_why);
    sps_j2k_image img;
    char msg[500] = "";
    int rc = g_decode(r->path, &img, msg, sizeof msg);
    if (rc != SPS_J2K_OK)
        return sps_error_set(err, rc == SPS_J2K_ENOMEM ? SPS_ENOMEM : rc == SPS_J2K_EFORMAT ? SPS_EFORMAT : SPS_EINTERNAL,
                             r->path, "%s", msg);
    sps_status st = SPS_OK;
    const size_t bytes = r->bits_allocated / 8;
    const size_t frame_px = (size_t)r->rows * r->cols;
    if (img.cols != r->cols || img.rows != r->rows || img.frames != r->nframes_file)
        st = sps_error_set(err, SPS_EFORMAT, r->path, "JPEG 2000 image is %ux%ux%u, the header says %ux%ux%zu", img.cols,
                           img.rows, img.frames, r->cols, r->rows, r->nframes_file);
    else if (img.samples_per_pixel != 1 || img.bits_allocated != r->bits_allocated)
        st = sps_error_set(err, SPS_EUNSUPPORTED, r->path, "JPEG 2000 decodes to %u sample(s) of %u bits, expected 1 of %u",
                           img.samples_per_pixel, img.bits_allocated, r->bits_allocated);
    else if (img.len < frame_px * bytes * r->nframes_file)
        st = sps_error_set(err, SPS_EFORMAT, r->path, "JPEG 2000 decoded to %zu bytes, expected %zu", img.len,
                           frame_px * bytes * r->nframes_file);
    else
        for (size_t w = 0; w < r->nwant; w++)
            sps_dcm__convert(r->dst[w], img.data + frame_px * bytes * r->frame[w], frame_px, r->bits_allocated,
                             r->bits_stored, r->high_bit, r->pixel_rep, r->slope[w], r->intercept[w]);
    g_free(img.data);
    return st;
}
