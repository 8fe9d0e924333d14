#!/usr/bin/env bash
# Builds lkflow with warnings as errors and runs every test (g++, Release), then builds the tests
# again with clang++ under AddressSanitizer + UndefinedBehaviorSanitizer, with the library's
# internal contract checks on (LKFLOW_ASSERTS), and runs them again, together with the libFuzzer
# targets (60 s each, e.g. read_flo on arbitrary bytes).
# Usage: scripts/test.sh            (from anywhere; build trees go to build/test-gcc and
#                                    build/test-asan, which nothing else configures: reusing
#                                    build/release with another compiler would make CMake drop
#                                    its cache and, with it, Release and -Werror)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh clang libclang-rt-14-dev python3-numpy

jobs=$(nproc)

# Fails unless the build tree's cache holds every given NAME:TYPE=VALUE line.
require_cache() {
  local dir=$1
  shift
  for entry in "$@"; do
    grep -qxF "$entry" "$dir/CMakeCache.txt" ||
      { echo "error: $dir is not configured with $entry; remove $dir and run again" >&2; exit 1; }
  done
}

echo "== g++ Release, -Werror =="
# LKFLOW_BUILD_PYTHON=ON: a missing piece of the Python module fails here rather than skipping
# its tests (python/CMakeLists.txt).
cmake -S . -B build/test-gcc -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
  -DLKFLOW_WERROR=ON -DLKFLOW_ASSERTS=OFF -DLKFLOW_BUILD_PYTHON=ON
require_cache build/test-gcc "CMAKE_BUILD_TYPE:STRING=Release" "LKFLOW_WERROR:BOOL=ON" \
  "LKFLOW_ASSERTS:BOOL=OFF"
cmake --build build/test-gcc -j "$jobs"
ctest --test-dir build/test-gcc --output-on-failure -j "$jobs"

echo "== clang++ AddressSanitizer + UndefinedBehaviorSanitizer, contract checks, -Werror, fuzzers =="
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build/test-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DLKFLOW_WERROR=ON -DLKFLOW_ASSERTS=ON -DLKFLOW_BUILD_BENCHMARKS=OFF -DLKFLOW_BUILD_FUZZERS=ON \
  -DLKFLOW_FUZZ_SECONDS=60 -DLKFLOW_BUILD_PYTHON=ON \
  -DCMAKE_CXX_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize"
require_cache build/test-asan "CMAKE_BUILD_TYPE:STRING=RelWithDebInfo" "LKFLOW_WERROR:BOOL=ON" \
  "LKFLOW_ASSERTS:BOOL=ON"
cmake --build build/test-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/test-asan --output-on-failure -j "$jobs"

echo "All tests passed (g++ Release, and clang++ ASan+UBSan with contract checks, fuzzers included)."
