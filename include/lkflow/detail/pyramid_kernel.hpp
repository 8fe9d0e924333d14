// One pyramid level of inverse compositional Lucas-Kanade (FOLKI, Le Besnerais & Champagnat
// 2005): the gradients of I0 and its structure tensor are formed, summed and inverted once per
// level, then every iteration warps I1 by the current flow, forms the linearised difference It'
// (warp.hpp), sums Ix It' and Iy It' over the windows and solves for the new flow. Window sums
// come from BoxSums, band by band on worker threads like dense_flow's.
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
#include "vector_sqrt.hpp"
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

/// One row of InverseTensor and confidence from the window sums Sxx, Syy, Sxy. `inv_rows` and
/// `inv_cols[x]` are 1 / the window's rows and columns inside the image; `root`: scratch of
/// `cols` values. lambda_min = (Sxx + Syy)/2n - sqrt(((Sxx - Syy)/2)^2 + Sxy^2)/n (clamped at 0),
/// as in dense_flow; computed in W, the flow's type: in float, lambda_min's cancellation error
/// (~6e-8 lambda_max) and det's relative error (~6e-8 times the condition number) stay far below
/// the acceptance threshold and the flow's accuracy.
template <class Acc, class W, class S>
void invert_tensor_row(const Acc* LKFLOW_RESTRICT sxx, const Acc* LKFLOW_RESTRICT syy,
                       const Acc* LKFLOW_RESTRICT sxy, Eigen::Index cols, W inv_rows,
                       const W* LKFLOW_RESTRICT inv_cols, W min_eigenvalue, W* LKFLOW_RESTRICT root,
                       W* LKFLOW_RESTRICT a, W* LKFLOW_RESTRICT b, W* LKFLOW_RESTRICT c,
                       S* LKFLOW_RESTRICT confidence) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W half_diff = W(0.5) * (W(sxx[x]) - W(syy[x]));
    root[x] = half_diff * half_diff + W(sxy[x]) * W(sxy[x]);
  }
  sqrt_in_place(root, cols);  // vectorised and correctly rounded (vector_sqrt.hpp)
  // Selects between values computed unconditionally, and a division that cannot trap, so that
  // GCC if-converts and vectorises the loop under -ftrapping-math.
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W xx = W(sxx[x]), yy = W(syy[x]), xy = W(sxy[x]);
    const W mean = W(0.5) * (xx + yy) - root[x];
    const W lambda_min = (mean > W(0) ? mean : W(0)) * inv_rows * inv_cols[x];
    const W det = xx * yy - xy * xy;
    const bool accept = (int(det > W(0)) & int(lambda_min >= min_eigenvalue)) != 0;
    const W inv_det = (accept ? W(1) : W(0)) / (accept ? det : W(1));
    a[x] = yy * inv_det;
    b[x] = -xy * inv_det;
    c[x] = xx * inv_det;
    confidence[x] = static_cast<S>(lambda_min);
  }
}

/// Adds row `in` of the product images and subtracts row `out` (-1: none) from the running column
/// sums, through BoxSums' accumulate() form: one pass, no product rows stored.
template <class Acc, class W, class Product>
void accumulate_rows(const W* LKFLOW_RESTRICT in_a, const W* LKFLOW_RESTRICT in_b,
                     const W* LKFLOW_RESTRICT out_a, const W* LKFLOW_RESTRICT out_b, bool adds,
                     bool subtracts, Eigen::Index cols, Acc* LKFLOW_RESTRICT column,
                     Product product) {
  if (adds && subtracts)
    for (Eigen::Index x = 0; x < cols; ++x)
      column[x] += product(in_a[x], in_b[x]) - product(out_a[x], out_b[x]);
  else if (adds)
    for (Eigen::Index x = 0; x < cols; ++x) column[x] += product(in_a[x], in_b[x]);
  else if (subtracts)
    for (Eigen::Index x = 0; x < cols; ++x) column[x] -= product(out_a[x], out_b[x]);
}

