// JPEG through libjpeg (libjpeg-turbo on Debian). JPEG has no checksum, so what can be verified
// is what the decoder notices: its corrupt-data warnings ("Premature end of JPEG file",
// "Corrupt JPEG data: ...") are errors here, not gray patches in a frame. The size in the
// header is checked against the limits before decompression allocates anything for the image,
// and a progressive file may have at most 500 scans (each one costs a pass over the whole
// image; the limit libjpeg-turbo's TurboJPEG API applies). Colour is decoded as RGB and made
// gray like every other format; CMYK files are refused.
#include "image_decoders.hpp"

#ifdef LKFLOW_APP_HAVE_JPEG

#include <csetjmp>
#include <cstdio>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

namespace lkflow_app {
namespace {

constexpr int max_scans = 500;

/// libjpeg reports errors through callbacks that must not return: they longjmp back to the
/// setjmp of the step that called libjpeg. Each step (read_header, decompress) is a function
/// whose own objects are trivially destructible and that calls nothing but libjpeg and plain
/// loops after its setjmp, so the jump skips no C++ destructor.
struct Decoder {
  jpeg_decompress_struct info{};
  jpeg_error_mgr error{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  bool created = false;

  Decoder() = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  ~Decoder() {
    if (created) jpeg_destroy_decompress(&info);
  }
};

Decoder& decoder_of(j_common_ptr info) { return *static_cast<Decoder*>(info->client_data); }

[[noreturn]] void on_error(j_common_ptr info) {
  Decoder& d = decoder_of(info);
  (*info->err->format_message)(info, d.message);
  std::longjmp(d.jump, 1);
}

void on_message(j_common_ptr info, int level) {
  if (level < 0) on_error(info);  // a warning: the data is corrupt
}

void on_progress(j_common_ptr info) {
  auto* in = reinterpret_cast<j_decompress_ptr>(info);
  if (in->progressive_mode && in->input_scan_number > max_scans) {
    std::snprintf(decoder_of(info).message, JMSG_LENGTH_MAX, "more than %d progressive scans",
                  max_scans);
    std::longjmp(decoder_of(info).jump, 1);
  }
}

/// Reads the header from `file`; false (with d.message) if libjpeg failed.
bool read_header(Decoder& d, std::FILE* file) {
  d.info.err = jpeg_std_error(&d.error);
  d.error.error_exit = on_error;
  d.error.emit_message = on_message;
  if (setjmp(d.jump) != 0) return false;
  jpeg_create_decompress(&d.info);
  d.created = true;
  d.info.client_data = &d;
  d.progress.progress_monitor = on_progress;
  d.info.progress = &d.progress;
  jpeg_stdio_src(&d.info, file);
  jpeg_read_header(&d.info, TRUE);
  return true;
}

/// Decompresses into `gray` (width x height) through `row` (one scanline of `channels` samples
/// per pixel); false (with d.message) if libjpeg failed.
bool decompress(Decoder& d, int channels, JSAMPLE* row, std::uint8_t* gray) {
  if (setjmp(d.jump) != 0) return false;
  jpeg_start_decompress(&d.info);
  if (d.info.output_width != d.info.image_width || d.info.output_height != d.info.image_height ||
      d.info.output_components != channels) {
    std::snprintf(d.message, JMSG_LENGTH_MAX, "unexpected output layout");
    return false;
  }
  const std::size_t width = d.info.output_width;
  while (d.info.output_scanline < d.info.output_height) {
    const std::size_t y = d.info.output_scanline;
    JSAMPROW rows[1] = {row};
    if (jpeg_read_scanlines(&d.info, rows, 1) != 1) return false;
    gray_row(row, channels, width, gray + y * width);
  }
  jpeg_finish_decompress(&d.info);
  return true;
}

[[noreturn]] void fail_jpeg(const std::string& name, const Decoder& d) {
  fail(name, std::string("corrupt JPEG (libjpeg: ") +
                 (d.message[0] != 0 ? d.message : "decoding stopped") + ")");
}

}  // namespace

bool jpeg_built_in() { return true; }

Frame decode_jpeg(std::FILE* file, const std::string& name, const ImageLimits& limits) {
  Decoder d;
  if (!read_header(d, file)) fail_jpeg(name, d);
  check_frame_size(name, "JPEG", d.info.image_width, d.info.image_height, limits);

  Frame frame;
  switch (d.info.jpeg_color_space) {
    case JCS_GRAYSCALE:
      d.info.out_color_space = JCS_GRAYSCALE;
      frame.channels = 1;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      d.info.out_color_space = JCS_RGB;
      frame.channels = 3;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      fail(name, "a CMYK JPEG is not supported (only gray and colour: YCbCr or RGB)");
    default:
      fail(name, "a JPEG with " + std::to_string(d.info.num_components) +
                     " components of unknown colour space is not supported");
  }
  lkflow::Image<std::uint8_t> gray(Eigen::Index(d.info.image_height),
                                   Eigen::Index(d.info.image_width));
  std::vector<JSAMPLE> row(std::size_t(d.info.image_width) * std::size_t(frame.channels));
  if (!decompress(d, frame.channels, row.data(), gray.data())) fail_jpeg(name, d);
  frame.pixels = std::move(gray);
  return frame;
}

}  // namespace lkflow_app

#else  // built without libjpeg

namespace lkflow_app {

bool jpeg_built_in() { return false; }

Frame decode_jpeg(std::FILE*, const std::string& name, const ImageLimits&) {
  fail(name,
       "a JPEG file, but this lkflow was built without JPEG support (libjpeg was not found at "
       "build time; on Debian: apt-get install libjpeg62-turbo-dev, then rebuild)");
}

}  // namespace lkflow_app

#endif
