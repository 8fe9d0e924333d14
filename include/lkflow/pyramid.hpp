// Pyramidal coarse-to-fine Lucas-Kanade optical flow with warping (Bouguet 2000), in the
// inverse compositional, dense form of FOLKI (Le Besnerais & Champagnat 2005): flow that follows
// motions of many pixels, not only the sub-pixel ones single-scale dense_flow sees.
//
// Method:
// 1. Gaussian pyramids of I0 and I1: each level blurs the one below with the 5-tap binomial
//    kernel [1 4 6 4 1]/16 in both directions and keeps every second row and column (Burt &
//    Adelson 1983). Level k+1 pixel (i, j) sits at level k pixel (2i, 2j).
// 2. From the coarsest level to the input: the flow of the coarser level is upsampled x2
//    (bilinear, values doubled); the coarsest starts from zero or from the initial flow brought
//    down the pyramid the same way as the images (values halved at each level).
// 3. At each level the gradients Ix, Iy of I0 (central differences, as in dense_flow) and the
//    window sums Sxx, Syy, Sxy of the structure tensor are formed once, and the tensor inverted
//    once: the Hessian of the inverse compositional algorithm does not change while iterating
//    (Baker & Matthews 2004, sec. 3.2). Each of `iterations` iterations then
//    - warps I1 by the current flow (u, v), bilinear, at (x + u, y + v) clamped into the image;
//    - forms It' = I0 - I1(x + u, y + v) + Ix u + Iy v, the temporal difference linearised
//      around each pixel's own flow (Le Besnerais & Champagnat 2005, eq. 7), so that the window
//      sums Sxt' = sum Ix It', Syt' = sum Iy It' come from summed-area tables like dense_flow's;
//      where (x + u, y + v) falls outside I1 the difference I0 - I1 is taken as 0;
//    - solves [Sxx Sxy; Sxy Syy] [u; v] = [Sxt'; Syt'] for the new flow by Cramer's rule;
//    - after the level's last update, optionally lets every pixel take a neighbour's flow that
//      fits its 5x5 neighbourhood better (neighbour candidates, flow_candidates.hpp: the
//      propagation step of PatchMatch and DIS), which restores the motion boundaries that
//      windows blur;
//    - optionally replaces u and v by their 3x3 medians (Sun, Roth & Black 2010).
//    A window that is rejected (det = 0 or smallest mean eigenvalue < min_eigenvalue) keeps the
//    flow it had, the estimate propagated from the coarser level (or the initial flow). With
//    levels = 0, coarse levels where fewer than half the windows pass are passed over (their flow
//    would be that of aliasing; see has_structure).
// 4. confidence is the finest level's: the smallest eigenvalue of the window-mean structure
//    tensor of I0, exactly as in dense_flow.
// Integer pixels are scaled to [0, 1] as in dense_flow; the pyramid works in S.
//
// With levels = 1, iterations = 1, median and neighbour candidates off and no initial flow this
// is dense_flow with the same radius and min_eigenvalue: It' = I0 - I1 and rejected windows keep
// the flow 0. The results agree to rounding (the pyramid forms gradients in S and sums them in
// floating point, dense_flow sums exact integers for integer pixels): to 1e-5 px (double) and
// 1e-2 px (float) wherever the window is well-posed, exactly 0 where dense_flow rejects the
// window, and confidence to rounding.
//
// Defaults (radius 6, 1 iteration, median and neighbour candidates on, min_eigenvalue 1e-6,
// levels until the short side would drop below 16 px) were tuned on the Middlebury sequences;
// see README "Pyramidal flow".
//
// Memory: per level, both frames, the gradients of I0, the three entries of the inverse tensor
// and the products Ix It', Iy It' (9 images), and the flow and confidence of every level but the
// finest (whose flow and confidence are the output): about 13 values of S per input pixel (16 MB
// for a 640x480 float flow), held in a PyramidWorkspace that calls on frames of the same size
// reuse without allocating. Each worker thread adds O(width) for its window sums.
//
// Threads: each pass runs on at most one thread per 100 000 pixels of its level (a thread costs
// more to wake than a pass over a coarse level takes); bands are fixed by the radius, so the
// output never depends on the thread count. Sampling I1, about half of the time, uses AVX-512 or
// AVX2 where the processor has them, also in code built for the baseline x86-64 with GCC or
// clang (detail/warp.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "detail/check_args.hpp"
#include "detail/config.hpp"
#include "detail/flow_candidates.hpp"
#include "detail/median3x3.hpp"
#include "detail/pixel_arithmetic.hpp"
#include "detail/pyramid_args.hpp"
#include "detail/pyramid_build.hpp"
#include "detail/pyramid_kernel.hpp"
#include "detail/row_reader.hpp"
#include "image.hpp"
#include "params.hpp"

namespace lkflow {

/// Buffers of pyramidal_flow (pyramids, per-level tensors and flows). Keep one per video stream
/// and pass it to every call: frames of an unchanged size then cost no allocation.
template <class S = float>
class PyramidWorkspace {
 public:
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>,
                "lkflow::PyramidWorkspace: S must be float or double");

