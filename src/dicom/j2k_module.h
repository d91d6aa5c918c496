/* j2k_module.h — the interface of the JPEG 2000 module (libsps_j2k.so, gdcm_shim.cpp), loaded with
 * dlopen by j2k_loader.c the first time a JPEG 2000 file is decoded. GDCM (the only JPEG 2000
 * decoder among the project's libraries: DCMTK 3.6.7 has none) builds its data dictionaries when
 * it is loaded (about 4 MB of heap and 10 MB of mapped libraries): a process that never meets
 * JPEG 2000 never loads it. Plain C types only: the module does not link the project's libraries. */
#ifndef SPS_J2K_MODULE_H
#define SPS_J2K_MODULE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One decoded file: every frame, samples as stored (no rescale), frame after frame. */
typedef struct sps_j2k_image {
    unsigned cols, rows, frames;
    unsigned samples_per_pixel, bits_allocated;
    char *data; /**< free with sps_j2k_free */
    size_t len; /**< bytes in data */
} sps_j2k_image;

/** Exit values of sps_j2k_decode_file (mapped to sps_status by the loader). */
enum { SPS_J2K_OK = 0, SPS_J2K_EFORMAT = 1, SPS_J2K_ENOMEM = 2, SPS_J2K_EINTERNAL = 3 };

#define SPS_J2K_DECODE_SYMBOL "sps_j2k_decode_file"
#define SPS_J2K_FREE_SYMBOL "sps_j2k_free"

/** Decode @p path; on failure @p msg says why (NUL-terminated, at most @p msg_size bytes). */
typedef int (*sps_j2k_decode_fn)(const char *path, sps_j2k_image *out, char *msg, size_t msg_size);
typedef void (*sps_j2k_free_fn)(void *data);

#ifdef __cplusplus
}
#endif

#endif
