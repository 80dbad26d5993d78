"""The NumPy back end's own helpers (the rest of it is exercised by every op test)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backends.numpy_backend import NumpyBackend

B = NumpyBackend()


def test_memory_owner_walks_view_chains_to_the_owning_array():
    a = np.arange(12.0)
    assert B.memory_owner(a) is a
    assert B.memory_owner(a.reshape(3, 4).T[1:]) is a
    assert B.memory_owner(B.windows(a.reshape(1, 12), (3,), (1,), (1,))) is a


def test_is_writable_is_false_for_broadcasts_and_windows_only():
    a = np.arange(12.0).reshape(3, 4)
    assert B.is_writable(a) and B.is_writable(a.T) and B.is_writable(a[1:, ::2])
    assert not B.is_writable(np.broadcast_to(a[:1], (3, 4)))
    assert not B.is_writable(B.windows(a, (2,), (1,), (1,)))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 6),
    width=st.integers(1, 70),
    picks=st.lists(st.floats(0, 1, exclude_max=True), max_size=8),
    negative=st.booleans(),
    column=st.booleans(),
)
@example(n=4, width=40, picks=[0.0, 0.5, 0.75], negative=True, column=False)  # the fast path: distinct wide rows
def test_scatter_add_matches_np_add_at(n, width, picks, negative, column):
    # Distinct or repeated, negative or not, along rows (the fast path when rows are wide) or
    # columns: the result must be np.add.at's.
    rows = np.array([int(p * n) - (n if negative else 0) for p in picks], dtype=np.int64)
    target = np.arange(n * width, dtype=np.float64).reshape((width, n) if column else (n, width))
    index = (slice(None), rows) if column else (rows,)
    values = np.random.default_rng(0).standard_normal(target[index].shape)
    expected = target.copy()
    np.add.at(expected, index, values)
    B.scatter_add(target, index, values)
    np.testing.assert_array_equal(target, expected)


def test_scatter_add_accumulates_repeated_rows():
    target = np.zeros((3, 40))
    B.scatter_add(target, (np.array([2, 0, 2, -1]),), np.ones((4, 40)))
    np.testing.assert_array_equal(target[:, 0], [1.0, 0.0, 3.0])


def test_scatter_add_with_several_index_arrays_or_a_mask_is_np_add_at():
    for index in ((np.array([0, 1, 1]), np.array([2, 2, 2])), (np.array([True, False, True]),)):
        target, expected = np.zeros((3, 40)), np.zeros((3, 40))
        values = np.arange(np.zeros((3, 40))[index].size, dtype=np.float64).reshape(np.zeros((3, 40))[index].shape)
        np.add.at(expected, index, values)
        B.scatter_add(target, index, values)
        np.testing.assert_array_equal(target, expected)


def test_numpys_floating_point_warnings_are_silent_in_our_ops_but_not_in_user_code():
    # PyTorch says nothing about log(0) = -inf or 0/0 = nan; NumPy warns.  Run in a fresh
    # interpreter with the default warning filters (pytest installs its own).

    code = (
        "import autograd_core as ag, numpy as np\n"
        "ag.log(ag.zeros(2)); ag.zeros(2) / ag.zeros(2); ag.exp(ag.tensor([1000.0]))\n"
        "x = ag.zeros(3, requires_grad=True); ag.sqrt(x).sum().backward()\n"
        "print('ours done', flush=True)\n"
        "np.log(np.zeros(1))\n"
    )
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, cwd=root,
                         env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert run.returncode == 0 and run.stdout == "ours done\n"
    assert run.stderr.count("RuntimeWarning") == 1 and "<string>:5" in run.stderr  # only the user's own np.log
