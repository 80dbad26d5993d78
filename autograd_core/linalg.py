"""``ag.linalg``: the norms of ``torch.linalg``, composed from differentiable ops, and its
inverse, solve and determinants (primitives of ``autograd_core/ops/solvers.py``).

- ``inv(A)``, ``solve(A, B, *, left=True)``, ``det(A)``, ``slogdet(A)`` (a ``(sign, logabsdet)``
  named tuple): batched over the leading dims, float32 / float64, differentiable twice.  A
  singular matrix raises on the CPU (CuPy returns inf / nan instead); ``det``'s gradient is nan
  at a singular matrix, where PyTorch's (SVD-based) is finite.

- ``vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None)``: any real ``ord``
  (``inf``, ``-inf``, ``0`` counts non-zeros, negative orders), over ``dim`` or all elements.
- ``matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None)``: ``'fro'``,
  ``1`` / ``-1`` (largest / smallest absolute column sum) and ``inf`` / ``-inf`` (row sum),
  over the last two dims or the two in ``dim``, batched over the others.
- ``norm(A, ord=None, dim=None, keepdim=False, *, dtype=None)``: dispatches as PyTorch does:
  a vector norm for ``ord=None`` (the 2-norm of all elements when ``dim`` is None too), for a
  1-D input or a one-element ``dim``; a matrix norm for a 2-D input or a two-element ``dim``.

Gradients are those of the composition, which are PyTorch's: 0 at a zero vector for the
2-norm, shared evenly between tied maxima for ``inf`` and for the 1 / inf matrix norms.
The orders that need singular values (``'nuc'``, ``2``, ``-2`` on matrices) go through
``svdvals``; ``matrix_rank``, ``cond`` and ``pinv``'s ``atol`` use them too.

- Decompositions (``autograd_core/ops/decompositions.py``): ``svd``, ``svdvals``, ``eigh``,
  ``eigvalsh``, ``qr``, ``cholesky``, ``lstsq``, ``matrix_exp``, ``householder_product``, and
  ``LinAlgError`` (raised for a matrix that is not positive-definite).
- Triangular solves and LU (``autograd_core/ops/triangular.py``, ``ops/lu.py``): ``solve_triangular``,
  ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``, and ``solve_ex`` / ``inv_ex`` (``info``
  instead of an error); ``cholesky_ex`` here.
- Products and reshaped solves, composed: ``multi_dot`` (PyTorch's cheapest parenthesisation),
  ``vecdot``, ``vander`` (increasing powers), ``diagonal``, ``matmul``, ``tensorinv``, ``tensorsolve``.
- Not offered: ``eig`` / ``eigvals`` (complex results: the engine has no complex tensors) and
  ``ldl_factor`` / ``ldl_solve`` (Bunch-Kaufman pivoting with 2x2 blocks: PyTorch's pivots and
  factors could not be matched without reimplementing LAPACK's ``sytrf``).

>>> import autograd_core as ag
>>> A = ag.tensor([[1.0, -2.0], [3.0, 4.0]])
>>> ag.linalg.vector_norm(ag.tensor([3.0, -4.0])), ag.linalg.matrix_norm(A, ord=1)
(tensor(5.), tensor(6.))
>>> ag.linalg.norm(A, dim=1)
tensor([2.2361, 5.0000])
"""

from __future__ import annotations

import math
import numbers
from collections import namedtuple

import numpy as np

