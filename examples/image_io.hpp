// Image files for the lkflow program. Frames are loaded as 8- or 16-bit gray from PNG (libspng,
// chunk CRCs and the zlib Adler-32 verified, palette indices checked), JPEG (libjpeg-turbo, its
// corrupt-data warnings treated as errors) and binary PGM/PPM (a strict reader of lkflow's own);
// every file's width and height are read and checked against ImageLimits before any pixel
// buffer is allocated. PNG and JPEG are optional at build time: without their library the
// program reads no such files and says so. Images are encoded as PNG in memory
// (stb_image_write), so that the caller decides where and how the bytes are written.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <lkflow/image.hpp>

#include "errors.hpp"

namespace lkflow_app {

/// The default pixel budget of a frame: 2^26 = 67 108 864 px, e.g. 8192 x 8192. The program
/// needs about 65 bytes per pixel for a pair of frames and their flow (README, "Frames").
inline constexpr std::uint64_t default_max_pixels = std::uint64_t(1) << 26;

/// The largest width or height of a frame: that of a .flo file (lkflow::max_flo_side), so that
/// the flow of any frame that loads can be written.
inline constexpr std::uint64_t max_frame_side = 100000;

/// What a frame file may declare before it is decoded.
struct ImageLimits {
  std::uint64_t max_pixels =
      default_max_pixels;  //!< width x height, pixels (the --max-pixels flag)
};

/// A frame as gray pixels of the file's bit depth.
struct Frame {
  std::variant<lkflow::Image<std::uint8_t>, lkflow::Image<std::uint16_t>> pixels;
  int channels = 1;  //!< channels in the file: 1 gray, 2 gray + alpha, 3 RGB or palette, 4 RGBA

  int bits() const { return pixels.index() == 0 ? 8 : 16; }
  Eigen::Index rows() const;
  Eigen::Index cols() const;
};

/// Loads an image file as gray: colour through Rec. 601 luma 0.299 R + 0.587 G + 0.114 B
/// (rounded), alpha ignored, 16-bit PNG and PGM/PPM kept at 16 bits, PGM/PPM whose maximum is
/// not 255 or 65535 rescaled to the full range. Throws DataError naming `path` and the reason:
/// missing, not a regular file, unreadable, a format that is not supported or not built in, too
/// large for `limits` or for max_frame_side, or corrupt (with the decoder's own reason).
Frame load_frame(const std::string& path, const ImageLimits& limits = {});

/// The formats load_frame reads in this build, e.g. "PNG, JPEG or binary PGM/PPM".
std::string supported_formats();

/// Makes an 8-bit frame 16-bit with the same intensities (v * 257 / 65535 == v / 255).
void promote_to_16_bits(Frame& frame);

/// The PNG file of an 8-bit image with `channels` interleaved channels per pixel (1 gray,
/// 3 RGB): `pixels` has rows x (channels * width) values. Throws std::runtime_error if the
/// encoder fails (out of memory).
std::vector<unsigned char> encode_png(const lkflow::Image<std::uint8_t>& pixels, int channels);

}  // namespace lkflow_app
