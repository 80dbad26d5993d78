"""Inverse, linear solve and determinants: primitives on ``x._dev.xp.linalg`` (NumPy on the
CPU, CuPy on a GPU), batched over the leading dims as in PyTorch.

Every backward is written with Tensor ops (matmul, these primitives again), so second
derivatives work.  Differences from PyTorch:

- CuPy does not raise on a singular matrix (its ``inv`` / ``solve`` return inf / nan); checking
  would mean a device synchronisation per call, so on ``cuda`` a singular input gives inf / nan
  where PyTorch (and the CPU here) raise.
- The gradient of ``det`` is the cofactor matrix, computed from the SVD (``_cofactor``), so it is
  right at singular matrices too (``det * inv(A)^T`` would be ``0 * inf``), where PyTorch 2.13
  returns zeros for some (``[[1, 2], [2, 4]]``: ours ``[[4, -2], [-2, 1]]``, the true gradient).
  Under ``create_graph=True`` it is ``g * det * inv(A)^T`` in Tensor ops (twice differentiable
  where A is invertible).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd_core.function import Primitive, grad_tensors
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops._common import broadcast_shape, no_grad_result
from autograd_core.ops.shape import expand, squeeze, unsqueeze
from autograd_core.tensor import Tensor

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])


# ---------------------------------------------------------------------------- checks
def _check_square(op: str, A, name: str = "A") -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as {name}, got {type(A).__name__}")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor as {name}, got {A.dtype}; convert it with .float()")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: the input tensor {name} must have at least 2 dimensions, got shape {tuple(A.shape)}")
    n, m = A.shape[-2:]
    if n != m:
        raise RuntimeError(
            f"{op}: {name} must be batches of square matrices, but they are {n} by {m} matrices "
            f"(shape {tuple(A.shape)})"
        )


def _singular(op: str, shape) -> RuntimeError:
    what = "the input matrix is singular" if len(shape) == 2 else "a matrix of the batch is singular"
    return RuntimeError(
        f"{op}: the computation could not be completed because {what} (input of shape {tuple(shape)})"
    )


def _inv_array(op: str, xp, a, check: bool = True):
    """``xp.linalg.inv(a)``; NumPy's LinAlgError becomes a RuntimeError naming ``op`` (``check``),
    or (``check=False``, as det's backward wants) nan for the singular matrices of the batch."""
    if a.size == 0:  # (CuPy's linalg fails on empty input; every back end takes this path)
        return xp.empty(a.shape, a.dtype)
    try:
        return xp.linalg.inv(a)
    except np.linalg.LinAlgError:
        if check:
            raise _singular(op, a.shape) from None
    out = xp.empty(a.shape, a.dtype)
    flat_in, flat_out = a.reshape((-1,) + a.shape[-2:]), out.reshape((-1,) + a.shape[-2:])
    for i in range(flat_in.shape[0]):  # rare path: one matrix at a time
        try:
            flat_out[i] = xp.linalg.inv(flat_in[i])
        except np.linalg.LinAlgError:
            flat_out[i] = float("nan")
    return flat_out.reshape(a.shape)


def _empty_det(xp, a) -> tuple:
    """``(det, log|det|)`` arrays for an input with no elements: a 0x0 matrix has determinant 1
    (log 0); an empty batch gives empty results.  (CuPy's linalg fails on empty input.)"""
    batch = a.shape[:-2]
    return xp.ones(batch, a.dtype), xp.zeros(batch, a.dtype)


# ---------------------------------------------------------------------------- primitives
class Inv(Primitive):
    """``inv(A)`` for (..., n, n); ``check`` raises on a singular matrix (else nan)."""

    @staticmethod
    def forward(ctx, A, check=True):
        out = Tensor._wrap(_inv_array("linalg.inv", A._dev.xp, A._data, check), A._dev)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (Ainv,) = ctx.saved_tensors
        AinvT = Ainv.mT
        return -(AinvT @ g @ AinvT), None


class Solve(Primitive):
    """``X = A^{-1} B`` for A (..., n, n) and B (..., n, k) with equal batch dims."""

    @staticmethod
    def forward(ctx, A, B):
        xp, a, b = A._dev.xp, A._data, B._data
        try:
            X = xp.zeros(b.shape, b.dtype) if a.size == 0 or b.size == 0 else xp.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise _singular("linalg.solve", A.shape) from None
        X = Tensor._wrap(X, A._dev)
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        ga, _ = ctx.needs_input_grad
        gB = Solve.apply(A.mT, g)  # A^T gB = g
        return (-(gB @ X.mT) if ga else None), gB


def _unsqueeze2(t: Tensor) -> Tensor:
    return unsqueeze(unsqueeze(t, -1), -1)


class Det(Primitive):
    """``det(A)`` for (..., n, n)."""

    @staticmethod
    def forward(ctx, A):
        xp, a = A._dev.xp, A._data
        d = Tensor._wrap(_empty_det(xp, a)[0] if a.size == 0 else xp.linalg.det(a), A._dev)
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        if GRAD_ENABLED[0]:  # create_graph: Tensor ops, differentiable again
            return _unsqueeze2(g * d) * Inv.apply(A, False).mT
        xp = A._dev.xp
        return grad_tensors(A._dev, (g._data[..., None, None] * _cofactor(xp, A._data),))


def _cofactor(xp, a):
    """The cofactor matrix of each matrix in ``a`` (``det(A) inv(A)^T``, the gradient of ``det``), also
    where ``A`` is singular: with ``A = U diag(s) V^T``, it is ``det(U) det(V) U diag(p) V^T`` where
    ``p_i`` is the product of the singular values other than ``s_i`` (prefix times suffix products,
    no division)."""
    if a.size == 0:
        return xp.zeros_like(a)
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s[..., 1:], axis=-1)], axis=-1), axis=-1), axis=-1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)  # +-1: the orientation the SVD's factors carry
    return sign[..., None, None] * ((u * (before * after)[..., None, :]) @ vh)


