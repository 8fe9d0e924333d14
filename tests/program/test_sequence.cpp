// The lkflow program's sequence mode, end to end: the real binary is run on movies and image
// lists that the tests make, and its exit code, messages and files are checked.
//
// The scene: a smooth random texture (tests/support/images.hpp) moving by (U, V) px per frame:
// frame k shows the texture at (x - kU, y - kV), so frame k+1 at (x + U, y + V) shows what frame
// k shows at (x, y), and the true flow of every pair is (U, V) at every pixel (up to the 8-bit
// rounding of the frames). The movies are written with the program's own encoder wrapper
// (examples/video_io.hpp): FFV1 gray for lossless, libx264 and MPEG-4 part 2 for lossy.
#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/flo.hpp>

#include "image_io.hpp"
#include "support/images.hpp"
#include "video_io.hpp"

namespace fs = std::filesystem;
using lkflow::Image;

namespace {

constexpr double U = 1.25, V = -0.5;  // the scene's motion, px per frame
constexpr int W = 128, H = 96;        // frame size

// Mean endpoint errors the flows must stay below. Measured on these 8-frame movies with the
// default parameters: lossless 0.020 px; H.264 at x264's default quality (crf 23, 3 kB for the
// 8 frames) 0.124 px, its first pair the worst at 0.15; MPEG-4 part 2 at quantiser 5, 0.096 px.
// The bounds leave room for other encoder versions; zero flow would score 1.35 px.
constexpr double lossless_epe = 0.05;
constexpr double lossy_epe = 0.25;

Image<std::uint8_t> scene_frame(int k, int width = W, int height = H) {
  static const lkflow_test::Texture texture(7);
  Image<std::uint8_t> frame(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      frame(y, x) = lkflow_test::to_pixel<std::uint8_t>(texture(x - k * U, y - k * V));
  return frame;
}

void write_png(const fs::path& path, const Image<std::uint8_t>& gray) {
  const std::vector<unsigned char> png = lkflow_app::encode_png(gray, 1);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// A fresh folder for one run, with the true flow of the scene in truth.flo.
struct Folder {
  fs::path path;
  Folder() {
    std::random_device device;
    path = fs::temp_directory_path() / ("lkflow_test_sequence_" + std::to_string(device()));
    fs::create_directories(path);
    lkflow::Flow<float> truth;
    truth.u = Image<float>::Constant(H, W, float(U));
    truth.v = Image<float>::Constant(H, W, float(V));
    lkflow::write_flo(path / "truth.flo", truth);
  }
  ~Folder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
    fs::remove(path.string() + ".stdout", ignored);
    fs::remove(path.string() + ".stderr", ignored);
  }
  fs::path operator/(const std::string& name) const { return path / name; }

  /// Every file below the folder, relative to it, sorted.
  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(path))
      if (!entry.is_directory()) names.insert(fs::relative(entry.path(), path).string());
    return names;
  }
};

struct Result {
  int code = -1;
  std::string out, err;
};

/// Starts `program` in `dir` with `args`; stdout and stderr go to files next to `dir` (stderr to
/// `stderr_fd` if given).
pid_t start(const std::string& program, const Folder& dir, const std::vector<std::string>& args,
            int stderr_fd = -1) {
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = dir.path.string() + ".stdout", err = dir.path.string() + ".stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd =
        stderr_fd >= 0 ? stderr_fd : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (chdir(dir.path.c_str()) != 0 || out_fd < 0 || err_fd < 0) _exit(126);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

Result finish(pid_t pid, const Folder& dir) {
  int status = 0;
  waitpid(pid, &status, 0);
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);  // killed: never 130
  r.out = read_text(dir.path.string() + ".stdout");
  r.err = read_text(dir.path.string() + ".stderr");
  return r;
}

Result run(const Folder& dir, const std::vector<std::string>& args,
           const std::string& program = LKFLOW_PROGRAM) {
  return finish(start(program, dir, args), dir);
}

/// The number after "key": in the JSON text (the first occurrence).
double json_number(const std::string& json, const std::string& key) {
  const std::string tag = "\"" + key + "\": ";
  const std::size_t at = json.find(tag);
  INFO("no " << key << " in " << json);
  REQUIRE(at != std::string::npos);
  return std::strtod(json.c_str() + at + tag.size(), nullptr);
}

