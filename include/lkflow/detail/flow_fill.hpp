// Confidence-weighted filling of a flow field by pull-push (Gortler et al. 1996, sec. 3.4; the
// pyramid form of normalised convolution, Knutsson & Westin 1993): where a window's flow is
// noise (flat sky, walls, water), it takes the flow of the confident windows around it, from
// however far away they are.
//
// Every pixel has a weight w in [0, 1] for its own flow. Pull: a coarser field is the weighted
// mean of the finer one under the [1 4 6 4 1]/16 kernel (the image pyramid's), W = mean of w,
// U = mean of w u / W, and its weight is min(1, 4 W): a coarse cell counts fully once a quarter
// of its footprint does. Pulled down to one pixel. Push, from the coarsest up: every level's
// field becomes w u + (1 - w) up(U), up() the bilinear interpolation of the coarser field, so
// that a confident pixel keeps its own flow and a pixel without confidence takes the flow of the
// nearest scale at which confident flow exists around it.
//
// The weights: a window's flow is moved by the frames' noise by about sigma / sqrt(n lambda) px
// (lambda its smallest mean eigenvalue, n its pixel count, sigma the noise of I0 - warped I1),
// so w = lambda / (lambda + lambda0) with lambda0 proportional to sigma^2 / n (fill_lambda0)
// weighs the window's flow against the fill by how much of it is noise; rejected windows, whose
// flow is only the estimate brought from the coarser level, weigh 0.
//
// The passes are kernels, compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_FLOW_FILL_HPP
#define LKFLOW_DETAIL_FLOW_FILL_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "config.hpp"
#include "pyramid_resample.hpp"
#include "scratch.hpp"

namespace lkflow::detail {

/// A level of the pull pyramid: the weights w and the weighted flow w u, w v (every field of
/// the fill is kept multiplied by its weight: the pull sums it as it is, and the push adds to it).
template <class W>
struct FillLevel {
  AlignedImage<W> w, u, v;
};

/// The smallest weight a pixel has, so that every cell of the pull pyramid has some weight and
/// its mean is defined; small enough never to matter beside a confident pixel, even one among
/// millions (its share of a cell's weight falls by 4 per level).
inline constexpr double kMinFillWeight = 1e-9;

/// lambda0 of a level: `strength` sigma^2 2^level / (2r+1)^2. The 2^level relaxes the bar at
/// coarser levels, whose errors finer levels still correct where there is texture.
inline double fill_lambda0(double strength, double sigma, int level, Eigen::Index radius) {
  const double n = double(2 * radius + 1) * double(2 * radius + 1);
  return strength * sigma * sigma * std::ldexp(1.0, level) / n;
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_FLOW_FILL_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// w[x] = lambda / (lambda + lambda0) where the window is accepted (c[x] > 0: the inverse
/// tensor's entry, InverseTensor), 0 where it is rejected, at least kMinFillWeight. Rejected
/// windows' lambdas are zeroed with an integer mask: a select (even of constants) that feeds the
/// division keeps GCC from vectorising the loop under -ftrapping-math.
template <class W>
LKFLOW_NOINLINE void fill_weight_row(const W* LKFLOW_RESTRICT lambda, const W* LKFLOW_RESTRICT c,
                                     Eigen::Index cols, W lambda0, W* LKFLOW_RESTRICT w) {
  using Bits = std::conditional_t<sizeof(W) == 4, std::int32_t, std::int64_t>;
  const W floor = W(kMinFillWeight), tiny = std::numeric_limits<W>::min();
  for (Eigen::Index x = 0; x < cols; ++x) {
    Bits c_bits, l_bits;  // c > 0 exactly when its bits, as a signed integer, are > 0
    std::memcpy(&c_bits, c + x, sizeof c_bits);
    std::memcpy(&l_bits, lambda + x, sizeof l_bits);
    l_bits &= -Bits(c_bits > 0);
    W l;
    std::memcpy(&l, &l_bits, sizeof l);
    // The divisor is never 0 (lambda0 may be): a window with lambda = lambda0 = 0 weighs 0.
    const W weight = std::max(l / (l + lambda0 + tiny), floor);
    w[x] = weight;
  }
}

/// out[x] = a[x] b[x].
template <class W>
LKFLOW_NOINLINE void multiply_row(const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                                  Eigen::Index cols, W* LKFLOW_RESTRICT out) {
  for (Eigen::Index x = 0; x < cols; ++x) out[x] = a[x] * b[x];
}

/// The coarser level's row from its blurred sums (downsample_row's, normalised): w = mean weight
/// W, u = P / W, v = Q / W, stored as min(1, 4 W) and u, v times it: a coarse cell counts fully
/// once a quarter of its footprint does.
template <class W>
LKFLOW_NOINLINE void pull_combine_row(Eigen::Index cols, W* LKFLOW_RESTRICT w, W* LKFLOW_RESTRICT u,
                                      W* LKFLOW_RESTRICT v) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W mean = w[x];  // > 0: every weight is at least kMinFillWeight
    const W weight = std::min(W(1), W(4) * mean);
    const W scale = weight / mean;
    w[x] = weight;
    u[x] *= scale;
    v[x] *= scale;
  }
}

