// Writing files so that a failure never leaves a partial file and an existing file is only ever
// replaced by a complete one. Each file's content goes to a temporary file next to its target (a
// StagedFile); once complete it is renamed over the target, which replaces it atomically within
// one file system (POSIX rename): readers see the old file or the new one, never a mix.
// Several files cannot be renamed in one step, so commit_all keeps each old target as a backup
// (a hard link, else a copy) until the last rename has succeeded, and a failed rename puts every
// target already replaced back. This is the one home of this logic: write_flo and the lkflow
// program both use it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../file_error.hpp"
#include "c_file_stream.hpp"

namespace lkflow::detail {

/// The longest part of the target's name that a temporary name keeps (bytes on POSIX). With the
/// 17 characters of the suffix, a temporary name is at most 117 long: within NAME_MAX of every
/// common file system (255; 143 on eCryptfs) however long the target's name is.
inline constexpr std::size_t temporary_name_kept = 100;

/// A fresh name for a temporary file next to `target`: up to the first 100 bytes of its name
/// (cut at a character boundary), a dot, 12 random hexadecimal digits and ".tmp".
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
  suffix += ".tmp";

  using Native = std::filesystem::path::string_type;
  const Native name = target.filename().native();
  std::size_t keep = std::min(name.size(), temporary_name_kept);
  auto inside_character = [](auto c) {  // generic, so that only one branch is compiled
    if constexpr (sizeof c == 1)
      return (static_cast<unsigned char>(c) & 0xC0) == 0x80;  // a UTF-8 continuation byte
    else
      return c >= 0xDC00 && c <= 0xDFFF;  // the second half of a UTF-16 surrogate pair
  };
  while (keep > 0 && keep < name.size() && inside_character(name[keep])) --keep;
  std::filesystem::path temporary_name(name.substr(0, keep));
  temporary_name += suffix;
  return target.parent_path() / temporary_name;
}

/// Why `target` cannot be created or replaced as a regular file, or "" when it can: its folder
/// must exist, and it must not exist or be a regular file. A folder, symbolic link, device, FIFO
/// or socket is never replaced (renaming over /dev/null as root would replace the device).
inline std::string unwritable_reason(const std::filesystem::path& target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const fs::file_status folder_status = fs::status(folder, ec);
  if (folder_status.type() == fs::file_type::not_found)
    return "the folder " + folder.string() + " does not exist";
  if (folder_status.type() != fs::file_type::directory)
    return ec ? "cannot reach its folder " + folder.string() + ": " + ec.message()
              : folder.string() + " is not a folder";
  const fs::file_status status = fs::symlink_status(target, ec);
  switch (status.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
      return "";
    case fs::file_type::directory:
      return "it is a folder";
    case fs::file_type::symlink:
      return "it is a symbolic link; only regular files are replaced (name the file it points to)";
    case fs::file_type::character:
      return "it is a character device, not a regular file";
    case fs::file_type::block:
      return "it is a block device, not a regular file";
    case fs::file_type::fifo:
      return "it is a FIFO (named pipe), not a regular file";
    case fs::file_type::socket:
      return "it is a socket, not a regular file";
    default:
      return ec ? "cannot inspect it: " + ec.message() : "it is not a regular file";
  }
}

/// A file being written: its content goes to a new temporary file next to `target`, created
/// exclusively (never following or reusing an existing name). finish() completes it;
/// commit_all() renames it over the target. A staged file that is not committed is removed.
class StagedFile {
 public:
  /// Creates the temporary file. `func` labels FileError messages. Throws FileError naming
  /// `target` when unwritable_reason() finds a reason or the temporary file cannot be created.
  StagedFile(const char* func, std::filesystem::path target)
      : func_(func),
        target_(std::move(target)),
        buffer_(create(func_, target_, temporary_)),
        stream_(&buffer_) {}
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile() {
    if (state_ == State::committed) return;
    buffer_.close();
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
  }

  std::ostream& stream() { return stream_; }
  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary() const { return temporary_; }
  bool finished() const { return state_ == State::finished; }

  /// Flushes and closes the temporary file. Throws FileError "write error: <reason>" (e.g. "No
  /// space left on device") if any write to it failed.
  void finish() {
    if (state_ != State::writing) return;
    stream_.flush();
    const bool closed = buffer_.close();
    if (!closed || stream_.fail())
      throw FileError(func_, target_, "write error: " + errno_text(buffer_.error()));
    state_ = State::finished;
  }

 private:
  enum class State { writing, finished, committed };

  static std::FILE* create(const char* func, const std::filesystem::path& target,
                           std::filesystem::path& temporary) {
    const std::string reason = unwritable_reason(target);
    if (!reason.empty()) throw FileError(func, target, reason);
    int error = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {  // another name if one is taken
      temporary = temporary_sibling(target);
      errno = 0;
#ifdef _WIN32
      std::FILE* file = _wfopen(temporary.c_str(), L"wbx");
#else
      std::FILE* file = std::fopen(temporary.c_str(), "wbx");  // "x": O_EXCL, C11
#endif
      if (file != nullptr) return file;
      error = errno;
      if (error != EEXIST) break;
    }
    throw FileError(func, target, "cannot create a file in its folder: " + errno_text(error));
  }

