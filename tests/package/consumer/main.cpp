// Computes the flow of a pattern moved by a known sub-pixel step, through the installed or
// embedded package, and fails unless the step is found.
#include <cmath>
#include <cstdio>

#include <lkflow/lkflow.hpp>

int main() {
  const int rows = 60, cols = 80;
  lkflow::Image<float> I0(rows, cols), I1(rows, cols);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      auto pattern = [](double px, double py) {
        return static_cast<float>(0.5 + 0.2 * std::sin(0.21 * px + 0.05 * py) +
                                  0.2 * std::cos(0.17 * py - 0.07 * px));
      };
      I0(y, x) = pattern(x, y);
      I1(y, x) = pattern(x - 0.2, y + 0.1);  // content moves by (u, v) = (0.2, -0.1)
    }
  lkflow::DenseParams params;
  params.radius = 5;
  params.min_eigenvalue = 1e-6;
  const lkflow::Flow<float> flow = lkflow::dense_flow(I0, I1, params);
  const float u = flow.u(30, 40), v = flow.v(30, 40);
  std::printf("lkflow %s: flow at the centre (%.4f, %.4f)\n", lkflow::version_string, u, v);
  return (std::abs(u - 0.2f) < 0.02f && std::abs(v + 0.1f) < 0.02f) ? 0 : 1;
}
