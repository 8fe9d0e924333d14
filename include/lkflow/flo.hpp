// Reading and writing flow fields in the Middlebury .flo format (Baker et al., IJCV 2011, and
// the flowIO code of its benchmark): float32 tag 202021.25 (the bytes "PIEH"), int32 width,
// int32 height, then width*height float32 pairs (u, v) in row-major order, all little-endian.
// A .flo file holds no confidence; unknown vectors hold 1e10 (see unknown_flow.hpp).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <string>
#include <system_error>
#include <type_traits>

#include "detail/atomic_file.hpp"
#include "detail/check_args.hpp"
#include "file_error.hpp"
#include "image.hpp"
#include "unknown_flow.hpp"

namespace lkflow {

/// The first four bytes of every .flo file, as a little-endian float32.
inline constexpr float flo_tag = 202021.25f;

/// The largest width or height read_flo accepts (and write_flo writes), pixels. It keeps a
/// corrupt header from claiming an absurd size; real images are far smaller.
inline constexpr std::int32_t max_flo_side = 100000;

namespace detail {

inline constexpr std::streamoff flo_header_bytes = 12;
/// Bytes of the fixed buffer that .flo data passes through, so that reading and writing
/// allocate nothing beyond the flow itself.
inline constexpr std::size_t flo_chunk_bytes = 4096;

inline std::uint32_t load_u32_le(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}

inline void store_u32_le(unsigned char* p, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(x >> (8 * i));
}

inline std::uint32_t float_bits(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

inline float bits_float(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// value as float32; doubles beyond float's range become +-inf (a plain cast would be undefined).
template <class S>
float to_float32(S value) {
  if constexpr (std::is_same_v<S, float>) {
    return value;
  } else {
    constexpr double largest = std::numeric_limits<float>::max();
    if (value > largest) return std::numeric_limits<float>::infinity();
    if (value < -largest) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(value);  // NaN stays NaN
  }
}

inline std::string bytes_text(const unsigned char* p, int n) {
  static const char hex[] = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i > 0) text += ' ';
    text += hex[p[i] >> 4];
    text += hex[p[i] & 15];
  }
  return text;
}

template <class S>
void check_flo_shape(const char* func, const Flow<S>& flow) {
  if (flow.u.rows() != flow.v.rows() || flow.u.cols() != flow.v.cols())
    fail(func, "flow.u is " + size_text(flow.u.rows(), flow.u.cols()) + " but flow.v is " +
                   size_text(flow.v.rows(), flow.v.cols()));
  if (flow.u.size() == 0) fail(func, "the flow is empty (" + size_text(0, 0) + ")");
  if (flow.u.rows() > max_flo_side || flow.u.cols() > max_flo_side)
    fail(func, "the flow is " + size_text(flow.u.rows(), flow.u.cols()) +
                   ", larger than a .flo file may be (" + std::to_string(max_flo_side) +
                   " per side)");
}

}  // namespace detail

namespace detail {

/// Writes the .flo bytes of `flow` to `out` until done or the stream fails; the caller checks.
template <class S>
void put_flo(std::ostream& out, const Flow<S>& flow) {
  unsigned char buffer[flo_chunk_bytes];
  store_u32_le(buffer, float_bits(flo_tag));
  store_u32_le(buffer + 4, std::uint32_t(flow.u.cols()));
  store_u32_le(buffer + 8, std::uint32_t(flow.u.rows()));
  out.write(reinterpret_cast<const char*>(buffer), flo_header_bytes);

  const S* u = flow.u.data();  // Image is row-major: data order is the file's order
  const S* v = flow.v.data();
  const Eigen::Index count = flow.u.size();
  std::size_t used = 0;
  for (Eigen::Index i = 0; i < count && out; ++i) {
    store_u32_le(buffer + used, float_bits(to_float32(u[i])));
    store_u32_le(buffer + used + 4, float_bits(to_float32(v[i])));
    used += 8;
    if (used == sizeof buffer || i + 1 == count) {
      out.write(reinterpret_cast<const char*>(buffer), std::streamsize(used));
      used = 0;
    }
  }
}

}  // namespace detail

/// Writes flow.u and flow.v (flow.confidence is not part of the format) to `out` as a .flo
/// file, rounding double values to float32 (values beyond float's range become +-inf).
/// `name` only labels error messages. Values are written as they are, bit for bit; to mark a
/// vector unknown, store unknown_flow_value in both components. Throws std::invalid_argument when u
/// and v differ in size, are empty or exceed max_flo_side, and FileError when the stream fails
/// ("write error", with the system's reason when the stream's writes set errno).
template <class S>
void write_flo(std::ostream& out, const Flow<S>& flow,
               const std::filesystem::path& name = "stream") {
  constexpr const char* func = "write_flo";
  static_assert(std::is_floating_point_v<S>, "lkflow::write_flo: S must be float or double");
  detail::check_flo_shape(func, flow);
  errno = 0;
  detail::put_flo(out, flow);
  out.flush();
  if (!out)
    throw FileError(
        func, name,
        errno != 0 ? "write error: " + detail::last_error_text() : std::string("write error"));
}

/// Writes `flow` to the .flo file `path` (see the stream overload). The data goes to a new
/// temporary file in the same folder (its name at most 117 bytes long, so any legal `path`
/// works), renamed to `path` once complete: a failure never leaves a partial or truncated file,
/// and an existing `path` is replaced only by a complete one. Only a regular file is replaced.
/// Throws FileError naming the path and the reason: missing folder; `path` is a folder,
/// symbolic link, device or other non-regular file; cannot create; write error with the
/// system's reason (e.g. "No space left on device"); rename failure.
template <class S>
void write_flo(const std::filesystem::path& path, const Flow<S>& flow) {
  constexpr const char* func = "write_flo";
  static_assert(std::is_floating_point_v<S>, "lkflow::write_flo: S must be float or double");
  detail::check_flo_shape(func, flow);
  detail::write_file_atomically(func, path, [&](std::ostream& out) { detail::put_flo(out, flow); });
}

namespace detail {

/// The size a caller expects a .flo file to have; rows < 0: any.
struct FloExpectedSize {
  Eigen::Index rows = -1, cols = -1;
};

inline Flow<float> read_flo_stream(std::istream& in, const std::filesystem::path& name,
                                   FloExpectedSize expected) {
  constexpr const char* func = "read_flo";
  const std::streampos start = in.tellg();
  in.seekg(0, std::ios::end);
  const std::streampos end = in.tellg();
  if (!in || start == std::streampos(-1) || end == std::streampos(-1))
    throw FileError(func, name, "cannot determine the size (not a seekable stream)");
  in.seekg(start);
  const std::streamoff size = end - start;
  if (size < flo_header_bytes)
    throw FileError(
        func, name,
        "truncated: " + std::to_string(size) + " bytes, shorter than the 12-byte .flo header");

  unsigned char buffer[flo_chunk_bytes];
  if (!in.read(reinterpret_cast<char*>(buffer), flo_header_bytes))
    throw FileError(func, name, "read error in the header");
  if (load_u32_le(buffer) != float_bits(flo_tag))
    throw FileError(func, name,
                    "not a .flo file: it starts with the bytes " + bytes_text(buffer, 4) +
                        ", not the tag 202021.25 (\"PIEH\")");
  const auto width = static_cast<std::int32_t>(load_u32_le(buffer + 4));
  const auto height = static_cast<std::int32_t>(load_u32_le(buffer + 8));
  const std::string bound = " (must be 1 to " + std::to_string(max_flo_side) + ")";
  if (width < 1 || width > max_flo_side)
    throw FileError(func, name, "invalid width " + std::to_string(width) + bound);
  if (height < 1 || height > max_flo_side)
    throw FileError(func, name, "invalid height " + std::to_string(height) + bound);
  // The header decides a mismatch: nothing of the data is read.
  if (expected.rows >= 0 && (height != expected.rows || width != expected.cols))
    throw FileError(func, name,
                    "the flow is " + std::to_string(width) + " x " + std::to_string(height) +
                        " px (width x height), but " + std::to_string(expected.cols) + " x " +
                        std::to_string(expected.rows) + " px were expected");
  const std::streamoff expected_bytes =
      flo_header_bytes + 8 * std::streamoff(width) * std::streamoff(height);
  if (size != expected_bytes)
    throw FileError(func, name,
                    std::string(size < expected_bytes ? "truncated" : "extra bytes") +
                        ": the file is " + std::to_string(size) + " bytes, but a " +
                        std::to_string(width) + "x" + std::to_string(height) +
                        " (width x height) .flo file is " + std::to_string(expected_bytes) +
                        " bytes");

  Flow<float> flow;
  flow.u.resize(height, width);
  flow.v.resize(height, width);
  float* u = flow.u.data();
  float* v = flow.v.data();
  const Eigen::Index count = flow.u.size();
  const Eigen::Index per_chunk = Eigen::Index(sizeof buffer / 8);
  for (Eigen::Index first = 0; first < count; first += per_chunk) {
    const Eigen::Index n = std::min(per_chunk, count - first);
    if (!in.read(reinterpret_cast<char*>(buffer), std::streamsize(8 * n)))
      throw FileError(func, name, "read error after " + std::to_string(12 + 8 * first) + " bytes");
    for (Eigen::Index i = 0; i < n; ++i) {
      u[first + i] = bits_float(load_u32_le(buffer + 8 * i));
      v[first + i] = bits_float(load_u32_le(buffer + 8 * i + 4));
    }
  }
  return flow;
}

inline Flow<float> read_flo_file(const std::filesystem::path& path, FloExpectedSize expected) {
  constexpr const char* func = "read_flo";
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) throw FileError(func, path, "no such file");
  if (status.type() == fs::file_type::directory) throw FileError(func, path, "it is a folder");
  if (status.type() != fs::file_type::regular)  // status() follows symbolic links
    throw FileError(func, path, ec ? "cannot read: " + ec.message() : "not a regular file");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(func, path, "cannot open: " + last_error_text());
  return read_flo_stream(in, path, expected);
}

inline FloExpectedSize expected_flo_size(Eigen::Index rows, Eigen::Index cols) {
  if (rows < 1 || cols < 1)
    fail("read_flo", "the expected size must be at least 1x1, got " + size_text(rows, cols));
  return {rows, cols};
}

}  // namespace detail

