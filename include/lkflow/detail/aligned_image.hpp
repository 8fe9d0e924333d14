// The pyramid's images: AlignedImage owns rows x cols values on a 64-byte boundary (a cache line,
// an AVX-512 vector), and Plane is the view of an image the kernels take, whether the workspace
// owns it or the caller (the output flow).
//
// Why own storage: Eigen aligns its arrays to 16 bytes in a build for the baseline x86-64, so
// the AVX-512 copy of the kernels would load and store vectors that straddle cache lines (that
// alone cost 4 to 14% of the time in the design experiment: the whole gap to a -march=native
// build, whose Eigen aligns to 64). Why keep it:
// resize() keeps the storage when it is large enough, so that a workspace reused for frames of
// one size allocates nothing.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "../image.hpp"
#include "assert.hpp"

namespace lkflow::detail {

/// rows x cols values of T, rows contiguous (row y starts at data() + y * cols()), that a
/// kernel reads (Plane<const T>) or writes (Plane<T>); it owns nothing.
template <class T>
class Plane {
 public:
  Plane() = default;
  Plane(T* data, Eigen::Index rows, Eigen::Index cols) : data_(data), rows_(rows), cols_(cols) {}
  /// The view of an Eigen image (e.g. the caller's output flow).
  template <class U>
  explicit Plane(Image<U>& image) : Plane(image.data(), image.rows(), image.cols()) {}
  template <class U>
  explicit Plane(const Image<U>& image) : Plane(image.data(), image.rows(), image.cols()) {}
  /// A plane of T converts to one of const T.
  operator Plane<const T>() const { return {data_, rows_, cols_}; }

  T* data() const { return data_; }
  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  Eigen::Index size() const { return rows_ * cols_; }
  T* row(Eigen::Index y) const { return data_ + y * cols_; }
  /// The values as an Eigen array (for whole-image expressions outside the kernels' loops).
  Eigen::Map<Image<std::remove_const_t<T>>> map() const {
    static_assert(!std::is_const_v<T>, "map() of a writable plane");
    return {data_, rows_, cols_};
  }
  Eigen::Map<const Image<std::remove_const_t<T>>> cmap() const { return {data_, rows_, cols_}; }

 private:
  T* data_ = nullptr;
  Eigen::Index rows_ = 0, cols_ = 0;
};

/// Bytes of the boundary AlignedImage aligns to.
inline constexpr std::size_t kImageAlignment = 64;

/// An image whose first value lies on a kImageAlignment-byte boundary, storage kept by resize().
template <class T>
class AlignedImage {
 public:
  AlignedImage() = default;
  AlignedImage(const AlignedImage&) = delete;
  AlignedImage& operator=(const AlignedImage&) = delete;
  AlignedImage(AlignedImage&& other) noexcept { swap(other); }
  AlignedImage& operator=(AlignedImage&& other) noexcept {
    AlignedImage(std::move(other)).swap(*this);
    return *this;
  }
  ~AlignedImage() { release(); }

  /// Makes the image rows x cols; allocates only when the values do not fit the storage it
  /// has. The values are unspecified afterwards.
  void resize(Eigen::Index rows, Eigen::Index cols) {
    LKFLOW_ASSERT(rows >= 0 && cols >= 0, "a size");
    const auto needed = static_cast<std::size_t>(rows * cols);
    if (needed > capacity_) {
      release();
      data_ =
          static_cast<T*>(::operator new (needed * sizeof(T), std::align_val_t{kImageAlignment}));
      capacity_ = needed;
    }
    rows_ = rows;
    cols_ = cols;
  }

  /// Releases the storage.
  void clear() {
    release();
    rows_ = cols_ = 0;
  }

  void swap(AlignedImage& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(rows_, other.rows_);
    std::swap(cols_, other.cols_);
    std::swap(capacity_, other.capacity_);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  Eigen::Index size() const { return rows_ * cols_; }
  /// Values the storage holds (at least size()).
  std::size_t capacity() const { return capacity_; }

  Plane<T> plane() { return {data_, rows_, cols_}; }
  Plane<const T> plane() const { return {data_, rows_, cols_}; }

 private:
  void release() {
    if (data_ != nullptr) ::operator delete (data_, std::align_val_t{kImageAlignment});
    data_ = nullptr;
    capacity_ = 0;
  }

  T* data_ = nullptr;
  Eigen::Index rows_ = 0, cols_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace lkflow::detail
