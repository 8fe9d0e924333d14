// Bands of rows, the unit of work of every pass over an image, and how many rows each pass's
// bands have: the one place that decides it.
//
// Why it matters: a window-sum pass (box_sums.hpp) starts its running column sums afresh at the
// top of each band, so a band boundary decides which additions a floating-point window sum is
// made of, hence its last bits. Rows per band therefore depend on the radius alone, never on the
// thread count: every thread count cuts an image into the same bands, and the output is bitwise
// the same (tested). Passes whose rows are each computed on their own (resampling, gradients,
// median, candidate flags) give the same result for any band height; theirs only balances work.
// Changing a window-sum pass's rows changes float results in their last bits, so dense_flow
// and the pyramid keep the heights they were measured and tested with.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "assert.hpp"
#include "parallel.hpp"
#include "scratch.hpp"

namespace lkflow::detail {

/// Rows per band of dense_flow's window sums: at least four windows tall, so that starting a
/// band's column sums (2r+1 rows) adds at most an eighth to its own row work, and at least 32
/// rows, few enough that two or more threads get balanced shares (1080 rows: 34 bands).
inline Eigen::Index dense_band_rows(Eigen::Index radius) {
  return std::max<Eigen::Index>(32, 4 * (2 * radius + 1));
}

/// Rows per band of the pyramid's window sums (structure tensor, warp iterations, neighbour
/// candidates' costs): at least four windows tall and at least 64 rows, so that restarting the
/// column sums at each band (2r+1 rows, 13 at the default radius) costs little.
inline Eigen::Index pyramid_band_rows(Eigen::Index radius) {
  return std::max<Eigen::Index>(64, 4 * (2 * radius + 1));
}

/// Rows per band of the passes whose rows are computed independently of each other.
inline constexpr Eigen::Index kRowPassBandRows = 32;

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
    LKFLOW_ASSERT(rows >= 0 && rows_per_band >= 1, "bands of at least one row");
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

/// The threads a pass may run on (0 = all, as PyramidParams::threads) and the working memory of
/// each, kept by the caller between passes (a PyramidWorkspace keeps it between calls).
struct Workers {
  int threads;
  std::vector<Scratch>* scratch;
};

/// As above, with the working memory of each worker: worker(bands, scratch) gets
/// (*workers.scratch)[w] on worker w, reset before and after (so that what the pass took fits
/// the block next time); the vector grows to the number of workers first.
template <class Worker>
void run_bands(Eigen::Index rows, Eigen::Index rows_per_band, const Workers& workers,
               Worker&& worker) {
  Bands bands(rows, rows_per_band);
  const int count = worker_count(workers.threads, Bands::count(rows, rows_per_band));
  std::vector<Scratch>& scratches = *workers.scratch;
  if (scratches.size() < static_cast<std::size_t>(count))
    scratches.resize(static_cast<std::size_t>(count));
  run_workers(count, [&](int w) {
    Scratch& scratch = scratches[static_cast<std::size_t>(w)];
    scratch.reset();
    worker(bands, scratch);
    scratch.reset();
  });
}

/// Runs body(y) for every row y in [0, rows), in bands of kRowPassBandRows on worker threads:
/// for passes whose rows are computed independently of each other.
template <class Body>
void for_each_row(Eigen::Index rows, int threads, Body&& body) {
  run_bands(rows, kRowPassBandRows, threads, [&](Bands& bands) {
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) body(y);
    }
  });
}

}  // namespace lkflow::detail
