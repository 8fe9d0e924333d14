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
// not depend on how bands are assigned to threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "config.hpp"
#include "window_scan.hpp"

namespace lkflow::detail {

template <class Acc, int Channels>
class BoxSums {
 public:
  using Index = Eigen::Index;

  BoxSums(Index width, Index height, Index radius)
      : width_(width),
        height_(height),
        radius_(radius),
        padded_width_(window_pad_before(radius) + width + window_pad_after(radius)),
        storage_(static_cast<std::size_t>(Channels * (padded_width_ + 3 * width))) {}

  /// Bytes of working memory this object holds.
  std::size_t workspace_bytes() const { return storage_.size() * sizeof(Acc); }

  /// Calls sink(y, sums) for every row y in [y0, y1), where sums[c][x] is the window sum of
  /// channel c around (x, y). products(y, rows) must write channel c of image row y to rows[c][x]
  /// for x in [0, width).
  template <class Products, class Sink>
  void run(Index y0, Index y1, Products&& products, Sink&& sink) {
    Acc* column[Channels];  // running column sums, zero-padded for window_sums
    Acc* entering[Channels];
    Acc* leaving[Channels];
    Acc* window[Channels];
    for (int c = 0; c < Channels; ++c) {
      Acc* base = storage_.data() + c * (padded_width_ + 3 * width_);
      column[c] = base + window_pad_before(radius_);
      entering[c] = base + padded_width_;
      leaving[c] = entering[c] + width_;
      window[c] = leaving[c] + width_;
    }

    // Column sums over the rows of the first window of the band.
    for (int c = 0; c < Channels; ++c) std::fill_n(column[c], width_, Acc(0));
    const Index first = std::max<Index>(y0 - radius_, 0);
    const Index last = std::min<Index>(y0 + radius_, height_ - 1);
    for (Index y = first; y <= last; ++y) {
      products(y, entering);
      for (int c = 0; c < Channels; ++c) add_row(column[c], entering[c]);
    }

    for (Index y = y0; y < y1; ++y) {
      window_sums<Channels>(column, window, width_, radius_);
      sink(y, static_cast<const Acc* const*>(window));
      if (y + 1 == y1) break;
      // Slide the window down one row: row y+r+1 enters, row y-r leaves.
      const bool enters = y + radius_ + 1 < height_, leaves = y - radius_ >= 0;
      if (enters) products(y + radius_ + 1, entering);
      if (leaves) products(y - radius_, leaving);
      for (int c = 0; c < Channels; ++c) {
        if (enters && leaves)
          exchange_row(column[c], entering[c], leaving[c]);
        else if (enters)
          add_row(column[c], entering[c]);
        else if (leaves)
          subtract_row(column[c], leaving[c]);
      }
    }
  }

 private:
  void add_row(Acc* LKFLOW_RESTRICT column, const Acc* LKFLOW_RESTRICT row) const {
    for (Index x = 0; x < width_; ++x) column[x] += row[x];
  }
  void subtract_row(Acc* LKFLOW_RESTRICT column, const Acc* LKFLOW_RESTRICT row) const {
    for (Index x = 0; x < width_; ++x) column[x] -= row[x];
  }
  void exchange_row(Acc* LKFLOW_RESTRICT column, const Acc* LKFLOW_RESTRICT in,
                    const Acc* LKFLOW_RESTRICT out) const {
    for (Index x = 0; x < width_; ++x) column[x] += in[x] - out[x];
  }

  Index width_, height_, radius_, padded_width_;
  std::vector<Acc> storage_;
};

}  // namespace lkflow::detail
