#include "sequence_report.hpp"

#include <csignal>

#include <lkflow/version.hpp>

namespace lkflow_app {
namespace {

std::string signal_name(int signal) {
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : std::to_string(signal);
}

double per_frame_ms(double ms, long pairs) { return pairs > 0 ? ms / double(pairs) : 0; }

double fps(double ms_per_frame) { return ms_per_frame > 0 ? 1e3 / ms_per_frame : 0; }

}  // namespace

void print_text(std::ostream& out, const SequenceReport& r) {
  out << "lkflow " << lkflow::version_string << ": sequence of " << r.frames << " frames from "
      << r.input;
  if (r.movie) {
    out << " (" << r.codec;
    if (r.fps > 0) out << ", " << format("%.4g", r.fps) << " frames/s";
    out << ")";
  }
  out << "\n";
  out << "image:      " << r.method.width << " x " << r.method.height << " px, " << r.method.bits
      << "-bit\n";
  out << "method:     " << method_text(r.method);
  if (r.method.pyramidal) out << "; each pair starts from the previous pair's flow";
  out << "\n";
  out << "flows:      " << r.pairs << (r.pairs == 1 ? " pair" : " pairs");
  if (r.pairs > 0) out << " (frame k to k + 1 for k = 0 to " << r.pairs - 1 << ")";
  out << "\n";
  const double flow = per_frame_ms(r.flow_ms, r.pairs);
  const double total = per_frame_ms(1e3 * r.seconds, r.pairs);
  out << "flow time:  " << format("%.2f", flow) << " ms per frame for the flow computation alone ("
      << format("%.1f", fps(flow)) << " frames/s)\n";
  out << "end to end: " << format("%.2f", total) << " ms per frame with reading and writing ("
      << format("%.1f", fps(total)) << " frames/s), " << format("%.2f", r.seconds) << " s in all\n";
  if (r.signal != 0)
    out << "stopped:    by " << signal_name(r.signal) << " after " << r.pairs
        << " pairs; every file written is complete\n";
  if (r.total) {
    const lkflow::FlowErrors& e = *r.total;
    out << "truth:      " << r.truth << " (" << r.scores.size() << " pairs, " << e.scored
        << " px with known flow)\n";
    out << "  EPE       " << format("%.3f", e.epe) << " px mean endpoint error";
    const PairScore* best = nullptr;
    const PairScore* worst = nullptr;
    for (const PairScore& s : r.scores) {
      if (!(s.errors.epe >= 0)) continue;  // no known pixel
      if (!best || s.errors.epe < best->errors.epe) best = &s;
      if (!worst || s.errors.epe > worst->errors.epe) worst = &s;
    }
    if (best && r.scores.size() > 1)
      out << " (best pair " << best->pair << ": " << format("%.3f", best->errors.epe)
          << ", worst pair " << worst->pair << ": " << format("%.3f", worst->errors.epe) << ")";
    out << "\n";
    out << "  AE        " << format("%.3f", e.angular_error) << " deg mean angular error\n";
    out << "  EPE > 1   " << format("%.2f%%", 100 * e.over_1px) << " of pixels\n";
    out << "  EPE > 3   " << format("%.2f%%", 100 * e.over_3px) << " of pixels\n";
  }
  if (!r.first_flow.empty()) {
    out << "wrote:      " << r.first_flow;
    if (r.pairs > 1) out << " to " << r.last_flow;
    out << " (" << r.pairs << (r.pairs == 1 ? " flow" : " flows") << ", Middlebury .flo)\n";
  }
  if (r.color_movie && !r.color_codec.empty()) {
    out << "wrote:      " << r.color << " (colour coding, " << r.pairs << " frames, "
        << r.color_codec << ", full colour at " << format("%.3g", r.color_max) << " px)\n";
  } else if (!r.first_color.empty()) {
    out << "wrote:      " << r.first_color;
    if (r.pairs > 1) out << " to " << r.last_color;
    out << " (colour coding, full colour at " << format("%.3g", r.color_max) << " px)\n";
  }
  if (!r.legend.empty()) out << "wrote:      " << r.legend << " (the colour wheel legend)\n";
}

void print_json(std::ostream& out, const SequenceReport& r) {
  const double flow = per_frame_ms(r.flow_ms, r.pairs);
  const double total = per_frame_ms(1e3 * r.seconds, r.pairs);
  out << "{\"lkflow_version\": " << json_string(lkflow::version_string)
      << ", \"mode\": \"sequence\", \"input\": " << json_string(r.input)
      << ", \"movie\": " << (r.movie ? "true" : "false");
  if (r.movie)
    out << ", \"codec\": " << json_string(r.codec)
        << ", \"fps\": " << (r.fps > 0 ? json_number(r.fps) : "null");
  out << ", \"frames\": " << r.frames << ", \"pairs\": " << r.pairs
      << ", \"width\": " << r.method.width << ", \"height\": " << r.method.height
      << ", \"bits\": " << r.method.bits << ", " << method_json(r.method)
      << ", \"flow_ms_per_frame\": " << json_number(flow)
      << ", \"end_to_end_ms_per_frame\": " << json_number(total)
      << ", \"flow_fps\": " << json_number(fps(flow))
      << ", \"end_to_end_fps\": " << json_number(fps(total))
      << ", \"seconds\": " << json_number(r.seconds)
      << ", \"interrupted\": " << (r.signal != 0 ? "true" : "false");
  if (r.signal != 0) out << ", \"signal\": " << json_string(signal_name(r.signal));
  if (r.total) {
    const lkflow::FlowErrors& e = *r.total;
    out << ", \"ground_truth\": {\"path\": " << json_string(r.truth)
        << ", \"pairs\": " << r.scores.size() << ", \"known_pixels\": " << e.scored
        << ", \"epe\": " << json_number(e.epe)
        << ", \"angular_error_deg\": " << json_number(e.angular_error)
        << ", \"epe_over_1px\": " << json_number(e.over_1px)
        << ", \"epe_over_3px\": " << json_number(e.over_3px) << ", \"per_pair\": [";
    const char* separator = "";
    for (const PairScore& s : r.scores) {
      out << separator << "{\"pair\": " << s.pair << ", \"epe\": " << json_number(s.errors.epe)
          << ", \"angular_error_deg\": " << json_number(s.errors.angular_error) << "}";
      separator = ", ";
    }
    out << "]}";
  }
  out << ", \"outputs\": {";
  const char* separator = "";
  if (!r.first_flow.empty()) {
    out << "\"flow\": {\"pattern\": " << json_string(r.flow_pattern) << ", \"files\": " << r.pairs
        << ", \"first\": " << json_string(r.first_flow)
        << ", \"last\": " << json_string(r.last_flow) << "}";
    separator = ", ";
  }
  if (r.color_movie && !r.color_codec.empty()) {
    out << separator << "\"color\": {\"movie\": " << json_string(r.color)
        << ", \"frames\": " << r.pairs << ", \"codec\": " << json_string(r.color_codec) << "}";
    separator = ", ";
  } else if (!r.first_color.empty()) {
    out << separator << "\"color\": {\"pattern\": " << json_string(r.color)
        << ", \"files\": " << r.pairs << ", \"first\": " << json_string(r.first_color)
        << ", \"last\": " << json_string(r.last_color) << "}";
    separator = ", ";
  }
  if (!r.legend.empty()) out << separator << "\"legend\": " << json_string(r.legend);
  out << "}";
  if (!r.color.empty() && r.pairs > 0) out << ", \"color_max\": " << json_number(r.color_max);
  out << "}\n";
}

}  // namespace lkflow_app