from autograd_core import dtypes
from autograd_core.ops.decompositions import (
    LinAlgError,
    cholesky,
    eigh,
    eigvalsh,
    householder_product,
    lstsq,
    matrix_exp,
    qr,
    svd,
    svdvals,
)
from autograd_core.ops.einsum import diagonal as _diagonal
from autograd_core.ops.elementwise import where
from autograd_core.ops.integrate import linalg_vander as vander
from autograd_core.ops.linalg import _cross, matmul, matrix_power, mm, pinverse
from autograd_core.ops.lu import inv_ex, lu, lu_factor, lu_factor_ex, lu_solve, solve_ex
from autograd_core.ops.reduce import amax, amin
from autograd_core.ops.reduce import norm as _norm
from autograd_core.ops.shape import movedim, reshape, squeeze, unsqueeze
from autograd_core.ops.solvers import Inv, _check_square, det, inv, slogdet, solve
from autograd_core.ops.triangular import solve_triangular
from autograd_core.tensor import Tensor, _check_dim

__all__ = [
    "vector_norm", "matrix_norm", "norm", "inv", "solve", "det", "slogdet", "cross", "pinv", "matrix_power",
    "svd", "svdvals", "eigh", "eigvalsh", "qr", "cholesky", "lstsq", "matrix_exp", "householder_product",
    "matrix_rank", "cond", "LinAlgError",
    "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "inv_ex", "solve_ex", "cholesky_ex",
    "multi_dot", "vecdot", "vander", "diagonal", "matmul", "tensorinv", "tensorsolve",
]


