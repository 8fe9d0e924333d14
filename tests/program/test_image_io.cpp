// Tests of the lkflow program's image loading: gray conversion, bit depths, each decoder, and
// the refusal of files that are not valid images or are too large. PNG files are built here byte
// by byte (tests/support/png_builder.hpp), JPEG files with libjpeg's encoder, PGM/PPM by hand.
// Built only when the program has both its PNG and JPEG decoders.
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include "image_io.hpp"
#include "support/png_builder.hpp"
#include "support/temp_folder.hpp"

namespace fs = std::filesystem;
using lkflow::Image;
using lkflow_app::Frame;
using lkflow_test::Bytes;
using lkflow_test::PngHeader;
using lkflow_test::TempFolder;
using namespace std::string_literals;  // "\x00..."s keeps its NUL bytes

namespace {

const Image<std::uint8_t>& gray8(const Frame& f) { return std::get<Image<std::uint8_t>>(f.pixels); }
const Image<std::uint16_t>& gray16(const Frame& f) {
  return std::get<Image<std::uint16_t>>(f.pixels);
}

/// An 8-bit gray w x h PNG whose pixel (x, y) is (7x + 13y) mod 256.
Bytes gray_png(std::uint32_t w, std::uint32_t h) {
  std::vector<int> values;
  for (std::uint32_t y = 0; y < h; ++y)
    for (std::uint32_t x = 0; x < w; ++x) values.push_back(int((7 * x + 13 * y) % 256));
  PngHeader header;
  header.width = w;
  header.height = h;
  return lkflow_test::make_png(header, lkflow_test::rows8(values, w));
}

/// Checks that loading `path` throws DataError naming the file and containing `reason`.
void check_refused(const std::string& path, const std::string& reason,
                   const lkflow_app::ImageLimits& limits = {}) {
  CHECK_THROWS_WITH(lkflow_app::load_frame(path, limits),
                    Catch::StartsWith(path + ": ") && Catch::Contains(reason));
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
  auto png16 = [](std::uint32_t w, std::uint32_t h, int color_type, std::vector<int> samples) {
    PngHeader header;
    header.width = w;
    header.height = h;
    header.bit_depth = 16;
    header.color_type = color_type;
    return lkflow_test::make_png(header, lkflow_test::rows16(samples, samples.size() / h));
  };
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

TEST_CASE("PNG: low bit depths, palettes and interlacing decode to the right gray", "[image_io]") {
  TempFolder folder;
  SECTION("gray of 1, 2 and 4 bits is scaled to 0..255") {
    for (int bits : {1, 2, 4}) {
      const int top = (1 << bits) - 1;
      PngHeader header;
      header.width = 3;
      header.bit_depth = bits;
      const Frame frame = lkflow_app::load_frame(folder.write(
          "low.png",
          lkflow_test::make_png(header, lkflow_test::rows_packed({top, 0, 1}, 3, bits))));
      REQUIRE(frame.bits() == 8);
      CHECK(int(gray8(frame)(0, 0)) == 255);
      CHECK(int(gray8(frame)(0, 1)) == 0);
      CHECK(int(gray8(frame)(0, 2)) == 255 / top);  // 1 -> 255, 85, 17
    }
  }
  SECTION("palette entries become their Rec. 601 gray, at every index width") {
    // Entries: red, green, blue, (10, 20, 30): grays 76, 150, 29, 18 (as in the RGB test).
    const Bytes plte = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    for (int bits : {2, 4, 8}) {
      PngHeader header;
      header.width = 5;
      header.bit_depth = bits;
      header.color_type = 3;
      header.chunks = {{"PLTE", plte}};
      const std::vector<int> indices = {3, 0, 1, 2, 0};
      const auto rows =
          bits == 8 ? lkflow_test::rows8(indices, 5) : lkflow_test::rows_packed(indices, 5, bits);
      const Frame frame =
          lkflow_app::load_frame(folder.write("pal.png", lkflow_test::make_png(header, rows)));
      CHECK(frame.channels == 3);
      CHECK(gray8(frame)(0, 0) == 18);
      CHECK(gray8(frame)(0, 1) == 76);
      CHECK(gray8(frame)(0, 2) == 150);
      CHECK(gray8(frame)(0, 3) == 29);
      CHECK(gray8(frame)(0, 4) == 76);
    }
  }
  SECTION("an Adam7-interlaced file decodes like the plain one") {
    std::vector<int> values;  // an 11 x 9 RGB image, odd sizes so that passes are partial
    for (int i = 0; i < 11 * 9 * 3; ++i) values.push_back((i * 37 + 11) % 256);
    PngHeader header;
    header.width = 11;
    header.height = 9;
    header.color_type = 2;
    const auto rows = lkflow_test::rows8(values, 33);
    const Frame plain =
        lkflow_app::load_frame(folder.write("plain.png", lkflow_test::make_png(header, rows)));
    header.interlaced = true;
    const Bytes interlaced = lkflow_test::make_png(header, rows);
    const Frame adam7 = lkflow_app::load_frame(folder.write("adam7.png", interlaced));
    CHECK((gray8(plain) == gray8(adam7)).all());
    CHECK(gray8(plain).maxCoeff() > gray8(plain).minCoeff());
  }
}

TEST_CASE("PNG: broken checksums and palette indices are refused", "[image_io]") {
  TempFolder folder;
  const Bytes good = gray_png(8, 4);
  const std::size_t idat = lkflow_test::chunk_data(good, "IDAT");
  const std::size_t pixel = idat + 2 + 5 + 1 + 3;  // zlib header, stored-block header, filter byte
  SECTION("control: the unmodified file decodes") {
    const Frame frame = lkflow_app::load_frame(folder.write("good.png", good));
    CHECK(int(gray8(frame)(0, 3)) == 21);
    CHECK(int(gray8(frame)(3, 7)) == 88);
  }
  SECTION("one flipped bit in the compressed data: CRC-32 and Adler-32 both wrong") {
    Bytes bad = good;
    bad[pixel] ^= 0x10;
    check_refused(folder.write("flipped.png", bad), "corrupt PNG");
  }
  SECTION("one flipped bit with the chunk's CRC mended: the Adler-32 still catches it") {
    Bytes bad = good;
    bad[pixel] ^= 0x10;
    lkflow_test::refresh_crc(bad, idat);
    check_refused(folder.write("adler.png", bad), "corrupt PNG");
  }
  SECTION("a bad CRC in an ancillary chunk") {
    PngHeader header;
    header.width = 2;
    header.chunks = {{"tEXt", Bytes{'C', 'o', 'm', 'm', 'e', 'n', 't', 0, 'h', 'i'}}};
    Bytes bad = lkflow_test::make_png(header, lkflow_test::rows8({1, 2}, 2));
    bad[lkflow_test::chunk_data(bad, "tEXt") + 8] ^= 1;
    check_refused(folder.write("text.png", bad), "checksum");
  }
  SECTION("a palette index beyond the palette") {
    PngHeader header;
    header.width = 4;
    header.color_type = 3;
    header.chunks = {{"PLTE", Bytes{10, 20, 30, 40, 50, 60}}};  // two entries
    check_refused(folder.write("index8.png", lkflow_test::make_png(
                                                 header, lkflow_test::rows8({0, 1, 5, 200}, 4))),
                  "pixel (2, 0) has palette index 5 but the palette has 2 entries");
    header.width = 2;
    header.bit_depth = 4;  // within 4 bits, still beyond the palette
    check_refused(folder.write("index4.png", lkflow_test::make_png(
                                                 header, lkflow_test::rows_packed({1, 2}, 2, 4))),
                  "pixel (1, 0) has palette index 2");
  }
  SECTION("truncated in the image data, or before IEND") {
    check_refused(folder.write("cut.png", Bytes(good.begin(), good.begin() + long(pixel))),
                  "truncated");
    check_refused(folder.write("noend.png", Bytes(good.begin(), good.end() - 12)), "truncated");
  }
}

TEST_CASE("sizes are checked from the header, before decoding", "[image_io]") {
  TempFolder folder;
  // IHDR claims the size; the image data that follows is a 1-pixel stream, never reached.
  auto claims = [](std::uint32_t w, std::uint32_t h) {
    Bytes png = gray_png(1, 1);
    for (int i = 0; i < 4; ++i) {
      png[16 + std::size_t(i)] = std::uint8_t(w >> (24 - 8 * i));
      png[20 + std::size_t(i)] = std::uint8_t(h >> (24 - 8 * i));
    }
    lkflow_test::refresh_crc(png, 16);
    return png;
  };
  check_refused(folder.write("huge.png", claims(20000, 20000)),
                "PNG of 20000 x 20000 px (400000000 px): too large, more than the 67108864 px "
                "of the pixel budget (--max-pixels)");
  check_refused(folder.write("wide.png", claims(100001, 1)), "more than 100000 px on a side");
  check_refused(folder.write("huge.pgm", "P5 20000 20000 255\n"s), "PGM of 20000 x 20000 px");

  lkflow_app::ImageLimits limits;
  limits.max_pixels = 8 * 4 - 1;
  const std::string png = folder.write("small.png", gray_png(8, 4));
  const std::string pgm = folder.write("small.pgm", "P5 8 4 255\n"s + std::string(32, 'x'));
  check_refused(png, "more than the 31 px of the pixel budget", limits);
  check_refused(pgm, "more than the 31 px of the pixel budget", limits);
  limits.max_pixels = 8 * 4;
  CHECK(lkflow_app::load_frame(png, limits).cols() == 8);
  CHECK(lkflow_app::load_frame(pgm, limits).cols() == 8);
}

namespace {

struct JpegOptions {
  int width = 64, height = 48, quality = 100;
  J_COLOR_SPACE in_space = JCS_GRAYSCALE;
  int components = 1;
  bool cmyk = false;
  std::vector<jpeg_scan_info> scans;  //!< a progressive scan script, if not empty
};

/// A JPEG file of `pixels` (interleaved, row-major), encoded by libjpeg in memory.
Bytes encode_jpeg(const JpegOptions& o, const std::vector<unsigned char>& pixels) {
  jpeg_compress_struct c{};
  jpeg_error_mgr error{};
  c.err = jpeg_std_error(&error);  // an encoder error exits the test program: a failure
  jpeg_create_compress(&c);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = JDIMENSION(o.width);
  c.image_height = JDIMENSION(o.height);
  c.input_components = o.components;
  c.in_color_space = o.in_space;
  jpeg_set_defaults(&c);
  if (o.cmyk) jpeg_set_colorspace(&c, JCS_CMYK);
  jpeg_set_quality(&c, o.quality, TRUE);
  if (!o.scans.empty()) {
    c.scan_info = o.scans.data();
    c.num_scans = int(o.scans.size());
  }
  jpeg_start_compress(&c, TRUE);
  const std::size_t stride = std::size_t(o.width * o.components);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row[1] = {const_cast<JSAMPLE*>(pixels.data() + c.next_scanline * stride)};
    jpeg_write_scanlines(&c, row, 1);
  }
  jpeg_finish_compress(&c);
  Bytes bytes(out, out + size);
  std::free(out);
  jpeg_destroy_compress(&c);
  return bytes;
}

/// A smooth gray ramp, 64 x 48.
std::vector<unsigned char> ramp() {
  std::vector<unsigned char> pixels;
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) pixels.push_back(static_cast<unsigned char>(40 + 2 * x + y));
  return pixels;
}

/// A progressive script for one component: a DC scan, then each AC coefficient alone, first
/// at `first_shift` bits dropped and then refined one bit per scan: 1 + 63 (first_shift + 1)
/// scans, every one valid.
std::vector<jpeg_scan_info> one_coefficient_scans(int first_shift) {
  std::vector<jpeg_scan_info> scans;
  scans.push_back({1, {0, 0, 0, 0}, 0, 0, 0, 0});
  for (int k = 1; k < 64; ++k) {
    scans.push_back({1, {0, 0, 0, 0}, k, k, 0, first_shift});
    for (int al = first_shift; al > 0; --al) scans.push_back({1, {0, 0, 0, 0}, k, k, al, al - 1});
  }
  return scans;
}

}  // namespace

