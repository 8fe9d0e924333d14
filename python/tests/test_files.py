""".flo files, colour coding and error metrics from Python, and pyramidal_flow on a real
Middlebury pair with its ground truth (skipped when ../shared/data is absent)."""
import struct

import numpy as np
import pytest

import lkflow
from conftest import DATA_DIR, moved_pair


def random_flow(rows=5, cols=7, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return lkflow.Flow(rng.normal(0, 3, (rows, cols)).astype(dtype),
                       rng.normal(0, 3, (rows, cols)).astype(dtype), None)


def test_flo_round_trip_is_bit_exact(tmp_path):
    flow = random_flow()
    flow.u[0, 0] = flow.v[0, 0] = lkflow.unknown_flow_value
    path = tmp_path / "a.flo"
    lkflow.write_flo(path, flow)
    data = path.read_bytes()
    assert data[:4] == b"PIEH" and struct.unpack("<ii", data[4:12]) == (7, 5)
    assert len(data) == 12 + 8 * 35
    back = lkflow.read_flo(str(path))  # str or os.PathLike
    assert back.confidence is None
    assert back.u.dtype == np.float32 and back.u.shape == (5, 7)
    assert np.array_equal(back.u, flow.u) and np.array_equal(back.v, flow.v)
    # (u, v) tuples, float64 fields (rounded to float32) and strided views are written too
    lkflow.write_flo(path, (flow.u.astype(np.float64)[:, ::2], flow.v[:, ::2]))
    again = lkflow.read_flo(path)
    assert np.array_equal(again.u, flow.u[:, ::2]) and np.array_equal(again.v, flow.v[:, ::2])


def test_flo_errors_name_the_file(tmp_path):
    with pytest.raises(lkflow.FileError, match=r"lkflow::read_flo: .*missing.flo: no such file"):
        lkflow.read_flo(tmp_path / "missing.flo")
    assert issubclass(lkflow.FileError, OSError)
    bad = tmp_path / "bad.flo"
    bad.write_bytes(b"PNG\x00" + bytes(20))
    with pytest.raises(lkflow.FileError, match="not a .flo file"):
        lkflow.read_flo(bad)
    truncated = tmp_path / "truncated.flo"
    lkflow.write_flo(truncated, random_flow())
    truncated.write_bytes(truncated.read_bytes()[:-1])
    with pytest.raises(lkflow.FileError, match="truncated"):
        lkflow.read_flo(truncated)
    with pytest.raises(lkflow.FileError, match="no_such_folder"):
        lkflow.write_flo(tmp_path / "no_such_folder" / "a.flo", random_flow())
    with pytest.raises(ValueError, match=r"flow.u has shape \(5, 7\) but flow.v has shape"):
        lkflow.write_flo(tmp_path / "a.flo", (random_flow().u, random_flow(rows=4).v))
    with pytest.raises(TypeError, match="flow.u has dtype int64; flow fields must be float32"):
        lkflow.write_flo(tmp_path / "a.flo", (np.zeros((2, 2), np.int64),) * 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.flo", "truncated.flo"]


def test_a_failed_write_leaves_no_file(tmp_path):
    (tmp_path / "a folder.flo").mkdir()
    with pytest.raises(lkflow.FileError, match="a folder.flo"):
        lkflow.write_flo(tmp_path / "a folder.flo", random_flow())
    assert [p.name for p in tmp_path.iterdir()] == ["a folder.flo"]
    assert list((tmp_path / "a folder.flo").iterdir()) == []


def test_flow_to_rgb():
    u = np.array([[1.0, -1.0, 0.0, 0.0, 0.0, 1e10]])
    v = np.array([[0.0, 0.0, 1.0, 0.0, -1.0, 1e10]])
    rgb = lkflow.flow_to_rgb((u, v))
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 6, 3)
    right, left, down, still, up, unknown = rgb[0].tolist()
    assert right == [255, 0, 0]  # Middlebury: right is red
    assert still == [255, 255, 255]  # no motion is white
    assert unknown == [0, 0, 0]  # unknown is black
    assert down[0] > 200 and down[1] > 150 and down[2] < 60  # down is yellow-orange
    assert left[0] == 0 and left[2] == 255  # left is cyan-blue
    assert up[2] == 255 and up[1] == 0 and 0 < up[0] < 128  # up is blue-violet
    half = lkflow.flow_to_rgb((u, v), max_radius=2.0)[0, 0].tolist()
    assert half == [255, 127, 127]  # half the radius: half saturated
    with pytest.raises(ValueError, match="max_radius must be finite and >= 0"):
        lkflow.flow_to_rgb((u, v), max_radius=-1.0)
    legend = lkflow.color_wheel_legend(31)
    assert legend.shape == (31, 31, 3) and legend[15, 15].tolist() == [255, 255, 255]
    with pytest.raises(ValueError, match="size must be >= 3"):
        lkflow.color_wheel_legend(2)


def test_flow_errors():
    truth = random_flow(40, 50, seed=2, dtype=np.float64)
    estimate = lkflow.Flow(truth.u + 0.6, truth.v - 0.8, None)  # endpoint error 1.0 everywhere
    truth.u[0, :10] = 1e10  # unknown: not scored
    e = lkflow.flow_errors(estimate, truth)
    assert e.scored == 40 * 50 - 10
    assert e.epe == pytest.approx(1.0, abs=1e-12)
    # angular error as in Barron et al., from the space-time vectors (u, v, 1)
    a = np.stack([estimate.u, estimate.v, np.ones_like(truth.u)])[:, truth.u < 1e9]
    b = np.stack([truth.u, truth.v, np.ones_like(truth.u)])[:, truth.u < 1e9]
    cos = (a * b).sum(0) / np.linalg.norm(a, axis=0) / np.linalg.norm(b, axis=0)
    assert e.angular_error == pytest.approx(np.degrees(np.arccos(np.clip(cos, -1, 1))).mean(),
                                            rel=1e-9)
    assert 0 <= e.over_1px <= 1 and e.over_3px == 0
    assert "epe=1.0" in repr(e)
    with pytest.raises(ValueError, match="estimate.u is 40x49"):
        lkflow.flow_errors((truth.u[:, 1:], truth.v[:, 1:]), truth)


def read_gray(path):
    """An 8-bit gray frame (Rec. 601), with OpenCV or scikit-image, whichever is installed."""
    try:
        import cv2
        return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    except ImportError:
        pass
    try:
        from skimage import io
        rgb = io.imread(path).astype(np.float64)
        return np.clip(np.rint(rgb[..., :3] @ [0.299, 0.587, 0.114]), 0, 255).astype(np.uint8)
    except ImportError:
        pytest.skip("reading PNG frames needs python3-opencv or python3-skimage")


def test_a_real_pair_against_its_ground_truth():
    sequence = DATA_DIR / "RubberWhale"
    if not (sequence / "flow10.flo").exists():
        pytest.skip(f"no Middlebury data in {DATA_DIR}")
    I0, I1 = read_gray(sequence / "frame10.png"), read_gray(sequence / "frame11.png")
    truth = lkflow.read_flo(sequence / "flow10.flo")
    errors = lkflow.flow_errors(lkflow.pyramidal_flow(I0, I1), truth)
    # README's table: 0.175 px with lkflow's own PNG reader and gray conversion.
    assert errors.epe < 0.2, errors
    assert errors.scored > 0.9 * I0.size
