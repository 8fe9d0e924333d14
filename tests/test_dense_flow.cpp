// dense_flow against the naive reference: every scalar and pixel type, layout, radius and size;
// known motions; bad input.
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>

#include "support/cases.hpp"
#include "support/images.hpp"

using namespace lkflow_test;

TEMPLATE_TEST_CASE("dense_flow matches the reference at every size and radius", "[dense_flow]",
                   LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const std::vector<std::pair<int, int>> sizes = {{1, 1}, {1, 9},   {9, 1},   {2, 2},   {3, 5},
                                                  {5, 3}, {16, 16}, {31, 17}, {45, 67}, {130, 97}};
  unsigned seed = 1;
  for (const auto& [rows, cols] : sizes) {
    for (const int radius : {1, 2, 3, 7, 15}) {
      const auto [I0, I1] = translated_pair<In>(seed++, rows, cols, 0.4, -0.3);
      const lkflow::DenseParams params = dense_params(radius, 1e-5, 1);
      DYNAMIC_SECTION(rows << "x" << cols << " r=" << radius) {
        const auto flow = lkflow::dense_flow<S>(I0, I1, params);
        const auto ref =
            reference_flow(to_intensity(I0), to_intensity(I1), radius, params.min_eigenvalue);
        const auto well_posed_pixels = check_against_reference(flow, ref, params.min_eigenvalue);
        if (rows >= 16 && cols >= 16) CHECK(well_posed_pixels > rows * cols / 2);
      }
    }
  }
}

TEMPLATE_TEST_CASE("dense_flow matches the reference on noise and at other thresholds",
                   "[dense_flow]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const Image<In> I0 = noise_image<In>(7, 70, 83), I1 = noise_image<In>(8, 70, 83);
  for (const double threshold : {0.0, 1e-4, 3e-2}) {
    for (const int radius : {1, 4}) {
      DYNAMIC_SECTION("min_eigenvalue=" << threshold << " r=" << radius) {
        const lkflow::DenseParams params = dense_params(radius, threshold, 1);
        const auto flow = lkflow::dense_flow<S>(I0, I1, params);
        const auto ref = reference_flow(to_intensity(I0), to_intensity(I1), radius, threshold);
        check_against_reference(flow, ref, threshold);
      }
    }
  }
}

TEMPLATE_TEST_CASE("dense_flow reads every input layout the same way", "[dense_flow][layout]",
                   LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const Eigen::Index rows = 150, cols = 41;  // three bands at r = 2
  const auto [I0, I1] = translated_pair<In>(21, rows, cols, -0.2, 0.6);
  const lkflow::DenseParams params = dense_params(2, 1e-5, 1);
  const auto expected = lkflow::dense_flow<S>(I0, I1, params);
  check_against_reference(expected, reference_flow(to_intensity(I0), to_intensity(I1), 2, 1e-5),
                          1e-5);

  SECTION("column-major Array") {
    const Eigen::Array<In, Eigen::Dynamic, Eigen::Dynamic> a = I0, b = I1;
    check_identical(lkflow::dense_flow<S>(a, b, params), expected);
  }
  SECTION("row- and column-major Matrix") {
    const Eigen::Matrix<In, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> a = I0.matrix();
    const Eigen::Matrix<In, Eigen::Dynamic, Eigen::Dynamic> b = I1.matrix();
    check_identical(lkflow::dense_flow<S>(a, b, params), expected);
  }
  SECTION("Map over a caller's buffer with padded rows") {
    const Eigen::Index pitch = cols + 5;
    std::vector<In> buffer0(std::size_t(rows * pitch)), buffer1(buffer0.size());
    using Strided = Eigen::Map<Image<In>, 0, Eigen::OuterStride<>>;
    Strided(buffer0.data(), rows, cols, Eigen::OuterStride<>(pitch)) = I0;
    Strided(buffer1.data(), rows, cols, Eigen::OuterStride<>(pitch)) = I1;
    using ConstStrided = Eigen::Map<const Image<In>, 0, Eigen::OuterStride<>>;
    const ConstStrided a(buffer0.data(), rows, cols, Eigen::OuterStride<>(pitch));
    const ConstStrided b(buffer1.data(), rows, cols, Eigen::OuterStride<>(pitch));
    check_identical(lkflow::dense_flow<S>(a, b, params), expected);
  }
  SECTION("Map with an inner stride (one channel of interleaved pixels)") {
    std::vector<In> buffer0(std::size_t(rows * cols * 3)), buffer1(buffer0.size());
    using Interleaved = Eigen::Map<Image<In>, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
    const Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic> stride(3 * cols, 3);
    Interleaved(buffer0.data() + 1, rows, cols, stride) = I0;
    Interleaved(buffer1.data() + 1, rows, cols, stride) = I1;
    check_identical(
        lkflow::dense_flow<S>(Interleaved(buffer0.data() + 1, rows, cols, stride),
                              Interleaved(buffer1.data() + 1, rows, cols, stride), params),
        expected);
  }
  SECTION("Blocks of larger row- and column-major images") {
    Image<In> big0 = Image<In>::Zero(rows + 7, cols + 9);
    Eigen::Array<In, Eigen::Dynamic, Eigen::Dynamic> big1 =
        Eigen::Array<In, Eigen::Dynamic, Eigen::Dynamic>::Zero(rows + 3, cols + 2);
    big0.block(4, 5, rows, cols) = I0;
    big1.block(1, 2, rows, cols) = I1;
    check_identical(
        lkflow::dense_flow<S>(big0.block(4, 5, rows, cols), big1.block(1, 2, rows, cols), params),
        expected);
  }
  SECTION("an expression without storage") {
    auto same = [](In p) { return p; };
    check_identical(lkflow::dense_flow<S>(I0.unaryExpr(same), I1.unaryExpr(same), params),
                    expected);
  }
}

