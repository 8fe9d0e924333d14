// lkflow: dense Lucas-Kanade optical flow between two image files. Prints timing, coverage and
// flow statistics (and errors against ground truth with --gt), and writes the flow as a
// Middlebury .flo file and its colour coding as a PNG. With no frames it runs on the bundled
// example pair, whose exact flow is known. Given a movie or three or more images, it runs the
// sequence mode (sequence.hpp): the flow of every consecutive pair of frames.
// Exit codes: 0 success, 1 data error, 2 usage error, 128 + signal when a sequence is stopped.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <lkflow/lkflow.hpp>

#include "errors.hpp"
#include "image_io.hpp"
#include "output_files.hpp"
#include "report.hpp"
#include "sequence.hpp"

namespace fs = std::filesystem;
using lkflow_app::DataError;
using lkflow_app::Frame;
using lkflow_app::NamedFile;
using lkflow_app::OutputFiles;
using lkflow_app::Report;
using lkflow_app::UsageError;

namespace {

struct Options {
  std::string frame0, frame1;
  std::vector<std::string> more_frames;  // FRAME2 and after: the sequence mode
  std::string flow_out, color_out, legend_out, truth;
  double color_max = 0;
  std::int64_t max_pixels = std::int64_t(lkflow_app::default_max_pixels);
  // The method's parameters: those not given are the chosen method's (the pyramid's: of the
  // preset).
  std::string preset = "balanced";
  std::optional<int> radius;
  std::optional<double> min_eigenvalue;
  std::optional<int> levels, iterations, coarse_iterations;
  std::optional<double> fill_strength;
  int threads = 0;
  bool single_scale = false;
  bool use_double = false, json = false, quiet = false;

  lkflow::DenseParams dense() const {
    lkflow::DenseParams p;
    p.radius = radius.value_or(p.radius);
    p.min_eigenvalue = min_eigenvalue.value_or(p.min_eigenvalue);
    p.threads = threads;
    return p;
  }
  lkflow::PyramidParams pyramid() const {
    lkflow::PyramidParams p = preset_params(preset);
    p.radius = radius.value_or(p.radius);
    p.min_eigenvalue = min_eigenvalue.value_or(p.min_eigenvalue);
    p.levels = levels.value_or(p.levels);
    p.iterations = iterations.value_or(p.iterations);
    p.coarse_iterations = coarse_iterations.value_or(p.coarse_iterations);
    p.fill_strength = fill_strength.value_or(p.fill_strength);
    p.threads = threads;
    return p;
  }

  /// PyramidParams' preset `name` (one of preset_names; --preset checks it).
  static lkflow::PyramidParams preset_params(const std::string& name) {
    if (name == "ultrafast") return lkflow::PyramidParams::ultrafast();
    if (name == "fast") return lkflow::PyramidParams::fast();
    if (name == "accurate") return lkflow::PyramidParams::accurate();
    return lkflow::PyramidParams::balanced();
  }
  static inline const std::vector<std::string> preset_names{"ultrafast", "fast", "balanced",
                                                            "accurate"};
};

constexpr const char* example_frame0 = "frame0.png";
constexpr const char* example_frame1 = "frame1.png";
constexpr const char* example_truth = "truth.flo";

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

/// A CLI11 check that a value is a finite number >= `min`: every such number is accepted,
/// denormals included; NaN, infinities and numbers beyond double's range are not. Its message
/// stays short whatever was typed.
CLI::Validator finite_at_least(double min) {
  const std::string rule = "a finite number >= " + number_text(min);
  return CLI::Validator(
      [min, rule](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);  // underflow: finite, accepted
        if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(value) &&
            value >= min)
          return "";
        const std::string shown = text.size() <= 24 ? text : text.substr(0, 21) + "...";
        return "must be " + rule + ", got " + shown;
      },
      rule);
}

