"""Hypothesis strategies for op tests: shapes, dims, indices, and the domain transforms of inputs.

Shapes are kept small (sides up to 4, at most 3 dims by default) so a full
Jacobian check stays cheap; size-1 axes (broadcasting) and size-0 axes (empty
tensors) are drawn on purpose.  Input *values* are not drawn by hypothesis:
a drawn seed feeds NumPy's generator (fast, and still shrinkable), and a
domain transform moves the values to where the op is smooth.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 4
MAX_DIMS = 3

seeds = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE):
    """One array shape."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def same_shapes(n: int = 1, **kw):
    """A tuple of ``n`` equal shapes (unary ops: ``n=1``)."""
    return shapes(**kw).map(lambda s: (s,) * n)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0,
                         max_side: int = MAX_SIDE):
    """``n`` mutually broadcastable shapes (different ranks, size-1 axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


# ---------------------------------------------------------------------------- dims
def dim(ndim: int):
    """A valid dim of an ``ndim``-dim tensor, negative ones included (a 0-d tensor accepts 0 and -1)."""
    return st.integers(-ndim, ndim - 1) if ndim else st.sampled_from([0, -1])


def dims(ndim: int, allow_none: bool = True, allow_tuple: bool = True):
    """``None`` (all dims), one dim, or a non-empty tuple of distinct dims, each possibly negative.

    A 0-d tensor gets ``None`` only: reductions of 0-d tensors along dim 0 / -1 have
    their own explicit tests, so one known failure there can't mask others here.
    """
    if ndim == 0:
        return st.none() if allow_none else st.sampled_from([0, -1])
    options = [dim(ndim)]
    if allow_none:
        options.append(st.none())
    if allow_tuple:
        options.append(
            st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim).flatmap(
                lambda ds: st.tuples(*[st.sampled_from([d, d - ndim]) for d in ds])
            )
        )
    return st.one_of(*options)


def reduce_kwargs(shape: tuple, allow_none: bool = True, allow_tuple: bool = True, nonempty: bool = False):
    """``{"dim": ..., "keepdim": ...}`` for a reduction of ``shape``.

    With ``nonempty`` the reduced dims are all non-empty (max/min/amax need that).
    """
    nd = len(shape)

    def ok(d):
        if not nonempty:
            return True
        sel = range(nd) if d is None else (d if isinstance(d, tuple) else (d,))
        return all(shape[x] > 0 for x in sel) if nd else True

    return st.fixed_dictionaries(
        {"dim": dims(nd, allow_none, allow_tuple).filter(ok), "keepdim": st.booleans()}
    )


def normalise_dims(d, ndim: int) -> tuple:
    """``dim`` as a NumPy ``axis`` tuple (``None`` -> all dims; 0-d tensors take dim 0/-1 as 'no dim')."""
    if ndim == 0:
        return ()
    if d is None:
        return tuple(range(ndim))
    d = d if isinstance(d, tuple) else (d,)
    return tuple(sorted(x % ndim for x in d))


# ---------------------------------------------------------------------------- reshapes
@st.composite
def reshape_of(draw, shape: tuple, allow_minus_one: bool = True):
    """A shape with the same number of elements as ``shape`` (one entry may be -1)."""
    n = int(np.prod(shape))
    if n == 0:
        rest = draw(st.lists(st.integers(0, MAX_SIDE), min_size=0, max_size=2))
        new = [0] + rest
        new = draw(st.permutations(new))
        return tuple(new)
    new, left = [], n
    while left > 1 and len(new) < 4:
        divisors = [k for k in range(2, left + 1) if left % k == 0]
        k = draw(st.sampled_from(divisors))
        new.append(k)
        left //= k
    if left > 1:  # four factors drawn and some left over: fold it into the last one
        new[-1] *= left
    new += [1] * draw(st.integers(0, 1))
    new = list(draw(st.permutations(new)))
    if allow_minus_one and new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return tuple(new)


# ---------------------------------------------------------------------------- indices
@st.composite
def fancy_index(draw, shape: tuple):
    """A tuple of integer arrays (negative and repeated entries included) over the leading dims."""
    assert len(shape) >= 1 and shape[0] > 0
    return draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)))


@st.composite
def mask_index(draw, shape: tuple):
    """A boolean mask over the first ``k`` dims of ``shape``."""
    k = draw(st.integers(1, len(shape)))
    return draw(hnp.arrays(np.bool_, shape[:k]))


# ---------------------------------------------------------------------------- domain transforms
# Each takes float64 arrays drawn from N(0, 1) and moves them where the op is smooth,
# so a central difference with eps = 1e-6 never straddles a kink.
def positive(x: np.ndarray, low: float = 0.2) -> np.ndarray:
    """Away from 0 and positive: for log, sqrt, pow with a tensor exponent."""
    return np.abs(x) + low


def away_from(x: np.ndarray, *points: float, gap: float = 0.1) -> np.ndarray:
    """Values within ``gap`` of any of ``points`` pushed out to ``gap`` (for abs, relu, clamp)."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap)
    return x


def distinct(x: np.ndarray, spacing: float = 0.25) -> np.ndarray:
    """All values distinct and ``spacing`` apart, same random order (for max/min/argmax: no ties)."""
    ranks = np.argsort(np.argsort(x.ravel(), kind="stable"), kind="stable").reshape(x.shape)
    return (ranks - x.size / 2.0) * spacing + 0.1


def on_grid(x: np.ndarray, residue: int, modulus: int = 3, step: float = 0.1) -> np.ndarray:
    """Snap to ``step * (modulus * k + residue)``: arrays on different residues are >= ``step`` apart.

    Broadcast binary ops with kinks where operands are equal (maximum, clamp with
    tensor bounds) put each operand on its own residue, so no pair ever ties.
    """
    k = np.round(x / (step * modulus))
    return (k * modulus + residue) * step


def magnitude(x: np.ndarray, low: float = 0.5, high: float = 1.5) -> np.ndarray:
    """Random signs, magnitudes in [low, high] (prod: no zero, no blow-up)."""
    return np.sign(np.where(x == 0, 1.0, x)) * (low + (high - low) * (np.abs(np.tanh(x))))
