// Bilinear sampling of a float image at 16 positions at a time with AVX-512, without gathers
// where it can: a kernel of the copy of the kernels compiled for AVX-512 (isa.hpp), or of the
// base copy where the build targets AVX-512 (e.g. -march=native on such a machine); warp.hpp's
// samplers use it there.
//
// Flow fields are smooth almost everywhere, so the 2x2 cells of 16 neighbouring pixels usually
// lie on two or three image rows and within 32 columns (94% of 16-pixel chunks on Urban2). Their
// pixels then come from a few contiguous loads, picked into lanes by vpermt2ps (two-source
// permute), which is faster than gathering each cell's two pixel pairs (README, "Samples without
// gathers"). Where the cells spread further (a motion boundary, a large flow gradient)
// the 16 lanes fall back to gathers. Both ways compute what warp.hpp's loop computes, operation
// for operation, with fused multiply-adds where a build for FMA fuses them too.
#ifndef LKFLOW_DETAIL_WARP_AVX512_HPP
#define LKFLOW_DETAIL_WARP_AVX512_HPP

#include <cstdint>

#include <Eigen/Core>

#include "config.hpp"
#include "sample_output.hpp"

#if LKFLOW_X86_DISPATCH || defined(__AVX512F__)
#include <immintrin.h>
#endif

#endif  // LKFLOW_DETAIL_WARP_AVX512_HPP

// Kernels (window_scan.hpp), in the copies whose sampler this is (LKFLOW_ISA_SAMPLER). GCC 12's
// false -Wmaybe-uninitialized in avx512fintrin.h (GCC bug 105593) is silenced by isa_kernels.hpp.
#if defined(LKFLOW_ISA_KERNELS) && LKFLOW_ISA_SAMPLER == 512
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// 8 pixel pairs from `i1` at the 8 offsets of half `half` (0: lanes 0-7, 1: lanes 8-15) of
/// `index`: each pair one 64-bit gather element.
inline __m512 gather_pairs(const float* i1, __m512i index, int half) {
  const __m256i part =
      half == 0 ? _mm512_castsi512_si256(index) : _mm512_extracti64x4_epi64(index, 1);
  return _mm512_castsi512_ps(_mm512_i32gather_epi64(part, i1, 4));
}

