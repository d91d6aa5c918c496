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

SPS_END_DECL

#endif /* SPINESCORE_SEG_H */
