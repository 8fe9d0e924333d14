// What a bilinear sampler of I1 writes for each position (warp.hpp and its SIMD versions).
#pragma once

namespace lkflow::detail {

enum class SampleOutput {
  samples,             // the sample, and whether the position was inside I1 (warped_row)
  squared_differences  // (I0 - sample)^2, for neighbour candidates' costs (squared_difference_row)
};

}  // namespace lkflow::detail
