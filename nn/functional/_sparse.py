"""``embedding`` (a row lookup whose gradient scatters back into the table) and ``one_hot``."""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["embedding", "one_hot"]


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
