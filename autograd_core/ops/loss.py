"""Cross-entropy from logits: a primitive because the composition
log_softmax -> pick -> mean keeps an (N, C) log-probability array and scatters
its gradient back through an index; this computes the loss and its exact
gradient, softmax(x) - onehot(target), in one node."""

from __future__ import annotations

from autograd_core.function import Primitive
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops.elementwise import clamp, exp, log
from autograd_core.ops.shape import unsqueeze
from autograd_core.tensor import Tensor

_wrap = Tensor._wrap


_REDUCTIONS = ("none", "mean", "sum")


def _row_logsumexp(d, xp):
    """``log(sum(exp(d), axis=1))`` of a 2-D array, computed stably, as a column (N, 1).

    NumPy reduces a short last axis one row at a time (the max of 128 rows of 10 logits
    takes longer than the exp of all of them); with fewer classes than rows it is
    faster to reduce the transposed copy, one vectorised pass per class.
    """
    if d.shape[1] < d.shape[0]:
        dt = xp.ascontiguousarray(d.T)
        m = dt.max(axis=0)
        return (xp.log(xp.exp(dt - m).sum(axis=0)) + m)[:, None]
    m = d.max(axis=1, keepdims=True)
    return xp.log(xp.exp(d - m).sum(axis=1, keepdims=True)) + m


class CrossEntropyLogits(Primitive):
    """``logsumexp(x[i]) - x[i, t[i]]`` for logits (N, C) and class indices (N,), per sample or
    reduced (``'mean'``, ``'sum'``): the reduction is part of the node, as in PyTorch's loss."""

    @staticmethod
    def forward(ctx, x, target, reduction):
        xp, d, t = x._dev.xp, x._data, target._data
        rows = xp.arange(d.shape[0])
        lse = _row_logsumexp(d, xp)
        ctx.save_for_backward(x, _wrap(lse, x._dev))
        ctx.target, ctx.reduction = target, reduction
        losses = lse[:, 0] - d[rows, t]
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        return total / d.shape[0] if d.shape[0] else xp.full((), float("nan"), d.dtype)  # mean of nothing

    @staticmethod
    def backward(ctx, g):
        x, lse = ctx.saved_tensors
        if GRAD_ENABLED[0]:  # create_graph: the gradient is a node of its own, differentiable again
            return CrossEntropyLogitsBackward.apply(g, x, lse, ctx.target, ctx.reduction), None, None
        # nothing records the backward: compute on arrays
        d = _cross_entropy_grad(x._dev.xp, g._data, x._data, lse._data, ctx.target._data, ctx.reduction)
        return _wrap(d, x._dev), None, None


def _cross_entropy_grad(xp, g, x, lse, target, reduction):
    """``w * (softmax(x) - onehot(target))`` on arrays: ``w = g[:, None]`` per sample, ``g / N`` for the
    mean, ``g`` for the sum."""
    d = xp.exp(x - lse)
    d[xp.arange(d.shape[0]), target] -= 1
    if reduction == "none":
        d *= g[:, None]
    else:
        d *= g / d.shape[0] if reduction == "mean" and d.shape[0] else g
    return d


class CrossEntropyLogitsBackward(Primitive):
    """``w * (softmax(x) - onehot(target))`` with ``w = g[:, None]`` per sample, ``g / N``
    for the mean, ``g`` for the sum: one array op instead of six Tensor ops.

    Its own backward is written with Tensor ops, so second derivatives still work.
    """

    @staticmethod
    def forward(ctx, g, x, lse, target, reduction):
        ctx.save_for_backward(g, x, lse)
        ctx.target, ctx.reduction = target, reduction
        return _cross_entropy_grad(x._dev.xp, g._data, x._data, lse._data, target._data, reduction)

    @staticmethod
    def backward(ctx, gg):
        g, x, lse = ctx.saved_tensors
        p = exp(x - lse)  # softmax, recorded so that third derivatives work too
        onehot = _wrap((ctx.target._data[:, None] == x._dev.xp.arange(x.shape[1])).astype(x.dtype), x._dev)
        # the output is w_i * (p_ij - onehot_ij); d/dx of w_i * p_ij is w_i * p_ij * (gg_ij - sum_k gg_ik p_ik)
        per_row = (gg * (p - onehot)).sum(1)
        inner = gg - (gg * p).sum(1, keepdim=True)
        if ctx.reduction == "none":
            return per_row, unsqueeze(g, 1) * p * inner, None, None, None
        n = x.shape[0]
        scale = (1.0 / n if n else 0.0) if ctx.reduction == "mean" else 1.0  # (an empty batch has no terms)
        return per_row.sum() * scale, (g * scale) * p * inner, None, None, None


