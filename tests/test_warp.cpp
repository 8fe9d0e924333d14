// The bilinear sampling under every warp and candidate cost: each sampler (the portable loop,
// and the AVX2 and AVX-512 ones where the processor has them) against a direct per-pixel
// definition, with smooth flows (contiguous cells: the SIMD samplers pick pixels by permutes),
// stretched ones (across the permutes' limits), rough and large flows (cells far apart:
// gathers), positions outside the image, every image shape down to one row or column, and row
// pieces of any start and length; and the warped_row of each copy of the kernels (isa.hpp),
// which uses its copy's sampler, against the others. Built a second time for this machine
// (test_warp_native), where the base copy has the machine's sampler.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/detail/isa_kernels.hpp>
#include <lkflow/image.hpp>

namespace {

using Index = Eigen::Index;
using lkflow::detail::Isa;

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

using lkflow::detail::SampleOutput;

/// A sampler's row function: samples into `out` and inside flags into `inside`
/// (SampleOutput::samples), or (i0[i] - sample)^2 into `out` (SampleOutput::squared_differences).
using RowFunction = void (*)(const float* i1, Index rows, Index cols, Index y, Index x_begin,
                             Index count, const float* u, const float* v, const float* i0,
                             float* out, float* inside);

/// One of the float samplers, or a copy's warped_row and squared_difference_row, in both output
/// forms.
struct Sampler {
  const char* name;
  bool needs_two_by_two;  // the SIMD samplers take images of at least 2x2 pixels
  RowFunction samples, squared_differences;
};

/// The portable loop (pair loads need a second column, as the library's callers choose), and
/// for squared differences the loop of squared_difference_row after it.
template <SampleOutput Output>
void run_portable(const float* i1, Index rows, Index cols, Index y, Index x_begin, Index count,
                  const float* u, const float* v, const float* i0, float* out, float* inside) {
  std::vector<float> xs(static_cast<std::size_t>(count)), ys(xs.size());
  if (cols > 1)
    lkflow::detail::isa_base::warped_row_portable<std::int32_t, true>(
        i1, rows, cols, y, x_begin, count, u, v, xs.data(), ys.data());
  else
    lkflow::detail::isa_base::warped_row_portable<std::int32_t, false>(
        i1, rows, cols, y, x_begin, count, u, v, xs.data(), ys.data());
  for (Index i = 0; i < count; ++i) {
    const auto k = std::size_t(i);
    if constexpr (Output == SampleOutput::samples) {
      out[k] = xs[k];
      inside[k] = ys[k];
    } else {
      out[k] = (i0[k] - xs[k]) * (i0[k] - xs[k]);
    }
  }
}

// warped_row and squared_difference_row of one copy of the kernels (namespace ns): the functions
// the warp iterations and the candidates call, each with its copy's sampler.
#define LKFLOW_TEST_COPY_SAMPLER(ns)                                                             \
  template <SampleOutput Output>                                                                 \
  void run_##ns(const float* i1, Index rows, Index cols, Index y, Index x_begin, Index count,    \
                const float* u, const float* v, const float* i0, float* out, float* inside) {    \
    using lkflow::detail::ns::squared_difference_row;                                            \
    using lkflow::detail::ns::warped_row;                                                        \
    std::vector<float> xs(static_cast<std::size_t>(count)), ys(xs.size());                       \
    if constexpr (Output == SampleOutput::samples) {                                             \
      if (cols > 1)                                                                              \
        warped_row<std::int32_t, true>(i1, rows, cols, y, x_begin, count, u, v, out, inside);    \
      else                                                                                       \
        warped_row<std::int32_t, false>(i1, rows, cols, y, x_begin, count, u, v, out, inside);   \
    } else {                                                                                     \
      if (cols > 1)                                                                              \
        squared_difference_row<std::int32_t, true>(i1, rows, cols, y, x_begin, count, u, v, i0,  \
                                                   xs.data(), ys.data(), out);                   \
      else                                                                                       \
        squared_difference_row<std::int32_t, false>(i1, rows, cols, y, x_begin, count, u, v, i0, \
                                                    xs.data(), ys.data(), out);                  \
    }                                                                                            \
  }
