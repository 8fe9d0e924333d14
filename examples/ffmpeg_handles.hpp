// Owners for FFmpeg's objects (std::unique_ptr with FFmpeg's own free functions), FFmpeg's error
// text as a std::string, and a scope that collects what FFmpeg logs instead of printing it.
// Used by video_io.cpp and by the tests that build movies.
#pragma once

#include <cstdarg>
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

namespace lkflow_app::ffmpeg {

struct InputContextFree {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
/// An opened input (avformat_open_input).
using InputContext = std::unique_ptr<AVFormatContext, InputContextFree>;

struct OutputContextFree {
  void operator()(AVFormatContext* c) const {
    if (c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
/// An output (avformat_alloc_output_context2), with its file if one was opened.
using OutputContext = std::unique_ptr<AVFormatContext, OutputContextFree>;

struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextFree>;

struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using AvFrame = std::unique_ptr<AVFrame, FrameFree>;

struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using AvPacket = std::unique_ptr<AVPacket, PacketFree>;

struct ScalerFree {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using Scaler = std::unique_ptr<SwsContext, ScalerFree>;

/// What av_err2str gives for `code` (that macro is C only).
std::string error_text(int code);

/// While it exists, the first message FFmpeg logs at error level on this thread is kept in
/// first_error() instead of being printed (FFmpeg prints nothing at all once a LogCapture has
/// been created). Decoders report damaged data this way, often without an error code.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  const std::string& first_error() const { return first_error_; }
  void clear() { first_error_.clear(); }

 private:
  std::string first_error_;
  LogCapture* previous_;
  static void on_log(void* object, int level, const char* format, va_list arguments);
};

/// error_text(code), followed by FFmpeg's logged message in parentheses when there is one.
std::string error_text(int code, const LogCapture& log);

}  // namespace lkflow_app::ffmpeg