def cross_entropy_logits(input: Tensor, target: Tensor, reduction: str = "none") -> Tensor:
    """Cross-entropy of logits ``input`` (N, C) against class indices ``target`` (N,).

    Per sample (``reduction='none'``), or their ``'mean'`` or ``'sum'`` in the same node.
    The building block of ``nn.functional.cross_entropy`` (which adds weights,
    ignore_index, label smoothing and more shapes).

    >>> import autograd_core as ag
    >>> ag.cross_entropy_logits(ag.zeros(2, 4), ag.tensor([0, 3])).tolist()
    [1.3862943649291992, 1.3862943649291992]
    >>> round(ag.cross_entropy_logits(ag.zeros(2, 4), ag.tensor([0, 3]), reduction="sum").item(), 4)
    2.7726
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy_logits: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
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
    t, n_classes = target._data, input.shape[1]
    # One pass, one look from the host (a GPU syncs once): viewed as unsigned, a negative class index
    # is huge, so ``>= n_classes`` catches both ends.  (Out-of-range indices would wrap silently:
    # negative ones in NumPy, all of them in CuPy.)
    if t.size and bool((t.view(t.dtype.str.replace("i", "u")) >= n_classes).any()):
        host = target._dev.backend.to_numpy(t)
        bad = host[(host < 0) | (host >= n_classes)]
        raise IndexError(
            f"cross_entropy_logits: target {int(bad[0])} is out of bounds for {n_classes} classes "
            f"(valid: 0 to {n_classes - 1})"
        )
    return CrossEntropyLogits.apply(input, target, reduction)


class BinaryCrossEntropy(Primitive):
    """Elementwise ``-(t log(p) + (1 - t) log(1 - p))`` with the logs clamped to >= -100, and
    PyTorch's gradient ``(p - t) / max(p (1 - p), 1e-12)``: finite (zero where ``t == p``)
    where a saturated sigmoid has rounded ``p`` to exactly 0 or 1, where the composed
    formula would not agree with PyTorch."""

    @staticmethod
    def forward(ctx, p, t):
        ctx.save_for_backward(p, t)
        xp, pd, td = p._dev.xp, p._data, t._data

        def clamped_log(a):  # log(0) is -100, without NumPy's divide-by-zero warning
            pos = a > 0
            return xp.where(pos, xp.maximum(xp.log(xp.where(pos, a, 1)), -100), -100)

        return ((td - 1) * clamped_log(1 - pd) - td * clamped_log(pd)).astype(pd.dtype, copy=False)  # PyTorch's form

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.saved_tensors
        need_p, need_t = ctx.needs_input_grad
        grad_p = g * (p - t) / clamp(p * (1.0 - p), min=1e-12) if need_p else None
        grad_t = g * (log(1.0 - p) - log(p)) if need_t else None  # -logit(p), as PyTorch's
        return grad_p, grad_t


def binary_cross_entropy_probs(input: Tensor, target: Tensor) -> Tensor:
    """Per-element binary cross-entropy of probabilities ``input`` against ``target`` (same
    shape and dtype): the building block of ``nn.functional.binary_cross_entropy``.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.loss import binary_cross_entropy_probs
    >>> [round(v, 4) for v in binary_cross_entropy_probs(ag.tensor([0.5, 0.9]), ag.tensor([1.0, 1.0])).tolist()]
    [0.6931, 0.1054]
    """
    if tuple(input.shape) != tuple(target.shape) or input.dtype != target.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: input {tuple(input.shape)} {input.dtype} and target {tuple(target.shape)} "
            f"{target.dtype} must have the same shape and dtype"
        )
    return BinaryCrossEntropy.apply(input, target)
