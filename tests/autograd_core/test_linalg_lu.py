"""LU (autograd_core/ops/lu.py): linalg.lu_factor / lu_factor_ex / lu / lu_solve, lu_unpack, the
older lu / lu_solve and Tensor.lu / .lu_solve, and solve_ex / inv_ex.  Forward against a textbook
NumPy LU, gradients and double backward on cpu and the strict device, and pivots, factors and
gradients against PyTorch (LAPACK) in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import lu as lu_module
from tests.helpers import strategies as S
from tests.helpers.op_factory import OpSpec, make_tests, make_torch_test_if_installed, to_host
from tests.helpers.strict_backend import DEVICE

SIDE = st.integers(0, 4)
BATCH = S.shapes(min_dims=0, max_dims=2, max_side=3)


def _t(a, device="cpu", requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- a textbook reference
def _np_lu_one(a):
    """Doolittle elimination with partial pivoting on one matrix, row by row (the reference)."""
    a = a.astype(np.float64).copy()
    m, n = a.shape
    k = min(m, n)
    piv = np.zeros(k, dtype=np.int64)
    for j in range(k):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        piv[j] = p + 1
        a[[j, p]] = a[[p, j]]
        if a[j, j] != 0:
            for i in range(j + 1, m):
                a[i, j] /= a[j, j]
                a[i, j + 1 :] -= a[i, j] * a[j, j + 1 :]
    return a, piv


def _np_lu(a):
    *batch, m, n = a.shape
    flat = a.reshape((int(np.prod(batch, dtype=np.int64)), m, n))
    k = min(m, n)
    if flat.shape[0] == 0:
        return a.copy(), np.zeros(tuple(batch) + (k,), dtype=np.int64)
    out = [_np_lu_one(x) for x in flat]
    lu = np.array([o[0] for o in out]).reshape(a.shape)
    piv = np.array([o[1] for o in out], dtype=np.int64).reshape(tuple(batch) + (k,))
    return lu, piv


def _np_unpack(lu, piv):
    *batch, m, n = lu.shape
    k = min(m, n)
    L = np.tril(lu, -1)[..., :, :k] + np.eye(m, k)
    U = np.triu(lu)[..., :k, :]
    P = np.zeros(tuple(batch) + (m, m))
    for idx in np.ndindex(*batch):
        perm = list(range(m))
        for i, p in enumerate(piv[idx]):
            perm[i], perm[p - 1] = perm[p - 1], perm[i]
        for r, row in enumerate(perm):
            P[idx + (row, r)] = 1.0
    return P, L, U


def _pivoted(a: np.ndarray) -> np.ndarray:
    """Small entries plus one dominant entry per column j, in row m-1-j (a different row for each
    column): the pivots are row swaps, chosen by a wide margin (stable under finite-difference
    steps), the multipliers are small and the factors well conditioned."""
    m, n = a.shape[-2:]
    out = a * 0.2
    for j in range(min(m, n)):
        out[..., m - 1 - j, j] += np.where(a[..., 0, 0] < 0, -3.0, 3.0)
    return out


def _pivoted_first(arrays, kwargs):
    return (_pivoted(arrays[0]),) + tuple(arrays[1:])


# ---------------------------------------------------------------------------- cases
@st.composite
def _matrix(draw):
    return (draw(BATCH) + (draw(SIDE), draw(SIDE)),)


@st.composite
def _lu_solve_case(draw):
    n, k = draw(SIDE), draw(st.integers(0, 3))
    left = draw(st.booleans())
    ba, bb = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    rhs = (n, k) if left else (k, n)
    return (ba + (n, n), bb + rhs), {"left": left, "adjoint": draw(st.booleans())}


def _solve_ref(a, b, left=True, adjoint=False):
    if adjoint:
        a = np.swapaxes(a, -1, -2)
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    x = np.zeros(b.shape) if a.shape[-1] == 0 or b.size == 0 else np.linalg.solve(a, b)
    return x if left else np.swapaxes(x, -1, -2)


def _fixed_pivots(n: int, batch: tuple) -> np.ndarray:
    """Pivots of the reversed-rows kind (row j swapped with row n-1-j while j < n-1-j)."""
    piv = np.array([max(n - j, j + 1) for j in range(n)], dtype=np.int32)
    return np.broadcast_to(piv, batch + (n,)).copy()


def _lu_from_packed(lu):
    """The matrix A = P L U whose packed factors are ``lu`` with ``_fixed_pivots``."""
    n = lu.shape[-1]
    P, L, U = _np_unpack(lu, _fixed_pivots(n, lu.shape[:-2]).astype(np.int64))
    return P @ L @ U


def _packed_well(arrays, kwargs):
    lu, b = arrays
    n = lu.shape[-1]
    return lu / (2 * np.sqrt(max(n, 1))) + 2 * np.eye(n), b


def _lu_solve_packed(lu, b, **kw):
    """linalg.lu_solve with ``lu`` itself as the differentiable input (fixed pivots)."""
    pivots = ag.tensor(_fixed_pivots(lu.shape[-1], tuple(lu.shape[:-2])), device=lu.device)
    return ag.linalg.lu_solve(lu, pivots, b, **kw)


def _torch_lu_solve_packed(torch, lu, b, **kw):
    pivots = torch.from_numpy(_fixed_pivots(lu.shape[-1], tuple(lu.shape[:-2])))
    return torch.linalg.lu_solve(lu, pivots, b, **kw)


@st.composite
def _old_lu_solve_case(draw):
    n, k = draw(SIDE), draw(st.integers(0, 3))
    return (draw(BATCH) + (n, k), (n, n)), {}


@st.composite
def _solve_ex_case(draw):
    n = draw(SIDE)
    batch = draw(BATCH)
    if draw(st.booleans()):
        return (batch + (n, n), batch + (n,)), {}
    return (batch + (n, n), batch + (n, draw(st.integers(0, 3)))), {}


def _np_solve_ex(a, b):
    vector = b.ndim == a.ndim - 1
    x = _solve_ref(a, b[..., None] if vector else b)
    return x[..., 0] if vector else x


def _np_inv(a):
    return np.zeros(a.shape) if a.size == 0 else np.linalg.inv(a)


SPECS = [
    OpSpec("lu_factor", lambda a: ag.linalg.lu_factor(a).LU, lambda a: _np_lu(a)[0], _matrix(), domain=_pivoted_first,
           torch=lambda torch, a: torch.linalg.lu_factor(a).LU),
    OpSpec("lu_factor_ex", lambda a: ag.linalg.lu_factor_ex(a).LU, lambda a: _np_lu(a)[0], _matrix(),
           domain=_pivoted_first, torch=lambda torch, a: torch.linalg.lu_factor_ex(a).LU),
    OpSpec("linalg_lu", lambda a: tuple(ag.linalg.lu(a))[1:], lambda a: _np_unpack(*_np_lu(a))[1:], _matrix(),
           domain=_pivoted_first, torch=lambda torch, a: tuple(torch.linalg.lu(a))[1:]),
    OpSpec("lu_method", lambda a: a.lu()[0], lambda a: _np_lu(a)[0], _matrix(), domain=_pivoted_first,
           torch=lambda torch, a: a.lu()[0]),
    OpSpec("lu_unpack", lambda a: tuple(ag.lu_unpack(*ag.linalg.lu_factor(a)))[1:],
           lambda a: _np_unpack(*_np_lu(a))[1:], _matrix(), domain=_pivoted_first,
           torch=lambda torch, a: tuple(torch.lu_unpack(*torch.linalg.lu_factor(a)))[1:]),
    OpSpec("lu_solve_through_factor", lambda a, b, **kw: ag.linalg.lu_solve(*ag.linalg.lu_factor(a), b, **kw),
           _solve_ref, case=_lu_solve_case(), domain=_pivoted_first,
           torch=lambda torch, a, b, **kw: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b, **kw)),
    OpSpec("lu_solve_packed", _lu_solve_packed, lambda lu, b, **kw: _solve_ref(_lu_from_packed(lu), b, **kw),
           case=_lu_solve_case(), domain=_packed_well, torch=_torch_lu_solve_packed),
    OpSpec("torch_lu_solve", lambda b, a: ag.lu_solve(b, *ag.lu(a)), lambda b, a: _solve_ref(a, b),
           case=_old_lu_solve_case(), domain=lambda arrays, kw: (arrays[0], _pivoted(arrays[1])),
           torch=lambda torch, b, a: torch.lu_solve(b, *torch.linalg.lu_factor(a))),
    OpSpec("lu_solve_method", lambda b, a: b.lu_solve(*a.lu()), lambda b, a: _solve_ref(a, b),
           case=_old_lu_solve_case(), domain=lambda arrays, kw: (arrays[0], _pivoted(arrays[1])),
           torch=lambda torch, b, a: b.lu_solve(*a.lu())),
    OpSpec("solve_ex", lambda a, b: ag.linalg.solve_ex(a, b).result, _np_solve_ex, case=_solve_ex_case(),
           domain=_pivoted_first, torch=lambda torch, a, b: torch.linalg.solve_ex(a, b).result),
    OpSpec("inv_ex", lambda a: ag.linalg.inv_ex(a).inverse, _np_inv,
           st.tuples(SIDE, BATCH).map(lambda nb: (nb[1] + (nb[0], nb[0]),)), domain=_pivoted_first,
           torch=lambda torch, a: torch.linalg.inv_ex(a).inverse),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

test_vs_torch = make_torch_test_if_installed(SPECS)


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    """PyTorch warns that torch.lu / lu_solve are deprecated; the comparison is what is tested."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# ---------------------------------------------------------------------------- against LAPACK
@pytest.mark.parametrize("shape", [(5, 5), (3, 4, 4), (2, 6, 3), (2, 3, 6), (70, 70), (2, 40, 75), (80, 45)])
def test_pivots_factors_and_gradients_match_pytorch_on_random_inputs(shape):
    """Random normal inputs (no ties): identical pivots, factors and gradients to LAPACK's; the
    larger shapes go through several panels of the blocked factorisation."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape)
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    LU, pivots = ag.linalg.lu_factor(A)
    TLU, tpivots = torch.linalg.lu_factor(TA)
    assert pivots.dtype == ag.int32 and pivots.shape == tuple(tpivots.shape)
    np.testing.assert_array_equal(to_host(pivots), tpivots.numpy())
    np.testing.assert_allclose(to_host(LU), TLU.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(LU.shape)
    LU.backward(ag.tensor(g))
    TLU.backward(torch.from_numpy(g))
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (5, 3)])
def test_linalg_lu_p_l_u_and_their_gradients_match_pytorch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape)
    A, TA = _t(a), torch.tensor(a, requires_grad=True)
    ours, theirs = ag.linalg.lu(A), torch.linalg.lu(TA)
    assert type(ours).__name__ == "linalg_lu"
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(o), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(ours.P @ ours.L @ ours.U), a, rtol=1e-12, atol=1e-12)
    gL, gU = rng.standard_normal(ours.L.shape), rng.standard_normal(ours.U.shape)
    ag.autograd.backward([ours.L, ours.U], [ag.tensor(gL), ag.tensor(gU)])
    torch.autograd.backward([theirs.L, theirs.U], [torch.from_numpy(gL), torch.from_numpy(gU)])
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-9, atol=1e-11)
    assert not ours.P.requires_grad


def test_lu_runs_the_same_on_the_strict_device():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 40, 37))
    LU, pivots = ag.linalg.lu_factor(ag.tensor(a))
    sLU, spivots = ag.linalg.lu_factor(ag.tensor(a, device=DEVICE))
    assert type(sLU._data).__name__ == "StrictArray" and spivots.dtype == ag.int32
    np.testing.assert_array_equal(to_host(spivots), to_host(pivots))
    np.testing.assert_allclose(to_host(sLU), to_host(LU), rtol=1e-14, atol=1e-14)
    P, _, _ = ag.lu_unpack(sLU, spivots)
    np.testing.assert_array_equal(to_host(P), to_host(ag.lu_unpack(LU, pivots).P))


# ---------------------------------------------------------------------------- singular inputs
def test_singular_matrix_lu_factor_raises_ex_reports_lu_does_not_raise():
    torch = pytest.importorskip("torch")
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    batch = np.stack([np.eye(2), s])
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: \(Batch element 1\): U\[2,2\] is zero"):
        ag.linalg.lu_factor(ag.tensor(batch))
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: U\[2,2\] is zero and using it on lu_solve"):
        ag.linalg.lu_factor(ag.tensor(s))
    LU, pivots, info = ag.linalg.lu_factor_ex(ag.tensor(s))
    tLU, tpivots, tinfo = torch.linalg.lu_factor_ex(torch.tensor(s))
    np.testing.assert_array_equal(to_host(LU), tLU.numpy())
    np.testing.assert_array_equal(to_host(pivots), tpivots.numpy())
    assert info.dtype == ag.int32 and info.item() == tinfo.item() == 2
    with pytest.raises(RuntimeError, match="lu_factor_ex: U\\[2,2\\] is zero"):
        ag.linalg.lu_factor_ex(ag.tensor(s), check_errors=True)
    zeros = ag.linalg.lu_factor_ex(ag.zeros(3, 3))
    assert zeros.info.item() == 1 and zeros.pivots.tolist() == [1, 2, 3]
    P, L, U = ag.linalg.lu(ag.tensor(s))  # no error, as PyTorch
    np.testing.assert_array_equal(to_host(U), [[2.0, 4.0], [0.0, 0.0]])
    LU, pivots, infos = ag.lu(ag.tensor(batch), get_infos=True)
    assert type(ag.lu(ag.tensor(batch), get_infos=True)).__name__ == "_lu_with_info"
    assert infos.tolist() == [0, 2] and type(ag.lu(ag.tensor(s))) is tuple


def test_solve_ex_and_inv_ex_on_singular_matrices_as_pytorch():
    torch = pytest.importorskip("torch")
    batch = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
    got = ag.linalg.solve_ex(ag.tensor(batch), ag.ones(2, 2, dtype=ag.float64))
    expected = torch.linalg.solve_ex(torch.tensor(batch), torch.ones(2, 2, dtype=torch.float64))
    np.testing.assert_array_equal(to_host(got.info), expected.info.numpy())
    np.testing.assert_array_equal(to_host(got.result)[1], expected.result.numpy()[1])
    assert not np.isfinite(to_host(got.result)[0]).all()
    inv = ag.linalg.inv_ex(ag.tensor(batch))
    np.testing.assert_array_equal(to_host(inv.info), [2, 0])
    np.testing.assert_array_equal(to_host(inv.inverse), torch.linalg.inv_ex(torch.tensor(batch)).inverse.numpy())
    with pytest.raises(ag.linalg.LinAlgError, match=r"torch.linalg.solve_ex: \(Batch element 0\): The solver failed"):
        ag.linalg.solve_ex(ag.tensor(batch), ag.ones(2, 2, dtype=ag.float64), check_errors=True)
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.inv_ex: \(Batch element 0\): The diagonal element 2 is zero"):
        ag.linalg.inv_ex(ag.tensor(batch), check_errors=True)


def test_lu_factor_of_empty_inputs_as_pytorch():
    LU, pivots = ag.linalg.lu_factor(ag.zeros(2, 0, 3))
    assert LU.shape == (2, 0, 3) and pivots.shape == (2, 0) and pivots.dtype == ag.int32
    P, L, U = ag.linalg.lu(ag.zeros(2, 0, 3))
    assert P.shape == (2, 0, 0) and L.shape == (2, 0, 0) and U.shape == (2, 0, 3)
    assert ag.linalg.lu_factor(ag.zeros(0, 3, 3)).pivots.shape == (0, 3)


def test_lu_without_pivoting_factors_in_place_order():
    a = np.array([[2.0, 1.0], [4.0, 3.0]])
    LU, pivots = ag.linalg.lu_factor(ag.tensor(a), pivot=False)
    assert pivots.tolist() == [1, 2]
    np.testing.assert_allclose(to_host(LU), [[2.0, 1.0], [2.0, 1.0]])
    P, L, U = ag.linalg.lu(ag.tensor(a), pivot=False)
    assert P.shape == (0,)
    np.testing.assert_allclose(to_host(L @ U), a)
    A = _t(a)
    ag.linalg.lu_factor(A, pivot=False).LU.sum().backward()  # a gradient, and the right one:
    assert ag.gradcheck(lambda x: ag.linalg.lu_factor(x, pivot=False).LU, (_t(a),))


# ---------------------------------------------------------------------------- lu_unpack, lu_solve
def test_lu_unpack_flags_and_errors_as_pytorch():
    LU, pivots = ag.linalg.lu_factor(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    P, L, U = ag.lu_unpack(LU, pivots, unpack_data=False)
    assert L.shape == U.shape == (0,) and P.shape == (2, 2)
    P, L, U = ag.lu_unpack(LU, pivots, unpack_pivots=False)
    assert P.shape == (0,) and L.shape == (2, 2)
    with pytest.raises(RuntimeError, match="LU_pivots is expected to be a contiguous tensor of torch.int32 dtype"):
        ag.lu_unpack(LU, pivots.long())
    with pytest.raises(RuntimeError, match="pivots passed to lu_unpack must be between 1 and LU.size\\(-2\\)"):
        ag.lu_unpack(LU, pivots + 10)
    with pytest.raises(RuntimeError, match="expected LU_pivots of shape"):
        ag.lu_unpack(LU, pivots[:1])


def test_lu_solve_errors_as_pytorch():
    LU, pivots = ag.linalg.lu_factor(ag.eye(4, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="linalg.lu_solve: The input tensor B must have at least 2 dimensions"):
        ag.linalg.lu_solve(LU, pivots, ag.ones(4, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="Expected LU and B to have the same dtype"):
        ag.linalg.lu_solve(LU, pivots, ag.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(4x4 and 5x2\)"):
        ag.linalg.lu_solve(LU, pivots, ag.ones(5, 2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="LU must be batches of square matrices, but they are 3 by 4"):
        ag.linalg.lu_solve(LU[:3], pivots[:3], ag.ones(3, 2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="expected pivots to be an int32 tensor"):
        ag.linalg.lu_solve(LU, pivots.long(), ag.ones(4, 2, dtype=ag.float64))


def test_lu_factor_errors():
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: Expected tensor with 2 or more dimensions. Got size: \[3\]"):
        ag.linalg.lu_factor(ag.ones(3))
    with pytest.raises(RuntimeError, match="expected a floating point tensor as A, got int64"):
        ag.linalg.lu_factor(ag.tensor([[1, 2], [3, 4]]))
    with pytest.raises(TypeError, match="expected a Tensor"):
        ag.linalg.lu_factor([[1.0]])


def test_permutation_reproduces_lapack_swaps():
    pivots = np.array([[3, 3, 3], [1, 2, 3], [2, 3, 3]], dtype=np.int32)
    P = lu_module._permutation_array(np, pivots, 3, np.float64)
    expected, _, _ = _np_unpack(np.zeros((3, 3, 3)), pivots.astype(np.int64))
    np.testing.assert_array_equal(P, expected)
