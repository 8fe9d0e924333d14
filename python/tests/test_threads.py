"""Threads: lkflow releases the GIL while it computes, so Python threads run flows in parallel,
and flows computed in threads are those computed one after another."""
import sys
import threading

import numpy as np
import pytest

import lkflow
from conftest import assert_same_flow, moved_pair


def other_thread_ran_during(call, attempts=20):
    """True when another Python thread gets to run while `call()` runs. The switch interval is
    raised to 1000 s, so that the interpreter never takes the GIL from this thread on its own:
    the other thread, started and waiting for the GIL, can only run if `call` releases it.
    Each attempt is one call; one is enough when the GIL is released, none can succeed when it
    is not (the calls are 1-10 ms, the other thread needs microseconds)."""
    ran = threading.Event()
    go = threading.Event()

    def other():
        go.wait()
        ran.set()  # reached only with the GIL

    interval = sys.getswitchinterval()
    thread = threading.Thread(target=other)
    thread.start()
    try:
        sys.setswitchinterval(1000)
        go.set()  # `other` is now runnable, but this thread keeps the GIL ...
        seen = False
        for _ in range(attempts):
            call()  # ... unless lkflow lets it go
            if ran.is_set():
                seen = True
                break
    finally:
        sys.setswitchinterval(interval)
    thread.join()  # releases the GIL: `other` finishes in any case
    return seen


@pytest.fixture(scope="module")
def frames():
    return moved_pair(480, 640, 0.6, -0.2)


def test_the_gil_test_detects_a_call_that_holds_it(frames):
    """The method above can fail: sorting a list holds the GIL throughout."""
    data = list(np.random.default_rng(1).random(300_000))
    assert not other_thread_ran_during(lambda: sorted(data), attempts=3)


@pytest.mark.parametrize("call", [
    lambda f, folder: lkflow.dense_flow(*f),
    lambda f, folder: lkflow.pyramidal_flow(*f),
    lambda f, folder: lkflow.PyramidalFlow().calc(*f),
    # A regular file: lkflow refuses to replace a device such as /dev/null.
    lambda f, folder: lkflow.write_flo(str(folder / "flow.flo"), lkflow.dense_flow(*f)),
], ids=["dense_flow", "pyramidal_flow", "PyramidalFlow.calc", "write_flo"])
def test_the_gil_is_released_while_computing(frames, call, tmp_path):
    assert other_thread_ran_during(lambda: call(frames, tmp_path))


def run_in_threads(jobs, threads=4):
    """Runs the callables `jobs` on `threads` Python threads at once; returns their results."""
    results = [None] * len(jobs)
    errors = []
    barrier = threading.Barrier(threads)

    def worker(first):
        try:
            barrier.wait()
            for i in range(first, len(jobs), threads):
                results[i] = jobs[i]()
        except Exception as e:  # reported below
            errors.append(e)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    return results


def test_flows_computed_in_threads_equal_those_computed_in_turn():
    pairs = [moved_pair(120 + 8 * k, 160, 0.2 * k, -0.3, seed=k) for k in range(6)]
    jobs = []
    for pair in pairs:
        for lkflow_threads in (1, 2):
            jobs.append(lambda p=pair, t=lkflow_threads: lkflow.dense_flow(*p, threads=t))
            jobs.append(lambda p=pair, t=lkflow_threads: lkflow.pyramidal_flow(*p, threads=t))
    expected = [job() for job in jobs]
    for result, reference in zip(run_in_threads(jobs), expected):
        assert_same_flow(result, reference)


def test_one_pyramidal_flow_object_shared_by_threads_runs_one_call_at_a_time():
    """Without warm start every result of a shared object is pyramidal_flow's; calls that ran
    at the same time on its buffers would not give that."""
    shared = lkflow.PyramidalFlow(warm_start=False, threads=2)
    pairs = [moved_pair(160, 200, 0.5, 0.1 * k, seed=k) for k in range(4)]
    expected = [lkflow.pyramidal_flow(*p, threads=2) for p in pairs]
    jobs = [lambda p=pairs[k % 4]: shared.calc(*p) for k in range(16)]
    for k, result in enumerate(run_in_threads(jobs)):
        assert_same_flow(result, expected[k % 4])


def fork_child_flow(pair):
    return lkflow.dense_flow(*pair, threads=2).u


def test_a_forked_child_computes_flows():
    """multiprocessing's default on Linux forks the process, whose child has none of lkflow's
    pool threads: a flow on two threads there must not wait for them (it hung before the pool
    forgot them after a fork)."""
    import multiprocessing
    pair = moved_pair(240, 320, 0.6, -0.2)
    expected = lkflow.dense_flow(*pair, threads=2).u  # the parent's pool now has a thread
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(fork_child_flow, [pair, pair]).get(timeout=120)
    for u in results:
        assert np.array_equal(u, expected)