/// Reads a .flo file from a seekable stream (a file or a string stream), from its current
/// position to its end. Returns u and v; `confidence` is left empty (0x0) since the format has
/// none. Unknown vectors keep their stored values (test them with is_known_flow).
/// Throws FileError naming `name` and the reason when the stream is not seekable, the tag is
/// wrong, the width or height is not within 1..max_flo_side, or the data is not exactly
/// 8*width*height bytes (truncated, or extra bytes). The sizes are checked before anything is
/// allocated, so a corrupt header cannot make it allocate more than the stream holds.
inline Flow<float> read_flo(std::istream& in, const std::filesystem::path& name = "stream") {
  return detail::read_flo_stream(in, name, {});
}

/// As above, for a flow that must be `rows` x `cols` (e.g. the size of the frames it belongs
/// to): the size in the 12-byte header is compared first, so a file of another size is refused
/// (FileError "the flow is W x H px (width x height), but ... were expected") without reading
/// or allocating anything for its data. Throws std::invalid_argument if rows or cols < 1.
inline Flow<float> read_flo(std::istream& in, Eigen::Index rows, Eigen::Index cols,
                            const std::filesystem::path& name = "stream") {
  return detail::read_flo_stream(in, name, detail::expected_flo_size(rows, cols));
}

/// Reads the .flo file `path` (see the stream overload); confidence is left empty (0x0).
/// Throws FileError naming the path and the reason: missing, a folder, not a regular file,
/// cannot be opened, or any format error of the stream overload.
inline Flow<float> read_flo(const std::filesystem::path& path) {
  return detail::read_flo_file(path, {});
}

/// Reads the .flo file `path`, which must hold a `rows` x `cols` flow: checked from its header
/// before any data is read (see the stream overload with an expected size).
inline Flow<float> read_flo(const std::filesystem::path& path, Eigen::Index rows,
                            Eigen::Index cols) {
  return detail::read_flo_file(path, detail::expected_flo_size(rows, cols));
}

}  // namespace lkflow
