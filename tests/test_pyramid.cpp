// pyramidal_flow: known large and affine motions, its single-level case against dense_flow and the
// naive reference, initial flows, workspaces, threads, layouts, bad input; and the pyramid's
// building blocks (blur and decimation, x2 upsampling, 3x3 median) against direct definitions.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>
#include <lkflow/pyramid.hpp>

#include "support/cases.hpp"
#include "support/copies.hpp"
#include "support/images.hpp"

using namespace lkflow_test;

namespace {

/// Rows and columns at least `margin` pixels from every edge.
template <class S>
Image<double> interior(const Image<S>& image, Eigen::Index margin) {
  return image.block(margin, margin, image.rows() - 2 * margin, image.cols() - 2 * margin)
      .template cast<double>();
}

/// A pair whose flow is the affine map p -> centre + A (p - centre) + t minus p, exactly:
/// I1 shows the texture at the inverse map, so I1(p + flow(p)) = I0(p).
template <class In>
struct AffinePair {
  Image<In> I0, I1;
  Image<double> u, v;
};

template <class In>
AffinePair<In> affine_pair(unsigned seed, Eigen::Index rows, Eigen::Index cols,
                           const Eigen::Matrix2d& A, const Eigen::Vector2d& t) {
  const Texture texture(seed);
  const Eigen::Vector2d centre(0.5 * double(cols - 1), 0.5 * double(rows - 1));
  const Eigen::Matrix2d inverse = A.inverse();
  AffinePair<In> pair;
  pair.I0 = render<In>(texture, rows, cols);
  pair.I1 = render<In>(texture, rows, cols, [&](double x, double y) {
    return Eigen::Vector2d(centre + inverse * (Eigen::Vector2d(x, y) - centre - t));
  });
  pair.u.resize(rows, cols);
  pair.v.resize(rows, cols);
  for (Eigen::Index y = 0; y < rows; ++y)
    for (Eigen::Index x = 0; x < cols; ++x) {
      const Eigen::Vector2d p{double(x), double(y)};
      const Eigen::Vector2d flow = centre + A * (p - centre) + t - p;
      pair.u(y, x) = flow.x();
      pair.v(y, x) = flow.y();
    }
  return pair;
}

double fraction_within(const Image<double>& error, double tolerance) {
  return double((error <= tolerance).count()) / double(error.size());
}

lkflow::PyramidParams radius(int r) {
  lkflow::PyramidParams params;
  params.radius = r;
  return params;
}

lkflow::PyramidParams single_step(int radius, double min_eigenvalue) {
  lkflow::PyramidParams params;
  params.radius = radius;
  params.levels = 1;
  params.iterations = 1;
  params.min_eigenvalue = min_eigenvalue;
  params.median = false;
  params.neighbor_candidates = false;
  params.fill_strength = 0;
  return params;
}

}  // namespace

// The flow is checked pixel by pixel in the interior. Bilinear sampling of I1 at fractional
// positions smooths it slightly, which biases the converged flow by a few hundredths of a pixel
// where the texture is curved (measured: an integer translation is recovered to 1e-4 px, the
// same texture moved by 7.3 px to 0.007 px on average and 0.03 px at the 99th percentile); so the
// bound holds for 99% of the pixels and a looser one for all. These claims are for 13x13 windows
// (radius 6, the default since neighbour candidates came in), given explicitly so that they keep
// holding whatever the default; smaller windows leave a few more windows of this smooth texture
// (wavelengths of 10 to 48 px) nearly one-dimensional. The defaults as a whole, neighbour
// candidates and median included, are checked separately below.
TEMPLATE_TEST_CASE("pyramidal_flow recovers a 7.3 px translation within 0.05 px",
                   "[pyramid][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const double u = 7.3, v = -4.1;
  const auto [I0, I1] = translated_pair<In>(31, 180, 220, u, v);
  const auto flow = lkflow::pyramidal_flow<S>(I0, I1, radius(6));
  // Pixels whose match left the frame, and windows reaching them, are not part of the claim.
  const Eigen::Index margin = 20;
  const Image<double> error =
      (interior(flow.u, margin) - u).abs().max((interior(flow.v, margin) - v).abs());
  INFO("mean error " << error.mean() << ", max " << error.maxCoeff());
  CHECK(fraction_within(error, 0.05) >= 0.99);
  CHECK(error.maxCoeff() <= 0.15);
  CHECK(error.mean() <= 0.015);
}

