#!/usr/bin/env bash
# Builds the example program (Release) and runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release --target lkflow_demo
build/release/examples/lkflow_demo "$@"
