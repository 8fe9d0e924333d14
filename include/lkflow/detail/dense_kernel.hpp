// The single-scale dense Lucas-Kanade kernel: gradients and the five products per row, window
// sums by BoxSums, Cramer's rule by solve_row (tensor2x2.hpp), band by band on worker threads.
// The kernel is compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_DENSE_KERNEL_HPP
#define LKFLOW_DETAIL_DENSE_KERNEL_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "box_sums.hpp"
#include "config.hpp"
#include "pixel_arithmetic.hpp"
#include "row_reader.hpp"
#include "scratch.hpp"
#include "tensor2x2.hpp"

namespace lkflow::detail {

/// The rows that one image row's products are formed from: I0 rows y-1, y, y+1 (replicated at
/// the top and bottom edges) and I1 row y.
template <class In>
struct LkRows {
  const In* up;
  const In* mid;
  const In* down;
  const In* next;
};

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_DENSE_KERNEL_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// The five products Ix^2, Iy^2, IxIy, IxIt, IyIt (raw, see pixel_arithmetic.hpp) of pixel x,
/// with central differences and the pixel beyond the left or right edge replicated.
template <class Acc, class In>
inline void lk_products_at(const LkRows<In>& rows, Eigen::Index x, Eigen::Index width, Acc* p) {
  using Diff = typename PixelTraits<In>::Diff;
  const Eigen::Index left = std::max<Eigen::Index>(x - 1, 0), right = std::min(x + 1, width - 1);
  const Diff gx = Diff(rows.mid[right]) - Diff(rows.mid[left]);
  const Diff gy = Diff(rows.down[x]) - Diff(rows.up[x]);
  const Diff gt = Diff(rows.mid[x]) - Diff(rows.next[x]);
  p[kXX] = product<Acc>(gx, gx);
  p[kYY] = product<Acc>(gy, gy);
  p[kXY] = product<Acc>(gx, gy);
  p[kXT] = product<Acc>(gx, gt);
  p[kYT] = product<Acc>(gy, gt);
}

/// The interior columns 1 .. width-2 of lk_accumulate. Every pointer is a restrict-qualified
/// parameter: GCC trusts restrict on parameters, not on locals, and would otherwise need more
/// run-time overlap checks than it allows and leave the loop scalar.
template <bool Add, bool Subtract, class Acc, class In>
void lk_accumulate_interior(const In* LKFLOW_RESTRICT in_up, const In* LKFLOW_RESTRICT in_mid,
                            const In* LKFLOW_RESTRICT in_down, const In* LKFLOW_RESTRICT in_next,
                            const In* LKFLOW_RESTRICT out_up, const In* LKFLOW_RESTRICT out_mid,
                            const In* LKFLOW_RESTRICT out_down, const In* LKFLOW_RESTRICT out_next,
                            Eigen::Index width, Acc* LKFLOW_RESTRICT xx, Acc* LKFLOW_RESTRICT yy,
                            Acc* LKFLOW_RESTRICT xy, Acc* LKFLOW_RESTRICT xt,
                            Acc* LKFLOW_RESTRICT yt) {
  using Diff = typename PixelTraits<In>::Diff;
  for (Eigen::Index x = 1; x + 1 < width; ++x) {
    Acc dxx(0), dyy(0), dxy(0), dxt(0), dyt(0);
    if constexpr (Add) {
      const Diff gx = Diff(in_mid[x + 1]) - Diff(in_mid[x - 1]);
      const Diff gy = Diff(in_down[x]) - Diff(in_up[x]);
      const Diff gt = Diff(in_mid[x]) - Diff(in_next[x]);
      dxx += product<Acc>(gx, gx);
      dyy += product<Acc>(gy, gy);
      dxy += product<Acc>(gx, gy);
      dxt += product<Acc>(gx, gt);
      dyt += product<Acc>(gy, gt);
    }
    if constexpr (Subtract) {
      const Diff gx = Diff(out_mid[x + 1]) - Diff(out_mid[x - 1]);
      const Diff gy = Diff(out_down[x]) - Diff(out_up[x]);
      const Diff gt = Diff(out_mid[x]) - Diff(out_next[x]);
      dxx -= product<Acc>(gx, gx);
      dyy -= product<Acc>(gy, gy);
      dxy -= product<Acc>(gx, gy);
      dxt -= product<Acc>(gx, gt);
      dyt -= product<Acc>(gy, gt);
    }
    xx[x] += dxx;
    yy[x] += dyy;
    xy[x] += dxy;
    xt[x] += dxt;
    yt[x] += dyt;
  }
}

/// column[c][x] += products of row `in` (if Add) - products of row `out` (if Subtract), for all
/// five channels in one pass, so that the products never go through memory.
template <bool Add, bool Subtract, class Acc, class In>
void lk_accumulate(const LkRows<In>& in, const LkRows<In>& out, Eigen::Index width,
                   Acc* const* column) {
  lk_accumulate_interior<Add, Subtract>(in.up, in.mid, in.down, in.next, out.up, out.mid, out.down,
                                        out.next, width, column[kXX], column[kYY], column[kXY],
                                        column[kXT], column[kYT]);
  const Eigen::Index last = width - 1;
  // The first and last columns (the same column, once, when width == 1).
  auto edge = [&](Eigen::Index x) {
    Acc p[5];
    if constexpr (Add) {
      lk_products_at(in, x, width, p);
      for (int c = 0; c < 5; ++c) column[c][x] += p[c];
    }
    if constexpr (Subtract) {
      lk_products_at(out, x, width, p);
      for (int c = 0; c < 5; ++c) column[c][x] -= p[c];
    }
  };
  edge(0);
  if (last > 0) edge(last);
}

/// The product rows of the dense kernel for BoxSums: image row y's five products, added to or
/// subtracted from the running column sums in one pass (see BoxSums::run).
template <class Acc, class In>
class LkProducts {
 public:
  LkProducts(const RowReader<In>& i0, const RowReader<In>& i1, Eigen::Index width,
             Eigen::Index height)
      : i0_(i0), i1_(i1), width_(width), height_(height) {}

