#!/usr/bin/env bash
# Builds the benchmarks as users build lkflow (plain Release, the compiler's default target) and
# runs them, then the seed's numpy method on the same frames for the side-by-side ratio.
#   scripts/bench.sh [--native] [lkflow_bench arguments]
# --native: build them with -march=native instead (LKFLOW_BENCH_NATIVE=ON, in build/bench-native),
# for a figure beside the default one. Other arguments go to lkflow_bench, e.g.:
#   scripts/bench.sh --benchmark_filter='854x480/r2/'
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=build/release native=OFF
if [ "${1:-}" = --native ]; then
  build=build/bench-native native=ON
  shift
fi
scripts/install-deps.sh python3-numpy
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLKFLOW_BENCH_NATIVE=$native
cmake --build "$build" --target lkflow_bench
"$build"/bench/lkflow_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.2 "$@"
/usr/bin/python3 bench/seed_numpy.py
