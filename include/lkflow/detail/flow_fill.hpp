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
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "config.hpp"
#include "pyramid_resample.hpp"

namespace lkflow::detail {

/// A level of the pull pyramid: weights and the weighted means of u and v.
template <class W>
struct FillLevel {
  Image<W> w, u, v;
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

/// w[x] = lambda / (lambda + lambda0) where the window is accepted (c[x] > 0: the inverse
/// tensor's entry, InverseTensor), 0 where it is rejected, at least kMinFillWeight.
template <class W>
LKFLOW_NOINLINE void fill_weight_row(const W* LKFLOW_RESTRICT lambda, const W* LKFLOW_RESTRICT c,
                                     Eigen::Index cols, W lambda0, W* LKFLOW_RESTRICT w) {
  const W floor = W(kMinFillWeight);
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W l = c[x] > W(0) ? lambda[x] : W(0);
    // The divisor is never 0 (lambda0 may be): a window with lambda = lambda0 = 0 weighs 0.
    const W weight = l / std::max(l + lambda0, std::numeric_limits<W>::min());
    w[x] = std::max(weight, floor);
  }
}

/// p[0 .. cols) = the vertical [1 4 6 4 1] blur of the weights a..e (five consecutive rows, edge
/// rows replicated), with two replicated entries before and three after.
template <class W>
LKFLOW_NOINLINE void pull_blur_weights(const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                                       const W* LKFLOW_RESTRICT c, const W* LKFLOW_RESTRICT d,
                                       const W* LKFLOW_RESTRICT e, Eigen::Index cols,
                                       W* LKFLOW_RESTRICT p) {
  for (Eigen::Index x = 0; x < cols; ++x) p[x] = (a[x] + e[x]) + W(4) * (b[x] + d[x]) + W(6) * c[x];
  p[-2] = p[-1] = p[0];
  p[cols] = p[cols + 1] = p[cols + 2] = p[cols - 1];
}

/// p[0 .. cols) = the vertical [1 4 6 4 1] blur of the weighted values a ua .. e ue, padded as
/// pull_blur_weights.
template <class W>
LKFLOW_NOINLINE void pull_blur_products(const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                                        const W* LKFLOW_RESTRICT c, const W* LKFLOW_RESTRICT d,
                                        const W* LKFLOW_RESTRICT e, const W* LKFLOW_RESTRICT ua,
                                        const W* LKFLOW_RESTRICT ub, const W* LKFLOW_RESTRICT uc,
                                        const W* LKFLOW_RESTRICT ud, const W* LKFLOW_RESTRICT ue,
                                        Eigen::Index cols, W* LKFLOW_RESTRICT p) {
  for (Eigen::Index x = 0; x < cols; ++x)
    p[x] = (a[x] * ua[x] + e[x] * ue[x]) + W(4) * (b[x] * ub[x] + d[x] * ud[x]) +
           W(6) * (c[x] * uc[x]);
  p[-2] = p[-1] = p[0];
  p[cols] = p[cols + 1] = p[cols + 2] = p[cols - 1];
}

/// out[j] = the horizontal [1 4 6 4 1] blur of padded row p at column 2j (unnormalised).
template <class W>
inline W pull_tap(const W* p, Eigen::Index j) {
  return (p[2 * j - 2] + p[2 * j + 2]) + W(4) * (p[2 * j - 1] + p[2 * j + 1]) + W(6) * p[2 * j];
}

/// One row of the coarser pull level from the padded vertical blurs of the weights (`pw`) and of
/// the weighted u and v (`pu`, `pv`).
template <class W>
LKFLOW_NOINLINE void pull_decimate_row(const W* LKFLOW_RESTRICT pw, const W* LKFLOW_RESTRICT pu,
                                       const W* LKFLOW_RESTRICT pv, Eigen::Index out_cols,
                                       W* LKFLOW_RESTRICT w, W* LKFLOW_RESTRICT u,
                                       W* LKFLOW_RESTRICT v) {
  for (Eigen::Index j = 0; j < out_cols; ++j) {
    const W sum = pull_tap(pw, j);  // 256 times the mean weight, > 0 (kMinFillWeight)
    u[j] = pull_tap(pu, j) / sum;
    v[j] = pull_tap(pv, j) / sum;
    w[j] = std::min(W(1), sum * W(4.0 / 256.0));
  }
}

/// Pull: `coarse` = the weighted means of the field (w, u, v), halved as downsample2 halves
/// images. `w` may be `coarse`'s own finer level or any level-sized weights.
template <class W>
void pull_level(const Image<W>& w, const Image<W>& u, const Image<W>& v, int threads,
                FillLevel<W>& coarse) {
  using Index = Eigen::Index;
  const Index rows = w.rows(), cols = w.cols();
  LKFLOW_ASSERT(rows > 0 && cols > 0 && u.rows() == rows && u.cols() == cols && v.rows() == rows &&
                    v.cols() == cols,
                "weights and flow of one size");
  const Index out_rows = coarser_size(rows), out_cols = coarser_size(cols);
  for (Image<W>* image : {&coarse.w, &coarse.u, &coarse.v}) image->resize(out_rows, out_cols);
  run_bands(out_rows, kRowPassBandRows, threads, [&](Bands& bands) {
    const auto padded = static_cast<std::size_t>(cols + 5);
    std::vector<W> scratch(3 * padded);
    W* pw = scratch.data() + 2;
    W* pu = pw + padded;
    W* pv = pu + padded;
    auto row = [&](const Image<W>& image, Index y) {
      return image.data() + std::clamp<Index>(y, 0, rows - 1) * cols;
    };
    for (Index y0, y1; bands.next(y0, y1);) {
      for (Index i = y0; i < y1; ++i) {
        const Index y = 2 * i;
        const W* a = row(w, y - 2);
        const W* b = row(w, y - 1);
        const W* c = row(w, y);
        const W* d = row(w, y + 1);
        const W* e = row(w, y + 2);
        pull_blur_weights(a, b, c, d, e, cols, pw);
        pull_blur_products(a, b, c, d, e, row(u, y - 2), row(u, y - 1), row(u, y), row(u, y + 1),
                           row(u, y + 2), cols, pu);
        pull_blur_products(a, b, c, d, e, row(v, y - 2), row(v, y - 1), row(v, y), row(v, y + 1),
                           row(v, y + 2), cols, pv);
        pull_decimate_row(pw, pu, pv, out_cols, coarse.w.data() + i * out_cols,
                          coarse.u.data() + i * out_cols, coarse.v.data() + i * out_cols);
      }
    }
  });
}

/// One row of a push: field[x] = w[x] field[x] + (1 - w[x]) up[x], up the bilinear
/// interpolation at x/2 of the coarse rows `top` and `bottom` that bracket the row (as
/// upsample_row, without its doubling). `blended`: coarse_cols + 1 values; `up`: cols values.
template <class W>
LKFLOW_NOINLINE void push_row(const W* LKFLOW_RESTRICT top, const W* LKFLOW_RESTRICT bottom,
                              Eigen::Index coarse_cols, const W* LKFLOW_RESTRICT w,
                              Eigen::Index cols, W* LKFLOW_RESTRICT blended, W* LKFLOW_RESTRICT up,
                              W* LKFLOW_RESTRICT field) {
  using Index = Eigen::Index;
  for (Index x = 0; x < coarse_cols; ++x) blended[x] = W(0.5) * (top[x] + bottom[x]);
  blended[coarse_cols] = blended[coarse_cols - 1];
  const Index pairs = cols / 2;
  for (Index j = 0; j < pairs; ++j) {
    up[2 * j] = blended[j];
    up[2 * j + 1] = W(0.5) * (blended[j] + blended[j + 1]);
  }
  if (cols % 2 != 0) up[cols - 1] = blended[pairs];
  for (Index x = 0; x < cols; ++x) field[x] = w[x] * field[x] + (W(1) - w[x]) * up[x];
}

/// Push: u = w u + (1 - w) up(coarse.u), likewise v.
template <class W>
void push_level(const FillLevel<W>& coarse, const Image<W>& w, int threads, Image<W>& u,
                Image<W>& v) {
  using Index = Eigen::Index;
  const Index rows = w.rows(), cols = w.cols();
  const Index coarse_rows = coarse.u.rows(), coarse_cols = coarse.u.cols();
  LKFLOW_ASSERT(coarse_rows == coarser_size(rows) && coarse_cols == coarser_size(cols) &&
                    u.rows() == rows && u.cols() == cols && v.rows() == rows && v.cols() == cols,
                "the coarse level is the next coarser one of the field's");
  run_bands(rows, kRowPassBandRows, threads, [&](Bands& bands) {
    std::vector<W> blended(static_cast<std::size_t>(coarse_cols + 1));
    std::vector<W> up(static_cast<std::size_t>(cols));
    for (Index y0, y1; bands.next(y0, y1);) {
      for (Index y = y0; y < y1; ++y) {
        const Index top = y / 2, bottom = std::min(y / 2 + y % 2, coarse_rows - 1);
        const W* weights = w.data() + y * cols;
        push_row(coarse.u.data() + top * coarse_cols, coarse.u.data() + bottom * coarse_cols,
                 coarse_cols, weights, cols, blended.data(), up.data(), u.data() + y * cols);
        push_row(coarse.v.data() + top * coarse_cols, coarse.v.data() + bottom * coarse_cols,
                 coarse_cols, weights, cols, blended.data(), up.data(), v.data() + y * cols);
      }
    }
  });
}

/// Fills (u, v) by pull-push with the per-pixel weights `w` (their size, values in (0, 1]).
/// The pull levels are pyramid[first], pyramid[first + 1], ..., resized here (grown as needed),
/// pulled until one pixel is left; a caller filling the flows of several pyramid levels passes
/// first = level + 1, so that each entry keeps one size from call to call.
template <class W>
void pull_push_fill(const Image<W>& w, int threads, Image<W>& u, Image<W>& v,
                    std::vector<FillLevel<W>>& pyramid, std::size_t first) {
  LKFLOW_ASSERT(first >= 1, "pyramid[first - 1] stands for the field itself");
  std::size_t top = first;
  for (;; ++top) {
    if (pyramid.size() <= top) pyramid.resize(top + 1);
    if (top == first) {
      pull_level(w, u, v, threads, pyramid[top]);
    } else {
      const FillLevel<W>& finer = pyramid[top - 1];
      pull_level(finer.w, finer.u, finer.v, threads, pyramid[top]);
    }
    if (pyramid[top].w.rows() == 1 && pyramid[top].w.cols() == 1) break;
  }
  for (std::size_t m = top; m > first; --m)
    push_level(pyramid[m], pyramid[m - 1].w, threads, pyramid[m - 1].u, pyramid[m - 1].v);
  push_level(pyramid[first], w, threads, u, v);
}

}  // namespace lkflow::detail
