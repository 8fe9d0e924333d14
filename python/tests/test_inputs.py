"""Frames as numpy arrays: every dtype and memory layout gives the same flow, inputs are read in
place (proved by counting allocations), and bad input raises TypeError or ValueError with
lkflow's message."""
import numpy as np
import pytest

import lkflow
from conftest import assert_same_flow, moved_pair, run_counting_allocations

ROWS, COLS = 96, 128


def layouts(image):
    """The same pixels in different memory layouts, each read without a copy."""
    strided = np.zeros((2 * image.shape[0], 3 * image.shape[1]), image.dtype)
    strided[::2, ::3] = image
    flipped = np.ascontiguousarray(image[::-1, ::-1])
    read_only = image.copy()
    read_only.flags.writeable = False
    return {
        "C order": np.ascontiguousarray(image),
        "Fortran order": np.asfortranarray(image),
        "every 2nd row, 3rd column": strided[::2, ::3],
        "negative strides": flipped[::-1, ::-1],
        "transposed view": np.ascontiguousarray(image.T).T,
        "read-only": read_only,
    }


def frames_as(dtype, frame):
    """An 8-bit frame as `dtype`, with the same intensities: uint16 = 257 x (so that x / 65535 =
    x / 255 exactly), floats = x / 255."""
    if dtype == np.uint8:
        return frame
    if dtype == np.uint16:
        return frame.astype(np.uint16) * 257
    return (frame / 255.0).astype(dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("function", ["dense_flow", "pyramidal_flow"])
def test_every_layout_gives_the_same_flow(dtype, function):
    f0, f1 = (frames_as(dtype, f) for f in moved_pair(ROWS, COLS, 0.7, -0.4))
    flow = getattr(lkflow, function)
    expected = flow(f0, f1)
    views0, views1 = layouts(f0), layouts(f1)
    for name in views0:
        assert np.array_equal(views0[name], f0), name
        assert_same_flow(flow(views0[name], views1[name]), expected)


def test_a_zero_stride_view_is_read_as_given():
    row = np.linspace(0, 1, COLS)
    I0 = np.broadcast_to(row, (ROWS, COLS))  # every row the same memory: row stride 0
    I1 = np.broadcast_to(np.roll(row, 1), (ROWS, COLS))
    assert I0.strides[0] == 0
    assert_same_flow(lkflow.dense_flow(I0, I1),
                     lkflow.dense_flow(np.ascontiguousarray(I0), np.ascontiguousarray(I1)))


def test_every_dtype_gives_the_same_flow():
    """The same intensities in uint8, uint16, float32 and float64 give the same flow, to the
    rounding of float32 pixels (x / 255 rounded to 24 bits), wherever the window's smallest
    eigenvalue is clear of the threshold (elsewhere that rounding may tip it)."""
    frames = moved_pair(ROWS, COLS, 0.7, -0.4)
    flows = {np.dtype(t).name: lkflow.dense_flow(*(frames_as(t, f) for f in frames),
                                                 dtype=np.float64)
             for t in (np.uint8, np.uint16, np.float32, np.float64)}
    reference = flows["uint8"]
    clear = np.abs(reference.confidence / 1e-5 - 1) > 1e-3
    for name, flow in flows.items():
        for field in ("u", "v"):
            difference = np.abs(getattr(flow, field) - getattr(reference, field))[clear]
            assert difference.max() < 1e-5, f"{name}.{field}: {difference.max():.3g} px"


def test_lists_and_other_array_likes_are_accepted():
    f0, f1 = moved_pair(32, 40, 0.3, 0.2)
    expected = lkflow.dense_flow(f0 / 255.0, f1 / 255.0)
    assert_same_flow(lkflow.dense_flow((f0 / 255.0).tolist(), (f1 / 255.0).tolist()), expected)
    assert_same_flow(lkflow.dense_flow(memoryview(f0), memoryview(f1)), lkflow.dense_flow(f0, f1))


def test_inputs_are_read_in_place():
    """Counts the heap allocations of at least half a frame's pixel count in bytes (smaller than
    a copy of the frame in any dtype) during one dense_flow call: only the result's three
    float32 fields may appear. The per-thread buffers of the kernel (rows of accumulators, and
    for layouts without contiguous rows, bands of about 40 copied rows) stay far below that on
    these 3000-row frames. The unaligned frames, which are copied, show that a copy would be
    counted."""
    result = run_counting_allocations("""
        import numpy as np, lkflow
        rows, cols = 3000, 200
        rng = np.random.default_rng(1)
        base = [rng.random((2 * rows, 3 * cols)) for _ in range(2)]
        def unaligned(a):  # float64 pixels at an odd address: numpy's frombuffer at offset 1
            raw = np.zeros(a.size * 8 + 1, np.uint8)
            view = np.frombuffer(raw.data, np.float64, a.size, offset=1).reshape(a.shape)
            view[...] = a
            return view
        cases = {
            "C order": [b[:rows, :cols].copy() for b in base],
            "Fortran order": [np.asfortranarray(b[:rows, :cols]) for b in base],
            "strided view": [b[::2, ::3] for b in base],
            "negative strides": [b[::-2, ::-3] for b in base],
            "uint8 view": [(b * 255).astype(np.uint8)[::2, ::3] for b in base],
            "unaligned": [unaligned(b[:rows, :cols]) for b in base],
        }
        out = {}
        for name, (I0, I1) in cases.items():
            lkflow.dense_flow(I0, I1)  # first call: thread pool, numpy's caches
            start(rows * cols // 2)
            flow = lkflow.dense_flow(I0, I1)
            out[name] = counted()
        print(json.dumps(out))
        """)
    field = 3000 * 200 * 4
    for name, (count, total) in result.items():
        if name == "unaligned":
            assert count == 5, f"{name}: the two copies and the result: {result[name]}"
        else:
            assert (count, total) == (3, 3 * field), f"{name}: {result[name]}"


def with_value(image, row, col, value):
    image[row, col] = value
    return image


@pytest.mark.parametrize("frames, error, message", [
    (lambda a: (a, a.astype(np.float32)), TypeError, "I0 has dtype uint8 but I1 has dtype float32"),
    (lambda a: (a.astype(np.int32), a.astype(np.int32)), TypeError, "I0 has dtype int32"),
    (lambda a: (a.astype(">f4"), a.astype(">f4")), TypeError, "I0 has dtype >f4"),
    (lambda a: (a.astype(bool), a.astype(bool)), TypeError, "I0 has dtype bool"),
    (lambda a: (np.dstack([a, a, a]), a), ValueError, "I0 must be a 2-D array"),
    (lambda a: (a, a[0]), ValueError, "I1 must be a 2-D array"),
    (lambda a: (a, a[:-1]), ValueError, "lkflow::{f}: size mismatch: I0 is 32x40"),
    (lambda a: (a[:0], a[:0]), ValueError, "lkflow::{f}: I0 is an empty image"),
    (lambda a: (a / 255.0, with_value(a / 255.0, 3, 4, np.nan)), ValueError,
     "lkflow::{f}: I1 has a non-finite pixel (NaN) at row 3, column 4"),
    (lambda a: (np.full(a.shape, np.inf), a / 255.0), ValueError,
     "lkflow::{f}: I0 has a non-finite pixel (+inf) at row 0, column 0"),
])
@pytest.mark.parametrize("function", ["dense_flow", "pyramidal_flow"])
def test_bad_frames_raise_with_lkflows_message(frames, error, message, function):
    a = moved_pair(32, 40, 0.3, 0.2)[0]
    with pytest.raises(error, match=message.format(f=function).replace("(", r"\(").replace(
            ")", r"\)").replace("+", r"\+")):
        getattr(lkflow, function)(*frames(a))


@pytest.mark.parametrize("keywords, error, message", [
    ({"radius": 0}, ValueError, r"lkflow::dense_flow: radius must be >= 1, got 0"),
    ({"radius": 2.0}, TypeError, r"radius must be an integer, got 2.0 \(float\)"),
    ({"radius": True}, TypeError, r"radius must be an integer, got True \(bool\)"),
    ({"radius": 2**40}, ValueError, r"radius = 1099511627776 is out of range"),
    ({"min_eigenvalue": -1.0}, ValueError, r"min_eigenvalue must be >= 0, got -1"),
    ({"min_eigenvalue": float("nan")}, ValueError, r"min_eigenvalue must be >= 0, got nan"),
    ({"min_eigenvalue": "1e-5"}, TypeError, r"min_eigenvalue must be a number"),
    ({"threads": -1}, ValueError, r"threads must be >= 0"),
    ({"dtype": np.int32}, TypeError, r"dtype must be numpy.float32 or numpy.float64"),
    ({"dtype": "no such type"}, TypeError, r"dtype must be numpy.float32 or numpy.float64"),
    ({"raduis": 3}, TypeError, r"unexpected keyword argument 'raduis'; its keywords are dtype, "
                               r"radius, min_eigenvalue, threads"),
])
def test_bad_parameters_raise(keywords, error, message):
    a = moved_pair(32, 40, 0.3, 0.2)[0]
    with pytest.raises(error, match=message):
        lkflow.dense_flow(a, a, **keywords)


def test_parameters_are_keywords_only():
    a = moved_pair(32, 40, 0.3, 0.2)[0]
    with pytest.raises(TypeError):
        lkflow.dense_flow(a, a, 3)


def test_numpy_scalars_are_accepted_as_parameters():
    f0, f1 = moved_pair(32, 40, 0.3, 0.2)
    assert_same_flow(lkflow.dense_flow(f0, f1, radius=np.int64(3), min_eigenvalue=np.float32(0)),
                     lkflow.dense_flow(f0, f1, radius=3, min_eigenvalue=0.0))


def test_results_are_numpy_arrays_of_the_requested_dtype():
    f0, f1 = moved_pair(32, 40, 0.3, 0.2)
    cases = [({}, np.float32), ({"dtype": np.float32}, np.float32),
             ({"dtype": "float32"}, np.float32), ({"dtype": np.dtype(np.float64)}, np.float64),
             ({"dtype": "float64"}, np.float64), ({"dtype": float}, np.float64)]
    for keywords, expected in cases:
        flow = lkflow.dense_flow(f0, f1, **keywords)
        u, v, confidence = flow  # unpacks
        for field in (u, v, confidence):
            assert field.dtype == expected and field.shape == (32, 40)
            assert field.flags.c_contiguous and field.flags.writeable
        assert flow.u is flow[0] and flow.confidence is flow[2]
