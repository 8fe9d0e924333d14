// Counts the bytes held on the heap (every malloc, hence every operator new), so benchmarks can
// report the peak working memory a call allocates beyond what existed before it (the output is
// allocated beforehand).
#pragma once

#include <cstddef>

namespace lkflow_bench {

/// Bytes currently allocated on the heap by the whole program.
std::size_t allocated_bytes();
/// Highest value of allocated_bytes() since the last reset_peak().
std::size_t peak_bytes();
/// Starts a new peak measurement from the current allocation level.
void reset_peak();

}  // namespace lkflow_bench
