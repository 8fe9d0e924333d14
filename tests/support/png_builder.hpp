// PNG files built byte by byte from the specification (ISO/IEC 15948), for tests that need files
// no encoder writes: 16-bit samples, palettes with indices beyond their end, Adam7 interlacing,
// broken checksums. The zlib stream holds stored (uncompressed) deflate blocks, so a test can
// change a pixel's byte in place and know which checksums that breaks: the chunk's CRC-32 and
// the stream's Adler-32 (refresh_crc mends the first, to break only the second).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lkflow_test {

using Bytes = std::vector<unsigned char>;

inline void put_be32(Bytes& out, std::uint32_t x) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t(x >> shift));
}

inline std::uint32_t get_be32(const Bytes& in, std::size_t at) {
  return std::uint32_t(in.at(at)) << 24 | std::uint32_t(in.at(at + 1)) << 16 |
         std::uint32_t(in.at(at + 2)) << 8 | std::uint32_t(in.at(at + 3));
}

/// CRC-32 of ISO 3309 (PNG's chunk checksum), bit by bit.
inline std::uint32_t crc32(const unsigned char* data, std::size_t n) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/// Adler-32 of RFC 1950 (zlib's checksum).
inline std::uint32_t adler32(const Bytes& data) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : data) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return b << 16 | a;
}

/// A zlib stream of `raw` in stored deflate blocks of at most 65535 bytes.
inline Bytes zlib_stored(const Bytes& raw) {
  Bytes z = {0x78, 0x01};
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - at, 65535);
    const bool last = at + n == raw.size();
    const auto len = std::uint16_t(n);
    z.insert(z.end(), {std::uint8_t(last ? 1 : 0), std::uint8_t(len & 0xFF), std::uint8_t(len >> 8),
                       std::uint8_t(~len & 0xFF), std::uint8_t((~len >> 8) & 0xFF)});
    z.insert(z.end(), raw.begin() + long(at), raw.begin() + long(at + n));
    at += n;
  } while (at < raw.size());
  put_be32(z, adler32(raw));
  return z;
}

/// Appends a chunk: length, type, data, CRC of type and data.
inline void put_chunk(Bytes& png, const char* type, const Bytes& data) {
  put_be32(png, std::uint32_t(data.size()));
  const std::size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  put_be32(png, crc32(png.data() + start, png.size() - start));
}

/// The offset of the data of the first chunk of `type` in `png`.
inline std::size_t chunk_data(const Bytes& png, const char* type) {
  for (std::size_t at = 8; at + 8 <= png.size(); at += 12 + get_be32(png, at))
    if (std::memcmp(png.data() + at + 4, type, 4) == 0) return at + 8;
  throw std::logic_error(std::string("no ") + type + " chunk");
}

/// Recomputes the CRC of the chunk whose data starts at `data` (after editing its data).
inline void refresh_crc(Bytes& png, std::size_t data) {
  const std::uint32_t length = get_be32(png, data - 8);
  const std::uint32_t crc = crc32(png.data() + data - 4, length + 4);
  for (int i = 0; i < 4; ++i)
    png[data + length + std::size_t(i)] = std::uint8_t(crc >> (24 - 8 * i));
}

/// What make_png needs besides the pixels.
struct PngHeader {
  std::uint32_t width = 1, height = 1;
  int bit_depth = 8;
  int color_type = 0;  //!< 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA
  bool interlaced = false;
  std::vector<std::pair<std::string, Bytes>> chunks;  //!< between IHDR and IDAT (PLTE, ...)
};

/// The PNG of `rows`: each the bytes of one row of the image as PNG stores it (samples
/// big-endian, bit depths below 8 packed from the high bit), without the filter byte. Interlaced
/// files reorder them into the seven Adam7 passes (whole-byte pixels only). Every row is stored
/// with filter type 0 (None).
inline Bytes make_png(const PngHeader& h, const std::vector<Bytes>& rows) {
  Bytes raw;
  if (!h.interlaced) {
    for (const Bytes& row : rows) {
      raw.push_back(0);
      raw.insert(raw.end(), row.begin(), row.end());
    }
  } else {
    if (h.bit_depth < 8) throw std::logic_error("make_png: interlaced rows need whole bytes");
    const int channels[] = {1, 0, 3, 1, 2, 0, 4};
    const std::size_t pixel = std::size_t(channels[h.color_type] * h.bit_depth / 8);
    // Adam7: pass p takes the pixels at (x0 + k dx, y0 + j dy).
    const int x0[] = {0, 4, 0, 2, 0, 1, 0}, dx[] = {8, 8, 4, 4, 2, 2, 1};
    const int y0[] = {0, 0, 4, 0, 2, 0, 1}, dy[] = {8, 8, 8, 4, 4, 2, 2};
    for (int p = 0; p < 7; ++p) {
      if (std::uint32_t(x0[p]) >= h.width) continue;  // an empty pass has no rows at all
      for (std::uint32_t y = std::uint32_t(y0[p]); y < h.height; y += std::uint32_t(dy[p])) {
        raw.push_back(0);
        for (std::uint32_t x = std::uint32_t(x0[p]); x < h.width; x += std::uint32_t(dx[p]))
          raw.insert(raw.end(), rows[y].begin() + long(x * pixel),
                     rows[y].begin() + long((x + 1) * pixel));
      }
    }
  }
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put_be32(ihdr, h.width);
  put_be32(ihdr, h.height);
  ihdr.insert(ihdr.end(), {std::uint8_t(h.bit_depth), std::uint8_t(h.color_type), 0, 0,
                           std::uint8_t(h.interlaced ? 1 : 0)});
  put_chunk(png, "IHDR", ihdr);
  for (const auto& [type, data] : h.chunks) put_chunk(png, type.c_str(), data);
  put_chunk(png, "IDAT", zlib_stored(raw));
  put_chunk(png, "IEND", {});
  return png;
}

/// Rows of 8-bit samples from a row-major list of `per_row` values per row.
inline std::vector<Bytes> rows8(const std::vector<int>& values, std::size_t per_row) {
  std::vector<Bytes> rows;
  for (std::size_t at = 0; at < values.size(); at += per_row)
    rows.emplace_back(values.begin() + long(at), values.begin() + long(at + per_row));
  return rows;
}

/// Rows of big-endian 16-bit samples.
inline std::vector<Bytes> rows16(const std::vector<int>& values, std::size_t per_row) {
  std::vector<Bytes> rows;
  for (std::size_t at = 0; at < values.size(); at += per_row) {
    Bytes row;
    for (std::size_t i = at; i < at + per_row; ++i)
      row.insert(row.end(), {std::uint8_t(values[i] >> 8), std::uint8_t(values[i] & 0xFF)});
    rows.push_back(row);
  }
  return rows;
}

/// Rows of `bits`-bit samples (1, 2 or 4) packed from the high bit, rows padded to a byte.
inline std::vector<Bytes> rows_packed(const std::vector<int>& values, std::size_t per_row,
                                      int bits) {
  std::vector<Bytes> rows;
  for (std::size_t at = 0; at < values.size(); at += per_row) {
    Bytes row((per_row * std::size_t(bits) + 7) / 8, 0);
    for (std::size_t x = 0; x < per_row; ++x) {
      const std::size_t bit = x * std::size_t(bits);
      row[bit / 8] |= std::uint8_t(values[at + x] << (8 - bits - int(bit % 8)));
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace lkflow_test
