// Tests of the lkflow program's movie reading and writing (examples/video_io.hpp, on FFmpeg):
// frames survive a lossless round trip exactly and a lossy one closely, every frame comes back
// (the decoder and encoder are drained), and bad files and outputs give clear errors without
// leaving files behind. The frames are a generated texture (tests/support/images.hpp).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/images.hpp"
#include "video_io.hpp"

namespace fs = std::filesystem;
using lkflow::Image;
using lkflow_app::DataError;
using lkflow_app::VideoReader;
using lkflow_app::VideoWriter;
using lkflow_app::VideoWriterSettings;

namespace {

struct TempFolder {
  fs::path path;
  TempFolder() {
    std::random_device device;
    path = fs::temp_directory_path() / ("lkflow_test_video_io_" + std::to_string(device()));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path))
      names.push_back(entry.path().filename().string());
    return names;
  }
};

/// Frame k: the texture shifted by k px to the right and k / 2 px down, in 8-bit gray.
Image<std::uint8_t> frame(int k, int width, int height) {
  static const lkflow_test::Texture texture(5);
  Image<std::uint8_t> image(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image(y, x) = lkflow_test::to_pixel<std::uint8_t>(texture(x - k, y - 0.5 * k));
  return image;
}

void write_movie(const std::string& path, int frames, int width, int height,
                 const VideoWriterSettings& settings) {
  VideoWriter writer("test", path, width, height, VideoWriter::Pixels::gray8, settings);
  for (int k = 0; k < frames; ++k) writer.write(frame(k, width, height));
  writer.finish();
  CHECK(writer.frames_written() == frames);
}

VideoWriterSettings lossless() {
  VideoWriterSettings s;
  s.codec = "ffv1";
  s.pixel_format = "gray";
  return s;
}

}  // namespace

TEST_CASE("VideoReader gives back FFV1 gray frames exactly, every one of them") {
  TempFolder dir;
  write_movie(dir / "movie.mkv", 9, 70, 45, lossless());
  CHECK(dir.files() == std::vector<std::string>{"movie.mkv"});  // no temporary file left

  VideoReader reader(dir / "movie.mkv");
  CHECK(reader.info().width == 70);
  CHECK(reader.info().height == 45);
  CHECK(reader.info().codec == "ffv1");
  CHECK(reader.info().fps == Approx(25));
  Image<std::uint8_t> gray;
  int k = 0;
  while (reader.read(gray)) {
    INFO("frame " << k);
    REQUIRE(gray.rows() == 45);
    REQUIRE(gray.cols() == 70);
    CHECK((gray == frame(k, 70, 45)).all());
    ++k;
  }
  CHECK(k == 9);
  CHECK(reader.frames_read() == 9);
  CHECK_FALSE(reader.read(gray));  // and stays at the end
}

TEST_CASE("Lossy H.264 and MPEG-4 frames come back close, all of them, in order") {
  TempFolder dir;
  // Limited-range YUV (luma 16..235, expanded back to 0..255 when read) and full range.
  for (const auto& [codec, format] : {std::pair{"libx264", "yuv420p"}, std::pair{"mpeg4", ""},
                                      std::pair{"libx264", "yuvj420p"}}) {
    INFO(codec << " " << format);
    VideoWriterSettings settings;
    settings.codec = codec;
    settings.pixel_format = format;
    settings.fps = 30;
    const std::string path = dir / (std::string(codec) + format + ".mp4");
    write_movie(path, 12, 64, 48, settings);  // with B-frames held back by libx264's lookahead
    VideoReader reader(path);
    CHECK(reader.info().frames == 12);
    CHECK(reader.info().fps == Approx(30));
    Image<std::uint8_t> gray;
    int k = 0;
    while (reader.read(gray)) {
      // Through 4:2:0 YUV and back: the mean error is about a grey level (without the range
      // expansion, about 8).
      const double error = (gray.cast<double>() - frame(k, 64, 48).cast<double>()).abs().mean();
      INFO("frame " << k << ": mean absolute difference " << error);
      CHECK(error < 3);
      ++k;
    }
    CHECK(k == 12);
  }
}

TEST_CASE("VideoWriter: RGB frames in 4:2:0 lose an odd last row and column") {
  TempFolder dir;
  Image<std::uint8_t> rgb(31, 3 * 41);
  rgb.setConstant(200);
  VideoWriter writer("--color", dir / "colour.mkv", 41, 31, VideoWriter::Pixels::rgb24);
  writer.write(rgb);
  writer.write(rgb);
  writer.finish();
  VideoReader reader(dir / "colour.mkv");
  CHECK(reader.info().width == 40);
  CHECK(reader.info().height == 30);
  Image<std::uint8_t> gray;
  int frames = 0;
  while (reader.read(gray)) {
    CHECK(std::abs(gray.cast<double>().mean() - 200) < 3);
    ++frames;
  }
  CHECK(frames == 2);
}

