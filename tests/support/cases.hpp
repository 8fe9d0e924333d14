// Type lists and shared checks for the kernel tests: every flow scalar S with every pixel type.
#pragma once

#include <cstdint>
#include <string>

#include <catch2/catch.hpp>
#include <lkflow/lkflow.hpp>

#include "matchers.hpp"
#include "reference.hpp"

namespace lkflow_test {

template <class S, class In>
struct Case {
  using Scalar = S;
  using Pixel = In;
};

#define LKFLOW_ALL_CASES                                                                     \
  (lkflow_test::Case<float, std::uint8_t>), (lkflow_test::Case<float, std::uint16_t>),       \
      (lkflow_test::Case<float, float>), (lkflow_test::Case<float, double>),                 \
      (lkflow_test::Case<double, std::uint8_t>), (lkflow_test::Case<double, std::uint16_t>), \
      (lkflow_test::Case<double, float>), (lkflow_test::Case<double, double>)

/// Tolerances of the issue: 1e-5 px in double and 1e-2 px in float where well-posed.
template <class S>
constexpr double flow_tolerance = std::is_same_v<S, double> ? 1e-5 : 1e-2;
/// Confidence tolerance relative to the largest eigenvalue in the image (its rounding scale).
template <class S>
constexpr double confidence_tolerance = std::is_same_v<S, double> ? 1e-10 : 1e-5;

/// DenseParams with these three members set by name (C++17 has no designated initialisers):
/// unlike DenseParams{radius, min_eigenvalue, threads}, a call cannot shift its values into
/// other members when DenseParams gains one.
inline lkflow::DenseParams dense_params(int radius, double min_eigenvalue, int threads) {
  lkflow::DenseParams params;
  params.radius = radius;
  params.min_eigenvalue = min_eigenvalue;
  params.threads = threads;
  return params;
}

using Mask = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Pixels whose reference window is well-posed: clearly above the threshold and with a
/// condition number lambda_max / lambda_min below 1000.
inline Mask well_posed(const ReferenceFlow& ref, double min_eigenvalue) {
  return (ref.confidence > 0) && (ref.confidence >= 1.01 * min_eigenvalue) &&
         (ref.confidence >= 1e-3 * ref.lambda_max);
}

/// Compares a kernel result with the reference at every pixel; returns the well-posed count.
template <class S>
Eigen::Index check_against_reference(const lkflow::Flow<S>& flow, const ReferenceFlow& ref,
                                     double min_eigenvalue) {
  const double lambda_scale = std::max(ref.lambda_max.maxCoeff(), 1e-12);
  CHECK_THAT(as_double(flow.confidence),
             IsNear(ref.confidence, confidence_tolerance<S> * lambda_scale));
  const Mask good = well_posed(ref, min_eigenvalue);
  if (good.count() > 0) {
    CHECK_THAT(as_double(flow.u), IsNear(ref.u, flow_tolerance<S>, good));
    CHECK_THAT(as_double(flow.v), IsNear(ref.v, flow_tolerance<S>, good));
  }
  const Mask rejected = ref.confidence < 0.99 * min_eigenvalue;
  if (rejected.count() > 0) {
    const Image<double> zero = Image<double>::Zero(ref.u.rows(), ref.u.cols());
    CHECK_THAT(as_double(flow.u), IsNear(zero, 0.0, rejected));
    CHECK_THAT(as_double(flow.v), IsNear(zero, 0.0, rejected));
  }
  return good.count();
}

template <class S>
void check_identical(const lkflow::Flow<S>& a, const lkflow::Flow<S>& b) {
  REQUIRE(a.u.rows() == b.u.rows());
  REQUIRE(a.u.cols() == b.u.cols());
  CHECK((a.u == b.u).all());
  CHECK((a.v == b.v).all());
  CHECK((a.confidence == b.confidence).all());
}

}  // namespace lkflow_test