/// Parses the command line into `options`; returns an exit code when the program should stop
/// (0 after --help or --version, 2 for a usage error), nothing when it should run.
std::optional<int> parse(int argc, char** argv, Options& o) {
  const lkflow::DenseParams dense;
  const lkflow::PyramidParams pyramid;  // = the balanced preset
  CLI::App app(
      "Dense Lucas-Kanade optical flow from FRAME0 to FRAME1: flow (u, v) at pixel (x, y) means "
      "FRAME1(x + u, y + v) ~ FRAME0(x, y), u to the right, v down, in pixels. Pyramidal, coarse "
      "to fine with warping, unless --single-scale.",
      "lkflow");
  app.set_version_flag("--version", lkflow::version_string);
  app.add_option("FRAME0", o.frame0,
                 "first frame: " + lkflow_app::supported_formats() +
                     "; colour is converted to gray (Rec. 601), 16-bit PNG/PGM stays 16-bit. "
                     "Omit both frames to run on the bundled example pair, writing flow.flo and "
                     "flow.png here. Alone, a movie (.mp4, .mkv, .avi, ...): the flow of every "
                     "pair of consecutive frames");
  app.add_option("FRAME1", o.frame1, "second frame, the same size as FRAME0");
  app.add_option("FRAMES", o.more_frames,
                 "more frames: the flow of every pair of consecutive frames (sequence mode; "
                 "see -o, --color and --gt for numbered names)");
  app.add_option("-o,--output", o.flow_out,
                 "write the flow (u, v in pixels, float32) to this Middlebury .flo file "
                 "(default: none; flow.flo for the bundled pair). Sequences: a name with a "
                 "number field, flows/%05d.flo, numbered by the pair's first frame")
      ->type_name("FILE");
  app.add_option("--color", o.color_out,
                 "write the flow's Middlebury colour coding to this PNG: hue = direction "
                 "(right red, down yellow, left blue, up violet), saturation = length "
                 "(default: none; flow.png for the bundled pair). Sequences: a numbered name "
                 "(colors/%05d.png) or a movie (.mp4, .mkv, .avi, .mov)")
      ->type_name("FILE");
  app.add_option("--color-max", o.color_max,
                 "flow length shown at full colour in --color, pixels; longer flows are dimmed "
                 "(default: 0 = the largest flow; for a sequence, the first pair's, kept for "
                 "every frame)")
      ->type_name("PX")
      ->check(finite_at_least(0));
  app.add_option("--legend", o.legend_out,
                 "write the colour wheel legend to this PNG (151 x 151; the inscribed circle is "
                 "--color-max) (default: none)")
      ->type_name("FILE");
  app.add_option("--gt", o.truth,
                 "ground-truth .flo to score the flow against: endpoint and angular errors, "
                 "share of pixels with EPE > 1 and 3 px; unknown vectors (> 1e9) are skipped "
                 "(default: none; the known flow for the bundled pair). Sequences: a numbered "
                 "name (truth/%05d.flo) or one file for every pair")
      ->type_name("FILE");
  app.add_option("--radius", o.radius,
                 "window radius, pixels: each window is (2R+1) x (2R+1) (default: " +
                     std::to_string(pyramid.radius) + "; " + std::to_string(dense.radius) +
                     " with --single-scale)")
      ->type_name("R")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--min-eigenvalue", o.min_eigenvalue,
                 "a window whose mean structure tensor has a smallest eigenvalue below T, in "
                 "(intensity/px)^2 with intensities in [0, 1], takes the flow around it (the "
                 "fill; flow 0 with --single-scale) (default: " +
                     number_text(pyramid.min_eigenvalue) + "; " +
                     number_text(dense.min_eigenvalue) + " with --single-scale)")
      ->type_name("T")
      ->check(finite_at_least(0));
  auto* levels = app.add_option("--levels", o.levels,
                                "pyramid levels, the input's included; 0 = as many as fit (every "
                                "coarser level keeps a short side of 8 px or more) (default: " +
                                    std::to_string(pyramid.levels) + ")")
                     ->type_name("L")
                     ->check(CLI::Range(0, 64));
  auto* iterations = app.add_option("--iterations", o.iterations,
                                    "warps per pyramid level (default: the preset's, " +
                                        std::to_string(pyramid.iterations) + " for balanced)")
                         ->type_name("N")
                         ->check(CLI::Range(1, 1000));
  auto* preset =
      app.add_option(
             "--preset", o.preset,
             "the pyramid's parameters, fastest first: ultrafast (no neighbour "
             "candidates, no fill), fast (no median, no fill), balanced (the defaults), "
             "accurate (2 warps per level, neighbour candidates after each from flows 0.1 px "
             "apart, fill 3000); the flags below override them "
             "(default: balanced)")
          ->type_name("NAME")
          ->check(CLI::IsMember(Options::preset_names));
  auto* single = app.add_flag("--single-scale", o.single_scale,
                              "single-scale Lucas-Kanade (dense_flow): no pyramid, no warping; "
                              "sees motions below about a pixel");
  auto* coarse_iterations =
      app.add_option("--coarse-iterations", o.coarse_iterations,
                     "warps at the two coarsest pyramid levels refined, where large motions are "
                     "still a few pixels (at least --iterations) (default: " +
                         std::to_string(pyramid.coarse_iterations) + ")")
          ->type_name("N")
          ->check(CLI::Range(1, 1000));
  auto* fill = app.add_option("--fill-strength", o.fill_strength,
                              "how strongly windows whose flow is mostly the frames' noise (flat "
                              "sky, walls) take the confident flow around them; 0 = no fill "
                              "(default: the preset's, " +
                                  number_text(pyramid.fill_strength) + " for balanced)")
                   ->type_name("F")
                   ->check(finite_at_least(0));
  single->excludes(preset)
      ->excludes(levels)
      ->excludes(iterations)
      ->excludes(coarse_iterations)
      ->excludes(fill);
  app.add_option("--threads", o.threads,
                 "worker threads, 0 = all hardware threads; the result does not depend on it "
                 "(default: 0)")
      ->type_name("N")
      ->check(CLI::Range(0, 4096));
  app.add_option("--max-pixels", o.max_pixels,
                 "the most pixels (width x height) a frame may have; a larger one is refused "
                 "from its header, before it is decoded (default: " +
                     std::to_string(lkflow_app::default_max_pixels) + ", e.g. 8192 x 8192)")
      ->type_name("N")
      ->check(CLI::Range(std::int64_t(1), std::int64_t(10000000000)));
  app.add_flag("--double", o.use_double,
               "compute the flow in double precision (default: float); .flo files are float32 "
               "either way");
  auto* json = app.add_flag("--json", o.json,
                            "print the results as one JSON object instead of text (for scripts)");
  auto* quiet = app.add_flag("--quiet", o.quiet, "print nothing but errors");
  json->excludes(quiet);
  app.footer(
      "Exit codes: 0 success; 1 data error (a file missing, unreadable, corrupt or too large, "
      "frames of different sizes, ground truth of another size, an output that cannot be "
      "written); 2 usage error (unknown flag, bad value, an output that is an input or another "
      "output); 130 a sequence stopped by Ctrl-C. Outputs replace only regular files, and only "
      "when everything succeeded: all of them, or none. A sequence (a movie, or three frames or "
      "more) writes each pair's files as it goes, completes them on Ctrl-C or a damaged frame, "
      "and shows its progress on stderr when that is a terminal.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    for (char& c : message)
      if (c == '\n') c = ' ';
    std::cerr << "lkflow: " << message << " (see lkflow --help)\n";
    return 2;
  }
  return std::nullopt;
}

