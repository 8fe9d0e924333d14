// The coarse-to-fine driver of pyramidal_flow (its method: pyramid.hpp), in named steps: build
// the pyramids of both frames, seed the coarsest level's flow, then at every level from the
// coarsest to the input bring the coarser level's flow down and refine it (the level's structure
// tensor, its warp iterations, neighbour candidates, the median, the fill). The passes the steps
// run are in pyramid_resample.hpp, pyramid_kernel.hpp, flow_candidates.hpp, median3x3.hpp,
// residual_noise.hpp and flow_fill.hpp. The
// driver's steps are kernels, compiled once per instruction set, so that a call runs every pass
// in the copy chosen for it (isa.hpp; see window_scan.hpp for the two parts of a header of
// kernels); the workspace's levels and the argument checks are shared.
#ifndef LKFLOW_DETAIL_PYRAMID_DRIVER_HPP
#define LKFLOW_DETAIL_PYRAMID_DRIVER_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "../params.hpp"
#include "aligned_image.hpp"
#include "assert.hpp"
#include "bands.hpp"
#include "check_args.hpp"
#include "config.hpp"
#include "flow_candidates.hpp"
#include "flow_fill.hpp"
#include "median3x3.hpp"
#include "parallel.hpp"
#include "pixel_arithmetic.hpp"
#include "pyramid_args.hpp"
#include "pyramid_kernel.hpp"
#include "pyramid_resample.hpp"
#include "residual_noise.hpp"
#include "row_reader.hpp"
#include "scratch.hpp"

namespace lkflow {
template <class S>
class PyramidWorkspace;
}  // namespace lkflow

namespace lkflow::detail {

/// The buffers of one pyramid level, held by a PyramidWorkspace.
template <class S>
struct PyramidLevel {
  AlignedImage<S> I0, I1;      // the frames at this level
  AlignedImage<S> gx, gy;      // gradients of I0
  InverseTensor<S> inverse;    // inverse structure tensor of I0's windows
  AlignedImage<S> xt, yt;      // Ix It', Iy It'; scratch for the candidates and the median
  AlignedImage<S> u, v;        // the level's flow (the finest's goes to the output at the end)
  AlignedImage<S> confidence;  // coarser levels only: the finest's is the output's

  /// Gives every image the level's size, rows x cols (the finest level no confidence); storage
  /// large enough is kept, so that a workspace reused for one frame size allocates nothing.
  void resize(Eigen::Index rows, Eigen::Index cols, bool finest) {
    for (AlignedImage<S>* image :
         {&I0, &I1, &gx, &gy, &inverse.a, &inverse.b, &inverse.c, &xt, &yt, &u, &v})
      image->resize(rows, cols);
    confidence.resize(finest ? 0 : rows, finest ? 0 : cols);
  }

  /// Bytes held by the buffers.
  std::size_t bytes() const {
    std::size_t n = 0;
    for (const AlignedImage<S>* image :
         {&I0, &I1, &gx, &gy, &inverse.a, &inverse.b, &inverse.c, &xt, &yt, &u, &v, &confidence})
      n += image->capacity() * sizeof(S);
    return n;
  }
};

/// Everything a PyramidWorkspace holds: the levels, the neighbour candidates' flags, and the
/// working memory of each worker thread.
template <class S>
struct PyramidBuffers {
  std::vector<PyramidLevel<S>> levels;
  std::vector<FillLevel<S>> fill;              // the fill's pull levels, by pyramid level
  AlignedImage<S> noise_samples;               // residual_noise's samples
  AlignedImage<std::uint8_t> candidate_flags;  // the flags of the largest level
  std::vector<Scratch> scratch;                // one per worker thread (bands.hpp, Workers)

