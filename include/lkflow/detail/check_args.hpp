// Precondition checks shared by lkflow's public functions. Each failure throws
// std::invalid_argument whose message names the function, the argument and the bad value.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <Eigen/Core>

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

/// Every pixel finite (a no-op for integer images); names the first bad pixel.
template <class Derived>
void check_finite(const char* func, const char* name, const Eigen::DenseBase<Derived>& image) {
  using In = typename Derived::Scalar;
  if constexpr (std::is_floating_point_v<In>) {
    // Row-major scan order so that the pixel reported is the first in reading order.
    for (Eigen::Index y = 0; y < image.rows(); ++y)
      for (Eigen::Index x = 0; x < image.cols(); ++x) {
        const In value = image.coeff(y, x);
        if (!std::isfinite(value))
          fail(func, std::string(name) + " has a non-finite pixel (" +
                         (std::isnan(value) ? "NaN" : (value > 0 ? "+inf" : "-inf")) + ") at row " +
                         std::to_string(y) + ", column " + std::to_string(x));
      }
  }
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
