"""The real CuPy path, on a machine with an NVIDIA GPU: ``PYTHONPATH=. python3 -m pytest -m cuda``.

Every test is marked ``cuda`` (deselected by default) and the module is skipped
where ``get_device("cuda")`` fails (no CuPy, or no GPU).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import backends
from backends import DeviceError

pytestmark = pytest.mark.cuda

try:
    CUDA = backends.get_device("cuda")
except DeviceError as exc:
    pytest.skip(f"no usable CUDA device: {exc}", allow_module_level=True)


def to_host(t: ag.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def test_tensors_live_on_cuda():
    t = ag.ones(2, 3, device="cuda")
    assert t.device is CUDA and t.device == "cuda" and t.device == "cuda:0"
    assert t.device.type == "cuda" and t.is_cuda and str(t.device) == "cuda:0"
    assert type(t._data).__module__.startswith("cupy")
    assert (t * 2.0).device is CUDA
    assert ag.tensor([1.0, 2.0], device="cuda").tolist() == [1.0, 2.0]
    assert ag.tensor(3.5, device="cuda").item() == 3.5
    assert "cuda:0" in repr(t)
    assert ag.cuda.is_available() and ag.cuda.device_count() >= 1


@pytest.mark.parametrize(
    "factory",
    [
        lambda d: ag.zeros(2, 3, device=d),
        lambda d: ag.ones(2, 3, dtype=ag.float64, device=d),
        lambda d: ag.full((2,), 7.0, device=d),
        lambda d: ag.arange(5, device=d),
        lambda d: ag.linspace(0, 1, 5, device=d),
        lambda d: ag.eye(3, device=d),
        lambda d: ag.zeros_like(ag.ones(2, device=d)),
    ],
    ids=["zeros", "ones", "full", "arange", "linspace", "eye", "zeros_like"],
)
def test_factories_on_cuda_match_cpu(factory):
    on_gpu, on_cpu = factory("cuda"), factory("cpu")
    assert on_gpu.device is CUDA and on_gpu.dtype == on_cpu.dtype
    np.testing.assert_array_equal(to_host(on_gpu), on_cpu.numpy())


def _mlp(device):
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = (
        rng.standard_normal((16, 8)),
        rng.standard_normal(16),
        rng.standard_normal((3, 16)),
        rng.standard_normal(3),
    )
    x, labels = rng.standard_normal((10, 8)), rng.integers(0, 3, 10)
    params = [ag.tensor(a, device=device, requires_grad=True) for a in (w1, b1, w2, b2)]
    W1, B1, W2, B2 = params
    X = ag.tensor(x, device=device)
    hidden = (X @ W1.T + B1).relu()
    logits = (hidden @ W2.T + B2).tanh() * 3.0
    logp = logits.log_softmax(dim=1)
    picked = logp[ag.arange(10, device=device), ag.tensor(labels, device=device)]
    repeated = hidden.index_select(1, ag.tensor([0, 0, 5], device=device))  # scatter-add on the GPU
    loss = -picked.mean() + (repeated**2).mean() * 0.01 + B1.sigmoid().sum() * 0.1
    loss.backward()
    return loss, [p.grad for p in params]


def test_small_mlp_forward_and_backward_match_cpu():
    loss_gpu, grads_gpu = _mlp("cuda")
    loss_cpu, grads_cpu = _mlp("cpu")
    assert loss_gpu.device is CUDA
    np.testing.assert_allclose(loss_gpu.item(), loss_cpu.item(), rtol=1e-10)
    for g_gpu, g_cpu in zip(grads_gpu, grads_cpu):
        assert g_gpu.device is CUDA and g_gpu.dtype == ag.float64
        np.testing.assert_allclose(to_host(g_gpu), g_cpu.numpy(), rtol=1e-9, atol=1e-12)


def test_float32_mlp_matches_cpu_loosely():
    rng = np.random.default_rng(1)
    w, x = rng.standard_normal((4, 6)).astype(np.float32), rng.standard_normal((5, 6)).astype(np.float32)
    results = []
    for device in ("cuda", "cpu"):
        W = ag.tensor(w, device=device, requires_grad=True)
        loss = (ag.tensor(x, device=device) @ W.T).sigmoid().sum()
        loss.backward()
        results.append((loss.item(), to_host(W.grad)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-6)


def test_to_cuda_and_back_with_gradients_flowing_across_devices():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    on_gpu = x.to("cuda")
    assert on_gpu.device is CUDA and on_gpu.requires_grad and not on_gpu.is_leaf
    back = (on_gpu * on_gpu).cpu()
    assert back.device == "cpu"
    back.sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0, 6.0]

    w = ag.tensor([1.0, -1.0], dtype=ag.float64, device="cuda", requires_grad=True)
    (w.cpu() * 3.0).sum().backward()
    assert w.grad.device is CUDA and to_host(w.grad).tolist() == [3.0, 3.0]

    assert ag.ones(2).cuda().device is CUDA
    assert ag.ones(2, device="cuda").to("cpu").device == "cpu"


def test_second_order_and_gradcheck_on_cuda():
    x = ag.tensor([0.3, -0.8], dtype=ag.float64, device="cuda", requires_grad=True)
    (g,) = ag.grad(x.sin().sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(to_host(gg), -np.sin([0.3, -0.8]), rtol=1e-12)
    assert ag.gradcheck(lambda t: (t.exp() * t).sum(), (x,))


def test_manual_seed_on_cuda_is_reproducible():
    ag.manual_seed(0)
    a = to_host(ag.randn(5, device="cuda"))
    u = to_host(ag.rand(3, device="cuda"))
    ag.manual_seed(0)
    np.testing.assert_array_equal(to_host(ag.randn(5, device="cuda")), a)
    np.testing.assert_array_equal(to_host(ag.rand(3, device="cuda")), u)
    ag.manual_seed(1)
    assert not np.array_equal(to_host(ag.randn(5, device="cuda")), a)
    r = ag.randint(0, 4, (100,), device="cuda")
    assert r.dtype == ag.int64 and set(to_host(r).tolist()) <= {0, 1, 2, 3}


def test_numpy_on_cuda_raises():
    t = ag.ones(2, device="cuda")
    with pytest.raises(TypeError, match=r"cpu\(\)"):
        t.numpy()
    with pytest.raises(TypeError):
        np.asarray(t)
    assert t.cpu().numpy().tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "op",
    [lambda a, b: a + b, lambda a, b: a @ b, lambda a, b: ag.cat([a, b]), lambda a, b: a < b],
    ids=["add", "matmul", "cat", "lt"],
)
def test_mixing_cpu_and_cuda_names_both(op):
    a, b = ag.ones(2, 2), ag.ones(2, 2, device="cuda")
    for x, y in ((a, b), (b, a)):
        with pytest.raises(RuntimeError, match=r"(?s)(cpu.*cuda|cuda.*cpu)"):
            op(x, y)


def test_in_place_ops_and_versions_on_cuda():
    w = ag.ones(3, device="cuda", requires_grad=True)
    y = w.sin()
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)
    with ag.no_grad():
        w.mul_(2.0)
        w[0] = 5.0
    assert to_host(w).tolist() == [5.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_save_and_load_a_cuda_tensor(tmp_path):
    t = ag.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    ag.save({"t": t}, tmp_path / "ckpt.npz")
    on_gpu = ag.load(tmp_path / "ckpt.npz")["t"]  # back where it was saved from, as in PyTorch
    on_cpu = ag.load(tmp_path / "ckpt.npz", map_location="cpu")["t"]
    assert ag.load(tmp_path / "ckpt.npz", map_location={"cuda:0": "cpu"})["t"].device == "cpu"
    assert ag.load(tmp_path / "ckpt.npz", map_location=lambda storage, loc: storage)["t"].device == "cpu"
    assert on_cpu.device == "cpu" and on_gpu.device is CUDA
    assert on_cpu.tolist() == [1.0, 2.0] and on_gpu.tolist() == [1.0, 2.0] and on_gpu.requires_grad


def test_a_long_chain_on_cuda():
    x = ag.tensor([0.5], device="cuda", requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert to_host(x.grad).tolist() == [1.0]


def test_is_writable_refuses_cupy_broadcast_views_and_grads_arriving_as_them_are_copied():
    import cupy

    b = CUDA.backend
    a = cupy.arange(12.0).reshape(3, 4)
    assert b.is_writable(a) and b.is_writable(a.T) and not b.is_writable(cupy.broadcast_to(a[:1], (3, 4)))
    x = ag.ones(3, 4, device="cuda", requires_grad=True)
    (x.sum() * 2.0).backward()
    with ag.no_grad():
        x.grad.mul_(3.0)
    assert to_host(x.grad).tolist() == [[6.0] * 4] * 3


def test_legacy_cuda_types_synchronize_and_non_blocking():
    t = ag.cuda.FloatTensor([1.0, 2.0])
    assert t.device is CUDA and t.dtype == ag.float32 and isinstance(t, ag.cuda.FloatTensor)
    assert t.type() == "torch.cuda.FloatTensor" and not isinstance(t, ag.FloatTensor)
    assert ag.ones(2).type(ag.cuda.LongTensor).device is CUDA
    assert t.type(ag.FloatTensor).device == "cpu"
    assert ag.ones(2).to("cuda", non_blocking=True).device is CUDA
    ag.cuda.synchronize()
    ag.cuda.synchronize(0)