/// warped_row (warp.hpp) for a float image `i1` of rows x cols pixels, rows >= 2, cols >= 2 and
/// rows * cols < 2^31: samples I1 bilinearly at (x + u[i], y + v[i]), x = x_begin + i, the
/// position clamped into the image, for i in [0, count). Output::samples: out[i] is the sample
/// and inside[i] is 1 where the position was inside I1, 0 where it was clamped (`i0` unused).
/// Output::squared_differences: out[i] = (i0[i] - sample)^2 (`inside` unused).
template <SampleOutput Output>
LKFLOW_ALWAYS_INLINE void warped_row_avx512(const float* LKFLOW_RESTRICT i1, Eigen::Index rows,
                                            Eigen::Index cols, Eigen::Index y, Eigen::Index x_begin,
                                            Eigen::Index count, const float* LKFLOW_RESTRICT u,
                                            const float* LKFLOW_RESTRICT v,
                                            const float* LKFLOW_RESTRICT i0,
                                            float* LKFLOW_RESTRICT out,
                                            float* LKFLOW_RESTRICT inside) {
  using Index = Eigen::Index;
  check_simd_sampler_contract(rows, cols, y, x_begin, count);
  const __m512 x_max = _mm512_set1_ps(float(cols - 1));
  const __m512 y_max = _mm512_set1_ps(float(rows - 1));
  const __m512 zero = _mm512_setzero_ps();
  const __m512i x_base_max = _mm512_set1_epi32(std::int32_t(cols - 2));
  const __m512i y_base_max = _mm512_set1_epi32(std::int32_t(rows - 2));
  const __m512i stride = _mm512_set1_epi32(std::int32_t(cols));
  const __m512i one = _mm512_set1_epi32(1);
  const __m512 lane = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512 row = _mm512_set1_ps(float(y));
  // Lanes of the low and the high floats of 16 gathered pairs held in two vectors of 8 pairs.
  const __m512i low_floats =
      _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i high_floats = _mm512_add_epi32(low_floats, one);
  const Index pixels = rows * cols;

  for (Index i = 0; i < count; i += 16) {
    const __mmask16 active =
        count - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << unsigned(count - i)) - 1u);
    // Positions and their clamping, as warp.hpp's loop: x = x_begin + i + lane, as floats.
    const __m512 x = _mm512_add_ps(_mm512_set1_ps(float(x_begin + i)), lane);
    const __m512 px = _mm512_add_ps(x, _mm512_maskz_loadu_ps(active, u + i));
    const __m512 py = _mm512_add_ps(row, _mm512_maskz_loadu_ps(active, v + i));
    const __m512 cx = _mm512_min_ps(_mm512_max_ps(px, zero), x_max);
    const __m512 cy = _mm512_min_ps(_mm512_max_ps(py, zero), y_max);
    [[maybe_unused]] const __mmask16 in_image =
        _mm512_cmp_ps_mask(cx, px, _CMP_EQ_OQ) & _mm512_cmp_ps_mask(cy, py, _CMP_EQ_OQ);
    // Top-left corner of each 2x2 cell, one short of the last row and column (warp.hpp).
    const __m512i x0 = _mm512_min_epi32(_mm512_cvttps_epi32(cx), x_base_max);
    const __m512i y0 = _mm512_min_epi32(_mm512_cvttps_epi32(cy), y_base_max);
    const __m512 fx = _mm512_sub_ps(cx, _mm512_cvtepi32_ps(x0));
    const __m512 fy = _mm512_sub_ps(cy, _mm512_cvtepi32_ps(y0));

    // Where the cells lie, judged from lane 0's cell (cheaper than horizontal minima and
    // maxima, a third of this loop's instructions when it used them): the permutes can reach
    // the 32 columns from 7 left of lane 0's, and lane 0's row with the next or the previous
    // one. Cells start on row y_first (lanes not in `lower`) or y_first + 1 (lanes in `lower`).
    const std::int32_t x_ref = _mm_cvtsi128_si32(_mm512_castsi512_si128(x0));
    const std::int32_t y_ref = _mm_cvtsi128_si32(_mm512_castsi512_si128(y0));
    const std::int32_t x_first = x_ref > 7 ? x_ref - 7 : 0;
    const __m512i left = _mm512_sub_epi32(x0, _mm512_set1_epi32(x_first));
    const __mmask16 columns_fit = _mm512_cmple_epu32_mask(left, _mm512_set1_epi32(30));
    const __mmask16 on_ref = _mm512_cmpeq_epi32_mask(y0, _mm512_set1_epi32(y_ref));
    const __mmask16 on_next = _mm512_cmpeq_epi32_mask(y0, _mm512_set1_epi32(y_ref + 1));
    const __mmask16 on_previous = _mm512_cmpeq_epi32_mask(y0, _mm512_set1_epi32(y_ref - 1));
    const bool rows_fit_down = __mmask16(on_ref | on_next) == 0xFFFF;
    const bool rows_fit_up = __mmask16(on_ref | on_previous) == 0xFFFF;
    const std::int32_t y_first = rows_fit_down ? y_ref : y_ref - 1;
    const __mmask16 lower = rows_fit_down ? on_next : on_ref;
    // 32 floats from (x_first, y_first) on two rows, or three with lower lanes; the last row's
    // must lie inside the image (they may run on into the next row).
    const Index first = Index(y_first) * cols + x_first;
    const Index last_row = first + (lower != 0 ? 2 : 1) * cols;
    __m512 top_left, top_right, bottom_left, bottom_right;
    if (columns_fit == 0xFFFF && (rows_fit_down || rows_fit_up) && last_row + 32 <= pixels) {
      const __m512i right = _mm512_add_epi32(left, one);
      const float* r0 = i1 + first;
      const float* r1 = r0 + cols;
      const __m512 a0 = _mm512_loadu_ps(r0), b0 = _mm512_loadu_ps(r0 + 16);
      const __m512 a1 = _mm512_loadu_ps(r1), b1 = _mm512_loadu_ps(r1 + 16);
      top_left = _mm512_permutex2var_ps(a0, left, b0);
      top_right = _mm512_permutex2var_ps(a0, right, b0);
      bottom_left = _mm512_permutex2var_ps(a1, left, b1);
      bottom_right = _mm512_permutex2var_ps(a1, right, b1);
      if (lower != 0) {  // their cells are on rows 1 and 2
        const float* r2 = r1 + cols;
        const __m512 a2 = _mm512_loadu_ps(r2), b2 = _mm512_loadu_ps(r2 + 16);
        top_left = _mm512_mask_blend_ps(lower, top_left, bottom_left);
        top_right = _mm512_mask_blend_ps(lower, top_right, bottom_right);
        bottom_left =
            _mm512_mask_blend_ps(lower, bottom_left, _mm512_permutex2var_ps(a2, left, b2));
        bottom_right =
            _mm512_mask_blend_ps(lower, bottom_right, _mm512_permutex2var_ps(a2, right, b2));
      }
    } else {
      // Each row's two pixels of a cell as one 64-bit gather element, 8 per gather.
      const __m512i at = _mm512_add_epi32(_mm512_mullo_epi32(y0, stride), x0);
      const __m512i below = _mm512_add_epi32(at, stride);
      const __m512 top_a = gather_pairs(i1, at, 0), top_b = gather_pairs(i1, at, 1);
      const __m512 bottom_a = gather_pairs(i1, below, 0);
      const __m512 bottom_b = gather_pairs(i1, below, 1);
      top_left = _mm512_permutex2var_ps(top_a, low_floats, top_b);
      top_right = _mm512_permutex2var_ps(top_a, high_floats, top_b);
      bottom_left = _mm512_permutex2var_ps(bottom_a, low_floats, bottom_b);
      bottom_right = _mm512_permutex2var_ps(bottom_a, high_floats, bottom_b);
    }
    // top = (1 - fx) tl + fx tr, bottom likewise, sample = (1 - fy) top + fy bottom, exact at
    // fractions 0 and 1: warp.hpp's expressions (whose contraction may fuse the other product,
    // so that the two agree to rounding, and exactly at the cell's corners).
    const __m512 ones = _mm512_set1_ps(1.0f);
    const __m512 gx = _mm512_sub_ps(ones, fx), gy = _mm512_sub_ps(ones, fy);
    const __m512 top = _mm512_fmadd_ps(fx, top_right, _mm512_mul_ps(gx, top_left));
    const __m512 bottom = _mm512_fmadd_ps(fx, bottom_right, _mm512_mul_ps(gx, bottom_left));
    const __m512 sample = _mm512_fmadd_ps(fy, bottom, _mm512_mul_ps(gy, top));
    if constexpr (Output == SampleOutput::samples) {
      _mm512_mask_storeu_ps(out + i, active, sample);
      _mm512_mask_storeu_ps(inside + i, active,
                            _mm512_maskz_mov_ps(in_image, _mm512_set1_ps(1.0f)));
    } else {
      const __m512 difference = _mm512_sub_ps(_mm512_maskz_loadu_ps(active, i0 + i), sample);
      _mm512_mask_storeu_ps(out + i, active, _mm512_mul_ps(difference, difference));
    }
  }
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
