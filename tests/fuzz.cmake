# Fuzz targets (tests/fuzz/fuzz_<name>.c, each exporting LLVMFuzzerTestOneInput).
# Every build: fuzz_<name>_replay = the target + tests/fuzz/replay.c, and one ctest per target
# (test_fuzz_<name>) that replays tests/fuzz/regress/<name>/ (every crash input ever found) and
# the seed corpus listed in tests/fuzz/seeds/<name>.txt (DICOM seeds come from the shared corpus
# and are skipped when it is absent). With SPS_FUZZ=ON (clang): fuzz_<name> linked with libFuzzer;
# tools/fuzz.sh builds and runs them (docs/robustness.md, "Fuzzing").
set(SPS_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
set(SPS_FUZZ_TARGETS case)
set(SPS_FUZZ_LIBS_case sps_core)
if("measure" IN_LIST SPS_HAVE_MODULES)
  list(APPEND SPS_FUZZ_TARGETS annotations slicer models)
  set(SPS_FUZZ_LIBS_annotations sps_measure)
  set(SPS_FUZZ_LIBS_slicer sps_measure)
  set(SPS_FUZZ_LIBS_models sps_measure PkgConfig::CJSON)
endif()
if("dicom" IN_LIST SPS_HAVE_MODULES)
  list(APPEND SPS_FUZZ_TARGETS dicom)
  set(SPS_FUZZ_LIBS_dicom sps_dicom sps_volume)
endif()

foreach(t IN LISTS SPS_FUZZ_TARGETS)
  set(_src ${SPS_FUZZ_DIR}/fuzz_${t}.c ${SPS_FUZZ_DIR}/fuzz_common.c)
  add_executable(fuzz_${t}_replay ${_src} ${SPS_FUZZ_DIR}/replay.c)
  target_link_libraries(fuzz_${t}_replay PRIVATE sps_test_support ${SPS_FUZZ_LIBS_${t}})
  add_test(NAME test_fuzz_${t}
    COMMAND fuzz_${t}_replay ${SPS_FUZZ_DIR}/regress/${t} @${SPS_FUZZ_DIR}/seeds/${t}.txt)
  set_tests_properties(test_fuzz_${t} PROPERTIES LABELS unit
    ENVIRONMENT "SPS_SOURCE_DIR=${PROJECT_SOURCE_DIR};SPS_CORPUS_DIR=$ENV{SPS_CORPUS_DIR};LSAN_OPTIONS=suppressions=${SPS_FUZZ_DIR}/lsan.supp")
  if(SPS_FUZZ)
    add_executable(fuzz_${t} ${_src})
    target_link_libraries(fuzz_${t} PRIVATE sps_test_support ${SPS_FUZZ_LIBS_${t}})
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  endif()
endforeach()
if(SPS_FUZZ)
  add_custom_target(fuzz-targets)
  foreach(t IN LISTS SPS_FUZZ_TARGETS)
    add_dependencies(fuzz-targets fuzz_${t})
  endforeach()
endif()
