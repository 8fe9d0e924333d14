// Generates the bundled example pair in examples/data: a smooth random texture (frame0.png) and
// the same texture moved by a known similarity transform (frame1.png), plus the exact flow
// between them (truth.flo). Built by CMake but never run at build time; the committed files were
// made with
//   build/release/examples/lkflow_make_example_data examples/data
//
// The motion is a rotation by 0.4 degrees and a 0.3% zoom about a point left of and below the
// centre, plus a shift of (0.3, -0.2) px: A(p) = c + s R (p - c) + t. Frame 1 shows at q the
// texture at A^-1(q), so frame1(A(p)) = frame0(p) exactly and the flow is A(p) - p: smooth, up
// to about 1 px, every direction present, within the reach of single-scale Lucas-Kanade.
// The texture is a function of continuous coordinates, so no pixel leaves the picture: the flow
// is known everywhere. Random numbers come from std::mt19937's raw output (the same on every
// platform); std::sin may differ in the last bit between C libraries, which can move a rare
// pixel by one grey level.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include <lkflow/lkflow.hpp>

#include "image_io.hpp"
#include "write_bytes.hpp"

namespace {

constexpr int width = 192, height = 144;

/// Uniform in [lo, hi) from the generator's raw 32-bit output, identical on every platform.
double uniform(std::mt19937& rng, double lo, double hi) {
  return lo + (hi - lo) * double(rng() >> 8) / double(1 << 24);
}

/// Fine speckle (3000 Gaussian blobs of 1.5 to 2.5 px, random signs) over faint plane waves
/// (wavelengths 10 to 64 px), mapped smoothly into [0.02, 0.98] by a tanh so that nothing clips:
/// detail at the scale of a 5x5 window everywhere, so that every window is well-conditioned.
class Texture {
 public:
  explicit Texture(unsigned seed) {
    std::mt19937 rng(seed);
    const double pi = std::acos(-1.0);
    for (int i = 0; i < 10; ++i) {
      const double wavelength = uniform(rng, 10, 64), angle = uniform(rng, 0, 2 * pi);
      waves_.push_back({2 * pi / wavelength * std::cos(angle),
                        2 * pi / wavelength * std::sin(angle), uniform(rng, 0, 2 * pi),
                        0.03 * std::sqrt(wavelength / 64)});
    }
    for (int i = 0; i < 3000; ++i)
      blobs_.push_back({uniform(rng, -10, width + 10), uniform(rng, -10, height + 10),
                        uniform(rng, 1.5, 2.5), uniform(rng, -0.25, 0.25)});
  }

  double operator()(double x, double y) const {
    double value = 0;
    for (const Wave& w : waves_) value += w.amplitude * std::sin(w.kx * x + w.ky * y + w.phase);
    for (const Blob& b : blobs_) {
      const double d2 = (x - b.x) * (x - b.x) + (y - b.y) * (y - b.y);
      value += b.amplitude * std::exp(-d2 / (2 * b.sigma * b.sigma));
    }
    return 0.5 + 0.48 * std::tanh(1.5 * value);
  }

 private:
  struct Wave {
    double kx, ky, phase, amplitude;
  };
  struct Blob {
    double x, y, sigma, amplitude;
  };
  std::vector<Wave> waves_;
  std::vector<Blob> blobs_;
};

struct Motion {
  double cx = 0.45 * width, cy = 0.55 * height;  // centre of rotation and zoom
  double angle = 0.4 * std::acos(-1.0) / 180, scale = 1.003;
  double tx = 0.3, ty = -0.2;

  void forward(double x, double y, double& qx, double& qy) const {  // A(p)
    const double c = std::cos(angle), s = std::sin(angle);
    qx = cx + scale * (c * (x - cx) - s * (y - cy)) + tx;
    qy = cy + scale * (s * (x - cx) + c * (y - cy)) + ty;
  }
  void inverse(double x, double y, double& px, double& py) const {  // A^-1(q)
    const double c = std::cos(angle), s = std::sin(angle);
    const double dx = (x - tx - cx) / scale, dy = (y - ty - cy) / scale;
    px = cx + c * dx + s * dy;
    py = cy - s * dx + c * dy;
  }
};

std::uint8_t grey(double intensity) {
  return static_cast<std::uint8_t>(std::lround(std::min(1.0, std::max(0.0, intensity)) * 255));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  try {
    const Texture texture(20240611);
    const Motion motion;
    lkflow::Image<std::uint8_t> frame0(height, width), frame1(height, width);
    lkflow::Flow<float> truth;
    truth.u.resize(height, width);
    truth.v.resize(height, width);
    double largest = 0;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        frame0(y, x) = grey(texture(x, y));
        double px, py, qx, qy;
        motion.inverse(x, y, px, py);
        frame1(y, x) = grey(texture(px, py));
        motion.forward(x, y, qx, qy);
        truth.u(y, x) = static_cast<float>(qx - x);
        truth.v(y, x) = static_cast<float>(qy - y);
        largest = std::max(largest, std::hypot(qx - x, qy - y));
      }
    lkflow_app::write_bytes(dir / "frame0.png", lkflow_app::encode_png(frame0, 1));
    lkflow_app::write_bytes(dir / "frame1.png", lkflow_app::encode_png(frame1, 1));
    lkflow::write_flo(dir / "truth.flo", truth);
    std::printf("wrote %s/{frame0.png, frame1.png, truth.flo}: %d x %d px, flow up to %.3f px\n",
                dir.string().c_str(), width, height, largest);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
