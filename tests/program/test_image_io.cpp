// Tests of the lkflow program's image loading: gray conversion, bit depths, the PGM/PPM reader,
// and the errors for files that are not valid images. 16-bit PNGs are built here by hand (stored,
// uncompressed deflate) since stb_image_write cannot write them.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "image_io.hpp"

namespace fs = std::filesystem;
using lkflow::Image;
using lkflow_app::Frame;
using Bytes = std::vector<unsigned char>;
using namespace std::string_literals;  // "\x00..."s keeps its NUL bytes

namespace {

struct TempFolder {
  fs::path path;
  TempFolder() {
    std::random_device device;
    path = fs::temp_directory_path() / ("lkflow_test_image_io_" + std::to_string(device()));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string write(const std::string& name, const Bytes& bytes) const {
    std::ofstream out(path / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return (path / name).string();
  }
  std::string write(const std::string& name, const std::string& text) const {
    return write(name, Bytes(text.begin(), text.end()));
  }
};

void put_be32(Bytes& out, std::uint32_t x) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t(x >> shift));
}

std::uint32_t crc32(const Bytes& data, std::size_t from) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = from; i < data.size(); ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void chunk(Bytes& png, const char* type, const Bytes& data) {
  put_be32(png, std::uint32_t(data.size()));
  const std::size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  put_be32(png, crc32(png, start));
}

/// A 16-bit PNG (colour type 0 gray, 2 RGB, 4 gray + alpha) of the given samples, row-major.
Bytes png16(int width, int height, int color_type, const std::vector<std::uint16_t>& samples) {
  Bytes raw;  // each row: filter byte 0, then big-endian samples
  const std::size_t per_row = samples.size() / std::size_t(height);
  for (std::size_t y = 0; y < std::size_t(height); ++y) {
    raw.push_back(0);
    for (std::size_t i = 0; i < per_row; ++i) {
      raw.push_back(std::uint8_t(samples[y * per_row + i] >> 8));
      raw.push_back(std::uint8_t(samples[y * per_row + i] & 0xFF));
    }
  }
  Bytes z = {0x78, 0x01};  // zlib header; one stored (uncompressed) deflate block
  z.push_back(1);
  const auto n = std::uint16_t(raw.size());
  z.insert(z.end(), {std::uint8_t(n & 0xFF), std::uint8_t(n >> 8), std::uint8_t(~n & 0xFF),
                     std::uint8_t((~n >> 8) & 0xFF)});
  z.insert(z.end(), raw.begin(), raw.end());
  std::uint32_t a = 1, b = 0;  // Adler-32
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(z, (b << 16) | a);

  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes header;
  put_be32(header, std::uint32_t(width));
  put_be32(header, std::uint32_t(height));
  header.insert(header.end(), {16, std::uint8_t(color_type), 0, 0, 0});
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
}

const Image<std::uint8_t>& gray8(const Frame& f) { return std::get<Image<std::uint8_t>>(f.pixels); }
const Image<std::uint16_t>& gray16(const Frame& f) {
  return std::get<Image<std::uint16_t>>(f.pixels);
}

}  // namespace

TEST_CASE("colour PNG becomes gray with Rec. 601 weights", "[image_io]") {
  TempFolder folder;
  Image<std::uint8_t> rgb(1, 12);
  rgb << 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30;
  const Frame frame =
      lkflow_app::load_frame(folder.write("rgb.png", lkflow_app::encode_png(rgb, 3)));
  REQUIRE(frame.bits() == 8);
  REQUIRE(frame.channels == 3);
  REQUIRE(frame.rows() == 1);
  REQUIRE(frame.cols() == 4);
  // 0.299 * 255 = 76.2, 0.587 * 255 = 149.7, 0.114 * 255 = 29.1, 3.0 + 11.7 + 3.4 = 18.2
  CHECK(int(gray8(frame)(0, 0)) == 76);
  CHECK(int(gray8(frame)(0, 1)) == 150);
  CHECK(int(gray8(frame)(0, 2)) == 29);
  CHECK(int(gray8(frame)(0, 3)) == 18);
}

TEST_CASE("gray PNG round trips through encode_png and load_frame", "[image_io]") {
  TempFolder folder;
  Image<std::uint8_t> gray(3, 5);
  for (Eigen::Index i = 0; i < gray.size(); ++i) gray.data()[i] = std::uint8_t(17 * i);
  const Frame frame =
      lkflow_app::load_frame(folder.write("gray.png", lkflow_app::encode_png(gray, 1)));
  CHECK(frame.channels == 1);
  CHECK((gray8(frame) == gray).all());
}

