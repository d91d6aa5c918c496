# spinescore run end to end on the sample phantoms (needs the phantom generator and the run verb:
# dicom + measure + report modules). The script requires snapshots / SR when the build has them.
if(TARGET sps-phantom AND "dicom" IN_LIST SPS_HAVE_MODULES AND "measure" IN_LIST SPS_HAVE_MODULES
   AND "report" IN_LIST SPS_HAVE_MODULES)
  set(_run_render 0)
  set(_run_dicom_write 0)
  if("render" IN_LIST SPS_HAVE_MODULES)
    set(_run_render 1)
  endif()
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/spinescore/dicom_sr.h)
    set(_run_dicom_write 1)
  endif()
  add_test(NAME test_cli_run
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} SPS_RUN_RENDER=${_run_render} SPS_RUN_DICOM_WRITE=${_run_dicom_write}
            bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_run.sh)
  set_tests_properties(test_cli_run PROPERTIES LABELS e2e)
  add_test(NAME test_cli_auto  # measure --auto / run --auto (semi-automatic paths of src/seg)
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_auto.sh)
  set_tests_properties(test_cli_auto PROPERTIES LABELS e2e)
  add_test(NAME test_cli_run_multi  # one run over a CT and an axial T2 MR of one patient
    COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
            SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_run_multi.sh)
  set_tests_properties(test_cli_run_multi PROPERTIES LABELS e2e)
  if(NOT SPS_SANITIZE)  # valgrind and the sanitizers do not mix; the ASan build has its own check
    add_test(NAME test_valgrind_run  # run end to end under memcheck: no errors, no leaks
      COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
              SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_valgrind_run.sh)
    set_tests_properties(test_valgrind_run PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 1800)
  endif()
endif()
if(TARGET sps-phantom AND "dicom" IN_LIST SPS_HAVE_MODULES AND "measure" IN_LIST SPS_HAVE_MODULES
   AND "report" IN_LIST SPS_HAVE_MODULES)
  foreach(t test_cli_batch test_cli_batch_parallel)  # spinescore batch: resume, failures, de-identification; GNU parallel
    add_test(NAME ${t}
      COMMAND ${CMAKE_COMMAND} -E env SPS_BIN=$<TARGET_FILE:spinescore> SPS_PHANTOM=$<TARGET_FILE:sps-phantom>
              SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR} bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/${t}.sh)
    set_tests_properties(${t} PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
  endforeach()
endif()
