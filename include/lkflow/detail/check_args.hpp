// Precondition checks shared by lkflow's public functions. Each failure throws
// std::invalid_argument whose message names the function, the argument and the bad value.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "row_reader.hpp"

namespace lkflow::detail {

[[noreturn]] inline void fail(const char* func, const std::string& what) {
  throw std::invalid_argument(std::string("lkflow::") + func + ": " + what);
}

inline std::string size_text(Eigen::Index rows, Eigen::Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols) + " (rows x cols)";
}

/// Both frames non-empty and of the same size.
template <class D0, class D1>
void check_pair(const char* func, const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1) {
  if (I0.rows() == 0 || I0.cols() == 0)
    fail(func, "I0 is an empty image (" + size_text(I0.rows(), I0.cols()) + ")");
  if (I1.rows() == 0 || I1.cols() == 0)
    fail(func, "I1 is an empty image (" + size_text(I1.rows(), I1.cols()) + ")");
  if (I0.rows() != I1.rows() || I0.cols() != I1.cols())
    fail(func, "size mismatch: I0 is " + size_text(I0.rows(), I0.cols()) + ", I1 is " +
                   size_text(I1.rows(), I1.cols()));
}

/// `value` in the shortest form that keeps 6 significant digits (%g): 1e-320, 1e+200, 0.25.
inline std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

/// True when every value of a contiguous row is finite and at most `limit` in magnitude. A
/// comparison that is false for NaN, OR-reduced as an integer: it vectorises, where
/// std::isfinite in a loop, or Eigen's allFinite(), does not.
template <class F>
bool row_within(const F* row, Eigen::Index n, F limit) {
  int outside = 0;
  for (Eigen::Index x = 0; x < n; ++x) outside |= int(!(std::abs(row[x]) <= limit));
  return outside == 0;
}

/// Every value of `image` finite and within +-limit (a no-op for integer images); names the first
/// bad value in reading order. `why` completes the message of a finite value beyond the limit.
template <class In>
void check_values(const char* func, const char* name, const StridedImage<In>& image, In limit,
                  const char* why) {
  if constexpr (std::is_floating_point_v<In>) {
    std::vector<In> row;  // a copy only for rows that are not contiguous
    for (Eigen::Index y = 0; y < image.rows; ++y) {
      const In* values = image.data + y * image.row_stride;
      if (image.col_stride != 1) {
        row.resize(static_cast<std::size_t>(image.cols));
        for (Eigen::Index x = 0; x < image.cols; ++x)
          row[std::size_t(x)] = values[x * image.col_stride];
        values = row.data();
      }
      if (row_within(values, image.cols, limit)) continue;
      for (Eigen::Index x = 0; x < image.cols; ++x) {
        const In value = values[x];
        const std::string where = " at row " + std::to_string(y) + ", column " + std::to_string(x);
        if (!std::isfinite(value))
          fail(func, std::string(name) + " has a non-finite pixel (" +
                         (std::isnan(value) ? "NaN" : (value > 0 ? "+inf" : "-inf")) + ")" + where);
        if (!(std::abs(value) <= limit))
          fail(func, std::string(name) + " has a value of " + number_text(double(value)) + where +
                         ", beyond +-" + number_text(double(limit)) + ": " + why);
      }
    }
  }
}

/// The largest pixel magnitude whose window sums and 2x2 solve stay finite in T, for windows of
/// up to `window_pixels` pixels: the largest quantities formed are products of two window sums of
/// squared gradients, up to (4 n M^2)^2 for pixels in [-M, M], which (with a margin of 4) must
/// stay below T's largest value: M = (max / (64 n^2))^(1/4). For float sums of 13x13 windows
/// that is 1.2e8, for double sums about 1e76.
template <class T>
double pixel_limit(double window_pixels) {
  const double largest = double(std::numeric_limits<T>::max());
  return std::pow(largest / (64.0 * window_pixels * window_pixels), 0.25);
}

/// The pixels of the frames `view0`, `view1` finite and within pixel_limit<T> for windows of
/// radius `radius` clipped to the image.
template <class T, class In>
void check_pixels(const char* func, const StridedImage<In>& view0, const StridedImage<In>& view1,
                  Eigen::Index radius) {
  if constexpr (std::is_floating_point_v<In>) {
    const double window =
        double(std::min(2 * radius + 1, view0.rows)) * double(std::min(2 * radius + 1, view0.cols));
    const double limit = pixel_limit<T>(window);
    const In bound = limit < double(std::numeric_limits<In>::max())
                         ? static_cast<In>(limit)
                         : std::numeric_limits<In>::max();
    // (Literals: a call with valid frames allocates nothing.)
    const char* why = sizeof(T) == 4 ? "pixels beyond it overflow the window sums of this radius "
                                       "in float (scale the frames down)"
                                     : "pixels beyond it overflow the window sums of this radius "
                                       "in double (scale the frames down)";
    check_values(func, "I0", view0, bound, why);
    check_values(func, "I1", view1, bound, why);
  }
}

/// Throws when the pixels of `input` share memory with `output` (an output field of the call):
/// the kernel would overwrite, or a resize free, pixels it has yet to read.
template <class In, class S>
void check_no_overlap(const char* func, const char* name, const StridedImage<In>& input,
                      const S* output, Eigen::Index output_size) {
  if (output == nullptr || output_size == 0) return;
  const In* first = input.data;
  const In* last = input.data;
  for (const Eigen::Index offset :
       {(input.rows - 1) * input.row_stride, (input.cols - 1) * input.col_stride}) {
    if (offset < 0)
      first += offset;
    else
      last += offset;
  }
  const auto begin = reinterpret_cast<std::uintptr_t>(first);
  const auto end = reinterpret_cast<std::uintptr_t>(last + 1);
  const auto out_begin = reinterpret_cast<std::uintptr_t>(output);
  const auto out_end = reinterpret_cast<std::uintptr_t>(output + output_size);
  if (begin < out_end && out_begin < end)
    fail(func, std::string(name) + " shares memory with the output flow; pass a separate Flow");
}

inline void check_radius(const char* func, int radius) {
  if (radius < 1) fail(func, "radius must be >= 1, got " + std::to_string(radius));
}

inline void check_threads(const char* func, int threads) {
  if (threads < 0)
    fail(func, "threads must be >= 0 (0 = all hardware threads), got " + std::to_string(threads));
}

inline void check_min_eigenvalue(const char* func, double min_eigenvalue) {
  if (!(min_eigenvalue >= 0))  // also catches NaN
    fail(func, "min_eigenvalue must be >= 0, got " + number_text(min_eigenvalue));
}

}  // namespace lkflow::detail
