# Snapshot renderer tests: phantoms rendered in memory by the sps_phantom library, PNGs decoded
# with libpng and checked on pixels and tEXt metadata. SPS_RENDER_KEEP_DIR=DIR keeps the PNGs.
pkg_check_modules(LIBPNG_T REQUIRED IMPORTED_TARGET libpng)
if(TARGET sps_phantom AND TARGET sps_measure)
  sps_add_test(NAME test_render SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_render.c
               LIBS sps_render sps_measure sps_phantom PkgConfig::LIBPNG_T PkgConfig::CJSON
               LABELS integration)
endif()
