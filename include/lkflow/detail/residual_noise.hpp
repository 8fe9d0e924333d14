// The noise of a pyramid level, as the fill's weights need it (flow_fill.hpp): a robust spread of
// the residual I0(x, y) - I1(x + u, y + v) after the level's refinement, which holds the noise of
// both frames, the sampling's interpolation error and what the flow got wrong. Its median
// absolute value times 1.4826 (the MAD of a residual of median 0, Hampel 1974) is the standard
// deviation of Gaussian noise, and ignores up to half of the pixels: occlusions, motion
// boundaries, the frame's edges. The estimate is a kernel, compiled once per instruction set
// (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_RESIDUAL_NOISE_HPP
#define LKFLOW_DETAIL_RESIDUAL_NOISE_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "warp.hpp"

namespace lkflow::detail {

/// Pixels at most that residual_noise samples: a grid of every s-th row and column. The median
/// of n samples estimates Gaussian noise to a relative standard error of about 1.17 / sqrt(n),
/// 2.6% here (a 5% change of the fill's lambda0), and selecting it takes a few tens of
/// microseconds per level (4096 samples took 3% of a balanced run on Yosemite).
inline constexpr Eigen::Index kNoiseSamples = 2048;

/// The sampling step s of residual_noise for an image of `pixels` pixels.
inline Eigen::Index noise_sample_step(Eigen::Index pixels) {
  Eigen::Index step = 1;
  while (pixels / (step * step) > kNoiseSamples) ++step;
  return step;
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_RESIDUAL_NOISE_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// 1.4826 times the median of |I0 - I1(x + u, y + v)| over the pixels of every s-th row and
/// column (noise_sample_step) whose position (x + u, y + v) lies inside I1; 0 when none does.
/// I1 is sampled as by the warp iterations, at x + u rounded once more (the sampler takes the
/// grid's pixels as consecutive columns, their flows shifted to their own). `scratch` holds the
/// samples (resized, its storage kept between calls). Deterministic: the grid is fixed and the
/// median is a value, whatever the order.
template <class W>
W residual_noise(Plane<const W> I0, Plane<const W> I1, Plane<const W> u, Plane<const W> v,
                 AlignedImage<W>& scratch) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  LKFLOW_ASSERT(I1.rows() == rows && I1.cols() == cols && u.rows() == rows && u.cols() == cols &&
                    v.rows() == rows && v.cols() == cols,
                "frames and flow of one size");
  const Index step = noise_sample_step(rows * cols);
  const Index grid_cols = (cols + step - 1) / step;
  const Index grid = ((rows + step - 1) / step) * grid_cols;
  // The grid row's flows, moved so that sample i, taken at column i, lands at column i step (the
  // flow plus i (step - 1)); its samples and inside flags; then the absolute residuals.
  scratch.resize(1, 4 * grid_cols + grid);
  W* gu = scratch.data();
  W* gv = gu + grid_cols;
  W* samples = gv + grid_cols;
  W* inside = samples + grid_cols;
  W* residuals = inside + grid_cols;
  Index count = 0;
  with_sampler_layout(rows, cols, [&](auto layout) {
    using Layout = decltype(layout);
    for (Index y = 0; y < rows; y += step) {
      const W* u_row = u.row(y);
      const W* v_row = v.row(y);
      for (Index i = 0; i < grid_cols; ++i) {
        gu[i] = u_row[i * step] + W(i * (step - 1));
        gv[i] = v_row[i * step];
      }
      warped_row<typename Layout::Offset, Layout::pair_loads>(I1.data(), rows, cols, y, 0,
                                                              grid_cols, gu, gv, samples, inside);
      const W* i0 = I0.row(y);
      for (Index i = 0; i < grid_cols; ++i)
        if (inside[i] != W(0)) residuals[count++] = std::abs(i0[i * step] - samples[i]);
    }
  });
  if (count == 0) return W(0);
  W* middle = residuals + count / 2;
  std::nth_element(residuals, middle, residuals + count);
  return W(1.4826) * *middle;
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
