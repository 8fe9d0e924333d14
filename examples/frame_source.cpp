#include "frame_source.hpp"

#include <utility>

#include "video_io.hpp"

namespace lkflow_app {
namespace {

std::string size_text(Eigen::Index cols, Eigen::Index rows) {
  return std::to_string(cols) + " x " + std::to_string(rows) + " px";
}

class MovieSource : public FrameSource {
 public:
  MovieSource(const std::string& path, const std::atomic<bool>* stop, const ImageLimits& limits)
      : reader_(path, stop, limits.max_pixels) {
    const VideoInfo& info = reader_.info();
    width = info.width;
    height = info.height;
    frames = info.frames;
    frames_estimated = info.frames_estimated;
    fps = info.fps;
    codec = info.codec;
  }

  bool read(Frame& frame) override {
    if (frame.pixels.index() != 0) frame.pixels = lkflow::Image<std::uint8_t>();
    frame.channels = 1;
    return reader_.read(std::get<0>(frame.pixels));
  }

 private:
  VideoReader reader_;
};

class ImageSource : public FrameSource {
 public:
  ImageSource(const std::vector<std::string>& paths, const ImageLimits& limits)
      : paths_(paths), limits_(limits) {
    first_ = load_frame(paths_.at(0), limits_);
    width = long(first_.cols());
    height = long(first_.rows());
    bits = first_.bits();
    frames = long(paths_.size());
  }

  bool read(Frame& frame) override {
    if (next_ == paths_.size()) return false;
    const std::size_t k = next_++;
    if (k == 0) {
      frame = std::move(first_);
      return true;
    }
    frame = load_frame(paths_[k], limits_);
    const std::string name = "frame " + std::to_string(k) + " (" + paths_[k] + ")";
    if (frame.cols() != width || frame.rows() != height)
      throw DataError(name + " is " + size_text(frame.cols(), frame.rows()) +
                      " but the frames before it are " + size_text(width, height) +
                      ": every frame must have the same size");
    if (frame.bits() != bits) {
      if (bits == 8)
        throw DataError(name + " is 16-bit but the first frame is 8-bit: a sequence has the " +
                        "first frame's bit depth (8-bit frames after a 16-bit one are promoted)");
      promote_to_16_bits(frame);
    }
    return true;
  }

 private:
  std::vector<std::string> paths_;
  ImageLimits limits_;
  std::size_t next_ = 0;
  Frame first_;
};

}  // namespace

std::unique_ptr<FrameSource> open_movie(const std::string& path, const std::atomic<bool>* stop,
                                        const ImageLimits& limits) {
  return std::make_unique<MovieSource>(path, stop, limits);
}

std::unique_ptr<FrameSource> open_images(const std::vector<std::string>& paths,
                                         const ImageLimits& limits) {
  return std::make_unique<ImageSource>(paths, limits);
}

}  // namespace lkflow_app
