// The Middlebury convention for flow vectors without a value ("unknown"), shared by the .flo
// reader, the colour code and the error metrics: a vector is unknown when |u| or |v| exceeds
// 1e9 (Middlebury writes 1e10) or either component is NaN (Baker et al., IJCV 2011).
#pragma once

namespace lkflow {

/// The value Middlebury's tools store in both components of an unknown vector, pixels.
inline constexpr float unknown_flow_value = 1e10f;

/// A component whose magnitude exceeds this marks its vector as unknown, pixels.
inline constexpr double unknown_flow_threshold = 1e9;

/// True when (u, v) is a known flow vector: both components finite and within 1e9 px.
template <class S>
constexpr bool is_known_flow(S u, S v) {
  // Written so that NaN fails every comparison and counts as unknown; infinities exceed 1e9.
  const double t = unknown_flow_threshold;
  return double(u) >= -t && double(u) <= t && double(v) >= -t && double(v) <= t;
}

}  // namespace lkflow
