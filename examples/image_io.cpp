#include "image_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "image_decoders.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

namespace lkflow_app {
namespace {

namespace fs = std::filesystem;

/// Whether the first n bytes start with the literal `prefix` (NUL bytes included).
template <std::size_t N>
bool starts_with(const unsigned char* bytes, std::size_t n, const char (&prefix)[N]) {
  return n >= N - 1 && std::memcmp(bytes, prefix, N - 1) == 0;
}

std::string hex_bytes(const unsigned char* bytes, std::size_t n) {
  static const char hex[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) text += ' ';
    text += hex[bytes[i] >> 4];
    text += hex[bytes[i] & 15];
  }
  return text;
}

/// Why a file of an unsupported or unknown format is refused.
std::string unsupported(const unsigned char* magic, std::size_t n) {
  const std::string expected = " (lkflow reads " + supported_formats() + ")";
  if (starts_with(magic, n, "BM")) return "a BMP file is not supported" + expected;
  if (starts_with(magic, n, "GIF8")) return "a GIF file is not supported" + expected;
  if (starts_with(magic, n, "II*") || starts_with(magic, n, "MM\0*"))
    return "a TIFF file is not supported" + expected;
  if (starts_with(magic, n, "RIFF")) return "a RIFF (WebP?) file is not supported" + expected;
  return "not a supported image" + expected + ": it starts with the bytes " +
         hex_bytes(magic, std::min<std::size_t>(n, 4));
}

}  // namespace

Eigen::Index Frame::rows() const {
  return std::visit([](const auto& image) { return image.rows(); }, pixels);
}

Eigen::Index Frame::cols() const {
  return std::visit([](const auto& image) { return image.cols(); }, pixels);
}

std::string supported_formats() {
  std::string formats;
  if (png_built_in()) formats += "PNG, ";
  if (jpeg_built_in()) formats += "JPEG, ";
  if (!formats.empty()) formats.replace(formats.size() - 2, 2, " or ");
  return formats + "binary PGM/PPM";
}

void check_frame_size(const std::string& name, const char* format, std::uint64_t width,
                      std::uint64_t height, const ImageLimits& limits) {
  const std::string size = std::to_string(width) + " x " + std::to_string(height) + " px";
  if (width < 1 || height < 1) fail(name, std::string("corrupt ") + format + ": size " + size);
  if (width > max_frame_side || height > max_frame_side)
    fail(name, std::string(format) + " of " + size + ": too large, more than " +
                   std::to_string(max_frame_side) + " px on a side");
  if (width * height > limits.max_pixels)
    fail(name, std::string(format) + " of " + size + " (" + std::to_string(width * height) +
                   " px): too large, more than the " + std::to_string(limits.max_pixels) +
                   " px of the pixel budget (--max-pixels)");
}

Frame load_frame(const std::string& path, const ImageLimits& limits) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(path, "no such file");
  if (status.type() == fs::file_type::directory) fail(path, "it is a folder, not an image");
  if (status.type() != fs::file_type::regular)
    fail(path, ec ? "cannot read: " + ec.message() : "not a regular file");
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) fail(path, std::string("cannot open: ") + std::strerror(errno));

  unsigned char magic[8];
  const std::size_t n = std::fread(magic, 1, sizeof magic, file.get());
  if (n == 0 && std::ferror(file.get())) fail(path, "read error");
  if (n == 0) fail(path, "empty file, not an image");
  if (std::fseek(file.get(), 0, SEEK_SET) != 0) fail(path, "cannot read it from the start");

  if (starts_with(magic, n, "\x89PNG\r\n\x1a\n")) return decode_png(file.get(), path, limits);
  if (starts_with(magic, n, "\xff\xd8\xff")) return decode_jpeg(file.get(), path, limits);
  if (n >= 2 && magic[0] == 'P' && magic[1] >= '1' && magic[1] <= '7') {
    if (magic[1] != '5' && magic[1] != '6')
      fail(path, std::string("PNM type P") + char(magic[1]) +
                     " is not supported (only binary PGM, P5, and PPM, P6)");
    return decode_pnm(file.get(), path, limits);
  }
  fail(path, unsupported(magic, n));
}

void promote_to_16_bits(Frame& frame) {
  if (const auto* gray8 = std::get_if<lkflow::Image<std::uint8_t>>(&frame.pixels)) {
    lkflow::Image<std::uint16_t> gray16 = gray8->cast<std::uint16_t>() * std::uint16_t(257);
    frame.pixels = std::move(gray16);
  }
}

std::vector<unsigned char> encode_png(const lkflow::Image<std::uint8_t>& pixels, int channels) {
  std::vector<unsigned char> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    const auto* bytes = static_cast<const unsigned char*>(data);
    out->insert(out->end(), bytes, bytes + size);
  };
  const int width = static_cast<int>(pixels.cols() / channels);
  const int height = static_cast<int>(pixels.rows());
  const int stride = static_cast<int>(pixels.cols());
  if (!stbi_write_png_to_func(append, &png, width, height, channels, pixels.data(), stride))
    throw std::runtime_error("PNG encoding failed");
  return png;
}

}  // namespace lkflow_app
