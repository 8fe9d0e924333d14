// What the lkflow program prints after a run: the same facts as readable text or as one JSON
// object (for scripts).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <lkflow/metrics.hpp>

namespace lkflow_app {

struct Report {
  std::string frame0, frame1;        //!< the frames' paths
  std::string example_dir;           //!< the bundled pair's folder when it was used, else empty
  long width = 0, height = 0;        //!< pixels
  int bits = 8;                      //!< bits per pixel of the frames as processed (8 or 16)
  int channels0 = 1, channels1 = 1;  //!< channels in the files (3, 4: converted to gray)
  bool pyramidal = true;             //!< pyramidal_flow, else single-scale dense_flow
  int levels = 1, iterations = 1;    //!< pyramid levels used and warps per level (pyramidal)
  int coarse_iterations = 1;         //!< warps at the two coarsest levels refined (pyramidal)
  double fill_strength = 0;          //!< PyramidParams::fill_strength, 0 = no fill (pyramidal)
  bool median = false;               //!< PyramidParams::median (pyramidal)
  bool neighbor_candidates = false;  //!< PyramidParams::neighbor_candidates (pyramidal)
  double candidate_min_change = 0;   //!< PyramidParams::candidate_min_change (pyramidal)
  bool candidates_every_iteration = false;  //!< PyramidParams::candidates_every_iteration
  std::string preset;                       //!< the preset the parameters started from (pyramidal)
  int radius = 0;                           //!< window radius, pixels
  double min_eigenvalue = 0;                //!< threshold, (intensity/px)^2
  int threads = 0;                          //!< worker threads used
  bool use_double = false;                  //!< flow computed in double
  double time_ms = 0;                       //!< time of the flow computation alone
  double confident_share = 0;               //!< pixels whose window passed the threshold, [0, 1]
  double mean_magnitude = 0, max_magnitude = 0;  //!< of (u, v) over all pixels, pixels
  std::string truth;                             //!< ground-truth path, empty if none
  std::optional<lkflow::FlowErrors> errors;      //!< against the ground truth
  double color_max = 0;  //!< flow length at full colour in the colour image, pixels
  std::vector<std::pair<std::string, std::string>>
      written;  //!< (flow|color|legend, path) of each output
};

void print_text(std::ostream& out, const Report& report);
void print_json(std::ostream& out, const Report& report);

/// A JSON string literal (RFC 8259) of any bytes, such as a file name: quotes, backslashes and
/// control characters escaped, well-formed UTF-8 kept, and every byte that is not part of
/// well-formed UTF-8 written as U+FFFD (the replacement character), so the output is always
/// valid JSON.
std::string json_string(const std::string& bytes);

// Parts of both, shared with the sequence mode's summary (sequence_report.cpp).
/// The text after "method:", e.g. "pyramidal Lucas-Kanade, 4 levels, ..., 2 threads".
std::string method_text(const Report& report);
/// The method's JSON members, from "method" to "threads", without braces.
std::string method_json(const Report& report);
/// A JSON number, or null for NaN and infinities (which JSON cannot represent).
std::string json_number(double value);
/// `value` printed with the printf conversion `spec` for one double, e.g. "%.2f".
std::string format(const char* spec, double value);

}  // namespace lkflow_app
