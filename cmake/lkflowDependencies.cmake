# lkflow_require_package(<package> <debian-package> [find_package args...])
# find_package(<package> CONFIG) that fails configure with the Debian package to install.
macro(lkflow_require_package package debian)
  find_package(${package} CONFIG QUIET ${ARGN})
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "lkflow needs ${package}, which was not found. On Debian/Ubuntu: "
      "apt-get install ${debian} (or point CMAKE_PREFIX_PATH at an installation).")
  endif()
endmacro()
