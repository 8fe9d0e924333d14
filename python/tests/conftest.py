"""Helpers shared by the lkflow module's tests: frames with an exactly known motion, paths of
the repository and its data, and a way to count heap allocations in a fresh Python process."""
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("LKFLOW_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
DATA_DIR = pathlib.Path(os.environ.get("LKFLOW_DATA_DIR", SOURCE_DIR.parent / "shared" / "data"))


def texture(rows, cols, dx=0.0, dy=0.0, seed=7, min_wavelength=10.0, max_wavelength=48.0):
    """A smooth random texture with values around 0.5 (a sum of 12 plane waves of random
    direction, phase and wavelength, fixed seed) sampled at (x - dx, y - dy): texture(dx, dy)
    is texture() moved by (dx, dy), so the flow from texture() to it is exactly (dx, dy)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    image = np.zeros((rows, cols))
    for _ in range(12):
        k = 2 * np.pi / rng.uniform(min_wavelength, max_wavelength)
        angle, phase = rng.uniform(0, 2 * np.pi, size=2)
        image += np.sin(k * np.cos(angle) * (x - dx) + k * np.sin(angle) * (y - dy) + phase)
    return 0.5 + 0.05 * image


def to_u8(image):
    """Intensities in [0, 1] as rounded 8-bit pixels."""
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def moved_pair(rows, cols, dx, dy, seed=7):
    """8-bit frames I0 = texture and I1 = texture moved by (dx, dy): flow (dx, dy) everywhere."""
    return to_u8(texture(rows, cols, seed=seed)), to_u8(texture(rows, cols, dx, dy, seed=seed))


def assert_same_flow(a, b):
    """Bitwise equality of two lkflow.Flow results (u, v and confidence)."""
    for name in ("u", "v", "confidence"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y), f"{name} differs at {np.argwhere(x != y)[:3].tolist()}"


def run_counting_allocations(script):
    """Runs `script` in a new Python process with the allocation counter preloaded (see
    alloc_counter.cpp); it calls start(min_bytes) and counted() -> (count, bytes), and prints a
    JSON result that is returned. Skips when the counter is not built (sanitizer builds)."""
    counter = os.environ.get("LKFLOW_ALLOC_COUNTER")
    if not counter:
        pytest.skip("no allocation counter in this build (sanitizer builds replace malloc)")
    prelude = textwrap.dedent("""
        import ctypes, json, os
        _c = ctypes.CDLL(os.environ["LKFLOW_ALLOC_COUNTER"])
        _c.lkflow_alloc_counter_start.argtypes = [ctypes.c_size_t]
        _c.lkflow_alloc_counter_count.restype = ctypes.c_size_t
        _c.lkflow_alloc_counter_bytes.restype = ctypes.c_size_t
        def start(min_bytes):
            _c.lkflow_alloc_counter_start(min_bytes)
        def counted():
            result = (_c.lkflow_alloc_counter_count(), _c.lkflow_alloc_counter_bytes())
            _c.lkflow_alloc_counter_start(2**63)
            return result
        """)
    env = dict(os.environ, LD_PRELOAD=counter)
    out = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
