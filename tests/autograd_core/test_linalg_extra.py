"""linalg.solve_triangular / triangular_solve (autograd_core/ops/triangular.py), and the linalg
functions composed in autograd_core/linalg.py: multi_dot, vecdot, vander, diagonal, matmul,
tensorinv, tensorsolve, cholesky_ex.  Forward against NumPy, gradients, double backward (cpu and
the strict device), and against PyTorch in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import triangular
from tests.helpers import strategies as S
from tests.helpers.op_factory import OpSpec, make_tests, make_torch_test_if_installed, to_host
from tests.helpers.strict_backend import DEVICE

SIDE = st.integers(0, 4)
BATCH = S.shapes(min_dims=0, max_dims=2, max_side=3)


def _t(a, device="cpu", requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- references
def _triangle(a, upper, unitriangular):
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t * (1 - np.eye(n)) + np.eye(n)
    return t


def _np_solve(a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if a.shape[-1] == 0 or b.size == 0:
        return np.zeros(b.shape)
    return np.linalg.solve(a, b)


def _solve_triangular_ref(a, b, *, upper, left=True, unitriangular=False):
    t = _triangle(a, upper, unitriangular)
    if left:
        return _np_solve(t, b)
    return np.swapaxes(_np_solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _triangular_solve_ref(b, a, upper=True, transpose=False, unitriangular=False):
    t = _triangle(a, upper, unitriangular)
    if transpose:
        t = np.swapaxes(t, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return _np_solve(t, b), np.broadcast_to(a, batch + a.shape[-2:]).copy()


def _dominant(a: np.ndarray) -> np.ndarray:
    """Well-conditioned triangles: small off-diagonal entries and a diagonal of +-2 (about half
    negative); the other triangle keeps its random values (the solves must not read them)."""
    n = a.shape[-1]
    if n == 0:
        return a
    sign = np.where(a[..., :, :1] < 0, -1.0, 1.0)  # (..., n, 1): a sign per row
    return a / (2 * np.sqrt(n)) + 2 * np.eye(n) * sign


# ---------------------------------------------------------------------------- cases
@st.composite
def _solve_triangular_case(draw):
    n, k = draw(SIDE), draw(st.integers(0, 3))
    left = draw(st.booleans())
    ba, bb = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    rhs = (n, k) if left else (k, n)
    kwargs = {"upper": draw(st.booleans()), "left": left, "unitriangular": draw(st.booleans())}
    return (ba + (n, n), bb + rhs), kwargs


@st.composite
def _triangular_solve_case(draw):
    n, k = draw(SIDE), draw(st.integers(0, 3))
    bb, ba = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    kwargs = {"upper": draw(st.booleans()), "transpose": draw(st.booleans()), "unitriangular": draw(st.booleans())}
    return (bb + (n, k), ba + (n, n)), kwargs


def _dominant_first(arrays, kwargs):
    return (_dominant(arrays[0]),) + tuple(arrays[1:])


def _dominant_second(arrays, kwargs):
    return (arrays[0], _dominant(arrays[1]))


@st.composite
def _multi_dot_case(draw):
    count = draw(st.integers(2, 4))
    sides = [draw(st.integers(1, 4)) for _ in range(count + 1)]
    shapes = [(sides[i], sides[i + 1]) for i in range(count)]
    if draw(st.booleans()):
        shapes[0] = (sides[1],)
    if draw(st.booleans()):
        shapes[-1] = (sides[-2],)
    if count == 2 and len(shapes[0]) == 1 and len(shapes[1]) == 1:
        shapes[1] = (sides[1],)
    return tuple(shapes), {}


def _multi_dot_ref(*arrays):
    return np.linalg.multi_dot(arrays)


@st.composite
def _vecdot_case(draw):
    sx, sy = draw(S.broadcastable_shapes(2, min_dims=1, max_dims=3))
    if len(sx) == len(sy) == 1 and sx != sy:  # two vectors do not broadcast (PyTorch's dot; tested below)
        sy = sx
    nd = max(len(sx), len(sy))
    return (sx, sy), {"dim": draw(st.integers(-nd, nd - 1))}


def _vecdot_ref(x, y, dim=-1):
    return (x * y).sum(axis=dim)


@st.composite
def _diagonal_case(draw):
    shape = draw(S.shapes(min_dims=2, max_dims=4))
    nd = len(shape)
    dim1 = draw(st.integers(-nd, nd - 1))
    dim2 = draw(st.integers(-nd, nd - 1).filter(lambda d: d % nd != dim1 % nd))
    return (shape,), {"offset": draw(st.integers(-3, 3)), "dim1": dim1, "dim2": dim2}


def _diagonal_ref(a, offset=0, dim1=-2, dim2=-1):
    return np.diagonal(a, offset, dim1, dim2).copy()


@st.composite
def _tensorinv_case(draw):
    n = draw(st.sampled_from([1, 2, 4, 6]))
    split = {1: [(1,)], 2: [(2,), (1, 2)], 4: [(4,), (2, 2)], 6: [(6,), (2, 3), (3, 2)]}[n]
    head, tail = draw(st.sampled_from(split)), draw(st.sampled_from(split))
    return (head + tail,), {"ind": len(head)}


def _square_view(a, ind):
    rows = int(np.prod(a.shape[:ind]))
    return a.reshape(rows, -1)


def _tensorinv_well(arrays, kwargs):
    a = arrays[0]
    m = _square_view(a, kwargs["ind"])
    n = m.shape[0]
    return ((m / (2 * np.sqrt(n)) + 2 * np.eye(n)).reshape(a.shape),)


def _tensorinv_ref(a, ind=2):
    return np.linalg.inv(_square_view(a, ind)).reshape(a.shape[ind:] + a.shape[:ind])


@st.composite
def _tensorsolve_case(draw):
    n = draw(st.sampled_from([1, 2, 4, 6]))
    split = {1: [(1,)], 2: [(2,), (1, 2)], 4: [(4,), (2, 2)], 6: [(6,), (2, 3), (3, 2)]}[n]
    head, tail = draw(st.sampled_from(split)), draw(st.sampled_from(split))
    return (head + tail, head), {}


def _tensorsolve_well(arrays, kwargs):
    a, b = arrays
    m = _square_view(a, b.ndim)
    n = m.shape[0]
    return (m / (2 * np.sqrt(n)) + 2 * np.eye(n)).reshape(a.shape), b


def _tensorsolve_ref(a, b):
    x = np.linalg.solve(_square_view(a, b.ndim), b.reshape(-1))
    return x.reshape(a.shape[b.ndim:])


def _spd(arrays, kwargs):
    a = arrays[0]
    n = a.shape[-1]
    e = a / (2 * np.sqrt(max(n, 1)))
    return (e @ np.swapaxes(e, -1, -2) + np.eye(n),)


@st.composite
def _square(draw):
    n = draw(SIDE)
    return (draw(BATCH) + (n, n),)


def _sym(a):
    """The symmetric part (Cholesky reads one triangle; its gradient is the symmetric one)."""
    return (a + np.swapaxes(a, -1, -2)) / 2 if isinstance(a, np.ndarray) else (a + a.mT) / 2


def _cholesky_ex_ref(a, upper=False):
    low = np.linalg.cholesky(_sym(a)) if a.size else np.zeros(a.shape)
    return np.swapaxes(low, -1, -2).copy() if upper else low


SPECS = [
    OpSpec("solve_triangular", ag.linalg.solve_triangular, _solve_triangular_ref, case=_solve_triangular_case(),
           domain=_dominant_first, torch=lambda torch, a, b, **kw: torch.linalg.solve_triangular(a, b, **kw)),
    OpSpec("triangular_solve", lambda b, a, **kw: tuple(ag.triangular_solve(b, a, **kw)), _triangular_solve_ref,
           case=_triangular_solve_case(), domain=_dominant_second,
           torch=lambda torch, b, a, **kw: tuple(torch.triangular_solve(b, a, **kw))),
    OpSpec("triangular_solve_method", lambda b, a, **kw: b.triangular_solve(a, **kw)[0],
           lambda b, a, **kw: _triangular_solve_ref(b, a, **kw)[0], case=_triangular_solve_case(),
           domain=_dominant_second, torch=lambda torch, b, a, **kw: b.triangular_solve(a, **kw)[0]),
    OpSpec("multi_dot", lambda *ts: ag.linalg.multi_dot(ts), _multi_dot_ref, case=_multi_dot_case(),
           torch=lambda torch, *ts: torch.linalg.multi_dot(ts)),
    OpSpec("vecdot", ag.linalg.vecdot, _vecdot_ref, case=_vecdot_case(),
           torch=lambda torch, x, y, **kw: torch.linalg.vecdot(x, y, **kw)),
    OpSpec("linalg_diagonal", ag.linalg.diagonal, _diagonal_ref, case=_diagonal_case(),
           torch=lambda torch, a, **kw: torch.linalg.diagonal(a, **kw)),
    OpSpec("tensorinv", ag.linalg.tensorinv, _tensorinv_ref, case=_tensorinv_case(), domain=_tensorinv_well,
           torch=lambda torch, a, **kw: torch.linalg.tensorinv(a, **kw)),
    OpSpec("tensorsolve", ag.linalg.tensorsolve, _tensorsolve_ref, case=_tensorsolve_case(), domain=_tensorsolve_well,
           torch=lambda torch, a, b: torch.linalg.tensorsolve(a, b)),
    OpSpec("cholesky_ex", lambda a, upper: ag.linalg.cholesky_ex(_sym(a), upper=upper).L, _cholesky_ex_ref, _square(),
           kwargs=lambda shapes: st.fixed_dictionaries({"upper": st.booleans()}), domain=_spd,
           torch=lambda torch, a, upper: torch.linalg.cholesky_ex(_sym(a), upper=upper).L),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

test_vs_torch = make_torch_test_if_installed(SPECS)


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    """PyTorch warns that triangular_solve is deprecated; the comparison is what is tested."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# ---------------------------------------------------------------------------- solve_triangular
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_vs_torch_batched_broadcast_rectangular_rhs(upper, left, unitriangular):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = _dominant(rng.standard_normal((2, 1, 5, 5)))
    b = rng.standard_normal((3, 5, 2) if left else (3, 2, 5))
    A, B = _t(a), _t(b)
    TA, TB = (torch.tensor(x, requires_grad=True) for x in (a, b))
    kw = {"upper": upper, "left": left, "unitriangular": unitriangular}
    X, TX = ag.linalg.solve_triangular(A, B, **kw), torch.linalg.solve_triangular(TA, TB, **kw)
    assert X.shape == tuple(TX.shape) == (2, 3) + b.shape[-2:]
    np.testing.assert_allclose(to_host(X), TX.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(X.shape)
    X.backward(ag.tensor(g))
    TX.backward(torch.from_numpy(g))
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(B.grad), TB.grad.numpy(), rtol=1e-10, atol=1e-12)
    # The gradient of A lies in the triangle that was read (without the diagonal for unitriangular).
    inside = _triangle(np.ones((5, 5)), upper, False) - (np.eye(5) if unitriangular else 0)
    assert np.all(to_host(A.grad)[..., inside == 0] == 0)