  friend struct CommitAccess;

  const char* func_;
  std::filesystem::path target_, temporary_;
  CFileBuffer buffer_;
  std::ostream stream_;
  State state_ = State::writing;
};

/// The file-system calls of commit_all that can fail, as replaceable functions so that tests
/// can make any one of them fail.
struct CommitCalls {
  using Call = void (*)(const std::filesystem::path& from, const std::filesystem::path& to,
                        std::error_code& ec);
  Call hard_link = [](const std::filesystem::path& from, const std::filesystem::path& to,
                      std::error_code& ec) { std::filesystem::create_hard_link(from, to, ec); };
  Call copy = [](const std::filesystem::path& from, const std::filesystem::path& to,
                 std::error_code& ec) { std::filesystem::copy_file(from, to, ec); };
  Call rename = [](const std::filesystem::path& from, const std::filesystem::path& to,
                   std::error_code& ec) { std::filesystem::rename(from, to, ec); };
};

struct CommitAccess {
  static void mark_committed(StagedFile& file) { file.state_ = StagedFile::State::committed; }
};

/// Renames every finished staged file over its target (targets must differ), all or nothing
/// as far as the file system allows:
/// 1. every target is checked again (unwritable_reason); any reason: nothing is changed;
/// 2. every existing target but the last gets a backup next to it, a hard link or, where the
///    file system has none, a copy; a failure: nothing is changed;
/// 3. the renames; when one fails, every target already replaced is put back (the backup
///    renamed over it, or the new file removed where there was none), so nothing is changed;
/// 4. the backups are removed.
/// Throws FileError naming the file that failed and the reason; if putting a target back fails
/// too (which needs a second failure within one folder), the message names that target and the
/// backup that still holds its old content. Not covered: the process being killed or the
/// machine failing between two renames, which leaves some targets new and others old.
inline void commit_all(const char* func, const std::vector<StagedFile*>& files,
                       const CommitCalls& calls = {}) {
  namespace fs = std::filesystem;
  for (const StagedFile* file : files)
    if (!file->finished())
      throw std::logic_error("lkflow::detail::commit_all: a staged file was not finished");
  for (const StagedFile* file : files) {
    const std::string reason = unwritable_reason(file->target());
    if (!reason.empty()) throw FileError(func, file->target(), reason);
  }

  std::vector<fs::path> backups(files.size());
  auto remove_backups = [&] {
    for (const fs::path& backup : backups) {
      std::error_code ignored;
      if (!backup.empty()) fs::remove(backup, ignored);
    }
  };
  for (std::size_t i = 0; i + 1 < files.size(); ++i) {
    const fs::path& target = files[i]->target();
    std::error_code ec;
    if (fs::symlink_status(target, ec).type() != fs::file_type::regular) continue;
    const fs::path backup = temporary_sibling(target);
    calls.hard_link(target, backup, ec);
    if (ec) {
      std::error_code copy_ec;
      calls.copy(target, backup, copy_ec);
      if (copy_ec) {
        remove_backups();
        throw FileError(
            func, target,
            "cannot keep its old content while replacing it (no hard link: " + ec.message() +
                "; no copy: " + copy_ec.message() + "); no file was changed");
      }
    }
    backups[i] = backup;
  }

  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    calls.rename(files[i]->temporary(), files[i]->target(), ec);
    if (!ec) {
      CommitAccess::mark_committed(*files[i]);
      continue;
    }
    std::string reason = "cannot replace it: " + ec.message();
    bool restored = true;
    for (std::size_t j = 0; j < i; ++j) {  // put back what was replaced
      const fs::path& target = files[j]->target();
      std::error_code back;
      if (backups[j].empty())
        fs::remove(target, back);
      else
        calls.rename(backups[j], target, back);
      if (!back) {
        backups[j].clear();
        continue;
      }
      restored = false;
      reason += "; and " + target.string() + " could not be put back (" + back.message() + ")";
      if (!backups[j].empty()) {
        reason += ": its old content is in " + backups[j].string();
        backups[j].clear();  // kept for the user
      }
    }
    if (restored) reason += "; no file was changed";
    remove_backups();
    throw FileError(func, files[i]->target(), reason);
  }
  remove_backups();
}

/// Calls write(std::ostream&) on a staged file for `path`, then commits it: on any failure
/// (including an exception from `write`) the temporary file is removed, `path` is left as it
/// was, and FileError (or write's exception) is thrown.
template <class Writer>
void write_file_atomically(const char* func, const std::filesystem::path& path, Writer&& write) {
  StagedFile staged(func, path);
  std::forward<Writer>(write)(staged.stream());
  staged.finish();
  commit_all(func, {&staged});
}

}  // namespace lkflow::detail
