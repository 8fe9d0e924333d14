// The passes of inverse compositional Lucas-Kanade at one pyramid level (FOLKI, Le Besnerais &
// Champagnat 2005): the gradients of I0 and its structure tensor are formed, summed and inverted
// once per level (gradients, structure_tensor), then every iteration warps I1 by the current
// flow (warp.hpp), forms the linearised temporal difference
//   It'(x, y) = I0(x, y) - I1(x + u, y + v) + Ix(x, y) u + Iy(x, y) v
// (Baker & Matthews 2004, sec. 3.2; Le Besnerais & Champagnat 2005, eq. 7), sums Ix It' and
// Iy It' over the windows and solves for the new flow (warp_iteration). Window sums come from
// BoxSums, band by band on worker threads like dense_flow's; the 2x2 algebra is tensor2x2.hpp's.
// The passes are kernels, compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_PYRAMID_KERNEL_HPP
#define LKFLOW_DETAIL_PYRAMID_KERNEL_HPP

#include <algorithm>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "box_sums.hpp"
#include "config.hpp"
#include "tensor2x2.hpp"
#include "warp.hpp"

namespace lkflow::detail {

/// The inverse of each window's structure tensor [Sxx Sxy; Sxy Syy], as
/// [a b; b c] = [Syy -Sxy; -Sxy Sxx] / det, or a = b = c = 0 where the window is rejected
/// (det <= 0 or smallest mean eigenvalue < min_eigenvalue). Accepted windows have c > 0.
template <class W>
struct InverseTensor {
  AlignedImage<W> a, b, c;
};

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_PYRAMID_KERNEL_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// gx, gy = the central differences of an image row `mid` between rows `up` and `down` (edge
/// rows and columns replicated), the same as dense_flow's:
/// gx[x] = (I(x+1, y) - I(x-1, y)) / 2, gy[x] = (I(x, y+1) - I(x, y-1)) / 2.
template <class W>
LKFLOW_NOINLINE void gradient_row(const W* LKFLOW_RESTRICT up, const W* LKFLOW_RESTRICT mid,
                                  const W* LKFLOW_RESTRICT down, Eigen::Index cols,
                                  W* LKFLOW_RESTRICT gx, W* LKFLOW_RESTRICT gy) {
  using Index = Eigen::Index;
  for (Index x = 0; x < cols; ++x) gy[x] = W(0.5) * (down[x] - up[x]);
  const Index last = cols - 1;
  gx[0] = W(0.5) * (mid[std::min<Index>(1, last)] - mid[0]);
  for (Index x = 1; x < last; ++x) gx[x] = W(0.5) * (mid[x + 1] - mid[x - 1]);
  if (last > 0) gx[last] = W(0.5) * (mid[last] - mid[last - 1]);
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

/// gx, gy = the central differences of `image` (gradient_row), all three of one size.
template <class W>
void gradients(Plane<const W> image, const Workers& workers, Plane<W> gx, Plane<W> gy) {
  using Index = Eigen::Index;
  const Index rows = image.rows(), cols = image.cols();
  LKFLOW_ASSERT(gx.rows() == rows && gx.cols() == cols && gy.rows() == rows && gy.cols() == cols,
                "the gradients have the image's size");
  for_each_row(rows, workers.threads, [&](Index y) {
    gradient_row(image.row(std::max<Index>(y - 1, 0)), image.row(y),
                 image.row(std::min(y + 1, rows - 1)), cols, gx.row(y), gy.row(y));
  });
}

/// Sums the structure tensor of the gradients gx, gy over every window, writes its inverse (or
/// 0) to a, b, c of `inv` and the smallest eigenvalue of the window-mean tensor to `confidence`
/// (all of the gradients' size).
template <class Acc, class W, class S>
void structure_tensor(Plane<const W> gx, Plane<const W> gy, Eigen::Index radius,
                      double min_eigenvalue, const Workers& workers, InverseTensor<W>& inv,
                      Plane<S> confidence) {
  using Index = Eigen::Index;
  const Index rows = gx.rows(), cols = gx.cols();
  LKFLOW_ASSERT(gy.rows() == rows && gy.cols() == cols, "gradients of one image");
  for (const AlignedImage<W>* m : {&inv.a, &inv.b, &inv.c})
    LKFLOW_ASSERT(m->rows() == rows && m->cols() == cols, "the inverse has the gradients' size");
  LKFLOW_ASSERT(confidence.rows() == rows && confidence.cols() == cols,
                "the confidence has the gradients' size");

  const Index rows_per_band = pyramid_band_rows(radius);
  run_bands(rows, rows_per_band, workers, [&](Bands& bands, Scratch& scratch) {
    BoxSums<Acc, 3> box(cols, rows, radius, scratch);
    W* root = scratch.take<W>(static_cast<std::size_t>(cols));
    W* inv_cols = scratch.take<W>(static_cast<std::size_t>(cols));
    fill_inverse_clipped_windows(cols, radius, inv_cols);

    const TensorProducts<Acc, W> products{gx.data(), gy.data(), cols};
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * cols;
      invert_tensor_row(sums[0], sums[1], sums[2], cols, W(1) / W(clipped_window(y, rows, radius)),
                        inv_cols, W(min_eigenvalue), root, inv.a.data() + offset,
                        inv.b.data() + offset, inv.c.data() + offset, confidence.row(y));
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, products, solve);
    }
  });
}

