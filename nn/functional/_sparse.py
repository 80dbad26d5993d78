"""``embedding`` (a row lookup whose gradient scatters back into the table) and ``one_hot``."""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(name: str, input: Tensor, n: int) -> None:
    if not isinstance(input, Tensor) or input.dtype.kind not in "iu":
        got = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"{name}: indices must be an integer (int64) Tensor, got {got}; convert with .long()")
    if input.numel():
        lo, hi = int(input.min().item()), int(input.max().item())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{name}: index {bad} is out of range for {n} rows (valid: 0 to {n - 1})")


def _renorm_rows_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, the rows of ``weight`` named by ``input`` whose norm exceeds ``max_norm``."""
    rows = input.reshape(-1)
    with ag.no_grad():
        selected = weight[rows]
        norms = selected.norm(norm_type, dim=1, keepdim=True)
        # PyTorch's embedding_renorm_: scale = max_norm / (norm + 1e-7) where norm > max_norm.
        scale = ag.where(norms > max_norm, max_norm / (norms + 1e-7), ag.ones_like(norms))
        weight[rows] = selected * scale  # repeated rows write the same value


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by integer ``input`` of any shape.

    The row at ``padding_idx`` gets no gradient.  With ``max_norm`` the rows used are
    first renormalised in place (as PyTorch does).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.embedding(ag.tensor([[0, 2]]), ag.eye(3)).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {getattr(weight, 'shape', weight)}"
        )
    n = weight.shape[0]
    _check_indices("embedding", input, n)
    if scale_grad_by_freq:
        raise NotImplementedError("embedding: scale_grad_by_freq=True is not supported; leave it False")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported; use sparse=False (dense grads)")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({n})")
        padding_idx = padding_idx + n if padding_idx < 0 else padding_idx
    if max_norm is not None:
        _renorm_rows_(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is not None and out.requires_grad:
        # Forward keeps the padding row's values; only its gradient is cut.
        keep = (input != padding_idx).unsqueeze(-1)
        out = ag.where(keep, out, out.detach())
    return out


def _bags_from_offsets(input: Tensor, offsets, include_last_offset: bool):
    """(indices used, bag id of each, position of each inside its bag, number of bags, longest bag) for a 1-D
    ``input`` cut into bags at ``offsets``; the offsets are checked on the host (one small sync)."""
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if offsets.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: offsets must be an integer (int64) Tensor, got {offsets.dtype}")
    bounds = [int(o) for o in offsets.tolist()]
    n = input.shape[0]
    if bounds and bounds[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {bounds[0]}"
        )
    if bounds and bounds[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of {bounds[-1]}")
    if any(b < a for a, b in zip(bounds, bounds[1:])):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {bounds}")
    if include_last_offset:
        n_bags = max(len(bounds) - 1, 0)
        used = bounds[-1] if bounds else 0  # indices past the last offset belong to no bag
        ends = bounds[1:]
    else:
        n_bags, used = len(bounds), n
        ends = bounds[1:] + [n]
    starts = bounds[:n_bags]
    longest = max((e - s for s, e in zip(starts, ends)), default=0)
    device = input.device
    # Bag id of each index: count the bag starts at or before it (a cumulative sum of start marks).
    marks = ag.zeros(used, dtype=ag.int64, device=device)
    inner = [s for s in starts[1:] if s < used]
    if inner:
        marks = marks.index_add(0, ag.tensor(inner, device=device), ag.ones(len(inner), dtype=ag.int64, device=device))
    bag = ag.cumsum(marks, 0) if used else marks
    position = ag.arange(used, device=device) - ag.tensor(starts or [0], device=device)[bag]
    return input[:used], bag, position, n_bags, longest


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of rows of ``weight``, without building the (bags, length, dim) lookup.

    A 2-D ``input`` (B, N) is B bags of N indices; a 1-D ``input`` is cut into bags
    starting at ``offsets`` (``include_last_offset``: the last offset ends the last bag).
    ``per_sample_weights`` (mode ``'sum'`` only) scale each row; rows at ``padding_idx``
    are left out (not counted by the mean); an empty bag gives zeros.  In ``'max'`` mode
    the gradient of each output entry goes to the first row holding the maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> w = ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> F.embedding_bag(ag.tensor([0, 2, 1]), w, ag.tensor([0, 2]), mode="sum").tolist()
    [[6.0, 8.0], [3.0, 4.0]]
    >>> F.embedding_bag(ag.tensor([[0, 1], [2, 2]]), w, mode="max").tolist()
    [[3.0, 4.0], [5.0, 6.0]]
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(
            f"embedding_bag: weight has to be a 2D Tensor (num_embeddings, embedding_dim), "
            f"got {getattr(weight, 'shape', type(weight).__name__)}"
        )
    if not isinstance(input, Tensor) or input.dtype.kind not in "iu":
        got = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"embedding_bag: indices must be an integer (int64) Tensor, got {got}; convert with .long()")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then it must "
            f"have the same shape as the input ({tuple(input.shape)})"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        # PyTorch's type and wording: the weights have no defined meaning for a mean or a max.
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    if scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq=True is not supported; leave it False")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse gradients are not supported; use sparse=False (dense grads)")
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, {-num} through {num - 1}, but got {padding_idx}"
            )
        padding_idx = padding_idx + num if padding_idx < 0 else padding_idx
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets).__name__}"
            )
        n_bags, longest = input.shape
        flat = input.reshape(-1)
        steps = ag.arange(flat.shape[0], device=input.device)
        bag, position = steps // max(longest, 1), steps % max(longest, 1)
        sample_weights = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        flat, bag, position, n_bags, longest = _bags_from_offsets(input, offsets, include_last_offset)
        sample_weights = None if per_sample_weights is None else per_sample_weights[: flat.shape[0]]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    _check_indices("embedding_bag", flat, num)
    if max_norm is not None:
        _renorm_rows_(weight, flat, max_norm, norm_type)
    rows = weight[flat]
    if sample_weights is not None:
        rows = rows * sample_weights.unsqueeze(1)
    keep = None if padding_idx is None else flat != padding_idx
    if keep is not None:
        rows = ag.where(keep.unsqueeze(1), rows, 0.0)  # padding rows: no value, no gradient
    zeros = ag.zeros(n_bags, dim, dtype=weight.dtype, device=weight.device)
    if mode != "max":
        out = zeros.index_add(0, bag, rows)
        if mode == "sum":
            return out
        counted = ag.ones(flat.shape[0], dtype=weight.dtype, device=weight.device) if keep is None else keep.to(weight.dtype)
        counts = ag.zeros(n_bags, dtype=weight.dtype, device=weight.device).index_add(0, bag, counted)
        return out / ag.clamp(counts, min=1.0).unsqueeze(1)  # an empty bag's mean is 0, as in PyTorch
    if longest == 0:
        return zeros + rows.sum() * 0.0  # every bag empty: zeros, still on the graph of weight
    # Max: lay the rows out as (bags, longest, dim) with -inf in the unused slots, then reduce.
    slot = bag * longest + position
    laid = ag.zeros(n_bags * longest, dim, dtype=weight.dtype, device=weight.device).index_add(0, slot, rows)
    filled = ag.zeros(n_bags * longest, dtype=ag.int64, device=weight.device).index_add(
        0, slot, ag.ones(flat.shape[0], dtype=ag.int64, device=weight.device) if keep is None else keep.to(ag.int64)
    ) > 0
    laid = ag.where(filled.unsqueeze(1), laid, -math.inf).reshape(n_bags, longest, dim)
    out = ag.max(laid, 1)[0]
    nonempty = filled.reshape(n_bags, longest).any(1).unsqueeze(1)
    return ag.where(nonempty, out, 0.0)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``; -1 means ``max + 1``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.one_hot(ag.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"one_hot: expected an integer (int64) tensor of class indices, got {got}")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty tensor; pass num_classes")
        num_classes = int(tensor.max().item()) + 1
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int or -1, got {num_classes!r}")
    _check_indices("one_hot", tensor, num_classes)
    classes = ag.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(ag.int64)
