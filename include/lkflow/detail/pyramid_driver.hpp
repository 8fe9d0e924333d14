// The coarse-to-fine driver of pyramidal_flow (its method: pyramid.hpp), in named steps: build
// the pyramids of both frames, seed the coarsest level's flow, then at every level from the
// coarsest to the input bring the coarser level's flow down and refine it (the level's structure
// tensor, its warp iterations, neighbour candidates, the median). The passes the steps run are
// in pyramid_resample.hpp, pyramid_kernel.hpp, flow_candidates.hpp and median3x3.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "../image.hpp"
#include "../params.hpp"
#include "assert.hpp"
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

namespace lkflow {
template <class S>
class PyramidWorkspace;
}  // namespace lkflow

namespace lkflow::detail {

/// The buffers of one pyramid level, held by a PyramidWorkspace.
template <class S>
struct PyramidLevel {
  Image<S> I0, I1;            // the frames at this level
  Image<S> gx, gy;            // gradients of I0
  InverseTensor<S> inverse;   // inverse structure tensor of I0's windows
  Image<S> xt, yt;            // Ix It', Iy It'; scratch for the candidates and the median
  Image<S> u, v, confidence;  // flow and confidence (coarser levels only: the finest's are out's)

  /// Values held by the buffers.
  std::size_t values() const {
    std::size_t n = 0;
    for (const Image<S>* image :
         {&I0, &I1, &gx, &gy, &inverse.a, &inverse.b, &inverse.c, &xt, &yt, &u, &v, &confidence})
      n += static_cast<std::size_t>(image->size());
    return n;
  }
};

/// Everything a PyramidWorkspace holds.
template <class S>
struct PyramidBuffers {
  std::vector<PyramidLevel<S>> levels;
  std::vector<FillLevel<S>> fill;  // the fill's pull levels, by pyramid level (fill_level)
  std::vector<S> noise_samples;    // residual_noise's samples

