// VideoReader and VideoWriter for a build without FFmpeg (LKFLOW_WITH_FFMPEG=OFF): no video
// support, and constructors that say why.
#include "video_io.hpp"

namespace lkflow_app {

bool video_support() { return false; }

std::string no_video_support_reason() {
  return "this lkflow was built without FFmpeg, so it cannot read or write movies (install "
         "libavformat-dev, libavcodec-dev, libswscale-dev and pkg-config, and build it again; "
         "or give the frames as image files)";
}

namespace {
[[noreturn]] void no_ffmpeg(const std::string& path) {
  throw DataError(path + ": " + no_video_support_reason());
}
}  // namespace

struct VideoReader::Impl {};
VideoReader::VideoReader(const std::string& path, const std::atomic<bool>*, std::uint64_t) {
  no_ffmpeg(path);
}
VideoReader::~VideoReader() = default;
const VideoInfo& VideoReader::info() const {
  static const VideoInfo none;
  return none;
}
bool VideoReader::read(lkflow::Image<std::uint8_t>&) { return false; }
long VideoReader::frames_read() const { return 0; }

struct VideoWriter::Impl {};
VideoWriter::VideoWriter(const std::string&, const std::string& path, int, int, Pixels,
                         const VideoWriterSettings&) {
  no_ffmpeg(path);
}
VideoWriter::~VideoWriter() = default;
void VideoWriter::write(const lkflow::Image<std::uint8_t>&) {}
void VideoWriter::finish() {}
long VideoWriter::frames_written() const { return 0; }
std::string VideoWriter::codec() const { return ""; }

}  // namespace lkflow_app
