// Single-scale dense Lucas-Kanade optical flow (Lucas & Kanade 1981) for every pixel, with window
// sums from summed-area tables and a closed-form 2x2 solve.
//
// Method, per pixel (x, y) with window radius r:
//   Ix = (I0(x+1, y) - I0(x-1, y)) / 2,  Iy = (I0(x, y+1) - I0(x, y-1)) / 2,  It = I0 - I1,
// with replicated pixels at the image edge; the five products Ix^2, Iy^2, IxIy, IxIt, IyIt are
// summed over the (2r+1)x(2r+1) window clipped to the image (Sxx, Syy, Sxy, Sxt, Syt), and
//   det = Sxx Syy - Sxy^2,  u = (Syy Sxt - Sxy Syt) / det,  v = (Sxx Syt - Sxy Sxt) / det,
// the least-squares solution of Ix u + Iy v = It over the window, i.e. I1(x+u, y+v) ~= I0(x, y).
// confidence = smallest eigenvalue of the window-mean structure tensor [Sxx Sxy; Sxy Syy] / n
// (n = window pixels inside the image); where it is below params.min_eigenvalue, or det == 0,
// u = v = 0 (the confidence keeps its value).
//
// Precision: window sums are exact for 8- and 16-bit input (integer sums of integer products)
// and accumulated in double for floating-point input, over bands of rows, so a window sum never
// cancels against a whole-image sum. Cost per pixel does not depend on the radius.
//
// Memory beyond the output, per worker thread: 5 (2 width + 2r + 1) accumulators (4 bytes each
// for 8-bit input with windows up to 181x181 pixels, otherwise 8 bytes) and one row of the solve
// type, plus one shared row; for inputs whose rows are not contiguous (column-major, inner
// strides) also two bands of (max(32, 8r+4) + 2r + 2) rows of the input type. Expressions without
// storage (e.g. `a.cast<float>()`) are evaluated once into a temporary image.
//
// Speed: the kernel runs at the width of AVX-512 or AVX2 where the processor has them, also in
// code built for the baseline x86-64 with GCC or clang (detail/isa.hpp), to bitwise the same
// result for 8- and 16-bit frames.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include <Eigen/Core>

#include "detail/check_args.hpp"
#include "detail/isa_kernels.hpp"
#include "detail/pixel_arithmetic.hpp"
#include "detail/row_reader.hpp"
#include "image.hpp"
#include "params.hpp"

namespace lkflow {

/// Dense single-scale Lucas-Kanade flow from I0 to I1, written into `out` (resized only if its
/// size differs from the input's, so a reused `out` costs no allocation).
///
/// I0, I1: any 2-D dense Eigen expression (Array, Matrix, Map, Block, row- or column-major) of
/// uint8_t, uint16_t, float or double, the same type and size; rows are y. Integer pixels are
/// scaled to [0, 1] by the type's maximum, floating-point pixels are used as they are.
/// S: float or double, the type of the result.
/// Throws std::invalid_argument for empty or differently sized images, a non-finite pixel or a
/// floating-point pixel so large that the double window sums would overflow (beyond about
/// 1e76; the message names it), radius < 1, min_eigenvalue < 0 or NaN, threads < 0, or an input
/// that shares memory with `out`; `out` is left untouched when it throws. The flow is always
/// finite: a solution beyond S's range counts as a rejected window.
template <class S, class D0, class D1>
void dense_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                const DenseParams& params, Flow<S>& out) {
  using In = typename D0::Scalar;
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>,
                "lkflow::dense_flow: the flow scalar S must be float or double");
  static_assert(std::is_same_v<In, typename D1::Scalar>,
                "lkflow::dense_flow: I0 and I1 must have the same pixel type");
  static_assert(detail::is_supported_pixel_v<In>,
                "lkflow::dense_flow: pixels must be uint8_t, uint16_t, float or double");

  constexpr const char* func = "dense_flow";
  detail::check_pair(func, I0, I1);
  detail::check_radius(func, params.radius);
  detail::check_min_eigenvalue(func, params.min_eigenvalue);
  detail::check_threads(func, params.threads);

  const Eigen::Index rows = I0.rows(), cols = I0.cols();
  // A window never needs to reach further than the image; clamping keeps 2r+1 from overflowing.
  const Eigen::Index radius = std::min<Eigen::Index>(params.radius, std::max(rows, cols));
  Image<In> scratch0, scratch1;
  const auto view0 = detail::strided_view(I0, scratch0);
  const auto view1 = detail::strided_view(I1, scratch1);
  // Floating-point frames are summed and solved in double.
  detail::check_pixels<double>(func, view0, view1, radius);
  for (Image<S>* field : {&out.u, &out.v, &out.confidence}) {
    detail::check_no_overlap(func, "I0", view0, field->data(), field->size());
    detail::check_no_overlap(func, "I1", view1, field->data(), field->size());
  }
  for (Image<S>* field : {&out.u, &out.v, &out.confidence})
    if (field->rows() != rows || field->cols() != cols) field->resize(rows, cols);

  auto run = [&](auto accumulator) {
    detail::run_dense_lk<S, decltype(accumulator)>(view0, view1, radius, params.min_eigenvalue,
                                                   params.threads, out);
  };
  if constexpr (std::is_same_v<In, std::uint8_t>) {
    const double window =
        double(std::min(2 * radius + 1, rows)) * double(std::min(2 * radius + 1, cols));
    if (detail::fits_int32_sums(detail::PixelTraits<In>::max_abs_product, window))
      run(std::uint32_t{});
    else
      run(std::uint64_t{});
  } else if constexpr (std::is_same_v<In, std::uint16_t>) {
    run(std::uint64_t{});
  } else {
    run(double{});
  }
}

/// Dense single-scale Lucas-Kanade flow from I0 to I1; see the overload above.
template <class S = float, class D0, class D1>
Flow<S> dense_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                   const DenseParams& params = {}) {
  Flow<S> out;
  dense_flow(I0, I1, params, out);
  return out;
}

}  // namespace lkflow
