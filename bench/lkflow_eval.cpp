// lkflow_eval: accuracy and speed of pyramidal_flow on every ground-truth sequence of a data
// folder, one line per sequence and their mean: endpoint error (EPE), angular error (AE),
// share of pixels with EPE > 3 px, and the time of the flow computation alone.
//
// A sequence is a subfolder holding either the Middlebury layout frame10.png, frame11.png,
// flow10.flo, or the Yosemite layout yos9.png, yos10.png, correct_yos.flo. Barron et al.'s
// Yosemite ground truth labels the sky (which has none) with exactly (1, 0): those pixels are
// not scored. Colour frames are converted to gray with Rec. 601 weights (rounded to 8 bits).
// Time: the minimum over --repeat runs, single thread by default, with the output and a
// PyramidWorkspace reused between runs as a video loop would. Both outputs name how lkflow_eval
// was built (compiler, flags, the instruction set the build targets) and the copy of the kernels
// the calls ran (base, avx2 or avx512, chosen at run time or by --isa) with its bilinear sampler,
// since the times depend on them.
// Exit codes: 0 success, 1 data error (no sequence, unreadable file), 2 usage error.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <lkflow/lkflow.hpp>

#include "image_io.hpp"

namespace fs = std::filesystem;

namespace {

struct Layout {
  const char* frame0;
  const char* frame1;
  const char* truth;
  bool sky_is_unknown;  // ground truth (1, 0) marks pixels without truth
};
constexpr Layout kLayouts[] = {{"frame10.png", "frame11.png", "flow10.flo", false},
                               {"yos9.png", "yos10.png", "correct_yos.flo", true}};

struct Result {
  std::string name;
  Eigen::Index width = 0, height = 0;
  lkflow::FlowErrors errors;
  double time_ms = 0;
};

/// How this program was built, as far as it affects the times.
struct BuildInfo {
  std::string compiler, build_type, flags, target, kernels, sampler;
};

BuildInfo build_info() {
  BuildInfo b;
#if defined(__clang__)
  b.compiler = std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
  b.compiler = std::string("g++ ") + __VERSION__;
#else
  b.compiler = "unknown compiler";
#endif
  while (!b.compiler.empty() && b.compiler.back() == ' ') b.compiler.pop_back();
#ifdef LKFLOW_EVAL_BUILD_TYPE
  b.build_type = LKFLOW_EVAL_BUILD_TYPE;
  b.flags = LKFLOW_EVAL_CXX_FLAGS;
#endif
  // The widest instruction set the build targets (that of the base copy of the kernels), the
  // copy the calls run (lkflow/detail/isa.hpp) and its bilinear sampler.
  b.target = lkflow::detail::base_isa_target();
  const lkflow::detail::Isa isa = lkflow::detail::active_isa();
  b.kernels = lkflow::detail::isa_name(isa);
  if (isa == lkflow::detail::Isa::avx512)
    b.sampler = "avx512";
  else if (isa == lkflow::detail::Isa::avx2)
    b.sampler = "avx2";
  else
    b.sampler = b.target == "avx512f" ? "avx512" : b.target == "avx2+fma" ? "avx2" : "portable";
  return b;
}

/// `text` as a JSON string literal.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Options {
  std::string data_dir, isa, preset = "balanced";
  lkflow::PyramidParams params;
  bool single_scale = false, json = false;
  int repeat = 5;
};

