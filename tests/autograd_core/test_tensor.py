"""The Tensor surface: attributes, conversions, operators, dtype rules and repr, as in PyTorch."""

from __future__ import annotations

import copy
import operator

import numpy as np
import pytest

import autograd_core as ag


def leaf(values=(1.0, 2.0), dtype=ag.float64):
    return ag.tensor(list(values), dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------------------- attributes
def test_attributes_of_a_leaf():
    t = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2
    assert t.dtype == ag.float32 and t.ndim == 2 and t.dim() == 2 and t.numel() == 6
    assert t.device == "cpu" and str(t.device) == "cpu" and t.device == ag.device("cpu")
    assert not t.is_cuda and t.is_floating_point()
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None
    assert len(t) == 2 and t.element_size() == 4


def test_attributes_of_a_result():
    t = leaf()
    y = t * 2.0
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert y.grad_fn.name() == "MulBackward" or "Mul" in y.grad_fn.name()
    assert y.grad is None


def test_size_with_a_bad_dim_names_the_range():
    with pytest.raises(IndexError, match="expected -2 to 1"):
        ag.zeros(2, 3).size(2)


def test_grad_can_be_set_and_cleared():
    t = leaf()
    t.grad = ag.tensor([5.0, 6.0], dtype=ag.float64)
    assert t.grad.tolist() == [5.0, 6.0]
    t.grad = None
    assert t.grad is None


# ---------------------------------------------------------------------------- detach / requires_grad_
def test_detach_shares_memory_and_leaves_the_graph():
    t = leaf()
    y = t * 2.0
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    d.add_(1.0)
    assert y.tolist() == [3.0, 5.0]  # same storage, as in PyTorch


def test_requires_grad_():
    t = ag.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad


def test_requires_grad_on_an_integer_tensor_names_the_dtype():
    with pytest.raises(RuntimeError, match="int64"):
        ag.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)


def test_requires_grad_false_on_a_non_leaf_raises():
    y = leaf() * 2.0
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


# ---------------------------------------------------------------------------- conversions
def test_item_and_tolist():
    assert ag.tensor(3.5).item() == 3.5 and isinstance(ag.tensor(3.5).item(), float)
    assert ag.tensor([7]).item() == 7 and isinstance(ag.tensor([7]).item(), int)
    assert ag.tensor([[True]]).item() is True
    assert ag.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ag.tensor(2.0).tolist() == 2.0
    assert leaf()[0].item() == 1.0  # item works on tensors that require grad
    with pytest.raises((ValueError, RuntimeError), match=r"\(2,\)"):
        ag.tensor([1.0, 2.0]).item()


def test_format_spec_formats_a_0d_tensor_as_its_value():
    loss = (leaf((1.23456,)) * 2).sum()
    assert f"{loss:.3f}" == "2.469" and f"{ag.tensor(7):>3d}" == "  7"
    assert f"{ag.tensor(0.5)}" == "0.5"  # no spec: the value, as PyTorch
    assert f"{ag.zeros(2)}" == repr(ag.zeros(2))
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{ag.zeros(2):.2f}"  # noqa: B018 (as PyTorch: a spec needs a 0-d tensor)


def test_is_contiguous_data_ptr_and_nelement():
    a = ag.zeros(3, 4)
    assert a.is_contiguous() and not a.T.is_contiguous() and a.T.contiguous().is_contiguous()
    assert a.data_ptr() == a[0].data_ptr() == a.detach().data_ptr()
    assert a[1].data_ptr() == a.data_ptr() + 4 * a.element_size()
    assert a.clone().data_ptr() != a.data_ptr()
    assert a.nelement() == a.numel() == 12


def test_python_number_protocols():
    assert float(ag.tensor([2.5])) == 2.5 and int(ag.tensor(3)) == 3
    assert bool(ag.tensor([1.0])) and not bool(ag.tensor(0))
    assert [10, 20, 30][ag.tensor(1)] == 20  # __index__
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        len(ag.tensor(1.0))


