// A heap allocation counter for the Python tests, preloaded into their Python process
// (LD_PRELOAD): it counts every malloc, calloc, realloc and aligned allocation of at least a
// threshold number of bytes, whichever library makes it (numpy, lkflow, Python), and passes
// each call on to glibc. The tests read it through ctypes: a copy of an input image, or a
// buffer allocated per video frame, shows up as one more large allocation.
#include <atomic>
#include <cerrno>
#include <cstddef>

extern "C" {
// glibc's own allocator entry points, which the overrides below forward to.
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

std::atomic<std::size_t> threshold{~std::size_t(0)};  // counting is off until started
std::atomic<std::size_t> count{0};
std::atomic<std::size_t> bytes{0};

void note(std::size_t size) {
  if (size >= threshold.load(std::memory_order_relaxed)) {
    count.fetch_add(1, std::memory_order_relaxed);
    bytes.fetch_add(size, std::memory_order_relaxed);
  }
}

}  // namespace

extern "C" {

/// Starts counting allocations of at least `min_bytes` bytes from zero.
__attribute__((visibility("default"))) void lkflow_alloc_counter_start(std::size_t min_bytes) {
  count = 0;
  bytes = 0;
  threshold = min_bytes;
}

/// Allocations counted since the start.
__attribute__((visibility("default"))) std::size_t lkflow_alloc_counter_count() { return count; }

/// Their bytes, added up.
__attribute__((visibility("default"))) std::size_t lkflow_alloc_counter_bytes() { return bytes; }

__attribute__((visibility("default"))) void* malloc(std::size_t size) {
  note(size);
  return __libc_malloc(size);
}

__attribute__((visibility("default"))) void* calloc(std::size_t n, std::size_t size) {
  note(n * size);
  return __libc_calloc(n, size);
}

__attribute__((visibility("default"))) void* realloc(void* p, std::size_t size) {
  note(size);
  return __libc_realloc(p, size);
}

__attribute__((visibility("default"))) void* memalign(std::size_t alignment, std::size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}

__attribute__((visibility("default"))) void* aligned_alloc(std::size_t alignment,
                                                           std::size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}

__attribute__((visibility("default"))) int posix_memalign(void** out, std::size_t alignment,
                                                          std::size_t size) {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  note(size);
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"
