// Writing a whole file of bytes, for the tools that make example and test data (not the program,
// whose outputs go through output_files.hpp).
#pragma once

#include <filesystem>
#include <fstream>
#include <ios>
#include <stdexcept>
#include <vector>

namespace lkflow_app {

/// Writes `bytes` to `path`, replacing it; throws std::runtime_error "cannot write PATH".
inline void write_bytes(const std::filesystem::path& path,
                        const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace lkflow_app
