"""Cross-entropy from logits: a primitive because the composition
log_softmax -> pick -> mean keeps an (N, C) log-probability array and scatters
its gradient back through an index; this computes the loss and its exact
gradient, softmax(x) - onehot(target), in one node."""

from __future__ import annotations

from autograd_core.function import Primitive
from autograd_core.ops.elementwise import exp
from autograd_core.ops.shape import unsqueeze
from autograd_core.tensor import Tensor

_wrap = Tensor._wrap


class CrossEntropyLogits(Primitive):
    """Per-sample ``logsumexp(x[i]) - x[i, t[i]]`` for logits (N, C) and class indices (N,)."""

    @staticmethod
    def forward(ctx, x, target):
        xp, d, t = x._dev.xp, x._data, target._data
        rows = xp.arange(d.shape[0])
        m = d.max(axis=1, keepdims=True)
        lse = xp.log(xp.exp(d - m).sum(axis=1, keepdims=True)) + m
        ctx.save_for_backward(x, _wrap(lse, x._dev))
        ctx.target = target
        return lse[:, 0] - d[rows, t]

    @staticmethod
    def backward(ctx, g):
        x, lse = ctx.saved_tensors
        return CrossEntropyLogitsBackward.apply(g, x, lse, ctx.target), None


class CrossEntropyLogitsBackward(Primitive):
    """``g[:, None] * (softmax(x) - onehot(target))``: one array op instead of six Tensor ops.

    Its own backward is written with Tensor ops, so second derivatives still work.
    """

    @staticmethod
    def forward(ctx, g, x, lse, target):
        ctx.save_for_backward(g, x, lse)
        ctx.target = target
        xp = x._dev.xp
        d = xp.exp(x._data - lse._data)
        d[xp.arange(d.shape[0]), target._data] -= 1
        d *= g._data[:, None]
        return d

    @staticmethod
    def backward(ctx, gg):
        g, x, lse = ctx.saved_tensors
        p = exp(x - lse)  # softmax, recorded so that third derivatives work too
        onehot = _wrap((ctx.target._data[:, None] == x._dev.xp.arange(x.shape[1])).astype(x.dtype), x._dev)
        grad_g = (gg * (p - onehot)).sum(1)
        # d/dx of g_i * p_ij: g_i * p_ij * (gg_ij - sum_k gg_ik p_ik)
        inner = gg - (gg * p).sum(1, keepdim=True)
        grad_x = unsqueeze(g, 1) * p * inner
        return grad_g, grad_x, None, None


def cross_entropy_logits(input: Tensor, target: Tensor) -> Tensor:
    """Per-sample cross-entropy of logits ``input`` (N, C) against class indices ``target`` (N,).

    The building block of ``nn.functional.cross_entropy`` (which adds weights,
    ignore_index, label smoothing and the reduction).

    >>> import autograd_core as ag
    >>> ag.cross_entropy_logits(ag.zeros(2, 4), ag.tensor([0, 3])).tolist()
    [1.3862943649291992, 1.3862943649291992]
    """
    if input.ndim != 2:
        raise RuntimeError(f"cross_entropy_logits: input must be (N, C), got shape {tuple(input.shape)}")
    if not isinstance(target, Tensor) or target.dtype.kind not in "iu":
        raise TypeError("cross_entropy_logits: target must be an integer Tensor of class indices")
    if tuple(target.shape) != (input.shape[0],):
        raise RuntimeError(
            f"cross_entropy_logits: target shape {tuple(target.shape)} doesn't match input batch ({input.shape[0]},)"
        )
    if target.device is not input.device:
        raise RuntimeError(f"cross_entropy_logits: input is on {input.device} but target on {target.device}")
    try:
        if target._data.size and target._data.min() < 0:  # NumPy would wrap a negative index silently
            raise IndexError
        return CrossEntropyLogits.apply(input, target)
    except IndexError:
        t = target._dev.backend.to_numpy(target._data)
        bad = t[(t < 0) | (t >= input.shape[1])]
        raise IndexError(
            f"cross_entropy_logits: target {int(bad[0])} is out of bounds for {input.shape[1]} classes "
            f"(valid: 0 to {input.shape[1] - 1})"
        ) from None