template <class In>
Result evaluate(const std::string& name, const lkflow::Image<In>& I0, const lkflow::Image<In>& I1,
                lkflow::Flow<float> truth, bool sky_is_unknown, const Options& options) {
  if (sky_is_unknown)
    for (Eigen::Index i = 0; i < truth.u.size(); ++i)
      if (truth.u.data()[i] == 1.0f && truth.v.data()[i] == 0.0f)
        truth.u.data()[i] = truth.v.data()[i] = 1e10f;  // unknown, as in Middlebury files

  lkflow::Flow<float> flow;
  lkflow::PyramidWorkspace<float> workspace;
  double best = std::numeric_limits<double>::infinity();
  for (int run = 0; run < options.repeat; ++run) {
    const auto start = std::chrono::steady_clock::now();
    lkflow::pyramidal_flow(I0, I1, options.params, flow, workspace);
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return {name, I0.cols(), I0.rows(), lkflow::flow_errors(flow, truth), best};
}

void print_text(const std::vector<Result>& results, const Result& mean, const Options& o) {
  const lkflow::PyramidParams& p = o.params;
  std::printf(
      "pyramidal_flow: preset %s, radius %d, levels %d%s, iterations %d (coarse %d), "
      "min_eigenvalue %g, median %s, neighbour candidates %s (> %g px, %s), fill strength %g, "
      "threads %d; time = min of %d runs\n",
      o.preset.c_str(), p.radius, p.levels, p.levels == 0 ? " (as many as fit)" : "", p.iterations,
      p.coarse_iterations, p.min_eigenvalue, p.median ? "on" : "off",
      p.neighbor_candidates ? "on" : "off", p.candidate_min_change,
      p.candidates_every_iteration ? "every warp" : "last warp", p.fill_strength, p.threads,
      o.repeat);
  const BuildInfo b = build_info();
  std::printf("built with %s, %s%s%s for %s; kernels %s, bilinear sampler %s\n", b.compiler.c_str(),
              b.build_type.empty() ? "unknown build type" : b.build_type.c_str(),
              b.flags.empty() ? "" : " ", b.flags.c_str(), b.target.c_str(), b.kernels.c_str(),
              b.sampler.c_str());
  std::printf("%-14s %9s %8s %8s %8s %8s %10s\n", "sequence", "size", "EPE px", "AE deg", ">1px %",
              ">3px %", "time ms");
  for (const Result& r : results) {
    const std::string size = std::to_string(r.width) + "x" + std::to_string(r.height);
    std::printf("%-14s %9s %8.3f %8.2f %8.2f %8.2f %10.2f\n", r.name.c_str(), size.c_str(),
                r.errors.epe, r.errors.angular_error, 100 * r.errors.over_1px,
                100 * r.errors.over_3px, r.time_ms);
  }
  std::printf("%-14s %9s %8.3f %8.2f %8.2f %8.2f %10.2f\n", mean.name.c_str(), "", mean.errors.epe,
              mean.errors.angular_error, 100 * mean.errors.over_1px, 100 * mean.errors.over_3px,
              mean.time_ms);
}

void print_json(const std::vector<Result>& results, const Result& mean, const Options& o) {
  const lkflow::PyramidParams& p = o.params;
  auto entry = [](const Result& r) {
    char numbers[256];
    std::snprintf(numbers, sizeof numbers,
                  "\"width\": %ld, \"height\": %ld, \"epe\": %.6g, \"angular_error\": %.6g, "
                  "\"over_1px\": %.6g, \"over_3px\": %.6g, \"time_ms\": %.6g}",
                  long(r.width), long(r.height), r.errors.epe, r.errors.angular_error,
                  r.errors.over_1px, r.errors.over_3px, r.time_ms);
    return "{\"sequence\": " + json_string(r.name) + ", " + numbers;
  };
  std::printf(
      "{\"params\": {\"preset\": %s, \"radius\": %d, \"levels\": %d, \"iterations\": %d, "
      "\"coarse_iterations\": %d, \"min_eigenvalue\": %g, \"median\": %s, "
      "\"neighbor_candidates\": %s, \"candidate_min_change\": %g, "
      "\"candidates_every_iteration\": %s, \"fill_strength\": %g, \"threads\": %d, "
      "\"repeat\": %d},\n",
      json_string(o.preset).c_str(), p.radius, p.levels, p.iterations, p.coarse_iterations,
      p.min_eigenvalue, p.median ? "true" : "false", p.neighbor_candidates ? "true" : "false",
      p.candidate_min_change, p.candidates_every_iteration ? "true" : "false", p.fill_strength,
      p.threads, o.repeat);
  const BuildInfo b = build_info();
  std::printf(
      " \"build\": {\"compiler\": %s, \"build_type\": %s, \"flags\": %s, \"target\": %s, "
      "\"kernels\": %s, \"sampler\": %s},\n",
      json_string(b.compiler).c_str(), json_string(b.build_type).c_str(),
      json_string(b.flags).c_str(), json_string(b.target).c_str(), json_string(b.kernels).c_str(),
      json_string(b.sampler).c_str());
  std::printf(" \"sequences\": [");
  for (std::size_t i = 0; i < results.size(); ++i)
    std::printf("%s\n  %s", i == 0 ? "" : ",", entry(results[i]).c_str());
  std::printf("],\n \"mean\": %s}\n", entry(mean).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app(
      "Scores pyramidal_flow against the ground truth of every sequence in DATA_DIR (subfolders "
      "with frame10.png, frame11.png, flow10.flo, or yos9.png, yos10.png, correct_yos.flo) and "
      "prints EPE, AE, the share of EPE > 3 px and the time of the flow alone.",
      "lkflow_eval");
  app.add_option("DATA_DIR", o.data_dir, "folder of sequences, e.g. ../shared/data")->required();
  app.add_flag("--json", o.json, "print one JSON object instead of a table");
  // Defined before the members' options: CLI11 stores parsed values in the order options were
  // defined, so members given beside a preset override it.
  app.add_option_function<std::string>(
         "--preset",
         [&o](const std::string& name) {
           o.preset = name;
           o.params = name == "ultrafast"  ? lkflow::PyramidParams::ultrafast()
                      : name == "fast"     ? lkflow::PyramidParams::fast()
                      : name == "accurate" ? lkflow::PyramidParams::accurate()
                                           : lkflow::PyramidParams::balanced();
         },
         "PyramidParams preset to start from: ultrafast, fast, balanced (default), accurate")
      ->check(CLI::IsMember({"ultrafast", "fast", "balanced", "accurate"}));
  app.add_option("--radius", o.params.radius, "window radius (default: PyramidParams)")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--levels", o.params.levels, "pyramid levels, 0 = as many as fit")
      ->check(CLI::Range(0, 64));
  app.add_option("--iterations", o.params.iterations, "warps per level")
      ->check(CLI::Range(1, 1000));
  app.add_option("--coarse-iterations", o.params.coarse_iterations,
                 "warps at the two coarsest levels refined")
      ->check(CLI::Range(1, 1000));
  app.add_option("--fill-strength", o.params.fill_strength,
                 "confidence-weighted fill (PyramidParams::fill_strength), 0 = off")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--min-eigenvalue", o.params.min_eigenvalue, "window acceptance threshold")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--median,!--no-median", o.params.median, "3x3 median of the flow per iteration");
  app.add_flag("--candidates,!--no-candidates", o.params.neighbor_candidates,
               "neighbour flow candidates after each level (PyramidParams::neighbor_candidates)");
  app.add_option("--candidate-min-change", o.params.candidate_min_change,
                 "least difference of a competing neighbour's flow, px of the level "
                 "(PyramidParams::candidate_min_change)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--candidates-every-iteration,!--candidates-last-iteration",
               o.params.candidates_every_iteration,
               "neighbour candidates after every warp of a level, or after its last only "
               "(PyramidParams::candidates_every_iteration)");
  app.add_flag("--single-scale", o.single_scale, "one level (levels = 1)");
  app.add_option("--threads", o.params.threads, "worker threads, 0 = all (default: 1)")
      ->check(CLI::Range(0, 4096));
  app.add_option("--repeat", o.repeat, "runs per sequence; the fastest is reported (default: 5)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--isa", o.isa,
                 "copy of the kernels to run: base, avx2 or avx512 (default: the widest this "
                 "processor runs)")
      ->check(CLI::IsMember({"base", "avx2", "avx512"}));
  CLI11_PARSE(app, argc, argv);
  if (o.single_scale) o.params.levels = 1;
  if (!o.isa.empty()) {
    const lkflow::detail::Isa isa = o.isa == "avx512" ? lkflow::detail::Isa::avx512
                                    : o.isa == "avx2" ? lkflow::detail::Isa::avx2
                                                      : lkflow::detail::Isa::base;
    if (!lkflow::detail::force_isa(isa)) {
      std::cerr
          << "lkflow_eval: --isa " << o.isa
          << ": this build has no such copy of the kernels, or this processor cannot run it\n";
      return 2;
    }
  }

  try {
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(o.data_dir))
      if (entry.is_directory()) folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());

    std::vector<Result> results;
    for (const fs::path& folder : folders) {
      for (const Layout& layout : kLayouts) {
        if (!fs::exists(folder / layout.frame0) || !fs::exists(folder / layout.frame1) ||
            !fs::exists(folder / layout.truth))
          continue;
        const lkflow_app::Frame f0 = lkflow_app::load_frame((folder / layout.frame0).string());
        const lkflow_app::Frame f1 = lkflow_app::load_frame((folder / layout.frame1).string());
        lkflow::Flow<float> truth = lkflow::read_flo(folder / layout.truth);
        const std::string name = folder.filename().string();
        if (f0.bits() != f1.bits())
          throw lkflow_app::DataError(name + ": frames of different depths");
        results.push_back(std::visit(
            [&](const auto& pixels0) {
              using ImageType = std::decay_t<decltype(pixels0)>;
              return evaluate(name, pixels0, std::get<ImageType>(f1.pixels), std::move(truth),
                              layout.sky_is_unknown, o);
            },
            f0.pixels));
      }
    }
    if (results.empty())
      throw lkflow_app::DataError(o.data_dir + ": no sequence with frames and ground truth found");

    Result mean{"mean (" + std::to_string(results.size()) + ")", 0, 0, {}, 0};
    mean.errors.epe = mean.errors.angular_error = mean.errors.over_1px = mean.errors.over_3px = 0;
    for (const Result& r : results) {
      const double n = double(results.size());
      mean.errors.epe += r.errors.epe / n;
      mean.errors.angular_error += r.errors.angular_error / n;
      mean.errors.over_1px += r.errors.over_1px / n;
      mean.errors.over_3px += r.errors.over_3px / n;
      mean.time_ms += r.time_ms / n;
    }
    if (o.json)
      print_json(results, mean, o);
    else
      print_text(results, mean, o);
  } catch (const std::exception& e) {  // DataError, FileError, filesystem_error
    std::cerr << "lkflow_eval: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
