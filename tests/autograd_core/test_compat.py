"""``autograd_core/compat.py`` and the keyword forms PyTorch code uses: legacy typed constructors,
``t.type()``, ``backends.cudnn`` flags, ``size=`` and ``non_blocking=``."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from backends import DeviceError

LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]  # fmt: skip


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_constructors_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ag, name), getattr(torch, name)
    for args in ([[1, 0, 2]], [(2, 3)], [2, 3], [4], []):  # data, a tuple (also data), sizes, one size, nothing
        a, b = ours(*args), theirs(*args)
        assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype).replace("torch.", ""), (name, args)
        if args and not isinstance(args[0], int):  # sized ones are uninitialised in PyTorch
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert repr(ours) == repr(theirs) == f"<class 'torch.{name}'>"
    t = ours([1])
    assert isinstance(t, ours) and t.type() == theirs([1]).type() == f"torch.{name}"


def test_isinstance_checks_dtype_and_device():
    assert isinstance(ag.ones(2), ag.FloatTensor) and not isinstance(ag.ones(2), ag.LongTensor)
    assert not isinstance(ag.ones(2), ag.cuda.FloatTensor) and not isinstance(np.ones(2), ag.FloatTensor)


def test_type_converts_to_legacy_types_names_and_dtypes():
    x = ag.tensor([1.5, -2.5])
    assert x.type(ag.LongTensor).tolist() == [1, -2] and x.type(ag.LongTensor).dtype == ag.int64
    assert x.type("torch.DoubleTensor").dtype == ag.float64
    assert x.type(ag.float16).dtype == ag.float16
    assert ag.tensor([1, 2]).type() == "torch.LongTensor"


def test_a_tensor_of_another_dtype_is_refused_as_in_pytorch():
    assert ag.FloatTensor(ag.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match=r"torch.FloatTensor\(tensor\): the tensor has dtype int64"):
        ag.FloatTensor(ag.tensor([1, 2]))


def test_cuda_types_and_synchronize_without_a_gpu_say_why():
    if ag.cuda.is_available():
        pytest.skip("a GPU is present (tests/backends/test_cuda.py covers it)")
    with pytest.raises(DeviceError, match="device 'cuda'"):
        ag.cuda.FloatTensor([1.0])
    with pytest.raises(DeviceError, match="device 'cuda'"):
        ag.cuda.synchronize()
    with pytest.raises(DeviceError, match="device 'cuda'"):
        ag.ones(2).type(ag.cuda.FloatTensor)


def test_backends_flags_can_be_set_and_say_what_is_there():
    flags = ag.backends.cudnn
    old = flags.benchmark
    try:
        flags.benchmark = True
        flags.deterministic = True
        assert ag.backends.cudnn.benchmark is True
    finally:
        flags.benchmark, flags.deterministic = old, False
    assert ag.backends.cudnn.is_available() is False and ag.backends.mps.is_available() is False
    ag.backends.cuda.matmul.allow_tf32 = False


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_as_a_keyword(factory):
    fn = getattr(ag, factory)
    assert fn(size=(2, 3)).shape == (2, 3) and fn(size=[4]).shape == (4,) and fn(size=()).shape == ()
    assert fn(size=(2,), dtype=ag.float64).dtype == ag.float64
    with pytest.raises(TypeError, match="both as arguments"):
        fn(2, size=(2,))
    with pytest.raises(TypeError, match="unexpected keyword argument 'sise'"):
        fn(2, sise=(2,))


def test_non_blocking_is_accepted_and_the_copy_is_ready():
    x = ag.tensor([1.0, 2.0])
    assert x.to("cpu", non_blocking=True) is x
    assert x.to(ag.float64, non_blocking=True).dtype == ag.float64


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 2), False), ((7, 3), True), ((7, 3), False),
                                         ((2, 5), False), ((3, 3, 3), False)])
def test_fill_diagonal_matches_pytorch(shape, wrap):
    torch = pytest.importorskip("torch")
    ours = ag.zeros(*shape).fill_diagonal_(2.0, wrap=wrap)
    np.testing.assert_array_equal(ours.numpy(), torch.zeros(*shape).fill_diagonal_(2.0, wrap=wrap).numpy())


def test_fill_diagonal_refuses_unequal_dims_and_graph_tensors():
    with pytest.raises(RuntimeError, match=r"fill_diagonal_: expected a 2-D tensor.*\(2, 3, 4\)"):
        ag.zeros(2, 3, 4).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match="fill_diagonal_: in-place ops on a leaf tensor that requires grad"):
        ag.zeros(2, 2, requires_grad=True).fill_diagonal_(1.0)
    x = ag.zeros(2, 2)
    v = x._version
    x.fill_diagonal_(ag.tensor(3.0))
    assert x.tolist() == [[3.0, 0.0], [0.0, 3.0]] and x._version == v + 1


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"correction": 0},
                                    {"dim": (0, 1), "unbiased": False}])
def test_std_mean_and_var_mean_match_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    for name in ("std_mean", "var_mean"):
        ours, theirs = getattr(ag, name)(ag.tensor(x), **kwargs), getattr(torch, name)(torch.tensor(x), **kwargs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_std_mean_takes_the_unbiased_overload_and_differentiates():
    x = ag.tensor([1.0, 2.0, 4.0], dtype=ag.float64, requires_grad=True)
    s, m = ag.std_mean(x, False)
    assert abs(s.item() - np.std([1.0, 2.0, 4.0])) < 1e-12 and abs(m.item() - 7 / 3) < 1e-12
    (s + m).backward()
    assert ag.gradcheck(lambda t: ag.std_mean(t, 0)[0] + ag.std_mean(t, 0)[1], (x.detach().requires_grad_(),))


def test_top_level_aliases_of_nn_functional():
    import nn.functional as F

    for name in ag._NN_FUNCTIONAL_ALIASES:
        assert getattr(ag, name) is getattr(F, name), name
    x = ag.tensor(np.arange(50.0).reshape(1, 2, 5, 5))
    assert ag.conv2d(x, ag.ones(3, 2, 3, 3, dtype=ag.float64)).shape == (1, 3, 3, 3) and ag.max_pool2d(x, 2).shape == (1, 2, 2, 2)
    t = ag.tensor([-1.0, 2.0])
    assert ag.threshold_(t, 0.0, 5.0) is t and t.tolist() == [5.0, 2.0]
    with pytest.raises(AttributeError, match="no attribute 'conv9d'"):
        _ = ag.conv9d


def test_top_level_aliases_exist_in_pytorch_under_the_same_names():
    torch = pytest.importorskip("torch")
    for name in ag._NN_FUNCTIONAL_ALIASES:
        assert hasattr(torch, name) and hasattr(torch.nn.functional, name), name
    x = np.random.default_rng(0).standard_normal((2, 3, 6))
    np.testing.assert_allclose(ag.selu(ag.tensor(x)).numpy(), torch.selu(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ag.avg_pool1d(ag.tensor(x), 2).numpy(), torch.avg_pool1d(torch.tensor(x), 2).numpy())
