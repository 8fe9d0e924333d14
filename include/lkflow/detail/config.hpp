// Small portability macros used by lkflow's kernels.
#pragma once

// Promise that pointers in a hot loop do not alias, so the loop can be vectorised without
// run-time overlap checks (8-bit input rows would otherwise alias every output row).
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define LKFLOW_RESTRICT __restrict
#else
#define LKFLOW_RESTRICT
#endif
