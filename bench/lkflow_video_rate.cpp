// lkflow_video_rate: the sequence mode's end-to-end frame rate beside the flow computation's
// alone, on the same movie in the same run (bench/video_rate.sh runs it; README, "Sequences").
//
// Flow alone: the movie's frames are decoded into memory first (not timed), then the flows of
// all pairs are computed as the sequence mode computes them (one PyramidWorkspace, each pair
// from the previous pair's flow, output buffers reused), with nothing else running.
// End to end: lkflow's sequence mode itself (run_sequence, as `lkflow MOVIE -o DIR/%05d.flo`
// runs it): decoding, flows and writing every .flo file, from the first frame read to the last
// file closed. The two alternate --repeat times; the ratio of the medians is printed.
//
// Without a movie it makes one: 854 x 480, H.264 (crf 20), a textured background moving by
// (1.5, -0.75) px per frame and a textured square a third of the height moving by (-1.2, 0.9),
// i.e. with motion boundaries, as real scenes have.
//
//   lkflow_video_rate --out DIR [MOVIE] [--frames N] [--repeat R] [--threads T]
//   lkflow_video_rate --make PATH --frames N      (only writes the generated movie)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <time.h>

#include <lkflow/lkflow.hpp>

#include "sequence.hpp"
#include "support/images.hpp"
#include "video_io.hpp"

namespace fs = std::filesystem;
using lkflow::Image;

namespace {

constexpr int width = 854, height = 480;

/// A texture rendered once, large enough for the whole pan, sampled bilinearly.
struct Layer {
  Image<float> pixels;
  double x0, y0;  // texture coordinates of pixels(0, 0)
  Layer(unsigned seed, int w, int h, double x_origin, double y_origin)
      : pixels(h, w), x0(x_origin), y0(y_origin) {
    const lkflow_test::Texture texture(seed);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) pixels(y, x) = float(texture(x + x0, y + y0));
  }
  double operator()(double x, double y) const {
    const double fx = x - x0, fy = y - y0;
    const int ix = int(std::floor(fx)), iy = int(std::floor(fy));
    const double ax = fx - ix, ay = fy - iy;
    auto at = [&](int r, int c) {
      return double(pixels(std::clamp(r, 0, int(pixels.rows()) - 1),
                           std::clamp(c, 0, int(pixels.cols()) - 1)));
    };
    return (1 - ay) * ((1 - ax) * at(iy, ix) + ax * at(iy, ix + 1)) +
           ay * ((1 - ax) * at(iy + 1, ix) + ax * at(iy + 1, ix + 1));
  }
};

void make_movie(const std::string& path, int frames) {
  const double bu = 1.5, bv = -0.75, su = -1.2, sv = 0.9;
  const double pan = 2.0 * frames;  // the farthest either layer moves
  const Layer background(11, int(width + 2 * pan) + 4, int(height + 2 * pan) + 4, -pan - 2,
                         -pan - 2);
  const double side = height / 3.0, left = 0.4 * width, top = 0.3 * height;
  const Layer square(12, int(side + 2 * pan) + 4, int(side + 2 * pan) + 4, left - pan - 2,
                     top - pan - 2);
  lkflow_app::VideoWriterSettings settings;
  settings.codec = "libx264";
  settings.quality = 20;
  settings.fps = 30;
  lkflow_app::VideoWriter writer("--make", path, width, height,
                                 lkflow_app::VideoWriter::Pixels::gray8, settings);
  Image<std::uint8_t> frame(height, width);
  for (int k = 0; k < frames; ++k) {
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        // Frame k shows each layer moved by k times its velocity.
        const double sx = x - k * su, sy = y - k * sv;
        const bool in_square = sx >= left && sx < left + side && sy >= top && sy < top + side;
        const double value = in_square ? square(sx, sy) : background(x - k * bu, y - k * bv);
        frame(y, x) = lkflow_test::to_pixel<std::uint8_t>(value);
      }
    writer.write(frame);
  }
  writer.finish();
}