TEST_CASE("16-bit PNG stays 16-bit, in the right byte order", "[image_io]") {
  TempFolder folder;
  SECTION("gray") {
    const Frame frame = lkflow_app::load_frame(
        folder.write("g16.png", png16(3, 2, 0, {0x0102, 0xFFFF, 0, 1000, 0x8000, 7})));
    REQUIRE(frame.bits() == 16);
    REQUIRE(frame.rows() == 2);
    CHECK(gray16(frame)(0, 0) == 0x0102);  // 258; the swapped bytes would read 513
    CHECK(gray16(frame)(0, 1) == 0xFFFF);
    CHECK(gray16(frame)(1, 0) == 1000);
    CHECK(gray16(frame)(1, 2) == 7);
  }
  SECTION("RGB") {
    const Frame frame =
        lkflow_app::load_frame(folder.write("c16.png", png16(1, 1, 2, {65535, 0, 0})));
    REQUIRE(frame.bits() == 16);
    CHECK(frame.channels == 3);
    CHECK(gray16(frame)(0, 0) == 19595);  // round(0.299 * 65535) = round(19594.965)
  }
  SECTION("gray + alpha: alpha is ignored") {
    const Frame frame =
        lkflow_app::load_frame(folder.write("ga16.png", png16(2, 1, 4, {300, 0, 600, 65535})));
    CHECK(frame.channels == 2);
    CHECK(gray16(frame)(0, 0) == 300);
    CHECK(gray16(frame)(0, 1) == 600);
  }
}

TEST_CASE("binary PGM and PPM, 8 and 16 bits", "[image_io]") {
  TempFolder folder;
  SECTION("8-bit PGM with a comment in the header") {
    const Frame frame = lkflow_app::load_frame(
        folder.write("a.pgm", std::string("P5\n# made by hand\n3 1\n255\n") + "\x01\x80\xff"));
    REQUIRE(frame.bits() == 8);
    CHECK(int(gray8(frame)(0, 0)) == 1);
    CHECK(int(gray8(frame)(0, 1)) == 128);
    CHECK(int(gray8(frame)(0, 2)) == 255);
  }
  SECTION("16-bit PGM is big-endian") {
    const Frame frame = lkflow_app::load_frame(
        folder.write("b.pgm", std::string("P5 2 1 65535\n") + "\x01\x02\x03\x04"));
    REQUIRE(frame.bits() == 16);
    CHECK(gray16(frame)(0, 0) == 258);
    CHECK(gray16(frame)(0, 1) == 772);
  }
  SECTION("a maximum of 100 is rescaled to 255") {
    const Frame frame = lkflow_app::load_frame(
        folder.write("c.pgm", std::string("P5 3 1 100\n") + "\x00\x32\x64"s));
    CHECK(int(gray8(frame)(0, 0)) == 0);
    CHECK(int(gray8(frame)(0, 1)) == 128);  // 50 * 255 / 100 = 127.5, rounded up
    CHECK(int(gray8(frame)(0, 2)) == 255);
  }
  SECTION("PPM to gray") {
    const Frame frame = lkflow_app::load_frame(
        folder.write("d.ppm", std::string("P6 1 1 255\n") + "\xff\x00\x00"s));
    CHECK(frame.channels == 3);
    CHECK(int(gray8(frame)(0, 0)) == 76);
  }
}

TEST_CASE("files that are not valid images are rejected, naming the file", "[image_io]") {
  TempFolder folder;
  auto rejects = [&](const std::string& name, const std::string& content,
                     const std::string& reason) {
    const std::string path = folder.write(name, content);
    CHECK_THROWS_WITH(lkflow_app::load_frame(path),
                      Catch::StartsWith(path + ": ") && Catch::Contains(reason));
  };
  rejects("empty.png", "", "empty file");
  rejects("text.png", "not an image at all", "not a supported image");
  rejects("short.pgm", std::string("P5 4 3 255\n") + "ABCDEFG", "truncated");
  rejects("ascii.pgm", "P2 1 1 255\n7\n", "P2 is not supported");
  rejects("above.pgm", std::string("P5 1 1 100\n") + "\x65", "above the maximum value");
  rejects("zero.pgm", "P5 0 4 255\n", "size 0x4");
  rejects("nomax.pgm", "P5 4 4\n", "no maximum value");
  rejects("maxval.pgm", "P5 1 1 70000\nxx", "maximum value 70000");
  rejects("nospace.pgm", "P5 1 1 255", "no white space");

  Image<std::uint8_t> gray = Image<std::uint8_t>::Constant(64, 64, 100);
  gray(10, 10) = 3;
  const Bytes png = lkflow_app::encode_png(gray, 1);
  rejects("cut.png", std::string(png.begin(), png.begin() + long(png.size() / 2)), "corrupt");
  CHECK_THROWS_WITH(lkflow_app::load_frame((folder.path / "none.png").string()),
                    Catch::EndsWith("none.png: no such file"));
  CHECK_THROWS_WITH(lkflow_app::load_frame(folder.path.string()),
                    Catch::Contains("it is a folder"));
}

TEST_CASE("promote_to_16_bits keeps intensities", "[image_io]") {
  Frame frame;
  Image<std::uint8_t> gray(1, 3);
  gray << 0, 1, 255;
  frame.pixels = gray;
  lkflow_app::promote_to_16_bits(frame);
  REQUIRE(frame.bits() == 16);
  CHECK(gray16(frame)(0, 0) == 0);
  CHECK(gray16(frame)(0, 1) == 257);
  CHECK(gray16(frame)(0, 2) == 65535);
}
