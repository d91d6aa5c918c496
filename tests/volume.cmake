# Volume module tests (geometry, transforms, ROI statistics): fast, no I/O.
sps_add_test(NAME test_volume SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_volume.c LIBS sps_volume LABELS unit)
