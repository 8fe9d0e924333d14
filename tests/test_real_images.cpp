// dense_flow against the reference on real frames (Middlebury pairs in ../shared/data or
// $LKFLOW_DATA_DIR), and pyramidal_flow's copies of the kernels against its base copy there.
// Users' clones have no data: the test then reports itself skipped.
#define CATCH_CONFIG_RUNNER
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>
#include <lkflow/pyramid.hpp>

#include "support/cases.hpp"
#include "support/load_gray.hpp"

using namespace lkflow_test;
namespace fs = std::filesystem;

namespace {
fs::path data_dir() {
  if (const char* env = std::getenv("LKFLOW_DATA_DIR")) return env;
  return LKFLOW_DEFAULT_DATA_DIR;
}
}  // namespace

TEMPLATE_TEST_CASE("dense_flow matches the reference on real frames", "[dense_flow][data]", float,
                   double) {
  using S = TestType;
  int pairs = 0;
  for (const char* sequence : {"Dimetrodon", "Grove2", "Hydrangea", "RubberWhale", "Urban2"}) {
    const fs::path dir = data_dir() / sequence;
    if (!fs::exists(dir / "frame10.png")) continue;
    ++pairs;
    const Image<std::uint8_t> I0 = load_gray8((dir / "frame10.png").string());
    const Image<std::uint8_t> I1 = load_gray8((dir / "frame11.png").string());
    for (const int radius : {2, 7}) {
      DYNAMIC_SECTION(sequence << " r=" << radius) {
        const double threshold = 1e-4;
        const auto flow = lkflow::dense_flow<S>(I0, I1, dense_params(radius, threshold, 0));
        const auto ref = reference_flow(to_intensity(I0), to_intensity(I1), radius, threshold);
        CHECK(check_against_reference(flow, ref, threshold) > I0.size() / 10);
      }
    }
  }
  REQUIRE(pairs > 0);
}

TEST_CASE("pyramidal_flow on every copy of the kernels agrees with the base copy on real frames",
          "[pyramid][isa][data]") {
  // The tolerance of tests/test_isa.cpp: the copies sum in another order and their samplers
  // fuse multiply-adds, so a neighbour candidate can tip at an isolated pixel.
  using lkflow::detail::Isa;
  int pairs = 0;
  for (const char* sequence : {"Dimetrodon", "Grove2", "Hydrangea", "RubberWhale", "Urban2"}) {
    const fs::path dir = data_dir() / sequence;
    if (!fs::exists(dir / "frame10.png")) continue;
    ++pairs;
    const Image<std::uint8_t> I0 = load_gray8((dir / "frame10.png").string());
    const Image<std::uint8_t> I1 = load_gray8((dir / "frame11.png").string());
    REQUIRE(lkflow::detail::force_isa(Isa::base));
    const lkflow::Flow<float> base = lkflow::pyramidal_flow(I0, I1);
    lkflow::detail::unforce_isa();
    for (const Isa isa : {Isa::avx2, Isa::avx512}) {
      if (!lkflow::detail::force_isa(isa)) continue;
      const lkflow::Flow<float> flow = lkflow::pyramidal_flow(I0, I1);
      lkflow::detail::unforce_isa();
      DYNAMIC_SECTION(sequence << " " << lkflow::detail::isa_name(isa)) {
        const Image<double> du = (flow.u - base.u).abs().cast<double>();
        const Image<double> dv = (flow.v - base.v).abs().cast<double>();
        const double n = double(du.size());
        INFO("mean |du| " << du.mean() << ", mean |dv| " << dv.mean()
                          << ", beyond 0.01 px: " << 100 * double((du > 0.01).count()) / n
                          << "% (u), " << 100 * double((dv > 0.01).count()) / n << "% (v)");
        CHECK(du.mean() < 1e-3);
        CHECK(dv.mean() < 1e-3);
        CHECK(double((du > 0.01).count()) / n < 0.005);
        CHECK(double((dv > 0.01).count()) / n < 0.005);
      }
    }
  }
  REQUIRE(pairs > 0);
}

int main(int argc, char* argv[]) {
  if (!fs::exists(data_dir() / "RubberWhale" / "frame10.png")) {
    std::printf("SKIPPED: no Middlebury data at %s (set LKFLOW_DATA_DIR to run these tests)\n",
                data_dir().string().c_str());
    return 77;  // CTest's SKIP_RETURN_CODE
  }
  return Catch::Session().run(argc, argv);
}
