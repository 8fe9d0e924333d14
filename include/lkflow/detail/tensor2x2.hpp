// The 2x2 structure tensor of a window and the Lucas-Kanade normal equations it defines (Lucas &
// Kanade 1981), row by row:
//   [Sxx Sxy] [u]   [Sxt]
//   [Sxy Syy] [v] = [Syt],   det = Sxx Syy - Sxy^2,
// solved by Cramer's rule, u = (Syy Sxt - Sxy Syt) / det, v = (Sxx Syt - Sxy Sxt) / det. The
// confidence is the smallest eigenvalue of the window-mean tensor M = [Sxx Sxy; Sxy Syy] / n,
//   lambda_min = (Sxx + Syy)/2n - sqrt(((Sxx - Syy)/2)^2 + Sxy^2)/n   (clamped at 0),
// and a window is accepted when det > 0 (mathematically det >= 0, so this rejects det == 0 up to
// rounding) and lambda_min >= min_eigenvalue. dense_flow solves each window once (solve_row); the
// pyramid inverts each window's tensor once per level (invert_tensor_row) and applies the inverse
// to every iteration's right-hand side (update_flow_row).
//
// The row loops are branch-free so that they vectorise on every target: GCC keeps
// -ftrapping-math by default, and then neither if-converts a select that feeds a division nor
// keeps arithmetic used only under a condition. So the one division, 1/det, is computed for
// every window, of |det| + the smallest normal number (bit-identical to 1/det for every det above
// 2^-102 in float, 2^-970 in double, and never a division by 0), and a 0/1 gate zeroes it for
// rejected windows (gated_inverse).
//
// The row functions are kernels, compiled once per instruction set (window_scan.hpp).
#ifndef LKFLOW_DETAIL_TENSOR2X2_HPP
#define LKFLOW_DETAIL_TENSOR2X2_HPP

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

/// Constants of dense_flow's solve, in the solve's real type T.
template <class T>
struct SolveConstants {
  T scale_gg;        // raw gradient-product sums to intensity units: (s/2)^2
  T scale_gt;        // raw gradient-temporal sums to intensity units: (s/2) s
  T min_eigenvalue;  // acceptance threshold on lambda_min of the mean tensor
};

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_TENSOR2X2_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// root[x] = sqrt(((Sxx - Syy)/2)^2 + Sxy^2) for the window sums of one row, each converted to T
/// and multiplied by `scale` (from raw sums to intensity units; 1 for sums already in them). The
/// square roots are vectorised and correctly rounded (vector_sqrt.hpp); std::sqrt in the loop
/// would not vectorise.
template <class T, class Acc>
void eigenvalue_roots_row(const Acc* LKFLOW_RESTRICT xx, const Acc* LKFLOW_RESTRICT yy,
                          const Acc* LKFLOW_RESTRICT xy, Eigen::Index cols, T scale,
                          T* LKFLOW_RESTRICT root) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const T sxx = window_value<T>(xx[x]) * scale;
    const T syy = window_value<T>(yy[x]) * scale;
    const T sxy = window_value<T>(xy[x]) * scale;
    const T half_diff = T(0.5) * (sxx - syy);
    root[x] = half_diff * half_diff + sxy * sxy;
  }
  sqrt_in_place(root, cols);
}

/// lambda_min of the window-mean tensor from the sums in intensity units, the root of
/// eigenvalue_roots_row and 1 / the window's rows and columns inside the image.
template <class T>
inline T window_lambda_min(T sxx, T syy, T root, T inv_rows, T inv_cols) {
  return std::max(T(0.5) * (sxx + syy) - root, T(0)) * inv_rows * inv_cols;
}

/// The acceptance rule: det > 0 and lambda_min >= min_eigenvalue (not short-circuit, so that
/// both comparisons are unconditional).
template <class T>
inline bool window_accepted(T det, T lambda_min, T min_eigenvalue) {
  return (det > T(0)) & (lambda_min >= min_eigenvalue);
}

/// 1 / det where the window is accepted, 0 where it is not, without a branch and without a
/// division that could trap (see the top of this file).
template <class T>
inline T gated_inverse(T det, bool accepted) {
  const T gate = accepted ? T(1) : T(0);
  return gate * (T(1) / (std::abs(det) + std::numeric_limits<T>::min()));
}