def test_iteration_yields_rows():
    rows = list(ag.tensor([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]


def test_numpy_shares_memory_on_cpu():
    t = ag.tensor([1.0, 2.0])
    n = t.numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    n[0] = 9.0
    assert t.tolist() == [9.0, 2.0]


def test_numpy_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        leaf().numpy()
    assert leaf().detach().numpy().tolist() == [1.0, 2.0]


def test_np_asarray_of_a_cpu_tensor():
    np.testing.assert_array_equal(np.asarray(ag.tensor([1, 2])), [1, 2])


@pytest.mark.parametrize(
    "convert, dtype",
    [
        (lambda t: t.to(ag.float64), ag.float64),
        (lambda t: t.to(dtype=ag.float16), ag.float16),
        (lambda t: t.double(), ag.float64),
        (lambda t: t.float(), ag.float32),
        (lambda t: t.long(), ag.int64),
        (lambda t: t.int(), ag.int32),
        (lambda t: t.half(), ag.float16),
        (lambda t: t.bool(), ag.bool),
        (lambda t: t.to("cpu", ag.float64), ag.float64),
        (lambda t: t.to(ag.zeros(1, dtype=ag.int64)), ag.int64),
    ],
    ids=["to(f64)", "to(dtype=f16)", "double", "float", "long", "int", "half", "bool", "to(dev,dtype)", "to(tensor)"],
)
def test_dtype_conversions(convert, dtype):
    t = ag.tensor([1.7, -2.2, 0.0])
    out = convert(t)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), t.numpy().astype(dtype))
    assert t.dtype == ag.float32  # the source is unchanged


def test_conversion_to_the_same_dtype_and_device_returns_self():
    t = ag.tensor([1.0, 2.0])
    assert t.float() is t and t.to("cpu") is t and t.cpu() is t and t.to(ag.float32) is t
    c = t.to(ag.float32, copy=True)
    assert c is not t and not np.shares_memory(c.numpy(), t.numpy())


def test_gradient_flows_back_through_a_dtype_conversion():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    (t.double() * ag.tensor([3.0, 4.0], dtype=ag.float64)).sum().backward()
    assert t.grad.dtype == ag.float32 and t.grad.tolist() == [3.0, 4.0]


def test_conversion_to_int_does_not_record():
    t = leaf()
    assert not t.long().requires_grad


def test_deepcopy_of_a_leaf_is_an_independent_leaf():
    """PyTorch supports copy.deepcopy of leaf tensors (used to snapshot models and states)."""
    t = leaf()
    t.grad = ag.tensor([0.5, 0.5], dtype=ag.float64)
    c = copy.deepcopy(t)
    assert c is not t and c.is_leaf and c.requires_grad and c.dtype == t.dtype
    assert c.tolist() == [1.0, 2.0] and c.grad.tolist() == [0.5, 0.5]
    with ag.no_grad():
        c.add_(1.0)
    assert t.tolist() == [1.0, 2.0]


def test_deepcopy_of_a_structure_holding_tensors():
    state = {"w": ag.ones(2), "step": 3}
    clone = copy.deepcopy(state)
    clone["w"].add_(1.0)
    assert state["w"].tolist() == [1.0, 1.0] and clone["step"] == 3


# ---------------------------------------------------------------------------- operators
@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda x: 2 - x, [1.0, 0.0, -2.0]),
        (lambda x: 2 / x, [2.0, 1.0, 0.5]),
        (lambda x: 2**x, [2.0, 4.0, 16.0]),
        (lambda x: 2 + x, [3.0, 4.0, 6.0]),
        (lambda x: 2 * x, [2.0, 4.0, 8.0]),
        (lambda x: -x, [-1.0, -2.0, -4.0]),
        (lambda x: x**2, [1.0, 4.0, 16.0]),
        (lambda x: x // 2, [0.0, 1.0, 2.0]),
        (lambda x: x % 3, [1.0, 2.0, 1.0]),
        (lambda x: abs(-x), [1.0, 2.0, 4.0]),
    ],
    ids=["rsub", "rtruediv", "rpow", "radd", "rmul", "neg", "pow", "floordiv", "mod", "abs"],
)
def test_scalar_operators(expr, expected):
    x = ag.tensor([1.0, 2.0, 4.0])
    out = expr(x)
    assert isinstance(out, ag.Tensor) and out.dtype == ag.float32
    np.testing.assert_allclose(out.numpy(), expected)