LKFLOW_TEST_COPY_SAMPLER(isa_base)
#if LKFLOW_HAS_AVX2_KERNELS
LKFLOW_TEST_COPY_SAMPLER(isa_avx2)
#endif
#if LKFLOW_HAS_AVX512_KERNELS
LKFLOW_TEST_COPY_SAMPLER(isa_avx512)
#endif

// The SIMD samplers this build has, and the copy of the kernels they are in: the base copy where
// the build targets their instruction set, else the copy for it (the conditions of
// isa_kernels.hpp).
#if defined(__AVX512F__)
namespace avx512_copy = lkflow::detail::isa_base;
constexpr Isa kAvx512SamplerCopy = Isa::base;
#define LKFLOW_TEST_AVX512_SAMPLER 1
#elif LKFLOW_HAS_AVX512_KERNELS
namespace avx512_copy = lkflow::detail::isa_avx512;
constexpr Isa kAvx512SamplerCopy = Isa::avx512;
#define LKFLOW_TEST_AVX512_SAMPLER 1
#endif
#if LKFLOW_BASE_HAS_AVX2 && !defined(__AVX512F__)
namespace avx2_copy = lkflow::detail::isa_base;
constexpr Isa kAvx2SamplerCopy = Isa::base;
#define LKFLOW_TEST_AVX2_SAMPLER 1
#elif LKFLOW_HAS_AVX2_KERNELS
namespace avx2_copy = lkflow::detail::isa_avx2;
constexpr Isa kAvx2SamplerCopy = Isa::avx2;
#define LKFLOW_TEST_AVX2_SAMPLER 1
#endif

/// The samplers this build has and this processor runs, the portable loop first; the others are
/// reported, not hidden.
std::vector<Sampler> available_samplers() {
  std::vector<Sampler> samplers{{"portable", false, run_portable<SampleOutput::samples>,
                                 run_portable<SampleOutput::squared_differences>}};
#ifdef LKFLOW_TEST_AVX2_SAMPLER
  if (lkflow::detail::isa_runs(kAvx2SamplerCopy))
    samplers.push_back({"AVX2", true, avx2_copy::warped_row_avx2<SampleOutput::samples>,
                        avx2_copy::warped_row_avx2<SampleOutput::squared_differences>});
  else
    WARN("the AVX2 sampler is not tested: this processor lacks AVX2 or FMA");
#endif
#ifdef LKFLOW_TEST_AVX512_SAMPLER
  if (lkflow::detail::isa_runs(kAvx512SamplerCopy))
    samplers.push_back({"AVX-512", true, avx512_copy::warped_row_avx512<SampleOutput::samples>,
                        avx512_copy::warped_row_avx512<SampleOutput::squared_differences>});
  else
    WARN("the AVX-512 sampler is not tested: this processor lacks AVX-512");
#endif
  return samplers;
}

/// The sampler a copy's warped_row uses on float images of at least 2x2 pixels: its SIMD one,
/// or the portable loop.
const char* sampler_of(Isa copy) {
#ifdef LKFLOW_TEST_AVX512_SAMPLER
  if (copy == kAvx512SamplerCopy) return "AVX-512";
#endif
#ifdef LKFLOW_TEST_AVX2_SAMPLER
  if (copy == kAvx2SamplerCopy) return "AVX2";
#endif
  static_cast<void>(copy);
  return "portable";
}

