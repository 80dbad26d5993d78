"""linalg.svd / svdvals / eigh / eigvalsh / qr / cholesky / lstsq / matrix_exp / householder_product,
torch.svd / qr / cholesky / cholesky_solve / cholesky_inverse / matrix_exp / geqrf, and what the SVD
unlocks (matrix_norm 'nuc' / 2 / -2, matrix_rank, cond, pinv's atol): forward against NumPy,
gradients against finite differences, double backward (cpu and strict devices), and against PyTorch.

Singular vectors and eigenvectors are unique up to a sign per column, so their tests compare
gauge-invariant quantities: reconstructions ``U @ Vh``, squares ``U * U`` (|U| up to sign, smooth),
``V diag(L) V^T``; QR is normalised to ``diag(R) > 0``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test_if_installed, to_host

BATCH = S.shapes(min_dims=0, max_dims=2, max_side=3)
# cond of an input without elements is a constant off the tape in PyTorch: tested by hand
FULL_BATCH = S.shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)
SIDE = st.integers(1, 4)
_ROT = np.random.default_rng(1234)


def _rotation(n: int) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(100 + n).standard_normal((n, n)))[0]


def _small(a: np.ndarray, size: float = 0.2) -> np.ndarray:
    """``a`` scaled to Frobenius norm at most ``size`` per matrix."""
    fro = np.sqrt((a**2).sum(axis=(-2, -1), keepdims=True))
    return a * (size / np.maximum(fro, 1.0))


def _separated(a: np.ndarray) -> np.ndarray:
    """A matrix whose singular values are k + 0.5, ..., 1.5 moved by at most 0.2 (well separated,
    away from 0), rotated so that no entry of the factors is special."""
    m, n = a.shape[-2:]
    k = min(m, n)
    d = np.zeros((m, n))
    d[range(k), range(k)] = np.arange(k, 0, -1) + 0.5
    return _rotation(m) @ d @ _rotation(n).T + _small(a)


def _qr_separated(a: np.ndarray) -> np.ndarray:
    """``_separated``, and for a wide matrix a well-conditioned leading square block too: QR's
    gradient of a wide matrix goes through that block's R, which a rotation of a well-separated
    matrix can leave nearly singular (float32 gradients then lose digits to it, not to a bug)."""
    m, n = a.shape[-2:]
    if m >= n:
        return _separated(a)
    return np.concatenate([_separated(a[..., :m]), _small(a[..., m:], 1.0)], axis=-1)


def _symmetric_separated(a: np.ndarray) -> np.ndarray:
    """A symmetric matrix with eigenvalues -n/2 ... n/2 spaced by 1, moved by at most 0.2."""
    n = a.shape[-1]
    q = _rotation(n)
    e = _small(a)
    return q @ np.diag(np.arange(n) - n / 2 + 0.25) @ q.T + (e + np.swapaxes(e, -1, -2)) / 2


def _positive_definite(a: np.ndarray) -> np.ndarray:
    n = a.shape[-1]
    e = a / (2 * np.sqrt(n))
    return e @ np.swapaxes(e, -1, -2) + np.eye(n)


def _lower_factor(a: np.ndarray) -> np.ndarray:
    return np.linalg.cholesky(_positive_definite(a))


def _sym(A):
    return (A + A.mT) / 2 if not isinstance(A, np.ndarray) else (A + np.swapaxes(A, -1, -2)) / 2


def _first(transform):
    return lambda arrays, kwargs: (transform(arrays[0]),) + tuple(arrays[1:])


@st.composite
def _matrix(draw):
    return (draw(BATCH) + (draw(SIDE), draw(SIDE)),)


@st.composite
def _square(draw):
    n = draw(SIDE)
    return (draw(BATCH) + (n, n),)


@st.composite
def _wide_or_square(draw):
    m = draw(SIDE)
    return (draw(BATCH) + (m, draw(st.integers(m, 4))),)


# ---------------------------------------------------------------------------- gauge-invariant views
def _svd_view(U, S, Vh, k=None):
    """``(U @ Vh, S, U * U, Vh * Vh)`` on the first k singular vectors (all when k is None)."""
    if k is not None:
        U, Vh = U[..., :, :k], Vh[..., :k, :]
    return U @ Vh, S, U * U, Vh * Vh


def _np_svd(a, full_matrices=True):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return _svd_view(u, s, vh, min(a.shape[-2:]))


def _ag_svd(a, full_matrices=True):
    U, S, Vh = ag.linalg.svd(a, full_matrices=full_matrices)
    assert U.shape[-1] == (a.shape[-2] if full_matrices else min(a.shape[-2:]))
    return _svd_view(U, S, Vh, min(a.shape[-2:]))


def _torch_svd(torch, a, full_matrices=True):
    U, S, Vh = torch.linalg.svd(a, full_matrices=full_matrices)
    return _svd_view(U, S, Vh, min(a.shape[-2:]))


def _old_svd_view(U, S, V):
    return U @ V.mT if not isinstance(U, np.ndarray) else U @ np.swapaxes(V, -1, -2), S, V * V


def _np_old_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return _old_svd_view(u, s, np.swapaxes(vh, -1, -2))


def _eigh_view(L, V):
    diag = V * L[..., None, :]
    return L, V * V, diag @ (np.swapaxes(V, -1, -2) if isinstance(V, np.ndarray) else V.mT)


def _np_eigh(a, UPLO="L"):
    return _eigh_view(*np.linalg.eigh(_sym(a)))


def _qr_view(Q, R):
    """Q and R with the signs fixed so that ``diag(R) > 0`` (the unique QR)."""
    if isinstance(Q, np.ndarray):
        d = np.sign(np.diagonal(R, axis1=-2, axis2=-1))
    else:
        d = R.diagonal(dim1=-2, dim2=-1).sign()
    k = d.shape[-1]
    return Q[..., :, :k] * d[..., None, :], R[..., :k, :] * d[..., :, None]


def _np_qr(a, mode="reduced"):
    return _qr_view(*np.linalg.qr(a, mode=mode))


@st.composite
def _cholesky_case(draw):
    n = draw(SIDE)
    return ((draw(BATCH) + (n, n),), {"upper": draw(st.booleans())})


def _np_cholesky(a, upper=False):
    low = np.linalg.cholesky(_sym(a))
    return np.swapaxes(low, -1, -2) if upper else low


@st.composite
def _cholesky_solve_case(draw):
    n, k = draw(SIDE), draw(SIDE)
    bb, bl = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    return ((bb + (n, k), bl + (n, n)), {"upper": draw(st.booleans())})


def _np_cholesky_solve(b, factor, upper=False):
    low = np.swapaxes(factor, -1, -2) if upper else factor
    a = low @ np.swapaxes(low, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))


def _factor_domain(arrays, kwargs):
    b, a = arrays
    low = _lower_factor(a)
    return b, (np.swapaxes(low, -1, -2).copy() if kwargs["upper"] else low)


def _np_cholesky_inverse(factor, upper=False):
    low = np.swapaxes(factor, -1, -2) if upper else factor
    return np.linalg.inv(low @ np.swapaxes(low, -1, -2))


def _np_expm(a):
    """exp(a) by its eigendecomposition-free Taylor series with scaling (a reference independent
    of the op's own: plain sum of 40 terms after scaling by 2^-8, then 8 squarings)."""
    x = a / 256.0
    term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    out = term.copy()
    for k in range(1, 40):
        term = term @ x / k
        out = out + term
    for _ in range(8):
        out = out @ out
    return out


@st.composite
def _householder_case(draw):
    n = draw(SIDE)
    m, k = draw(st.integers(n, 4)), draw(st.integers(0, n))
    batch = draw(BATCH)
    return (batch + (m, n), batch + (k,)), {}


def _np_householder(a, tau):
    m, n = a.shape[-2:]
    v = np.tril(a, -1) + np.eye(m, n)
    q = np.broadcast_to(np.eye(m, n), a.shape).copy()
    for i in reversed(range(tau.shape[-1])):
        vi = v[..., :, i : i + 1]
        q = q - tau[..., i, None, None] * (vi @ (np.swapaxes(vi, -1, -2) @ q))
    return q


@st.composite
def _lstsq_case(draw):
    m, n, k = draw(SIDE), draw(SIDE), draw(SIDE)
    batch = draw(BATCH)
    return (batch + (m, n), batch + (m, k)), {}


def _np_lstsq(a, b):
    return np.linalg.pinv(a) @ b


@st.composite
def _norm_case(draw):
    return (draw(BATCH) + (draw(SIDE), draw(SIDE)),), {"ord": draw(st.sampled_from(["nuc", 2, -2]))}


def _np_matrix_norm(a, ord):
    return np.linalg.norm(a, ord, axis=(-2, -1))


@st.composite
def _cond_case(draw):
    return (draw(FULL_BATCH) + (draw(SIDE), draw(SIDE)),), {"p": draw(st.sampled_from([None, 2, -2]))}


@st.composite
def _cond_square_case(draw):
    n = draw(SIDE)
    return (draw(FULL_BATCH) + (n, n),), {"p": draw(st.sampled_from(["fro", "nuc", 1, -1, math.inf, -math.inf]))}


def _np_cond(a, p=None):
    return np.linalg.cond(a, p)


@st.composite
def _rank_case(draw):
    m, n = draw(SIDE), draw(SIDE)
    r = draw(st.integers(0, min(m, n)))
    batch = draw(BATCH)
    return (batch + (m, r), batch + (r, n)), {}


SEPARATED = _first(_separated)
QR_SEPARATED = _first(_qr_separated)
SPD = _first(_positive_definite)

SPECS = [
    OpSpec("svd_reduced", lambda a: _ag_svd(a, False), lambda a: _np_svd(a, False), _matrix(), domain=SEPARATED,
           torch=lambda torch, a: _torch_svd(torch, a, False)),
    OpSpec("svd_full", _ag_svd, _np_svd, _matrix(), domain=SEPARATED, torch=_torch_svd),
    OpSpec("svdvals", ag.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False), _matrix(), domain=SEPARATED,
           torch=lambda torch, a: torch.linalg.svdvals(a)),
    OpSpec("torch_svd", lambda a: _old_svd_view(*ag.svd(a)), _np_old_svd, _matrix(), domain=SEPARATED,
           torch=lambda torch, a: _old_svd_view(*torch.svd(a))),
    OpSpec("matrix_norm_svd", ag.linalg.matrix_norm, _np_matrix_norm, case=_norm_case(), domain=SEPARATED,
           torch=lambda torch, a, **kw: torch.linalg.matrix_norm(a, **kw)),
    OpSpec("cond", ag.linalg.cond, _np_cond, case=_cond_case(), domain=SEPARATED,
           torch=lambda torch, a, **kw: torch.linalg.cond(a, **kw)),
    # (PyTorch's own backward fails for these orders: see test_cond_of_square_matrices_as_pytorch)
    OpSpec("cond_square", ag.linalg.cond, _np_cond, case=_cond_square_case(), domain=SEPARATED),
    OpSpec("eigh", lambda a: _eigh_view(*ag.linalg.eigh(_sym(a))), _np_eigh, _square(),
           domain=_first(_symmetric_separated), torch=lambda torch, a: _eigh_view(*torch.linalg.eigh(_sym(a)))),
    OpSpec("eigh_upper", lambda a: _eigh_view(*ag.linalg.eigh(_sym(a), UPLO="U")), _np_eigh, _square(),
           domain=_first(_symmetric_separated),
           torch=lambda torch, a: _eigh_view(*torch.linalg.eigh(_sym(a), UPLO="U"))),
    OpSpec("eigvalsh", lambda a: ag.linalg.eigvalsh(_sym(a)), lambda a: np.linalg.eigvalsh(_sym(a)), _square(),
           domain=_first(_symmetric_separated), torch=lambda torch, a: torch.linalg.eigvalsh(_sym(a))),
    OpSpec("qr_reduced", lambda a: _qr_view(*ag.linalg.qr(a)), _np_qr, _matrix(), domain=QR_SEPARATED,
           torch=lambda torch, a: _qr_view(*torch.linalg.qr(a))),
    OpSpec("qr_complete_wide", lambda a: _qr_view(*ag.linalg.qr(a, "complete")), lambda a: _np_qr(a, "complete"),
           _wide_or_square(), domain=QR_SEPARATED, torch=lambda torch, a: _qr_view(*torch.linalg.qr(a, "complete"))),
    OpSpec("torch_qr", lambda a: _qr_view(*ag.qr(a)), _np_qr, _matrix(), domain=QR_SEPARATED,
           torch=lambda torch, a: _qr_view(*torch.qr(a))),
    OpSpec("cholesky", lambda a, upper: ag.linalg.cholesky(_sym(a), upper=upper), _np_cholesky,
           case=_cholesky_case(), domain=SPD,
           torch=lambda torch, a, upper: torch.linalg.cholesky(_sym(a), upper=upper)),
    OpSpec("torch_cholesky", lambda a: ag.cholesky(_sym(a)), _np_cholesky, _square(), domain=SPD,
           torch=lambda torch, a: torch.linalg.cholesky(_sym(a))),
    OpSpec("cholesky_solve", ag.cholesky_solve, _np_cholesky_solve, case=_cholesky_solve_case(),
           domain=_factor_domain, torch=lambda torch, b, f, upper: torch.cholesky_solve(b, f, upper)),
    OpSpec("cholesky_inverse", ag.cholesky_inverse, _np_cholesky_inverse, _square(), domain=_first(_lower_factor),
           torch=lambda torch, f: torch.cholesky_inverse(f)),
    OpSpec("matrix_exp", ag.linalg.matrix_exp, _np_expm, _square(), torch=lambda torch, a: torch.linalg.matrix_exp(a)),
    OpSpec("torch_matrix_exp", ag.matrix_exp, _np_expm, _square(), torch=lambda torch, a: torch.matrix_exp(a)),
    OpSpec("householder_product", ag.linalg.householder_product, _np_householder, case=_householder_case(),
           domain=lambda arrays, kwargs: (arrays[0], 2.0 / (1.0 + arrays[1] ** 2)),
           torch=lambda torch, a, tau: torch.linalg.householder_product(a, tau)),
    OpSpec("lstsq", lambda a, b: ag.linalg.lstsq(a, b).solution, _np_lstsq, case=_lstsq_case(),
           domain=lambda arrays, kwargs: (_separated(arrays[0]), arrays[1]),
           torch=lambda torch, a, b: torch.linalg.lstsq(a, b).solution),
    # (atol below every singular value: the gradient of a pinv that drops some is PyTorch's constant-rank
    # formula, not the derivative; compared with PyTorch in test_pinv_atol_and_rtol_as_pytorch)
    OpSpec("pinv_atol", lambda a: ag.linalg.pinv(a, atol=1.0), lambda a: np.linalg.pinv(
        a, rcond=np.maximum(0.0, 1.0 / np.linalg.svd(a, compute_uv=False)[..., 0])), _matrix(), domain=SEPARATED,
        torch=lambda torch, a: torch.linalg.pinv(a, atol=1.0)),
    OpSpec("matrix_rank", lambda x, y: ag.linalg.matrix_rank(x @ y), lambda x, y: np.linalg.matrix_rank(x @ y),
           case=_rank_case(), diff=(), torch=lambda torch, x, y: torch.linalg.matrix_rank(x @ y)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

test_vs_torch = make_torch_test_if_installed(SPECS)


def _t(a, device="cpu", requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- PyTorch's behaviours
def test_repeated_singular_values_give_nan_vector_gradients_but_finite_value_gradients():
    torch = pytest.importorskip("torch")
    for use_vectors in (True, False):
        A, TA = _t(np.eye(3)), torch.eye(3, dtype=torch.float64, requires_grad=True)
        U, S, Vh = ag.linalg.svd(A)
        TU, TS, TVh = torch.linalg.svd(TA)
        (U @ Vh if use_vectors else S).sum().backward()
        (TU @ TVh if use_vectors else TS).sum().backward()
        np.testing.assert_array_equal(np.isnan(to_host(A.grad)), np.isnan(TA.grad.numpy()))
        assert np.isnan(to_host(A.grad)).all() == use_vectors
        if not use_vectors:
            np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy())


def test_a_loss_depending_on_the_signs_gets_the_gradient_of_the_signs_returned_as_pytorch():
    """Real inputs: PyTorch does not check gauge invariance (that is for complex phases); U.sum()
    differentiates the signs LAPACK chose, here the same as PyTorch's."""
    torch = pytest.importorskip("torch")
    a = _separated(np.random.default_rng(3).standard_normal((4, 3)))
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    ag.linalg.svd(A, full_matrices=False).U.sum().backward()
    torch.linalg.svd(TA, full_matrices=False).U.sum().backward()
    sign = np.sign((to_host(ag.linalg.svd(A).U) * torch.linalg.svd(TA).U.detach().numpy()).sum(0))
    if (sign > 0).all():  # the same signs: the same gradient
        np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_full_matrices_gradient_ignores_the_extra_singular_vectors_as_pytorch():
    torch = pytest.importorskip("torch")
    a = _separated(np.random.default_rng(4).standard_normal((2, 5, 3)))
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    U, S, Vh = ag.linalg.svd(A)
    TU, TS, TVh = torch.linalg.svd(TA)
    assert U.shape == (2, 5, 5) and Vh.shape == (2, 3, 3)
    # (U * U).sum() over all columns: the extra columns' part is ignored (their sum of squares is fixed anyway)
    ((U[..., :3] * U[..., :3] * 2.0).sum() + (U * U).sum() + S.sum()).backward()
    ((TU[..., :3] * TU[..., :3] * 2.0).sum() + (TU * TU).sum() + TS.sum()).backward()
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_qr_modes_and_their_differentiability_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((2, 4, 3))
    r = ag.linalg.qr(_t(a), mode="r")
    tr = torch.linalg.qr(torch.tensor(a), mode="r")
    assert r.Q.shape == tuple(tr.Q.shape) == (0,)
    np.testing.assert_allclose(np.abs(to_host(r.R)), np.abs(tr.R.numpy()), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        r.R.sum().backward()
    Q, R = ag.linalg.qr(_t(a), mode="complete")
    assert Q.shape == (2, 4, 4) and R.shape == (2, 4, 3)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        Q.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        torch.linalg.qr(torch.tensor(a, requires_grad=True), mode="complete").Q.sum().backward()


def test_result_types_are_named_tuples_with_pytorchs_fields():
    A = _t(_separated(np.random.default_rng(0).standard_normal((3, 3))))
    assert ag.linalg.svd(A)._fields == ("U", "S", "Vh")
    assert ag.svd(A)._fields == ("U", "S", "V")
    assert ag.linalg.eigh(A)._fields == ("eigenvalues", "eigenvectors")
    assert ag.linalg.qr(A)._fields == ag.qr(A)._fields == ("Q", "R")
    assert ag.linalg.lstsq(A, A)._fields == ("solution", "residuals", "rank", "singular_values")
    assert ag.geqrf(A)._fields == ("a", "tau")


def test_torch_svd_without_uv_returns_zero_matrices_and_differentiable_values():
    torch = pytest.importorskip("torch")
    a = _separated(np.random.default_rng(6).standard_normal((4, 3)))
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    U, S, V = ag.svd(A, compute_uv=False)
    TU, TS, TV = torch.svd(TA, compute_uv=False)
    assert U.shape == tuple(TU.shape) == (4, 4) and V.shape == tuple(TV.shape) == (3, 3)
    assert not to_host(U).any() and not to_host(V).any() and not U.requires_grad
    S.sum().backward()
    TS.sum().backward()
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    U, S, V = ag.svd(A, some=False)
    assert U.shape == (4, 4) and V.shape == (3, 3)


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((2, 3, 5), (2, 3, 2)), ((5, 3), (5,)), ((2, 4, 3), (1, 4, 2))])
def test_lstsq_fields_follow_the_driver_as_pytorch(driver, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    ours = ag.linalg.lstsq(_t(a, requires_grad=False), _t(b, requires_grad=False), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for name, o, t in zip(ours._fields, ours, theirs):
        assert o.shape == tuple(t.shape), name
        assert str(o.dtype) == str(t.numpy().dtype), name
        np.testing.assert_allclose(to_host(o), t.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_lstsq_of_a_rank_deficient_matrix_is_the_minimum_norm_solution():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = np.array([[1.0], [2.0], [2.0]])
    ours = ag.linalg.lstsq(_t(a), _t(b), driver="gelsd")
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    np.testing.assert_allclose(to_host(ours.solution), theirs.solution.numpy(), rtol=1e-10)
    assert ours.rank.item() == theirs.rank.item() == 1
    assert ours.residuals.shape == tuple(theirs.residuals.shape) == (0,)


@pytest.mark.parametrize("kwargs", [{}, {"atol": 1.0}, {"rtol": 0.3}, {"atol": 0.5, "rtol": 0.4}, {"hermitian": True}])
def test_matrix_rank_tolerances_as_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    s = np.array([[3.0, 1.2, 0.6, 1e-17], [2.0, 2.0, 0.2, 0.0]])
    q = _rotation(4)
    a = q @ (s[:, :, None] * np.eye(4)) @ q.T  # symmetric, with those eigenvalues
    ours = ag.linalg.matrix_rank(_t(a, requires_grad=False), **kwargs)
    theirs = torch.linalg.matrix_rank(torch.tensor(a), **kwargs)
    assert ours.dtype == ag.int64 and ours.tolist() == theirs.tolist()


def test_pinv_atol_and_rtol_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(8).standard_normal((2, 4, 3))
    for kwargs in ({"atol": 0.5}, {"atol": 0.5, "rtol": 0.4}, {"rtol": 0.5}, {}):
        A, TA = _t(a), torch.tensor(a, requires_grad=True)
        ours, theirs = ag.linalg.pinv(A, **kwargs), torch.linalg.pinv(TA, **kwargs)
        np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cond_of_square_matrices_as_pytorch():
    """Forward for every order; the gradient where PyTorch's backward runs ('nuc'): for 'fro', 1 and
    inf it fails inside PyTorch (an in-place write to a saved inverse), and gradcheck covers ours."""
    torch = pytest.importorskip("torch")
    a = _separated(np.random.default_rng(12).standard_normal((2, 3, 3)))
    for p in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        A, TA = _t(a), torch.tensor(a, requires_grad=True)
        ours, theirs = ag.linalg.cond(A, p), torch.linalg.cond(TA, p)
        np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), rtol=1e-10)
        if p == "nuc":
            ours.sum().backward()
            theirs.sum().backward()
            np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    for shape in [(0, 2, 2), (2, 0, 0), (2, 0, 3)]:
        for p in (None, "fro") if shape[-1] == shape[-2] else (None,):
            ours, theirs = ag.linalg.cond(_t(np.zeros(shape)), p), torch.linalg.cond(torch.zeros(shape), p)
            assert ours.shape == tuple(theirs.shape) and not ours.requires_grad and not to_host(ours).any()


def test_matrix_exp_of_large_matrices_as_pytorch():
    """Norms up to ~30: many squarings, each matrix of a batch with its own count."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(13).standard_normal((3, 4, 4)) * np.array([0.01, 1.0, 6.0])[:, None, None]
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    ours, theirs = ag.linalg.matrix_exp(A), torch.linalg.matrix_exp(TA)
    np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(14).standard_normal(a.shape)
    ours.backward(ag.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cond_of_singular_matrices_as_pytorch():
    torch = pytest.importorskip("torch")
    z = np.zeros((3, 3))
    for p in (None, 2, -2, 1, "fro", math.inf):
        ours = ag.linalg.cond(_t(z, requires_grad=False), p).item()
        theirs = torch.linalg.cond(torch.tensor(z), p).item()
        assert (np.isnan(ours) and np.isnan(theirs)) or ours == theirs, p


@pytest.mark.parametrize("device", DEVICES)
def test_svd_norms_over_other_dims_and_with_keepdim(device):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(9).standard_normal((3, 2, 4))
    for ord_ in ("nuc", 2, -2):
        for dim in ((0, 2), (2, 0), (-1, -3)):
            for keepdim in (False, True):
                ours = ag.linalg.matrix_norm(_t(a, device), ord_, dim, keepdim)
                theirs = torch.linalg.matrix_norm(torch.tensor(a), ord_, dim, keepdim)
                np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-10)
                ours2 = ag.linalg.norm(_t(a, device), ord_, dim, keepdim)
                np.testing.assert_allclose(to_host(ours2), theirs.numpy(), rtol=1e-10)
        np.testing.assert_allclose(ag.linalg.norm(_t(a[0], device), ord_).item(),
                                   torch.linalg.norm(torch.tensor(a[0]), ord_).item(), rtol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
def test_empty_inputs_have_pytorchs_shapes(device):
    torch = pytest.importorskip("torch")
    for shape in [(0, 3), (3, 0), (2, 0, 0), (0, 2, 2)]:
        a = np.zeros(shape)
        A, TA = _t(a, device), torch.tensor(a)
        for full in (True, False):
            for o, t in zip(ag.linalg.svd(A, full_matrices=full), torch.linalg.svd(TA, full_matrices=full)):
                assert o.shape == tuple(t.shape)
        assert ag.linalg.svdvals(A).shape == tuple(torch.linalg.svdvals(TA).shape)
        assert ag.linalg.matrix_norm(A, "nuc").shape == tuple(torch.linalg.matrix_norm(TA, "nuc").shape)
        for mode in ("reduced", "complete", "r"):
            for o, t in zip(ag.linalg.qr(A, mode), torch.linalg.qr(TA, mode)):
                assert o.shape == tuple(t.shape), (shape, mode)
        if shape[-1] == shape[-2]:
            for o, t in zip(ag.linalg.eigh(A), torch.linalg.eigh(TA)):
                assert o.shape == tuple(t.shape)
            assert ag.linalg.cholesky(A).shape == tuple(torch.linalg.cholesky(TA).shape)
            assert ag.linalg.matrix_exp(A).shape == tuple(torch.linalg.matrix_exp(TA).shape)
            ag.linalg.svdvals(A).sum().backward()
            assert A.grad.shape == shape


@pytest.mark.parametrize("device", DEVICES)
def test_tensor_methods(device):
    a = _positive_definite(np.random.default_rng(10).standard_normal((3, 3)))
    A = _t(a, device, requires_grad=False)
    L = A.cholesky()
    np.testing.assert_allclose(to_host(L), np.linalg.cholesky(a), rtol=1e-10)
    np.testing.assert_allclose(to_host(L.cholesky_inverse()), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(A.cholesky_solve(L)), np.eye(3) @ np.linalg.solve(a, a), atol=1e-12)
    U, S, V = A.svd()
    np.testing.assert_allclose(to_host(U * S.unsqueeze(-2) @ V.mT), a, rtol=1e-10)
    Q, R = A.qr()
    np.testing.assert_allclose(to_host(Q @ R), a, rtol=1e-10)
    np.testing.assert_allclose(to_host(A.matrix_exp()), _np_expm(a), rtol=1e-10)
    h, tau = A.geqrf()
    np.testing.assert_allclose(to_host(ag.linalg.householder_product(h, tau) @ h.triu()), a, rtol=1e-10, atol=1e-12)


def test_geqrf_matches_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(11).standard_normal((2, 5, 3))
    ours, theirs = ag.geqrf(_t(a)), torch.geqrf(torch.tensor(a))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(o), t.numpy(), rtol=1e-10, atol=1e-12)
    assert not ours.a.requires_grad


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("device", ["cpu", DEVICES[1]])  # CuPy does not raise: see the module docstring
def test_cholesky_of_a_matrix_that_is_not_positive_definite_raises_pytorchs_error(device):
    torch = pytest.importorskip("torch")
    a = np.diag([2.0, 1.0, -1.0])
    for call, data in [(lambda L: L.linalg.cholesky, a), (lambda L: L.linalg.cholesky, np.stack([np.eye(3), a])),
                       (lambda L: L.cholesky, a)]:
        with pytest.raises(torch.linalg.LinAlgError) as theirs:
            call(torch)(torch.tensor(data))
        with pytest.raises(ag.linalg.LinAlgError) as ours:
            call(ag)(_t(data, device))
        assert str(ours.value) == str(theirs.value)
    assert issubclass(ag.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda L: L.linalg.svd(L.ones(3)), r"linalg\.svd: The input tensor A must have at least 2 dimensions"),
        (lambda L: L.linalg.svdvals(L.ones(3, 3, dtype=L.int64)), r"linalg\.svdvals: Expected a floating point"),
        (lambda L: L.linalg.eigh(L.ones(2, 3)), r"linalg\.eigh: A must be batches of square matrices.*2 by 3"),
        (lambda L: L.linalg.eigvalsh(L.ones(3)), r"linalg\.eigvalsh: .*at least 2 dimensions"),
        (lambda L: L.linalg.eigh(L.eye(3), UPLO="X"), r"Expected UPLO argument to be 'L' or 'U', but got X"),
        (lambda L: L.linalg.qr(L.ones(3, 2), mode="bad"), r"qr received unrecognized mode 'bad'"),
        (lambda L: L.linalg.cholesky(L.ones(2, 3)), r"linalg\.cholesky: A must be batches of square matrices"),
        (lambda L: L.linalg.matrix_exp(L.ones(2, 3)), r"linalg\.matrix_exp: A must be batches of square"),
        (lambda L: L.linalg.householder_product(L.ones(2, 3), L.ones(2)),
         r"householder_product: input.shape\[-2\] must be greater than or equal to input.shape\[-1\]"),
        (lambda L: L.linalg.householder_product(L.ones(3, 2), L.ones(3)),
         r"householder_product: input.shape\[-1\] must be greater than or equal to tau.shape\[-1\]"),
        (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(4, 1)), r"lstsq: input.size\(-2\) should match other.size\(-2\)"),
        (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(3, 1), driver="foo"), r"lstsq: parameter `driver` should be one of"),
        (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(2, 3, 1)), r"lstsq: input.dim\(\) must be greater or equal"),
        (lambda L: L.cholesky_solve(L.ones(3, 2), L.ones(2, 3)), r"must be batches of square matrices"),
        (lambda L: L.linalg.cond(L.ones(3, 2), "fro"), r"linalg\.cond\(ord=fro\): A must be batches of square"),
        (lambda L: L.linalg.matrix_norm(L.ones(3, 2), 3), r"matrix_norm: .*order 3"),
    ],
    ids=["svd_1d", "svdvals_int", "eigh_nonsquare", "eigvalsh_1d", "uplo", "qr_mode", "cholesky_nonsquare",
         "matrix_exp_nonsquare", "householder_wide", "householder_tau", "lstsq_rows", "lstsq_driver", "lstsq_dims",
         "cholesky_solve_factor", "cond_nonsquare", "matrix_norm_order"],
)
def test_errors_name_the_op_and_match_pytorch_raising(call, match):
    with pytest.raises(RuntimeError, match=match):
        call(ag)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        call(torch)


def test_cholesky_error_names_the_batch_element_and_minor():
    a = np.stack([np.eye(3), np.eye(3), np.diag([1.0, 1.0, 0.0])])
    with pytest.raises(ag.linalg.LinAlgError, match=re.escape("(Batch element 2): ") + ".*order 3"):
        ag.linalg.cholesky(_t(a))
