"""``ag.set_printoptions``: precision, threshold, edgeitems, linewidth, profile and sci_mode change
``repr``/``str`` of tensors as in PyTorch (test_printing.py compares every layout with PyTorch's;
these tests also run where PyTorch is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.tensor import get_printoptions


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


def test_defaults_and_examples():
    assert get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    assert repr(ag.tensor([1.12345])) == "tensor([1.1235])"
    assert repr(ag.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_precision_changes_the_repr_and_the_default_profile_resets_it():
    x = ag.tensor([1.12345, -2.5])
    ag.set_printoptions(precision=2)
    assert repr(x) == "tensor([ 1.12, -2.50])" and str(x) == repr(x)
    ag.set_printoptions(profile="default")
    assert repr(x) == "tensor([ 1.1235, -2.5000])"


def test_threshold_and_edgeitems_summarise():
    ag.set_printoptions(threshold=5)
    assert repr(ag.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"  # PyTorch pads " ..." as a value
    ag.set_printoptions(threshold=5, edgeitems=1)
    assert repr(ag.arange(24).reshape(2, 3, 4)) == (
        "tensor([[[ 0,  ...,  3],\n"
        "         ...,\n"
        "         [ 8,  ..., 11]],\n\n"
        "        [[12,  ..., 15],\n"
        "         ...,\n"
        "         [20,  ..., 23]]])"
    )
    ag.set_printoptions(threshold=5, edgeitems=0)  # nothing shown: the size is
    assert repr(ag.arange(12.0).reshape(3, 4)) == "tensor([...], size=(3, 4))"
    ag.set_printoptions(threshold=100)  # sci_mode resets to None as well, as in PyTorch
    assert "..." not in repr(ag.arange(100)) and "..." in repr(ag.arange(101))


def test_linewidth_wraps_lines():
    x = ag.arange(30.0)
    assert repr(x).split("\n") == [
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,",
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,",
        "        28., 29.])",
    ]
    ag.set_printoptions(linewidth=40)
    lines = repr(x).split("\n")
    assert lines[:2] == ["tensor([ 0.,  1.,  2.,  3.,  4.,  5.,", "         6.,  7.,  8.,  9., 10., 11.,"]
    assert len(lines) == 5 and max(len(line) for line in lines) <= 40
    ag.set_printoptions(linewidth=200)
    assert "\n" not in repr(x)


def test_profiles():
    ag.set_printoptions(profile="full")
    assert "..." not in repr(ag.arange(2000)) and get_printoptions()["threshold"] == float("inf")
    ag.set_printoptions(profile="short")
    assert get_printoptions() == {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None}
    assert repr(ag.tensor([1.23456])) == "tensor([1.23])"
    assert repr(ag.arange(1001)) == "tensor([   0,    1,  ...,  999, 1000])"
    with pytest.raises(ValueError, match="unknown profile 'long'"):
        ag.set_printoptions(profile="long")


@pytest.mark.parametrize("sci_mode", [True, False])
@pytest.mark.parametrize("precision", [4, 2])
def test_sci_mode_forces_pytorchs_formats(sci_mode, precision):
    torch, saved = _torch_too(sci_mode=sci_mode, precision=precision)
    try:
        for values in ([1.5, -2e-5, 3e3], [[1.0, 2.5], [-3.25, 4.0]], [0.0, 1.0, 2.0], [-1.0, 2.0],
                       [np.nan, 1.25, -np.inf], [1e-30, 1.0], [5.5], [0.0, np.nan]):
            ours, theirs = repr(ag.tensor(values)), repr(torch.tensor(values))
            assert ours == theirs, (values, ours, theirs)
        assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"  # integers are never scientific
    finally:
        torch.set_printoptions(**saved)


def test_sci_mode_none_lets_the_values_decide_and_any_other_call_resets_it():
    x = ag.tensor([1.0, 2.5])
    ag.set_printoptions(sci_mode=True)
    assert repr(x) == "tensor([1.0000e+00, 2.5000e+00])"
    assert repr(ag.zeros(2)) == "tensor([0., 0.])"  # no nonzero finite value: never scientific
    ag.set_printoptions(precision=4)  # sci_mode left out: None again, as in PyTorch
    assert repr(x) == "tensor([1.0000, 2.5000])" and get_printoptions()["sci_mode"] is None
    assert repr(ag.tensor([1.0, 1001.0])) == "tensor([1.0000e+00, 1.0010e+03])"  # largest/smallest > 1000


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
    assert repr(x) == "tensor([1.3, 2.0], requires_grad=True)"
    assert repr(x * 2) == "tensor([2.5, 4.0], grad_fn=<MulBackward>)"
    assert repr(ag.tensor([1.26], device="strict")) == "tensor([1.3], device='strict')"