/// CPU time of the whole process (every thread), seconds.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/// Seconds for the flows of every pair of `frames`, computed as the sequence mode does.
double flow_alone(const std::vector<Image<std::uint8_t>>& frames,
                  const lkflow::PyramidParams& params) {
  lkflow::PyramidWorkspace<float> workspace;
  lkflow::Flow<float> flows[2];
  const auto start = std::chrono::steady_clock::now();
  lkflow::pyramidal_flow(frames[0], frames[1], params, flows[0], workspace);
  for (std::size_t k = 1; k + 1 < frames.size(); ++k)
    lkflow::pyramidal_flow(frames[k], frames[k + 1], flows[(k - 1) % 2], params, flows[k % 2],
                           workspace);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double json_value(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) throw std::runtime_error("no " + key + " in " + json);
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int usage() {
  std::fprintf(stderr,
               "usage: lkflow_video_rate --out DIR [MOVIE] [--frames N] [--repeat R] "
               "[--threads T]\n       lkflow_video_rate --make PATH --frames N\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, movie, make;
  int frames = 300, repeat = 3, threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--out" && has_value)
      out = argv[++i];
    else if (a == "--make" && has_value)
      make = argv[++i];
    else if (a == "--frames" && has_value)
      frames = std::atoi(argv[++i]);
    else if (a == "--repeat" && has_value)
      repeat = std::atoi(argv[++i]);
    else if (a == "--threads" && has_value)
      threads = std::atoi(argv[++i]);
    else if (a.rfind("--", 0) != 0 && movie.empty())
      movie = a;
    else
      return usage();
  }
  if (frames < 3 || repeat < 1 || threads < 0) return usage();
  try {
    if (!make.empty()) {
      make_movie(make, frames);
      return 0;
    }
    if (out.empty()) return usage();
    fs::create_directories(fs::path(out) / "flows");
    if (movie.empty()) {
      movie = (fs::path(out) / "generated.mp4").string();
      std::printf("making %s: %d frames of %d x %d, H.264\n", movie.c_str(), frames, width, height);
      std::fflush(stdout);
      make_movie(movie, frames);
    }

    std::vector<Image<std::uint8_t>> decoded;
    lkflow_app::VideoReader reader(movie);
    for (Image<std::uint8_t> frame; reader.read(frame);) decoded.push_back(frame);
    std::printf("movie: %s, %d x %d px, %zu frames (%s)\n", movie.c_str(), reader.info().width,
                reader.info().height, decoded.size(), reader.info().codec.c_str());
    if (decoded.size() < 3) throw std::runtime_error("the movie has fewer than 3 frames");
    const double pairs = double(decoded.size() - 1);

    lkflow_app::SequenceJob job;
    job.movie = movie;
    job.flow_pattern = (fs::path(out) / "flows" / "%05d.flo").string();
    job.pyramid.threads = threads;
    job.json = true;
    std::vector<double> alone_fps, total_fps, ratios;
    for (int r = 0; r < repeat; ++r) {
      const double cpu0 = cpu_seconds();
      const double alone = pairs / flow_alone(decoded, job.pyramid);
      const double cpu1 = cpu_seconds();
      // Into an empty folder: replacing existing files costs more (ext4 writes a file renamed
      // over another at once instead of delaying it), and is not what this measures.
      fs::remove_all(fs::path(out) / "flows");
      fs::create_directories(fs::path(out) / "flows");
      std::ostringstream summary;
      if (lkflow_app::run_sequence(job, summary) != 0) return 130;
      const double cpu2 = cpu_seconds();
      const double total = 1e3 / json_value(summary.str(), "end_to_end_ms_per_frame");
      const double in_pipeline = 1e3 / json_value(summary.str(), "flow_ms_per_frame");
      // CPU per frame: the flow's alone, and everything end to end (decoding and writing too).
      std::printf(
          "run %d: flow alone %.1f frames/s (%.2f ms CPU per frame), end to end %.1f frames/s "
          "(%.2f ms CPU per frame): %.1f%%; the flow inside the pipeline %.1f frames/s\n",
          r + 1, alone, 1e3 * (cpu1 - cpu0) / pairs, total, 1e3 * (cpu2 - cpu1) / pairs,
          100 * total / alone, in_pipeline);
      std::fflush(stdout);
      alone_fps.push_back(alone);
      total_fps.push_back(total);
      ratios.push_back(total / alone);
    }
    std::printf(
        "median of %d: flow alone %.1f frames/s, end to end %.1f frames/s: %.1f%% of the flow "
        "alone (median ratio %.1f%%)\n",
        repeat, median(alone_fps), median(total_fps), 100 * median(total_fps) / median(alone_fps),
        100 * median(ratios));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lkflow_video_rate: %s\n", e.what());
    return 1;
  }
}
