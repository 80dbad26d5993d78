"""LU factorisation with partial pivoting, and what is made of it: ``linalg.lu_factor`` (``_ex``),
``linalg.lu``, ``linalg.lu_solve``, ``lu_unpack``, and the older ``lu`` / ``lu_solve``.

``P^T A = L U`` for A (*, m, n): L (m, k) unit lower, U (k, n) upper, k = min(m, n), packed as
LAPACK's ``getrf`` packs them into one (m, n) matrix ``LU`` (L below the diagonal, U on and
above), with the row swaps as 1-based int32 ``pivots`` (*, k): at step i, row i was swapped with
row ``pivots[i] - 1``.  The factorisation runs on the back end's arrays (``_lu_arrays``), batched:
right-looking, in panels of ``_PANEL`` columns (the pivot search and rank-1 updates inside a
panel, then one triangular solve and one matrix product for the rest), choosing as LAPACK does
the first row of largest absolute value in the column, so the pivots and factors are LAPACK's
up to rounding.  A zero pivot (a singular matrix) is skipped, as ``getrf`` skips it, and
reported in ``info``.

Gradients.  ``LUFactor`` has one backward rule, from ``A = P L U``: for square A,
``gA = P L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}`` (PyTorch's formula), with the wide
and tall cases split as PyTorch splits them (the extra columns of U, or rows of L, enter
linearly).  Everything else (``linalg.lu``, ``lu_unpack``, ``lu_solve``) is a composition of
differentiable ops (tril / triu, matmul with the constant permutation, ``solve_triangular``), so
its gradients follow by the chain rule, and second derivatives work throughout.  As in PyTorch
the gradient is defined for full-rank inputs only (it solves with L and U).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd_core.function import Primitive
from autograd_core.ops._common import no_grad_result
from autograd_core.ops.shape import cat, tril, triu
from autograd_core.ops.triangular import SolveTriangular, _broadcast_batch, _check_operands, _substitute
from autograd_core.tensor import Tensor

LUFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"])
LUFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LUResult = namedtuple("linalg_lu", ["P", "L", "U"])
LUUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])
LUWithInfo = namedtuple("_lu_with_info", ["LU", "pivots", "info"])

_PANEL = 32  # columns factorised one at a time before a blocked (matmul) update of the rest


# ---------------------------------------------------------------------------- arrays
def _lu_arrays(xp, a, pivot: bool = True) -> tuple:
    """``(lu, pivots, info)`` of ``a`` (*, m, n): ``getrf``'s packed factors, its 1-based int32
    pivots (*, k) and int32 ``info`` (*): the 1-based index of the first zero pivot, or 0."""
    *batch, m, n = a.shape
    batch, k = tuple(batch), min(m, n)
    count = int(np.prod(batch, dtype=np.int64))
    lu = xp.array(a, dtype=a.dtype).reshape((count, m, n))  # a copy, worked on in place
    piv = xp.empty((count, k), dtype=np.int32)
    info = xp.zeros((count,), dtype=np.int32)
    if a.size:
        rows = xp.arange(count)
        for j0 in range(0, k, _PANEL):
            j1 = min(j0 + _PANEL, k)
            for j in range(j0, j1):
                _eliminate(xp, lu, piv, info, rows, j, j1, pivot)
            if j1 < n:  # the rest of the panel's rows: U12 = L11^{-1} A12, then A22 -= L21 U12
                lu[:, j0:j1, j1:] = _substitute(xp, lu[:, j0:j1, j0:j1], lu[:, j0:j1, j1:], False, True)
                lu[:, j1:, j1:] -= lu[:, j1:, j0:j1] @ lu[:, j0:j1, j1:]
    else:
        piv[...] = xp.arange(1, k + 1, dtype=np.int32)
    return lu.reshape(batch + (m, n)), piv.reshape(batch + (k,)), info.reshape(batch)


def _eliminate(xp, lu, piv, info, rows, j: int, j1: int, pivot: bool) -> None:
    """Step ``j`` of the panel ending at column ``j1``: choose the pivot, swap whole rows, scale
    column j below the diagonal, and update the panel's columns right of j (rank 1)."""
    if pivot:  # the first row of largest |value| in column j, at or below the diagonal (idamax)
        p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j
        top, chosen = lu[rows, j, :], lu[rows, p, :]  # (copies: fancy indexing)
        lu[rows, p, :] = top
        lu[rows, j, :] = chosen
        piv[:, j] = (p + 1).astype(np.int32)
    else:
        piv[:, j] = j + 1
    d = lu[:, j, j]
    zero = d == 0
    info[...] = xp.where((info == 0) & zero, j + 1, info)
    lu[:, j + 1 :, j] /= xp.where(zero, 1, d)[:, None]  # a zero pivot's column is zero already: left as is
    lu[:, j + 1 :, j + 1 : j1] -= lu[:, j + 1 :, j : j + 1] * lu[:, j : j + 1, j + 1 : j1]