TEMPLATE_TEST_CASE("pyramidal_flow recovers a small affine motion within 0.1 px",
                   "[pyramid][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // Half a degree of rotation, 1% zoom, a little shear and a translation (3 to 5 px).
  const double angle = 0.5 * std::acos(-1.0) / 180.0;
  Eigen::Matrix2d A;
  A << std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle);
  A *= 1.01;
  A(0, 1) += 0.003;
  const auto pair = affine_pair<In>(31, 180, 220, A, Eigen::Vector2d(3.2, -2.1));
  const auto flow = lkflow::pyramidal_flow<S>(pair.I0, pair.I1, radius(6));
  const Eigen::Index margin = 20;
  const Image<double> error = (interior(flow.u, margin) - interior(pair.u, margin))
                                  .abs()
                                  .max((interior(flow.v, margin) - interior(pair.v, margin)).abs());
  INFO("mean error " << error.mean() << ", max " << error.maxCoeff());
  CHECK(fraction_within(error, 0.1) >= 0.99);
  CHECK(error.maxCoeff() <= 0.25);
  CHECK(error.mean() <= 0.03);
}

TEMPLATE_TEST_CASE("the default parameters recover a translation and an affine motion",
                   "[pyramid][motion]", float, double) {
  using S = TestType;
  const double u = 7.3, v = -4.1;
  const auto [I0, I1] = translated_pair<std::uint8_t>(31, 180, 220, u, v);
  const auto flow = lkflow::pyramidal_flow<S>(I0, I1);
  const Image<double> error =
      (interior(flow.u, 20) - u).abs().max((interior(flow.v, 20) - v).abs());
  INFO("translation: mean error " << error.mean() << ", max " << error.maxCoeff());
  CHECK(fraction_within(error, 0.05) >= 0.97);
  CHECK(fraction_within(error, 0.1) >= 0.995);
  CHECK(error.mean() <= 0.02);

  const double angle = 0.5 * std::acos(-1.0) / 180.0;
  Eigen::Matrix2d A;
  A << std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle);
  const auto pair = affine_pair<std::uint8_t>(31, 180, 220, 1.01 * A, Eigen::Vector2d(3.2, -2.1));
  const auto affine = lkflow::pyramidal_flow<S>(pair.I0, pair.I1);
  const Image<double> affine_error =
      (interior(affine.u, 20) - interior(pair.u, 20))
          .abs()
          .max((interior(affine.v, 20) - interior(pair.v, 20)).abs());
  INFO("affine: mean error " << affine_error.mean() << ", max " << affine_error.maxCoeff());
  CHECK(fraction_within(affine_error, 0.1) >= 0.97);
  CHECK(affine_error.mean() <= 0.03);
}

namespace {

/// The members of two PyramidParams as one tuple, to compare them.
auto members(const lkflow::PyramidParams& p) {
  return std::make_tuple(p.radius, p.levels, p.iterations, p.coarse_iterations, p.min_eigenvalue,
                         p.median, p.neighbor_candidates, p.candidate_min_change,
                         p.candidates_every_iteration, p.fill_strength, p.threads);
}

}  // namespace

TEST_CASE("the presets are the defaults with the members they document changed",
          "[pyramid][presets]") {
  const lkflow::PyramidParams defaults;
  CHECK(members(lkflow::PyramidParams::balanced()) == members(defaults));
  lkflow::PyramidParams expected = defaults;
  expected.neighbor_candidates = false;
  expected.fill_strength = 0;
  CHECK(members(lkflow::PyramidParams::ultrafast()) == members(expected));
  expected = defaults;
  expected.median = false;
  expected.fill_strength = 0;
  CHECK(members(lkflow::PyramidParams::fast()) == members(expected));
  expected = defaults;
  expected.iterations = 2;
  expected.candidate_min_change = 0.1;
  expected.candidates_every_iteration = true;
  expected.fill_strength = 3000;
  CHECK(members(lkflow::PyramidParams::accurate()) == members(expected));
}

TEST_CASE("every preset recovers a translation and an affine motion", "[pyramid][presets]") {
  // The frames of the test above: a texture moved by (7.3, -4.1) px, and moved by half a degree
  // of rotation, 1% zoom and (3.2, -2.1) px.
  const double u = 7.3, v = -4.1;
  const auto translated = translated_pair<std::uint8_t>(31, 180, 220, u, v);
  const double angle = 0.5 * std::acos(-1.0) / 180.0;
  Eigen::Matrix2d A;
  A << std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle);
  const auto pair = affine_pair<std::uint8_t>(31, 180, 220, 1.01 * A, Eigen::Vector2d(3.2, -2.1));
  const std::vector<std::pair<const char*, lkflow::PyramidParams>> presets{
      {"ultrafast", lkflow::PyramidParams::ultrafast()},
      {"fast", lkflow::PyramidParams::fast()},
      {"balanced", lkflow::PyramidParams::balanced()},
      {"accurate", lkflow::PyramidParams::accurate()}};
  std::vector<lkflow::Flow<float>> flows;
  for (const auto& preset : presets) {
    const lkflow::PyramidParams& params = preset.second;
    INFO(preset.first);
    const auto flow = lkflow::pyramidal_flow<float>(translated.first, translated.second, params);
    const Image<double> error =
        (interior(flow.u, 20) - u).abs().max((interior(flow.v, 20) - v).abs());
    INFO("translation: mean error " << error.mean() << ", max " << error.maxCoeff());
    CHECK(fraction_within(error, 0.1) >= 0.99);
    CHECK(error.mean() <= 0.03);
    const auto affine = lkflow::pyramidal_flow<float>(pair.I0, pair.I1, params);
    const Image<double> affine_error =
        (interior(affine.u, 20) - interior(pair.u, 20))
            .abs()
            .max((interior(affine.v, 20) - interior(pair.v, 20)).abs());
    INFO("affine: mean error " << affine_error.mean() << ", max " << affine_error.maxCoeff());
    CHECK(fraction_within(affine_error, 0.1) >= 0.95);
    CHECK(affine_error.mean() <= 0.04);
    flows.push_back(affine);
  }
  // The presets are different computations.
  for (std::size_t i = 1; i < flows.size(); ++i) CHECK((flows[i].u != flows[i - 1].u).any());
}