TEMPLATE_TEST_CASE("dense_flow output is identical for every thread count", "[dense_flow][threads]",
                   LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // 333 rows: eleven bands at r = 2, three at r = 15 (bands are max(32, 8r+4) rows).
  const auto [I0, I1] = translated_pair<In>(5, 333, 120, 0.3, 0.1);
  for (const int radius : {2, 15}) {
    lkflow::DenseParams params = dense_params(radius, 1e-5, 1);
    const auto one = lkflow::dense_flow<S>(I0, I1, params);
    for (const int threads : {2, 3, 0}) {
      params.threads = threads;
      INFO("radius " << radius << ", threads " << threads);
      check_identical(lkflow::dense_flow<S>(I0, I1, params), one);
    }
  }
}

TEST_CASE("concurrent calls with threads give the single-threaded result",
          "[dense_flow][threads]") {
  // Two callers at once: one holds the shared thread pool, the other starts its own threads.
  const auto frames = translated_pair<std::uint8_t>(9, 200, 150, 0.3, -0.2);
  // Named references, not a structured binding: C++17 lambdas cannot capture those.
  const Image<std::uint8_t>& I0 = frames.first;
  const Image<std::uint8_t>& I1 = frames.second;
  const auto expected = lkflow::dense_flow(I0, I1, dense_params(2, 1e-5, 1));
  std::vector<lkflow::Flow<float>> results(2 * 25);
  auto caller = [&](int first) {
    for (int k = first; k < int(results.size()); k += 2)
      results[std::size_t(k)] = lkflow::dense_flow(I0, I1, dense_params(2, 1e-5, 2 + k % 3));
  };
  std::thread other(caller, 1);
  caller(0);
  other.join();
  for (const auto& result : results) check_identical(result, expected);
}

TEST_CASE("dense_flow reuses an output of the right size and resizes a wrong one", "[dense_flow]") {
  const auto [I0, I1] = translated_pair<std::uint8_t>(3, 40, 50, 0.2, 0.2);
  lkflow::Flow<float> out;
  out.u.resize(40, 50);
  out.v.resize(40, 50);
  out.confidence.resize(3, 3);
  const float* u_data = out.u.data();
  const float* v_data = out.v.data();
  lkflow::dense_flow(I0, I1, lkflow::DenseParams{}, out);
  CHECK(out.u.data() == u_data);
  CHECK(out.v.data() == v_data);
  CHECK(out.confidence.rows() == 40);
  CHECK(out.confidence.cols() == 50);
  check_identical(out, lkflow::dense_flow(I0, I1));
}

