// Tests of color.hpp: wheel colours worked out by hand from the Middlebury code's definition,
// directions, saturation, dimming beyond the maximum radius, unknown flow, and the legend.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <lkflow/color.hpp>

using lkflow::Flow;
using lkflow::Image;
using Rgb = std::array<int, 3>;

namespace Catch {
template <>
struct StringMaker<Rgb> {
  static std::string convert(const Rgb& c) {
    std::ostringstream s;
    s << "(" << c[0] << ", " << c[1] << ", " << c[2] << ")";
    return s.str();
  }
};
}  // namespace Catch

namespace {

Rgb pixel(const Image<std::uint8_t>& rgb, Eigen::Index x, Eigen::Index y) {
  return {rgb(y, 3 * x), rgb(y, 3 * x + 1), rgb(y, 3 * x + 2)};
}

/// The colour of one flow vector, coded with the given maximum radius.
Rgb color_of(double u, double v, double max_radius = 1) {
  Flow<double> flow;
  flow.u = Image<double>::Constant(1, 1, u);
  flow.v = Image<double>::Constant(1, 1, v);
  return pixel(lkflow::flow_to_rgb(flow, max_radius), 0, 0);
}

bool near(const Rgb& a, const Rgb& b, int tolerance = 1) {
  for (int c = 0; c < 3; ++c)
    if (std::abs(a[std::size_t(c)] - b[std::size_t(c)]) > tolerance) return false;
  return true;
}

}  // namespace

TEST_CASE("the wheel has the Middlebury segments and colours", "[color]") {
  const auto& wheel = lkflow::detail::middlebury_wheel();
  auto at = [&](std::size_t k) { return Rgb{wheel[k][0], wheel[k][1], wheel[k][2]}; };
  // Segment starts and ends, with floor(255 i / n) worked out by hand.
  CHECK(at(0) == Rgb{255, 0, 0});     // red
  CHECK(at(1) == Rgb{255, 17, 0});    // 255 / 15
  CHECK(at(14) == Rgb{255, 238, 0});  // 255 * 14 / 15
  CHECK(at(15) == Rgb{255, 255, 0});  // yellow
  CHECK(at(20) == Rgb{43, 255, 0});   // 255 - floor(255 * 5 / 6)
  CHECK(at(21) == Rgb{0, 255, 0});    // green
  CHECK(at(24) == Rgb{0, 255, 191});  // floor(255 * 3 / 4)
  CHECK(at(25) == Rgb{0, 255, 255});  // cyan
  CHECK(at(35) == Rgb{0, 24, 255});   // 255 - floor(255 * 10 / 11)
  CHECK(at(36) == Rgb{0, 0, 255});    // blue
  CHECK(at(48) == Rgb{235, 0, 255});  // floor(255 * 12 / 13)
  CHECK(at(49) == Rgb{255, 0, 255});  // magenta
  CHECK(at(54) == Rgb{255, 0, 43});   // 255 - floor(255 * 5 / 6)
}

TEST_CASE("directions map to the wheel's colours", "[color]") {
  // Unit vectors with max_radius 1: fully saturated. Hue index (atan2(-v, -u) / pi + 1) * 27.
  CHECK(color_of(1, 0) == Rgb{255, 0, 0});         // right: index 0, red
  CHECK(near(color_of(0, 1), Rgb{255, 229, 0}));   // down: 13.5, between 221 and 238: yellow
  CHECK(near(color_of(-1, 0), Rgb{0, 209, 255}));  // left: 27, cyan-blue
  CHECK(near(color_of(0, -1), Rgb{88, 0, 255}));   // up: 40.5, between 78 and 98: violet
  // Just above right the hue index approaches 54 from below: the wheel's last colour, so the code
  // has a small seam at +x between (255, 0, 43) and red.
  CHECK(near(color_of(1, -1e-9), Rgb{255, 0, 43}));
  // The colour depends on the direction only, not the length, up to the maximum radius.
  CHECK(color_of(0.3, 0.4, 0.5) == color_of(3, 4, 5));
}