TEMPLATE_TEST_CASE("pyramidal_flow gives exactly zero flow for identical frames",
                   "[pyramid][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const Image<In> I0 = render<In>(Texture(23), 90, 130);
  for (const bool median : {false, true}) {
    lkflow::PyramidParams params;
    params.median = median;
    params.min_eigenvalue = 0;
    const auto flow = lkflow::pyramidal_flow<S>(I0, I0, params);
    CHECK((flow.u == S(0)).all());
    CHECK((flow.v == S(0)).all());
    CHECK((flow.confidence > S(0)).count() > flow.confidence.size() / 2);
  }
}

// "Equals dense_flow": both are checked against the naive reference with the same tolerances,
// and against each other: equal flow to the reference tolerance where the window is well-posed,
// both exactly 0 where dense_flow rejects the window, and equal confidence to rounding.
TEMPLATE_TEST_CASE("levels = 1, iterations = 1 is dense_flow", "[pyramid][dense_flow]",
                   LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const std::vector<std::pair<int, int>> sizes = {{1, 1}, {1, 9},   {9, 1},
                                                  {3, 5}, {31, 17}, {70, 97}};
  unsigned seed = 100;
  for (const auto& [rows, cols] : sizes) {
    for (const int radius : {1, 2, 7}) {
      for (const double threshold : {0.0, 1e-4}) {
        const auto [I0, I1] = translated_pair<In>(seed++, rows, cols, 0.4, -0.3);
        DYNAMIC_SECTION(rows << "x" << cols << " r=" << radius << " min_eigenvalue=" << threshold) {
          const auto flow = lkflow::pyramidal_flow<S>(I0, I1, single_step(radius, threshold));
          const auto ref = reference_flow(to_intensity(I0), to_intensity(I1), radius, threshold);
          check_against_reference(flow, ref, threshold);

          const auto dense = lkflow::dense_flow<S>(I0, I1, dense_params(radius, threshold, 1));
          const Mask good = well_posed(ref, threshold);
          if (good.count() > 0) {
            CHECK_THAT(as_double(flow.u), IsNear(as_double(dense.u), flow_tolerance<S>, good));
            CHECK_THAT(as_double(flow.v), IsNear(as_double(dense.v), flow_tolerance<S>, good));
          }
          const Mask rejected = dense.confidence.template cast<double>() < 0.99 * threshold;
          if (rejected.count() > 0) {
            CHECK((rejected <= (flow.u == S(0))).all());
            CHECK((rejected <= (dense.u == S(0))).all());
          }
          const double scale = std::max(ref.lambda_max.maxCoeff(), 1e-12);
          CHECK_THAT(as_double(flow.confidence),
                     IsNear(as_double(dense.confidence), confidence_tolerance<S> * scale));
        }
      }
    }
  }
}

TEST_CASE("float window sums stay precise along 1920-pixel rows", "[pyramid][dense_flow]") {
  // Float sums run along whole rows: their rounding must stay far below the flow's accuracy.
  const auto [I0, I1] = translated_pair<std::uint8_t>(99, 256, 1920, 0.35, -0.45);
  const auto flow = lkflow::pyramidal_flow<float>(I0, I1, single_step(4, 1e-6));
  const auto dense = lkflow::dense_flow<double>(I0, I1, dense_params(4, 1e-6, 1));
  const Mask conditioned = dense.confidence > 1e-4;
  REQUIRE(conditioned.count() > I0.size() / 2);
  CHECK_THAT(as_double(flow.u), IsNear(dense.u, 1e-4, conditioned));
  CHECK_THAT(as_double(flow.v), IsNear(dense.v, 1e-4, conditioned));
}

