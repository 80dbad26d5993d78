"""Top-level names added in autograd_core/ops/extra.py, factories.py, runtime.py and anomaly.py
(``gradient``, windows, ``logspace``, ``asarray``, ``unravel_index``, samplers, low-rank SVD,
default device ...): values, dtypes and gradients against PyTorch in float64, the op factory
for the differentiable ones, and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import extra as X
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test, to_host
from tests.helpers.strict_backend import DEVICE as STRICT

TOL = {"rtol": 1e-10, "atol": 1e-12}


# ---------------------------------------------------------------------------- op factory: gradient, rsub, fill, norms
@st.composite
def _gradient_case(draw):
    shape = draw(st.lists(st.integers(3, 5), min_size=1, max_size=2).map(tuple))
    edge = draw(st.sampled_from([1, 2]))
    return (shape,), {"edge_order": edge}


def _ours_gradient(x, edge_order):
    return ag.gradient(x, edge_order=edge_order, spacing=0.5)


def _ref_gradient(x, edge_order):
    out = np.gradient(x, 0.5, edge_order=edge_order)
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def _ours_uneven(x, c, edge_order):
    return ag.gradient(x, spacing=(ag.cumsum(c.abs() + 0.5, 0),), edge_order=edge_order)[0]


def _ref_uneven(x, c, edge_order):
    return np.gradient(x, np.cumsum(np.abs(c) + 0.5), edge_order=edge_order)


@st.composite
def _uneven_case(draw):
    n = draw(st.integers(3, 6))
    return ((n,), (n,)), {"edge_order": draw(st.sampled_from([1, 2]))}


SPECS = [
    OpSpec("gradient", _ours_gradient, _ref_gradient, case=_gradient_case(),
           torch=lambda t, x, edge_order: t.gradient(x, edge_order=edge_order, spacing=0.5)),
    OpSpec("gradient uneven coordinates", _ours_uneven, _ref_uneven, case=_uneven_case(), layouts=False,
           torch=lambda t, x, c, edge_order: t.gradient(x, spacing=(t.cumsum(c.abs() + 0.5, 0),),
                                                        edge_order=edge_order)[0]),
    OpSpec("rsub", lambda a, b: ag.rsub(a, b, alpha=0.5), lambda a, b: b - 0.5 * a, S.broadcastable_shapes(2),
           torch=lambda t, a, b: t.rsub(a, b, alpha=0.5)),
    OpSpec("fill 0-d value", lambda a, v: ag.fill(a, v), lambda a, v: np.full_like(a, v), case=st.tuples(
        st.tuples(st.just((2, 3)), st.just(())), st.just({}))),
    OpSpec("nuclear_norm", ag.nuclear_norm, lambda a: np.linalg.norm(a, "nuc"),
           st.tuples(st.sampled_from([(2, 3), (3, 3), (4, 2)]))),
    OpSpec("frobenius_norm", lambda a: ag.frobenius_norm(a, (0, 1)), lambda a: np.linalg.norm(a),
           st.tuples(st.sampled_from([(2, 3), (3, 3)]))),
]
test_forward, test_backward, test_double_backward = make_tests(SPECS)

try:
    import torch as _torch
except ImportError:  # PyTorch is an optional test oracle
    _torch = None
if _torch is not None:
    test_vs_torch = make_torch_test(SPECS, _torch)


def _t(a, **kw):
    return ag.tensor(np.asarray(a), dtype=ag.float64, **kw)


# ---------------------------------------------------------------------------- gradient against PyTorch
@pytest.mark.parametrize("kwargs", [{}, {"spacing": 2.0}, {"dim": 1}, {"dim": (0, 1), "spacing": [0.5, 2.0]},
                                    {"edge_order": 2}, {"dim": -1, "spacing": 3.0, "edge_order": 2}])
def test_gradient_matches_torch_values_and_gradients(kwargs):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((4, 5))
    x = _t(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    ours, theirs = ag.gradient(x, **kwargs), torch.gradient(tx, **kwargs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(o), t.detach().numpy(), **TOL)
    w = np.random.default_rng(2).standard_normal((4, 5))
    sum((o * _t(w)).sum() for o in ours).backward()
    sum((t * torch.tensor(w)).sum() for t in theirs).backward()
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), **TOL)


def test_gradient_integer_input_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    out = ag.gradient(ag.tensor([1, 4, 9, 16]))[0]
    assert out.dtype == ag.float32 and out.tolist() == torch.gradient(torch.tensor([1, 4, 9, 16]))[0].tolist()
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        ag.gradient(ag.tensor([1.0, 2.0]), edge_order=2)
    with pytest.raises(RuntimeError, match="only supports edge_order=1 and edge_order=2"):
        ag.gradient(ag.ones(3, 3), edge_order=3)
    with pytest.raises(RuntimeError, match="list of length equal to 'self.dim\\(\\) = 2'"):
        ag.gradient(ag.ones(3, 3), spacing=[1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------- small functions
def test_rsub_fill_detach_scalar_tensor_match_torch():
    torch = pytest.importorskip("torch")
    assert ag.rsub(ag.tensor([1, 2]), 5, alpha=2).tolist() == torch.rsub(torch.tensor([1, 2]), 5, alpha=2).tolist()
    assert ag.rsub(ag.tensor([1, 2]), 2.5).dtype == ag.float32
    assert ag.fill(ag.tensor([1, 2]), 2.7).tolist() == [2, 2]
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    v = ag.tensor(3.0, requires_grad=True)
    out = ag.fill(x, v)
    assert out.requires_grad and out.tolist() == [3.0, 3.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0] and v.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="fill only supports 0-dimension value tensor"):
        ag.fill(x, ag.ones(2))
    d = ag.detach(x)
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    for args, kw in (((3,), {}), ((3,), {"dtype": torch.int64}), ((True,), {}), ((2.5,), {})):
        ours_kw = {"dtype": ag.int64} if kw else {}
        ours, theirs = ag.scalar_tensor(*args, **ours_kw), torch.scalar_tensor(*args, **kw)
        assert ours.ndim == 0 and ours.item() == theirs.item() and str(ours.dtype) == str(theirs.dtype)[6:]


def test_deprecated_norms_match_torch_and_warn():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ours, theirs in ((ag.nuclear_norm(_t(a[0])), torch.nuclear_norm(torch.tensor(a[0]))),
                             (ag.nuclear_norm(_t(a[0]), True), torch.nuclear_norm(torch.tensor(a[0]), True)),
                             (ag.nuclear_norm(_t(a), (1, 2)), torch.nuclear_norm(torch.tensor(a), (1, 2))),
                             (ag.frobenius_norm(_t(a), [2]), torch.frobenius_norm(torch.tensor(a), [2])),
                             (ag.frobenius_norm(_t(a), (0, 1), True), torch.frobenius_norm(torch.tensor(a), (0, 1), True))):
            assert tuple(ours.shape) == tuple(theirs.shape)
            np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        ag.nuclear_norm(ag.ones(3))
    with pytest.raises(TypeError):
        ag.frobenius_norm(ag.ones(3))  # dim is required, as in PyTorch


def test_unravel_index_matches_torch_including_wrapping():
    torch = pytest.importorskip("torch")
    for idx, shape in (([4, 1], (2, 3)), (4, (2, 3)), ([6, -1, -7], (2, 3)), ([[1, 5], [7, 0]], (2, 2, 2)), ([3], 4)):
        ours = ag.unravel_index(ag.tensor(idx), shape)
        theirs = torch.unravel_index(torch.tensor(idx), shape)
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
        assert all(o.dtype == ag.int64 for o in ours)
    with pytest.raises(TypeError, match="expected 'indices' to be integer dtype"):
        ag.unravel_index(ag.tensor([1.0]), (2, 3))
    with pytest.raises(ValueError, match="'shape' cannot have negative values"):
        ag.unravel_index(ag.tensor([1]), (2, -3))


@pytest.mark.parametrize("device", DEVICES)
def test_unravel_index_and_gradient_on_every_device(device):
    coords = ag.unravel_index(ag.tensor([5, 2], device=device), (2, 3))
    assert [to_host(c).tolist() for c in coords] == [[1, 0], [2, 2]] and coords[0].device == device
    g = ag.gradient(ag.tensor([1.0, 4.0, 9.0], dtype=ag.float64, device=device))[0]
    assert to_host(g).tolist() == [3.0, 4.0, 5.0] and g.device == device


# ---------------------------------------------------------------------------- factories
@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
def test_windows_match_torch(name):
    torch = pytest.importorskip("torch")
    for n in (0, 1, 2, 5, 8):
        for periodic in (True, False):
            ours = getattr(ag, name)(n, periodic, dtype=ag.float64)
            theirs = getattr(torch, name)(n, periodic, dtype=torch.float64)
            np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert getattr(ag, name)(4).dtype == ag.float32
    assert getattr(ag, name)(4, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes"):
        getattr(ag, name)(3, dtype=ag.int64)
    with pytest.raises(RuntimeError, match=f"{name} requires non-negative window_length"):
        getattr(ag, name)(-1)


def test_window_extra_parameters_match_torch():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(to_host(ag.kaiser_window(7, False, 5.0, dtype=ag.float64)),
                               torch.kaiser_window(7, False, 5.0, dtype=torch.float64).numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_host(ag.hamming_window(6, True, 0.6, 0.3, dtype=ag.float64)),
                               torch.hamming_window(6, True, 0.6, 0.3, dtype=torch.float64).numpy(), rtol=1e-12)


def test_logspace_matches_torch():
    torch = pytest.importorskip("torch")
    for args, kw in (((0, 2, 3), {}), ((0, 2, 3), {"base": 2}), ((0, 1, 5), {"dtype": "int64"}),
                     ((2, 0, 3), {"dtype": "int64"}), ((0.5, 3, 4), {"dtype": "int32"}), ((0, 1, 0), {}),
                     ((-1.5, 2.5, 7), {"dtype": "float64", "base": 3.0})):
        ours = ag.logspace(*args, **{k: (getattr(ag, v) if k == "dtype" else v) for k, v in kw.items()})
        theirs = torch.logspace(*args, **{k: (getattr(torch, v) if k == "dtype" else v) for k, v in kw.items()})
        assert str(ours.dtype) == str(theirs.dtype)[6:]
        np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-6)
    assert ag.logspace(0, 3, 4, requires_grad=True).requires_grad


def test_asarray_follows_torch_sharing_rules():
    t = ag.tensor([1.0, 2.0])
    assert ag.asarray(t) is t and ag.asarray(t, copy=True) is not t
    assert ag.asarray(t, dtype=ag.float64).dtype == ag.float64
    with pytest.raises(ValueError, match="can't alias"):
        ag.asarray(t, dtype=ag.float64, copy=False)
    a = np.array([1.0, 2.0])
    x = ag.asarray(a)
    x[0] = 9.0
    assert a[0] == 9.0 and x.dtype == ag.float64
    b = np.array([1.0, 2.0])
    ag.asarray(b, copy=True)[0] = 9.0
    assert b[0] == 1.0
    assert ag.asarray(b, dtype=ag.float32).dtype == ag.float32
    with pytest.raises(ValueError, match="can't alias"):
        ag.asarray(b, dtype=ag.float32, copy=False)
    with pytest.raises(ValueError, match="can't alias arbitrary sequence"):
        ag.asarray([1.0, 2.0], copy=False)
    assert ag.asarray([1, 2]).dtype == ag.int64 and ag.asarray([1.0, 2]).dtype == ag.float32
    r = ag.asarray([1.0, 2.0], requires_grad=True)
    assert r.requires_grad and r.is_leaf
    leaf = ag.tensor([1.0, 2.0])
    assert ag.asarray(leaf, requires_grad=True) is leaf and leaf.requires_grad
    assert ag.asarray(leaf) is leaf and leaf.requires_grad
    assert ag.asarray(leaf, requires_grad=False) is leaf and not leaf.requires_grad  # (PyTorch switches it off)
    h = ag.tensor([1.0], requires_grad=True) * 2
    assert ag.asarray(h) is h
    cut = ag.asarray(h, requires_grad=False)
    assert cut is not h and not cut.requires_grad and cut.grad_fn is None
    assert ag.asarray(b"\x01\x02", dtype=ag.uint8).tolist() == [1, 2]


def test_frombuffer_shares_memory_and_checks_like_torch():
    buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    t = ag.frombuffer(buf, dtype=ag.int32)
    assert t.tolist() == [1, 2]
    t[0] = 7
    assert buf[0] == 7
    assert ag.frombuffer(bytearray(8), dtype=ag.int8, count=3, offset=2).tolist() == [0, 0, 0]
    for kw, msg in (({"buffer": bytearray(7)}, "must be a multiple of element size"),
                    ({"buffer": bytearray(8), "offset": 9}, "no greater than buffer length"),
                    ({"buffer": bytearray(0)}, "must not be 0"),
                    ({"buffer": bytearray(8), "count": 3}, "must not be greater than actual buffer length")):
        buffer = kw.pop("buffer")
        with pytest.raises(ValueError, match=msg):
            ag.frombuffer(buffer, dtype=ag.int32, **kw)


def test_empty_strided_has_the_strides_asked_for():
    torch = pytest.importorskip("torch")
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((0, 3), (3, 1))):
        ours = ag.empty_strided(size, stride, dtype=ag.float64)
        theirs = torch.empty_strided(size, stride, dtype=torch.float64)
        assert tuple(ours.shape) == tuple(theirs.shape)
        if 0 not in size:
            assert ours.stride() == theirs.stride()
    with pytest.raises(RuntimeError, match="mismatch in length of strides and shape"):
        ag.empty_strided((2, 3), (1,))


def test_default_device_is_used_by_factories():
    try:
        ag.set_default_device(STRICT)
        assert ag.get_default_device() == STRICT
        for t in (ag.zeros(2), ag.tensor([1.0]), ag.randn(2), ag.arange(3), ag.hann_window(4), ag.logspace(0, 1, 2),
                  ag.eye(2), ag.full((2,), 1.0), ag.empty_strided((2,), (1,)), ag.asarray([1.0]), ag.Tensor(2, 3)):
            assert t.device == STRICT
        assert ag.zeros_like(ag.zeros(2, device="cpu")).device == "cpu"  # like-factories follow their input
        assert ag.from_numpy(np.zeros(2)).device == "cpu"
    finally:
        ag.set_default_device(None)
    assert ag.zeros(2).device == "cpu" and ag.get_default_device() == "cpu"


def test_set_default_tensor_type_sets_dtype_and_warns_like_torch():
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
            ag.set_default_tensor_type("torch.DoubleTensor")
        assert ag.get_default_dtype() == ag.float64 and ag.tensor([1.0]).dtype == ag.float64
        with pytest.warns(UserWarning):
            ag.set_default_tensor_type(ag.FloatTensor)
        assert ag.get_default_dtype() == ag.float32
        with pytest.warns(UserWarning), pytest.raises(TypeError, match="only floating-point types"):
            ag.set_default_tensor_type("torch.LongTensor")
    finally:
        ag.set_default_dtype(ag.float32)
        ag.set_default_device(None)


# ---------------------------------------------------------------------------- samplers
def test_poisson_statistics_dtype_and_zero_gradient():
    ag.manual_seed(0)
    rates = ag.tensor([0.0, 0.5, 3.0, 9.9, 10.0, 40.0, 1000.0], dtype=ag.float64)
    draws = ag.poisson(rates.expand(4000, 7).contiguous())
    assert draws.dtype == ag.float64 and bool((draws == draws.round()).all()) and bool((draws >= 0).all())
    mean, var = to_host(draws.mean(0)), to_host(draws.var(0))
    lam = to_host(rates)
    assert np.all(np.abs(mean - lam) <= 4 * np.sqrt(lam / 4000) + 1e-12), (mean, lam)
    np.testing.assert_allclose(var, lam, rtol=0.15, atol=1e-12)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.poisson(x)
    assert y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="expected rate to be non-negative"):
        ag.poisson(ag.tensor([-1.0]))
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.poisson(ag.tensor([1, 2]))


def test_binomial_statistics_edges_and_no_derivative():
    ag.manual_seed(0)
    count = ag.tensor([5.0, 10.0, 50.0, 7.0], dtype=ag.float64).expand(4000, 4).contiguous()
    prob = ag.tensor([0.5, 0.1, 0.9, 0.0], dtype=ag.float64)
    draws = ag.binomial(count, prob)
    assert draws.dtype == ag.float64 and tuple(draws.shape) == (4000, 4)
    n, p = np.array([5.0, 10.0, 50.0, 7.0]), np.array([0.5, 0.1, 0.9, 0.0])
    mean = to_host(draws.mean(0))
    assert np.all(np.abs(mean - n * p) <= 4 * np.sqrt(n * p * (1 - p) / 4000) + 1e-12), (mean, n * p)
    np.testing.assert_allclose(to_host(draws.var(0)), n * p * (1 - p), rtol=0.15, atol=1e-12)
    assert bool((draws <= count).all())
    assert ag.binomial(ag.tensor([5.0, 10.0]), ag.tensor([1.0, 0.0])).tolist() == [5.0, 0.0]
    c = ag.tensor([5.0], requires_grad=True)
    out = ag.binomial(c, ag.tensor([0.5]))
    assert out.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::binomial is not implemented"):
        out.sum().backward()
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count"):
        ag.binomial(ag.tensor([5]), ag.tensor([0.5]))


@pytest.mark.parametrize("device", DEVICES)
def test_samplers_run_on_every_device_and_follow_generators(device):
    g1, g2 = ag.Generator(device).manual_seed(3), ag.Generator(device).manual_seed(3)
    rates = ag.tensor([0.5, 20.0], dtype=ag.float64, device=device)
    a, b = ag.poisson(rates, generator=g1), ag.poisson(rates, generator=g2)
    assert a.device == device and to_host(a).tolist() == to_host(b).tolist()
    n = ag.tensor([10.0, 3.0], device=device)
    p = ag.tensor([0.3, 0.8], device=device)
    assert to_host(ag.binomial(n, p, generator=g1)).tolist() == to_host(ag.binomial(n, p, generator=g2)).tolist()


# ---------------------------------------------------------------------------- histogramdd
def test_histogramdd_matches_torch():
    torch = pytest.importorskip("torch")
    pts = np.random.default_rng(4).standard_normal((50, 2))
    w = np.random.default_rng(5).uniform(size=50)
    cases = [({"bins": 3}, {}), ({"bins": [2, 4]}, {}), ({"bins": 3, "range": [-1.0, 1.0, -2.0, 0.5]}, {}),
             ({"bins": [3, 2], "density": True}, {}), ({"bins": 4}, {"weight": w})]
    for kw, extra in cases:
        ours = ag.histogramdd(_t(pts), **kw, **{k: _t(v) for k, v in extra.items()})
        theirs = torch.histogramdd(torch.tensor(pts), **kw, **{k: torch.tensor(v) for k, v in extra.items()})
        np.testing.assert_allclose(to_host(ours.hist), theirs.hist.numpy(), **TOL)
        for e, te in zip(ours.bin_edges, theirs.bin_edges):
            np.testing.assert_allclose(to_host(e), te.numpy(), **TOL)
    edges = [torch.tensor([-3.0, 0.0, 3.0], dtype=torch.float64), torch.tensor([-1.0, 1.0], dtype=torch.float64)]
    ours = ag.histogramdd(_t(pts), [_t(e.numpy()) for e in edges])
    np.testing.assert_allclose(to_host(ours.hist), torch.histogramdd(torch.tensor(pts), edges).hist.numpy())
    with pytest.raises(RuntimeError, match="float32 or float64"):
        ag.histogramdd(ag.tensor([[1, 2]]), 2)


# ---------------------------------------------------------------------------- orgqr, ormqr, low rank
@pytest.mark.parametrize("shape,other,left,transpose", [((4, 3), (4, 2), True, False), ((4, 3), (4, 2), True, True),
                                                        ((4, 3), (2, 4), False, False), ((3, 3), (5, 3), False, True),
                                                        ((2, 4, 2), (2, 4, 3), True, False)])
def test_ormqr_and_orgqr_match_torch_with_gradients(shape, other, left, transpose):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a0 = rng.standard_normal(shape)
    c0 = rng.standard_normal(other)
    ta, ttau = torch.geqrf(torch.tensor(a0))
    a = _t(ta.numpy(), requires_grad=True)
    tau = _t(ttau.numpy(), requires_grad=True)
    c = _t(c0, requires_grad=True)
    ta, ttau, tc = (v.clone().requires_grad_(True) for v in (ta, ttau, torch.tensor(c0)))
    ours, theirs = ag.ormqr(a, tau, c, left, transpose), torch.ormqr(ta, ttau, tc, left, transpose)
    np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), **TOL)
    w = rng.standard_normal(theirs.shape)
    (ours * _t(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_host(c.grad), tc.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_host(tau.grad), ttau.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(to_host(a.grad), ta.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(to_host(a.detach().orgqr(tau.detach())), torch.orgqr(ta.detach(), ttau.detach()).numpy(),
                               **TOL)
    assert ag.gradcheck(lambda x, t, y: ag.ormqr(x, t, y, left, transpose), (a, tau, c))


def test_ormqr_errors():
    a, tau = ag.geqrf(ag.randn(4, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="other.shape\\[-2\\] must be equal to input.shape\\[-2\\]"):
        ag.ormqr(a, tau, ag.randn(3, 2, dtype=ag.float64))
    with pytest.raises(TypeError, match="argument 'other' must be Tensor"):
        ag.ormqr(a, tau, [1.0])


def _low_rank(m, n, r, seed=7):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


@pytest.mark.parametrize("m,n", [(8, 5), (5, 8)])
def test_svd_lowrank_recovers_a_low_rank_matrix_like_torch(m, n):
    torch = pytest.importorskip("torch")
    A = _low_rank(m, n, 3)
    ag.manual_seed(0)
    U, Sv, V = ag.svd_lowrank(_t(A), q=4)
    assert tuple(U.shape) == (m, 4) and tuple(Sv.shape) == (4,) and tuple(V.shape) == (n, 4)
    tU, tS, tV = torch.svd_lowrank(torch.tensor(A), q=4)
    assert tuple(tU.shape) == tuple(U.shape) and tuple(tV.shape) == tuple(V.shape)
    np.testing.assert_allclose(to_host(Sv)[:3], tS.numpy()[:3], rtol=1e-10)
    np.testing.assert_allclose(to_host(U * Sv @ V.mT), A, atol=1e-10)
    M = np.full((m, n), 0.5)
    U, Sv, V = ag.svd_lowrank(_t(A + M), q=4, M=_t(M))
    np.testing.assert_allclose(to_host(U * Sv @ V.mT), A, atol=1e-10)


def test_pca_lowrank_matches_torch_variances():
    torch = pytest.importorskip("torch")
    A = _low_rank(20, 6, 2) + 3.0
    ag.manual_seed(0)
    U, Sv, V = ag.pca_lowrank(_t(A), q=3)
    tU, tS, tV = torch.pca_lowrank(torch.tensor(A), q=3)
    np.testing.assert_allclose(to_host(Sv)[:2], tS.numpy()[:2], rtol=1e-10)
    np.testing.assert_allclose(np.abs(to_host(V)[:, :2]), np.abs(tV.numpy()[:, :2]), atol=1e-8)
    with pytest.raises(ValueError, match="must be non-negative integer and not greater than min"):
        ag.pca_lowrank(_t(A), q=7)


def test_svd_lowrank_is_differentiable_through_its_ops():
    A = _t(_low_rank(5, 4, 4, seed=8), requires_grad=True)

    def singular_values(x):
        ag.manual_seed(0)  # the same random projection on every call
        return ag.svd_lowrank(x, q=4, niter=1).S

    assert ag.gradcheck(singular_values, (A,))
    torch = pytest.importorskip("torch")
    singular_values(A).sum().backward()
    tA = torch.tensor(A.detach().numpy(), requires_grad=True)
    torch.linalg.svdvals(tA).sum().backward()  # the full-rank projection gives the exact singular values
    np.testing.assert_allclose(to_host(A.grad), tA.grad.numpy(), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------- namespace switches
def test_every_top_level_in_place_function_is_pytorchs_and_the_method():
    torch = pytest.importorskip("torch")
    theirs = {n for n in dir(torch) if n.endswith("_") and not n.startswith("_")}
    assert set(X.TOP_LEVEL_IN_PLACE) <= theirs
    missing = {n for n in theirs if hasattr(ag.Tensor, n) and not hasattr(ag, n)}
    assert not missing, sorted(missing)
    for name in X.TOP_LEVEL_IN_PLACE:
        assert getattr(ag, name) is getattr(ag.Tensor, name)
    x = ag.tensor([-1.0, 4.0])
    assert ag.abs_(x) is x and x.tolist() == [1.0, 4.0]
    assert ag.sqrt_(x).tolist() == [1.0, 2.0] and ag.zero_(x).tolist() == [0.0, 0.0]
    assert ag.fill_(x, 3.0).tolist() == [3.0, 3.0] and ag.clamp_(x, max=1.0).tolist() == [1.0, 1.0]


def test_anomaly_switches():
    assert not ag.is_anomaly_enabled()
    try:
        ag.set_anomaly_enabled(True)
        assert ag.is_anomaly_enabled() and ag.is_anomaly_check_nan_enabled()
        x = ag.tensor([0.0], requires_grad=True)
        with pytest.raises(FloatingPointError, match="SqrtBackward"):
            (x.sqrt() * 0.0).sum().backward()
    finally:
        ag.set_anomaly_enabled(False)
    assert not ag.is_anomaly_enabled()


def test_runtime_names():
    torch = pytest.importorskip("torch")
    assert ag.typename(ag.tensor([1, 2])) == torch.typename(torch.tensor([1, 2])) == "torch.LongTensor"
    assert ag.typename(1) == "int" and ag.typename([]) == "list"
    assert ag.typename(ag.Tensor) == "autograd_core.tensor.Tensor"
    assert ag.is_storage(ag.zeros(1)) is False
    assert ag.is_inference(ag.zeros(1)) is False
    assert ag.is_warn_always_enabled() is False
    try:
        ag.set_warn_always(True)
        assert ag.is_warn_always_enabled()
    finally:
        ag.set_warn_always(False)
    assert ag.get_num_interop_threads() >= 1
    with pytest.raises(RuntimeError, match="Expected positive number of threads"):
        ag.set_num_interop_threads(0)
    assert repr(ag.strided) == "torch.strided"