/// The folder holding the bundled example pair: next to an installed program
/// (<prefix>/bin/lkflow -> <prefix>/share/lkflow/data), else in the source tree it was built
/// from.
fs::path example_dir(const char* argv0) {
  std::vector<fs::path> candidates;
  std::error_code ec;
  fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (ec) program = fs::absolute(argv0, ec);
  if (!program.empty()) candidates.push_back(program.parent_path() / LKFLOW_DATA_FROM_BIN);
  candidates.push_back(LKFLOW_SOURCE_DATA_DIR);
  std::string tried;
  for (const fs::path& dir : candidates) {
    if (fs::exists(dir / example_frame0, ec)) return dir.lexically_normal();
    tried += (tried.empty() ? "" : ", ") + dir.lexically_normal().string();
  }
  throw DataError("the bundled example pair was not found (looked in " + tried + ")");
}

/// A movie alone, or three frames or more.
bool sequence_mode(const Options& o) {
  return !o.more_frames.empty() ||
         (!o.frame0.empty() && o.frame1.empty() && !lkflow_app::is_image_name(o.frame0));
}

/// Checks what CLI11 cannot: both frames or none.
void check_usage(const Options& o) {
  if (!o.frame0.empty() && o.frame1.empty() && !sequence_mode(o))
    throw UsageError("FRAME1 is missing: give two frames, or none for the bundled example");
}

