"""unique and bincount against PyTorch: values, int64 inverse and counts, result dtypes (bincount's
float32-or-float64 weights rule, int64 zeros for an empty input), NaN and empty inputs, no gradient,
and every error."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops.counting import bincount, unique
from tests.helpers.op_factory import DEVICES, to_host

NAN = float("nan")

UNIQUE_DATA = {  # id: (data, dtype)
    "floats_with_nans": ([3.0, 1.0, NAN, 1.0, NAN, 2.0], "float32"),
    "matrix": ([[1, 2, 7], [2, 1, 1]], "int64"),
    "zero_d": (3.0, "float64"),
    "empty": ([], "float32"),
    "bool": ([True, False, True], "bool"),
    "uint8": ([5, 0, 5, 255], "uint8"),
    "signed_zeros": ([-0.0, 0.0, 1.0], "float64"),
}


def _assert_same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("return_inverse, return_counts", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("data, dtype", UNIQUE_DATA.values(), ids=list(UNIQUE_DATA))
def test_unique_matches_torch(data, dtype, return_inverse, return_counts, device):
    torch = pytest.importorskip("torch")
    ours = unique(ag.tensor(data, dtype=getattr(ag, dtype), device=device),
                  return_inverse=return_inverse, return_counts=return_counts)
    theirs = torch.unique(torch.tensor(data, dtype=getattr(torch, dtype)),
                          return_inverse=return_inverse, return_counts=return_counts)
    if not (return_inverse or return_counts):
        ours, theirs = (ours,), (theirs,)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.device == device
        _assert_same(o, t)


@pytest.mark.parametrize("device", DEVICES)
def test_unique_results_are_sorted_and_off_the_tape(device):
    x = ag.tensor([[2.0, -1.0], [2.0, 0.5]], device=device, requires_grad=True)
    values, inverse, counts = unique(x, sorted=False, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(to_host(values), [-1.0, 0.5, 2.0])
    np.testing.assert_array_equal(to_host(inverse), [[2, 0], [2, 1]])
    np.testing.assert_array_equal(to_host(counts), [1, 1, 2])
    assert not any(t.requires_grad for t in (values, inverse, counts)) and values.grad_fn is None
    np.testing.assert_array_equal(to_host(values[inverse]), to_host(x))


WEIGHT_DTYPES = [None, "float32", "float64", "float16", "int64", "uint8", "bool"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("minlength", [0, 3, 9])
@pytest.mark.parametrize("weights", WEIGHT_DTYPES, ids=[str(w) for w in WEIGHT_DTYPES])
@pytest.mark.parametrize("index_dtype", ["int64", "int32", "uint8"])
def test_bincount_matches_torch_values_and_dtypes(index_dtype, weights, minlength, device):
    torch = pytest.importorskip("torch")
    data, w = [0, 2, 2, 5, 0], [1.0, 0.5, 2.0, 3.0, 0.25]
    ours = bincount(ag.tensor(data, dtype=getattr(ag, index_dtype), device=device),
                    None if weights is None else ag.tensor(w, dtype=getattr(ag, weights), device=device), minlength)
    theirs = torch.bincount(torch.tensor(data, dtype=getattr(torch, index_dtype)),
                            None if weights is None else torch.tensor(w, dtype=getattr(torch, weights)), minlength)
    assert ours.device == device
    _assert_same(ours, theirs)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("weights", [None, "float32", "float64"])
def test_bincount_of_an_empty_input_gives_int64_zeros_as_torch(weights, device):
    torch = pytest.importorskip("torch")
    for minlength in (0, 3):
        ours = bincount(ag.tensor([], dtype=ag.int64, device=device),
                        None if weights is None else ag.tensor([], dtype=getattr(ag, weights), device=device), minlength)
        theirs = torch.bincount(torch.tensor([], dtype=torch.int64),
                                None if weights is None else torch.tensor([], dtype=getattr(torch, weights)), minlength)
        _assert_same(ours, theirs)


@pytest.mark.parametrize("device", DEVICES)
def test_bincount_is_off_the_tape(device):
    w = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    out = bincount(ag.tensor([1, 1], device=device), w)
    np.testing.assert_array_equal(to_host(out), [0.0, 3.0])
    assert not out.requires_grad and out.grad_fn is None


# ---------------------------------------------------------------------------- errors
IDX = ag.tensor([0, 2, 1])

ERRORS = {  # id: (call, error, pattern)
    "unique_dim": (lambda: unique(IDX, dim=0), RuntimeError, r"unique: dim=0 is not supported; only dim=None"),
    "unique_not_a_tensor": (lambda: unique([1, 2]), TypeError, r"unique: input must be a Tensor, got list"),
    "bincount_negative": (lambda: bincount(ag.tensor([1, -1])), RuntimeError,
                          r"bincount only supports 1-d non-negative integral inputs; input has negative values"),
    "bincount_2d": (lambda: bincount(ag.tensor([[1, 2]])), RuntimeError,
                    r"bincount only supports 1-d .*; got a 2-d tensor of dtype int64 \(shape \(1, 2\)\)"),
    "bincount_0d": (lambda: bincount(ag.tensor(3)), RuntimeError, r"got a 0-d tensor"),
    "bincount_float": (lambda: bincount(ag.tensor([1.0, 2.0])), RuntimeError, r"1-d tensor of dtype float32"),
    "bincount_bool": (lambda: bincount(ag.tensor([True, False])), RuntimeError, r"1-d tensor of dtype bool"),
    "bincount_negative_minlength": (lambda: bincount(IDX, minlength=-1), RuntimeError,
                                    r"bincount: minlength should be >= 0, got -1"),
    "bincount_float_minlength": (lambda: bincount(IDX, minlength=2.0), TypeError,
                                 r"bincount\(\): argument 'minlength' must be int, not float"),
    "bincount_weights_length": (lambda: bincount(IDX, ag.ones(2)), RuntimeError,
                                r"weights should be 1-d and have the same length as input; got weights of shape \(2,\)"),
    "bincount_weights_2d": (lambda: bincount(IDX, ag.ones(3, 1)), RuntimeError, r"weights of shape \(3, 1\)"),
    "bincount_weights_list": (lambda: bincount(IDX, [1.0, 1.0, 1.0]), TypeError, r"weights must be a Tensor or None"),
}


@pytest.mark.parametrize("call, error, match", ERRORS.values(), ids=list(ERRORS))
def test_bad_calls_fail_naming_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("data", [[[1, 2]], [1, -1]], ids=["2d", "negative"])
def test_torch_rejects_the_same_bincount_inputs(data):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        torch.bincount(torch.tensor(data))
