# src/seg (ITK wrapper) tests: import geometry and NIfTI export (unit), CT semi-automatic paths on
# generated phantoms (integration).
sps_add_test(NAME test_seg SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_seg.c LIBS sps_seg sps_volume LABELS unit)
