// libFuzzer target for lkflow::read_flo: any byte string must either be rejected with
// lkflow::FileError or be a valid .flo file, which write_flo then reproduces byte for byte.
// Anything else (a crash, a sanitizer report, another exception, a mismatch) is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <lkflow/flo.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream in(bytes);
  lkflow::Flow<float> flow;
  try {
    flow = lkflow::read_flo(in, "fuzz input");
  } catch (const lkflow::FileError&) {
    return 0;  // rejected: the expected outcome for almost every input
  }
  if (flow.u.rows() != flow.v.rows() || flow.u.cols() != flow.v.cols() ||
      size != 12 + 8 * static_cast<std::size_t>(flow.u.size()) || flow.confidence.size() != 0)
    __builtin_trap();
  std::ostringstream out;
  lkflow::write_flo(out, flow);
  if (out.str() != bytes) __builtin_trap();  // accepted input must round-trip exactly
  return 0;
}
