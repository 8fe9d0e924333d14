// The bilinear sampling under every warp and candidate cost: each sampler (the portable loop,
// and the AVX2 and AVX-512 ones where the processor has them) against a direct per-pixel
// definition, with smooth flows (contiguous cells: the SIMD samplers pick pixels by permutes),
// stretched ones (across the permutes' limits), rough and large flows (cells far apart:
// gathers), positions outside the image, every image shape down to one row or column, and row
// pieces of any start and length; and warped_row, which picks one, against the others. Built a
// second time for this machine (test_warp_native).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/detail/warp.hpp>

namespace {

using Index = Eigen::Index;
using lkflow::detail::FloatSampler;

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

/// One of the float samplers, called for a row piece as warped_row is.
struct Sampler {
  const char* name;
  FloatSampler kind;
  bool needs_two_by_two;  // the SIMD samplers take images of at least 2x2 pixels
  void (*run)(const float* i1, Index rows, Index cols, Index y, Index x_begin, Index count,
              const float* u, const float* v, float* xs, float* ys);
};

void run_portable(const float* i1, Index rows, Index cols, Index y, Index x_begin, Index count,
                  const float* u, const float* v, float* xs, float* ys) {
  // Pair loads need a second column, as the library's callers choose.
  if (cols > 1)
    lkflow::detail::warped_row_portable<std::int32_t, true>(i1, rows, cols, y, x_begin, count, u, v,
                                                            xs, ys);
  else
    lkflow::detail::warped_row_portable<std::int32_t, false>(i1, rows, cols, y, x_begin, count, u,
                                                             v, xs, ys);
}

void run_dispatched(const float* i1, Index rows, Index cols, Index y, Index x_begin, Index count,
                    const float* u, const float* v, float* xs, float* ys) {
  if (cols > 1)
    lkflow::detail::warped_row<std::int32_t, true>(i1, rows, cols, y, x_begin, count, u, v, xs, ys);
  else
    lkflow::detail::warped_row<std::int32_t, false>(i1, rows, cols, y, x_begin, count, u, v, xs,
                                                    ys);
}

/// True when this processor runs the instructions of `kind` (and this build has its sampler).
bool processor_runs(FloatSampler kind) {
  if (kind == FloatSampler::portable) return true;
  const FloatSampler best = lkflow::detail::float_sampler();
  if (kind == best || best == FloatSampler::avx512) {
#if LKFLOW_X86_DISPATCH
    if (kind == FloatSampler::avx2)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return kind == best;
  }
  return false;
}

/// The samplers this build has and this processor runs; the others are reported, not hidden.
std::vector<Sampler> available_samplers() {
  std::vector<Sampler> samplers{{"portable", FloatSampler::portable, false, run_portable}};
  if constexpr (lkflow::detail::kHasAvx2Sampler) {
    if (processor_runs(FloatSampler::avx2))
      samplers.push_back({"AVX2", FloatSampler::avx2, true, lkflow::detail::warped_row_avx2});
    else
      WARN("the AVX2 sampler is not tested: this processor lacks AVX2 or FMA");
  }
  if constexpr (lkflow::detail::kHasAvx512Sampler) {
    if (processor_runs(FloatSampler::avx512))
      samplers.push_back(
          {"AVX-512", FloatSampler::avx512, true, lkflow::detail::warped_row_avx512});
    else
      WARN("the AVX-512 sampler is not tested: this processor lacks AVX-512");
  }
  return samplers;
}

}  // namespace

TEST_CASE("every sampler samples bilinearly with replicated edges, inside flags included",
          "[warp]") {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index shapes[][2] = {{1, 1},  {1, 40},  {40, 1},  {2, 2},   {3, 17},
                             {17, 3}, {24, 31}, {33, 64}, {40, 100}};
  for (const Sampler& sampler : available_samplers()) {
    for (const auto& shape : shapes) {
      const Index rows = shape[0], cols = shape[1];
      if (sampler.needs_two_by_two && (rows < 2 || cols < 2)) continue;
      lkflow::Image<float> image(rows, cols);
      for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
      for (Motion motion : {Motion::smooth, Motion::stretch, Motion::rough, Motion::far_outside}) {
        DYNAMIC_SECTION(sampler.name << " " << rows << "x" << cols << " motion " << int(motion)) {
          // Whole rows, and pieces starting anywhere with lengths around the vector widths.
          for (Index y = 0; y < rows; ++y) {
            for (const Index begin : {Index(0), Index(1), cols / 3, cols - 1}) {
              for (const Index length : {cols, Index(1), Index(7), Index(9), Index(15), Index(16),
                                         Index(17), Index(33)}) {
                const Index count = std::min(length, cols - begin);
                if (count <= 0) continue;
                std::vector<float> u, v;
                make_flow(motion, y, count, random, u, v);
                std::vector<float> xs(u.size()), ys(u.size());
                sampler.run(image.data(), rows, cols, y, begin, count, u.data(), v.data(),
                            xs.data(), ys.data());
                for (Index i = 0; i < count; ++i) {
                  const auto k = std::size_t(i);
                  // The position as float arithmetic rounds it (that rounding is not under
                  // test).
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
}

TEST_CASE("the samplers agree, and warped_row uses the fastest the processor runs", "[warp]") {
  const std::vector<Sampler> samplers = available_samplers();
  // The fastest available is the last; warped_row must compute exactly what it computes.
  CHECK(lkflow::detail::float_sampler() == samplers.back().kind);
  std::mt19937 random(11);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index rows = 48, cols = 75;
  lkflow::Image<float> image(rows, cols);
  for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
  for (Motion motion : {Motion::smooth, Motion::stretch, Motion::rough, Motion::far_outside}) {
    for (Index y = 0; y < rows; ++y) {
      std::vector<float> u, v;
      make_flow(motion, y, cols, random, u, v);
      std::vector<float> xs(u.size()), ys(u.size()), dispatched_xs(u.size()),
          dispatched_ys(u.size());
      run_dispatched(image.data(), rows, cols, y, 0, cols, u.data(), v.data(), dispatched_xs.data(),
                     dispatched_ys.data());
      for (const Sampler& sampler : samplers) {
        sampler.run(image.data(), rows, cols, y, 0, cols, u.data(), v.data(), xs.data(), ys.data());
        std::vector<float> portable_xs(u.size()), portable_ys(u.size());
        run_portable(image.data(), rows, cols, y, 0, cols, u.data(), v.data(), portable_xs.data(),
                     portable_ys.data());
        for (Index x = 0; x < cols; ++x) {
          const auto k = std::size_t(x);
          INFO(sampler.name << " motion " << int(motion) << " y " << y << " x " << x);
          // Equal up to whether a multiply-add was fused (the portable loop's are only where
          // the build targets FMA).
          REQUIRE(xs[k] == Approx(portable_xs[k]).margin(1e-6));
          REQUIRE(ys[k] == portable_ys[k]);
          if (sampler.kind == lkflow::detail::float_sampler()) {
            REQUIRE(dispatched_xs[k] == xs[k]);
            REQUIRE(dispatched_ys[k] == ys[k]);
          }
        }
      }
    }
  }
}
