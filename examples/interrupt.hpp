// Ctrl-C in the sequence mode: while a StopOnSignal exists, SIGINT (and SIGTERM) only set a
// flag, which the pipeline polls, so that the program finishes the pair it is computing and
// completes every file it writes. The handler is reset by the first signal, so that a second
// Ctrl-C ends the program at once, the usual way.
#pragma once

#include <atomic>

namespace lkflow_app {

class StopOnSignal {
 public:
  StopOnSignal();   // installs the handlers (one instance at a time)
  ~StopOnSignal();  // restores the previous ones
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  /// True once a signal arrived; the flag the pipeline's threads poll.
  static const std::atomic<bool>& flag();
  /// The signal that arrived (SIGINT, SIGTERM), 0 if none.
  static int signal_number();
};

}  // namespace lkflow_app
