"""``ag.testing.assert_close`` (autograd_core/testing.py) and ``ag.finfo`` / ``ag.iinfo`` (dtypes.py).

Each case is run through ours and, where PyTorch is installed, through ``torch.testing.assert_close``
on the same values: both must pass, or both must raise the same exception type with the same
message (up to how the two spell a dtype and a tensor class).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import assert_close
from tests.helpers.strict_backend import DEVICE

NAN, INF = float("nan"), float("inf")

# (actual, expected, keyword arguments), values as nested Python lists / numbers, made into tensors
# by _build with a dtype: ("t", values, dtype) is a tensor, ("a", values, dtype) a NumPy array.
CASES = {
    "close float32": (("t", [1.0, 2.0, 3.0], "float32"), ("t", [1.0, 2.0 + 1e-7, 3.0], "float32"), {}),
    "far float32": (("t", [1.0, 2.0, 3.0], "float32"), ("t", [1.0, 2.1, 3.0], "float32"), {}),
    "far float64 2-D": (("t", [[1.0, 2.0], [3.0, 4.0]], "float64"), ("t", [[1.0, 2.0], [3.5, 4.0]], "float64"), {}),
    "several wrong": (("t", [0.0, 1.0, 2.0, 3.0], "float32"), ("t", [0.5, 1.0, 2.5, -3.0], "float32"), {}),
    "expected zero": (("t", [1.0, 0.5], "float64"), ("t", [0.0, 0.5], "float64"), {}),
    "dtype differs": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 2.0], "float64"), {}),
    "dtype ignored": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 2.0], "float64"), {"check_dtype": False}),
    "dtype ignored, far": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 2.1], "float64"), {"check_dtype": False}),
    "shape differs": (("t", [1.0, 2.0, 3.0], "float32"), ("t", [1.0, 2.0], "float32"), {}),
    "own tolerances": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 2.1], "float32"), {"rtol": 0.1, "atol": 0.0}),
    "only rtol": (("t", [1.0], "float32"), ("t", [1.0], "float32"), {"rtol": 0.1}),
    "only atol": (("t", [1.0], "float32"), ("t", [1.0], "float32"), {"atol": 0.1}),
    "nan": (("t", [NAN, 1.0], "float32"), ("t", [NAN, 1.0], "float32"), {}),
    "nan equal": (("t", [NAN, 1.0], "float32"), ("t", [NAN, 1.0], "float32"), {"equal_nan": True}),
    "inf": (("t", [INF, -INF], "float64"), ("t", [INF, -INF], "float64"), {}),
    "inf sign": (("t", [INF], "float64"), ("t", [-INF], "float64"), {}),
    "ints equal": (("t", [1, 2], "int64"), ("t", [1, 2], "int64"), {}),
    "ints differ": (("t", [1, 2, 7], "int64"), ("t", [1, 3, 7], "int64"), {}),
    "bools differ": (("t", [True, False], "bool"), ("t", [True, True], "bool"), {}),
    "0-d": (("t", 1.0, "float32"), ("t", 1.5, "float32"), {}),
    "empty": (("t", [], "float32"), ("t", [], "float32"), {}),
    "float16": (("t", [1.0, 2.0], "float16"), ("t", [1.0, 2.01], "float16"), {}),
    "arrays": (("a", [1.0, 2.0], "float64"), ("a", [1.0, 2.1], "float64"), {}),
    "numbers close": (1.0, 1.0 + 1e-9, {}),
    "numbers far": (1.0, 1.1, {}),
    "ints": (1, 2, {}),
    "int and float": (1, 1.0, {}),
    "int and float unchecked": (1, 1.0, {"check_dtype": False}),
    "bools": (True, False, {}),
    "list of numbers": ([1.0, 2.0], [1.0, 2.5], {}),
    "lengths": ([1.0], [1.0, 2.5], {}),
    "list of tensors": ([("t", [1.0], "float32"), ("t", [1.0], "float32")],
                        [("t", [1.0], "float32"), ("t", [2.0], "float32")], {}),
    "nested": ({"a": [1.0, {"b": ("t", [1.0, 2.0], "float64")}]}, {"a": [1.0, {"b": ("t", [1.0, 3.0], "float64")}]}, {}),
    "keys": ({"a": 1.0}, {"b": 1.0}, {}),
    "tensor and list": (("t", [1.0], "float32"), [1.0], {}),
    "message": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 3.0], "float32"), {"msg": "custom"}),
    "message function": (("t", [1.0, 2.0], "float32"), ("t", [1.0, 3.0], "float32"), {"msg": lambda m: "X: " + m[:20]}),
    "requires grad ignored": (("g", [1.0, 2.0], "float32"), ("t", [1.0, 2.0], "float32"), {}),
}


def _build(spec, lib):
    """Our objects (lib = ag) or PyTorch's (lib = torch) from the nested description above."""
    if isinstance(spec, tuple) and len(spec) == 3 and spec[0] in ("t", "a", "g"):
        kind, values, dtype = spec
        if kind == "a":
            return np.array(values, dtype=dtype)
        return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=kind == "g")
    if isinstance(spec, list):
        return [_build(s, lib) for s in spec]
    if isinstance(spec, dict):
        return {k: _build(v, lib) for k, v in spec.items()}
    return spec


