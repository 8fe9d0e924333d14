// Precision at 3840x2160: window sums must not cancel against sums over the whole image (a float
// summed-area table is off by up to 1e5 px at this size, float band tables by 0.3 px).
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>

#include "support/cases.hpp"
#include "support/images.hpp"

using namespace lkflow_test;

namespace {
const Image<double>& frame(int which) {
  static const auto pair = translated_pair<double>(99, 2160, 3840, 0.35, -0.45);
  return which == 0 ? pair.first : pair.second;
}

// Whole rows (errors would grow along them) at band edges, the middle and the bottom.
const std::vector<Eigen::Index> kRows = {0, 1, 63, 64, 65, 700, 1079, 1080, 1500, 2095, 2158, 2159};

template <class S, class In>
void check_rows(const Image<In>& I0, const Image<In>& I1, int radius) {
  const double min_eigenvalue = 1e-5;
  const auto flow = lkflow::dense_flow<S>(I0, I1, dense_params(radius, min_eigenvalue, 0));
  const Image<double> J0 = to_intensity(I0), J1 = to_intensity(I1);
  for (const Eigen::Index y : kRows) {
    ReferenceFlow ref;
    for (Image<double>* field : {&ref.u, &ref.v, &ref.confidence, &ref.lambda_max})
      field->resize(1, I0.cols());
    for (Eigen::Index x = 0; x < I0.cols(); ++x) {
      const auto p = reference_pixel(J0, J1, y, x, radius, min_eigenvalue);
      ref.u(0, x) = p.u;
      ref.v(0, x) = p.v;
      ref.confidence(0, x) = p.confidence;
      ref.lambda_max(0, x) = p.lambda_max;
    }
    lkflow::Flow<S> row{flow.u.row(y), flow.v.row(y), flow.confidence.row(y)};
    INFO("row " << y);
    CHECK(check_against_reference(row, ref, min_eigenvalue) > I0.cols() / 2);
  }
}
}  // namespace

TEMPLATE_TEST_CASE("3840x2160 matches the reference on whole rows", "[dense_flow][large]", float,
                   double) {
  using S = TestType;
  SECTION("8-bit input") {
    const Image<std::uint8_t> I0 = frame(0).unaryExpr(&to_pixel<std::uint8_t>);
    const Image<std::uint8_t> I1 = frame(1).unaryExpr(&to_pixel<std::uint8_t>);
    check_rows<S>(I0, I1, 2);
  }
  SECTION("float input") {
    check_rows<S>(Image<float>(frame(0).cast<float>()), Image<float>(frame(1).cast<float>()), 2);
  }
  SECTION("16-bit input, r = 15") {
    const Image<std::uint16_t> I0 = frame(0).unaryExpr(&to_pixel<std::uint16_t>);
    const Image<std::uint16_t> I1 = frame(1).unaryExpr(&to_pixel<std::uint16_t>);
    check_rows<S>(I0, I1, 15);
  }
}
