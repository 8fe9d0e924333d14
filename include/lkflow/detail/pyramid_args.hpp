// Precondition checks of pyramidal_flow beyond those shared with dense_flow (check_args.hpp):
// the level and iteration counts, the image size a pyramid needs, and the initial flow.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Core>

#include "../image.hpp"
#include "check_args.hpp"
#include "pyramid_resample.hpp"
#include "row_reader.hpp"

namespace lkflow::detail {

/// The smallest short side of any level coarser than the input.
inline constexpr Eigen::Index kMinCoarseSide = 8;

/// Levels that fit an image: the finest, and every coarser one whose short side is at least
/// kMinCoarseSide pixels.
inline int levels_that_fit(Eigen::Index rows, Eigen::Index cols) {
  int levels = 1;
  while (std::min(coarser_size(rows), coarser_size(cols)) >= kMinCoarseSide) {
    rows = coarser_size(rows);
    cols = coarser_size(cols);
    ++levels;
  }
  return levels;
}

/// The number of levels to use for `requested` (0 = as many as fit); throws when the image is
/// too small for the request.
inline int checked_levels(const char* func, int requested, Eigen::Index rows, Eigen::Index cols) {
  if (requested < 0)
    fail(func, "levels must be >= 0 (0 = as many as fit), got " + std::to_string(requested));
  const int fit = levels_that_fit(rows, cols);
  if (requested == 0) return fit;
  if (requested > fit) {
    Eigen::Index r = rows, c = cols;
    for (int k = 1; k <= fit; ++k) {
      r = coarser_size(r);
      c = coarser_size(c);
    }
    fail(func, "an image of " + size_text(rows, cols) + " is too small for " +
                   std::to_string(requested) + " levels: level " + std::to_string(fit) +
                   " would be " + size_text(r, c) + ", and every level coarser than the input " +
                   "needs a short side of at least " + std::to_string(kMinCoarseSide) +
                   " px; use levels <= " + std::to_string(fit) + " or 0 (as many as fit)");
  }
  return requested;
}

inline void check_iterations(const char* func, const char* name, int iterations) {
  if (iterations < 1)
    fail(func, std::string(name) + " must be >= 1, got " + std::to_string(iterations));
}

inline void check_fill_strength(const char* func, double strength) {
  if (!(strength >= 0) || !std::isfinite(strength))  // also catches NaN
    fail(func, "fill_strength must be finite and >= 0 (0 = no fill), got " + number_text(strength));
}

inline void check_candidate_min_change(const char* func, double change) {
  if (!(change >= 0) || !std::isfinite(change))  // also catches NaN
    fail(func, "candidate_min_change must be finite and >= 0, got " + number_text(change));
}

/// The bound of every flow pyramidal_flow takes or forms, along x and along y, for images of
/// rows x cols pixels: twice the diagonal. A flow beyond it points far outside the frame; bounding
/// it keeps every sum, halving and doubling of flows finite, and no non-finite value can reach a
/// sampler's index.
inline constexpr double kMaxFlowPerDiagonal = 2;

inline double flow_bound(Eigen::Index rows, Eigen::Index cols) {
  return kMaxFlowPerDiagonal * std::hypot(double(rows), double(cols));
}

/// The initial flow has the images' size, and finite values within flow_bound.
template <class S>
void check_initial_flow(const char* func, const Flow<S>& initial, Eigen::Index rows,
                        Eigen::Index cols) {
  const auto bound = static_cast<S>(flow_bound(rows, cols));
  // (Names as literals: a call with a valid initial flow allocates nothing.)
  for (const auto& [field, name] :
       {std::pair<const Image<S>*, const char*>{&initial.u, "initial flow u"},
        std::pair<const Image<S>*, const char*>{&initial.v, "initial flow v"}}) {
    if (field->rows() != rows || field->cols() != cols)
      fail(func, std::string(name) + " is " + size_text(field->rows(), field->cols()) +
                     ", the images are " + size_text(rows, cols));
    const StridedImage<S> view{field->data(), rows, cols, cols, 1};
    check_values(func, name, view, bound,
                 "an initial flow must stay within twice the images' diagonal");
  }
}

}  // namespace lkflow::detail
