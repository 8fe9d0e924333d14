// Tests of flo.hpp: the byte layout against hand-built files, bit-exact round trips, every
// rejection of the reader (each naming the file), and writes that never leave partial files.
//
// Heap allocations by Eigen are made checkable here: with EIGEN_RUNTIME_NO_MALLOC and an
// eigen_assert that throws, Eigen::internal::set_is_malloc_allowed(false) turns any attempt to
// allocate an array into an EigenAllocation exception, even in Release builds. This file must be
// the only one of its executable that includes Eigen (catch_main.cpp does not), so that every
// Eigen function in the executable is compiled with these definitions.
#include <stdexcept>
#include <string>

namespace lkflow_test {
struct EigenAllocation : std::logic_error {
  using std::logic_error::logic_error;
};
}  // namespace lkflow_test
#define EIGEN_RUNTIME_NO_MALLOC
#define eigen_assert(x)                                         \
  do {                                                          \
    if (!(x)) throw lkflow_test::EigenAllocation("eigen: " #x); \
  } while (false)

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>
#include <lkflow/flo.hpp>

#include "support/temp_folder.hpp"

namespace fs = std::filesystem;
using lkflow::Flow;
using lkflow::Image;
using lkflow_test::TempFolder;

namespace {

std::string bytes_le32(std::uint32_t x) {
  std::string s;
  for (int i = 0; i < 4; ++i) s += static_cast<char>((x >> (8 * i)) & 0xFF);
  return s;
}

std::string float_le(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bytes_le32(bits);
}

/// A .flo file built by hand from the format's definition.
std::string flo_bytes(std::int32_t width, std::int32_t height, const std::vector<float>& uv) {
  std::string s = "PIEH" + bytes_le32(std::uint32_t(width)) + bytes_le32(std::uint32_t(height));
  for (float f : uv) s += float_le(f);
  return s;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_bytes(const fs::path& path) { return lkflow_test::read_file(path); }

template <class S>
bool same_bits(const Image<S>& a, const Image<S>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(S) * std::size_t(a.size())) == 0;
}

/// A 3x4 flow with every kind of float value a file may hold.
Flow<float> awkward_flow() {
  Flow<float> flow;
  flow.u.resize(3, 4);
  flow.v.resize(3, 4);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-20, 20);
  for (Eigen::Index i = 0; i < flow.u.size(); ++i) {
    flow.u.data()[i] = value(rng);
    flow.v.data()[i] = value(rng);
  }
  std::uint32_t nan_bits = 0x7FC01234;  // a NaN with a payload
  float nan;
  std::memcpy(&nan, &nan_bits, 4);
  flow.u(0, 1) = flow.v(0, 1) = lkflow::unknown_flow_value;
  flow.u(1, 0) = -0.0f;
  flow.v(1, 0) = nan;
  flow.u(2, 3) = std::numeric_limits<float>::denorm_min();
  flow.v(2, 3) = -std::numeric_limits<float>::infinity();
  flow.u(2, 2) = std::numeric_limits<float>::max();
  return flow;
}

}  // namespace

TEST_CASE("write_flo lays out tag, width, height and row-major interleaved (u, v)", "[flo]") {
  Flow<float> flow;
  flow.u.resize(2, 3);  // 2 rows (height), 3 columns (width)
  flow.v.resize(2, 3);
  flow.u << 1, 2, 3, 4, 5, 6;
  flow.v << -1, -2, -3, -4, -5, -6;
  std::ostringstream out;
  lkflow::write_flo(out, flow);
  CHECK(out.str() == flo_bytes(3, 2, {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6}));
  CHECK(out.str().substr(0, 4) == float_le(202021.25f));
}

TEST_CASE("read_flo decodes a hand-built file", "[flo]") {
  std::istringstream in(flo_bytes(3, 2, {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6.5f, -6.5f}));
  const Flow<float> flow = lkflow::read_flo(in);
  REQUIRE(flow.u.rows() == 2);
  REQUIRE(flow.u.cols() == 3);
  CHECK(flow.u(0, 1) == 2);
  CHECK(flow.v(0, 1) == -2);
  CHECK(flow.u(1, 0) == 4);
  CHECK(flow.u(1, 2) == 6.5f);
  CHECK(flow.v(1, 2) == -6.5f);
  CHECK(flow.confidence.size() == 0);  // a .flo file holds no confidence
}

