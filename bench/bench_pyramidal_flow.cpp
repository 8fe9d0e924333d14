// Google Benchmark cases for pyramidal_flow, registered before main() so that lkflow_bench runs
// them with the dense_flow cases. Names: pyramidal_flow/<scalar>/<input>/<W>x<H>/r<R>/i<I>/t<T>
// (radius, iterations per level, threads; levels as many as fit). The scene has motion
// boundaries, as real frames do (a pure translation would let the neighbour-candidate step skip
// nearly all its work): a textured background moves by (3.3, -2.1) px and a textured square, a
// third of the frame's height, by (-2.4, 1.7) px. Each call reuses its output and a
// PyramidWorkspace, as a video loop would. Counters: items_per_second = pixels per second;
// work_MB = peak heap bytes a call allocates beyond them; workspace_MB = bytes the workspace
// holds; epe_px = mean endpoint error against the known flow, 20 px from the borders (so that a
// fast but wrong flow cannot pass unnoticed).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include <lkflow/lkflow.hpp>

#include "counting_allocator.hpp"
#include "support/images.hpp"

namespace {

using lkflow_test::Image;

/// The benchmark scene (see the top of this file) and its flow, the flow at every pixel of I0.
template <class In>
struct Scene {
  Image<In> I0, I1;
  Image<double> u, v;
};

template <class In>
Scene<In> moving_square(int width, int height) {
  const lkflow_test::Texture background(11), square(12);
  const double side = height / 3.0, left = 0.4 * width, top = 0.3 * height;
  const double bu = 3.3, bv = -2.1, su = -2.4, sv = 1.7;
  auto inside = [&](double x, double y) {
    return x >= left && x < left + side && y >= top && y < top + side;
  };
  Scene<In> scene;
  for (Image<In>* image : {&scene.I0, &scene.I1}) image->resize(height, width);
  scene.u.resize(height, width);
  scene.v.resize(height, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const bool in0 = inside(x, y);
      scene.I0(y, x) = lkflow_test::to_pixel<In>(in0 ? square(x, y) : background(x, y));
      scene.u(y, x) = in0 ? su : bu;
      scene.v(y, x) = in0 ? sv : bv;
      const bool in1 = inside(x - su, y - sv);
      scene.I1(y, x) =
          lkflow_test::to_pixel<In>(in1 ? square(x - su, y - sv) : background(x - bu, y - bv));
    }
  return scene;
}

template <class S, class In>
void bench_pyramidal_flow(benchmark::State& state, int width, int height,
                          lkflow::PyramidParams params) {
  const Scene<In> scene = moving_square<In>(width, height);
  const Image<In>& I0 = scene.I0;
  const Image<In>& I1 = scene.I1;
  lkflow::Flow<S> out;
  lkflow::PyramidWorkspace<S> workspace;
  lkflow::pyramidal_flow(I0, I1, params, out, workspace);  // sizes the output and workspace

  lkflow_bench::reset_peak();
  const std::size_t before = lkflow_bench::allocated_bytes();
  lkflow::pyramidal_flow(I0, I1, params, out, workspace);
  const double work_bytes = double(lkflow_bench::peak_bytes() - before);

  for (auto _ : state) {
    lkflow::pyramidal_flow(I0, I1, params, out, workspace);
    benchmark::DoNotOptimize(out.u.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * std::int64_t(width) * height);
  state.counters["work_MB"] = work_bytes / 1e6;
  state.counters["workspace_MB"] = double(workspace.bytes()) / 1e6;
  const auto interior = [&](const auto& f) {
    return f.block(20, 20, height - 40, width - 40).template cast<double>();
  };
  state.counters["epe_px"] = ((interior(out.u) - interior(scene.u)).square() +
                              (interior(out.v) - interior(scene.v)).square())
                                 .sqrt()
                                 .mean();
}

template <class S, class In>
void register_pyramid(const char* scalar, const char* input) {
  for (const auto& [width, height] : {std::pair{640, 480}, std::pair{1920, 1080}})
    for (const int iterations : {1, 3})
      for (const int threads : {1, 0}) {
        lkflow::PyramidParams params;
        params.iterations = iterations;
        params.threads = threads;
        const std::string name = std::string("pyramidal_flow/") + scalar + "/" + input + "/" +
                                 std::to_string(width) + "x" + std::to_string(height) + "/r" +
                                 std::to_string(params.radius) + "/i" + std::to_string(iterations) +
                                 "/t" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bench_pyramidal_flow<S, In>, width, height,
                                     params)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
}

const bool registered = [] {
  register_pyramid<float, std::uint8_t>("float", "u8");
  register_pyramid<float, float>("float", "float");
  register_pyramid<double, std::uint8_t>("double", "u8");
  return true;
}();

}  // namespace
