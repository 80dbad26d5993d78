"""Loss functions with PyTorch's signatures, defaults, reductions and gradients.

Every loss takes ``reduction='mean' | 'sum' | 'none'`` (``kl_div`` also
``'batchmean'``) and, where PyTorch still does, the deprecated
``size_average``/``reduce`` pair, so old code ports unchanged.  All are composed
from autograd_core ops; cross-entropy on class indices uses the fused
``cross_entropy_logits`` primitive.

>>> import autograd_core as ag, nn.functional as F
>>> logits = ag.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
>>> round(F.cross_entropy(logits, ag.tensor([0, 2])).item(), 4)
0.2395
"""

from __future__ import annotations

import math
import warnings

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.amp import AUTOCAST, to_float32
from autograd_core.ops.loss import binary_cross_entropy_probs

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "cosine_similarity",
    "hinge_embedding_loss",
    "multi_margin_loss",
    "pairwise_distance",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "hellinger_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_margin_loss",
    "triplet_margin_with_distance_loss",
    "pdist",
    "ctc_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------------------- helpers
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to a reduction."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=3)
    return ret


def _check_reduction(reduction: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction (use one of {', '.join(allowed)})")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def _check_tensors(name: str, **tensors) -> None:
    for arg, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(t).__name__}")


def _warn_broadcast(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{name}: Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )


def _pointwise(name: str, elementwise, input, target, reduction, weight) -> Tensor:
    """mse/l1/huber: elementwise loss, optional same-shape weight, PyTorch's weighted means."""
    _check_tensors(name, input=input, target=target)
    _check_reduction(reduction)
    if AUTOCAST[0]:  # (autocast runs the losses in float32; see autograd_core/amp.py)
        input, target, weight = to_float32(name, input, target, weight)
    _warn_broadcast(input, target)
    loss = elementwise(input - target)
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{name}: Weights and input must have the same size (weight {tuple(weight.shape)}, "
                         f"input {tuple(input.shape)}).")
    loss = loss * weight
    if reduction == "mean" and name != "huber_loss":
        return loss.sum() / weight.sum()  # mse and l1 divide by the total weight, huber by the count
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- regression
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Squared error (x - y)^2, reduced.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.mse_loss(ag.tensor([1.0, 2.0]), ag.tensor([0.0, 0.0])).item()
    2.5
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pointwise("mse_loss", lambda d: d * d, input, target, reduction, weight)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Absolute error |x - y|, reduced.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.l1_loss(ag.tensor([1.0, -3.0]), ag.tensor([0.0, 0.0]), reduction="sum").item()
    4.0
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pointwise("l1_loss", ag.abs, input, target, reduction, weight)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (plain L1 when beta = 0).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.smooth_l1_loss(ag.tensor([0.5, 3.0]), ag.zeros(2), reduction="none").tolist()
    [0.125, 2.5]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return _pointwise("smooth_l1_loss", ag.abs, input, target, reduction, None)

    def elementwise(d):
        a = ag.abs(d)
        return ag.where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)

    return _pointwise("smooth_l1_loss", elementwise, input, target, reduction, None)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, delta * (|d| - 0.5 delta) elsewhere.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.huber_loss(ag.tensor([0.5, 3.0]), ag.zeros(2), reduction="none", delta=2.0).tolist()
    [0.125, 4.0]
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")

    def elementwise(d):
        a = ag.abs(d)
        return ag.where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)

    return _pointwise("huber_loss", elementwise, input, target, reduction, weight)


# ---------------------------------------------------------------------------- classification
def _class_weight(name: str, weight, n_classes: int) -> None:
    if weight is None:
        return
    if not isinstance(weight, Tensor) or tuple(weight.shape) != (n_classes,):
        raise RuntimeError(
            f"{name}: weight must be a 1-D tensor of one weight per class ({n_classes},), "
            f"got {getattr(weight, 'shape', type(weight).__name__)}"
        )


def _flatten_classes(name: str, input: Tensor, target: Tensor):
    """(N, C, d1...) input and (N, d1...) target -> (M, C) rows and (M,) targets (and the 'none' shape)."""
    if input.ndim == 0:
        raise RuntimeError(f"{name}: input must have a class dim, got a 0-d tensor")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index targets must be an integer (int64) tensor, got {target.dtype}; "
            "for class probabilities pass a floating tensor of the input's shape"
        )
    if input.ndim == 1:  # unbatched: (C,) and a 0-d target
        if target.ndim != 0:
            raise RuntimeError(f"{name}: an unbatched input of shape {tuple(input.shape)} needs a 0-d target, "
                               f"got shape {tuple(target.shape)}")
        return input.unsqueeze(0), target.reshape(1), ()
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(
            f"{name}: expected target of shape {expected} for input of shape {tuple(input.shape)} "
            f"(N, C, d1, ...), got {tuple(target.shape)}"
        )
    c = input.shape[1]
    rows = input if input.ndim == 2 else input.permute((0,) + tuple(range(2, input.ndim)) + (1,)).reshape(-1, c)
    return rows, target.reshape(-1), expected


