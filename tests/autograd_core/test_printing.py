"""``repr``/``str`` of tensors are PyTorch's, character for character.

Every comparison builds the same values in both libraries, prints both, and asks for equal
text after re-spelling only what must differ: ``dtype=torch.float64`` is ``dtype=float64``
here, and backward nodes have our names (``MulBackward``, not ``MulBackward0``).  Since a
respelt suffix has another length, the suffixes are laid out again by PyTorch's own
``_add_suffixes`` after respelling: line wrapping is still PyTorch's rule, applied to our text.
"""

from __future__ import annotations

import contextlib
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import _tensor_str
from autograd_core.tensor import get_printoptions

torch = pytest.importorskip("torch")
from torch import _tensor_str as torch_str  # noqa: E402

_SUFFIX = r"device='[^']*'|size=\([0-9, ]*\)|dtype=torch\.\w+|grad_fn=<\w+>|requires_grad=True"
_REPR = re.compile(rf"(tensor\(.*?)((?:,\s+(?:{_SUFFIX}))*)\)", re.DOTALL)


@pytest.fixture(autouse=True)
def _restore_print_options():
    ours, theirs = get_printoptions(), torch_str.get_printoptions()
    yield
    ag.set_printoptions(**ours)
    torch.set_printoptions(**theirs)


@contextlib.contextmanager
def both_options(**kw):
    """The same print options in both libraries, for the duration of the block."""
    ours, theirs = get_printoptions(), torch_str.get_printoptions()
    ag.set_printoptions(**kw)
    torch.set_printoptions(**kw)
    try:
        yield
    finally:
        ag.set_printoptions(**ours)
        torch.set_printoptions(**theirs)


def pytorch_text(theirs, ours: ag.Tensor) -> str:
    """PyTorch's repr of ``theirs``, with its dtype and grad_fn names spelt as ours are."""
    text = repr(theirs)
    match = _REPR.fullmatch(text)
    assert match, text
    body, suffixes = match.group(1), re.findall(_SUFFIX, match.group(2))
    respelt = []
    for suffix in suffixes:
        if suffix.startswith("dtype=torch."):
            suffix = "dtype=" + suffix[len("dtype=torch.") :]
        elif suffix.startswith("grad_fn="):
            suffix = f"grad_fn=<{ours.grad_fn.name()}>"
        respelt.append(suffix)
    return torch_str._add_suffixes(body, respelt, len("tensor("), False)


def assert_prints_as_pytorch(values: np.ndarray, requires_grad: bool = False) -> None:
    ours = ag.tensor(values, requires_grad=requires_grad)
    theirs = torch.tensor(values, requires_grad=requires_grad)
    expected = pytorch_text(theirs, ours)
    assert repr(ours) == expected, f"\nours:\n{ours!r}\npytorch:\n{expected}"
    assert str(ours) == repr(ours)


# -- the examples a student meets first ---------------------------------------------------
def test_pytorchs_layout_not_numpys():
    assert repr(ag.tensor([2.5, 5.0])) == "tensor([2.5000, 5.0000])"
    assert str(ag.tensor([2.5, 5.0])) == "tensor([2.5000, 5.0000])"
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ag.tensor([[1, 2], [3, 4]])) == "tensor([[1, 2],\n        [3, 4]])"
    assert repr(ag.tensor(2.5)) == "tensor(2.5000)"
    assert repr(ag.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(ag.tensor([1.0], dtype=ag.float64)) == "tensor([1.], dtype=float64)"
    assert repr(ag.tensor([2.0], requires_grad=True)) == "tensor([2.], requires_grad=True)"
    assert repr(ag.tensor([2.0], requires_grad=True) * 3) == "tensor([6.], grad_fn=<MulBackward>)"


CASES = {
    "fixed point": [2.5, 5.0, -1.125],
    "whole floats": [1.0, 2.0, -30.0],
    "only zeros": [0.0, 0.0],
    "negative zero": [-0.0, 1.5],
    "negative zero, whole": [-0.0, 2.0],
    "negative zero alone": [-0.0],
    "nan and inf": [float("nan"), float("inf"), -float("inf"), 1.5],
    "nan with whole": [float("nan"), 1.0],
    "only non-finite": [float("nan"), -float("inf")],
    "ratio just under 1000": [1.0, 999.0],
    "ratio just over 1000": [1.0, 1000.5],
    "ratio over 1000, whole": [1.0, 1001.0],
    "large": [1e8, 2e8],
    "just under 1e8": [99999999.0, 1.0e8 - 2],
    "small": [1e-4, 2e-4],
    "smaller": [9.9e-5, 1e-4],
    "tiny and zero": [0.0, 1e-30],
    "huge whole": [1e20, -3e20],
    "subnormal": [5e-324, 1.0],
    "widest is negative": [-123.456, 7.0],
    "rounding up to a longer string": [9.99995, 0.5],
    "scalar": 3.25,
    "scalar whole": -4.0,
    "scalar nan": float("nan"),
    "scalar negative zero": -0.0,
    "scalar sci": 1.5e-7,
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", list(CASES))
def test_float_formats(name, dtype):
    with np.errstate(over="ignore", under="ignore"):
        values = np.array(CASES[name], dtype=np.float64).astype(dtype)
    assert_prints_as_pytorch(values)


@pytest.mark.parametrize(
    "values",
    [
        np.array([1, -22, 333], np.int64),
        np.array([[7]], np.int32),
        np.array(5, np.int64),
        np.array(-5, np.int32),
        np.array([True, False]),
        np.array(True),
        np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 12,
        np.array([0, 255], np.uint8),
        np.array([-128, 5], np.int8),
    ],
    ids=lambda v: f"{v.dtype}{v.shape}",
)
def test_integer_and_bool_tensors(values):
    assert_prints_as_pytorch(values)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0), (1, 0, 2), (0, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "bool"])
