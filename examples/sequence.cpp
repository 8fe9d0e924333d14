#include "sequence.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <streambuf>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lkflow/lkflow.hpp>

#include "bounded_queue.hpp"
#include "file_pattern.hpp"
#include "frame_source.hpp"
#include "image_io.hpp"
#include "interrupt.hpp"
#include "output_files.hpp"
#include "progress.hpp"
#include "sequence_report.hpp"
#include "video_io.hpp"

namespace lkflow_app {

namespace fs = std::filesystem;

namespace {

// Frames decoded ahead of the flow computation, and flows waiting to be written. Small: enough
// to absorb a slow frame or file, while memory stays a few frames' worth.
constexpr std::size_t frame_queue_size = 3;
constexpr std::size_t flow_queue_size = 3;

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// A set of files compared by identity as same_file (output_files.hpp) compares two: existing
/// files by device and inode (following symbolic links, so hard and symbolic links count), files
/// yet to be created by their name within their folder's identity. Kept as keys, so that the
/// numbered names of thousands of frames are checked in n log n rather than n^2 comparisons.
class FileSet {
 public:
  /// Adds `path`, described as `what` in messages.
  void add(const std::string& path, const std::string& what) { files_.emplace(key(path), what); }
  /// What `path` is in the set, or null when it is not there.
  const std::string* find(const std::string& path) const {
    const auto it = files_.find(key(path));
    return it != files_.end() ? &it->second : nullptr;
  }

 private:
  static std::string key(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0)
      return "file " + std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
    const fs::path name(path);
    const fs::path folder = name.parent_path().empty() ? fs::path(".") : name.parent_path();
    if (::stat(folder.c_str(), &info) == 0)
      return "new " + std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + "/" +
             name.filename().string();
    return "unreachable " + name.lexically_normal().string();
  }
  std::map<std::string, std::string> files_;
};

/// Lowers the calling thread's scheduling priority (nice 10; Linux, where a thread has a nice
/// value of its own). The reader and the writer use it, so that they run in the time the flow
/// computation leaves idle instead of delaying its worker threads, whose passes each wait for
/// their slowest band. Failure is harmless and ignored.
void yield_to_flow() {
#ifdef __linux__
  const pid_t thread = pid_t(::syscall(SYS_gettid));
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, id_t(thread));
  if (errno == 0) ::setpriority(PRIO_PROCESS, id_t(thread), std::min(nice + 10, 19));
#endif
}

/// Threads joined however the scope that owns them is left.
struct JoinedThreads {
  std::thread reader, writer;
  ~JoinedThreads() {
    if (reader.joinable()) reader.join();
    if (writer.joinable()) writer.join();
  }
};

/// The first error of any thread; once there is one, every thread stops.
class Failure {
 public:
  void set(const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (message_.empty()) message_ = message;
    failed_.store(true);
  }
  bool failed() const { return failed_.load(); }
  std::string message() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return message_;
  }

 private:
  mutable std::mutex mutex_;
  std::string message_;
  std::atomic<bool> failed_{false};
};

/// The message of the exception being handled (call inside a catch block).
std::string current_error() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const lkflow::FileError& e) {
    return e.path().string() + ": " + e.reason();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

/// A stream buffer appending to bytes kept from one file to the next: a .flo is encoded here
/// first, then reaches its file in 256 kB writes instead of one system call per 4 kB chunk
/// (800 for a frame of 854 x 480). For 99 such files this took the kernel time of the run from
/// 0.30 to 0.22 s; one 3.3 MB write per file was slower than either (0.7 s).
class MemoryBuffer : public std::streambuf {
 public:
  std::vector<char> bytes;

 protected:
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    bytes.insert(bytes.end(), data, data + n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) bytes.push_back(char(c));
    return traits_type::not_eof(c);
  }
};

/// A computed flow on its way to the writer; its buffers are recycled.
template <class S>
struct FlowItem {
  long pair = 0;
  double flow_ms = 0;
  lkflow::Flow<S> flow;
};

