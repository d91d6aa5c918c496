/* png.c — PNG to 8-bit RGB through libpng (simplified API: any colour type / bit depth; alpha is
 * composited on black, the background of every snapshot). */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "dicom_sr_internal.h"
#include "util_internal.h"

sps_status sps_png_read_rgb(const char *path, unsigned char **rgb, unsigned *width, unsigned *height, sps_error *err)
{
    *rgb = NULL;
    *width = *height = 0;
    if (!path)
        return sps_error_set(err, SPS_EINVALID, "sps_png_read_rgb", "path is required");
    FILE *f = fopen(path, "rb");
    if (!f)
        return sps_error_set(err, SPS_ENOTFOUND, path, "cannot open the PNG file");
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&img, f)) {
        fclose(f);
        return sps_error_set(err, SPS_EFORMAT, path, "not a readable PNG: %s", img.message);
    }
    if (img.width < 1 || img.height < 1 || img.width > 16384 || img.height > 16384) {
        png_image_free(&img);
        fclose(f);
        return sps_error_set(err, SPS_EFORMAT, path, "PNG size %ux%u is outside 1..16384", img.width, img.height);
    }
    img.format = PNG_FORMAT_RGB;
    size_t n = PNG_IMAGE_SIZE(img);
    unsigned char *buf = malloc(n);
    if (!buf) {
        png_image_free(&img);
        fclose(f);
        return sps_error_set(err, SPS_ENOMEM, path, "out of memory for %zu bytes", n);
    }
    png_color black = {0, 0, 0};
    if (!png_image_finish_read(&img, &black, buf, 0, NULL)) {
        free(buf);
        fclose(f);
        return sps_error_set(err, SPS_EFORMAT, path, "corrupt PNG: %s", img.message);
    }
    fclose(f);
    *rgb = buf;
    *width = img.width;
    *height = img.height;
    return SPS_OK;
}

int sps_png__text(const char *path, const char *key, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f || n == 0) {
        if (f)
            fclose(f);
        return 0;
    }
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    volatile int found = 0;
    if (!p || !info) {
        png_destroy_read_struct(&p, &info, NULL);
        fclose(f);
        return 0;
    }
    if (setjmp(png_jmpbuf(p))) { /* libpng reports a corrupt file by longjmp */
        png_destroy_read_struct(&p, &info, NULL);
        fclose(f);
        return found;
    }
    png_init_io(p, f);
    png_read_info(p, info); /* the text chunks before the image data (where the renderer writes them) */
    png_textp t = NULL;
    int nt = 0;
    png_get_text(p, info, &t, &nt);
    for (int i = 0; i < nt && !found; i++)
        if (t[i].key && strcmp(t[i].key, key) == 0 && t[i].text) {
            sps_strlcpy(buf, t[i].text, n);
            found = 1;
        }
    png_destroy_read_struct(&p, &info, NULL);
    fclose(f);
    return found;
}
