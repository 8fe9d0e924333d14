// The naive per-pixel Lucas-Kanade reference that lkflow's kernel is tested against. Written
// for clarity, in double, straight from the definition; it shares no code with the library.
//
// For pixel (x, y): visit every pixel (i, j) of the (2r+1)x(2r+1) window that lies inside the
// image, form Ix = (I0(i+1, j) - I0(i-1, j)) / 2, Iy = (I0(i, j+1) - I0(i, j-1)) / 2 (pixels
// outside the image replaced by the nearest edge pixel) and It = I0(i, j) - I1(i, j), sum the
// five products, solve the 2x2 system by Cramer's rule, and take the smallest eigenvalue of the
// mean structure tensor (computed by Eigen's eigen-solver, not by a closed form).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

namespace lkflow_test {

template <class S>
using Image = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Pixel values as intensities: integers divided by their type's maximum, floats unchanged.
template <class In>
Image<double> to_intensity(const Image<In>& image) {
  Image<double> out = image.template cast<double>();
  if constexpr (std::is_integral_v<In>) out /= double(std::numeric_limits<In>::max());
  return out;
}

struct ReferencePixel {
  double u = 0, v = 0, confidence = 0;
  double lambda_max = 0;  // largest eigenvalue of the mean tensor, to judge conditioning
  double sxx = 0, syy = 0, sxy = 0, sxt = 0, syt = 0;
  int window_pixels = 0;
};

/// I(y, x) with coordinates clamped into the image.
inline double clamped(const Image<double>& I, Eigen::Index y, Eigen::Index x) {
  y = std::clamp<Eigen::Index>(y, 0, I.rows() - 1);
  x = std::clamp<Eigen::Index>(x, 0, I.cols() - 1);
  return I(y, x);
}

inline ReferencePixel reference_pixel(const Image<double>& I0, const Image<double>& I1,
                                      Eigen::Index y, Eigen::Index x, int radius,
                                      double min_eigenvalue) {
  ReferencePixel p;
  for (Eigen::Index j = y - radius; j <= y + radius; ++j) {
    for (Eigen::Index i = x - radius; i <= x + radius; ++i) {
      if (j < 0 || j >= I0.rows() || i < 0 || i >= I0.cols()) continue;  // clipped window
      const double Ix = (clamped(I0, j, i + 1) - clamped(I0, j, i - 1)) / 2;
      const double Iy = (clamped(I0, j + 1, i) - clamped(I0, j - 1, i)) / 2;
      const double It = I0(j, i) - I1(j, i);
      p.sxx += Ix * Ix;
      p.syy += Iy * Iy;
      p.sxy += Ix * Iy;
      p.sxt += Ix * It;
      p.syt += Iy * It;
      ++p.window_pixels;
    }
  }
  Eigen::Matrix2d mean_tensor;
  mean_tensor << p.sxx, p.sxy, p.sxy, p.syy;
  mean_tensor /= p.window_pixels;
  const Eigen::Vector2d eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d>(mean_tensor, Eigen::EigenvaluesOnly)
          .eigenvalues();  // ascending
  p.confidence = std::max(eigenvalues(0), 0.0);
  p.lambda_max = eigenvalues(1);

  const double det = p.sxx * p.syy - p.sxy * p.sxy;
  if (det != 0 && p.confidence >= min_eigenvalue) {
    p.u = (p.syy * p.sxt - p.sxy * p.syt) / det;
    p.v = (p.sxx * p.syt - p.sxy * p.sxt) / det;
  }
  return p;
}

struct ReferenceFlow {
  Image<double> u, v, confidence, lambda_max;
};

/// reference_pixel at every pixel.
inline ReferenceFlow reference_flow(const Image<double>& I0, const Image<double>& I1, int radius,
                                    double min_eigenvalue) {
  ReferenceFlow f;
  for (Image<double>* field : {&f.u, &f.v, &f.confidence, &f.lambda_max})
    field->resize(I0.rows(), I0.cols());
  for (Eigen::Index y = 0; y < I0.rows(); ++y)
    for (Eigen::Index x = 0; x < I0.cols(); ++x) {
      const ReferencePixel p = reference_pixel(I0, I1, y, x, radius, min_eigenvalue);
      f.u(y, x) = p.u;
      f.v(y, x) = p.v;
      f.confidence(y, x) = p.confidence;
      f.lambda_max(y, x) = p.lambda_max;
    }
  return f;
}

}  // namespace lkflow_test
