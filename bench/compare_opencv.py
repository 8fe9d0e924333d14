#!/usr/bin/python3
"""lkflow beside OpenCV's DIS (ultrafast, fast, medium) and optionally Farneback, in one run on
this machine: endpoint error (EPE) and time per image pair, side by side.

Every method gets the same 8-bit gray frames, made here once from the files: colour through
Rec. 601 luma 0.299 R + 0.587 G + 0.114 B rounded half away from zero (what lkflow_eval's loader
computes), 16-bit frames reduced to 8 bits. lkflow runs through `lkflow_eval --json` on a
temporary copy of those gray frames, so that both sides read the very same pixels. Everything
runs on one thread (lkflow_eval's default; cv2.setNumThreads(1)); a time is the fastest of
--repeat runs per round over --rounds rounds, the methods taking turns each round. lkflow reuses
its output and PyramidWorkspace between runs, DIS its object, as in a video loop; DIS gets no
output array to reuse, since OpenCV 4.6 then starts from the flow in it (Urban2, ultrafast:
EPE 1.22 px fresh, 1.41 px after four reuses). A method whose EPE is not the same in every run
is reported (epe_differs_between_runs in the JSON, a warning on stderr).

DIR: a pair folder (frame10.png, frame11.png, flow10.flo; or Yosemite's yos9.png, yos10.png,
correct_yos.flo, whose sky, labelled (1, 0), is not scored) or a folder of such folders; default
../shared/data next to the checkout. Arguments after `--` go to every lkflow_eval run (e.g.
`-- --radius 4`); --lkflow 'LABEL=ARGS' (repeatable) runs several lkflow configurations.

Usage:
  cmake --build build/release --target lkflow_eval
  /usr/bin/python3 bench/compare_opencv.py [DIR ...] [--farneback] [--json FILE] [-- ARGS]

Needs Debian's python3-opencv and python3-numpy (/usr/bin/python3, not another Python): without
them it says so and exits with 77 (skipped).
Exit codes: 0 done, 1 data or lkflow_eval error, 2 usage error, 77 OpenCV or data missing.
"""
import argparse
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

SKIP = 77
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
DEFAULT_EVAL = os.path.join(ROOT, "build", "release", "bench", "lkflow_eval")

# The layouts lkflow_eval reads: frame 0, frame 1, ground truth, whether (1, 0) marks no truth.
LAYOUTS = (("frame10.png", "frame11.png", "flow10.flo", False),
           ("yos9.png", "yos10.png", "correct_yos.flo", True))

DIS_PRESETS = ("ultrafast", "fast", "medium")
# Farneback with the parameters of OpenCV's own example (samples/python/opt_flow.py).
FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2,
                 flags=0)


class DataError(Exception):
    """A file that cannot be read or makes no sense; the message names it."""


def import_opencv():
    """(cv2, numpy), or exits with SKIP and a message saying what to install."""
    try:
        import numpy
        import cv2
    except ImportError as e:
        print(f"compare_opencv.py: skipped: {e.name or e} is not importable by {sys.executable} "
              "(needs Debian's python3-opencv and python3-numpy; run it with /usr/bin/python3)",
              file=sys.stderr)
        sys.exit(SKIP)
    return cv2, numpy


# ---- frames and ground truth ----

