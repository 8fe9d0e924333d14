#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <lkflow/version.hpp>

namespace lkflow_app {

std::string format(const char* spec, double value) {
  char text[64];
  std::snprintf(text, sizeof text, spec, value);
  return text;
}

namespace {

std::string percent(double share) { return format("%.2f%%", 100 * share); }

std::string gray_text(int channels) { return channels >= 3 ? "colour, converted to gray" : "gray"; }

/// The length of the well-formed UTF-8 sequence at s[i] (1 to 4 bytes), or 0 where the bytes
/// are not one: no overlong forms, no surrogates, nothing above U+10FFFF (Unicode, table 3-7).
std::size_t utf8_length(const std::string& s, std::size_t i) {
  auto byte = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  auto follows = [&](std::size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) >= low && byte(k) <= high;
  };
  const unsigned c = byte(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return follows(i + 1) ? 2 : 0;
  if (c == 0xE0) return follows(i + 1, 0xA0) && follows(i + 2) ? 3 : 0;
  if (c == 0xED) return follows(i + 1, 0x80, 0x9F) && follows(i + 2) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return follows(i + 1) && follows(i + 2) ? 3 : 0;
  if (c == 0xF0) return follows(i + 1, 0x90) && follows(i + 2) && follows(i + 3) ? 4 : 0;
  if (c == 0xF4) return follows(i + 1, 0x80, 0x8F) && follows(i + 2) && follows(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return follows(i + 1) && follows(i + 2) && follows(i + 3) ? 4 : 0;
  return 0;
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const std::size_t length = utf8_length(s, i);
    if (length == 0) {  // not UTF-8 (a file name is any bytes): U+FFFD, the replacement character
      out += "\\ufffd";
      ++i;
    } else if (length > 1) {
      out.append(s, i, length);
      i += length;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
      out += escape;
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  return out + "\"";
}

std::string json_number(double value) {
  return std::isfinite(value) ? format("%.9g", value) : std::string("null");
}

std::string method_text(const Report& r) {
  std::string text;
  if (r.pyramidal)
    text =
        "pyramidal Lucas-Kanade, preset " + r.preset + ", " + std::to_string(r.levels) +
        (r.levels == 1 ? " level, " : " levels, ") + std::to_string(r.iterations) +
        (r.iterations == 1 ? " warp" : " warps") + " per level (" +
        std::to_string(r.coarse_iterations) + " at the coarsest two), neighbour candidates " +
        (r.neighbor_candidates ? format("on (> %g px, ", r.candidate_min_change) +
                                     (r.candidates_every_iteration ? "every warp)" : "last warp)")
                               : std::string("off")) +
        ", median " + (r.median ? "on" : "off") + ", fill " +
        (r.fill_strength > 0 ? format("%g", r.fill_strength) : std::string("off")) + ", radius ";
  else
    text = "single-scale Lucas-Kanade, radius ";
  const std::string side = std::to_string(2 * r.radius + 1);
  return text + std::to_string(r.radius) + " (" + side + "x" + side + " windows), min eigenvalue " +
         format("%g", r.min_eigenvalue) + ", " + (r.use_double ? "double" : "float") + ", " +
         std::to_string(r.threads) + (r.threads == 1 ? " thread" : " threads");
}

std::string method_json(const Report& r) {
  std::string json =
      std::string("\"method\": \"") + (r.pyramidal ? "pyramidal" : "single-scale") + "\"";
  if (r.pyramidal)
    json +=
        ", \"preset\": " + json_string(r.preset) + ", \"levels\": " + std::to_string(r.levels) +
        ", \"iterations\": " + std::to_string(r.iterations) +
        ", \"coarse_iterations\": " + std::to_string(r.coarse_iterations) +
        ", \"neighbor_candidates\": " + (r.neighbor_candidates ? "true" : "false") +
        ", \"candidate_min_change\": " + format("%g", r.candidate_min_change) +
        ", \"candidates_every_iteration\": " + (r.candidates_every_iteration ? "true" : "false") +
        ", \"median\": " + (r.median ? "true" : "false") +
        ", \"fill_strength\": " + format("%g", r.fill_strength);
  return json + ", \"radius\": " + std::to_string(r.radius) +
         ", \"min_eigenvalue\": " + json_number(r.min_eigenvalue) + ", \"scalar\": \"" +
         (r.use_double ? "double" : "float") + "\", \"threads\": " + std::to_string(r.threads);
}

void print_text(std::ostream& out, const Report& r) {
  const double pixels = double(r.width) * double(r.height);
  out << "lkflow " << lkflow::version_string;
  if (!r.example_dir.empty())
    out << ": no frames given, so running on the bundled example pair in " << r.example_dir;
  out << "\n";
  out << "frames:     " << r.frame0 << " (" << gray_text(r.channels0) << "), " << r.frame1 << " ("
      << gray_text(r.channels1) << ")\n";
  out << "image:      " << r.width << " x " << r.height << " px, " << r.bits << "-bit\n";
  out << "method:     " << method_text(r) << "\n";
  out << "flow time:  " << format("%.2f", r.time_ms) << " ms for the flow computation alone ("
      << format("%.1f", pixels / 1e6 / (r.time_ms / 1e3)) << " Mpx/s)\n";
  out << "confident:  " << percent(r.confident_share)
      << (r.pyramidal ? (r.fill_strength > 0
                             ? " of pixels (the others take the flow around them)\n"
                             : " of pixels (the others keep the flow of the coarser level)\n")
                      : " of pixels (the others have no reliable flow and are set to 0)\n");
  out << "magnitude:  mean " << format("%.3f", r.mean_magnitude) << " px, max "
      << format("%.3f", r.max_magnitude) << " px\n";
  if (r.errors) {
    const lkflow::FlowErrors& e = *r.errors;
    out << "truth:      " << r.truth << " (" << e.scored << " px with known flow)\n";
    out << "  EPE       " << format("%.3f", e.epe) << " px mean endpoint error\n";
    out << "  AE        " << format("%.3f", e.angular_error) << " deg mean angular error\n";
    out << "  EPE > 1   " << percent(e.over_1px) << " of pixels\n";
    out << "  EPE > 3   " << percent(e.over_3px) << " of pixels\n";
  }
  for (const auto& [what, path] : r.written) {
    out << "wrote:      " << path;
    if (what == "flow") out << " (the flow, Middlebury .flo)\n";
    if (what == "color")
      out << " (its colour coding, full colour at " << format("%.3g", r.color_max) << " px)\n";
    if (what == "legend") out << " (the colour wheel legend)\n";
  }
  if (!r.example_dir.empty() && !r.written.empty())
    out << "            into the current folder, " << std::filesystem::current_path().string()
        << "\n";
}

void print_json(std::ostream& out, const Report& r) {
  const double pixels = double(r.width) * double(r.height);
  out << "{\"lkflow_version\": " << json_string(lkflow::version_string)
      << ", \"frame0\": " << json_string(r.frame0) << ", \"frame1\": " << json_string(r.frame1)
      << ", \"bundled_example\": " << (r.example_dir.empty() ? "false" : "true")
      << ", \"width\": " << r.width << ", \"height\": " << r.height << ", \"bits\": " << r.bits
      << ", " << method_json(r) << ", \"time_ms\": " << json_number(r.time_ms)
      << ", \"mpx_per_s\": " << json_number(pixels / 1e6 / (r.time_ms / 1e3))
      << ", \"confident_share\": " << json_number(r.confident_share)
      << ", \"mean_magnitude\": " << json_number(r.mean_magnitude)
      << ", \"max_magnitude\": " << json_number(r.max_magnitude);
  if (r.errors) {
    const lkflow::FlowErrors& e = *r.errors;
    out << ", \"ground_truth\": {\"path\": " << json_string(r.truth)
        << ", \"known_pixels\": " << e.scored << ", \"epe\": " << json_number(e.epe)
        << ", \"angular_error_deg\": " << json_number(e.angular_error)
        << ", \"epe_over_1px\": " << json_number(e.over_1px)
        << ", \"epe_over_3px\": " << json_number(e.over_3px) << "}";
  }
  out << ", \"outputs\": {";
  const char* separator = "";
  for (const auto& [what, path] : r.written) {
    out << separator << json_string(what) << ": " << json_string(path);
    separator = ", ";
  }
  out << "}";
  if (!r.written.empty()) out << ", \"color_max\": " << json_number(r.color_max);
  out << "}\n";
}

}  // namespace lkflow_app
