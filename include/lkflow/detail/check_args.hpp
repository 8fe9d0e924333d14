// Precondition checks shared by lkflow's public functions. Each failure throws
// std::invalid_argument whose message names the function, the argument and the bad value.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
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

/// True when every value of a contiguous row is finite. Tests the exponent bits (all ones for
/// inf and NaN) with an integer OR-reduction, which vectorises; std::isfinite in a loop, or
/// Eigen's allFinite(), do not.
template <class F>
bool row_is_finite(const F* row, Eigen::Index n) {
  using Bits = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent = sizeof(F) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits non_finite = 0;
  for (Eigen::Index x = 0; x < n; ++x) {
    Bits bits;
    std::memcpy(&bits, row + x, sizeof bits);
    non_finite |= Bits((bits & exponent) == exponent);
  }
  return non_finite == 0;
}

/// Every pixel finite (a no-op for integer images); names the first bad pixel in reading order.
template <class In>
void check_finite(const char* func, const char* name, const StridedImage<In>& image) {
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
      if (row_is_finite(values, image.cols)) continue;
      for (Eigen::Index x = 0; x < image.cols; ++x) {
        const In value = values[x];
        if (!std::isfinite(value))
          fail(func, std::string(name) + " has a non-finite pixel (" +
                         (std::isnan(value) ? "NaN" : (value > 0 ? "+inf" : "-inf")) + ") at row " +
                         std::to_string(y) + ", column " + std::to_string(x));
      }
    }
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
    fail(func, "min_eigenvalue must be >= 0, got " + std::to_string(min_eigenvalue));
}

}  // namespace lkflow::detail