std::vector<NamedFile> input_files(const Options& o) {
  return {{"FRAME0", o.frame0}, {"FRAME1", o.frame1}, {"--gt", o.truth}};
}

std::vector<NamedFile> output_files(const Options& o) {
  return {{"-o", o.flow_out}, {"--color", o.color_out}, {"--legend", o.legend_out}};
}

struct Inputs {
  Frame frame0, frame1;
  std::optional<lkflow::Flow<float>> truth;
};

Inputs load_inputs(const Options& o) {
  lkflow_app::ImageLimits limits;
  limits.max_pixels = std::uint64_t(o.max_pixels);
  Inputs in{lkflow_app::load_frame(o.frame0, limits), lkflow_app::load_frame(o.frame1, limits),
            std::nullopt};
  if (in.frame0.rows() != in.frame1.rows() || in.frame0.cols() != in.frame1.cols())
    throw DataError("the frames differ in size: " + o.frame0 + " is " +
                    std::to_string(in.frame0.cols()) + " x " + std::to_string(in.frame0.rows()) +
                    " px, " + o.frame1 + " is " + std::to_string(in.frame1.cols()) + " x " +
                    std::to_string(in.frame1.rows()) + " px");
  if (in.frame0.bits() != in.frame1.bits()) {  // the kernel takes one pixel type
    lkflow_app::promote_to_16_bits(in.frame0);
    lkflow_app::promote_to_16_bits(in.frame1);
  }
  if (!o.truth.empty()) {
    try {  // a ground truth of another size is refused from its header
      in.truth = lkflow::read_flo(o.truth, in.frame0.rows(), in.frame0.cols());
    } catch (const lkflow::FileError& e) {
      throw DataError(e.path().string() + ": " + e.reason());
    }
  }
  return in;
}

void write_png(OutputFiles& outputs, const std::string& label,
               const lkflow::Image<std::uint8_t>& rgb) {
  const std::vector<unsigned char> png = lkflow_app::encode_png(rgb, 3);
  outputs.write(label, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  });
}

/// Computes the flow in scalar type S, fills `report` and writes the outputs.
template <class S>
void run(const Options& o, const Inputs& in, OutputFiles& outputs, Report& report) {
  lkflow::Flow<S> flow;
  std::visit(
      [&](const auto& I0) {
        using Pixels = std::decay_t<decltype(I0)>;
        const Pixels& I1 = std::get<Pixels>(in.frame1.pixels);
        const auto start = std::chrono::steady_clock::now();
        if (o.single_scale) {
          lkflow::dense_flow(I0, I1, o.dense(), flow);
        } else {
          lkflow::PyramidWorkspace<S> workspace;
          lkflow::pyramidal_flow(I0, I1, o.pyramid(), flow, workspace);
        }
        const auto stop = std::chrono::steady_clock::now();
        report.time_ms = std::chrono::duration<double, std::milli>(stop - start).count();
      },
      in.frame0.pixels);

  const double pixels = double(flow.u.size());
  Eigen::Index confident = 0;
  double magnitude_sum = 0, magnitude_max = 0;
  for (Eigen::Index i = 0; i < flow.u.size(); ++i) {
    const double c = double(flow.confidence.data()[i]);
    confident += c > 0 && c >= report.min_eigenvalue;
    const double m = std::hypot(double(flow.u.data()[i]), double(flow.v.data()[i]));
    magnitude_sum += m;
    magnitude_max = std::max(magnitude_max, m);
  }
  report.confident_share = double(confident) / pixels;
  report.mean_magnitude = magnitude_sum / pixels;
  report.max_magnitude = magnitude_max;
  if (in.truth) report.errors = lkflow::flow_errors(flow, *in.truth);

  report.color_max = o.color_max > 0 ? o.color_max : lkflow::largest_known_radius(flow);
  if (report.color_max == 0) report.color_max = 1;  // flow_to_rgb's choice for zero flow
  if (outputs.has("-o")) {
    outputs.write("-o", [&](std::ostream& out) { lkflow::write_flo(out, flow, o.flow_out); });
    report.written.emplace_back("flow", o.flow_out);
  }
  if (outputs.has("--color")) {
    write_png(outputs, "--color", lkflow::flow_to_rgb(flow, report.color_max));
    report.written.emplace_back("color", o.color_out);
  }
  if (outputs.has("--legend")) {
    write_png(outputs, "--legend", lkflow::color_wheel_legend(151));
    report.written.emplace_back("legend", o.legend_out);
  }
  // Every output is complete: only now do they replace their targets, all or none.
  outputs.commit();
}

