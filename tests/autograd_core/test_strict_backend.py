"""The strict test device really behaves like CuPy: it refuses every implicit path to NumPy.

If these pass, a primitive test that passes on ``device="strict"`` proves the op
never hands device data to NumPy directly.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from backends import get_device
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE, StrictArray, StrictBackend, raw


@pytest.fixture
def backend() -> StrictBackend:
    return get_device(DEVICE).backend


@pytest.fixture
def a(backend) -> StrictArray:
    return backend.asarray(np.arange(6.0).reshape(2, 3))


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "convert",
    [np.asarray, np.array, np.ascontiguousarray, lambda x: np.asarray(x, dtype=np.float32), lambda x: np.stack([x, x])],
)
def test_implicit_conversion_to_numpy_is_refused(a, convert):
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed|strict-device"):
        convert(a)


@pytest.mark.parametrize("ufunc", [np.exp, np.negative, np.isfinite, lambda x: np.add(x, 1.0)])
def test_numpy_ufuncs_are_refused(a, ufunc):
    with pytest.raises(TypeError):
        ufunc(a)


@pytest.mark.parametrize("function", [np.sum, np.transpose, np.where, np.shares_memory, lambda x: np.pad(x, 1)])
def test_numpy_functions_are_refused(a, function):
    with pytest.raises(TypeError):
        function(a) if function is not np.shares_memory else function(a, a)


@pytest.mark.parametrize("op", [lambda x, h: x + h, lambda x, h: h * x, lambda x, h: x @ h.T, lambda x, h: x == h])
def test_host_arrays_mixed_with_device_arrays_are_refused(a, op):
    with pytest.raises(TypeError):
        op(a, np.ones((2, 3)))


def test_xp_functions_refuse_host_arrays_among_device_arrays(backend, a):
    with pytest.raises(TypeError, match="host numpy.ndarray"):
        backend.xp.where(a > 1, a, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="host numpy.ndarray"):
        a[np.array([0, 1])] = np.zeros(3)


def test_where_needs_a_device_array_condition_as_cupys_does(backend, a):
    with pytest.raises(TypeError, match="where's condition must be a device array"):
        backend.xp.where(True, a, a)
    assert isinstance(backend.xp.where(a > 1, a, 0.0), StrictArray)


def test_no_array_interface_leaks_through_attribute_forwarding(a):
    for name in ("__array_interface__", "__array_struct__", "__cuda_array_interface__", "__dlpack__"):
        assert not hasattr(a, name)


def test_tensor_numpy_refuses_strict_tensors_and_to_numpy_refuses_host_data(backend):
    t = ag.tensor([1.0, 2.0], device=DEVICE)
    with pytest.raises(TypeError):
        t.numpy()
    with pytest.raises(TypeError):
        np.asarray(t)
    with pytest.raises(TypeError, match="host data has leaked"):
        backend.to_numpy(np.ones(2))


# ---------------------------------------------------------------------------- what it does offer
def test_xp_namespace_wraps_numpy_functions_and_keeps_dtypes(backend, a):
    xp = backend.xp
    out = xp.exp(a)
    assert isinstance(out, StrictArray) and out.dtype == np.float64
    np.testing.assert_allclose(out.get(), np.exp(np.arange(6.0).reshape(2, 3)))
    assert xp.float32 is np.float32 and xp.ndarray is StrictArray and xp.pi == np.pi
    cat = xp.concatenate([a, a], axis=0)
    assert cat.shape == (4, 3)
    assert isinstance(xp.zeros((2,), dtype=np.float32), StrictArray)
    host = np.ones(3)
    dev = xp.asarray(host)  # host data may be copied to the device explicitly
    host[0] = 5.0
    assert dev.get()[0] == 1.0


def test_methods_operators_and_indexing_stay_on_the_device(backend, a):
    for out in (a.sum(axis=0), a.max(), a.reshape(3, 2), a.T, a.astype(np.float32), a + 1.0, 2.0 * a, -a, a @ a.T,
                a[0], a[:, ::2], a[a > 2], a.argmax(), a > 1):
        assert isinstance(out, StrictArray)
    assert float(a.max()) == 5.0 and int(a.argmax()) == 5 and a.max().item() == 5.0
    assert a.shape == (2, 3) and a.ndim == 2 and a.size == 6 and a.itemsize == 8 and a.strides == (24, 8)
    idx = a.argmax(axis=1)  # a device index array indexes a device array
    assert a[backend.xp.arange(2), idx].get().tolist() == [2.0, 5.0]
    b = a.copy()
    b[0, :] = a[1, :]
    b += 1.0  # in place: writes into b's memory
    assert b.get().tolist() == [[4.0, 5.0, 6.0], [4.0, 5.0, 6.0]]
    assert a.get().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_base_tells_views_from_owners(backend, a):
    assert a.base is None
    assert a.copy().base is None
    assert a[0].base is not None and a.T.base is not None and a.reshape(3, 2).base is not None
    assert np.shares_memory(raw(a[0]), raw(a))


def test_windows_and_scatter_add(backend):
    x = backend.asarray(np.arange(5.0))
    w = backend.windows(x, (2,), (1,), (2,))  # kernel 2, dilation 2: pairs (i, i + 2)
    assert isinstance(w, StrictArray) and w.shape == (2, 3) and w.base is not None
    assert w.get().tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
    target = backend.xp.zeros(3)
    backend.scatter_add(target, (backend.asarray(np.array([0, 2, 0])),), backend.asarray(np.array([1.0, 2.0, 3.0])))
    assert target.get().tolist() == [4.0, 0.0, 2.0]


def test_random_numbers_are_device_arrays_and_seeded(backend):
    backend.seed(0)
    first = backend.normal((3,), np.float32)
    backend.seed(0)
    second = backend.normal((3,), np.float32)
    assert isinstance(first, StrictArray) and first.dtype == np.float32
    assert first.get().tolist() == second.get().tolist()
    assert isinstance(backend.integers(0, 5, (4,), np.int64), StrictArray)
    assert backend.integers(0, 5, (4,), np.float32).dtype == np.float32
    rng = backend.make_rng(3)
    assert isinstance(backend.random((2,), np.float64, rng), StrictArray)
    ag.manual_seed(1)
    a = ag.randn(3, device=DEVICE)
    ag.manual_seed(1)
    b = ag.randn(3, device=DEVICE)
    assert isinstance(a._data, StrictArray) and to_host(a).tolist() == to_host(b).tolist()
    gen = ag.Generator(device=DEVICE).manual_seed(0)
    assert isinstance(ag.rand(2, device=DEVICE, generator=gen)._data, StrictArray)


# ---------------------------------------------------------------------------- the engine on it
def test_a_small_model_runs_forward_and_backward_on_the_strict_device():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4, 3)), device=DEVICE, dtype=ag.float64)
    w = ag.tensor(rng.standard_normal((3, 2)), device=DEVICE, dtype=ag.float64, requires_grad=True)
    loss = ag.log_softmax(ag.tanh(x @ w), dim=1).sum()
    loss.backward()
    assert isinstance(w.grad._data, StrictArray)
    cpu_w = ag.tensor(to_host(w), dtype=ag.float64, requires_grad=True)
    cpu_loss = ag.log_softmax(ag.tanh(ag.tensor(to_host(x), dtype=ag.float64) @ cpu_w), dim=1).sum()
    cpu_loss.backward()
    np.testing.assert_allclose(to_host(loss), to_host(cpu_loss), rtol=1e-12)
    np.testing.assert_allclose(to_host(w.grad), to_host(cpu_w.grad), rtol=1e-12)


def test_mixing_cpu_and_strict_tensors_fails_naming_both_devices():
    with pytest.raises(RuntimeError, match=r"cpu.*strict|strict.*cpu"):
        ag.ones(2) + ag.ones(2, device=DEVICE)
