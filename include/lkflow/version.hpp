// The one place the lkflow version lives; CMakeLists.txt reads it from here.
#pragma once

#define LKFLOW_VERSION_MAJOR 0
#define LKFLOW_VERSION_MINOR 1
#define LKFLOW_VERSION_PATCH 0

namespace lkflow {

/// "MAJOR.MINOR.PATCH" of the headers in use.
inline constexpr const char* version_string = "0.1.0";

}  // namespace lkflow
