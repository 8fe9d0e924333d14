// Parameter structs of lkflow's flow estimators.
#pragma once

namespace lkflow {

/// Parameters of single-scale dense Lucas-Kanade (dense_flow).
struct DenseParams {
  int radius =
      2;  //!< window radius r >= 1: each window is (2r+1) x (2r+1) pixels, clipped at borders
  /// Smallest eigenvalue of the window-mean structure tensor, in (intensity/px)^2 with intensities
  /// as used (integer inputs scaled to [0, 1]), below which a window is ill-conditioned and its
  /// flow is set to 0. 0 = reject only windows whose determinant is 0; must be >= 0. The default,
  /// 1e-5, is a gradient RMS of 0.0032 (0.8 grey levels of 255 per pixel) along the weakest
  /// direction, about 4x the noise of 8-bit rounding; on Middlebury frames it keeps 71-100% of
  /// windows and removes the unbounded flows of flat ones (README, "Choosing min_eigenvalue").
  /// Scale it by the square of your intensity unit for unnormalised floating-point input.
  double min_eigenvalue = 1e-5;
  int threads = 1;  //!< worker threads, >= 0; 0 = all hardware threads. Output never depends on it.
};

/// Parameters of pyramidal coarse-to-fine Lucas-Kanade with warping (pyramidal_flow). The
/// defaults were tuned on the Middlebury sequences (README, "Pyramidal flow").
struct PyramidParams {
  int radius = 6;  //!< window radius r >= 1 at every level: (2r+1) x (2r+1) windows
  /// Pyramid levels, >= 0, the input's own level included. 0 = as many as fit (every level
  /// coarser than the input keeps a short side of at least 8 px), of which coarse levels where
  /// fewer than half the windows pass min_eigenvalue are passed over. 1 = single scale.
  int levels = 0;
  int iterations = 1;  //!< warps per level, >= 1
  /// Warps at the two coarsest levels refined, >= 1 (at least `iterations` are made): motions
  /// are largest there relative to the level (a translation of a sixth of the short side is 1.3
  /// to 2.7 px of the coarsest level), too large for one linearised step, and the levels small.
  int coarse_iterations = 4;
  /// As DenseParams::min_eigenvalue, in (intensity/px)^2, >= 0; a rejected window keeps the flow
  /// propagated from the coarser level (or the initial flow) instead of a new estimate. Lower
  /// than dense_flow's default: blurred coarse levels have weaker gradients.
  double min_eigenvalue = 1e-6;
  bool median = true;  //!< 3x3 median of u and v after every iteration (removes outliers)
  /// After each level's last iteration, every pixel compares its flow with its neighbours' flows
  /// r + ceil(r/2) px to the right, left, below and above (where they differ from its own by more
  /// than candidate_min_change), by the squared difference of I0 and the warped I1 over its 5x5
  /// neighbourhood, and keeps the best: this restores motion boundaries that windows blur.
  bool neighbor_candidates = true;
  /// A neighbour's flow competes only where it differs from the pixel's own by more than this,
  /// in px of the level, along x or y; finite and >= 0. Boundaries differ by pixels; among nearly
  /// equal flows the pixel's own estimate is usually the better one, but lower values also let
  /// flows that vary smoothly (zoom, rotation, curved surfaces) be corrected: more accurate on
  /// most Middlebury pairs, slower, and a smooth motion may come out as a finer patchwork.
  double candidate_min_change = 0.25;
  /// Neighbour candidates after every warp iteration of a level, not only after its last, so
  /// that each iteration starts from the corrected flow.
  bool candidates_every_iteration = false;
  /// Confidence-weighted filling after each level's refinement (pull-push): a window's flow is
  /// blended with the flow of the confident windows around it, with the weight lambda / (lambda
  /// + lambda0) for its own, lambda its smallest mean eigenvalue (the confidence) and
  /// lambda0 = fill_strength sigma^2 2^k / (2r+1)^2, sigma the noise of the level's residual
  /// I0 - warped I1 (a robust estimate) and k the level (0 = the input): the frames' noise moves
  /// a window's flow by about sigma / sqrt((2r+1)^2 lambda) px, so windows whose flow is mostly
  /// noise (flat sky, walls, water) take the motion around them instead, and rejected windows
  /// take it fully. >= 0 and finite; 0 = off (rejected windows keep the coarser level's flow).
  double fill_strength = 1000;
  int threads = 1;  //!< worker threads, >= 0; 0 = all hardware threads. Output never depends on it.

  // Presets, fastest first, each the defaults with a few members changed (EPE and time beside
  // OpenCV's DIS presets: README, "Performance"; the table in pyramid.hpp). Set members after
  // taking one, e.g. `auto p = PyramidParams::fast(); p.threads = 0;`.

  /// No neighbour candidates, no fill: about a third of balanced's time; competes with DIS
  /// ultrafast. (Its median costs a sixth of its time and takes Urban2 below DIS ultrafast's EPE.)
  static PyramidParams ultrafast() {
    PyramidParams p;
    p.neighbor_candidates = false;
    p.fill_strength = 0;
    return p;
  }
  /// No median, no fill: about four fifths of balanced's time; competes with DIS fast.
  static PyramidParams fast() {
    PyramidParams p;
    p.median = false;
    p.fill_strength = 0;
    return p;
  }
  /// The defaults.
  static PyramidParams balanced() { return PyramidParams{}; }
  /// Two warps per level, neighbour candidates after each of them and from flows 0.1 px apart,
  /// and a stronger fill: competes with DIS medium.
  static PyramidParams accurate() {
    PyramidParams p;
    p.iterations = 2;
    p.candidate_min_change = 0.1;
    p.candidates_every_iteration = true;
    p.fill_strength = 3000;
    return p;
  }
};

}  // namespace lkflow