class Slogdet(Primitive):
    """``(sign, log|det A|)``; sign gets no gradient (it is piecewise constant)."""

    _materialize = False

    @staticmethod
    def forward(ctx, A):
        xp, a = A._dev.xp, A._data
        sign, logabsdet = _empty_det(xp, a) if a.size == 0 else xp.linalg.slogdet(a)
        ctx.save_for_backward(A)
        return xp.asarray(sign), xp.asarray(logabsdet)  # (NumPy gives scalars for one matrix: 0-d arrays)

    @staticmethod
    def backward(ctx, g_sign, g_logabsdet):
        (A,) = ctx.saved_tensors
        if g_logabsdet is None:
            return None
        return _unsqueeze2(g_logabsdet) * Inv.apply(A, False).mT


# ---------------------------------------------------------------------------- public functions
def inv(A: Tensor) -> Tensor:
    """``torch.linalg.inv``: the inverse of each square matrix in the last two dims of ``A``.

    A singular matrix raises a RuntimeError naming ``linalg.inv`` and the shape on the CPU; on
    CUDA (CuPy does not check) the result holds inf / nan instead.

    >>> import autograd_core as ag
    >>> ag.linalg.inv(ag.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square("linalg.inv", A)
    return Inv.apply(A)


def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: an alias of ``linalg.inv``."""
    return inv(input)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``torch.linalg.solve``: X with ``A X = B`` (``left=False``: ``X A = B``).

    A is (*, n, n).  B is a batch of vectors when ``B.ndim == 1`` or (``B.ndim == A.ndim - 1``
    and ``B.shape == A.shape[:-1]``), as in PyTorch, otherwise a batch of (n, k) matrices
    ((k, n) with ``left=False``); the batch dims of A and B broadcast.  A singular matrix
    raises on the CPU; on CUDA the result holds inf / nan.

    >>> import autograd_core as ag
    >>> ag.linalg.solve(ag.tensor([[2.0, 0.0], [0.0, 4.0]]), ag.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    op = "linalg.solve"
    _check_square(op, A)
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected a Tensor as B, got {type(B).__name__}")
    if B.dtype != A.dtype:
        raise RuntimeError(
            f"{op}: expected A and B to have the same dtype, but found A of type {A.dtype} and B of type {B.dtype}; "
            "convert one with .to(dtype)"
        )
    if B.ndim == 0:
        raise RuntimeError(f"{op}: B must have at least 1 dimension, got shape {tuple(B.shape)}")
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = unsqueeze(B, -1) if vector else B
    if Bm.shape[-2 if left else -1] != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"{op}: incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {Bm.shape[-2]}x{Bm.shape[-1]}; A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)})"
        )
    if not left:
        A, Bm = A.mT, Bm.mT
    batch = broadcast_shape(op, tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    if tuple(A.shape[:-2]) != batch:
        A = expand(A, batch + (n, n))
    if tuple(Bm.shape[:-2]) != batch:
        Bm = expand(Bm, batch + tuple(Bm.shape[-2:]))
    X = Solve.apply(A, Bm)
    if not left:
        X = X.mT
    return squeeze(X, -1) if vector else X


def det(A: Tensor) -> Tensor:
    """``torch.linalg.det``: the determinant of each square matrix in the last two dims.

    Its gradient is the cofactor matrix (``g * det(A) * inv(A)^T`` where ``A`` is invertible),
    computed from the SVD so that it is right at singular matrices too.

    >>> import autograd_core as ag
    >>> ag.linalg.det(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    _check_square("linalg.det", A)
    return Det.apply(A)


def slogdet(A: Tensor) -> SlogdetResult:
    """``torch.linalg.slogdet``: ``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)``,
    a named tuple.  The gradient of ``logabsdet`` is ``g * inv(A)^T``; ``sign`` gets none.

    >>> import autograd_core as ag
    >>> ag.linalg.slogdet(ag.tensor([[-2.0, 0.0], [0.0, 1.0]]))
    slogdet(sign=tensor(-1.), logabsdet=tensor(0.6931))
    """
    _check_square("linalg.slogdet", A)
    return SlogdetResult(*Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """``torch.logdet``: ``log(det(A))``: nan where the determinant is negative, -inf where it is 0."""
    from autograd_core.ops.elementwise import where

    _check_square("logdet", input)
    sign, logabsdet = Slogdet.apply(input)
    nan = no_grad_result(input._dev.xp.asarray(float("nan"), dtype=input._data.dtype), input._dev)
    return where(sign < 0, nan, logabsdet)
