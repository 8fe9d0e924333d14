// Bilinear sampling of a float image at 8 positions at a time with AVX2 and FMA, for processors
// without AVX-512: a kernel of the copy of the kernels compiled for AVX2 (isa.hpp), or of the
// base copy where the build targets AVX2 and FMA (e.g. -march=x86-64-v3); warp.hpp's samplers
// use it there. The AVX-512 version (warp_avx512.hpp) explains the method. Here the pixels of the 8
// cells come from two 8-float loads per row, picked into lanes by vpermps and merged by a blend:
// AVX2 has no two-source permute. Besides the speed of permutes over gathers, this path does not
// depend on the compiler's choice to vectorise the portable loop with gathers, which GCC 12 makes
// only when tuning for a processor whose gathers are fast: built with -march=x86-64-v3, the
// portable loop runs scalar.
#ifndef LKFLOW_DETAIL_WARP_AVX2_HPP
#define LKFLOW_DETAIL_WARP_AVX2_HPP

#include <cstdint>

#include <Eigen/Core>

#include "config.hpp"
#include "sample_output.hpp"

#if LKFLOW_X86_DISPATCH || defined(__AVX2__)
#include <immintrin.h>
#endif

#endif  // LKFLOW_DETAIL_WARP_AVX2_HPP

// Kernels (window_scan.hpp), in the copies whose sampler this is (LKFLOW_ISA_SAMPLER).
#if defined(LKFLOW_ISA_KERNELS) && LKFLOW_ISA_SAMPLER == 256
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// Lanes of `low` (floats 0-7 of a row piece) or `high` (floats 8-15) at `index` (0 to 15).
inline __m256 pick16(__m256 low, __m256 high, __m256i index) {
  const __m256 from_high = _mm256_castsi256_ps(_mm256_cmpgt_epi32(index, _mm256_set1_epi32(7)));
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(low, index),
                          _mm256_permutevar8x32_ps(high, index), from_high);
}

/// True when every lane of `mask` (each 0 or -1) is set.
inline bool all_lanes(__m256i mask) {
  return _mm256_movemask_ps(_mm256_castsi256_ps(mask)) == 0xFF;
}

