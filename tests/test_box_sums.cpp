// BoxSums, the banded window-sum engine, against brute-force window sums: both product forms
// (rows, and fused accumulate), every accumulator type, radii beyond the image, and bands, in
// every copy of the kernels the processor runs.
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/detail/isa_kernels.hpp>

#include "support/copies.hpp"

namespace {

using lkflow::detail::isa_base::BoxSums;
using Index = Eigen::Index;

/// Per-pixel values of two channels: a random field and its negation plus a constant.
template <class Acc>
struct Field {
  Index width, height;
  std::vector<Acc> values;  // channel 0; channel 1 = 7 - channel 0 (wrapping for unsigned)

  Field(Index w, Index h, unsigned seed) : width(w), height(h), values(std::size_t(w * h)) {
    std::mt19937 rng(seed);
    for (Acc& v : values) v = static_cast<Acc>(rng() % 1000);
  }
  Acc at(int channel, Index y, Index x) const {
    const Acc v = values[std::size_t(y * width + x)];
    return channel == 0 ? v : static_cast<Acc>(Acc(7) - v);
  }
  Acc brute_window_sum(int channel, Index y, Index x, Index r) const {
    Acc sum(0);
    for (Index j = y - r; j <= y + r; ++j)
      for (Index i = x - r; i <= x + r; ++i)
        if (j >= 0 && j < height && i >= 0 && i < width) sum += at(channel, j, i);
    return sum;
  }
};

/// The row form: products(y, rows).
template <class Acc>
struct RowProducts {
  const Field<Acc>& field;
  void operator()(Index y, Acc* const* rows) const {
    for (int c = 0; c < 2; ++c)
      for (Index x = 0; x < field.width; ++x) rows[c][x] = field.at(c, y, x);
  }
};

/// The fused form: accumulate(in, out, column).
template <class Acc>
struct AccumulatingProducts {
  const Field<Acc>& field;
  void accumulate(Index in, Index out, Acc* const* column) const {
    for (int c = 0; c < 2; ++c)
      for (Index x = 0; x < field.width; ++x) {
        if (in >= 0) column[c][x] += field.at(c, in, x);
        if (out >= 0) column[c][x] -= field.at(c, out, x);
      }
  }
};

template <class P>
constexpr bool is_accumulating = false;
template <class Acc>
constexpr bool is_accumulating<AccumulatingProducts<Acc>> = true;

template <class Acc, class Products, class Kernels>
void check_engine(Index width, Index height, Index radius, Index band) {
  const Field<Acc> field(width, height, unsigned(width * 131 + height * 7 + radius));
  lkflow::detail::Scratch scratch;
  typename Kernels::template BoxSums<Acc, 2> box(width, height, radius, scratch,
                                                 !is_accumulating<Products>);
  Index mismatches = 0, rows_seen = 0;
  for (Index y0 = 0; y0 < height; y0 += band) {
    // A temporary generator: run() takes lvalues and rvalues alike.
    box.run(y0, std::min(y0 + band, height), Products{field}, [&](Index y, const Acc* const* sums) {
      ++rows_seen;
      for (int c = 0; c < 2; ++c)
        for (Index x = 0; x < width; ++x)
          if (sums[c][x] != field.brute_window_sum(c, y, x, radius)) ++mismatches;
    });
  }
  INFO(width << "x" << height << " r=" << radius << " band=" << band);
  CHECK(rows_seen == height);
  CHECK(mismatches == 0);
}

}  // namespace

TEMPLATE_TEST_CASE("BoxSums equals brute-force window sums", "[box_sums]", std::uint32_t,
                   std::uint64_t, double) {
  using Acc = TestType;
  for (const auto& size : std::vector<std::pair<Index, Index>>{
           {1, 1}, {1, 13}, {13, 1}, {5, 4}, {17, 33}, {64, 20}, {100, 37}})
    for (const Index r : {1, 2, 3, 8, 40})
      for (const Index band : {1, 7, 64}) {
        // Plain locals: clang 14 lets no lambda capture a structured binding (C++20 does).
        const Index w = size.first, h = size.second;
        lkflow_test::for_each_copy([&](const char* copy, auto kernels) {
          using Kernels = decltype(kernels);
          INFO(copy << " copy");
          check_engine<Acc, RowProducts<Acc>, Kernels>(w, h, r, band);
          check_engine<Acc, AccumulatingProducts<Acc>, Kernels>(w, h, r, band);
        });
      }
}

TEST_CASE("BoxSums' row form computes each row once per band", "[box_sums]") {
  // A row leaves the window 2r+1 rows after it entered; the engine keeps it until then instead
  // of asking the generator for it again (generators such as warped residuals are costly).
  using Acc = std::uint32_t;
  // Named copies, not a structured binding: C++17 lambdas (clang 14) cannot capture those.
  for (const auto& size : std::vector<std::pair<Index, Index>>{{1, 1}, {9, 5}, {23, 40}, {50, 130}})
    for (const Index r : {1, 2, 7, 70})
      for (const Index band : {3, 32, 200}) {
        const Index w = size.first, h = size.second;
        const Field<Acc> field(w, h, unsigned(w + 3 * h + 11 * r));
        std::vector<int> calls(std::size_t(h), 0);
        auto counted = [&](Index y, Acc* const* rows) {
          ++calls[std::size_t(y)];
          RowProducts<Acc>{field}(y, rows);
        };
        lkflow::detail::Scratch scratch;
        BoxSums<Acc, 2> box(w, h, r, scratch, true);
        Index mismatches = 0;
        for (Index y0 = 0; y0 < h; y0 += band) {
          const Index y1 = std::min(y0 + band, h);
          std::fill(calls.begin(), calls.end(), 0);
          box.run(y0, y1, counted, [&](Index y, const Acc* const* sums) {
            for (int c = 0; c < 2; ++c)
              for (Index x = 0; x < w; ++x)
                if (sums[c][x] != field.brute_window_sum(c, y, x, r)) ++mismatches;
          });
          // Exactly the rows the band's windows cover, once each.
          for (Index y = 0; y < h; ++y) {
            const bool covered = y >= y0 - r && y < y1 + r;
            INFO(w << "x" << h << " r=" << r << " band [" << y0 << ", " << y1 << ") row " << y);
            REQUIRE(calls[std::size_t(y)] == (covered ? 1 : 0));
          }
        }
        INFO(w << "x" << h << " r=" << r << " band=" << band);
        CHECK(mismatches == 0);
      }
}