TEMPLATE_TEST_CASE("rejected windows keep the initial flow", "[pyramid][initial]", float, double) {
  using S = TestType;
  // A constant image: every window is rejected, at every level.
  const Image<float> flat = Image<float>::Constant(40, 50, 0.5f);
  lkflow::Flow<S> initial;
  initial.u = Image<S>::Constant(40, 50, S(1.25));
  initial.v = Image<S>::Constant(40, 50, S(-0.5));
  for (const int levels : {1, 0}) {
    lkflow::PyramidParams params;
    params.levels = levels;
    const auto flow = lkflow::pyramidal_flow<S>(flat, flat, initial, params);
    INFO("levels " << levels);
    // Constant flows survive blurring, decimation and upsampling exactly (powers of 2 only).
    CHECK((flow.u == S(1.25)).all());
    CHECK((flow.v == S(-0.5)).all());
    CHECK((flow.confidence == S(0)).all());
  }
}

TEMPLATE_TEST_CASE("an initial flow lets a single level follow a large translation",
                   "[pyramid][initial]", float, double) {
  using S = TestType;
  const double u = 7.3, v = 2.2;
  const auto [I0, I1] = translated_pair<float>(31, 180, 220, u, v);
  lkflow::PyramidParams params = radius(6);  // as the translation test above
  params.levels = 1;
  lkflow::Flow<S> initial;
  initial.u = Image<S>::Constant(180, 220, S(7));
  initial.v = Image<S>::Constant(180, 220, S(2));
  const auto flow = lkflow::pyramidal_flow<S>(I0, I1, initial, params);
  const Eigen::Index margin = 20;
  const Image<double> error =
      (interior(flow.u, margin) - u).abs().max((interior(flow.v, margin) - v).abs());
  CHECK(fraction_within(error, 0.05) >= 0.99);
  CHECK(error.maxCoeff() <= 0.15);
  // Without it, a single level cannot.
  const auto lost = lkflow::pyramidal_flow<S>(I0, I1, params);
  const Image<double> lost_error =
      (interior(lost.u, margin) - u).abs().max((interior(lost.v, margin) - v).abs());
  CHECK(fraction_within(lost_error, 0.05) < 0.5);
}

TEST_CASE("the initial flow may be the output, and a workspace is reused without allocation",
          "[pyramid][initial]") {
  const auto [I0, I1] = translated_pair<std::uint8_t>(61, 120, 150, 3.2, -1.7);
  const auto [I2, I3] = translated_pair<std::uint8_t>(62, 120, 150, 3.0, -1.5);
  const lkflow::PyramidParams params;
  const auto first = lkflow::pyramidal_flow(I0, I1, params);
  const auto expected = lkflow::pyramidal_flow(I2, I3, first, params);

  lkflow::PyramidWorkspace<float> workspace;
  lkflow::Flow<float> flow;
  lkflow::pyramidal_flow(I0, I1, params, flow, workspace);
  check_identical(flow, first);
  const float* u_data = flow.u.data();
  const std::size_t bytes = workspace.bytes();
  CHECK(bytes > 0);
  lkflow::pyramidal_flow(I2, I3, flow, params, flow, workspace);  // initial == out
  check_identical(flow, expected);
  CHECK(flow.u.data() == u_data);
  CHECK(workspace.bytes() == bytes);
  workspace.clear();
  CHECK(workspace.bytes() == 0);
}

TEMPLATE_TEST_CASE("pyramidal_flow output is identical for every thread count",
                   "[pyramid][threads]", float, double) {
  using S = TestType;
  // Passes run on one thread per lkflow::detail::kPixelsPerWorker pixels of their level (the
  // neighbour candidates count five per pixel), so threads share the two finest levels of this
  // pair (820 000 and 205 000 pixels) and the candidates of the third, not the others; 1000
  // rows are 16 bands of the window sums at the default radius.
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  REQUIRE(lkflow::detail::threads_for_pixels(0, 1000 * 820) == std::min(cores, 8));
  REQUIRE(lkflow::detail::threads_for_pixels(3, 1000 * 820) == 3);
  REQUIRE(lkflow::detail::threads_for_pixels(3, 500 * 410) == 2);
  REQUIRE(lkflow::detail::threads_for_pixels(3, 250 * 205) == 1);
  const auto [I0, I1] = translated_pair<std::uint16_t>(5, 1000, 820, 2.3, 1.1);
  lkflow::PyramidParams params;
  const auto one = lkflow::pyramidal_flow<S>(I0, I1, params);
  for (const int threads : {2, 3, 0}) {
    params.threads = threads;
    INFO("threads " << threads);
    check_identical(lkflow::pyramidal_flow<S>(I0, I1, params), one);
  }
}

TEMPLATE_TEST_CASE("pyramidal_flow reads every input layout the same way", "[pyramid][layout]",
                   std::uint8_t, float) {
  using In = TestType;
  const auto [I0, I1] = translated_pair<In>(8, 70, 90, 1.5, 0.5);
  const auto expected = lkflow::pyramidal_flow(I0, I1);
  const Eigen::Array<In, Eigen::Dynamic, Eigen::Dynamic> a = I0, b = I1;
  check_identical(lkflow::pyramidal_flow(a, b), expected);
  Image<In> big = Image<In>::Zero(80, 100);
  big.block(3, 4, 70, 90) = I1;
  check_identical(lkflow::pyramidal_flow(I0, big.block(3, 4, 70, 90)), expected);
}