def _permutation_array(xp, pivots, m: int, dtype):
    """The (*, m, m) matrix P with ``A = P L U``, from LAPACK's sequential swaps: ``perm`` starts as
    the identity and step i swaps ``perm[i]`` and ``perm[pivots[i] - 1]``; ``P[perm[r], r] = 1``."""
    *batch, k = pivots.shape
    batch = tuple(batch)
    count = int(np.prod(batch, dtype=np.int64))
    flat = pivots.reshape((count, k)).astype(np.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (count, m)).copy()
    rows = xp.arange(count)
    for i in range(k):
        j = flat[:, i]
        at_i, at_j = perm[:, i].copy(), perm[rows, j]
        perm[:, i] = at_j
        perm[rows, j] = at_i
    P = xp.zeros((count, m, m), dtype=dtype)
    P[rows[:, None], perm, xp.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


# ---------------------------------------------------------------------------- the primitive
class LUFactor(Primitive):
    """``(LU, pivots, info)`` of A (*, m, n); only ``LU`` is differentiable."""

    _materialize = False

    @staticmethod
    def forward(ctx, A, pivot):
        lu, piv, info = _lu_arrays(A._dev.xp, A._data, pivot)
        LU, pivots, infos = (Tensor._wrap(x, A._dev) for x in (lu, piv, info))
        ctx.pivot = pivot
        ctx.save_for_backward(LU, pivots)
        return LU, pivots, infos

    @staticmethod
    def backward(ctx, gLU, g_pivots, g_info):
        LU, pivots = ctx.saved_tensors
        if gLU is None:
            return None, None
        m, n = LU.shape[-2:]
        k = min(m, n)
        L, U = _unpack_factors(LU)
        gL, gU = tril(gLU, -1)[..., :, :k], triu(gLU)[..., :k, :]
        gA = _lu_backward(gL, gU, L, U, m, n, k)
        if ctx.pivot:
            gA = _permutation(pivots, m, LU) @ gA
        return gA, None


def _unpack_factors(LU: Tensor) -> tuple:
    """L (unit lower, (*, m, k)) and U (upper, (*, k, n)) from the packed (*, m, n) factors."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    xp = LU._dev.xp
    eye = no_grad_result(xp.eye(m, k, dtype=LU._data.dtype), LU._dev)
    return tril(LU, -1)[..., :, :k] + eye, triu(LU)[..., :k, :]


def _lower_unit_solve(L: Tensor, B: Tensor, transposed: bool = False) -> Tensor:
    """``L^{-1} B`` (``transposed``: ``L^{-T} B``) for unit lower L, batch dims broadcast."""
    L, B = _broadcast_batch("lu", L.mT if transposed else L, B)
    return SolveTriangular.apply(L, B, transposed, True)


def _right_upper_solve(X: Tensor, U: Tensor) -> Tensor:
    """``X U^{-T}`` for upper U (``Y U^T = X`` is ``U Y^T = X^T``), batch dims broadcast."""
    U, Xt = _broadcast_batch("lu", U, X.mT)
    return SolveTriangular.apply(U, Xt, True, False).mT


def _lu_backward(gL, gU, L, U, m: int, n: int, k: int) -> Tensor:
    """``gA`` before the permutation (``P^T gA``), from ``A = L U`` with the perturbation split
    ``L^{-1} dA U^{-1} = L^{-1} dL + dU U^{-1}`` into its strictly lower and its upper part."""
    if m == n:
        inner = tril(L.mT @ gL, -1) + triu(gU @ U.mT)
        return _lower_unit_solve(L, _right_upper_solve(inner, U), transposed=True)
    if m < n:  # wide: U = [U1 | U2]; A2 = L U2 enters linearly (dU2 = L^{-1} dA2 - dL-part U2)
        U1, U2, gU1, gU2 = U[..., :, :k], U[..., :, k:], gU[..., :, :k], gU[..., :, k:]
        inner = tril(L.mT @ gL - gU2 @ U2.mT, -1) + triu(gU1 @ U1.mT)
        left = _right_upper_solve(inner, U1)
        return _lower_unit_solve(L, cat([left, gU2], -1), transposed=True)
    # tall: L = [L1; L2]; A2 = L2 U enters linearly (dL2 = dA2 U^{-1} - L2 dU-part)
    L1, L2, gL1, gL2 = L[..., :k, :], L[..., k:, :], gL[..., :k, :], gL[..., k:, :]
    inner = tril(L1.mT @ gL1, -1) + triu(gU @ U.mT - L2.mT @ gL2)
    top = _lower_unit_solve(L1, inner, transposed=True)
    return _right_upper_solve(cat([top, gL2], -2), U)


def _permutation(pivots: Tensor, m: int, like: Tensor) -> Tensor:
    """P (*, m, m) as a constant tensor of ``like``'s dtype and device."""
    return no_grad_result(_permutation_array(like._dev.xp, pivots._data, m, like._data.dtype), like._dev)


# ---------------------------------------------------------------------------- checks
def _check_lu_input(op: str, A) -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as A, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"torch.{op}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor as A, got {A.dtype}; convert it with .float()")