/// BoxSums products of the structure tensor, Ix^2, Iy^2 and Ix Iy, from stored gradients.
template <class Acc, class W>
struct TensorProducts {
  const W* gx;
  const W* gy;
  Eigen::Index cols;
  void accumulate(Eigen::Index in, Eigen::Index out, Acc* const* column) const {
    const Eigen::Index i = std::max<Eigen::Index>(in, 0) * cols;
    const Eigen::Index o = std::max<Eigen::Index>(out, 0) * cols;
    auto square = [](W a, W) { return Acc(a) * Acc(a); };
    auto times = [](W a, W b) { return Acc(a) * Acc(b); };
    accumulate_rows<Acc, W>(gx + i, gx + i, gx + o, gx + o, in >= 0, out >= 0, cols, column[0],
                            square);
    accumulate_rows<Acc, W>(gy + i, gy + i, gy + o, gy + o, in >= 0, out >= 0, cols, column[1],
                            square);
    accumulate_rows<Acc, W>(gx + i, gy + i, gx + o, gy + o, in >= 0, out >= 0, cols, column[2],
                            times);
  }
};

/// BoxSums products of an iteration, Ix It' and Iy It', stored by the warp pass.
template <class Acc, class W>
struct StoredProducts {
  const W* xt;
  const W* yt;
  Eigen::Index cols;
  void accumulate(Eigen::Index in, Eigen::Index out, Acc* const* column) const {
    const Eigen::Index i = std::max<Eigen::Index>(in, 0) * cols;
    const Eigen::Index o = std::max<Eigen::Index>(out, 0) * cols;
    auto value = [](W a, W) { return Acc(a); };
    accumulate_rows<Acc, W>(xt + i, xt + i, xt + o, xt + o, in >= 0, out >= 0, cols, column[0],
                            value);
    accumulate_rows<Acc, W>(yt + i, yt + i, yt + o, yt + o, in >= 0, out >= 0, cols, column[1],
                            value);
  }
};

/// Runs body(y) for every row y in [0, rows), in bands of `rows_per_band` on worker threads.
template <class Body>
void for_each_row(Eigen::Index rows, Eigen::Index rows_per_band, int threads, Body&& body) {
  run_bands(rows, rows_per_band, threads, [&](Bands& bands) {
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) body(y);
    }
  });
}

/// gx, gy = the central differences of `image` (gradient_row), resized to its size.
template <class W>
void gradients(const Image<W>& image, int threads, Image<W>& gx, Image<W>& gy) {
  gx.resize(image.rows(), image.cols());
  gy.resize(image.rows(), image.cols());
  for_each_row(image.rows(), 64, threads, [&](Eigen::Index y) {
    gradient_row(image, y, gx.data() + y * image.cols(), gy.data() + y * image.cols());
  });
}

/// Sums the structure tensor of the gradients gx, gy over every window, writes its inverse (or
/// 0) to `inv` and the smallest eigenvalue of the window-mean tensor to `confidence`.
template <class Acc, class W, class S>
void structure_tensor(const Image<W>& gx, const Image<W>& gy, Eigen::Index radius,
                      double min_eigenvalue, int threads, InverseTensor<W>& inv,
                      Image<S>& confidence) {
  using Index = Eigen::Index;
  const Index rows = gx.rows(), cols = gx.cols();
  for (Image<W>* m : {&inv.a, &inv.b, &inv.c}) m->resize(rows, cols);
  confidence.resize(rows, cols);

  auto clipped = [radius](Index i, Index n) {  // window pixels inside [0, n) around i
    return std::min(i + radius, n - 1) - std::max<Index>(i - radius, 0) + 1;
  };
  std::vector<W> inv_cols(static_cast<std::size_t>(cols));
  for (Index x = 0; x < cols; ++x) inv_cols[std::size_t(x)] = W(1) / W(clipped(x, cols));

  const Index rows_per_band = pyramid_band_rows(radius);
  run_bands(rows, rows_per_band, threads, [&](Bands& bands) {
    BoxSums<Acc, 3> box(cols, rows, radius);
    std::vector<W> root(static_cast<std::size_t>(cols));

    const TensorProducts<Acc, W> products{gx.data(), gy.data(), cols};
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * cols;
      invert_tensor_row(sums[0], sums[1], sums[2], cols, W(1) / W(clipped(y, rows)),
                        inv_cols.data(), W(min_eigenvalue), root.data(), inv.a.data() + offset,
                        inv.b.data() + offset, inv.c.data() + offset, confidence.data() + offset);
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, products, solve);
    }
  });
}

