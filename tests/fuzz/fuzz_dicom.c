/* fuzz_dicom.c — libFuzzer target: DICOM file ingest, the code path of `spinescore info`: the
 * input is written to a file in a scratch folder (tmpfs when available), scanned (header parse
 * through DCMTK, series grouping) and every series found is loaded (pixel decode through DCMTK
 * or GDCM, geometry checks, modality transform). Single images are accepted (min_slices 1). */
#include <stdlib.h>

#include "fuzz_common.h"
#include "spinescore/dicom.h"
#include "spinescore/volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = sps_fuzz_write("input.dcm", data, size);
    if (!path)
        abort(); /* the scratch folder is broken: stop rather than fuzz nothing */
    sps_error err;
    sps_dicom_index *idx = NULL;
    if (sps_dicom_scan(&idx, path, &err) != SPS_OK)
        return 0;
    (void)sps_dicom_index_counts(idx);
    for (size_t i = 0; i < sps_dicom_index_problem_count(idx); i++)
        (void)sps_dicom_index_problem(idx, i);
    sps_dicom_load_options opt;
    sps_dicom_load_options_init(&opt);
    opt.min_slices = 1;
    opt.threads = 1;
    size_t nser = sps_dicom_index_series_count(idx);
    for (size_t i = 0; i < nser && i < 4; i++) {
        const sps_dicom_series_info *s = sps_dicom_index_series(idx, i);
        for (size_t w = 0; w < s->warnings; w++)
            (void)sps_dicom_index_series_warning(idx, i, w);
        (void)sps_dicom_index_series_file(idx, i, 0);
        sps_volume *vol = NULL;
        sps_dicom_report *rep = NULL;
        if (sps_dicom_load(&vol, &rep, idx, s->key, &opt, &err) == SPS_OK) {
            sps_volume_stats stats;
            (void)sps_volume_stats_all(&stats, vol, &err);
            size_t k = 0;
            (void)sps_dicom_slice_index(&k, idx, s->key, vol, NULL, 1, 1, &err);
        }
        for (size_t d = 0; d < sps_dicom_report_count(rep); d++)
            (void)sps_dicom_report_get(rep, d);
        sps_dicom_report_free(rep);
        sps_volume_free(vol);
    }
    sps_dicom_index_free(idx);
    return 0;
}
