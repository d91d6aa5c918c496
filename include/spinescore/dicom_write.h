/* dicom_write.h — write a stack of parallel slices as a CT or MR image series (DICOM Part 10). */
#ifndef SPINESCORE_DICOM_WRITE_H
#define SPINESCORE_DICOM_WRITE_H

#include <stdint.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

/** IOD to write: CT Image Storage (1.2.840.10008.5.1.4.1.1.2) or MR Image Storage (...1.1.4). */
typedef enum sps_dw_modality {
    SPS_DW_MODALITY_CT = 0,
    SPS_DW_MODALITY_MR = 1
} sps_dw_modality;

/** Transfer syntax of the written files. All are lossless. */
typedef enum sps_dw_syntax {
    SPS_DW_SYNTAX_EXPLICIT_LE = 0, /**< 1.2.840.10008.1.2.1 */
    SPS_DW_SYNTAX_JPEGLS_LOSSLESS = 1, /**< 1.2.840.10008.1.2.4.80 */
    SPS_DW_SYNTAX_RLE = 2 /**< 1.2.840.10008.1.2.5 */
} sps_dw_syntax;

/**
 * Description of the series. Zero-initialise, then fill; strings are borrowed for the call.
 * Geometry is in DICOM patient coordinates (LPS, mm). Slice k (0-based) is written with
 * ImagePositionPatient = first_position_lps + k * spacing_between_slices_mm * normal, where
 * normal = row_cosines x col_cosines (the cross product), and InstanceNumber k + 1.
 */
typedef struct sps_dw_series {
    sps_dw_modality modality;
    sps_dw_syntax syntax;
    int rows;                      /**< pixels per column (image height), 1..4096 */
    int cols;                      /**< pixels per row (image width), 1..4096 */
    int slices;                    /**< number of images, 1..10000 */
    double row_spacing_mm;         /**< PixelSpacing[0]: distance between rows */
    double col_spacing_mm;         /**< PixelSpacing[1]: distance between columns */
    double slice_thickness_mm;     /**< SliceThickness (0018,0050) */
    double spacing_between_slices_mm; /**< SpacingBetweenSlices (0018,0088), > 0 */
    double first_position_lps[3];  /**< ImagePositionPatient of slice 0, centre of pixel (0,0) */
    double row_cosines[3];         /**< ImageOrientationPatient[0..2]: direction of increasing column */
    double col_cosines[3];         /**< ImageOrientationPatient[3..5]: direction of increasing row */
    double window_center;          /**< in output units (HU for CT) */
    double window_width;           /**< > 0 */
    const char *patient_name;      /**< required, e.g. "PHANTOM^SPINE" */
    const char *patient_id;        /**< required, e.g. "SPS-PHANTOM-7" */
    /* optional identifiers (NULL: the type-2 attributes are written empty, the others left out) */
    const char *patient_birth_date;   /**< (0010,0030) YYYYMMDD */
    const char *accession_number;     /**< (0008,0050) */
    const char *institution_name;     /**< (0008,0080) */
    const char *referring_physician;  /**< (0008,0090) */
    const char *performing_physician; /**< (0008,1050) */
    const char *reading_physician;    /**< (0008,1060) NameOfPhysiciansReadingStudy */
    const char *study_description; /**< optional */
    const char *series_description;/**< optional */
    const char *study_date;        /**< YYYYMMDD; NULL: "20000101" (fixed so output is reproducible) */
    const char *study_time;        /**< HHMMSS; NULL: "120000" */
    int series_number;             /**< SeriesNumber (0020,0011) */
    /**
     * Seed of the deterministic UIDs. When not NULL, every UID (study, series, frame of
     * reference, instances) is "2.25." + a decimal 128-bit hash of (uid_seed, purpose, index),
     * so the same seed reproduces the same files byte for byte. NULL: fresh random UIDs.
     */
    const char *uid_seed;
    const char *file_prefix;       /**< file names are <prefix><NNNN>.dcm; NULL: "IM" */
    /* MR only (ignored for CT): type-2 attributes of the MR Image module. */
    double mr_echo_time_ms;
    double mr_repetition_time_ms;
    double mr_field_strength_t;
    /* CT only (ignored for MR). */
    double ct_kvp;
} sps_dw_series;

/**
 * Write one series into directory @p dir (which must exist), one file per slice.
 * @p pixels holds slices * rows * cols stored values (column fastest, then row, then slice).
 * For CT the stored values are HU + 1024 (RescaleIntercept -1024, RescaleSlope 1); for MR they
 * are signal values. Values must fit in 12 bits (0..4095): BitsStored 12, unsigned.
 * Each file is written to a temporary name in @p dir and renamed, so a reader never sees a
 * half-written file.
 * @return SPS_OK; SPS_EINVALID (bad description, named in err); SPS_EIO (write/rename failed);
 *         SPS_EINTERNAL (DCMTK failure or unexpected exception); SPS_ENOMEM.
 */
SPS_API sps_status sps_dicom_write_series(const char *dir, const sps_dw_series *series,
                                          const uint16_t *pixels, sps_error *err);

/**
 * The deterministic UID used by sps_dicom_write_series: "2.25." + decimal hash of
 * (seed, purpose, index). @p out must hold 65 bytes. Exposed for tests and truth files.
 * @return SPS_OK, SPS_EINVALID when an argument is NULL.
 */
SPS_API sps_status sps_dicom_make_uid(char out[65], const char *seed, const char *purpose,
                                      unsigned index, sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_DICOM_WRITE_H */