/// warped_row and squared_difference_row of each copy of the kernels this processor runs.
std::vector<std::pair<Isa, Sampler>> copies() {
  std::vector<std::pair<Isa, Sampler>> all{
      {Isa::base,
       {"base copy", false, run_isa_base<SampleOutput::samples>,
        run_isa_base<SampleOutput::squared_differences>}}};
#if LKFLOW_HAS_AVX2_KERNELS
  if (lkflow::detail::isa_runs(Isa::avx2))
    all.push_back({Isa::avx2,
                   {"avx2 copy", false, run_isa_avx2<SampleOutput::samples>,
                    run_isa_avx2<SampleOutput::squared_differences>}});
#endif
#if LKFLOW_HAS_AVX512_KERNELS
  if (lkflow::detail::isa_runs(Isa::avx512))
    all.push_back({Isa::avx512,
                   {"avx512 copy", false, run_isa_avx512<SampleOutput::samples>,
                    run_isa_avx512<SampleOutput::squared_differences>}});
#endif
  return all;
}

/// The samplers, then each copy's functions (any image shape).
std::vector<Sampler> samplers_and_copies() {
  std::vector<Sampler> all = available_samplers();
  for (const auto& copy : copies()) all.push_back(copy.second);
  return all;
}

}  // namespace

TEST_CASE("every sampler samples I1's own pixels exactly at a zero flow, edges included",
          "[warp]") {
  // At the last row and column the cell is clamped and the fraction is 1: (1 - f) a + f b must
  // give b itself, not a + (b - a), which rounds when a and b differ by more than a factor of 2.
  std::mt19937 random(13);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  for (const Sampler& sampler : samplers_and_copies()) {
    for (const Index rows : {Index(1), Index(2), Index(19)})
      for (const Index cols : {Index(1), Index(2), Index(37)}) {
        if (sampler.needs_two_by_two && (rows < 2 || cols < 2)) continue;
        lkflow::Image<float> image(rows, cols);
        for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
        const std::vector<float> zero(static_cast<std::size_t>(cols), 0.0f);
        std::vector<float> samples(zero.size()), inside(zero.size()), squares(zero.size());
        for (Index y = 0; y < rows; ++y) {
          sampler.samples(image.data(), rows, cols, y, 0, cols, zero.data(), zero.data(), nullptr,
                          samples.data(), inside.data());
          sampler.squared_differences(image.data(), rows, cols, y, 0, cols, zero.data(),
                                      zero.data(), image.data() + y * cols, squares.data(),
                                      nullptr);
          for (Index x = 0; x < cols; ++x) {
            INFO(sampler.name << " " << rows << "x" << cols << " pixel (" << x << ", " << y << ")");
            CHECK(samples[std::size_t(x)] == image(y, x));
            CHECK(inside[std::size_t(x)] == 1.0f);
            CHECK(squares[std::size_t(x)] == 0.0f);
          }
        }
      }
  }
}

