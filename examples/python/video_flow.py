#!/usr/bin/python3
"""The flow of every pair of consecutive frames of a video, read with OpenCV, computed by
lkflow.PyramidalFlow: it keeps its buffers and the last flow between frames, and writes each
result into the arrays of the previous one, so that the loop allocates nothing per frame.

Usage: examples/python/video_flow.py [VIDEO] [--out FLOW_VIDEO.avi] [--preset balanced]
                                     [--threads 0] [--max-frames N]
Without VIDEO it makes a short clip of a moving texture first (into a temporary folder).
Needs OpenCV for Python (Debian: apt-get install python3-opencv); without it, says so and stops.
"""
import argparse
import pathlib
import sys
import tempfile
import time

import numpy as np

import lkflow

try:
    import cv2
except ImportError:
    cv2 = None


def synthetic_clip(path, frames=30, width=320, height=240):
    """A clip of a random texture turning and drifting, written with OpenCV (Motion JPEG)."""
    rng = np.random.default_rng(1)
    texture = cv2.GaussianBlur(rng.random((2 * height, 2 * width)).astype(np.float32), (0, 0), 3)
    texture = cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (width, height))
    for k in range(frames):
        turn = cv2.getRotationMatrix2D((width, height), 0.5 * k, 1.0)
        turn[:, 2] += (1.5 * k - width / 2, 0.7 * k - height / 2)
        frame = cv2.warpAffine(texture, turn, (width, height), flags=cv2.INTER_LINEAR)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", help="any video OpenCV reads; default: a made-up clip")
    parser.add_argument("--out", help="write the colour-coded flow as a video (Motion JPEG)")
    parser.add_argument("--preset", default="balanced", help="ultrafast, fast, balanced, accurate")
    parser.add_argument("--threads", type=int, default=0, help="0 = all cores")
    parser.add_argument("--max-frames", type=int, default=0, help="0 = all")
    args = parser.parse_args()
    if cv2 is None:
        print("skipped: this example reads video with OpenCV, which this Python does not have "
              "(Debian: apt-get install python3-opencv)")
        return 0

    with tempfile.TemporaryDirectory() as folder:
        path = args.video
        if path is None:
            path = pathlib.Path(folder) / "moving_texture.avi"
            synthetic_clip(path)
        capture = cv2.VideoCapture(str(path))
        ok, frame = capture.read()
        if not ok:
            print(f"error: cannot read a frame from {path}", file=sys.stderr)
            return 1
        previous = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        stream = lkflow.PyramidalFlow(preset=args.preset, threads=args.threads)
        writer, flow, pairs, total = None, None, 0, 0.0
        while args.max_frames == 0 or pairs + 1 < args.max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            start = time.perf_counter()
            flow = stream.calc(previous, gray, out=flow)  # from the second pair on: no allocation
            elapsed = time.perf_counter() - start
            total += elapsed
            pairs += 1
            u, v, confidence = flow
            speed = np.hypot(u, v)
            print(f"pair {pairs:4d}: {1e3 * elapsed:6.2f} ms, "
                  f"mean |flow| {speed.mean():6.3f} px, max {speed.max():6.2f} px")
            if args.out:
                if writer is None:
                    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*"MJPG"), 25,
                                             (gray.shape[1], gray.shape[0]))
                writer.write(cv2.cvtColor(lkflow.flow_to_rgb(flow), cv2.COLOR_RGB2BGR))
            previous = gray
        if writer is not None:
            writer.release()
        capture.release()
    if pairs == 0:
        print("error: the video has fewer than two frames", file=sys.stderr)
        return 1
    print(f"{pairs} pairs of {previous.shape[1]}x{previous.shape[0]} frames, "
          f"{1e3 * total / pairs:.2f} ms per pair on average (lkflow {lkflow.__version__}, "
          f"preset {args.preset}, threads {args.threads})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
