// Movies for the lkflow program: VideoReader decodes a movie frame by frame into 8-bit gray,
// VideoWriter encodes 8-bit gray or RGB frames into a movie file. Both use FFmpeg's libraries
// (video_io.cpp) when the program is built with LKFLOW_WITH_FFMPEG; otherwise
// (video_io_unavailable.cpp) video_support() is false and both constructors throw DataError.
// Nothing of FFmpeg appears in this header.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <lkflow/image.hpp>

#include "image_io.hpp"  // DataError

namespace lkflow_app {

/// True when this build can read and write movies (it was built with FFmpeg).
bool video_support();
/// Why movies cannot be used in this build, for messages; empty when video_support().
std::string no_video_support_reason();

/// Facts about a movie that VideoReader knows once it is open.
struct VideoInfo {
  int width = 0, height = 0;  //!< pixels, of the first frame
  double fps = 0;             //!< frames per second; 0 when the movie does not say
  long frames = -1;           //!< number of frames: from the header, or estimated; -1 if unknown
  bool frames_estimated = false;  //!< `frames` was estimated from the duration and frame rate
  std::string codec;              //!< the video codec's short name, e.g. "h264"
};

/// Reads the video stream of a movie. Every error throws DataError with a message naming the
/// file, the frame (counted from 0) and FFmpeg's reason; FFmpeg's own log is never printed.
/// A movie is accepted only if it decodes cleanly: the demuxer or decoder reporting an error
/// (damaged data, a file that ends early), fewer frames than its header announces, or a frame
/// whose size differs from the first frame's are errors, not frames to skip.
class VideoReader {
 public:
  /// Opens `path` and decodes its first frame (so that info() has the true frame size). `stop`,
  /// if given, is polled while FFmpeg waits for input: once it is true, reading ends as if the
  /// movie ended. Frames of more than `max_pixels` pixels, or wider or taller than
  /// max_frame_side (image_io.hpp), are refused before anything of their size is allocated.
  explicit VideoReader(const std::string& path, const std::atomic<bool>* stop = nullptr,
                       std::uint64_t max_pixels = default_max_pixels);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;
  /// Stores the next frame, as 8-bit gray (luma, full range 0..255), in `gray`, resizing it
  /// only when its size differs. Returns false after the last frame (or once `stop` is true).
  bool read(lkflow::Image<std::uint8_t>& gray);
  /// Frames returned by read() so far.
  long frames_read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Settings of a VideoWriter; the defaults suit the flow's colour coding.
struct VideoWriterSettings {
  /// FFmpeg encoder name (e.g. "libx264", "mpeg4", "ffv1"); empty: H.264 (libx264) when this
  /// FFmpeg has it and the container takes it, else MPEG-4 part 2, which FFmpeg always has.
  std::string codec;
  /// Quality: the constant rate factor for libx264 (0 = lossless), the quantiser for MPEG-4
  /// part 2 (1 best .. 31); -1 = 18 and 3. Other encoders ignore it.
  int quality = -1;
  double fps = 25;  //!< frames per second
  /// The pixel format stored, by FFmpeg's name ("gray" keeps gray frames exact with "ffv1");
  /// empty: 4:2:0 YUV ("yuv420p"), which every player shows.
  std::string pixel_format;
};

/// Writes a movie whose container is chosen by the file name (.mp4, .mkv, .avi, .mov, ...).
/// The movie is written to a temporary file next to `path` and renamed to `path` by finish():
/// a writer destroyed without finish() (an error, an exception) removes its temporary file and
/// leaves `path` as it was. Formats with chroma subsampling (4:2:0) need even sizes: an odd
/// last row or column is left out. Errors throw DataError naming `label` (a flag), the file and
/// FFmpeg's reason.
class VideoWriter {
 public:
  enum class Pixels { gray8, rgb24 };

  /// Creates the temporary file, the encoder and the container's header for frames of
  /// width x height pixels of the given layout.
  VideoWriter(const std::string& label, const std::string& path, int width, int height,
              Pixels pixels, const VideoWriterSettings& settings = {});
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  /// Encodes one frame: `pixels` has height rows and width (gray8) or 3 * width (rgb24, R, G, B
  /// interleaved, as lkflow::flow_to_rgb makes) columns.
  void write(const lkflow::Image<std::uint8_t>& pixels);
  /// Drains the encoder, completes the file and renames it over the target.
  void finish();

  long frames_written() const;
  /// The encoder used, e.g. "libx264".
  std::string codec() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lkflow_app
