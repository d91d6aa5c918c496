# Report writers: report.json / report.txt / research CSV (plain C over the core and measure).
sps_add_test(NAME test_report SOURCES test_report.c LIBS sps_report sps_measure LABELS unit)
add_test(NAME test_report_schema
  COMMAND ${CMAKE_COMMAND} -E env SPS_REPORT_DUMPER=$<TARGET_FILE:test_report> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          python3 ${CMAKE_CURRENT_SOURCE_DIR}/schemas/validate_report.py)
set_tests_properties(test_report_schema PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