/// The new flow of one row from the window sums Sxt' (`sxt`) and Syt' (`syt`) and the inverse
/// tensor [a b; b c]: (u, v) = (a Sxt' + b Syt', b Sxt' + c Syt') where the window is accepted
/// (c > 0); rejected windows keep (u, v). A solution that is not finite (possible only for a
/// nearly singular window accepted with min_eigenvalue = 0) is rejected too, so that the flow,
/// and every position sampled from it, stays finite.
template <class Acc, class W>
void update_flow_row(const Acc* LKFLOW_RESTRICT sxt, const Acc* LKFLOW_RESTRICT syt,
                     const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                     const W* LKFLOW_RESTRICT c, Eigen::Index cols, W* LKFLOW_RESTRICT u,
                     W* LKFLOW_RESTRICT v) {
  constexpr W kHuge = std::numeric_limits<W>::max();
  for (Eigen::Index x = 0; x < cols; ++x) {
    const Acc xt = sxt[x], yt = syt[x];
    const W new_u = static_cast<W>(Acc(a[x]) * xt + Acc(b[x]) * yt);
    const W new_v = static_cast<W>(Acc(b[x]) * xt + Acc(c[x]) * yt);
    // Non-short-circuit, so that the comparisons are unconditional and the loop vectorises.
    const bool accept =
        (int(c[x] > W(0)) & int(std::abs(new_u) <= kHuge) & int(std::abs(new_v) <= kHuge)) != 0;
    u[x] = accept ? new_u : u[x];
    v[x] = accept ? new_v : v[x];
  }
}

/// One warp iteration at a level: replaces (u, v) by the solution of
///   [Sxx Sxy; Sxy Syy] [u; v] = [sum Ix It'; sum Iy It']
/// where the window is accepted, and keeps them where it is not. gx, gy: the gradients of I0.
/// `xt`, `yt`: level-sized scratch for Ix It' and Iy It' of every pixel, formed in a first pass
/// so that the window sums (which read each row twice, entering and leaving) never warp a row
/// twice.
template <class Acc, class W>
void warp_iteration(const Image<W>& I0, const Image<W>& I1, const Image<W>& gx, const Image<W>& gy,
                    const InverseTensor<W>& inv, Eigen::Index radius, int threads, Image<W>& u,
                    Image<W>& v, Image<W>& xt, Image<W>& yt) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  xt.resize(rows, cols);
  yt.resize(rows, cols);
  const Index rows_per_band = pyramid_band_rows(radius);

  // Pass 1: the products of every pixel, from the flow before this iteration.
  const bool small = rows * cols <= Index(std::numeric_limits<std::int32_t>::max());
  // Pair loads need a second column to read (the cell's right pixel is then always x0 + 1).
  const auto residual_row = small ? (cols > 1 ? &residual_products_row<std::int32_t, W, true>
                                              : &residual_products_row<std::int32_t, W, false>)
                                  : &residual_products_row<Index, W, false>;
  {
    run_bands(rows, rows_per_band, threads, [&](Bands& bands) {
      std::vector<W> xs(static_cast<std::size_t>(cols)), ys(xs.size());
      for (Eigen::Index y0, y1; bands.next(y0, y1);) {
        for (Eigen::Index y = y0; y < y1; ++y) {
          const Index offset = y * cols;
          residual_row(I0, I1, y, gx.data() + offset, gy.data() + offset, u.data() + offset,
                       v.data() + offset, xs.data(), ys.data(), xt.data() + offset,
                       yt.data() + offset);
        }
      }
    });
  }

  // Pass 2: window sums of Ix It', Iy It' and the solve. Each row of (u, v) is rewritten only by
  // its own sink call, after pass 1 has read every row, so the update is in place.
  run_bands(rows, rows_per_band, threads, [&](Bands& bands) {
    BoxSums<Acc, 2> box(cols, rows, radius);
    const StoredProducts<Acc, W> products{xt.data(), yt.data(), cols};
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * cols;
      update_flow_row(sums[0], sums[1], inv.a.data() + offset, inv.b.data() + offset,
                      inv.c.data() + offset, cols, u.data() + offset, v.data() + offset);
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, products, solve);
    }
  });
}

}  // namespace lkflow::detail
