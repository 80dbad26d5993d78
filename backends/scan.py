"""Running reductions and unbuffered scatters that CuPy's ufuncs lack, composed from array ops.

NumPy's ufuncs all have ``accumulate`` (a running max, a running logaddexp ...) and ``at`` (an
unbuffered ``target[index] op= values`` where repeated indices combine).  CuPy's have
``accumulate`` for ``add`` and ``multiply`` only, and ``at`` for ``add``, ``subtract``,
``maximum``, ``minimum`` and the bitwise ones.  ``ComposedScans`` gives the CuPy back end (and
the strict test device that stands in for it in CI) the rest:

- ``accumulate``: an inclusive scan by doubling.  After pass k every element holds the
  reduction of the 2**k elements ending at it, so log2(n) elementwise passes give the running
  reduction, for any associative ufunc.
- ``ufunc_at``: in rounds.  The selected elements are grouped by target position; round r
  applies the r-th member of every group with one fancy assignment, in which no position repeats.
  The number of rounds is the largest number of repeats of one position.
"""

from __future__ import annotations

from backends.device import DETERMINISTIC

# What CuPy has natively (its reference, "Universal functions"); the rest is composed here.
NATIVE_ACCUMULATE = frozenset({"add", "multiply"})
NATIVE_AT = frozenset({"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"})


def scan(xp, ufunc: str, x, axis: int):
    """``xp.<ufunc>.accumulate(x, axis=axis)`` for an associative ufunc, by doubling."""
    op = getattr(xp, ufunc)
    out = xp.moveaxis(x, axis, -1).copy()
    n, step = out.shape[-1], 1
    while step < n:
        # The right side is computed from the previous pass before anything is written.
        out[..., step:] = op(out[..., step:], out[..., :-step])
        step *= 2
    return xp.moveaxis(out, -1, axis)


def scatter_in_rounds(xp, ufunc: str, target, index, values) -> None:
    """``xp.<ufunc>.at(target, index, values)``: repeated positions combine, one round per repeat.

    ``target`` must be contiguous (the back ends' callers pass fresh copies)."""
    op = getattr(xp, ufunc)
    selected = target[index]  # (the shape the index selects, which values broadcast to)
    positions = xp.arange(target.size).reshape(target.shape)[index].reshape(-1)
    vals = xp.broadcast_to(xp.asarray(values, dtype=target.dtype), selected.shape).reshape(-1)
    if positions.size == 0:
        return
    order = xp.argsort(positions)
    positions, vals = positions[order], vals[order]
    counter = xp.arange(positions.size)
    starts = xp.concatenate([xp.ones(1, dtype=bool), positions[1:] != positions[:-1]])
    rank = counter - scan(xp, "maximum", xp.where(starts, counter, 0), 0)  # place within its group of repeats
    flat = target.reshape(-1)
    for r in range(int(rank.max()) + 1):  # (one look from the host: the number of rounds)
        pick = rank == r
        where = positions[pick]
        flat[where] = op(flat[where], vals[pick])


class ComposedScans:
    """``accumulate`` and ``ufunc_at`` back-end methods on ``self.xp``: native where CuPy has the
    ufunc method, composed (above) where it doesn't."""

    def accumulate(self, ufunc: str, x, axis: int):
        if ufunc in NATIVE_ACCUMULATE:
            return getattr(self.xp, ufunc).accumulate(x, axis=axis)
        return scan(self.xp, ufunc, x, axis)

    def ufunc_at(self, ufunc: str, target, index, values) -> None:
        # (CuPy's native add/subtract.at use atomics: unordered sums, except under use_deterministic_algorithms)
        if ufunc in NATIVE_AT and not (DETERMINISTIC[0] and ufunc in ("add", "subtract") and target.dtype.kind in "fc"):
            getattr(self.xp, ufunc).at(target, index, values)
            return
        scatter_in_rounds(self.xp, ufunc, target, index, values)