TEST_CASE("read_flo starts at the stream's position", "[flo]") {
  std::istringstream in("junk" + flo_bytes(1, 1, {0.25f, 0.5f}));
  in.seekg(4);
  const Flow<float> flow = lkflow::read_flo(in);
  CHECK(flow.u(0, 0) == 0.25f);
  CHECK(flow.v(0, 0) == 0.5f);
}

TEST_CASE(".flo round trips are bit exact", "[flo]") {
  const Flow<float> flow = awkward_flow();
  SECTION("through a stream") {
    std::stringstream buffer;
    lkflow::write_flo(buffer, flow);
    CHECK(buffer.str().size() == 12 + 8 * 12);
    const Flow<float> back = lkflow::read_flo(buffer);
    CHECK(same_bits(back.u, flow.u));
    CHECK(same_bits(back.v, flow.v));
  }
  SECTION("through a file, leaving nothing else in the folder") {
    TempFolder folder;
    const fs::path path = folder.path / "flow.flo";
    lkflow::write_flo(path, flow);
    const Flow<float> back = lkflow::read_flo(path);
    CHECK(same_bits(back.u, flow.u));
    CHECK(same_bits(back.v, flow.v));
    CHECK(folder.names() == std::vector<std::string>{"flow.flo"});
  }
  SECTION("from double, rounded to float") {
    Flow<double> wide;
    wide.u = flow.u.cast<double>() + 1e-12;
    wide.v = flow.v.cast<double>();
    Image<float> expected_u = wide.u.cast<float>();
    wide.u(0, 0) = 1e300;  // beyond float: +inf, not undefined behaviour
    std::stringstream buffer;
    lkflow::write_flo(buffer, wide);
    const Flow<float> back = lkflow::read_flo(buffer);
    expected_u(0, 0) = std::numeric_limits<float>::infinity();
    CHECK(same_bits(back.u, expected_u));
    CHECK(same_bits(back.v, flow.v));
  }
}

TEST_CASE("read_flo rejects malformed files, naming the file and the reason", "[flo]") {
  TempFolder folder;
  const fs::path path = folder.path / "bad.flo";
  const std::string good = flo_bytes(3, 2, std::vector<float>(12, 0.5f));
  auto rejects = [&](const std::string& bytes, const std::string& reason) {
    write_bytes(path, bytes);
    CHECK_THROWS_MATCHES(lkflow::read_flo(path), lkflow::FileError,
                         Catch::Matchers::Predicate<lkflow::FileError>(
                             [&](const lkflow::FileError& e) {
                               return e.path() == path &&
                                      std::string(e.what()).find(path.string()) !=
                                          std::string::npos &&
                                      e.reason().find(reason) != std::string::npos;
                             },
                             "names " + path.string() + " and says '" + reason + "'"));
  };
  SECTION("valid control") {
    write_bytes(path, good);
    CHECK(lkflow::read_flo(path).u.cols() == 3);
  }
  SECTION("wrong tag") { rejects("PIEX" + good.substr(4), "not a .flo file"); }
  SECTION("big-endian tag") { rejects(std::string("HEIP") + good.substr(4), "not a .flo file"); }
  SECTION("empty file") { rejects("", "truncated"); }
  SECTION("truncated header") { rejects(good.substr(0, 11), "truncated"); }
  SECTION("truncated data") { rejects(good.substr(0, good.size() - 1), "truncated"); }
  SECTION("no data at all") { rejects(good.substr(0, 12), "truncated"); }
  SECTION("extra bytes") { rejects(good + "x", "extra bytes"); }
  SECTION("zero width") { rejects(flo_bytes(0, 2, {}), "invalid width 0"); }
  SECTION("negative height") { rejects(flo_bytes(3, -2, {}), "invalid height -2"); }
  SECTION("width over the bound") {
    rejects(flo_bytes(lkflow::max_flo_side + 1, 1, {}), "invalid width");
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(lkflow::read_flo(folder.path / "none.flo"),
                      Catch::Contains("none.flo: no such file"));
  }
  SECTION("a folder") {
    CHECK_THROWS_WITH(lkflow::read_flo(folder.path), Catch::Contains("it is a folder"));
  }
}

