# Reader agreement (src/core/agree_*.c, `spinescore agree`): statistics against published worked
# examples in tests/agree/, and the verb end to end.
sps_add_test(NAME test_agree SOURCES test_agree.c LIBS sps_core LABELS unit)
add_test(NAME test_cli_agree
  COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_agree.sh)
set_tests_properties(test_cli_agree PROPERTIES LABELS e2e)
