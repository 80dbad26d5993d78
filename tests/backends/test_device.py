"""Devices: parsing and interning, the back-end registry, seeding, lazy CuPy, and the strict device.

The strict device (``tests/helpers/strict_backend.py``) holds arrays that refuse
implicit conversion to NumPy, as CuPy's do: the engine running on it proves the
device discipline that the real GPU path depends on, on any CI machine.
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import autograd_core as ag
import backends
from backends import Device, DeviceError, get_device
from backends.numpy_backend import NumpyBackend
from tests.helpers import strict_backend

strict_backend.register()  # a no-op when conftest already did it
STRICT = strict_backend.DEVICE

backends.register_backend("cpu2", lambda index: NumpyBackend())


# ---------------------------------------------------------------------------- parsing
def test_cpu_device_is_interned():
    dev = get_device("cpu")
    assert isinstance(dev, Device)
    assert get_device("cpu") is dev and get_device(None) is dev and get_device(dev) is dev
    assert dev.type == "cpu" and dev.index is None and dev.xp is np


def test_device_str_repr_eq_hash():
    dev = get_device("cpu")
    assert str(dev) == "cpu" and repr(dev) == "device(type='cpu')"
    assert dev == "cpu" and dev != "cpu2" and dev != get_device("cpu2")
    assert dev != "no-such-device"  # comparing with an unknown name is False, not an error
    assert hash(dev) == hash(get_device("cpu"))
    assert ag.device("cpu") is dev


@pytest.mark.parametrize("spec", ["tpu", "gpu", "cuda:-1", "cuda:x", "CPU", ""])
def test_bad_device_strings_raise_device_error(spec):
    with pytest.raises(DeviceError):
        get_device(spec)


@pytest.mark.parametrize("spec", [3, 1.5, object()])
def test_non_string_devices_are_refused(spec):
    with pytest.raises(DeviceError, match="device"):
        get_device(spec)


def test_device_error_is_a_runtime_error():
    assert issubclass(DeviceError, RuntimeError)


# ---------------------------------------------------------------------------- registry
def test_registered_backend_makes_a_usable_device():
    t = ag.tensor([1.0, 2.0], device="cpu2")
    assert t.device == "cpu2" and str(t.device) == "cpu2" and t.device.type == "cpu2"
    assert (t * 2.0).device is t.device
    assert "cpu2" in repr(t)


def test_re_registering_replaces_the_backend():
    calls = []

    def factory(index):
        calls.append(index)
        return NumpyBackend()

    backends.register_backend("reg-test", factory)
    first = get_device("reg-test")
    assert get_device("reg-test") is first and calls == [None]
    backends.register_backend("reg-test", factory)
    assert get_device("reg-test") is not first and calls == [None, None]


def test_indexed_device_strings_of_a_registered_type():
    backends.register_backend("idx-test", lambda index: NumpyBackend())
    d1 = get_device("idx-test:1")
    assert d1.index == 1 and str(d1) == "idx-test:1"
    assert get_device("idx-test:1") is d1 and get_device("idx-test:2") is not d1


def test_manual_seed_seeds_every_device_present_and_future():
    get_device("cpu2")  # present
    ag.manual_seed(99)
    backends.register_backend("seed-test", lambda index: NumpyBackend())  # future
    ref = ag.randn(5).tolist()
    assert ag.randn(5, device="cpu2").tolist() == ref
    assert ag.randn(5, device="seed-test").tolist() == ref


def test_numpy_refuses_a_tensor_that_is_not_on_cpu():
    with pytest.raises(TypeError, match=r"cpu\(\)"):
        ag.ones(2, device="cpu2").numpy()
    assert ag.ones(2, device="cpu2").cpu().numpy().tolist() == [1.0, 1.0]


# ---------------------------------------------------------------------------- CuPy, without a GPU
def _fake_cupy(count=None, error=None):
    def get_device_count():
        if error is not None:
            raise error
        return count

    runtime = types.SimpleNamespace(getDeviceCount=get_device_count)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))


def test_cupy_missing_says_so_and_how_to_install(monkeypatch):
    from backends.cupy_backend import CupyBackend

    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` raise ImportError
    with pytest.raises(DeviceError) as info:
        CupyBackend(0)
    message = str(info.value)
    assert "CuPy" in message and "not installed" in message and 'pip install "tapegrad[cuda]"' in message


@pytest.mark.parametrize(
    "fake", [_fake_cupy(error=RuntimeError("cudaErrorNoDevice")), _fake_cupy(count=0)], ids=["driver-error", "zero"]
)
def test_cupy_without_a_gpu_says_there_is_no_gpu(monkeypatch, fake):
    from backends.cupy_backend import CupyBackend

    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(DeviceError, match="GPU"):
        CupyBackend(0)


def test_cuda_index_beyond_the_gpu_count_is_refused(monkeypatch):
    from backends.cupy_backend import CupyBackend

    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(count=1))
    with pytest.raises(DeviceError, match=r"cuda:3.*1 GPU"):
        CupyBackend(3)


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_and_computing_on_cpu_never_imports_cupy():
    code = (
        "import sys, autograd_core as ag\n"
        "x = ag.randn(3, requires_grad=True); (x * x).sum().backward()\n"
        "assert 'cupy' not in sys.modules, 'cupy was imported'\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


def test_backends_import_nothing_of_ours():
    code = (
        "import sys, backends\n"
        "backends.get_device('cpu')\n"
        "bad = [m for m in ('autograd_core', 'nn', 'optim') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------- the strict device
def _mlp_loss_and_grads(device):
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((5, 3)), rng.standard_normal(5)
    w2 = rng.standard_normal((2, 5))
    x, idx = rng.standard_normal((4, 3)), np.array([0, 2, 2, 1])
    params = [ag.tensor(a, device=device, requires_grad=True) for a in (w1, b1, w2)]
    W1, B1, W2 = params
    X = ag.tensor(x, device=device)
    hidden = (X @ W1.T + B1).tanh()
    hidden.retain_grad()
    out = (hidden @ W2.T).log_softmax(dim=-1)
    picked = out[ag.tensor(np.arange(4), device=device), ag.tensor(idx % 2, device=device)]
    rows = hidden.index_select(1, ag.tensor([0, 0, 4], device=device))  # repeated indices accumulate
    loss = -picked.mean() + (rows * rows).sum() * 0.1 + B1.sigmoid().sum()
    loss.backward()
    return loss, [p.grad for p in params] + [hidden.grad]


def test_strict_device_mlp_matches_cpu():
    loss_cpu, grads_cpu = _mlp_loss_and_grads("cpu")
    loss_dev, grads_dev = _mlp_loss_and_grads(STRICT)
    assert loss_dev.device == STRICT
    np.testing.assert_allclose(loss_dev.cpu().item(), loss_cpu.item(), rtol=1e-12)
    for g_dev, g_cpu in zip(grads_dev, grads_cpu):
        assert g_dev.device == STRICT
        np.testing.assert_allclose(g_dev.cpu().numpy(), g_cpu.numpy(), rtol=1e-12)


def test_strict_device_round_trip_with_gradients_across_devices():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    on_dev = x.to(STRICT)
    back = (on_dev * on_dev).cpu()
    assert on_dev.device == STRICT and back.device == "cpu"
    back.sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0, 6.0]

    w = ag.tensor([1.0, -1.0], dtype=ag.float64, device=STRICT, requires_grad=True)
    (w.cpu() * 3.0).sum().backward()
    assert w.grad.device == STRICT and w.grad.cpu().tolist() == [3.0, 3.0]


def test_strict_device_refuses_numpy_and_mixing():
    t = ag.ones(2, device=STRICT)
    with pytest.raises(TypeError):
        t.numpy()
    with pytest.raises(TypeError):
        np.asarray(t)
    with pytest.raises(DeviceError, match=rf"(?s)(cpu.*{STRICT}|{STRICT}.*cpu)"):
        t + ag.ones(2)


def test_strict_device_second_order_and_gradcheck():
    x = ag.tensor([0.3, -0.8], dtype=ag.float64, device=STRICT, requires_grad=True)
    (g,) = ag.grad(x.sin().sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.cpu().numpy(), -np.sin([0.3, -0.8]), rtol=1e-12)
    assert ag.gradcheck(lambda t: (t.exp() * t).sum(), (x,))


def test_strict_device_in_place_versions_and_seeding():
    ag.manual_seed(5)
    a = ag.randn(4, device=STRICT).cpu().tolist()
    ag.manual_seed(5)
    assert ag.randn(4, device=STRICT).cpu().tolist() == a
    w = ag.ones(3, device=STRICT, requires_grad=True)
    y = w.sin()
    with ag.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()
