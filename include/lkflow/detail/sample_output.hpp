// What a bilinear sampler of I1 writes for each position, and what the SIMD samplers take
// (warp.hpp and its SIMD versions).
#pragma once

#include <cstdint>
#include <limits>

#include <Eigen/Core>

#include "assert.hpp"

namespace lkflow::detail {

enum class SampleOutput {
  samples,             // the sample, and whether the position was inside I1 (warped_row)
  squared_differences  // (I0 - sample)^2, for neighbour candidates' costs (squared_difference_row)
};

/// The SIMD samplers' contract: columns [x_begin, x_begin + count) of row y of an image of at
/// least 2x2 pixels (every cell then has a right and a lower neighbour to read) and below 2^31
/// pixels (32-bit offsets).
inline void check_simd_sampler_contract(Eigen::Index rows, Eigen::Index cols, Eigen::Index y,
                                        Eigen::Index x_begin, Eigen::Index count) {
  LKFLOW_ASSERT(rows >= 2 && cols >= 2 &&
                    rows * cols <= Eigen::Index(std::numeric_limits<std::int32_t>::max()),
                "an image of at least 2x2 and below 2^31 pixels");
  LKFLOW_ASSERT(0 <= y && y < rows && 0 <= x_begin && count >= 0 && x_begin + count <= cols,
                "a piece of a row");
}

}  // namespace lkflow::detail
