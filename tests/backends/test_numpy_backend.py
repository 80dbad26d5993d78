"""The NumPy back end's own helpers (the rest of it is exercised by every op test)."""

import numpy as np

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
