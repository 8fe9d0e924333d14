// Moving images and flows between pyramid levels. Down: blur with the 5-tap binomial kernel
// [1 4 6 4 1]/16 in both directions (Burt & Adelson 1983), then keep every second row and
// column, fused and streamed one output row at a time; level k+1 pixel (i, j) sits at level k
// pixel (2i, 2j), and a level of n pixels gives one of (n + 1) / 2. Up: bilinear interpolation
// at (x/2, y/2), for flows. Pixels beyond the border are replicated edge pixels.
// The passes are kernels, compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_PYRAMID_RESAMPLE_HPP
#define LKFLOW_DETAIL_PYRAMID_RESAMPLE_HPP

#include <algorithm>
#include <cstddef>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "config.hpp"

namespace lkflow::detail {

/// Size of the next coarser level along one axis.
inline Eigen::Index coarser_size(Eigen::Index n) { return (n + 1) / 2; }

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_PYRAMID_RESAMPLE_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// One output row of downsample2 from the five input rows a..e around it (2i-2 .. 2i+2, edge
/// rows replicated): their vertical blur into padded[2 .. cols+1], with two replicated columns
/// on each side so that the horizontal pass reads padded[2j .. 2j+4] without tests, then the
/// horizontal blur of every second column times `scale` into out[0 .. out_cols). `padded`:
/// cols + 5 values. Out of line, so that its pointers stay restrict parameters (config.hpp).
template <class W>
LKFLOW_NOINLINE void downsample_row(const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                                    const W* LKFLOW_RESTRICT c, const W* LKFLOW_RESTRICT d,
                                    const W* LKFLOW_RESTRICT e, Eigen::Index cols, W scale,
                                    W* LKFLOW_RESTRICT padded, Eigen::Index out_cols,
                                    W* LKFLOW_RESTRICT out) {
  using Index = Eigen::Index;
  W* p = padded + 2;
  for (Index x = 0; x < cols; ++x) p[x] = (a[x] + e[x]) + W(4) * (b[x] + d[x]) + W(6) * c[x];
  p[-2] = p[-1] = p[0];
  p[cols] = p[cols + 1] = p[cols + 2] = p[cols - 1];
  const W* q = padded;
  for (Index j = 0; j < out_cols; ++j)
    out[j] = scale * ((q[2 * j] + q[2 * j + 4]) + W(4) * (q[2 * j + 1] + q[2 * j + 3]) +
                      W(6) * q[2 * j + 2]);
}

/// dst = decimate(blur(src)) scaled by `gain`; dst must be coarser_size() of src along both axes.
template <class W>
void downsample2(Plane<const W> src, W gain, const Workers& workers, Plane<W> dst) {
  using Index = Eigen::Index;
  LKFLOW_ASSERT(src.data() != dst.data(), "dst is written while src is read");
  LKFLOW_ASSERT(src.size() > 0, "a non-empty image");
  const Index rows = src.rows(), cols = src.cols();
  const Index out_rows = coarser_size(rows), out_cols = coarser_size(cols);
  LKFLOW_ASSERT(dst.rows() == out_rows && dst.cols() == out_cols, "dst has the coarser size");
  // Normalisation of both passes (1/16 each) and the gain, applied once.
  const W scale = gain / W(256);
  run_bands(out_rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* padded = scratch.take<W>(static_cast<std::size_t>(cols + 4) + 1);
    auto row = [&](Index y) { return src.row(std::clamp<Index>(y, 0, rows - 1)); };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index i = y0; i < y1; ++i)
        downsample_row(row(2 * i - 2), row(2 * i - 1), row(2 * i), row(2 * i + 1), row(2 * i + 2),
                       cols, scale, padded, out_cols, dst.row(i));
    }
  });
}

/// One row of upsample2 from the coarse rows `top` and `bottom` that bracket it (the same row
/// for even fine rows): their sum, i.e. twice the vertical interpolation, into
/// blended[0 .. coarse_cols] (one replicated entry at the end, so that odd columns read column
/// (x+1)/2 without a test), then the horizontal interpolation into out[0 .. cols). Out of line,
/// so that its pointers stay restrict parameters (config.hpp).
template <class W>
LKFLOW_NOINLINE void upsample_row(const W* LKFLOW_RESTRICT top, const W* LKFLOW_RESTRICT bottom,
                                  Eigen::Index coarse_cols, W* LKFLOW_RESTRICT blended,
                                  Eigen::Index cols, W* LKFLOW_RESTRICT out) {
  using Index = Eigen::Index;
  W* m = blended;
  for (Index x = 0; x < coarse_cols; ++x) m[x] = top[x] + bottom[x];
  m[coarse_cols] = m[coarse_cols - 1];
  const Index pairs = cols / 2;
  for (Index j = 0; j < pairs; ++j) {
    out[2 * j] = m[j];
    out[2 * j + 1] = W(0.5) * (m[j] + m[j + 1]);
  }
  if (cols % 2 != 0) out[cols - 1] = m[pairs];
}

/// Fine-level flow component from a coarse one, by bilinear interpolation at (x/2, y/2)
/// (replicated beyond the coarse border) times 2: fine pixel x sits at coarse position x/2.
/// `coarse` is coarser_size() of `fine` along both axes.
template <class W>
void upsample2(Plane<const W> coarse, const Workers& workers, Plane<W> fine) {
  using Index = Eigen::Index;
  const Index rows = fine.rows(), cols = fine.cols();
  const Index coarse_rows = coarse.rows(), coarse_cols = coarse.cols();
  LKFLOW_ASSERT(coarse.data() != fine.data(), "fine is written while coarse is read");
  LKFLOW_ASSERT(rows > 0 && cols > 0 && coarse_rows == coarser_size(rows) &&
                    coarse_cols == coarser_size(cols),
                "fine has its size already, and coarse is the next coarser level's");
  run_bands(rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* blended = scratch.take<W>(static_cast<std::size_t>(coarse_cols + 1));
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) {
        const W* top = coarse.row(y / 2);
        const W* bottom = coarse.row(std::min(y / 2 + y % 2, coarse_rows - 1));
        upsample_row(top, bottom, coarse_cols, blended, cols, fine.row(y));
      }
    }
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