/// warped_row_avx512's contract, 8 lanes at a time: a float image of rows >= 2, cols >= 2,
/// rows * cols < 2^31.
template <SampleOutput Output>
LKFLOW_ALWAYS_INLINE void warped_row_avx2(const float* LKFLOW_RESTRICT i1, Eigen::Index rows,
                                          Eigen::Index cols, Eigen::Index y, Eigen::Index x_begin,
                                          Eigen::Index count, const float* LKFLOW_RESTRICT u,
                                          const float* LKFLOW_RESTRICT v,
                                          const float* LKFLOW_RESTRICT i0,
                                          float* LKFLOW_RESTRICT out,
                                          float* LKFLOW_RESTRICT inside) {
  using Index = Eigen::Index;
  check_simd_sampler_contract(rows, cols, y, x_begin, count);
  const __m256 x_max = _mm256_set1_ps(float(cols - 1));
  const __m256 y_max = _mm256_set1_ps(float(rows - 1));
  const __m256 zero = _mm256_setzero_ps();
  const __m256i x_base_max = _mm256_set1_epi32(std::int32_t(cols - 2));
  const __m256i y_base_max = _mm256_set1_epi32(std::int32_t(rows - 2));
  const __m256i stride = _mm256_set1_epi32(std::int32_t(cols));
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256 lane = _mm256_cvtepi32_ps(lane_index);
  const __m256 row = _mm256_set1_ps(float(y));
  const Index pixels = rows * cols;

  for (Index i = 0; i < count; i += 8) {
    const Index left_over = count - i;
    const __m256i active = _mm256_cmpgt_epi32(
        _mm256_set1_epi32(std::int32_t(left_over < 8 ? left_over : 8)), lane_index);
    // Positions and their clamping, as warp.hpp's loop.
    const __m256 x = _mm256_add_ps(_mm256_set1_ps(float(x_begin + i)), lane);
    const __m256 px = _mm256_add_ps(x, _mm256_maskload_ps(u + i, active));
    const __m256 py = _mm256_add_ps(row, _mm256_maskload_ps(v + i, active));
    const __m256 cx = _mm256_min_ps(_mm256_max_ps(px, zero), x_max);
    const __m256 cy = _mm256_min_ps(_mm256_max_ps(py, zero), y_max);
    [[maybe_unused]] const __m256 in_image =
        _mm256_and_ps(_mm256_cmp_ps(cx, px, _CMP_EQ_OQ), _mm256_cmp_ps(cy, py, _CMP_EQ_OQ));
    const __m256i x0 = _mm256_min_epi32(_mm256_cvttps_epi32(cx), x_base_max);
    const __m256i y0 = _mm256_min_epi32(_mm256_cvttps_epi32(cy), y_base_max);
    const __m256 fx = _mm256_sub_ps(cx, _mm256_cvtepi32_ps(x0));
    const __m256 fy = _mm256_sub_ps(cy, _mm256_cvtepi32_ps(y0));

    // As warp_avx512.hpp, from lane 0's cell: the 16 columns from 3 left of it, and its row
    // with the next or the previous one.
    const std::int32_t x_ref = _mm256_cvtsi256_si32(x0);
    const std::int32_t y_ref = _mm256_cvtsi256_si32(y0);
    const std::int32_t x_first = x_ref > 3 ? x_ref - 3 : 0;
    const __m256i left = _mm256_sub_epi32(x0, _mm256_set1_epi32(x_first));
    // left in [0, 14] (unsigned: a negative one fails), so that left + 1 is in the 16 columns.
    const bool columns_fit =
        all_lanes(_mm256_cmpeq_epi32(_mm256_min_epu32(left, _mm256_set1_epi32(14)), left));
    const __m256i on_ref = _mm256_cmpeq_epi32(y0, _mm256_set1_epi32(y_ref));
    const __m256i on_next = _mm256_cmpeq_epi32(y0, _mm256_set1_epi32(y_ref + 1));
    const __m256i on_previous = _mm256_cmpeq_epi32(y0, _mm256_set1_epi32(y_ref - 1));
    const bool rows_fit_down = all_lanes(_mm256_or_si256(on_ref, on_next));
    const bool rows_fit_up = all_lanes(_mm256_or_si256(on_ref, on_previous));
    const std::int32_t y_first = rows_fit_down ? y_ref : y_ref - 1;
    const __m256 lower = _mm256_castsi256_ps(rows_fit_down ? on_next : on_ref);
    const bool any_lower = _mm256_movemask_ps(lower) != 0;
    const Index first = Index(y_first) * cols + x_first;
    const Index last_row = first + (any_lower ? 2 : 1) * cols;
    __m256 top_left, top_right, bottom_left, bottom_right;
    if (columns_fit && (rows_fit_down || rows_fit_up) && last_row + 16 <= pixels) {
      const __m256i right = _mm256_add_epi32(left, one);
      const float* r0 = i1 + first;
      const float* r1 = r0 + cols;
      const __m256 a0 = _mm256_loadu_ps(r0), b0 = _mm256_loadu_ps(r0 + 8);
      const __m256 a1 = _mm256_loadu_ps(r1), b1 = _mm256_loadu_ps(r1 + 8);
      top_left = pick16(a0, b0, left);
      top_right = pick16(a0, b0, right);
      bottom_left = pick16(a1, b1, left);
      bottom_right = pick16(a1, b1, right);
      if (any_lower) {  // their cells are on rows 1 and 2
        const float* r2 = r1 + cols;
        const __m256 a2 = _mm256_loadu_ps(r2), b2 = _mm256_loadu_ps(r2 + 8);
        top_left = _mm256_blendv_ps(top_left, bottom_left, lower);
        top_right = _mm256_blendv_ps(top_right, bottom_right, lower);
        bottom_left = _mm256_blendv_ps(bottom_left, pick16(a2, b2, left), lower);
        bottom_right = _mm256_blendv_ps(bottom_right, pick16(a2, b2, right), lower);
      }
    } else {
      const __m256i at = _mm256_add_epi32(_mm256_mullo_epi32(y0, stride), x0);
      const __m256i below = _mm256_add_epi32(at, stride);
      top_left = _mm256_i32gather_ps(i1, at, 4);
      top_right = _mm256_i32gather_ps(i1, _mm256_add_epi32(at, one), 4);
      bottom_left = _mm256_i32gather_ps(i1, below, 4);
      bottom_right = _mm256_i32gather_ps(i1, _mm256_add_epi32(below, one), 4);
    }
    // top = (1 - fx) tl + fx tr, bottom likewise, sample = (1 - fy) top + fy bottom, exact at
    // fractions 0 and 1: warp.hpp's expressions (whose contraction may fuse the other product,
    // so that the two agree to rounding, and exactly at the cell's corners).
    const __m256 ones = _mm256_set1_ps(1.0f);
    const __m256 gx = _mm256_sub_ps(ones, fx), gy = _mm256_sub_ps(ones, fy);
    const __m256 top = _mm256_fmadd_ps(fx, top_right, _mm256_mul_ps(gx, top_left));
    const __m256 bottom = _mm256_fmadd_ps(fx, bottom_right, _mm256_mul_ps(gx, bottom_left));
    const __m256 sample = _mm256_fmadd_ps(fy, bottom, _mm256_mul_ps(gy, top));
    if constexpr (Output == SampleOutput::samples) {
      _mm256_maskstore_ps(out + i, active, sample);
      _mm256_maskstore_ps(inside + i, active, _mm256_and_ps(in_image, _mm256_set1_ps(1.0f)));
    } else {
      const __m256 difference = _mm256_sub_ps(_mm256_maskload_ps(i0 + i, active), sample);
      _mm256_maskstore_ps(out + i, active, _mm256_mul_ps(difference, difference));
    }
  }
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
