"""The op-test factory: describe an op once, get its forward, backward and double-backward tests.

An ``OpSpec`` names the op, a NumPy reference, how to draw input shapes and
keyword arguments, how to move input values to where the op is smooth, and
which inputs are differentiable.  ``make_tests(SPECS)`` turns a list of specs
into three pytest functions, each parametrized over spec and device
(``cpu``, the NumPy-refusing ``strict`` device, and ``cuda``, marked ``cuda`` and
skipped without a GPU) and driven by hypothesis:

``test_forward``
    float32 and float64 results against the reference (per-dtype tolerance),
    result dtype, shape, device and ``requires_grad``; inputs are built
    non-contiguous on purpose (transposed, strided slices whose gaps hold NaN)
    and must not be modified by the op.
``test_backward``
    ``gradcheck`` against float64 central differences (full Jacobian), then
    the invariants of every backward: gradients have their leaf's shape,
    dtype and device, no two gradients (nor a gradient and an input or the
    upstream gradient) share memory, nothing is mutated, and float32
    gradients agree with float64 ones.
``test_double_backward``
    ``gradgradcheck``, plus an independent check of second derivatives by
    random projections: the backward pass is itself differentiable.

``make_torch_test`` adds a comparison with PyTorch (same float64 inputs,
forward and ``x.grad``) for every spec that names a ``torch`` function.

>>> import numpy as np, autograd_core as ag
>>> from tests.helpers import strategies as S
>>> spec = OpSpec("exp", ag.exp, np.exp, S.same_shapes(1))
>>> test_forward, test_backward, test_double_backward = make_tests([spec])  # in a test module
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers import strict_backend

strict_backend.register()


def _cuda_available() -> bool:
    return ag.cuda.is_available()


# The real GPU runs the same suite: ``PYTHONPATH=. python3 -m pytest -m cuda`` on a machine with CuPy.
CUDA = pytest.param(
    "cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(not _cuda_available(), reason="no usable CUDA device")]
)
DEVICES = ("cpu", strict_backend.DEVICE, CUDA)
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Forward results against a float64 reference evaluated on the same (rounded) inputs.
FORWARD_TOL = {
    np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-6},
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
}
# float32 gradients against float64 ones (same inputs, same upstream gradient).
GRAD32_TOL = {"rtol": 1e-4, "atol": 1e-5}
# Analytical against numerical derivatives (PyTorch's gradcheck defaults, eps for float64).
GRADCHECK = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3}
# Against PyTorch, both in float64.
TORCH_TOL = {"rtol": 1e-10, "atol": 1e-12}

LAYOUTS = ("contiguous", "transposed", "strided")


def _no_kwargs(shapes):
    return st.just({})


def _identity_domain(arrays, kwargs):
    return arrays


@dataclass(frozen=True)
class OpSpec:
    """Everything the factory needs to test one op.

    name:    test id.
    op:      ``op(*tensors, **kwargs)`` -> Tensor or tuple of Tensors.
    ref:     ``ref(*float64 arrays, **kwargs)`` -> ndarray or tuple: the NumPy reference.
    shapes:  strategy for a tuple of input shapes, one per positional input.
    kwargs:  ``kwargs(shapes)`` -> strategy for keyword arguments (dims, keepdim, ...).  A
             NumPy array among them is passed to ``op`` as a tensor on the test's device
             (index tensors, conditions) and to ``ref`` as is.
    case:    instead of ``shapes`` + ``kwargs``: a strategy for ``(shapes, kwargs)`` drawn
             together, when the shapes depend on a keyword (cat along ``dim``).
    domain:  ``domain(arrays, kwargs)`` -> arrays: moves N(0, 1) float64 inputs to where the
             op is smooth (positive for log, away from kinks for abs and clamp, no ties for max).
    diff:    positions of the differentiable inputs; None means all, () an op with no gradient.
    torch:   ``torch(torch_module, *torch_tensors, **kwargs)``, PyTorch's version of the op.
    layouts: whether inputs may be non-contiguous (False only for ops that take no real input).
    """

    name: str
    op: Callable
    ref: Callable
    shapes: object = None
    kwargs: Callable = _no_kwargs
    case: object = None
    domain: Callable = _identity_domain
    diff: tuple | None = None
    torch: Callable | None = None
    layouts: bool = True

    def cases(self):
        """Strategy for ``(shapes, kwargs)``."""
        return self.case if self.case is not None else _shapes_then_kwargs(self.shapes, self.kwargs)

    @property
    def differentiable(self) -> bool:
        return self.diff != ()

    def diff_positions(self, n: int) -> tuple:
        return tuple(range(n)) if self.diff is None else self.diff


@st.composite
def _shapes_then_kwargs(draw, shapes, kwargs):
    drawn = tuple(tuple(s) for s in draw(shapes))
    return drawn, draw(kwargs(drawn))


def each(transform) -> Callable:
    """A domain that applies ``transform`` to every input array."""
    return lambda arrays, kwargs: tuple(transform(a) for a in arrays)


# ---------------------------------------------------------------------------- building inputs
@dataclass
class Case:
    arrays: tuple  # float64 host arrays, one per positional input
    kwargs: dict
    layouts: tuple


def draw_case(spec: OpSpec, data, layouts: bool = True) -> Case:
    shapes, kwargs = data.draw(spec.cases(), label="shapes, kwargs")
    rng = np.random.default_rng(data.draw(S.seeds, label="seed"))
    arrays = tuple(np.asarray(rng.standard_normal(s), dtype=np.float64) for s in shapes)
    arrays = tuple(np.asarray(a, dtype=np.float64) for a in spec.domain(arrays, kwargs))
    if layouts and spec.layouts:
        lay = data.draw(st.tuples(*[st.sampled_from(LAYOUTS) for _ in arrays]), label="layouts")
    else:
        lay = ("contiguous",) * len(arrays)
    return Case(arrays, kwargs, lay)


def make_tensor(array: np.ndarray, device: str, dtype, layout: str = "contiguous",
                requires_grad: bool = False) -> ag.Tensor:
    """A leaf tensor holding ``array``, laid out in memory as ``layout`` says.

    ``transposed``: a permuted view of a tensor stored in reversed dim order.
    ``strided``: every other element of a tensor twice as long in its last dim, whose
    skipped elements are NaN, so an op that reads outside the view shows it.
    """
    if layout == "transposed" and array.ndim >= 2:
        order = tuple(reversed(range(array.ndim)))
        t = ag.tensor(np.ascontiguousarray(array.transpose(order)), dtype=dtype, device=device).permute(order)
    elif layout in ("strided", "transposed") and array.ndim >= 1:
        big = np.full(array.shape[:-1] + (2 * array.shape[-1],), np.nan)
        big[..., ::2] = array
        every_other = (slice(None),) * (array.ndim - 1) + (slice(None, None, 2),)
        t = ag.tensor(big, dtype=dtype, device=device)[every_other]
    else:
        t = ag.tensor(array, dtype=dtype, device=device)
    assert t.is_leaf and t.shape == array.shape
    if requires_grad:
        t.requires_grad_(True)
    return t


def device_kwargs(kwargs: dict, device: str) -> dict:
    """Keyword arrays become tensors on ``device`` (index tensors, masks, conditions)."""
    return {k: ag.tensor(v, device=device) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def make_inputs(spec: OpSpec, case: Case, device: str, dtype) -> list:
    diff = spec.diff_positions(len(case.arrays))
    return [
        make_tensor(a, device, dtype, lay, requires_grad=i in diff)
        for i, (a, lay) in enumerate(zip(case.arrays, case.layouts))
    ]


# ---------------------------------------------------------------------------- reading results
def to_host(t: ag.Tensor) -> np.ndarray:
    """A host copy of ``t``'s values, through the public API on any device."""
    return t.detach().cpu().numpy().copy()


