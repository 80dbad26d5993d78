"""The in-place family made from a table in ops/inplace.py (``abs_``, ``pow_``, ``eq_``, ``lgamma_`` ...):
values and dtypes against the out-of-place ops and PyTorch, identity and version counters, the
graph rules (recorded on a tensor in the graph, refused on a leaf that requires grad), and
gradients through recorded in-place ops against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops import inplace as IP
from autograd_core.ops.inplace import IN_PLACE
from tests.helpers.op_factory import DEVICES, TORCH_TOL, to_host

X = np.array([[0.3, -1.7, 2.2], [0.9, -0.4, 1.3]])  # no integers, no zero: every op below is defined or NaN alike
Y = np.array([[1.5, 0.6, -2.5], [-0.8, 2.0, 0.7]])
UNIT = np.array([[0.1, -0.7, 0.45], [0.85, -0.2, 0.6]])  # inside (-1, 1) for asin, atanh, erfinv
ABOVE_ONE = 1.2 + np.abs(X)  # for acosh, mvlgamma

# name -> (start values, positional args as arrays or numbers, keyword args)
FLOAT_CASES = {
    "abs_": (X, (), {}), "absolute_": (X, (), {}), "neg_": (X, (), {}), "negative_": (X, (), {}),
    "exp2_": (X, (), {}), "expm1_": (X, (), {}), "log_": (ABOVE_ONE, (), {}), "log2_": (ABOVE_ONE, (), {}),
    "log10_": (ABOVE_ONE, (), {}), "log1p_": (ABOVE_ONE, (), {}), "sqrt_": (ABOVE_ONE, (), {}),
    "rsqrt_": (ABOVE_ONE, (), {}), "square_": (X, (), {}), "reciprocal_": (X, (), {}), "sin_": (X, (), {}),
    "cos_": (X, (), {}), "tan_": (X, (), {}), "asin_": (UNIT, (), {}), "acos_": (UNIT, (), {}),
    "atan_": (X, (), {}), "sinh_": (X, (), {}), "cosh_": (X, (), {}), "asinh_": (X, (), {}),
    "acosh_": (ABOVE_ONE, (), {}), "atanh_": (UNIT, (), {}), "arcsin_": (UNIT, (), {}), "arccos_": (UNIT, (), {}),
    "arctan_": (X, (), {}), "arcsinh_": (X, (), {}), "arccosh_": (ABOVE_ONE, (), {}), "arctanh_": (UNIT, (), {}),
    "floor_": (X, (), {}), "ceil_": (X, (), {}), "round_": (X, (), {}), "trunc_": (X, (), {}), "fix_": (X, (), {}),
    "frac_": (X, (), {}), "sign_": (X, (), {}), "sgn_": (X, (), {}), "sinc_": (X, (), {}),
    "deg2rad_": (X, (), {}), "rad2deg_": (X, (), {}), "erf_": (X, (), {}), "erfc_": (X, (), {}),
    "erfinv_": (UNIT, (), {}), "lgamma_": (X, (), {}), "digamma_": (X, (), {}), "i0_": (X, (), {}),
    "igamma_": (ABOVE_ONE, (ABOVE_ONE + 0.5,), {}), "igammac_": (ABOVE_ONE, (ABOVE_ONE + 0.5,), {}),
    "logit_": (np.abs(UNIT), (), {}), "nan_to_num_": (np.array([[np.nan, np.inf, -np.inf], [1.0, 2.0, 3.0]]), (), {}),
    "pow_": (ABOVE_ONE, (Y,), {}), "fmod_": (X, (Y,), {}), "remainder_": (X, (Y,), {}),
    "atan2_": (X, (Y,), {}), "arctan2_": (X, (Y,), {}), "hypot_": (X, (Y,), {}), "xlogy_": (X, (ABOVE_ONE,), {}),
    "copysign_": (X, (Y,), {}), "clamp_min_": (X, (0.5,), {}), "clamp_max_": (X, (0.5,), {}),
    "multiply_": (X, (Y,), {}), "divide_": (X, (Y,), {}), "true_divide_": (X, (Y,), {}),
    "subtract_": (X, (Y,), {}), "clip_": (X, (-0.5, 0.5), {}), "floor_divide_": (X, (Y,), {}),
    "eq_": (X, (X[0],), {}), "ne_": (X, (X[0],), {}), "not_equal_": (X, (X[0],), {}), "lt_": (X, (Y,), {}),
    "less_": (X, (Y,), {}), "le_": (X, (Y,), {}), "less_equal_": (X, (Y,), {}), "gt_": (X, (Y,), {}),
    "greater_": (X, (Y,), {}), "ge_": (X, (Y,), {}), "greater_equal_": (X, (Y,), {}),
    "logical_and_": (X, (np.where(Y > 0, Y, 0.0),), {}), "logical_or_": (X * (X > 0), (Y * (Y > 1),), {}),
    "logical_xor_": (X, (np.where(Y > 0, Y, 0.0),), {}), "logical_not_": (X * (X > 0), (), {}),
    "ldexp_": (X, (np.array([2, -1, 0]),), {}), "nextafter_": (X, (Y,), {}),
    "heaviside_": (np.array([[0.0, -1.0, 2.0], [0.0, 3.0, -4.0]]), (np.array([0.25, 0.5, 0.75]),), {}),
    "polygamma_": (ABOVE_ONE, (2,), {}), "mvlgamma_": (ABOVE_ONE + 1.0, (2,), {}),
    "float_power_": (ABOVE_ONE, (1.5,), {}),
}
# shape-keeping matrix and scan ops (X is 2 x 3)
_R = np.random.default_rng(11)
MATRIX_CASES = {
    "tril_": (X, (), {}), "triu_": (X, (), {"diagonal": 1}), "cumsum_": (X, (1,), {}), "cumprod_": (X, (0,), {}),
    "addmm_": (X, (_R.standard_normal((2, 4)), _R.standard_normal((4, 3))), {"beta": 0.5, "alpha": 2.0}),
    "addmv_": (X[0, :2], (_R.standard_normal((2, 3)), _R.standard_normal(3)), {"alpha": 0.5}),
    "addr_": (X, (_R.standard_normal(2), _R.standard_normal(3)), {"beta": 2.0}),
    "baddbmm_": (np.stack([X, Y]), (_R.standard_normal((2, 2, 4)), _R.standard_normal((2, 4, 3))), {}),
    "addbmm_": (X, (_R.standard_normal((5, 2, 4)), _R.standard_normal((5, 4, 3))), {"alpha": 0.3}),
    "renorm_": (X, (2, 0, 1.5), {}),
}  # fmt: skip
FLOAT_CASES.update(MATRIX_CASES)
ROUND_DECIMALS = (X * 10, (), {"decimals": 1})
INT_CASES = {
    "bitwise_and_": (np.array([5, 12, -3]), (np.array([3, 10, 6]),)),
    "bitwise_or_": (np.array([5, 12, -3]), (np.array([3, 10, 6]),)),
    "bitwise_xor_": (np.array([5, 12, -3]), (np.array([3, 10, 6]),)),
    "bitwise_not_": (np.array([5, 12, -3]), ()),
    "abs_": (np.array([5, -12, -3]), ()),
    "neg_": (np.array([5, -12, -3]), ()),
    "sign_": (np.array([5, -12, 0]), ()),
    "square_": (np.array([5, -12, 0]), ()),
    "floor_divide_": (np.array([7, -7, 9]), (np.array([2, 2, -4]),)),
    "remainder_": (np.array([7, -7, 9]), (np.array([2, 2, -4]),)),
    "eq_": (np.array([7, -7, 9]), (np.array([7, 2, 9]),)),
    "fmod_": (np.array([7, -7, 9]), (3,)),
    "pow_": (np.array([2, -3, 4]), (2,)),
    "clamp_min_": (np.array([2, -3, 4]), (0,)),
}
# The operand that isn't a float tensor keeps its dtype: ldexp's exponent and heaviside's values.
_INT_OPERANDS = {"ldexp_"}


def _ours(a, device="cpu"):
    if isinstance(a, np.ndarray):
        dtype = ag.int64 if a.dtype.kind in "iu" else ag.float64
        return ag.tensor(a, dtype=dtype, device=device)
    return a


def _theirs(torch, a):
    if isinstance(a, np.ndarray):
        return torch.tensor(a, dtype=torch.int64 if a.dtype.kind in "iu" else torch.float64)
    return a


def test_every_generated_name_is_a_pytorch_tensor_method_and_ours():
    torch = pytest.importorskip("torch")
    for name in IN_PLACE:
        assert hasattr(torch.Tensor, name), f"{name} is not a PyTorch Tensor method"
        assert getattr(ag.Tensor, name) is IN_PLACE[name]
    assert set(FLOAT_CASES) | set(INT_CASES) >= set(IN_PLACE), sorted(set(IN_PLACE) - set(FLOAT_CASES) - set(INT_CASES))


@pytest.mark.parametrize("name", sorted(FLOAT_CASES) + ["round_ decimals"])
def test_float_in_place_matches_pytorch_values_identity_and_version(name):
    torch = pytest.importorskip("torch")
    start, args, kwargs = ROUND_DECIMALS if name == "round_ decimals" else FLOAT_CASES[name]
    method = name.split()[0]
    t = ag.tensor(start, dtype=ag.float64)
    memory, version = t.numpy(), t._version
    out = getattr(t, method)(*(_ours(a) for a in args), **kwargs)
    assert out is t and t.numpy() is not None and np.shares_memory(t.numpy(), memory)
    assert t._version == version + 1 and t.dtype == ag.float64
    expected = getattr(torch.tensor(start, dtype=torch.float64), method)(*(_theirs(torch, a) for a in args), **kwargs)
    np.testing.assert_allclose(to_host(t), expected.numpy(), equal_nan=True, **TORCH_TOL)


@pytest.mark.parametrize("name", sorted(INT_CASES))
def test_integer_in_place_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    start, args = INT_CASES[name]
    t = ag.tensor(start)
    getattr(t, name)(*(_ours(a) for a in args))
    expected = getattr(torch.tensor(start), name)(*(_theirs(torch, a) for a in args))
    assert t.dtype == ag.int64 and t.tolist() == expected.tolist()


@pytest.mark.parametrize("name", ["sqrt_", "sin_", "exp2_", "lgamma_", "erfc_", "logit_", "sinc_", "deg2rad_"])
def test_a_float_result_in_an_integer_tensor_is_refused_as_in_pytorch(name):
    t = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match=f"{name}: result type float32 can't be cast to the tensor's dtype int64"):
        getattr(t, name)()
    assert t.tolist() == [1, 2] and t._version == 0


def test_comparisons_write_ones_and_zeros_in_the_tensors_dtype():
    t = ag.tensor([1.0, 2.0, 3.0])
    t.ge_(2.0)
    assert t.dtype == ag.float32 and t.tolist() == [0.0, 1.0, 1.0]
    b = ag.tensor([True, False, True])
    b.logical_xor_(ag.tensor([True, True, False]))
    assert b.tolist() == [False, True, True]


def test_float_power_in_place_needs_a_float64_tensor_as_in_pytorch():
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype float32 but the operation's "
                                           "result requires dtype float64"):
        ag.ones(2).float_power_(2)
    t = ag.tensor([2.0, 3.0], dtype=ag.float64)
    assert t.float_power_(2).tolist() == [4.0, 9.0]


@pytest.mark.parametrize("device", DEVICES)
def test_in_place_on_every_device(device):
    t = ag.tensor([0.25, -1.5], dtype=ag.float64, device=device)
    t.mul_(2.0).sin_().abs_()
    np.testing.assert_allclose(to_host(t), np.abs(np.sin([0.5, -3.0])), rtol=1e-15)
    t.lt_(ag.tensor([0.3, 0.3], dtype=ag.float64, device=device))
    assert to_host(t).tolist() == [0.0, 1.0] and t.device == device


# ---------------------------------------------------------------------------- the graph rules
def test_a_leaf_that_requires_grad_is_refused_outside_no_grad_and_updated_inside():
    w = ag.tensor([0.5, -2.0], requires_grad=True)
    for name in ("abs_", "neg_", "pow_", "eq_", "erfc_"):
        args = (2.0,) if name in ("pow_", "eq_") else ()
        with pytest.raises(RuntimeError, match=f"{name}: in-place ops on a leaf tensor that requires grad"):
            getattr(w, name)(*args)
    with ag.no_grad():
        w.abs_().pow_(2.0)
    assert w.tolist() == [0.25, 4.0] and w.requires_grad and w.grad_fn is None


# differentiable in-place ops on a tensor in the graph: name -> (call, start values)
GRAPH_CASES = {
    "sin_": (lambda t, y: t.sin_(), X),
    "exp2_": (lambda t, y: t.exp2_(), X),
    "log_": (lambda t, y: t.log_(), ABOVE_ONE),
    "rsqrt_": (lambda t, y: t.rsqrt_(), ABOVE_ONE),
    "reciprocal_": (lambda t, y: t.reciprocal_(), X),
    "asin_": (lambda t, y: t.asin_(), UNIT),  # (PyTorch has no derivative for atanh_: gradcheck below)
    "pow_ tensor": (lambda t, y: t.pow_(y), ABOVE_ONE),
    "hypot_": (lambda t, y: t.hypot_(y), X),
    "xlogy_": (lambda t, y: t.xlogy_(y.abs() + 0.5), X),
    "atan2_": (lambda t, y: t.atan2_(y), X),
    "copysign_": (lambda t, y: t.copysign_(y), X),
    "subtract_ alpha": (lambda t, y: t.subtract_(y, alpha=0.5), X),
    "clamp_min_": (lambda t, y: t.clamp_min_(0.5), X),
    "lgamma_": (lambda t, y: t.lgamma_(), X),
    "erfinv_": (lambda t, y: t.erfinv_(), UNIT),
    "logit_ eps": (lambda t, y: t.logit_(eps=0.2), np.abs(UNIT)),
    "nan_to_num_": (lambda t, y: t.nan_to_num_(), X),
    "frac_": (lambda t, y: t.frac_(), X),
    "square_": (lambda t, y: t.square_(), X),
}


@pytest.mark.parametrize("name", sorted(GRAPH_CASES))
def test_in_place_in_the_graph_is_recorded_and_its_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    call, start = GRAPH_CASES[name]
    x = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    y = ag.tensor(Y, dtype=ag.float64, requires_grad=True)
    h = x * 1.0
    out = call(h, y)
    assert out is h and h.requires_grad and h.grad_fn is not None
    (h * ag.tensor(Y, dtype=ag.float64)).sum().backward()
    tx = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(Y, dtype=torch.float64, requires_grad=True)
    th = tx * 1.0
    call(th, ty)
    (th * torch.tensor(Y, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_host(h), th.detach().numpy(), **TORCH_TOL)
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), **TORCH_TOL)
    if ty.grad is not None:
        np.testing.assert_allclose(to_host(y.grad), ty.grad.numpy(), **TORCH_TOL)


def test_recorded_in_place_ops_pass_first_and_second_order_gradient_checks():
    for fn in (lambda t: (t * 1.0).sin_().exp2_(), lambda t: (t * 1.0).hypot_(t * 2.0),
               lambda t: (t * 1.0).lgamma_(), lambda t: ((t * 0.3).tanh() * 1.0).erfinv_(),
               lambda t: (t * 0.3).atanh_(), lambda t: (t * 1.0).digamma_()):
        # (digamma_ is not compared with PyTorch above: its trigamma is accurate to ~1e-9 only)
        x = ag.tensor(X[0], dtype=ag.float64, requires_grad=True)
        assert ag.gradcheck(fn, (x,)) and ag.gradgradcheck(fn, (x,))


def test_a_comparison_on_a_tensor_in_the_graph_keeps_it_in_the_graph_with_zero_gradient():
    torch = pytest.importorskip("torch")
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.eq_(1.0)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 1.0
    th.eq_(1.0)
    assert h.requires_grad == th.requires_grad and h.tolist() == th.tolist()
    h.sum().backward()
    th.sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() == [0.0, 0.0]


def test_changing_a_tensor_that_a_backward_saved_makes_that_backward_raise():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    h = x * 1.0
    out = h * h  # saves h
    h.cos_()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_an_operand_that_requires_grad_puts_the_result_in_the_graph():
    t = ag.tensor([1.0, 2.0])
    y = ag.tensor([3.0, 4.0], requires_grad=True)
    t.hypot_(y)
    assert t.requires_grad
    t.sum().backward()
    np.testing.assert_allclose(y.grad.tolist(), np.array([3.0, 4.0]) / np.hypot([1.0, 2.0], [3.0, 4.0]), rtol=1e-6)


# Every recorded in-place form gives the gradient of its out-of-place op, compositions included
# (mvlgamma_ is lgamma of shifted copies summed: a node deep inside saves the old value, which the
# in-place write would otherwise overwrite before backward reads it).
_EXACT = {"eq_", "ne_", "not_equal_", "lt_", "less_", "le_", "less_equal_", "gt_", "greater_", "ge_", "greater_equal_",
          "logical_and_", "logical_or_", "logical_xor_", "logical_not_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
          "bitwise_not_", "floor_", "ceil_", "round_", "trunc_", "fix_", "sign_", "sgn_", "floor_divide_", "heaviside_",
          "nextafter_"}  # fmt: skip  (piecewise constant or integer: nothing to compare)
_SCALAR_ARGS = {"pow_": (2.5,), "float_power_": (2.0,), "fmod_": (0.7,), "remainder_": (0.7,), "clamp_min_": (0.3,),
                "clamp_max_": (0.6,), "polygamma_": (1,), "mvlgamma_": (2,)}  # fmt: skip
_TENSOR_ARG = {"atan2_", "arctan2_", "hypot_", "xlogy_", "copysign_", "ldexp_"}


@pytest.mark.parametrize("name", sorted(set(IP._IN_PLACE_OPS) - _EXACT - {"igamma_", "igammac_", "i0_"} - set(MATRIX_CASES)))
def test_every_recorded_in_place_form_has_its_out_of_place_gradient(name):
    fn = IP._IN_PLACE_OPS[name]
    rng = np.random.default_rng(0)
    a = rng.uniform(1.2, 1.8, 4) if name == "mvlgamma_" else rng.uniform(0.2, 0.8, 4)
    if name == "ldexp_":
        args = (ag.tensor([1, 2, 0, 1]),)
    elif name in _TENSOR_ARG:
        args = (ag.tensor(rng.uniform(0.2, 0.8, 4)),)
    else:
        args = _SCALAR_ARGS.get(name, ())
    x = ag.tensor(a, requires_grad=True)
    h = x * 1
    getattr(h, name)(*args)
    (h * ag.arange(1.0, 5.0, dtype=ag.float64)).sum().backward()
    y = ag.tensor(a, requires_grad=True)
    (fn(y * 1, *args) * ag.arange(1.0, 5.0, dtype=ag.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", sorted(MATRIX_CASES))
def test_matrix_in_place_forms_in_the_graph_match_pytorch_gradients(name):
    """tril_, addmm_, cumsum_ ... recorded on a tensor in the graph, with tensor operands that require grad."""
    torch = pytest.importorskip("torch")
    start, args, kwargs = MATRIX_CASES[name]
    x = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    ops = [ag.tensor(a, dtype=ag.float64, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    tx = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    tops = [torch.tensor(a, dtype=torch.float64, requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    h, th = x * 1.0, tx * 1.0
    assert getattr(h, name)(*ops, **kwargs) is h and h.grad_fn is not None
    getattr(th, name)(*tops, **kwargs)
    w = np.random.default_rng(3).standard_normal(start.shape)
    (h * ag.tensor(w, dtype=ag.float64)).sum().backward()
    (th * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_host(h), th.detach().numpy(), **TORCH_TOL)
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), **TORCH_TOL)
    for o, t in zip(ops, tops):
        if isinstance(o, ag.Tensor):
            np.testing.assert_allclose(to_host(o.grad), t.grad.numpy(), **TORCH_TOL)
