// Where the sequence mode's frames come from: the video stream of a movie, or a list of image
// files, read one frame at a time in order. Every frame has the size of the first; image lists
// have the first frame's bit depth (8-bit files in a 16-bit list are promoted).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "image_io.hpp"

namespace lkflow_app {

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  /// Stores the next frame in `frame` (reusing its pixel buffer where it can). Returns false
  /// after the last frame. Throws DataError naming the frame (from 0) and the reason.
  virtual bool read(Frame& frame) = 0;

  long width = 0, height = 0;     //!< of every frame, pixels
  int bits = 8;                   //!< bits per pixel of every frame
  long frames = -1;               //!< number of frames, -1 if unknown
  bool frames_estimated = false;  //!< `frames` is an estimate (a movie without a frame count)
  double fps = 0;                 //!< frames per second of a movie; 0 if unknown or images
  std::string codec;              //!< a movie's video codec, e.g. "h264"; empty for images
};

/// The movie `path`; its first frame is decoded here. Reading stops early (as at the end of the
/// movie) once `stop` is true. Frames larger than `limits` are refused.
std::unique_ptr<FrameSource> open_movie(const std::string& path, const std::atomic<bool>* stop,
                                        const ImageLimits& limits);

/// The image files `paths`, in this order; the first is loaded here. Frames larger than
/// `limits` are refused.
std::unique_ptr<FrameSource> open_images(const std::vector<std::string>& paths,
                                         const ImageLimits& limits);

}  // namespace lkflow_app
