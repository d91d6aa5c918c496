/* dicom_internal.h — what the DCMTK/GDCM shims hand to the C side of src/dicom, and the C helpers
 * they call. Declared in C; the shims implement them with extern "C" noexcept functions. */
#ifndef SPS_DICOM_INTERNAL_H
#define SPS_DICOM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "spinescore/dicom.h"

#ifdef __cplusplus
#define SPS_NOEXCEPT noexcept
#else
#define SPS_NOEXCEPT
#endif

SPS_BEGIN_DECL

/** Geometry and value transform of one frame (from the top level or a functional group). */
typedef struct sps_dcm_frame {
    double ipp[3];            /**< ImagePositionPatient (0020,0032) */
    double iop[6];            /**< ImageOrientationPatient (0020,0037) */
    double pixel_spacing[2];  /**< PixelSpacing (0028,0030): row spacing, column spacing */
    double slope, intercept;  /**< RescaleSlope/Intercept (0028,1053/1052) */
    double thickness;         /**< SliceThickness (0018,0050) */
    int has_ipp, has_iop, has_spacing, has_thickness;
    int has_rescale; /**< bit 1: RescaleSlope present, bit 2: RescaleIntercept present */
    int stack_position;       /**< FrameContent InStackPositionNumber, or -1 */
    int temporal_position;    /**< FrameContent TemporalPositionIndex, or -1 */
} sps_dcm_frame;

/** Everything the C side needs from one file's header (Pixel Data not read). */
typedef struct sps_dcm_header {
    char sop_class[72], sop_instance[72], transfer_syntax[72];
    char patient_id[72], patient_name[72], study_uid[72], study_date[12], study_desc[72];
    char series_uid[72], series_desc[72], modality[20], body_part[20];
    char image_type[128], photometric[20], frame_of_reference[72];
    int series_number, instance_number, echo_number, acquisition_number, temporal_position;
    int has_echo, has_acquisition;
    unsigned rows, cols, frames, bits_allocated, bits_stored, high_bit, pixel_rep, samples;
    int has_pixel_data, is_dicomdir, has_meta;
    char private_compression[32]; /**< e.g. ELSCINT1 (07A1,1011) "PMSCT_RLE1"; empty if none */
    double spacing_between_slices, gantry_tilt_deg, pixel_padding;
    int has_spacing_between, has_gantry_tilt, has_pixel_padding;
    int has_modality_lut; /**< ModalityLUTSequence (0028,3000): not supported */
    sps_dcm_frame top;        /**< top-level values merged with the shared functional group */
    sps_dcm_frame *per_frame; /**< enhanced multi-frame: one per frame (malloc), else NULL */
    size_t n_per_frame;
} sps_dcm_header;

void sps_dcm__header_free(sps_dcm_header *h);

/** Library-wide DCMTK set-up (codecs, logger). Idempotent and thread-safe. */
void sps_dcm__init(void) SPS_NOEXCEPT;

/**
 * Read the header of one file up to (not including) Pixel Data.
 * @return SPS_OK, SPS_EFORMAT (not parsable / truncated header), SPS_EIO, SPS_ENOMEM.
 */
sps_status sps_dcm__read_header(sps_dcm_header *out, const char *path, sps_error *err) SPS_NOEXCEPT;

/**
 * List the files a DICOMDIR references (absolute paths, malloc'd array of malloc'd strings).
 */
sps_status sps_dcm__dicomdir_files(char ***out, size_t *n, const char *dicomdir_path,
                                   sps_error *err) SPS_NOEXCEPT;

/** Pixel layout a decoder must find, and where each wanted frame goes. */
typedef struct sps_dcm_decode_req {
    const char *path;
    unsigned rows, cols, bits_allocated, bits_stored, high_bit, pixel_rep;
    size_t nframes_file;     /**< NumberOfFrames in the file */
    size_t nwant;            /**< frames wanted */
    const uint32_t *frame;   /**< frame index (0-based) of each wanted frame */
    float *const *dst;       /**< rows*cols floats per wanted frame */
    const double *slope;     /**< per wanted frame */
    const double *intercept; /**< per wanted frame */
} sps_dcm_decode_req;

/**
 * Decode the wanted frames of one file into float buffers (stored value -> masked to
 * BitsStored, sign-extended if PixelRepresentation 1 -> slope * v + intercept).
 * JPEG 2000 goes to GDCM, everything else to DCMTK.
 * @return SPS_OK, SPS_EFORMAT (truncated / corrupt pixel data, header changed since scan),
 *         SPS_EUNSUPPORTED (codec), SPS_EIO, SPS_ENOMEM.
 */
sps_status sps_dcm__decode(const sps_dcm_decode_req *req, sps_error *err) SPS_NOEXCEPT;
/** JPEG 2000 path (gdcm_shim.cpp). Same contract as sps_dcm__decode. */
sps_status sps_gdcm__decode(const sps_dcm_decode_req *req, sps_error *err) SPS_NOEXCEPT;

/** 1 if the transfer syntax UID is JPEG 2000 (which DCMTK 3.6.7 cannot decode). */
int sps_dcm__is_j2k(const char *ts_uid);

/**
 * Convert raw samples (host byte order; 8 or 16 bits allocated) of one frame to float:
 * mask to bits_stored below high_bit, sign-extend if pixel_rep == 1, apply slope/intercept.
 */
void sps_dcm__convert(float *dst, const void *src, size_t n, unsigned bits_allocated,
                      unsigned bits_stored, unsigned high_bit, unsigned pixel_rep, double slope,
                      double intercept);

SPS_END_DECL

/* ---- index internals shared by scan.c and load.c ---- */
SPS_BEGIN_DECL

typedef struct sps_dcm_file {
    char *path;
    sps_dcm_header h;
} sps_dcm_file;

/** One frame of one file: the unit that becomes a slice. */
typedef struct sps_dcm_slice {
    size_t file;
    uint32_t frame;
    int legacy_multiframe; /**< frame of a multi-frame file without per-frame positions */
    int group;             /**< split group while indexing */
} sps_dcm_slice;

typedef struct sps_dcm_part {
    sps_dicom_series_info info;
    size_t *slices; /**< indices into index->slices */
    size_t nslices;
    char **warnings;
    size_t nwarnings;
    size_t parts_of_uid; /**< how many parts share this SeriesInstanceUID */
} sps_dcm_part;

struct sps_dicom_index {
    sps_dcm_file *files;
    size_t nfiles, capfiles;
    sps_dcm_slice *slices;
    size_t nslices;
    sps_dcm_part *parts;
    size_t nparts;
    sps_dicom_problem *problems;
    size_t nproblems, capproblems;
    sps_dicom_scan_counts counts;
    sps_error fatal; /**< why a scan stopped (ENOMEM, or EINTERNAL such as no DCMTK dictionary) */
};

/** Geometry record of a slice (per-frame group if present, else the top level). */
const sps_dcm_frame *sps_dcm__slice_frame(const sps_dicom_index *idx, const sps_dcm_slice *s);

/** Slice normal (row x column cosines) of an IOP; returns 0 if the IOP is not orthonormal. */
int sps_dcm__normal(double n[3], const double iop[6]);

SPS_END_DECL

#endif