TEST_CASE("pyramidal_flow chooses levels so that the coarsest short side stays >= 8 px",
          "[pyramid][levels]") {
  CHECK(lkflow::detail::levels_that_fit(1, 1) == 1);
  CHECK(lkflow::detail::levels_that_fit(14, 400) == 1);     // 7 x 200 is too small
  CHECK(lkflow::detail::levels_that_fit(15, 400) == 2);     // 8 x 200
  CHECK(lkflow::detail::levels_that_fit(480, 640) == 7);    // 8 x 10
  CHECK(lkflow::detail::levels_that_fit(388, 584) == 6);    // 13 x 19
  CHECK(lkflow::detail::levels_that_fit(360, 640) == 6);    // 12 x 20
  CHECK(lkflow::detail::levels_that_fit(1080, 1920) == 8);  // 9 x 15
}

TEST_CASE("pyramid_levels reports the levels a call uses, and rejects what it would",
          "[pyramid][levels]") {
  CHECK(lkflow::pyramid_levels(480, 640) == 7);
  CHECK(lkflow::pyramid_levels(480, 640, 3) == 3);
  CHECK(lkflow::pyramid_levels(10, 10, 1) == 1);
  CHECK_THROWS_WITH(lkflow::pyramid_levels(480, 640, 8), Catch::Contains("too small for 8 levels"));
  CHECK_THROWS_WITH(lkflow::pyramid_levels(480, 640, -1), Catch::Contains("levels must be >= 0"));
}

TEST_CASE("pyramidal_flow rejects bad input with a message naming the problem",
          "[pyramid][errors]") {
  using Catch::Contains;
  const Image<float> I0 = render<float>(Texture(1), 40, 50);
  const Image<float> I1 = render<float>(Texture(2), 40, 50);
  auto with = [](auto change) {
    lkflow::PyramidParams params;
    change(params);
    return params;
  };
  SECTION("levels < 0") {
    CHECK_THROWS_AS(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.levels = -1; })),
                    std::invalid_argument);
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.levels = -1; })),
                      Contains("levels must be >= 0") && Contains("got -1"));
  }
  SECTION("iterations < 1") {
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.iterations = 0; })),
                      Contains("iterations must be >= 1, got 0"));
  }
  SECTION("image too small for the requested levels") {
    // 40x50 -> 20x25 -> 10x13 -> 5x7: three levels fit, four do not.
    CHECK_NOTHROW(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.levels = 3; })));
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.levels = 4; })),
                      Contains("too small for 4 levels") && Contains("level 3 would be 5x7") &&
                          Contains("use levels <= 3"));
  }
  SECTION("the checks shared with dense_flow") {
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.radius = 0; })),
                      Contains("radius must be >= 1, got 0"));
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.threads = -2; })),
                      Contains("threads must be >= 0"));
    CHECK_THROWS_WITH(
        lkflow::pyramidal_flow(I0, I1, with([](auto& p) { p.min_eigenvalue = std::nan(""); })),
        Contains("min_eigenvalue must be >= 0"));
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, Image<float>::Zero(40, 51).eval()),
                      Contains("pyramidal_flow: size mismatch"));
    Image<float> bad = I1;
    bad(7, 9) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, bad),
                      Contains("I1 has a non-finite pixel (+inf) at row 7, column 9"));
  }
  SECTION("initial flow of another size or with a non-finite value") {
    lkflow::Flow<float> initial;
    initial.u = Image<float>::Zero(40, 50);
    initial.v = Image<float>::Zero(40, 49);
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, initial), Contains("initial flow v is 40x49"));
    initial.v = Image<float>::Zero(40, 50);
    initial.u(3, 4) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(lkflow::pyramidal_flow(I0, I1, initial),
                      Contains("initial flow u has a non-finite pixel (NaN) at row 3, column 4"));
  }
}

// ---- Building blocks, against their definitions, in every copy of the kernels. ----

namespace {
using lkflow::detail::Plane;
using lkflow::detail::Workers;
using FlagImage = Eigen::Array<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// The working memory of the building blocks' worker threads.
std::vector<lkflow::detail::Scratch> scratch;
}  // namespace