TEST_CASE("8-bit input with windows too large for 32-bit sums stays exact", "[dense_flow]") {
  // A 190x190 window holds 36100 pixels: sums can exceed 2^31, so 64-bit sums are used.
  const auto [I0, I1] = translated_pair<std::uint8_t>(11, 200, 190, 0.5, 0.25);
  const int radius = 94;
  const auto flow = lkflow::dense_flow<double>(I0, I1, dense_params(radius, 1e-5, 2));
  const Image<double> J0 = to_intensity(I0), J1 = to_intensity(I1);
  for (Eigen::Index y = 0; y < I0.rows(); y += 13)
    for (Eigen::Index x = 0; x < I0.cols(); x += 17) {
      const auto p = reference_pixel(J0, J1, y, x, radius, 1e-5);
      INFO("pixel (x, y) = (" << x << ", " << y << ")");
      CHECK(flow.u(y, x) == Approx(p.u).margin(1e-9));
      CHECK(flow.v(y, x) == Approx(p.v).margin(1e-9));
      CHECK(flow.confidence(y, x) == Approx(p.confidence).margin(1e-12));
    }
}

TEMPLATE_TEST_CASE("dense_flow recovers a sub-pixel translation", "[dense_flow][motion]",
                   LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const double u = 0.25, v = -0.15;
  const auto [I0, I1] = translated_pair<In>(17, 96, 128, u, v);
  // Single-step LK is biased by about shift^2 times the texture's curvature, and 8-bit rounding
  // of It adds up to ~0.013 px at r = 10; r = 15 keeps the worst interior error near 0.01 px.
  const int radius = 15, margin = radius + 2;
  const double threshold = 1e-5;
  const auto flow = lkflow::dense_flow<S>(I0, I1, dense_params(radius, threshold, 1));
  const auto interior = [&](const Image<S>& f) {
    return f.block(margin, margin, f.rows() - 2 * margin, f.cols() - 2 * margin);
  };
  const double u_error = (interior(flow.u).template cast<double>() - u).abs().maxCoeff();
  const double v_error = (interior(flow.v).template cast<double>() - v).abs().maxCoeff();
  INFO("max error u " << u_error << ", v " << v_error);
  CHECK((interior(flow.confidence) >= S(threshold)).all());  // every interior window solved
  CHECK(u_error <= 0.02);
  CHECK(v_error <= 0.02);
}

TEMPLATE_TEST_CASE("zero motion gives exactly zero flow, singular windows included",
                   "[dense_flow][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // A texture below 25 flat rows, twice. Every right-hand side is 0, so the flow must be
  // exactly 0: at the windows with structure, and at the singular ones within the flat rows
  // (their sums are exactly 0 for every pixel type: no texture row has entered their column
  // sums), where det = 0 and a solve that divided by det would give 0 / 0 = NaN.
  Image<In> I0 = render<In>(Texture(23), 70, 90);
  I0.topRows(25).setConstant(to_pixel<In>(0.5));
  const lkflow::DenseParams params = dense_params(3, 0.0, 2);
  const auto flow = lkflow::dense_flow<S>(I0, I0, params);
  CHECK((flow.u == S(0)).all());
  CHECK((flow.v == S(0)).all());
  CHECK((flow.confidence > S(0)).count() > flow.confidence.size() / 2);
  CHECK((flow.confidence == S(0)).count() >= 21 * 90);  // rows 0 to 20: windows within rows 0-23
  // A pair of this texture moved by (0.3, -0.2) px, with the same parameters, does give a flow:
  // the zeros above come from the frames, not from a solve that returns zeros.
  const auto [J0, J1] = translated_pair<In>(23, 70, 90, 0.3, -0.2);
  const auto moved = lkflow::dense_flow<S>(J0, J1, params);
  const Mask found = ((moved.u - S(0.3)).abs() < S(0.1)) && ((moved.v + S(0.2)).abs() < S(0.1));
  CHECK(found.count() > moved.u.size() / 2);
}

TEMPLATE_TEST_CASE("a constant image is rejected everywhere with confidence 0",
                   "[dense_flow][motion]", LKFLOW_ALL_CASES) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  const Image<In> I0 = Image<In>::Constant(33, 47, to_pixel<In>(0.5));
  const Image<In> I1 = Image<In>::Constant(33, 47, to_pixel<In>(0.7));  // It != 0, still no flow
  for (const double threshold : {0.0, 1e-4}) {
    const auto flow = lkflow::dense_flow<S>(I0, I1, dense_params(2, threshold, 1));
    CHECK((flow.u == S(0)).all());
    CHECK((flow.v == S(0)).all());
    CHECK((flow.confidence == S(0)).all());
  }
}

