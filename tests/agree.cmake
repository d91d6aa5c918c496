# Reader agreement (src/core/agree_*.c, `spinescore agree`): statistics against published worked
# examples in tests/agree/, and the verb end to end.
sps_add_test(NAME test_agree SOURCES test_agree.c LIBS sps_core LABELS unit)
add_test(NAME test_cli_agree
  COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_agree.sh)
set_tests_properties(test_cli_agree PROPERTIES LABELS e2e)
# Hostile inputs (issue 7 "Reliability", docs/robustness.md §Hostile inputs): needs the imaging
# verbs (scan, info, measure, run) and the phantom generator.
if(TARGET sps-phantom AND "dicom" IN_LIST SPS_HAVE_MODULES AND "measure" IN_LIST SPS_HAVE_MODULES
   AND "report" IN_LIST SPS_HAVE_MODULES)
  add_test(NAME test_hostile
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_hostile.sh)
  set_tests_properties(test_hostile PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
endif()
