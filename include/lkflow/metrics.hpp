// Accuracy of a flow field against ground truth, as in the Middlebury evaluation (Baker et al.,
// IJCV 2011, sec. 4.2): mean endpoint error, mean angular error (Barron, Fleet & Beauchemin,
// IJCV 1994) and the share of pixels whose endpoint error exceeds 1 and 3 pixels.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "detail/check_args.hpp"
#include "image.hpp"
#include "unknown_flow.hpp"

namespace lkflow {

/// Errors of an estimated flow against ground truth, over the pixels whose ground truth is
/// known. Every mean and fraction is NaN when no pixel is scored.
struct FlowErrors {
  double epe = std::numeric_limits<double>::quiet_NaN();  //!< mean endpoint error, pixels
  double angular_error =
      std::numeric_limits<double>::quiet_NaN();  //!< mean angular error, degrees, in [0, 180]
  double over_1px = std::numeric_limits<double>::quiet_NaN();  //!< share with EPE > 1 px, [0, 1]
  double over_3px = std::numeric_limits<double>::quiet_NaN();  //!< share with EPE > 3 px, [0, 1]
  Eigen::Index scored = 0;  //!< pixels scored: those whose ground truth is known
};

/// Scores `estimate` against `truth` (both flow.u, flow.v; confidence is not used) at every
/// pixel whose ground truth is known (is_known_flow); the estimate is used as it is.
/// Endpoint error: |(u, v) - (u_t, v_t)|. Angular error: the angle between the space-time
/// vectors (u, v, 1) and (u_t, v_t, 1), computed as atan2(|a x b|, a . b), which equals
/// Barron et al.'s acos(a . b / (|a| |b|)) but keeps its precision for small angles.
/// Throws std::invalid_argument when the four fields are not all the same size.
template <class S, class T>
FlowErrors flow_errors(const Flow<S>& estimate, const Flow<T>& truth) {
  constexpr const char* func = "flow_errors";
  const Eigen::Index rows = truth.u.rows(), cols = truth.u.cols();
  auto check = [&](const char* name, Eigen::Index r, Eigen::Index c) {
    if (r != rows || c != cols)
      detail::fail(func, std::string(name) + " is " + detail::size_text(r, c) + " but truth.u is " +
                             detail::size_text(rows, cols));
  };
  check("truth.v", truth.v.rows(), truth.v.cols());
  check("estimate.u", estimate.u.rows(), estimate.u.cols());
  check("estimate.v", estimate.v.rows(), estimate.v.cols());

  const double degrees_per_radian = 180 / 3.14159265358979323846;
  double epe_sum = 0, angle_sum = 0;
  Eigen::Index scored = 0, over_1 = 0, over_3 = 0;
  for (Eigen::Index y = 0; y < rows; ++y)
    for (Eigen::Index x = 0; x < cols; ++x) {
      const double ut = double(truth.u(y, x)), vt = double(truth.v(y, x));
      if (!is_known_flow(ut, vt)) continue;
      const double u = double(estimate.u(y, x)), v = double(estimate.v(y, x));
      const double epe = std::hypot(u - ut, v - vt);
      // (u, v, 1) x (ut, vt, 1) = (v - vt, ut - u, u vt - v ut)
      const double cross = std::sqrt((v - vt) * (v - vt) + (ut - u) * (ut - u) +
                                     (u * vt - v * ut) * (u * vt - v * ut));
      const double dot = u * ut + v * vt + 1;
      ++scored;
      epe_sum += epe;
      angle_sum += std::atan2(cross, dot) * degrees_per_radian;
      over_1 += epe > 1;
      over_3 += epe > 3;
    }

  FlowErrors errors;
  errors.scored = scored;
  if (scored > 0) {
    const double n = double(scored);
    errors.epe = epe_sum / n;
    errors.angular_error = angle_sum / n;
    errors.over_1px = double(over_1) / n;
    errors.over_3px = double(over_3) / n;
  }
  return errors;
}

}  // namespace lkflow
