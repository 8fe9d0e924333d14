"""pyramidal_flow and PyramidalFlow: keywords that mirror PyramidParams (checked against the C++
header), presets, the video class's warm start, `out` and allocations, and the flow itself on
frames with a known motion."""
import re

import numpy as np
import pytest

import lkflow
from conftest import SOURCE_DIR, assert_same_flow, moved_pair, run_counting_allocations


def header_members(struct):
    """(name, default) of each member of `struct` in include/lkflow/params.hpp, in order."""
    text = (SOURCE_DIR / "include" / "lkflow" / "params.hpp").read_text()
    body = re.search(r"struct %s \{(.*?)\n\};" % struct, text, re.S).group(1)
    members = []
    for kind, name, value in re.findall(r"^\s*(int|double|bool)\s+(\w+)\s*=\s*([^;]+);", body,
                                        re.M):
        value = value.strip()
        members.append((name, {"int": int, "double": float}.get(kind, lambda t: t == "true")(value)))
    return members


@pytest.mark.parametrize("struct, params", [("PyramidParams", lkflow.pyramid_params),
                                            ("DenseParams", lkflow.dense_params)])
def test_keywords_mirror_every_member_of_the_cpp_struct(struct, params):
    members = header_members(struct)
    assert len(members) >= 3
    assert list(params().items()) == members


def test_each_keyword_reaches_the_computation():
    # Two motions, left and right of column 64, so that neighbour candidates have a boundary.
    f0, right = moved_pair(96, 128, -1.0, 0.8)
    f1 = moved_pair(96, 128, 1.5, -0.5)[1]
    f1[:, 64:] = right[:, 64:]
    default = lkflow.pyramidal_flow(f0, f1)
    changed = {"radius": 3, "levels": 1, "iterations": 2, "coarse_iterations": 1,
               "min_eigenvalue": 1e-2, "median": False, "neighbor_candidates": False,
               "candidate_min_change": 2.0, "candidates_every_iteration": True,
               "fill_strength": 0.0}
    assert set(changed) | {"threads"} == set(lkflow.pyramid_params())
    for name, value in changed.items():
        flow = lkflow.pyramidal_flow(f0, f1, **{name: value})
        assert not np.array_equal(flow.u, default.u), name
        assert lkflow.pyramid_params(**{name: value})[name] == value
        assert_same_flow(lkflow.PyramidalFlow(**{name: value}).calc(f0, f1), flow)
    assert_same_flow(lkflow.pyramidal_flow(f0, f1, threads=2), default)


def test_presets():
    assert lkflow.pyramid_params("balanced") == lkflow.pyramid_params() == lkflow.pyramid_params(
        None)
    f0, f1 = moved_pair(64, 80, 0.5, 0.5)
    for preset in ("ultrafast", "fast", "balanced", "accurate"):
        params = lkflow.pyramid_params(preset)
        assert_same_flow(lkflow.pyramidal_flow(f0, f1, preset=preset),
                         lkflow.pyramidal_flow(f0, f1, **params))
        # members given with a preset override it
        assert lkflow.pyramid_params(preset, radius=2)["radius"] == 2
        assert lkflow.PyramidalFlow(preset=preset, radius=2).params == dict(params, radius=2)
    with pytest.raises(ValueError, match="unknown preset 'quick'; the presets are ultrafast, "
                                         "fast, balanced, accurate"):
        lkflow.pyramidal_flow(f0, f1, preset="quick")
    with pytest.raises(TypeError, match="preset must be a str"):
        lkflow.PyramidalFlow(preset=1)


def test_presets_are_those_of_the_cpp_header():
    """Each preset is PyramidParams' static function of its name (params.hpp), not the defaults:
    the members each one changes, read from the header's `p.member = value;` lines."""
    text = (SOURCE_DIR / "include" / "lkflow" / "params.hpp").read_text()
    defaults = lkflow.pyramid_params()
    for preset in ("ultrafast", "fast", "balanced", "accurate"):
        # the function's text: up to the next preset or the end of the struct
        body = re.search(r"static PyramidParams %s\(\) \{(.*?)(static PyramidParams|\n\};)"
                         % preset, text, re.S)
        assert body, preset
        expected = dict(defaults)
        for name, value in re.findall(r"p\.(\w+) = ([^;]+);", body.group(1)):
            expected[name] = {"true": True, "false": False}.get(value, None)
            if expected[name] is None:
                expected[name] = type(defaults[name])(float(value))
        assert lkflow.pyramid_params(preset) == expected, preset
    assert lkflow.pyramid_params("ultrafast")["neighbor_candidates"] is False
    assert lkflow.pyramid_params("accurate")["iterations"] == 2


