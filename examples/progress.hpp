// The sequence mode's progress line on stderr: frames done (of how many, when known), frames per
// second and the time left, redrawn in place with a carriage return at most five times a second.
// Shown only when stderr is a terminal, so that a log file or pipe never receives it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace lkflow_app {

class Progress {
 public:
  /// `total`: frames in the input, -1 if unknown; `estimated`: the total is an estimate.
  /// Nothing is ever shown unless `enabled` and stderr is a terminal.
  Progress(bool enabled, long total, bool estimated);

  /// `done` frames are processed; redraws the line if it was last drawn 0.2 s ago or more.
  void update(long done);
  /// Erases the line (before the summary is printed).
  void clear();

  /// The text of the line for `done` frames after `seconds`; public for the tests.
  static std::string text(long done, long total, bool estimated, double seconds);

 private:
  bool shown_;
  long total_;
  bool estimated_;
  std::chrono::steady_clock::time_point start_, last_;
  std::size_t width_ = 0;  // characters of the line on screen
};

}  // namespace lkflow_app
