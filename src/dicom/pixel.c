/* pixel.c — stored pixel values to float (BitsStored masking, sign extension, rescale). */
#include <stdlib.h>
#include <string.h>

#include "dicom_internal.h"

int sps_dcm__is_j2k(const char *ts)
{
    return strcmp(ts, "1.2.840.10008.1.2.4.90") == 0 || strcmp(ts, "1.2.840.10008.1.2.4.91") == 0 ||
           strcmp(ts, "1.2.840.10008.1.2.4.92") == 0 || strcmp(ts, "1.2.840.10008.1.2.4.93") == 0;
}

/* One loop per (BitsAllocated, signedness): branch-free, so the compiler can vectorise it. The
 * stored value occupies bits [high_bit - bits_stored + 1, high_bit] (checked by the caller:
 * 1 <= bits_stored <= high_bit + 1 <= bits_allocated); shifting it to the top of a 32-bit word
 * and back (arithmetic shift for PixelRepresentation 1) masks and sign-extends in one step. */
#define SPS_CONVERT_LOOP(SRC_T, VAL_T)                                                          \
    do {                                                                                        \
        const SRC_T *s = (const SRC_T *)src;                                                    \
        if (identity) {                                                                         \
            for (size_t i = 0; i < n; i++)                                                      \
                dst[i] = (float)(VAL_T)((VAL_T)((uint32_t)s[i] << up) >> down);                 \
        } else {                                                                                \
            for (size_t i = 0; i < n; i++)                                                      \
                dst[i] = (float)(slope * (double)(VAL_T)((VAL_T)((uint32_t)s[i] << up) >> down) \
                                 + intercept);                                                  \
        }                                                                                       \
    } while (0)

void sps_dcm__convert(float *dst, const void *src, size_t n, unsigned bits_allocated,
                      unsigned bits_stored, unsigned high_bit, unsigned pixel_rep, double slope,
                      double intercept)
{
    const unsigned up = 31u - high_bit;    /* high_bit -> bit 31 */
    const unsigned down = 32u - bits_stored; /* back down, dropping the bits below the value */
    const int identity = (slope == 1.0 && intercept == 0.0);
    if (bits_allocated == 8) {
        if (pixel_rep == 1)
            SPS_CONVERT_LOOP(uint8_t, int32_t);
        else
            SPS_CONVERT_LOOP(uint8_t, uint32_t);
    } else {
        if (pixel_rep == 1)
            SPS_CONVERT_LOOP(uint16_t, int32_t);
        else
            SPS_CONVERT_LOOP(uint16_t, uint32_t);
    }
}

void sps_dcm__header_free(sps_dcm_header *h)
{
    if (!h)
        return;
    free(h->per_frame);
    h->per_frame = NULL;
    h->n_per_frame = 0;
}
