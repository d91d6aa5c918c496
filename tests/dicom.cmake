# DICOM ingest tests: the shared corpus (skipped when absent) plus synthetic series written by
# tests/dicom/make_series.py; pixel values checked against tests/dicom/oracle.py (pydicom).
sps_add_test(NAME test_dicom SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_dicom.c
             LIBS sps_dicom sps_volume sps_seg LABELS integration)

# `spinescore scan` / `spinescore info` end to end (exit codes, JSON, named refusals).
add_test(NAME test_cli_dicom
  COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          "SPS_CORPUS_DIR=$ENV{SPS_CORPUS_DIR}" bash ${CMAKE_CURRENT_SOURCE_DIR}/dicom/test_cli_dicom.sh)
set_tests_properties(test_cli_dicom PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
