#!/usr/bin/python3
"""The seed's whole-array Lucas-Kanade in numpy (zero-padded central differences, It = I0 - I1,
five products, a cumsum summed-area table each, four lookups per window, Cramer's rule), timed
on the benchmark's frames so that lkflow's speed-up is measured side by side on one machine.

Usage: bench/seed_numpy.py [--repetitions N]   (Debian: apt-get install python3-numpy)
"""
import argparse
import time

import numpy as np


def texture_pair(width, height, u=0.4, v=-0.3, seed=7):
    """A smooth random texture (12 plane waves) and its copy moved by (u, v), as 8-bit frames."""
    rng = np.random.default_rng(seed)
    waves = [(2 * np.pi / (10 + 38 * rng.random()), 2 * np.pi * rng.random(),
              2 * np.pi * rng.random()) for _ in range(12)]
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    frames = []
    for dx, dy in ((0.0, 0.0), (u, v)):
        image = sum(np.sin(k * np.cos(a) * (x - dx) + k * np.sin(a) * (y - dy) + p)
                    for k, a, p in waves)
        frames.append(np.clip(np.rint(127.5 + 30 * image), 0, 255).astype(np.uint8))
    return frames


def seed_lucas_kanade(frame0, frame1, radius=2):
    I0 = frame0.astype(np.float64) / 255.0
    I1 = frame1.astype(np.float64) / 255.0
    padded = np.pad(I0, 1)
    Ix = (padded[1:-1, 2:] - padded[1:-1, :-2]) / 2
    Iy = (padded[2:, 1:-1] - padded[:-2, 1:-1]) / 2
    It = I0 - I1
    n = 2 * radius + 1

    def window_sums(a):
        sat = np.pad(a, ((radius + 1, radius), (radius + 1, radius))).cumsum(0).cumsum(1)
        return sat[n:, n:] - sat[:-n, n:] - sat[n:, :-n] + sat[:-n, :-n]

    sxx, syy, sxy = window_sums(Ix * Ix), window_sums(Iy * Iy), window_sums(Ix * Iy)
    sxt, syt = window_sums(Ix * It), window_sums(Iy * It)
    det = sxx * syy - sxy * sxy
    ok = det != 0
    safe = np.where(ok, det, 1.0)
    u = np.where(ok, (syy * sxt - sxy * syt) / safe, 0.0)
    v = np.where(ok, (sxx * syt - sxy * sxt) / safe, 0.0)
    return u, v


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    print(f"numpy {np.__version__}; best of {args.repetitions} runs")
    for width, height in ((320, 240), (854, 480)):
        frame0, frame1 = texture_pair(width, height)
        best = float("inf")
        for _ in range(args.repetitions):
            start = time.perf_counter()
            u, v = seed_lucas_kanade(frame0, frame1)
            best = min(best, time.perf_counter() - start)
        centre = (height // 2, width // 2)
        print(f"seed_numpy/{width}x{height}/r2  {best * 1e3:8.2f} ms   "
              f"(flow at the centre {u[centre]:+.3f}, {v[centre]:+.3f}; true +0.400, -0.300)")


if __name__ == "__main__":
    main()
