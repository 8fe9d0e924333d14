#!/usr/bin/python3
"""Frame pairs with known flow, made from scikit-image's bundled photos, for lkflow_eval and
bench/compare_opencv.py: what real footage holds beyond the Middlebury pairs.

Usage: bench/make_test_pairs.py OUT_DIR      (then: bench/compare_opencv.py OUT_DIR/*)

How the truth is made: I0 is the photo (gray, Rec. 601, 8 bits). I1(q) = P(A^-1 q), P the photo's
5th-order spline and A(x) = M (x - c) + c + t an affine map about the centre c, so that
I1(A(x)) = I0(x) and the flow at x is A(x) - x. Pixels whose A(x) leaves the frame have unknown
truth (1e10, Middlebury's convention). Both frames are rounded to 8 bits, after Gaussian noise of
the group's standard deviation, drawn independently for each frame, where the group has noise.

Groups (one folder each, Middlebury layout: NAME/frame10.png, frame11.png, flow10.flo):
  subpixel    four photos, translations below a pixel
  translation 20-30 px translations
  large       translations of a sixth of the short side
  affine      rotations and zooms
  smooth_sky  photos whose sky is made smooth (blurred above the horizon), sub-pixel and 25 px
  noisy       the sky photos and two others with 1 and 2 grey levels of noise per frame
Needs Debian's python3-skimage (and python3-scipy, which it brings); exits 77 without it.
"""
import os
import struct
import sys


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        import numpy as np
        import scipy.ndimage as ndi
        import skimage.data as photos
        from skimage import io, transform
    except ImportError as error:
        print(f"make_test_pairs.py: skipped: {error} (Debian: apt-get install python3-skimage)",
              file=sys.stderr)
        return 77
    out_dir = argv[1]

    def gray(image):
        image = image.astype(np.float64)
        if image.ndim == 3:
            return image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114
        return image

    def write_flo(path, u, v):
        rows, cols = u.shape
        with open(path, "wb") as f:
            f.write(b"PIEH" + struct.pack("<ii", cols, rows))
            f.write(np.stack([u, v], -1).astype("<f4").tobytes())

    def save(path, image):
        io.imsave(path, np.clip(np.rint(image), 0, 255).astype(np.uint8), check_contrast=False)

    def make(group, name, photo, matrix, shift, noise=0.0, seed=0):
        rows, cols = photo.shape
        coefficients = ndi.spline_filter(photo, order=5, mode="mirror")
        y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
        cx, cy = (cols - 1) / 2, (rows - 1) / 2
        m = np.array(matrix, dtype=np.float64)
        ax = m[0, 0] * (x - cx) + m[0, 1] * (y - cy) + cx + shift[0]
        ay = m[1, 0] * (x - cx) + m[1, 1] * (y - cy) + cy + shift[1]
        inverse = np.linalg.inv(m)
        qx = inverse[0, 0] * (x - cx - shift[0]) + inverse[0, 1] * (y - cy - shift[1]) + cx
        qy = inverse[1, 0] * (x - cx - shift[0]) + inverse[1, 1] * (y - cy - shift[1]) + cy
        frame1 = ndi.map_coordinates(coefficients, [qy, qx], order=5, mode="mirror",
                                     prefilter=False)
        frame0 = photo.copy()
        if noise > 0:
            rng = np.random.default_rng(seed)
            frame0 = frame0 + rng.normal(0, noise, frame0.shape)
            frame1 = frame1 + rng.normal(0, noise, frame1.shape)
        outside = (ax < 0) | (ax > cols - 1) | (ay < 0) | (ay > rows - 1)
        u = np.where(outside, 1e10, ax - x)
        v = np.where(outside, 1e10, ay - y)
        folder = os.path.join(out_dir, group, name)
        os.makedirs(folder, exist_ok=True)
        save(os.path.join(folder, "frame10.png"), frame0)
        save(os.path.join(folder, "frame11.png"), frame1)
        write_flo(os.path.join(folder, "flow10.flo"), u, v)
        print(f"{group}/{name}: {cols}x{rows}")

    def smooth_sky(image, horizon, sigma=12):
        blurred = ndi.gaussian_filter(image, sigma, mode="nearest")
        y = np.arange(image.shape[0])[:, None]
        above = np.clip((horizon - y) / 10.0, 0, 1)  # 1 above the horizon, soft over 10 rows
        return above * blurred + (1 - above) * image

    def rotation_zoom(degrees, zoom):
        a = np.deg2rad(degrees)
        return zoom * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    identity = np.eye(2)
    camera, rocket = gray(photos.camera()), gray(photos.rocket())
    coffee, astronaut, chelsea = gray(photos.coffee()), gray(photos.astronaut()), gray(
        photos.chelsea())
    camera_sky, rocket_sky = smooth_sky(camera, 150), smooth_sky(rocket, 200)
    rocket_360 = rocket[30:390, :]
    coffee_360 = transform.resize(coffee, (360, 540), anti_aliasing=True, preserve_range=True)

    for name, photo, shift in [("camera", camera, (0.6, -0.35)), ("rocket", rocket, (0.6, -0.35)),
                               ("coffee", coffee, (-0.45, 0.3)),
                               ("astronaut", astronaut, (0.3, 0.7))]:
        make("subpixel", name, photo, identity, shift)
    for name, photo, shift in [("camera", camera, (22.5, -14.25)),
                               ("rocket", rocket, (22.5, -14.25)),
                               ("chelsea", chelsea, (-18.3, 21.7))]:
        make("translation", name, photo, identity, shift)
    for name, photo, shift in [("rocket_640x360", rocket_360, (-40, -60)),
                               ("coffee_540x360", coffee_360, (55, 30)),
                               ("camera", camera, (-85, 40)), ("astronaut", astronaut, (70, -60))]:
        make("large", name, photo, identity, shift)
    for name, photo, matrix, shift in [("camera", camera, rotation_zoom(2.0, 1.02), (1.5, -0.5)),
                                       ("rocket", rocket, rotation_zoom(-1.5, 0.98), (3.0, 2.0)),
                                       ("coffee", coffee, rotation_zoom(0.0, 1.05), (0.0, 0.0))]:
        make("affine", name, photo, matrix, shift)
    for name, photo, shift in [("camera_subpixel", camera_sky, (0.6, -0.35)),
                               ("rocket_subpixel", rocket_sky, (0.6, -0.35)),
                               ("camera_25px", camera_sky, (22.5, -14.25)),
                               ("rocket_25px", rocket_sky, (22.5, -14.25))]:
        make("smooth_sky", name, photo, identity, shift)
    seed = 1
    for name, photo in [("camera", camera), ("rocket", rocket), ("camera_sky", camera_sky),
                        ("rocket_sky", rocket_sky)]:
        for label, shift in [("subpixel", (0.6, -0.35)), ("25px", (22.5, -14.25))]:
            for noise in (1.0, 2.0):
                make("noisy", f"{name}_{label}_noise{int(noise)}", photo, identity, shift, noise,
                     seed)
                seed += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
