// Small portability macros used by lkflow's kernels.
#pragma once

// Promise that pointers in a hot loop do not alias, so the loop can be vectorised without
// run-time overlap checks (8-bit input rows would otherwise alias every output row).
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define LKFLOW_RESTRICT __restrict
#else
#define LKFLOW_RESTRICT
#endif

// Keeps a row kernel out of line. `restrict` is honoured on a function's own parameters; once
// the function is inlined into a caller that holds plain pointers (a lambda's captures, say),
// GCC may no longer prove the rows disjoint and leaves the loop scalar.
#if defined(__GNUC__) || defined(__clang__)
#define LKFLOW_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define LKFLOW_NOINLINE __declspec(noinline)
#else
#define LKFLOW_NOINLINE
#endif

// Puts a function into each caller: the SIMD samplers, so that their constants are set up once
// per caller's loop rather than once per call (candidate costs call them per 64-column segment).
#if defined(__GNUC__) || defined(__clang__)
#define LKFLOW_ALWAYS_INLINE __attribute__((always_inline)) inline
#elif defined(_MSC_VER)
#define LKFLOW_ALWAYS_INLINE __forceinline
#else
#define LKFLOW_ALWAYS_INLINE inline
#endif

// GCC and clang on x86-64 compile lkflow's kernels for instruction sets beyond the build's own
// as well (target regions), and lkflow runs them only where the processor has them (isa.hpp),
// so that code built for the baseline x86-64 uses AVX2 or AVX-512 where it can. Elsewhere only
// what the build targets is used.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define LKFLOW_X86_DISPATCH 1
#else
#define LKFLOW_X86_DISPATCH 0
#endif