  /// Values held by the buffers.
  std::size_t values() const {
    std::size_t n = noise_samples.capacity();
    for (const PyramidLevel<S>& level : levels) n += level.values();
    for (const FillLevel<S>& level : fill)
      n += static_cast<std::size_t>(level.w.size() + level.u.size() + level.v.size());
    return n;
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
  int level;                 // 0 = the input's
  Eigen::Index radius;       // window radius, at most the image's longer side
  double min_eigenvalue;     // the acceptance threshold
  int iterations;            // warp iterations
  bool neighbor_candidates;  // after the last iteration's update
  bool median;               // after every iteration
  double fill_strength;      // of the fill after the iterations; 0 = none
  double max_flow;           // bound of the level's flow along x and y (flow_bound)
  int threads;               // for the level's passes
  int candidate_threads;     // for the neighbour candidates, which sample I1 five times a pixel
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
          params.median,
          params.fill_strength,
          flow_bound(rows, cols),
          threads_for_pixels(params.threads, pixels),
          threads_for_pixels(params.threads, kFlowCandidates * pixels)};
}

/// out = image scaled to intensities, in S, row-major (the pyramid's finest level).
template <class S, class In>
void to_level(const StridedImage<In>& image, S scale, Image<S>& out) {
  out.resize(image.rows, image.cols);
  for (Eigen::Index y = 0; y < image.rows; ++y) {
    const In* LKFLOW_RESTRICT in = image.data + y * image.row_stride;
    S* LKFLOW_RESTRICT row = out.data() + y * image.cols;
    if (image.col_stride == 1)
      for (Eigen::Index x = 0; x < image.cols; ++x) row[x] = static_cast<S>(in[x]) * scale;
    else
      for (Eigen::Index x = 0; x < image.cols; ++x)
        row[x] = static_cast<S>(in[x * image.col_stride]) * scale;
  }
}

/// Step 1: `level_count` levels of both frames, level 0 the input scaled to intensities.
template <class S, class In>
void build_pyramids(const StridedImage<In>& I0, const StridedImage<In>& I1, int level_count,
                    int threads, std::vector<PyramidLevel<S>>& levels) {
  LKFLOW_ASSERT(level_count >= 1, "at least the input's level");
  levels.resize(static_cast<std::size_t>(level_count));
  const S scale = S(PixelTraits<In>::value_scale);
  to_level(I0, scale, levels[0].I0);
  to_level(I1, scale, levels[0].I1);
  for (std::size_t k = 1; k < levels.size(); ++k) {
    const int level_threads = threads_for_pixels(threads, levels[k - 1].I0.size());
    downsample2(levels[k - 1].I0, S(1), level_threads, levels[k].I0);
    downsample2(levels[k - 1].I1, S(1), level_threads, levels[k].I1);
  }
}

/// The flow fields of level k: the level's own, but the finest level's are the output.
template <class S>
struct LevelFlow {
  Image<S>& u;
  Image<S>& v;
  Image<S>& confidence;
};

template <class S>
LevelFlow<S> level_flow(std::vector<PyramidLevel<S>>& levels, std::size_t k, Flow<S>& out) {
  if (k == 0) return {out.u, out.v, out.confidence};
  return {levels[k].u, levels[k].v, levels[k].confidence};
}

/// Step 2: the coarsest level's flow: 0, or `initial` brought down the pyramid as the frames are
/// (values halved at each level). Reads all of `initial` before writing any of `out`, so that
/// `initial` may be `out`.
template <class S>
void seed_flow(const Flow<S>* initial, int threads, std::vector<PyramidLevel<S>>& levels,
               Flow<S>& out) {
  const std::size_t coarsest = levels.size() - 1;
  const LevelFlow<S> top = level_flow(levels, coarsest, out);
  if (initial == nullptr) {
    top.u.setZero(levels[coarsest].I0.rows(), levels[coarsest].I0.cols());
    top.v.setZero(levels[coarsest].I0.rows(), levels[coarsest].I0.cols());
  } else if (coarsest == 0) {
    out.u = initial->u;
    out.v = initial->v;
  } else {
    const int first_threads = threads_for_pixels(threads, levels[0].I0.size());
    downsample2(initial->u, S(0.5), first_threads, levels[1].u);
    downsample2(initial->v, S(0.5), first_threads, levels[1].v);
    for (std::size_t k = 2; k <= coarsest; ++k) {
      const int level_threads = threads_for_pixels(threads, levels[k - 1].I0.size());
      downsample2(levels[k - 1].u, S(0.5), level_threads, levels[k].u);
      downsample2(levels[k - 1].v, S(0.5), level_threads, levels[k].v);
    }
  }
  out.confidence.resize(levels[0].I0.rows(), levels[0].I0.cols());
}

/// Step 3: the flow of the next coarser level, upsampled x2 (bilinear, values doubled) into the
/// flow of `level`: the estimate this level starts from and keeps where its windows are rejected.
template <class S>
void propagate_flow(const PyramidLevel<S>& coarser, const PyramidLevel<S>& level, int threads,
                    const LevelFlow<S>& flow) {
  flow.u.resize(level.I0.rows(), level.I0.cols());
  flow.v.resize(level.I0.rows(), level.I0.cols());
  upsample2(coarser.u, threads, flow.u);
  upsample2(coarser.v, threads, flow.v);
}

/// Step 4: the gradients of the level's I0, and the inverse of its windows' structure tensors
/// with their smallest eigenvalues (`confidence`): formed once, used by every iteration (the
/// Hessian of the inverse compositional algorithm, Baker & Matthews 2004, sec. 3.2).
template <class Acc, class S>
void level_tensor(PyramidLevel<S>& level, const LevelPlan& plan, Image<S>& confidence) {
  gradients(level.I0, plan.threads, level.gx, level.gy);
  structure_tensor<Acc>(level.gx, level.gy, plan.radius, plan.min_eigenvalue, plan.threads,
                        level.inverse, confidence);
}

/// True when at least half of a level's windows pass the min_eigenvalue test (accepted windows
/// have c > 0). On natural images every pyramid level passes with a wide margin (76 to 100% of
/// windows on the Middlebury pairs, the least for Yosemite's flat sky); a texture without coarse
/// structure leaves its coarsest levels nearly flat (e.g. a 1920x1080 texture of 10 to 48 px
/// wavelengths: 39% of windows at 1/32 scale, median eigenvalue 8e-8 against the default 1e-6),
/// and the flow of the windows that pass there is that of aliasing, not of the motion.
template <class W>
bool has_structure(const InverseTensor<W>& inverse) {
  return 2 * (inverse.c > W(0)).count() >= inverse.c.size();
}

/// u = its 3x3 median, likewise v; `scratch`: a level-sized image, swapped with them.
template <class S>
void median_of_flow(int threads, Image<S>& u, Image<S>& v, Image<S>& scratch) {
  median3x3(u, threads, scratch);
  u.swap(scratch);
  median3x3(v, threads, scratch);
  v.swap(scratch);
}

/// Step 6: the confidence-weighted fill of the level's flow (flow_fill.hpp): each window's flow
/// weighs lambda / (lambda + lambda0) against the flow around it, lambda0 from the noise of the
/// level's residual (residual_noise.hpp); rejected windows weigh 0. The weights go to level.xt.
template <class S>
void fill_level(PyramidLevel<S>& level, const LevelPlan& plan, const Image<S>& confidence,
                PyramidBuffers<S>& buffers, Image<S>& u, Image<S>& v) {
  using Index = Eigen::Index;
  const Index cols = u.cols();
  // Without a single accepted window there is no flow to fill from: every window keeps its own
  // (the coarser level's, or the initial flow).
  if ((level.inverse.c > S(0)).count() == 0) return;
  const S sigma = residual_noise(level.I0, level.I1, u, v, buffers.noise_samples);
  const S lambda0 = S(fill_lambda0(plan.fill_strength, double(sigma), plan.level, plan.radius));
  Image<S>& weights = level.xt;
  weights.resize(u.rows(), cols);
  for_each_row(u.rows(), plan.threads, [&](Index y) {
    fill_weight_row(confidence.data() + y * cols, level.inverse.c.data() + y * cols, cols, lambda0,
                    weights.data() + y * cols, u.data() + y * cols, v.data() + y * cols);
  });
  pull_push_fill(weights, plan.threads, u, v, buffers.fill, std::size_t(plan.level) + 1);
}

/// Step 5: the level's warp iterations on its flow (u, v), each followed by the median when on,
/// then the fill when on. Neighbour candidates come after the last iteration's update and before
/// its median, which then smooths the choices without blurring the boundaries they restored.
template <class Acc, class S>
void refine_level(PyramidLevel<S>& level, const LevelPlan& plan, const Image<S>& confidence,
                  PyramidBuffers<S>& buffers, Image<S>& u, Image<S>& v) {
  for (int i = 0; i < plan.iterations; ++i) {
    warp_iteration<Acc>(level.I0, level.I1, level.gx, level.gy, level.inverse, plan.radius,
                        S(plan.max_flow), plan.threads, u, v, level.xt, level.yt);
    if (plan.neighbor_candidates && i + 1 == plan.iterations)
      select_flow_candidates(level.I0, level.I1, candidate_step(plan.radius),
                             plan.candidate_threads, u, v, level.xt, level.yt);
    if (plan.median) median_of_flow(plan.threads, u, v, level.xt);
  }
  if (plan.fill_strength > 0) fill_level(level, plan, confidence, buffers, u, v);
}

/// pyramidal_flow for validated inputs; `level_count` already resolved.
template <class S, class In>
void pyramidal_lk(const StridedImage<In>& I0, const StridedImage<In>& I1, const Flow<S>* initial,
                  const PyramidParams& params, int level_count, Flow<S>& out,
                  PyramidBuffers<S>& buffers) {
  std::vector<PyramidLevel<S>>& levels = buffers.levels;
  using Acc = PyramidAccumulator<S>;
  LKFLOW_ASSERT(level_count >= 1 && level_count <= levels_that_fit(I0.rows, I0.cols),
                "as many levels as fit the image at most");
  // A window never needs to reach further than the image; clamping keeps 2r+1 from overflowing.
  const Eigen::Index radius = std::min<Eigen::Index>(params.radius, std::max(I0.rows, I0.cols));
  build_pyramids(I0, I1, level_count, params.threads, levels);
  seed_flow(initial, params.threads, levels, out);

  // With levels = 0 the coarse-to-fine pass starts at the coarsest level with structure (see
  // has_structure): on a texture that has none at coarse scales, the levels above hold only
  // blurred-out residue, whose flow is arbitrary and beyond what finer levels can correct.
  bool skip_levels_without_structure = params.levels == 0;
  int refined = 0;  // levels refined so far
  for (std::size_t k = levels.size(); k-- > 0;) {
    PyramidLevel<S>& level = levels[k];
    const LevelPlan plan =
        plan_level(params, int(k), refined, radius, level.I0.rows(), level.I0.cols());
    const LevelFlow<S> flow = level_flow(levels, k, out);
    if (k + 1 < levels.size()) propagate_flow(levels[k + 1], level, plan.threads, flow);
    level_tensor<Acc>(level, plan, flow.confidence);
    if (skip_levels_without_structure && k > 0) {
      if (!has_structure(level.inverse)) continue;  // its flow is passed down unchanged
      skip_levels_without_structure = false;        // every finer level is used
    }
    refine_level<Acc>(level, plan, flow.confidence, buffers, flow.u, flow.v);
    ++refined;
  }
}

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
  pyramidal_lk(view0, view1, initial, params, level_count, out, buffers);
}

}  // namespace lkflow::detail
