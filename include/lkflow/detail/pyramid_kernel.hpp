// One pyramid level of inverse compositional Lucas-Kanade (FOLKI, Le Besnerais & Champagnat
// 2005): the structure tensor of I0 is summed and inverted once per level, then every iteration
// warps I1 by the current flow, forms the linearised difference It' (warp.hpp), sums Ix It' and
// Iy It' over the windows and solves for the new flow. Window sums come from BoxSums, band by
// band on worker threads like dense_flow's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "box_sums.hpp"
#include "config.hpp"
#include "parallel.hpp"
#include "warp.hpp"

namespace lkflow::detail {

/// Rows per band of the window-sum passes: fixed by the radius alone so that results do not
/// depend on the thread count, and tall enough that restarting the column sums at each band
/// (2r+1 rows) costs little.
inline Eigen::Index pyramid_band_rows(Eigen::Index radius) {
  return std::max<Eigen::Index>(64, 4 * (2 * radius + 1));
}

/// The inverse of each window's structure tensor [Sxx Sxy; Sxy Syy], as
/// [a b; b c] = [Syy -Sxy; -Sxy Sxx] / det, or a = b = c = 0 where the window is rejected
/// (det <= 0 or smallest mean eigenvalue < min_eigenvalue). Accepted windows have c > 0.
template <class W>
struct InverseTensor {
  Image<W> a, b, c;
};

/// Sums the structure tensor of `image` over every window, writes its inverse (or 0) to `inv`
/// and the smallest eigenvalue of the window-mean tensor to `confidence`.
template <class Acc, class W, class S>
void structure_tensor(const Image<W>& image, Eigen::Index radius, double min_eigenvalue,
                      int threads, InverseTensor<W>& inv, Image<S>& confidence) {
  using Index = Eigen::Index;
  const Index rows = image.rows(), cols = image.cols();
  for (Image<W>* m : {&inv.a, &inv.b, &inv.c}) m->resize(rows, cols);
  confidence.resize(rows, cols);

  auto clipped = [radius](Index i, Index n) {  // window pixels inside [0, n) around i
    return std::min(i + radius, n - 1) - std::max<Index>(i - radius, 0) + 1;
  };
  std::vector<double> inv_cols(static_cast<std::size_t>(cols));
  for (Index x = 0; x < cols; ++x) inv_cols[std::size_t(x)] = 1.0 / double(clipped(x, cols));

  const Index rows_per_band = pyramid_band_rows(radius);
  const Index bands = (rows + rows_per_band - 1) / rows_per_band;
  BandCounter counter(bands);
  run_workers(worker_count(threads, bands), [&](int) {
    BoxSums<Acc, 3> box(cols, rows, radius);
    std::vector<W> gx(static_cast<std::size_t>(cols)), gy(gx.size());
    std::vector<double> root(static_cast<std::size_t>(cols));

    auto products = [&](Index y, Acc* const* out) {
      gradient_row(image, y, gx.data(), gy.data());
      const W* LKFLOW_RESTRICT ix = gx.data();
      const W* LKFLOW_RESTRICT iy = gy.data();
      Acc* LKFLOW_RESTRICT xx = out[0];
      Acc* LKFLOW_RESTRICT yy = out[1];
      Acc* LKFLOW_RESTRICT xy = out[2];
      for (Index x = 0; x < cols; ++x) {
        xx[x] = Acc(ix[x]) * Acc(ix[x]);
        yy[x] = Acc(iy[x]) * Acc(iy[x]);
        xy[x] = Acc(ix[x]) * Acc(iy[x]);
      }
    };
    auto solve = [&](Index y, const Acc* const* sums) {
      const Acc* LKFLOW_RESTRICT sxx = sums[0];
      const Acc* LKFLOW_RESTRICT syy = sums[1];
      const Acc* LKFLOW_RESTRICT sxy = sums[2];
      double* LKFLOW_RESTRICT r = root.data();
      for (Index x = 0; x < cols; ++x) {
        const double half_diff = 0.5 * (double(sxx[x]) - double(syy[x]));
        r[x] = half_diff * half_diff + double(sxy[x]) * double(sxy[x]);
      }
      // Eigen's packet sqrt vectorises where std::sqrt cannot (it must keep errno semantics).
      Eigen::Map<Eigen::ArrayXd> root_map(r, cols);
      root_map = root_map.sqrt();

      const double inv_rows = 1.0 / double(clipped(y, rows));
      const double* LKFLOW_RESTRICT ic = inv_cols.data();
      W* LKFLOW_RESTRICT a = inv.a.data() + y * cols;
      W* LKFLOW_RESTRICT b = inv.b.data() + y * cols;
      W* LKFLOW_RESTRICT c = inv.c.data() + y * cols;
      S* LKFLOW_RESTRICT conf = confidence.data() + y * cols;
      for (Index x = 0; x < cols; ++x) {
        const double xx = double(sxx[x]), yy = double(syy[x]), xy = double(sxy[x]);
        const double lambda_min = std::max(0.5 * (xx + yy) - r[x], 0.0) * inv_rows * ic[x];
        const double det = xx * yy - xy * xy;
        const bool accept = det > 0 && lambda_min >= min_eigenvalue;
        const double inv_det = accept ? 1.0 / det : 0.0;
        a[x] = static_cast<W>(yy * inv_det);
        b[x] = static_cast<W>(-xy * inv_det);
        c[x] = static_cast<W>(xx * inv_det);
        conf[x] = static_cast<S>(lambda_min);
      }
    };
    for (Index band; (band = counter.next()) >= 0;) {
      const Index y0 = band * rows_per_band, y1 = std::min(y0 + rows_per_band, rows);
      box.run(y0, y1, products, solve);
    }
  });
}

/// One warp iteration at a level: replaces (u, v) by the solution of
///   [Sxx Sxy; Sxy Syy] [u; v] = [sum Ix It'; sum Iy It']
/// where the window is accepted, and keeps them where it is not. `residual` is level-sized
/// scratch (It' of every pixel, so that the window sums never warp a row twice).
template <class Acc, class W>
void warp_iteration(const Image<W>& I0, const Image<W>& I1, const InverseTensor<W>& inv,
                    Eigen::Index radius, int threads, Image<W>& u, Image<W>& v,
                    Image<W>& residual) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  residual.resize(rows, cols);
  const Index rows_per_band = pyramid_band_rows(radius);
  const Index bands = (rows + rows_per_band - 1) / rows_per_band;
  const int workers = worker_count(threads, bands);

