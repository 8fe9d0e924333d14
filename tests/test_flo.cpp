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

namespace fs = std::filesystem;
using lkflow::Flow;
using lkflow::Image;

namespace {

/// A fresh, empty folder for one test, removed with everything in it at the end.
struct TempFolder {
  fs::path path;
  TempFolder() {
    std::random_device device;
    path = fs::temp_directory_path() / ("lkflow_test_flo_" + std::to_string(device()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& entry : fs::directory_iterator(path))
      result.push_back(entry.path().filename().string());
    std::sort(result.begin(), result.end());
    return result;
  }
};

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

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

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
