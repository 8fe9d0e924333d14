// The exception lkflow's file functions throw when a file cannot be read or written, or its
// content is not what the format requires.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace lkflow {

/// A file could not be read or written, or its content is not what the format requires.
/// what() is "lkflow::FUNCTION: PATH: REASON"; path() and reason() give the parts.
class FileError : public std::runtime_error {
 public:
  FileError(const char* func, const std::filesystem::path& path, const std::string& reason)
      : std::runtime_error(std::string("lkflow::") + func + ": " + path.string() + ": " + reason),
        parts_(std::make_shared<const Parts>(Parts{path, reason})) {}
  const std::filesystem::path& path() const noexcept { return parts_->path; }
  const std::string& reason() const noexcept { return parts_->reason; }

 private:
  // Shared, so that copying the exception (as throw and catch may) cannot throw.
  struct Parts {
    std::filesystem::path path;
    std::string reason;
  };
  std::shared_ptr<const Parts> parts_;
};

}  // namespace lkflow
