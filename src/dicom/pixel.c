/* pixel.c — stored pixel values to float (BitsStored masking, sign extension, rescale). */
#include <stdlib.h>
#include <string.h>

#include "dicom_internal.h"

int sps_dcm__is_j2k(const char *ts)
{
    return strcmp(ts, "1.2.840.10008.1.2.4.90") == 0 || strcmp(ts, "1.2.840.10008.1.2.4.91") == 0 ||
           strcmp(ts, "1.2.840.10008.1.2.4.92") == 0 || strcmp(ts, "1.2.840.10008.1.2.4.93") == 0;
}

void sps_dcm__convert(float *dst, const void *src, size_t n, unsigned bits_allocated,
                      unsigned bits_stored, unsigned high_bit, unsigned pixel_rep, double slope,
                      double intercept)
{
    /* Checked by the caller: 1 <= bits_stored <= bits_allocated, bits_stored - 1 <= high_bit <
     * bits_allocated. The stored value occupies bits [high_bit - bits_stored + 1, high_bit]. */
    const unsigned shift = high_bit + 1u - bits_stored;
    const uint32_t mask = (bits_stored >= 32u) ? 0xffffffffu : ((1u << bits_stored) - 1u);
    const uint32_t sign = 1u << (bits_stored - 1u);
    const int identity = (slope == 1.0 && intercept == 0.0);
    for (size_t i = 0; i < n; i++) {
        uint32_t raw = bits_allocated == 8 ? ((const uint8_t *)src)[i] : ((const uint16_t *)src)[i];
        uint32_t v = (raw >> shift) & mask;
        double x;
        if (pixel_rep == 1 && (v & sign))
            x = (double)v - (double)(mask) - 1.0; /* two's complement within bits_stored */
        else
            x = (double)v;
        dst[i] = identity ? (float)x : (float)(slope * x + intercept);
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
