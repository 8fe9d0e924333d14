#include "image_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <system_error>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_PNM  // PGM/PPM are read below
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_write.h>

namespace lkflow_app {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw DataError(path + ": " + reason);
}

Bytes read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(path, "no such file");
  if (status.type() == fs::file_type::directory) fail(path, "it is a folder, not an image");
  if (status.type() != fs::file_type::regular)
    fail(path, ec ? "cannot read: " + ec.message() : "not a regular file");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "error"));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0);
  if (size <= 0) fail(path, "empty file, not an image");
  if (size > std::numeric_limits<int>::max()) fail(path, "larger than 2 GB, too large to load");
  Bytes bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) fail(path, "read error");
  return bytes;
}

/// Rec. 601 luma of `channels`-channel pixels (1 to 4), alpha ignored, rounded.
template <class T>
lkflow::Image<T> to_gray(const T* data, int width, int height, int channels) {
  lkflow::Image<T> gray(height, width);
  const double top = std::numeric_limits<T>::max();
  const std::size_t step = static_cast<std::size_t>(channels);
  for (Eigen::Index i = 0; i < gray.size(); ++i) {
    const T* p = data + static_cast<std::size_t>(i) * step;
    if (channels <= 2) {
      gray.data()[i] = p[0];
    } else {
      const double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      gray.data()[i] = static_cast<T>(std::min(top, std::round(luma)));
    }
  }
  return gray;
}

// ---- binary PGM (P5) and PPM (P6), 8 or 16 bits (Netpbm format specification) ----

class PnmHeader {
 public:
  PnmHeader(const std::string& path, const Bytes& bytes) : path_(path), bytes_(bytes) {}

  /// Parses "P5|P6 <ws> width <ws> height <ws> maxval <one ws>", comments allowed in the spaces.
  void parse(int& channels, long& width, long& height, long& maxval, std::size_t& data_start) {
    channels = bytes_[1] == '6' ? 3 : 1;
    pos_ = 2;
    width = number("width");
    height = number("height");
    maxval = number("maximum value");
    if (pos_ >= bytes_.size() || !space(bytes_[pos_]))
      fail(path_, "corrupt PGM/PPM header: no white space after the maximum value");
    data_start = pos_ + 1;
    if (width < 1 || height < 1)
      fail(path_,
           "corrupt PGM/PPM header: size " + std::to_string(width) + "x" + std::to_string(height));
    if (maxval < 1 || maxval > 65535)
      fail(path_, "corrupt PGM/PPM header: maximum value " + std::to_string(maxval) +
                      " (must be 1 to 65535)");
  }

