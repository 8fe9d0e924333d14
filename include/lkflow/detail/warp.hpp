// Warping I1 by a flow: bilinear samples of I1 at (x + u, y + v), the position clamped into the
// image (bilinear interpolation of the image extended by replicated edge pixels), for a piece of
// a row at a time, as samples (warped_row, for the warp iterations) or as squared differences
// from I0 (squared_difference_row, for neighbour candidates' costs). Float images are sampled by
// the AVX-512 sampler (warp_avx512.hpp) in the copy of the kernels for AVX-512, by the AVX2 one
// (warp_avx2.hpp) in the copy for AVX2, and by the portable loop here in the base copy (isa.hpp;
// a base copy built for AVX-512 or AVX2 uses their sampler). The samplers are kernels (see
// window_scan.hpp for the two parts of a header of kernels).
#ifndef LKFLOW_DETAIL_WARP_HPP
#define LKFLOW_DETAIL_WARP_HPP

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "assert.hpp"
#include "config.hpp"
#include "sample_output.hpp"
#include "warp_avx2.hpp"
#include "warp_avx512.hpp"

namespace lkflow::detail {

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
inline constexpr bool kLittleEndian = true;
#else
inline constexpr bool kLittleEndian = false;
#endif

/// How the samplers address an image: pixel offsets of type `Offset`, 32 bits (so that gathers
/// vectorise) for images below 2^31 pixels, else Eigen::Index; with `pair_loads`, the two pixels
/// of each row of a 2x2 cell are read with one 64-bit load (float images at least 2 pixels wide,
/// little-endian).
template <class OffsetType, bool PairLoads>
struct SamplerLayout {
  using Offset = OffsetType;
  static constexpr bool pair_loads = PairLoads;
};

/// Calls f(SamplerLayout<Offset, pair_loads>{}) with the layout for an image of rows x cols
/// pixels and returns what f returns: passes choose it once, then sample every row with it.
template <class F>
decltype(auto) with_sampler_layout(Eigen::Index rows, Eigen::Index cols, F&& f) {
  if (rows * cols > Eigen::Index(std::numeric_limits<std::int32_t>::max()))
    return f(SamplerLayout<Eigen::Index, false>{});
  if (cols > 1) return f(SamplerLayout<std::int32_t, true>{});
  return f(SamplerLayout<std::int32_t, false>{});
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_WARP_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// p[0], returning p[1] in `second`, from one 64-bit load (little-endian targets only).
inline float low_float(const float* p, float& second) {
  std::uint64_t pair;
  std::memcpy(&pair, p, sizeof pair);
  const auto low = static_cast<std::uint32_t>(pair), high = static_cast<std::uint32_t>(pair >> 32);
  float first;
  std::memcpy(&first, &low, sizeof first);
  std::memcpy(&second, &high, sizeof second);
  return first;
}

/// Samples I1 bilinearly at (x + u[i], y + v[i]), x = x_begin + i, for i in [0, count) (columns
/// x_begin .. x_begin + count - 1 of row y) of an image of rows x cols pixels `i1`, the position
/// clamped into the image (bilinear interpolation of the image extended by replicated edge
/// pixels). On return xs[i] is the sample and ys[i] is 1 where the position was inside I1, 0
/// where it was clamped (`xs`, `ys`: scratch of `count` values). The flow must be finite (see
/// update_flow_row). `Offset`, `PairLoads`: as SamplerLayout's (with_sampler_layout chooses).
/// Callers combine the samples in a loop of their own: a loop body passed in as a lambda reaches
/// the caller's pointers through references, and GCC then cannot prove them disjoint.
/// Float images are sampled by this copy's SIMD sampler where it has one (simd_sampled), to the
/// values of the portable loop up to whether a multiply-add was fused.
template <class Offset, bool PairLoads, class W>
void warped_row(const W* LKFLOW_RESTRICT i1, Eigen::Index rows, Eigen::Index cols, Eigen::Index y,
                Eigen::Index x_begin, Eigen::Index count, const W* LKFLOW_RESTRICT u,
                const W* LKFLOW_RESTRICT v, W* LKFLOW_RESTRICT xs, W* LKFLOW_RESTRICT ys);

/// warped_row's portable loops, which compilers vectorise with gathers where they judge those
/// fast (GCC 12: when tuning for such a processor, e.g. -march=native on AVX-512), else run
/// scalar.
template <class Offset, bool PairLoads, class W>
void warped_row_portable(const W* LKFLOW_RESTRICT i1, Eigen::Index rows, Eigen::Index cols,
                         Eigen::Index y, Eigen::Index x_begin, Eigen::Index count,
                         const W* LKFLOW_RESTRICT u, const W* LKFLOW_RESTRICT v,
                         W* LKFLOW_RESTRICT xs, W* LKFLOW_RESTRICT ys) {
  using Index = Eigen::Index;
  using Row = Eigen::Array<W, 1, Eigen::Dynamic>;
  LKFLOW_ASSERT(rows >= 1 && cols >= 1 && 0 <= y && y < rows && 0 <= x_begin && count >= 0 &&
                    x_begin + count <= cols,
                "a piece of a row of a non-empty image");
  constexpr bool kNarrowOffsets = sizeof(Offset) < sizeof(Index);
  LKFLOW_ASSERT(!kNarrowOffsets || rows * cols <= Index(std::numeric_limits<std::int32_t>::max()),
                "32-bit offsets only for images below 2^31 pixels");
  LKFLOW_ASSERT(!PairLoads || cols >= 2, "pair loads read a second column");
  const W x_max = W(cols - 1), y_max = W(rows - 1);

  // Sample positions clamped into the image. Eigen's packet min/max, because GCC does not
  // if-convert floating-point selects under -ftrapping-math, which would keep the loop below
  // from vectorising.
  for (Index i = 0; i < count; ++i) xs[i] = W(x_begin + i) + u[i];  // (LinSpaced: scalar)
  {
    const Eigen::Map<const Row> v_row(v, count);
    Eigen::Map<Row> x_row(xs, count), y_row(ys, count);
    x_row = x_row.max(W(0)).min(x_max);
    y_row = (v_row + W(y)).max(W(0)).min(y_max);
  }

  // The top-left corner of the 2x2 cell stays one short of the last row and column, so the other
  // corners need no test (the fraction then reaches 1 at the far edge); a 1-pixel-wide image
  // reads its only column twice.
  const auto x_base_max = static_cast<Offset>(std::max<Index>(cols - 2, 0));
  const auto y_base_max = static_cast<Offset>(std::max<Index>(rows - 2, 0));
  const auto dx = static_cast<Offset>(cols > 1 ? 1 : 0);
  const auto dy = static_cast<Offset>(rows > 1 ? cols : 0);
  const auto stride = static_cast<Offset>(cols);
  const W row = W(y);
  constexpr bool kPairLoads = PairLoads && std::is_same_v<W, float> && kLittleEndian;
  for (Index i = 0; i < count; ++i) {
    // Inside I1 exactly when clamping changed nothing; 1 or 0 as a value (every value is
    // finite), which vectorises where a select would not.
    const W inside = W((xs[i] == W(x_begin + i) + u[i]) & (ys[i] == row + v[i]));
    Offset x0 = static_cast<Offset>(xs[i]), y0 = static_cast<Offset>(ys[i]);
    x0 = x0 < x_base_max ? x0 : x_base_max;
    y0 = y0 < y_base_max ? y0 : y_base_max;
    const W fx = xs[i] - W(x0), fy = ys[i] - W(y0);
    const Offset at = y0 * stride + x0;
    W top_left, top_right, bottom_left, bottom_right;
    if constexpr (kPairLoads) {
      // Each horizontal pair of floats as one 64-bit load: vectorised, half as many gathered
      // elements, so this loop takes less time where it is vectorised with gathers.
      top_left = low_float(i1 + at, top_right);
      bottom_left = low_float(i1 + at + dy, bottom_right);
    } else {
      top_left = i1[at];
      top_right = i1[at + dx];
      bottom_left = i1[at + dy];
      bottom_right = i1[at + dy + dx];
    }
    // (1 - f) a + f b, which is a exactly at f = 0 and b exactly at f = 1 (a + f (b - a) is not
    // always b: b - a rounds), so that a flow of 0 samples I1's pixels themselves, the last row
    // and column included, whichever way the compiler fuses the multiply-adds.
    const W gx = W(1) - fx, gy = W(1) - fy;
    const W top = gx * top_left + fx * top_right;
    const W bottom = gx * bottom_left + fx * bottom_right;
    xs[i] = gy * top + fy * bottom;
    ys[i] = inside;
  }
}

/// Runs this copy's SIMD sampler (LKFLOW_ISA_SAMPLER), writing `Output` (sample_output.hpp),
/// and returns true; returns false, having done nothing, where none applies (no SIMD sampler in
/// this copy, not float, 64-bit offsets, an image narrower or shorter than 2 pixels).
template <SampleOutput Output, class Offset, class W>
bool simd_sampled([[maybe_unused]] const W* LKFLOW_RESTRICT i1, [[maybe_unused]] Eigen::Index rows,
                  [[maybe_unused]] Eigen::Index cols, [[maybe_unused]] Eigen::Index y,
                  [[maybe_unused]] Eigen::Index x_begin, [[maybe_unused]] Eigen::Index count,
                  [[maybe_unused]] const W* LKFLOW_RESTRICT u,
                  [[maybe_unused]] const W* LKFLOW_RESTRICT v,
                  [[maybe_unused]] const W* LKFLOW_RESTRICT i0,
                  [[maybe_unused]] W* LKFLOW_RESTRICT out,
                  [[maybe_unused]] W* LKFLOW_RESTRICT inside) {
#if LKFLOW_ISA_SAMPLER == 512 || LKFLOW_ISA_SAMPLER == 256
  if constexpr (std::is_same_v<W, float> && std::is_same_v<Offset, std::int32_t>) {
    if (rows >= 2 && cols >= 2) {
#if LKFLOW_ISA_SAMPLER == 512
      warped_row_avx512<Output>(i1, rows, cols, y, x_begin, count, u, v, i0, out, inside);
#else
      warped_row_avx2<Output>(i1, rows, cols, y, x_begin, count, u, v, i0, out, inside);
#endif
      return true;
    }
  }
#endif
  return false;
}

template <class Offset, bool PairLoads, class W>
void warped_row(const W* LKFLOW_RESTRICT i1, Eigen::Index rows, Eigen::Index cols, Eigen::Index y,
                Eigen::Index x_begin, Eigen::Index count, const W* LKFLOW_RESTRICT u,
                const W* LKFLOW_RESTRICT v, W* LKFLOW_RESTRICT xs, W* LKFLOW_RESTRICT ys) {
  const W* no_i0 = nullptr;  // (read only for squared differences)
  if (!simd_sampled<SampleOutput::samples, Offset>(i1, rows, cols, y, x_begin, count, u, v, no_i0,
                                                   xs, ys))
    warped_row_portable<Offset, PairLoads>(i1, rows, cols, y, x_begin, count, u, v, xs, ys);
}

/// out[i] = (i0[i] - I1(x + u[i], y + v[i]))^2, x = x_begin + i, for i in [0, count): the squared
/// differences between a piece of I0's row y (`i0`, starting at column x_begin) and I1 sampled as
/// by warped_row. The SIMD samplers form them in registers; `xs`, `ys`: scratch of `count`
/// values for the portable loop.
template <class Offset, bool PairLoads, class W>
void squared_difference_row(const W* LKFLOW_RESTRICT i1, Eigen::Index rows, Eigen::Index cols,
                            Eigen::Index y, Eigen::Index x_begin, Eigen::Index count,
                            const W* LKFLOW_RESTRICT u, const W* LKFLOW_RESTRICT v,
                            const W* LKFLOW_RESTRICT i0, W* LKFLOW_RESTRICT xs,
                            W* LKFLOW_RESTRICT ys, W* LKFLOW_RESTRICT out) {
  if (simd_sampled<SampleOutput::squared_differences, Offset>(i1, rows, cols, y, x_begin, count, u,
                                                              v, i0, out, static_cast<W*>(nullptr)))
    return;
  warped_row_portable<Offset, PairLoads>(i1, rows, cols, y, x_begin, count, u, v, xs, ys);
  for (Eigen::Index i = 0; i < count; ++i) {
    const W difference = i0[i] - xs[i];
    out[i] = difference * difference;
  }
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
