// The image and flow-field types of lkflow's public API.
#pragma once

#include <Eigen/Core>

namespace lkflow {

/// A 2-D image: rows are y, columns are x, rows contiguous in memory.
template <class S>
using Image = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A dense flow field: u and v the size of the input images, and confidence too where the flow
/// was computed (dense_flow, pyramidal_flow); a flow read from a file has none (read_flo returns
/// an empty confidence: a .flo file holds only u and v).
/// (u(y, x), v(y, x)) at pixel (x, y) of I0 means I1(x + u, y + v) ~= I0(x, y):
/// u is along columns (x), v along rows (y), both in pixels.
template <class S>
struct Flow {
  Image<S> u;           //!< displacement along x (columns), pixels
  Image<S> v;           //!< displacement along y (rows), pixels
  Image<S> confidence;  //!< smallest eigenvalue of the window-mean structure tensor,
                        //!< (intensity/px)^2; empty when unknown (read_flo)
};

}  // namespace lkflow
