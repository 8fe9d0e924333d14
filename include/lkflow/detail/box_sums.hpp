// Window sums of per-pixel product channels over (2r+1)x(2r+1) windows clipped to the image, one
// band of rows at a time, in O(width) memory and a cost independent of r.
//
// This is the summed-area-table difference (Crow 1984; Viola & Jones 2001)
//   W(y, x) = S(y+r, x+r) - S(y-r-1, x+r) - S(y+r, x-r-1) + S(y-r-1, x-r-1)
// evaluated incrementally: the vertical difference S(y+r, .) - S(y-r-1, .) is a running column
// sum (add the row entering the window, subtract the row leaving it), and the horizontal one is a
// running sum along the row (window_scan.hpp). Rows and columns outside the image contribute
// nothing, which is the clipped-window rule at the borders. Each band starts its column sums afresh
// from its own rows, so bands are independent of each other (the unit of threading) and results do
// not depend on how bands are assigned to threads. BoxSums is a kernel, compiled once per
// instruction set (see window_scan.hpp for the two parts of a header of kernels).
#ifndef LKFLOW_DETAIL_BOX_SUMS_HPP
#define LKFLOW_DETAIL_BOX_SUMS_HPP

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "assert.hpp"
#include "config.hpp"
#include "scratch.hpp"
#include "window_scan.hpp"

namespace lkflow::detail {

/// Pixels of the window of radius r around i that lie inside [0, n): the clipped window's
/// extent along one axis, which a window mean divides by.
inline Eigen::Index clipped_window(Eigen::Index i, Eigen::Index n, Eigen::Index radius) {
  return std::min(i + radius, n - 1) - std::max<Eigen::Index>(i - radius, 0) + 1;
}

/// inverse[x] = 1 / clipped_window(x, n, radius) for every x in [0, n), in T.
template <class T>
void fill_inverse_clipped_windows(Eigen::Index n, Eigen::Index radius, T* inverse) {
  for (Eigen::Index x = 0; x < n; ++x) inverse[x] = T(1) / T(clipped_window(x, n, radius));
}

/// The same as a vector.
template <class T>
std::vector<T> inverse_clipped_windows(Eigen::Index n, Eigen::Index radius) {
  std::vector<T> inverse(static_cast<std::size_t>(n));
  fill_inverse_clipped_windows(n, radius, inverse.data());
  return inverse;
}

}  // namespace lkflow::detail

#endif  // LKFLOW_DETAIL_BOX_SUMS_HPP

#ifdef LKFLOW_ISA_KERNELS
namespace lkflow::detail::LKFLOW_ISA_NAMESPACE {

template <class Acc, int Channels>
class BoxSums {
 public:
  using Index = Eigen::Index;

  /// Takes its running sums from `scratch` (which must outlive it), and with `keeps_rows` the
  /// ring of rows that the row form of run()'s `products` needs, so that a worker takes all its
  /// memory before its first band, whether it gets one or not.
  BoxSums(Index width, Index height, Index radius, Scratch& scratch, bool keeps_rows = false)
      : width_(width),
        height_(height),
        radius_(radius),
        padded_width_(window_pad_before(radius) + width + window_pad_after(radius)),
        storage_(scratch.take<Acc>(static_cast<std::size_t>(Channels * (padded_width_ + width)))),
        ring_(keeps_rows
                  ? scratch.take<Acc>(static_cast<std::size_t>(ring_rows() * Channels * width))
                  : nullptr) {
    LKFLOW_ASSERT(width >= 1 && height >= 1 && radius >= 0, "a non-empty image");
    // The padding of the column sums stays zero: run() writes only their inner width.
    for (int c = 0; c < Channels; ++c)
      std::fill_n(storage_ + c * (padded_width_ + width_), padded_width_, Acc(0));
  }

