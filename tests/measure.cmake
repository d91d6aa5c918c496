sps_add_test(NAME test_measure SOURCES test_measure.c LIBS sps_measure LABELS unit)
sps_add_test(NAME test_annotations SOURCES test_annotations.c LIBS sps_measure LABELS unit)
