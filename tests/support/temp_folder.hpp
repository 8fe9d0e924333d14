// A fresh, empty folder for one test, removed with everything in it at the end. Includes no
// Eigen header (test_flo.cpp relies on being its executable's only user of Eigen).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace lkflow_test {

struct TempFolder {
  std::filesystem::path path;

  TempFolder() {
    std::random_device device;
    path = std::filesystem::temp_directory_path() /
           ("lkflow_test_" + std::to_string(device()) + "_" + std::to_string(device()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }

  /// Writes `bytes` to the file `name` in the folder; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(path / name, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return (path / name).string();
  }
  template <class Byte>
  std::string write(const std::string& name, const std::vector<Byte>& bytes) const {
    return write(name, std::string(bytes.begin(), bytes.end()));
  }

  /// The names in the folder, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& entry : std::filesystem::directory_iterator(path))
      result.push_back(entry.path().filename().string());
    std::sort(result.begin(), result.end());
    return result;
  }
};

/// The whole content of a file ("" if it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace lkflow_test
