// The reference itself, checked on cases small enough to work out by hand.
#include <catch2/catch.hpp>

#include "support/reference.hpp"

using lkflow_test::Image;
using lkflow_test::reference_pixel;

namespace {
// I0(x, y) = x^2 + 2 y^2, so away from the border Ix = 2x and Iy = 4y exactly;
// I1 = I0 - 2x u0 - 4y v0, so It = Ix u0 + Iy v0 holds exactly there.
constexpr double u0 = 0.5, v0 = -0.25;
void quadratic_pair(Image<double>& I0, Image<double>& I1) {
  I0.resize(5, 5);
  I1.resize(5, 5);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      I0(y, x) = x * x + 2.0 * y * y;
      I1(y, x) = I0(y, x) - 2.0 * x * u0 - 4.0 * y * v0;
    }
}
}  // namespace

TEST_CASE("reference: interior window worked by hand", "[reference]") {
  Image<double> I0, I1;
  quadratic_pair(I0, I1);
  // Window of (2, 2), r = 1: x, y in {1, 2, 3}, Ix in {2, 4, 6}, Iy in {4, 8, 12}.
  // Sxx = 3 (4 + 16 + 36) = 168, Syy = 3 (16 + 64 + 144) = 672, Sxy = 8 (1+2+3)^2 = 288.
  const auto p = reference_pixel(I0, I1, 2, 2, 1, 0.0);
  CHECK(p.window_pixels == 9);
  CHECK(p.sxx == Approx(168));
  CHECK(p.syy == Approx(672));
  CHECK(p.sxy == Approx(288));
  // It = Ix u0 + Iy v0, so the solve returns (u0, v0) exactly.
  CHECK(p.u == Approx(u0));
  CHECK(p.v == Approx(v0));
  // Mean tensor [168 288; 288 672] / 9: lambda = 46.667 -/+ sqrt(28^2 + 32^2) = 46.667 -/+ 42.521.
  CHECK(p.confidence == Approx(420.0 / 9 - std::sqrt(1808.0)));
  CHECK(p.lambda_max == Approx(420.0 / 9 + std::sqrt(1808.0)));
}

TEST_CASE("reference: corner window clipped and edge gradients replicated", "[reference]") {
  Image<double> I0, I1;
  quadratic_pair(I0, I1);
  // Window of (0, 0), r = 1, clipped to x, y in {0, 1}: n = 4. Replicated edge pixels give
  // Ix(0) = (1 - 0)/2 = 0.5, Ix(1) = (4 - 0)/2 = 2, Iy(0) = (2 - 0)/2 = 1, Iy(1) = (8 - 0)/2 = 4.
  // Sxx = 2 (0.25 + 4) = 8.5, Syy = 2 (1 + 16) = 34, Sxy = (0.5 + 2)(1 + 4) = 12.5,
  // It(x, y) = 2x u0 + 4y v0: Sxt = 8 u0 + 10 v0 = 1.5, Syt = 10 u0 + 32 v0 = -3,
  // det = 289 - 156.25 = 132.75, u = (51 + 37.5) / 132.75 = 2/3, v = (-25.5 - 18.75) / 132.75 =
  // -1/3.
  const auto p = reference_pixel(I0, I1, 0, 0, 1, 0.0);
  CHECK(p.window_pixels == 4);
  CHECK(p.sxx == Approx(8.5));
  CHECK(p.syy == Approx(34));
  CHECK(p.sxy == Approx(12.5));
  CHECK(p.sxt == Approx(1.5));
  CHECK(p.syt == Approx(-3));
  CHECK(p.u == Approx(2.0 / 3));
  CHECK(p.v == Approx(-1.0 / 3));
}

TEST_CASE("reference: threshold and singular windows give zero flow", "[reference]") {
  Image<double> I0, I1;
  quadratic_pair(I0, I1);
  // lambda_min at (2, 2) is 4.145: a threshold above it rejects the window.
  const auto rejected = reference_pixel(I0, I1, 2, 2, 1, 5.0);
  CHECK(rejected.u == 0);
  CHECK(rejected.v == 0);
  CHECK(rejected.confidence == Approx(420.0 / 9 - std::sqrt(1808.0)));
  // A vertical ramp has Iy = 0 everywhere: det = 0.
  Image<double> ramp(4, 4), shifted(4, 4);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      ramp(y, x) = x;
      shifted(y, x) = x - 0.5;
    }
  const auto singular = reference_pixel(ramp, shifted, 1, 1, 1, 0.0);
  CHECK(singular.u == 0);
  CHECK(singular.v == 0);
  CHECK(singular.confidence == 0);
}
