// The lkflow program's sequence mode: the flow of every consecutive pair of frames of a movie or
// of three or more images (pair k: frame k to frame k + 1), each pair starting from the previous
// pair's flow and all of them reusing one PyramidWorkspace.
//
// Three threads overlap: one reads and decodes frames, the calling thread computes the flows,
// one writes the outputs. They hand frames and flows over through bounded queues whose buffers
// are recycled, so that memory does not grow with the number of frames and the flow
// computation does not wait for decoding or writing unless they are slower than it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <lkflow/params.hpp>

#include "image_io.hpp"  // ImageLimits

namespace lkflow_app {

/// What the command line asked of a sequence.
struct SequenceJob {
  std::string movie;                //!< a movie file; or empty, and then:
  std::vector<std::string> images;  //!< image files, three or more
  std::string flow_pattern;         //!< -o: numbered .flo names (flows/%05d.flo); empty: none
  std::string color;     //!< --color: numbered .png names, or a movie (.mp4 ...); empty: none
  std::string legend;    //!< --legend: the colour wheel's PNG; empty: none
  std::string truth;     //!< --gt: numbered .flo names, or one .flo for every pair; empty: none
  double color_max = 0;  //!< flow length at full colour, px; 0: the first pair's largest
  bool single_scale = false;      //!< dense_flow for each pair instead of pyramidal_flow
  lkflow::DenseParams dense;      //!< parameters with single_scale
  lkflow::PyramidParams pyramid;  //!< parameters otherwise
  std::string preset;             //!< the preset `pyramid` started from, for the report
  bool use_double = false;        //!< flows in double
  bool json = false;              //!< summary as JSON on stdout
  bool quiet = false;             //!< no summary, no progress
  ImageLimits limits;             //!< the largest frame accepted (--max-pixels)
};

/// True for the names of image files the program reads (by extension: .png, .jpg, .jpeg, .bmp,
/// .tga, .pgm, .ppm, .pnm; any case). A single input that is not one is taken for a movie.
bool is_image_name(const std::string& path);

/// True for names that --color writes as a movie (.mp4, .mkv, .avi, .mov; any case).
bool is_movie_name(const std::string& path);

/// Checks what the sequence's command line alone can show: numbered patterns where a file per
/// pair is written, a --color that is a pattern or a movie, outputs that are not inputs (nor
/// each other), by identity as the pair mode checks them: for an image list every pair's
/// names, for a movie those of its first `movie_pairs` pairs (pair 0 when it is not known).
/// Throws UsageError.
void check_sequence(const SequenceJob& job, long movie_pairs = -1);

/// Runs the sequence and prints its summary on `out` (text, or JSON with job.json; nothing with
/// job.quiet). Returns the exit code: 0, or 128 + the signal's number after SIGINT or SIGTERM
/// (the flows computed by then are written and the colour movie completed). Throws DataError
/// (exit code 1) for data errors; every output completed before the error is kept, none is
/// left partial.
int run_sequence(const SequenceJob& job, std::ostream& out);

}  // namespace lkflow_app
