// Window sums of per-pixel product channels over (2r+1)x(2r+1) windows clipped to the image, one
// band of rows at a time, in O(width) memory and a cost independent of r.
//
// This is the summed-area-table difference (Crow 1984; Viola & Jones 2001)
//   W(y, x) = S(y+r, x+r) - S(y-r-1, x+r) - S(y+r, x-r-1) + S(y-r-1, x-r-1)
// evaluated incrementally: the vertical difference S(y+r, .) - S(y-r-1, .) is a running column
// sum (add the row entering the window, subtract the row leaving it), and the horizontal one is a
// difference of that row's prefix sums. Rows and columns outside the image contribute nothing,
// which is the clipped-window rule at the borders. Each band starts its column sums afresh from
// its own rows, so bands are independent of each other (the unit of threading) and results do
// not depend on how bands are assigned to threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include "config.hpp"

namespace lkflow::detail {

template <class Acc, int Channels>
class BoxSums {
 public:
  using Index = Eigen::Index;

  BoxSums(Index width, Index height, Index radius)
      : width_(width),
        height_(height),
        radius_(radius),
        stride_(width + 1),
        storage_(static_cast<std::size_t>(kBuffers * Channels * stride_)) {}

  /// Bytes of working memory this object holds.
  std::size_t workspace_bytes() const { return storage_.size() * sizeof(Acc); }

  /// Calls sink(y, sums) for every row y in [y0, y1), where sums[c][x] is the window sum of
  /// channel c around (x, y). products(y, rows) must write channel c of image row y to rows[c][x]
  /// for x in [0, width).
  template <class Products, class Sink>
  void run(Index y0, Index y1, Products&& products, Sink&& sink) {
    Acc* column[Channels];
    Acc* entering[Channels];
    Acc* leaving[Channels];
    Acc* window[Channels];
    for (int c = 0; c < Channels; ++c) {
      column[c] = buffer(0, c);
      entering[c] = buffer(1, c);
      leaving[c] = buffer(2, c);
      window[c] = buffer(3, c);
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
      for (int c = 0; c < Channels; ++c) horizontal_sums(column[c], window[c], leaving[c]);
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
  static constexpr int kBuffers = 4;  // column sums, entering row, leaving row, window sums

  Acc* buffer(int which, int channel) {
    return storage_.data() + (which * Channels + channel) * stride_;
  }

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

  /// window[x] = sum of column[x-r .. x+r] clipped to [0, width), via prefix sums
  /// P[k] = column[0] + ... + column[k-1] written to `prefix` (width + 1 entries).
  void horizontal_sums(const Acc* LKFLOW_RESTRICT column, Acc* LKFLOW_RESTRICT window,
                       Acc* LKFLOW_RESTRICT prefix) const {
    Acc running(0);
    prefix[0] = running;
    for (Index x = 0; x < width_; ++x) prefix[x + 1] = running += column[x];
    const Index r = radius_, w = width_;
    Index x = 0;
    for (; x < w && x < r; ++x) window[x] = prefix[std::min(x + r + 1, w)] - prefix[0];
    for (; x + r + 1 <= w; ++x) window[x] = prefix[x + r + 1] - prefix[x - r];
    for (; x < w; ++x) window[x] = prefix[w] - prefix[x - r];
  }

  Index width_, height_, radius_, stride_;
  std::vector<Acc> storage_;
};

}  // namespace lkflow::detail
