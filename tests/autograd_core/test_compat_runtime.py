"""Runtime settings and dtype queries scripts use (autograd_core/runtime.py, dtypes.py, random.py, backends/blas.py):
``set_num_threads``, ``set_float32_matmul_precision``, ``use_deterministic_algorithms`` (and the
ordered GPU scatter it switches to), ``accelerator``, ``ag.random`` / ``seed`` / ``fork_rng``,
``promote_types`` / ``result_type`` / ``can_cast`` (against PyTorch on every pair)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

import autograd_core as ag
from backends import blas, get_device
from backends.cupy_backend import CupyBackend
from backends.device import DETERMINISTIC
from tests.helpers.strict_backend import DEVICE

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.fixture
def deterministic():
    ag.use_deterministic_algorithms(True)
    yield
    ag.use_deterministic_algorithms(False)


def test_num_threads_sets_numpys_blas():
    before = ag.get_num_threads()
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1
        if blas.get_threads() is not None:  # (the library is reachable on Linux with NumPy's OpenBLAS)
            assert blas.get_threads() == 1
    finally:
        ag.set_num_threads(before)
    assert ag.get_num_threads() == before


@pytest.mark.parametrize("bad, message", [(0, "positive integer"), (-2, "positive integer"), (2.0, "expects an int")])
def test_num_threads_refuses_what_pytorch_refuses(bad, message):
    with pytest.raises(RuntimeError, match=message):
        ag.set_num_threads(bad)


def test_matmul_precision_is_stored_and_a_bad_value_warns():
    assert ag.get_float32_matmul_precision() == "highest"
    try:
        ag.set_float32_matmul_precision("high")
        assert ag.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="not one of 'highest', 'high', or 'medium'"):
            ag.set_float32_matmul_precision("low")
        assert ag.get_float32_matmul_precision() == "high"
    finally:
        ag.set_float32_matmul_precision("highest")


def test_deterministic_flags(deterministic):
    assert ag.are_deterministic_algorithms_enabled() and not ag.is_deterministic_algorithms_warn_only_enabled()
    ag.use_deterministic_algorithms(True, warn_only=True)
    assert ag.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError, match="must be bool, not int"):
        ag.use_deterministic_algorithms(1)


def _repeated_scatter():
    rng = np.random.default_rng(0)
    target = rng.standard_normal((6, 3))
    index = (rng.integers(0, 6, 40),)  # many repeats of each row
    values = rng.standard_normal((40, 3))
    expected = target.copy()
    np.add.at(expected, index, values)
    return target, index, values, expected


def test_the_gpu_scatter_add_goes_in_order_when_deterministic(deterministic):
    # CuPy's scatter_add method, run with NumPy as its array module: under the flag it never reaches
    # cupyx's atomic scatter (CuPy isn't installed here) and sums the repeats in rounds.
    target, index, values, expected = _repeated_scatter()
    CupyBackend.scatter_add(SimpleNamespace(xp=np), target, index, values)
    np.testing.assert_allclose(target, expected, rtol=1e-14)


def test_the_composed_add_at_goes_in_order_on_the_strict_device_when_deterministic(deterministic):
    target, index, values, expected = _repeated_scatter()
    backend = get_device(DEVICE).backend
    xp = backend.xp
    t = xp.asarray(target)
    backend.ufunc_at("add", t, (xp.asarray(index[0]),), xp.asarray(values))
    np.testing.assert_allclose(backend.to_numpy(t), expected, rtol=1e-14)
    assert DETERMINISTIC[0]


def test_gradients_with_repeated_indices_are_the_same_with_the_flag(deterministic):
    weight = ag.randn(5, 3, device=DEVICE, requires_grad=True)
    idx = ag.tensor([0, 3, 3, 1, 0, 3], device=DEVICE)
    (weight[idx] * ag.arange(18.0, device=DEVICE).reshape(6, 3)).sum().backward()
    with_flag = weight.grad.cpu().numpy().copy()
    ag.use_deterministic_algorithms(False)
    weight.grad = None
    (weight[idx] * ag.arange(18.0, device=DEVICE).reshape(6, 3)).sum().backward()
    np.testing.assert_allclose(with_flag, weight.grad.cpu().numpy(), rtol=1e-6)


def test_accelerator_without_a_gpu():
    if ag.cuda.is_available():
        pytest.skip("a GPU is present")
    assert ag.accelerator.is_available() is False and ag.accelerator.device_count() == 0
    assert ag.accelerator.current_accelerator(check_available=True) is None


@pytest.mark.cuda
def test_accelerator_with_a_gpu():
    if not ag.cuda.is_available():
        pytest.skip("no GPU")
    assert ag.accelerator.current_accelerator() == ag.device("cuda") and ag.accelerator.device_count() >= 1


def test_seed_fork_rng_and_the_random_module():
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s == ag.random.initial_seed()
    ag.random.manual_seed(3)
    before = ag.random.get_rng_state()
    with ag.random.fork_rng():
        ag.manual_seed(0)
        ag.rand(4)
    assert ag.random.get_rng_state().tolist() == before.tolist()
    expected = ag.rand(2).tolist()
    ag.random.set_rng_state(before)
    with ag.random.fork_rng(enabled=False):
        ag.rand(1)
    assert ag.rand(2).tolist() != expected  # not forked: the draw inside moved the stream
    with pytest.raises(ValueError, match="device_type"):
        with ag.random.fork_rng(device_type="mps"):
            pass


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, repeat=2)))
def test_promote_types_and_can_cast_match_pytorch(a, b):
    torch = pytest.importorskip("torch")
    assert str(ag.promote_types(getattr(ag, a), getattr(ag, b))) == str(
        torch.promote_types(getattr(torch, a), getattr(torch, b))).replace("torch.", "")
    assert ag.can_cast(getattr(ag, a), getattr(ag, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


OPERANDS = [("t", "int64", 1), ("t", "int32", 1), ("t", "float16", 1), ("t", "float64", 1), ("t", "bool", 1),
            ("t", "uint8", 1), ("t", "int64", 0), ("t", "float64", 0), ("t", "bool", 0), ("t", "int8", 0),
            ("n", True, None), ("n", 2, None), ("n", 1.5, None)]  # fmt: skip


def _operand(spec, lib):
    kind, what, ndim = spec
    if kind == "n":
        return what
    value = [1] if ndim else 1
    return lib.tensor(value, dtype=getattr(lib, what))


@pytest.mark.parametrize("a, b", list(itertools.combinations_with_replacement(range(len(OPERANDS)), 2)))
def test_result_type_matches_pytorch(a, b):
    torch = pytest.importorskip("torch")
    ours = ag.result_type(_operand(OPERANDS[a], ag), _operand(OPERANDS[b], ag))
    theirs = torch.result_type(_operand(OPERANDS[a], torch), _operand(OPERANDS[b], torch))
    assert str(ours) == str(theirs).replace("torch.", ""), (OPERANDS[a], OPERANDS[b])


def test_result_type_without_torch():
    assert ag.result_type(ag.tensor([1, 2]), 1.0) == ag.float32
    assert ag.result_type(ag.tensor([1], dtype=ag.int32), ag.tensor(5)) == ag.int32
    assert ag.result_type(True, 2) == ag.int64
    with pytest.raises(TypeError, match="expected Tensors or Python numbers"):
        ag.result_type(ag.tensor([1]), "2")