def _checked_input(op: str, x, dtype) -> Tensor:
    """``x`` as a floating tensor, cast to ``dtype`` if given (never to a narrower type)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor as input, got {x.dtype}; convert it with .float()")
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        if dtype.kind != "f" or np.promote_types(x.dtype, dtype) != dtype:
            raise RuntimeError(
                f"{op}: the dtype of the input ({x.dtype}) should be convertible without narrowing "
                f"to the specified dtype ({dtype})"
            )
        x = x.to(dtype)
    return x


def _dims(dim) -> tuple | None:
    """``dim`` as a tuple (None stays None: every dim)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(dim)
    return (dim,)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm of ``x`` over ``dim`` (every element when None or ``()``), as
    ``torch.linalg.vector_norm``: ``sum(|x|**ord) ** (1/ord)``; ``inf`` / ``-inf`` give the
    largest / smallest ``|x|``, ``0`` the number of non-zeros.  ``dtype`` casts the input first.

    >>> import autograd_core as ag
    >>> ag.linalg.vector_norm(ag.tensor([[3.0, -4.0], [0.0, 1.0]]), ord=float("inf"), dim=1)
    tensor([4., 1.])
    """
    op = "linalg.vector_norm"
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{op}: ord must be a number (int, float, inf or -inf), got {ord!r}; "
                        "for matrix orders such as 'fro' use linalg.matrix_norm or linalg.norm")
    x = _checked_input(op, x, dtype)
    dims = _dims(dim)
    ord = float(ord)
    if x.numel() == 0 and (ord < 0 or ord == math.inf):  # no identity: max/min of nothing
        if not dims:
            raise RuntimeError(f"{op}: cannot compute the {ord:g} norm on an empty tensor "
                               "because the operation does not have an identity")
        for d in dims:
            if x.shape[_check_dim(op, d, x.ndim)] == 0:
                raise RuntimeError(f"{op}: cannot compute the {ord:g} norm on the dimension {d} "
                                   "because this dimension is empty and the operation does not have an identity")
    return _norm(x, ord, dims, keepdim)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix ``ord``-norm over the two dims ``dim`` (batched over the others), as
    ``torch.linalg.matrix_norm``: ``'fro'`` (the 2-norm of the entries), ``'nuc'`` (the sum of
    the singular values), ``2`` / ``-2`` (the largest / smallest singular value), ``1`` / ``-1``
    (the largest / smallest sum of absolute values of a column), ``inf`` / ``-inf`` (of a row).

    >>> import autograd_core as ag
    >>> ag.linalg.matrix_norm(ag.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=float("inf"))
    tensor(7.)
    """
    op = "linalg.matrix_norm"
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{op}: order {ord!r} is not supported; use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")
    elif isinstance(ord, bool) or not isinstance(ord, numbers.Real) or abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"{op}: order {ord!r} is not supported; use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: the input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    dims = _dims(dim)
    if dims is None or len(dims) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (_check_dim(op, d, A.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different, got {tuple(dims)}")
    A = _checked_input(op, A, dtype)
    if ord == "fro":
        return _norm(A, 2.0, (d0, d1), keepdim)
    if ord == "nuc" or abs(ord) == 2:
        return _singular_value_norm(A, ord, d0, d1, keepdim)
    # As PyTorch: the 1-norm sums over the rows (dim[0]) then takes the max over dim[1];
    # the inf-norm is the 1-norm of the transpose.
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    sums = _norm(A, 1.0, (d0,), keepdim)
    if not keepdim and d0 < d1:
        d1 -= 1
    return (amax if ord > 0 else amin)(sums, d1, keepdim)


def _singular_value_norm(A: Tensor, ord, d0: int, d1: int, keepdim: bool) -> Tensor:
    """``'nuc'`` / ``2`` / ``-2``: the sum / largest / smallest singular value of the matrices in
    dims ``(d0, d1)``, moved last for ``svdvals`` (their gradient is ``U diag(g) Vh``)."""
    s = svdvals(movedim(A, (d0, d1), (-2, -1)))
    if s.shape[-1] == 0:  # an empty matrix: every norm is 0 (PyTorch's answer; max/min would fail)
        out = s.sum(-1)
    elif ord == "nuc":
        out = s.sum(-1)
    else:
        out = (amax if ord == 2 else amin)(s, -1)
    if keepdim:
        for d in sorted((d0, d1)):
            out = unsqueeze(out, d)
    return out


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a vector or a matrix norm, chosen as PyTorch chooses.

    - ``ord`` and ``dim`` None: the 2-norm of all elements (any number of dims);
    - ``dim`` one dim (an int or a 1-tuple): ``vector_norm`` over it (``ord`` defaults to 2);
    - ``dim`` a 2-tuple: ``matrix_norm`` over it (``ord`` defaults to ``'fro'``);
    - ``dim`` None and ``ord`` given: the input must be 1-D (a vector norm) or 2-D (a matrix norm).

    >>> import autograd_core as ag
    >>> ag.linalg.norm(ag.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    """
    op = "linalg.norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(A).__name__}")
    dims = _dims(dim)
    if dims is not None:
        if len(dims) not in (1, 2):
            raise RuntimeError(f"{op}: if dim is specified, it must be of length 1 or 2, got {list(dims)}")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"{op}: if dim is not specified but ord is, the input must be 1D or 2D, got {A.ndim}D")
    if isinstance(ord, str):
        return matrix_norm(A, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    if ord is not None and ((dims is not None and len(dims) == 2) or (dims is None and A.ndim == 2)):
        return matrix_norm(A, ord, (0, 1) if dims is None else dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the 3-D cross product along ``dim`` (default the last), broadcast.

    >>> import autograd_core as ag
    >>> ag.linalg.cross(ag.tensor([[0.0, 1.0, 0.0]]), ag.tensor([[0.0, 0.0, 1.0]])).tolist()
    [[1.0, 0.0, 0.0]]
    """
    return _cross("linalg.cross", input, other, dim)


def _tolerances(A: Tensor, atol, rtol) -> tuple:
    """PyTorch's defaults for ``pinv`` / ``matrix_rank``: ``rtol = eps * max(m, n)`` when neither is
    given, 0 when only a positive ``atol`` is."""
    if rtol is None:
        eps_rtol = float(np.finfo(A.dtype).eps) * max(A.shape[-2:]) if A.ndim >= 2 and A.dtype.kind == "f" else 0.0
        rtol = eps_rtol if atol is None or float(atol) <= 0 else 0.0
    return (0.0 if atol is None else float(atol)), float(rtol)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """``torch.linalg.pinv``: the pseudo-inverse; singular values at or below
    ``max(atol, rtol * largest)`` are dropped (default ``rtol = eps * max(m, n)``, or 0 when a
    positive ``atol`` is given, PyTorch's).  ``hermitian`` is accepted and changes nothing in the
    result (it only lets PyTorch use a faster decomposition).

    >>> import autograd_core as ag
    >>> ag.linalg.pinv(ag.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    atol, rtol = _tolerances(A, atol, rtol)
    if atol <= 0 or not isinstance(A, Tensor) or A.ndim < 2 or A.numel() == 0:
        return pinverse(A, rtol)
    # An absolute tolerance as a relative one per matrix: max(rtol, atol / largest singular value).
    smax = svdvals(A.detach())[..., 0]._data
    xp = A._dev.xp
    rcond = xp.maximum(rtol, atol / xp.maximum(smax, np.finfo(A.dtype).tiny))
    return pinverse(A, rcond)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """``torch.linalg.matrix_rank``: the number of singular values above ``max(atol, rtol * largest)``
    (defaults as ``pinv``), an int64 tensor of the batch shape.  ``hermitian=True`` counts the
    absolute eigenvalues instead (reading the lower triangle, as PyTorch does).

    >>> import autograd_core as ag
    >>> ag.linalg.matrix_rank(ag.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
    1
    """
    op = "linalg.matrix_rank"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(A).__name__}")
    if hermitian:
        _check_square(op, A)
        s = eigvalsh(A.detach()).abs()
    else:
        if A.ndim < 2:
            raise RuntimeError(f"{op}: The input tensor input must have at least 2 dimensions, got shape {tuple(A.shape)}")
        s = svdvals(A.detach())
    atol, rtol = _tolerances(A, atol, rtol)
    if s.shape[-1] == 0:
        return (s > 0).sum(-1)
    tol = amax(s, -1, True) * rtol
    if atol > 0:
        tol = where(tol > atol, tol, atol)
    return (s > tol).sum(-1)


def _empty_cond(A: Tensor) -> Tensor:
    """PyTorch's answer for an input without elements: zeros of the batch shape, off the tape."""
    return Tensor._wrap(A._dev.xp.zeros(tuple(A.shape[:-2]), A._data.dtype), A._dev)


def cond(A: Tensor, p=None) -> Tensor:
    """``torch.linalg.cond``: the condition number ``||A||_p ||A^{-1}||_p``.  ``p`` None or 2: the
    ratio of the largest to the smallest singular value (-2: its inverse), for any (m, n);
    ``'fro'``, ``'nuc'``, ``1``, ``-1``, ``inf``, ``-inf``: square matrices only, inf for a
    singular one (PyTorch's answers).

    >>> import autograd_core as ag
    >>> ag.linalg.cond(ag.tensor([[2.0, 0.0], [0.0, 0.5]])).item()
    4.0
    """
    op = "linalg.cond"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(A).__name__}")
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        if A.ndim < 2:
            raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")
        if A.numel() == 0:
            return _empty_cond(A)
        s = svdvals(A)
        big, small = amax(s, -1), amin(s, -1)
        return big / small if p is None or p == 2 else small / big
    if p not in ("fro", "nuc") and (isinstance(p, (str, bool)) or abs(p) not in (1, math.inf)):
        raise RuntimeError(f"{op}: got an invalid norm type: {p!r}; use None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")
    _check_square(f"{op}(ord={p})", A)
    if A.numel() == 0:
        return _empty_cond(A)
    Ainv = Inv.apply(A, False)  # nan for a singular matrix of the batch
    singular = Ainv._data != Ainv._data
    singular = Tensor._wrap(A._dev.xp.any(singular, axis=(-2, -1)), A._dev)
    value = matrix_norm(A, p) * matrix_norm(Ainv, p)
    return where(singular, math.inf, value)


# ---------------------------------------------------------------------------- the _ex forms, products
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])


def _cholesky_fails(xp, a) -> bool:
    """Whether ``a`` has no Cholesky factor: NumPy raises; CuPy may raise or return nan instead."""
    try:
        low = xp.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return True
    return not bool(xp.isfinite(low).all())


def _cholesky_info(xp, a):
    """int32 ``info`` of the batch shape: the order of the first leading minor that is not
    positive-definite (found by bisection, each leading minor of a positive-definite matrix being
    one), 0 where the factorisation succeeds.  Host loop over the batch: the failure path only."""
    batch, n = a.shape[:-2], a.shape[-1]
    flat = a.reshape((-1, n, n))
    info = np.zeros((flat.shape[0],), dtype=np.int32)
    for b in range(flat.shape[0]):
        if not _cholesky_fails(xp, flat[b]):
            continue
        lo, hi = 0, n  # the leading minor of order lo is positive-definite, of order hi is not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _cholesky_fails(xp, flat[b, :mid, :mid]) else (mid, hi)
        info[b] = hi
    return info.reshape(batch)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """``torch.linalg.cholesky_ex``: ``(L, info)``: ``linalg.cholesky``'s factor and ``info``
    (int32, the batch shape), the order of the first leading minor that is not positive-definite,
    0 where the factorisation succeeded.  It raises (``LinAlgError``) only with ``check_errors``.
    Where ``info > 0`` L holds nan (PyTorch leaves LAPACK's partial factor there: also unusable).

    >>> import autograd_core as ag
    >>> ag.linalg.cholesky_ex(ag.tensor([[1.0, 2.0], [2.0, 1.0]])).info
    tensor(2, dtype=int32)
    """
    from autograd_core.ops.decompositions import Cholesky, _not_positive_definite

    op = "linalg.cholesky_ex"
    _check_square(op, A)
    xp, dev = A._dev.xp, A._dev
    try:
        L = Cholesky.apply(A, bool(upper), op)
    except LinAlgError:
        if check_errors:
            raise
        L = None
    if L is not None and (dev.type != "cuda" or bool(xp.isfinite(L._data).all())):  # (CuPy may return nan)
        return CholeskyExResult(L, Tensor._wrap(xp.zeros(tuple(A.shape[:-2]), dtype=np.int32), dev))
    if check_errors:
        raise _not_positive_definite(op, xp, A._data)
    info = _cholesky_info(xp, A._data)
    failed = unsqueeze(unsqueeze(Tensor._wrap(xp.asarray(info != 0), dev), -1), -1)
    eye = Tensor._wrap(xp.eye(A.shape[-1], dtype=A._data.dtype), dev)
    nan = Tensor._wrap(xp.asarray(float("nan"), dtype=A._data.dtype), dev)
    # The failed matrices are factored as the identity (no error, no gradient) and shown as nan.
    L = Cholesky.apply(where(failed, eye, A), bool(upper), op)
    return CholeskyExResult(where(failed, nan, L), Tensor._wrap(xp.asarray(info), dev))


def _matrix_chain_order(dims: list) -> list:
    """``split[i][j]``: where the cheapest product of matrices i..j splits (CLRS's dynamic program
    over the number of scalar multiplications; ties keep the first split, as PyTorch's)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors) -> Tensor:
    """``torch.linalg.multi_dot``: the product of two or more matrices, multiplied in the order that
    needs the fewest scalar multiplications.  The first may be a 1-D row vector and the last a 1-D
    column vector (their dims are dropped from the result); all others must be 2-D.

    >>> import autograd_core as ag
    >>> ag.linalg.multi_dot([ag.tensor([1.0, 2.0]), ag.ones(2, 3), ag.tensor([1.0, 0.0, 1.0])])
    tensor(6.)
    """
    op = "multi_dot()"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{op}: expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"{op}: the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"{op}: the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"{op}: tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype != first.dtype:
            raise RuntimeError(f"{op}: all tensors must have be the same dtype but tensor 0 is {first.dtype} and "
                               f"tensor {i} {t.dtype}")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = unsqueeze(first, 0)
    if last.ndim == 1:
        mats[-1] = unsqueeze(last, -1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"{op}: tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    split = _matrix_chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        k = split[i][j]
        return mm(product(i, k), product(k + 1, j))

    out = product(0, len(mats) - 1)
    if first.ndim == 1:
        out = squeeze(out, 0)
    if last.ndim == 1:
        out = squeeze(out, -1)
    return out


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: the dot product of the vectors along ``dim``, ``x`` and ``y``
    broadcast against each other (real tensors: no conjugation); floating dtypes, equal.

    >>> import autograd_core as ag
    >>> ag.linalg.vecdot(ag.tensor([[1.0, 2.0], [3.0, 4.0]]), ag.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    op = "linalg.vecdot"
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"{op}: expected Tensors as x and y, got {type(x).__name__} and {type(y).__name__}")
    if x.dtype != y.dtype:
        raise RuntimeError(f"{op}: Expected x and y to have the same dtype, but found x of type {x.dtype} and y of "
                           f"type {y.dtype} instead; convert one with .to(dtype)")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {x.dtype}; convert it with .float()")
    if x.ndim == 1 and y.ndim == 1 and x.shape[0] != y.shape[0]:  # PyTorch's dot: two vectors do not broadcast
        raise RuntimeError(f"{op}: inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] "
                           f"to have the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively")
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``torch.linalg.diagonal``: ``diagonal`` with the last two dims as the default matrix dims.

    >>> import autograd_core as ag
    >>> ag.linalg.diagonal(ag.arange(8.0).reshape(2, 2, 2))
    tensor([[0., 3.],
            [4., 7.]])
    """
    return _diagonal(A, offset, dim1, dim2)


def _numel(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """``torch.linalg.tensorinv``: the inverse of A for ``tensordot(A, X, ind)``: A is read as a
    square matrix of ``prod(A.shape[:ind])`` rows, inverted, and shaped ``A.shape[ind:] + A.shape[:ind]``.

    >>> import autograd_core as ag
    >>> A = ag.eye(4).reshape(4, 2, 2) * 2
    >>> ag.linalg.tensorinv(A, ind=1).shape
    torch.Size([2, 2, 4])
    """
    op = "linalg.tensorinv"
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor as A, got {type(A).__name__}")
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"{op}: Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = _numel(A.shape[:ind]), _numel(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"{op}: Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows} (shape {tuple(A.shape)}, ind={ind})")
    return reshape(inv(reshape(A, rows, cols)), tuple(A.shape[ind:]) + tuple(A.shape[:ind]))


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """``torch.linalg.tensorsolve``: X with ``tensordot(A, X, X.ndim) == B``; X has shape
    ``A.shape[B.ndim:]``.  ``dims`` first moves those dims of A to the end.

    >>> import autograd_core as ag
    >>> A = ag.eye(6).reshape(2, 3, 6) * 2
    >>> ag.linalg.tensorsolve(A, ag.ones(2, 3)).tolist()
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    """
    op = "linalg.tensorsolve"
    if not isinstance(A, Tensor) or not isinstance(B, Tensor):
        raise TypeError(f"{op}: expected Tensors as A and B, got {type(A).__name__} and {type(B).__name__}")
    if dims is not None:
        dims = _dims(dims)
        A = movedim(A, dims, tuple(range(A.ndim - len(dims), A.ndim)))
    result_shape = tuple(A.shape[B.ndim:])
    cols, rows = _numel(result_shape), _numel(B.shape)
    if cols != rows or _numel(A.shape[: B.ndim]) != rows:
        raise RuntimeError(
            f"{op}: Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
            f"but got {cols} != {rows} (A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)})"
        )
    return reshape(solve(reshape(A, rows, cols), reshape(B, rows)), result_shape)
