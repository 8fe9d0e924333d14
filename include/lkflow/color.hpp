// The Middlebury colour code for flow fields (Baker et al., IJCV 2011, sec. 4.1; after
// Scharstein's colorcode.cpp): the direction of a vector picks a hue on a 55-colour wheel, its
// length (relative to a maximum radius) the saturation, from white at 0 to the full colour at 1.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "detail/check_args.hpp"
#include "image.hpp"
#include "unknown_flow.hpp"

namespace lkflow {

namespace detail {

using Rgb8 = std::array<std::uint8_t, 3>;

/// The 55 wheel colours: six segments (red-yellow 15, yellow-green 6, green-cyan 4, cyan-blue 11,
/// blue-magenta 13, magenta-red 6), each ramping one channel in steps of floor(255 i / n).
inline const std::array<Rgb8, 55>& middlebury_wheel() {
  static const std::array<Rgb8, 55> wheel = [] {
    struct Segment {
      int length;
      std::size_t channel;  // the channel that ramps
      bool up;              // ramps from 0 to 255, else from 255 to 0
      Rgb8 base;            // the other two channels
    };
    const Segment segments[] = {{15, 1, true, {255, 0, 0}}, {6, 0, false, {0, 255, 0}},
                                {4, 2, true, {0, 255, 0}},  {11, 1, false, {0, 0, 255}},
                                {13, 0, true, {0, 0, 255}}, {6, 2, false, {255, 0, 0}}};
    std::array<Rgb8, 55> colors{};
    std::size_t k = 0;
    for (const Segment& s : segments)
      for (int i = 0; i < s.length; ++i, ++k) {
        colors[k] = s.base;
        const int step = 255 * i / s.length;
        colors[k][s.channel] = static_cast<std::uint8_t>(s.up ? step : 255 - step);
      }
    return colors;
  }();
  return wheel;
}

/// The colour of the flow vector (fx, fy) already divided by the maximum radius.
inline void flow_color(double fx, double fy, std::uint8_t* rgb) {
  const auto& wheel = middlebury_wheel();
  constexpr std::size_t n = 55;
  const double pi = 3.14159265358979323846;
  const double radius = std::sqrt(fx * fx + fy * fy);
  // Hue from the direction of -(fx, fy), so that flow to the right (+x) is red.
  const double a = std::atan2(-fy, -fx) / pi;     // [-1, 1]
  const double fk = (a + 1) / 2 * double(n - 1);  // [0, n - 1]
  const auto k0 = static_cast<std::size_t>(fk);
  const std::size_t k1 = (k0 + 1) % n;
  const double f = fk - double(k0);
  for (std::size_t c = 0; c < 3; ++c) {
    double col = ((1 - f) * wheel[k0][c] + f * wheel[k1][c]) / 255;
    if (radius <= 1)
      col = 1 - radius * (1 - col);  // saturation grows with the radius: white at 0
    else
      col *= 0.75;                                  // beyond the maximum radius: dimmed
    rgb[c] = static_cast<std::uint8_t>(255 * col);  // truncated, as in the reference code
  }
}

}  // namespace detail

/// The largest length of a known vector of `flow` (see is_known_flow), pixels; 0 when there is
/// none. This is the radius flow_to_rgb scales by when given max_radius = 0.
template <class S>
double largest_known_radius(const Flow<S>& flow) {
  double largest = 0;
  for (Eigen::Index i = 0; i < flow.u.size(); ++i) {
    const double u = double(flow.u.data()[i]), v = double(flow.v.data()[i]);
    if (is_known_flow(u, v)) largest = std::max(largest, std::sqrt(u * u + v * v));
  }
  return largest;
}

/// The Middlebury colour coding of flow.u, flow.v as an 8-bit RGB image of flow.u.rows() rows
/// and 3 * flow.u.cols() columns, R, G, B interleaved (the layout of PNG and PPM writers):
/// pixel (x, y) is (rgb(y, 3x), rgb(y, 3x + 1), rgb(y, 3x + 2)).
/// Hue: the direction of the vector, from atan2(-v, -u) on the 55-colour wheel: right (+u) red,
/// down (+v) yellow, left cyan-blue, up blue-violet. Saturation: |flow| / max_radius, white for
/// zero flow; vectors longer than max_radius get the full colour dimmed by 0.75. Unknown vectors
/// (|u| or |v| > 1e9, or NaN) are black. max_radius in pixels; 0 = the largest known radius
/// (or 1 if every known vector is zero). Throws std::invalid_argument when u and v differ in
/// size or max_radius is negative or not finite.
template <class S>
Image<std::uint8_t> flow_to_rgb(const Flow<S>& flow, double max_radius = 0) {
  constexpr const char* func = "flow_to_rgb";
  if (flow.u.rows() != flow.v.rows() || flow.u.cols() != flow.v.cols())
    detail::fail(func, "flow.u is " + detail::size_text(flow.u.rows(), flow.u.cols()) +
                           " but flow.v is " + detail::size_text(flow.v.rows(), flow.v.cols()));
  if (!(max_radius >= 0) || !std::isfinite(max_radius))
    detail::fail(func, "max_radius must be finite and >= 0 (0 = largest known radius), got " +
                           std::to_string(max_radius));
  if (max_radius == 0) max_radius = largest_known_radius(flow);
  if (max_radius == 0) max_radius = 1;

  Image<std::uint8_t> rgb(flow.u.rows(), 3 * flow.u.cols());
  for (Eigen::Index y = 0; y < flow.u.rows(); ++y)
    for (Eigen::Index x = 0; x < flow.u.cols(); ++x) {
      std::uint8_t* pixel = &rgb(y, 3 * x);
      const double u = double(flow.u(y, x)), v = double(flow.v(y, x));
      if (is_known_flow(u, v))
        detail::flow_color(u / max_radius, v / max_radius, pixel);
      else
        pixel[0] = pixel[1] = pixel[2] = 0;
    }
  return rgb;
}

/// The colour wheel as a size x size legend in flow_to_rgb's layout (size rows, 3 * size
/// columns): the pixel at offset (dx, dy) from the centre shows the colour of the flow
/// (dx, dy) / ((size - 1) / 2) * max_radius, so the inscribed circle is |flow| = max_radius and
/// the corners show the dimmed colours of longer vectors. Throws std::invalid_argument for
/// size < 3.
inline Image<std::uint8_t> color_wheel_legend(int size = 151) {
  if (size < 3)
    detail::fail("color_wheel_legend", "size must be >= 3, got " + std::to_string(size));
  const double centre = (size - 1) / 2.0;
  Image<std::uint8_t> rgb(size, 3 * Eigen::Index(size));
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      detail::flow_color((x - centre) / centre, (y - centre) / centre, &rgb(y, 3 * x));
  return rgb;
}

}  // namespace lkflow