TEST_CASE("JPEG: gray and colour files decode to gray", "[image_io][jpeg]") {
  TempFolder folder;
  SECTION("gray, at quality 100 within 2 grey levels") {
    const std::vector<unsigned char> pixels = ramp();
    const Frame frame =
        lkflow_app::load_frame(folder.write("gray.jpg", encode_jpeg(JpegOptions{}, pixels)));
    REQUIRE(frame.bits() == 8);
    CHECK(frame.channels == 1);
    REQUIRE(frame.cols() == 64);
    REQUIRE(frame.rows() == 48);
    for (Eigen::Index i = 0; i < gray8(frame).size(); ++i)
      REQUIRE(std::abs(int(gray8(frame).data()[i]) - int(pixels[std::size_t(i)])) <= 2);
  }
  SECTION("colour: (200, 100, 50) everywhere is gray 124 (0.299 R + 0.587 G + 0.114 B)") {
    JpegOptions o;
    o.in_space = JCS_RGB;
    o.components = 3;
    std::vector<unsigned char> pixels;
    for (int i = 0; i < 64 * 48; ++i) pixels.insert(pixels.end(), {200, 100, 50});
    const Frame frame = lkflow_app::load_frame(folder.write("rgb.jpg", encode_jpeg(o, pixels)));
    CHECK(frame.channels == 3);
    CHECK(std::abs(int(gray8(frame).minCoeff()) - 124) <= 2);
    CHECK(std::abs(int(gray8(frame).maxCoeff()) - 124) <= 2);
  }
  SECTION("progressive, with 442 scans (within the limit of 500)") {
    JpegOptions o;
    o.scans = one_coefficient_scans(6);
    REQUIRE(o.scans.size() == 442);
    CHECK(lkflow_app::load_frame(folder.write("p442.jpg", encode_jpeg(o, ramp()))).cols() == 64);
  }
}

