# The lkflow program's image files (examples/image_io.hpp): PNG through libspng and JPEG through
# libjpeg (libjpeg-turbo on Debian), each optional, found with pkg-config and find_package: a
# build without one reads no such files and says so when given one. PGM/PPM need nothing, and
# PNG writing uses stb_image_write (libstb-dev). Included by every folder whose targets read
# image files; lkflow_add_image_io(<target>) compiles the loader into <target>, with the
# target's own flags (the fuzzers instrument it, lkflow_eval builds it for its machine).
# Included once per folder that uses it, since imported targets are visible only in the folder
# that finds them; the searches are cached, and the warnings are given once.

find_path(LKFLOW_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)
if(NOT LKFLOW_STB_INCLUDE_DIR)
  message(FATAL_ERROR "The lkflow program needs stb_image_write.h. On Debian/Ubuntu: apt-get install libstb-dev")
endif()

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(LKFLOW_SPNG QUIET IMPORTED_TARGET spng)
endif()
get_property(_lkflow_image_io_warned GLOBAL PROPERTY LKFLOW_IMAGE_IO_WARNED)
set_property(GLOBAL PROPERTY LKFLOW_IMAGE_IO_WARNED TRUE)
if(NOT LKFLOW_SPNG_FOUND AND NOT _lkflow_image_io_warned)
  message(WARNING "lkflow program: libspng not found (Debian: apt-get install pkg-config "
                  "libspng-dev), so it will not read PNG files")
endif()
find_package(JPEG QUIET)
if(NOT JPEG_FOUND AND NOT _lkflow_image_io_warned)
  message(WARNING "lkflow program: libjpeg not found (Debian: apt-get install "
                  "libjpeg62-turbo-dev), so it will not read JPEG files")
endif()

# lkflow_add_image_io(<target> [NO_DECODERS]): compiles the image loader into <target>;
# NO_DECODERS builds it as if neither library were installed (for the test of that case).
function(lkflow_add_image_io target)
  cmake_parse_arguments(arg "NO_DECODERS" "" "" ${ARGN})
  set(dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  target_sources(${target} PRIVATE "${dir}/image_io.cpp" "${dir}/pnm_decoder.cpp"
                                   "${dir}/png_decoder.cpp" "${dir}/jpeg_decoder.cpp")
  target_include_directories(${target} PUBLIC "${dir}")
  target_include_directories(${target} SYSTEM PRIVATE "${LKFLOW_STB_INCLUDE_DIR}")
  if(LKFLOW_SPNG_FOUND AND NOT arg_NO_DECODERS)
    target_compile_definitions(${target} PRIVATE LKFLOW_APP_HAVE_SPNG)
    target_link_libraries(${target} PRIVATE PkgConfig::LKFLOW_SPNG)
  endif()
  if(JPEG_FOUND AND NOT arg_NO_DECODERS)
    target_compile_definitions(${target} PRIVATE LKFLOW_APP_HAVE_JPEG)
    target_link_libraries(${target} PRIVATE JPEG::JPEG)
  endif()
endfunction()