def rec601_gray(image, np):
    """Gray uint8 pixels of a frame as loaded by cv2.IMREAD_UNCHANGED (gray, BGR or BGRA, 8 or
    16 bits): lkflow_eval's Rec. 601 luma, in double, rounded half away from zero; 16-bit values
    are then reduced to 8 bits (v / 257, rounded), as DIS takes only 8-bit frames."""
    if image.dtype not in (np.uint8, np.uint16):
        raise DataError(f"pixels of type {image.dtype}, not 8 or 16 bits")
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        b, g, r = (image[:, :, c].astype(np.float64) for c in range(3))
        luma = 0.299 * r + 0.587 * g + 0.114 * b
        whole = np.trunc(luma)  # std::round: halves away from zero (luma >= 0)
        rounded = np.where(luma - whole >= 0.5, whole + 1, whole)
        top = float(np.iinfo(image.dtype).max)
        gray = np.minimum(rounded, top).astype(image.dtype)
    else:
        raise DataError(f"an image of shape {image.shape}, not gray, BGR or BGRA")
    if gray.dtype == np.uint16:
        gray = ((gray.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    return np.ascontiguousarray(gray)


def load_gray(path, cv2, np):
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise DataError(f"{path}: cannot be read as an image")
    try:
        return rec601_gray(image, np)
    except DataError as e:
        raise DataError(f"{path}: {e}") from None


def read_flo(path, np):
    """u, v (float32 arrays) of a Middlebury .flo file."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    if len(data) < 12 or np.frombuffer(data, "<f4", 1, 0)[0] != 202021.25:
        raise DataError(f"{path}: not a .flo file (no 202021.25 tag)")
    width, height = (int(n) for n in np.frombuffer(data, "<i4", 2, 4))
    if width < 1 or height < 1 or len(data) != 12 + 8 * width * height:
        raise DataError(f"{path}: corrupt .flo ({width}x{height} and {len(data)} bytes)")
    flow = np.frombuffer(data, "<f4", 2 * width * height, 12).reshape(height, width, 2)
    return flow[:, :, 0], flow[:, :, 1]


def flow_errors(u, v, truth_u, truth_v, np):
    """lkflow::flow_errors (metrics.hpp): mean EPE, mean angular error (degrees) and the share
    with EPE > 3 px, over the pixels whose truth is known (both components within 1e9 px)."""
    ut, vt = truth_u.astype(np.float64), truth_v.astype(np.float64)
    known = (np.abs(ut) <= 1e9) & (np.abs(vt) <= 1e9)
    u, v, ut, vt = (a.astype(np.float64)[known] for a in (u, v, ut, vt))
    if u.size == 0:
        return {"epe": math.nan, "angular_error": math.nan, "over_3px": math.nan, "scored": 0}
    epe = np.hypot(u - ut, v - vt)
    cross = np.sqrt((v - vt) ** 2 + (ut - u) ** 2 + (u * vt - v * ut) ** 2)
    angle = np.degrees(np.arctan2(cross, u * ut + v * vt + 1))
    return {"epe": float(epe.mean()), "angular_error": float(angle.mean()),
            "over_3px": float((epe > 3).mean()), "scored": int(u.size)}


class Pair:
    """One image pair with ground truth: its gray frames and the truth (sky masked)."""

    def __init__(self, name, folder, layout, cv2, np):
        frame0, frame1, truth, sky_is_unknown = layout
        self.name, self.folder, self.layout = name, folder, layout
        self.I0 = load_gray(os.path.join(folder, frame0), cv2, np)
        self.I1 = load_gray(os.path.join(folder, frame1), cv2, np)
        u, v = read_flo(os.path.join(folder, truth), np)
        if self.I0.shape != self.I1.shape or self.I0.shape != u.shape:
            raise DataError(f"{folder}: frames of {self.I0.shape[::-1]} and {self.I1.shape[::-1]}"
                            f" px and ground truth of {u.shape[::-1]} differ in size")
        u, v = u.copy(), v.copy()
        if sky_is_unknown:
            sky = (u == 1.0) & (v == 0.0)
            u[sky] = v[sky] = 1e10
        self.truth = (u, v)

    @property
    def size(self):
        return f"{self.I0.shape[1]}x{self.I0.shape[0]}"


def find_pairs(dirs, cv2, np):
    """The pairs in `dirs`: each a pair folder or a folder of pair folders (sorted by name)."""
    def layout_of(folder):
        for layout in LAYOUTS:
            if all(os.path.isfile(os.path.join(folder, f)) for f in layout[:3]):
                return layout
        return None

    found = []
    for d in dirs:
        if not os.path.isdir(d):
            raise DataError(f"{d}: no such folder")
        if layout_of(d):
            found.append(os.path.normpath(d))
            continue
        subfolders = sorted(os.path.join(d, e) for e in os.listdir(d))
        matches = [f for f in subfolders if os.path.isdir(f) and layout_of(f)]
        if not matches:
            raise DataError(f"{d}: no pair folder (frame10.png, frame11.png, flow10.flo or "
                            "yos9.png, yos10.png, correct_yos.flo) in it or below it")
        found += matches
    pairs, names = [], set()
    for folder in found:
        name = os.path.basename(os.path.abspath(folder))
        if name in names:  # the same name from two places: add its parent's
            name = os.path.join(os.path.basename(os.path.dirname(os.path.abspath(folder))), name)
        base, k = name, 2
        while name in names:
            name, k = f"{base} #{k}", k + 1
        names.add(name)
        pairs.append(Pair(name, folder, layout_of(folder), cv2, np))
    return pairs


# ---- the methods ----

def machine_description():
    """The CPU (from /proc/cpuinfo where there is one) and its vector extensions."""
    fields, processors = {}, 0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                processors += key == "processor"
                fields.setdefault(key, value.strip())
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or "unknown CPU"
    details = ", ".join(f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping")
                        if k in fields)
    flags = set(fields.get("flags", "").split())
    simd = " ".join(f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl")
                    if f in flags)
    return {"cpu": model, "vendor": fields.get("vendor_id", ""), "id": details,
            "logical_cpus": processors or os.cpu_count(), "simd": simd,
            "kernel": platform.release()}


def opencv_description(cv2):
    info = cv2.getBuildInformation()

    def line(label):
        for text in info.splitlines():
            if text.strip().startswith(label):
                return text.split(":", 1)[1].strip()
        return "?"
    return {"version": cv2.__version__, "baseline": line("Baseline:"),
            "dispatched": line("Dispatched code generation:")}


def time_opencv(method, pair, repeat, cv2, np):
    """([flow_errors of each run], fastest time in ms) of `repeat` runs of an OpenCV method on
    `pair`. No output array is passed in: DIS would start from the flow in it (see the top)."""
    best, scores = math.inf, []
    if method.startswith("dis_"):
        preset = getattr(cv2, "DISOPTICAL_FLOW_PRESET_" + method[4:].upper())
        dis = cv2.DISOpticalFlow_create(preset)  # one object per pair, reused as in a video
        run = lambda: dis.calc(pair.I0, pair.I1, None)
    else:
        run = lambda: cv2.calcOpticalFlowFarneback(pair.I0, pair.I1, None, **FARNEBACK)
    for _ in range(repeat):
        start = time.perf_counter()
        flow = run()
        best = min(best, time.perf_counter() - start)
        scores.append(flow_errors(flow[:, :, 0], flow[:, :, 1], *pair.truth, np))
    return scores, best * 1e3


def write_gray_copy(pairs, folder, cv2):
    """The gray frames as 8-bit PNGs in folder/<index>/ with each pair's layout, beside a link to
    (or copy of) its truth, for lkflow_eval. Returns {subfolder name: pair}."""
    by_name = {}
    for index, pair in enumerate(pairs):
        sub = f"{index:04d}"
        os.mkdir(os.path.join(folder, sub))
        frame0, frame1, truth, _ = pair.layout
        for image, name in ((pair.I0, frame0), (pair.I1, frame1)):
            if not cv2.imwrite(os.path.join(folder, sub, name), image):
                raise DataError(f"cannot write a gray frame into {folder}")
        source = os.path.abspath(os.path.join(pair.folder, truth))
        try:
            os.symlink(source, os.path.join(folder, sub, truth))
        except OSError:
            with open(source, "rb") as f, open(os.path.join(folder, sub, truth), "wb") as g:
                g.write(f.read())
        by_name[sub] = pair
    return by_name


def record(errors, key, result):
    """errors[key] = the first run's `result`; marks it when a later run's EPE differs."""
    first = errors.setdefault(key, result)
    if result["epe"] != first["epe"] and not first.get("epe_differs_between_runs"):
        first["epe_differs_between_runs"] = True
        print(f"compare_opencv.py: warning: {key[0]} on {key[1]}: EPE {first['epe']:.4f} px in "
              f"its first run, {result['epe']:.4f} px in a later one", file=sys.stderr)


def run_lkflow_eval(program, args, folder, repeat):
    command = [program, folder, "--json", "--repeat", str(repeat)] + args
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as e:
        raise DataError(f"cannot run {program}: {e.strerror}") from None
    if done.returncode != 0:
        raise DataError(f"{shlex.join(command)} failed (exit {done.returncode}):\n"
                        f"{done.stderr.strip()}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise DataError(f"{program} printed no valid JSON ({e}):\n{done.stdout[:500]}") from None


# ---- output ----

def describe_build(build):
    if not build:
        return "unknown build (an lkflow_eval that does not report it)"
    return (f"{build['compiler']}, {build['build_type'] or 'unknown build type'} {build['flags']}"
            f" for {build['target']}; kernels {build.get('kernels', '?')}, bilinear sampler "
            f"{build['sampler']}")


def describe_params(p):
    preset = f"preset {p['preset']}, " if "preset" in p else ""
    return (f"{preset}radius {p['radius']}, levels {p['levels'] or 'as many as fit'}, iterations "
            f"{p['iterations']}, min_eigenvalue {p['min_eigenvalue']:g}, median "
            f"{'on' if p['median'] else 'off'}, candidates "
            f"{candidates_text(p)}, threads {p['threads']}")


def candidates_text(p):
    if not p["neighbor_candidates"]:
        return "off"
    if "candidate_min_change" not in p:  # an lkflow_eval that does not report them
        return "on"
    return (f"on (> {p['candidate_min_change']:g} px, "
            f"{'every' if p['candidates_every_iteration'] else 'last'} warp)")


def print_table(report, out):
    methods = report["methods"]
    print(f"CPU: {report['machine']['cpu']} ({report['machine']['vendor']}, "
          f"{report['machine']['id']}), {report['machine']['logical_cpus']} logical CPUs, "
          f"{report['machine']['simd']}", file=out)
    for m in methods:
        if m["kind"] == "lkflow":
            print(f"{m['label']}: {m['eval']} {shlex.join(m['args'])}".rstrip(), file=out)
            print(f"  built with {describe_build(m['build'])}", file=out)
            print(f"  pyramidal_flow: {describe_params(m['params'])}", file=out)
    cv = report["opencv"]
    print(f"OpenCV {cv['version']} (baseline {cv['baseline']}; dispatched {cv['dispatched']}), "
          f"1 thread; numpy {report['numpy']}, Python {report['python']}", file=out)
    print(f"Time: fastest of {report['rounds']} rounds x {report['repeat']} runs, methods taking "
          "turns; the flow computation alone. EPE in px (first run), time in ms.", file=out)
    print(file=out)
    print("| pair | size | " + " | ".join(m["label"] for m in methods) + " |", file=out)
    print("|---|---|" + "---|" * len(methods), file=out)
    for row in report["pairs"] + [report["mean"]]:
        cells = [f"{row['results'][m['label']]['epe']:.3f} px, "
                 f"{row['results'][m['label']]['time_ms']:.2f} ms" for m in methods]
        print(f"| {row['name']} | {row.get('size', '')} | " + " | ".join(cells) + " |", file=out)


def write_json(report, path):
    text = json.dumps(report, indent=1) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    temporary = f"{path}.tmp{os.getpid()}"  # then renamed: never a partial file at `path`
    try:
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as e:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise DataError(f"{path}: cannot write: {e.strerror}") from None


# ---- main ----

def parse_arguments(argv):
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after -- go to every lkflow_eval run. See the top of this file.")
    parser.add_argument("dirs", nargs="*", metavar="DIR",
                        help=f"pair folders or folders of them (default: {DEFAULT_DATA})")
    parser.add_argument("--eval", default=DEFAULT_EVAL, metavar="PATH",
                        help="the lkflow_eval program (default: build/release/bench/lkflow_eval)")
    parser.add_argument("--lkflow", action="append", default=[], metavar="LABEL=ARGS",
                        help="an lkflow configuration: its label and lkflow_eval arguments, e.g. "
                        "'lkflow r4=--radius 4' (repeatable; default: one, 'lkflow')")
    parser.add_argument("--repeat", type=int, default=10, metavar="N",
                        help="runs per method, pair and round; the fastest counts (default 10)")
    parser.add_argument("--rounds", type=int, default=3, metavar="R",
                        help="rounds in which the methods take turns (default 3)")
    parser.add_argument("--farneback", action="store_true",
                        help="also OpenCV's Farneback (parameters of OpenCV's example)")
    parser.add_argument("--json", metavar="FILE",
                        help="write the results as JSON to FILE ('-': to stdout, no table)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rounds < 1:
        parser.error("--repeat and --rounds must be at least 1")
    configs = []
    for spec in args.lkflow or ["lkflow="]:
        label, sep, rest = spec.partition("=")
        if not sep or not label.strip():
            parser.error(f"--lkflow {spec!r}: expected LABEL=ARGS")
        configs.append((label.strip(), shlex.split(rest) + extra))
    if len({label for label, _ in configs}) != len(configs):
        parser.error("--lkflow labels must differ")
    return args, configs


def main(argv):
    args, configs = parse_arguments(argv)
    cv2, np = import_opencv()
    cv2.setNumThreads(1)
    dirs = args.dirs
    if not dirs:
        if not os.path.isdir(DEFAULT_DATA):
            print(f"compare_opencv.py: skipped: no data folder given and {DEFAULT_DATA} is absent",
                  file=sys.stderr)
            return SKIP
        dirs = [DEFAULT_DATA]
    if not os.access(args.eval, os.X_OK):
        print(f"compare_opencv.py: {args.eval} is not an executable lkflow_eval; build it with "
              "`cmake --build build/release --target lkflow_eval` or pass --eval", file=sys.stderr)
        return 1

    try:
        pairs = find_pairs(dirs, cv2, np)
        opencv_methods = [("dis_" + p, "DIS " + p) for p in DIS_PRESETS]
        if args.farneback:
            opencv_methods.append(("farneback", "Farneback"))
        times = {}  # (method label, pair name) -> fastest ms
        errors = {}  # (method label, pair name) -> flow_errors
        lkflow_runs = {}
        with tempfile.TemporaryDirectory(prefix="lkflow_compare_") as folder:
            by_sub = write_gray_copy(pairs, folder, cv2)
            for _ in range(args.rounds):
                for label, extra in configs:
                    result = run_lkflow_eval(args.eval, extra, folder, args.repeat)
                    lkflow_runs[label] = result
                    for entry in result["sequences"]:
                        key = (label, by_sub[entry["sequence"]].name)
                        times[key] = min(times.get(key, math.inf), entry["time_ms"])
                        record(errors, key,
                               {k: entry[k] for k in ("epe", "angular_error", "over_3px")})
                for method, label in opencv_methods:
                    for pair in pairs:
                        scores, ms = time_opencv(method, pair, args.repeat, cv2, np)
                        key = (label, pair.name)
                        times[key] = min(times.get(key, math.inf), ms)
                        for score in scores:
                            record(errors, key, score)
    except DataError as e:
        print(f"compare_opencv.py: {e}", file=sys.stderr)
        return 1

    methods = [{"label": label, "kind": "lkflow", "eval": os.path.abspath(args.eval),
                "args": extra, "params": lkflow_runs[label]["params"],
                "build": lkflow_runs[label].get("build")} for label, extra in configs]
    methods += [{"label": label, "kind": "opencv", "method": method}
                for method, label in opencv_methods]
    rows = []
    for pair in pairs:
        results = {m["label"]: dict(errors[(m["label"], pair.name)],
                                    time_ms=times[(m["label"], pair.name)]) for m in methods}
        rows.append({"name": pair.name, "size": pair.size, "folder": os.path.abspath(pair.folder),
                     "results": results})
    mean = {"name": f"mean of {len(rows)}", "results": {}}
    for m in methods:
        label = m["label"]
        mean["results"][label] = {
            k: sum(r["results"][label][k] for r in rows) / len(rows)
            for k in ("epe", "angular_error", "over_3px", "time_ms")}
    report = {"machine": machine_description(), "opencv": opencv_description(cv2),
              "numpy": np.__version__, "python": platform.python_version(),
              "repeat": args.repeat, "rounds": args.rounds, "threads": 1,
              "farneback_params": FARNEBACK if args.farneback else None,
              "methods": methods, "pairs": rows, "mean": mean}
    try:
        if args.json:
            write_json(report, args.json)
    except DataError as e:
        print(f"compare_opencv.py: {e}", file=sys.stderr)
        return 1
    if args.json != "-":
        print_table(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
