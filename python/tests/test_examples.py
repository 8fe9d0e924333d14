"""The Python examples run and print what they promise (examples/python)."""
import os
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples" / "python"


def run(script, *args):
    out = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                         text=True, timeout=300, env=os.environ)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_seed_vs_lkflow():
    out = run("seed_vs_lkflow.py", "--size", "160x120", "--repetitions", "2")
    assert "seed (numpy" in out and "lkflow.dense_flow" in out and "times faster" in out
    difference = float(out.split("largest difference to the seed away from the edges: ")[1]
                       .split(" px")[0])
    assert difference < 1e-3


def test_video_flow(tmp_path):
    out = run("video_flow.py", "--max-frames", "4", "--threads", "1", "--out",
              str(tmp_path / "flow.avi"))
    try:
        import cv2  # noqa: F401
    except ImportError:
        assert out.startswith("skipped: this example reads video with OpenCV")
        pytest.skip("no OpenCV for this Python: the example said so and stopped")
    assert out.count("pair ") >= 3 and "3 pairs of 320x240 frames" in out
    assert (tmp_path / "flow.avi").stat().st_size > 0