def memory(t: ag.Tensor) -> np.ndarray:
    """The array that holds ``t``'s data (no copy), to check memory sharing with ``shares_memory``."""
    if t.device.type == "cpu":
        return t.detach().numpy()
    return t._data if t.device.type == "cuda" else strict_backend.raw(t._data)


def shares_memory(a, b) -> bool:
    """``np.shares_memory``; for two GPU arrays, whether their byte ranges overlap.

    (CuPy's exact ``shares_memory`` takes each element's address in a kernel, and
    reports any two 0-d arrays as sharing memory.)
    """
    if isinstance(a, np.ndarray):
        return np.shares_memory(a, b)
    import cupy

    return a.size > 0 and b.size > 0 and bool(cupy.may_share_memory(a, b))


def as_list(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def assert_on_device(t, device: str, what: str) -> None:
    assert isinstance(t, ag.Tensor), f"{what}: expected a Tensor, got {type(t).__name__}"
    assert t.device == device, f"{what}: on {t.device}, expected {device}"
    if device == strict_backend.DEVICE:
        assert strict_backend.StrictArray is type(t._data), (
            f"{what}: holds a {type(t._data).__name__}, not a strict-device array (host data leaked in)"
        )


def assert_close(actual: np.ndarray, expected: np.ndarray, tol: dict, what: str) -> None:
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    else:
        np.testing.assert_allclose(actual.astype(np.float64), expected, equal_nan=True, err_msg=what, **tol)


def _snapshot(tensors) -> list:
    return [to_host(t) for t in tensors]


def assert_unchanged(tensors, before, what: str) -> None:
    for i, (t, b) in enumerate(zip(tensors, before)):
        np.testing.assert_array_equal(to_host(t), b, err_msg=f"{what}: input {i} was modified")


# ---------------------------------------------------------------------------- the checks
def check_forward(spec: OpSpec, device: str, data) -> None:
    case = draw_case(spec, data)
    for dtype in FLOAT_DTYPES:
        inputs = make_inputs(spec, case, device, dtype)
        before = _snapshot(inputs)
        outs = as_list(spec.op(*inputs, **device_kwargs(case.kwargs, device)))
        rounded = [a.astype(dtype).astype(np.float64) for a in case.arrays]
        refs = as_list(spec.ref(*rounded, **case.kwargs))
        assert len(outs) == len(refs), f"{spec.name}: {len(outs)} outputs, the reference has {len(refs)}"
        records = spec.differentiable and any(t.requires_grad for t in inputs)
        for k, (out, ref) in enumerate(zip(outs, refs)):
            what = f"{spec.name} output {k} ({dtype}, {device})"
            ref = np.asarray(ref)
            assert_on_device(out, device, what)
            expected_dtype = dtype if ref.dtype.kind == "f" else (np.dtype(np.int64) if ref.dtype.kind in "iu" else ref.dtype)
            assert out.dtype == expected_dtype, f"{what}: dtype {out.dtype}, expected {expected_dtype}"
            assert_close(to_host(out), ref, FORWARD_TOL[dtype], what)
            float_out = out.dtype.kind == "f"
            assert out.requires_grad == (records and float_out), (
                f"{what}: requires_grad is {out.requires_grad}, expected {records and float_out}"
            )
        assert_unchanged(inputs, before, f"{spec.name} forward")


def _fn(spec: OpSpec, kwargs: dict):
    return lambda *xs: spec.op(*xs, **kwargs)


def _backward_with_random_grads(spec, inputs, kwargs, device, dtype, seed):
    """Run the op, backward with a random upstream gradient; return (outputs, upstream grads)."""
    outs = [o for o in as_list(spec.op(*inputs, **kwargs)) if o.dtype.kind == "f" and o.requires_grad]
    assert outs, f"{spec.name}: no output requires grad although its inputs do"
    rng = np.random.default_rng(seed)
    grads = [ag.tensor(rng.standard_normal(o.shape), dtype=dtype, device=device) for o in outs]
    ag.autograd.backward(outs, grads)
    return outs, grads


def check_backward(spec: OpSpec, device: str, data) -> None:
    case = draw_case(spec, data)
    kwargs = device_kwargs(case.kwargs, device)
    inputs = make_inputs(spec, case, device, np.float64)
    diff = spec.diff_positions(len(inputs))
    ag.gradcheck(_fn(spec, kwargs), tuple(inputs), fast_mode=False, **GRADCHECK)

    # The invariants of one backward pass, float64 then float32.
    seed = data.draw(S.seeds, label="upstream seed")
    grads64 = None
    for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
        inputs = make_inputs(spec, case, device, dtype)
        before = _snapshot(inputs)
        outs, upstream = _backward_with_random_grads(spec, inputs, kwargs, device, dtype, seed)
        upstream_before = _snapshot(upstream)
        leaves = [inputs[i] for i in diff]
        for i, x in zip(diff, leaves):
            what = f"{spec.name}: grad of input {i} ({dtype}, {device})"
            assert x.grad is not None, f"{what} is None"
            assert_on_device(x.grad, device, what)
            assert x.grad.shape == x.shape, f"{what} has shape {x.grad.shape}, the input {x.shape}"
            assert x.grad.dtype == dtype, f"{what} has dtype {x.grad.dtype}"
            assert not x.grad.requires_grad and x.grad.grad_fn is None, f"{what} is part of a graph"
        owners = [(f"grad of input {i}", memory(x.grad)) for i, x in zip(diff, leaves)]
        others = [(f"input {i}", memory(t)) for i, t in enumerate(inputs)]
        others += [(f"upstream gradient {k}", memory(g)) for k, g in enumerate(upstream)]
        for a, (name_a, mem_a) in enumerate(owners):
            for name_b, mem_b in owners[a + 1 :] + others:
                assert not shares_memory(mem_a, mem_b), f"{spec.name} ({device}): {name_a} shares memory with {name_b}"
        assert_unchanged(inputs, before, f"{spec.name} backward")
        assert_unchanged(upstream, upstream_before, f"{spec.name} backward (upstream gradient)")
        if grads64 is None:
            grads64 = [to_host(x.grad) for x in leaves]
        else:
            for i, x, g64 in zip(diff, leaves, grads64):
                assert_close(to_host(x.grad), g64, GRAD32_TOL, f"{spec.name}: float32 grad of input {i} vs float64")


def check_double_backward(spec: OpSpec, device: str, data) -> None:
    case = draw_case(spec, data)
    inputs = make_inputs(spec, case, device, np.float64)
    ag.gradgradcheck(_fn(spec, device_kwargs(case.kwargs, device)), tuple(inputs), fast_mode=False, **GRADCHECK)
    check_second_order(spec, case, device, data.draw(S.seeds, label="projection seed"))


def check_second_order(spec: OpSpec, case: Case, device: str, seed: int) -> None:
    """Second derivatives by random projections, independently of ``ag.gradgradcheck``.

    With ``g(x, v) = vᵀ ∂f/∂x`` (the backward pass, recorded with ``create_graph=True``)
    and ``s = wᵀ g``, the analytical ``∂s/∂x · u`` and ``∂s/∂v · z`` must match central
    differences of ``s`` along random directions ``u`` and ``z``.
    """
    rng = np.random.default_rng(seed)
    kwargs = device_kwargs(case.kwargs, device)
    diff = spec.diff_positions(len(case.arrays))
    eps, atol, rtol = GRADCHECK["eps"], GRADCHECK["atol"], GRADCHECK["rtol"]

    def first_derivative(x_arrays, v_arrays):
        inputs = [
            make_tensor(a, device, np.float64, lay, requires_grad=i in diff)
            for i, (a, lay) in enumerate(zip(x_arrays, case.layouts))
        ]
        outs = [o for o in as_list(spec.op(*inputs, **kwargs)) if o.dtype.kind == "f" and o.requires_grad]
        vs = [ag.tensor(v, dtype=ag.float64, device=device, requires_grad=True) for v in v_arrays]
        gs = ag.grad(outs, [inputs[i] for i in diff], vs, create_graph=True, allow_unused=True)
        return [inputs[i] for i in diff], vs, gs

    probe = [o for o in as_list(spec.op(*make_inputs(spec, case, device, np.float64), **kwargs)) if o.requires_grad]
    v_arrays = [rng.standard_normal(o.shape) for o in probe]
    w_arrays = [rng.standard_normal(case.arrays[i].shape) for i in diff]

    def projection(gs):
        total = None
        for g, w in zip(gs, w_arrays):
            if g is not None:
                term = (g * ag.tensor(w, dtype=ag.float64, device=device)).sum()
                total = term if total is None else total + term
        return total

    xs, vs, gs = first_derivative(case.arrays, v_arrays)
    s = projection(gs)
    wrt = xs + vs
    if s is not None and s.requires_grad:
        analytical = [to_host(g) if g is not None else np.zeros(t.shape)
                      for g, t in zip(ag.grad(s, wrt, allow_unused=True), wrt)]
    else:
        analytical = [np.zeros(t.shape) for t in wrt]

    def s_at(x_arrays, v_arrays):
        total = projection(first_derivative(x_arrays, v_arrays)[2])
        return 0.0 if total is None else float(total.item())

    for k, (name, base) in enumerate([(f"input {i}", case.arrays[i]) for i in diff] +
                                     [(f"grad_output {j}", v) for j, v in enumerate(v_arrays)]):
        u = rng.standard_normal(base.shape)
        shifted = []
        for sign in (1.0, -1.0):
            x_arrays, vv = list(case.arrays), list(v_arrays)
            if k < len(diff):
                x_arrays[diff[k]] = base + sign * eps * u
            else:
                vv[k - len(diff)] = base + sign * eps * u
            shifted.append(s_at(x_arrays, vv))
        numerical = (shifted[0] - shifted[1]) / (2 * eps)
        projected = float(np.sum(analytical[k] * u))
        both_nan = np.isnan(numerical) and np.isnan(projected)
        assert both_nan or abs(numerical - projected) <= atol + rtol * abs(numerical), (
            f"{spec.name} ({device}): second derivative with respect to {name} is wrong: "
            f"wᵀ(∂²f)u numerical {numerical:.8g}, analytical {projected:.8g}"
        )


def torch_kwargs(kwargs: dict, torch) -> dict:
    def conv(v):
        if isinstance(v, np.ndarray):
            return torch.from_numpy(v.copy())
        if isinstance(v, tuple):
            return tuple(conv(x) for x in v)
        return v

    return {k: conv(v) for k, v in kwargs.items()}


def check_vs_torch(spec: OpSpec, torch, data) -> None:
    case = draw_case(spec, data, layouts=False)
    diff = spec.diff_positions(len(case.arrays))
    ours = [make_tensor(a, "cpu", np.float64, requires_grad=i in diff) for i, a in enumerate(case.arrays)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=i in diff) for i, a in enumerate(case.arrays)]
    outs = as_list(spec.op(*ours, **device_kwargs(case.kwargs, "cpu")))
    touts = as_list(spec.torch(torch, *theirs, **torch_kwargs(case.kwargs, torch)))
    assert len(outs) == len(touts), f"{spec.name}: {len(outs)} outputs, PyTorch gives {len(touts)}"
    for k, (o, t) in enumerate(zip(outs, touts)):
        expected = t.detach().numpy()
        assert str(o.dtype) == str(expected.dtype), f"{spec.name} output {k}: dtype {o.dtype}, PyTorch {expected.dtype}"
        assert_close(to_host(o), expected, TORCH_TOL, f"{spec.name} output {k} vs PyTorch")
    if not spec.differentiable:
        return
    rng = np.random.default_rng(data.draw(S.seeds, label="upstream seed"))
    pairs = [(o, t) for o, t in zip(outs, touts) if t.requires_grad]
    assert pairs, f"{spec.name}: PyTorch's result does not require grad"
    gs = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    ag.autograd.backward([o for o, _ in pairs], [ag.tensor(g, dtype=ag.float64) for g in gs])
    torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(g) for g in gs])
    for i in diff:
        expected = theirs[i].grad
        expected = np.zeros(case.arrays[i].shape) if expected is None else expected.numpy()
        got = ours[i].grad
        assert got is not None, f"{spec.name}: grad of input {i} is None, PyTorch's is {expected}"
        assert_close(to_host(got), expected, TORCH_TOL, f"{spec.name}: grad of input {i} vs PyTorch")


