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

/// padded[i] = row[i - pad], the index clamped into [0, cols), for i in [0, cols + 2 pad): the row
/// with `pad` copies of its first and last values either side, so that its values `pad` columns
/// right and left of x are padded[x + 2 pad] and padded[x].
template <class W>
void padded_row(const W* LKFLOW_RESTRICT row, Eigen::Index cols, Eigen::Index pad,
                W* LKFLOW_RESTRICT padded) {
  std::fill(padded, padded + pad, row[0]);
  std::copy(row, row + cols, padded + pad);
  std::fill(padded + pad + cols, padded + cols + 2 * pad, row[cols - 1]);
}

/// The flow rows of the candidates for image row y, candidate k at index k (0 = own, 1 right,
/// 2 left, 3 below, 4 above): rows of the field for the own and the vertical candidates, rows
/// read `step` px right and left in padded copies of the own row for the horizontal ones.
template <class W>
struct CandidateRows {
  const W* u[5];
  const W* v[5];

  /// `pu`, `pv`: room for cols + 2 step values each, which the horizontal candidates point into.
  CandidateRows(Plane<const W> fu, Plane<const W> fv, Eigen::Index y, Eigen::Index step, W* pu,
                W* pv) {
    using Index = Eigen::Index;
    const Index rows = fu.rows(), cols = fu.cols();
    padded_row(fu.row(y), cols, step, pu);
    padded_row(fv.row(y), cols, step, pv);
    const Index below = std::min(y + step, rows - 1), above = std::max<Index>(y - step, 0);
    const W* us[5] = {fu.row(y), pu + 2 * step, pu, fu.row(below), fu.row(above)};
    const W* vs[5] = {fv.row(y), pv + 2 * step, pv, fv.row(below), fv.row(above)};
    std::copy(us, us + 5, u);
    std::copy(vs, vs + 5, v);
  }
};

/// True where the candidate flow (cu, cv) differs from the own flow (ou, ov) by more than
/// min_change along x or y: the rule by which mark_eligible and consider() agree.
template <class W>
inline bool eligible(W cu, W cv, W ou, W ov, W min_change) {
  return std::max(std::abs(cu - ou), std::abs(cv - ov)) > min_change;
}

/// marks[x] = bit k set for each candidate k = 1..4 (flow (uk, vk)) that is eligible at x
/// against the own flow (ou, ov). One pass for the four, with each pointer a restrict parameter
/// (GCC trusts no other), out of line (see LKFLOW_NOINLINE) so that it vectorises.
template <class W>
LKFLOW_NOINLINE void mark_eligible(const W* LKFLOW_RESTRICT ou, const W* LKFLOW_RESTRICT ov,
                                   const W* LKFLOW_RESTRICT u1, const W* LKFLOW_RESTRICT v1,
                                   const W* LKFLOW_RESTRICT u2, const W* LKFLOW_RESTRICT v2,
                                   const W* LKFLOW_RESTRICT u3, const W* LKFLOW_RESTRICT v3,
                                   const W* LKFLOW_RESTRICT u4, const W* LKFLOW_RESTRICT v4,
                                   Eigen::Index cols, W min_change,
                                   std::uint8_t* LKFLOW_RESTRICT marks) {
  for (Eigen::Index x = 0; x < cols; ++x) {
    const W a = ou[x], b = ov[x];
    marks[x] = std::uint8_t((eligible(u1[x], v1[x], a, b, min_change) ? 2 : 0) |
                            (eligible(u2[x], v2[x], a, b, min_change) ? 4 : 0) |
                            (eligible(u3[x], v3[x], a, b, min_change) ? 8 : 0) |
                            (eligible(u4[x], v4[x], a, b, min_change) ? 16 : 0));
  }
}

