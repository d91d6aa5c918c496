# src/seg (ITK wrapper) tests: import geometry and NIfTI export (unit), CT semi-automatic paths on
# generated phantoms (integration).
sps_add_test(NAME test_seg SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_seg.c LIBS sps_seg sps_volume LABELS unit)

# Canal path (seed in the thecal sac -> ESCC evidence): generated MR phantom set and the real
# lumbar corpus series.
if(TARGET sps_phantom AND TARGET sps_dicom)
  sps_add_test(NAME test_seg_canal SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_seg_canal.c
               LIBS sps_seg sps_measure sps_phantom sps_dicom sps_volume LABELS integration)
endif()
if(TARGET sps_dicom)
  sps_add_test(NAME test_seg_canal_corpus SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_seg_canal_corpus.c
               LIBS sps_seg sps_dicom sps_volume LABELS integration)
endif()

# Semi-automatic CT paths on 42 generated phantoms (accuracy criterion of issue 5).
if(TARGET sps_phantom AND TARGET sps_measure)
  sps_add_test(NAME test_seg_ct SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_seg_ct.c
               LIBS sps_seg sps_measure sps_phantom sps_volume PkgConfig::CJSON LABELS integration)
  # Under ASan+UBSan the 42 cases take over ten minutes (phantom rendering is instrumented too):
  # every 7th case (7 is coprime with the factor periods 3 and 4: all collapse kinds, lesion
  # types and planes) still runs each path through the sanitizers.
  if(SPS_SANITIZE)
    set_property(TEST test_seg_ct APPEND PROPERTY ENVIRONMENT "SPS_SEG_CT_STRIDE=7")
  endif()
endif()
