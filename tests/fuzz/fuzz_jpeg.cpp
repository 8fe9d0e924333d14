// libFuzzer target for the lkflow program's JPEG decoder (libjpeg and lkflow's checks); see
// fuzz_decoder.hpp.
#include "fuzz_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lkflow_fuzz::decode_bytes(lkflow_app::decode_jpeg, data, size);
}
