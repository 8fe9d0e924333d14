// Row access to any 2-D Eigen input: the kernel reads images one row at a time as contiguous
// arrays. Row-major storage is read in place; any other layout is copied one band of rows at a
// time, so working memory stays proportional to the image width.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <vector>

#include <Eigen/Core>

#include "assert.hpp"

namespace lkflow::detail {

/// Pixels of a stored image addressed through element strides (Eigen's rowStride/colStride).
template <class In>
struct StridedImage {
  const In* data = nullptr;
  Eigen::Index rows = 0, cols = 0;
  Eigen::Index row_stride = 0, col_stride = 0;
};

/// A view of `image` without copying when it has storage (Array, Matrix, Map, Block, Ref);
/// an expression without storage is evaluated once into `scratch` and viewed there.
template <class Derived>
StridedImage<typename Derived::Scalar> strided_view(
    const Eigen::DenseBase<Derived>& image,
    Eigen::Array<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>&
        scratch) {
  using In = typename Derived::Scalar;
  if constexpr ((Eigen::internal::traits<Derived>::Flags & Eigen::DirectAccessBit) != 0) {
    const Derived& d = image.derived();
    return {d.data(), d.rows(), d.cols(), d.rowStride(), d.colStride()};
  } else {
    scratch = image;
    return StridedImage<In>{scratch.data(), scratch.rows(), scratch.cols(), scratch.cols(), 1};
  }
}

/// Gives a contiguous pointer to any row of a loaded band of rows.
template <class In>
class RowReader {
 public:
  explicit RowReader(const StridedImage<In>& image) : image_(image) {}

  /// Makes rows [y_begin, y_end) readable; copies them only when rows are not contiguous.
  void load(Eigen::Index y_begin, Eigen::Index y_end) {
    LKFLOW_ASSERT(0 <= y_begin && y_begin <= y_end && y_end <= image_.rows, "rows of the image");
    first_row_ = y_begin;
    end_row_ = y_end;
    if (image_.col_stride == 1) return;
    const Eigen::Index cols = image_.cols, rows = y_end - y_begin;
    band_.resize(static_cast<std::size_t>(rows * cols));
    const In* src = image_.data + y_begin * image_.row_stride;
    In* dst = band_.data();
    // Walk the source in its own storage order; the band (a few dozen rows) stays in cache.
    if (std::abs(image_.row_stride) <= std::abs(image_.col_stride)) {
      for (Eigen::Index x = 0; x < cols; ++x)
        for (Eigen::Index y = 0; y < rows; ++y)
          dst[y * cols + x] = src[y * image_.row_stride + x * image_.col_stride];
    } else {
      for (Eigen::Index y = 0; y < rows; ++y)
        for (Eigen::Index x = 0; x < cols; ++x)
          dst[y * cols + x] = src[y * image_.row_stride + x * image_.col_stride];
    }
  }

  /// Row y, one of the rows the last load() made readable.
  const In* row(Eigen::Index y) const {
    LKFLOW_ASSERT(first_row_ <= y && y < end_row_, "a loaded row");
    if (image_.col_stride == 1) return image_.data + y * image_.row_stride;
    return band_.data() + (y - first_row_) * image_.cols;
  }

 private:
  StridedImage<In> image_;
  Eigen::Index first_row_ = 0, end_row_ = 0;
  std::vector<In> band_;
};

}  // namespace lkflow::detail