def test_solve_triangular_ignores_the_other_triangle_and_a_unit_diagonal():
    a = np.array([[2.0, np.nan], [1.0, 4.0]])
    x = ag.linalg.solve_triangular(ag.tensor(a), ag.tensor([[2.0], [9.0]]), upper=False)
    np.testing.assert_allclose(to_host(x), [[1.0], [2.0]])
    u = np.array([[np.nan, 3.0], [np.nan, np.nan]])
    x = ag.linalg.solve_triangular(ag.tensor(u), ag.tensor([[7.0], [2.0]]), upper=True, unitriangular=True)
    np.testing.assert_allclose(to_host(x), [[1.0], [2.0]])


def test_solve_triangular_with_a_zero_on_the_diagonal_gives_inf_as_pytorch():
    torch = pytest.importorskip("torch")
    a, b = np.array([[2.0, 0.0], [1.0, 0.0]]), np.ones((2, 3))
    got = to_host(ag.linalg.solve_triangular(ag.tensor(a), ag.tensor(b), upper=False))
    expected = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=False).numpy()
    np.testing.assert_array_equal(got, expected)
    assert np.isinf(got[1]).all()


def test_solve_triangular_promotes_dtypes_as_pytorch():
    A = ag.tensor([[2.0, 0.0], [1.0, 4.0]], dtype=ag.float64)
    B = ag.tensor([[2.0], [9.0]], dtype=ag.float32)
    assert ag.linalg.solve_triangular(A, B, upper=False).dtype == ag.float64
    assert ag.linalg.solve_triangular(A.float(), B, upper=False).dtype == ag.float32


