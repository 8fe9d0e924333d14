// PyramidWorkspace: a workspace reused for frames of one size (or smaller ones) allocates
// nothing, whatever the parameters and thread count, and its images and worker memory start on
// 64-byte boundaries. Allocations are counted by replacing every global operator new of this
// program (the library's own buffers, std::vector and its aligned images all come from there;
// the output's Eigen arrays are checked to keep their storage).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/pyramid.hpp>

#include "support/cases.hpp"
#include "support/images.hpp"

namespace {

std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* allocate(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t))
    p = std::malloc(size);
  else if (posix_memalign(&p, alignment, size) != 0)
    p = nullptr;
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

/// The heap allocations (operator new) made by f().
template <class F>
std::size_t allocations_of(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations;
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size, 0); }
void* operator new[](std::size_t size) { return allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  return allocate(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return allocate(size, static_cast<std::size_t>(a));
}
// The nothrow forms too (Catch2 uses one): under AddressSanitizer a form left out would come
// from the sanitizer's allocator, and freeing its memory here is a reported mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size, 0);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size, 0);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate(size, static_cast<std::size_t>(a));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate(size, static_cast<std::size_t>(a));
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using namespace lkflow_test;

TEMPLATE_TEST_CASE("a reused PyramidWorkspace allocates nothing", "[pyramid][workspace]",
                   (Case<float, std::uint8_t>), (Case<double, std::uint8_t>),
                   (Case<float, float>)) {
  using S = typename TestType::Scalar;
  using In = typename TestType::Pixel;
  // 480x640: the finest levels' passes run on two threads with threads = 0 (one thread per
  // 100 000 pixels) on a machine with two cores or more.
  // Named references, not structured bindings: C++17 lambdas (clang 14) cannot capture those.
  const auto frames = translated_pair<In>(41, 480, 640, 3.3, -2.1);
  const auto small = translated_pair<In>(42, 300, 410, 1.2, 0.7);
  const Image<In>&I0 = frames.first, &I1 = frames.second;
  const Image<In>&small0 = small.first, &small1 = small.second;
  for (const int threads : {1, 0})
    for (const int iterations : {1, 3})
      for (const bool candidates : {true, false})
        for (const bool median : {true, false}) {
          lkflow::PyramidParams params;
          params.threads = threads;
          params.iterations = iterations;
          params.neighbor_candidates = candidates;
          params.median = median;
          DYNAMIC_SECTION("threads " << threads << ", iterations " << iterations << ", candidates "
                                     << candidates << ", median " << median) {
            lkflow::PyramidWorkspace<S> workspace;
            lkflow::Flow<S> flow;
            lkflow::pyramidal_flow(I0, I1, params, flow, workspace);  // sizes everything
            const S* u = flow.u.data();
            CHECK(allocations_of(
                      [&] { lkflow::pyramidal_flow(I0, I1, params, flow, workspace); }) == 0);
            // The previous flow as the initial one, written over by the new one.
            CHECK(allocations_of(
                      [&] { lkflow::pyramidal_flow(I0, I1, flow, params, flow, workspace); }) == 0);
            CHECK(flow.u.data() == u);
            // Smaller frames fit the storage the workspace has (the output is resized: its
            // allocations are Eigen's, not counted here).
            lkflow::Flow<S> small_flow;
            lkflow::pyramidal_flow(small0, small1, params, small_flow, workspace);
            CHECK(allocations_of([&] {
                    lkflow::pyramidal_flow(small0, small1, params, small_flow, workspace);
                  }) == 0);
          }
        }
}

TEST_CASE("the workspace's images and worker memory start on 64-byte boundaries",
          "[pyramid][workspace]") {
  using lkflow::detail::AlignedImage;
  using lkflow::detail::Scratch;
  for (const auto& [rows, cols] :
       std::vector<std::pair<Eigen::Index, Eigen::Index>>{{1, 1}, {3, 5}, {388, 584}, {31, 17}}) {
    AlignedImage<float> image;
    image.resize(rows, cols);
    CHECK(reinterpret_cast<std::uintptr_t>(image.data()) % 64 == 0);
    CHECK(image.capacity() >= std::size_t(rows * cols));
  }
  AlignedImage<double> image;
  image.resize(40, 50);
  const double* data = image.data();
  CHECK(allocations_of([&] { image.resize(10, 200); }) == 0);  // fits: the storage is kept
  CHECK(image.data() == data);
  CHECK((image.rows() == 10 && image.cols() == 200));

  Scratch scratch;
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<const void*> taken;
    taken.reserve(10);
    const std::size_t made = allocations_of([&] {
      scratch.reset();
      for (const std::size_t count :
           {std::size_t(1), std::size_t(7), std::size_t(100), std::size_t(3), std::size_t(640)})
        taken.push_back(scratch.take<float>(count));
      taken.push_back(scratch.take<std::uint8_t>(5));
      scratch.reset();
    });
    for (const void* p : taken) CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    // The first pass allocates each buffer and then one block for all; later ones nothing.
    if (pass > 0) CHECK(made == 0);
  }
}