 private:
  static bool space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  }

  long number(const char* what) {
    for (;;) {  // white space and comments
      while (pos_ < bytes_.size() && space(bytes_[pos_])) ++pos_;
      if (pos_ < bytes_.size() && bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n' && bytes_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
    long value = 0;
    std::size_t digits = 0;
    while (pos_ < bytes_.size() && bytes_[pos_] >= '0' && bytes_[pos_] <= '9') {
      if (++digits > 9) fail(path_, std::string("corrupt PGM/PPM header: ") + what + " too large");
      value = value * 10 + (bytes_[pos_++] - '0');
    }
    if (digits == 0) fail(path_, std::string("corrupt PGM/PPM header: no ") + what);
    return value;
  }

  const std::string& path_;
  const Bytes& bytes_;
  std::size_t pos_ = 0;
};

template <class T>
Frame pnm_pixels(const std::string& path, const Bytes& bytes, std::size_t start, int channels,
                 long width, long height, long maxval) {
  constexpr bool wide = sizeof(T) == 2;
  const std::size_t samples = std::size_t(width) * std::size_t(height) * std::size_t(channels);
  const std::size_t needed = samples * sizeof(T);
  if (bytes.size() - start < needed)
    fail(path, "truncated: " + std::to_string(bytes.size() - start) + " bytes of pixel data, " +
                   std::to_string(needed) + " needed for " + std::to_string(width) + "x" +
                   std::to_string(height));
  const unsigned long full = std::numeric_limits<T>::max();
  std::vector<T> values(samples);
  const unsigned char* p = bytes.data() + start;
  for (std::size_t i = 0; i < samples; ++i) {
    unsigned long v = wide ? (unsigned long)(p[2 * i]) << 8 | p[2 * i + 1] : p[i];  // big-endian
    if (v > static_cast<unsigned long>(maxval))
      fail(path, "corrupt: sample " + std::to_string(v) + " above the maximum value " +
                     std::to_string(maxval));
    if (static_cast<unsigned long>(maxval) != full)
      v = (v * full + static_cast<unsigned long>(maxval) / 2) / static_cast<unsigned long>(maxval);
    values[i] = static_cast<T>(v);
  }
  Frame frame;
  frame.channels = channels;
  frame.pixels = to_gray(values.data(), int(width), int(height), channels);
  return frame;
}

Frame load_pnm(const std::string& path, const Bytes& bytes) {
  int channels = 1;
  long width = 0, height = 0, maxval = 0;
  std::size_t start = 0;
  PnmHeader(path, bytes).parse(channels, width, height, maxval, start);
  if (width > (1 << 20) || height > (1 << 20) || width * height > (1L << 30))
    fail(path, "too large: " + std::to_string(width) + "x" + std::to_string(height));
  if (maxval < 256)
    return pnm_pixels<std::uint8_t>(path, bytes, start, channels, width, height, maxval);
  return pnm_pixels<std::uint16_t>(path, bytes, start, channels, width, height, maxval);
}

// ---- everything else through stb_image ----

template <class T>
Frame stb_pixels(const std::string& path, const Bytes& bytes) {
  int width = 0, height = 0, channels = 0;
  const int size = static_cast<int>(bytes.size());
  void* raw = sizeof(T) == 2 ? static_cast<void*>(stbi_load_16_from_memory(
                                   bytes.data(), size, &width, &height, &channels, 0))
                             : static_cast<void*>(stbi_load_from_memory(bytes.data(), size, &width,
                                                                        &height, &channels, 0));
  std::unique_ptr<void, void (*)(void*)> owner(raw, stbi_image_free);
  if (!raw) fail(path, std::string("corrupt image (") + stbi_failure_reason() + ")");
  if (width < 1 || height < 1 || channels < 1 || channels > 4)
    fail(path, "corrupt image (" + std::to_string(width) + "x" + std::to_string(height) + ", " +
                   std::to_string(channels) + " channels)");
  Frame frame;
  frame.channels = channels;
  frame.pixels = to_gray(static_cast<const T*>(raw), width, height, channels);
  return frame;
}

}  // namespace

Eigen::Index Frame::rows() const {
  return std::visit([](const auto& image) { return image.rows(); }, pixels);
}

Eigen::Index Frame::cols() const {
  return std::visit([](const auto& image) { return image.cols(); }, pixels);
}

Frame load_frame(const std::string& path) {
  const Bytes bytes = read_file(path);
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7') {
    if (bytes[1] != '5' && bytes[1] != '6')
      fail(path, std::string("PNM type P") + char(bytes[1]) +
                     " is not supported (only binary PGM, P5, and PPM, P6)");
    return load_pnm(path, bytes);
  }
  int width = 0, height = 0, channels = 0;
  const int size = static_cast<int>(bytes.size());
  if (!stbi_info_from_memory(bytes.data(), size, &width, &height, &channels))
    fail(path, std::string("not a supported image (PNG, JPEG, BMP, TGA, PGM/PPM) or corrupt (") +
                   stbi_failure_reason() + ")");
  if (stbi_is_16_bit_from_memory(bytes.data(), size)) return stb_pixels<std::uint16_t>(path, bytes);
  return stb_pixels<std::uint8_t>(path, bytes);
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