  /// Bytes held by the buffers.
  std::size_t bytes() const {
    std::size_t values = 0;
    for (const Level& level : levels_)
      for (const Image<S>* image :
           {&level.I0, &level.I1, &level.gx, &level.gy, &level.inverse.a, &level.inverse.b,
            &level.inverse.c, &level.xt, &level.yt, &level.u, &level.v, &level.confidence})
        values += static_cast<std::size_t>(image->size());
    return values * sizeof(S);
  }

  /// Releases every buffer.
  void clear() { levels_.clear(); }

  // Internal to lkflow.
  struct Level {
    Image<S> I0, I1;                   // the frames at this level
    Image<S> gx, gy;                   // gradients of I0
    detail::InverseTensor<S> inverse;  // inverse structure tensor of I0's windows
    Image<S> xt, yt;                   // Ix It', Iy It'; scratch for the median
    Image<S> u, v, confidence;         // flow and confidence (coarser levels only)
  };
  std::vector<Level>& levels() { return levels_; }

 private:
  std::vector<Level> levels_;
};

namespace detail {

/// Window sums of the pyramid: float sums for float flow, double for double. Bands of rows and
/// running sums along the row keep float sums within a few hundred window sums: at 1920x1080
/// the float flow differs from double dense_flow's by 2e-5 px at most (tested).
template <class S>
using PyramidAccumulator = S;

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

/// pyramidal_flow for validated inputs; `level_count` already resolved.
template <class S, class In>
void pyramidal_lk(const StridedImage<In>& I0, const StridedImage<In>& I1, const Flow<S>* initial,
                  const PyramidParams& params, int level_count, Flow<S>& out,
                  PyramidWorkspace<S>& workspace) {
  using Acc = PyramidAccumulator<S>;
  using Index = Eigen::Index;
  using Level = typename PyramidWorkspace<S>::Level;
  const Index rows = I0.rows, cols = I0.cols;
  // A window never needs to reach further than the image; clamping keeps 2r+1 from overflowing.
  const Index radius = std::min<Index>(params.radius, std::max(rows, cols));

  std::vector<Level>& levels = workspace.levels();
  levels.resize(static_cast<std::size_t>(level_count));
  const S scale = S(PixelTraits<In>::value_scale);
  to_level(I0, scale, levels[0].I0);
  to_level(I1, scale, levels[0].I1);
  // Each pass runs on as many threads as its level's size pays for (threads_for_pixels).
  auto threads_for = [&](const Image<S>& level_image) {
    return threads_for_pixels(params.threads, level_image.size());
  };
  for (std::size_t k = 1; k < levels.size(); ++k) {
    const int threads = threads_for(levels[k - 1].I0);
    downsample2(levels[k - 1].I0, S(1), threads, levels[k].I0);
    downsample2(levels[k - 1].I1, S(1), threads, levels[k].I1);
  }

  // The flow of level k lives in the workspace, except the finest level's, which is the output.
  auto u_of = [&](std::size_t k) -> Image<S>& { return k == 0 ? out.u : levels[k].u; };
  auto v_of = [&](std::size_t k) -> Image<S>& { return k == 0 ? out.v : levels[k].v; };
  const std::size_t coarsest = levels.size() - 1;
  if (initial != nullptr) {
    // Read the initial flow before writing any of `out`, which may be the same object.
    if (coarsest == 0) {
      out.u = initial->u;
      out.v = initial->v;
    } else {
      downsample2(initial->u, S(0.5), threads_for(levels[0].I0), levels[1].u);
      downsample2(initial->v, S(0.5), threads_for(levels[0].I0), levels[1].v);
      for (std::size_t k = 2; k <= coarsest; ++k) {
        const int threads = threads_for(levels[k - 1].I0);
        downsample2(levels[k - 1].u, S(0.5), threads, levels[k].u);
        downsample2(levels[k - 1].v, S(0.5), threads, levels[k].v);
      }
    }
  } else {
    const Level& top = levels[coarsest];
    u_of(coarsest).setZero(top.I0.rows(), top.I0.cols());
    v_of(coarsest).setZero(top.I0.rows(), top.I0.cols());
  }
  out.confidence.resize(rows, cols);

  // With levels = 0 the coarse-to-fine pass starts at the coarsest level with structure (see
  // has_structure): on a texture that has none at coarse scales, the levels above hold only
  // blurred-out residue, whose flow is arbitrary and beyond what finer levels can correct.
  bool skip_levels_without_structure = params.levels == 0;
  for (std::size_t k = coarsest + 1; k-- > 0;) {
    Level& level = levels[k];
    const int threads = threads_for(level.I0);
    Image<S>& u = u_of(k);
    Image<S>& v = v_of(k);
    if (k != coarsest) {
      u.resize(level.I0.rows(), level.I0.cols());
      v.resize(level.I0.rows(), level.I0.cols());
      upsample2(levels[k + 1].u, threads, u);
      upsample2(levels[k + 1].v, threads, v);
    }
    Image<S>& confidence = k == 0 ? out.confidence : level.confidence;
    gradients(level.I0, threads, level.gx, level.gy);
    structure_tensor<Acc>(level.gx, level.gy, radius, params.min_eigenvalue, threads, level.inverse,
                          confidence);
    if (skip_levels_without_structure && k > 0) {
      if (!has_structure(level.inverse)) continue;  // its flow is passed down unchanged
      skip_levels_without_structure = false;        // every finer level is used
    }
    for (int i = 0; i < params.iterations; ++i) {
      warp_iteration<Acc>(level.I0, level.I1, level.gx, level.gy, level.inverse, radius, threads, u,
                          v, level.xt, level.yt);
      // Neighbour candidates after the level's last update, before its median, which then
      // smooths the choices without blurring the boundaries they restored.
      // The step samples I1 once per candidate and pixel: it pays for threads on levels a
      // fifth the size (at 640x480, two threads on the 320x240 level too; Middlebury, 2
      // threads: -5% time).
      if (params.neighbor_candidates && i + 1 == params.iterations)
        select_flow_candidates(
            level.I0, level.I1, candidate_step(radius),
            threads_for_pixels(params.threads, kFlowCandidates * level.I0.size()), u, v, level.xt,
            level.yt);
      if (params.median) {
        median3x3(u, threads, level.xt);
        u.swap(level.xt);
        median3x3(v, threads, level.xt);
        v.swap(level.xt);
      }
    }
  }
}

/// Checks the arguments of every pyramidal_flow overload, then runs it.
template <class S, class D0, class D1>
void checked_pyramidal_lk(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                          const Flow<S>* initial, const PyramidParams& params, Flow<S>& out,
                          PyramidWorkspace<S>& workspace) {
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
  check_iterations(func, params.iterations);
  check_min_eigenvalue(func, params.min_eigenvalue);
  check_threads(func, params.threads);
  const int levels = checked_levels(func, params.levels, I0.rows(), I0.cols());
  // Expressions without storage are evaluated once, here.
  Image<In> scratch0, scratch1;
  const StridedImage<In> view0 = strided_view(I0, scratch0);
  const StridedImage<In> view1 = strided_view(I1, scratch1);
  check_finite(func, "I0", view0);
  check_finite(func, "I1", view1);
  if (initial != nullptr) check_initial_flow(func, *initial, I0.rows(), I0.cols());
  pyramidal_lk(view0, view1, initial, params, levels, out, workspace);
}

}  // namespace detail

