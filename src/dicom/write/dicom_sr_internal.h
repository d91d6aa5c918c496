/* dicom_sr_internal.h — C declarations shared by sr.c and the SR / SC shims (not public). */
#ifndef SPS_DICOM_SR_INTERNAL_H
#define SPS_DICOM_SR_INTERNAL_H

#include "dicom_write_internal.h"
#include "spinescore/dicom_sr.h"

SPS_BEGIN_DECL

/** The source image a point lies on (nearest plane within the document's tolerance, inside the
 *  image) and its SCOORD column/row. Returns 0, or -1 when it lies on none. */
int sps_sr__locate(const sps_sr_document *doc, const double lps[3], const char *series_uid, size_t *image,
                   double *column, double *row);

/** The tEXt value of @p key in a PNG (chunks before the image data) into buf; 1 if found. */
int sps_png__text(const char *path, const char *key, char *buf, size_t n);

/** Write to @p path (the caller renames). Catch every exception. */
sps_status sps_dw__write_sr(const char *path, const sps_sr_document *doc, sps_sr_result *result,
                            sps_error *err) SPS_DW_NOEXCEPT;
sps_status sps_dw__write_sc(const char *path, const sps_sc_image *sc, char *sop_uid_out, sps_error *err) SPS_DW_NOEXCEPT;

SPS_END_DECL

#endif
