// Violates one of lkflow's internal contracts, named by the argument, so that CTest can check
// that LKFLOW_ASSERT catches it (run_violation.cmake): the program must abort with the contract's
// message before anything else happens. `compiled_out` instead checks that LKFLOW_ASSERT with
// NDEBUG and without LKFLOW_ENABLE_ASSERTS evaluates nothing (compiled_out.cpp).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <lkflow/detail/isa_kernels.hpp>
#include <lkflow/detail/row_reader.hpp>

bool assert_evaluates_when_compiled_out();  // compiled_out.cpp

namespace {

using Index = Eigen::Index;
using lkflow::Image;

int median_in_place() {
  Image<float> flow = Image<float>::Constant(5, 6, 1.0f);
  const lkflow::detail::Plane<float> plane(flow);
  std::vector<lkflow::detail::Scratch> scratch;
  lkflow::detail::isa_base::median3x3<float>(plane, {1, &scratch}, plane);  // dst is src
  return 0;
}

int upsample_unsized() {
  const Image<float> coarse = Image<float>::Constant(3, 4, 1.0f);
  Image<float> fine;  // "fine must already have its size"
  std::vector<lkflow::detail::Scratch> scratch;
  lkflow::detail::isa_base::upsample2<float>(lkflow::detail::Plane<const float>(coarse),
                                             {1, &scratch}, lkflow::detail::Plane<float>(fine));
  return 0;
}

int pair_loads_one_column() {
  const Image<float> image = Image<float>::Constant(4, 1, 0.5f);
  float u[1] = {0}, v[1] = {0}, xs[1], ys[1];
  // Pair loads read the pixel to the right of each cell's left one: the image has none.
  lkflow::detail::isa_base::warped_row_portable<std::int32_t, true>(image.data(), 4, 1, 0, 0, 1, u,
                                                                    v, xs, ys);
  return 0;
}

int box_sums_band_outside() {
  lkflow::detail::Scratch scratch;
  lkflow::detail::isa_base::BoxSums<double, 1> box(4, 4, 1, scratch, true);
  auto products = [](Index, double* const* rows) { std::fill_n(rows[0], 4, 1.0); };
  box.run(2, 5, products, [](Index, const double* const*) {});  // the image has rows 0 to 3
  return 0;
}

int row_not_loaded() {
  const Image<std::uint8_t> image = Image<std::uint8_t>::Zero(6, 5);
  const lkflow::detail::StridedImage<std::uint8_t> view{image.data(), 6, 5, 5, 1};
  lkflow::detail::RowReader<std::uint8_t> rows(view);
  rows.load(0, 3);
  return rows.row(4) != nullptr ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "compiled_out") == 0)
    return assert_evaluates_when_compiled_out() ? 1 : 0;
  if (!LKFLOW_ASSERTS_ENABLED) {
    std::fprintf(stderr, "LKFLOW_ASSERT is compiled out in this build\n");
    return 2;
  }
  const struct {
    const char* name;
    int (*run)();
  } cases[] = {{"median_in_place", median_in_place},
               {"upsample_unsized", upsample_unsized},
               {"pair_loads_one_column", pair_loads_one_column},
               {"box_sums_band_outside", box_sums_band_outside},
               {"row_not_loaded", row_not_loaded}};
  for (const auto& c : cases)
    if (argc == 2 && std::strcmp(argv[1], c.name) == 0) {
      c.run();
      std::fprintf(stderr, "%s: the violated contract went unnoticed\n", c.name);
      return 3;
    }
  std::fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 4;
}