TEST_CASE("read_flo checks huge dimensions against the size before allocating", "[flo]") {
  // The control proves the check works: a valid file must allocate its two arrays.
  const std::string valid = flo_bytes(2, 1, {1, 2, 3, 4});
  // Claims 100000 x 100000 (80 GB) in a 20-byte file.
  const std::string huge = flo_bytes(lkflow::max_flo_side, lkflow::max_flo_side, {1, 2});
  struct NoEigenMalloc {
    NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(false); }
    ~NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(true); }
  };
  {
    std::istringstream in(valid);
    NoEigenMalloc guard;
    CHECK_THROWS_AS(lkflow::read_flo(in), lkflow_test::EigenAllocation);
  }
  {
    std::istringstream in(huge);
    NoEigenMalloc guard;
    CHECK_THROWS_WITH(lkflow::read_flo(in),
                      Catch::Contains("truncated") && Catch::Contains("80000000012 bytes"));
  }
}

namespace {
/// A stream buffer that accepts `capacity` bytes, then fails like a full disk.
class FullDisk : public std::streambuf {
 public:
  explicit FullDisk(std::size_t capacity) : capacity_(capacity) {}

 protected:
  int_type overflow(int_type c) override {
    if (written_ >= capacity_) return traits_type::eof();
    ++written_;
    return traits_type::not_eof(c);
  }

 private:
  std::size_t capacity_, written_ = 0;
};
}  // namespace

TEST_CASE("write_flo reports stream failures and bad arguments", "[flo]") {
  const Flow<float> flow = awkward_flow();
  SECTION("full disk") {
    FullDisk full(40);
    std::ostream out(&full);
    CHECK_THROWS_AS(lkflow::write_flo(out, flow, "disk.flo"), lkflow::FileError);
  }
  SECTION("u and v of different sizes") {
    Flow<float> odd = flow;
    odd.v.resize(4, 3);
    std::ostringstream out;
    CHECK_THROWS_WITH(lkflow::write_flo(out, odd), Catch::Contains("flow.u is 3x4"));
  }
  SECTION("empty") {
    std::ostringstream out;
    CHECK_THROWS_AS(lkflow::write_flo(out, Flow<float>{}), std::invalid_argument);
  }
}

TEST_CASE("write_flo to a path never leaves a partial or truncated file", "[flo]") {
  TempFolder folder;
  const fs::path path = folder.path / "flow.flo";
  const Flow<float> flow = awkward_flow();

  SECTION("missing folder: nothing is created") {
    CHECK_THROWS_WITH(lkflow::write_flo(folder.path / "no" / "flow.flo", flow),
                      Catch::Contains("flow.flo") && Catch::Contains("does not exist"));
    CHECK(folder.names().empty());
  }
  SECTION("the path is a folder") {
    fs::create_directory(path);
    CHECK_THROWS_WITH(lkflow::write_flo(path, flow), Catch::Contains("it is a folder"));
    CHECK(folder.names() == std::vector<std::string>{"flow.flo"});
  }
  SECTION("a writer that fails midway leaves the old file and no temporary") {
    write_bytes(path, "old content");
    CHECK_THROWS_AS(lkflow::detail::write_file_atomically("test", path,
                                                          [](std::ostream& out) {
                                                            out << "half a file";
                                                            throw std::runtime_error("boom");
                                                          }),
                    std::runtime_error);
    CHECK(read_bytes(path) == "old content");
    CHECK(folder.names() == std::vector<std::string>{"flow.flo"});
  }
  SECTION("an invalid flow leaves the old file") {
    write_bytes(path, "old content");
    CHECK_THROWS_AS(lkflow::write_flo(path, Flow<float>{}), std::invalid_argument);
    CHECK(read_bytes(path) == "old content");
    CHECK(folder.names() == std::vector<std::string>{"flow.flo"});
  }
  SECTION("an existing file is replaced by the complete new one") {
    write_bytes(path, std::string(1000, 'x'));
    lkflow::write_flo(path, flow);
    CHECK(fs::file_size(path) == 12 + 8 * 12);
    CHECK(same_bits(lkflow::read_flo(path).u, flow.u));
  }
}

