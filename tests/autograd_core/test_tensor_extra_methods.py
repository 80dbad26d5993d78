"""Tensor methods and attributes added in autograd_core/ops/tensor_methods.py (casts, metadata,
``apply_`` / ``map_``, random fills, ``new``, ``resize_``, ``ormqr`` ...), against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers.op_factory import DEVICES, to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def test_integer_casts_match_torch():
    torch = pytest.importorskip("torch")
    values = [-3.7, 0.2, 5.9, 100.0]
    for name in ("byte", "char", "short"):
        ours, theirs = getattr(ag.tensor(values), name)(), getattr(torch.tensor(values), name)()
        assert str(ours.dtype) == str(theirs.dtype)[6:]
        assert ours.tolist() == theirs.tolist() or name == "byte"  # (negative floats to uint8: undefined in C)
    assert ag.tensor([1, 200]).byte().tolist() == [1, 200] and ag.tensor([1.0]).char().dtype == ag.int8


def test_metadata_matches_torch_for_a_dense_cpu_tensor():
    torch = pytest.importorskip("torch")
    x, tx = ag.randn(2, 3), torch.randn(2, 3)
    for name in ("nbytes", "itemsize", "is_cpu", "is_sparse", "is_quantized", "is_meta", "output_nr"):
        assert getattr(x, name) == getattr(tx, name), name
    for name in ("get_device", "ndimension", "is_inference", "is_conj", "is_neg", "is_pinned", "is_shared"):
        assert getattr(x, name)() == getattr(tx, name)(), name
    assert x.layout is ag.strided and repr(x.layout) == repr(tx.layout) == "torch.strided"
    assert ag.zeros(4, dtype=ag.float64).nbytes == 32 and ag.zeros(4, dtype=ag.int16).itemsize == 2
    for name in ("conj", "resolve_conj", "resolve_neg", "to_dense", "share_memory_"):
        assert getattr(x, name)() is x, name
    assert x.to_dense(ag.float64).dtype == ag.float64


def test_output_nr_names_the_output_of_a_multi_output_op():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 3))
    ours = ag.linalg.svd(ag.tensor(a, requires_grad=True))
    theirs = torch.linalg.svd(torch.tensor(a, requires_grad=True))
    assert [t.output_nr for t in ours] == [t.output_nr for t in theirs] == [0, 1, 2]


@pytest.mark.parametrize("device", DEVICES)
def test_get_device_and_is_cpu_on_every_device(device):
    t = ag.zeros(2, device=device)
    assert t.is_cpu == (t.device.type == "cpu")
    assert t.get_device() == (-1 if t.device.type == "cpu" else t.device.index or 0)


def test_pin_memory_follows_torch_without_a_gpu():
    x = ag.zeros(2)
    if ag.cuda.is_available():
        assert x.pin_memory() is x
    else:
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            x.pin_memory()
    assert x.is_pinned() is False and x.share_memory_() is x and x.is_shared() is False


def test_apply_and_map_match_torch():
    torch = pytest.importorskip("torch")
    assert ag.tensor([1, 2]).apply_(lambda v: v * 2.7).tolist() == torch.tensor([1, 2]).apply_(lambda v: v * 2.7).tolist()
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]]).t()
    v = t._version
    assert t.apply_(lambda a: a + 0.5).tolist() == [[1.5, 3.5], [2.5, 4.5]] and t._version == v + 1
    ours = ag.tensor([1, 2]).map_(ag.tensor([10, 20]), lambda a, b: a + b)
    assert ours.tolist() == torch.tensor([1, 2]).map_(torch.tensor([10, 20]), lambda a, b: a + b).tolist()
    assert ag.tensor([1.0, 2.0]).map_(ag.tensor([10.0]), lambda a, b: a * b).tolist() == [10.0, 20.0]
    with pytest.raises(TypeError, match="map_: expected torch.FloatTensor for 'other' \\(got torch.LongTensor\\)"):
        ag.tensor([1.0, 2.0]).map_(ag.tensor([10, 20]), lambda a, b: a)
    with pytest.raises(RuntimeError, match="must match"):
        ag.tensor([1.0, 2.0]).map_(ag.tensor([1.0, 2.0, 3.0]), lambda a, b: a)


def test_apply_and_map_refuse_tensors_that_require_grad_even_under_no_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        with pytest.raises(RuntimeError, match="Can't call apply_\\(\\) on Variable that requires grad"):
            w.apply_(lambda v: v)
        with pytest.raises(RuntimeError, match="Can't call map_\\(\\) on Variable that requires grad"):
            ag.tensor([1.0, 2.0]).map_(w, lambda a, b: a)
    with pytest.raises(TypeError, match="cpu tensors only"):
        ag.tensor([1.0], device=STRICT).apply_(lambda v: v)


# ---------------------------------------------------------------------------- random fills
def test_random_fills_have_the_right_distribution():
    ag.manual_seed(0)
    ln = ag.empty(20000, dtype=ag.float64).log_normal_(0.5, 0.25)
    logs = np.log(to_host(ln))
    assert abs(logs.mean() - 0.5) < 0.01 and abs(logs.std() - 0.25) < 0.01
    c = to_host(ag.empty(20000, dtype=ag.float64).cauchy_(2.0, 3.0))
    assert abs(np.median(c) - 2.0) < 0.15 and abs(np.subtract(*np.percentile(c, [75, 25])) / 2 - 3.0) < 0.2
    g = ag.empty(20000, dtype=ag.int64).geometric_(0.25)
    gv = to_host(g)
    assert g.dtype == ag.int64 and gv.min() >= 1 and abs(gv.mean() - 4.0) < 0.1


def test_random_fills_follow_generators_and_versions():
    for name, args in (("log_normal_", ()), ("cauchy_", ()), ("geometric_", (0.3,))):
        a = getattr(ag.empty(5), name)(*args, generator=ag.Generator().manual_seed(1))
        b = ag.empty(5)
        v = b._version
        getattr(b, name)(*args, generator=ag.Generator().manual_seed(1))
        assert a.tolist() == b.tolist() and b._version == v + 1


def test_random_fill_errors_match_torch():
    with pytest.raises(RuntimeError, match="log_normal_ expects std > 0.0, but found std=0"):
        ag.zeros(3).log_normal_(std=0)
    with pytest.raises(RuntimeError, match="cauchy_ expects sigma > 0.0, but found sigma=-1"):
        ag.zeros(3).cauchy_(sigma=-1)
    with pytest.raises(RuntimeError, match="Cauchy distribution is a continuous probability distribution"):
        ag.zeros(3, dtype=ag.int64).cauchy_()
    for p in (0, 1, 1.5):
        with pytest.raises(RuntimeError, match=f"geometric_ expects p to be in \\(0, 1\\), but got p={p}"):
            ag.zeros(3).geometric_(p)
    with pytest.raises(RuntimeError, match="in-place ops on a leaf tensor that requires grad"):
        ag.zeros(3, requires_grad=True).geometric_(0.5)


@pytest.mark.parametrize("device", DEVICES)
def test_random_fills_on_every_device(device):
    for name, args in (("log_normal_", ()), ("cauchy_", ()), ("geometric_", (0.5,))):
        t = getattr(ag.zeros(4, device=device), name)(*args)
        assert t.device == device and np.isfinite(to_host(t)).all()


# ---------------------------------------------------------------------------- methods of existing functions
def test_multinomial_bernoulli_hardshrink_prelu_as_methods_match_functions():
    torch = pytest.importorskip("torch")
    w = ag.tensor([0.0, 1.0, 0.0])
    assert w.multinomial(2, replacement=True).tolist() == [1, 1]
    assert ag.tensor([0.0, 1.0]).bernoulli().tolist() == [0.0, 1.0]
    assert ag.zeros(2).bernoulli(1.0).tolist() == [1.0, 1.0]
    a = np.array([-1.0, -0.3, 0.2, 0.7])
    x = ag.tensor(a, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    (x.hardshrink(0.4) * 2 + x.prelu(ag.tensor([0.25], dtype=ag.float64))).sum().backward()
    (tx.hardshrink(0.4) * 2 + tx.prelu(torch.tensor([0.25], dtype=torch.float64))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_orgqr_and_ormqr_methods():
    torch = pytest.importorskip("torch")
    A = np.random.default_rng(0).standard_normal((4, 3))
    a, tau = ag.geqrf(ag.tensor(A, dtype=ag.float64))
    ta, ttau = torch.geqrf(torch.tensor(A))
    np.testing.assert_allclose(a.orgqr(tau).numpy(), ta.orgqr(ttau).numpy(), rtol=1e-10, atol=1e-12)
    C = np.random.default_rng(1).standard_normal((4, 2))
    np.testing.assert_allclose(a.ormqr(tau, ag.tensor(C, dtype=ag.float64), True, True).numpy(),
                               ta.ormqr(ttau, torch.tensor(C), True, True).numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- new, resize_
def test_legacy_new_matches_torch():
    torch = pytest.importorskip("torch")
    f, tf = ag.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert tuple(f.new(2, 3).shape) == tuple(tf.new(2, 3).shape) and f.new(2, 3).dtype == ag.float32
    assert ag.tensor([1, 2]).new([1.5, 2]).tolist() == torch.tensor([1, 2]).new([1.5, 2]).tolist()
    assert tuple(f.new().shape) == (0,)
    assert tuple(f.new(ag.Size([2, 2])).shape) == (2, 2)
    assert ag.tensor([1.0], dtype=ag.float64).new((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data
    shared = f.new(f)
    shared[0] = 5.0
    assert f[0].item() == 5.0
    with pytest.raises(TypeError, match="new\\(\\): data must be a sequence \\(got float\\)"):
        f.new(5.0)


def test_resize_matches_torch_and_shares_memory_when_shrinking():
    torch = pytest.importorskip("torch")
    x, tx = ag.arange(6.0), torch.arange(6.0)
    assert x.resize_(2, 2).tolist() == tx.resize_(2, 2).tolist() and tuple(x.shape) == (2, 2)
    x = ag.arange(6.0)
    view = x.view(2, 3)
    x.resize_(4)
    x[0] = 9.0
    assert view[0, 0].item() == 9.0  # same memory
    grown = ag.arange(3.0)
    v = grown._version
    grown.resize_(2, 3)
    assert grown.tolist()[0] == [0.0, 1.0, 2.0] and grown._version == v + 1
    assert ag.arange(4.0).resize_as_(ag.zeros(2, 2)).shape == (2, 2)
    assert ag.arange(4.0).resize_((2, 2)).shape == (2, 2) and ag.arange(4.0).resize_(0).shape == (0,)


def test_resize_refusals():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ag.zeros(2, requires_grad=True).resize_(3)
    with ag.no_grad(), pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ag.zeros(2, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="non-contiguous view"):
        ag.arange(6.0).view(2, 3).t().resize_(6)
    with pytest.raises(RuntimeError, match="negative dimension"):
        ag.zeros(2).resize_(-1)
