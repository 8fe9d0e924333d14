// warped_row, the bilinear sampling under every warp and candidate cost, against a direct
// per-pixel definition: smooth flows (contiguous cells: AVX-512 builds pick pixels by permutes),
// rough and large flows (cells far apart: gathers), positions outside the image, every image
// shape down to one row or column, and row pieces of any start and length. Built a second time
// for this machine (test_warp_native), where AVX-512 machines take the permute path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/detail/warp.hpp>

namespace {

using Index = Eigen::Index;
using lkflow::detail::kHasAvx512Sampler;

/// I1 sampled at (x, y) by the definition: bilinear interpolation of the image extended beyond
/// its edges by replicating its edge pixels, i.e. the position clamped into [0, cols - 1] x
/// [0, rows - 1], in double.
double sample(const lkflow::Image<float>& image, double x, double y) {
  const double cx = std::clamp(x, 0.0, double(image.cols() - 1));
  const double cy = std::clamp(y, 0.0, double(image.rows() - 1));
  const auto x0 = Index(std::floor(cx)), y0 = Index(std::floor(cy));
  const Index x1 = std::min(x0 + 1, image.cols() - 1), y1 = std::min(y0 + 1, image.rows() - 1);
  const double fx = cx - double(x0), fy = cy - double(y0);
  const double top = (1 - fx) * image(y0, x0) + fx * image(y0, x1);
  const double bottom = (1 - fx) * image(y1, x0) + fx * image(y1, x1);
  return (1 - fy) * top + fy * bottom;
}

enum class Motion { smooth, stretch, rough, far_outside };

/// A flow row for row y: smooth (a slowly varying field of a few pixels, whose cells stay
/// within a few rows), stretch (16 neighbouring cells spread by zooms of -0.6 to 1.8 along x,
/// across the limits of the columns AVX-512 permutes pick from: 7 left and 23 right of the
/// first cell), rough (independent values of up to 6 px) or far outside the image.
void make_flow(Motion motion, Index y, Index count, std::mt19937& random, std::vector<float>& u,
               std::vector<float>& v) {
  std::uniform_real_distribution<float> jitter(-0.2f, 0.2f), wide(-6.0f, 6.0f), far(-400, 400);
  u.resize(std::size_t(count));
  v.resize(u.size());
  for (Index i = 0; i < count; ++i) {
    const auto k = std::size_t(i);
    switch (motion) {
      case Motion::smooth:
        u[k] = float(3.0 * std::sin(0.05 * double(i) + 0.1 * double(y))) + jitter(random);
        v[k] = float(2.5 * std::cos(0.03 * double(i) - 0.07 * double(y))) + jitter(random);
        break;
      case Motion::stretch:
        u[k] = float((-1.6 + 2.4 * double(y % 13) / 12.0) * double(i % 16)) + jitter(random);
        v[k] = jitter(random);
        break;
      case Motion::rough:
        u[k] = wide(random);
        v[k] = wide(random);
        break;
      case Motion::far_outside:
        u[k] = far(random);
        v[k] = far(random);
        break;
    }
  }
}

}  // namespace

TEST_CASE("warped_row samples bilinearly with replicated edges, inside flags included", "[warp]") {
  INFO("AVX-512 permute sampler compiled in: " << kHasAvx512Sampler);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index shapes[][2] = {{1, 1},  {1, 40},  {40, 1},  {2, 2},   {3, 17},
                             {17, 3}, {24, 31}, {33, 64}, {40, 100}};
  for (const auto& shape : shapes) {
    const Index rows = shape[0], cols = shape[1];
    lkflow::Image<float> image(rows, cols);
    for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
    for (Motion motion : {Motion::smooth, Motion::stretch, Motion::rough, Motion::far_outside}) {
      DYNAMIC_SECTION(rows << "x" << cols << " motion " << int(motion)) {
        // Whole rows, and pieces starting anywhere with lengths around the vector width.
        for (Index y = 0; y < rows; ++y) {
          for (const Index begin : {Index(0), Index(1), cols / 3, cols - 1}) {
            for (const Index length :
                 {cols, Index(1), Index(15), Index(16), Index(17), Index(33)}) {
              const Index count = std::min(length, cols - begin);
              if (count <= 0) continue;
              std::vector<float> u, v;
              make_flow(motion, y, count, random, u, v);
              std::vector<float> xs(u.size()), ys(u.size());
              // Pair loads need a second column, as the library's callers choose.
              if (cols > 1)
                lkflow::detail::warped_row<std::int32_t, true>(image.data(), rows, cols, y, begin,
                                                               count, u.data(), v.data(), xs.data(),
                                                               ys.data());
              else
                lkflow::detail::warped_row<std::int32_t, false>(image.data(), rows, cols, y, begin,
                                                                count, u.data(), v.data(),
                                                                xs.data(), ys.data());
              for (Index i = 0; i < count; ++i) {
                const auto k = std::size_t(i);
                // The position as float arithmetic rounds it (that rounding is not under test).
                const double x = double(float(begin + i) + u[k]);
                const double yy = double(float(y) + v[k]);
                const bool inside =
                    x >= 0 && x <= double(cols - 1) && yy >= 0 && yy <= double(rows - 1);
                INFO("y " << y << " x " << begin + i << " u " << u[k] << " v " << v[k]);
                REQUIRE(xs[k] == Approx(sample(image, x, yy)).margin(2e-6));
                REQUIRE(ys[k] == (inside ? 1.0f : 0.0f));
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("warped_row computes what its portable loop computes", "[warp]") {
  // In builds for AVX-512 machines warped_row samples float images with permutes and gathers
  // of its own; the results must be those of the portable loop, which other builds run.
  std::mt19937 random(11);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index rows = 48, cols = 75;
  lkflow::Image<float> image(rows, cols);
  for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
  for (Motion motion : {Motion::smooth, Motion::stretch, Motion::rough, Motion::far_outside}) {
    for (Index y = 0; y < rows; ++y) {
      std::vector<float> u, v;
      make_flow(motion, y, cols, random, u, v);
      std::vector<float> xs(u.size()), ys(u.size()), portable_xs(u.size()), portable_ys(u.size());
      lkflow::detail::warped_row<std::int32_t, true>(image.data(), rows, cols, y, 0, cols, u.data(),
                                                     v.data(), xs.data(), ys.data());
      lkflow::detail::warped_row_portable<std::int32_t, true>(
          image.data(), rows, cols, y, 0, cols, u.data(), v.data(), portable_xs.data(),
          portable_ys.data());
      for (Index x = 0; x < cols; ++x) {
        INFO("motion " << int(motion) << " y " << y << " x " << x);
        // Equal up to whether a compiler fused a multiply-add the other did not.
        REQUIRE(xs[std::size_t(x)] == Approx(portable_xs[std::size_t(x)]).margin(1e-6));
        REQUIRE(ys[std::size_t(x)] == portable_ys[std::size_t(x)]);
      }
    }
  }
}