def test_a_translation_is_recovered():
    """Frames made by moving a texture by (3.3, -1.7) px: beyond dense_flow's reach."""
    f0, f1 = moved_pair(240, 320, 3.3, -1.7)
    for dtype in (np.float32, np.float64):
        u, v, confidence = lkflow.pyramidal_flow(f0, f1, dtype=dtype)
        assert u.dtype == dtype
        inner = (slice(16, -16), slice(16, -16))
        error = np.hypot(u[inner] - 3.3, v[inner] + 1.7)
        assert error.mean() < 0.05, error.mean()


def test_single_scale_settings_give_dense_flow():
    f0, f1 = moved_pair(96, 128, 0.4, -0.3)
    dense = lkflow.dense_flow(f0, f1, radius=3, dtype=np.float64)
    pyramid = lkflow.pyramidal_flow(f0, f1, radius=3, levels=1, iterations=1, median=False,
                                    neighbor_candidates=False, fill_strength=0,
                                    min_eigenvalue=1e-5, dtype=np.float64)
    for a, b in zip(dense, pyramid):
        assert np.abs(a - b).max() < 1e-9


def test_initial_flow():
    f0, f1 = moved_pair(96, 128, 4.0, 0.0)
    start = lkflow.pyramidal_flow(f0, f1, levels=2)
    as_flow = lkflow.pyramidal_flow(f0, f1, levels=2, initial=start)
    as_tuple = lkflow.pyramidal_flow(f0, f1, levels=2, initial=(start.u, start.v))
    as_float64 = lkflow.pyramidal_flow(f0, f1, levels=2, initial=(start.u.astype(np.float64),
                                                                  start.v.astype(np.float64)))
    assert_same_flow(as_flow, as_tuple)
    assert_same_flow(as_flow, as_float64)
    assert not np.array_equal(as_flow.u, start.u)  # it did start elsewhere
    with pytest.raises(ValueError, match="initial flow u is 95x128"):
        lkflow.pyramidal_flow(f0, f1, initial=(start.u[1:], start.v[1:]))
    with pytest.raises(TypeError, match="initial must be an lkflow.Flow or a tuple"):
        lkflow.pyramidal_flow(f0, f1, initial=np.stack([start.u, start.v]))
    with pytest.raises(ValueError, match="non-finite"):
        lkflow.pyramidal_flow(f0, f1, initial=(start.u * np.inf, start.v))


def video(frames=4, rows=120, cols=160):
    """Frames of a texture moving by (0.8 k, 0.3 k) px at frame k."""
    return [moved_pair(rows, cols, 0.8 * k, 0.3 * k)[1] for k in range(frames)]


def test_video_class_is_pyramidal_flow_started_from_the_last_flow():
    frames = video()
    stream = lkflow.PyramidalFlow(radius=4)
    previous = None
    for I0, I1 in zip(frames, frames[1:]):
        result = stream.calc(I0, I1)
        expected = lkflow.pyramidal_flow(I0, I1, radius=4, initial=previous)
        assert_same_flow(result, expected)
        previous = result
    # reset, warm_start=False and an explicit initial flow
    stream.reset()
    assert_same_flow(stream.calc(frames[0], frames[1]),
                     lkflow.pyramidal_flow(frames[0], frames[1], radius=4))
    cold = lkflow.PyramidalFlow(radius=4, warm_start=False)
    cold.calc(frames[0], frames[1])
    assert_same_flow(cold.calc(frames[1], frames[2]),
                     lkflow.pyramidal_flow(frames[1], frames[2], radius=4))
    assert_same_flow(cold.calc(frames[1], frames[2], initial=previous),
                     lkflow.pyramidal_flow(frames[1], frames[2], radius=4, initial=previous))
    # a new frame size starts from zero
    small = [f[:64, :80] for f in frames]
    assert_same_flow(stream.calc(small[0], small[1]),
                     lkflow.pyramidal_flow(small[0], small[1], radius=4))