/// Writes each pair's outputs (on the writer thread) and scores it, in pair order.
template <class S>
class PairWriter {
 public:
  /// Checks and opens every output before the first flow: an output that cannot be written
  /// fails here, before any work is done and before any file is made.
  PairWriter(const SequenceJob& job, const FrameSource& source, SequenceReport& report)
      : job_(job), report_(report) {
    if (!job.flow_pattern.empty()) flow_pattern_.emplace(job.flow_pattern);
    if (!job.color.empty()) {
      if (is_movie_name(job.color)) {
        VideoWriterSettings settings;
        if (source.fps > 0) settings.fps = source.fps;
        color_movie_ =
            std::make_unique<VideoWriter>("--color", job.color, int(source.width),
                                          int(source.height), VideoWriter::Pixels::rgb24, settings);
      } else {
        color_pattern_.emplace(job.color);
      }
    }
    OutputFiles probe(pair_files(0));  // pair 0's files can be made (removed again, unused)
    if (!job.legend.empty()) legend_ = std::make_unique<OutputFiles>(legend_file());
    if (!job.truth.empty()) truth_pattern_.emplace(job.truth);
    report_.flow_pattern = job.flow_pattern;
    report_.color = job.color;
    report_.color_movie = color_movie_ != nullptr;
    report_.truth = job.truth;
    // The files no numbered output may become, whatever the length of the movie.
    if (!job.movie.empty()) fixed_.add(job.movie, "MOVIE");
    if (truth_pattern_ && !truth_pattern_->numbered()) fixed_.add(job.truth, "--gt");
    if (color_movie_) fixed_.add(job.color, "--color");
    if (!job.legend.empty()) fixed_.add(job.legend, "--legend");
  }

  void write(const FlowItem<S>& item) {
    const lkflow::Flow<S>& flow = item.flow;
    if (truth_pattern_) score(item.pair, flow);  // first: a missing truth writes nothing more
    lkflow::Image<std::uint8_t> rgb;
    if (color_movie_ || color_pattern_) {
      if (report_.color_max == 0) {  // the first pair sets the scale for the whole sequence
        report_.color_max =
            job_.color_max > 0 ? job_.color_max : lkflow::largest_known_radius(flow);
        if (report_.color_max == 0) report_.color_max = 1;
      }
      rgb = lkflow::flow_to_rgb(flow, report_.color_max);
    }
    // The pair's files, committed together: both of them or neither.
    const std::vector<NamedFile> names = pair_files(item.pair);
    check_identity(item.pair, names);
    if (!names.empty()) {
      OutputFiles files(names);
      if (files.has("-o")) {
        flo_.bytes.clear();  // keeps its capacity: no allocation after the first pair
        std::ostream encoded(&flo_);
        lkflow::write_flo(encoded, flow, names[0].path);
        files.write("-o", [&](std::ostream& out) {
          constexpr std::size_t piece = 256 * 1024;
          for (std::size_t at = 0; at < flo_.bytes.size(); at += piece)
            out.write(flo_.bytes.data() + at,
                      std::streamsize(std::min(piece, flo_.bytes.size() - at)));
        });
      }
      if (files.has("--color")) write_png(files, "--color", rgb);
      files.commit();
      for (const NamedFile& name : names) {
        const bool is_flow = name.label == "-o";
        if ((is_flow ? report_.first_flow : report_.first_color).empty())
          (is_flow ? report_.first_flow : report_.first_color) = name.path;
        (is_flow ? report_.last_flow : report_.last_color) = name.path;
      }
    }
    if (color_movie_) {
      try {
        color_movie_->write(rgb);
      } catch (...) {
        color_movie_.reset();  // removes its temporary file: no partial movie
        throw;
      }
    }
    report_.flow_ms += item.flow_ms;
    ++report_.pairs;
  }

  /// Completes the colour movie and the legend once at least one pair was written; otherwise
  /// they are discarded, like every output of a run that produced nothing.
  void finish() {
    if (report_.pairs == 0) return;
    if (color_movie_) {
      color_movie_->finish();
      report_.color_codec = color_movie_->codec();
    }
    if (legend_) {
      write_png(*legend_, "--legend", lkflow::color_wheel_legend(151));
      legend_->commit();
      report_.legend = job_.legend;
    }
  }