TEST_CASE("saturation grows with the radius; beyond the maximum it is dimmed", "[color]") {
  CHECK(color_of(0, 0) == Rgb{255, 255, 255});    // no motion: white
  CHECK(color_of(0.5, 0) == Rgb{255, 127, 127});  // 1 - 0.5 (1 - 0) = 0.5, truncated
  CHECK(color_of(2, 0) == Rgb{191, 0, 0});        // 0.75 * 255 = 191.25
  CHECK(color_of(1, 0, 0.5) == Rgb{191, 0, 0});   // the same through max_radius
}

TEST_CASE("unknown flow is black and does not set the automatic radius", "[color]") {
  Flow<float> flow;
  flow.u.resize(1, 6);
  flow.v.resize(1, 6);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  flow.u << 4, 2, 0, lkflow::unknown_flow_value, 0, 5e9f;
  flow.v << 0, 0, 0, lkflow::unknown_flow_value, nan, 0;
  const Image<std::uint8_t> rgb = lkflow::flow_to_rgb(flow);  // max_radius 0: largest known, 4
  REQUIRE(rgb.rows() == 1);
  REQUIRE(rgb.cols() == 18);  // R, G, B interleaved
  CHECK(pixel(rgb, 0, 0) == Rgb{255, 0, 0});
  CHECK(pixel(rgb, 1, 0) == Rgb{255, 127, 127});
  CHECK(pixel(rgb, 2, 0) == Rgb{255, 255, 255});
  CHECK(pixel(rgb, 3, 0) == Rgb{0, 0, 0});
  CHECK(pixel(rgb, 4, 0) == Rgb{0, 0, 0});
  CHECK(pixel(rgb, 5, 0) == Rgb{0, 0, 0});
  CHECK(lkflow::largest_known_radius(flow) == 4);
}

TEST_CASE("an all-zero flow is white rather than a division by zero", "[color]") {
  Flow<float> flow;
  flow.u = Image<float>::Zero(2, 2);
  flow.v = Image<float>::Zero(2, 2);
  const Image<std::uint8_t> rgb = lkflow::flow_to_rgb(flow);
  CHECK((rgb == 255).all());
}

TEST_CASE("pixels keep their place in the interleaved image", "[color]") {
  Flow<float> flow;
  flow.u = Image<float>::Zero(2, 3);
  flow.v = Image<float>::Zero(2, 3);
  flow.u(1, 2) = 1;  // row 1, column 2: red
  const Image<std::uint8_t> rgb = lkflow::flow_to_rgb(flow, 1);
  CHECK(pixel(rgb, 2, 1) == Rgb{255, 0, 0});
  CHECK(pixel(rgb, 1, 1) == Rgb{255, 255, 255});
  CHECK(pixel(rgb, 2, 0) == Rgb{255, 255, 255});
}

TEST_CASE("flow_to_rgb rejects bad arguments", "[color]") {
  Flow<float> flow;
  flow.u = Image<float>::Zero(2, 3);
  flow.v = Image<float>::Zero(3, 2);
  CHECK_THROWS_WITH(lkflow::flow_to_rgb(flow), Catch::Contains("flow.v is 3x2"));
  flow.v = flow.u;
  CHECK_THROWS_AS(lkflow::flow_to_rgb(flow, -1), std::invalid_argument);
  CHECK_THROWS_AS(lkflow::flow_to_rgb(flow, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(lkflow::flow_to_rgb(flow, HUGE_VAL), std::invalid_argument);
}

TEST_CASE("the legend is the wheel: centre white, edges the directions' colours", "[color]") {
  const Image<std::uint8_t> legend = lkflow::color_wheel_legend(151);
  REQUIRE(legend.rows() == 151);
  REQUIRE(legend.cols() == 3 * 151);
  CHECK(pixel(legend, 75, 75) == Rgb{255, 255, 255});
  CHECK(pixel(legend, 150, 75) == color_of(1, 0));  // right edge: red
  CHECK(pixel(legend, 75, 150) == color_of(0, 1));  // bottom edge: flow down
  CHECK(pixel(legend, 0, 75) == color_of(-1, 0));   // left edge
  CHECK(pixel(legend, 75, 0) == color_of(0, -1));   // top edge: flow up
  CHECK(pixel(legend, 0, 0) == color_of(-1, -1));   // corner: beyond the radius, dimmed
  CHECK(legend.maxCoeff() == 255);
  CHECK_THROWS_AS(lkflow::color_wheel_legend(2), std::invalid_argument);
}
