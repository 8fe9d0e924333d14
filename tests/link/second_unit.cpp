#include <lkflow/lkflow.hpp>

float second_unit_flow() {
  const lkflow::Image<float> frame = lkflow::Image<float>::Random(20, 30).abs();
  return lkflow::dense_flow(frame, frame).v.abs().maxCoeff();
}
