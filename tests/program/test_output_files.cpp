// Tests of the program's output files (examples/output_files.hpp): same_file by identity,
// check_distinct's refusals, and OutputFiles' staging, writing and all-or-nothing commit with
// messages that name the flag. The commit's rollback itself is tested in test_atomic_file.cpp.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "output_files.hpp"
#include "support/temp_folder.hpp"

namespace fs = std::filesystem;
using lkflow_app::NamedFile;
using lkflow_app::same_file;
using lkflow_test::read_file;
using lkflow_test::TempFolder;

namespace {

/// Runs the test body from inside `folder`, restoring the working folder afterwards.
struct InFolder {
  fs::path previous = fs::current_path();
  explicit InFolder(const fs::path& folder) { fs::current_path(folder); }
  ~InFolder() { fs::current_path(previous); }
};

}  // namespace

TEST_CASE("same_file compares identities, not spellings", "[output_files]") {
  TempFolder folder;
  InFolder inside(folder.path);
  folder.write("a.png", std::string("a"));
  folder.write("b.png", std::string("b"));
  fs::create_hard_link("a.png", "hard.png");
  fs::create_symlink("a.png", "soft.png");
  fs::create_directory("sub");
  fs::create_directory_symlink(".", "here");
  const std::string absolute = (folder.path / "a.png").string();

  CHECK(same_file("a.png", "a.png"));
  CHECK(same_file("a.png", "./a.png"));
  CHECK(same_file("a.png", absolute));
  CHECK(same_file("a.png", "sub/../a.png"));
  CHECK(same_file("a.png", "here/a.png"));
  CHECK(same_file("a.png", "hard.png"));
  CHECK(same_file("a.png", "soft.png"));
  CHECK_FALSE(same_file("a.png", "b.png"));
  // Files yet to be created: the same name in the same folder.
  CHECK(same_file("new.flo", "here/new.flo"));
  CHECK(same_file("new.flo", (folder.path / "new.flo").string()));
  CHECK_FALSE(same_file("new.flo", "sub/new.flo"));
  CHECK_FALSE(same_file("new.flo", "new.png"));
  CHECK_FALSE(same_file("new.flo", "a.png"));
  CHECK_FALSE(same_file("missing/x", "missing/x2"));
}

TEST_CASE("check_distinct refuses an output that is an input or another output", "[output_files]") {
  TempFolder folder;
  InFolder inside(folder.path);
  folder.write("f0.png", std::string("0"));
  const std::vector<NamedFile> inputs = {{"FRAME0", "f0.png"}, {"FRAME1", "f0.png"}, {"--gt", ""}};
  CHECK_NOTHROW(lkflow_app::check_distinct(inputs, {{"-o", "out.flo"}, {"--color", ""}}));
  CHECK_THROWS_AS(lkflow_app::check_distinct(inputs, {{"-o", "./f0.png"}}), lkflow_app::UsageError);
  CHECK_THROWS_WITH(lkflow_app::check_distinct(inputs, {{"-o", "./f0.png"}}),
                    "-o and FRAME0 name the same file (./f0.png, f0.png): an output may not "
                    "replace an input");
  CHECK_THROWS_WITH(lkflow_app::check_distinct(
                        inputs, {{"-o", "x.flo"}, {"--color", ""}, {"--legend", "./x.flo"}}),
                    "-o and --legend name the same file (x.flo, ./x.flo)");
}

TEST_CASE("OutputFiles stages, writes and commits, naming the flag in errors", "[output_files]") {
  TempFolder folder;
  InFolder inside(folder.path);
  folder.write("old.flo", std::string("old"));
  SECTION("a complete run replaces and creates") {
    {
      lkflow_app::OutputFiles outputs({{"-o", "old.flo"}, {"--color", ""}, {"--legend", "l.png"}});
      CHECK(outputs.has("-o"));
      CHECK_FALSE(outputs.has("--color"));
      outputs.write("-o", [](std::ostream& out) { out << "new"; });
      outputs.write("--legend", [](std::ostream& out) { out << "legend"; });
      CHECK(read_file("old.flo") == "old");  // nothing replaced before the commit
      outputs.commit();
    }
    CHECK(read_file("old.flo") == "new");
    CHECK(read_file("l.png") == "legend");
    CHECK(folder.names() == std::vector<std::string>{"l.png", "old.flo"});
  }
  SECTION("an output that cannot be staged: DataError, and the temporaries made are removed") {
    CHECK_THROWS_WITH(
        lkflow_app::OutputFiles(std::vector<NamedFile>{{"-o", "a.flo"}, {"--color", "no/b.png"}}),
        "cannot write --color no/b.png: the folder no does not exist");
    CHECK(folder.names() == std::vector<std::string>{"old.flo"});
  }
  SECTION("no commit (an error before it): nothing is replaced or left") {
    {
      lkflow_app::OutputFiles outputs(std::vector<NamedFile>{{"-o", "old.flo"}});
      outputs.write("-o", [](std::ostream& out) { out << "new"; });
    }
    CHECK(read_file("old.flo") == "old");
    CHECK(folder.names() == std::vector<std::string>{"old.flo"});
  }
  SECTION("a target that became a folder before the commit") {
    lkflow_app::OutputFiles outputs({{"-o", "old.flo"}, {"--legend", "l.png"}});
    outputs.write("-o", [](std::ostream& out) { out << "new"; });
    outputs.write("--legend", [](std::ostream& out) { out << "legend"; });
    fs::create_directory("l.png");
    CHECK_THROWS_WITH(outputs.commit(), "cannot write --legend l.png: it is a folder");
    CHECK(read_file("old.flo") == "old");
  }
}