/// flags[y * segments + s], bit k for candidate k = 1..4 and bit 0 for any: candidate k is
/// eligible at some pixel of row y within kCandidateCostRadius columns of segment s. A cost row
/// is needed only where such a pixel lies within kCandidateCostRadius rows: the 5x5 sums of all
/// other pixels are never compared (their candidates are not eligible), so skipping the rest
/// changes no choice. Smooth flow has few eligible pixels, and most of the work goes.
template <class W>
void candidate_flags(Plane<const W> u, Plane<const W> v, Eigen::Index step, W min_change,
                     const Workers& workers, Plane<std::uint8_t> flags) {
  using Index = Eigen::Index;
  const Index rows = u.rows(), cols = u.cols(), segments = candidate_segments(cols);
  LKFLOW_ASSERT(flags.rows() == rows && flags.cols() == segments, "a flag per row and segment");
  run_bands(rows, kRowPassBandRows, workers, [&](Bands& bands, Scratch& scratch) {
    W* padded = scratch.take<W>(2 * std::size_t(cols + 2 * step));
    std::uint8_t* marks = scratch.take<std::uint8_t>(static_cast<std::size_t>(cols));
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      for (Eigen::Index y = y0; y < y1; ++y) {
        const CandidateRows<W> c(u, v, y, step, padded, padded + cols + 2 * step);
        static_assert(kFlowCandidates == 5, "mark_eligible takes 4 candidates");
        mark_eligible(c.u[0], c.v[0], c.u[1], c.v[1], c.u[2], c.v[2], c.u[3], c.v[3], c.u[4],
                      c.v[4], cols, min_change, marks);
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
        scratch_(
            scratch.take<W>(2 * std::size_t(I0.cols()) + 2 * std::size_t(I0.cols() + 2 * step))),
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
    if (all == 0) {  // no candidate competes near this row: no costs, nor copies of the flow
      for (int k = 0; k < kFlowCandidates; ++k) std::fill(rows[k], rows[k] + cols, W(0));
      return;
    }
    W* xs = scratch_;
    W* ys = xs + cols;
    W* pu = ys + cols;  // padded copies of the flow row (CandidateRows)
    W* pv = pu + cols + 2 * step_;
    const CandidateRows<W> c(u_, v_, y, step_, pu, pv);
    for (int k = 0; k < kFlowCandidates; ++k) {
      const auto bit = std::uint8_t(1 << k);  // bit 0: any candidate, so the own cost is needed
      W* out = rows[k];
      if ((all & bit) == 0) {
        std::fill(out, out + cols, W(0));
        continue;
      }
      const W* cu = c.u[k];
      const W* cv = c.v[k];
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
  W* scratch_;            // sample positions and padded flow rows
  std::uint8_t* needed_;  // per segment: the flags of the rows around y, or-ed
};

/// Candidate k replaces the best so far where its cost is lower and its flow differs from the
/// pixel's own by more than `min_change` along x or y (eligible()).
/// One step of choose_candidates, on values: a select of two plain values vectorises as a blend.
template <class W>
inline void consider(W cost, W cu, W cv, W ou, W ov, W min_change, W& best, W& bu, W& bv) {
  const bool better = (cost < best) & eligible(cu, cv, ou, ov, min_change);
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
                                 W min_change, const Workers& workers, Plane<const W> u,
                                 Plane<const W> v, Plane<std::uint8_t> flags, Plane<W> new_u,
                                 Plane<W> new_v) {
  using Index = Eigen::Index;
  const Index rows = I0.rows(), cols = I0.cols();
  candidate_flags(u, v, step, min_change, workers, flags);
  // Window sums like the pyramid's other ones, at the neighbourhood's radius.
  const Index rows_per_band = pyramid_band_rows(kCandidateCostRadius);
  run_bands(rows, rows_per_band, workers, [&](Bands& bands, Scratch& scratch) {
    BoxSums<W, kFlowCandidates> box(cols, rows, kCandidateCostRadius, scratch, true);
    Residuals residuals(I0, I1, u, v, step, flags, scratch);
    W* padded = scratch.take<W>(2 * std::size_t(cols + 2 * step));  // CandidateRows' copies
    auto choose = [&](Index y, const W* const* cost) {
      static_assert(kFlowCandidates == 5, "choose_candidates takes the own flow and 4 candidates");
      const CandidateRows<W> c(u, v, y, step, padded, padded + cols + 2 * step);
      choose_candidates(cost[0], c.u[0], c.v[0], cost[1], c.u[1], c.v[1], cost[2], c.u[2], c.v[2],
                        cost[3], c.u[3], c.v[3], cost[4], c.u[4], c.v[4], min_change, cols,
                        new_u.row(y), new_v.row(y));
    };
    for (Eigen::Index y0, y1; bands.next(y0, y1);) {
      box.run(y0, y1, residuals, choose);
    }
  });
}

/// (new_u, new_v) = at every pixel, the candidate flow of smallest cost C (the first of equal
/// costs, the pixel's own flow (u, v) first): every pixel chooses among the flows as they were
/// before this step. A neighbour's flow competes only where it differs from the own flow by more
/// than `min_change` along x or y (PyramidParams::candidate_min_change: among nearly equal flows
/// the own Lucas-Kanade estimate is usually the better one). `flags`: scratch of
/// candidate_segments(cols) flags per row. All images of one size.
template <class W>
void select_flow_candidates(Plane<const W> I0, Plane<const W> I1, Eigen::Index step, W min_change,
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
  LKFLOW_ASSERT(min_change >= W(0), "a difference");
  LKFLOW_ASSERT(u.cmap().allFinite() && v.cmap().allFinite(), "the samplers take finite flows");
  with_sampler_layout(rows, cols, [&](auto layout) {
    using Layout = decltype(layout);
    using Residuals = CandidateResiduals<typename Layout::Offset, Layout::pair_loads, W>;
    select_flow_candidates_with<Residuals>(I0, I1, step, min_change, workers, u, v, flags, new_u,
                                           new_v);
  });
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
