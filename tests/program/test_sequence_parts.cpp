// Unit tests of the sequence mode's parts: numbered file names, the progress line, the names
// taken for images and movies, and the bounded queue between its threads.
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "bounded_queue.hpp"
#include "file_pattern.hpp"
#include "progress.hpp"
#include "sequence.hpp"

using lkflow_app::BoundedQueue;
using lkflow_app::FilePattern;

TEST_CASE("FilePattern numbers names with one printf-style integer field") {
  CHECK(FilePattern("flows/%05d.flo").format(12) == "flows/00012.flo");
  CHECK(FilePattern("f%d.flo").format(0) == "f0.flo");
  CHECK(FilePattern("f%d.flo").format(123456) == "f123456.flo");
  CHECK(FilePattern("f%3i.png").format(7) == "f  7.png");
  CHECK(FilePattern("f%03u.png").format(1234) == "f1234.png");  // wider than the field
  CHECK(FilePattern("100%%/%02d%%.flo").format(5) == "100%/05%.flo");
  CHECK(FilePattern("f%d.flo").numbered());

  const FilePattern fixed("truth/all 100%%.flo");
  CHECK_FALSE(fixed.numbered());
  CHECK(fixed.format(3) == "truth/all 100%.flo");
  CHECK(fixed.text() == "truth/all 100%%.flo");
}

TEST_CASE("FilePattern refuses every other conversion, so printf never sees one") {
  for (const char* bad : {"%s.flo", "%n", "%x.flo", "%5.2f", "%ld.flo", "%-3d", "%+d", "a%",
                          "%d_%d.flo", "%0100d", "%*d", "%"}) {
    INFO(bad);
    CHECK_THROWS_AS(FilePattern(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(FilePattern("f%d_%05d.flo"), Catch::Contains("two number fields"));
  CHECK_THROWS_WITH(FilePattern("f%s.flo"), Catch::Contains("%s"));
  CHECK_THROWS_WITH(FilePattern("f%"), Catch::Contains("lone %"));
}

TEST_CASE("Progress line: frames, rate and time left; the total only when known") {
  using lkflow_app::Progress;
  CHECK(Progress::text(120, 300, false, 2.0) ==
        "lkflow: frame 120 of 300 (40%), 60.0 frames/s, 3 s left");
  CHECK(Progress::text(10, 36010, true, 1.0) ==
        "lkflow: frame 10 of about 36010 (0%), 10.0 frames/s, 1 h 00 min left");
  CHECK(Progress::text(50, 200, false, 0.5) ==
        "lkflow: frame 50 of 200 (25%), 100.0 frames/s, 2 s left");
  CHECK(Progress::text(100, 12100, false, 1.0) ==
        "lkflow: frame 100 of 12100 (1%), 100.0 frames/s, 2 min 00 s left");
  CHECK(Progress::text(75, -1, false, 3.0) == "lkflow: frame 75, 25.0 frames/s");
  // An estimated total that turns out too small is no longer shown.
  CHECK(Progress::text(320, 300, true, 4.0) == "lkflow: frame 320, 80.0 frames/s");
}

TEST_CASE("A single input is an image by its extension, else a movie") {
  using lkflow_app::is_image_name;
  using lkflow_app::is_movie_name;
  for (const char* image :
       {"a.png", "B.PNG", "x/y.jpg", "z.JPEG", "f.bmp", "f.tga", "f.pgm", "f.ppm", "f.pnm"})
    CHECK(is_image_name(image));
  for (const char* other : {"movie.mp4", "movie.mkv", "clip.avi", "png", "a.png.mov", "noext"})
    CHECK_FALSE(is_image_name(other));
  for (const char* movie : {"out.mp4", "OUT.MKV", "a.avi", "b.mov"}) CHECK(is_movie_name(movie));
  for (const char* other : {"out.png", "out%05d.png", "a.gif", "mp4"})
    CHECK_FALSE(is_movie_name(other));
}

TEST_CASE("BoundedQueue: order, capacity, and close() wakes every waiting thread") {
  BoundedQueue<int> queue(2);
  CHECK(queue.push(1));
  CHECK(queue.push(2));
  int item = 0;
  CHECK(queue.pop(item));
  CHECK(item == 1);

  // A third push waits while the queue is full, until the consumer takes one.
  CHECK(queue.push(3));
  std::thread producer([&] { CHECK(queue.push(4)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(queue.pop(item));
  CHECK(item == 2);
  producer.join();

  // Items pushed before close() are still delivered, then pop() returns false; pushes fail.
  queue.close();
  CHECK_FALSE(queue.push(5));
  CHECK(queue.pop(item));
  CHECK(item == 3);
  CHECK(queue.pop(item));
  CHECK(item == 4);
  CHECK_FALSE(queue.pop(item));

  // A consumer blocked on an empty queue and a producer blocked on a full one both return.
  BoundedQueue<int> empty(1), full(1);
  CHECK(full.push(0));
  bool popped = true, pushed = true;
  std::thread consumer([&] { popped = empty.pop(item); });
  std::thread blocked([&] { pushed = full.push(1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  empty.close();
  full.close();
  consumer.join();
  blocked.join();
  CHECK_FALSE(popped);
  CHECK_FALSE(pushed);
}
