// Writing a file so that readers only ever see the old file or the complete new one: the content
// goes to a temporary file in the same folder, which is renamed over the target when complete
// (rename within one file system replaces the target atomically on POSIX).
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "../file_error.hpp"

namespace lkflow::detail {

/// A name for a temporary file next to `target` that no other writer is likely to pick.
inline std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  x ^= counter.fetch_add(1) << 40;
  try {
    std::random_device device;
    x ^= (std::uint64_t(device()) << 32) ^ device();
  } catch (const std::exception&) {  // no entropy source: the clock and counter still differ
  }
  x = (x ^ (x >> 31)) * 0x9E3779B97F4A7C15ull;  // mix, so that close clock values differ widely
  static const char hex[] = "0123456789abcdef";
  std::string suffix = ".";
  for (int i = 0; i < 12; ++i) suffix += hex[(x >> (4 * i)) & 15];
  std::filesystem::path name = target.filename();
  name += suffix + ".tmp";
  return target.parent_path() / name;
}

/// The reason of the last failed C library or stream call, for error messages.
inline std::string last_error_text() {
  return errno != 0 ? std::string(std::strerror(errno)) : std::string("unknown error");
}

/// Calls write(std::ostream&) on a temporary file next to `path`, then renames it to `path`.
/// On any failure (including an exception from `write`) the temporary file is removed, `path`
/// is left as it was, and FileError (or write's exception) is thrown.
template <class Writer>
void write_file_atomically(const char* func, const std::filesystem::path& path, Writer&& write) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (!fs::is_directory(folder, ec))
    throw FileError(func, path, "cannot write: the folder " + folder.string() + " does not exist");
  if (fs::is_directory(path, ec)) throw FileError(func, path, "cannot write: it is a folder");

  const fs::path temporary = temporary_sibling(path);
  std::ofstream out;
  errno = 0;
  out.open(temporary, std::ios::binary | std::ios::trunc);
  if (!out) throw FileError(func, path, "cannot create a file in its folder: " + last_error_text());
  auto discard = [&] {
    out.close();
    std::error_code ignored;
    fs::remove(temporary, ignored);
  };
  try {
    std::forward<Writer>(write)(out);
  } catch (...) {
    discard();
    throw;
  }
  errno = 0;
  out.flush();
  out.close();
  if (out.fail()) {
    const std::string reason = last_error_text();
    discard();
    throw FileError(func, path, "write error: " + reason);
  }
  fs::rename(temporary, path, ec);
  if (ec) {
    discard();
    throw FileError(func, path, "cannot replace the file: " + ec.message());
  }
}

}  // namespace lkflow::detail
