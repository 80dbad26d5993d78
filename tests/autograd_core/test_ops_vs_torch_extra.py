"""Op behaviours a differential run against PyTorch found to differ, each pinned to PyTorch's:
zero gradients of piecewise-constant ops, bool and integer result dtypes, keyword and varargs
forms, and the gradient conventions at NaN.  PyTorch is a test oracle only."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")

NAN = float("nan")


def _grads_match(ours_fn, torch_fn, *values):
    """Forward values, dtypes and every input's gradient, ours against PyTorch's, in float64."""
    ours = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out, tout = ours_fn(*ours), torch_fn(*theirs)
    assert out.requires_grad == tout.requires_grad
    np.testing.assert_allclose(to_host(out), tout.detach().numpy(), equal_nan=True)
    g = np.linspace(0.5, 1.5, tout.numel()).reshape(tuple(tout.shape))
    out.backward(ag.tensor(g, dtype=ag.float64))
    tout.backward(torch.from_numpy(g))
    for i, (x, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_array_equal(to_host(x.grad), t.grad.numpy(), err_msg=f"grad of input {i}")


# ---------------------------------------------------------------------------- piecewise constant
PIECEWISE = {
    "floor": lambda m, x: m.floor(x),
    "ceil": lambda m, x: m.ceil(x),
    "round": lambda m, x: m.round(x),
    "round_decimals_method": lambda m, x: x.round(decimals=1),
    "trunc": lambda m, x: m.trunc(x),
    "sign": lambda m, x: m.sign(x),
    "sign_method": lambda m, x: x.sign(),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_piecewise_constant_ops_are_recorded_with_a_zero_gradient(name):
    # PyTorch records floor, round, sign ... so `x.floor().sum().backward()` works and gives zeros.
    fn = PIECEWISE[name]
    _grads_match(lambda x: fn(ag, x), lambda x: fn(torch, x), [-1.7, -0.2, 0.0, 0.4, 2.5])


def test_piecewise_constant_op_in_a_product_and_to_second_order():
    # x * floor(x): d/dx = floor(x); the zero-gradient node also differentiates with create_graph.
    _grads_match(lambda x: x * x.floor(), lambda x: x * x.floor(), [-1.5, 0.25, 2.75])
    x = ag.tensor([-1.5, 0.25, 2.75], dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad((x.round() * x * x).sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])
    assert gg.tolist() == (2 * np.round([-1.5, 0.25, 2.75])).tolist()


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_with_rounding_mode_gradient_matches_pytorch(mode):
    _grads_match(lambda a, b: ag.div(a, b, rounding_mode=mode), lambda a, b: torch.div(a, b, rounding_mode=mode),
                 [1.0, -2.5, 3.5], [0.3, 0.7, -2.0])
    for a, b in [(ag.tensor([7, -7]), 2), (7, ag.tensor([2, -3])), (ag.tensor([7.5, -7.5]), 2)]:
        ta = torch.tensor(a.tolist()) if isinstance(a, ag.Tensor) else a
        tb = torch.tensor(b.tolist()) if isinstance(b, ag.Tensor) else b
        ours, theirs = ag.div(a, b, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_piecewise_constant_ops_keep_integer_and_bool_inputs_off_the_graph():
    i = ag.tensor([-2, 0, 3])
    assert ag.sign(i).tolist() == [-1, 0, 1] and not ag.sign(i).requires_grad
    b = ag.tensor([True, False])
    out, expected = ag.sign(b), torch.sign(torch.tensor([True, False]))
    assert out.dtype == ag.bool and out.tolist() == expected.tolist()


# ---------------------------------------------------------------------------- result dtypes
BOOL_SCALAR_CASES = {
    "mask + True": lambda b: b + True,
    "mask + False": lambda b: b + False,
    "True + mask": lambda b: True + b,
    "mask * True": lambda b: b * True,
    "False * mask": lambda b: False * b,
    "add(mask, True)": lambda b: b.add(True),
    "mask + 1": lambda b: b + 1,
    "mask * 2.5": lambda b: b * 2.5,
    "mask ** 2": lambda b: b**2,
    "mask.pow(3)": lambda b: b.pow(3),
}


@pytest.mark.parametrize("name", sorted(BOOL_SCALAR_CASES))
def test_bool_tensor_with_python_scalar_result_dtype_matches_pytorch(name):
    # A bool tensor with a Python bool stays bool (logical or / and); with an int it is int64.
    fn = BOOL_SCALAR_CASES[name]
    ours = fn(ag.tensor([True, False]))
    theirs = fn(torch.tensor([True, False]))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_logsumexp_of_integers_is_in_the_default_dtype(dtype):
    values = [[1, 0, 3], [0, 0, 1]]
    ours = ag.logsumexp(ag.tensor(values, dtype=getattr(ag, dtype)), dim=1)
    theirs = torch.logsumexp(torch.tensor(values, dtype=getattr(torch, dtype)), dim=1)
    assert ours.dtype == ag.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", ["all", "any"])
@pytest.mark.parametrize("dim", [(), []])
def test_all_any_over_no_dims_reduce_nothing(op, dim):
    # Unlike sum(dim=()), PyTorch's all/any with an empty dim list keep every dim.
    values = [[1, 0], [2, 3]]
    for dtype in ("int64", "uint8"):
        ours = getattr(ag.tensor(values, dtype=getattr(ag, dtype)), op)(dim=dim)
        theirs = getattr(torch.tensor(values, dtype=getattr(torch, dtype)), op)(dim=dim)
        assert tuple(ours.shape) == tuple(theirs.shape) == (2, 2)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.") and ours.tolist() == theirs.tolist()


# ---------------------------------------------------------------------------- call forms
def test_permute_and_flip_accept_pytorchs_keyword_and_varargs_forms():
    x = np.arange(24.0).reshape(2, 3, 4)
    ours, theirs = ag.tensor(x), torch.tensor(x)
    calls = [
        lambda t: t.permute(dims=(2, 0, 1)),
        lambda t: t.permute(2, 0, 1),
        lambda t: t.permute([2, 0, 1]),
        lambda t: t.flip(0, 2),
        lambda t: t.flip(-1),
        lambda t: t.flip(dims=(0, 1)),
        lambda t: t.flip((1,)),
    ]
    for call in calls:
        np.testing.assert_array_equal(to_host(call(ours)), call(theirs).numpy())
    np.testing.assert_array_equal(to_host(ag.permute(ours, dims=[1, 2, 0])), torch.permute(theirs, dims=[1, 2, 0]).numpy())
    np.testing.assert_array_equal(to_host(ag.flip(ours, dims=[0])), torch.flip(theirs, dims=[0]).numpy())
    with pytest.raises(TypeError, match="permute"):
        ours.permute(0, 1, 2, dims=(0, 1, 2))
    with pytest.raises(TypeError, match="flip"):
        ours.flip()


def test_flip_varargs_gradient_matches_pytorch():
    _grads_match(lambda x: x.flip(0, 1), lambda x: x.flip(0, 1), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


# ---------------------------------------------------------------------------- gradients at NaN
NAN_CASES = {
    # max()/min() of the whole tensor give the gradient to the NaN(s) that made the result NaN.
    "max_all": (lambda m, x: x.max(), [[1.0, NAN, 2.0]]),
    "min_all_two_nans": (lambda m, x: x.min(), [[[1.0, NAN], [NAN, 2.0]]]),
    "max_all_no_nan_ties": (lambda m, x: x.max(), [[3.0, 1.0, 3.0]]),
    # amax has no such rule: PyTorch's gradient is NaN everywhere.
    "amax_nan": (lambda m, x: x.amax(0), [[1.0, NAN, 2.0]]),
    # relu passes the gradient of a NaN on (its mask is "not <= 0").
    "relu_nan": (lambda m, x: m.relu(x), [[1.0, NAN, -2.0, 0.0]]),
    # maximum/minimum: an operand gets the gradient unless it loses, so both do next to a NaN.
    "maximum_nan": (lambda m, a, b: m.maximum(a, b), [[1.0, NAN, 2.0, NAN, 3.0], [NAN, 0.0, 3.0, NAN, 3.0]]),
    "minimum_nan": (lambda m, a, b: m.minimum(a, b), [[1.0, NAN, 2.0, NAN, 3.0], [NAN, 0.0, 3.0, NAN, 3.0]]),
    "maximum_scalar_nan": (lambda m, a: m.clamp_min(a, 0.0) + m.maximum(a, m.zeros_like(a)), [[NAN, -1.0, 2.0]]),
}


@pytest.mark.parametrize("name", sorted(NAN_CASES))
def test_gradients_at_nan_match_pytorch(name):
    fn, values = NAN_CASES[name]
    _grads_match(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *values)
