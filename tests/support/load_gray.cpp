#include "load_gray.hpp"

#include <cmath>
#include <memory>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb_image.h>

namespace lkflow_test {

Image<std::uint8_t> load_gray8(const std::string& path) {
  int width = 0, height = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &width, &height, &channels, 3), stbi_image_free);
  if (!pixels) throw std::runtime_error(path + ": " + stbi_failure_reason());
  Image<std::uint8_t> gray(height, width);
  for (int i = 0; i < width * height; ++i) {
    const stbi_uc* p = pixels.get() + 3 * i;
    gray.data()[i] =
        static_cast<std::uint8_t>(std::lround(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]));
  }
  return gray;
}

}  // namespace lkflow_test
