// The lkflow program's output files: checked before anything is computed, staged, and committed
// all together. An output may not be the same file as an input or as another output (compared
// by identity, not spelling), and may only replace a regular file. Each is written to a
// temporary file next to it; once every output is complete they replace their targets all or
// none (lkflow::detail::commit_all), so a failed run leaves every existing file as it was and
// creates none. For any mode of the program that writes files.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <lkflow/detail/atomic_file.hpp>

#include "errors.hpp"

namespace lkflow_app {

/// A file named on the command line, with the flag or argument that named it ("-o", "FRAME0").
struct NamedFile {
  std::string label;
  std::string path;
};

/// Whether `a` and `b` name the same file, by identity rather than spelling: two existing
/// files are the same when they are one device and inode (std::filesystem::equivalent, which
/// follows symbolic links, so hard and symbolic links count); two files yet to be created, when
/// they have the same name in the same folder (the folders compared by identity). An existing
/// file and a missing one differ.
bool same_file(const std::string& a, const std::string& b);

/// Throws UsageError when an output is the same file (same_file) as an input or as another
/// output: "-o and FRAME1 name the same file (out.png, ./out.png)". Entries with an empty path
/// are skipped; inputs may be the same file as each other.
void check_distinct(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs);

/// Output files staged for one all-or-nothing commit.
class OutputFiles {
 public:
  /// Creates a temporary file next to each output whose path is not empty. Throws DataError
  /// "cannot write LABEL PATH: REASON" when one cannot be written: its folder is missing; it is
  /// a folder, symbolic link, device or other non-regular file; no permission. The temporary
  /// files made until then are removed.
  explicit OutputFiles(const std::vector<NamedFile>& outputs);

  /// Whether the output `label` was asked for (had a path).
  bool has(const std::string& label) const;

  /// Writes the whole content of output `label` with write(stream) and closes its temporary
  /// file. Throws DataError on a write error, with the system's reason (e.g. "No space left on
  /// device").
  void write(const std::string& label, const std::function<void(std::ostream&)>& write);

  /// Replaces every output's target by its complete temporary file: all of them or, when one
  /// fails, none (the targets replaced before it are put back). Throws DataError naming the
  /// output that failed and the reason. Every output must have been written.
  void commit();

 private:
  struct Output {
    NamedFile name;
    std::unique_ptr<lkflow::detail::StagedFile> file;
  };
  const Output& find(const std::string& label) const;
  [[noreturn]] void fail(const NamedFile& name, const std::string& reason) const;

  std::vector<Output> outputs_;
};

}  // namespace lkflow_app
