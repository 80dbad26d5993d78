"""Errors that teach: a bad call fails at the call, naming the op and the shapes, dtypes or devices.

A second back end ("cpu2", NumPy again) is registered here so that device
mixing can be tested on any machine.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import autograd_core as ag
import backends
from backends import DeviceError
from backends.numpy_backend import NumpyBackend

backends.register_backend("cpu2", lambda index: NumpyBackend())


def names_both(a: str, b: str) -> str:
    """A regex matching a message that mentions ``a`` and ``b`` in either order."""
    return rf"(?s)({a}.*{b}|{b}.*{a})"


# ---------------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    "op, name",
    [
        (lambda x, y: x + y, "add"),
        (lambda x, y: x - y, "sub"),
        (lambda x, y: x * y, "mul"),
        (lambda x, y: x / y, "div"),
        (lambda x, y: x**y, "pow"),
        (lambda x, y: ag.maximum(x, y), "maximum"),
        (lambda x, y: x < y, "lt"),
        (lambda x, y: ag.where(x > 0, x, y), "where"),
    ],
    ids=["add", "sub", "mul", "div", "pow", "maximum", "lt", "where"],
)
def test_incompatible_shapes_name_the_op_and_both_shapes(op, name):
    x, y = ag.ones(2, 3, requires_grad=True), ag.ones(4)
    with pytest.raises((ValueError, RuntimeError)) as info:
        op(x, y)
    message = str(info.value)
    assert name in message
    assert "(2, 3)" in message and "(4,)" in message


@pytest.mark.parametrize(
    "a, b",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5, 2, 3), (5, 4, 1))],
)
def test_matmul_shape_mismatch_names_both_shapes(a, b):
    with pytest.raises(RuntimeError) as info:
        ag.ones(*a) @ ag.ones(*b)
    message = str(info.value)
    assert "matmul" in message and str(a) in message and str(b) in message


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: ag.mm(ag.ones(2), ag.ones(2, 2)), r"mm.*\(2,\)"),
        (lambda: ag.bmm(ag.ones(2, 2, 3), ag.ones(3, 3, 2)), r"bmm.*\(2, 2, 3\).*\(3, 3, 2\)"),
        (lambda: ag.dot(ag.ones(2, 2), ag.ones(2)), r"dot.*\(2, 2\)"),
        (lambda: ag.ones(2, 3).reshape(4), r"reshape.*\(4,\).*\(2, 3\)|reshape.*6"),
        (lambda: ag.cat([ag.ones(2, 3), ag.ones(3, 2)]), r"cat.*\(2, 3\).*\(3, 2\)"),
        (lambda: ag.stack([ag.ones(2), ag.ones(3)]), r"stack.*\(2,\).*\(3,\)"),
        (lambda: ag.ones(2, 3).expand(4, 3, 4), r"expand.*\(2, 3\)"),
        (lambda: ag.ones(3)[5], r"5.*size 3"),
        (lambda: ag.ones(2, 3)[0, 0, 0], r"too many indices.*\(2, 3\)"),
        (lambda: ag.ones(2, 3).permute(0, 1, 2), r"permute.*\(2, 3\)"),
    ],
    ids=["mm", "bmm", "dot", "reshape", "cat", "stack", "expand", "index", "too-many-indices", "permute"],
)
def test_other_shape_errors_name_the_op_and_shapes(call, pattern):
    with pytest.raises((ValueError, RuntimeError, IndexError), match=rf"(?s){pattern}"):
        call()


def test_shape_errors_fail_at_the_call_not_in_backward():
    x = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError):  # PyTorch's exception type for shapes that don't broadcast
        x + ag.ones(3, 2)  # never reaches the tape
    (x * 2.0).sum().backward()  # the failed call left nothing behind
    assert x.grad.tolist() == [[2.0] * 3] * 2


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "call, dtypes",
    [
        (lambda: ag.tensor([1, 2]).requires_grad_(), ["int64"]),
        (lambda: ag.tensor([1, 2], dtype=ag.int32, requires_grad=True), ["int32"]),
        (lambda: ag.tensor([1, 2]).add_(ag.tensor([0.5, 0.5])), ["int64", "float"]),
        (lambda: ag.ones(3)[ag.tensor([0.0, 1.0])], ["float32"]),
        (lambda: ag.ones(2, 3).gather(1, ag.tensor([[0.0]])), ["int"]),
        (lambda: ag.gradcheck(lambda t: t * 2.0, (ag.ones(2, requires_grad=True),)), ["float32", "float64"]),
    ],
    ids=["requires_grad-int", "tensor-int-requires-grad", "inplace-cast", "float-index", "gather-index", "gradcheck"],
)
def test_dtype_problems_name_the_dtypes(call, dtypes):
    with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)) as info:
        call()
    for d in dtypes:
        assert d in str(info.value)


def test_set_default_dtype_refuses_integers():
    with pytest.raises(TypeError, match="int64"):
        ag.set_default_dtype(ag.int64)


# ---------------------------------------------------------------------------- dims
@pytest.mark.parametrize(
    "call, expected_range",
    [
        (lambda x: x.sum(dim=2), "expected -2 to 1"),
        (lambda x: x.sum(dim=-3), "expected -2 to 1"),
        (lambda x: x.mean(2), "expected -2 to 1"),
        (lambda x: x.max(dim=5), "expected -2 to 1"),
        (lambda x: x.softmax(dim=2), "expected -2 to 1"),
        (lambda x: x.log_softmax(dim=-3), "expected -2 to 1"),
        (lambda x: x.transpose(0, 2), "expected -2 to 1"),
        (lambda x: x.unsqueeze(3), "expected -3 to 2"),
        (lambda x: x.flatten(0, 2), "expected -2 to 1"),
        (lambda x: ag.cat([x, x], dim=2), "expected -2 to 1"),
        (lambda x: ag.stack([x, x], dim=3), "expected -3 to 2"),
        (lambda x: x.size(2), "expected -2 to 1"),
        (lambda x: x.argmax(dim=2), "expected -2 to 1"),
        (lambda x: x.var(dim=2), "expected -2 to 1"),
        (lambda x: x.split(1, dim=2), "expected -2 to 1"),
    ],
    ids=[
        "sum", "sum-neg", "mean", "max", "softmax", "log_softmax", "transpose", "unsqueeze", "flatten", "cat",
        "stack", "size", "argmax", "var", "split",
    ],
)  # fmt: skip
def test_wrong_dim_names_the_valid_range(call, expected_range):
    with pytest.raises(IndexError, match=expected_range):
        call(ag.ones(2, 3))


def test_a_non_integer_dim_is_a_type_error():
    with pytest.raises(TypeError, match="dim"):
        ag.ones(2, 3).sum(dim=1.5)


# ---------------------------------------------------------------------------- devices
@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a - b,
        lambda a, b: a / b,
        lambda a, b: a @ b,
        lambda a, b: a < b,
        lambda a, b: ag.cat([a, b]),
        lambda a, b: ag.stack([a, b]),
        lambda a, b: ag.where(a > 0, a, b),
        lambda a, b: ag.maximum(a, b),
    ],
    ids=["add", "mul", "sub", "div", "matmul", "lt", "cat", "stack", "where", "maximum"],
)
@pytest.mark.parametrize("order", ["cpu-first", "cpu2-first"])
def test_mixing_devices_names_both(op, order):
    a = ag.ones(2, 2, requires_grad=True)
    b = ag.ones(2, 2, device="cpu2")
    if order == "cpu2-first":
        a, b = b, a
    with pytest.raises(RuntimeError, match=names_both("cpu2", "cpu(?!2)")):
        op(a, b)


def test_mixing_devices_with_broadcasting_names_both():
    with pytest.raises(RuntimeError, match=names_both("cpu2", "cpu(?!2)")):
        ag.ones(2, 3) + ag.ones(3, device="cpu2")


def test_device_errors_are_device_errors():
    with pytest.raises(DeviceError):
        ag.ones(2) * ag.ones(2, device="cpu2")


def test_indexing_with_indices_on_another_device_names_both():
    with pytest.raises(IndexError, match=names_both("cpu2", "cpu(?!2)")):
        ag.ones(3)[ag.tensor([0, 1], device="cpu2")]


def test_backward_seed_on_another_device_names_both():
    y = ag.ones(2, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=names_both("cpu2", "cpu(?!2)")):
        y.backward(ag.ones(2, device="cpu2"))


def test_moving_across_devices_is_explicit_and_differentiable():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu2")
    assert y.device == "cpu2" and y.requires_grad
    z = (y * ag.tensor([3.0, 4.0], device="cpu2")).sum()
    z.backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, 4.0]


def test_unknown_device_names_the_valid_ones():
    with pytest.raises(DeviceError, match=r"'tpu'.*cpu.*cuda"):
        ag.ones(2, device="tpu")
    with pytest.raises(DeviceError, match="cuda:x"):
        ag.ones(2, device="cuda:x")


def _cupy_state() -> str:
    if importlib.util.find_spec("cupy") is None:
        return "missing"
    try:
        import cupy

        return "gpu" if cupy.cuda.runtime.getDeviceCount() > 0 else "no-gpu"
    except Exception:
        return "no-gpu"


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.ones(2, device="cuda"),
        lambda: ag.tensor([1.0], device="cuda:0"),
        lambda: ag.ones(2).to("cuda"),
        lambda: ag.ones(2).cuda(),
        lambda: ag.device("cuda"),
    ],
    ids=["ones", "tensor", "to", "cuda()", "device"],
)
def test_cuda_without_cupy_or_gpu_says_which_and_how_to_install(call):
    state = _cupy_state()
    if state == "gpu":
        pytest.skip("a GPU is present: cuda works here")
    with pytest.raises(DeviceError) as info:
        call()
    message = str(info.value)
    if state == "missing":
        assert "CuPy" in message and "not installed" in message
        assert 'pip install "tapegrad[cuda]"' in message
    else:
        assert "GPU" in message


def test_cuda_is_available_reports_false_without_a_gpu():
    if _cupy_state() == "gpu":
        pytest.skip("a GPU is present")
    assert ag.cuda.is_available() is False
    assert ag.cuda.device_count() == 0


# ---------------------------------------------------------------------------- other misuse
def test_ops_on_non_tensors_say_what_they_got():
    with pytest.raises(TypeError, match=r"(?s)mul.*str"):
        ag.ones(2) * "a"
    with pytest.raises(TypeError, match="matmul"):
        ag.ones(2, 2) @ [[1.0, 0.0], [0.0, 1.0]]


def test_item_of_many_elements_names_the_shape():
    with pytest.raises((ValueError, RuntimeError), match=r"\(2, 2\)"):
        ag.ones(2, 2).item()


def test_errors_are_ours_not_numpys():
    """The message of a user-facing error starts with the op's name, not a NumPy internal."""
    with pytest.raises(RuntimeError) as info:
        ag.ones(2, 3) + ag.ones(4)
    assert str(info.value).startswith("add")
    assert not isinstance(info.value, np.exceptions.AxisError)
