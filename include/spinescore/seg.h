/* seg.h — segmentation for the semi-automatic measurement paths: a C wrapper over ITK.
 * Inputs are sps_volume (imported without copying); outputs are masks and the same landmarks
 * and regions a reader would place (LPS, mm). No ITK type crosses this header; every ITK
 * exception is caught in the shim and returned as an sps_status with its message. */
#ifndef SPINESCORE_SEG_H
#define SPINESCORE_SEG_H

#include <stddef.h>
#include "spinescore/common.h"
#include "spinescore/volume.h"

SPS_BEGIN_DECL

/** ITK version the library was built with, e.g. "5.2.1". Never NULL. */
SPS_API const char *sps_seg_itk_version(void);

/* ---- NIfTI export (itk::NiftiImageIO) ------------------------------------------------------ */

/**
 * Write the volume as a single-file NIfTI-1 image (.nii, float32) through ITK's NiftiImageIO, for
 * comparison with other tools. The geometry goes into sform and qform (scanner anatomical, RAS =
 * LPS with x and y negated, as ITK converts it); units mm. Written to a temporary name in the same
 * folder and renamed.
 * @return SPS_OK, SPS_EINVALID, SPS_EUNSUPPORTED (a dim above 32767), SPS_EIO, SPS_ENOMEM,
 *         SPS_EINTERNAL (an ITK exception, its text in err).
 */
SPS_API sps_status sps_seg_write_nifti(const sps_volume *vol, const char *path, sps_error *err);

/** Same for a 0/1 mask (uint8, dims[0]*dims[1]*dims[2] values, i fastest) on @p geom. */
SPS_API sps_status sps_seg_write_nifti_mask(const unsigned char *mask, const sps_geometry *geom,
                                            const char *path, sps_error *err);

/* ---- reslicing: one plane of a volume, for display (src/seg/reslice.cpp) ------------------ */

/**
 * Resample one plane of @p vol with linear interpolation (ITK ResampleImageFilter with a
 * LinearInterpolateImageFunction; the volume buffer is imported without copying).
 * Output pixel (c, r), 0 <= c < width, 0 <= r < height, is stored at out[r*width + c] and holds
 * the value at the LPS position
 *   centre_lps + (c - (width-1)/2) * pixel_mm * u_lps + (r - (height-1)/2) * pixel_mm * v_lps,
 * so u_lps runs along an output row (left to right) and v_lps down a column (top to bottom).
 * Positions outside the volume (beyond the outer voxel centres by more than half a voxel) are NaN.
 * @param out     width*height floats, caller owns.
 * @param u_lps, v_lps  unit vectors in LPS, orthogonal (tolerance 1e-3).
 * @return SPS_OK; SPS_EINVALID (non-unit or non-orthogonal vectors, pixel_mm <= 0, an empty or
 *         larger than 16384-pixel side; the argument is named); SPS_ENOMEM; SPS_EINTERNAL (an
 *         ITK exception, its message in err).
 */
SPS_API sps_status sps_seg_reslice_plane(float *out, const sps_volume *vol,
                                         const double centre_lps[3], const double u_lps[3],
                                         const double v_lps[3], double pixel_mm, size_t width,
                                         size_t height, sps_error *err);

SPS_END_DECL

#endif /* SPINESCORE_SEG_H */
