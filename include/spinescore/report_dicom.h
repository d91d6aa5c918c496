/* report_dicom.h — the case report as DICOM objects in the study of the source images: the TID 1500
 * Measurement Report built from an sps_report (docs/formats.md §6). */
#ifndef SPINESCORE_REPORT_DICOM_H
#define SPINESCORE_REPORT_DICOM_H

#include "spinescore/dicom_sr.h"
#include "spinescore/report.h"

SPS_BEGIN_DECL

/**
 * Write the report as a TID 1500 Measurement Report (sps_dicom_write_sr): one measurement group
 * per lesion, tracked as "<level> lesion", with
 *  - numbers as measured (UCUM): heights Ha/Hm/Hp (mm, each with its two morphometry points as
 *    image coordinates on the source slices), collapse (%), translation (mm), kyphosis and coronal
 *    angles (deg), sac/cord areas (mm2), tumour-cord distance (mm), lesion/reference HU, SINS total;
 *  - coded evaluations (99SPS) of the final SINS components (only scored ones: a component that is
 *    not computable gets no code), the Bilsky grade, the SINS category and the NOMS row;
 *  - a text evaluation "Override of a measured value" for every overridden component.
 * @param study, images  header and references of the source images (sps_dicom_read_image_ref).
 * @return as sps_dicom_write_sr; SPS_EINVALID when sps_report_decide was not called.
 */
SPS_API sps_status sps_report_write_sr(const sps_report *r, const sps_dicom_study_header *study,
                                       const sps_dicom_image_ref *images, size_t nimages, const char *path,
                                       sps_sr_result *result, sps_error *err);

SPS_END_DECL

#endif