  /// Calls sink(y, sums) for every row y in [y0, y1), where sums[c][x] is the window sum of
  /// channel c around (x, y). `products` gives the per-pixel values of image rows, in one of two
  /// forms: products(y, rows) writes channel c of row y to rows[c][x] for x in [0, width), and is
  /// called once per row a band reads (the row is kept until it leaves the window); or
  /// products.accumulate(in, out, column), which adds row `in`'s values to column[c][x] and
  /// subtracts row `out`'s in a single pass (either row may be -1: none), for generators that
  /// are cheaper to run twice than to store.
  template <class Products, class Sink>
  void run(Index y0, Index y1, Products&& products, Sink&& sink) {
    LKFLOW_ASSERT(0 <= y0 && y0 <= y1 && y1 <= height_, "a band of the image's rows");
    newest_ = -1;
    Acc* column[Channels];  // running column sums, zero-padded for window_sums
    Acc* window[Channels];
    if constexpr (!accumulates<std::remove_reference_t<Products>>::value)
      LKFLOW_ASSERT(ring_ != nullptr, "the row form needs BoxSums built with keeps_rows");
    for (int c = 0; c < Channels; ++c) {
      column[c] = storage_ + c * (padded_width_ + width_) + window_pad_before(radius_);
      window[c] = storage_ + c * (padded_width_ + width_) + padded_width_;
    }

    // Column sums over the rows of the first window of the band.
    for (int c = 0; c < Channels; ++c) std::fill_n(column[c], width_, Acc(0));
    const Index first = std::max<Index>(y0 - radius_, 0);
    const Index last = std::min<Index>(y0 + radius_, height_ - 1);
    for (Index y = first; y <= last; ++y) exchange(products, y, -1, column);

    for (Index y = y0; y < y1; ++y) {
      window_sums<Channels>(column, window, width_, radius_);
      sink(y, static_cast<const Acc* const*>(window));
      if (y + 1 == y1) break;
      // Slide the window down one row: row y+r+1 enters, row y-r leaves.
      exchange(products, y + radius_ + 1 < height_ ? y + radius_ + 1 : -1,
               y - radius_ >= 0 ? y - radius_ : -1, column);
    }
  }

 private:
  template <class P, class = void>
  struct accumulates : std::false_type {};
  template <class P>
  struct accumulates<P, std::void_t<decltype(std::declval<P&>().accumulate(
                            Index(0), Index(0), std::declval<Acc* const*>()))>> : std::true_type {};

  /// Rows the row form keeps: a row leaves the window 2r+1 rows after it entered, so the row
  /// entering never takes the slot of one still inside (and an image of fewer rows keeps all).
  Index ring_rows() const { return std::min<Index>(2 * radius_ + 2, height_); }

  /// Channel c of image row y in the row form's ring.
  Acc* ring_row(Index y, int c) { return ring_ + ((y % ring_rows()) * Channels + c) * width_; }

  /// column += row `in` - row `out` (-1: none), through whichever form `products` offers.
  template <class Products>
  void exchange(Products& products, Index in, Index out, Acc* const* column) {
    LKFLOW_ASSERT(in < height_ && out < height_ && (in < 0 || out < in), "rows of the image");
    if constexpr (accumulates<Products>::value) {
      products.accumulate(in, out, column);
    } else {
      if (in >= 0) {
        // The ring's invariant: rows enter in order, and the row leaving entered in this run()
        // and has not yet been overwritten by one ring_rows() rows after it.
        LKFLOW_ASSERT(newest_ < 0 || in == newest_ + 1, "rows enter the ring in order");
        if (newest_ < 0) oldest_ = in;
        newest_ = in;
        Acc* entering[Channels];
        for (int c = 0; c < Channels; ++c) entering[c] = ring_row(in, c);
        products(in, static_cast<Acc* const*>(entering));
      }
      LKFLOW_ASSERT(out < 0 || (newest_ >= 0 && oldest_ <= out && newest_ - out < ring_rows()),
                    "the row leaving the window is still in the ring");
      for (int c = 0; c < Channels; ++c) {
        Acc* LKFLOW_RESTRICT sums = column[c];
        // The row leaving entered in this run() (at most 2r+1 rows ago), so the ring has it.
        const Acc* LKFLOW_RESTRICT added = in >= 0 ? ring_row(in, c) : nullptr;
        const Acc* LKFLOW_RESTRICT removed = out >= 0 ? ring_row(out, c) : nullptr;
        if (in >= 0 && out >= 0)
          for (Index x = 0; x < width_; ++x) sums[x] += added[x] - removed[x];
        else if (in >= 0)
          for (Index x = 0; x < width_; ++x) sums[x] += added[x];
        else if (out >= 0)
          for (Index x = 0; x < width_; ++x) sums[x] -= removed[x];
      }
    }
  }

  Index width_, height_, radius_, padded_width_;
  Index oldest_ = -1, newest_ = -1;  // the first and the last row the ring took in this run()
  Acc* storage_;                     // per channel: padded column sums, then window sums
  Acc* ring_;                        // the row form's last ring_rows() product rows, all channels
};

}  // namespace lkflow::detail::LKFLOW_ISA_NAMESPACE
#endif  // LKFLOW_ISA_KERNELS
