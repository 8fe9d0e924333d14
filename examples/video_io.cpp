// VideoReader and VideoWriter on FFmpeg's libraries, in the order of FFmpeg's
// doc/examples/demux_decode.c and encode_video.c: demux packets, send them to the decoder,
// receive frames until it asks for more, and at the end send an empty packet (or frame) and
// receive until it reports the end, so that no frame the codec still holds is lost.
#include "video_io.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <system_error>

#include <lkflow/detail/atomic_file.hpp>

#include "ffmpeg_handles.hpp"

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace lkflow_app {

namespace fs = std::filesystem;
using namespace ffmpeg;

namespace {

// Bounds checked before anything of a frame's size is allocated, as image_io checks images: a
// damaged or hostile header must not make the program allocate gigabytes.
bool size_ok(int width, int height, std::uint64_t max_pixels) {
  return width > 0 && height > 0 && std::uint64_t(width) <= max_frame_side &&
         std::uint64_t(height) <= max_frame_side &&
         std::uint64_t(width) * std::uint64_t(height) <= max_pixels;
}

std::string limits_text(std::uint64_t max_pixels) {
  return "frames may have at most " + std::to_string(max_pixels) + " px (--max-pixels) and " +
         std::to_string(max_frame_side) + " px a side";
}

std::string size_text(int width, int height) {
  return std::to_string(width) + " x " + std::to_string(height) + " px";
}

}  // namespace

bool video_support() { return true; }

std::string no_video_support_reason() { return ""; }

// ---- VideoReader ----

struct VideoReader::Impl {
  std::string path;
  const std::atomic<bool>* stop = nullptr;
  std::uint64_t max_pixels = default_max_pixels;
  InputContext input;
  CodecContext decoder;
  AvPacket packet;
  AvFrame frame;
  Scaler scaler;
  int stream = -1;
  VideoInfo info;
  long decoded = 0;   // frames received from the decoder
  long packets = 0;   // packets of the video stream read
  long returned = 0;  // frames returned by read()
  bool ended = false;
  bool have_first = false;  // `first` holds frame 0, decoded by the constructor
  // An error FFmpeg logged while it read ahead to find the stream's parameters (a file cut off
  // within the packets it read then): raised when reading reaches the end of those packets.
  std::string read_ahead_error;
  lkflow::Image<std::uint8_t> first;

  [[noreturn]] void fail(const std::string& reason) const { throw DataError(path + ": " + reason); }
  [[noreturn]] void fail_frame(const std::string& reason) const {
    fail("frame " + std::to_string(decoded) + ": " + reason);
  }
  bool stopped() const { return stop && stop->load(); }

  static int interrupt(void* self) { return static_cast<Impl*>(self)->stopped() ? 1 : 0; }

  void open() {
    std::error_code ec;
    const fs::file_type type = fs::status(path, ec).type();
    if (type == fs::file_type::not_found) fail("no such file");
    if (type == fs::file_type::directory) fail("it is a folder, not a movie");

    LogCapture log;
    AVFormatContext* context = avformat_alloc_context();
    if (!context) throw std::bad_alloc();
    context->interrupt_callback.callback = &Impl::interrupt;
    context->interrupt_callback.opaque = this;
    int err = avformat_open_input(&context, path.c_str(), nullptr, nullptr);  // frees on error
    if (err < 0) fail("not a movie FFmpeg can read: " + error_text(err, log));
    input.reset(context);
    err = avformat_find_stream_info(context, nullptr);
    if (err < 0) fail("cannot read its streams: " + error_text(err, log));
    read_ahead_error = log.first_error();

    const AVCodec* codec = nullptr;
    stream = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream == AVERROR_STREAM_NOT_FOUND) fail("no video stream in it");
    if (stream == AVERROR_DECODER_NOT_FOUND) fail("this FFmpeg has no decoder for its video codec");
    if (stream < 0) fail("cannot choose its video stream: " + error_text(stream, log));
    AVStream* video = context->streams[stream];
    if (video->disposition & AV_DISPOSITION_ATTACHED_PIC)
      fail("its only video is a still picture (cover art)");
    const AVCodecParameters* parameters = video->codecpar;
    if (!size_ok(parameters->width, parameters->height, max_pixels))
      fail("its header claims frames of " + size_text(parameters->width, parameters->height) +
           ": too large; " + limits_text(max_pixels));

    decoder.reset(avcodec_alloc_context3(codec));
    if (!decoder) throw std::bad_alloc();
    err = avcodec_parameters_to_context(decoder.get(), parameters);
    if (err < 0) fail("cannot set up its decoder: " + error_text(err, log));
    // Report damaged data as errors instead of concealing it, and check checksums where the
    // format has them (FFV1 slices, for instance).
    decoder->err_recognition |= AV_EF_EXPLODE | AV_EF_CRCCHECK;
    // One decoding thread: the flow computation keeps the other cores busy, and frame threads
    // would only add latency and copies.
    decoder->thread_count = 1;
    err = avcodec_open2(decoder.get(), codec, nullptr);
    if (err < 0)
      fail("cannot open its " + std::string(codec->name) + " decoder: " + error_text(err, log));

    packet.reset(av_packet_alloc());
    frame.reset(av_frame_alloc());
    if (!packet || !frame) throw std::bad_alloc();

    info.codec = codec->name;
    const AVRational rate = av_guess_frame_rate(context, video, nullptr);
    info.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
    if (video->nb_frames > 0) {
      info.frames = long(video->nb_frames);
    } else if (info.fps > 0 && context->duration > 0) {
      info.frames = long(double(context->duration) / AV_TIME_BASE * info.fps + 0.5);
      info.frames_estimated = true;
    }

    if (!decode(first)) {
      if (stopped()) return;
      fail("it has no video frames");
    }
    have_first = true;
    info.width = int(first.cols());
    info.height = int(first.rows());
  }

  /// The next frame from the decoder into `gray`; false at the end of the stream.
  bool decode(lkflow::Image<std::uint8_t>& gray) {
    LogCapture log;
    while (!ended) {
      int err = avcodec_receive_frame(decoder.get(), frame.get());
      if (err == 0) {
        convert(gray, log);
        ++decoded;
        return true;
      }
      if (err == AVERROR_EOF) {
        ended = true;
        break;
      }
      if (err != AVERROR(EAGAIN)) fail_frame("cannot decode it: " + error_text(err, log));
      if (!log.first_error().empty()) fail_frame("damaged: " + log.first_error());

      // The decoder needs more input.
      err = av_read_frame(input.get(), packet.get());
      if (err == AVERROR_EXIT && stopped()) return false;
      if (err == AVERROR_EOF) {
        if (!log.first_error().empty()) fail_frame("cannot read it: " + log.first_error());
        if (!read_ahead_error.empty()) fail_frame("cannot read it: " + read_ahead_error);
        err = avcodec_send_packet(decoder.get(), nullptr);  // drain the frames it holds
        if (err < 0 && err != AVERROR_EOF) fail_frame("cannot decode it: " + error_text(err, log));
        continue;
      }
      if (err < 0) fail_frame("cannot read it: " + error_text(err, log));
      if (packet->stream_index != stream) {
        av_packet_unref(packet.get());
        continue;
      }
      ++packets;
      err = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      if (err < 0) fail_frame("cannot decode it: " + error_text(err, log));
      if (!log.first_error().empty()) fail_frame("damaged: " + log.first_error());
    }
    // The end: fewer packets than the header announced frames means a cut-off file. (Packets,
    // not frames: an edit list may hide frames that are nevertheless all there.)
    if (!info.frames_estimated && info.frames > 0 && packets < info.frames)
      fail("it ends after frame " + std::to_string(decoded - 1) + ", but its header announces " +
           std::to_string(info.frames) + " frames: the file is truncated or damaged");
    return false;
  }

  void convert(lkflow::Image<std::uint8_t>& gray, const LogCapture& log) {
    struct Unref {
      AVFrame* f;
      ~Unref() { av_frame_unref(f); }
    } unref{frame.get()};
    const int width = frame->width, height = frame->height;
    if ((frame->flags & AV_FRAME_FLAG_CORRUPT) || frame->decode_error_flags)
      fail_frame("damaged: the decoder found errors in it" +
                 (log.first_error().empty() ? std::string() : " (" + log.first_error() + ")"));
    if (!log.first_error().empty()) fail_frame("damaged: " + log.first_error());
    if (!size_ok(width, height, max_pixels))
      fail_frame("it is " + size_text(width, height) + ", too large; " + limits_text(max_pixels));
    if (decoded > 0 && (width != info.width || height != info.height))
      fail_frame("it is " + size_text(width, height) + " but the frames before it are " +
                 size_text(info.width, info.height) +
                 ": the frame size must not change within a movie");

    if (gray.rows() != height || gray.cols() != width) gray.resize(height, width);
    const AVPixelFormat format = static_cast<AVPixelFormat>(frame->format);
    if (const std::uint8_t* lut = luma_table(format, frame->color_range)) {
      // 8-bit luma in the first plane (nearly every movie): the gray frame is that plane,
      // expanded from limited range through a table. libswscale takes about 1 ms a frame at
      // 854x480 for the same result.
      for (int y = 0; y < height; ++y) {
        const std::uint8_t* in = frame->data[0] + std::ptrdiff_t(y) * frame->linesize[0];
        std::uint8_t* out = gray.data() + std::ptrdiff_t(y) * width;
        for (int x = 0; x < width; ++x) out[x] = lut[in[x]];
      }
      return;
    }
    scaler.reset(sws_getCachedContext(scaler.release(), width, height, format, width, height,
                                      AV_PIX_FMT_GRAY8, SWS_POINT, nullptr, nullptr, nullptr));
    if (!scaler) fail_frame("cannot convert its pixel format to gray");
    std::uint8_t* planes[4] = {gray.data(), nullptr, nullptr, nullptr};
    const int strides[4] = {width, 0, 0, 0};
    if (sws_scale(scaler.get(), frame->data, frame->linesize, 0, height, planes, strides) != height)
      fail_frame("cannot convert its pixel format to gray");
  }

  /// For pixel formats whose first plane is 8-bit luma (or gray), the table from its values to
  /// gray 0..255: the identity for full range, (Y - 16) * 255 / 219 rounded for limited range
  /// (ITU-R BT.601/709, "MPEG" range: black 16, white 235). Null for other formats.
  static const std::uint8_t* luma_table(AVPixelFormat format, AVColorRange range) {
    static const auto tables = [] {
      std::array<std::array<std::uint8_t, 256>, 2> t{};
      for (int v = 0; v < 256; ++v) {
        t[0][std::size_t(v)] = std::uint8_t(v);
        t[1][std::size_t(v)] =
            std::uint8_t(std::clamp(std::lround((v - 16) * 255.0 / 219.0), 0L, 255L));
      }
      return t;
    }();
    switch (format) {
      case AV_PIX_FMT_GRAY8:
      case AV_PIX_FMT_YUVJ420P:
      case AV_PIX_FMT_YUVJ422P:
      case AV_PIX_FMT_YUVJ444P:
        return tables[0].data();
      case AV_PIX_FMT_YUV420P:
      case AV_PIX_FMT_YUV422P:
      case AV_PIX_FMT_YUV444P:
      case AV_PIX_FMT_NV12:
      case AV_PIX_FMT_NV21:
        return range == AVCOL_RANGE_JPEG ? tables[0].data() : tables[1].data();
      default:
        return nullptr;
    }
  }
};

