#!/usr/bin/python3
"""Tests of bench/compare_opencv.py on synthetic pairs made here.

Usage: test_compare_opencv.py LKFLOW_EVAL   (run by CTest; exits with 77, skipped, without
Debian's python3-numpy; without python3-opencv only the tests of the gray conversion and the
error metrics run, and the rest report themselves skipped)

The pairs: a smooth texture of 8 plane waves, I0 = T(x, y) and I1 = T(x - 0.8, y + 0.5), so the
true flow is (u, v) = (0.8, -0.5) px everywhere (I1(x + u, y + v) = I0(x, y)); zero flow scores
EPE 0.943 px on them. "colour" is stored as RGB PNGs whose channels differ (so the gray
conversion matters) in the Middlebury layout; "yos" as gray PNGs in the Yosemite layout, its
truth's top 10 rows labelled (1, 0), Yosemite's mark for the sky, which must not be scored.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
except ImportError:
    print(f"skipped: {sys.executable} has no numpy (Debian: python3-numpy)")
    sys.exit(77)
try:
    import cv2
except ImportError:
    cv2 = None

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "bench", "compare_opencv.py")
EVAL = None  # lkflow_eval, from the command line
TRUE_U, TRUE_V = 0.8, -0.5
SKY_ROWS = 10

spec = importlib.util.spec_from_file_location("compare_opencv", SCRIPT)
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)


def texture(width, height, du=0.0, dv=0.0):
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    x, y = x - du, y - dv
    image = np.zeros((height, width))
    for _ in range(8):
        k = 2 * np.pi / (8 + 24 * rng.random())
        a, p = 2 * np.pi * rng.random(), 2 * np.pi * rng.random()
        image += np.sin(k * (np.cos(a) * x + np.sin(a) * y) + p)
    return 127.5 + 14 * image


def write_flo(path, u, v):
    with open(path, "wb") as f:
        np.array([202021.25], "<f4").tofile(f)
        np.array([u.shape[1], u.shape[0]], "<i4").tofile(f)
        np.dstack([u, v]).astype("<f4").tofile(f)


def make_data(folder, width=320, height=240):
    os.makedirs(os.path.join(folder, "colour"))
    os.makedirs(os.path.join(folder, "yos"))
    t0 = texture(width, height)
    t1 = texture(width, height, TRUE_U, TRUE_V)
    u = np.full((height, width), TRUE_U, np.float32)
    v = np.full((height, width), TRUE_V, np.float32)

    def colour(t):  # B, G, R channels that differ
        return np.clip(np.rint(np.dstack([0.6 * t + 40, t, 1.2 * t - 30])), 0, 255).astype(np.uint8)
    cv2.imwrite(os.path.join(folder, "colour", "frame10.png"), colour(t0))
    cv2.imwrite(os.path.join(folder, "colour", "frame11.png"), colour(t1))
    write_flo(os.path.join(folder, "colour", "flow10.flo"), u, v)

    def gray(t):
        return np.clip(np.rint(t), 0, 255).astype(np.uint8)
    cv2.imwrite(os.path.join(folder, "yos", "yos9.png"), gray(t0))
    cv2.imwrite(os.path.join(folder, "yos", "yos10.png"), gray(t1))
    sky_u, sky_v = u.copy(), v.copy()
    sky_u[:SKY_ROWS], sky_v[:SKY_ROWS] = 1.0, 0.0
    write_flo(os.path.join(folder, "yos", "correct_yos.flo"), sky_u, sky_v)


def run(*args, env=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          env=env)


@unittest.skipUnless(cv2, "OpenCV is missing (Debian: python3-opencv)")
class CompareOpenCV(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.temp.name, "data")
        make_data(cls.data)
        cls.out = os.path.join(cls.temp.name, "out.json")
        cls.done = run("--eval", EVAL, "--repeat", "2", "--rounds", "2", "--farneback",
                       "--lkflow", "small=--preset ultrafast --radius 3", "--lkflow", "default=",
                       "--json", cls.out, cls.data, "--", "--levels", "2")
        cls.report = None
        if cls.done.returncode == 0:
            with open(cls.out) as f:
                cls.report = json.load(f)

    def setUp(self):
        if self.report is None:
            self.fail(f"compare_opencv.py failed:\n{self.done.stderr}")

    @classmethod
    def tearDownClass(cls):
        cls.temp.cleanup()

    def test_runs_every_method_on_every_pair(self):
        labels = [m["label"] for m in self.report["methods"]]
        self.assertEqual(labels, ["small", "default", "DIS ultrafast", "DIS fast", "DIS medium",
                                  "Farneback"])
        self.assertEqual([p["name"] for p in self.report["pairs"]], ["colour", "yos"])
        for pair in self.report["pairs"]:
            self.assertEqual(pair["size"], "320x240")
            for label in labels:
                result = pair["results"][label]
                self.assertGreater(result["time_ms"], 0)
                # Every run gives the same flow (DIS too, given no output to start from: at this
                # size the flow of a previous run would change the next one's by up to 0.1 px).
                self.assertNotIn("epe_differs_between_runs", result, f"{label}, {pair['name']}")
                # Zero flow scores 0.943 px: every method must do far better on this texture.
                self.assertLess(result["epe"], 0.3, f"{label} on {pair['name']}")

    def test_lkflow_arguments_and_build_are_reported(self):
        small, default = self.report["methods"][:2]
        self.assertEqual(small["args"], ["--preset", "ultrafast", "--radius", "3", "--levels", "2"])
        # the preset's members, and those given beside it
        self.assertEqual((small["params"]["preset"], small["params"]["neighbor_candidates"],
                          small["params"]["median"]), ("ultrafast", False, True))
        self.assertEqual((small["params"]["radius"], small["params"]["levels"]), (3, 2))
        self.assertEqual(default["params"]["preset"], "balanced")
        self.assertEqual(default["params"]["levels"], 2)
        self.assertNotEqual(default["params"]["radius"], 3)
        self.assertEqual(small["params"]["threads"], 1)
        for key in ("compiler", "build_type", "flags", "target", "kernels", "sampler"):
            self.assertIn(key, small["build"])
        self.assertTrue(self.report["machine"]["cpu"])

    def test_lkflow_gets_the_frames_lkflow_eval_makes_itself(self):
        # lkflow_eval on the colour PNGs converts them with its own loader; the script's gray
        # copies must give bitwise the same flow, hence the same EPE to every digit.
        direct = subprocess.run([EVAL, self.data, "--json", "--repeat", "1", "--preset",
                                 "ultrafast", "--radius", "3", "--levels", "2"],
                                capture_output=True, text=True, check=True)
        by_name = {s["sequence"]: s for s in json.loads(direct.stdout)["sequences"]}
        for pair in self.report["pairs"]:
            self.assertEqual(pair["results"]["small"]["epe"], by_name[pair["name"]]["epe"])

    def test_yosemite_sky_is_not_scored(self):
        yos = self.report["pairs"][1]["results"]["DIS fast"]
        self.assertEqual(yos["scored"], 320 * (240 - SKY_ROWS))
        colour = self.report["pairs"][0]["results"]["DIS fast"]
        self.assertEqual(colour["scored"], 320 * 240)

    def test_table(self):
        done = run("--eval", EVAL, "--repeat", "1", "--rounds", "1", self.data)
        self.assertEqual(done.returncode, 0, done.stderr)
        for text in ("CPU: ", "built with ", "OpenCV ", "| pair | size | lkflow | DIS ultrafast "
                     "| DIS fast | DIS medium |", "| colour | 320x240 | ", "| mean of 2 | "):
            self.assertIn(text, done.stdout)

    def test_json_to_stdout(self):
        done = run("--eval", EVAL, "--repeat", "1", "--rounds", "1", "--json", "-",
                   os.path.join(self.data, "colour"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual([p["name"] for p in json.loads(done.stdout)["pairs"]], ["colour"])

    def test_skipped_without_opencv(self):
        with tempfile.TemporaryDirectory() as fake:
            with open(os.path.join(fake, "cv2.py"), "w") as f:
                f.write("raise ImportError('no OpenCV here', name='cv2')\n")
            done = run("--eval", EVAL, self.data, env=dict(os.environ, PYTHONPATH=fake))
        self.assertEqual(done.returncode, 77)
        self.assertIn("skipped", done.stderr)
        self.assertIn("python3-opencv", done.stderr)

    def test_errors(self):
        with tempfile.TemporaryDirectory() as empty:
            done = run("--eval", EVAL, empty)
            self.assertEqual(done.returncode, 1)
            self.assertIn("no pair folder", done.stderr)
            done = run("--eval", os.path.join(empty, "missing"), self.data)
            self.assertEqual(done.returncode, 1)
            self.assertIn("lkflow_eval", done.stderr)
        done = run("--eval", EVAL, "--repeat", "1", "--rounds", "1", self.data, "--",
                   "--radius", "0")
        self.assertEqual(done.returncode, 1)
        self.assertIn("--radius", done.stderr)
        self.assertEqual(run("--lkflow", "no label", self.data).returncode, 2)
        self.assertEqual(run("--repeat", "0", self.data).returncode, 2)


class Arithmetic(unittest.TestCase):
    """The script's own arithmetic, which must be lkflow's (numpy only)."""

    def test_gray_rounds_halves_away_from_zero(self):
        # Exact halves in double: 0.114 * 250 = 28.5 and 0.587 * 12 + 0.114 * 4 = 7.5. lkflow's
        # loader (std::round) gives 29 and 8; rounding half to even would give 28 and 8.
        bgr = np.array([[[250, 0, 0], [4, 12, 0], [0, 0, 255], [7, 200, 90]]], np.uint8)
        gray = compare.rec601_gray(bgr, np)
        expected = [29, 8, 76, round(0.299 * 90 + 0.587 * 200 + 0.114 * 7)]
        self.assertEqual(gray.tolist(), [expected])
        wide = compare.rec601_gray(np.array([[0, 257, 65535, 32896]], np.uint16), np)
        self.assertEqual(wide.tolist(), [[0, 1, 255, 128]])

    def test_flow_errors_match_lkflow(self):
        # Three known pixels and one unknown (1e10): EPE of (3, 4) and (0, 0) and (1, 0).
        truth_u = np.array([[0.0, 0.0, 1.0, 1e10]], np.float32)
        truth_v = np.zeros((1, 4), np.float32)
        u = np.array([[3.0, 0.0, 0.0, 5.0]], np.float32)
        v = np.array([[4.0, 0.0, 0.0, 5.0]], np.float32)
        e = compare.flow_errors(u, v, truth_u, truth_v, np)
        self.assertAlmostEqual(e["epe"], (5 + 0 + 1) / 3)
        self.assertAlmostEqual(e["over_3px"], 1 / 3)
        self.assertEqual(e["scored"], 3)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    EVAL = sys.argv.pop(1)
    unittest.main()