TEST_CASE("VideoWriter errors name the output and leave nothing behind") {
  TempFolder dir;
  CHECK_THROWS_WITH(
      VideoWriter("--color", dir / "nodir/out.mp4", 32, 32, VideoWriter::Pixels::rgb24),
      Catch::Contains("--color") && Catch::Contains("nodir") && Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(
      VideoWriter("--color", dir / "out.unknownformat", 32, 32, VideoWriter::Pixels::rgb24),
      Catch::Contains("no movie format by this name"));
  VideoWriterSettings no_such;
  no_such.codec = "nosuchcodec";
  CHECK_THROWS_WITH(
      VideoWriter("--color", dir / "out.mkv", 32, 32, VideoWriter::Pixels::rgb24, no_such),
      Catch::Contains("no encoder nosuchcodec"));
  {
    VideoWriter writer("--color", dir / "out.mp4", 32, 32, VideoWriter::Pixels::rgb24);
    Image<std::uint8_t> wrong(32, 32);  // gray-sized, not RGB
    CHECK_THROWS_WITH(writer.write(wrong), Catch::Contains("expected 32 of 96"));
    // Destroyed without finish(): its temporary file goes too.
  }
  CHECK(dir.files().empty());

  // An existing file is replaced only by a complete movie.
  std::ofstream(dir / "keep.mp4") << "old";
  {
    VideoWriter writer("--color", dir / "keep.mp4", 32, 32, VideoWriter::Pixels::rgb24);
    Image<std::uint8_t> rgb(32, 96);
    rgb.setZero();
    writer.write(rgb);
  }
  CHECK(dir.files() == std::vector<std::string>{"keep.mp4"});
  CHECK(fs::file_size(dir / "keep.mp4") == 3);
}

TEST_CASE("VideoReader errors name the file and the reason") {
  TempFolder dir;
  CHECK_THROWS_WITH(VideoReader(dir / "nosuch.mkv"), Catch::EndsWith("nosuch.mkv: no such file"));
  fs::create_directory(dir / "folder.mkv");
  CHECK_THROWS_WITH(VideoReader(dir / "folder.mkv"), Catch::Contains("it is a folder"));
  std::ofstream(dir / "text.mkv") << "this is not a movie at all";
  CHECK_THROWS_WITH(VideoReader(dir / "text.mkv"),
                    Catch::Contains("text.mkv: not a movie FFmpeg can read"));
  std::ofstream(dir / "empty.mp4");
  CHECK_THROWS_AS(VideoReader(dir / "empty.mp4"), DataError);
}

TEST_CASE("VideoReader: a cut-off or damaged movie is an error naming the frame") {
  TempFolder dir;
  write_movie(dir / "movie.mkv", 12, 64, 48, lossless());
  std::ifstream in(dir / "movie.mkv", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  SECTION("cut off after 60% of its bytes") {
    std::ofstream(dir / "cut.mkv", std::ios::binary) << bytes.substr(0, bytes.size() * 6 / 10);
    VideoReader reader(dir / "cut.mkv");
    Image<std::uint8_t> gray;
    int good = 0;
    try {
      while (reader.read(gray)) {
        CHECK((gray == frame(good, 64, 48)).all());  // the frames before the cut are right
        ++good;
      }
      FAIL("the cut-off movie was read to its end without an error");
    } catch (const DataError& e) {
      INFO(e.what());
      CHECK_THAT(e.what(), Catch::Contains("cut.mkv: frame " + std::to_string(good)));
    }
    CHECK(good > 2);
    CHECK(good < 12);
  }
  SECTION("bytes overwritten in the middle (FFV1 slices carry checksums)") {
    std::string damaged = bytes;
    std::mt19937 rng(3);
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
      damaged[i] = char(rng() & 0xff);
    std::ofstream(dir / "damaged.mkv", std::ios::binary) << damaged;
    Image<std::uint8_t> gray;
    auto read_all = [&] {
      VideoReader reader(dir / "damaged.mkv");
      while (reader.read(gray)) {
      }
    };
    CHECK_THROWS_WITH(read_all(), Catch::Contains("damaged.mkv: frame "));
  }
}