def _outcome(fn, actual, expected, kwargs):
    try:
        fn(actual, expected, **kwargs)
    except (AssertionError, ValueError, TypeError) as e:
        return type(e), str(e)
    return None


def _ours(name):
    actual, expected, kwargs = CASES[name]
    return _outcome(assert_close, _build(actual, ag), _build(expected, ag), kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_agrees_with_torch_testing_assert_close(name):
    torch = pytest.importorskip("torch")
    actual, expected, kwargs = CASES[name]
    theirs = _outcome(torch.testing.assert_close, _build(actual, torch), _build(expected, torch), kwargs)
    ours = _ours(name)
    if theirs is None:
        assert ours is None
        return
    assert ours is not None and ours[0] is theirs[0]
    spelled = theirs[1].replace("torch.float", "float").replace("torch.Tensor", "autograd_core.tensor.Tensor")
    assert ours[1] == spelled


def test_messages_without_torch():
    kind, message = _ours("far float32")
    assert kind is AssertionError and message == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 allowed)"
    )
    assert _ours("nested")[1].endswith("The failure occurred for item ['a'][1]['b']")
    assert _ours("ints differ")[1].startswith("Tensor-likes are not equal!")
    assert _ours("close float32") is None and _ours("nan equal") is None
    assert _ours("only rtol") == (ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, but got no atol.")
    assert _ours("tensor and list")[0] is TypeError


def test_devices_must_match_unless_told_otherwise():
    here, there = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0], device=DEVICE)
    with pytest.raises(AssertionError, match="attribute 'device' do not match"):
        assert_close(here, there)
    assert_close(here, there, check_device=False)
    assert_close(there, there)  # on a device whose arrays refuse implicit conversion to NumPy


def test_strides_are_compared_on_request():
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert_close(a.T, a.T.contiguous())
    with pytest.raises(AssertionError, match=r"'stride\(\)' do not match: \(1, 2\) != \(2, 1\)"):
        assert_close(a.T, a.T.contiguous(), check_stride=True)


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    ours = ag.finfo(getattr(ag, name))
    assert ours == ag.finfo(name) and ours != ag.finfo("float64" if name != "float64" else "float32")
    assert ours.dtype == name and ours.eps == float(np.finfo(name).eps)
    torch = pytest.importorskip("torch")
    theirs = torch.finfo(getattr(torch, name))
    for attribute in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)
        assert type(getattr(ours, attribute)) is type(getattr(theirs, attribute))
    assert repr(ours) == repr(theirs) and ours.dtype == theirs.dtype


@pytest.mark.parametrize("name", ["int8", "uint8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    ours = ag.iinfo(getattr(ag, name))
    assert (ours.min, ours.max) == (int(np.iinfo(name).min), int(np.iinfo(name).max))
    torch = pytest.importorskip("torch")
    theirs = torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype, repr(ours)) == (
        theirs.bits, theirs.min, theirs.max, theirs.dtype, repr(theirs))


def test_finfo_defaults_to_the_default_dtype_and_refuses_the_wrong_kind():
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.finfo().dtype == "float64"
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.finfo().dtype == "float32"
    with pytest.raises(TypeError, match="floating point input type"):
        ag.finfo(ag.int32)
    with pytest.raises(TypeError, match="integer input type"):
        ag.iinfo(ag.float32)
    with pytest.raises(TypeError, match="bool is not supported"):
        ag.iinfo(ag.bool)


def test_dtype_is_the_class_of_every_dtype():
    assert all(isinstance(d, ag.dtype) for d in (ag.float32, ag.int64, ag.bool, ag.ones(2).dtype))
    assert not isinstance("float32", ag.dtype)
