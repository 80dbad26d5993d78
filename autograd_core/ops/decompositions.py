"""Matrix decompositions: SVD, symmetric eigendecomposition, QR, Cholesky, and what is made of
them (``cholesky_solve``, ``cholesky_inverse``, ``lstsq``, ``matrix_exp``, ``householder_product``).

The decompositions are primitives on ``x._dev.xp.linalg`` (NumPy on the CPU, CuPy on a GPU),
batched over the leading dims as in PyTorch; their backward rules are PyTorch's formulas written
with Tensor ops (matmul, solve, these primitives again), so second derivatives work.  The others
are compositions of differentiable ops, whose gradients are then PyTorch's by the chain rule.

What a gradient through a decomposition means:

- Singular vectors are defined up to a sign per column (per pair ``U[:, i]``, ``Vh[i]``), and
  eigenvectors likewise: only a loss that does not depend on those signs (``U @ Vh``, ``|U|``,
  projectors ``U U^T``, the singular values) has a gradient.  For real inputs PyTorch does not
  check this (the sign is a discrete choice; a loss like ``U.sum()`` silently gets the gradient
  of whichever signs LAPACK returned), and neither does this module.
- The gradient divides by ``s_j^2 - s_i^2`` (SVD) and ``l_j - l_i`` (eigh): with repeated
  singular values or eigenvalues, a loss that uses the vectors gets inf / nan, as in PyTorch;
  one that uses only the values (``svdvals``, ``eigvalsh``) is fine.
- ``eigh`` reads one triangle (``UPLO``) but its gradient is the symmetric one (PyTorch's):
  differentiate it on symmetric inputs.

Differences from PyTorch:

- CuPy does not raise for a matrix that is not positive-definite (``cholesky``): its result
  holds nan (checking would cost a device synchronisation per call, as for ``inv``).
- ``lstsq`` computes the minimum-norm solution through the pseudo-inverse on every back end
  (PyTorch's ``gelsy`` / ``gelsd`` semantics on the CPU; its CUDA ``gels`` assumes full rank).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd_core.function import Primitive
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops._common import broadcast_shape, no_grad_result
from autograd_core.ops.shape import cat, diag_embed, expand, tril, unsqueeze
from autograd_core.ops.solvers import Solve, _check_square
from autograd_core.tensor import Tensor


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a decomposition that could not be completed (a RuntimeError)."""


SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
SvdResult = namedtuple("svd", ["U", "S", "V"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
QrResult = namedtuple("qr", ["Q", "R"])
GeqrfResult = namedtuple("geqrf", ["a", "tau"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


# ---------------------------------------------------------------------------- checks and helpers
def _check_matrix(op: str, A, name: str = "A") -> None:
    """A floating tensor with at least 2 dims (PyTorch's checks for the non-square decompositions)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as {name}, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {A.dtype}; convert it with .float()")


def _eye(A: Tensor, n: int, m: int | None = None) -> Tensor:
    """A constant identity matrix of A's dtype and device."""
    return Tensor._wrap(A._dev.xp.eye(n, n if m is None else m, dtype=A._data.dtype), A._dev)


def _batched_eye(xp, batch: tuple, n: int, m: int, dtype):
    return xp.broadcast_to(xp.eye(n, m, dtype=dtype), batch + (n, m)).copy()


def _recording(*tensors) -> bool:
    return GRAD_ENABLED[0] and any(t._rg for t in tensors)


def _solve_right(X: Tensor, R: Tensor) -> Tensor:
    """``X R^{-1}`` (``Y R = X`` is ``R^T Y^T = X^T``), differentiable (equal batch dims)."""
    return Solve.apply(R.mT, X.mT).mT


def _solve_left(A: Tensor, B: Tensor) -> Tensor:
    """``A^{-1} B`` for matrices B, the batch dims broadcast (never B read as a vector)."""
    batch = broadcast_shape("solve", tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    if tuple(A.shape[:-2]) != batch:
        A = expand(A, batch + tuple(A.shape[-2:]))
    if tuple(B.shape[:-2]) != batch:
        B = expand(B, batch + tuple(B.shape[-2:]))
    return Solve.apply(A, B)


# ---------------------------------------------------------------------------- SVD
def _svd_arrays(xp, a, full_matrices: bool):
    """``(u, s, vh)`` of ``a``; an input without elements is answered here (CuPy's linalg fails on
    it), with PyTorch's shapes and identity matrices for the singular vectors."""
    *batch, m, n = a.shape
    batch, k = tuple(batch), min(m, n)
    if a.size == 0:
        cu, rv = (m, n) if full_matrices else (k, k)
        return (_batched_eye(xp, batch, m, cu, a.dtype), xp.zeros(batch + (k,), a.dtype),
                _batched_eye(xp, batch, rv, n, a.dtype))
    return xp.linalg.svd(a, full_matrices=full_matrices)


def _svdvals_array(xp, a):
    *batch, m, n = a.shape
    if a.size == 0:
        return xp.zeros(tuple(batch) + (min(m, n),), a.dtype)
    return xp.linalg.svd(a, compute_uv=False)


class SVD(Primitive):
    """``A = U diag(S) Vh`` for (..., m, n); outputs (U, S, Vh).  Backward: PyTorch's formula
    (``svd_backward``), on the reduced factors (the extra columns of a full U or V get none)."""

    _materialize = False

    @staticmethod
    def forward(ctx, A, full_matrices):
        u, s, vh = _svd_arrays(A._dev.xp, A._data, full_matrices)
        U, S, Vh = (Tensor._wrap(x, A._dev) for x in (u, s, vh))
        ctx.full_matrices = full_matrices
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        return _svd_backward(gU, gS, gVh, U, S, Vh, ctx.full_matrices), None


def _svd_backward(gU, gS, gVh, U, S, Vh, full_matrices):
    if gU is None and gS is None and gVh is None:
        return None
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if full_matrices:  # only the first k singular vectors are determined by A
        U, Vh = U[..., :k], Vh[..., :k, :]
        gU = None if gU is None else gU[..., :k]
        gVh = None if gVh is None else gVh[..., :k, :]
    if gU is None and gVh is None:  # the values only: U diag(gS) Vh
        return (U * unsqueeze(gS, -2)) @ Vh
    # Skew parts of U^T gU and V^T gV, divided by E_ij = s_j^2 - s_i^2 (diagonal set to 1: its
    # numerator is 0 there).  Repeated singular values divide by 0: inf / nan, as in PyTorch.
    S2 = S * S
    E = unsqueeze(S2, -2) - unsqueeze(S2, -1) + _eye(S, k)
    Sr, Sc = unsqueeze(S, -2), unsqueeze(S, -1)
    if gU is not None:
        UtgU = U.mT @ gU
        UtgU = UtgU - UtgU.mT
    if gVh is not None:
        VtgV = Vh @ gVh.mT
        VtgV = VtgV - VtgV.mT
    if gU is not None and gVh is not None:
        inner = (UtgU * Sr + Sc * VtgV) / E
    elif gU is not None:
        inner = (UtgU / E) * Sr
    else:
        inner = Sc * (VtgV / E)
    if gS is not None:
        inner = inner + diag_embed(gS)
    if m > n and gU is not None:  # the part of gU outside span(U): (I - U U^T) gU S^{-1}
        gA = U @ inner
        gUSinv = gU / Sr
        gA = (gA + gUSinv - U @ (U.mT @ gUSinv)) @ Vh
    elif m < n and gVh is not None:  # likewise for V
        gA = inner @ Vh
        SinvgVh = gVh / Sc
        gA = U @ (gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh)
    else:
        gA = U @ inner @ Vh
    return gA


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> SVDResult:
    """``torch.linalg.svd``: ``A = U diag(S) Vh`` for each matrix in the last two dims, a named
    tuple ``(U, S, Vh)``; S descending.  ``full_matrices=True`` gives square U (m, m) and Vh
    (n, n), False the reduced (m, k) and (k, n), k = min(m, n).  ``driver`` (a cuSOLVER choice in
    PyTorch) is accepted and ignored.

    The signs of the singular vectors are not unique: differentiate losses that do not depend on
    them (see the module docstring).

    >>> import autograd_core as ag
    >>> U, S, Vh = ag.linalg.svd(ag.tensor([[3.0, 0.0], [0.0, -4.0]]))
    >>> S.tolist(), (U @ ag.diag(S) @ Vh).tolist()
    ([4.0, 3.0], [[3.0, 0.0], [0.0, -4.0]])
    """
    _check_matrix("linalg.svd", A)
    return SVDResult(*SVD.apply(A, bool(full_matrices)))


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """``torch.linalg.svdvals``: the singular values, descending, shape (..., min(m, n)).  Only
    they are computed unless a gradient is needed (then U and V are computed and kept for it).

    >>> import autograd_core as ag
    >>> ag.linalg.svdvals(ag.tensor([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    _check_matrix("linalg.svdvals", A)
    if _recording(A):
        return SVD.apply(A, False)[1]
    return no_grad_result(_svdvals_array(A._dev.xp, A._data), A._dev)


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> SvdResult:
    """``torch.svd`` (the older form): ``(U, S, V)`` with ``input = U diag(S) V^T`` (V, not Vh).
    ``some=True`` gives the reduced factors; ``compute_uv=False`` returns zero-filled U (m, m) and
    V (n, n), as PyTorch does, and S (still differentiable).

    >>> import autograd_core as ag
    >>> U, S, V = ag.svd(ag.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    >>> U.shape, S.tolist(), V.shape
    (torch.Size([3, 2]), [2.0, 1.0], torch.Size([2, 2]))
    """
    _check_matrix("svd", input)
    if not compute_uv:
        S = svdvals(input)
        xp, m, n = input._dev.xp, input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        zeros = [no_grad_result(xp.zeros(batch + (d, d), input._data.dtype), input._dev) for d in (m, n)]
        return SvdResult(zeros[0], S, zeros[1])
    U, S, Vh = SVD.apply(input, not some)
    return SvdResult(U, S, Vh.mT)


# ---------------------------------------------------------------------------- eigh
def _check_uplo(UPLO) -> str:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


class Eigh(Primitive):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric (..., n, n) matrices,
    read from the ``UPLO`` triangle.  Backward: ``V (skew(V^T gV) / E + diag(gL)) V^T`` with
    ``E_ij = l_j - l_i``: PyTorch's formula, a symmetric gradient."""

    _materialize = False

    @staticmethod
    def forward(ctx, A, UPLO):
        xp, a = A._dev.xp, A._data
        if a.size == 0:
            w, v = xp.zeros(a.shape[:-1], a.dtype), xp.zeros(a.shape, a.dtype)
        else:
            w, v = xp.linalg.eigh(a, UPLO=UPLO)
        L, V = Tensor._wrap(w, A._dev), Tensor._wrap(v, A._dev)
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        if gV is None:
            if gL is None:
                return None, None
            return (V * unsqueeze(gL, -2)) @ V.mT, None
        VtgV = V.mT @ gV
        E = unsqueeze(L, -2) - unsqueeze(L, -1) + _eye(L, L.shape[-1])
        inner = 0.5 * (VtgV - VtgV.mT) / E  # (its diagonal is 0)
        if gL is not None:
            inner = inner + diag_embed(gL)
        return V @ inner @ V.mT, None


def eigh(A: Tensor, UPLO: str = "L") -> EighResult:
    """``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues
    ascending, ``A = V diag(L) V^T``.  Only the ``UPLO`` triangle (``'L'`` or ``'U'``) is read.

    >>> import autograd_core as ag
    >>> L, V = ag.linalg.eigh(ag.tensor([[2.0, 1.0], [1.0, 2.0]]))
    >>> [round(x, 6) for x in L.tolist()]
    [1.0, 3.0]
    """
    _check_square("linalg.eigh", A)
    return EighResult(*Eigh.apply(A, _check_uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """``torch.linalg.eigvalsh``: the eigenvalues of symmetric matrices, ascending.

    >>> import autograd_core as ag
    >>> [round(x, 6) for x in ag.linalg.eigvalsh(ag.tensor([[2.0, 1.0], [1.0, 2.0]])).tolist()]
    [1.0, 3.0]
    """
    _check_square("linalg.eigvalsh", A)
    _check_uplo(UPLO)
    if _recording(A):
        return Eigh.apply(A, UPLO)[0]
    xp, a = A._dev.xp, A._data
    w = xp.zeros(a.shape[:-1], a.dtype) if a.size == 0 else xp.linalg.eigvalsh(a, UPLO=UPLO)
    return no_grad_result(w, A._dev)


# ---------------------------------------------------------------------------- QR
_QR_MODES = ("reduced", "complete", "r")


class QR(Primitive):
    """``A = Q R`` for (..., m, n), Q with orthonormal columns, R upper triangular.  Backward (for
    ``m >= n``): ``(gQ + Q copyltu(M)) R^{-T}`` with ``M = R gR^T - gQ^T Q`` and ``copyltu`` the
    symmetric matrix made from the lower triangle; a wide A is split as ``[X | Y]`` with ``X``
    square (Y = Q R[:, m:] follows from X's Q)."""

    _materialize = False

    @staticmethod
    def forward(ctx, A, mode):
        xp, a = A._dev.xp, A._data
        *batch, m, n = a.shape
        batch, k = tuple(batch), min(m, n)
        rows = m if mode == "complete" else k
        if a.size == 0:
            q = _batched_eye(xp, batch, m, rows, a.dtype)
            r = xp.zeros(batch + (rows, n), a.dtype)
        elif mode == "r":
            r = xp.linalg.qr(a, mode="r")
        else:
            q, r = xp.linalg.qr(a, mode=mode)
        if mode == "r":
            q = xp.zeros((0,), a.dtype)
        Q, R = Tensor._wrap(q, A._dev), Tensor._wrap(r, A._dev)
        ctx.mode = mode
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if gQ is None and gR is None:
            return None, None
        if m >= n:
            return _qr_backward_tall(gQ, gR, Q, R), None
        # Wide: A = [X | Y], R = [U | V], X = Q U (square), Y = Q V.
        U, V = R[..., :m], R[..., m:]
        Y = Q @ V  # (= A[..., m:], recomputed rather than saved)
        gU = None if gR is None else gR[..., :m]
        gV = None if gR is None else gR[..., m:]
        if gV is not None:
            extra = Y @ gV.mT
            gQ = extra if gQ is None else gQ + extra
        gX = _qr_backward_tall(gQ, gU, Q, U)
        gY = Q @ gV if gV is not None else Y * 0.0
        return cat([gX, gY], -1), None


def _qr_backward_tall(gQ, gR, Q, R):
    M = None
    if gR is not None:
        M = R @ gR.mT
    if gQ is not None:
        M = -(gQ.mT @ Q) if M is None else M - gQ.mT @ Q
    sym = tril(M) + tril(M, -1).mT
    X = Q @ sym
    if gQ is not None:
        X = X + gQ
    return _solve_right(X, R.mT)


def qr(A: Tensor, mode: str = "reduced") -> QRResult:
    """``torch.linalg.qr``: ``A = Q R`` as a named tuple ``(Q, R)``.  ``mode='reduced'``: Q (m, k),
    R (k, n), k = min(m, n); ``'complete'``: Q (m, m), R (m, n); ``'r'``: R only (Q empty, and no
    gradient).  As in PyTorch, 'complete' with m > n is not differentiable.

    >>> import autograd_core as ag
    >>> Q, R = ag.linalg.qr(ag.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> [[round(abs(x), 6) for x in row] for row in R.tolist()]
    [[5.0, 2.2], [0.0, 0.4]]
    """
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'")
    _check_matrix("linalg.qr", A)
    return QRResult(*QR.apply(A, mode))


def torch_qr(input: Tensor, some: bool = True) -> QrResult:
    """``torch.qr``: ``linalg.qr`` with ``some=True`` the reduced and ``some=False`` the complete form.

    >>> import autograd_core as ag
    >>> Q, R = ag.qr(ag.ones(3, 2))
    >>> Q.shape, R.shape
    (torch.Size([3, 2]), torch.Size([2, 2]))
    """
    _check_matrix("qr", input)
    return QrResult(*QR.apply(input, "reduced" if some else "complete"))


def geqrf(input: Tensor) -> GeqrfResult:
    """``torch.geqrf``: LAPACK's compact QR: R on and above the diagonal of ``a``, the Householder
    vectors below it, and their scalars ``tau`` (``householder_product(a, tau)`` is Q).  Not
    differentiable, as in PyTorch.

    >>> import autograd_core as ag
    >>> a, tau = ag.geqrf(ag.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> round(abs(a[0, 0].item()), 6), tau.shape
    (5.0, torch.Size([2]))
    """
    _check_matrix("geqrf", input)
    xp, a = input._dev.xp, input._data
    k = min(a.shape[-2:])
    if a.size == 0:
        h, tau = a.copy(), xp.zeros(a.shape[:-2] + (k,), a.dtype)
    else:
        h, tau = xp.linalg.qr(a, mode="raw")  # h is LAPACK's Fortran-order result: transposed
        h = xp.ascontiguousarray(xp.swapaxes(h, -1, -2))
    return GeqrfResult(no_grad_result(h, input._dev), no_grad_result(tau, input._dev))


# ---------------------------------------------------------------------------- Cholesky
def _not_positive_definite(op: str, xp, a) -> LinAlgError:
    """PyTorch's message: the batch element and the order of the first leading minor that is not
    positive-definite (found by bisection: every leading minor of a positive-definite one is)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for b in range(flat.shape[0]):
        lo, hi = 0, flat.shape[-1]  # leading minor of order lo is fine, of order hi is not
        if _cholesky_ok(xp, flat[b]):
            continue
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if _cholesky_ok(xp, flat[b, :mid, :mid]) else (lo, mid)
        where = f"(Batch element {b}): " if a.ndim > 2 else ""
        return LinAlgError(
            f"{op}: {where}The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {hi} is not positive-definite)."
        )
    return LinAlgError(f"{op}: The factorization could not be completed because the input is not positive-definite.")


def _cholesky_ok(xp, a) -> bool:
    try:
        xp.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return False
    return True


class Cholesky(Primitive):
    """Lower L with ``A = L L^T`` (read from A's lower triangle); ``upper`` returns ``L^T``.
    Backward (Murray 2016, PyTorch's): ``L^{-T} Phi(L^T gL) L^{-1}``, ``Phi`` the symmetric
    matrix made from the lower triangle with everything halved."""

    @staticmethod
    def forward(ctx, A, upper, op):
        xp, a = A._dev.xp, A._data
        if a.size == 0:
            low = xp.zeros(a.shape, a.dtype)
        else:
            try:
                low = xp.linalg.cholesky(a)
            except np.linalg.LinAlgError:
                raise _not_positive_definite(op, xp, a) from None
        out = Tensor._wrap(xp.ascontiguousarray(xp.swapaxes(low, -1, -2)) if upper else low, A._dev)
        ctx.upper = upper
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, g = L.mT, g.mT
        P = tril(L.mT @ g)
        P = 0.5 * (P + tril(P, -1).mT)
        return _solve_right(Solve.apply(L.mT, P), L), None, None


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """``torch.linalg.cholesky``: lower-triangular L with ``A = L L^T`` for symmetric positive-
    definite matrices (``upper=True``: ``U = L^T``, ``A = U^T U``).  Only the lower triangle of A
    is read.  A matrix that is not positive-definite raises ``linalg.LinAlgError`` (a
    RuntimeError) naming the batch element and leading minor, PyTorch's message; on CUDA the
    result holds nan instead (see the module docstring).

    >>> import autograd_core as ag
    >>> ag.linalg.cholesky(ag.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    _check_square("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper), "linalg.cholesky")


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky`` (deprecated in PyTorch for ``linalg.cholesky``): the same, ``upper`` positional.

    >>> import autograd_core as ag
    >>> ag.cholesky(ag.tensor([[4.0, 2.0], [2.0, 2.0]]), upper=True).tolist()
    [[2.0, 1.0], [0.0, 1.0]]
    """
    _check_square("cholesky", input)
    return Cholesky.apply(input, bool(upper), "cholesky")


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky_solve``: X with ``A X = B`` given A's Cholesky factor (``A = L L^T``, or
    ``U^T U`` with ``upper=True``); B is (*, n, k), batch dims broadcast.  Two triangular solves,
    composed, so the gradient is PyTorch's (with respect to the whole factor).

    >>> import autograd_core as ag
    >>> L = ag.tensor([[2.0, 0.0], [1.0, 1.0]])
    >>> ag.cholesky_solve(ag.tensor([[4.0], [2.0]]), L).tolist()
    [[1.0], [0.0]]
    """
    op = "cholesky_solve"
    _check_square(op, L, "input2")
    if not isinstance(B, Tensor) or B.ndim < 2:
        got = tuple(B.shape) if isinstance(B, Tensor) else type(B).__name__
        raise RuntimeError(f"{op}: b should have at least 2 dimensions, but has {got}")
    if B.dtype != L.dtype:
        raise RuntimeError(f"{op}: expected b and A to have the same dtype, but b has {B.dtype} and A has {L.dtype}")
    if B.shape[-2] != L.shape[-1]:
        raise RuntimeError(
            f"{op}: Incompatible matrix sizes for cholesky_solve: each A matrix is {L.shape[-1]} by {L.shape[-1]} "
            f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}"
        )
    low = L.mT if upper else L
    return _solve_left(low.mT, _solve_left(low, B))


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky_inverse``: ``A^{-1}`` from A's Cholesky factor (``A = L L^T``; ``upper``:
    ``U^T U``), batched.

    >>> import autograd_core as ag
    >>> ag.cholesky_inverse(ag.tensor([[2.0, 0.0], [0.0, 0.5]])).tolist()
    [[0.25, 0.0], [0.0, 4.0]]
    """
    _check_square("cholesky_inverse", L, "input")
    n = L.shape[-1]
    eye = expand(_eye(L, n), tuple(L.shape[:-2]) + (n, n))
    return cholesky_solve(eye, L, upper)


# ---------------------------------------------------------------------------- matrix exponential
_TAYLOR_DEGREE = 18  # error term ||X||^19 / 19! < 1e-23 for ||X|| <= 1/2: below float64's eps


def _expm_array(xp, a):
    """``exp(a)`` by scaling and squaring a Taylor polynomial: each matrix is scaled by 2^-s so
    that its 1-norm is at most 1/2, exponentiated by Horner's rule, then squared s times (its
    own s: a batch mixes small and large matrices)."""
    if a.size == 0:
        return a.copy()
    n = a.shape[-1]
    norm1 = xp.abs(a).sum(axis=-2).max(axis=-1)  # the 1-norm of each matrix
    s = xp.maximum(xp.ceil(xp.log2(xp.maximum(norm1, 1e-300) * 2.0)), 0.0)
    x = a / (2.0 ** s)[..., None, None]
    eye = xp.eye(n, dtype=a.dtype)
    p = eye + x / _TAYLOR_DEGREE
    for k in range(_TAYLOR_DEGREE - 1, 0, -1):
        p = eye + (x @ p) / k
    s_max = int(s.max())
    for i in range(s_max):
        p = xp.where((s > i)[..., None, None], p @ p, p)
    return p.astype(a.dtype, copy=False)


class MatrixExp(Primitive):
    """``exp(A)`` for (..., n, n).  Backward: the Fréchet derivative at ``A^T`` in the direction
    of the incoming gradient, read from the exponential of the block matrix
    ``[[A^T, g], [0, A^T]]`` (its top-right block), which is PyTorch's method.  It calls this
    primitive again, so it is differentiable itself."""

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm_array(A._dev.xp, A._data)

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        At = A.mT
        zero = At * 0.0
        block = cat([cat([At, g], -1), cat([zero, At], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """``torch.linalg.matrix_exp`` (and ``torch.matrix_exp``): ``sum_k A^k / k!`` for each square
    matrix in the last two dims.

    >>> import autograd_core as ag
    >>> [[round(x, 6) for x in row] for row in ag.linalg.matrix_exp(ag.tensor([[0.0, 1.0], [0.0, 0.0]])).tolist()]
    [[1.0, 1.0], [0.0, 1.0]]
    """
    _check_square("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


# ---------------------------------------------------------------------------- Householder product
def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """``torch.linalg.householder_product``: the first n columns of ``H_1 H_2 ... H_k`` with
    ``H_i = I - tau_i v_i v_i^T``, ``v_i`` column i of A below the diagonal with a 1 on it
    (LAPACK's ``orgqr``; A (*, m, n), tau (*, k), m >= n >= k).  Composed from matmuls: the
    gradient is the exact one (zero on and above A's diagonal, which is not read).

    >>> import autograd_core as ag
    >>> Q = ag.linalg.householder_product(ag.tensor([[1.0], [1.0]]), ag.tensor([1.0]))
    >>> Q.tolist()
    [[0.0], [-1.0]]
    """
    op = "torch.linalg.householder_product"
    if not isinstance(A, Tensor) or not isinstance(tau, Tensor):
        raise TypeError(f"{op}: expected Tensors as input and tau")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{op}: input.dim() - tau.dim() must be equal to 1 but got {A.ndim - tau.ndim}")
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{tuple(tau.shape[:-1])} and {tuple(A.shape[:-2])}"
        )
    if A.dtype.kind != "f" or tau.dtype != A.dtype:
        raise RuntimeError(f"{op}: expected floating tensors of one dtype, got input {A.dtype} and tau {tau.dtype}")
    V = tril(A, -1) + _eye(A, m, n)
    Q = expand(_eye(A, m, n), tuple(A.shape[:-2]) + (m, n))
    for i in reversed(range(k)):
        v = V[..., :, i : i + 1]
        Q = Q - unsqueeze(tau[..., i : i + 1], -1) * (v @ (v.mT @ Q))
    if k == 0:  # no reflector: the identity, still a function of A and tau (zero gradient, as PyTorch's)
        Q = Q + 0.0 * (A.sum() + tau.sum())
    return Q


# ---------------------------------------------------------------------------- least squares
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None) -> LstsqResult:
    """``torch.linalg.lstsq``: the least-squares solution of ``A X = B`` (minimum norm when A
    is rank-deficient: singular values below ``rcond`` times the largest count as zero, default
    ``eps * max(m, n)``), a named tuple ``(solution, residuals, rank, singular_values)``.

    Computed as ``pinv(A) @ B``, which is also PyTorch's gradient.  The other fields follow the
    CPU drivers (default ``'gelsy'``): ``rank`` for all but ``'gels'``; ``singular_values`` for
    ``'gelsd'`` / ``'gelss'``; ``residuals`` (squared 2-norms of the columns of ``A X - B``) when
    m > n, every matrix has full rank and the driver is not ``'gelsy'``; empty otherwise.  B is a
    vector when ``B.ndim == A.ndim - 1``; batch dims broadcast.

    >>> import autograd_core as ag
    >>> round(ag.linalg.lstsq(ag.tensor([[1.0], [1.0]]), ag.tensor([[1.0], [3.0]])).solution.item(), 5)
    2.0
    """
    from autograd_core.linalg import matrix_rank
    from autograd_core.ops.linalg import pinverse

    op = "torch.linalg.lstsq"
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    _check_matrix(op, A, "input")
    if not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected a Tensor as b, got {type(B).__name__}")
    if B.dtype != A.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got {A.dtype} and {B.dtype}")
    if B.ndim > A.ndim or A.ndim - B.ndim > 1:
        raise RuntimeError(
            f"{op}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1 "
            f"(input of shape {tuple(A.shape)}, other of shape {tuple(B.shape)})"
        )
    vector = B.ndim == A.ndim - 1
    Bm = unsqueeze(B, -1) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2], A.shape[-1]
    if rcond is None:
        rcond = float(np.finfo(A.dtype).eps) * max(m, n)
    X = pinverse(A, float(rcond)) @ Bm
    xp, dev = A._dev.xp, A._dev
    broadcast_shape(op, tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))  # (a clear error if they don't)
    empty = no_grad_result(xp.zeros((0,), A._data.dtype), dev)
    rank = no_grad_result(xp.zeros((0,), np.int64), dev)
    if driver != "gels":
        rank = matrix_rank(A.detach(), rtol=float(rcond))
    singular_values = empty
    if driver in ("gelsd", "gelss"):
        singular_values = svdvals(A.detach())
    residuals = empty
    if m > n and driver != "gelsy" and (driver == "gels" or bool((rank == n).all())):
        residuals = ((A @ X - Bm) ** 2).sum(-2)  # (a vector B keeps its column: shape (..., 1), as PyTorch)
    return LstsqResult(X.squeeze(-1) if vector else X, residuals, rank, singular_values)
