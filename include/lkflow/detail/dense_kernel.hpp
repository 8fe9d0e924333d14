// The single-scale dense Lucas-Kanade kernel: gradients and the five products per row, window
// sums by BoxSums, Cramer's rule by solve_row, band by band on worker threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "box_sums.hpp"
#include "config.hpp"
#include "parallel.hpp"
#include "pixel_arithmetic.hpp"
#include "row_reader.hpp"
#include "solve2x2.hpp"

namespace lkflow::detail {

/// Rows of output per band. Fixed by the radius alone (never by the thread count) so results are
/// identical for any number of threads; at least four windows tall so that starting each band's
/// column sums (2r+1 rows) costs at most about an eighth of the band's own work.
inline Eigen::Index band_rows(Eigen::Index radius) {
  return std::max<Eigen::Index>(64, 4 * (2 * radius + 1));
}

/// Writes the five products Ix^2, Iy^2, IxIy, IxIt, IyIt (raw, see pixel_arithmetic.hpp) of one
/// image row. `up`, `mid`, `down` are I0 rows y-1, y, y+1 (replicated at the image border),
/// `next` is I1 row y. Central differences, replicated pixels at the left and right edges.
template <class Acc, class In>
void lk_products(const In* LKFLOW_RESTRICT up, const In* LKFLOW_RESTRICT mid,
                 const In* LKFLOW_RESTRICT down, const In* LKFLOW_RESTRICT next, Eigen::Index width,
                 Acc* const* rows) {
  using Diff = typename PixelTraits<In>::Diff;
  Acc* LKFLOW_RESTRICT xx = rows[kXX];
  Acc* LKFLOW_RESTRICT yy = rows[kYY];
  Acc* LKFLOW_RESTRICT xy = rows[kXY];
  Acc* LKFLOW_RESTRICT xt = rows[kXT];
  Acc* LKFLOW_RESTRICT yt = rows[kYT];
  auto emit = [&](Eigen::Index x, Diff gx) {
    const Diff gy = Diff(down[x]) - Diff(up[x]);
    const Diff gt = Diff(mid[x]) - Diff(next[x]);
    xx[x] = product<Acc>(gx, gx);
    yy[x] = product<Acc>(gy, gy);
    xy[x] = product<Acc>(gx, gy);
    xt[x] = product<Acc>(gx, gt);
    yt[x] = product<Acc>(gy, gt);
  };
  const Eigen::Index last = width - 1;
  emit(0, Diff(mid[std::min<Eigen::Index>(1, last)]) - Diff(mid[0]));
  for (Eigen::Index x = 1; x < last; ++x) emit(x, Diff(mid[x + 1]) - Diff(mid[x - 1]));
  if (last > 0) emit(last, Diff(mid[last]) - Diff(mid[last - 1]));
}

/// dense_flow for validated inputs; `out` already has the input's size. `Acc` must keep window
/// sums exact (integers) or accurate (double), see pixel_arithmetic.hpp.
template <class S, class Acc, class In>
void dense_lk(const StridedImage<In>& image0, const StridedImage<In>& image1, Eigen::Index radius,
              double min_eigenvalue, int threads, Flow<S>& out) {
  using Index = Eigen::Index;
  // Solve in float only when the sums were exact integers and float output was asked for.
  using T = std::conditional_t<std::is_same_v<S, float> && std::is_integral_v<Acc>, float, double>;
  const Index width = image0.cols, height = image0.rows;

  const double s = PixelTraits<In>::value_scale;
  const SolveConstants<T> constants{T(0.25 * s * s), T(0.5 * s * s), T(min_eigenvalue)};
  auto clipped = [radius](Index i, Index n) {  // window pixels inside [0, n) around i
    return std::min(i + radius, n - 1) - std::max<Index>(i - radius, 0) + 1;
  };
  std::vector<T> inv_cols(static_cast<std::size_t>(width));
  for (Index x = 0; x < width; ++x) inv_cols[std::size_t(x)] = T(1) / T(clipped(x, width));

  const Index rows_per_band = band_rows(radius);
  const Index bands = (height + rows_per_band - 1) / rows_per_band;
  BandCounter counter(bands);
  run_workers(worker_count(threads, bands), [&](int) {
    RowReader<In> rows0(image0), rows1(image1);
    BoxSums<Acc, 5> box(width, height, radius);
    std::vector<T> scratch(static_cast<std::size_t>(width));

    auto products = [&](Index y, Acc* const* channels) {
      lk_products<Acc>(rows0.row(std::max<Index>(y - 1, 0)), rows0.row(y),
                       rows0.row(std::min(y + 1, height - 1)), rows1.row(y), width, channels);
    };
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * width;
      solve_row(sums, width, constants, T(1) / T(clipped(y, height)), inv_cols.data(),
                scratch.data(), out.u.data() + offset, out.v.data() + offset,
                out.confidence.data() + offset);
    };
    for (Index band; (band = counter.next()) >= 0;) {
      const Index y0 = band * rows_per_band, y1 = std::min(y0 + rows_per_band, height);
      // Rows read for this band: its windows' rows plus one for the vertical gradient.
      const Index first = std::max<Index>(y0 - radius - 1, 0);
      const Index end = std::min(y1 + radius + 1, height);
      rows0.load(first, end);
      rows1.load(first, end);
      box.run(y0, y1, products, solve);
    }
  });
}

}  // namespace lkflow::detail
