// What the sequence mode prints when it ends: the same facts as readable text or as one JSON
// object. "Per frame" means per flow field computed, that is per pair of consecutive frames.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <lkflow/metrics.hpp>

#include "report.hpp"

namespace lkflow_app {

/// One pair's score against its ground truth.
struct PairScore {
  long pair = 0;  //!< k: the flow from frame k to frame k + 1
  lkflow::FlowErrors errors;
};

struct SequenceReport {
  Report method;       //!< size, bit depth and the method's parameters, as in the pair mode
  std::string input;   //!< the movie, or the first and last image
  bool movie = false;  //!< the input is a movie
  std::string codec;   //!< a movie's video codec
  double fps = 0;      //!< a movie's frame rate, 0 if unknown
  long frames = 0;     //!< frames the flows cover (pairs + 1)
  long pairs = 0;      //!< flows computed and written
  double flow_ms = 0;  //!< the flow computations' time, summed
  double seconds = 0;  //!< end to end: reading, flows and outputs
  int signal = 0;      //!< the signal that stopped the run, 0 if none

  std::string truth;                        //!< --gt as given, empty if none
  std::vector<PairScore> scores;            //!< every pair's score, in order
  std::optional<lkflow::FlowErrors> total;  //!< over every scored pixel of every pair

  std::string flow_pattern, first_flow, last_flow;   //!< -o, and the first and last file written
  std::string color;                                 //!< --color as given
  bool color_movie = false;                          //!< --color is a movie
  std::string color_codec, first_color, last_color;  //!< its encoder; else the PNGs written
  double color_max = 0;                              //!< flow length at full colour, px
  std::string legend;                                //!< --legend, if written
};

void print_text(std::ostream& out, const SequenceReport& report);
void print_json(std::ostream& out, const SequenceReport& report);

}  // namespace lkflow_app