def _masked_targets(name: str, target: Tensor, ignore_index: int, n_classes: int):
    """Targets with ignored entries replaced by class 0, and the float mask of the kept ones."""
    valid = target != ignore_index
    _check_bounds(name, target, valid, n_classes, f", or ignore_index={ignore_index}")
    return ag.where(valid, target, 0), valid


def _check_bounds(name: str, target: Tensor, valid, n_classes: int, hint: str = "") -> None:
    if not target.numel():
        return
    bad = (target < 0) | (target >= n_classes)
    if valid is not None:
        bad = bad & valid
    if bool(bad.any()):
        value = int(target[bad][0].item())
        raise IndexError(f"{name}: Target {value} is out of bounds for {n_classes} classes "
                         f"(valid: 0 to {n_classes - 1}{hint})")


def _finish(loss, denominator, reduction, shape):
    if reduction == "none":
        return loss.reshape(shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / denominator


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, d1...) at class indices ``target`` (N, d1...).

    With ``weight`` and ``'mean'`` the sum is divided by the total weight of the
    non-ignored targets, as in PyTorch.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.nll_loss(ag.tensor([[-1.0, -2.0], [-3.0, -4.0]]), ag.tensor([1, 0])).item()
    2.5
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("nll_loss", input=input, target=target)
    _check_reduction(reduction)
    if AUTOCAST[0]:
        input, weight = to_float32("nll_loss", input, weight)
    rows, t, shape = _flatten_classes("nll_loss", input, target)
    c = rows.shape[1]
    _class_weight("nll_loss", weight, c)
    safe, valid = _masked_targets("nll_loss", t, ignore_index, c)
    picked = ag.gather(rows, 1, safe.unsqueeze(1)).squeeze(1)
    w = valid.to(rows.dtype) if weight is None else weight[safe] * valid
    return _finish(-picked * w, w.sum(), reduction, shape)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` (N, C, d1...) against class indices (N, d1...) or class probabilities.

    Index targets: ``weight`` per class, ``ignore_index``, ``label_smoothing``;
    ``'mean'`` divides by the total weight of the non-ignored targets (PyTorch's rule).
    Probability targets (same shape as ``input``): ``'mean'`` divides by the
    number of samples.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.cross_entropy(ag.zeros(2, 4), ag.tensor([1, 3])).item(), 4)
    1.3863
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("cross_entropy", input=input, target=target)
    _check_reduction(reduction)
    if AUTOCAST[0]:
        input, target, weight = to_float32("cross_entropy", input, target, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.ndim == 0:
        raise RuntimeError("cross_entropy: input must have a class dim, got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    c = input.shape[class_dim]
    _class_weight("cross_entropy", weight, c)

    if target.dtype.kind == "f":
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(
                f"cross_entropy: class-probability targets must have the input's shape {tuple(input.shape)}, "
                f"got {tuple(target.shape)}"
            )
        logp = ag.log_softmax(input, class_dim)
        if label_smoothing > 0:
            target = target * (1.0 - label_smoothing) + label_smoothing / c
        terms = logp * target
        if weight is not None:
            terms = terms * weight.reshape((c,) + (1,) * (input.ndim - class_dim - 1))
        per_sample = -terms.sum(class_dim)
        return _reduce(per_sample, reduction)  # the mean is over samples: numel / C of them

    rows, t, shape = _flatten_classes("cross_entropy", input, target)
    # The common case, nothing ignored: the fused primitive alone (it checks the bounds itself).  An
    # ignore_index outside the classes (the default, -100) can only match out-of-range targets, which
    # the primitive finds in the same pass, so only an in-range one needs a look of its own.
    ignorable = 0 <= ignore_index < c
    if weight is None and label_smoothing == 0 and not (ignorable and bool((t == ignore_index).any())):
        try:
            loss = ag.cross_entropy_logits(rows, t, reduction)
        except IndexError as exc:
            if not bool((t == ignore_index).any()):  # else ignored entries: the general path below
                raise IndexError(f"cross_entropy: {exc}".replace("cross_entropy_logits: target", "Target")) from None
        else:
            return loss.reshape(shape) if reduction == "none" else loss
    safe, valid = _masked_targets("cross_entropy", t, ignore_index, c)
    nll = ag.cross_entropy_logits(rows, safe)
    w = valid.to(rows.dtype) if weight is None else weight[safe] * valid
    loss = nll * w
    if label_smoothing > 0:
        logp = ag.log_softmax(rows, 1)
        smooth = -(logp if weight is None else logp * weight).sum(1) * valid
        eps = float(label_smoothing)
        loss = loss * (1.0 - eps) + smooth * (eps / c)
    return _finish(loss, w.sum(), reduction, shape)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-(t log(p) + (1 - t) log(1 - p)) for probabilities ``input``; the logs are clamped to >= -100.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy", input=input, target=target)
    _check_reduction(reduction)
    if AUTOCAST[0]:
        input, target, weight = to_float32("binary_cross_entropy", input, target, weight)
    _same_shape("binary_cross_entropy", input, target)
    if input.numel() and bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError(
            "binary_cross_entropy: all elements of input should be between 0 and 1; apply sigmoid first, "
            "or use binary_cross_entropy_with_logits on the logits (more stable)"
        )
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    loss = binary_cross_entropy_probs(input, target)  # one node, with PyTorch's gradient at 0 and 1
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression; ``pos_weight`` weighs positives per class.

    Written as (1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x)), with the
    softplus computed without overflow, so large logits give exact losses.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.binary_cross_entropy_with_logits(ag.tensor([0.0]), ag.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    _check_reduction(reduction)
    if AUTOCAST[0]:
        input, target, weight, pos_weight = to_float32("binary_cross_entropy_with_logits", input, target, weight,
                                                       pos_weight)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    log1p_exp_neg = ag.softplus(-input, 1.0, float("inf"))  # threshold inf: never the linear shortcut
    if pos_weight is None:
        loss = (1.0 - target) * input + log1p_exp_neg
    else:
        loss = (1.0 - target) * input + ((pos_weight - 1.0) * target + 1.0) * log1p_exp_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` as log-probabilities: t (log t - input).

    ``reduction='batchmean'`` (sum / batch size) is the mathematically correct KL;
    ``'mean'`` averages over every element, as PyTorch does (and warns about).

    >>> import autograd_core as ag, nn.functional as F
    >>> p = ag.tensor([[0.5, 0.5]])
    >>> F.kl_div(p.log(), p, reduction="batchmean").item()
    0.0
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("kl_div", input=input, target=target)
    if AUTOCAST[0]:
        input, target = to_float32("kl_div", input, target)
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        # xlogy(t, t) - t * input, with 0 log 0 = 0 (and no warning or NaN gradient there).
        zero = target == 0
        t_log_t = ag.where(zero, 0.0, target * ag.log(ag.where(zero, 1.0, target)))
        loss = t_log_t - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.cosine_similarity(ag.tensor([[1.0, 0.0]]), ag.tensor([[1.0, 1.0]])).tolist()
    [0.7071067690849304]
    """
    _check_tensors("cosine_similarity", x1=x1, x2=x2)
    if tuple(x1.shape) != tuple(x2.shape):
        shape = _broadcast("cosine_similarity", x1.shape, x2.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)

    def unit(x):
        n = ag.norm(x, 2, dim=dim, keepdim=True)
        # The eps floor is applied outside autograd (as PyTorch clamps in place under no_grad):
        # the value is max(n, eps), the gradient that of n.
        return x / (n + (ag.clamp(n, min=eps) - n).detach())

    return (unit(x1) * unit(x2)).sum(dim)


def _broadcast(name, a, b) -> tuple:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and 1 not in (da, db):
            raise RuntimeError(f"{name}: shapes {tuple(a)} and {tuple(b)} cannot be broadcast together")
        out.append(max(da, db) if 1 in (da, db) else da)
    return tuple(reversed(out))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where target is 1, max(0, margin - x) where target is -1.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.hinge_embedding_loss(ag.tensor([0.3, 0.3]), ag.tensor([1.0, -1.0]), reduction="none").tolist()
    [0.30000001192092896, 0.699999988079071]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("hinge_embedding_loss", input=input, target=target)
    _check_reduction(reduction)
    margin_term = ag.where(target != 1, ag.clamp(float(margin) - input, min=0.0), 0.0)
    self_term = ag.where(target != -1, input, 0.0)
    return _reduce(margin_term + self_term, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over j != y of max(0, margin - x[y] + x[j])^p / C (p = 1 or 2).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.multi_margin_loss(ag.tensor([[0.1, 0.2, 0.4, 0.8]]), ag.tensor([3])).item()
    0.32499998807907104
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("multi_margin_loss", input=input, target=target)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multi_margin_loss: input must be (N, C) or (C,), got shape {tuple(input.shape)}")
    rows, t, shape = _flatten_classes("multi_margin_loss", input, target)
    c = rows.shape[1]
    _class_weight("multi_margin_loss", weight, c)
    _check_bounds("multi_margin_loss", t, None, c)
    at_target = ag.gather(rows, 1, t.unsqueeze(1))
    z = ag.relu(rows - at_target + float(margin))  # relu, not clamp: no gradient at z == 0, as PyTorch
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    others = t.unsqueeze(1) != ag.arange(c, device=rows.device)
    per_sample = (z * others).sum(1) / float(c)
    return _reduce(per_sample.reshape(shape), reduction)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dim (inputs broadcast), as PyTorch computes it.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.pairwise_distance(ag.tensor([[0.0, 0.0]]), ag.tensor([[3.0, 4.0]]), eps=0.0).tolist()
    [5.0]
    """
    _check_tensors("pairwise_distance", x1=x1, x2=x2)
    return ag.norm(x1 - x2 + eps, p, dim=max(x1.ndim, x2.ndim) - 1, keepdim=keepdim)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin): target 1 wants input1 ranked higher, -1 input2.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.margin_ranking_loss(ag.tensor([1.0, 1.0]), ag.tensor([0.0, 0.0]), ag.tensor([1.0, -1.0]),
    ...                       reduction="none").tolist()
    [0.0, 1.0]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    _check_reduction(reduction)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(
            f"margin_ranking_loss: all input tensors should have the same number of dims, got shapes "
            f"{tuple(input1.shape)}, {tuple(input2.shape)} and {tuple(target.shape)}"
        )
    return _reduce(ag.clamp(-target * (input1 - input2) + float(margin), min=0.0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1 (rows of
    ``(N, D)`` inputs, or one ``(D,)`` pair); the squared norms get PyTorch's 1e-12 floor.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.cosine_embedding_loss(ag.tensor([[1.0, 0.0]]), ag.tensor([[0.0, 1.0]]), ag.tensor([1])).item()
    1.0
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    _check_reduction(reduction)
    if input1.ndim not in (1, 2) or tuple(input1.shape) != tuple(input2.shape) or target.ndim != input1.ndim - 1:
        raise RuntimeError(
            f"cosine_embedding_loss: expected inputs of the same shape (N, D) or (D,) and a target of shape (N,) "
            f"or (), got {tuple(input1.shape)}, {tuple(input2.shape)} and {tuple(target.shape)}"
        )
    d = input1.ndim - 1
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + 1e-12
    mag2 = (input2 * input2).sum(d) + 1e-12
    cos = prod / ag.sqrt(mag1 * mag2)
    pos = ag.where(target == 1, 1.0 - cos, 0.0)
    neg = ag.where(target == -1, ag.clamp(cos - float(margin), min=0.0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with ``pairwise_distance`` (``swap``:
    the negative's distance is the smaller of d(a, n) and d(p, n)).

    >>> import autograd_core as ag, nn.functional as F
    >>> a, pos, neg = ag.tensor([[0.0, 0.0]]), ag.tensor([[0.0, 1.0]]), ag.tensor([[3.0, 4.0]])
    >>> F.triplet_margin_loss(a, pos, neg, eps=0.0).item()
    0.0
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim) or anchor.ndim not in (1, 2):
        raise RuntimeError(
            f"triplet_margin_loss: expected anchor, positive and negative all (N, D) or all (D,), got shapes "
            f"{tuple(anchor.shape)}, {tuple(positive.shape)} and {tuple(negative.shape)}"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ag.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ag.clamp(d_pos - d_neg + float(margin), min=0.0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)) for targets +1/-1 (two-class logistic loss).

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.soft_margin_loss(ag.tensor([0.0]), ag.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("soft_margin_loss", input=input, target=target)
    _check_reduction(reduction)
    _same_shape("soft_margin_loss", input, target)
    return _reduce(ag.softplus(-input * target, 1.0, float("inf")), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Per-class binary cross-entropy on logits, averaged over the classes (last dim), then reduced over samples.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.multilabel_soft_margin_loss(ag.zeros(1, 3), ag.tensor([[1.0, 0.0, 1.0]])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("multilabel_soft_margin_loss", input=input, target=target)
    _check_reduction(reduction)
    _same_shape("multilabel_soft_margin_loss", input, target)
    loss = -(target * -ag.softplus(-input, 1.0, float("inf")) + (1.0 - target) * -ag.softplus(input, 1.0, float("inf")))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / float(input.shape[class_dim])
    return _reduce(loss, reduction)


def hellinger_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Hellinger distance (1/sqrt(2)) * ||sqrt(p) - sqrt(t)||_2 between distributions along the last dim.

    ``input`` and ``target`` hold non-negative weights (probabilities) in their last
    dim; the per-sample distances (one per leading index) are then reduced.  Not in
    PyTorch.  The gradient of sqrt is infinite at 0: keep probabilities positive
    (e.g. the output of a softmax) where you differentiate.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.hellinger_loss(ag.tensor([[1.0, 0.0]]), ag.tensor([[0.0, 1.0]])).item(), 6)
    1.0
    """
    _check_tensors("hellinger_loss", input=input, target=target)
    _check_reduction(reduction)
    if input.ndim == 0:
        raise RuntimeError("hellinger_loss: input must have at least 1 dim (the distribution's support)")
    _same_shape("hellinger_loss", input, target)
    distance = ag.norm(ag.sqrt(input) - ag.sqrt(target), 2, dim=-1) * (1.0 / math.sqrt(2.0))
    return _reduce(distance, reduction)


# ---------------------------------------------------------------------------- likelihoods
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` counts under Poisson(rate), up to a constant.

    ``log_input=True``: ``input`` is log(rate), loss ``exp(input) - target * input``; else
    ``input`` is the rate, loss ``input - target * log(input + eps)``.  ``full`` adds the
    Stirling term ``t log t - t + log(2 pi t) / 2`` where ``target > 1``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.poisson_nll_loss(ag.tensor([0.0, 0.0]), ag.tensor([1.0, 3.0])).item()
    1.0
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("poisson_nll_loss", input=input, target=target)
    _check_reduction(reduction)
    if log_input:
        loss = ag.exp(input) - target * input
    else:
        loss = input - target * ag.log(input + eps)
    if full:
        stirling = target * ag.log(target) - target + 0.5 * ag.log(2.0 * math.pi * target)
        loss = loss + ag.where(target > 1, stirling, 0.0)  # where, not a multiply: log(0) is -inf
    return _reduce(loss, reduction)


def _gaussian_var(input: Tensor, var) -> Tensor:
    """``var`` made broadcastable to ``input`` by PyTorch's rules (one scalar, the same shape, one dim
    short, or one mismatched size-1 dim)."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return ag.full(tuple(input.shape), float(var), dtype=input.dtype, device=input.device)
    if not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss: var must be a Tensor or a float, got {type(var).__name__}")
    with ag.no_grad():
        if bool((var < 0).any()):
            raise ValueError("var has negative entry/entries")
    if tuple(var.shape) == tuple(input.shape):
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)  # homoscedastic: one variance per sample
    if var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var  # one size-1 dim, broadcast
    raise ValueError(f"var is of incorrect size: {tuple(var.shape)} for input of size {tuple(input.shape)}")


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(var) + (input - target)^2 / var) / 2`` (+ log(2 pi) / 2 if ``full``).

    ``var`` (a tensor or a float) is clamped to at least ``eps`` for the value only: its
    gradient passes through the clamp, as in PyTorch (which clamps in place under no_grad).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.gaussian_nll_loss(ag.tensor([1.0, 3.0]), ag.tensor([2.0, 3.0]), 1.0).item()
    0.25
    """
    _check_tensors("gaussian_nll_loss", input=input, target=target)
    var = _gaussian_var(input, var)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var + (ag.clamp(var, min=eps) - var).detach()
    loss = 0.5 * (ag.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------- multi-label margin
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: for each target class j and each non-target class i, max(0, 1 - (x[j] - x[i])),
    summed and divided by the number of classes.

    ``target`` (same shape as ``input``, int64) lists each sample's target classes, ended by
    the first -1 (the rest is ignored); a class listed twice counts twice, as in PyTorch.

    >>> import autograd_core as ag, nn.functional as F
    >>> x = ag.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> round(F.multilabel_margin_loss(x, ag.tensor([[3, 0, -1, 1]])).item(), 4)
    0.85
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("multilabel_margin_loss", input=input, target=target)
    _check_reduction(reduction)
    if input.ndim > 2 or (input.ndim == 2 and input.shape[1] == 0) or (input.ndim == 1 and input.shape[0] == 0):
        raise RuntimeError(
            "multilabel_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    if target.dtype != ag.int64:
        raise RuntimeError(f"multilabel_margin_loss: expected target of scalar type Long (int64), got {target.dtype}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    shape = () if input.ndim < 2 else (input.shape[0],)
    x = input.reshape(1, -1) if input.ndim < 2 else input
    t = target.reshape(1, -1) if target.ndim < 2 else target
    c = x.shape[1]
    if t.numel():
        with ag.no_grad():
            lo, hi = int(t.min().item()), int(t.max().item())
        if lo < -1 or hi >= c:
            raise RuntimeError(f"multilabel_margin_loss: target values must be in [-1, {c - 1}], got {lo if lo < -1 else hi}")
    listed = ag.cumsum((t < 0).to(ag.int64), 1) == 0  # positions before the first -1
    classes = ag.arange(c, device=x.device)
    is_target = ((t.unsqueeze(-1) == classes) & listed.unsqueeze(-1)).any(1)  # (N, C)
    at_target = ag.gather(x, 1, ag.clamp(t, min=0))  # (N, K): x[j] for each listed j
    z = ag.relu(1.0 - at_target.unsqueeze(-1) + x.unsqueeze(1))  # (N, K, C), no gradient at z == 0
    pairs = listed.unsqueeze(-1) & ~is_target.unsqueeze(1)
    loss = ag.where(pairs, z, 0.0).sum((1, 2)) / float(c)
    return _reduce(loss.reshape(shape), reduction)


# ---------------------------------------------------------------------------- triplets, any distance
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) for any distance ``d`` (default
    ``pairwise_distance``); ``swap`` uses min(d(a, n), d(p, n)) as the negative distance.

    >>> import autograd_core as ag, nn.functional as F
    >>> a, pos, neg = ag.tensor([[0.0, 0.0]]), ag.tensor([[0.0, 1.0]]), ag.tensor([[0.0, 1.5]])
    >>> F.triplet_margin_with_distance_loss(a, pos, neg, distance_function=lambda x, y: (x - y).abs().sum(-1)).item()
    0.5
    """
    _check_tensors("triplet_margin_with_distance_loss", anchor=anchor, positive=positive, negative=negative)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, distance(positive, negative))
    return _reduce(ag.clamp(margin + d_pos - d_neg, min=0.0), reduction)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm distances between all pairs of rows ``i < j`` of an (N, M) input (``autograd_core.pdist``).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.pdist(ag.tensor([[0.0, 0.0], [3.0, 4.0]])).tolist()
    [5.0]
    """
    return ag.pdist(input, p)


# ---------------------------------------------------------------------------- CTC
# Log-probability standing in for log(0) in the alpha recursion.  A finite value, not -inf: a
# logsumexp whose inputs are all -inf has a NaN gradient, which would leak into every reachable
# position.  exp(_CTC_NEG - anything real) is exactly 0, so no probability mass is lost, and
# _CTC_NEG times any realistic number of steps stays far inside float32's range.
_CTC_NEG = -1e30


def _ctc_lengths(name: str, lengths, batch: int) -> list:
    """``input_lengths`` / ``target_lengths`` as host ints: a tensor (0-d when unbatched) or a
    tuple/list, as PyTorch accepts.  Lengths are metadata that decide shapes (PyTorch reads them on
    the host too, even for CUDA tensors)."""
    if isinstance(lengths, Tensor):
        if lengths.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be integral, got dtype {lengths.dtype}")
        values = lengths.reshape(-1).tolist()
    elif isinstance(lengths, (tuple, list)):
        values = list(lengths)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise TypeError(f"ctc_loss: {name} must be a tuple of ints or an integer tensor, got {lengths!r}")
    else:
        raise TypeError(
            f"ctc_loss: {name} must be a tuple of ints or an integer tensor, got {type(lengths).__name__}"
        )
    if len(values) != batch:
        raise RuntimeError(f"ctc_loss: {name} must be of size batch_size ({batch}), got {len(values)} value(s)")
    if min(values, default=0) < 0:
        raise RuntimeError(f"ctc_loss: Expected {name} to have value at least 0, but got value {min(values)}")
    return values


def _ctc_padded_targets(targets: Tensor, target_lengths: list, blank: int, n_classes: int) -> Tensor:
    """Targets as an ``(N, max(target_lengths))`` int64 tensor on their device, positions past each
    target's length set to ``blank`` (so padding, whatever it holds, is never read as a label)."""
    batch, width = len(target_lengths), max(target_lengths, default=0)
    dev = targets.device
    targets = targets.long()
    lengths = ag.tensor(target_lengths, dtype=ag.int64, device=dev)
    inside = ag.arange(width, device=dev)[None, :] < lengths[:, None]
    if targets.ndim == 2:  # padded (N, S)
        if targets.shape[0] != batch or targets.shape[1] < width:
            raise RuntimeError(
                f"ctc_loss: padded targets of shape {tuple(targets.shape)} must be (batch_size={batch}, S) with "
                f"S >= max(target_lengths) = {width}"
            )
        labels = targets[:, :width]
    else:  # concatenated (sum(target_lengths),): sample n's labels start where sample n - 1's end
        total = sum(target_lengths)
        if targets.shape[0] != total:
            raise RuntimeError(
                f"ctc_loss: concatenated targets have {targets.shape[0]} labels but sum(target_lengths) = {total}; "
                "pass the targets of all samples one after another, or padded as (batch_size, S)"
            )
        starts, offset = [], 0
        for length in target_lengths:
            starts.append(offset)
            offset += length
        index = ag.tensor(starts, dtype=ag.int64, device=dev)[:, None] + ag.arange(width, device=dev)[None, :]
        index = ag.where(inside, index, ag.zeros_like(index))  # (stay in bounds; masked out below)
        labels = targets[index] if total else ag.zeros((batch, width), dtype=ag.int64, device=dev)
    labels = ag.where(inside, labels, ag.full_like(labels, blank))
    if labels.numel() and bool(((labels < 0) | (labels >= n_classes)).any()):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {n_classes}) (the number of classes in "
                           "log_probs' last dim)")
    return labels


def _ctc_extended(labels: Tensor, blank: int) -> Tensor:
    """The extended label sequence ``blank, l1, blank, l2, ..., blank`` of each sample: (N, 2S + 1)."""
    batch, width = labels.shape
    blanks = ag.full_like(labels, blank)
    interleaved = ag.stack([blanks, labels], dim=2).reshape(batch, 2 * width)
    return ag.cat([interleaved, ag.full((batch, 1), blank, dtype=ag.int64, device=labels.device)], dim=1)


def _ctc_log_likelihood(log_probs: Tensor, extended: Tensor, input_lengths: list, target_lengths: list) -> Tensor:
    """log p(target | input) per sample, by the forward (alpha) recursion of Graves et al. 2006 in log
    space, vectorised over the batch and the extended-label positions: one small group of ops per
    time step, so the engine differentiates it (its gradient is the classic alpha-beta one).

    alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != l'_{s-2})
    + log_probs[t, l'_s]; the skip s-2 -> s is allowed at label positions only (odd s >= 3), which
    is why repeated labels need a blank between them.  A sample with input length T_n < T keeps
    its alpha from step T_n - 1 on."""
    steps, batch, _ = log_probs.shape
    width = extended.shape[1]
    dev, dtype = log_probs.device, log_probs.dtype
    # (T, N, L): the log-probability of each extended label at each step; clamped so that log(0)
    # inputs stay finite (see _CTC_NEG).
    emit = ag.gather(log_probs, 2, extended[None].expand(steps, batch, width))
    emit = ag.clamp(emit, min=_CTC_NEG)
    position = ag.arange(width, device=dev)[None, :]
    before = ag.cat([ag.full((batch, 2), -1, dtype=ag.int64, device=dev), extended[:, :-2]], dim=1)[:, :width]
    skip = (position % 2 == 1) & (position >= 3) & (extended != before)
    neg = ag.full((batch, 2), _CTC_NEG, dtype=dtype, device=dev)
    lengths = ag.tensor(input_lengths, dtype=ag.int64, device=dev)[:, None]
    alpha = ag.where(position <= 1, emit[0], _CTC_NEG)  # start in the first blank or the first label
    padded = ag.cat([neg, alpha], dim=1)  # two impossible positions in front: s-1 and s-2 always exist
    for t in range(1, max(input_lengths, default=0)):
        stay, step, jump = padded[:, 2:], padded[:, 1:-1], padded[:, :-2]
        jump = ag.where(skip, jump, _CTC_NEG)
        alpha = ag.logsumexp(ag.stack([stay, step, jump]), dim=0) + emit[t]
        if t >= min(input_lengths):  # some samples have ended: they keep their last alpha
            alpha = ag.where(lengths > t, alpha, stay)
        padded = ag.cat([neg, alpha], dim=1)
    alpha = padded[:, 2:]
    # A path ends in the last label or the blank after it.
    labels = ag.tensor(target_lengths, dtype=ag.int64, device=dev)[:, None]
    last_blank = ag.gather(alpha, 1, 2 * labels)
    last_label = ag.where(labels > 0, ag.gather(alpha, 1, ag.clamp(2 * labels - 1, min=0)), _CTC_NEG)
    log_likelihood = ag.logsumexp(ag.cat([last_blank, last_label], dim=1), dim=1)
    # No input frames: only the empty target is possible (with probability 1).
    no_frames = lengths[:, 0] == 0
    empty = ag.where(labels[:, 0] == 0, ag.zeros(batch, dtype=dtype, device=dev), _CTC_NEG)
    return ag.where(no_frames, empty, log_likelihood)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The Connectionist Temporal Classification loss (Graves et al. 2006): ``-log p(target | input)``
    summed over every alignment of the target to the input frames.

    ``log_probs`` is ``(T, N, C)`` (or ``(T, C)`` unbatched), normally ``log_softmax`` output;
    ``targets`` is padded ``(N, S)`` or all targets concatenated ``(sum(target_lengths),)``; the
    lengths are integer tensors or tuples.  ``'mean'`` divides each loss by its target length, then
    averages over the batch.  A target that no alignment can produce (longer than its input, or
    with repeated labels and too few frames for the blanks between them) has loss ``inf``, or 0
    with ``zero_infinity=True`` (and a zero gradient in both cases; PyTorch's is NaN without
    ``zero_infinity``).

    The gradient is the engine's, the true gradient of this forward.  PyTorch's kernel instead
    returns that gradient plus ``exp(log_probs)`` at the valid steps (it assumes log_softmax comes
    next, where that term cancels, since each step's probabilities sum to 1); through
    ``log_softmax`` both agree exactly, which is how CTC is used.

    >>> import autograd_core as ag, nn.functional as F
    >>> log_probs = ag.full((2, 1, 2), 0.5).log()  # two frames, blank or label 1 equally likely
    >>> round(F.ctc_loss(log_probs, ag.tensor([[1]]), (2,), (1,), reduction="sum").item(), 4)
    0.2877
    """
    _check_tensors("ctc_loss", log_probs=log_probs, targets=targets)
    _check_reduction(reduction)
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got shape "
                           f"{tuple(log_probs.shape)}")
    if log_probs.dtype not in (ag.float32, ag.float64):
        raise RuntimeError(f"ctc_loss: expected float32 or float64 log_probs, got {log_probs.dtype}")
    if log_probs.numel() == 0:
        raise RuntimeError(f"ctc_loss: log_probs tensor must not be empty (shape {tuple(log_probs.shape)})")
    if targets.device != log_probs.device:
        raise RuntimeError(f"ctc_loss: targets are on {targets.device} but log_probs on {log_probs.device}")
    batched = log_probs.ndim == 3
    if not batched:  # (1-D targets stay concatenated: exactly target_length labels, as in PyTorch)
        log_probs = log_probs[:, None]
    if targets.ndim not in (1, 2):
        raise RuntimeError(f"ctc_loss: targets must be (N, S) or 1-D concatenated, got shape {tuple(targets.shape)}")
    steps, batch, n_classes = log_probs.shape
    if not 0 <= blank < n_classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {n_classes}), got {blank}")
    in_lengths = _ctc_lengths("input_lengths", input_lengths, batch)
    out_lengths = _ctc_lengths("target_lengths", target_lengths, batch)
    if max(in_lengths) > steps:
        raise RuntimeError(f"ctc_loss: Expected input_lengths to have value at most {steps} (log_probs has "
                           f"{steps} steps), but got value {max(in_lengths)}")
    labels = _ctc_padded_targets(targets, out_lengths, blank, n_classes)
    log_likelihood = _ctc_log_likelihood(log_probs, _ctc_extended(labels, blank), in_lengths, out_lengths)
    impossible = log_likelihood.detach() < _CTC_NEG / 2
    loss = ag.where(impossible, 0.0 if zero_infinity else float("inf"), -log_likelihood)
    if reduction == "mean":
        lengths = ag.tensor(out_lengths, dtype=loss.dtype, device=loss.device)
        loss = (loss / ag.clamp(lengths, min=1)).mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss if batched or reduction != "none" else loss[0]