def test_reflected_operators_have_the_right_gradients():
    x = leaf([1.0, 2.0])
    (2.0 - x).sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0]
    x.grad = None
    (2.0 / x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-2.0, -0.5])
    x.grad = None
    (2.0**x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.log(2.0) * 2.0 ** np.array([1.0, 2.0]))


@pytest.mark.parametrize("op", [operator.mul, operator.add, operator.sub, operator.truediv], ids=["*", "+", "-", "/"])
def test_numpy_array_operands_give_a_tensor(op):
    arr = np.array([1.0, 2.0, 4.0])
    x = ag.tensor([2.0, 3.0, 5.0])
    for out, expected in ((op(arr, x), op(arr, x.numpy())), (op(x, arr), op(x.numpy(), arr))):
        assert isinstance(out, ag.Tensor)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_numpy_scalar_operands_do_not_upcast():
    x = ag.tensor([1.0, 2.0])
    for out in (np.float64(2.0) * x, x * np.float64(2.0), x + np.int64(1)):
        assert isinstance(out, ag.Tensor) and out.dtype == ag.float32


def test_comparisons_return_bool_tensors_without_grad():
    x = leaf([1.0, 2.0, 3.0])
    for out in (x > 1.5, x < 2.0, x >= 2.0, x <= 2.0, x == 2.0, x != 2.0, x > x * 0.5):
        assert out.dtype == ag.bool
        assert not out.requires_grad and out.grad_fn is None
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x == 2.0).tolist() == [False, True, False]


def test_equality_with_foreign_objects_is_not_an_error():
    assert (ag.tensor([1.0]) == "a") is False
    assert ag.tensor([1.0]) != None  # noqa: E711


