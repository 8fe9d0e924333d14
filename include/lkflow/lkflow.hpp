// lkflow: header-only dense Lucas-Kanade optical flow on Eigen. Include this one header.
#pragma once

#include "dense_flow.hpp"
#include "image.hpp"
#include "params.hpp"
#include "pyramid.hpp"
#include "version.hpp"
