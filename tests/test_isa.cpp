// The copies of the kernels (lkflow/detail/isa.hpp): which one calls run and how to force one,
// and every copy this processor runs against the base copy. dense_flow of 8- and 16-bit frames
// sums exact integers in every copy and contracts no multiply-add, so its copies agree bitwise.
// pyramidal_flow's copies add float window sums in another order (wider vectors) and their SIMD
// samplers fuse multiply-adds, so they agree to rounding: a neighbour candidate can then tip at
// an isolated pixel. Statistics bound them (measured on the Middlebury pairs when the copies came
// in: mean |difference| <= 1.2e-4 px, at most 0.18% of pixels beyond 0.01 px):
// mean |du|, |dv| below 1e-3 px and under 0.5% of pixels beyond 0.01 px. Within a copy the
// output is bitwise the same for every thread count.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>
#include <lkflow/pyramid.hpp>

#include "support/cases.hpp"
#include "support/images.hpp"

using namespace lkflow_test;
using lkflow::detail::Isa;

namespace {

/// The copies this build has and this processor runs, base first; the others are reported.
std::vector<Isa> runnable_copies() {
  std::vector<Isa> copies;
  for (const Isa isa : {Isa::base, Isa::avx2, Isa::avx512}) {
    if (lkflow::detail::isa_runs(isa))
      copies.push_back(isa);
    else if (lkflow::detail::isa_compiled(isa))
      WARN("the " << lkflow::detail::isa_name(isa) << " copy is not tested: this processor "
                  << "cannot run it");
  }
  return copies;
}

/// Runs f() with calls forced onto copy `isa`, restoring the default even if f throws.
template <class F>
auto on_copy(Isa isa, F&& f) {
  struct Restore {
    ~Restore() { lkflow::detail::unforce_isa(); }
  } restore;
  REQUIRE(lkflow::detail::force_isa(isa));
  return f();
}

/// A frame pair with motion boundaries, so that neighbour candidates choose (a pure translation
/// would leave them nothing to do): a texture moving by (2.6, -1.3) px, and a square of another
/// texture, a third of the frame high, moving by (-1.9, 2.2) px. I1 is rendered from the
/// textures at the source positions (the square over the background), so the truth is known.
template <class In>
std::pair<Image<In>, Image<In>> moving_square(Eigen::Index rows, Eigen::Index cols) {
  const Texture background(21), square(22);
  const double side = double(rows) / 3, left = 0.4 * double(cols), top = 0.3 * double(rows);
  auto inside = [&](double x, double y) {
    return x >= left && x < left + side && y >= top && y < top + side;
  };
  Image<In> I0(rows, cols), I1(rows, cols);
  for (Eigen::Index y = 0; y < rows; ++y)
    for (Eigen::Index x = 0; x < cols; ++x) {
      const double fx = double(x), fy = double(y);
      I0(y, x) = to_pixel<In>(inside(fx, fy) ? square(fx, fy) : background(fx, fy));
      I1(y, x) = to_pixel<In>(inside(fx + 1.9, fy - 2.2) ? square(fx + 1.9, fy - 2.2)
                                                         : background(fx - 2.6, fy + 1.3));
    }
  return {I0, I1};
}

/// Checks that flow `b` agrees with `a` to the tolerance at the top of this file, and their
/// confidences to rounding.
template <class S>
void check_agreement(const lkflow::Flow<S>& a, const lkflow::Flow<S>& b) {
  const Image<double> du = (a.u - b.u).abs().template cast<double>();
  const Image<double> dv = (a.v - b.v).abs().template cast<double>();
  const double n = double(du.size());
  INFO("mean |du| " << du.mean() << ", mean |dv| " << dv.mean() << ", max "
                    << std::max(du.maxCoeff(), dv.maxCoeff()));
  CHECK(du.mean() < 1e-3);
  CHECK(dv.mean() < 1e-3);
  CHECK(double((du > 0.01).count()) / n < 0.005);
  CHECK(double((dv > 0.01).count()) / n < 0.005);
  const double scale = std::max(double(a.confidence.maxCoeff()), 1e-12);
  CHECK(((a.confidence - b.confidence).abs().template cast<double>() <=
         (std::is_same_v<S, float> ? 1e-5 : 1e-12) * scale)
            .all());
}

}  // namespace

