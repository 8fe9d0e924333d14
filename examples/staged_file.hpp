// An output file of the lkflow program, staged so that no partial output is ever left: the
// content goes to a temporary file in the target's folder, created up front (so an unwritable
// output fails before the flow is computed) and renamed over the target only when every output
// is complete. A staged file that is not committed is removed.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

#include "image_io.hpp"

namespace lkflow_app {

class StagedFile {
 public:
  /// Creates the temporary file for `target`; `label` names the output in messages (a flag).
  /// Throws DataError when the folder is missing, the target is a folder, or the file cannot be
  /// created.
  StagedFile(const std::string& label, std::filesystem::path target)
      : label_(label), target_(std::move(target)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path folder = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
    if (!fs::is_directory(folder, ec)) fail("the folder " + folder.string() + " does not exist");
    if (fs::is_directory(target_, ec)) fail("it is a folder");
    std::random_device device;
    temporary_ = target_;
    temporary_ += "." + std::to_string(device()) + ".tmp";
    errno = 0;
    out_.open(temporary_, std::ios::binary | std::ios::trunc);
    if (!out_) fail(std::string("cannot create a file there: ") + error_text());
  }

  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  ~StagedFile() {
    if (committed_) return;
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
  }

  std::ostream& stream() { return out_; }
  const std::filesystem::path& target() const { return target_; }

  /// Flushes and closes the temporary file; throws DataError on a write error (e.g. disk full).
  void finish() {
    errno = 0;
    out_.flush();
    out_.close();
    if (out_.fail()) fail("write error: " + error_text());
  }

  /// Renames the finished temporary file over the target.
  void commit() {
    std::error_code ec;
    std::filesystem::rename(temporary_, target_, ec);
    if (ec) fail("cannot replace it: " + ec.message());
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw DataError("cannot write " + label_ + " " + target_.string() + ": " + reason);
  }
  static std::string error_text() { return errno ? std::strerror(errno) : "unknown error"; }

  std::string label_;
  std::filesystem::path target_, temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace lkflow_app
