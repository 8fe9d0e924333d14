// LKFLOW_ASSERT(condition, message): a check of an internal contract, i.e. a promise one part of
// lkflow makes to another (a kernel's precondition, a data structure's invariant). Arguments of
// the public functions are not contracts but input, checked always and reported by exceptions
// (check_args.hpp); a violated contract is a bug in lkflow, so it prints where and aborts.
//
// On where NDEBUG is not defined (as assert), or where LKFLOW_ENABLE_ASSERTS is defined whatever
// NDEBUG says (lkflow's sanitizer tests build so: CMake option LKFLOW_ASSERTS). Otherwise the
// condition is compiled out and never evaluated, so a check may cost O(pixels).
#pragma once

#if defined(LKFLOW_ENABLE_ASSERTS) || !defined(NDEBUG)
#define LKFLOW_ASSERTS_ENABLED 1
#else
#define LKFLOW_ASSERTS_ENABLED 0
#endif

#if LKFLOW_ASSERTS_ENABLED

#include <cstdio>
#include <cstdlib>

namespace lkflow::detail {

[[noreturn]] inline void contract_violated(const char* condition, const char* message,
                                           const char* file, int line) {
  std::fprintf(stderr, "lkflow: internal contract violated at %s:%d: %s (%s)\n", file, line,
               message, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace lkflow::detail

#define LKFLOW_ASSERT(condition, message) \
  ((condition) ? static_cast<void>(0)     \
               : ::lkflow::detail::contract_violated(#condition, message, __FILE__, __LINE__))

#else

// Unevaluated, but the names in the condition count as used (no warnings about variables that
// exist only for a check).
#define LKFLOW_ASSERT(condition, message) static_cast<void>(sizeof((condition) ? 1 : 0))

#endif