def test_out_receives_the_result():
    frames = video()
    stream = lkflow.PyramidalFlow(dtype=np.float64, warm_start=False)
    first = stream.calc(frames[0], frames[1])
    arrays = [first.u, first.v, first.confidence]
    again = stream.calc(frames[1], frames[2], out=first)
    assert again is first and all(a is b for a, b in zip(again, arrays))
    assert_same_flow(again, lkflow.pyramidal_flow(frames[1], frames[2], dtype=np.float64))
    # strided arrays are written through their strides
    big = [np.zeros((240, 320)) for _ in range(3)]
    out = lkflow.Flow(*(b[::2, ::2] for b in big))
    stream.calc(frames[0], frames[1], out=out)
    assert_same_flow(out, lkflow.pyramidal_flow(frames[0], frames[1], dtype=np.float64))
    assert not big[0][1::2].any()  # rows between were not touched
    bad = [lkflow.Flow(first.u.astype(np.float32), first.v, first.confidence),
           lkflow.Flow(first.u[1:], first.v, first.confidence),
           lkflow.Flow(np.zeros_like(first.u)[:, :, None], first.v, first.confidence)]
    read_only = first.u.copy()
    read_only.flags.writeable = False
    bad.append(lkflow.Flow(read_only, first.v, first.confidence))
    for b in bad:
        with pytest.raises(ValueError, match=r"out.u must be a writable, aligned 2-D float64 "
                                             r"array of the frames' shape \(120, 160\)"):
            stream.calc(frames[0], frames[1], out=b)
    with pytest.raises(TypeError, match="out must be an lkflow.Flow"):
        stream.calc(frames[0], frames[1], out=(first.u, first.v))


def test_constructor_checks_the_parameters():
    with pytest.raises(ValueError, match=r"lkflow::pyramidal_flow: radius must be >= 1, got 0"):
        lkflow.PyramidalFlow(radius=0)
    with pytest.raises(ValueError, match="iterations must be >= 1"):
        lkflow.PyramidalFlow(iterations=0)
    with pytest.raises(ValueError, match="levels must be >= 0"):
        lkflow.PyramidalFlow(levels=-1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'initial'"):
        lkflow.PyramidalFlow(initial=None)
    with pytest.raises(TypeError, match="warm_start must be True or False"):
        lkflow.PyramidalFlow(warm_start="yes")
    stream = lkflow.PyramidalFlow(levels=6)  # too many for small frames: said per frame
    f0, f1 = moved_pair(40, 40, 0.5, 0.5)
    with pytest.raises(ValueError, match="levels"):
        stream.calc(f0, f1)
    assert "radius=6" in repr(lkflow.PyramidalFlow())


def test_video_frames_allocate_nothing_but_the_returned_arrays():
    """Counts the heap allocations of at least a frame's pixel count in bytes (a copy of an
    8-bit frame, a quarter of a float field) while PyramidalFlow.calc runs on frames of a size
    it has seen: three, the returned fields, and none with `out`. The kernels' per-call row
    buffers are smaller (see README, "From Python")."""
    result = run_counting_allocations("""
        import numpy as np, lkflow
        rng = np.random.default_rng(1)
        frames = [(rng.random((480, 640)) * 255).astype(np.uint8) for _ in range(4)]
        stream = lkflow.PyramidalFlow(threads=2)
        result = stream.calc(frames[0], frames[1])
        stream.calc(frames[1], frames[2], out=result)
        start(480 * 640)
        fresh = stream.calc(frames[2], frames[3])
        new_arrays = counted()
        start(480 * 640)
        stream.calc(frames[1], frames[2], out=result)
        into_out = counted()
        print(json.dumps({"new arrays": new_arrays, "out": into_out}))
        """)
    assert result["new arrays"] == [3, 3 * 480 * 640 * 4]
    assert result["out"] == [0, 0]
