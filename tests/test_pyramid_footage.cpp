// pyramidal_flow on what real footage holds: large smooth regions (sky) with sensor noise, large
// motions, identical frames, extreme values; and the fill's building blocks (pull-push, weights,
// the noise estimate) against their definitions.
//
// How the truth is made: a scene is a function of continuous (x, y) (a texture of plane waves,
// and a sky that is a smooth gradient), rendered at (x - u, y - v) for the second frame, so that
// I1(x + u, y + v) = I0(x, y) exactly before rounding to 8 bits; the noise of each frame is drawn
// independently (fixed seeds).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>
#include <lkflow/detail/isa_kernels.hpp>
#include <lkflow/pyramid.hpp>

#include "support/cases.hpp"
#include "support/images.hpp"

using namespace lkflow_test;

namespace {

/// A landscape: a sky (a smooth vertical gradient, no texture) above a wavy horizon at about
/// `sky_share` of the height, textured ground below it (plane waves of 6 to 60 px), blended over
/// two pixels at the horizon.
class Landscape {
 public:
  Landscape(unsigned seed, double rows, double sky_share)
      : ground_(seed, 24, 6, 60), rows_(rows), horizon_(sky_share * rows) {}

  double operator()(double x, double y) const {
    const double horizon = horizon_ + 0.04 * rows_ * std::sin(x / 37.0) + 3 * std::sin(x / 9.0);
    const double sky = 0.78 - 0.12 * y / rows_;  // brighter at the top, 31 grey levels in all
    const double ground = 0.2 + 0.8 * (ground_(x, y) - 0.2);
    const double t = std::clamp((y - horizon) / 2.0 + 0.5, 0.0, 1.0);
    return (1 - t) * sky + t * ground;
  }

  bool in_sky(double x, double y) const {
    return y < horizon_ + 0.04 * rows_ * std::sin(x / 37.0) + 3 * std::sin(x / 9.0) - 1;
  }

 private:
  Texture ground_;
  double rows_, horizon_;
};

/// 8-bit frames of `scene` translated by (u, v), with Gaussian noise of `noise` grey levels drawn
/// independently for each frame.
template <class Scene>
std::pair<Image<std::uint8_t>, Image<std::uint8_t>> noisy_pair(const Scene& scene,
                                                               Eigen::Index rows, Eigen::Index cols,
                                                               double u, double v, double noise,
                                                               unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0, noise / 255);
  auto frame = [&](double dx, double dy) {
    Image<std::uint8_t> image(rows, cols);
    for (Eigen::Index y = 0; y < rows; ++y)
      for (Eigen::Index x = 0; x < cols; ++x)
        image(y, x) = to_pixel<std::uint8_t>(scene(double(x) - dx, double(y) - dy) + gauss(rng));
    return image;
  };
  Image<std::uint8_t> I0 = frame(0, 0);
  return {I0, frame(u, v)};
}

/// Endpoint errors of a translation (u, v) at the pixels that stay inside the frame.
template <class S>
std::vector<double> translation_errors(const lkflow::Flow<S>& flow, double u, double v) {
  std::vector<double> errors;
  for (Eigen::Index y = 0; y < flow.u.rows(); ++y)
    for (Eigen::Index x = 0; x < flow.u.cols(); ++x) {
      const double tx = double(x) + u, ty = double(y) + v;
      if (tx < 0 || ty < 0 || tx > double(flow.u.cols() - 1) || ty > double(flow.u.rows() - 1))
        continue;
      errors.push_back(std::hypot(double(flow.u(y, x)) - u, double(flow.v(y, x)) - v));
    }
  return errors;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (const double value : values) sum += value;
  return sum / double(values.size());
}

double share_above(const std::vector<double>& values, double limit) {
  return double(std::count_if(values.begin(), values.end(), [=](double e) { return e > limit; })) /
         double(values.size());
}

lkflow::PyramidParams without_fill() {
  lkflow::PyramidParams params;
  params.fill_strength = 0;
  return params;
}

/// True when every value is +0 (bitwise: -0 is not).
template <class S>
bool all_positive_zero(const Image<S>& image) {
  for (Eigen::Index i = 0; i < image.size(); ++i) {
    const S value = image.data()[i];
    if (value != S(0) || std::signbit(value)) return false;
  }
  return true;
}

}  // namespace

