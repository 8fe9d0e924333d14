#include "progress.hpp"

#include <cstdio>

#include <unistd.h>

namespace lkflow_app {
namespace {

std::string duration_text(double seconds) {
  const long s = long(seconds + 0.5);
  char text[64];
  if (s < 60)
    std::snprintf(text, sizeof text, "%ld s", s);
  else if (s < 3600)
    std::snprintf(text, sizeof text, "%ld min %02ld s", s / 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%ld h %02ld min", s / 3600, s / 60 % 60);
  return text;
}

}  // namespace

Progress::Progress(bool enabled, long total, bool estimated)
    : shown_(enabled && isatty(STDERR_FILENO) == 1),
      total_(total),
      estimated_(estimated),
      start_(std::chrono::steady_clock::now()),
      last_(start_ - std::chrono::seconds(1)) {}

std::string Progress::text(long done, long total, bool estimated, double seconds) {
  const double rate = seconds > 0 ? double(done) / seconds : 0;
  char text[160];
  int n = std::snprintf(text, sizeof text, "lkflow: frame %ld", done);
  if (total > 0 && done <= total)
    n += std::snprintf(text + n, sizeof text - std::size_t(n), " of %s%ld (%.0f%%)",
                       estimated ? "about " : "", total, 100.0 * double(done) / double(total));
  n += std::snprintf(text + n, sizeof text - std::size_t(n), ", %.1f frames/s", rate);
  std::string line = text;
  if (total > 0 && done <= total && rate > 0)
    line += ", " + duration_text(double(total - done) / rate) + " left";
  return line;
}

void Progress::update(long done) {
  if (!shown_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const std::string line =
      text(done, total_, estimated_, std::chrono::duration<double>(now - start_).count());
  // Pad with spaces over a longer previous line: plain characters only, no escape codes.
  const std::size_t pad = width_ > line.size() ? width_ - line.size() : 0;
  std::fprintf(stderr, "\r%s%*s", line.c_str(), int(pad), "");
  std::fflush(stderr);
  width_ = line.size();
}

void Progress::clear() {
  if (!shown_ || width_ == 0) return;
  std::fprintf(stderr, "\r%*s\r", int(width_), "");
  std::fflush(stderr);
  width_ = 0;
}

}  // namespace lkflow_app
