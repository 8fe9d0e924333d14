// The instruction sets lkflow's kernels are compiled for, and the one each call runs on.
//
// isa_kernels.hpp compiles every kernel once for the build's own target (Isa::base), and, with
// GCC or clang on x86-64, once more for AVX2+FMA and once for AVX-512 inside target regions
// (the macros below), each copy in a namespace of its own; dense_flow and pyramidal_flow then
// run the widest copy the processor runs, chosen once per call. So a library built for the
// baseline x86-64, as users build, uses the whole width of the processor without adding a flag
// to anyone's build. Where the build itself targets an instruction set, the copy for it would
// repeat the base one and is left out. Other compilers and processors get the base copy alone.
#pragma once

#include <atomic>

#include "config.hpp"

// The instruction sets of the dispatched copies: x86-64-v3 and x86-64-v4 less movbe, xsave,
// f16c and lzcnt, which the kernels do not use and clang 14's __builtin_cpu_supports cannot
// test. The region macros apply a target to every function defined between them, lambdas and
// member functions included (GCC: push_options and target; clang: attribute push).
#define LKFLOW_AVX2_FEATURES "avx2,fma,bmi,bmi2,popcnt"
#define LKFLOW_AVX512_FEATURES LKFLOW_AVX2_FEATURES ",avx512f,avx512bw,avx512cd,avx512dq,avx512vl"

#define LKFLOW_STRINGIFY(x) #x
#if LKFLOW_X86_DISPATCH
#if defined(__clang__)
#define LKFLOW_BEGIN_TARGET_REGION(features) \
  _Pragma(LKFLOW_STRINGIFY(                  \
      clang attribute push(__attribute__((target(features))), apply_to = function)))
#define LKFLOW_END_TARGET_REGION _Pragma("clang attribute pop")
#else
#define LKFLOW_BEGIN_TARGET_REGION(features) \
  _Pragma("GCC push_options") _Pragma(LKFLOW_STRINGIFY(GCC target(features)))
#define LKFLOW_END_TARGET_REGION _Pragma("GCC pop_options")
#endif
#endif

// Every copy of the kernels is compiled without contracting a multiply and an add into a fused
// multiply-add (-ffp-contract=off for the kernels alone; GCC's default in GNU modes is to fuse
// wherever it can, clang's within an expression): the copies with FMA would otherwise round
// differently from the base copy. So dense_flow of 8- and 16-bit frames, whose window sums are
// exact integers in every copy, gives bitwise the same flow on every copy (tested), and the
// pyramid's copies differ only where their sums are added in another order and where the SIMD
// samplers fuse explicitly (warp_avx512.hpp). GCC honours the option per function and still
// inlines the build's own helpers (std::min, Eigen) into the kernels.
#if defined(__clang__)
#define LKFLOW_BEGIN_FP_RULES _Pragma("float_control(push)") _Pragma("clang fp contract(off)")
#define LKFLOW_END_FP_RULES _Pragma("float_control(pop)")
#elif defined(__GNUC__)
#define LKFLOW_BEGIN_FP_RULES \
  _Pragma("GCC push_options") _Pragma("GCC optimize(\"fp-contract=off\")")
#define LKFLOW_END_FP_RULES _Pragma("GCC pop_options")
#else
#define LKFLOW_BEGIN_FP_RULES
#define LKFLOW_END_FP_RULES
#endif

// What the build targets, and so which dispatched copies would add to the base one.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512CD__) && \
    defined(__AVX512DQ__) && defined(__AVX512VL__)
#define LKFLOW_BASE_HAS_AVX512 1
#else
#define LKFLOW_BASE_HAS_AVX512 0
#endif
#if defined(__AVX2__) && defined(__FMA__)
#define LKFLOW_BASE_HAS_AVX2 1
#else
#define LKFLOW_BASE_HAS_AVX2 0
#endif
#define LKFLOW_HAS_AVX512_KERNELS (LKFLOW_X86_DISPATCH && !LKFLOW_BASE_HAS_AVX512)
#define LKFLOW_HAS_AVX2_KERNELS \
  (LKFLOW_X86_DISPATCH && !LKFLOW_BASE_HAS_AVX2 && !LKFLOW_BASE_HAS_AVX512)

namespace lkflow::detail {

/// The copies of the kernels: for the build's target, for AVX2+FMA, for AVX-512.
enum class Isa { base = 0, avx2 = 1, avx512 = 2 };

inline const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
    default:
      return "base";
  }
}

/// The widest instruction set the build itself targets: that of the base copy.
inline const char* base_isa_target() {
#if defined(__AVX512F__)
  return "avx512f";
#elif defined(__AVX2__) && defined(__FMA__)
  return "avx2+fma";
#elif defined(__AVX2__)
  return "avx2";
#elif defined(__AVX__)
  return "avx";
#elif defined(__SSE2__)
  return "sse2";
#else
  return "portable";
#endif
}

/// True when this build has a copy of the kernels for `isa`.
constexpr bool isa_compiled(Isa isa) {
  switch (isa) {
    case Isa::avx2:
      return LKFLOW_HAS_AVX2_KERNELS;
    case Isa::avx512:
      return LKFLOW_HAS_AVX512_KERNELS;
    default:
      return true;
  }
}

/// True when this build has a copy for `isa` and this processor (and its operating system)
/// runs it. __builtin_cpu_supports also checks that the system saves the vector registers.
inline bool isa_runs(Isa isa) {
  if (!isa_compiled(isa)) return false;
#if LKFLOW_X86_DISPATCH
  static const bool v3 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
           __builtin_cpu_supports("popcnt");
  }();
  static const bool v4 = v3 && __builtin_cpu_supports("avx512f") &&
                         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd") &&
                         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (isa == Isa::avx2) return v3;
  if (isa == Isa::avx512) return v4;
#endif
  return isa == Isa::base;
}

/// The widest copy this processor runs.
inline Isa widest_isa() {
  static const Isa widest = isa_runs(Isa::avx512) ? Isa::avx512
                            : isa_runs(Isa::avx2) ? Isa::avx2
                                                  : Isa::base;
  return widest;
}

/// The copy forced by force_isa, or -1.
inline std::atomic<int>& forced_isa() {
  static std::atomic<int> forced{-1};
  return forced;
}

/// The copy that calls starting now run: the forced one, else the widest this processor runs.
inline Isa active_isa() {
  const int forced = forced_isa().load(std::memory_order_relaxed);
  return forced >= 0 ? static_cast<Isa>(forced) : widest_isa();
}

/// Test hook: later calls of dense_flow and pyramidal_flow (from any thread) run the copy for
/// `isa`, so that tests and lkflow_eval can compare the copies this processor runs. Returns
/// false, changing nothing, when isa_runs(isa) is false.
inline bool force_isa(Isa isa) {
  if (!isa_runs(isa)) return false;
  forced_isa().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

/// Undoes force_isa: calls run the widest copy again.
inline void unforce_isa() { forced_isa().store(-1, std::memory_order_relaxed); }

}  // namespace lkflow::detail
