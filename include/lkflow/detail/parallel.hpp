// Runs independent bands of rows on a few worker threads (the shared ThreadPool, or threads of
// its own when another call holds the pool). Work is handed out band by band from a shared
// counter; since every band's result depends only on the band, output is identical for every
// thread count.
#pragma once

#include <algorithm>
#include <atomic>
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
/// fewer threads by this rule (at 640x480 with 2 threads: 3.5 ms with it, 4.6 ms without, 4.9 ms
/// on one thread; Urban2, lkflow_eval).
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
/// the work through Bands (run_bands), so that fewer threads (if the system has none to give) still
/// finish it.
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

/// Hands out band indices 0, 1, ... to whichever worker asks next.
class BandCounter {
 public:
  explicit BandCounter(Eigen::Index bands) : bands_(bands) {}
  /// The next band to process, or -1 when all are taken.
  Eigen::Index next() {
    const Eigen::Index band = next_.fetch_add(1, std::memory_order_relaxed);
    return band < bands_ ? band : -1;
  }

 private:
  Eigen::Index bands_;
  std::atomic<Eigen::Index> next_{0};
};

/// The bands of `rows_per_band` rows that cover rows [0, rows), handed out one at a time to
/// whichever worker asks next.
class Bands {
 public:
  Bands(Eigen::Index rows, Eigen::Index rows_per_band)
      : rows_(rows), rows_per_band_(rows_per_band), counter_(count(rows, rows_per_band)) {}

  static Eigen::Index count(Eigen::Index rows, Eigen::Index rows_per_band) {
    return (rows + rows_per_band - 1) / rows_per_band;
  }

  /// Rows [y0, y1) of the next band not yet taken; false when all are taken.
  bool next(Eigen::Index& y0, Eigen::Index& y1) {
    const Eigen::Index band = counter_.next();
    if (band < 0) return false;
    y0 = band * rows_per_band_;
    y1 = std::min(y0 + rows_per_band_, rows_);
    return true;
  }

 private:
  Eigen::Index rows_, rows_per_band_;
  BandCounter counter_;
};

/// Runs worker(bands) on up to `threads` threads (0 = all), at most one a band: each worker sets
/// up its own state, then takes bands with bands.next(y0, y1) until none are left. Band
/// boundaries depend on rows_per_band only, never on the thread count.
template <class Worker>
void run_bands(Eigen::Index rows, Eigen::Index rows_per_band, int threads, Worker&& worker) {
  Bands bands(rows, rows_per_band);
  run_workers(worker_count(threads, Bands::count(rows, rows_per_band)),
              [&](int) { worker(bands); });
}

}  // namespace lkflow::detail
