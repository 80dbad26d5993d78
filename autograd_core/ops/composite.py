"""Ops composed from other ops, with no backward rule of their own: ``addcmul``, ``addcdiv`` and
``baddbmm`` (their gradients are those of the multiplies, divides and matrix products they are
made of, so second derivatives work as for those)."""

from __future__ import annotations

from autograd_core.amp import AUTOCAST, lower_precision
from autograd_core.ops import elementwise as E
from autograd_core.ops import linalg as L
from autograd_core.tensor import Tensor


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2`` (broadcast, types promoted).

    >>> import autograd_core as ag
    >>> ag.addcmul(ag.ones(2), ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 5.0000])
    """
    product = E.mul(tensor1, tensor2)
    return E.add(input, product if value == 1 else E.mul(product, value))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2``; integer ``tensor1`` and ``tensor2`` are refused, as
    PyTorch refuses them.

    >>> import autograd_core as ag
    >>> ag.addcdiv(ag.zeros(2), ag.tensor([1.0, 2.0]), ag.tensor([4.0, 4.0]), value=2)
    tensor([0.5000, 1.0000])
    """
    if all(isinstance(t, Tensor) and t.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "addcdiv: integer division is not supported; use (input + value * ag.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for the historic behaviour, or float tensors for true division"
        )
    quotient = E.div(tensor1, tensor2)
    return E.add(input, quotient if value == 1 else E.mul(quotient, value))


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices (b, n, m) and (b, m, p);
    ``input`` broadcasts to (b, n, p).  With ``beta=0`` input is ignored (NaNs too), as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.baddbmm(ag.ones(1, 2, 2), ag.ones(1, 2, 3), ag.ones(1, 3, 2), beta=0.5, alpha=2)[0]
    tensor([[6.5000, 6.5000],
            [6.5000, 6.5000]])
    """
    if AUTOCAST[0]:  # (autocast: float16 operands, input included; see amp.py)
        input, batch1, batch2 = lower_precision("baddbmm", input, batch1, batch2)
    product = L.bmm(batch1, batch2)
    if input.dtype != product.dtype:
        raise RuntimeError(f"baddbmm: input and batch1 must have the same dtype, got {input.dtype} and {batch1.dtype}")
    if product.dtype.kind in "iub":
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        product = E.mul(product, alpha)
    if beta == 0:
        return E.add(product, E.mul(E.where(E.isfinite(input), input, 0.0), 0.0)) if input.requires_grad else product
    return E.add(product, input if beta == 1 else E.mul(input, beta))