/// Pull: `coarse` (resized here) from the weighted field (w, w u, w v), halved as downsample2
/// halves images. With Weigh, (u, v) is the flow itself, multiplied by w here, row by row (the
/// field the fill starts from: no weighted copy of it is stored); else it holds w u, w v.
template <bool Weigh, class W>
void pull_level(Plane<const W> w, Plane<const W> u, Plane<const W> v, const Workers& workers,
                FillLevel<W>& coarse) {
  using Index = Eigen::Index;
  const Index rows = w.rows(), cols = w.cols();
  LKFLOW_ASSERT(rows > 0 && cols > 0 && u.rows() == rows && u.cols() == cols && v.rows() == rows &&
                    v.cols() == cols,
                "weights and flow of one size");
  const Index out_rows = coarser_size(rows), out_cols = coarser_size(cols);
  for (AlignedImage<W>* image : {&coarse.w, &coarse.u, &coarse.v})
    image->resize(out_rows, out_cols);
  const W scale = W(1) / W(256);  // the two passes' 1/16 each
  run_bands(out_rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* padded = scratch.take<W>(static_cast<std::size_t>(cols + 5));
    W* products = Weigh ? scratch.take<W>(5 * static_cast<std::size_t>(cols)) : nullptr;
    for (Index y0, y1; bands.next(y0, y1);) {
      for (Index i = y0; i < y1; ++i) {
        auto rows_of = [&](Plane<const W> image, bool weigh, W* out) {
          const W* in[5];
          for (Index j = 0; j < 5; ++j) {
            const Index y = std::clamp<Index>(2 * i - 2 + j, 0, rows - 1);
            in[j] = image.row(y);
            if (weigh) {
              W* product = products + j * cols;
              multiply_row(w.row(y), in[j], cols, product);
              in[j] = product;
            }
          }
          downsample_row(in[0], in[1], in[2], in[3], in[4], cols, scale, padded, out_cols, out);
        };
        W* cw = coarse.w.data() + i * out_cols;
        W* cu = coarse.u.data() + i * out_cols;
        W* cv = coarse.v.data() + i * out_cols;
        rows_of(w, false, cw);
        rows_of(u, Weigh, cu);
        rows_of(v, Weigh, cv);
        pull_combine_row(out_cols, cw, cu, cv);
      }
    }
  });
}

/// One row of a push: out[x] = w[x] u[x] + (1 - w[x]) up[x], `field` holding w u (Weighted) or
/// u, up the bilinear interpolation at x/2 of the coarse rows `top` and `bottom` that bracket the
/// row (as upsample_row, without its doubling); the coarse field is final, not weighted.
/// `blended`: coarse_cols + 1 values. With InPlace, `out` is `field` itself.
template <bool InPlace, bool Weighted, class W>
LKFLOW_NOINLINE void push_row(const W* LKFLOW_RESTRICT top, const W* LKFLOW_RESTRICT bottom,
                              Eigen::Index coarse_cols, const W* LKFLOW_RESTRICT w,
                              Eigen::Index cols, W* LKFLOW_RESTRICT blended,
                              const W* LKFLOW_RESTRICT field, W* LKFLOW_RESTRICT out) {
  using Index = Eigen::Index;
  // In place, the loops read and write through `out` alone (restrict forbids two names).
  const W* in = InPlace ? out : field;
  auto weighted = [&](Index x) { return Weighted ? in[x] : w[x] * in[x]; };
  for (Index x = 0; x < coarse_cols; ++x) blended[x] = W(0.5) * (top[x] + bottom[x]);
  blended[coarse_cols] = blended[coarse_cols - 1];
  const Index pairs = cols / 2;
  for (Index j = 0; j < pairs; ++j) {
    out[2 * j] = weighted(2 * j) + (W(1) - w[2 * j]) * blended[j];
    out[2 * j + 1] =
        weighted(2 * j + 1) + (W(1) - w[2 * j + 1]) * (W(0.5) * (blended[j] + blended[j + 1]));
  }
  if (cols % 2 != 0) out[cols - 1] = weighted(cols - 1) + (W(1) - w[cols - 1]) * blended[pairs];
}

