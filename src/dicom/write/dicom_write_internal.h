/* dicom_write_internal.h — C declarations of the DCMTK shim used by write.c (not public). */
#ifndef SPS_DICOM_WRITE_INTERNAL_H
#define SPS_DICOM_WRITE_INTERNAL_H

#include <stdint.h>
#include "spinescore/dicom_write.h"

#ifdef __cplusplus
#define SPS_DW_NOEXCEPT noexcept
#else
#define SPS_DW_NOEXCEPT
#endif

SPS_BEGIN_DECL

/** Per-slice values computed in C and passed to the shim. */
typedef struct sps_dw__slice {
    int index;                  /**< 0-based; InstanceNumber = index + 1 */
    double position_lps[3];     /**< ImagePositionPatient */
    char study_uid[65];
    char series_uid[65];
    char frame_uid[65];
    char instance_uid[65];
} sps_dw__slice;

/** Write one slice to @p path (a temporary name; the caller renames). Catches every exception. */
sps_status sps_dw__write_slice(const char *path, const sps_dw_series *series,
                               const sps_dw__slice *slice, const uint16_t *pixels, sps_error *err) SPS_DW_NOEXCEPT;

/** A fresh unique UID from DCMTK's generator (site root); never fails. */
void sps_dw__new_uid(char out[65]) SPS_DW_NOEXCEPT;

SPS_END_DECL

#endif
