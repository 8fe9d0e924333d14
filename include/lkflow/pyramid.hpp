// Pyramidal coarse-to-fine Lucas-Kanade optical flow with warping (Bouguet 2000), in the
// inverse compositional, dense form of FOLKI (Le Besnerais & Champagnat 2005): flow that follows
// motions of many pixels, not only the sub-pixel ones single-scale dense_flow sees.
//
// Method:
// 1. Gaussian pyramids of I0 and I1: each level blurs the one below with the 5-tap binomial
//    kernel [1 4 6 4 1]/16 in both directions and keeps every second row and column (Burt &
//    Adelson 1983). Level k+1 pixel (i, j) sits at level k pixel (2i, 2j).
// 2. From the coarsest level (short side 8 to 15 px) to the input: the flow of the coarser level
//    is upsampled x2 (bilinear, values doubled); the coarsest starts from zero or from the
//    initial flow brought down the pyramid the same way as the images (values halved at each
//    level).
// 3. At each level the gradients Ix, Iy of I0 (central differences, as in dense_flow) and the
//    window sums Sxx, Syy, Sxy of the structure tensor are formed once, and the tensor inverted
//    once: the Hessian of the inverse compositional algorithm does not change while iterating
//    (Baker & Matthews 2004, sec. 3.2). Each of `iterations` iterations (`coarse_iterations` at
//    the two coarsest levels refined, where a large motion is still a few pixels and one
//    linearised step falls short) then
//    - warps I1 by the current flow (u, v), bilinear, at (x + u, y + v) clamped into the image;
//    - forms It' = I0 - I1(x + u, y + v) + Ix u + Iy v, the temporal difference linearised
//      around each pixel's own flow (Le Besnerais & Champagnat 2005, eq. 7), so that the window
//      sums Sxt' = sum Ix It', Syt' = sum Iy It' come from summed-area tables like dense_flow's;
//      where (x + u, y + v) falls outside I1 the difference I0 - I1 is taken as 0;
//    - solves [Sxx Sxy; Sxy Syy] [u; v] = [Sxt'; Syt'] for the new flow by Cramer's rule;
//    - after the level's last update (or every update: candidates_every_iteration), optionally
//      lets every pixel take a neighbour's flow that fits its 5x5 neighbourhood better and
//      differs from its own by more than candidate_min_change (neighbour candidates: the
//      propagation step of PatchMatch and DIS), which restores the motion boundaries that
//      windows blur;
//    - optionally replaces u and v by their 3x3 medians (Sun, Roth & Black 2010).
//    A window that is rejected (det = 0 or smallest mean eigenvalue < min_eigenvalue) keeps the
//    flow it had, the estimate propagated from the coarser level (or the initial flow). With
//    levels = 0, coarse levels where fewer than half the windows pass are passed over (their flow
//    would be that of aliasing).
//    After the iterations, the fill (fill_strength > 0): a window's flow is moved by the frames'
//    noise by about sigma / sqrt(n lambda) px (lambda its smallest mean eigenvalue, n its pixel
//    count, sigma the noise of the level's residual I0 - warped I1, estimated robustly), so it
//    is blended with the flow of the confident windows around it by the weight
//    lambda / (lambda + lambda0), lambda0 = fill_strength sigma^2 2^k / n at level k; rejected
//    windows take the fill fully. The fill is a pull-push over a pyramid of the weighted flow
//    (Gortler et al. 1996): a flat sky, wall or water surface takes the motion around it,
//    however large, and coarse levels no longer hand noise to finer ones.
// 4. confidence is the finest level's: the smallest eigenvalue of the window-mean structure
//    tensor of I0, exactly as in dense_flow.
// Integer pixels are scaled to [0, 1] as in dense_flow; the pyramid works in S.
//
// With levels = 1, iterations = 1, median, neighbour candidates and the fill off and no initial
// flow this is dense_flow with the same radius and min_eigenvalue: It' = I0 - I1 and rejected
// windows keep the flow 0. The results agree to rounding (the pyramid forms gradients in S and sums
// them in floating point, dense_flow sums exact integers for integer pixels): to 1e-5 px (double)
// and 1e-2 px (float) wherever the window is well-posed, exactly 0 where dense_flow rejects the
// window, and confidence to rounding.
//
// Defaults (radius 6, 1 iteration, 4 at the coarsest levels, median, neighbour candidates and
// fill on, min_eigenvalue 1e-6, levels until the short side would drop below 8 px) were tuned
// on the Middlebury sequences and checked on photos moved by known motions, with and without
// noise; see README "Pyramidal flow".
//
// Presets (static functions of PyramidParams, fastest first; each is the defaults with the
// members named changed, and members set afterwards override it):
//   PyramidParams::ultrafast()  no neighbour candidates, no fill          (beside DIS ultrafast)
//   PyramidParams::fast()       no median, no fill                       (beside DIS fast)
//   PyramidParams::balanced()   the defaults                             (beside DIS fast)
//   PyramidParams::accurate()   iterations 2, candidates_every_iteration, (beside DIS medium)
//                               candidate_min_change 0.1, fill_strength 3000
// Their EPE and time beside OpenCV's DIS presets, measured side by side in one run, are in
// README "Performance" (bench/compare_opencv.py); the program takes them as --preset NAME and
// the Python module as preset="NAME".
//
// Memory: per level, both frames, the gradients of I0, the three entries of the inverse tensor,
// the products Ix It', Iy It' and the flow (11 images), and the confidence of every level but
// the finest (whose confidence is the output's; its flow goes to the output in the level's last
// pass): about 15 values of S per input pixel, and the fill's pull pyramid (weights and weighted
// flow at every coarser level: 1 more value per pixel), 20 MB for a 640x480 float flow, each
// image on a 64-byte boundary, held in a PyramidWorkspace with the working memory of each worker
// thread (O(width) for its window sums). A workspace reused for frames of the same size, or
// smaller ones, allocates nothing (tested).
//
// Threads: each pass runs on at most one thread per 100 000 pixels of its level (a thread costs
// more to wake than a pass over a coarse level takes); bands are fixed by the radius, so the
// output never depends on the thread count. Every pass runs at the width of AVX-512 or AVX2 where
// the processor has them, also in code built for the baseline x86-64 with GCC or clang
// (detail/isa.hpp); the results of those copies and the base one agree to rounding.
//
// The implementation, step by step: detail/pyramid_driver.hpp (the coarse-to-fine driver), and
// the passes it runs: detail/pyramid_resample.hpp (between levels), detail/pyramid_kernel.hpp
// (tensor and warp iterations), detail/flow_candidates.hpp, detail/median3x3.hpp.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "detail/isa_kernels.hpp"
#include "detail/pyramid_args.hpp"
#include "detail/pyramid_driver.hpp"
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
  std::size_t bytes() const { return buffers_.bytes(); }

  /// Releases every buffer.
  void clear() { buffers_.clear(); }

 private:
  friend struct detail::PyramidWorkspaceAccess;
  detail::PyramidBuffers<S> buffers_;
};

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
/// Throws std::invalid_argument for empty or differently sized images, a non-finite pixel or
/// one of floating-point frames so large that the window sums would overflow (about 1e8 for a
/// float flow at radius 6, the message names the pixel and the limit), radius < 1, levels < 0,
/// iterations or coarse_iterations < 1, min_eigenvalue < 0 or NaN, fill_strength or
/// candidate_min_change < 0 or not finite, threads < 0, or an image too small for the requested
/// levels. Every flow it returns is finite and within twice the images' diagonal along x and y.
template <class S, class D0, class D1>
void pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                    const PyramidParams& params, Flow<S>& out, PyramidWorkspace<S>& workspace) {
  detail::checked_pyramidal_lk(I0, I1, static_cast<const Flow<S>*>(nullptr), params, out,
                               detail::PyramidWorkspaceAccess::buffers(workspace));
}

/// As above, starting from `initial` (only its u and v are read; it may be `out` itself, e.g.
/// the previous frame's flow in a video). Also throws when `initial` is not the images' size or
/// has a value that is not finite or beyond twice the images' diagonal.
template <class S, class D0, class D1>
void pyramidal_flow(const Eigen::DenseBase<D0>& I0, const Eigen::DenseBase<D1>& I1,
                    const Flow<S>& initial, const PyramidParams& params, Flow<S>& out,
                    PyramidWorkspace<S>& workspace) {
  detail::checked_pyramidal_lk(I0, I1, &initial, params, out,
                               detail::PyramidWorkspaceAccess::buffers(workspace));
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
