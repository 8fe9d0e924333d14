#include "interrupt.hpp"

#include <csignal>

#include <signal.h>

namespace lkflow_app {
namespace {

// Lock-free atomics are safe to store to from a signal handler.
std::atomic<bool> stop_flag{false};
std::atomic<int> stop_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

struct sigaction previous_int, previous_term;

void on_signal(int number) {
  stop_signal.store(number);
  stop_flag.store(true);
}

}  // namespace

StopOnSignal::StopOnSignal() {
  stop_flag.store(false);
  stop_signal.store(0);
  struct sigaction action {};
  action.sa_handler = &on_signal;
  sigemptyset(&action.sa_mask);
  // Once only; interrupted blocking calls resume. (SA_RESETHAND is 0x80000000: unsigned.)
  action.sa_flags = static_cast<int>(SA_RESETHAND | SA_RESTART);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

const std::atomic<bool>& StopOnSignal::flag() { return stop_flag; }

int StopOnSignal::signal_number() { return stop_signal.load(); }

}  // namespace lkflow_app
