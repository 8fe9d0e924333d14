// Binary PGM (P5) and PPM (P6), 8 or 16 bits per sample (the Netpbm format specification), read
// strictly: a complete header, a maximum value of 1 to 65535, every sample at most that maximum,
// and all the pixel data present (checked from the file's size before anything is allocated).
#include <cstdio>
#include <memory>
#include <vector>

#include "image_decoders.hpp"

namespace lkflow_app {
namespace {

bool space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// The header's fields, read one byte at a time: "P5|P6 <ws> width <ws> height <ws> maxval
/// <one ws>", comments ("#" to the end of the line) allowed in the white space.
struct PnmHeader {
  int channels = 1;
  long width = 0, height = 0, maxval = 0;

  void read(std::FILE* file, const std::string& name) {
    const int p = std::fgetc(file), kind = std::fgetc(file);
    if (p != 'P' || (kind != '5' && kind != '6')) fail(name, "not a binary PGM/PPM file");
    channels = kind == '6' ? 3 : 1;
    width = number(file, name, "width");
    height = number(file, name, "height");
    maxval = number(file, name, "maximum value");
    if (!space(std::fgetc(file)))
      fail(name, "corrupt PGM/PPM header: no white space after the maximum value");
    if (width < 1 || height < 1)
      fail(name,
           "corrupt PGM/PPM header: size " + std::to_string(width) + "x" + std::to_string(height));
    if (maxval < 1 || maxval > 65535)
      fail(name, "corrupt PGM/PPM header: maximum value " + std::to_string(maxval) +
                     " (must be 1 to 65535)");
  }

 private:
  static long number(std::FILE* file, const std::string& name, const char* what) {
    int c = std::fgetc(file);
    for (;;) {  // white space and comments
      while (space(c)) c = std::fgetc(file);
      if (c != '#') break;
      while (c != EOF && c != '\n' && c != '\r') c = std::fgetc(file);
    }
    long value = 0;
    int digits = 0;
    for (; c >= '0' && c <= '9'; c = std::fgetc(file)) {
      if (++digits > 9) fail(name, std::string("corrupt PGM/PPM header: ") + what + " too large");
      value = value * 10 + (c - '0');
    }
    if (digits == 0) fail(name, std::string("corrupt PGM/PPM header: no ") + what);
    if (c != EOF) std::ungetc(c, file);
    return value;
  }
};

/// Reads the pixel data row by row: big-endian 16-bit samples, each at most maxval, rescaled to
/// the full range when maxval is not the type's maximum, then made gray.
template <class T>
Frame pnm_pixels(std::FILE* file, const std::string& name, const PnmHeader& h) {
  constexpr std::size_t bytes = sizeof(T);
  const auto width = static_cast<std::size_t>(h.width);
  const auto maxval = static_cast<unsigned long>(h.maxval);
  const unsigned long full = std::numeric_limits<T>::max();
  std::vector<unsigned char> raw(width * std::size_t(h.channels) * bytes);
  std::vector<T> samples(width * std::size_t(h.channels));
  lkflow::Image<T> gray(h.height, h.width);
  for (Eigen::Index y = 0; y < gray.rows(); ++y) {
    if (std::fread(raw.data(), 1, raw.size(), file) != raw.size())
      fail(name, "truncated: the pixel data ends in row " + std::to_string(y));
    for (std::size_t i = 0; i < samples.size(); ++i) {
      unsigned long v = bytes == 2 ? (unsigned long)(raw[2 * i]) << 8 | raw[2 * i + 1] : raw[i];
      if (v > maxval)
        fail(name, "corrupt: sample " + std::to_string(v) + " above the maximum value " +
                       std::to_string(maxval));
      if (maxval != full) v = (v * full + maxval / 2) / maxval;
      samples[i] = static_cast<T>(v);
    }
    gray_row(samples.data(), h.channels, width, &gray(y, 0));
  }
  Frame frame;
  frame.channels = h.channels;
  frame.pixels = std::move(gray);
  return frame;
}

}  // namespace

Frame decode_pnm(std::FILE* file, const std::string& name, const ImageLimits& limits) {
  PnmHeader header;
  header.read(file, name);
  check_frame_size(name, header.channels == 3 ? "PPM" : "PGM", std::uint64_t(header.width),
                   std::uint64_t(header.height), limits);

  // All the pixel data must be there: checked before anything is allocated.
  const long start = std::ftell(file);
  if (start < 0 || std::fseek(file, 0, SEEK_END) != 0) fail(name, "cannot determine its size");
  const long end = std::ftell(file);
  if (end < start || std::fseek(file, start, SEEK_SET) != 0)
    fail(name, "cannot determine its size");
  const std::uint64_t needed = std::uint64_t(header.width) * std::uint64_t(header.height) *
                               std::uint64_t(header.channels) * (header.maxval < 256 ? 1 : 2);
  if (std::uint64_t(end - start) < needed)
    fail(name, "truncated: " + std::to_string(end - start) + " bytes of pixel data, " +
                   std::to_string(needed) + " needed for " + std::to_string(header.width) + "x" +
                   std::to_string(header.height));
  if (header.maxval < 256) return pnm_pixels<std::uint8_t>(file, name, header);
  return pnm_pixels<std::uint16_t>(file, name, header);
}

}  // namespace lkflow_app