TEST_CASE("downsample2 blurs with [1 4 6 4 1]/16 and keeps even pixels", "[pyramid][detail]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(0, 1);
  // Named copies, not a structured binding: C++17 lambdas (clang 14) cannot capture those.
  for (const auto& size : std::vector<std::pair<int, int>>{{1, 1}, {2, 3}, {7, 8}, {33, 20}}) {
    const int rows = size.first, cols = size.second;
    Image<double> src(rows, cols);
    for (Eigen::Index i = 0; i < src.size(); ++i) src.data()[i] = unit(rng);
    const std::array<double, 5> w = {1 / 16., 4 / 16., 6 / 16., 4 / 16., 1 / 16.};
    Image<double> expected((rows + 1) / 2, (cols + 1) / 2);
    for (Eigen::Index i = 0; i < expected.rows(); ++i)
      for (Eigen::Index j = 0; j < expected.cols(); ++j) {
        double sum = 0;
        for (int a = 0; a < 5; ++a)
          for (int b = 0; b < 5; ++b)
            sum +=
                w[std::size_t(a)] * w[std::size_t(b)] * clamped(src, 2 * i + a - 2, 2 * j + b - 2);
        expected(i, j) = 0.5 * sum;
      }
    for_each_copy([&](const char* copy, auto kernels) {
      Image<double> dst((rows + 1) / 2, (cols + 1) / 2);
      kernels.downsample2(Plane<const double>(src), 0.5, Workers{2, &scratch}, Plane<double>(dst));
      INFO(copy << " copy, " << rows << "x" << cols);
      CHECK_THAT(dst, IsNear(expected, 1e-14));
    });
  }
}

TEST_CASE("upsample2 interpolates bilinearly at (x/2, y/2) and doubles", "[pyramid][detail]") {
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (const auto& size : std::vector<std::pair<int, int>>{{1, 1}, {1, 2}, {5, 4}, {16, 9}}) {
    const int rows = size.first, cols = size.second;
    const Eigen::Index coarse_rows = (rows + 1) / 2, coarse_cols = (cols + 1) / 2;
    Image<double> coarse(coarse_rows, coarse_cols);
    for (Eigen::Index i = 0; i < coarse.size(); ++i) coarse.data()[i] = unit(rng);
    Image<double> expected(rows, cols);
    for (Eigen::Index y = 0; y < rows; ++y)
      for (Eigen::Index x = 0; x < cols; ++x) {
        const double cy = 0.5 * double(y), cx = 0.5 * double(x);
        const auto y0 = Eigen::Index(cy), x0 = Eigen::Index(cx);
        const double fy = cy - double(y0), fx = cx - double(x0);
        expected(y, x) =
            2 *
            ((1 - fy) * ((1 - fx) * clamped(coarse, y0, x0) + fx * clamped(coarse, y0, x0 + 1)) +
             fy * ((1 - fx) * clamped(coarse, y0 + 1, x0) + fx * clamped(coarse, y0 + 1, x0 + 1)));
      }
    for_each_copy([&](const char* copy, auto kernels) {
      Image<double> fine(rows, cols);
      kernels.upsample2(Plane<const double>(coarse), Workers{1, &scratch}, Plane<double>(fine));
      INFO(copy << " copy, " << rows << "x" << cols);
      CHECK_THAT(fine, IsNear(expected, 1e-14));
    });
  }
}

TEST_CASE("median3x3 is the median of each 3x3 neighbourhood", "[pyramid][detail]") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> level(0, 6);  // ties are frequent
  for (const auto& size : std::vector<std::pair<int, int>>{{1, 1}, {1, 5}, {4, 1}, {37, 41}}) {
    const int rows = size.first, cols = size.second;
    Image<float> src(rows, cols);
    for (Eigen::Index i = 0; i < src.size(); ++i) src.data()[i] = float(level(rng));
    const Image<double> s = src.cast<double>();
    Image<double> expected(rows, cols);
    for (Eigen::Index y = 0; y < rows; ++y)
      for (Eigen::Index x = 0; x < cols; ++x) {
        std::array<double, 9> window{};
        for (int k = 0; k < 9; ++k)
          window[std::size_t(k)] = clamped(s, y + k / 3 - 1, x + k % 3 - 1);
        std::nth_element(window.begin(), window.begin() + 4, window.end());
        expected(y, x) = window[4];
      }
    for_each_copy([&](const char* copy, auto kernels) {
      Image<float> dst(rows, cols);
      kernels.median3x3(Plane<const float>(src), Workers{2, &scratch}, Plane<float>(dst));
      INFO(copy << " copy, " << rows << "x" << cols);
      CHECK_THAT(as_double(dst), IsNear(expected, 0.0));
    });
  }
}

namespace {
/// Bilinear sample of I at (x, y), the position clamped into the image (the warp's definition).
double bilinear_clamped(const Image<double>& I, double x, double y) {
  x = std::clamp(x, 0.0, double(I.cols() - 1));
  y = std::clamp(y, 0.0, double(I.rows() - 1));
  const double x0 = std::floor(x), y0 = std::floor(y);
  const double fx = x - x0, fy = y - y0;
  auto at = [&](double yy, double xx) { return clamped(I, Eigen::Index(yy), Eigen::Index(xx)); };
  const double top = at(y0, x0) + fx * (at(y0, x0 + 1) - at(y0, x0));
  const double bottom = at(y0 + 1, x0) + fx * (at(y0 + 1, x0 + 1) - at(y0 + 1, x0));
  return top + fy * (bottom - top);
}
}  // namespace