// ---- Smooth regions ----

TEST_CASE("a noisy sky takes the motion of the ground around it", "[pyramid][fill]") {
  // 40% sky, 1.5 grey levels of noise per frame: the sky's windows pass min_eigenvalue on the
  // noise and the gradient's 8-bit steps, and their own flow is noise.
  const Eigen::Index rows = 240, cols = 320;
  const Landscape scene(3, double(rows), 0.4);
  struct Motion {
    double u, v, max_mean, max_share_over_half;
  };
  for (const Motion m : {Motion{0.6, -0.35, 0.12, 0.01}, Motion{22.5, -14.25, 0.5, 1.0}}) {
    const auto [I0, I1] = noisy_pair(scene, rows, cols, m.u, m.v, 1.5, 11);
    const auto filled = translation_errors(lkflow::pyramidal_flow(I0, I1), m.u, m.v);
    const auto unfilled =
        translation_errors(lkflow::pyramidal_flow(I0, I1, without_fill()), m.u, m.v);
    INFO("translation (" << m.u << ", " << m.v << "): mean EPE " << mean(filled) << " px, "
                         << 100 * share_above(filled, 0.5) << "% over 0.5 px; without the fill "
                         << mean(unfilled) << " px, " << 100 * share_above(unfilled, 0.5) << "%");
    CHECK(mean(filled) <= m.max_mean);
    CHECK(share_above(filled, 0.5) < m.max_share_over_half);
    // The fill is what makes the difference.
    CHECK(mean(filled) < 0.85 * mean(unfilled));
    CHECK(share_above(unfilled, 0.5) > share_above(filled, 0.5) + 0.02);
  }
}

TEST_CASE("the fill leaves a textured image's flow as it was", "[pyramid][fill]") {
  // Every window confident: the fill changes little, and the accuracy stays.
  const auto [I0, I1] = translated_pair<std::uint8_t>(41, 200, 260, 1.7, -0.9);
  const auto filled = lkflow::pyramidal_flow(I0, I1);
  const auto unfilled = lkflow::pyramidal_flow(I0, I1, without_fill());
  const auto errors = translation_errors(filled, 1.7, -0.9);
  INFO("mean EPE " << mean(errors) << " px, without the fill "
                   << mean(translation_errors(unfilled, 1.7, -0.9)));
  CHECK(mean(errors) <= 0.03);
  CHECK(((filled.u - unfilled.u).abs().maxCoeff()) <= 0.05f);
}

// ---- Large motions ----

TEST_CASE("translations up to a sixth of the short side are followed", "[pyramid][motion]") {
  // 360x200: the coarsest level is 23x13, where 33 px are 2 px, beyond one linearised step.
  const Eigen::Index rows = 200, cols = 360;
  const Texture texture(9, 24, 8, 120);
  for (const auto& [u, v] :
       {std::pair{-22.0, -33.0}, std::pair{33.0, 21.5}, std::pair{-33.0, 0.0}}) {
    const auto [I0, I1] = noisy_pair(texture, rows, cols, u, v, 0.5, 5);
    const auto errors = translation_errors(lkflow::pyramidal_flow(I0, I1), u, v);
    INFO("translation (" << u << ", " << v << "): " << 100 * (1 - share_above(errors, 1.0))
                         << "% of pixels within 1 px, mean EPE " << mean(errors));
    CHECK(share_above(errors, 1.0) <= 0.05);
    // One warp at the coarsest levels, the earlier default, does not follow the largest.
    if (u == -22.0) {
      lkflow::PyramidParams one_warp;
      one_warp.coarse_iterations = 1;
      const auto lost = translation_errors(lkflow::pyramidal_flow(I0, I1, one_warp), u, v);
      CHECK(share_above(lost, 1.0) > 0.05);
    }
  }
}

// ---- Identical frames ----