  std::size_t bytes() const {
    std::size_t n = candidate_flags.capacity() + noise_samples.capacity() * sizeof(S);
    for (const PyramidLevel<S>& level : levels) n += level.bytes();
    for (const FillLevel<S>& level : fill)
      n += (level.w.capacity() + level.u.capacity() + level.v.capacity()) * sizeof(S);
    for (const Scratch& s : scratch) n += s.bytes();
    return n;
  }

  void clear() {
    levels.clear();
    fill.clear();
    noise_samples.clear();
    candidate_flags.clear();
    scratch.clear();
  }
};

/// The driver's way to a workspace's buffers, which are private to it.
struct PyramidWorkspaceAccess {
  template <class S>
  static PyramidBuffers<S>& buffers(PyramidWorkspace<S>& workspace) {
    return workspace.buffers_;
  }
};

/// Window sums of the pyramid: float sums for float flow, double for double. Bands of rows and
/// running sums along the row keep float sums within a few hundred window sums: at 1920x1080
/// the float flow differs from double dense_flow's by 2e-5 px at most (tested).
template <class S>
using PyramidAccumulator = S;

/// What the refinement of one level does.
struct LevelPlan {
  int level;                        // 0 = the input's
  Eigen::Index radius;              // window radius, at most the image's longer side
  double min_eigenvalue;            // the acceptance threshold
  int iterations;                   // warp iterations
  bool neighbor_candidates;         // after the last iteration's update
  double candidate_min_change;      // the least difference of a competing neighbour's flow
  bool candidates_every_iteration;  // after every iteration's update instead
  bool median;                      // after every iteration
  double fill_strength;             // of the fill after the iterations; 0 = none
  double max_flow;                  // bound of the level's flow along x and y (flow_bound)
  int threads;                      // for the level's passes
  int candidate_threads;  // for the neighbour candidates, which sample I1 five times a pixel
};

/// Levels counted from the coarsest refined that get PyramidParams::coarse_iterations: motions
/// are largest there relative to the level (a translation of a sixth of the short side is 1.3 to
/// 2.7 px at the coarsest level), too large for one linearised step, and the levels are small.
inline constexpr int kCoarseIterationLevels = 2;

/// The plan of level `level`, of `pixels` pixels, the `refined`-th level refined (0 = the first,
/// the coarsest used). Each pass runs on as many threads as its size pays for
/// (threads_for_pixels): the candidates' step pays for them on levels a fifth the size.
inline LevelPlan plan_level(const PyramidParams& params, int level, int refined,
                            Eigen::Index radius, Eigen::Index rows, Eigen::Index cols) {
  const Eigen::Index pixels = rows * cols;
  // Never the input's level: a single-level call makes `iterations` warps.
  const int iterations = level > 0 && refined < kCoarseIterationLevels
                             ? std::max(params.iterations, params.coarse_iterations)
                             : params.iterations;
  return {level,
          radius,
          params.min_eigenvalue,
          iterations,
          params.neighbor_candidates,
          params.candidate_min_change,
          params.candidates_every_iteration,
          params.median,
          params.fill_strength,
          flow_bound(rows, cols),
          threads_for_pixels(params.threads, pixels),
          threads_for_pixels(params.threads, kFlowCandidates * pixels)};
}

/// The windows of a level that pass the min_eigenvalue test (accepted windows have c > 0).
template <class W>
Eigen::Index accepted_windows(const InverseTensor<W>& inverse) {
  return (inverse.c.plane().cmap() > W(0)).count();
}

/// True when a window of the level passes the min_eigenvalue test: a search that stops there.
template <class W>
bool any_accepted_window(const InverseTensor<W>& inverse) {
  const W* c = inverse.c.data();
  return std::any_of(c, c + inverse.c.size(), [](W value) { return value > W(0); });
}

/// True when at least half of a level's windows pass the min_eigenvalue test (accepted windows
/// have c > 0). On natural images every pyramid level passes with a wide margin (76 to 100% of
/// windows on the Middlebury pairs, the least for Yosemite's flat sky); a texture without coarse
/// structure leaves its coarsest levels nearly flat (e.g. a 1920x1080 texture of 10 to 48 px
/// wavelengths: 39% of windows at 1/32 scale, median eigenvalue 8e-8 against the default 1e-6),
/// and the flow of the windows that pass there is that of aliasing, not of the motion.
template <class W>
bool has_structure(const InverseTensor<W>& inverse) {
  return 2 * accepted_windows(inverse) >= inverse.c.size();
}

/// pyramidal_flow on the copy of the kernels active_isa() names (isa_kernels.hpp).
template <class S, class In>
void run_pyramidal_lk(const StridedImage<In>& I0, const StridedImage<In>& I1,
                      const Flow<S>* initial, const PyramidParams& params, int level_count,
                      Flow<S>& out, PyramidBuffers<S>& buffers);

/// Checks the arguments of every pyramidal_flow overload, then runs it.
template <class S, class D0, class D1>
void checked_pyramidal_lk(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                          const Flow<S>* initial, const PyramidParams& params, Flow<S>& out,
                          PyramidBuffers<S>& buffers) {
  using In = typename D0::Scalar;
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>,
                "lkflow::pyramidal_flow: the flow scalar S must be float or double");
  static_assert(std::is_same_v<In, typename D1::Scalar>,
                "lkflow::pyramidal_flow: I0 and I1 must have the same pixel type");
  static_assert(is_supported_pixel_v<In>,
                "lkflow::pyramidal_flow: pixels must be uint8_t, uint16_t, float or double");

