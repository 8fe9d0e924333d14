// Image files for the lkflow program: frames are loaded as 8- or 16-bit gray (PNG, JPEG, BMP, TGA
// through stb_image; binary PGM/PPM through a strict reader of its own, since stb_image 2.27
// reads 16-bit PNM in the wrong byte order and accepts truncated files), and images are encoded
// as PNG in memory, so that the caller decides where and how the bytes are written.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <lkflow/image.hpp>

namespace lkflow_app {

/// A file that cannot be read, or whose content is not a valid image: the message names the
/// file and the reason. The program reports it with exit code 1.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A frame as gray pixels of the file's bit depth.
struct Frame {
  std::variant<lkflow::Image<std::uint8_t>, lkflow::Image<std::uint16_t>> pixels;
  int channels = 1;  //!< channels in the file: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA

  int bits() const { return pixels.index() == 0 ? 8 : 16; }
  Eigen::Index rows() const;
  Eigen::Index cols() const;
};

/// Loads an image file as gray: colour through Rec. 601 luma 0.299 R + 0.587 G + 0.114 B
/// (rounded), alpha ignored, 16-bit PNG and PGM/PPM kept at 16 bits, PGM/PPM whose maximum is
/// not 255 or 65535 rescaled to the full range. Throws DataError naming `path` and the reason.
Frame load_frame(const std::string& path);

/// Makes an 8-bit frame 16-bit with the same intensities (v * 257 / 65535 == v / 255).
void promote_to_16_bits(Frame& frame);

/// The PNG file of an 8-bit image with `channels` interleaved channels per pixel (1 gray,
/// 3 RGB): `pixels` has rows x (channels * width) values. Throws std::runtime_error if the
/// encoder fails (out of memory).
std::vector<unsigned char> encode_png(const lkflow::Image<std::uint8_t>& pixels, int channels);

}  // namespace lkflow_app
