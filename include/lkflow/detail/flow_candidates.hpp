// Neighbour flow candidates, the propagation step of PatchMatch (Barnes et al. 2009) and DIS
// (Kroeger et al. 2016, sec. 2.1) applied to dense Lucas-Kanade: every pixel compares its flow
// with the flows of the pixels `step` px to its right, left, below and above, and keeps the one
// whose warp fits its neighbourhood best, i.e. has the smallest
//   C(x, y) = sum over the (2c+1)x(2c+1) neighbourhood of (I0(x', y') - I1(x' + u', y' + v'))^2,
// (u', v') being the candidate flow field (the neighbour's field, shifted by the step).
//
// Why: a Lucas-Kanade window that straddles a motion boundary mixes both motions, so windowed
// flow blurs boundaries by the window's size, and a coarse level blurs them over 2^k times as
// many input pixels, beyond what finer levels can undo. A pixel near a boundary has a neighbour
// on its own side whose window does not straddle it; that neighbour's flow fits the pixel's own
// small neighbourhood better, and this step hands it over.
//
// The step is a kernel, compiled once per instruction set (see window_scan.hpp).
#ifndef LKFLOW_DETAIL_FLOW_CANDIDATES_HPP
#define LKFLOW_DETAIL_FLOW_CANDIDATES_HPP

#include <algorithm>
#include <cstdint>

#include <Eigen/Core>

#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "box_sums.hpp"
#include "config.hpp"
#include "warp.hpp"

namespace lkflow::detail {

/// The candidates: the pixel's own flow, then its neighbours' `step` px right, left, below, above.
inline constexpr int kFlowCandidates = 5;

/// Half-width c of the neighbourhood over which candidates are compared: 5x5 pixels.
inline constexpr Eigen::Index kCandidateCostRadius = 2;

/// How far away the neighbours whose flows are candidates are: one and a half window radii,
/// r + ceil(r/2), so that a neighbour's own window reaches at most half-way into the pixel's
/// (measured on the Middlebury pairs: r+1 and 2r were both worse).
inline Eigen::Index candidate_step(Eigen::Index radius) { return radius + (radius + 1) / 2; }

/// A neighbour's flow is a candidate only where it differs from the pixel's own flow by more than
/// this, in pixels of the level, along x or y. The step is there to undo the blur of motion
/// boundaries, where flows differ by pixels; among nearly equal flows the pixel's own Lucas-Kanade
/// solution is the better estimate (a smooth affine motion, whose flow changes by less than this
/// between neighbours, is otherwise turned into a patchwork with errors of ~0.05 px).
inline constexpr double kMinCandidateChange = 0.25;

/// Columns per segment of the eligibility flags: candidate costs are computed only in the
/// segments of a row where some pixel nearby has an eligible candidate.
inline constexpr Eigen::Index kCandidateSegment = 64;

inline Eigen::Index candidate_segments(Eigen::Index cols) {
  return (cols + kCandidateSegment - 1) / kCandidateSegment;
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_FLOW_CANDIDATES_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// out[x] = row[x + shift], the index clamped into [0, cols).
template <class W>
void shifted_row(const W* LKFLOW_RESTRICT row, Eigen::Index cols, Eigen::Index shift,
                 W* LKFLOW_RESTRICT out) {
  using Index = Eigen::Index;
  const Index begin = std::clamp<Index>(-shift, 0, cols);      // first x with x + shift >= 0
  const Index end = std::clamp<Index>(cols - shift, 0, cols);  // first x with x + shift >= cols
  std::fill(out, out + begin, row[0]);
  if (end > begin) std::copy(row + begin + shift, row + end + shift, out + begin);
  std::fill(out + std::max(begin, end), out + cols, row[cols - 1]);
}

/// The flow rows of candidate k (0 = own, 1 right, 2 left, 3 below, 4 above) for image row y:
/// pointers into the field for the own and vertical candidates, shifted copies in `su`, `sv`
/// for the horizontal ones.
template <class W>
void candidate_rows(Plane<const W> u, Plane<const W> v, Eigen::Index y, Eigen::Index step, int k,
                    W* su, W* sv, const W*& cu, const W*& cv) {
  using Index = Eigen::Index;
  LKFLOW_ASSERT(k >= 0 && k < 5, "candidates 0 to 4");
  const Index rows = u.rows(), cols = u.cols();
  if (k == 1 || k == 2) {
    const Index shift = k == 1 ? step : -step;
    shifted_row(u.data() + y * cols, cols, shift, su);
    shifted_row(v.data() + y * cols, cols, shift, sv);
    cu = su;
    cv = sv;
    return;
  }
  Index source = y;
  if (k == 3) source = std::min(y + step, rows - 1);
  if (k == 4) source = std::max<Index>(y - step, 0);
  cu = u.data() + source * cols;
  cv = v.data() + source * cols;
}

/// marks[x] |= bit where the candidate flow (cu, cv)[x] differs from the own flow (ou, ov)[x] by
/// more than min_change along x or y: the eligibility rule of consider(), to the same rounding.
template <class W>
LKFLOW_NOINLINE void mark_eligible(const W* LKFLOW_RESTRICT cu, const W* LKFLOW_RESTRICT cv,
                                   const W* LKFLOW_RESTRICT ou, const W* LKFLOW_RESTRICT ov,
                                   Eigen::Index cols, W min_change, std::uint8_t bit,
                                   std::uint8_t* LKFLOW_RESTRICT marks) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W change = std::max(std::abs(cu[x] - ou[x]), std::abs(cv[x] - ov[x]));
    marks[x] = std::uint8_t(marks[x] | (change > min_change ? bit : 0));
  }
}