VideoReader::VideoReader(const std::string& path, const std::atomic<bool>* stop,
                         std::uint64_t max_pixels)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->stop = stop;
  impl_->max_pixels = max_pixels;
  impl_->open();
}

VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }

long VideoReader::frames_read() const { return impl_->returned; }

bool VideoReader::read(lkflow::Image<std::uint8_t>& gray) {
  if (impl_->have_first) {
    impl_->have_first = false;
    gray.swap(impl_->first);
    impl_->first = lkflow::Image<std::uint8_t>();
  } else if (impl_->stopped() || !impl_->decode(gray)) {
    return false;
  }
  ++impl_->returned;
  return true;
}

// ---- VideoWriter ----

struct VideoWriter::Impl {
  std::string label;
  fs::path target, temporary;
  int width = 0, height = 0;  // of the frames given to write()
  Pixels pixels = Pixels::rgb24;
  OutputContext output;
  CodecContext encoder;
  AVStream* stream = nullptr;
  AvFrame frame;
  AvPacket packet;
  Scaler scaler;
  long written = 0;
  bool finished = false;
  bool file_open = false;

  [[noreturn]] void fail(const std::string& reason) const {
    throw DataError("cannot write " + label + " " + target.string() + ": " + reason);
  }

  void open(const VideoWriterSettings& settings) {
    // As every output of the program: its folder must exist, and only a regular file is
    // replaced (never a folder, symbolic link, device, FIFO or socket).
    if (const std::string reason = lkflow::detail::unwritable_reason(target); !reason.empty())
      fail(reason);
    if (!size_ok(width, height, std::numeric_limits<std::uint64_t>::max()))
      fail("frames of " + size_text(width, height) + " cannot be written");
    if (!(settings.fps > 0 && settings.fps < 1e6))
      fail("the frame rate must be positive, got " + std::to_string(settings.fps));

    LogCapture log;
    const AVOutputFormat* format = av_guess_format(nullptr, target.string().c_str(), nullptr);
    if (!format) fail("FFmpeg knows no movie format by this name; end it in .mp4, .mkv or .avi");

    const AVCodec* codec = nullptr;
    if (!settings.codec.empty()) {
      codec = avcodec_find_encoder_by_name(settings.codec.c_str());
      if (!codec) fail("this FFmpeg has no encoder " + settings.codec);
    } else {
      codec = avcodec_find_encoder_by_name("libx264");
      if (!codec || avformat_query_codec(format, codec->id, FF_COMPLIANCE_NORMAL) != 1)
        codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
      if (!codec) fail("this FFmpeg has neither an H.264 nor an MPEG-4 encoder");
    }

    const AVPixelFormat input_format =
        pixels == Pixels::gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
    const AVPixelFormat coded_format = settings.pixel_format.empty()
                                           ? AV_PIX_FMT_YUV420P
                                           : av_get_pix_fmt(settings.pixel_format.c_str());
    bool supported = codec->pix_fmts == nullptr;  // null: the encoder does not say
    for (const AVPixelFormat* f = codec->pix_fmts; f && *f != AV_PIX_FMT_NONE; ++f)
      supported = supported || *f == coded_format;
    if (coded_format == AV_PIX_FMT_NONE || !supported)
      fail(std::string("the encoder ") + codec->name + " does not take the pixel format " +
           (settings.pixel_format.empty() ? "yuv420p" : settings.pixel_format));
    // Subsampled chroma (4:2:0: planes of half the size) needs sides that are multiples of 2.
    const AVPixFmtDescriptor* layout = av_pix_fmt_desc_get(coded_format);
    const int coded_width = width & ~((1 << layout->log2_chroma_w) - 1);
    const int coded_height = height & ~((1 << layout->log2_chroma_h) - 1);
    if (coded_width < 1 || coded_height < 1)
      fail("frames of " + size_text(width, height) + " are too small for " +
           av_get_pix_fmt_name(coded_format));

    AVFormatContext* context = nullptr;
    int err = avformat_alloc_output_context2(&context, format, nullptr, temporary.c_str());
    if (err < 0 || !context) fail("cannot set up the movie: " + error_text(err, log));
    output.reset(context);

    encoder.reset(avcodec_alloc_context3(codec));
    if (!encoder) throw std::bad_alloc();
    const AVRational rate = av_d2q(settings.fps, 65535);
    encoder->width = coded_width;
    encoder->height = coded_height;
    encoder->pix_fmt = coded_format;
    encoder->framerate = rate;
    encoder->time_base = av_inv_q(rate);
    if (format->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    const std::string name = codec->name;
    if (name == "libx264") {
      av_opt_set(encoder->priv_data, "preset", "veryfast", 0);
      av_opt_set_int(encoder->priv_data, "crf", settings.quality >= 0 ? settings.quality : 18, 0);
    } else if (name == "mpeg4") {
      encoder->flags |= AV_CODEC_FLAG_QSCALE;
      encoder->global_quality = FF_QP2LAMBDA * (settings.quality >= 1 ? settings.quality : 3);
    } else if (name == "ffv1") {
      encoder->level = 3;  // version 3: checksums in every slice
      av_opt_set_int(encoder->priv_data, "slicecrc", 1, 0);
    }
    err = avcodec_open2(encoder.get(), codec, nullptr);
    if (err < 0) fail("cannot open the " + name + " encoder: " + error_text(err, log));

    stream = avformat_new_stream(context, nullptr);
    if (!stream) throw std::bad_alloc();
    stream->time_base = encoder->time_base;
    err = avcodec_parameters_from_context(stream->codecpar, encoder.get());
    if (err < 0) fail("cannot set up the stream: " + error_text(err, log));

    if (!(format->flags & AVFMT_NOFILE)) {
      err = avio_open(&context->pb, temporary.c_str(), AVIO_FLAG_WRITE);
      if (err < 0) fail("cannot create a file there: " + error_text(err, log));
    }
    file_open = true;
    err = avformat_write_header(context, nullptr);
    if (err < 0) fail("cannot write the movie's header: " + error_text(err, log));

    frame.reset(av_frame_alloc());
    packet.reset(av_packet_alloc());
    if (!frame || !packet) throw std::bad_alloc();
    frame->format = coded_format;
    frame->width = coded_width;
    frame->height = coded_height;
    err = av_frame_get_buffer(frame.get(), 0);
    if (err < 0) fail("cannot allocate a frame: " + error_text(err, log));
    scaler.reset(sws_getContext(coded_width, coded_height, input_format, coded_width, coded_height,
                                coded_format, SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!scaler) fail("cannot convert frames to " + std::string(av_get_pix_fmt_name(coded_format)));
  }

  /// Sends `input` (null: the end) to the encoder and writes every packet it returns.
  void encode(const AVFrame* input, LogCapture& log) {
    int err = avcodec_send_frame(encoder.get(), input);
    if (err < 0)
      fail("cannot encode frame " + std::to_string(written) + ": " + error_text(err, log));
    for (;;) {
      err = avcodec_receive_packet(encoder.get(), packet.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err < 0)
        fail("cannot encode frame " + std::to_string(written) + ": " + error_text(err, log));
      // Every frame lasts one tick of the encoder's time base. Encoders (libx264) leave this 0,
      // and MP4's edit list would then end before the last frame, which players drop.
      if (packet->duration == 0) packet->duration = 1;
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      err = av_interleaved_write_frame(output.get(), packet.get());  // takes the packet's data
      if (err < 0) fail("write error: " + error_text(err, log));
    }
  }

  void discard() {
    if (!file_open) return;
    output.reset();  // closes the file
    std::error_code ignored;
    fs::remove(temporary, ignored);
    file_open = false;
  }
};

VideoWriter::VideoWriter(const std::string& label, const std::string& path, int width, int height,
                         Pixels pixels, const VideoWriterSettings& settings)
    : impl_(std::make_unique<Impl>()) {
  impl_->label = label;
  impl_->target = path;
  impl_->temporary = lkflow::detail::temporary_sibling(impl_->target);
  impl_->width = width;
  impl_->height = height;
  impl_->pixels = pixels;
  try {
    impl_->open(settings);
  } catch (...) {
    impl_->discard();
    throw;
  }
}

VideoWriter::~VideoWriter() {
  if (!impl_->finished) impl_->discard();
}

void VideoWriter::write(const lkflow::Image<std::uint8_t>& pixels) {
  Impl& w = *impl_;
  if (w.finished) w.fail("write() after finish()");
  const Eigen::Index channels = w.pixels == Pixels::gray8 ? 1 : 3;
  if (pixels.rows() != w.height || pixels.cols() != channels * w.width)
    w.fail("frame " + std::to_string(w.written) + " has " + std::to_string(pixels.rows()) +
           " rows of " + std::to_string(pixels.cols()) + " values, expected " +
           std::to_string(w.height) + " of " + std::to_string(channels * w.width));
  LogCapture log;
  const int err = av_frame_make_writable(w.frame.get());
  if (err < 0) w.fail("cannot allocate a frame: " + error_text(err, log));
  const std::uint8_t* planes[4] = {pixels.data(), nullptr, nullptr, nullptr};
  const int strides[4] = {int(pixels.cols()), 0, 0, 0};
  sws_scale(w.scaler.get(), planes, strides, 0, w.frame->height, w.frame->data, w.frame->linesize);
  w.frame->pts = w.written;
  w.encode(w.frame.get(), log);
  ++w.written;
}

void VideoWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) return;
  LogCapture log;
  w.encode(nullptr, log);  // drain the frames the encoder still holds
  int err = av_write_trailer(w.output.get());
  if (err < 0) w.fail("cannot complete the movie: " + error_text(err, log));
  if (w.output->pb && !(w.output->oformat->flags & AVFMT_NOFILE)) {
    err = avio_closep(&w.output->pb);
    if (err < 0) w.fail("write error: " + error_text(err, log));
  }
  std::error_code ec;
  fs::rename(w.temporary, w.target, ec);
  if (ec) w.fail("cannot replace it: " + ec.message());
  w.finished = true;
  w.output.reset();
}

long VideoWriter::frames_written() const { return impl_->written; }

std::string VideoWriter::codec() const { return impl_->encoder->codec->name; }

}  // namespace lkflow_app
