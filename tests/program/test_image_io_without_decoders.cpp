// The image loader built as if neither libspng nor libjpeg had been found: PNG and JPEG files
// are refused with a message that says why and what to install, and PGM/PPM still load.
#include <string>

#include <catch2/catch.hpp>

#include "image_io.hpp"
#include "support/png_builder.hpp"
#include "support/temp_folder.hpp"

using namespace std::string_literals;

TEST_CASE("without its libraries, the loader names the format it lacks", "[image_io]") {
  lkflow_test::TempFolder folder;
  CHECK(lkflow_app::supported_formats() == "binary PGM/PPM");

  lkflow_test::PngHeader header;
  const std::string png =
      folder.write("a.png", lkflow_test::make_png(header, lkflow_test::rows8({7}, 1)));
  CHECK_THROWS_WITH(lkflow_app::load_frame(png),
                    Catch::StartsWith(png + ": a PNG file, but this lkflow was built without PNG "
                                            "support") &&
                        Catch::Contains("apt-get install pkg-config libspng-dev"));

  const std::string jpeg = folder.write("a.jpg", "\xff\xd8\xff\xe0\0\x10JFIF\0"s);
  CHECK_THROWS_WITH(lkflow_app::load_frame(jpeg), Catch::Contains("built without JPEG support") &&
                                                      Catch::Contains("libjpeg62-turbo-dev"));

  const std::string gif = folder.write("a.gif", "GIF89a"s);
  CHECK_THROWS_WITH(lkflow_app::load_frame(gif), Catch::Contains("(lkflow reads binary PGM/PPM)"));

  CHECK(lkflow_app::load_frame(folder.write("a.pgm", "P5 1 1 255\n\x07"s)).cols() == 1);
}