  // Pass 1: It' everywhere, from the flow before this iteration.
  const bool small = rows * cols <= Index(std::numeric_limits<std::int32_t>::max());
  {
    BandCounter counter(bands);
    run_workers(workers, [&](int) {
      std::vector<W> gx(static_cast<std::size_t>(cols)), gy(gx.size()), xs(gx.size()),
          ys(gx.size());
      for (Index band; (band = counter.next()) >= 0;) {
        const Index y1 = std::min((band + 1) * rows_per_band, rows);
        for (Index y = band * rows_per_band; y < y1; ++y) {
          gradient_row(I0, y, gx.data(), gy.data());
          auto residual_row = small ? &linearised_residual_row<std::int32_t, W>
                                    : &linearised_residual_row<Index, W>;
          residual_row(I0, I1, y, gx.data(), gy.data(), u.data() + y * cols, v.data() + y * cols,
                       xs.data(), ys.data(), residual.data() + y * cols);
        }
      }
    });
  }

  // Pass 2: window sums of Ix It', Iy It' and the solve. Each row of (u, v) is rewritten only by
  // its own sink call, after pass 1 has read every row, so the update is in place.
  BandCounter counter(bands);
  run_workers(workers, [&](int) {
    BoxSums<Acc, 2> box(cols, rows, radius);
    std::vector<W> gx(static_cast<std::size_t>(cols)), gy(gx.size());
    auto products = [&](Index y, Acc* const* out) {
      gradient_row(I0, y, gx.data(), gy.data());
      const W* LKFLOW_RESTRICT ix = gx.data();
      const W* LKFLOW_RESTRICT iy = gy.data();
      const W* LKFLOW_RESTRICT it = residual.data() + y * cols;
      Acc* LKFLOW_RESTRICT xt = out[0];
      Acc* LKFLOW_RESTRICT yt = out[1];
      for (Index x = 0; x < cols; ++x) {
        xt[x] = Acc(ix[x]) * Acc(it[x]);
        yt[x] = Acc(iy[x]) * Acc(it[x]);
      }
    };
    auto solve = [&](Index y, const Acc* const* sums) {
      const Acc* LKFLOW_RESTRICT sxt = sums[0];
      const Acc* LKFLOW_RESTRICT syt = sums[1];
      const W* LKFLOW_RESTRICT a = inv.a.data() + y * cols;
      const W* LKFLOW_RESTRICT b = inv.b.data() + y * cols;
      const W* LKFLOW_RESTRICT c = inv.c.data() + y * cols;
      W* LKFLOW_RESTRICT uy = u.data() + y * cols;
      W* LKFLOW_RESTRICT vy = v.data() + y * cols;
      // A solution that is not finite (possible only for a nearly singular window accepted with
      // min_eigenvalue = 0) is rejected too, so that the flow, and every position sampled from
      // it, stays finite.
      constexpr W kHuge = std::numeric_limits<W>::max();
      for (Index x = 0; x < cols; ++x) {
        const Acc xt = sxt[x], yt = syt[x];
        const W new_u = static_cast<W>(Acc(a[x]) * xt + Acc(b[x]) * yt);
        const W new_v = static_cast<W>(Acc(b[x]) * xt + Acc(c[x]) * yt);
        // Non-short-circuit, so that the comparisons are unconditional and the loop vectorises.
        const bool accept =
            (int(c[x] > W(0)) & int(std::abs(new_u) <= kHuge) & int(std::abs(new_v) <= kHuge)) != 0;
        uy[x] = accept ? new_u : uy[x];
        vy[x] = accept ? new_v : vy[x];
      }
    };
    for (Index band; (band = counter.next()) >= 0;) {
      const Index y0 = band * rows_per_band, y1 = std::min(y0 + rows_per_band, rows);
      box.run(y0, y1, products, solve);
    }
  });
}

}  // namespace lkflow::detail
