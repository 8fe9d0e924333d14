"""README's Python block runs as written, and the layouts it gives for OpenCV and scikit-image
match what those libraries compute on the same frames (skipped when they are not installed)."""
import re

import numpy as np
import pytest

import lkflow
from conftest import SOURCE_DIR, moved_pair


def test_the_readme_block_runs(tmp_path, monkeypatch, capsys):
    readme = (SOURCE_DIR / "README.md").read_text()
    block = re.search(r"<!-- Run by python/tests/test_readme.py[^\n]*\n```python\n(.*?)```",
                      readme, re.S)
    assert block, "README.md: the Python block was not found"
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert abs(float(re.search(r"u = (\S+),", out).group(1)) - 0.4) < 0.05 and "epe=" in out
    assert (tmp_path / "readme_flow.flo").exists()


def test_layouts_match_opencv():
    cv2 = pytest.importorskip("cv2")
    I0, I1 = moved_pair(120, 160, 1.2, -0.7)
    flow = lkflow.pyramidal_flow(I0, I1)
    ours = np.dstack((flow.u, flow.v))
    theirs = cv2.calcOpticalFlowFarneback(I0, I1, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    assert ours.shape == theirs.shape
    inner = (slice(20, -20), slice(20, -20))
    assert np.abs(np.median(ours[inner], axis=(0, 1)) - np.median(theirs[inner], axis=(0, 1))).max() < 0.1


def test_layouts_match_scikit_image():
    registration = pytest.importorskip("skimage.registration")
    I0, I1 = moved_pair(120, 160, 1.2, -0.7)
    flow = lkflow.pyramidal_flow(I0, I1)
    ours = np.stack((flow.v, flow.u))
    theirs = registration.optical_flow_ilk(I0, I1)
    assert ours.shape == theirs.shape
    inner = (slice(None), slice(20, -20), slice(20, -20))
    assert np.abs(np.median(ours[inner], axis=(1, 2)) - np.median(theirs[inner], axis=(1, 2))).max() < 0.1