TEST_CASE("select_flow_candidates keeps the neighbour flow that fits best", "[pyramid][detail]") {
  // Brute force from the definition: candidate k is the flow field shifted by `step` (right,
  // left, below, above; indices clamped); its cost at a pixel is the sum over the pixel's 5x5
  // neighbourhood (clipped) of (I0 - I1 warped by the candidate field)^2; a neighbour's flow is
  // taken where it differs from the pixel's own by more than min_change and costs strictly less
  // than every earlier candidate. The blocks' flows differ by multiples of 0.7 px along x and
  // 0.45 px along y, so that min_change 0.5 excludes differences along y alone and 0.25 does not.
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> patch(0, 3);
  // The last two cases have a constant flow but for one 12x12 block: most 64-column segments
  // have no eligible candidate and skip their costs, which must change no choice.
  const std::vector<std::array<int, 4>> cases = {{1, 1, 2, 0},   {1, 9, 2, 0},   {7, 1, 3, 0},
                                                 {31, 45, 4, 0}, {70, 66, 9, 0}, {90, 300, 4, 1},
                                                 {60, 200, 9, 1}};
  for (const double min_change : {0.25, 0.5})
    for (const auto& test_case : cases) {
      // Named copies, not a structured binding: C++17 lambdas (clang 14) cannot capture those.
      const int rows = test_case[0], cols = test_case[1], step = test_case[2];
      const bool sparse = test_case[3] != 0;
      const Image<double> I0 = noise_image<double>(unsigned(rows + cols), rows, cols);
      const Image<double> I1 = noise_image<double>(unsigned(3 * rows + cols), rows, cols);
      // Piecewise constant flows (blocks of 6x6 pixels), so that neighbours often differ.
      Image<double> u(rows, cols), v(rows, cols);
      std::vector<std::pair<double, double>> blocks(64);
      for (auto& [bu, bv] : blocks) bu = 0.7 * patch(rng) - 1, bv = 0.45 * patch(rng) - 0.6;
      for (Eigen::Index y = 0; y < rows; ++y)
        for (Eigen::Index x = 0; x < cols; ++x) {
          const auto& [bu, bv] = blocks[std::size_t((y / 6 * 8 + x / 6) % 64)];
          const bool in_block = y >= 30 && y < 42 && x >= 130 && x < 142;
          u(y, x) = sparse ? (in_block ? 1.5 : 0.3) : bu;
          v(y, x) = sparse ? (in_block ? -0.7 : 0.1) : bv;
        }
      const int dx[5] = {0, step, -step, 0, 0}, dy[5] = {0, 0, 0, step, -step};
      auto cost = [&](int k, Eigen::Index y, Eigen::Index x) {
        double sum = 0;
        for (Eigen::Index j = y - 2; j <= y + 2; ++j)
          for (Eigen::Index i = x - 2; i <= x + 2; ++i) {
            if (j < 0 || j >= rows || i < 0 || i >= cols) continue;
            const double cu = clamped(u, j + dy[k], i + dx[k]),
                         cv = clamped(v, j + dy[k], i + dx[k]);
            const double d = I0(j, i) - bilinear_clamped(I1, double(i) + cu, double(j) + cv);
            sum += d * d;
          }
        return sum;
      };
      Image<double> expected_u = u, expected_v = v;
      Mask clear = Mask::Constant(rows, cols, true);  // no near-tie that rounding could flip
      Eigen::Index moved = 0;
      for (Eigen::Index y = 0; y < rows; ++y)
        for (Eigen::Index x = 0; x < cols; ++x) {
          double best = cost(0, y, x);
          for (int k = 1; k < 5; ++k) {
            const double cu = clamped(u, y + dy[k], x + dx[k]),
                         cv = clamped(v, y + dy[k], x + dx[k]);
            if (std::max(std::abs(cu - u(y, x)), std::abs(cv - v(y, x))) <= min_change) continue;
            const double c = cost(k, y, x);
            if (std::abs(c - best) < 1e-9 * (1 + best)) clear(y, x) = false;
            if (c < best) {
              best = c;
              expected_u(y, x) = cu;
              expected_v(y, x) = cv;
            }
          }
          moved += expected_u(y, x) != u(y, x) || expected_v(y, x) != v(y, x);
        }
      if (rows * cols > 1000) CHECK(moved > (sparse ? 20 : rows * cols / 10));
      for_each_copy([&](const char* copy, auto kernels) {
        Image<double> got_u(rows, cols), got_v(rows, cols);
        FlagImage flags(rows, lkflow::detail::candidate_segments(cols));
        kernels.select_flow_candidates(
            Plane<const double>(I0), Plane<const double>(I1), Eigen::Index(step), min_change,
            Workers{2, &scratch}, Plane<const double>(u), Plane<const double>(v),
            Plane<std::uint8_t>(flags), Plane<double>(got_u), Plane<double>(got_v));
        INFO(copy << " copy, " << rows << "x" << cols << " step " << step << ", min_change "
                  << min_change << ": " << moved << " pixels take a neighbour's");
        CHECK_THAT(got_u, IsNear(expected_u, 0.0, clear));
        CHECK_THAT(got_v, IsNear(expected_v, 0.0, clear));
      });
    }
}

