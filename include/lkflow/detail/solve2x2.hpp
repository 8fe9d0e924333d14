// Per-pixel closed-form solve of the Lucas-Kanade normal equations (Lucas & Kanade 1981)
//   [Sxx Sxy] [u]   [Sxt]
//   [Sxy Syy] [v] = [Syt]
// by Cramer's rule, det = Sxx Syy - Sxy^2, u = (Syy Sxt - Sxy Syt) / det,
// v = (Sxx Syt - Sxy Sxt) / det, and the confidence: the smallest eigenvalue of the window-mean
// structure tensor M = [Sxx Sxy; Sxy Syy] / n,
//   lambda_min = (Sxx + Syy)/2n - sqrt(((Sxx - Syy)/2)^2 + Sxy^2)/n   (clamped at 0).
// A window is rejected (u = v = 0) when det <= 0 (mathematically det >= 0, so this is det == 0
// up to rounding) or lambda_min < min_eigenvalue.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "config.hpp"
#include "pixel_arithmetic.hpp"
#include "vector_sqrt.hpp"

namespace lkflow::detail {

/// The five window sums of one pixel row: xx, yy, xy, xt, yt.
enum Channel { kXX = 0, kYY = 1, kXY = 2, kXT = 3, kYT = 4 };

/// Constants of one solve, in the solve's real type T.
template <class T>
struct SolveConstants {
  T scale_gg;        // raw gradient-product sums to intensity units: (s/2)^2
  T scale_gt;        // raw gradient-temporal sums to intensity units: (s/2) s
  T min_eigenvalue;  // acceptance threshold on lambda_min of the mean tensor
};

/// Solves every pixel of one row. `inv_cols[x]` is 1 / (window columns inside the image),
/// `inv_rows` likewise for rows; `scratch` holds `width` values of T.
template <class T, class S, class Acc>
void solve_row(const Acc* const* sums, Eigen::Index width, const SolveConstants<T>& k, T inv_rows,
               const T* LKFLOW_RESTRICT inv_cols, T* LKFLOW_RESTRICT scratch, S* LKFLOW_RESTRICT u,
               S* LKFLOW_RESTRICT v, S* LKFLOW_RESTRICT confidence) {
  const Acc* LKFLOW_RESTRICT wxx = sums[kXX];
  const Acc* LKFLOW_RESTRICT wyy = sums[kYY];
  const Acc* LKFLOW_RESTRICT wxy = sums[kXY];
  const Acc* LKFLOW_RESTRICT wxt = sums[kXT];
  const Acc* LKFLOW_RESTRICT wyt = sums[kYT];

  // Pass 1: the discriminant ((Sxx - Syy)/2)^2 + Sxy^2.
  for (Eigen::Index x = 0; x < width; ++x) {
    const T sxx = window_value<T>(wxx[x]) * k.scale_gg;
    const T syy = window_value<T>(wyy[x]) * k.scale_gg;
    const T sxy = window_value<T>(wxy[x]) * k.scale_gg;
    const T half_diff = T(0.5) * (sxx - syy);
    scratch[x] = half_diff * half_diff + sxy * sxy;
  }
  sqrt_in_place(scratch, width);  // vectorised; std::sqrt in the loop would not be

  // Pass 2: eigenvalue, acceptance and Cramer's rule.
  const T scale_gg = k.scale_gg, scale_gt = k.scale_gt, min_eigenvalue = k.min_eigenvalue;
  for (Eigen::Index x = 0; x < width; ++x) {
    const T sxx = window_value<T>(wxx[x]) * scale_gg;
    const T syy = window_value<T>(wyy[x]) * scale_gg;
    const T sxy = window_value<T>(wxy[x]) * scale_gg;
    const T sxt = window_value<T>(wxt[x]) * scale_gt;
    const T syt = window_value<T>(wyt[x]) * scale_gt;
    const T lambda_min = std::max(T(0.5) * (sxx + syy) - scratch[x], T(0)) * inv_rows * inv_cols[x];
    const T det = sxx * syy - sxy * sxy;
    // Branch-free, so that the loop vectorises on every target: GCC keeps -ftrapping-math by
    // default and will neither if-convert a select that feeds a division nor keep arithmetic
    // that is used only under a condition. So the divisor is |det| + the smallest normal
    // number (bit-identical to det for every det above 2^-102 in float, 2^-970 in double, and
    // never 0), and a 0/1 gate zeroes the numerator of rejected windows; "+ 0" turns -0 to +0.
    const bool accept = (det > T(0)) & (lambda_min >= min_eigenvalue);
    const T gate = accept ? T(1) : T(0);
    const T inv_det = T(1) / (std::abs(det) + std::numeric_limits<T>::min());
    u[x] = static_cast<S>((syy * sxt - sxy * syt) * gate * inv_det + T(0));
    v[x] = static_cast<S>((sxx * syt - sxy * sxt) * gate * inv_det + T(0));
    confidence[x] = static_cast<S>(lambda_min);
  }
}

}  // namespace lkflow::detail