def _zero_pivot_error(op: str, info, batched: bool) -> RuntimeError:
    """PyTorch's message for the first matrix of the batch with a zero pivot (U[i, i] 1-based)."""
    flat = info.reshape(-1)
    b = int(flat.nonzero()[0][0])
    i = int(flat[b])
    where = f"(Batch element {b}): " if batched else ""
    return RuntimeError(
        f"torch.{op}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. "
        "If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        "linalg.lu_factor_ex(A, pivot)"
    )


def _factor(op: str, A: Tensor, pivot: bool, check_errors: bool) -> tuple:
    _check_lu_input(op, A)
    LU, pivots, info = LUFactor.apply(A, bool(pivot))
    if check_errors and info._data.size and bool(info._data.any()):
        raise _zero_pivot_error(op, info._data, A.ndim > 2)
    return LU, pivots, info


# ---------------------------------------------------------------------------- public functions
def lu_factor(A: Tensor, *, pivot: bool = True) -> LUFactorResult:
    """``torch.linalg.lu_factor``: ``(LU, pivots)``, LAPACK's packed LU factorisation with partial
    pivoting of A (*, m, n) (see the module docstring), differentiable in LU.  A singular matrix
    (a zero pivot) raises a RuntimeError naming ``U[i,i]``, as PyTorch; ``lu_factor_ex`` does
    not.  ``pivot=False`` (which PyTorch offers on CUDA only) factors without row swaps and
    returns the pivots ``1, 2, ..., k``.

    >>> import autograd_core as ag
    >>> LU, pivots = ag.linalg.lu_factor(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> LU, pivots
    (tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]]), tensor([2, 2], dtype=int32))
    """
    LU, pivots, _ = _factor("linalg.lu_factor", A, pivot, True)
    return LUFactorResult(LU, pivots)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """``torch.linalg.lu_factor_ex``: ``(LU, pivots, info)``; ``info`` (int32, the batch shape) is
    the 1-based index of the first zero pivot, 0 where the factorisation is invertible.  Raises
    only with ``check_errors=True``.

    >>> import autograd_core as ag
    >>> ag.linalg.lu_factor_ex(ag.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=int32)
    """
    return LUFactorExResult(*_factor("linalg.lu_factor_ex", A, pivot, check_errors))


def lu(A: Tensor, *, pivot: bool = True) -> LUResult:
    """``torch.linalg.lu``: ``(P, L, U)`` with ``A = P L U``: P (*, m, m) a permutation matrix,
    L (*, m, k) unit lower, U (*, k, n) upper, k = min(m, n).  No error for a singular A.  With
    ``pivot=False`` P is empty, as in PyTorch.  Differentiable in L and U.

    >>> import autograd_core as ag
    >>> P, L, U = ag.linalg.lu(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> P @ L @ U
    tensor([[1., 2.],
            [3., 4.]])
    """
    LU, pivots, _ = _factor("linalg.lu", A, pivot, False)
    return LUResult(*_unpack("linalg.lu", LU, pivots, True, pivot))


def _empty(like: Tensor) -> Tensor:
    return no_grad_result(like._dev.xp.zeros((0,), dtype=like._data.dtype), like._dev)


