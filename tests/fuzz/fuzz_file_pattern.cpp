// libFuzzer target for the lkflow program's numbered file names (examples/file_pattern.hpp): any
// string must either be refused with std::invalid_argument or be a pattern whose names keep
// its text around one field, give every number its own name, and contain no % conversion left
// for anything to interpret. Anything else (a crash, a sanitizer report, another exception, a
// mismatch) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "file_pattern.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const lkflow_app::FilePattern pattern(text);
    const std::string a = pattern.format(0), b = pattern.format(7), c = pattern.format(123456789);
    if (pattern.numbered() ? (a == b || b == c) : (a != b || b != c)) __builtin_trap();
    if (a.size() > text.size() + 64) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
