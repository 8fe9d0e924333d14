// The two kinds of failure the lkflow program reports, each with its exit code.
#pragma once

#include <stdexcept>

namespace lkflow_app {

/// A file that cannot be read or written, or whose content is not valid: the message names the
/// file and the reason. The program reports it with exit code 1.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A bad command line, found after CLI11's own checks (e.g. an output that is also an input).
/// The program reports it with exit code 2, like CLI11's errors.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace lkflow_app
