#!/usr/bin/python3
"""Times lkflow.dense_flow from Python against the C++ benchmark it wraps, in one run.

Each round runs the C++ case dense_flow/float/u8/854x480/r2/t1 of every lkflow_bench given
(median of 5 repetitions of at least 0.2 s each, as scripts/bench.sh does), then the same call
from Python on an 854x480 uint8 pair (median of 5 repetitions of at least 0.2 s), and prints
the times and their ratio; the summary is the median over the rounds. Times are CPU times of
the process (Google Benchmark's cpu_time; time.process_time), which a machine busy with other
work disturbs less than wall-clock times; both run on one thread. The C++ case reuses its
output; the Python call returns new arrays each time, so the ratio is the cost of the call and
of allocating the result. dense_flow's time does not depend on the picture (its kernel has no
data-dependent branches), so the Python frames are a texture of their own.

Usage (the module and the benchmark built alike, e.g. plain Release; README, "From Python"):
    PYTHONPATH=build/release/python/module python/benchmarks/dense_flow_vs_cpp.py \\
        build/release/bench/lkflow_bench [more lkflow_bench builds ...] [--rounds 3]
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np

import lkflow

CASE = "dense_flow/float/u8/854x480/r2/t1"


def cpp_time_ms(bench):
    """The C++ case's median CPU time per call, ms."""
    out = subprocess.run(
        [bench, f"--benchmark_filter=^{CASE}/real_time$", "--benchmark_repetitions=5",
         "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.2",
         "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            assert b["time_unit"] == "ms" or b["time_unit"] == "us", b["time_unit"]
            return b["cpu_time"] / (1000 if b["time_unit"] == "us" else 1)
    raise RuntimeError(f"{bench}: no median for {CASE}")


def frames(rows=480, cols=854, seed=7):
    """An 8-bit texture (plane waves of 10 to 48 px) and its copy moved by (0.4, -0.3) px."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    waves = [(2 * np.pi / rng.uniform(10, 48), rng.uniform(0, 2 * np.pi), rng.uniform(0, 2 * np.pi))
             for _ in range(12)]
    pair = []
    for dx, dy in ((0.0, 0.0), (0.4, -0.3)):
        t = sum(np.sin(k * np.cos(a) * (x - dx) + k * np.sin(a) * (y - dy) + p) for k, a, p in waves)
        pair.append(np.clip(np.rint(127.5 + 25 * t), 0, 255).astype(np.uint8))
    return pair


def python_time_ms(I0, I1):
    """Median of 5 repetitions of lkflow.dense_flow(I0, I1), each timing >= 0.2 s of calls: CPU
    time per call, ms."""
    lkflow.dense_flow(I0, I1)
    medians = []
    for _ in range(5):
        calls, start = 0, time.process_time()
        while True:
            lkflow.dense_flow(I0, I1)
            calls += 1
            elapsed = time.process_time() - start
            if elapsed >= 0.2:
                break
        medians.append(elapsed / calls * 1e3)
    return statistics.median(medians)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", nargs="+", help="lkflow_bench executables")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    I0, I1 = frames()
    rows = []
    for r in range(args.rounds):
        cpp = [cpp_time_ms(b) for b in args.bench]
        py = python_time_ms(I0, I1)
        rows.append((py, cpp))
        print(f"round {r + 1}: lkflow.dense_flow {py:.3f} ms; " +
              "; ".join(f"{b}: {c:.3f} ms (Python / C++ = {py / c:.2f})"
                        for b, c in zip(args.bench, cpp)), flush=True)
    py = statistics.median(p for p, _ in rows)
    print(f"median of {args.rounds} rounds: lkflow.dense_flow {py:.3f} ms (numpy {np.__version__})")
    for i, b in enumerate(args.bench):
        c = statistics.median(cpp[i] for _, cpp in rows)
        print(f"  {b} {CASE}: {c:.3f} ms, Python / C++ = {py / c:.2f}")


if __name__ == "__main__":
    main()