def test_solve_triangular_agrees_on_the_strict_device():
    rng = np.random.default_rng(5)
    a, b = _dominant(rng.standard_normal((3, 4, 4))), rng.standard_normal((3, 4, 2))
    for upper in (True, False):
        cpu = ag.linalg.solve_triangular(ag.tensor(a), ag.tensor(b), upper=upper)
        strict = ag.linalg.solve_triangular(ag.tensor(a, device=DEVICE), ag.tensor(b, device=DEVICE), upper=upper)
        assert type(strict._data).__name__ == "StrictArray"
        np.testing.assert_allclose(to_host(strict), to_host(cpu), rtol=1e-14)


def test_substitution_is_as_accurate_as_lapack_on_a_large_triangle():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    n = 200
    a = _dominant(rng.standard_normal((n, n)))
    b = rng.standard_normal((n, 3))
    for upper in (True, False):
        ours = triangular._substitute(np, a, b, upper, False)
        theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=upper).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "a_shape, b_shape, kw, match",
    [
        ((2, 2), (2,), {}, r"linalg.solve_triangular: The input tensor B must have at least 2 dimensions"),
        ((2,), (2, 2), {}, r"linalg.solve_triangular: The input tensor A must have at least 2 dimensions"),
        ((2, 2), (3, 2), {}, r"linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x2"),
        ((2, 2), (2, 3), {"left": False}, r"Incompatible shapes of A and B for the equation XA = B \(2x2 and 2x3"),
        ((2, 3), (2, 3), {}, r"linalg.solve_triangular: A must be batches of square matrices, but they are 2 by 3"),
        ((2, 2, 2), (3, 2, 1), {}, r"linalg.solve_triangular: shapes \(2,\) and \(3,\) cannot be broadcast"),
    ],
)
def test_solve_triangular_errors(a_shape, b_shape, kw, match):
    with pytest.raises(RuntimeError, match=match):
        ag.linalg.solve_triangular(ag.ones(*a_shape), ag.ones(*b_shape), upper=False, **kw)