TEMPLATE_TEST_CASE("identical frames give a flow of exactly +0, whatever the pixels",
                   "[pyramid][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // Noise over the whole range: neighbouring pixels differ by more than a factor of 2, where
  // a + 1 (b - a) is not b (the last row and column sample with a fraction of 1).
  for (const Image<In>& I : {noise_image<In>(4, 61, 83), render<In>(Texture(23), 90, 130)}) {
    for (const int threads : {1, 2}) {
      lkflow::PyramidParams params;
      params.threads = threads;
      const auto flow = lkflow::pyramidal_flow<S>(I, I, params);
      INFO(I.rows() << "x" << I.cols() << ", " << threads << " threads");
      CHECK(all_positive_zero(flow.u));
      CHECK(all_positive_zero(flow.v));
      params.min_eigenvalue = 0;
      const auto accepting = lkflow::pyramidal_flow<S>(I, I, params);
      CHECK(all_positive_zero(accepting.u));
      CHECK(all_positive_zero(accepting.v));
    }
  }
}

// ---- Extreme values ----

TEST_CASE("finite input gives a finite flow or a clear exception", "[pyramid][errors]") {
  using Catch::Contains;
  const auto [I0, I1] = translated_pair<double>(7, 48, 64, 1.2, -0.4);
  SECTION("initial flows beyond twice the diagonal are refused") {
    lkflow::Flow<double> initial;
    initial.u = Image<double>::Zero(48, 64);
    initial.v = Image<double>::Zero(48, 64);
    for (Eigen::Index i = 0; i < initial.u.size(); ++i)
      initial.u.data()[i] = i % 2 == 0 ? 1e307 : -1e307;
    CHECK_THROWS_WITH(lkflow::pyramidal_flow<double>(I0, I1, initial),
                      Contains("initial flow u has a value of 1e+307 at row 0, column 0") &&
                          Contains("twice the images' diagonal"));
    lkflow::Flow<float> huge;
    huge.u = Image<float>::Constant(48, 64, 3e38f);
    huge.v = Image<float>::Constant(48, 64, -3e38f);
    CHECK_THROWS_WITH(lkflow::pyramidal_flow<float>(I0, I1, huge),
                      Contains("initial flow u has a value of 3e+38"));
    // Twice the diagonal (160 px) is allowed, and gives a finite flow.
    huge.u.setConstant(159.0f);
    huge.v.setConstant(-159.0f);
    const auto flow = lkflow::pyramidal_flow<float>(I0, I1, huge);
    CHECK(flow.u.allFinite());
    CHECK(flow.v.allFinite());
  }
  SECTION("pixels whose window sums would overflow are refused") {
    Image<double> bright = I1;
    bright(5, 6) = 1e200;
    CHECK_THROWS_WITH(lkflow::pyramidal_flow<double>(I0, bright),
                      Contains("I1 has a value of 1e+200 at row 5, column 6") &&
                          Contains("overflow the window sums"));
    CHECK_THROWS_WITH(lkflow::pyramidal_flow<float>(I0, bright),
                      Contains("I1 has a value of 1e+200"));
    CHECK_THROWS_WITH(lkflow::dense_flow<double>(I0, bright),
                      Contains("dense_flow: I1 has a value of 1e+200"));
    // Large but summable pixels are fine: 1e6 in float sums of 13x13 windows.
    const Image<double> scaled0 = I0 * 1e6, scaled1 = I1 * 1e6;
    const auto flow = lkflow::pyramidal_flow<float>(scaled0, scaled1);
    CHECK(flow.u.allFinite());
    CHECK(flow.v.allFinite());
    CHECK(flow.confidence.allFinite());
  }
  SECTION("the flow of nearly singular windows stays finite and is a valid initial flow") {
    // A single vertical edge: every window that sees it is nearly singular along y; accepted with
    // min_eigenvalue = 0, its solution is whatever rounding makes it.
    Image<float> edge = Image<float>::Zero(48, 64), shifted = edge;
    edge.rightCols(30).setConstant(1.0f);
    shifted.rightCols(31).setConstant(1.0f);
    lkflow::PyramidParams params;
    params.min_eigenvalue = 0;
    const auto flow = lkflow::pyramidal_flow<float>(edge, shifted, params);
    CHECK(flow.u.allFinite());
    CHECK(flow.v.allFinite());
    const double bound = lkflow::detail::flow_bound(48, 64);
    CHECK(flow.u.abs().maxCoeff() <= bound);
    CHECK(flow.v.abs().maxCoeff() <= bound);
    CHECK_NOTHROW(lkflow::pyramidal_flow<float>(edge, shifted, flow, params));
  }
  SECTION("parameters of the fill and of the coarse levels") {
    lkflow::PyramidParams params;
    params.coarse_iterations = 0;
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, params),
                      Contains("coarse_iterations must be >= 1, got 0"));
    params = {};
    params.fill_strength = -1;
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, params),
                      Contains("fill_strength must be finite and >= 0") && Contains("got -1"));
    params.fill_strength = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, params), Contains("got inf"));
    params.fill_strength = 0;
    CHECK_NOTHROW(lkflow::pyramidal_flow(I0, I1, params));
  }
  SECTION("the neighbour candidates' least difference") {
    lkflow::PyramidParams params;
    params.candidate_min_change = -0.5;
    CHECK_THROWS_WITH(
        lkflow::pyramidal_flow(I0, I1, params),
        Contains("candidate_min_change must be finite and >= 0") && Contains("got -0.5"));
    params.candidate_min_change = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, params), Contains("got nan"));
    params.candidate_min_change = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, params), Contains("got inf"));
    params.candidate_min_change = 0;
    params.candidates_every_iteration = true;
    CHECK_NOTHROW(lkflow::pyramidal_flow(I0, I1, params));
    // Beyond any difference (and beyond float's range): no neighbour's flow competes, as if the
    // candidates were off; from every difference (0) some do, and the flow changes.
    const auto all_compete = lkflow::pyramidal_flow<float>(I0, I1, params);
    params.candidate_min_change = 1e300;
    const auto none_compete = lkflow::pyramidal_flow<float>(I0, I1, params);
    params.neighbor_candidates = false;
    const auto off = lkflow::pyramidal_flow<float>(I0, I1, params);
    CHECK((none_compete.u == off.u).all());
    CHECK((none_compete.v == off.v).all());
    CHECK_FALSE((all_compete.u == off.u).all());
  }
}