 private:
  /// The numbered files of pair k, -o first.
  std::vector<NamedFile> pair_files(long pair) const {
    std::vector<NamedFile> names;
    if (flow_pattern_) names.push_back({"-o", flow_pattern_->format(pair)});
    if (color_pattern_) names.push_back({"--color", color_pattern_->format(pair)});
    return names;
  }
  std::vector<NamedFile> legend_file() const { return {{"--legend", job_.legend}}; }

  /// Refuses pair k's names where they are an input or a file named once for the whole run.
  /// check_sequence checked the pairs the movie's header announced; this holds past them, for
  /// a movie that does not say how long it is or says too little.
  void check_identity(long pair, const std::vector<NamedFile>& names) const {
    FileSet pair_inputs;
    if (truth_pattern_ && truth_pattern_->numbered())
      pair_inputs.add(truth_pattern_->format(pair), "--gt");
    for (const NamedFile& name : names) {
      const std::string* what = fixed_.find(name.path);
      if (!what) what = pair_inputs.find(name.path);
      if (what)
        throw DataError(name.label + " and " + *what + " name the same file (" + name.path +
                        "): an output may not replace an input or another output");
    }
  }

  static void write_png(OutputFiles& files, const std::string& label,
                        const lkflow::Image<std::uint8_t>& rgb) {
    const std::vector<unsigned char> png = encode_png(rgb, 3);
    files.write(label, [&](std::ostream& out) {
      out.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
    });
  }

  void score(long pair, const lkflow::Flow<S>& flow) {
    const std::string path = truth_pattern_->format(pair);
    if (!truth_ || truth_pattern_->numbered()) {  // one file for every pair is read once
      try {
        truth_ = lkflow::read_flo(path);
      } catch (const lkflow::FileError& e) {
        throw DataError(e.path().string() + ": " + e.reason());
      }
    }
    if (truth_->u.rows() != flow.u.rows() || truth_->u.cols() != flow.u.cols())
      throw DataError(path + ": the ground truth is " + std::to_string(truth_->u.cols()) + " x " +
                      std::to_string(truth_->u.rows()) + " px but the frames are " +
                      std::to_string(flow.u.cols()) + " x " + std::to_string(flow.u.rows()) +
                      " px");
    const lkflow::FlowErrors e = lkflow::flow_errors(flow, *truth_);
    report_.scores.push_back({pair, e});
    // The sequence's errors: every scored pixel of every pair weighs the same.
    scored_ += e.scored;
    if (e.scored > 0) {
      const double n = double(e.scored);
      epe_sum_ += n * e.epe;
      angle_sum_ += n * e.angular_error;
      over_1_sum_ += n * e.over_1px;
      over_3_sum_ += n * e.over_3px;
    }
    lkflow::FlowErrors total;
    total.scored = scored_;
    if (scored_ > 0) {
      const double n = double(scored_);
      total.epe = epe_sum_ / n;
      total.angular_error = angle_sum_ / n;
      total.over_1px = over_1_sum_ / n;
      total.over_3px = over_3_sum_ / n;
    }
    report_.total = total;
  }

  const SequenceJob& job_;
  SequenceReport& report_;
  std::optional<FilePattern> flow_pattern_, color_pattern_, truth_pattern_;
  std::unique_ptr<VideoWriter> color_movie_;
  std::unique_ptr<OutputFiles> legend_;
  FileSet fixed_;
  MemoryBuffer flo_;
  std::optional<lkflow::Flow<float>> truth_;
  Eigen::Index scored_ = 0;
  double epe_sum_ = 0, angle_sum_ = 0, over_1_sum_ = 0, over_3_sum_ = 0;
};

/// Frame k to frame k + 1 into `out`, from `initial` when there is one.
template <class S>
void compute_pair(const SequenceJob& job, const Frame& frame0, const Frame& frame1,
                  const lkflow::Flow<S>* initial, lkflow::Flow<S>& out,
                  lkflow::PyramidWorkspace<S>& workspace) {
  std::visit(
      [&](const auto& I0) {
        using Pixels = std::decay_t<decltype(I0)>;
        const Pixels& I1 = std::get<Pixels>(frame1.pixels);  // a source gives one pixel type
        if (job.single_scale)
          lkflow::dense_flow(I0, I1, job.dense, out);
        else if (initial)
          lkflow::pyramidal_flow(I0, I1, *initial, job.pyramid, out, workspace);
        else
          lkflow::pyramidal_flow(I0, I1, job.pyramid, out, workspace);
      },
      frame0.pixels);
}