def test_solve_triangular_requires_upper_and_floats():
    with pytest.raises(TypeError, match="upper"):
        ag.linalg.solve_triangular(ag.eye(2), ag.ones(2, 1))
    with pytest.raises(RuntimeError, match="expected floating point tensors, got int64 and int64"):
        ag.linalg.solve_triangular(ag.tensor([[1, 0], [0, 1]]), ag.tensor([[1], [1]]), upper=True)
    with pytest.raises(TypeError, match="expected a Tensor as B"):
        ag.linalg.solve_triangular(ag.eye(2), [[1.0], [1.0]], upper=True)


# ---------------------------------------------------------------------------- triangular_solve
def test_triangular_solve_clone_gets_a_full_gradient_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    a, b = _dominant(rng.standard_normal((3, 3))), rng.standard_normal((2, 3, 2))
    weights = np.arange(9.0).reshape(3, 3)
    A, B = _t(a), _t(b)
    TA, TB = (torch.tensor(x, requires_grad=True) for x in (a, b))
    x, c = ag.triangular_solve(B, A, upper=False, transpose=True)
    tx, tc = torch.triangular_solve(TB, TA, upper=False, transpose=True)
    assert c.shape == (2, 3, 3) == tuple(tc.shape)
    (x.sum() + (c * ag.tensor(weights)).sum()).backward()
    (tx.sum() + (tc * torch.tensor(weights)).sum()).backward()
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(B.grad), TB.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert type(ag.triangular_solve(B, A)).__name__ == "triangular_solve"


def test_triangular_solve_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="Expected b to have at least 2 dimensions, but it has 1"):
        ag.triangular_solve(ag.ones(2), ag.eye(2))
    with pytest.raises(RuntimeError, match="each A matrix is 2 by 2 but each b matrix is 3 by 4"):
        ag.triangular_solve(ag.ones(3, 4), ag.eye(2))
    with pytest.raises(RuntimeError, match="Expected b and A to have the same dtype"):
        ag.triangular_solve(ag.ones(2, 2, dtype=ag.float64), ag.eye(2))


# ---------------------------------------------------------------------------- products and reshaped solves
def test_multi_dot_chooses_the_cheapest_order():
    from autograd_core.linalg import _matrix_chain_order

    # (10x100)(100x5)(5x50): (AB)C costs 5000 + 2500, A(BC) 25000 + 50000.
    assert _matrix_chain_order([10, 100, 5, 50])[0][2] == 1
    # (50x5)(5x100)(100x10): A(BC) is cheaper.
    assert _matrix_chain_order([50, 5, 100, 10])[0][2] == 0


def test_multi_dot_vectors_and_errors():
    assert ag.linalg.multi_dot([ag.ones(3), ag.ones(3)]).shape == ()
    assert ag.linalg.multi_dot([ag.ones(3), ag.ones(3, 4), ag.ones(4)]).item() == 12.0
    assert ag.linalg.multi_dot([ag.ones(2, 3), ag.ones(3)]).shape == (2,)
    for tensors, match in [
        ([ag.ones(3)], r"multi_dot\(\): expected at least 2 tensors but got 1"),
        ([], "expected at least 2 tensors but got 0"),
        ([ag.ones(2, 3), ag.ones(3, 4, 1), ag.ones(1)], "tensor 1 must be 2D but got 3D"),
        ([ag.ones(2, 3, 3), ag.ones(3, 4)], "the first tensor must be 1D or 2D but got 3D"),
        ([ag.ones(2, 3), ag.ones(4, 4)], r"tensors 0 and 1 with shapes \[2, 3\] and \[4, 4\] cannot be multiplied"),
        ([ag.ones(2, 3), ag.ones(3, 4, dtype=ag.float64)], "all tensors must have be the same dtype"),
    ]:
        with pytest.raises(RuntimeError, match=match):
            ag.linalg.multi_dot(tensors)