def _unpack(op: str, LU: Tensor, pivots: Tensor, unpack_data: bool, unpack_pivots: bool) -> tuple:
    L, U = _unpack_factors(LU) if unpack_data else (_empty(LU), _empty(LU))
    P = _permutation(pivots, LU.shape[-2], LU) if unpack_pivots else _empty(LU)
    return P, L, U


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True) -> LUUnpackResult:
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s packed factors and pivots; L and U
    (empty tensors when ``unpack_data`` is False) are differentiable in ``LU_data``, P (empty when
    ``unpack_pivots`` is False) is a constant.

    >>> import autograd_core as ag
    >>> P, L, U = ag.lu_unpack(*ag.linalg.lu_factor(ag.tensor([[0.0, 1.0], [2.0, 3.0]])))
    >>> P.tolist(), L.tolist(), U.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[2.0, 3.0], [0.0, 1.0]])
    """
    op = "lu_unpack"
    _check_lu_input(op, LU_data)
    if not isinstance(LU_pivots, Tensor) or LU_pivots.dtype != np.int32:
        got = LU_pivots.dtype if isinstance(LU_pivots, Tensor) else type(LU_pivots).__name__
        raise RuntimeError(
            f"torch.{op}: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype (got {got}). "
            "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
        )
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise RuntimeError(
            f"torch.{op}: expected LU_pivots of shape {tuple(LU_data.shape[:-2]) + (k,)} for LU_data of shape "
            f"{tuple(LU_data.shape)}, got {tuple(LU_pivots.shape)}"
        )
    if unpack_pivots and LU_pivots.numel() and bool(((LU_pivots._data < 1) | (LU_pivots._data > m)).any()):
        raise RuntimeError(
            f"torch.{op}: pivots passed to lu_unpack must be between 1 and LU.size(-2) = {m} inclusive. "
            "Did you properly pass the result of lu_factor?"
        )
    return LUUnpackResult(*_unpack(op, LU_data, LU_pivots, unpack_data, unpack_pivots))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """``torch.linalg.lu_solve``: X with ``A X = B`` given ``lu_factor(A)``; ``adjoint``: ``A^T X = B``;
    ``left=False``: ``X A = B`` (or ``X A^T = B``).  B is (*, n, k) ((*, k, n) with ``left=False``),
    batch dims broadcast.  Composed of the permutation and two triangular solves that read the
    packed factors directly, so it is differentiable in B and in LU.

    >>> import autograd_core as ag
    >>> A = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ag.linalg.lu_solve(*ag.linalg.lu_factor(A), ag.tensor([[5.0], [11.0]]))
    tensor([[1.],
            [2.]])
    """
    op = "linalg.lu_solve"
    _check_operands(op, LU, B, A_name="LU")
    if not isinstance(pivots, Tensor) or pivots.dtype != np.int32:
        raise RuntimeError(f"{op}: expected pivots to be an int32 tensor (from lu_factor), got "
                           f"{pivots.dtype if isinstance(pivots, Tensor) else type(pivots).__name__}")
    n = LU.shape[-1]
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(f"{op}: expected pivots of shape {tuple(LU.shape[:-1])} for LU of shape "
                           f"{tuple(LU.shape)}, got {tuple(pivots.shape)}")
    if B.shape[-2 if left else -1] != n:
        eq = ("AX = B" if left else "XA = B") if not adjoint else ("A^HX = B" if left else "XA^H = B")
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if LU.dtype != B.dtype:
        raise RuntimeError(
            f"{op}: Expected LU and B to have the same dtype, but found LU of type {LU.dtype} and B of type {B.dtype} "
            "instead; convert one with .to(dtype)"
        )
    if not left:  # X A = B is A^T X^T = B^T (and X A^T = B is A X^T = B^T)
        return _lu_solve_left(LU, pivots, B.mT, not adjoint).mT
    return _lu_solve_left(LU, pivots, B, adjoint)


def _lu_solve_left(LU: Tensor, pivots: Tensor, B: Tensor, adjoint: bool) -> Tensor:
    """``A = P L U``: ``X = U^{-1} L^{-1} P^T B``, or for ``A^T X = B``, ``X = P L^{-T} U^{-T} B``.
    The unit-lower solve reads LU's strict lower triangle, the upper one its upper triangle."""
    P = _permutation(pivots, LU.shape[-1], LU)
    if not adjoint:
        Y = _triangular(LU, P.mT @ B, upper=False, unit=True)
        return _triangular(LU, Y, upper=True, unit=False)
    Y = _triangular(LU.mT, B, upper=False, unit=False)  # U^T Y = B
    return P @ _triangular(LU.mT, Y, upper=True, unit=True)  # L^T Z = Y


def _triangular(A: Tensor, B: Tensor, upper: bool, unit: bool) -> Tensor:
    A, B = _broadcast_batch("linalg.lu_solve", A, B)
    return SolveTriangular.apply(A, B, upper, unit)


