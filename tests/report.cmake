# Report writers: report.json / report.txt / research CSV (plain C over the core and measure).
sps_add_test(NAME test_report SOURCES test_report.c LIBS sps_report sps_measure LABELS unit)
add_test(NAME test_report_schema
  COMMAND ${CMAKE_COMMAND} -E env SPS_REPORT_DUMPER=$<TARGET_FILE:test_report> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          python3 ${CMAKE_CURRENT_SOURCE_DIR}/schemas/validate_report.py)
set_tests_properties(test_report_schema PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
# DICOM SR (TID 1500) and Secondary Capture on a phantom series: dciodvfy, dsrdump, dcm2pnm.
find_package(PNG)
if(TARGET sps_dicom_sr AND TARGET sps-phantom AND PNG_FOUND)
  sps_add_test(NAME test_report_dicom SOURCES test_report_dicom.c LIBS sps_report sps_measure sps_dicom_sr sps_dicom PNG::PNG PkgConfig::CJSON
               LABELS integration)
  set_property(TEST test_report_dicom APPEND PROPERTY ENVIRONMENT "SPS_PHANTOM=$<TARGET_FILE:sps-phantom>")
endif()
