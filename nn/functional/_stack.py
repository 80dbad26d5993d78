"""Differentiable stack, queue and deque (Grefenstette et al. 2015, "Learning to Transduce with Unbounded Memory").

Each function takes one time step: the values to push, the push and pop strengths,
and the previous state (``None`` at the first step), and returns the read vector
and the new state.  The memory is a list of slots, each a value vector ``V[i]``
with a strength ``s[i]`` in [0, 1]; slot 1 is the bottom, the newest slot the top.

Everything is composed from ``autograd_core`` ops and vectorised over the batch and
the memory slots: the partial sums "strength above slot i" and "strength below
slot i" are one matmul with a strictly triangular 0/1 matrix, so no Python loop
runs over slots.  ``max(0, .)`` is ``relu`` and ``min`` is ``minimum``: at the
kinks the gradient follows their subgradients (relu: 0 at 0; minimum: ties split
the gradient in half, as PyTorch does).

>>> import autograd_core as ag, nn.functional as F
>>> v = ag.eye(3)                                   # one-hot values v1, v2, v3
>>> r, state = F.neural_stack(v[None, 0], ag.tensor([0.8]), ag.tensor([0.0]))
>>> r, state = F.neural_stack(v[None, 1], ag.tensor([0.5]), ag.tensor([0.1]), state)
>>> r, state = F.neural_stack(v[None, 2], ag.tensor([0.9]), ag.tensor([0.9]), state)
>>> [round(x, 4) for x in r[0].tolist()], [round(x, 4) for x in state.strengths[0].tolist()]
([0.1, 0.0, 0.9], [0.3, 0.0, 0.9])
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["NeuralStackState", "neural_stack", "neural_queue", "neural_deque"]


class NeuralStackState(NamedTuple):
    """The memory of a neural stack, queue or deque after ``t`` steps.

    ``values``: (batch, slots, m), the value matrix V (row 0 is the bottom);
    ``strengths``: (batch, slots), the strength vector s.  A stack or queue has
    ``slots = t``, a deque ``2t`` (it pushes at both ends every step).
    """

    values: Tensor
    strengths: Tensor


# ----------------------------------------------------------------------------- helpers
@functools.lru_cache(maxsize=64)
def _strictly_triangular(n: int, above: bool, dtype, device) -> Tensor:
    """(n, n) 0/1 matrix M such that ``(s @ M)[i]`` is the sum of s[j] over j > i (``above``) or j < i.

    Cached: every step of every sequence needs the same few, and building one costs
    five ops, a third of a stack step.  They are constants (no grad) and never written.
    """
    idx = ag.arange(n, device=device)
    rows, cols = idx.reshape(n, 1), idx.reshape(1, n)
    return (rows > cols if above else rows < cols).to(dtype)


def _sum_beyond(s: Tensor, above: bool) -> Tensor:
    """For each slot i, the total strength above it (j > i) or below it (j < i); s is (batch, n)."""
    return ag.matmul(s, _strictly_triangular(s.shape[1], above, s.dtype, s.device))


def _pop(s: Tensor, u: Tensor, from_top: bool) -> Tensor:
    """Remove ``u`` of strength, starting at the top (or bottom): s[i] - max(0, u - strength beyond i), floored at 0."""
    if s.shape[1] == 0:
        return s
    return ag.relu(s - ag.relu(u.unsqueeze(1) - _sum_beyond(s, from_top)))


def _read(values: Tensor, s: Tensor, from_top: bool) -> Tensor:
    """The values weighted by the top (or bottom) 1.0 of strength: sum_i min(s[i], max(0, 1 - beyond_i)) V[i]."""
    weights = ag.minimum(s, ag.relu(1.0 - _sum_beyond(s, from_top)))
    return ag.matmul(weights.unsqueeze(1), values).squeeze(1)


def _check(op: str, values: tuple, strengths: tuple, state: NeuralStackState | None) -> None:
    """Shapes and dtypes at the call, before any arithmetic (see the module docstring for the layout)."""
    for name, v in values:
        if not isinstance(v, Tensor) or v.ndim != 2:
            shape = tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__
            raise ValueError(f"{op}: {name} must be a (batch, m) tensor of values to push, got {shape}")
        if not v.is_floating_point():
            raise TypeError(f"{op}: {name} must be floating point, got {v.dtype}")
    batch, m = values[0][1].shape
    for name, v in values[1:]:
        if tuple(v.shape) != (batch, m):
            raise ValueError(f"{op}: {name} has shape {tuple(v.shape)}, expected {(batch, m)} like {values[0][0]}")
    dtype = values[0][1].dtype
    for name, x in strengths:
        if not isinstance(x, Tensor) or tuple(x.shape) != (batch,):
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            hint = " (squeeze the last dim: x.squeeze(-1))" if isinstance(x, Tensor) and x.shape == (batch, 1) else ""
            raise ValueError(f"{op}: {name} must have shape (batch,) = ({batch},), got {shape}{hint}")
    for name, x in values[1:] + strengths:
        if x.dtype != dtype:
            raise TypeError(f"{op}: {name} has dtype {x.dtype} but {values[0][0]} has {dtype}; use one dtype for all")
    if state is None:
        return
    if not isinstance(state, tuple) or len(state) != 2:
        raise TypeError(f"{op}: state must be a NeuralStackState(values, strengths) or None, got {type(state).__name__}")
    V, s = state
    if V.dtype != dtype or s.dtype != dtype:
        raise TypeError(f"{op}: state has dtypes {V.dtype}/{s.dtype} but {values[0][0]} has {dtype}")
    if V.ndim != 3 or s.ndim != 2 or V.shape[0] != batch or V.shape[2] != m or tuple(s.shape) != V.shape[:2]:
        raise ValueError(
            f"{op}: state has values {tuple(V.shape)} and strengths {tuple(s.shape)}; for batch {batch} and m {m} "
            f"expected values (batch, slots, m) = ({batch}, n, {m}) and strengths ({batch}, n); "
            "pass the state returned by the previous step, or None to start empty"
        )


def _empty(v: Tensor) -> NeuralStackState:
    batch, m = v.shape
    return NeuralStackState(
        ag.zeros(batch, 0, m, dtype=v.dtype, device=v.device), ag.zeros(batch, 0, dtype=v.dtype, device=v.device)
    )


def _one_ended(op: str, value, push, pop, state, lifo: bool):
    _check(op, (("value", value),), (("push", push), ("pop", pop)), state)
    if state is None:
        state = _empty(value)
    V, s = state
    # Pop first (from the top for a stack, the bottom for a queue), then push on top.
    s = ag.cat([_pop(s, pop, from_top=lifo), push.unsqueeze(1)], dim=1)
    V = ag.cat([V, value.unsqueeze(1)], dim=1)
    return _read(V, s, from_top=lifo), NeuralStackState(V, s)


# ----------------------------------------------------------------------------- public
def neural_stack(value: Tensor, push: Tensor, pop: Tensor, state: NeuralStackState | None = None):
    """One step of the neural stack: pop ``pop`` strength from the top, push ``value`` with strength ``push``, read.

    With 1-based slots i = 1..t (t the step number, slot t the newest):

    - ``V_t[i] = V_{t-1}[i]`` for i < t, ``V_t[t] = v_t``;
    - ``s_t[i] = max(0, s_{t-1}[i] - max(0, u_t - sum_{j=i+1}^{t-1} s_{t-1}[j]))`` for i < t, ``s_t[t] = d_t``;
    - ``r_t = sum_{i=1}^{t} min(s_t[i], max(0, 1 - sum_{j=i+1}^{t} s_t[j])) * V_t[i]``: the top 1.0 of strength.

    Args:
        value: (batch, m) vectors v_t to push.
        push: (batch,) push strengths d_t, normally in [0, 1].
        pop: (batch,) pop strengths u_t, normally in [0, 1].
        state: the ``NeuralStackState`` returned by the previous step, or None to start empty.

    Returns:
        ``(read, state)``: the read vector r_t (batch, m) and the new ``NeuralStackState``.

    >>> import autograd_core as ag, nn.functional as F
    >>> r, st = F.neural_stack(ag.tensor([[1.0, 0.0]]), ag.tensor([1.0]), ag.tensor([0.0]))
    >>> r, st = F.neural_stack(ag.tensor([[0.0, 1.0]]), ag.tensor([1.0]), ag.tensor([0.0]), st)
    >>> r  # the last value pushed is on top
    tensor([[0., 1.]])
    """
    return _one_ended("neural_stack", value, push, pop, state, lifo=True)


def neural_queue(value: Tensor, push: Tensor, pop: Tensor, state: NeuralStackState | None = None):
    """One step of the neural queue: as ``neural_stack``, but pops and reads at the bottom (first in, first out).

    - ``s_t[i] = max(0, s_{t-1}[i] - max(0, u_t - sum_{j=1}^{i-1} s_{t-1}[j]))`` for i < t, ``s_t[t] = d_t``;
    - ``r_t = sum_{i=1}^{t} min(s_t[i], max(0, 1 - sum_{j=1}^{i-1} s_t[j])) * V_t[i]``: the bottom 1.0.

    Arguments and results as ``neural_stack``.

    >>> import autograd_core as ag, nn.functional as F
    >>> r, st = F.neural_queue(ag.tensor([[1.0, 0.0]]), ag.tensor([1.0]), ag.tensor([0.0]))
    >>> r, st = F.neural_queue(ag.tensor([[0.0, 1.0]]), ag.tensor([1.0]), ag.tensor([0.0]), st)
    >>> r  # the first value pushed is still at the front
    tensor([[1., 0.]])
    """
    return _one_ended("neural_queue", value, push, pop, state, lifo=False)


def neural_deque(value_top: Tensor, value_bot: Tensor, push_top: Tensor, push_bot: Tensor, pop_top: Tensor,
                 pop_bot: Tensor, state: NeuralStackState | None = None):
    """One step of the neural deque: pop at both ends, push at both ends, read at both ends.

    The memory grows by two slots per step, so after step t it has 2t slots
    (1-based, slot 1 the bottom, slot 2t the top).  As we read the paper's DeQue
    equations, the top pop acts first, then the bottom pop on what is left, then
    the pushes (bottom value first in V, top value last):

    - ``V_t = [v_t^bot, V_{t-1}[1], ..., V_{t-1}[2t-2], v_t^top]``;
    - after the top pop, for i = 1..2t-2:
      ``s'[i] = max(0, s_{t-1}[i] - max(0, u_t^top - sum_{j=i+1}^{2t-2} s_{t-1}[j]))``;
    - after the bottom pop: ``s''[i] = max(0, s'[i] - max(0, u_t^bot - sum_{j=1}^{i-1} s'[j]))``;
    - ``s_t = [d_t^bot, s''[1], ..., s''[2t-2], d_t^top]``;
    - ``r_t^top = sum_{i=1}^{2t} min(s_t[i], max(0, 1 - sum_{j=i+1}^{2t} s_t[j])) * V_t[i]``;
    - ``r_t^bot = sum_{i=1}^{2t} min(s_t[i], max(0, 1 - sum_{j=1}^{i-1} s_t[j])) * V_t[i]``.

    With ``push_bot = pop_bot = 0`` it is a stack read by ``r_top``; with
    ``push_bot = pop_top = 0`` it is a queue (push on top, pop and read ``r_bot`` at the bottom).

    Args:
        value_top, value_bot: (batch, m) vectors pushed on the top and at the bottom.
        push_top, push_bot: (batch,) push strengths at each end.
        pop_top, pop_bot: (batch,) pop strengths at each end.
        state: the previous ``NeuralStackState`` or None to start empty.

    Returns:
        ``(read_top, read_bot, state)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> one, zero = ag.tensor([1.0]), ag.tensor([0.0])
    >>> a, b = ag.tensor([[1.0, 0.0]]), ag.tensor([[0.0, 1.0]])
    >>> r_top, r_bot, st = F.neural_deque(a, b, one, one, zero, zero)
    >>> r_top, r_bot
    (tensor([[1., 0.]]), tensor([[0., 1.]]))
    """
    _check(
        "neural_deque",
        (("value_top", value_top), ("value_bot", value_bot)),
        (("push_top", push_top), ("push_bot", push_bot), ("pop_top", pop_top), ("pop_bot", pop_bot)),
        state,
    )
    if state is None:
        state = _empty(value_top)
    V, s = state
    s = _pop(_pop(s, pop_top, from_top=True), pop_bot, from_top=False)
    s = ag.cat([push_bot.unsqueeze(1), s, push_top.unsqueeze(1)], dim=1)
    V = ag.cat([value_bot.unsqueeze(1), V, value_top.unsqueeze(1)], dim=1)
    return _read(V, s, from_top=True), _read(V, s, from_top=False), NeuralStackState(V, s)
