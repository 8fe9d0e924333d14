// Counts every heap byte of the program by wrapping glibc's malloc family (operator new and
// Eigen's aligned allocator both end there), using malloc_usable_size for block sizes.
#include "counting_allocator.hpp"

#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstring>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<std::size_t> g_current{0};
std::atomic<std::size_t> g_peak{0};

void* track(void* block) {
  if (block == nullptr) return block;
  const std::size_t size = malloc_usable_size(block);
  const std::size_t now = g_current.fetch_add(size, std::memory_order_relaxed) + size;
  std::size_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return block;
}

void untrack(void* block) {
  if (block != nullptr) g_current.fetch_sub(malloc_usable_size(block), std::memory_order_relaxed);
}
}  // namespace

namespace lkflow_bench {
std::size_t allocated_bytes() { return g_current.load(); }
std::size_t peak_bytes() { return g_peak.load(); }
void reset_peak() { g_peak.store(g_current.load()); }
}  // namespace lkflow_bench

extern "C" {
void* malloc(std::size_t size) { return track(__libc_malloc(size)); }
void* calloc(std::size_t count, std::size_t size) { return track(__libc_calloc(count, size)); }
void free(void* block) {
  untrack(block);
  __libc_free(block);
}
void* realloc(void* block, std::size_t size) {
  untrack(block);
  return track(__libc_realloc(block, size));
}
void* memalign(std::size_t alignment, std::size_t size) {
  return track(__libc_memalign(alignment, size));
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  return track(__libc_memalign(alignment, size));
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  void* block = track(__libc_memalign(alignment, size));
  if (block == nullptr) return ENOMEM;
  *out = block;
  return 0;
}
}
