# Phantom generator and DICOM writer tests (included by tests/CMakeLists.txt when imaging is on).
sps_add_test(NAME test_phantom SOURCES test_phantom.c LIBS sps_phantom LABELS integration)

# External readers/validators on the generated sample series; each skips (77) when its tool is
# missing.
foreach(check dciodvfy pydicom dcm2niix)
  add_test(NAME test_phantom_${check}
    COMMAND ${CMAKE_COMMAND} -E env SPS_PHANTOM=$<TARGET_FILE:sps-phantom> SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            bash ${CMAKE_CURRENT_SOURCE_DIR}/phantom/check_${check}.sh)
  set_tests_properties(test_phantom_${check} PROPERTIES LABELS integration SKIP_RETURN_CODE 77)
endforeach()

# Round trip through the project's own loader, when the DICOM ingest module is built.
if(TARGET sps_dicom AND TARGET sps_volume)
  sps_add_test(NAME test_phantom_roundtrip SOURCES phantom/test_phantom_roundtrip.c
               LIBS sps_phantom sps_dicom sps_volume LABELS integration)
endif()
