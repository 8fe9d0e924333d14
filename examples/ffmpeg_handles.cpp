#include "ffmpeg_handles.hpp"

#include <cstdio>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace lkflow_app::ffmpeg {
namespace {
thread_local LogCapture* current_capture = nullptr;
}

std::string error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, text, sizeof text) < 0) std::snprintf(text, sizeof text, "error %d", code);
  return text;
}

std::string error_text(int code, const LogCapture& log) {
  std::string text = error_text(code);
  if (!log.first_error().empty()) text += " (" + log.first_error() + ")";
  return text;
}

LogCapture::LogCapture() : previous_(current_capture) {
  static std::once_flag installed;
  std::call_once(installed, [] { av_log_set_callback(&LogCapture::on_log); });
  current_capture = this;
}

LogCapture::~LogCapture() { current_capture = previous_; }

void LogCapture::on_log(void* object, int level, const char* format, va_list arguments) {
  LogCapture* capture = current_capture;
  if (level > AV_LOG_ERROR || !capture || !capture->first_error_.empty() || !format) return;
  char text[512];
  std::vsnprintf(text, sizeof text, format, arguments);
  std::string message = text;
  while (!message.empty() &&
         (message.back() == '\n' || message.back() == ' ' || message.back() == '.'))
    message.pop_back();
  if (message.empty()) return;
  // Name the component that complained (the demuxer or decoder), as FFmpeg's own log does.
  const AVClass* const* kind = static_cast<const AVClass* const*>(object);
  if (kind && *kind && (*kind)->item_name) {
    const char* name = (*kind)->item_name(object);
    if (name && std::string(name) != "NULL") message = std::string(name) + ": " + message;
  }
  capture->first_error_ = message;
}

}  // namespace lkflow_app::ffmpeg