TEST_CASE("every sampler samples bilinearly with replicated edges, inside flags included",
          "[warp]") {
  // Each sampler, and each copy's functions that use one, in both output forms: samples with
  // inside flags, and squared differences from I0 (neighbour candidates' costs).
  std::mt19937 random(7);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index shapes[][2] = {{1, 1},  {1, 40},  {40, 1},  {2, 2},   {3, 17},
                             {17, 3}, {24, 31}, {33, 64}, {40, 100}};
  for (const Sampler& sampler : samplers_and_copies()) {
    for (const auto& shape : shapes) {
      const Index rows = shape[0], cols = shape[1];
      if (sampler.needs_two_by_two && (rows < 2 || cols < 2)) continue;
      lkflow::Image<float> image(rows, cols), other(rows, cols);  // I1 and I0
      for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
      for (Index i = 0; i < other.size(); ++i) other.data()[i] = intensity(random);
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
                std::vector<float> xs(u.size()), ys(u.size()), squares(u.size());
                const float* i0 = other.data() + y * cols + begin;
                sampler.samples(image.data(), rows, cols, y, begin, count, u.data(), v.data(),
                                nullptr, xs.data(), ys.data());
                sampler.squared_differences(image.data(), rows, cols, y, begin, count, u.data(),
                                            v.data(), i0, squares.data(), nullptr);
                for (Index i = 0; i < count; ++i) {
                  const auto k = std::size_t(i);
                  // The position as float arithmetic rounds it (that rounding is not under
                  // test).
                  const double x = double(float(begin + i) + u[k]);
                  const double yy = double(float(y) + v[k]);
                  const bool inside =
                      x >= 0 && x <= double(cols - 1) && yy >= 0 && yy <= double(rows - 1);
                  const double expected = sample(image, x, yy);
                  INFO("y " << y << " x " << begin + i << " u " << u[k] << " v " << v[k]);
                  REQUIRE(xs[k] == Approx(expected).margin(2e-6));
                  REQUIRE(ys[k] == (inside ? 1.0f : 0.0f));
                  const double difference = double(i0[k]) - expected;
                  REQUIRE(squares[k] == Approx(difference * difference).margin(4e-6));
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("the samplers agree, and each copy of the kernels uses its own", "[warp]") {
  const std::vector<Sampler> samplers = available_samplers();
  // The widest copy this processor runs is the one calls take unless forced.
  CHECK(lkflow::detail::active_isa() == copies().back().first);
  std::mt19937 random(11);
  std::uniform_real_distribution<float> intensity(0.0f, 1.0f);
  const Index rows = 48, cols = 75;
  lkflow::Image<float> image(rows, cols), other(rows, cols);  // I1 and I0
  for (Index i = 0; i < image.size(); ++i) image.data()[i] = intensity(random);
  for (Index i = 0; i < other.size(); ++i) other.data()[i] = intensity(random);
  const std::size_t n = std::size_t(cols);
  for (Motion motion : {Motion::smooth, Motion::stretch, Motion::rough, Motion::far_outside}) {
    for (Index y = 0; y < rows; ++y) {
      std::vector<float> u, v;
      make_flow(motion, y, cols, random, u, v);
      const float* i0 = other.data() + y * cols;
      // [0] the portable loop, [1] a copy's functions, [2] the sampler under test.
      std::vector<float> xs[3], ys[3], squares[3];
      for (int j = 0; j < 3; ++j) xs[j] = ys[j] = squares[j] = std::vector<float>(n);
      auto run = [&](const Sampler& sampler, int j) {
        sampler.samples(image.data(), rows, cols, y, 0, cols, u.data(), v.data(), nullptr,
                        xs[j].data(), ys[j].data());
        sampler.squared_differences(image.data(), rows, cols, y, 0, cols, u.data(), v.data(), i0,
                                    squares[j].data(), nullptr);
      };
      run(samplers.front(), 0);
      for (const Sampler& sampler : samplers) {
        run(sampler, 2);
        for (std::size_t k = 0; k < n; ++k) {
          INFO(sampler.name << " motion " << int(motion) << " y " << y << " x " << k);
          // Equal up to whether a multiply-add was fused (the portable loop's are only where
          // the build targets FMA).
          REQUIRE(xs[2][k] == Approx(xs[0][k]).margin(1e-6));
          REQUIRE(ys[2][k] == ys[0][k]);
          REQUIRE(squares[2][k] == Approx(squares[0][k]).margin(2e-6));
        }
        for (const auto& [isa, functions] : copies()) {
          if (std::string(sampler_of(isa)) != sampler.name) continue;
          run(functions, 1);
          for (std::size_t k = 0; k < n; ++k) {
            INFO(functions.name << " with the " << sampler.name << " sampler, motion "
                                << int(motion) << " y " << y << " x " << k);
            REQUIRE(xs[1][k] == xs[2][k]);
            REQUIRE(ys[1][k] == ys[2][k]);
            REQUIRE(squares[1][k] == squares[2][k]);
          }
        }
      }
    }
  }
}
