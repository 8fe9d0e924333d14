// Working memory of one worker thread during a pass (rows of samples, running sums, flags): taken
// from one block that the next pass reuses, so that passes allocate nothing once the block has
// grown to what they need. A PyramidWorkspace keeps one Scratch per worker thread between calls.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "assert.hpp"

namespace lkflow::detail {

class Scratch {
 public:
  /// Boundary every buffer starts on: a cache line, an AVX-512 vector.
  static constexpr std::size_t kAlignment = 64;

  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) noexcept = default;
  Scratch& operator=(Scratch&&) noexcept = default;

  /// Starts a pass: the buffers taken since the last reset() are free again. If they did not fit
  /// the block, the block grows to hold them all, so the same takes fit from now on.
  void reset() {
    if (!overflow_.empty()) {
      const std::size_t needed = used_ + overflow_bytes_;
      overflow_.clear();
      overflow_bytes_ = 0;
      block_.reset(static_cast<std::byte*>(::operator new (needed, std::align_val_t{kAlignment})));
      capacity_ = needed;
    }
    used_ = 0;
  }

  /// `count` uninitialised values of T, valid until the next reset(), on a kAlignment boundary.
  template <class T>
  T* take(std::size_t count) {
    static_assert(std::is_trivially_destructible_v<T> && alignof(T) <= kAlignment,
                  "plain values only");
    const std::size_t bytes = (count * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    if (used_ + bytes <= capacity_) {
      std::byte* p = block_.get() + used_;
      used_ += bytes;
      return reinterpret_cast<T*>(p);
    }
    // Does not fit: a block of its own until reset() (only while the scratch grows).
    overflow_.emplace_back(
        static_cast<std::byte*>(::operator new (bytes, std::align_val_t{kAlignment})));
    overflow_bytes_ += bytes;
    return reinterpret_cast<T*>(overflow_.back().get());
  }

  /// Bytes of the block.
  std::size_t bytes() const { return capacity_; }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete (p, std::align_val_t{kAlignment}); }
  };
  using Block = std::unique_ptr<std::byte[], Free>;
  Block block_;
  std::size_t capacity_ = 0, used_ = 0;
  std::vector<Block> overflow_;  // takes beyond the block since the last reset()
  std::size_t overflow_bytes_ = 0;
};

}  // namespace lkflow::detail