# ---------------------------------------------------------------------------- the older forms
def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    """``torch.lu`` / ``Tensor.lu`` (deprecated in PyTorch for ``linalg.lu_factor``): ``(LU, pivots)``,
    or with ``get_infos`` a named tuple ``(LU, pivots, info)``; never raises for a singular matrix.

    >>> import autograd_core as ag
    >>> ag.tensor([[1.0, 2.0], [3.0, 4.0]]).lu()[1]
    tensor([2, 2], dtype=int32)
    """
    LU, pivots, info = _factor("lu", A, pivot, False)
    return LUWithInfo(LU, pivots, info) if get_infos else (LU, pivots)


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """``torch.lu_solve`` / ``Tensor.lu_solve`` (deprecated in PyTorch for ``linalg.lu_solve``, with
    the right-hand side first): X with ``A X = b``.

    >>> import autograd_core as ag
    >>> LU, pivots = ag.linalg.lu_factor(ag.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> ag.tensor([[2.0], [2.0]]).lu_solve(LU, pivots).tolist()
    [[1.0], [0.5]]
    """
    return lu_solve(LU_data, LU_pivots, b)


# ---------------------------------------------------------------------------- solve_ex, inv_ex
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])


def _singular_error(op: str, info: Tensor, what: str):
    """PyTorch's LinAlgError for the first singular matrix of the batch."""
    from autograd_core.ops.decompositions import LinAlgError

    flat = info._data.reshape(-1)
    b = int(flat.nonzero()[0][0])
    where = f"(Batch element {b}): " if info.ndim else ""
    return LinAlgError(f"{op}: {where}{what.format(i=int(flat[b]))}")


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    """``torch.linalg.solve_ex``: ``(result, info)``: ``linalg.solve``'s X computed as PyTorch
    computes it (``lu_factor`` then ``lu_solve``), and ``info`` (int32, the batch shape of A),
    ``lu_factor_ex``'s: the 1-based index of the first zero pivot, 0 for an invertible matrix.
    A singular matrix gives inf / nan in its result instead of an error unless ``check_errors``
    (then ``linalg.LinAlgError``).  B is a vector or matrix as in ``linalg.solve``.

    >>> import autograd_core as ag
    >>> ag.linalg.solve_ex(ag.tensor([[2.0, 0.0], [0.0, 4.0]]), ag.tensor([2.0, 2.0]))
    linalg_solve_ex(result=tensor([1.0000, 0.5000]), info=tensor(0, dtype=int32))
    """
    from autograd_core.ops.shape import squeeze, unsqueeze
    from autograd_core.ops.solvers import _check_square

    op = "torch.linalg.solve_ex"
    _check_square("linalg.solve_ex", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve_ex: expected a Tensor as B, got {type(B).__name__}")
    if B.ndim == 0:
        raise RuntimeError(f"linalg.solve_ex: B must have at least 1 dimension, got shape {tuple(B.shape)}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"linalg.solve_ex: Expected A and B to have the same dtype, but found A of type {A.dtype} "
                           f"and B of type {B.dtype} instead; convert one with .to(dtype)")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    rows = B.shape[-1] if vector else B.shape[-2 if left else -1]
    if rows != n:
        raise RuntimeError(f"linalg.solve_ex: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"(A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)})")
    LU, pivots, info = LUFactor.apply(A, True)
    if check_errors and info._data.size and bool(info._data.any()):
        raise _singular_error(op, info, "The solver failed because the input matrix is singular.")
    X = lu_solve(LU, pivots, unsqueeze(B, -1) if vector else B, left=left)
    return SolveExResult(squeeze(X, -1) if vector else X, info)


def inv_ex(A: Tensor, *, check_errors: bool = False) -> InvExResult:
    """``torch.linalg.inv_ex``: ``(inverse, info)``, the inverse as ``solve_ex(A, I)`` (PyTorch's
    method); a singular matrix gives inf / nan and ``info > 0`` instead of an error unless
    ``check_errors`` (then ``linalg.LinAlgError``, PyTorch's message).

    >>> import autograd_core as ag
    >>> ag.linalg.inv_ex(ag.tensor([[2.0, 0.0], [0.0, 4.0]])).inverse
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    from autograd_core.ops.solvers import _check_square

    _check_square("linalg.inv_ex", A)
    n = A.shape[-1]
    LU, pivots, info = LUFactor.apply(A, True)
    if check_errors and info._data.size and bool(info._data.any()):
        raise _singular_error("linalg.inv_ex", info, "The diagonal element {i} is zero, the inversion could not be "
                              "completed because the input matrix is singular.")
    eye = no_grad_result(A._dev.xp.eye(n, dtype=A._data.dtype), A._dev)
    return InvExResult(lu_solve(LU, pivots, eye), info)