// ---- The fill's building blocks ----

TEST_CASE("fill weights are lambda / (lambda + lambda0) for accepted windows, else the floor",
          "[pyramid][fill][detail]") {
  const std::vector<float> lambda = {0, 1e-6f, 2e-5f, 2e-5f, 1e-3f, 0};
  const std::vector<float> c = {1, 1, 1, -0.0f, 1, 0};  // c > 0: accepted
  const auto n = Eigen::Index(lambda.size());
  std::vector<float> w(lambda.size());
  lkflow::detail::isa_base::fill_weight_row(lambda.data(), c.data(), n, 2e-5f, w.data());
  const float floor = float(lkflow::detail::kMinFillWeight);
  CHECK(w[0] == floor);
  CHECK(w[1] == Approx(1e-6 / 2.1e-5));
  CHECK(w[2] == Approx(0.5));
  CHECK(w[3] == floor);  // rejected
  CHECK(w[4] == Approx(1e-3 / 1.02e-3));
  CHECK(w[5] == floor);
  // lambda0 = 0 (noise-free frames): accepted windows weigh 1, and 0 / 0 never happens.
  lkflow::detail::isa_base::fill_weight_row(lambda.data(), c.data(), n, 0.0f, w.data());
  CHECK(w[0] == floor);
  CHECK(w[1] == 1.0f);
  CHECK(w[4] == 1.0f);
}

namespace {

/// (u, v) filled with the weights w by pull-push, from the unweighted flow (u0, v0): in place,
/// and into other arrays, which must give the same.
void fill(const Image<float>& w, const Image<float>& u0, const Image<float>& v0, int threads,
          Image<float>& u, Image<float>& v) {
  using lkflow::detail::Plane;
  std::vector<lkflow::detail::FillLevel<float>> pyramid;
  std::vector<lkflow::detail::Scratch> scratch;
  const lkflow::detail::Workers workers{threads, &scratch};
  Image<float> out_u(w.rows(), w.cols()), out_v(w.rows(), w.cols());
  lkflow::detail::isa_base::pull_push_fill<float>(
      Plane<const float>(w), workers, Plane<const float>(u0), Plane<const float>(v0),
      Plane<float>(out_u), Plane<float>(out_v), pyramid, 1);
  u = u0;
  v = v0;
  lkflow::detail::isa_base::pull_push_fill<float>(Plane<const float>(w), workers,
                                                  Plane<const float>(u), Plane<const float>(v),
                                                  Plane<float>(u), Plane<float>(v), pyramid, 1);
  CHECK((u == out_u).all());
  CHECK((v == out_v).all());
}

}  // namespace

