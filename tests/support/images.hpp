// Generated test images: smooth random textures (fixed seeds) that can be rendered at any
// sub-pixel position, so that warped frames have an exactly known flow, and plain noise.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "reference.hpp"

namespace lkflow_test {

/// A sum of plane waves with random directions, wavelengths, phases and amplitudes around 0.5,
/// with a standard deviation of 0.15 (values beyond [0, 1] are rare and clamped when stored as
/// integers). Smooth at every scale above `min_wavelength`.
class Texture {
 public:
  explicit Texture(unsigned seed, int waves = 12, double min_wavelength = 10,
                   double max_wavelength = 48) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    const double pi = std::acos(-1.0);
    double power = 0;
    for (int k = 0; k < waves; ++k) {
      const double wavelength = min_wavelength + (max_wavelength - min_wavelength) * unit(rng);
      const double angle = 2 * pi * unit(rng);
      Wave w{2 * pi / wavelength * std::cos(angle), 2 * pi / wavelength * std::sin(angle),
             2 * pi * unit(rng), 0.5 + unit(rng)};
      power += w.amplitude * w.amplitude / 2;  // variance of one wave
      waves_.push_back(w);
    }
    scale_ = 0.15 / std::sqrt(power);
  }

  double operator()(double x, double y) const {
    double sum = 0;
    for (const Wave& w : waves_) sum += w.amplitude * std::sin(w.kx * x + w.ky * y + w.phase);
    return 0.5 + scale_ * sum;
  }

 private:
  struct Wave {
    double kx, ky, phase, amplitude;
  };
  std::vector<Wave> waves_;
  double scale_ = 1;
};

/// An intensity in [0, 1] stored as pixel type In (integers rounded to the type's range).
template <class In>
In to_pixel(double intensity) {
  if constexpr (std::is_integral_v<In>) {
    const double max = double(std::numeric_limits<In>::max());
    return static_cast<In>(std::lround(std::clamp(intensity, 0.0, 1.0) * max));
  } else {
    return static_cast<In>(intensity);
  }
}

/// The image whose pixel (x, y) shows `texture` at source(x, y).
template <class In>
Image<In> render(
    const Texture& texture, Eigen::Index rows, Eigen::Index cols,
    const std::function<Eigen::Vector2d(double, double)>& source = [](double x, double y) {
      return Eigen::Vector2d(x, y);
    }) {
  Image<In> image(rows, cols);
  for (Eigen::Index y = 0; y < rows; ++y)
    for (Eigen::Index x = 0; x < cols; ++x) {
      const Eigen::Vector2d p = source(double(x), double(y));
      image(y, x) = to_pixel<In>(texture(p.x(), p.y()));
    }
  return image;
}

/// A frame pair with known translation flow (u, v): I1(x + u, y + v) = I0(x, y).
template <class In>
std::pair<Image<In>, Image<In>> translated_pair(unsigned seed, Eigen::Index rows, Eigen::Index cols,
                                                double u, double v, double min_wavelength = 10,
                                                double max_wavelength = 48) {
  const Texture texture(seed, 12, min_wavelength, max_wavelength);
  return {render<In>(texture, rows, cols),
          render<In>(texture, rows, cols,
                     [u, v](double x, double y) { return Eigen::Vector2d(x - u, y - v); })};
}

/// Independent uniform noise over the pixel type's range ([0, 1] for floating point).
template <class In>
Image<In> noise_image(unsigned seed, Eigen::Index rows, Eigen::Index cols) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  Image<In> image(rows, cols);
  for (Eigen::Index i = 0; i < image.size(); ++i) image.data()[i] = to_pixel<In>(unit(rng));
  return image;
}

}  // namespace lkflow_test
