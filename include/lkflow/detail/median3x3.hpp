// 3x3 median filter of one flow component (replicated border), the classical flow-smoothing step
// between warps that removes isolated outliers (Sun, Roth & Black 2010, sec. 3).
//
// Each output row sorts the three pixels of every column once (lo <= mid <= hi) and shares the
// sorted columns between the three windows that contain them; the median of a 3x3 window is then
//   med3(max3(lo[x-1..x+1]), med3(mid[x-1..x+1]), min3(hi[x-1..x+1]))
// (the largest of the column minima, the median of the column medians and the smallest of the
// column maxima bound it from both sides). Only min/max: the loops vectorise.
// The filter is a kernel, compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_MEDIAN3X3_HPP
#define LKFLOW_DETAIL_MEDIAN3X3_HPP

#include <algorithm>
#include <cstddef>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "config.hpp"

#endif  // LKFLOW_DETAIL_MEDIAN3X3_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

template <class W>
inline W median3(W a, W b, W c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

/// Sorts the three pixels of every column of rows a, b, c: lo <= mid <= hi. A function with
/// restrict-qualified parameters (GCC trusts restrict on parameters, not on locals), so that the
/// loop vectorises.
template <class W>
void sort_columns(const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                  const W* LKFLOW_RESTRICT c, Eigen::Index cols, W* LKFLOW_RESTRICT lo,
                  W* LKFLOW_RESTRICT mid, W* LKFLOW_RESTRICT hi) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W smaller = std::min(a[x], b[x]), larger = std::max(a[x], b[x]);
    lo[x] = std::min(smaller, c[x]);
    hi[x] = std::max(larger, c[x]);
    mid[x] = std::max(smaller, std::min(larger, c[x]));
  }
}

/// out[x] = the median of the 3x3 window whose sorted columns are x-1, x, x+1 (elements -1 and
/// cols of lo, mid, hi must be readable).
template <class W>
void median_of_sorted_columns(const W* LKFLOW_RESTRICT lo, const W* LKFLOW_RESTRICT mid,
                              const W* LKFLOW_RESTRICT hi, Eigen::Index cols,
                              W* LKFLOW_RESTRICT out) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W lower = std::max(std::max(lo[x - 1], lo[x]), lo[x + 1]);
    const W upper = std::min(std::min(hi[x - 1], hi[x]), hi[x + 1]);
    out[x] = median3(lower, median3(mid[x - 1], mid[x], mid[x + 1]), upper);
  }
}

/// dst = 3x3 median of src (of the same size); dst must not be src.
template <class W>
void median3x3(Plane<const W> src, const Workers& workers, Plane<W> dst) {
  using Index = Eigen::Index;
  LKFLOW_ASSERT(dst.data() != src.data(), "dst is written while src is read");
  const Index rows = src.rows(), cols = src.cols();
  LKFLOW_ASSERT(dst.rows() == rows && dst.cols() == cols, "dst has src's size");
  run_bands(rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    // Sorted columns with one replicated column on each side.
    const auto padded = static_cast<std::size_t>(cols + 2);
    W* lo = scratch.take<W>(padded) + 1;
    W* mid = scratch.take<W>(padded) + 1;
    W* hi = scratch.take<W>(padded) + 1;
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) {
        sort_columns(src.row(std::max<Index>(y - 1, 0)), src.row(y),
                     src.row(std::min(y + 1, rows - 1)), cols, lo, mid, hi);
        lo[-1] = lo[0];
        mid[-1] = mid[0];
        hi[-1] = hi[0];
        lo[cols] = lo[cols - 1];
        mid[cols] = mid[cols - 1];
        hi[cols] = hi[cols - 1];
        median_of_sorted_columns(lo, mid, hi, cols, dst.row(y));
      }
    }
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