def test_empty_tensors_show_size_and_dtype(shape, dtype):
    """An empty tensor names its shape (beyond 1-d) and every dtype but the default float."""
    assert_prints_as_pytorch(np.zeros(shape, dtype=dtype))


def test_suffixes_for_grad():
    assert_prints_as_pytorch(np.array([1.5, -2.0]), requires_grad=True)  # float64 leaf: dtype, then requires_grad
    x, tx = ag.tensor([[1.0, 2.0]], requires_grad=True), torch.tensor([[1.0, 2.0]], requires_grad=True)
    for ours, theirs in ((x * 2, tx * 2), (x.sum(), tx.sum()), (x.exp().t(), tx.exp().t())):
        assert repr(ours) == pytorch_text(theirs, ours)
    with ag.no_grad():
        assert repr(x * 2) == "tensor([[2., 4.]])"


def test_suffixes_wrap_at_the_line_width():
    """``, requires_grad=True`` moves to a line of its own when the last line has no room."""
    for n in range(1, 12):
        values = np.linspace(-1, 1, n * 3).reshape(n, 3) * 123.0 if n % 2 else np.arange(n * 7.0) / 3
        assert_prints_as_pytorch(values.astype(np.float32), requires_grad=True)
        assert_prints_as_pytorch(values, requires_grad=True)  # float64: dtype and requires_grad to place
    ours = ag.tensor(np.arange(9.0) / 3, dtype=ag.float64, requires_grad=True)
    assert repr(ours).endswith("2.6667],\n       dtype=float64, requires_grad=True)")


def test_device_suffix():
    """A tensor off the default device names it first among the suffixes."""
    assert repr(ag.tensor([1.5], device="strict")) == "tensor([1.5000], device='strict')"
    t = ag.tensor([1, 2], dtype=ag.int32, device="strict", requires_grad=False)
    assert repr(t) == "tensor([1, 2], device='strict', dtype=int32)"
    big = ag.arange(3000.0, device="strict").reshape(30, 100)
    assert repr(big) == repr(ag.arange(3000.0).reshape(30, 100))[:-1] + ", device='strict')"