/// flags[y * segments + s], bit k for candidate k = 1..4 and bit 0 for any: candidate k is
/// eligible at some pixel of row y within kCandidateCostRadius columns of segment s. A cost row
/// is needed only where such a pixel lies within kCandidateCostRadius rows: the 5x5 sums of all
/// other pixels are never compared (their candidates are not eligible), so skipping the rest
/// changes no choice. Smooth flow has few eligible pixels, and most of the work goes.
template <class W>
void candidate_flags(Plane<const W> u, Plane<const W> v, Eigen::Index step, const Workers& workers,
                     Plane<std::uint8_t> flags) {
  using Index = Eigen::Index;
  const Index rows = u.rows(), cols = u.cols(), segments = candidate_segments(cols);
  LKFLOW_ASSERT(flags.rows() == rows && flags.cols() == segments, "a flag per row and segment");
  run_bands(rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* shifted = scratch.take<W>(2 * std::size_t(cols));
    std::uint8_t* marks = scratch.take<std::uint8_t>(static_cast<std::size_t>(cols));
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) {
        std::fill(marks, marks + cols, std::uint8_t(0));
        for (int k = 1; k < kFlowCandidates; ++k) {
          const W* cu;
          const W* cv;
          candidate_rows(u, v, y, step, k, shifted, shifted + cols, cu, cv);
          mark_eligible(cu, cv, u.row(y), v.row(y), cols, W(kMinCandidateChange),
                        std::uint8_t(1 << k), marks);
        }
        std::uint8_t* row_flags = flags.row(y);
        for (Index s = 0; s < segments; ++s) {
          const Index x0 = std::max<Index>(s * kCandidateSegment - kCandidateCostRadius, 0);
          const Index x1 = std::min((s + 1) * kCandidateSegment + kCandidateCostRadius, cols);
          std::uint8_t any = 0;
          for (Index x = x0; x < x1; ++x) any = std::uint8_t(any | marks[x]);
          row_flags[s] = std::uint8_t(any | (any != 0 ? 1 : 0));
        }
      }
    }
  });
}

/// BoxSums row generator: channel k of row y is (I0(x, y) - I1(x + u_k, y + v_k))^2 for candidate
/// k's flow (u_k, v_k), I1 sampled as in the warp iterations (squared_difference_row, warp.hpp),
/// in the segments where candidate_flags says a pixel within kCandidateCostRadius rows needs it,
/// and 0 elsewhere (never compared). `Offset`, `PairLoads`: as warped_row's.
template <class Offset, bool PairLoads, class W>
class CandidateResiduals {
 public:
  /// Takes its rows from `scratch`.
  CandidateResiduals(Plane<const W> I0, Plane<const W> I1, Plane<const W> u, Plane<const W> v,
                     Eigen::Index step, Plane<const std::uint8_t> flags, Scratch& scratch)
      : I0_(I0),
        I1_(I1),
        u_(u),
        v_(v),
        step_(step),
        flags_(flags),
        scratch_(scratch.take<W>(4 * std::size_t(I0.cols()))),
        needed_(scratch.take<std::uint8_t>(static_cast<std::size_t>(flags.cols()))) {}