TEST_CASE("write_flo takes any legal file name and replaces only regular files", "[flo]") {
  TempFolder folder;
  const Flow<float> flow = awkward_flow();
  SECTION("names of 254 and 255 bytes (NAME_MAX), with no temporary left") {
    for (int length : {254, 255}) {
      const fs::path path = folder.path / (std::string(std::size_t(length) - 4, 'f') + ".flo");
      lkflow::write_flo(path, flow);
      CHECK(same_bits(lkflow::read_flo(path).u, flow.u));
    }
    CHECK(folder.names().size() == 2);
  }
  SECTION("a symbolic link is refused and left as it is, and so is the file it points to") {
    write_bytes(folder.path / "real.flo", "old content");
    fs::create_symlink("real.flo", folder.path / "link.flo");
    CHECK_THROWS_WITH(lkflow::write_flo(folder.path / "link.flo", flow),
                      Catch::Contains("link.flo: it is a symbolic link"));
    CHECK(fs::is_symlink(folder.path / "link.flo"));
    CHECK(read_bytes(folder.path / "real.flo") == "old content");
    CHECK(folder.names() == std::vector<std::string>{"link.flo", "real.flo"});
  }
}

namespace {
/// A seekable stream buffer that claims to hold a width x height .flo file: its header, then
/// zeros (a 20000 x 20000 one would be 3.2 GB). Serves 16 bytes at a time and counts them.
class ClaimedFlo : public std::streambuf {
 public:
  ClaimedFlo(std::int32_t width, std::int32_t height)
      : header_(flo_bytes(width, height, {})),
        size_(12 + 8 * std::streamoff(width) * std::streamoff(height)) {}
  std::streamoff delivered = 0;

 protected:
  pos_type seekoff(off_type off, std::ios::seekdir dir, std::ios::openmode which) override {
    const off_type current = end_ - (egptr() - gptr());
    const off_type base = dir == std::ios::beg ? 0 : dir == std::ios::cur ? current : size_;
    return seekpos(base + off, which);
  }
  pos_type seekpos(pos_type pos, std::ios::openmode) override {
    if (off_type(pos) < 0 || off_type(pos) > size_) return pos_type(off_type(-1));
    end_ = pos;
    setg(nullptr, nullptr, nullptr);
    return pos;
  }
  int_type underflow() override {
    if (end_ >= size_) return traits_type::eof();
    const auto n = std::min<std::streamoff>(sizeof buffer_, size_ - end_);
    for (std::streamoff i = 0; i < n; ++i)
      buffer_[i] = end_ + i < 12 ? header_[std::size_t(end_ + i)] : '\0';
    setg(buffer_, buffer_, buffer_ + n);
    end_ += n;
    delivered += n;
    return traits_type::to_int_type(buffer_[0]);
  }

 private:
  std::string header_;
  std::streamoff size_, end_ = 0;  // end_: the file position after the buffered bytes
  char buffer_[16] = {};
};
}  // namespace

TEST_CASE("read_flo with an expected size decides from the header, reading no data", "[flo]") {
  struct NoEigenMalloc {
    NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(false); }
    ~NoEigenMalloc() { Eigen::internal::set_is_malloc_allowed(true); }
  };
  SECTION("a 20000 x 20000 flow where 64 x 48 is expected") {
    ClaimedFlo huge(20000, 20000);
    std::istream in(&huge);
    NoEigenMalloc guard;
    CHECK_THROWS_WITH(lkflow::read_flo(in, 48, 64, "truth.flo"),
                      "lkflow::read_flo: truth.flo: the flow is 20000 x 20000 px (width x height), "
                      "but 64 x 48 px were expected");
    CHECK(huge.delivered <= 16);
  }
  SECTION("control: the expected size reads the whole file") {
    ClaimedFlo small(3, 2);
    std::istream in(&small);
    const Flow<float> flow = lkflow::read_flo(in, 2, 3);
    CHECK(flow.u.cols() == 3);
    CHECK(flow.u.rows() == 2);
    CHECK((flow.v == 0).all());
    CHECK(small.delivered == 12 + 8 * 6);
  }
  SECTION("from a file, and rows and cols are not swapped") {
    TempFolder folder;
    const fs::path path = folder.path / "flow.flo";
    write_bytes(path, flo_bytes(3, 2, std::vector<float>(12, 0.5f)));
    CHECK(lkflow::read_flo(path, 2, 3).u(1, 2) == 0.5f);
    CHECK_THROWS_WITH(lkflow::read_flo(path, 3, 2),
                      Catch::Contains("the flow is 3 x 2 px (width x height), but 2 x 3 px"));
  }
  SECTION("an expected size below 1x1 is a bad argument") {
    std::istringstream in(flo_bytes(1, 1, {0, 0}));
    CHECK_THROWS_AS(lkflow::read_flo(in, 0, 1), std::invalid_argument);
  }
}
