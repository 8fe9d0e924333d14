// The body of the libFuzzer targets of the lkflow program's image decoders: any byte string,
// given to the decoder as a memory stream, must either be refused with DataError or decode to a
// frame of 1 to max_pixels pixels with 1 to 4 channels. Anything else (a crash, a sanitizer
// report, another exception, a frame breaking those bounds) is a finding. The pixel budget is
// small so that each input decodes quickly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "image_decoders.hpp"

namespace lkflow_fuzz {

inline constexpr std::uint64_t max_pixels = std::uint64_t(1) << 20;

template <class Decoder>
int decode_bytes(Decoder decode, const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen refuses an empty buffer; load_frame refuses empty files
  std::FILE* file = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (file == nullptr) __builtin_trap();
  lkflow_app::ImageLimits limits;
  limits.max_pixels = max_pixels;
  try {
    const lkflow_app::Frame frame = decode(file, "fuzz input", limits);
    const auto pixels = std::uint64_t(frame.rows()) * std::uint64_t(frame.cols());
    if (pixels < 1 || pixels > max_pixels || frame.channels < 1 || frame.channels > 4)
      __builtin_trap();
  } catch (const lkflow_app::DataError&) {
    // refused: the expected outcome for almost every input
  }
  std::fclose(file);
  return 0;
}

}  // namespace lkflow_fuzz