  void operator()(Eigen::Index y, W* const* rows) {
    using Index = Eigen::Index;
    const Index height = I0_.rows(), cols = I0_.cols(), segments = candidate_segments(cols);
    std::fill(needed_, needed_ + segments, std::uint8_t(0));
    std::uint8_t all = 0;
    for (Index j = std::max<Index>(y - kCandidateCostRadius, 0);
         j <= std::min(y + kCandidateCostRadius, height - 1); ++j)
      for (Index s = 0; s < segments; ++s) {
        needed_[s] = std::uint8_t(needed_[s] | flags_.row(j)[s]);
        all = std::uint8_t(all | needed_[s]);
      }
    W* xs = scratch_;
    W* ys = xs + cols;
    W* su = ys + cols;
    W* sv = su + cols;
    for (int k = 0; k < kFlowCandidates; ++k) {
      const auto bit = std::uint8_t(1 << k);  // bit 0: any candidate, so the own cost is needed
      W* out = rows[k];
      if ((all & bit) == 0) {
        std::fill(out, out + cols, W(0));
        continue;
      }
      const W* cu;
      const W* cv;
      candidate_rows(u_, v_, y, step_, k, su, sv, cu, cv);
      for (Index s = 0; s < segments;) {
        const Index x0 = s * kCandidateSegment;
        Index end = s;
        const bool need = (needed_[s] & bit) != 0;
        while (end < segments && ((needed_[end] & bit) != 0) == need) ++end;
        const Index x1 = std::min(end * kCandidateSegment, cols);
        if (need)
          squared_difference_row<Offset, PairLoads>(I1_.data(), height, cols, y, x0, x1 - x0,
                                                    cu + x0, cv + x0, I0_.row(y) + x0, xs, ys,
                                                    out + x0);
        else
          std::fill(out + x0, out + x1, W(0));
        s = end;
      }
    }
  }

 private:
  Plane<const W> I0_, I1_, u_, v_;
  Eigen::Index step_;
  Plane<const std::uint8_t> flags_;
  W* scratch_;            // sample positions and shifted candidate rows
  std::uint8_t* needed_;  // per segment: the flags of the rows around y, or-ed
};

/// Candidate k replaces the best so far where its cost is lower and its flow differs from the
/// pixel's own by more than `min_change` along x or y (the eligibility rule of mark_eligible).
/// One step of choose_candidates, on values: a select of two plain values vectorises as a blend.
template <class W>
inline void consider(W cost, W cu, W cv, W ou, W ov, W min_change, W& best, W& bu, W& bv) {
  const W change = std::max(std::abs(cu - ou), std::abs(cv - ov));
  const bool better = (cost < best) & (change > min_change);
  best = better ? cost : best;
  bu = better ? cu : bu;
  bv = better ? cv : bv;
}

/// (bu, bv)[x] = the flow of least cost among the own flow (ou, ov), cost c0, and candidates 1 to
/// 4 (flows (uk, vk), costs ck), in that order, the first of equal costs winning; candidates
/// that do not differ from the own flow by more than `min_change` do not compete. All four in
/// one pass, with each pointer a restrict parameter (GCC trusts no other), out of line (see
/// LKFLOW_NOINLINE) so that it vectorises.
template <class W>
LKFLOW_NOINLINE void choose_candidates(const W* LKFLOW_RESTRICT c0, const W* LKFLOW_RESTRICT ou,
                                       const W* LKFLOW_RESTRICT ov, const W* LKFLOW_RESTRICT c1,
                                       const W* LKFLOW_RESTRICT u1, const W* LKFLOW_RESTRICT v1,
                                       const W* LKFLOW_RESTRICT c2, const W* LKFLOW_RESTRICT u2,
                                       const W* LKFLOW_RESTRICT v2, const W* LKFLOW_RESTRICT c3,
                                       const W* LKFLOW_RESTRICT u3, const W* LKFLOW_RESTRICT v3,
                                       const W* LKFLOW_RESTRICT c4, const W* LKFLOW_RESTRICT u4,
                                       const W* LKFLOW_RESTRICT v4, W min_change, Eigen::Index cols,
                                       W* LKFLOW_RESTRICT bu, W* LKFLOW_RESTRICT bv) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    W best = c0[x], u = ou[x], v = ov[x];
    consider(c1[x], u1[x], v1[x], ou[x], ov[x], min_change, best, u, v);
    consider(c2[x], u2[x], v2[x], ou[x], ov[x], min_change, best, u, v);
    consider(c3[x], u3[x], v3[x], ou[x], ov[x], min_change, best, u, v);
    consider(c4[x], u4[x], v4[x], ou[x], ov[x], min_change, best, u, v);
    bu[x] = u;
    bv[x] = v;
  }
}

