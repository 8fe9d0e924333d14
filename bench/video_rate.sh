#!/usr/bin/env bash
# The sequence mode at 854 x 480 (README, "Movies and image sequences"): the end-to-end frame
# rate of `lkflow MOVIE -o DIR/%05d.flo` (decoding, flows, writing every .flo) beside the flow
# computation's alone, alternating in one run, then the program's peak memory for a movie of
# 100 and of 400 frames. Built plain Release, as users build it (no -march).
# Arguments go to lkflow_video_rate, e.g. a movie of your own:  bench/video_rate.sh my.mp4
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh time
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target lkflow_video_rate lkflow_cli
work=$(mktemp -d "${TMPDIR:-/tmp}/lkflow_video_rate.XXXXXX")
trap 'rm -rf "$work"' EXIT

build/release/bench/lkflow_video_rate --out "$work" "$@"

echo "peak memory of lkflow MOVIE -o DIR/%05d.flo (maximum resident set size):"
for frames in 100 400; do
  build/release/bench/lkflow_video_rate --make "$work/movie$frames.mp4" --frames "$frames"
  mkdir "$work/flows$frames"
  /usr/bin/time -f "  $frames frames: %M kB" build/release/examples/lkflow \
    "$work/movie$frames.mp4" -o "$work/flows$frames/%05d.flo" --quiet
  rm -rf "$work/flows$frames"
done
