sps_add_test(NAME test_measure SOURCES test_measure.c LIBS sps_measure LABELS unit)
sps_add_test(NAME test_annotations SOURCES test_annotations.c LIBS sps_measure LABELS unit)
sps_add_test(NAME test_annotations_volume SOURCES test_annotations_volume.c LIBS sps_measure PkgConfig::CJSON LABELS unit)
# spinescore measure end to end on the sample phantoms, and accuracy against phantom truth
# (needs the phantom generator and the measure verb: dicom + measure modules).
if(TARGET sps-phantom AND "dicom" IN_LIST SPS_HAVE_MODULES)
  add_test(NAME test_cli_measure
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_measure.sh)
  set_tests_properties(test_cli_measure PROPERTIES LABELS e2e)
  add_test(NAME test_measure_accuracy
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} python3 ${CMAKE_CURRENT_SOURCE_DIR}/measure/accuracy.py)
  set_tests_properties(test_measure_accuracy PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
endif()
add_test(NAME test_annotations_schema COMMAND ${CMAKE_COMMAND} -E env SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
         python3 ${CMAKE_CURRENT_SOURCE_DIR}/schemas/validate_annotations.py)
set_tests_properties(test_annotations_schema PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
