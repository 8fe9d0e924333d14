// Horizontal window sums of a row, out[x] = c[x-r] + ... + c[x+r], with a cost independent of r.
//
// They follow the recurrence out[x] = out[x-1] + c[x+r] - c[x-r-1] (the horizontal half of the
// summed-area-table difference) over a row padded with zeros, so the clipped windows at the
// borders need no special case. The recurrence is a prefix sum, which compilers do not
// vectorise; with GCC/Clang vector extensions each vector of L outputs is an in-register
// inclusive scan of its L differences (log2 L shift-and-add steps) plus a running carry, and
// the carry advances by one add per vector (Hillis & Steele 1986, applied per vector).
// The vector width is that of the instruction set each copy of the kernels is compiled for
// (isa.hpp), so the library adds no flags of its own; other compilers get the scalar loop.
//
// Like every header of kernels, this one has two parts: declarations shared by every copy
// (include guard), and the kernels, compiled once per instruction set when isa_kernels.hpp
// includes the header again with LKFLOW_ISA_KERNELS defined, in namespace LKFLOW_ISA_NAMESPACE.
#ifndef LKFLOW_DETAIL_WINDOW_SCAN_HPP
#define LKFLOW_DETAIL_WINDOW_SCAN_HPP

#include <cstddef>
#include <cstring>
#include <utility>

#include <Eigen/Core>

#include "assert.hpp"
#include "config.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define LKFLOW_VECTOR_EXTENSIONS 1
#endif

namespace lkflow::detail {

/// Zeros a padded row needs before element 0 and after its last element for radius r.
inline Eigen::Index window_pad_before(Eigen::Index radius) { return radius + 1; }
inline Eigen::Index window_pad_after(Eigen::Index radius) { return radius; }

/// True when the window_pad_before(r) values before row[0] and the window_pad_after(r) values
/// after row[width - 1] are 0.
template <class Acc>
bool zero_padded(const Acc* row, Eigen::Index width, Eigen::Index radius) {
  for (Eigen::Index j = -window_pad_before(radius); j < 0; ++j)
    if (row[j] != Acc(0)) return false;
  for (Eigen::Index j = width; j < width + window_pad_after(radius); ++j)
    if (row[j] != Acc(0)) return false;
  return true;
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_WINDOW_SCAN_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

#ifdef LKFLOW_VECTOR_EXTENSIONS
template <class T, int L>
using Vector [[gnu::vector_size(L * sizeof(T))]] = T;

/// v shifted up by K lanes, zeros shifted in: result[i] = i < K ? 0 : v[i - K].
template <int K, class V, std::size_t... I>
inline V shifted_up(V v, std::index_sequence<I...>) {
  const V zero{};
  return __builtin_shufflevector(zero, v, (I < K ? I : sizeof...(I) + I - K)...);
}

/// Inclusive prefix sum across the lanes of v.
template <class T, int L>
inline Vector<T, L> lane_scan(Vector<T, L> v) {
  using Lanes = std::make_index_sequence<L>;
  if constexpr (L > 1) v += shifted_up<1>(v, Lanes{});
  if constexpr (L > 2) v += shifted_up<2>(v, Lanes{});
  if constexpr (L > 4) v += shifted_up<4>(v, Lanes{});
  if constexpr (L > 8) v += shifted_up<8>(v, Lanes{});
  static_assert(L <= 16, "lane_scan handles at most 16 lanes");
  return v;
}
#endif

/// For each channel c: out[c][x] = sum of padded[c][x-r .. x+r], x in [0, width), where
/// padded[c] points at element 0 of a row with window_pad_before(r) zeros before it and
/// window_pad_after(r) zeros after its last element. Acc may be an unsigned integer (exact,
/// wrapping) or a floating-point type.
template <int Channels, class Acc>
void window_sums(const Acc* const* padded, Acc* const* out, Eigen::Index width,
                 Eigen::Index radius) {
  for (int c = 0; c < Channels; ++c)
    LKFLOW_ASSERT(zero_padded(padded[c], width, radius), "rows padded with zeros");
  // out[-1] = padded[-r-1] + ... + padded[r-1] = padded[0] + ... + padded[r-1].
  Acc carry[Channels];
  for (int c = 0; c < Channels; ++c) {
    carry[c] = Acc(0);
    for (Eigen::Index j = 0; j < radius; ++j) carry[c] += padded[c][j];
  }
  Eigen::Index x = 0;
#ifdef LKFLOW_VECTOR_EXTENSIONS
  constexpr int L = kVectorBytes / int(sizeof(Acc));
  using V = Vector<Acc, L>;
  V running[Channels];
  for (int c = 0; c < Channels; ++c) running[c] = V{} + carry[c];
  for (; x + L <= width; x += L) {
    for (int c = 0; c < Channels; ++c) {
      V entering, leaving;
      std::memcpy(&entering, padded[c] + x + radius, sizeof(V));
      std::memcpy(&leaving, padded[c] + x - radius - 1, sizeof(V));
      const V steps = lane_scan<Acc, L>(entering - leaving);
      const V sums = running[c] + steps;
      std::memcpy(out[c] + x, &sums, sizeof(V));
      running[c] += steps[L - 1];  // carry chain: one add per vector
    }
  }
  for (int c = 0; c < Channels; ++c) carry[c] = running[c][0];
#endif
  for (; x < width; ++x)
    for (int c = 0; c < Channels; ++c) {
      carry[c] += padded[c][x + radius] - padded[c][x - radius - 1];
      out[c][x] = carry[c];
    }
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
