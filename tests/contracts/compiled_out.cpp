// LKFLOW_ASSERT as users' release builds see it: NDEBUG defined, LKFLOW_ENABLE_ASSERTS not.
// Only assert.hpp is included here, so that no kernel is compiled with two meanings of the macro.
#undef LKFLOW_ENABLE_ASSERTS
#ifndef NDEBUG
#define NDEBUG
#endif
#include <lkflow/detail/assert.hpp>

namespace lkflow_test {

int evaluations = 0;

// Not in an unnamed namespace: a function used only where it is never evaluated would be
// reported as unneeded (clang's -Wunneeded-internal-declaration).
bool evaluate() {
  ++evaluations;
  return false;
}

}  // namespace lkflow_test

bool assert_evaluates_when_compiled_out() {
  static_assert(!LKFLOW_ASSERTS_ENABLED, "NDEBUG turns LKFLOW_ASSERT off");
  LKFLOW_ASSERT(lkflow_test::evaluate(), "never holds, and must never be evaluated");
  return lkflow_test::evaluations != 0;
}
