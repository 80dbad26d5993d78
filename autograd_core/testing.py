"""``assert_close``: PyTorch's ``torch.testing.assert_close``, for tests written against PyTorch.

Tensors (any device), NumPy arrays, Python numbers and nested sequences / mappings of them are
compared as PyTorch compares them: shape, device, dtype (and, on request, strides) must match;
values must satisfy ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with the
tolerances PyTorch picks from the dtype when neither is given.  A failure raises AssertionError
with PyTorch's message: how many elements mismatch, the greatest absolute and relative
differences and where, and which item of a sequence or mapping failed.

>>> import autograd_core as ag
>>> ag.testing.assert_close(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-7]))
>>> ag.testing.assert_close(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.1]))
Traceback (most recent call last):
    ...
AssertionError: Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 1 / 2 (50.0%)
Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)
Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from autograd_core.dtypes import get_default_dtype
from autograd_core.tensor import Tensor

__all__ = ["assert_close"]

# PyTorch's default (rtol, atol) per dtype; other dtypes (integers, bool) compare exactly.
_PRECISIONS = {
    np.dtype("float16"): (1e-3, 1e-5),
    np.dtype("float32"): (1.3e-6, 1e-5),
    np.dtype("float64"): (1e-7, 1e-7),
    np.dtype("complex64"): (1.3e-6, 1e-5),
    np.dtype("complex128"): (1e-7, 1e-7),
}
# Python numbers take the tolerances of the dtype PyTorch gives them.
_SCALAR_DTYPES = {bool: np.dtype("bool"), int: np.dtype("int64"), float: np.dtype("float64"),
                  complex: np.dtype("complex128")}


class _Mismatch(Exception):
    """A failed comparison: the exception type to raise and its message (before ``msg`` and the item path)."""

    located = False  # True once the item path (``[1]['x']``) is in the message

    def __init__(self, kind: type, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg=None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close (see the module docstring).

    ``rtol`` and ``atol`` go together: give both or neither (then they come from the dtypes:
    float32 1.3e-6 and 1e-5, float64 1e-7 and 1e-7, float16 1e-3 and 1e-5, exact otherwise).
    ``check_dtype=False`` compares in the promoted dtype, ``check_device=False`` on the CPU.
    ``msg`` replaces the message, or, if callable, is called with it and returns the new one.
    ``allow_subclasses`` and ``check_layout`` are accepted for PyTorch's signature (there is one
    tensor class and one layout here).
    """
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}."
        )
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                   check_dtype=check_dtype, check_stride=check_stride)
    try:
        _compare(actual, expected, options, path="")
    except _Mismatch as failure:
        text = failure.message
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise failure.kind(text) from None


def _compare(actual, expected, options: dict, path: str) -> None:
    try:
        _compare_leaf_or_container(actual, expected, options, path)
    except _Mismatch as failure:
        if path and failure.kind is AssertionError and not failure.located:
            failure.message += f"\n\nThe failure occurred for item {path}"
            failure.located = True
        raise


def _compare_leaf_or_container(actual, expected, options: dict, path: str) -> None:
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return _compare_tensors(actual, expected, options)
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        return _compare_arrays(actual, expected, str, options)
    if _is_number(actual) and _is_number(expected):
        return _compare_numbers(actual, expected, options)
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, options, f"{path}[{i}]")
        return None
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = sorted(set(expected) - set(actual), key=repr)
        extra = sorted(set(actual) - set(expected), key=repr)
        if missing or extra:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {missing}\n"
                            f"Additional keys in the actual mapping: {extra}")
        for key in expected:
            _compare(actual[key], expected[key], options, f"{path}[{key!r}]")
        return None
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _is_number(x) -> bool:
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.ndarray)


def _is_sequence(x) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _attribute(name: str, a, e) -> None:
    if a != e:
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.")


def _compare_tensors(actual: Tensor, expected: Tensor, options: dict) -> None:
    _attribute("shape", actual.shape, expected.shape)
    if options["check_device"]:
        _attribute("device", actual.device, expected.device)
    if options["check_stride"]:
        _attribute("stride()", actual.stride(), expected.stride())
    _compare_arrays(actual.detach().cpu().numpy(), expected.detach().cpu().numpy(), lambda d: d, options)


def _compare_arrays(a: np.ndarray, e: np.ndarray, show_dtype, options: dict) -> None:
    _attribute("shape", a.shape, e.shape)
    if options["check_dtype"]:
        _attribute("dtype", show_dtype(a.dtype), show_dtype(e.dtype))
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        rtol, atol = (max(t) for t in zip(_PRECISIONS.get(a.dtype, (0.0, 0.0)), _PRECISIONS.get(e.dtype, (0.0, 0.0))))
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    matches = _isclose(a, e, rtol, atol, options["equal_nan"])
    if matches.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol))
    raise _Mismatch(AssertionError, _tensor_message(a, e, matches, rtol, atol))


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    if a.dtype.kind in "biu":  # exact types: no NaN, and no float rounding of large integers
        if rtol == 0 and atol == 0:
            return a == e
        a, e = a.astype(np.float64), e.astype(np.float64)
    return np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _compare_numbers(actual, expected, options: dict) -> None:
    if isinstance(actual, bool) or isinstance(expected, bool):
        if isinstance(actual, bool) and isinstance(expected, bool):
            if actual is not expected:
                raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}")
            return
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    rtol, atol = options["rtol"], options["atol"]
    if rtol is None:
        pairs = [_PRECISIONS.get(_SCALAR_DTYPES[type(x)], (0.0, 0.0)) for x in (actual, expected)]
        rtol, atol = (max(t) for t in zip(*pairs))
    if _isclose(np.array(actual), np.array(expected), rtol, atol, options["equal_nan"]).item():
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol))


def _scalar_message(actual, expected, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _message("Scalars", f"Expected {expected} but got {actual}.", rtol, atol,
                    f"Absolute difference: {abs_diff}", f"Relative difference: {rel_diff}")


def _tensor_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float, atol: float) -> str:
    total, shape = matches.size, matches.shape
    wrong = total - int(matches.sum())
    a, e, matches = a.ravel(), e.ravel(), matches.ravel()
    if a.dtype.kind in "biu":  # differences of integers in int64, their ratios in the default float dtype
        a, e = a.astype(np.int64), e.astype(np.int64)
    abs_diff = np.abs(a - e)
    abs_diff[matches] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_diff = abs_diff / np.abs(e)
    if rel_diff.dtype.kind != "f" or a.dtype.kind in "biu":
        rel_diff = rel_diff.astype(get_default_dtype())
    rel_diff[matches] = 0

    def greatest(diff: np.ndarray) -> tuple:
        i = int(np.argmax(diff))  # a NaN, where there is one (the first), as torch.max reports it
        return diff[i].item(), tuple(int(k) for k in np.unravel_index(i, shape))

    abs_value, abs_at = greatest(abs_diff)
    rel_value, rel_at = greatest(rel_diff)
    return _message("Tensor-likes", f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})", rtol, atol,
                    f"Greatest absolute difference: {abs_value} at index {abs_at}",
                    f"Greatest relative difference: {rel_value} at index {rel_at}")


def _message(what: str, extra: str, rtol: float, atol: float, abs_line: str, rel_line: str) -> str:
    exact = rtol == 0 and atol == 0
    if not exact:
        abs_line += f" (up to {atol} allowed)"
        rel_line += f" (up to {rtol} allowed)"
    return f"{what} are not {'equal' if exact else 'close'}!\n\n{extra}\n{abs_line}\n{rel_line}"
