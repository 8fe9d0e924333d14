"""lkflow.dense_flow against the seed's whole-array numpy method, written here from its
description (not shared with bench/seed_numpy.py): intensities I = pixel / 255, gradients by
central differences with zero padding, It = I0 - I1, each of the five products summed over the
(2r+1) x (2r+1) windows through its own cumulative-sum table, and Cramer's rule.

The two differ by design only where a window touches the image's outermost rows or columns
(zero padding there, replicated pixels in lkflow), so they are compared on the pixels whose
window stays clear of them, and where the window is well-posed (see WELL_POSED)."""
import numpy as np
import pytest

import lkflow
from conftest import moved_pair

# Smallest eigenvalue of the window-mean structure tensor, (intensity/px)^2, from which a window
# counts as well-posed. The seed's tables sum whole rows and columns, so its window sums carry
# rounding errors of about 1e-16 times the table's entries; the flow inherits them divided by
# the smallest eigenvalue. At 1e-5 (dense_flow's default threshold; 84% of the windows at
# r = 1, all at r = 7) both agree to 7e-11 px on these frames, at 1e-6 to 8e-10 px, and on every
# window of r = 1 to 2e-9 px; the test asks for 1e-9 px.
WELL_POSED = 1e-5


def seed_flow(frame0, frame1, radius):
    """u, v of the seed's method on 8-bit frames, for pixels whose window lies inside the image
    (rows radius .. rows - radius - 1, and the same for columns), with NaN where det = 0."""
    I0 = frame0.astype(np.float64) / 255
    I1 = frame1.astype(np.float64) / 255
    padded = np.zeros((I0.shape[0] + 2, I0.shape[1] + 2))
    padded[1:-1, 1:-1] = I0
    Ix = 0.5 * (padded[1:-1, 2:] - padded[1:-1, :-2])
    Iy = 0.5 * (padded[2:, 1:-1] - padded[:-2, 1:-1])
    It = I0 - I1
    n = 2 * radius + 1

    def box(product):
        # table[i, j] = sum of product[:i, :j]; a window sum is four table entries.
        table = np.zeros((product.shape[0] + 1, product.shape[1] + 1))
        table[1:, 1:] = np.cumsum(np.cumsum(product, axis=0), axis=1)
        return table[n:, n:] - table[:-n, n:] - table[n:, :-n] + table[:-n, :-n]

    sxx, syy, sxy = box(Ix * Ix), box(Iy * Iy), box(Ix * Iy)
    sxt, syt = box(Ix * It), box(Iy * It)
    det = sxx * syy - sxy * sxy
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(det != 0, (syy * sxt - sxy * syt) / det, np.nan)
        v = np.where(det != 0, (sxx * syt - sxy * sxt) / det, np.nan)
    return u, v


def interior(field, radius):
    """The pixels of a full-size field whose window stays clear of the outermost rows and
    columns, as an array aligned with seed_flow's output trimmed by one more pixel per side."""
    m = radius + 1
    return field[m:-m, m:-m]


@pytest.mark.parametrize("radius", [1, 2, 7])
@pytest.mark.parametrize("as_float", [False, True], ids=["uint8 frames", "float64 frames"])
def test_dense_flow_equals_the_seed_in_float64(radius, as_float):
    frame0, frame1 = moved_pair(240, 320, 0.4, -0.3, seed=3)
    u_seed, v_seed = seed_flow(frame0, frame1, radius)
    u_seed, v_seed = u_seed[1:-1, 1:-1], v_seed[1:-1, 1:-1]  # windows clear of the edge rows
    I0, I1 = (frame0, frame1) if not as_float else (frame0 / 255.0, frame1 / 255.0)
    flow = lkflow.dense_flow(I0, I1, radius=radius, min_eigenvalue=0, dtype=np.float64)
    u, v, confidence = (interior(f, radius) for f in flow)
    assert u.shape == u_seed.shape

    well_posed = confidence >= WELL_POSED
    assert well_posed.mean() > 0.75, "the frames should give mostly well-posed windows"
    error = np.maximum(np.abs(u - u_seed), np.abs(v - v_seed))[well_posed]
    assert np.isfinite(error).all()
    assert error.max() <= 1e-9, f"largest difference {error.max():.3g} px"
    # and both found the motion the frames were made with
    assert abs(np.median(u) - 0.4) < 0.02 and abs(np.median(v) + 0.3) < 0.02


def test_the_comparison_can_fail():
    """The seed function is sensitive to what it should be: with I0 and I1 swapped the flow
    reverses, and the comparison above would fail by about 0.7 px."""
    frame0, frame1 = moved_pair(120, 160, 0.4, -0.3, seed=3)
    u_seed, _ = seed_flow(frame1, frame0, 2)
    u = interior(lkflow.dense_flow(frame0, frame1, min_eigenvalue=0, dtype=np.float64).u, 2)
    assert np.median(np.abs(u - u_seed[1:-1, 1:-1])) > 0.5
