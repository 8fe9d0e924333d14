// Tests of metrics.hpp against values worked out by hand.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>
#include <lkflow/metrics.hpp>

using lkflow::Flow;
using lkflow::Image;

namespace {

template <class S>
Flow<S> flow_of(std::initializer_list<S> u, std::initializer_list<S> v) {
  Flow<S> flow;
  flow.u.resize(1, Eigen::Index(u.size()));
  flow.v.resize(1, Eigen::Index(v.size()));
  Eigen::Index i = 0;
  for (S value : u) flow.u(0, i++) = value;
  i = 0;
  for (S value : v) flow.v(0, i++) = value;
  return flow;
}

const double pi = std::acos(-1.0);

}  // namespace

TEST_CASE("flow_errors on hand-computed vectors", "[metrics]") {
  // Pixel 0: estimate (1, 0) vs truth (0, 0): EPE 1 (not > 1), angle between (1, 0, 1) and
  //          (0, 0, 1): 45 degrees.
  // Pixel 1: (0, 0) vs (3, 4): EPE 5, angle acos(1 / sqrt(26)) = 78.6900675...
  // Pixel 2: (2, -1) vs (2, -1): 0 and 0.
  // Pixel 3: truth unknown (1e10): skipped, however wrong the estimate.
  // Pixel 4: truth NaN: skipped.
  const float unknown = lkflow::unknown_flow_value;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Flow<double> estimate = flow_of<double>({1, 0, 2, 500, 7}, {0, 0, -1, 500, 7});
  const Flow<float> truth = flow_of<float>({0, 3, 2, unknown, nan}, {0, 4, -1, unknown, 0});
  const lkflow::FlowErrors e = lkflow::flow_errors(estimate, truth);
  const double ae1 = 78.69006752597978;  // acos(1 / sqrt(26)) in degrees, pixel 1's angle
  CHECK(e.scored == 3);
  CHECK(e.epe == Approx(2.0).epsilon(1e-14));
  CHECK(e.angular_error == Approx((45 + ae1) / 3).epsilon(1e-12));
  CHECK(e.over_1px == Approx(1.0 / 3).epsilon(1e-15));  // only the EPE of 5; 1 is not > 1
  CHECK(e.over_3px == Approx(1.0 / 3).epsilon(1e-15));
}

TEST_CASE("the outlier thresholds are strict and separate", "[metrics]") {
  // EPEs 0.5, 1.5, 3, 3.5: > 1 px: 3 of 4; > 3 px: 1 of 4.
  const Flow<float> estimate = flow_of<float>({0.5f, 1.5f, 0, 0}, {0, 0, 3, -3.5f});
  const Flow<float> truth = flow_of<float>({0, 0, 0, 0}, {0, 0, 0, 0});
  const lkflow::FlowErrors e = lkflow::flow_errors(estimate, truth);
  CHECK(e.epe == Approx((0.5 + 1.5 + 3 + 3.5) / 4));
  CHECK(e.over_1px == 0.75);
  CHECK(e.over_3px == 0.25);
}

TEST_CASE("the angular error keeps its precision for tiny angles", "[metrics]") {
  // acos(a.b / |a||b|) rounds to exactly 0 here; the true angle is atan(1e-8) rad.
  const Flow<double> estimate = flow_of<double>({1e-8}, {0});
  const Flow<double> truth = flow_of<double>({0}, {0});
  const double expected = std::atan(1e-8) * 180 / pi;  // 5.7e-7 degrees: Approx has no margin
  CHECK(lkflow::flow_errors(estimate, truth).angular_error == Approx(expected).epsilon(1e-9));
}

TEST_CASE("flow_errors with no known ground truth scores nothing", "[metrics]") {
  const float unknown = lkflow::unknown_flow_value;
  const lkflow::FlowErrors e = lkflow::flow_errors(flow_of<float>({1, 2}, {1, 2}),
                                                   flow_of<float>({unknown, 0}, {0, unknown}));
  CHECK(e.scored == 0);
  CHECK(std::isnan(e.epe));
  CHECK(std::isnan(e.angular_error));
  CHECK(std::isnan(e.over_1px));
  CHECK(std::isnan(e.over_3px));
}

TEST_CASE("flow_errors rejects fields of different sizes", "[metrics]") {
  const Flow<float> a = flow_of<float>({1, 2}, {1, 2});
  const Flow<float> b = flow_of<float>({1, 2, 3}, {1, 2, 3});
  CHECK_THROWS_WITH(lkflow::flow_errors(a, b), Catch::Contains("estimate.u is 1x2"));
  Flow<float> c = a;
  c.v.resize(2, 1);
  CHECK_THROWS_WITH(lkflow::flow_errors(a, c), Catch::Contains("truth.v is 2x1"));
}
