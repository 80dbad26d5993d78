"""``ag.set_printoptions``: precision, threshold, edgeitems, linewidth, profile and sci_mode change
``repr``/``str`` of tensors as in PyTorch, and the defaults leave the repr as it was."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.tensor import _array_string, get_printoptions


@pytest.fixture(autouse=True)
def _restore_print_options():
    saved = get_printoptions()
    yield
    ag.set_printoptions(**saved)


def _torch_too(**kw):
    torch = pytest.importorskip("torch")
    from torch._tensor_str import get_printoptions as torch_options

    saved = torch_options()
    torch.set_printoptions(**kw)
    ag.set_printoptions(**kw)
    return torch, saved


def _squeeze(text: str) -> str:
    """The text with runs of spaces made one (PyTorch pads the summary's '...' one space wider)."""
    return " ".join(text.split())


ARRAYS = [
    np.arange(10.0), np.arange(30.0), np.arange(2000.0), np.arange(2000), np.linspace(-1, 1, 12).reshape(3, 4),
    np.array([1e-5, 1.0]), np.array([1.12345]), np.random.default_rng(0).standard_normal((40, 40)),
    np.array([np.nan, np.inf, -1.5]), np.zeros((0, 3)), np.array(2.5), np.array([True, False]),
    np.arange(24).reshape(2, 3, 4), np.array([1e20, 1.0]),
]


@pytest.mark.parametrize("i", range(len(ARRAYS)))
def test_the_default_options_print_as_before(i):
    """The repr used NumPy's layout at precision 4 with NumPy's default options: still the same."""
    host = ARRAYS[i].astype(np.float32) if ARRAYS[i].dtype.kind == "f" else ARRAYS[i]
    before = np.array2string(host, separator=", ", prefix="tensor(", precision=4)
    assert _array_string(host, "tensor(") == before


def test_defaults_and_examples():
    assert get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 75, "sci_mode": None}
    assert repr(ag.tensor([1.12345])) == "tensor([1.1235])"
    assert repr(ag.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_precision_changes_the_repr_and_the_default_profile_resets_it():
    x = ag.tensor([1.12345, -2.5])
    ag.set_printoptions(precision=2)
    assert repr(x) == "tensor([ 1.12, -2.5 ])" and str(x) == repr(x)
    ag.set_printoptions(profile="default")
    assert repr(x) == "tensor([ 1.1235, -2.5   ])"


def test_threshold_and_edgeitems_summarise_as_pytorch():
    torch, saved = _torch_too(threshold=5)
    try:
        assert repr(ag.arange(10)) == "tensor([0, 1, 2, ..., 7, 8, 9])"
        assert _squeeze(repr(ag.arange(10))) == _squeeze(repr(torch.arange(10)))
        for kw in ({"edgeitems": 1}, {"edgeitems": 2, "threshold": 3}):
            torch.set_printoptions(**kw)
            ag.set_printoptions(**kw)
            for shape in ((10,), (3, 4), (2, 3, 4)):
                n = int(np.prod(shape))
                ours, theirs = ag.arange(n).reshape(shape), torch.arange(n).reshape(shape)
                assert _squeeze(repr(ours)) == _squeeze(repr(theirs)), (kw, shape)
        ag.set_printoptions(threshold=100)  # sci_mode resets to None as well, as in PyTorch
        assert "..." not in repr(ag.arange(100)) and "..." in repr(ag.arange(101))
    finally:
        torch.set_printoptions(**saved)


def test_linewidth_wraps_lines():
    x = ag.arange(30.0)
    assert repr(x).count("\n") == 2
    ag.set_printoptions(linewidth=40)
    lines = repr(x).split("\n")
    assert len(lines) > 3 and max(len(line) for line in lines) <= 40
    ag.set_printoptions(linewidth=200)
    assert "\n" not in repr(x)


def test_profiles_as_pytorch():
    torch, saved = _torch_too(profile="full")
    try:
        assert "..." not in repr(ag.arange(2000)) and get_printoptions()["threshold"] == float("inf")
        for profile in ("short", "full", "default"):
            ag.set_printoptions(profile=profile)
            torch.set_printoptions(profile=profile)
            ours, theirs = get_printoptions(), torch._tensor_str.get_printoptions()
            for key in ("precision", "threshold", "edgeitems", "sci_mode"):
                assert ours[key] == theirs[key], (profile, key)
            assert _squeeze(repr(ag.arange(2000))) == _squeeze(repr(torch.arange(2000)))
        ag.set_printoptions(profile="short")
        assert repr(ag.tensor([1.23456])) == "tensor([1.23])"
        assert repr(ag.arange(1001)) == "tensor([   0,    1, ...,  999, 1000])"
    finally:
        torch.set_printoptions(**saved)
    with pytest.raises(ValueError, match="unknown profile 'long'"):
        ag.set_printoptions(profile="long")


@pytest.mark.parametrize("sci_mode", [True, False])
@pytest.mark.parametrize("precision", [4, 2])
def test_sci_mode_forces_pytorchs_formats(sci_mode, precision):
    torch, saved = _torch_too(sci_mode=sci_mode, precision=precision)
    try:
        for values in ([1.5, -2e-5, 3e3], [[1.0, 2.5], [-3.25, 4.0]], [0.0, 1.0, 2.0], [-1.0, 2.0],
                       [np.nan, 1.25, -np.inf], [1e-30, 1.0], [5.5]):
            ours, theirs = repr(ag.tensor(values)), repr(torch.tensor(values))
            assert ours == theirs, (values, ours, theirs)
        assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"  # integers are never scientific
    finally:
        torch.set_printoptions(**saved)


def test_sci_mode_none_is_numpys_choice_and_any_other_call_resets_it():
    x = ag.tensor([1.0, 2.5])
    ag.set_printoptions(sci_mode=True)
    assert repr(x) == "tensor([1.0000e+00, 2.5000e+00])"
    ag.set_printoptions(precision=4)  # sci_mode left out: None again, as in PyTorch
    assert repr(x) == "tensor([1. , 2.5])" and get_printoptions()["sci_mode"] is None


def test_numpys_global_options_no_longer_leak_into_the_repr():
    x = ag.arange(20.0) / 3
    expected = repr(x)
    with np.printoptions(precision=1, threshold=3, edgeitems=1, linewidth=20, suppress=True):
        assert repr(x) == expected


def test_bad_values_are_refused():
    for kw in ({"precision": -1}, {"precision": 2.5}, {"edgeitems": "3"}, {"linewidth": 0},
               {"threshold": "many"}, {"threshold": float("nan")}):
        with pytest.raises(ValueError, match="set_printoptions"):
            ag.set_printoptions(**kw)
    assert get_printoptions()["precision"] == 4


def test_options_reach_every_device_and_grad_suffixes():
    ag.set_printoptions(precision=1)
    x = ag.tensor([1.26, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1.3, 2. ], requires_grad=True)"
    assert repr(x * 2).startswith("tensor([2.5, 4. ], grad_fn=")
    assert repr(ag.tensor([1.26], device="strict")) == "tensor([1.3], device='strict')"
