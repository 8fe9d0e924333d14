// Google Benchmark cases for dense_flow, the naive reference and the memory-traffic floor.
// Names: dense_flow/<scalar>/<input>/<W>x<H>/r<R>/t<T>, reference/<W>x<H>/r2, floor/<W>x<H>.
// Counters: items_per_second = pixels per second; work_MB = peak heap bytes the call allocates
// beyond its inputs and (preallocated) output.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include <lkflow/lkflow.hpp>

#include "counting_allocator.hpp"
#include "support/images.hpp"
#include "support/reference.hpp"

namespace {

using lkflow_test::Image;

struct Size {
  int width, height;
};
const Size kSizes[] = {{320, 240}, {854, 480}, {1920, 1080}, {3840, 2160}};

/// A textured frame pair moved by a sub-pixel step, rendered once per size and cached.
template <class In>
const std::pair<Image<In>, Image<In>>& frames(const Size& size) {
  static std::map<std::pair<int, int>, std::pair<Image<In>, Image<In>>> cache;
  auto key = std::make_pair(size.width, size.height);
  auto it = cache.find(key);
  if (it == cache.end())
    it = cache.emplace(key, lkflow_test::translated_pair<In>(7, size.height, size.width, 0.4, -0.3))
             .first;
  return it->second;
}

std::string size_name(const Size& size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

void set_pixel_counters(benchmark::State& state, const Size& size) {
  state.SetItemsProcessed(state.iterations() * std::int64_t(size.width) * size.height);
}

template <class S, class In>
void bench_dense_flow(benchmark::State& state, Size size, int radius, int threads) {
  const auto& [I0, I1] = frames<In>(size);
  lkflow::DenseParams params;
  params.radius = radius;
  params.min_eigenvalue = 1e-5;
  params.threads = threads;
  lkflow::Flow<S> out;
  lkflow::dense_flow(I0, I1, params, out);  // allocates the output once

  lkflow_bench::reset_peak();
  const std::size_t before = lkflow_bench::allocated_bytes();
  lkflow::dense_flow(I0, I1, params, out);
  const double work_bytes = double(lkflow_bench::peak_bytes() - before);

  for (auto _ : state) {
    lkflow::dense_flow(I0, I1, params, out);
    benchmark::DoNotOptimize(out.u.data());
    benchmark::ClobberMemory();
  }
  set_pixel_counters(state, size);
  state.counters["work_MB"] = work_bytes / 1e6;
}

void bench_reference(benchmark::State& state, Size size) {
  const auto& [I0, I1] = frames<std::uint8_t>(size);
  const Image<double> J0 = lkflow_test::to_intensity(I0), J1 = lkflow_test::to_intensity(I1);
  for (auto _ : state) {
    auto flow = lkflow_test::reference_flow(J0, J1, 2, 1e-5);
    benchmark::DoNotOptimize(flow.u.data());
  }
  set_pixel_counters(state, size);
}

/// Reads two float frames and writes two float fields: the traffic no flow kernel can avoid.
void bench_floor(benchmark::State& state, Size size) {
  const auto& [I0, I1] = frames<float>(size);
  Image<float> u(size.height, size.width), v(size.height, size.width);
  for (auto _ : state) {
    u = I0 - I1;
    v = I0 + I1;
    benchmark::DoNotOptimize(u.data());
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  set_pixel_counters(state, size);
}

template <class S, class In>
void register_dense(const char* scalar, const char* input) {
  for (const Size& size : kSizes)
    for (const int radius : {1, 2, 7, 15})
      for (const int threads : {1, 0}) {
        const std::string name = std::string("dense_flow/") + scalar + "/" + input + "/" +
                                 size_name(size) + "/r" + std::to_string(radius) + "/t" +
                                 std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bench_dense_flow<S, In>, size, radius, threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
}

}  // namespace

int main(int argc, char** argv) {
  register_dense<float, std::uint8_t>("float", "u8");
  register_dense<float, float>("float", "float");
  register_dense<double, std::uint8_t>("double", "u8");
  register_dense<double, float>("double", "float");
  for (const Size& size : {kSizes[0], kSizes[1]})
    benchmark::RegisterBenchmark(("reference/" + size_name(size) + "/r2").c_str(), bench_reference,
                                 size)
        ->Unit(benchmark::kMillisecond);
  for (const Size& size : kSizes)
    benchmark::RegisterBenchmark(("floor/" + size_name(size)).c_str(), bench_floor, size)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("hardware_threads",
                              std::to_string(std::thread::hardware_concurrency()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
