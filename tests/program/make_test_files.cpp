// Writes the hostile input files of the program tests into the folder given as argument. Each is
// made from a valid file by one deliberate change, said below; the valid PNGs are built byte by
// byte (tests/support/png_builder.hpp) from a 64 x 48 gray pattern, pixel (x, y) =
// (7x + 13y) mod 256, with stored (uncompressed) deflate blocks.
//   bitflip.png    one bit of a pixel flipped inside the image data: CRC-32 and Adler-32 wrong
//   adler.png      the same flip with the chunk's CRC-32 recomputed: only the Adler-32 is wrong
//   palette.png    a 4-entry palette, and one pixel with index 200
//   cut.png        the valid file cut in the middle of its image data
//   huge.png       IHDR says 20000 x 20000 (400 Mpx); the image data is that of a 1 x 1 file
//   pattern.png    the valid file itself (the control)
//   bigheader.flo  a 12-byte .flo header claiming 20000 x 20000 and no data
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/png_builder.hpp"
#include "write_bytes.hpp"

namespace {

using lkflow_test::Bytes;

lkflow_test::PngHeader header(std::uint32_t width, std::uint32_t height) {
  lkflow_test::PngHeader h;
  h.width = width;
  h.height = height;
  return h;
}

Bytes pattern_png() {
  std::vector<int> values;
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) values.push_back((7 * x + 13 * y) % 256);
  return lkflow_test::make_png(header(64, 48), lkflow_test::rows8(values, 64));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  try {
    const Bytes good = pattern_png();
    lkflow_app::write_bytes(dir / "pattern.png", good);

    const std::size_t idat = lkflow_test::chunk_data(good, "IDAT");
    Bytes flipped = good;
    flipped[idat + 2 + 5 + 1 + 100] ^= 0x04;  // zlib and stored-block headers, filter byte
    lkflow_app::write_bytes(dir / "bitflip.png", flipped);
    lkflow_test::refresh_crc(flipped, idat);
    lkflow_app::write_bytes(dir / "adler.png", flipped);

    lkflow_app::write_bytes(dir / "cut.png", Bytes(good.begin(), good.begin() + long(idat + 1000)));

    std::vector<int> indices(64 * 48, 1);
    indices[64 * 20 + 30] = 200;
    lkflow_test::PngHeader palette = header(64, 48);
    palette.color_type = 3;
    palette.chunks = {{"PLTE", Bytes{0, 0, 0, 90, 90, 90, 180, 180, 180, 255, 255, 255}}};
    lkflow_app::write_bytes(dir / "palette.png",
                            lkflow_test::make_png(palette, lkflow_test::rows8(indices, 64)));

    Bytes huge = lkflow_test::make_png(header(1, 1), {Bytes{0}});
    const std::size_t ihdr = lkflow_test::chunk_data(huge, "IHDR");
    for (std::size_t i : {ihdr, ihdr + 4}) {  // width, then height: 20000 = 0x4E20
      huge[i + 2] = 0x4E;
      huge[i + 3] = 0x20;
    }
    lkflow_test::refresh_crc(huge, ihdr);
    lkflow_app::write_bytes(dir / "huge.png", huge);

    lkflow_app::write_bytes(dir / "bigheader.flo",
                            Bytes{'P', 'I', 'E', 'H', 0x20, 0x4E, 0, 0, 0x20, 0x4E, 0, 0});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