TEMPLATE_TEST_CASE("neighbour candidates restore motion boundaries", "[pyramid][motion]", float,
                   double) {
  using S = TestType;
  // A textured square moves by (4, 2) px over a background moving by (-1, 0.5) px.
  const Eigen::Index rows = 160, cols = 200, top = 50, left = 60, side = 70;
  const Texture background(41), square(42);
  const Eigen::Vector2d t_square(4, 2), t_background(-1, 0.5);
  auto inside = [&](double x, double y) {
    return x >= double(left) && x < double(left + side) && y >= double(top) &&
           y < double(top + side);
  };
  Image<std::uint8_t> I0(rows, cols), I1(rows, cols);
  for (Eigen::Index y = 0; y < rows; ++y)
    for (Eigen::Index x = 0; x < cols; ++x) {
      const double px = double(x), py = double(y);
      I0(y, x) = to_pixel<std::uint8_t>(inside(px, py) ? square(px, py) : background(px, py));
      const double sx = px - t_square.x(), sy = py - t_square.y();
      I1(y, x) = to_pixel<std::uint8_t>(
          inside(sx, sy) ? square(sx, sy)
                         : background(px - t_background.x(), py - t_background.y()));
    }
  // Pixels within 12 px of the square's edge, away from the image border and from the strips
  // that the square covers or uncovers (whose flow no frame pair can tell).
  auto near_edge = [&](Eigen::Index y, Eigen::Index x) {
    const double px = double(x), py = double(y);
    const bool in0 = inside(px, py),
               occluded = !in0 && inside(px - t_square.x() + t_background.x(),
                                         py - t_square.y() + t_background.y());
    const double d = std::min({std::abs(px - double(left)), std::abs(px - double(left + side)),
                               std::abs(py - double(top)), std::abs(py - double(top + side))});
    return d <= 12 && !occluded && x >= 15 && y >= 15 && x < cols - 15 && y < rows - 15;
  };
  auto edge_error = [&](bool candidates, double min_change = 0.25, bool every_iteration = false) {
    lkflow::PyramidParams params;
    params.neighbor_candidates = candidates;
    params.candidate_min_change = min_change;
    params.candidates_every_iteration = every_iteration;
    params.iterations = every_iteration ? 2 : 1;
    const auto flow = lkflow::pyramidal_flow<S>(I0, I1, params);
    double sum = 0;
    Eigen::Index n = 0;
    for (Eigen::Index y = 0; y < rows; ++y)
      for (Eigen::Index x = 0; x < cols; ++x) {
        if (!near_edge(y, x)) continue;
        const Eigen::Vector2d t = inside(double(x), double(y)) ? t_square : t_background;
        sum += std::hypot(double(flow.u(y, x)) - t.x(), double(flow.v(y, x)) - t.y());
        ++n;
      }
    return sum / double(n);
  };
  const double with = edge_error(true), without = edge_error(false);
  INFO("mean endpoint error near the edges: " << with << " px with candidates, " << without
                                              << " px without");
  CHECK(with <= 0.5 * without);
  CHECK(with <= 0.3);
  // As the accurate preset runs them: after each of two warps, from flows 0.1 px apart. The
  // boundary stays as sharp; a candidate step that ran once or not at all would leave it blurred.
  const double every = edge_error(true, 0.1, true);
  INFO("with candidates after each of two warps, from 0.1 px: " << every << " px");
  CHECK(every <= 0.5 * without);
  CHECK(every <= 0.3);
}

TEST_CASE("coarse levels without structure are passed over", "[pyramid][motion]") {
  // A texture of 6 to 20 px wavelengths has nothing left at 1/16, 1/32 and 1/64 scale of
  // 1280x720 (the 5th to 7th levels that fit) but blurred-out aliasing, whose flow is arbitrary:
  // starting there, the finer levels locked onto flows up to 40 px wrong (mean 3.3 px).
  const auto [I0, I1] = translated_pair<std::uint8_t>(5, 720, 1280, 3.3, -2.1, 6, 20);
  REQUIRE(lkflow::pyramid_levels(720, 1280) == 7);
  lkflow::PyramidParams params;
  params.threads = 0;
  const auto flow = lkflow::pyramidal_flow(I0, I1, params);
  const Image<double> error =
      (interior(flow.u, 20) - 3.3).abs().max((interior(flow.v, 20) + 2.1).abs());
  INFO("mean error " << error.mean() << ", max " << error.maxCoeff());
  CHECK(error.mean() <= 0.03);
  CHECK(fraction_within(error, 0.1) >= 0.99);
}
