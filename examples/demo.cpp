// Moves a synthetic pattern by a known sub-pixel step and prints the flow lkflow finds.
#include <cmath>
#include <cstdio>

#include <lkflow/lkflow.hpp>

int main() {
  const int rows = 240, cols = 320;
  const double u_true = 0.3, v_true = -0.2;
  auto pattern = [](double x, double y) {
    return 0.5 + 0.2 * std::sin(0.19 * x + 0.07 * y) + 0.2 * std::cos(0.15 * y - 0.06 * x);
  };
  lkflow::Image<float> I0(rows, cols), I1(rows, cols);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      I0(y, x) = static_cast<float>(pattern(x, y));
      I1(y, x) = static_cast<float>(pattern(x - u_true, y - v_true));
    }
  lkflow::DenseParams params;
  params.radius = 7;
  const lkflow::Flow<float> flow = lkflow::dense_flow(I0, I1, params);
  std::printf("lkflow %s demo: %dx%d pattern moved by (%.2f, %.2f) px\n", lkflow::version_string,
              cols, rows, u_true, v_true);
  std::printf("flow at the centre: (%.4f, %.4f) px, confidence %.3g\n", flow.u(rows / 2, cols / 2),
              flow.v(rows / 2, cols / 2), flow.confidence(rows / 2, cols / 2));
  std::printf("mean flow over the image: (%.4f, %.4f) px\n", flow.u.mean(), flow.v.mean());
  return 0;
}
