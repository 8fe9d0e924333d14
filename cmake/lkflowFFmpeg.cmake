# LKFLOW_WITH_FFMPEG: movies in the lkflow program (its sequence mode reads them, --color can
# write one) through FFmpeg's libraries, found with pkg-config. On when they are found; without
# them the program still runs on images and says so when given a movie. The library itself
# never uses FFmpeg.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LKFLOW_FFMPEG QUIET IMPORTED_TARGET libavformat libavcodec libswscale libavutil)
endif()
if(LKFLOW_FFMPEG_FOUND)
  set(_lkflow_ffmpeg_default ON)
else()
  set(_lkflow_ffmpeg_default OFF)
endif()
option(LKFLOW_WITH_FFMPEG "Movies in the lkflow program, with FFmpeg's libraries"
       ${_lkflow_ffmpeg_default})
if(LKFLOW_WITH_FFMPEG AND NOT LKFLOW_FFMPEG_FOUND)
  message(FATAL_ERROR
    "LKFLOW_WITH_FFMPEG is ON but FFmpeg's libraries were not found with pkg-config. On "
    "Debian/Ubuntu: apt-get install pkg-config libavformat-dev libavcodec-dev libswscale-dev "
    "(or configure with -DLKFLOW_WITH_FFMPEG=OFF).")
endif()
if(LKFLOW_WITH_FFMPEG)
  message(STATUS "lkflow program: movies through FFmpeg (libavformat ${LKFLOW_FFMPEG_libavformat_VERSION})")
else()
  message(STATUS "lkflow program: without movies (LKFLOW_WITH_FFMPEG=OFF)")
endif()
