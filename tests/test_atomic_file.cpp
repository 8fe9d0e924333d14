// Tests of detail/atomic_file.hpp: temporary names that fit any legal file name, targets that
// are not regular files refused, write errors that keep the system's reason, and commits of
// several files that are all or nothing. Failures of rename, link and copy are made on purpose
// through CommitCalls; the real ones (an immutable file, a full disk) are exercised end to end
// by the program tests where the machine allows (tests/program).
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/detail/atomic_file.hpp>

#include "support/temp_folder.hpp"

namespace fs = std::filesystem;
using lkflow::detail::CommitCalls;
using lkflow::detail::StagedFile;
using lkflow_test::read_file;
using lkflow_test::TempFolder;

namespace {

/// Stages `content` for `target` and finishes it.
std::unique_ptr<StagedFile> staged(const fs::path& target, const std::string& content) {
  auto file = std::make_unique<StagedFile>("test", target);
  file->stream() << content;
  file->finish();
  return file;
}

/// CommitCalls whose rename fails (EPERM) when it would replace `victim`.
CommitCalls failing_rename_onto(const fs::path& victim) {
  static fs::path target;
  target = victim;
  CommitCalls calls;
  calls.rename = [](const fs::path& from, const fs::path& to, std::error_code& ec) {
    if (to == target)
      ec = std::make_error_code(std::errc::operation_not_permitted);
    else
      fs::rename(from, to, ec);
  };
  return calls;
}

}  // namespace

TEST_CASE("temporary names fit within NAME_MAX whatever the target's name", "[atomic_file]") {
  TempFolder folder;
  for (int n : {1, 99, 100, 101, 200, 254, 255}) {
    const auto length = std::size_t(n);
    const fs::path target = folder.path / std::string(length, 'n');
    const fs::path temporary = lkflow::detail::temporary_sibling(target);
    CHECK(temporary.parent_path() == folder.path);
    CHECK(temporary.filename().string().size() <= 117);
    CHECK(temporary.filename().string().rfind(std::string(std::min<std::size_t>(length, 100), 'n'),
                                              0) == 0);
    lkflow::detail::write_file_atomically("test", target, [](std::ostream& out) { out << "x"; });
    CHECK(read_file(target) == "x");
  }
  CHECK(folder.names().size() == 7);  // the targets, no temporary left
  SECTION("a name is cut at a character boundary, not inside a UTF-8 sequence") {
    std::string name = std::string(99, 'a') + "\xc3\xa9" + "z.flo";  // 'é' at bytes 99 and 100
    const std::string temporary =
        lkflow::detail::temporary_sibling(folder.path / name).filename().string();
    CHECK(temporary.rfind(std::string(99, 'a') + ".", 0) == 0);
  }
}

TEST_CASE("only regular files are replaced", "[atomic_file]") {
  TempFolder folder;
  const fs::path fifo = folder.path / "fifo", link = folder.path / "link";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  folder.write("real", std::string("old"));
  fs::create_symlink("real", link);
  fs::create_directory(folder.path / "dir");
  auto refuses = [&](const fs::path& target, const std::string& reason) {
    CHECK_THROWS_WITH(StagedFile("test", target), Catch::Contains(reason));
  };
  refuses(fifo, "it is a FIFO (named pipe), not a regular file");
  refuses(link, "it is a symbolic link");
  refuses(folder.path / "dir", "it is a folder");
  refuses(folder.path / "none" / "x",
          "the folder " + (folder.path / "none").string() + " does not exist");
  if (fs::is_character_file("/dev/null")) refuses("/dev/null", "it is a character device");
  CHECK(fs::is_fifo(fifo));
  CHECK(fs::is_symlink(link));
  CHECK(read_file(folder.path / "real") == "old");
  CHECK(folder.names() == std::vector<std::string>{"dir", "fifo", "link", "real"});

  SECTION("checked again at the commit") {
    auto file = staged(folder.path / "later", "new");
    REQUIRE(mkfifo((folder.path / "later").c_str(), 0600) == 0);
    CHECK_THROWS_WITH(lkflow::detail::commit_all("test", {file.get()}),
                      Catch::Contains("it is a FIFO"));
    CHECK(fs::is_fifo(folder.path / "later"));
  }
}

