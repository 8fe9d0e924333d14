// How many worker threads a pass runs on, and running them: the shared ThreadPool, or threads
// of their own when another call holds the pool. The work itself is shared out in bands of rows
// (bands.hpp), whose results do not depend on which thread took them.
#pragma once

#include <algorithm>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <Eigen/Core>

#include "thread_pool.hpp"

namespace lkflow::detail {

/// Threads to use for `bands` bands: `requested` (0 = all hardware threads), at most one a band.
inline int worker_count(int requested, Eigen::Index bands) {
  int workers = requested;
  if (workers == 0) workers = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(workers, bands)));
}

/// Pixels a pass must have per worker thread for the thread to pay off: waking a pool thread and
/// waiting for it costs tens of microseconds on a virtual machine, as long as a cheap pass over
/// tens of thousands of pixels takes. The pyramid's passes over its coarser levels run on
/// fewer threads by this rule (its effect on time: README, "What makes pyramidal_flow fast").
inline constexpr Eigen::Index kPixelsPerWorker = 100000;

/// The thread count (as PyramidParams::threads: 0 = all) for passes over `pixels` pixels: the
/// requested count, limited to one thread per kPixelsPerWorker pixels.
inline int threads_for_pixels(int requested, Eigen::Index pixels) {
  const Eigen::Index useful = std::max<Eigen::Index>(1, pixels / kPixelsPerWorker);
  if (requested == 0) return worker_count(0, useful);
  return static_cast<int>(std::min<Eigen::Index>(requested, useful));
}

/// Calls body(worker) once on each of up to `workers` threads, the calling thread being worker 0,
/// and rethrows the first exception any of them threw once all have finished. Bodies must share
/// the work through Bands (run_bands, bands.hpp), so that fewer threads (if the system has none
/// to give) still finish it.
template <class Body>
void run_workers(int workers, Body&& body) {
  if (workers <= 1) {
    body(0);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto guarded = [&](int worker) {
    try {
      body(worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  if (!ThreadPool::instance().try_run(workers, guarded)) {
    // Another call holds the pool: start threads for this one.
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(workers - 1));
    for (int w = 1; w < workers; ++w) {
      try {
        threads.emplace_back(guarded, w);
      } catch (const std::system_error&) {
        break;  // no more threads to be had: the workers that exist take all the bands
      }
    }
    guarded(0);
    for (auto& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace lkflow::detail
