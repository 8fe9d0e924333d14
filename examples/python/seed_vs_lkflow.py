#!/usr/bin/python3
"""The seed's whole-array numpy Lucas-Kanade and lkflow.dense_flow, timed side by side on the
same frames: the numpy code (five cumulative-sum tables and Cramer's rule, bench/seed_numpy.py)
becomes one call.

Usage: examples/python/seed_vs_lkflow.py [--size 854x480] [--radius 2] [--repetitions 10]
       (with the module on PYTHONPATH, e.g. PYTHONPATH=build/release/python/module)
"""
import argparse
import pathlib
import sys
import time

import numpy as np

import lkflow

# The seed's method and its frames live with the benchmarks; this example reuses them.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))
from seed_numpy import seed_lucas_kanade, texture_pair  # noqa: E402


def best_time(function, repetitions):
    """The fastest of `repetitions` calls, seconds, and the last result."""
    best = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="854x480", help="frame size, WIDTHxHEIGHT")
    parser.add_argument("--radius", type=int, default=2, help="window radius r: (2r+1)^2 windows")
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))

    # 8-bit frames of a texture moved by (0.4, -0.3) px, as a video decoder would hand them over.
    I0, I1 = texture_pair(width, height)
    seed_s, (u_seed, v_seed) = best_time(lambda: seed_lucas_kanade(I0, I1, args.radius),
                                         args.repetitions)
    lk_s, flow = best_time(lambda: lkflow.dense_flow(I0, I1, radius=args.radius),
                           args.repetitions)
    u, v, confidence = flow

    # The seed pads with zeros where lkflow replicates edge pixels: compare away from the edges,
    # where lkflow kept the window (confidence above min_eigenvalue; the seed keeps every one).
    m = args.radius + 1
    inner = (slice(m, -m), slice(m, -m))
    kept = u[inner] != 0
    difference = np.maximum(np.abs(u[inner] - u_seed[inner]), np.abs(v[inner] - v_seed[inner]))
    print(f"frames: {width}x{height} uint8, radius {args.radius}, fastest of {args.repetitions}")
    print(f"seed (numpy {np.__version__}):  {seed_s * 1e3:8.2f} ms")
    print(f"lkflow.dense_flow:       {lk_s * 1e3:8.2f} ms   ({seed_s / lk_s:.0f} times faster)")
    print(f"median flow: u {np.median(u[inner][kept]):+.3f}, v {np.median(v[inner][kept]):+.3f} "
          f"(the frames were made with +0.400, -0.300)")
    print(f"largest difference to the seed away from the edges: {difference[kept].max():.2g} px "
          f"(float32 result)")


if __name__ == "__main__":
    main()