/// Push: (out_u, out_v) = (w u, w v) + (1 - w) up(coarse), the coarse level's fields final;
/// (u, v) hold (w u, w v) (Weighted) or the flow itself. `out_u` may be `u` and `out_v` `v` (in
/// place), else neither overlaps.
template <bool Weighted, class W>
void push_level(const FillLevel<W>& coarse, Plane<const W> w, const Workers& workers,
                Plane<const W> u, Plane<const W> v, Plane<W> out_u, Plane<W> out_v) {
  using Index = Eigen::Index;
  const Index rows = w.rows(), cols = w.cols();
  const Index coarse_rows = coarse.u.rows(), coarse_cols = coarse.u.cols();
  LKFLOW_ASSERT(coarse_rows == coarser_size(rows) && coarse_cols == coarser_size(cols) &&
                    u.rows() == rows && u.cols() == cols && v.rows() == rows && v.cols() == cols &&
                    out_u.rows() == rows && out_u.cols() == cols && out_v.rows() == rows &&
                    out_v.cols() == cols,
                "the coarse level is the next coarser one of the field's");
  const bool in_place = out_u.data() == u.data();
  LKFLOW_ASSERT(in_place == (out_v.data() == v.data()), "both in place, or neither");
  run_bands(rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* blended = scratch.take<W>(static_cast<std::size_t>(coarse_cols + 1));
    for (Index y0, y1; bands.next(y0, y1);) {
      for (Index y = y0; y < y1; ++y) {
        const Index top = y / 2, bottom = std::min(y / 2 + y % 2, coarse_rows - 1);
        const W* weights = w.row(y);
        const W* cu = coarse.u.data();
        const W* cv = coarse.v.data();
        if (in_place) {
          push_row<true, Weighted>(cu + top * coarse_cols, cu + bottom * coarse_cols, coarse_cols,
                                   weights, cols, blended, static_cast<const W*>(nullptr),
                                   out_u.row(y));
          push_row<true, Weighted>(cv + top * coarse_cols, cv + bottom * coarse_cols, coarse_cols,
                                   weights, cols, blended, static_cast<const W*>(nullptr),
                                   out_v.row(y));
        } else {
          push_row<false, Weighted>(cu + top * coarse_cols, cu + bottom * coarse_cols, coarse_cols,
                                    weights, cols, blended, u.row(y), out_u.row(y));
          push_row<false, Weighted>(cv + top * coarse_cols, cv + bottom * coarse_cols, coarse_cols,
                                    weights, cols, blended, v.row(y), out_v.row(y));
        }
      }
    }
  });
}

/// Fills the flow (u, v), weighted by the per-pixel weights `w` in (0, 1] (fill_weight_row), by
/// pull-push: (out_u, out_v) become w u + (1 - w) fill; they may be (u, v) themselves. The pull
/// levels are pyramid[first], pyramid[first + 1], ..., sized here (grown as needed), pulled until
/// one pixel is left; a caller filling the flows of several pyramid levels passes first = level +
/// 1, so that each entry keeps one size from call to call.
template <class W>
void pull_push_fill(Plane<const W> w, const Workers& workers, Plane<const W> u, Plane<const W> v,
                    Plane<W> out_u, Plane<W> out_v, std::vector<FillLevel<W>>& pyramid,
                    std::size_t first) {
  LKFLOW_ASSERT(first >= 1, "pyramid[first - 1] stands for the field itself");
  std::size_t top = first;
  for (;; ++top) {
    if (pyramid.size() <= top) pyramid.resize(top + 1);
    if (top == first) {
      pull_level<true, W>(w, u, v, workers, pyramid[top]);
    } else {
      const FillLevel<W>& finer = pyramid[top - 1];
      pull_level<false, W>(finer.w.plane(), finer.u.plane(), finer.v.plane(), workers,
                           pyramid[top]);
    }
    if (pyramid[top].w.rows() == 1 && pyramid[top].w.cols() == 1) break;
  }
  // The coarsest level's weighted mean is its fill: w u / w.
  FillLevel<W>& last = pyramid[top];
  last.u.data()[0] /= last.w.data()[0];
  last.v.data()[0] /= last.w.data()[0];
  for (std::size_t m = top; m > first; --m) {
    FillLevel<W>& finer = pyramid[m - 1];
    push_level<true, W>(pyramid[m], finer.w.plane(), workers, finer.u.plane(), finer.v.plane(),
                        finer.u.plane(), finer.v.plane());
  }
  push_level<false, W>(pyramid[first], w, workers, u, v, out_u, out_v);
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