/// select_flow_candidates with a given residual generator (its pixel offset type).
template <class Residuals, class W>
void select_flow_candidates_with(Plane<const W> I0, Plane<const W> I1, Eigen::Index step,
                                 const Workers& workers, Plane<const W> u, Plane<const W> v,
                                 Plane<std::uint8_t> flags, Plane<W> new_u, Plane<W> new_v) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  candidate_flags(u, v, step, workers, flags);
  // Window sums like the pyramid's other ones, at the neighbourhood's radius.
  const Index rows_per_band = pyramid_band_rows(kCandidateCostRadius);
  run_bands(rows, rows_per_band, workers, [&](Bands& bands, Scratch& scratch) {
    BoxSums<W, kFlowCandidates> box(cols, rows, kCandidateCostRadius, scratch, true);
    Residuals residuals(I0, I1, u, v, step, flags, scratch);
    W* shifted = scratch.take<W>(4 * std::size_t(cols));  // rows of the horizontal candidates
    auto choose = [&](Index y, const W* const* cost) {
      static_assert(kFlowCandidates == 5, "choose_candidates takes the own flow and 4 candidates");
      const W* cu[kFlowCandidates];
      const W* cv[kFlowCandidates];
      for (int k = 0; k < kFlowCandidates; ++k) {
        W* su = shifted + std::size_t(k == 2) * 2 * std::size_t(cols);
        candidate_rows(u, v, y, step, k, su, su + cols, cu[k], cv[k]);
      }
      choose_candidates(cost[0], cu[0], cv[0], cost[1], cu[1], cv[1], cost[2], cu[2], cv[2],
                        cost[3], cu[3], cv[3], cost[4], cu[4], cv[4], W(kMinCandidateChange), cols,
                        new_u.row(y), new_v.row(y));
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, residuals, choose);
    }
  });
}

/// (new_u, new_v) = at every pixel, the candidate flow of smallest cost C (the first of equal
/// costs, the pixel's own flow (u, v) first): every pixel chooses among the flows as they were
/// before this step. `flags`: scratch of candidate_segments(cols) flags per row. All images of
/// one size.
template <class W>
void select_flow_candidates(Plane<const W> I0, Plane<const W> I1, Eigen::Index step,
                            const Workers& workers, Plane<const W> u, Plane<const W> v,
                            Plane<std::uint8_t> flags, Plane<W> new_u, Plane<W> new_v) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  LKFLOW_ASSERT(I1.rows() == rows && I1.cols() == cols && u.rows() == rows && u.cols() == cols &&
                    v.rows() == rows && v.cols() == cols && new_u.rows() == rows &&
                    new_u.cols() == cols && new_v.rows() == rows && new_v.cols() == cols,
                "the level's frames and flows have one size");
  LKFLOW_ASSERT(new_u.data() != u.data() && new_u.data() != v.data() && new_v.data() != u.data() &&
                    new_v.data() != v.data() && new_u.data() != new_v.data(),
                "the new flow is written while the flow is read");
  LKFLOW_ASSERT(step >= 1, "neighbours are other pixels");
  LKFLOW_ASSERT(u.cmap().allFinite() && v.cmap().allFinite(), "the samplers take finite flows");
  with_sampler_layout(rows, cols, [&](auto layout) {
    using Layout = decltype(layout);
    using Residuals = CandidateResiduals<typename Layout::Offset, Layout::pair_loads, W>;
    select_flow_candidates_with<Residuals>(I0, I1, step, workers, u, v, flags, new_u, new_v);
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