TEST_CASE("dense_flow rejects bad input with a message naming the problem",
          "[dense_flow][errors]") {
  using Catch::Contains;
  const Image<float> I0 = render<float>(Texture(1), 10, 12);
  const Image<float> I1 = render<float>(Texture(2), 10, 12);
  SECTION("size mismatch") {
    const Image<float> other = Image<float>::Zero(10, 13);
    CHECK_THROWS_AS(lkflow::dense_flow(I0, other), std::invalid_argument);
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, other), Contains("size mismatch") &&
                                                         Contains("I0 is 10x12") &&
                                                         Contains("I1 is 10x13"));
  }
  SECTION("empty image") {
    const Image<float> empty(0, 12);
    CHECK_THROWS_WITH(lkflow::dense_flow(empty, I1), Contains("I0 is an empty image"));
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, Image<float>()), Contains("I1 is an empty image"));
  }
  SECTION("radius < 1") {
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, I1, dense_params(0, 1e-4, 1)),
                      Contains("radius must be >= 1, got 0"));
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, I1, dense_params(-3, 1e-4, 1)), Contains("got -3"));
  }
  SECTION("non-finite pixels, named by position") {
    Image<float> bad = I1;
    bad(3, 5) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, bad),
                      Contains("I1 has a non-finite pixel (NaN) at row 3, column 5"));
    Image<double> inf = I0.cast<double>();
    inf(9, 0) = -std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(lkflow::dense_flow(inf, I1.cast<double>().eval()),
                      Contains("I0 has a non-finite pixel (-inf) at row 9, column 0"));
  }
  SECTION("a non-finite pixel found through a column-major, strided input") {
    Eigen::ArrayXXd column_major = I0.cast<double>();
    column_major(4, 7) = std::numeric_limits<double>::quiet_NaN();
    const Eigen::ArrayXXd other = I1.cast<double>();
    CHECK_THROWS_WITH(lkflow::dense_flow(column_major, other),
                      Contains("I0 has a non-finite pixel (NaN) at row 4, column 7"));
  }
  SECTION("an input that shares memory with the output") {
    lkflow::Flow<float> flow = lkflow::dense_flow(I0, I1);
    const lkflow::Flow<float> before = flow;
    CHECK_THROWS_WITH(lkflow::dense_flow(flow.u, I1, lkflow::DenseParams{}, flow),
                      Contains("I0 shares memory with the output flow"));
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, flow.confidence, lkflow::DenseParams{}, flow),
                      Contains("I1 shares memory with the output flow"));
    check_identical(flow, before);
  }
  SECTION("a failed call leaves the output untouched, size included") {
    lkflow::Flow<float> flow = lkflow::dense_flow(I0, I1);
    const lkflow::Flow<float> before = flow;
    Image<float> big0 = Image<float>::Zero(20, 24), big1 = Image<float>::Zero(20, 24);
    big1(19, 23) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(lkflow::dense_flow(big0, big1, lkflow::DenseParams{}, flow),
                      Contains("I1 has a non-finite pixel (+inf) at row 19, column 23"));
    check_identical(flow, before);
  }
  SECTION("bad threads and thresholds") {
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, I1, dense_params(2, 1e-4, -1)),
                      Contains("threads must be >= 0") && Contains("got -1"));
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, I1, dense_params(2, -1.0, 1)),
                      Contains("min_eigenvalue must be >= 0"));
    CHECK_THROWS_WITH(lkflow::dense_flow(I0, I1, dense_params(2, std::nan(""), 1)),
                      Contains("min_eigenvalue must be >= 0"));
  }
  SECTION("radius far beyond the image is the whole image, not an overflow") {
    const auto huge =
        lkflow::dense_flow(I0, I1, dense_params(std::numeric_limits<int>::max(), 0.0, 1));
    const auto whole = lkflow::dense_flow(I0, I1, dense_params(12, 0.0, 1));
    check_identical(huge, whole);
  }
}