/// The three stages and the queues between them.
template <class S>
class Pipeline {
 public:
  Pipeline(const SequenceJob& job, FrameSource& source, PairWriter<S>& writer, Progress& progress)
      : job_(job), source_(source), writer_(writer), progress_(progress) {
    // Every buffer that will ever circulate, made up front: the reader fills one while the
    // queue is full and the flow stage holds two; the flow stage holds two flows (the newest is
    // the next pair's initial flow) while the writer works on one and the queue is full.
    for (std::size_t i = 0; i < frame_queue_size + 3; ++i) free_frames_.push(Frame());
    for (std::size_t i = 0; i < flow_queue_size + 3; ++i) free_flows_.push(FlowItem<S>());
  }

  /// Runs the stages until the input ends, a signal arrives or an error happens.
  void run() {
    JoinedThreads threads;
    try {
      threads.reader = std::thread([&] {
        yield_to_flow();
        read_frames();
      });
      threads.writer = std::thread([&] {
        yield_to_flow();
        write_flows();
      });
      compute_flows();
    } catch (...) {
      failure_.set(current_error());
      close_all();
    }
  }

  const Failure& failure() const { return failure_; }
  /// The reader's error (a damaged movie, an unreadable image), empty if none.
  const std::string& read_error() const { return read_error_; }
  /// Frames the flow stage took from the reader: the frames of the pairs computed (frames read
  /// ahead and left when the run stopped are not counted).
  long frames_used() const { return frames_seen_; }

 private:
  void close_all() {
    frames_.close();
    free_frames_.close();
    flows_.close();
    free_flows_.close();
  }

  bool stopping() const { return failure_.failed() || StopOnSignal::flag().load(); }

  void read_frames() {
    try {
      Frame frame;
      while (!stopping() && free_frames_.pop(frame) && source_.read(frame)) {
        if (!frames_.push(std::move(frame))) break;
      }
    } catch (const DataError& e) {
      read_error_ = e.what();  // the frames before it are still used
    } catch (...) {
      failure_.set(current_error());
      close_all();
    }
    frames_.close();
  }

  void compute_flows() {
    struct CloseOnExit {
      Pipeline& p;
      ~CloseOnExit() {
        p.flows_.close();
        p.frames_.close();  // a reader still decoding stops at its next push
        p.free_frames_.close();
      }
    } close_on_exit{*this};
    lkflow::PyramidWorkspace<S> workspace;
    Frame previous, frame;
    FlowItem<S> newest, item;  // newest: the last flow computed, the next pair's initial flow
    long pairs = 0;
    // The signal is polled before each pair: the pair being computed when it comes is finished.
    while (!stopping() && frames_.pop(frame)) {
      if (++frames_seen_ == 1) {
        previous = std::move(frame);
        continue;
      }
      if (!free_flows_.pop(item)) break;
      item.pair = pairs;
      const auto start = std::chrono::steady_clock::now();
      compute_pair(job_, previous, frame, pairs > 0 ? &newest.flow : nullptr, item.flow, workspace);
      item.flow_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      // The flow before it is no longer needed as an initial flow: now it can be written.
      if (pairs > 0 && !flows_.push(std::move(newest))) return;
      newest = std::move(item);
      ++pairs;
      free_frames_.push(std::move(previous));
      previous = std::move(frame);
    }
    if (pairs > 0 && !failure_.failed()) flows_.push(std::move(newest));
  }

  void write_flows() {
    FlowItem<S> item;
    while (flows_.pop(item) && !failure_.failed()) {
      try {
        writer_.write(item);
      } catch (...) {
        failure_.set(current_error());
        close_all();
        break;
      }
      progress_.update(item.pair + 2);
      free_flows_.push(std::move(item));
    }
  }