/// The products Ix It' and Iy It' of row y into `xt` and `yt`, from I0's row `i0`, its
/// gradients gx, gy and the current flow u, v of the row, I1 (`i1`, rows x cols) sampled by
/// warped_row. Where (x + u, y + v) lies outside I1 the difference I0 - I1 is taken as 0
/// (It' = Ix u + Iy v), so the pixel asks for no change of the flow: a replicated edge pixel does
/// not change as the flow grows, and would otherwise push the flow further out at every
/// iteration. `xs`, `ys`: scratch of `cols` values; `Offset`, `PairLoads`: as warped_row's.
/// Out of line, so that its pointers stay restrict parameters (config.hpp, LKFLOW_NOINLINE).
template <class Offset, bool PairLoads, class W>
LKFLOW_NOINLINE void residual_products_row(const W* LKFLOW_RESTRICT i1, Eigen::Index rows,
                                           Eigen::Index cols, Eigen::Index y,
                                           const W* LKFLOW_RESTRICT i0, const W* LKFLOW_RESTRICT gx,
                                           const W* LKFLOW_RESTRICT gy, const W* LKFLOW_RESTRICT u,
                                           const W* LKFLOW_RESTRICT v, W* LKFLOW_RESTRICT xs,
                                           W* LKFLOW_RESTRICT ys, W* LKFLOW_RESTRICT xt,
                                           W* LKFLOW_RESTRICT yt) {
  warped_row<Offset, PairLoads>(i1, rows, cols, y, 0, cols, u, v, xs, ys);
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W it = ys[x] * (i0[x] - xs[x]) + gx[x] * u[x] + gy[x] * v[x];
    xt[x] = gx[x] * it;
    yt[x] = gy[x] * it;
  }
}

/// One warp iteration at a level: replaces (u, v) by the solution of
///   [Sxx Sxy; Sxy Syy] [u; v] = [sum Ix It'; sum Iy It']
/// where the window is accepted and the solution within `max_flow` px along x and y, and keeps
/// them where it is not. gx, gy: the gradients of I0. `xt`, `yt`: level-sized scratch for Ix It'
/// and Iy It' of every pixel, formed in a first pass so that the window sums (which read each row
/// twice, entering and leaving) never warp a row twice. All images of one size.
template <class Acc, class W>
void warp_iteration(Plane<const W> I0, Plane<const W> I1, Plane<const W> gx, Plane<const W> gy,
                    const InverseTensor<W>& inv, Eigen::Index radius, W max_flow,
                    const Workers& workers, Plane<W> u, Plane<W> v, Plane<W> xt, Plane<W> yt) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  LKFLOW_ASSERT(I1.rows() == rows && I1.cols() == cols && gx.rows() == rows && gx.cols() == cols &&
                    gy.rows() == rows && gy.cols() == cols && inv.c.rows() == rows &&
                    inv.c.cols() == cols && u.rows() == rows && u.cols() == cols &&
                    v.rows() == rows && v.cols() == cols && xt.rows() == rows &&
                    xt.cols() == cols && yt.rows() == rows && yt.cols() == cols,
                "the level's images, tensor, flow and scratch have one size");
  LKFLOW_ASSERT(xt.data() != u.data() && xt.data() != v.data() && yt.data() != u.data() &&
                    yt.data() != v.data() && xt.data() != yt.data(),
                "the scratch images are not the flow");
  LKFLOW_ASSERT(u.cmap().allFinite() && v.cmap().allFinite(), "the samplers take finite flows");
  const Index rows_per_band = pyramid_band_rows(radius);

  // Pass 1: the products of every pixel, from the flow before this iteration (on pass 2's bands).
  with_sampler_layout(rows, cols, [&](auto layout) {
    using Layout = decltype(layout);
    run_bands(rows, rows_per_band, workers, [&](Bands& bands, Scratch& scratch) {
      W* xs = scratch.take<W>(static_cast<std::size_t>(cols));
      W* ys = scratch.take<W>(static_cast<std::size_t>(cols));
      for (Eigen::Index y0, y1; bands.next(y0, y1);) {
        for (Eigen::Index y = y0; y < y1; ++y) {
          residual_products_row<typename Layout::Offset, Layout::pair_loads>(
              I1.data(), rows, cols, y, I0.row(y), gx.row(y), gy.row(y), u.row(y), v.row(y), xs, ys,
              xt.row(y), yt.row(y));
        }
      }
    });
  });

  // Pass 2: window sums of Ix It', Iy It' and the solve. Each row of (u, v) is rewritten only by
  // its own sink call, after pass 1 has read every row, so the update is in place.
  run_bands(rows, rows_per_band, workers, [&](Bands& bands, Scratch& scratch) {
    BoxSums<Acc, 2> box(cols, rows, radius, scratch);
    const StoredProducts<Acc, W> products{xt.data(), yt.data(), cols};
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * cols;
      update_flow_row(sums[0], sums[1], inv.a.data() + offset, inv.b.data() + offset,
                      inv.c.data() + offset, cols, max_flow, u.row(y), v.row(y));
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, products, solve);
    }
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
