# DICOM ingest tests: the shared corpus (skipped when absent) plus synthetic series written by
# tests/dicom/make_series.py; pixel values checked against tests/dicom/oracle.py (pydicom).
sps_add_test(NAME test_dicom SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_dicom.c
             LIBS sps_dicom sps_volume LABELS integration)