  const SequenceJob& job_;
  FrameSource& source_;
  PairWriter<S>& writer_;
  Progress& progress_;
  BoundedQueue<Frame> frames_{frame_queue_size}, free_frames_{frame_queue_size + 3};
  BoundedQueue<FlowItem<S>> flows_{flow_queue_size}, free_flows_{flow_queue_size + 3};
  Failure failure_;
  std::string read_error_;
  long frames_seen_ = 0;  // by the flow stage
};

std::string signal_text(int signal) {
  return std::string("interrupted by ") + (signal == SIGINT    ? "SIGINT"
                                           : signal == SIGTERM ? "SIGTERM"
                                                               : std::to_string(signal));
}

/// What was kept, for the message of an error that ends a run.
std::string kept_text(const SequenceReport& report, const SequenceJob& job) {
  if (job.flow_pattern.empty() && job.color.empty() && job.legend.empty()) return "";
  if (report.pairs == 0) return " (nothing was written)";
  return " (the outputs of pairs 0 to " + std::to_string(report.pairs - 1) +
         " are complete and kept)";
}

template <class S>
int run_with(const SequenceJob& job, FrameSource& source, SequenceReport& report,
             std::ostream& out) {
  PairWriter<S> writer(job, source, report);
  Progress progress(!job.quiet, source.frames, source.frames_estimated);
  const auto start = std::chrono::steady_clock::now();
  Pipeline<S> pipeline(job, source, writer, progress);
  pipeline.run();
  report.frames = pipeline.frames_used();
  report.signal = StopOnSignal::signal_number();

  const bool failed = pipeline.failure().failed();
  std::string error = failed ? pipeline.failure().message() : pipeline.read_error();
  if (error.empty() && report.signal == 0 && report.pairs == 0)
    error = report.input + ": it has only one frame; a flow needs two";
  try {
    // Complete what was written, unless the outputs themselves failed.
    if (!failed) writer.finish();
  } catch (...) {
    if (error.empty()) error = current_error();
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.clear();
  if (!error.empty() && (failed || report.signal == 0))
    throw DataError(error + kept_text(report, job));

  if (job.json)
    print_json(out, report);
  else if (!job.quiet)
    print_text(out, report);
  if (report.signal == 0) return 0;
  out.flush();
  std::fprintf(stderr, "lkflow: %s after %ld pairs; every file written is complete\n",
               signal_text(report.signal).c_str(), report.pairs);
  return 128 + report.signal;
}

}  // namespace

bool is_image_name(const std::string& path) {
  static const std::set<std::string> known{".png", ".jpg", ".jpeg", ".bmp",
                                           ".tga", ".pgm", ".ppm",  ".pnm"};
  return known.count(lower_extension(path)) > 0;
}

bool is_movie_name(const std::string& path) {
  static const std::set<std::string> known{".mp4", ".mkv", ".avi", ".mov"};
  return known.count(lower_extension(path)) > 0;
}