TEST_CASE("JPEG: corrupt, unsupported and too large files are refused", "[image_io][jpeg]") {
  TempFolder folder;
  const Bytes good = encode_jpeg(JpegOptions{}, ramp());
  SECTION("truncated") {
    check_refused(
        folder.write("cut.jpg", Bytes(good.begin(), good.begin() + long(good.size() / 2))),
        "corrupt JPEG (libjpeg: Premature end of JPEG file)");
  }
  SECTION("bytes that do not belong before the end marker: a warning is an error") {
    Bytes bad(good.begin(), good.end() - 2);
    bad.insert(bad.end(), 100, 0x55);
    bad.insert(bad.end(), {0xFF, 0xD9});
    check_refused(folder.write("extra.jpg", bad), "Corrupt JPEG data");
  }
  SECTION("CMYK") {
    JpegOptions o;
    o.in_space = JCS_CMYK;
    o.components = 4;
    o.cmyk = true;
    const std::vector<unsigned char> pixels(64 * 48 * 4, 100);
    check_refused(folder.write("cmyk.jpg", encode_jpeg(o, pixels)), "CMYK JPEG is not supported");
  }
  SECTION("more than 500 progressive scans") {
    JpegOptions o;
    o.scans = one_coefficient_scans(7);
    REQUIRE(o.scans.size() == 505);
    check_refused(folder.write("p505.jpg", encode_jpeg(o, ramp())),
                  "more than 500 progressive scans");
  }
  SECTION("beyond the pixel budget") {
    lkflow_app::ImageLimits limits;
    limits.max_pixels = 64 * 48 - 1;
    check_refused(folder.write("budget.jpg", good), "JPEG of 64 x 48 px", limits);
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
    check_refused(folder.write(name, content), reason);
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
  rejects("image.bmp", "BM\x3a\0\0\0\0\0\0\0"s, "a BMP file is not supported");
  rejects("image.gif", "GIF89a\x01\0\x01\0"s, "a GIF file is not supported");

  Image<std::uint8_t> gray = Image<std::uint8_t>::Constant(64, 64, 100);
  gray(10, 10) = 3;
  const Bytes png = lkflow_app::encode_png(gray, 1);
  rejects("cut.png", std::string(png.begin(), png.begin() + long(png.size() / 2)), "truncated");
  CHECK_THROWS_WITH(lkflow_app::load_frame((folder.path / "none.png").string()),
                    Catch::EndsWith("none.png: no such file"));
  CHECK_THROWS_WITH(lkflow_app::load_frame(folder.path.string()),
                    Catch::Contains("it is a folder"));
}

TEST_CASE("this build reads PNG and JPEG", "[image_io]") {
  // This test program is built only when both libraries were found (tests/program/CMakeLists).
  CHECK(lkflow_app::supported_formats() == "PNG, JPEG or binary PGM/PPM");
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