/// Mean endpoint error of a .flo file against the scene's motion.
double file_epe(const fs::path& path) {
  const lkflow::Flow<float> flow = lkflow::read_flo(path);
  REQUIRE(flow.u.rows() == H);
  REQUIRE(flow.u.cols() == W);
  return ((flow.u.cast<double>() - U).square() + (flow.v.cast<double>() - V).square())
      .sqrt()
      .mean();
}

/// The names pattern %03d gives for 0 .. n-1 below `folder`.
std::set<std::string> numbered(const std::string& folder, int n, const std::string& ext) {
  std::set<std::string> names;
  for (int k = 0; k < n; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "%03d", k);
    names.insert((fs::path(folder) / (name + ext)).string());
  }
  return names;
}

std::set<std::string> plus(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

/// Checks an error run: the code, one line on stderr matching `message`, nothing on stdout.
void check_error(const Result& r, int code, const std::string& message) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(std::regex_search(r.err, std::regex(message)));
  CHECK(std::regex_match(r.err, std::regex("lkflow: [^\n]+\n")));
  CHECK(r.out.empty());
}

}  // namespace

#if LKFLOW_TEST_MOVIES

namespace {

lkflow_app::VideoWriterSettings codec_settings(const std::string& codec) {
  lkflow_app::VideoWriterSettings s;
  s.codec = codec;
  if (codec == "ffv1") s.pixel_format = "gray";  // lossless: the gray frames exactly
  if (codec == "libx264") s.quality = 23;        // x264's default rate factor
  if (codec == "mpeg4") s.quality = 5;
  return s;
}

void write_movie(const fs::path& path, int frames, const std::string& codec = "ffv1", int width = W,
                 int height = H) {
  lkflow_app::VideoWriter writer("test", path.string(), width, height,
                                 lkflow_app::VideoWriter::Pixels::gray8, codec_settings(codec));
  for (int k = 0; k < frames; ++k) writer.write(scene_frame(k, width, height));
  writer.finish();
}

/// Frames of a movie, by decoding it with the program's reader.
int movie_frames(const fs::path& path) {
  lkflow_app::VideoReader reader(path.string());
  Image<std::uint8_t> gray;
  int n = 0;
  while (reader.read(gray)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sequence: a lossless movie gives the flow of every pair, numbered by its frame") {
  Folder dir;
  write_movie(dir / "movie.mkv", 8);
  fs::create_directories(dir / "flows");
  fs::create_directories(dir / "colors");
  const Result r = run(dir, {"movie.mkv", "-o", "flows/%03d.flo", "--color", "colors/%03d.png",
                             "--legend", "legend.png", "--gt", "truth.flo", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());  // stderr is a file: no progress line
  // Exactly one flow and one colour picture per pair, 000 to 006, and nothing else.
  CHECK(dir.files() == plus(plus(numbered("flows", 7, ".flo"), numbered("colors", 7, ".png")),
                            {"movie.mkv", "truth.flo", "legend.png"}));
  for (int k = 0; k < 7; ++k) {
    const double epe = file_epe(dir / *std::next(numbered("flows", 7, ".flo").begin(), k));
    INFO("pair " << k << ": EPE " << epe);
    CHECK(epe < lossless_epe);
  }
  CHECK(json_number(r.out, "frames") == 8);
  CHECK(json_number(r.out, "pairs") == 7);
  CHECK(json_number(r.out, "epe") < lossless_epe);
  CHECK(json_number(r.out, "flow_ms_per_frame") > 0);
  CHECK(json_number(r.out, "end_to_end_ms_per_frame") > 0);
  CHECK(json_number(r.out, "color_max") > 1.2);  // the first pair's largest flow, about 1.35 px
  CHECK(r.out.find("\"interrupted\": false") != std::string::npos);
  const std::string per_pair = r.out.substr(r.out.find("\"per_pair\""));
  const std::regex pair_entry("\"pair\": [0-9]+");
  CHECK(std::distance(std::sregex_iterator(per_pair.begin(), per_pair.end(), pair_entry),
                      std::sregex_iterator()) == 7);
}

TEST_CASE("sequence: lossy H.264 and MPEG-4 movies still give flows within the stated EPE") {
  for (const char* codec : {"libx264", "mpeg4"}) {
    Folder dir;
    write_movie(dir / "movie.mp4", 8, codec);
    const Result r = run(dir, {"movie.mp4", "--gt", "truth.flo", "--json"});
    INFO(codec << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(json_number(r.out, "frames") == 8);
    CHECK(json_number(r.out, "epe") < lossy_epe);
  }
}

TEST_CASE("sequence: --color OUT.mp4 and .mkv write one movie frame per pair") {
  for (const char* name : {"flow.mp4", "flow.mkv"}) {
    Folder dir;
    write_movie(dir / "movie.mkv", 6);
    const Result r = run(dir, {"movie.mkv", "--color", name, "--color-max", "2"});
    INFO(name << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(dir.files() == std::set<std::string>{"movie.mkv", "truth.flo", name});
    CHECK(movie_frames(dir / name) == 5);
    CHECK(std::regex_search(r.out, std::regex(std::string("wrote: +") + name +
                                              " \\(colour coding, 5 frames, [a-z0-9]+, full "
                                              "colour at 2 px\\)")));
  }
}

TEST_CASE("sequence: one frame, no movie, or a file that is not one: exit 1, no files") {
  Folder dir;
  write_movie(dir / "one.mkv", 1);
  std::ofstream(dir / "notes.mp4") << "not a movie";
  check_error(run(dir, {"one.mkv", "-o", "%d.flo", "--color", "flow.mp4"}), 1,
              "one\\.mkv: it has only one frame; a flow needs two \\(nothing was written\\)");
  check_error(run(dir, {"nosuch.mkv", "-o", "%d.flo"}), 1, "nosuch\\.mkv: no such file");
  check_error(run(dir, {"notes.mp4", "-o", "%d.flo"}), 1,
              "notes\\.mp4: not a movie FFmpeg can read");
  CHECK(dir.files() == std::set<std::string>{"one.mkv", "notes.mp4", "truth.flo"});
}

TEST_CASE(
    "sequence: a cut-off or damaged movie stops with exit 1 naming the frame, keeping "
    "every completed file") {
  Folder dir;
  write_movie(dir / "movie.mkv", 16);
  const std::string bytes = read_text(dir / "movie.mkv");
  std::string damaged = bytes;
  std::mt19937 rng(3);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
    damaged[i] = char(rng() & 0xff);
  std::ofstream(dir / "cut.mkv", std::ios::binary) << bytes.substr(0, bytes.size() * 6 / 10);
  std::ofstream(dir / "damaged.mkv", std::ios::binary) << damaged;
  fs::remove(dir / "movie.mkv");

  for (const std::string name : {"cut", "damaged"}) {
    INFO(name);
    fs::create_directories(dir / name);
    const Result r = run(dir, {name + ".mkv", "-o", name + "/%03d.flo", "--color",
                               name + "/flow.mkv", "--gt", "truth.flo"});
    check_error(r, 1,
                name +
                    "\\.mkv: frame [0-9]+: [^\n]+ \\(the outputs of pairs 0 to [0-9]+ "
                    "are complete and kept\\)");
    std::smatch m;
    REQUIRE(std::regex_search(r.err, m, std::regex("pairs 0 to ([0-9]+)")));
    const int pairs = std::stoi(m[1]) + 1;
    CHECK(pairs >= 3);
    CHECK(pairs < 15);
    std::set<std::string> expected = numbered(name, pairs, ".flo");
    for (const std::string& flo : expected) CHECK(file_epe(dir / flo) < lossless_epe);
    // The colour movie is completed and playable, one frame per flow written.
    expected.insert(name + "/flow.mkv");
    std::set<std::string> files;
    for (const std::string& f : dir.files())
      if (f.rfind(name + "/", 0) == 0) files.insert(f);
    CHECK(files == expected);
    CHECK(movie_frames(dir / name / "flow.mkv") == pairs);
  }
}

TEST_CASE("sequence: a movie whose frame size changes stops at that frame") {
  if (std::string(LKFLOW_FFMPEG_CLI).empty()) {
    WARN("not tested: the ffmpeg program was not found when the tests were configured");
    return;
  }
  // Two PNG-coded movies of different sizes joined without re-encoding: each PNG frame carries
  // its own size, so the decoder returns frames of 128x96 and then of 112x80.
  Folder dir;
  lkflow_app::VideoWriterSettings png;
  png.codec = "png";
  png.pixel_format = "gray";
  for (const auto& [name, width, height] :
       {std::tuple{"a.mkv", 128, 96}, std::tuple{"b.mkv", 112, 80}}) {
    lkflow_app::VideoWriter writer("test", (dir / name).string(), width, height,
                                   lkflow_app::VideoWriter::Pixels::gray8, png);
    for (int k = 0; k < 4; ++k) writer.write(scene_frame(k, width, height));
    writer.finish();
  }
  std::ofstream(dir / "list.txt") << "file a.mkv\nfile b.mkv\n";
  const std::string join = "cd '" + dir.path.string() + "' && '" + LKFLOW_FFMPEG_CLI +
                           "' -v error -f concat -i list.txt -c copy both.mkv";
  REQUIRE(std::system(join.c_str()) == 0);
  const Result r = run(dir, {"both.mkv", "-o", "%d.flo"});
  check_error(r, 1,
              "both\\.mkv: frame 4: it is 112 x 80 px but the frames before it are 128 x 96 "
              "px: the frame size must not change within a movie \\(the outputs of pairs 0 to "
              "2 are complete and kept\\)");
  CHECK(fs::exists(dir / "2.flo"));
  CHECK_FALSE(fs::exists(dir / "3.flo"));
}

TEST_CASE(
    "sequence: an output that cannot be written stops the run, keeping what was "
    "complete, leaving no partial file") {
  Folder dir;
  write_movie(dir / "movie.mkv", 8);
  SECTION("missing folder: found before any work, nothing written") {
    check_error(run(dir, {"movie.mkv", "-o", "nodir/%d.flo", "--color", "flow.mp4"}), 1,
                "cannot write -o nodir/0\\.flo: the folder nodir does not exist");
    check_error(run(dir, {"movie.mkv", "--color", "nodir/flow.mp4"}), 1,
                "cannot write --color nodir/flow\\.mp4: the folder nodir does not exist");
    CHECK(dir.files() == std::set<std::string>{"movie.mkv", "truth.flo"});
  }
  SECTION("an output of pair 3 fails: pairs 0 to 2 kept, the colour movie not left partial") {
    for (int k = 0; k < 3; ++k) fs::create_directories(dir / ("out" + std::to_string(k)));
    const Result r = run(dir, {"movie.mkv", "-o", "out%d/flow.flo", "--color", "flow.mp4"});
    check_error(r, 1,
                "cannot write -o out3/flow\\.flo: the folder out3 does not exist \\(the outputs "
                "of pairs 0 to 2 are complete and kept\\)");
    CHECK(dir.files() == std::set<std::string>{"movie.mkv", "truth.flo", "out0/flow.flo",
                                               "out1/flow.flo", "out2/flow.flo"});
    for (int k = 0; k < 3; ++k)
      CHECK(file_epe(dir / ("out" + std::to_string(k)) / "flow.flo") < lossless_epe);
  }
}

TEST_CASE("sequence: usage errors exit 2 before reading anything") {
  Folder dir;
  write_movie(dir / "movie.mkv", 3);
  check_error(run(dir, {"movie.mkv", "-o", "flow.flo"}), 2,
              "-o flow\\.flo: a sequence writes a flow per pair, so -o needs a number field");
  check_error(run(dir, {"movie.mkv", "--color", "flow.png"}), 2,
              "--color flow\\.png: a sequence needs a number field");
  check_error(run(dir, {"movie.mkv", "-o", "%s.flo"}), 2, "-o: the pattern %s\\.flo has the field");
  check_error(run(dir, {"movie.mkv", "--color", "movie.mkv"}), 2,
              "--color and MOVIE name the same file \\(movie\\.mkv\\): an output may not "
              "replace an input");
  check_error(run(dir, {"movie.mkv", "-o", "x%d.flo", "--color", "./x%d.flo"}), 2,
              "--color and -o name the same file \\(\\./x0\\.flo\\)");
  // Another spelling of the same file (an absolute name here) is found too.
  check_error(run(dir, {"movie.mkv", "-o", "x%d.flo", "--color", (dir / "x%d.flo").string()}), 2,
              "--color and -o name the same file \\(/[^\n]*/x0\\.flo\\)");
  check_error(run(dir, {"movie.mkv", "-o", "truth%d.flo", "--gt", "truth%d.flo"}), 2,
              "-o and --gt name the same file \\(truth0\\.flo\\): an output may not replace an "
              "input");
  // By identity: a symbolic link to the movie is the movie.
  fs::create_symlink("movie.mkv", dir / "link.mp4");
  check_error(run(dir, {"movie.mkv", "--color", "link.mp4"}), 2,
              "--color and MOVIE name the same file \\(link\\.mp4\\)");
  fs::remove(dir / "link.mp4");
  CHECK(dir.files() == std::set<std::string>{"movie.mkv", "truth.flo"});
}

TEST_CASE("sequence: a numbered output that would replace the movie is refused") {
  Folder dir;
  // MP4 stores its frame count: every pair it announces is checked before any work (exit 2).
  write_movie(dir / "c7.mp4", 10, "libx264");
  const std::string movie = read_text(dir / "c7.mp4");
  check_error(run(dir, {"c7.mp4", "-o", "c%d.mp4"}), 2,
              "-o and MOVIE name the same file \\(c7\\.mp4\\): an output may not replace an "
              "input");
  CHECK(dir.files() == std::set<std::string>{"c7.mp4", "truth.flo"});
  CHECK(read_text(dir / "c7.mp4") == movie);
  // Matroska only estimates it: the names are checked as each pair is written (exit 1, the
  // pairs before kept, the movie intact).
  write_movie(dir / "d7.mkv", 10);
  const std::string mkv = read_text(dir / "d7.mkv");
  check_error(run(dir, {"d7.mkv", "-o", "d%d.mkv", "--color", "flow.mp4"}), 1,
              "-o and MOVIE name the same file \\(d7\\.mkv\\): an output may not replace an "
              "input or another output \\(the outputs of pairs 0 to 6 are complete and kept\\)");
  CHECK(read_text(dir / "d7.mkv") == mkv);
  CHECK(fs::exists(dir / "d6.mkv"));
  CHECK_FALSE(fs::exists(dir / "d8.mkv"));
  CHECK_FALSE(fs::exists(dir / "flow.mp4"));  // as after any output failure: not left partial
}

TEST_CASE("sequence: Ctrl-C finishes the current pair, completes every file and exits 130") {
  // The movie arrives through a named pipe, so the program is surely still running (waiting for
  // frames) when the signal comes: the file is sent a little at a time until the first flow has
  // been written, then comes SIGINT, then the pipe is closed.
  Folder dir;
  write_movie(dir / "movie.mkv", 60);
  const std::string bytes = read_text(dir / "movie.mkv");
  REQUIRE(mkfifo((dir / "live.mkv").c_str(), 0600) == 0);
  fs::create_directories(dir / "flows");
  const pid_t pid = start(LKFLOW_PROGRAM, dir,
                          {"live.mkv", "-o", "flows/%03d.flo", "--color", "flow.mkv", "--json"});
  std::signal(SIGPIPE, SIG_IGN);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int fd = -1;
  while (fd < 0 && std::chrono::steady_clock::now() < deadline) {  // until the program opens it
    fd = open((dir / "live.mkv").c_str(), O_WRONLY | O_NONBLOCK);
    if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(fd >= 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::size_t sent = 0;
  while (!fs::exists(dir / "flows/000.flo") && sent < bytes.size() * 9 / 10 &&
         std::chrono::steady_clock::now() < deadline) {
    const ssize_t n =
        write(fd, bytes.data() + sent, std::min<std::size_t>(2048, bytes.size() - sent));
    REQUIRE(n > 0);
    sent += std::size_t(n);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  INFO("sent " << sent << " of " << bytes.size() << " bytes");
  REQUIRE(fs::exists(dir / "flows/000.flo"));
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  close(fd);
  const Result r = finish(pid, dir);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 130);
  CHECK(std::regex_match(r.err, std::regex("lkflow: interrupted by SIGINT after [0-9]+ pairs; "
                                           "every file written is complete\n")));
  CHECK(r.out.find("\"interrupted\": true, \"signal\": \"SIGINT\"") != std::string::npos);
  const int pairs = int(json_number(r.out, "pairs"));
  CHECK(pairs >= 1);
  CHECK(pairs < 59);
  CHECK(dir.files() ==
        plus(numbered("flows", pairs, ".flo"), {"movie.mkv", "truth.flo", "live.mkv", "flow.mkv"}));
  for (const std::string& flo : numbered("flows", pairs, ".flo"))
    CHECK(file_epe(dir / flo) < lossless_epe);
  CHECK(movie_frames(dir / "flow.mkv") == pairs);
}

TEST_CASE("sequence: progress on stderr when it is a terminal, without escape codes") {
  Folder dir;
  write_movie(dir / "movie.mkv", 6);
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    WARN("not tested: this system gives no pseudo-terminal (openpty failed)");
    return;
  }
  const pid_t pid = start(LKFLOW_PROGRAM, dir, {"movie.mkv", "-o", "%d.flo"}, slave);
  close(slave);
  std::string screen;
  char buffer[4096];
  for (;;) {  // read until the program has exited and closed its end
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    screen.append(buffer, std::size_t(n));
  }
  close(master);
  const Result r = finish(pid, dir);
  INFO("stdout: " << r.out << "\nterminal: " << screen);
  CHECK(r.code == 0);
  CHECK(std::regex_search(screen, std::regex("\rlkflow: frame [0-9]+ of (about )?6 \\([0-9]+%\\), "
                                             "[0-9.]+ frames/s, [0-9]+ s left")));
  CHECK(screen.find('\x1b') == std::string::npos);
  CHECK(screen.back() == '\r');  // the line is erased before the summary
  CHECK(r.out.find("lkflow: frame") == std::string::npos);

  // --quiet: nothing at all, on a terminal too.
  REQUIRE(openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  const pid_t quiet = start(LKFLOW_PROGRAM, dir, {"movie.mkv", "--quiet"}, slave);
  close(slave);
  screen.clear();
  for (ssize_t n; (n = read(master, buffer, sizeof buffer)) > 0;) screen.append(buffer, size_t(n));
  close(master);
  CHECK(finish(quiet, dir).code == 0);
  CHECK(screen.empty());
}

TEST_CASE("sequence: the program built without FFmpeg says so for a movie") {
  Folder dir;
  write_movie(dir / "movie.mkv", 3);
  check_error(run(dir, {"movie.mkv", "-o", "%d.flo"}, LKFLOW_PROGRAM_WITHOUT_MOVIES), 2,
              "movie\\.mkv: this lkflow was built without FFmpeg, so it cannot read or write "
              "movies");
  for (int k = 0; k < 3; ++k) write_png(dir / ("f" + std::to_string(k) + ".png"), scene_frame(k));
  check_error(run(dir, {"f0.png", "f1.png", "f2.png", "--color", "flow.mp4"},
                  LKFLOW_PROGRAM_WITHOUT_MOVIES),
              2, "--color flow\\.mp4: this lkflow was built without FFmpeg");
  const Result r = run(dir, {"f0.png", "f1.png", "f2.png", "-o", "%d.flo", "--quiet"},
                       LKFLOW_PROGRAM_WITHOUT_MOVIES);
  CHECK(r.code == 0);
  CHECK(fs::exists(dir / "1.flo"));
}

#endif  // LKFLOW_TEST_MOVIES

TEST_CASE("sequence: three or more images") {
  Folder dir;
  for (int k = 0; k < 5; ++k) write_png(dir / ("f" + std::to_string(k) + ".png"), scene_frame(k));
  const std::vector<std::string> frames{"f0.png", "f1.png", "f2.png", "f3.png", "f4.png"};

  SECTION("every pair's flow, single scale or pyramidal, float or double") {
    std::vector<std::string> args = frames;
    args.insert(args.end(), {"-o", "%03d.flo", "--gt", "truth.flo", "--json"});
    Result r = run(dir, args);
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    CHECK(json_number(r.out, "frames") == 5);
    CHECK(json_number(r.out, "pairs") == 4);
    CHECK(json_number(r.out, "epe") < lossless_epe);
    CHECK(r.out.find("\"method\": \"pyramidal\"") != std::string::npos);
    CHECK(r.out.find("\"movie\": false") != std::string::npos);
    std::set<std::string> expected = numbered("", 4, ".flo");
    expected.insert(frames.begin(), frames.end());
    expected.insert("truth.flo");
    CHECK(dir.files() == expected);

    args.insert(args.end(), {"--single-scale", "--double"});
    r = run(dir, args);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\"method\": \"single-scale\"") != std::string::npos);
    CHECK(r.out.find("\"scalar\": \"double\"") != std::string::npos);
    CHECK(json_number(r.out, "epe") < 0.6);  // 0.42: 1.35 px is beyond single-scale LK's reach
  }
  SECTION("the pair mode's pyramid flags reach every pair") {
    std::vector<std::string> args = frames;
    args.insert(args.end(), {"--json", "--levels", "2", "--iterations", "2", "--coarse-iterations",
                             "6", "--fill-strength", "0"});
    Result r = run(dir, args);
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(json_number(r.out, "levels") == 2);
    CHECK(json_number(r.out, "iterations") == 2);
    CHECK(json_number(r.out, "coarse_iterations") == 6);
    CHECK(json_number(r.out, "fill_strength") == 0);
    // --preset too, and the flags beside it win
    args = frames;
    args.insert(args.end(), {"--json", "--preset", "accurate", "--levels", "2"});
    r = run(dir, args);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\"preset\": \"accurate\"") != std::string::npos);
    CHECK(json_number(r.out, "iterations") == 2);
    CHECK(json_number(r.out, "fill_strength") == 3000);
    CHECK(json_number(r.out, "levels") == 2);
    args = frames;
    args.insert(args.end(), {"--single-scale", "--coarse-iterations", "6"});
    r = run(dir, args);
    CHECK(r.code == 2);
    CHECK(r.err.find("--coarse-iterations") != std::string::npos);
  }
  SECTION("text summary") {
    std::vector<std::string> args = frames;
    args.insert(args.end(), {"--gt", "truth.flo", "--color", "c%d.png"});
    const Result r = run(dir, args);
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    for (const char* line :
         {"lkflow [0-9.]+: sequence of 5 frames from f0\\.png to f4\\.png\n",
          "\nimage: +128 x 96 px, 8-bit\n",
          "\nmethod: +pyramidal Lucas-Kanade, preset balanced, [0-9]+ levels, [^\n]*; each pair "
          "starts "
          "from the "
          "previous pair's flow\n",
          "\nflows: +4 pairs \\(frame k to k \\+ 1 for k = 0 to 3\\)\n",
          "\nflow time: +[0-9.]+ ms per frame for the flow computation alone \\([0-9.]+ "
          "frames/s\\)\n",
          "\nend to end: +[0-9.]+ ms per frame with reading and writing",
          "\ntruth: +truth\\.flo \\(4 pairs, 49152 px with known flow\\)\n",
          "\n  EPE +0\\.0[0-9]+ px mean endpoint error \\(best pair [0-3]: 0\\.0[0-9]+, worst "
          "pair [0-3]: 0\\.0[0-9]+\\)\n",
          "\nwrote: +c0\\.png to c3\\.png \\(colour coding, full colour at 1\\.[0-9]+ px\\)\n"}) {
      INFO(line);
      CHECK(std::regex_search(r.out, std::regex(line)));
    }
  }
  SECTION("a frame of another size stops the run there, keeping the pairs before it") {
    write_png(dir / "f3.png", scene_frame(3, 100, 80));
    std::vector<std::string> args = frames;
    args.insert(args.end(), {"-o", "%03d.flo"});
    check_error(run(dir, args), 1,
                "frame 3 \\(f3\\.png\\) is 100 x 80 px but the frames before it are 128 x 96 px: "
                "every frame must have the same size \\(the outputs of pairs 0 to 1 are "
                "complete and kept\\)");
    CHECK(file_epe(dir / "000.flo") < lossless_epe);
    CHECK(file_epe(dir / "001.flo") < lossless_epe);
    CHECK_FALSE(fs::exists(dir / "002.flo"));
  }
  SECTION("a ground truth missing for pair 2 stops the run before pair 2's outputs") {
    fs::copy_file(dir / "truth.flo", dir / "truth0.flo");
    fs::copy_file(dir / "truth.flo", dir / "truth1.flo");
    std::vector<std::string> args = frames;
    args.insert(args.end(), {"-o", "%d.flo", "--gt", "truth%d.flo"});
    check_error(run(dir, args), 1,
                "truth2\\.flo: no such file \\(the outputs of pairs 0 to 1 are complete and "
                "kept\\)");
    CHECK(fs::exists(dir / "1.flo"));
    CHECK_FALSE(fs::exists(dir / "2.flo"));
  }
  SECTION("an output that is an input is refused") {
    check_error(run(dir, {"f0.png", "f1.png", "f2.png", "--color", "f%d.png"}), 2,
                "--color and frame 0 name the same file \\(f0\\.png\\): an output may not "
                "replace an input");
  }
}
