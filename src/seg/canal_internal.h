/* canal_internal.h — 2-D image operations the canal path needs, implemented over ITK in
 * canal_itk.cpp. Images are nx*ny, x (DICOM column) fastest; masks hold 0 or 1. Every function
 * catches ITK exceptions and returns them as an sps_status with the filter named. */
#ifndef SPS_SEG_CANAL_INTERNAL_H
#define SPS_SEG_CANAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "spinescore/common.h"

SPS_BEGIN_DECL

/** Median filter with a (2r+1)^2 window (itk::MedianImageFilter). @p in is imported without copy. */
sps_status sps__canal_median(const float *in, size_t nx, size_t ny, unsigned radius, float *out,
                             sps_error *err);

/** 8-connected components of a mask (itk::ConnectedComponentImageFilter): labels 1..n, 0 = background. */
sps_status sps__canal_label(const uint8_t *mask, size_t nx, size_t ny, int32_t *labels, int *nlabels,
                            sps_error *err);

/** Fill the holes of a mask in place (itk::BinaryFillholeImageFilter). */
sps_status sps__canal_fill_holes(uint8_t *mask, size_t nx, size_t ny, sps_error *err);

/** Binary closing (@p close != 0) or opening in place with an elliptic ball of radii rx, ry pixels. */
sps_status sps__canal_morph(uint8_t *mask, size_t nx, size_t ny, unsigned rx, unsigned ry, int close,
                            sps_error *err);

/** Distance (mm) from every pixel centre to the nearest pixel of the mask (0 inside), with pixel
 *  spacing sx, sy (itk::SignedMaurerDistanceMapImageFilter, inside clamped to 0). An empty mask
 *  gives +infinity everywhere. */
sps_status sps__canal_distance(const uint8_t *mask, size_t nx, size_t ny, double sx, double sy, float *dist,
                               sps_error *err);

/** The longest closed iso-0.5 contour of a mask (itk::ContourExtractor2DImageFilter) as
 *  continuous pixel indices (x, y pairs). *xy is malloc'ed (caller frees); *n = 0 for an empty mask. */
sps_status sps__canal_contour(const uint8_t *mask, size_t nx, size_t ny, double **xy, size_t *n,
                              sps_error *err);

SPS_END_DECL

#endif
