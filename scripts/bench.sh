#!/usr/bin/env bash
# Builds the benchmarks (Release; the benchmark target alone adds -O3 -march=native) and runs
# them, then the seed's numpy method on the same frames for the side-by-side ratio.
# Arguments go to lkflow_bench, e.g.:  scripts/bench.sh --benchmark_filter='854x480/r2/'
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh python3-numpy
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build/release --target lkflow_bench
build/release/bench/lkflow_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2 "$@"
/usr/bin/python3 bench/seed_numpy.py
