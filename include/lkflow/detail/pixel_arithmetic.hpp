// How gradients and their products are formed and summed for each input pixel type, exactly
// enough that window sums never lose precision at any image size.
//
// Raw differences are kept unscaled: gx = I(x+1) - I(x-1) = 2 Ix / s and gt = I0 - I1 = It / s,
// where s scales pixel values to intensities (1/255 for 8-bit, 1/65535 for 16-bit, 1 for
// floating point). For integer input every raw product is then an integer, and sums of them are
// kept in unsigned integers that wrap: a window sum recovered as a difference of running sums is
// exact modulo 2^bits, hence exact whenever the true window sum fits in the signed type. The
// scale s is applied once, when sums are converted for the 2x2 solve.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace lkflow::detail {

template <class In>
struct PixelTraits;

template <>
struct PixelTraits<std::uint8_t> {
  using Diff = std::int32_t;  // raw differences lie in [-255, 255]
  static constexpr double value_scale = 1.0 / 255.0;
  static constexpr double max_abs_product = 255.0 * 255.0;
};
template <>
struct PixelTraits<std::uint16_t> {
  using Diff = std::int64_t;  // products reach 65535^2 > 2^31
  static constexpr double value_scale = 1.0 / 65535.0;
  static constexpr double max_abs_product = 65535.0 * 65535.0;
};
template <>
struct PixelTraits<float> {
  using Diff = double;
  static constexpr double value_scale = 1.0;
};
template <>
struct PixelTraits<double> {
  using Diff = double;
  static constexpr double value_scale = 1.0;
};

template <class In>
inline constexpr bool is_supported_pixel_v =
    std::is_same_v<In, std::uint8_t> || std::is_same_v<In, std::uint16_t> ||
    std::is_same_v<In, float> || std::is_same_v<In, double>;

/// Product of two raw differences as stored in accumulator type Acc (wrapping for integers).
template <class Acc, class Diff>
inline Acc product(Diff a, Diff b) {
  if constexpr (std::is_floating_point_v<Acc>) {
    return static_cast<Acc>(a) * static_cast<Acc>(b);
  } else {
    using Signed = std::make_signed_t<Acc>;
    // Conversion of the signed product to unsigned is modulo 2^bits: no overflow, no UB.
    return static_cast<Acc>(static_cast<Signed>(a) * static_cast<Signed>(b));
  }
}

/// The value of a window sum held in Acc, as the real type T (two's complement for integers).
template <class T, class Acc>
inline T window_value(Acc sum) {
  if constexpr (std::is_floating_point_v<Acc>) {
    return static_cast<T>(sum);
  } else {
    return static_cast<T>(static_cast<std::make_signed_t<Acc>>(sum));
  }
}

/// True when 32-bit wrapping sums are exact for 8-bit input: every window sum of products
/// (|product| <= 255^2) over at most `max_window_pixels` pixels fits in int32.
inline bool fits_int32_sums(double max_abs_product, double max_window_pixels) {
  return max_abs_product * max_window_pixels <= double(std::numeric_limits<std::int32_t>::max());
}

}  // namespace lkflow::detail