# ---------------------------------------------------------------------------- test generation
def _examples(fraction: float):
    return settings(max_examples=max(3, int(settings().max_examples * fraction)))


def make_tests(specs: list):
    """``test_forward, test_backward, test_double_backward`` for ``specs`` (bind them in a test module)."""
    differentiable = [s for s in specs if s.differentiable]

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("spec", specs, ids=[s.name for s in specs])
    @given(data=st.data())
    def test_forward(spec, device, data):
        check_forward(spec, device, data)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("spec", differentiable, ids=[s.name for s in differentiable])
    @_examples(0.5)
    @given(data=st.data())
    def test_backward(spec, device, data):
        check_backward(spec, device, data)

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("spec", differentiable, ids=[s.name for s in differentiable])
    @_examples(0.25)
    @given(data=st.data())
    def test_double_backward(spec, device, data):
        check_double_backward(spec, device, data)

    return test_forward, test_backward, test_double_backward


def make_torch_test_if_installed(specs: list):
    """``make_torch_test`` where PyTorch (an optional test oracle) is installed; else None, which
    pytest doesn't collect.  ``test_vs_torch = make_torch_test_if_installed(SPECS)``."""
    try:
        import torch
    except ImportError:
        return None
    return make_torch_test(specs, torch)


def make_torch_test(specs: list, torch):
    """``test_vs_torch`` over the specs that name a PyTorch function."""
    with_torch = [s for s in specs if s.torch is not None]

    @pytest.mark.parametrize("spec", with_torch, ids=[s.name for s in with_torch])
    @_examples(0.5)
    @given(data=st.data())
    def test_vs_torch(spec, data):
        check_vs_torch(spec, torch, data)

    return test_vs_torch
