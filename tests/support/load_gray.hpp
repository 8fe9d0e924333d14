// Loads an image file as 8-bit gray for tests (Rec. 601 weights for colour), via stb_image.
#pragma once

#include <stdexcept>
#include <string>

#include "reference.hpp"

namespace lkflow_test {

/// Throws std::runtime_error naming the file when it cannot be read.
Image<std::uint8_t> load_gray8(const std::string& path);

}  // namespace lkflow_test
