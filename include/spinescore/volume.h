/* volume.h — 3-D scalar volume (float voxels, x fastest) in DICOM patient coordinates (LPS, mm). */
#ifndef SPINESCORE_VOLUME_H
#define SPINESCORE_VOLUME_H

#include <stddef.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

/** Largest number of voxels a volume may hold (2^31): larger headers are refused before allocation. */
#define SPS_VOLUME_MAX_VOXELS ((size_t)1 << 31)
/** Largest extent along one axis. */
#define SPS_VOLUME_MAX_DIM ((size_t)65535)

/**
 * Geometry of a volume. Index axis 0 (i) runs along a row (DICOM column index), axis 1 (j)
 * down the columns (DICOM row index), axis 2 (k) along the slice normal.
 * A voxel index (i, j, k) maps to LPS as
 *   p = origin_lps + i*spacing_mm[0]*direction[0] + j*spacing_mm[1]*direction[1]
 *                  + k*spacing_mm[2]*direction[2].
 */
typedef struct sps_geometry {
    size_t dims[3];         /**< voxels along i, j, k */
    double spacing_mm[3];   /**< centre-to-centre distance along i, j, k (mm, > 0) */
    double origin_lps[3];   /**< LPS position of the centre of voxel (0,0,0) (mm) */
    double direction[3][3]; /**< direction[a] = unit LPS vector of index axis a (orthonormal) */
} sps_geometry;

/** What the voxel values mean. */
typedef enum sps_units {
    SPS_UNITS_RAW = 0, /**< stored values after the modality transform (MR: arbitrary units) */
    SPS_UNITS_HU = 1   /**< CT Hounsfield units (RescaleSlope/Intercept applied) */
} sps_units;

/** 3-D scalar volume. Opaque; free with sps_volume_free(). */
typedef struct sps_volume sps_volume;

/** Summary statistics of a set of voxels (units of the volume). */
typedef struct sps_volume_stats {
    size_t count; /**< voxels included */
    double min, max, mean, sd; /**< sd: population standard deviation; all 0 when count == 0 */
} sps_volume_stats;

/**
 * Check that a geometry is usable: every dim in 1..SPS_VOLUME_MAX_DIM, product <=
 * SPS_VOLUME_MAX_VOXELS, spacings finite and > 0, origin finite, direction orthonormal (1e-3).
 * @return SPS_OK or SPS_EINVALID (the field is named in err).
 */
SPS_API sps_status sps_geometry_validate(const sps_geometry *geom, sps_error *err);

/**
 * Create a zero-filled volume.
 * @param[out] out  new volume, caller owns (sps_volume_free); NULL on failure.
 * @return SPS_OK, SPS_EINVALID (geometry named in err), SPS_ENOMEM.
 */
SPS_API sps_status sps_volume_new(sps_volume **out, const sps_geometry *geom, sps_error *err);

/**
 * Create a volume by copying @p voxels (dims[0]*dims[1]*dims[2] floats, i fastest).
 * @param[out] out  new volume, caller owns; NULL on failure.
 */
SPS_API sps_status sps_volume_new_copy(sps_volume **out, const sps_geometry *geom,
                                       const float *voxels, sps_error *err);

/** Free a volume (NULL-safe). */
SPS_API void sps_volume_free(sps_volume *vol);

/** Geometry. Borrowed: valid until the volume is freed. */
SPS_API const sps_geometry *sps_volume_geometry(const sps_volume *vol);

/** Voxel buffer (i fastest, then j, then k). Borrowed: valid until the volume is freed. */
SPS_API float *sps_volume_data(sps_volume *vol);
/** Read-only voxel buffer. Borrowed. */
SPS_API const float *sps_volume_data_const(const sps_volume *vol);
/** Number of voxels. */
SPS_API size_t sps_volume_voxel_count(const sps_volume *vol);
/** Value at (i, j, k); NaN when the index is outside the volume. */
SPS_API float sps_volume_at(const sps_volume *vol, size_t i, size_t j, size_t k);

/** Units of the voxel values. */
SPS_API sps_units sps_volume_units(const sps_volume *vol);
/** DICOM Modality (0008,0060) the volume came from ("CT", "MR", or "" if unknown). Borrowed. */
SPS_API const char *sps_volume_modality(const sps_volume *vol);
/** Series key it was loaded from (SeriesInstanceUID, "#n" appended for a split part). Borrowed. */
SPS_API const char *sps_volume_series_uid(const sps_volume *vol);
/** Set units, modality and series key (strings copied, truncated to 15 / 127 characters). */
SPS_API void sps_volume_set_meta(sps_volume *vol, sps_units units, const char *modality,
                                 const char *series_uid);

/** Continuous voxel index (i, j, k) -> LPS position (mm). */
SPS_API void sps_geometry_index_to_lps(double lps[3], const sps_geometry *geom, const double ijk[3]);
/** LPS position (mm) -> continuous voxel index (inverse of sps_geometry_index_to_lps). */
SPS_API void sps_geometry_lps_to_index(double ijk[3], const sps_geometry *geom, const double lps[3]);

/**
 * Statistics over the box of voxels lo[a] <= index[a] < hi[a] (clipped to the volume).
 * NaN voxels are skipped. @return SPS_OK, or SPS_EINVALID if lo >= hi on an axis.
 */
SPS_API sps_status sps_volume_stats_box(sps_volume_stats *out, const sps_volume *vol,
                                        const size_t lo[3], const size_t hi[3], sps_error *err);

/**
 * Statistics over the voxels whose centres lie within radius_mm of centre_lps (LPS, mm).
 * @return SPS_OK (count may be 0 if the sphere misses the volume), SPS_EINVALID if radius <= 0.
 */
SPS_API sps_status sps_volume_stats_sphere(sps_volume_stats *out, const sps_volume *vol,
                                           const double centre_lps[3], double radius_mm,
                                           sps_error *err);

/** Statistics over the whole volume. */
SPS_API sps_status sps_volume_stats_all(sps_volume_stats *out, const sps_volume *vol, sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_VOLUME_H */
