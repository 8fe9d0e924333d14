// dense_flow against the reference on real frames (Middlebury pairs in ../shared/data or
// $LKFLOW_DATA_DIR). Users' clones have no data: the test then reports itself skipped.
#define CATCH_CONFIG_RUNNER
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <lkflow/dense_flow.hpp>

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

int main(int argc, char* argv[]) {
  if (!fs::exists(data_dir() / "RubberWhale" / "frame10.png")) {
    std::printf("SKIPPED: no Middlebury data at %s (set LKFLOW_DATA_DIR to run these tests)\n",
                data_dir().string().c_str());
    return 77;  // CTest's SKIP_RETURN_CODE
  }
  return Catch::Session().run(argc, argv);
}
