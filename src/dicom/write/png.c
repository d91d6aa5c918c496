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