def test_logical_operators_on_bool_tensors():
    a, b = ag.tensor([True, False, True]), ag.tensor([True, True, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True]
    assert (a ^ b).tolist() == [False, True, True]
    assert (~a).tolist() == [False, True, False]


def test_matmul_operator_and_T():
    m = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert (m @ m).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert m.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    v = ag.tensor([1.0, 2.0])
    assert v.T is v or v.T.tolist() == [1.0, 2.0]


def test_tensor_is_hashable_by_identity():
    a, b = ag.tensor([1.0]), ag.tensor([1.0])
    assert len({a, b}) == 2


# ---------------------------------------------------------------------------- dtype rules
DTYPE_CASES = {
    "float literal": lambda L: L.tensor([1.5]),
    "int literal": lambda L: L.tensor([1, 2]),
    "bool literal": lambda L: L.tensor([True]),
    "mixed literal": lambda L: L.tensor([1, 2.5]),
    "f32 * float": lambda L: L.tensor([1.0]) * 2.0,
    "f32 * int": lambda L: L.tensor([1.0]) * 2,
    "f64 * float": lambda L: L.tensor([1.0], dtype=L.float64) * 2.0,
    "f16 * float": lambda L: L.tensor([1.0], dtype=L.float16) * 2.0,
    "i64 * float": lambda L: L.tensor([1, 2]) * 2.5,
    "i64 * int": lambda L: L.tensor([1, 2]) * 2,
    "i32 * int": lambda L: L.tensor([1, 2], dtype=L.int32) * 2,
    "i64 / int": lambda L: L.tensor([1, 2]) / 2,
    "i64 ** int": lambda L: L.tensor([1, 2]) ** 2,
    "float - i64": lambda L: 2.5 - L.tensor([1, 2]),
    "bool + int": lambda L: L.tensor([True]) + 1,
    "f32 + f64 tensor": lambda L: L.tensor([1.0]) + L.tensor([1.0], dtype=L.float64),
    "f32 + f64 0-d": lambda L: L.tensor([1.0]) + L.tensor(1.0, dtype=L.float64),
    "f64 + f32 0-d": lambda L: L.tensor([1.0], dtype=L.float64) + L.tensor(1.0),
    "i64 + f32": lambda L: L.tensor([1]) + L.tensor([1.0]),
    "i32 + i64": lambda L: L.tensor([1], dtype=L.int32) + L.tensor([1]),
    "i32 + i64 0-d": lambda L: L.tensor([1], dtype=L.int32) + L.tensor(1),
    "f16 + f32": lambda L: L.tensor([1.0], dtype=L.float16) + L.tensor([1.0]),
    "u8 + i8": lambda L: L.tensor([1], dtype=L.uint8) + L.tensor([1], dtype=L.int8),
    "comparison": lambda L: L.tensor([1.0]) > 0,
    "sum of ints": lambda L: L.tensor([1, 2]).sum(),
    "mean of f64": lambda L: L.tensor([1.0, 2.0], dtype=L.float64).mean(),
    "arange int": lambda L: L.arange(3),
    "arange float": lambda L: L.arange(0.0, 1.0, 0.5),
    "zeros": lambda L: L.zeros(2),
    "full int": lambda L: L.full((2,), 3),
    "full bool": lambda L: L.full((2,), True),
    "randint": lambda L: L.randint(0, 5, (3,)),
}


def dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("case", sorted(DTYPE_CASES))
def test_dtype_rules_match_pytorch(case):
    torch = pytest.importorskip("torch")
    ours, theirs = DTYPE_CASES[case](ag), DTYPE_CASES[case](torch)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    if case == "randint":
        return  # random values: only the dtype is comparable
    np.testing.assert_allclose(np.asarray(ours.tolist(), dtype=float), np.asarray(theirs.tolist(), dtype=float))


def test_python_scalars_do_not_upcast_float32():
    x = ag.tensor([1.0, 2.0])
    for out in (x * 2.0, x + 1, 2.0 - x, x / 3.0, x**2.0):
        assert out.dtype == ag.float32


# ---------------------------------------------------------------------------- repr
def test_repr():
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(ag.tensor([1.5], dtype=ag.float64)) == "tensor([1.5000], dtype=float64)"
    y = ag.tensor([1.0], requires_grad=True) * 2.0
    assert repr(y).startswith("tensor([2.], grad_fn=<Mul")
    assert "int32" in repr(ag.tensor([1], dtype=ag.int32))
    assert repr(ag.tensor(3)) == "tensor(3)"
    assert repr(ag.zeros(0)) == "tensor([])"  # as PyTorch: an empty tensor of the default dtype names none
    assert repr(ag.zeros(0, dtype=ag.int64)) == "tensor([], dtype=int64)"


def test_repr_of_a_large_tensor_is_summarised():
    text = repr(ag.zeros(10000))
    assert len(text) < 200 and "..." in text


def test_is_tensor_and_isinstance():
    assert ag.is_tensor(ag.zeros(1)) and isinstance(ag.zeros(1), ag.Tensor)
    assert not ag.is_tensor(np.zeros(1))


# ---------------------------------------------------------------------------- type_as
@pytest.mark.parametrize("src,other", [("float32", "float64"), ("int64", "float32"), ("float64", "int32"),
                                       ("bool", "float32"), ("float32", "float32")])
def test_type_as_converts_to_the_other_dtype_as_pytorch(src, other):
    t = ag.tensor([1.5, 0.0, -2.0]).to(dtype=src)
    out = t.type_as(ag.zeros(1, dtype=other))
    assert out.dtype == np.dtype(other)
    if src == other:
        assert out is t
    torch = pytest.importorskip("torch")
    theirs = torch.tensor([1.5, 0.0, -2.0]).to(getattr(torch, src)).type_as(torch.zeros(1, dtype=getattr(torch, other)))
    assert out.tolist() == theirs.tolist()


def test_type_as_keeps_the_gradient_and_follows_the_device():
    from tests.helpers.strict_backend import DEVICE

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.type_as(ag.zeros(1, dtype=ag.float64))
    (y * 3.0).sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [3.0, 3.0]
    assert str(x.type_as(ag.zeros(1, device=DEVICE)).device) == DEVICE


def test_item_of_a_tensor_with_several_elements_raises_runtime_error_as_pytorch():
    with pytest.raises(RuntimeError, match=r"item: only one-element tensors .* shape \(2,\)"):
        ag.ones(2).item()