/// The sequence mode, with the same flags.
int run_sequence(const Options& o) {
  lkflow_app::SequenceJob job;
  if (o.frame1.empty()) {
    job.movie = o.frame0;
  } else {
    job.images = {o.frame0, o.frame1};
    job.images.insert(job.images.end(), o.more_frames.begin(), o.more_frames.end());
  }
  job.flow_pattern = o.flow_out;
  job.color = o.color_out;
  job.legend = o.legend_out;
  job.truth = o.truth;
  job.color_max = o.color_max;
  job.single_scale = o.single_scale;
  job.dense = o.dense();
  job.pyramid = o.pyramid();
  job.preset = o.preset;
  job.use_double = o.use_double;
  job.json = o.json;
  job.quiet = o.quiet;
  job.limits.max_pixels = std::uint64_t(o.max_pixels);
  lkflow_app::check_sequence(job);
  return lkflow_app::run_sequence(job, std::cout);
}

int run_program(int argc, char** argv) {
  Options o;
  if (const std::optional<int> stop = parse(argc, argv, o)) return *stop;
  check_usage(o);
  if (sequence_mode(o)) return run_sequence(o);

  Report report;
  if (o.frame0.empty()) {  // the bundled example
    const fs::path dir = example_dir(argv[0]);
    report.example_dir = dir.string();
    o.frame0 = (dir / example_frame0).string();
    o.frame1 = (dir / example_frame1).string();
    if (o.truth.empty()) o.truth = (dir / example_truth).string();
    if (o.flow_out.empty()) o.flow_out = "flow.flo";
    if (o.color_out.empty()) o.color_out = "flow.png";
  }
  lkflow_app::check_distinct(input_files(o), output_files(o));
  const Inputs in = load_inputs(o);

  // Temporary files for the outputs now, so that an unwritable one fails before the flow.
  OutputFiles outputs(output_files(o));

  report.frame0 = o.frame0;
  report.frame1 = o.frame1;
  report.truth = o.truth;
  report.width = long(in.frame0.cols());
  report.height = long(in.frame0.rows());
  report.bits = in.frame0.bits();
  report.channels0 = in.frame0.channels;
  report.channels1 = in.frame1.channels;
  report.pyramidal = !o.single_scale;
  if (o.single_scale) {
    report.radius = o.dense().radius;
    report.min_eigenvalue = o.dense().min_eigenvalue;
  } else {
    const lkflow::PyramidParams p = o.pyramid();
    report.radius = p.radius;
    report.min_eigenvalue = p.min_eigenvalue;
    report.levels = lkflow::pyramid_levels(in.frame0.rows(), in.frame0.cols(), p.levels);
    report.iterations = p.iterations;
    report.coarse_iterations = std::max(p.iterations, p.coarse_iterations);
    report.fill_strength = p.fill_strength;
    report.median = p.median;
    report.neighbor_candidates = p.neighbor_candidates;
    report.candidate_min_change = p.candidate_min_change;
    report.candidates_every_iteration = p.candidates_every_iteration;
    report.preset = o.preset;
  }
  report.threads = o.threads > 0
                       ? o.threads
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  report.use_double = o.use_double;
  if (o.use_double)
    run<double>(o, in, outputs, report);
  else
    run<float>(o, in, outputs, report);

  if (o.json)
    lkflow_app::print_json(std::cout, report);
  else if (!o.quiet)
    lkflow_app::print_text(std::cout, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_program(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "lkflow: " << e.what() << " (see lkflow --help)\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "lkflow: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "lkflow: " << e.what() << "\n";
    return 1;
  }
}