void check_sequence(const SequenceJob& job, long movie_pairs) {
  auto fail = [](const std::string& message) { throw UsageError(message); };
  if (!job.movie.empty() && !video_support()) fail(job.movie + ": " + no_video_support_reason());
  auto pattern = [&](const char* flag, const std::string& text) {
    try {
      return FilePattern(text);
    } catch (const std::invalid_argument& e) {
      fail(std::string(flag) + ": " + e.what());
    }
    return FilePattern("");  // not reached: fail throws
  };
  std::vector<std::pair<std::string, FilePattern>> numbered;  // the outputs written per pair
  if (!job.flow_pattern.empty()) {
    FilePattern p = pattern("-o", job.flow_pattern);
    if (!p.numbered())
      fail("-o " + job.flow_pattern +
           ": a sequence writes a flow per pair, so -o needs a number field, e.g. "
           "flows/%05d.flo");
    numbered.emplace_back("-o", p);
  }
  if (!job.color.empty()) {
    if (is_movie_name(job.color)) {
      if (!video_support()) fail("--color " + job.color + ": " + no_video_support_reason());
    } else {
      FilePattern p = pattern("--color", job.color);
      if (!p.numbered())
        fail("--color " + job.color +
             ": a sequence needs a number field (e.g. colors/%05d.png) or a movie name ending "
             "in .mp4, .mkv, .avi or .mov");
      numbered.emplace_back("--color", p);
    }
  }
  std::optional<FilePattern> truth;
  if (!job.truth.empty()) truth = pattern("--gt", job.truth);

  // No output may be an input or another output. An image list's numbered names are checked
  // for every pair; a movie's for the pairs its header announces (pair 0 before it is opened).
  FileSet inputs;
  if (!job.movie.empty()) inputs.add(job.movie, "MOVIE");
  for (std::size_t k = 0; k < job.images.size(); ++k)
    inputs.add(job.images[k], "frame " + std::to_string(k));
  const long pairs = !job.images.empty() ? long(job.images.size()) - 1 : std::max(1L, movie_pairs);
  if (truth)
    for (long k = 0; k < (truth->numbered() ? pairs : 1); ++k) inputs.add(truth->format(k), "--gt");
  FileSet outputs;
  auto check_output = [&](const std::string& flag, const std::string& name) {
    if (const std::string* what = inputs.find(name))
      fail(flag + " and " + *what + " name the same file (" + name +
           "): an output may not replace an input");
    if (const std::string* other = outputs.find(name))
      fail(flag + " and " + *other + " name the same file (" + name + ")");
    outputs.add(name, flag);
  };
  for (const auto& [flag, p] : numbered)
    for (long k = 0; k < pairs; ++k) check_output(flag, p.format(k));
  if (!job.color.empty() && is_movie_name(job.color)) check_output("--color", job.color);
  if (!job.legend.empty()) check_output("--legend", job.legend);
}

int run_sequence(const SequenceJob& job, std::ostream& out) {
  check_sequence(job, -1);
  StopOnSignal signals;
  std::unique_ptr<FrameSource> source;
  try {
    source = job.movie.empty() ? open_images(job.images, job.limits)
                               : open_movie(job.movie, &StopOnSignal::flag(), job.limits);
  } catch (const DataError&) {
    if (StopOnSignal::signal_number() == 0) throw;  // else FFmpeg only stopped as asked
  }
  if (StopOnSignal::signal_number() != 0) {  // while the movie was being opened
    std::fprintf(stderr, "lkflow: %s before the first pair; nothing was written\n",
                 signal_text(StopOnSignal::signal_number()).c_str());
    return 128 + StopOnSignal::signal_number();
  }
  // Now that the movie says how long it is, every pair it announces is checked.
  if (!job.movie.empty() && source->frames > 1 && !source->frames_estimated)
    check_sequence(job, source->frames - 1);

  SequenceReport report;
  report.movie = !job.movie.empty();
  report.input = report.movie ? job.movie : job.images.front() + " to " + job.images.back();
  report.codec = source->codec;
  report.fps = source->fps;
  Report& m = report.method;
  m.width = source->width;
  m.height = source->height;
  m.bits = source->bits;
  m.pyramidal = !job.single_scale;
  if (job.single_scale) {
    m.radius = job.dense.radius;
    m.min_eigenvalue = job.dense.min_eigenvalue;
    m.threads = job.dense.threads;
  } else {
    m.radius = job.pyramid.radius;
    m.min_eigenvalue = job.pyramid.min_eigenvalue;
    m.levels = lkflow::pyramid_levels(source->height, source->width, job.pyramid.levels);
    m.iterations = job.pyramid.iterations;
    m.coarse_iterations = std::max(job.pyramid.iterations, job.pyramid.coarse_iterations);
    m.fill_strength = job.pyramid.fill_strength;
    m.median = job.pyramid.median;
    m.neighbor_candidates = job.pyramid.neighbor_candidates;
    m.candidate_min_change = job.pyramid.candidate_min_change;
    m.candidates_every_iteration = job.pyramid.candidates_every_iteration;
    m.preset = job.preset;
    m.threads = job.pyramid.threads;
  }
  if (m.threads == 0) m.threads = std::max(1, int(std::thread::hardware_concurrency()));
  m.use_double = job.use_double;
  return job.use_double ? run_with<double>(job, *source, report, out)
                        : run_with<float>(job, *source, report, out);
}

}  // namespace lkflow_app