def test_vecdot_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="linalg.vecdot: Expected x and y to have the same dtype"):
        ag.linalg.vecdot(ag.ones(3, dtype=ag.float64), ag.ones(3))
    with pytest.raises(RuntimeError, match="Expected a floating point tensor as input. Got int64"):
        ag.linalg.vecdot(ag.tensor([1, 2]), ag.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        ag.linalg.vecdot(ag.ones(3, 4), ag.ones(3, 5))
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and src \[1\]"):
        ag.linalg.vecdot(ag.ones(3), ag.ones(1))
    assert ag.linalg.vecdot(ag.ones(2, 3), ag.ones(1)).tolist() == [3.0, 3.0]


def test_linalg_vander_is_increasing_powers_and_matmul_is_matmul():
    x = ag.tensor([2.0, 3.0])
    np.testing.assert_array_equal(to_host(ag.linalg.vander(x, N=3)), [[1.0, 2.0, 4.0], [1.0, 3.0, 9.0]])
    np.testing.assert_array_equal(to_host(ag.linalg.matmul(ag.ones(2, 3), ag.ones(3))), [3.0, 3.0])


def test_tensorinv_and_tensorsolve_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="Expected a strictly positive integer for 'ind', but got 0"):
        ag.linalg.tensorinv(ag.ones(4, 6, 8, 3), ind=0)
    with pytest.raises(RuntimeError, match=r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\), but got 16 != 24"):
        ag.linalg.tensorinv(ag.ones(4, 6, 8, 2), ind=2)
    with pytest.raises(RuntimeError, match="but got 5 != 6"):
        ag.linalg.tensorsolve(ag.ones(2, 3, 5), ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="singular"):
        ag.linalg.tensorinv(ag.zeros(2, 2, 2, 2), ind=2)


def test_tensorsolve_dims_moves_them_last_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    a = rng.standard_normal((2, 3, 6)).reshape(6, 6) / 6 + 2 * np.eye(6)
    a = a.reshape(2, 3, 6).transpose(2, 0, 1).copy()  # dims (1, 2) hold the unknowns' side
    b = rng.standard_normal(6)
    got = ag.linalg.tensorsolve(ag.tensor(a), ag.tensor(b), dims=(1, 2))
    expected = torch.linalg.tensorsolve(torch.tensor(a), torch.tensor(b), dims=(1, 2))
    assert got.shape == tuple(expected.shape) == (2, 3)
    np.testing.assert_allclose(to_host(got), expected.numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------- cholesky_ex
def test_cholesky_ex_reports_the_failing_minor_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([[[1.0, 2.0, 0.0], [2.0, 5.0, 0.0], [0.0, 0.0, -1.0]], [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0, 0, 1]],
                  [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])
    for device in ("cpu", DEVICE):
        L, info = ag.linalg.cholesky_ex(ag.tensor(a, device=device))
        assert info.dtype == ag.int32
        np.testing.assert_array_equal(to_host(info), torch.linalg.cholesky_ex(torch.tensor(a)).info.numpy())
        assert np.isnan(to_host(L)[:2]).all()
        np.testing.assert_allclose(to_host(L)[2], np.linalg.cholesky(a[2]))
    with pytest.raises(ag.linalg.LinAlgError, match=r"linalg.cholesky_ex: \(Batch element 0\).*leading minor of order 3"):
        ag.linalg.cholesky_ex(ag.tensor(a), check_errors=True)


def test_cholesky_ex_gradient_of_the_good_matrices_is_unaffected():
    a = np.array([[[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 2.0]]])
    A = _t(a)
    L, info = ag.linalg.cholesky_ex(A)
    L[1].sum().backward()
    B = _t(a[1])
    ag.linalg.cholesky(B).sum().backward()
    np.testing.assert_allclose(to_host(A.grad)[1], to_host(B.grad), rtol=1e-14)
    np.testing.assert_array_equal(to_host(A.grad)[0], 0.0)