/// dense_flow's solve of every pixel of one row from its five raw window sums (`sums[kXX]` ...,
/// see pixel_arithmetic.hpp): (u, v) by Cramer's rule where the window is accepted, (0, 0) where
/// it is not, and lambda_min as the confidence. `inv_cols[x]` is 1 / (window columns inside the
/// image), `inv_rows` likewise for rows; `scratch` holds `width` values of T. Out of line, so
/// that its pointers stay restrict parameters (config.hpp, LKFLOW_NOINLINE).
template <class T, class S, class Acc>
LKFLOW_NOINLINE void solve_row(const Acc* const* sums, Eigen::Index width,
                               const SolveConstants<T>& k, T inv_rows,
                               const T* LKFLOW_RESTRICT inv_cols, T* LKFLOW_RESTRICT scratch,
                               S* LKFLOW_RESTRICT u, S* LKFLOW_RESTRICT v,
                               S* LKFLOW_RESTRICT confidence) {
  const Acc* LKFLOW_RESTRICT wxx = sums[kXX];
  const Acc* LKFLOW_RESTRICT wyy = sums[kYY];
  const Acc* LKFLOW_RESTRICT wxy = sums[kXY];
  const Acc* LKFLOW_RESTRICT wxt = sums[kXT];
  const Acc* LKFLOW_RESTRICT wyt = sums[kYT];

  constexpr T kLargest = T(std::numeric_limits<S>::max());
  eigenvalue_roots_row(wxx, wyy, wxy, width, k.scale_gg, scratch);
  const T scale_gg = k.scale_gg, scale_gt = k.scale_gt, min_eigenvalue = k.min_eigenvalue;
  for (Eigen::Index x = 0; x < width; ++x) {
    const T sxx = window_value<T>(wxx[x]) * scale_gg;
    const T syy = window_value<T>(wyy[x]) * scale_gg;
    const T sxy = window_value<T>(wxy[x]) * scale_gg;
    const T sxt = window_value<T>(wxt[x]) * scale_gt;
    const T syt = window_value<T>(wyt[x]) * scale_gt;
    const T lambda_min = window_lambda_min(sxx, syy, scratch[x], inv_rows, inv_cols[x]);
    const T det = sxx * syy - sxy * sxy;
    const T inverse = gated_inverse(det, window_accepted(det, lambda_min, min_eigenvalue));
    // "+ 0" turns the -0 of a rejected window with a negative numerator into +0. A solution
    // beyond S's range (a nearly singular window accepted with min_eigenvalue = 0, solved in
    // double for float output) counts as rejected, so that the flow stays finite.
    const T new_u = (syy * sxt - sxy * syt) * inverse + T(0);
    const T new_v = (sxx * syt - sxy * sxt) * inverse + T(0);
    // A select, not a product: an infinite solution times 0 would be NaN.
    const bool u_in_range = std::abs(new_u) <= kLargest;
    const bool v_in_range = std::abs(new_v) <= kLargest;
    const bool in_range = u_in_range && v_in_range;
    u[x] = static_cast<S>(in_range ? new_u : T(0));
    v[x] = static_cast<S>(in_range ? new_v : T(0));
    confidence[x] = static_cast<S>(lambda_min);
  }
}

/// The pyramid's inverse of one row of structure tensors from their window sums Sxx, Syy, Sxy
/// (in intensity units): [a b; b c] = [Syy -Sxy; -Sxy Sxx] / det where the window is accepted,
/// a = b = c = 0 where it is not (accepted windows have c > 0), and lambda_min as the confidence.
/// `inv_rows`, `inv_cols`: as in solve_row; `root`: scratch of `cols` values. Computed in W, the
/// flow's type: in float, lambda_min's cancellation error (~6e-8 lambda_max) and det's relative
/// error (~6e-8 times the condition number) stay far below the acceptance threshold and the
/// flow's accuracy.
template <class Acc, class W, class S>
void invert_tensor_row(const Acc* LKFLOW_RESTRICT sxx, const Acc* LKFLOW_RESTRICT syy,
                       const Acc* LKFLOW_RESTRICT sxy, Eigen::Index cols, W inv_rows,
                       const W* LKFLOW_RESTRICT inv_cols, W min_eigenvalue, W* LKFLOW_RESTRICT root,
                       W* LKFLOW_RESTRICT a, W* LKFLOW_RESTRICT b, W* LKFLOW_RESTRICT c,
                       S* LKFLOW_RESTRICT confidence) {
  eigenvalue_roots_row(sxx, syy, sxy, cols, W(1), root);
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W xx = W(sxx[x]), yy = W(syy[x]), xy = W(sxy[x]);
    const W lambda_min = window_lambda_min(xx, yy, root[x], inv_rows, inv_cols[x]);
    const W det = xx * yy - xy * xy;
    const W inverse = gated_inverse(det, window_accepted(det, lambda_min, min_eigenvalue));
    a[x] = yy * inverse;
    b[x] = -xy * inverse;
    c[x] = xx * inverse;
    confidence[x] = static_cast<S>(lambda_min);
  }
}

/// The pyramid's new flow of one row from the window sums Sxt' (`sxt`) and Syt' (`syt`) and the
/// inverse tensor [a b; b c] of invert_tensor_row: (u, v) = (a Sxt' + b Syt', b Sxt' + c Syt')
/// where the window is accepted (c > 0); rejected windows keep (u, v). A solution beyond
/// `max_flow` px along x or y, or not finite (possible only for a nearly singular window accepted
/// with min_eigenvalue = 0), is rejected too, so that the flow, and every position sampled from
/// it, stays finite and within the bound the arguments are checked against (flow_bound).
template <class Acc, class W>
void update_flow_row(const Acc* LKFLOW_RESTRICT sxt, const Acc* LKFLOW_RESTRICT syt,
                     const W* LKFLOW_RESTRICT a, const W* LKFLOW_RESTRICT b,
                     const W* LKFLOW_RESTRICT c, Eigen::Index cols, W max_flow,
                     W* LKFLOW_RESTRICT u, W* LKFLOW_RESTRICT v) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const Acc xt = sxt[x], yt = syt[x];
    // "+ 0": a solution of -0 (a zero right-hand side times a negative entry) becomes +0, so
    // that identical frames give a flow of +0 exactly.
    const W new_u = static_cast<W>(Acc(a[x]) * xt + Acc(b[x]) * yt) + W(0);
    const W new_v = static_cast<W>(Acc(b[x]) * xt + Acc(c[x]) * yt) + W(0);
    // Non-short-circuit, so that the comparisons are unconditional and the loop vectorises.
    const bool accept = (int(c[x] > W(0)) & int(std::abs(new_u) <= max_flow) &
                         int(std::abs(new_v) <= max_flow)) != 0;
    u[x] = accept ? new_u : u[x];
    v[x] = accept ? new_v : v[x];
  }
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
