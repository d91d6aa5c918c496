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

SPS_END_DECL

#endif /* SPINESCORE_SEG_H */
