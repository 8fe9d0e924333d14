// The decoders behind load_frame, one per format, and what they share. Each reads one image
// from an open C stream positioned at its first byte, names `name` in its errors (DataError),
// and checks the declared size with check_frame_size before allocating any pixels. They are
// also the entry points of the fuzz targets (tests/fuzz), which feed them memory streams.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "image_io.hpp"

namespace lkflow_app {

/// Whether this build has the PNG (libspng) and JPEG (libjpeg) decoders.
bool png_built_in();
bool jpeg_built_in();

Frame decode_png(std::FILE* file, const std::string& name, const ImageLimits& limits);
Frame decode_jpeg(std::FILE* file, const std::string& name, const ImageLimits& limits);
/// Binary PGM (P5) or PPM (P6).
Frame decode_pnm(std::FILE* file, const std::string& name, const ImageLimits& limits);

[[noreturn]] inline void fail(const std::string& name, const std::string& reason) {
  throw DataError(name + ": " + reason);
}

/// Throws DataError unless width and height are 1 to max_frame_side and their product is within
/// limits.max_pixels; `format` names the file type in the message ("PNG").
void check_frame_size(const std::string& name, const char* format, std::uint64_t width,
                      std::uint64_t height, const ImageLimits& limits);

/// Gray pixels from `channels` interleaved samples per pixel (1 to 4): channels 1 and 2 take
/// the first sample (alpha ignored), 3 and 4 the Rec. 601 luma of the first three, rounded.
template <class T>
void gray_row(const T* samples, int channels, std::size_t width, T* gray) {
  const std::size_t step = static_cast<std::size_t>(channels);
  if (channels <= 2) {
    for (std::size_t x = 0; x < width; ++x) gray[x] = samples[x * step];
    return;
  }
  const double top = std::numeric_limits<T>::max();
  for (std::size_t x = 0; x < width; ++x) {
    const T* p = samples + x * step;
    const double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    gray[x] = static_cast<T>(std::min(top, std::round(luma)));
  }
}

}  // namespace lkflow_app
