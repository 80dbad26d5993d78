"""trapezoid / trapz, cumulative_trapezoid, vander (and torch.linalg.vander's ordering), msort and
histogram (autograd_core/ops/integrate.py); histc checked against PyTorch beside histogram.

The op factory runs forward / backward / double backward on cpu and the strict device against
NumPy references, with hypothesis-drawn shapes (negative dims, empty dims, x as 1-D points or
broadcasting) and compares with PyTorch in float64; hand-written tests cover dtypes, zeros in
vander's gradient, histogram's bins and weights, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.integrate import linalg_vander
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test_if_installed, to_host
from tests.helpers.strict_backend import DEVICE as STRICT

TOL = {"rtol": 1e-10, "atol": 1e-12}


# ---------------------------------------------------------------------------- references (NumPy)
def _pair_sums(y, d):
    y = np.moveaxis(y, d, -1)
    return y[..., 1:] + y[..., :-1]


def _spacing(y, x, d):
    """Differences of the sample points, arranged to broadcast against ``_pair_sums`` (last dim)."""
    if x.ndim == 1:
        return np.diff(x)
    x = x.reshape((1,) * (y.ndim - x.ndim) + x.shape)
    return np.moveaxis(np.diff(x, axis=d % y.ndim), d % y.ndim, -1)


def _trapezoid_ref(y, x=None, *, dim=-1, dx=None):
    if y.shape[dim] == 0:
        return np.zeros(np.delete(np.array(y.shape), dim % y.ndim))
    step = (1.0 if dx is None else dx) if x is None else _spacing(y, x, dim)
    return (step * _pair_sums(y, dim) / 2).sum(-1)


def _cumulative_ref(y, x=None, *, dim=-1, dx=None):
    step = (1.0 if dx is None else dx) if x is None else _spacing(y, x, dim)
    return np.moveaxis(np.cumsum(step * _pair_sums(y, dim) / 2, -1), -1, dim % y.ndim)


# ---------------------------------------------------------------------------- cases
@st.composite
def _y_case(draw, samples=0):
    """y and its dim (with at least ``samples`` samples along it), and maybe a spacing dx."""
    shape = draw(S.shapes(min_dims=1, max_dims=3))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    shape = tuple(max(s, samples) if k == d % len(shape) else s for k, s in enumerate(shape))
    dx = draw(st.one_of(st.none(), st.floats(-3, 3, allow_nan=False)))
    return (shape,), {"dim": d} if dx is None else {"dim": d, "dx": dx}


@st.composite
def _yx_case(draw):
    """y with sample points x: 1-D along dim, or a shape broadcasting with y (fewer dims allowed)."""
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=1))
    nd = len(shape)
    d = draw(st.integers(-nd, nd - 1))
    if draw(st.booleans()):
        xshape = (shape[d],)
    else:
        lead = draw(st.integers(0, d % nd))  # leading dims left out (x keeps dim itself)
        xshape = tuple(1 if (k != d % nd and draw(st.booleans())) else s for k, s in enumerate(shape))[lead:]
    return (shape, xshape), {"dim": d}


@st.composite
def _vander_case(draw):
    n = draw(st.integers(2, 5))  # (fewer than two columns: no gradient, as in PyTorch; tested by hand)
    return ((n,),), {"N": draw(st.one_of(st.none(), st.integers(2, 5))), "increasing": draw(st.booleans())}


@st.composite
def _linalg_vander_case(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=0, max_side=4).filter(lambda s: s[-1] > 1))
    return (shape,), {"N": draw(st.one_of(st.none(), st.integers(2, 5)))}


def _vander_ref(x, *, N, increasing):
    return np.vander(x, N, increasing=increasing)


def _linalg_vander_ref(x, *, N):
    n = x.shape[-1] if N is None else N
    return x[..., None] ** np.arange(n)


def _msort_ref(x):
    return np.sort(x, axis=0) if x.ndim else x


SPECS = [
    OpSpec("trapezoid_dx", lambda y, **kw: ag.trapezoid(y, **kw), lambda y, **kw: _trapezoid_ref(y, **kw),
           case=_y_case(samples=1), torch=lambda torch, y, **kw: torch.trapezoid(y, **kw)),
    OpSpec("trapezoid_x", lambda y, x, **kw: ag.trapezoid(y, x, **kw), _trapezoid_ref, case=_yx_case(),
           torch=lambda torch, y, x, **kw: torch.trapezoid(y, x, **kw)),
    OpSpec("trapz_x", lambda y, x, **kw: ag.trapz(y, x, **kw), _trapezoid_ref, case=_yx_case(),
           torch=lambda torch, y, x, **kw: torch.trapz(y, x, **kw)),
    OpSpec("cumulative_trapezoid_dx", lambda y, **kw: ag.cumulative_trapezoid(y, **kw),
           lambda y, **kw: _cumulative_ref(y, **kw), case=_y_case(),
           torch=lambda torch, y, **kw: torch.cumulative_trapezoid(y, **kw)),
    OpSpec("cumulative_trapezoid_x", lambda y, x, **kw: ag.cumulative_trapezoid(y, x, **kw), _cumulative_ref,
           case=_yx_case(), torch=lambda torch, y, x, **kw: torch.cumulative_trapezoid(y, x, **kw)),
    # (torch.vander's own backward fails in PyTorch 2.13: its gradients are checked through linalg.vander below)
    OpSpec("vander", lambda x, **kw: ag.vander(x, **kw), _vander_ref, case=_vander_case()),
    OpSpec("linalg_vander", lambda x, **kw: linalg_vander(x, **kw), _linalg_vander_ref, case=_linalg_vander_case(),
           torch=lambda torch, x, **kw: torch.linalg.vander(x, **kw)),
    OpSpec("msort", ag.msort, _msort_ref, S.same_shapes(1), torch=lambda torch, x: torch.msort(x)),
    OpSpec("msort_method", lambda x: x.msort(), _msort_ref, S.same_shapes(1, min_dims=1)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

test_vs_torch = make_torch_test_if_installed(SPECS)


# ---------------------------------------------------------------------------- trapezoid by hand
@pytest.mark.parametrize("fn", ["trapezoid", "cumulative_trapezoid"])
def test_integer_and_mixed_dtypes_follow_pytorch(fn):
    torch = pytest.importorskip("torch")
    y = np.array([[1, 2, 4], [3, 5, 9]])
    x = np.array([0, 1, 3])
    cases = [((y,), {}), ((y,), {"dx": 2}), ((y,), {"dx": 0.5}), ((y, x), {}), ((y.astype(np.int32), x), {}),
             ((y.astype(np.float32), x.astype(np.float64)), {}), ((y.astype(np.float64),), {"dx": 2}),
             ((y[:, :0],), {}), ((y[:, :1],), {"dim": 1})]
    for arrays, kw in cases:
        ours = getattr(ag, fn)(*[ag.tensor(a) for a in arrays], **kw)
        theirs = getattr(torch, fn)(*[torch.tensor(a) for a in arrays], **kw)
        assert str(ours.dtype) == str(theirs.numpy().dtype), (arrays, kw)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-6)


def test_trapezoid_dx_as_a_0d_tensor_and_gradients_in_y_and_x():
    torch = pytest.importorskip("torch")
    y = np.array([1.0, 2.0, 4.0])
    assert ag.trapezoid(ag.tensor(y, dtype=ag.float64), dx=ag.tensor(2.0)).item() == 9.0
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal((3, 4)), np.sort(rng.standard_normal(4))
    for fn in ("trapezoid", "cumulative_trapezoid"):
        ours = [ag.tensor(a, requires_grad=True) for a in (y, x)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (y, x)]
        out, tout = getattr(ag, fn)(*ours), getattr(torch, fn)(*theirs)
        g = rng.standard_normal(tuple(tout.shape))
        out.backward(ag.tensor(g))
        tout.backward(torch.tensor(g))
        for a, t in zip(ours, theirs):
            np.testing.assert_allclose(to_host(a.grad), t.grad.numpy(), **TOL)


def test_trapezoid_without_samples_is_zero_off_the_graph():
    y = ag.ones(2, 0, requires_grad=True)
    out = ag.trapezoid(y)
    assert out.tolist() == [0.0, 0.0] and not out.requires_grad
    assert ag.trapezoid(ag.ones(2, 0, dtype=ag.int64)).dtype == ag.int64
    c = ag.cumulative_trapezoid(ag.ones(2, 1, requires_grad=True))
    assert c.shape == (2, 0) and c.requires_grad


def test_trapezoid_errors():
    y = ag.ones(2, 3)
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        ag.trapezoid(y, ag.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        ag.cumulative_trapezoid(y, ag.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match="not both"):
        ag.trapezoid(y, ag.tensor([0.0, 1.0, 2.0]), dx=1.0)
    with pytest.raises(TypeError, match="dx="):
        ag.trapezoid(y, 2.0)
    with pytest.raises(RuntimeError, match="bool input for `y`"):
        ag.trapezoid(ag.ones(2, 3, dtype=ag.bool))
    with pytest.raises(RuntimeError, match="bool input for `x` or `y`"):
        ag.trapezoid(y, ag.ones(3, dtype=ag.bool))
    with pytest.raises(RuntimeError, match="dx as a real number"):
        ag.trapezoid(y, dx=True)
    with pytest.raises(RuntimeError, match="dx as a real number"):
        ag.cumulative_trapezoid(y, dx="1")
    with pytest.raises(IndexError, match="no dimensions"):
        ag.trapezoid(ag.tensor(1.0))
    with pytest.raises(IndexError, match="0-dim"):
        ag.cumulative_trapezoid(ag.tensor(1.0))
    with pytest.raises(IndexError, match="dim 2"):
        ag.trapezoid(y, dim=2)
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.trapezoid(y, ag.ones(4, 3))


# ---------------------------------------------------------------------------- vander, msort by hand
def test_vander_dtypes_orders_and_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for x, kw in [([1, 2, 3], {}), ([True, False], {}), ([1.5, -2.0], {"N": 4}), ([1.0, 2.0, 3.0], {"N": 0}),
                  ([2, 3], {"increasing": True}), ([], {})]:
        for dtype in (None, "int8") if x and isinstance(x[0], int) and not isinstance(x[0], bool) else (None,):
            ours = ag.vander(ag.tensor(np.array(x, dtype=dtype)), **kw)
            theirs = torch.vander(torch.tensor(np.array(x, dtype=dtype)), **kw)
            assert str(ours.dtype) == str(theirs.numpy().dtype) and ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(to_host(ours), theirs.numpy())
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert [ag.vander(x, N=n).requires_grad for n in (0, 1, 2)] == [False, False, True]
    assert ag.vander(x, N=0).shape == (2, 0) and ag.vander(x, N=1).tolist() == [[1.0], [1.0]]
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ag.vander(ag.ones(2, 2))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ag.vander(ag.tensor(2.0))
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.vander(ag.ones(2), N=-1)


def test_linalg_vander_orders_increasing_and_batches():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_array_equal(to_host(linalg_vander(ag.tensor(x), N=3)), torch.linalg.vander(torch.tensor(x), N=3))
    np.testing.assert_array_equal(to_host(linalg_vander(ag.tensor(2.0), N=3)), [[1.0, 2.0, 4.0]])
    assert linalg_vander(ag.tensor([1, 2], dtype=ag.int8), N=4).dtype == ag.int64
    np.testing.assert_array_equal(to_host(ag.vander(ag.tensor(x[0]), N=3)),
                                  to_host(linalg_vander(ag.tensor(x[0]), N=3)).T[::-1].T)
    for bad in ({"N": 1}, {"N": 0}):
        with pytest.raises(RuntimeError, match="greater than 1"):
            linalg_vander(ag.tensor([1.0, 2.0]), **bad)
    with pytest.raises(RuntimeError, match="greater than 1"):
        linalg_vander(ag.tensor([]))
    with pytest.raises(RuntimeError, match="Bool"):
        linalg_vander(ag.tensor([True, False]))


@pytest.mark.parametrize("device", DEVICES)
def test_vander_gradient_is_exact_at_zero_and_matches_pytorch_linalg_vander(device):
    torch = pytest.importorskip("torch")
    xs = np.array([0.0, 2.0, -3.0, 0.0])
    x = ag.tensor(xs, device=device, requires_grad=True)
    g = np.random.default_rng(1).standard_normal((4, 5))
    ag.vander(x, N=5).backward(ag.tensor(g, device=device))
    tx = torch.tensor(xs, requires_grad=True)
    torch.linalg.vander(tx, N=5).flip(-1).backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), **TOL)
    fn = lambda t: ag.vander(t, N=4)  # noqa: E731
    inputs = (ag.tensor(xs, device=device, requires_grad=True),)
    assert ag.gradcheck(fn, inputs) and ag.gradgradcheck(fn, inputs)


def test_msort_sorts_along_the_first_dim_nans_last():
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, np.nan], [1.0, 2.0], [np.nan, -1.0]])
    np.testing.assert_array_equal(to_host(ag.msort(ag.tensor(a))), torch.msort(torch.tensor(a)).numpy())
    assert ag.msort(ag.tensor(3.0)).item() == 3.0
    assert ag.tensor([[3, 1], [2, 4]]).msort().tolist() == [[2, 1], [3, 4]]


# ---------------------------------------------------------------------------- histogram, histc
# float32 weights and densities are summed in another order than PyTorch's (in float64, then rounded)
FLOAT32_TOL = {"rtol": 1e-6, "atol": 1e-7}


def _same_histogram(ours, theirs):
    for o, t in zip(ours, theirs):
        assert str(o.dtype) == str(t.numpy().dtype)
        tol = TOL if o.dtype == ag.float64 else FLOAT32_TOL
        np.testing.assert_allclose(to_host(o), t.detach().numpy(), equal_nan=True, **tol)
    if ours[1].dtype == ag.float32:  # float32 edges exactly (PyTorch's fused multiply-add, rounded once);
        np.testing.assert_array_equal(to_host(ours[1]), theirs[1].numpy())  # float64 ones within an ulp


@pytest.mark.parametrize("device", ["cpu", STRICT])
@settings(max_examples=25)
@given(data=st.data(), dtype=st.sampled_from(["float32", "float64"]), density=st.booleans(),
       weighted=st.booleans(), ranged=st.booleans(), seed=S.seeds)
def test_histogram_with_a_number_of_bins_matches_pytorch(device, data, dtype, density, weighted, ranged, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    x = rng.standard_normal(shape).astype(dtype)
    if x.size and data.draw(st.booleans(), label="round"):  # values on the edges and repeated
        x = np.round(x * 2).astype(dtype)
    w = rng.random(shape).astype(dtype) if weighted else None
    bins = data.draw(st.integers(1, 7), label="bins")
    rng_arg = tuple(sorted(data.draw(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), label="range"))) if ranged else None
    ours = ag.histogram(ag.tensor(x, device=device), bins, range=rng_arg,
                        weight=None if w is None else ag.tensor(w, device=device), density=density)
    theirs = torch.histogram(torch.tensor(x), bins, range=rng_arg, weight=None if w is None else torch.tensor(w),
                             density=density)
    assert ours.hist.device == ag.device(device)
    _same_histogram(ours, theirs)


@settings(max_examples=25)
@given(data=st.data(), density=st.booleans(), seed=S.seeds)
def test_histogram_with_bin_edges_matches_pytorch(data, density, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal(data.draw(S.shapes(max_dims=2), label="shape")) * 2) / 2
    edges = np.sort(np.round(rng.standard_normal(data.draw(st.integers(2, 6), label="n")) * 2) / 2)
    w = rng.random(x.shape)
    ours = ag.histogram(ag.tensor(x), ag.tensor(edges), weight=ag.tensor(w), density=density)
    theirs = torch.histogram(torch.tensor(x), torch.tensor(edges), weight=torch.tensor(w), density=density)
    _same_histogram(ours, theirs)
    _same_histogram(ag.tensor(x).histogram(ag.tensor(edges)), torch.tensor(x).histogram(torch.tensor(edges)))


def test_histogram_special_cases_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [([], 3, {}), ([], 3, {"range": (2.0, 2.0)}), ([2.0, 2.0], 3, {}), ([1.0, 2.0], 3, {"range": (1, 1)}),
             ([5.0], 2, {"range": (0.0, 1.0), "density": True}), ([1.0, 2.0], 3, {"range": [0, 1]}),
             ([0.1, 0.2, 0.3], 3, {}), ([1.0, 2.0, 1.0, 4.0, 2.5, 0.0], 4, {})]
    for x, bins, kw in cases:
        _same_histogram(ag.histogram(ag.tensor(x), bins, **kw), torch.histogram(torch.tensor(x), bins, **kw))
    for edges in ([0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 2.0]):
        x = [0.0, 1.0, 1.0, 2.0]
        for density in (False, True):
            _same_histogram(ag.histogram(ag.tensor(x), ag.tensor(edges), density=density),
                            torch.histogram(torch.tensor(x), torch.tensor(edges), density=density))
    out = ag.histogram(ag.tensor([[0.1, 0.2], [0.3, 0.3]]), 3, weight=ag.tensor([1.0, 2.0, 3.0, 4.0]))
    assert out.hist.tolist() == [1.0, 2.0, 7.0]
    assert out._fields == ("hist", "bin_edges")


def test_histogram_joins_the_graph_but_refuses_a_backward_as_pytorch():
    x = ag.tensor([1.0, 2.0, 1.0], requires_grad=True)
    hist, edges = ag.histogram(x, 2)
    assert hist.requires_grad and edges.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::histogram is not implemented"):
        hist.sum().backward()
    w = ag.ones(3, requires_grad=True)
    assert ag.histogram(x.detach(), 2, weight=w).hist.requires_grad
    with ag.no_grad():
        assert not ag.histogram(x, 2).hist.requires_grad
    assert not ag.histogram(x.detach(), 2).hist.requires_grad


def test_histogram_errors():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="int64"):
        ag.histogram(ag.tensor([1, 2]), 3)
    with pytest.raises(RuntimeError, match="float16"):
        ag.histogram(ag.tensor([1.0, 2.0], dtype=ag.float16), 3)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ag.histogram(x, 0)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ag.histogram(x, ag.tensor([3.0]))
    with pytest.raises(TypeError, match="bins"):
        ag.histogram(x, 3.0)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        ag.histogram(x, 3, range=(2.0, 1.0))
    with pytest.raises(RuntimeError, match="not finite"):
        ag.histogram(x, 3, range=(0.0, float("inf")))
    with pytest.raises(RuntimeError, match="not finite"):
        ag.histogram(ag.tensor([2.0, float("nan")]), 3)
    with pytest.raises(RuntimeError, match="2 elements"):
        ag.histogram(x, 3, range=(0, 1, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.histogram(x, 3, weight=ag.tensor([1.0, 2.0], dtype=ag.float64))
    with pytest.raises(RuntimeError, match="one element per element"):
        ag.histogram(x, 3, weight=ag.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.histogram(x.double(), ag.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(RuntimeError, match="one dimension"):
        ag.histogram(x, ag.tensor([[0.0, 1.0]]))


@pytest.mark.parametrize("device", ["cpu", STRICT])
@settings(max_examples=20)
@given(data=st.data(), seed=S.seeds)
def test_histc_agrees_with_pytorch(device, data, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(data.draw(S.shapes(max_dims=2), label="shape"))
    if data.draw(st.booleans(), label="round"):
        x = np.round(x * 2) / 2
    bins = data.draw(st.integers(1, 7), label="bins")
    lo, hi = sorted(data.draw(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), label="range"))
    for kw in ({}, {"min": lo, "max": hi}):
        ours = ag.histc(ag.tensor(x, device=device), bins, **kw)
        np.testing.assert_array_equal(to_host(ours), torch.histc(torch.tensor(x), bins, **kw).numpy())
