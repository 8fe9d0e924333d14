// Catch2 matcher for images: "every pixel (where a mask allows) within a tolerance", reporting
// the worst pixel, its position and both values when it fails.
#pragma once

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "reference.hpp"

namespace Catch {
// Print images by their size only: a failing check must not dump millions of pixels.
template <>
struct StringMaker<lkflow_test::Image<double>> {
  static std::string convert(const lkflow_test::Image<double>& image) {
    return "image " + std::to_string(image.rows()) + "x" + std::to_string(image.cols());
  }
};
}  // namespace Catch

namespace lkflow_test {

template <class Derived>
Image<double> as_double(const Eigen::DenseBase<Derived>& image) {
  return image.template cast<double>();
}

class NearImage : public Catch::MatcherBase<Image<double>> {
 public:
  NearImage(Image<double> expected, double tolerance,
            Eigen::Array<bool, -1, -1, Eigen::RowMajor> mask)
      : expected_(std::move(expected)), tolerance_(tolerance), mask_(std::move(mask)) {}

  bool match(const Image<double>& actual) const override {
    if (actual.rows() != expected_.rows() || actual.cols() != expected_.cols()) {
      report_ = "has a different size from the expected " + std::to_string(expected_.rows()) + "x" +
                std::to_string(expected_.cols());
      return false;
    }
    double worst = -1;
    Eigen::Index wy = 0, wx = 0, checked = 0;
    for (Eigen::Index y = 0; y < actual.rows(); ++y)
      for (Eigen::Index x = 0; x < actual.cols(); ++x) {
        if (mask_.size() != 0 && !mask_(y, x)) continue;
        ++checked;
        double error = std::abs(actual(y, x) - expected_(y, x));
        if (std::isnan(error)) error = std::numeric_limits<double>::infinity();
        if (error > worst) {
          worst = error;
          wy = y;
          wx = x;
        }
      }
    std::ostringstream text;
    text << "is within " << tolerance_ << " of the expected image at " << checked
         << " checked pixels; worst |difference| " << worst << " at row " << wy << ", column "
         << wx;
    if (checked > 0)
      text << " (actual " << actual(wy, wx) << ", expected " << expected_(wy, wx) << ")";
    report_ = text.str();
    return checked > 0 && worst <= tolerance_;
  }

  std::string describe() const override { return report_; }

 private:
  Image<double> expected_;
  double tolerance_;
  Eigen::Array<bool, -1, -1, Eigen::RowMajor> mask_;
  mutable std::string report_;
};

/// CHECK_THAT(as_double(actual), IsNear(expected, tol[, mask])).
inline NearImage IsNear(const Image<double>& expected, double tolerance,
                        Eigen::Array<bool, -1, -1, Eigen::RowMajor> mask = {}) {
  return NearImage(expected, tolerance, std::move(mask));
}

}  // namespace lkflow_test
