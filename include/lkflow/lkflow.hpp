// lkflow: header-only dense Lucas-Kanade optical flow on Eigen. Include this one header.
#pragma once

#include "color.hpp"
#include "dense_flow.hpp"
#include "file_error.hpp"
#include "flo.hpp"
#include "image.hpp"
#include "metrics.hpp"
#include "params.hpp"
#include "pyramid.hpp"
#include "unknown_flow.hpp"
#include "version.hpp"
