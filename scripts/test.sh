#!/usr/bin/env bash
# Builds lkflow with warnings as errors and runs every test (g++, Release), then builds the tests
# again with clang++ under AddressSanitizer + UndefinedBehaviorSanitizer and runs them again,
# together with the libFuzzer targets (60 s each, e.g. read_flo on arbitrary bytes).
# Usage: scripts/test.sh            (from anywhere; build trees go to build/ in the checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh clang libclang-rt-14-dev

jobs=$(nproc)

echo "== g++ Release, -Werror =="
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
  -DLKFLOW_WERROR=ON
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== clang++ AddressSanitizer + UndefinedBehaviorSanitizer, -Werror, fuzzers =="
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DLKFLOW_WERROR=ON -DLKFLOW_BUILD_BENCHMARKS=OFF -DLKFLOW_BUILD_FUZZERS=ON -DLKFLOW_FUZZ_SECONDS=60 \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize"
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "All tests passed (g++ Release and clang++ ASan+UBSan, fuzzers included)."