TEST_CASE("pull-push keeps confident flow and fills the rest from it", "[pyramid][fill][detail]") {
  const Eigen::Index rows = 37, cols = 53;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> unit(0, 1);
  Image<float> u0(rows, cols), v0(rows, cols), w(rows, cols);
  for (Eigen::Index i = 0; i < u0.size(); ++i) {
    u0.data()[i] = 4 * unit(rng) - 2;
    v0.data()[i] = 4 * unit(rng) - 2;
    w.data()[i] = std::max(unit(rng), 1e-6f);
  }
  Image<float> u, v;
  SECTION("weights of 1 change nothing") {
    fill(Image<float>::Ones(rows, cols), u0, v0, 1, u, v);
    CHECK((u == u0).all());
    CHECK((v == v0).all());
  }
  SECTION("a zero field stays +0 and a constant field constant, whatever the weights") {
    fill(w, Image<float>::Zero(rows, cols), Image<float>::Constant(rows, cols, 1.5f), 1, u, v);
    CHECK(all_positive_zero(u));
    CHECK(((v - 1.5f).abs() <= 1e-6f).all());
  }
  SECTION("one confident pixel fills the whole field") {
    Image<float> weights =
        Image<float>::Constant(rows, cols, float(lkflow::detail::kMinFillWeight));
    weights(20, 30) = 1;
    fill(weights, u0, v0, 1, u, v);
    CHECK(u(20, 30) == u0(20, 30));
    CHECK(((u - u0(20, 30)).abs() <= 1e-3f).all());
    CHECK(((v - v0(20, 30)).abs() <= 1e-3f).all());
  }
  SECTION("each pixel becomes w u + (1 - w) fill, the fill a weighted mean of the field") {
    fill(w, u0, v0, 1, u, v);
    // The fill, (u - w u0) / (1 - w), is a weighted mean: within the field's range.
    const Image<float> fill_u = (u - w * u0) / (1 - w).max(1e-3f);
    CHECK(fill_u.minCoeff() >= u0.minCoeff() - 1e-3f);
    CHECK(fill_u.maxCoeff() <= u0.maxCoeff() + 1e-3f);
  }
  SECTION("the same result for any thread count") {
    Image<float> u3, v3;
    fill(w, u0, v0, 1, u, v);
    fill(w, u0, v0, 3, u3, v3);
    CHECK((u == u3).all());
    CHECK((v == v3).all());
  }
}

TEST_CASE("residual_noise is the noise of I0 - warped I1, robust to outliers",
          "[pyramid][fill][detail]") {
  const Eigen::Index rows = 200, cols = 300;
  const Image<float> I0 = render<float>(Texture(12), rows, cols);
  std::mt19937 rng(8);
  std::normal_distribution<float> gauss(0, 0.01f);
  std::uniform_real_distribution<float> unit(0, 1);
  Image<float> I1 = I0;
  for (Eigen::Index i = 0; i < I1.size(); ++i) I1.data()[i] += gauss(rng);
  const Image<float> zero = Image<float>::Zero(rows, cols);
  lkflow::detail::AlignedImage<float> scratch;
  auto residual_noise = [&](const Image<float>& a, const Image<float>& b) {
    using lkflow::detail::Plane;
    return lkflow::detail::isa_base::residual_noise<float>(
        Plane<const float>(a), Plane<const float>(b), Plane<const float>(zero),
        Plane<const float>(zero), scratch);
  };
  CHECK(residual_noise(I0, I1) == Approx(0.01).epsilon(0.05));
  // 30% of the pixels wildly off (occlusions): their standard deviation would be about 0.17;
  // the median of the absolute residual moves to the 71st percentile of the noise's, 1.55 sigma.
  Image<float> occluded = I1;
  for (Eigen::Index i = 0; i < occluded.size(); ++i)
    if (unit(rng) < 0.3f) occluded.data()[i] = unit(rng);
  const float robust = residual_noise(I0, occluded);
  CHECK(robust >= 0.01f);
  CHECK(robust <= 0.02f);
  // Identical frames: no noise.
  CHECK(residual_noise(I0, I0) == 0.0f);
}
