/* output.c — quantise a rendered phantom and write it as a DICOM series. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "phantom.h"
#include "spinescore/dicom_write.h"
#include "util_internal.h"

void ph_uid_seed(const ph_model *m, char *buf, size_t n)
{
    snprintf(buf, n, "sps-phantom|%016" PRIx64 "|%" PRIu64, m->spec_hash, m->seed);
}

sps_status ph_write_dicom(const ph_model *m, const ph_image *img, const char *dir, sps_error *err)
{
    const ph_acq *a = &m->acq;
    size_t n = (size_t)img->cols * img->rows * img->slices;
    uint16_t *px = malloc(n * sizeof *px);
    if (!px)
        return sps_error_set(err, SPS_ENOMEM, dir, "cannot allocate %zu pixels", n);
    /* CT: stored = HU + 1024 (RescaleIntercept -1024); MR: stored = signal. 12-bit range. */
    double off = a->is_mr ? 0.0 : 1024.0;
    for (size_t i = 0; i < n; i++) {
        double v = floor((double)img->value[i] + off + 0.5);
        px[i] = (uint16_t)(v < 0 ? 0 : v > 4095 ? 4095 : v);
    }
    char uid_seed[96], pid[64], desc[128];
    ph_uid_seed(m, uid_seed, sizeof uid_seed);
    snprintf(pid, sizeof pid, "SPS-PHANTOM-%" PRIu64, m->seed);
    snprintf(desc, sizeof desc, "PHANTOM %s %s", m->name, a->is_mr ? (a->is_t1 ? "T1" : "T2") : "CT");
    sps_dw_series s = {0};
    s.modality = a->is_mr ? SPS_DW_MODALITY_MR : SPS_DW_MODALITY_CT;
    s.syntax = (sps_dw_syntax)a->syntax;
    s.rows = a->rows;
    s.cols = a->cols;
    s.slices = a->slices;
    s.row_spacing_mm = a->row_spacing;
    s.col_spacing_mm = a->col_spacing;
    s.slice_thickness_mm = a->thickness;
    s.spacing_between_slices_mm = a->spacing;
    for (int i = 0; i < 3; i++) {
        s.first_position_lps[i] = a->first[i];
        s.row_cosines[i] = a->row_cos[i];
        s.col_cosines[i] = a->col_cos[i];
    }
    s.window_center = a->window_center;
    s.window_width = a->window_width;
    s.patient_name = m->id_patient_name[0] ? m->id_patient_name : "PHANTOM^SPINE";
    s.patient_id = m->id_patient_id[0] ? m->id_patient_id : pid;
    s.patient_birth_date = m->id_birth_date[0] ? m->id_birth_date : NULL;
    s.accession_number = m->id_accession[0] ? m->id_accession : NULL;
    s.institution_name = m->id_institution[0] ? m->id_institution : NULL;
    s.referring_physician = m->id_referring[0] ? m->id_referring : NULL;
    s.performing_physician = m->id_performing[0] ? m->id_performing : NULL;
    s.reading_physician = m->id_reading[0] ? m->id_reading : NULL;
    s.study_description = "SYNTHETIC SPINE PHANTOM - NOT PATIENT DATA";
    s.series_description = desc;
    s.series_number = a->is_mr ? 2 : 1;
    s.uid_seed = uid_seed;
    s.mr_echo_time_ms = a->is_t1 ? 10 : 100;
    s.mr_repetition_time_ms = a->is_t1 ? 500 : 3000;
    s.mr_field_strength_t = 1.5;
    s.ct_kvp = 120;
    sps_status st = sps_dicom_write_series(dir, &s, px, err);
    free(px);
    return st;
}
