#include <lkflow/lkflow.hpp>

float second_unit_flow();

int main() {
  const lkflow::Image<float> frame = lkflow::Image<float>::Random(20, 30).abs();
  const lkflow::Flow<float> flow = lkflow::dense_flow(frame, frame);
  // Both units compute the same zero flow; the test is that they link.
  return (flow.u.abs().maxCoeff() == 0.0f && second_unit_flow() == 0.0f) ? 0 : 1;
}