/// The number of pyramid levels pyramidal_flow uses for images of rows x cols and
/// PyramidParams::levels = `requested` (0 = as many as fit). Throws std::invalid_argument when
/// `requested` is negative or the image is too small for it.
inline int pyramid_levels(Eigen::Index rows, Eigen::Index cols, int requested = 0) {
  return detail::checked_levels("pyramid_levels", requested, rows, cols);
}

/// Dense pyramidal Lucas-Kanade flow from I0 to I1, starting from zero, into `out`. `out` and
/// `workspace` are resized only when the frame size or the level count changes, so that a video
/// loop reusing them allocates nothing.
///
/// I0, I1: any 2-D dense Eigen expression (Array, Matrix, Map, Block, row- or column-major) of
/// uint8_t, uint16_t, float or double, the same type and size; rows are y. S: float or double.
/// Throws std::invalid_argument for empty or differently sized images, a non-finite pixel,
/// radius < 1, levels < 0, iterations < 1, min_eigenvalue < 0 or NaN, threads < 0, or an image
/// too small for the requested levels.
template <class S, class D0, class D1>
void pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                    const PyramidParams& params, Flow<S>& out, PyramidWorkspace<S>& workspace) {
  detail::checked_pyramidal_lk(I0, I1, static_cast<const Flow<S>*>(nullptr), params, out,
                               workspace);
}

/// As above, starting from `initial` (only its u and v are read; it may be `out` itself, e.g.
/// the previous frame's flow in a video). Also throws when `initial` is not the images' size or
/// has a non-finite value.
template <class S, class D0, class D1>
void pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                    const Flow<S>& initial, const PyramidParams& params, Flow<S>& out,
                    PyramidWorkspace<S>& workspace) {
  detail::checked_pyramidal_lk(I0, I1, &initial, params, out, workspace);
}

/// Dense pyramidal Lucas-Kanade flow from I0 to I1, starting from zero; see above.
template <class S = float, class D0, class D1>
Flow<S> pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                       const PyramidParams& params = {}) {
  Flow<S> out;
  PyramidWorkspace<S> workspace;
  pyramidal_flow(I0, I1, params, out, workspace);
  return out;
}

/// Dense pyramidal Lucas-Kanade flow from I0 to I1, starting from `initial` (only its u and v
/// are read), e.g. the previous frame's flow in a video; see above.
template <class S = float, class D0, class D1>
Flow<S> pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                       const Flow<S>& initial, const PyramidParams& params = {}) {
  Flow<S> out;
  PyramidWorkspace<S> workspace;
  pyramidal_flow(I0, I1, initial, params, out, workspace);
  return out;
}

}  // namespace lkflow