TEST_CASE("a write error carries the system's reason", "[atomic_file]") {
  // The file size limit makes write() fail with EFBIG, as a full disk makes it fail with
  // ENOSPC; SIGXFSZ is ignored so that the failure is reported instead of killing the test.
  TempFolder folder;
  rlimit old_limit{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limit = old_limit;
  limit.rlim_cur = 4096;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  std::string message;
  try {
    StagedFile file("test", folder.path / "big");
    file.stream() << std::string(100000, 'x');
    file.finish();
  } catch (const lkflow::FileError& e) {
    message = e.reason();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  CHECK(message == "write error: File too large");
  CHECK(folder.names().empty());
}

TEST_CASE("commit_all replaces every target or none", "[atomic_file]") {
  TempFolder folder;
  const fs::path a = folder.path / "a", b = folder.path / "b", c = folder.path / "c";
  folder.write("a", std::string("old a"));
  folder.write("c", std::string("old c"));
  // a and c exist, b is new.

  SECTION("all succeed: new content everywhere, no backups or temporaries left") {
    auto fa = staged(a, "new a"), fb = staged(b, "new b"), fc = staged(c, "new c");
    lkflow::detail::commit_all("test", {fa.get(), fb.get(), fc.get()});
    CHECK(read_file(a) == "new a");
    CHECK(read_file(b) == "new b");
    CHECK(read_file(c) == "new c");
    CHECK(folder.names() == std::vector<std::string>{"a", "b", "c"});
  }
  SECTION("the last rename fails: the earlier targets are put back, the new one removed") {
    auto fa = staged(a, "new a"), fb = staged(b, "new b"), fc = staged(c, "new c");
    CHECK_THROWS_WITH(
        lkflow::detail::commit_all("test", {fa.get(), fb.get(), fc.get()}, failing_rename_onto(c)),
        Catch::Contains(c.string() + ": cannot replace it: Operation not permitted; no file was "
                                     "changed"));
    CHECK(read_file(a) == "old a");
    CHECK(read_file(c) == "old c");
    fa.reset();
    fb.reset();
    fc.reset();
    CHECK(folder.names() == std::vector<std::string>{"a", "c"});
  }
  SECTION("the first rename fails: nothing was replaced") {
    auto fa = staged(a, "new a"), fb = staged(b, "new b");
    CHECK_THROWS(lkflow::detail::commit_all("test", {fa.get(), fb.get()}, failing_rename_onto(a)));
    fa.reset();
    fb.reset();
    CHECK(read_file(a) == "old a");
    CHECK(folder.names() == std::vector<std::string>{"a", "c"});
  }
  SECTION("without hard links the backup is a copy") {
    CommitCalls calls = failing_rename_onto(c);
    calls.hard_link = [](const fs::path&, const fs::path&, std::error_code& ec) {
      ec = std::make_error_code(std::errc::operation_not_supported);
    };
    auto fa = staged(a, "new a"), fc = staged(c, "new c");
    CHECK_THROWS_WITH(lkflow::detail::commit_all("test", {fa.get(), fc.get()}, calls),
                      Catch::Contains("no file was changed"));
    CHECK(read_file(a) == "old a");
    fa.reset();
    fc.reset();
    CHECK(folder.names() == std::vector<std::string>{"a", "c"});
  }
  SECTION("no backup possible: nothing is changed") {
    CommitCalls calls;
    calls.hard_link = calls.copy = [](const fs::path&, const fs::path&, std::error_code& ec) {
      ec = std::make_error_code(std::errc::no_space_on_device);
    };
    auto fa = staged(a, "new a"), fc = staged(c, "new c");
    CHECK_THROWS_WITH(lkflow::detail::commit_all("test", {fa.get(), fc.get()}, calls),
                      Catch::Contains(a.string() + ": cannot keep its old content") &&
                          Catch::Contains("no file was changed"));
    CHECK(read_file(a) == "old a");
    CHECK(read_file(c) == "old c");
  }
  SECTION("putting a target back fails too: the message says where its old content is") {
    static fs::path victim;
    victim = c;
    CommitCalls calls;
    calls.rename = [](const fs::path& from, const fs::path& to, std::error_code& ec) {
      const bool restoring =
          from.filename().string().rfind("a.", 0) == 0 && lkflow_test::read_file(from) == "old a";
      if (to == victim || restoring)
        ec = std::make_error_code(std::errc::io_error);
      else
        fs::rename(from, to, ec);
    };
    auto fa = staged(a, "new a"), fc = staged(c, "new c");
    std::string message;
    try {
      lkflow::detail::commit_all("test", {fa.get(), fc.get()}, calls);
    } catch (const lkflow::FileError& e) {
      message = e.reason();
    }
    CHECK_THAT(message, Catch::Contains("and " + a.string() + " could not be put back") &&
                            !Catch::Contains("no file was changed"));
    const std::string kept = "its old content is in ";
    REQUIRE(message.find(kept) != std::string::npos);
    CHECK(read_file(message.substr(message.find(kept) + kept.size())) == "old a");
    CHECK(read_file(a) == "new a");
  }
  SECTION("an unfinished file is a programming error") {
    StagedFile open("test", a);
    CHECK_THROWS_AS(lkflow::detail::commit_all("test", {&open}), std::logic_error);
  }
}