  constexpr const char* func = "pyramidal_flow";
  check_pair(func, I0, I1);
  check_radius(func, params.radius);
  check_iterations(func, "iterations", params.iterations);
  check_iterations(func, "coarse_iterations", params.coarse_iterations);
  check_fill_strength(func, params.fill_strength);
  check_candidate_min_change(func, params.candidate_min_change);
  check_min_eigenvalue(func, params.min_eigenvalue);
  check_threads(func, params.threads);
  const int level_count = checked_levels(func, params.levels, I0.rows(), I0.cols());
  // Expressions without storage are evaluated once, here.
  Image<In> scratch0, scratch1;
  const StridedImage<In> view0 = strided_view(I0, scratch0);
  const StridedImage<In> view1 = strided_view(I1, scratch1);
  check_pixels<S>(func, view0, view1,
                  std::min<Eigen::Index>(params.radius, std::max(I0.rows(), I0.cols())));
  if (initial != nullptr) check_initial_flow(func, *initial, I0.rows(), I0.cols());
  run_pyramidal_lk(view0, view1, initial, params, level_count, out, buffers);
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_PYRAMID_DRIVER_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

/// out = image scaled to intensities, in S (the pyramid's finest level, of the image's size).
template <class S, class In>
void to_level(const StridedImage<In>& image, S scale, Plane<S> out) {
  LKFLOW_ASSERT(out.rows() == image.rows && out.cols() == image.cols, "out has the image's size");
  for (Eigen::Index y = 0; y < image.rows; ++y) {
    const In* LKFLOW_RESTRICT in = image.data + y * image.row_stride;
    S* LKFLOW_RESTRICT row = out.row(y);
    if (image.col_stride == 1)
      for (Eigen::Index x = 0; x < image.cols; ++x) row[x] = static_cast<S>(in[x]) * scale;
    else
      for (Eigen::Index x = 0; x < image.cols; ++x)
        row[x] = static_cast<S>(in[x * image.col_stride]) * scale;
  }
}

/// The workers of a pass over `pixels` pixels: threads_for_pixels of the requested count.
template <class S>
Workers workers_for(int threads, Eigen::Index pixels, PyramidBuffers<S>& buffers) {
  return {threads_for_pixels(threads, pixels), &buffers.scratch};
}

/// Step 1: `level_count` levels with every buffer sized, the output sized, and both frames'
/// pyramids: level 0 the input scaled to intensities, every coarser one from the one below.
template <class S, class In>
void build_pyramids(const StridedImage<In>& I0, const StridedImage<In>& I1, int level_count,
                    int threads, PyramidBuffers<S>& buffers, Flow<S>& out) {
  LKFLOW_ASSERT(level_count >= 1, "at least the input's level");
  std::vector<PyramidLevel<S>>& levels = buffers.levels;
  levels.resize(static_cast<std::size_t>(level_count));
  Eigen::Index rows = I0.rows, cols = I0.cols;
  for (std::size_t k = 0; k < levels.size(); ++k) {
    levels[k].resize(rows, cols, k == 0);
    rows = coarser_size(rows);
    cols = coarser_size(cols);
  }
  buffers.candidate_flags.resize(I0.rows, candidate_segments(I0.cols));
  for (Image<S>* field : {&out.u, &out.v, &out.confidence})
    if (field->rows() != I0.rows || field->cols() != I0.cols) field->resize(I0.rows, I0.cols);

  const S scale = S(PixelTraits<In>::value_scale);
  to_level(I0, scale, levels[0].I0.plane());
  to_level(I1, scale, levels[0].I1.plane());
  for (std::size_t k = 1; k < levels.size(); ++k) {
    const Workers workers = workers_for(threads, levels[k - 1].I0.size(), buffers);
    downsample2<S>(levels[k - 1].I0.plane(), S(1), workers, levels[k].I0.plane());
    downsample2<S>(levels[k - 1].I1.plane(), S(1), workers, levels[k].I1.plane());
  }
}

/// Step 2: the coarsest level's flow: 0, or `initial` brought down the pyramid as the frames are
/// (values halved at each level). `initial` may be the output: the output is written last.
template <class S>
void seed_flow(const Flow<S>* initial, int threads, PyramidBuffers<S>& buffers) {
  std::vector<PyramidLevel<S>>& levels = buffers.levels;
  const std::size_t coarsest = levels.size() - 1;
  PyramidLevel<S>& top = levels[coarsest];
  if (initial == nullptr) {
    top.u.plane().map().setZero();
    top.v.plane().map().setZero();
  } else if (coarsest == 0) {
    top.u.plane().map() = initial->u;
    top.v.plane().map() = initial->v;
  } else {
    for (std::size_t k = 1; k <= coarsest; ++k) {
      const Workers workers = workers_for(threads, levels[k - 1].I0.size(), buffers);
      const Plane<const S> finer_u = k == 1 ? Plane<const S>(initial->u) : levels[k - 1].u.plane();
      const Plane<const S> finer_v = k == 1 ? Plane<const S>(initial->v) : levels[k - 1].v.plane();
      downsample2<S>(finer_u, S(0.5), workers, levels[k].u.plane());
      downsample2<S>(finer_v, S(0.5), workers, levels[k].v.plane());
    }
  }
}

/// Step 3: the flow of the next coarser level, upsampled x2 (bilinear, values doubled) into the
/// flow of `level`: the estimate this level starts from and keeps where its windows are rejected.
template <class S>
void propagate_flow(const PyramidLevel<S>& coarser, PyramidLevel<S>& level,
                    const Workers& workers) {
  upsample2<S>(coarser.u.plane(), workers, level.u.plane());
  upsample2<S>(coarser.v.plane(), workers, level.v.plane());
}

/// Step 4: the gradients of the level's I0, and the inverse of its windows' structure tensors
/// with their smallest eigenvalues (`confidence`): formed once, used by every iteration (the
/// Hessian of the inverse compositional algorithm, Baker & Matthews 2004, sec. 3.2).
template <class Acc, class S>
void level_tensor(PyramidLevel<S>& level, const LevelPlan& plan, const Workers& workers,
                  Plane<S> confidence) {
  gradients<S>(level.I0.plane(), workers, level.gx.plane(), level.gy.plane());
  structure_tensor<Acc, S>(level.gx.plane(), level.gy.plane(), plan.radius, plan.min_eigenvalue,
                           workers, level.inverse, confidence);
}

/// Step 6: the confidence-weighted fill of the level's flow (flow_fill.hpp): each window's flow
/// weighs lambda / (lambda + lambda0) against the flow around it, lambda0 from the noise of the
/// level's residual (residual_noise.hpp); rejected windows weigh 0. The weights go to level.xt,
/// the filled flow to (out_u, out_v), which may be level.u, level.v. Levels without a single
/// accepted window have no flow to fill from; the caller leaves their flow as it is.
template <class S>
void fill_level(PyramidLevel<S>& level, const LevelPlan& plan, Plane<const S> confidence,
                PyramidBuffers<S>& buffers, Plane<S> out_u, Plane<S> out_v) {
  using Index = Eigen::Index;
  const Workers workers{plan.threads, &buffers.scratch};
  const Plane<S> u = level.u.plane(), v = level.v.plane();
  const Index cols = u.cols();
  const S sigma =
      residual_noise<S>(level.I0.plane(), level.I1.plane(), u, v, buffers.noise_samples);
  const S lambda0 = S(fill_lambda0(plan.fill_strength, double(sigma), plan.level, plan.radius));
  const Plane<S> weights = level.xt.plane();
  for_each_row(u.rows(), plan.threads, [&](Index y) {
    fill_weight_row(confidence.row(y), level.inverse.c.data() + y * cols, cols, lambda0,
                    weights.row(y));
  });
  pull_push_fill<S>(weights, workers, u, v, out_u, out_v, buffers.fill,
                    std::size_t(plan.level) + 1);
}

/// Step 5: the level's warp iterations on its flow (u, v), each followed by the median when on,
/// then the fill when on. Neighbour candidates come after the last iteration's update (every
/// iteration's with candidates_every_iteration) and before its median, which then smooths the
/// choices without blurring the boundaries they restored.
/// The flow's buffers trade places with the scratch images xt, yt; the level's last step writes
/// the flow into (out_u, out_v) where they are given (the finest level: the output), else it
/// stays in level.u, level.v.
template <class Acc, class S>
void refine_level(PyramidLevel<S>& level, const LevelPlan& plan, Plane<const S> confidence,
                  PyramidBuffers<S>& buffers, Plane<S> out_u, Plane<S> out_v) {
  const Workers workers{plan.threads, &buffers.scratch};
  const bool to_out = out_u.data() != nullptr;
  // Without a single accepted window there is no flow to fill from: every window keeps its own
  // (the coarser level's, or the initial flow).
  const bool fills = plan.fill_strength > 0 && any_accepted_window(level.inverse);
  for (int i = 0; i < plan.iterations; ++i) {
    const bool last = i + 1 == plan.iterations;
    warp_iteration<Acc, S>(level.I0.plane(), level.I1.plane(), level.gx.plane(), level.gy.plane(),
                           level.inverse, plan.radius, S(plan.max_flow), workers, level.u.plane(),
                           level.v.plane(), level.xt.plane(), level.yt.plane());
    if (plan.neighbor_candidates && (last || plan.candidates_every_iteration)) {
      const Workers candidate_workers{plan.candidate_threads, &buffers.scratch};
      // In S's range (a double beyond float's would not convert): beyond it no flow competes.
      const S min_change =
          S(std::min(plan.candidate_min_change, double(std::numeric_limits<S>::max())));
      const Plane<std::uint8_t> flags(buffers.candidate_flags.data(), level.I0.rows(),
                                      candidate_segments(level.I0.cols()));
      if (to_out && last && !plan.median && !fills) {
        select_flow_candidates<S>(level.I0.plane(), level.I1.plane(), candidate_step(plan.radius),
                                  min_change, candidate_workers, level.u.plane(), level.v.plane(),
                                  flags, out_u, out_v);
        return;
      }
      select_flow_candidates<S>(level.I0.plane(), level.I1.plane(), candidate_step(plan.radius),
                                min_change, candidate_workers, level.u.plane(), level.v.plane(),
                                flags, level.xt.plane(), level.yt.plane());
      level.u.swap(level.xt);
      level.v.swap(level.yt);
    }
    if (plan.median) {
      if (to_out && last && !fills) {
        median3x3<S>(level.u.plane(), workers, out_u);
        median3x3<S>(level.v.plane(), workers, out_v);
        return;
      }
      median3x3<S>(level.u.plane(), workers, level.xt.plane());
      level.u.swap(level.xt);
      median3x3<S>(level.v.plane(), workers, level.xt.plane());
      level.v.swap(level.xt);
    }
  }
  if (fills) {
    fill_level(level, plan, confidence, buffers, to_out ? out_u : level.u.plane(),
               to_out ? out_v : level.v.plane());
  } else if (to_out) {
    out_u.map() = level.u.plane().cmap();
    out_v.map() = level.v.plane().cmap();
  }
}

/// Steps 2 to 6 on pyramids built by step 1.
template <class S>
void coarse_to_fine(const Flow<S>* initial, const PyramidParams& params, Eigen::Index radius,
                    Flow<S>& out, PyramidBuffers<S>& buffers) {
  using Acc = PyramidAccumulator<S>;
  std::vector<PyramidLevel<S>>& levels = buffers.levels;
  seed_flow(initial, params.threads, buffers);

  // With levels = 0 the coarse-to-fine pass starts at the coarsest level with structure (see
  // has_structure): on a texture that has none at coarse scales, the levels above hold only
  // blurred-out residue, whose flow is arbitrary and beyond what finer levels can correct.
  bool skip_levels_without_structure = params.levels == 0;
  int refined = 0;  // levels refined so far
  for (std::size_t k = levels.size(); k-- > 0;) {
    PyramidLevel<S>& level = levels[k];
    const LevelPlan plan =
        plan_level(params, int(k), refined, radius, level.I0.rows(), level.I0.cols());
    const Workers workers{plan.threads, &buffers.scratch};
    if (k + 1 < levels.size()) propagate_flow(levels[k + 1], level, workers);
    const Plane<S> confidence = k == 0 ? Plane<S>(out.confidence) : level.confidence.plane();
    level_tensor<Acc>(level, plan, workers, confidence);
    const Plane<S> out_u = k == 0 ? Plane<S>(out.u) : Plane<S>();
    const Plane<S> out_v = k == 0 ? Plane<S>(out.v) : Plane<S>();
    if (skip_levels_without_structure && k > 0) {
      if (!has_structure(level.inverse)) continue;  // its flow is passed down unchanged
      skip_levels_without_structure = false;        // every finer level is used
    }
    refine_level<Acc, S>(level, plan, confidence, buffers, out_u, out_v);
    ++refined;
  }
}

/// pyramidal_flow for validated inputs; `level_count` already resolved. Only step 1 depends on
/// the pixel type.
template <class S, class In>
void pyramidal_lk(const StridedImage<In>& I0, const StridedImage<In>& I1, const Flow<S>* initial,
                  const PyramidParams& params, int level_count, Flow<S>& out,
                  PyramidBuffers<S>& buffers) {
  LKFLOW_ASSERT(level_count >= 1 && level_count <= levels_that_fit(I0.rows, I0.cols),
                "as many levels as fit the image at most");
  // A window never needs to reach further than the image; clamping keeps 2r+1 from overflowing.
  const Eigen::Index radius = std::min<Eigen::Index>(params.radius, std::max(I0.rows, I0.cols));
  build_pyramids(I0, I1, level_count, params.threads, buffers, out);
  coarse_to_fine(initial, params, radius, out, buffers);
}

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
