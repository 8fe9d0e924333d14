// PNG through libspng, verifying what it reads: the CRC of every chunk (critical and ancillary;
// libspng's default would drop an ancillary chunk with a bad CRC silently), the Adler-32 of the
// zlib stream (libspng's default), every palette index against the palette (libspng would
// show an index beyond the palette as black), and the chunks after the image data up to IEND.
// The size in IHDR is checked against the limits before the image buffer is allocated, and
// libspng's own buffers for ancillary chunks are capped.
#include "image_decoders.hpp"

#ifdef LKFLOW_APP_HAVE_SPNG

#include <cstring>
#include <memory>
#include <vector>

#include <spng.h>

namespace lkflow_app {
namespace {

/// Memory libspng may hold for ancillary chunks (text, ICC profiles, ...): one chunk, and all.
constexpr std::size_t max_chunk_bytes = std::size_t(16) << 20;
constexpr std::size_t max_chunk_cache_bytes = std::size_t(64) << 20;

using Context = std::unique_ptr<spng_ctx, void (*)(spng_ctx*)>;

[[noreturn]] void fail_spng(const std::string& name, int error) {
  std::string reason = spng_strerror(error);
  if (error == SPNG_IO_EOF || error == SPNG_EOF)
    reason = "truncated: the file ends before the image is complete (libspng: " + reason + ")";
  else if (error == SPNG_IO_ERROR)
    reason = "read error (libspng: " + reason + ")";
  else
    reason = "corrupt PNG (libspng: " + reason + ")";
  fail(name, reason);
}

void check(const std::string& name, int error) {
  if (error != 0) fail_spng(name, error);
}

/// Palette indices (1, 2, 4 or 8 bits, packed MSB first in rows of `stride` bytes) to gray,
/// refusing any index beyond the palette.
lkflow::Image<std::uint8_t> palette_to_gray(const std::string& name, const spng_ihdr& ihdr,
                                            const spng_plte& plte,
                                            const std::vector<unsigned char>& indices,
                                            std::size_t stride) {
  std::uint8_t gray_of[256] = {};
  for (std::uint32_t i = 0; i < plte.n_entries; ++i) {
    const spng_plte_entry& e = plte.entries[i];
    const unsigned char rgb[3] = {e.red, e.green, e.blue};
    gray_row(rgb, 3, 1, &gray_of[i]);
  }
  const unsigned bits = ihdr.bit_depth;
  const unsigned mask = (1u << bits) - 1;
  lkflow::Image<std::uint8_t> gray(Eigen::Index(ihdr.height), Eigen::Index(ihdr.width));
  for (Eigen::Index y = 0; y < gray.rows(); ++y) {
    const unsigned char* row = indices.data() + std::size_t(y) * stride;
    for (Eigen::Index x = 0; x < gray.cols(); ++x) {
      const std::size_t bit = std::size_t(x) * bits;
      const unsigned shift = 8 - bits - unsigned(bit % 8);
      const unsigned index = (unsigned(row[bit / 8]) >> shift) & mask;
      if (index >= plte.n_entries)
        fail(name, "corrupt PNG: pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                       ") has palette index " + std::to_string(index) + " but the palette has " +
                       std::to_string(plte.n_entries) + " entries");
      gray(y, x) = gray_of[index];
    }
  }
  return gray;
}

/// Interleaved samples (`channels` per pixel, host-endian T) to gray.
template <class T>
lkflow::Image<T> samples_to_gray(const spng_ihdr& ihdr, int channels,
                                 const std::vector<unsigned char>& decoded) {
  lkflow::Image<T> gray(Eigen::Index(ihdr.height), Eigen::Index(ihdr.width));
  const std::size_t row_samples = std::size_t(ihdr.width) * std::size_t(channels);
  std::vector<T> row(row_samples);
  for (Eigen::Index y = 0; y < gray.rows(); ++y) {
    std::memcpy(row.data(), decoded.data() + std::size_t(y) * row_samples * sizeof(T),
                row_samples * sizeof(T));
    gray_row(row.data(), channels, std::size_t(ihdr.width), &gray(y, 0));
  }
  return gray;
}

}  // namespace

bool png_built_in() { return true; }

Frame decode_png(std::FILE* file, const std::string& name, const ImageLimits& limits) {
  Context ctx(spng_ctx_new(0), spng_ctx_free);
  if (!ctx) throw std::bad_alloc();
  check(name, spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_ERROR));
  check(name, spng_set_chunk_limits(ctx.get(), max_chunk_bytes, max_chunk_cache_bytes));
  check(name, spng_set_png_file(ctx.get(), file));

  spng_ihdr ihdr{};
  check(name, spng_get_ihdr(ctx.get(), &ihdr));
  check_frame_size(name, "PNG", ihdr.width, ihdr.height, limits);

  Frame frame;
  const bool wide = ihdr.bit_depth == 16;
  switch (ihdr.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
      frame.channels = 1;
      break;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
      frame.channels = 2;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR:
    case SPNG_COLOR_TYPE_INDEXED:
      frame.channels = 3;
      break;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
      frame.channels = 4;
      break;
    default:
      fail(name, "corrupt PNG: colour type " + std::to_string(ihdr.color_type));
  }

  // Gray of up to 8 bits as 8-bit gray (1, 2 and 4 bits scaled to 0..255); everything else in
  // the file's own layout (SPNG_FMT_PNG: 16-bit samples host-endian, palette indices packed).
  const bool low_gray = ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE && !wide;
  const int format = low_gray ? SPNG_FMT_G8 : SPNG_FMT_PNG;
  std::size_t size = 0;
  check(name, spng_decoded_image_size(ctx.get(), format, &size));
  auto decode = [&](void* out) {
    check(name, spng_decode_image(ctx.get(), out, size, format, 0));
    check(name, spng_decode_chunks(ctx.get()));  // the rest, to IEND, CRCs included
  };
  if (frame.channels == 1 && ihdr.color_type != SPNG_COLOR_TYPE_INDEXED) {
    // Gray: straight into the frame, which has exactly the decoded layout.
    auto decode_gray = [&](auto gray) {
      if (size != std::size_t(gray.size()) * sizeof(gray(0, 0)))
        fail(name, "internal error: unexpected decoded size");
      decode(gray.data());
      frame.pixels = std::move(gray);
    };
    const auto rows = Eigen::Index(ihdr.height), cols = Eigen::Index(ihdr.width);
    if (wide)
      decode_gray(lkflow::Image<std::uint16_t>(rows, cols));
    else
      decode_gray(lkflow::Image<std::uint8_t>(rows, cols));
    return frame;
  }
  std::vector<unsigned char> decoded(size);
  decode(decoded.data());
  if (ihdr.color_type == SPNG_COLOR_TYPE_INDEXED) {
    spng_plte plte{};
    check(name, spng_get_plte(ctx.get(), &plte));
    frame.pixels = palette_to_gray(name, ihdr, plte, decoded, size / ihdr.height);
  } else if (wide) {
    frame.pixels = samples_to_gray<std::uint16_t>(ihdr, frame.channels, decoded);
  } else {
    frame.pixels = samples_to_gray<std::uint8_t>(ihdr, frame.channels, decoded);
  }
  return frame;
}

}  // namespace lkflow_app

#else  // built without libspng

namespace lkflow_app {

bool png_built_in() { return false; }

Frame decode_png(std::FILE*, const std::string& name, const ImageLimits&) {
  fail(name,
       "a PNG file, but this lkflow was built without PNG support (libspng was not found at "
       "build time; on Debian: apt-get install pkg-config libspng-dev, then rebuild)");
}

}  // namespace lkflow_app

#endif