def test_default_dtype_decides_which_float_shows_its_dtype():
    ag.set_default_dtype(ag.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for values in (np.array([1.5], np.float64), np.array([1.5], np.float32), np.zeros(0), np.zeros(0, np.float32)):
            assert_prints_as_pytorch(values)
    finally:
        ag.set_default_dtype(ag.float32)
        torch.set_default_dtype(torch.float32)


# -- layout: summarising and wrapping -------------------------------------------------------
@pytest.mark.parametrize(
    "shape", [(2000,), (1001,), (1000,), (40, 50), (3, 400), (400, 3), (11, 11, 11), (2, 3, 200), (7, 7, 7, 7)]
)
def test_large_tensors_summarise(shape):
    n = int(np.prod(shape))
    assert_prints_as_pytorch(np.arange(n, dtype=np.int64).reshape(shape))
    assert_prints_as_pytorch((np.arange(n, dtype=np.float32) / 7).reshape(shape))


def test_summary_formats_only_the_shown_values(monkeypatch):
    """Summarising happens before formatting: the width comes from the shown values only (a
    huge value in the hidden middle changes nothing), and a big tensor costs a few dozen."""
    seen = []
    real = _tensor_str._cells
    monkeypatch.setattr(_tensor_str, "_cells", lambda values, *a: seen.append(values.size) or real(values, *a))
    values = np.ones((1000, 1000), np.float32)
    values[500, 500] = 1e30
    assert_prints_as_pytorch(values)
    seen.clear()
    repr(ag.tensor(values))
    assert seen == [36]


@pytest.mark.parametrize("width", [1, 10, 30, 47, 79, 80, 81, 120])
def test_wide_rows_wrap_at_the_line_width(width):
    with both_options(linewidth=width):
        for values in (
            np.arange(40.0) * 1.5,
            np.arange(60),
            np.arange(90.0).reshape(3, 30) - 45,
            np.arange(2000.0).reshape(2, 1000),
            np.linspace(-1e-6, 1.0, 25),
        ):
            assert_prints_as_pytorch(values.astype(np.float32) if values.dtype.kind == "f" else values)


# -- set_printoptions -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [
        {"precision": 0},
        {"precision": 1},
        {"precision": 2},
        {"precision": 8},
        {"threshold": 0},
        {"threshold": 5},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"edgeitems": 0},
        {"threshold": 3, "edgeitems": 2},
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "default"},
        {"sci_mode": True},
        {"sci_mode": False},
        {"sci_mode": True, "precision": 2},
        {"sci_mode": False, "precision": 6},
        {"linewidth": 20, "threshold": 10},
    ],
    ids=str,
)
def test_each_print_option(options):
    arrays = [
        np.arange(10.0),
        np.arange(10),
        np.linspace(-1, 1, 12).reshape(3, 4),
        np.array([1e-5, 1.0]),
        np.array([1.12345, 2.0]),
        np.array([np.nan, np.inf, -1.5]),
        np.array(2.5),
        np.array(7),
        np.array([True, False] * 6),
        np.arange(24.0).reshape(2, 3, 4),
        np.array([1e20, 1.0]),
        np.zeros((0, 3)),
        np.zeros(4),
        np.array([-0.0, 3.0]),
    ]
    with both_options(**options):
        for values in arrays:
            assert_prints_as_pytorch(values.astype(np.float32) if values.dtype.kind == "f" else values)
            assert_prints_as_pytorch(values)
        assert get_printoptions() == torch_str.get_printoptions()


def test_options_defaults_and_reset():
    assert get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    assert get_printoptions() == torch_str.get_printoptions()
    ag.set_printoptions(sci_mode=True)
    assert repr(ag.tensor([1.0, 2.5])) == "tensor([1.0000e+00, 2.5000e+00])"
    ag.set_printoptions(precision=4)  # sci_mode left out: None again, as in PyTorch
    assert repr(ag.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])" and get_printoptions()["sci_mode"] is None


# -- hypothesis: many shapes, magnitudes and dtypes ------------------------------------------
_FLOAT_DTYPES = ["float32", "float64", "float16"]


@st.composite
def printable_arrays(draw):
    """Arrays of 0 to 4 dims whose values span a drawn range of magnitudes (so fixed, whole and
    scientific formats all come up), with nan, inf and signed zeros now and then."""
    dtype = draw(st.sampled_from(_FLOAT_DTYPES + ["int64", "int32", "bool"]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    if dtype == "bool":
        return draw(hnp.arrays(np.bool_, shape))
    if dtype.startswith("int"):
        bound = 10 ** draw(st.integers(0, 9))
        return draw(hnp.arrays(dtype, shape, elements=st.integers(-bound, bound)))
    low = draw(st.integers(-8, 4 if dtype == "float16" else 12))
    span = draw(st.integers(0, 6))
    mantissa = st.floats(-10, 10, allow_nan=False)
    base = draw(hnp.arrays(np.float64, shape, elements=mantissa))
    exponents = draw(hnp.arrays(np.int64, shape, elements=st.integers(low, low + span)))
    values = base * 10.0**exponents
    if draw(st.booleans()):
        values = np.round(values)
    special = draw(hnp.arrays(np.int8, shape, elements=st.sampled_from([0] * 12 + [1, 2, 3, 4])))
    values = np.where(special == 1, np.nan, values)
    values = np.where(special == 2, np.where(base >= 0, np.inf, -np.inf), values)
    values = np.where(special == 3, -0.0, values)
    values = np.where(special == 4, 0.0, values)
    with np.errstate(over="ignore"):
        return values.astype(dtype)


@settings(max_examples=60, deadline=None)
@given(values=printable_arrays(), requires_grad=st.booleans())
def test_hypothesis_arrays_print_as_pytorch(values, requires_grad):
    assert_prints_as_pytorch(values, requires_grad=requires_grad and values.dtype.kind == "f")


@settings(max_examples=30, deadline=None)
@given(
    values=printable_arrays(),
    precision=st.integers(0, 8),
    threshold=st.sampled_from([0, 1, 5, 20, 1000]),
    edgeitems=st.integers(0, 4),
    linewidth=st.integers(1, 120),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_hypothesis_print_options(values, precision, threshold, edgeitems, linewidth, sci_mode):
    with both_options(
        precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth, sci_mode=sci_mode
    ):
        assert_prints_as_pytorch(values)
