// Gaussian pyramid levels: blur with the 5-tap binomial kernel [1 4 6 4 1]/16 in both directions
// (Burt & Adelson 1983), then keep every second row and column, fused and streamed one output row
// at a time. Level k+1 pixel (i, j) sits at level k pixel (2i, 2j); a level of n pixels gives one
// of (n + 1) / 2. Pixels beyond the border are replicated edge pixels.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "config.hpp"
#include "parallel.hpp"

namespace lkflow::detail {

/// Size of the next coarser level along one axis.
inline Eigen::Index coarser_size(Eigen::Index n) { return (n + 1) / 2; }

/// Output rows of a pyramid step given to one worker at a time.
inline constexpr Eigen::Index kResampleBandRows = 32;

/// dst = decimate(blur(src)) scaled by `gain`; dst is resized to half the size (rounded up).
template <class W>
void downsample2(const Image<W>& src, W gain, int threads, Image<W>& dst) {
  using Index = Eigen::Index;
  const Index rows = src.rows(), cols = src.cols();
  const Index out_rows = coarser_size(rows), out_cols = coarser_size(cols);
  dst.resize(out_rows, out_cols);
  // Normalisation of both passes (1/16 each) and the gain, applied once.
  const W scale = gain / W(256);
  run_bands(out_rows, kResampleBandRows, threads, [&](Bands& bands) {
    // One vertically blurred row with two replicated columns on each side, so that the
    // horizontal pass reads padded[2j .. 2j+4] without tests.
    std::vector<W> padded(static_cast<std::size_t>(cols + 4) + 1);
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index i = y0; i < y1; ++i) {
        auto row = [&](Index y) { return src.data() + std::clamp<Index>(y, 0, rows - 1) * cols; };
        const W* LKFLOW_RESTRICT a = row(2 * i - 2);
        const W* LKFLOW_RESTRICT b = row(2 * i - 1);
        const W* LKFLOW_RESTRICT c = row(2 * i);
        const W* LKFLOW_RESTRICT d = row(2 * i + 1);
        const W* LKFLOW_RESTRICT e = row(2 * i + 2);
        W* LKFLOW_RESTRICT p = padded.data() + 2;
        for (Index x = 0; x < cols; ++x) p[x] = (a[x] + e[x]) + W(4) * (b[x] + d[x]) + W(6) * c[x];
        p[-2] = p[-1] = p[0];
        p[cols] = p[cols + 1] = p[cols + 2] = p[cols - 1];
        const W* LKFLOW_RESTRICT q = padded.data();
        W* LKFLOW_RESTRICT out = dst.data() + i * out_cols;
        for (Index j = 0; j < out_cols; ++j)
          out[j] = scale * ((q[2 * j] + q[2 * j + 4]) + W(4) * (q[2 * j + 1] + q[2 * j + 3]) +
                            W(6) * q[2 * j + 2]);
      }
    }
  });
}

/// Fine-level flow component from a coarse one, by bilinear interpolation at (x/2, y/2)
/// (replicated beyond the coarse border) times 2: fine pixel x sits at coarse position x/2.
/// `fine` must already have its size; `coarse` is coarser_size() of it along both axes.
template <class W>
void upsample2(const Image<W>& coarse, int threads, Image<W>& fine) {
  using Index = Eigen::Index;
  const Index rows = fine.rows(), cols = fine.cols();
  const Index coarse_rows = coarse.rows(), coarse_cols = coarse.cols();
  run_bands(rows, kResampleBandRows, threads, [&](Bands& bands) {
    // Row y of the coarse field interpolated vertically and doubled, one replicated entry at the
    // end so that odd columns read column (x+1)/2 without a test.
    std::vector<W> blended(static_cast<std::size_t>(coarse_cols + 1));
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) {
        const W* LKFLOW_RESTRICT top = coarse.data() + (y / 2) * coarse_cols;
        const W* LKFLOW_RESTRICT bottom =
            coarse.data() + std::min(y / 2 + y % 2, coarse_rows - 1) * coarse_cols;
        // Twice the vertical interpolation: 2 top on even rows (top == bottom), top + bottom on
        // odd ones.
        W* LKFLOW_RESTRICT m = blended.data();
        for (Index x = 0; x < coarse_cols; ++x) m[x] = top[x] + bottom[x];
        m[coarse_cols] = m[coarse_cols - 1];
        W* LKFLOW_RESTRICT out = fine.data() + y * cols;
        const Index pairs = cols / 2;
        for (Index j = 0; j < pairs; ++j) {
          out[2 * j] = m[j];
          out[2 * j + 1] = W(0.5) * (m[j] + m[j + 1]);
        }
        if (cols % 2 != 0) out[cols - 1] = m[pairs];
      }
    }
  });
}

}  // namespace lkflow::detail