TEST_CASE("calls run the widest copy of the kernels the processor runs, unless one is forced",
          "[isa]") {
  const std::vector<Isa> copies = runnable_copies();
  REQUIRE(copies.front() == Isa::base);
  CHECK(lkflow::detail::widest_isa() == copies.back());
  CHECK(lkflow::detail::active_isa() == copies.back());
#if LKFLOW_X86_DISPATCH
  // A build for the baseline x86-64 has the AVX2 and AVX-512 copies; one for an instruction
  // set has no copy for it beside the base one.
  CHECK(lkflow::detail::isa_compiled(Isa::avx512) == !LKFLOW_BASE_HAS_AVX512);
  CHECK(lkflow::detail::isa_compiled(Isa::avx2) ==
        (!LKFLOW_BASE_HAS_AVX2 && !LKFLOW_BASE_HAS_AVX512));
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && !LKFLOW_BASE_HAS_AVX512)
    CHECK(lkflow::detail::widest_isa() == Isa::avx512);
#else
  CHECK(copies.size() == 1);
#endif
  for (const Isa isa : copies) {
    on_copy(isa, [&] {
      CHECK(lkflow::detail::active_isa() == isa);
      return 0;
    });
    CHECK(lkflow::detail::active_isa() == copies.back());
  }
  for (const Isa isa : {Isa::avx2, Isa::avx512}) {
    if (lkflow::detail::isa_runs(isa)) continue;
    CHECK_FALSE(lkflow::detail::force_isa(isa));  // refused, nothing changed
    CHECK(lkflow::detail::active_isa() == copies.back());
  }
}

TEMPLATE_TEST_CASE("dense_flow of integer frames is bitwise the same on every copy",
                   "[isa][dense_flow]", (Case<float, std::uint8_t>), (Case<double, std::uint8_t>),
                   (Case<float, std::uint16_t>), (Case<double, std::uint16_t>)) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // A translated texture with noise added (so that flat and ill-posed windows occur too), at a
  // width that is no multiple of any vector width.
  // Named references, not a structured binding: clang 14 lets no lambda capture one (C++20 does).
  auto pair = translated_pair<In>(31, 203, 517, 0.8, -0.45);
  const Image<In>& I0 = pair.first;
  Image<In>& I1 = pair.second;
  const Image<In> noise = noise_image<In>(32, 203, 517);
  for (Eigen::Index i = 0; i < I1.size(); ++i)
    I1.data()[i] = static_cast<In>(I1.data()[i] / 2 + noise.data()[i] / 2);
  for (const int radius : {1, 2, 7}) {
    const lkflow::DenseParams params = dense_params(radius, 1e-5, 1);
    const auto base = on_copy(Isa::base, [&] { return lkflow::dense_flow<S>(I0, I1, params); });
    for (const Isa isa : runnable_copies()) {
      DYNAMIC_SECTION(lkflow::detail::isa_name(isa) << " r=" << radius) {
        check_identical(on_copy(isa, [&] { return lkflow::dense_flow<S>(I0, I1, params); }), base);
        check_identical(
            on_copy(isa,
                    [&] { return lkflow::dense_flow<S>(I0, I1, dense_params(radius, 1e-5, 3)); }),
            base);
      }
    }
  }
}

TEMPLATE_TEST_CASE("pyramidal_flow on every copy agrees with the base copy to rounding",
                   "[isa][pyramid]", (Case<float, std::uint8_t>), (Case<float, float>),
                   (Case<double, std::uint8_t>)) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // 480x640: the two finest levels' passes and three levels' candidates run on several
  // threads (one per 100 000 pixels), so the thread count has work to share.
  const auto pair = moving_square<In>(480, 640);
  const Image<In>& I0 = pair.first;  // not a structured binding: see above
  const Image<In>& I1 = pair.second;
  lkflow::PyramidParams params;
  const auto base = on_copy(Isa::base, [&] { return lkflow::pyramidal_flow<S>(I0, I1, params); });
  for (const Isa isa : runnable_copies()) {
    DYNAMIC_SECTION(lkflow::detail::isa_name(isa)) {
      params.threads = 1;
      const auto one = on_copy(isa, [&] { return lkflow::pyramidal_flow<S>(I0, I1, params); });
      if (isa == Isa::base) check_identical(one, base);
      check_agreement(base, one);
      params.threads = 3;
      check_identical(on_copy(isa, [&] { return lkflow::pyramidal_flow<S>(I0, I1, params); }), one);
    }
  }
}