  /// column += products of row `in` - products of row `out`; -1 means no such row.
  void accumulate(Eigen::Index in, Eigen::Index out, Acc* const* column) const {
    if (in >= 0 && out >= 0)
      lk_accumulate<true, true>(rows(in), rows(out), width_, column);
    else if (in >= 0)
      lk_accumulate<true, false>(rows(in), rows(in), width_, column);
    else if (out >= 0)
      lk_accumulate<false, true>(rows(out), rows(out), width_, column);
  }

 private:
  LkRows<In> rows(Eigen::Index y) const {
    return {i0_.row(std::max<Eigen::Index>(y - 1, 0)), i0_.row(y),
            i0_.row(std::min(y + 1, height_ - 1)), i1_.row(y)};
  }

  const RowReader<In>& i0_;
  const RowReader<In>& i1_;
  Eigen::Index width_, height_;
};

/// dense_flow for validated inputs; `out` already has the input's size. `Acc` must keep window
/// sums exact (integers) or accurate (double), see pixel_arithmetic.hpp.
template <class S, class Acc, class In>
void dense_lk(const StridedImage<In>& image0, const StridedImage<In>& image1, Eigen::Index radius,
              double min_eigenvalue, int threads, Flow<S>& out) {
  using Index = Eigen::Index;
  // Solve in float only when the sums were exact integers and float output was asked for.
  using T = std::conditional_t<std::is_same_v<S, float> && std::is_integral_v<Acc>, float, double>;
  const Index width = image0.cols, height = image0.rows;
  LKFLOW_ASSERT(out.u.rows() == height && out.u.cols() == width && out.v.rows() == height &&
                    out.v.cols() == width && out.confidence.rows() == height &&
                    out.confidence.cols() == width,
                "the output has the input's size");
  if constexpr (std::is_same_v<Acc, std::uint32_t>) {
    LKFLOW_ASSERT(fits_int32_sums(PixelTraits<In>::max_abs_product,
                                  double(std::min(2 * radius + 1, height)) *
                                      double(std::min(2 * radius + 1, width))),
                  "32-bit sums are exact only while every window sum fits in int32");
  }

  const double s = PixelTraits<In>::value_scale;
  const SolveConstants<T> constants{T(0.25 * s * s), T(0.5 * s * s), T(min_eigenvalue)};
  const std::vector<T> inv_cols = inverse_clipped_windows<T>(width, radius);

  const Index rows_per_band = dense_band_rows(radius);
  run_bands(height, rows_per_band, threads, [&](Bands& bands) {
    RowReader<In> rows0(image0), rows1(image1);
    Scratch memory;  // this call's alone: dense_flow keeps no workspace between calls
    BoxSums<Acc, 5> box(width, height, radius, memory);
    std::vector<T> scratch(static_cast<std::size_t>(width));

    LkProducts<Acc, In> products(rows0, rows1, width, height);
    auto solve = [&](Index y, const Acc* const* sums) {
      const Index offset = y * width;
      solve_row(sums, width, constants, T(1) / T(clipped_window(y, height, radius)),
                inv_cols.data(), scratch.data(), out.u.data() + offset, out.v.data() + offset,
                out.confidence.data() + offset);
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      // Rows read for this band: its windows' rows plus one for the vertical gradient.
      const Index first = std::max<Index>(y0 - radius - 1, 0);
      const Index end = std::min(y1 + radius + 1, height);
      rows0.load(first, end);
      rows1.load(first, end);
      box.run(y0, y1, products, solve);
    }
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
