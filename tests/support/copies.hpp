// The copies of lkflow's kernels (lkflow/detail/isa.hpp) for the tests of its building blocks:
// for_each_copy(f) calls f(name, kernels) for every copy this processor runs, where `kernels`
// has static functions that forward to that copy's kernels of the same name.
#pragma once

#include <utility>

#include <catch2/catch.hpp>
#include <lkflow/detail/isa_kernels.hpp>

namespace lkflow_test {

#define LKFLOW_TEST_FORWARD(ns, name)                       \
  template <class... A>                                     \
  static decltype(auto) name(A&&... a) {                    \
    return lkflow::detail::ns::name(std::forward<A>(a)...); \
  }
#define LKFLOW_TEST_COPY(ns)                                    \
  struct ns##_kernels {                                         \
    template <class Acc, int Channels>                          \
    using BoxSums = lkflow::detail::ns::BoxSums<Acc, Channels>; \
    LKFLOW_TEST_FORWARD(ns, downsample2)                        \
    LKFLOW_TEST_FORWARD(ns, upsample2)                          \
    LKFLOW_TEST_FORWARD(ns, median3x3)                          \
    LKFLOW_TEST_FORWARD(ns, select_flow_candidates)             \
  };

LKFLOW_TEST_COPY(isa_base)
#if LKFLOW_HAS_AVX2_KERNELS
LKFLOW_TEST_COPY(isa_avx2)
#endif
#if LKFLOW_HAS_AVX512_KERNELS
LKFLOW_TEST_COPY(isa_avx512)
#endif

/// Calls f(name, kernels) for every copy of the kernels this processor runs, base first.
template <class F>
void for_each_copy(F&& f) {
  f("base", isa_base_kernels{});
#if LKFLOW_HAS_AVX2_KERNELS
  if (lkflow::detail::isa_runs(lkflow::detail::Isa::avx2)) f("avx2", isa_avx2_kernels{});
#endif
#if LKFLOW_HAS_AVX512_KERNELS
  if (lkflow::detail::isa_runs(lkflow::detail::Isa::avx512)) f("avx512", isa_avx512_kernels{});
#endif
}

}  // namespace lkflow_test
