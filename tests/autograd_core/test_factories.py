"""Factories: ``tensor``, ``zeros`` ... ``randn``, ``*_like``, ``from_numpy``, ``manual_seed``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag


# ---------------------------------------------------------------------------- tensor()
def test_tensor_copies_its_data():
    arr = np.array([1.0, 2.0])
    t = ag.tensor(arr)
    arr[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    t2 = ag.tensor(t)
    t2.add_(1.0)
    assert t.tolist() == [1.0, 2.0]


def test_tensor_dtype_inference():
    assert ag.tensor(1.0).dtype == ag.float32
    assert ag.tensor([1, 2]).dtype == ag.int64
    assert ag.tensor([True, False]).dtype == ag.bool
    assert ag.tensor([[1, 2.0]]).dtype == ag.float32
    assert ag.tensor(np.array([1.0])).dtype == ag.float64  # NumPy arrays keep their dtype
    assert ag.tensor(np.array([1], dtype=np.int32)).dtype == ag.int32
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == ag.float64


def test_tensor_of_nested_lists_and_scalars():
    t = ag.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and t.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert ag.tensor(5).shape == () and ag.tensor([]).shape == (0,)


def test_tensor_from_a_list_of_scalar_tensors():
    assert ag.tensor([ag.tensor(1.0), ag.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_tensor_requires_grad_and_device_arguments():
    t = ag.tensor([1.0], requires_grad=True, device="cpu")
    assert t.requires_grad and t.is_leaf and t.device == "cpu"


def test_tensor_refuses_ragged_and_string_data():
    with pytest.raises((TypeError, ValueError)):
        ag.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        ag.tensor(["a", "b"])


def test_tensor_class_constructor_behaves_like_tensor():
    t = ag.Tensor([1.0, 2.0], requires_grad=True)
    assert t.dtype == ag.float32 and t.requires_grad and t.tolist() == [1.0, 2.0]


def test_as_tensor_avoids_a_copy_when_it_can():
    t = ag.tensor([1.0])
    assert ag.as_tensor(t) is t
    assert ag.as_tensor([1, 2]).dtype == ag.int64
    assert ag.as_tensor(t, dtype=ag.float64).dtype == ag.float64


# ---------------------------------------------------------------------------- from_numpy
def test_from_numpy_shares_memory_and_keeps_the_dtype():
    arr = np.arange(4, dtype=np.float64)
    t = ag.from_numpy(arr)
    assert t.dtype == ag.float64 and t.device == "cpu"
    arr[0] = 10.0
    assert t.tolist()[0] == 10.0
    t.mul_(2.0)
    assert arr.tolist() == [20.0, 2.0, 4.0, 6.0]


def test_from_numpy_refuses_other_types():
    with pytest.raises(TypeError, match="ndarray"):
        ag.from_numpy([1.0, 2.0])


# ---------------------------------------------------------------------------- filled
@pytest.mark.parametrize(
    "fn, value", [(ag.zeros, 0.0), (ag.ones, 1.0), (ag.empty, None)], ids=["zeros", "ones", "empty"]
)
def test_filled_factories(fn, value):
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == ag.float32 and not t.requires_grad
        if value is not None:
            assert (t.numpy() == value).all()
    assert fn(4, dtype=ag.int64).dtype == ag.int64
    assert fn(2, requires_grad=True).requires_grad
    assert fn().shape == () and fn(0, 3).shape == (0, 3)


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        ag.zeros(2, -1)


def test_full_infers_dtype_from_the_value():
    assert ag.full((2, 2), 3.5).tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert ag.full((2,), 3.5).dtype == ag.float32
    assert ag.full((2,), 3).dtype == ag.int64
    assert ag.full((2,), True).dtype == ag.bool
    assert ag.full(3, 1.0).shape == (3,)
    assert ag.full((), 0.3, dtype=ag.float64, requires_grad=True).requires_grad


def test_eye():
    np.testing.assert_array_equal(ag.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 4).numpy(), np.eye(2, 4))
    assert ag.eye(2).dtype == ag.float32


# ---------------------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    "args, kwargs",
    [((5,), {}), ((2, 7), {}), ((0, 10, 3), {}), ((10, 0, -2), {}), ((0.0, 1.0, 0.25), {}), ((0, 1, 0.1), {}),
     ((3,), {"dtype": "float64"})],
)  # fmt: skip
def test_arange_matches_pytorch(args, kwargs):
    torch = pytest.importorskip("torch")
    kw_ours = {k: getattr(ag, v) for k, v in kwargs.items()}
    kw_theirs = {k: getattr(torch, v) for k, v in kwargs.items()}
    ours, theirs = ag.arange(*args, **kw_ours), torch.arange(*args, **kw_theirs)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_arange_step_zero_is_refused():
    with pytest.raises(ValueError, match="step"):
        ag.arange(0, 5, 0)


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-math.pi, math.pi, 2000), (3, -3, 7), (0, 1, 1)])
def test_linspace_matches_pytorch(start, end, steps):
    torch = pytest.importorskip("torch")
    ours = ag.linspace(start, end, steps, dtype=ag.float64)
    theirs = torch.linspace(start, end, steps, dtype=torch.float64)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)
    assert ag.linspace(start, end, steps).dtype == ag.float32


# ---------------------------------------------------------------------------- random
def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return (
            ag.rand(3).tolist(),
            ag.randn(2, 2).tolist(),
            ag.randint(0, 100, (5,)).tolist(),
            ag.randperm(6).tolist(),
            ag.randn_like(ag.zeros(3)).tolist(),
        )

    ag.manual_seed(1234)
    first = draw()
    ag.manual_seed(1234)
    assert draw() == first
    ag.manual_seed(4321)
    assert draw() != first


def test_random_factories_ranges_and_dtypes():
    ag.manual_seed(0)
    u = ag.rand(10000, dtype=ag.float64)
    assert u.dtype == ag.float64 and 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert abs(u.numpy().mean() - 0.5) < 0.02
    n = ag.randn(10000)
    assert n.dtype == ag.float32 and abs(n.numpy().mean()) < 0.05 and abs(n.numpy().std() - 1.0) < 0.05
    r = ag.randint(3, 7, (1000,))
    assert r.dtype == ag.int64 and set(r.tolist()) == {3, 4, 5, 6}
    assert set(ag.randint(4, (500,)).tolist()) == {0, 1, 2, 3}
    assert sorted(ag.randperm(8).tolist()) == list(range(8))
    assert ag.randn(2, 3, requires_grad=True).requires_grad


@pytest.mark.parametrize(
    "fn, check",
    [
        (ag.zeros_like, lambda t: (t.numpy() == 0).all()),
        (ag.ones_like, lambda t: (t.numpy() == 1).all()),
        (ag.empty_like, lambda t: True),
        (lambda t, **kw: ag.full_like(t, 7, **kw), lambda t: (t.numpy() == 7).all()),
        (ag.rand_like, lambda t: ((t.numpy() >= 0) & (t.numpy() < 1)).all()),
        (ag.randn_like, lambda t: np.isfinite(t.numpy()).all()),
        (lambda t, **kw: ag.randint_like(t, 5, **kw), lambda t: set(t.numpy().ravel().tolist()) <= {0, 1, 2, 3, 4}),
        (lambda t, **kw: ag.randint_like(t, 2, 5, **kw), lambda t: set(t.numpy().ravel().tolist()) <= {2, 3, 4}),
    ],
    ids=["zeros", "ones", "empty", "full", "rand", "randn", "randint(high)", "randint(low,high)"],
)
def test_like_factories_follow_the_input_shape_dtype_and_device(fn, check):
    src = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=ag.float64, requires_grad=True)
    out = fn(src)
    assert out.shape == (2, 3) and out.dtype == ag.float64 and out.device == src.device
    assert not out.requires_grad  # not inherited, as in PyTorch
    assert check(out)
    assert fn(src, dtype=ag.float32).dtype == ag.float32


def test_integer_like_factories():
    src = ag.tensor([1, 2, 3])
    assert ag.zeros_like(src).dtype == ag.int64
    assert ag.randint_like(src, 10).dtype == ag.int64
    assert ag.full_like(src, 4).tolist() == [4, 4, 4]


def test_randint_with_a_float_dtype_gives_whole_numbers_of_that_dtype():
    """torch.randint(0, 5, (100,), dtype=torch.float32) is allowed: integer values, float storage."""
    r = ag.randint(0, 5, (100,), dtype=ag.float32)
    assert r.dtype == ag.float32
    assert set(r.tolist()) <= {0.0, 1.0, 2.0, 3.0, 4.0}


# ---------------------------------------------------------------------------- Tensor.new_*
NEW_CASES = {
    "new_zeros(2,3)": lambda t: t.new_zeros(2, 3),
    "new_zeros((2,3))": lambda t: t.new_zeros((2, 3)),
    "new_zeros(())": lambda t: t.new_zeros(()),
    "new_ones([2])": lambda t: t.new_ones([2]),
    "new_empty(2)": lambda t: t.new_empty(2).zero_(),  # values unspecified: compare shape and dtype
    "new_full((2,),7)": lambda t: t.new_full((2,), 7),
    "new_full((2,),1.7)": lambda t: t.new_full((2,), 1.7),
    "new_full((1,),True)": lambda t: t.new_full((1,), True),
    "new_tensor([1.5,-2.7])": lambda t: t.new_tensor([1.5, -2.7]),
    "new_tensor([[1,2]])": lambda t: t.new_tensor([[1, 2]]),
    "new_tensor(3)": lambda t: t.new_tensor(3),
    "new_zeros(2,dtype=int32)": None,  # dtype given: built below with each library's dtype
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("name", list(NEW_CASES))
def test_new_factories_match_pytorch(name, dtype):
    torch = pytest.importorskip("torch")
    make = NEW_CASES[name] or (lambda t: t.new_zeros(2, dtype=(ag if isinstance(t, ag.Tensor) else torch).int32))
    ours = make(ag.tensor([1, 0], dtype=dtype))
    theirs = make(torch.tensor([1, 0], dtype=getattr(torch, dtype)))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.shape == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()
    assert not ours.requires_grad and ours.is_leaf


def test_new_factories_keep_the_device_and_take_requires_grad():
    from tests.helpers.strict_backend import DEVICE

    src = ag.tensor([1.0, 2.0], dtype=ag.float64, device=DEVICE, requires_grad=True)
    for out in (src.new_zeros(3), src.new_ones(3), src.new_empty(3), src.new_full((3,), 2.0), src.new_tensor([1, 2, 3])):
        assert str(out.device) == DEVICE and out.dtype == ag.float64 and out.shape == (3,)
        assert not out.requires_grad and out.is_leaf  # requires_grad is not inherited, as in PyTorch
    assert src.new_zeros(2, requires_grad=True).requires_grad
    assert str(src.new_ones(2, device="cpu").device) == "cpu"
    assert src.new_full((2,), 1, dtype=ag.int64).tolist() == [1, 1]


def test_new_tensor_copies_a_tensor_and_leaves_its_graph():
    src = ag.tensor([1.0, 2.0], requires_grad=True)
    y = src * 2.0
    out = ag.zeros(1, dtype=ag.float64).new_tensor(y)
    assert out.dtype == ag.float64 and out.tolist() == [2.0, 4.0]
    assert not out.requires_grad and out.grad_fn is None
    out.add_(1.0)
    assert y.tolist() == [2.0, 4.0]  # a copy, not a view


# ---------------------------------------------------------------------------- sampling
def test_multinomial_with_replacement_follows_the_weights():
    ag.manual_seed(0)
    draws = ag.multinomial(ag.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 2.0]]), 4000, replacement=True)
    assert draws.shape == (2, 4000) and draws.dtype == ag.int64
    counts = [np.bincount(row, minlength=3) / 4000 for row in draws.numpy()]
    np.testing.assert_allclose(counts[0], [0.25, 0.0, 0.75], atol=0.03)
    np.testing.assert_allclose(counts[1], [0.0, 0.5, 0.5], atol=0.03)


def test_multinomial_without_replacement_draws_each_category_once():
    ag.manual_seed(1)
    draws = ag.multinomial(ag.tensor([5.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(draws.tolist()) == [0, 1, 2, 3]
    firsts = [ag.multinomial(ag.tensor([5.0, 1.0, 1.0, 1.0]), 2).tolist()[0] for _ in range(2000)]
    assert abs(firsts.count(0) / 2000 - 5 / 8) < 0.04  # the first draw is in proportion to the weights
    # zero weights come after every positive one, lowest index first (PyTorch's order too)
    assert ag.multinomial(ag.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]), 2)[1].tolist() == [2, 0]


def test_multinomial_is_reproducible_with_a_generator():
    w = ag.tensor([0.2, 0.3, 0.5])
    a = ag.multinomial(w, 6, replacement=True, generator=ag.Generator().manual_seed(3))
    b = ag.multinomial(w, 6, replacement=True, generator=ag.Generator().manual_seed(3))
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize(
    "weights, n, kwargs, match",
    [
        ([0.0, 0.0], 1, {}, "positive sum"),
        ([1.0, -1.0], 1, {}, "non-negative"),
        ([1.0, float("nan")], 1, {}, "non-negative"),
        ([1.0, 2.0], 3, {}, "without replacement"),
        ([1.0, 2.0], 0, {"replacement": True}, "cannot draw 0"),
    ],
)
def test_multinomial_refuses_what_pytorch_refuses(weights, n, kwargs, match):
    with pytest.raises(RuntimeError, match=match):
        ag.multinomial(ag.tensor(weights), n, **kwargs)
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.multinomial(ag.tensor([1, 2]), 1)


def test_bernoulli_draws_in_the_inputs_shape_and_dtype():
    ag.manual_seed(0)
    p = ag.full((4000,), 0.3, dtype=ag.float64)
    draws = ag.bernoulli(p)
    assert draws.dtype == ag.float64 and set(draws.tolist()) <= {0.0, 1.0}
    assert abs(draws.mean().item() - 0.3) < 0.03
    assert ag.bernoulli(ag.zeros(3), 1.0).tolist() == [1.0, 1.0, 1.0]  # p= overrides the values
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        ag.bernoulli(ag.tensor([1.5]))


def test_normal_forms_as_pytorch():
    ag.manual_seed(0)
    a = ag.normal(2.0, 3.0, (20000,))
    assert a.dtype == ag.float32 and abs(a.mean().item() - 2.0) < 0.1 and abs(a.std().item() - 3.0) < 0.1
    b = ag.normal(ag.full((2, 1), 5.0, dtype=ag.float64), ag.ones(3, dtype=ag.float64))
    assert b.shape == (2, 3) and b.dtype == ag.float64
    assert ag.normal(ag.zeros(3), 0.0).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="std"):
        ag.normal(ag.zeros(2), -1.0)
    with pytest.raises(TypeError, match="size"):
        ag.normal(0.0, 1.0)


def test_cuda_seeding_works_with_or_without_a_gpu():
    # Without a GPU it does nothing, as in PyTorch; with one it seeds every GPU's generator.
    # (This test found ``int`` shadowed by the dtype ``ag.int`` inside autograd_core/__init__.)
    ag.cuda.manual_seed(0)
    ag.cuda.manual_seed_all(0)
    if ag.cuda.is_available():
        a = ag.randn(3, device="cuda").cpu().tolist()
        ag.cuda.manual_seed(0)
        assert ag.randn(3, device="cuda").cpu().tolist() == a


def test_utils_data_is_reachable_after_import_autograd_core():
    import autograd_core

    assert autograd_core.utils.data.DataLoader is ag.utils.data.DataLoader


def test_nn_and_optim_are_reachable_as_torch_nn_and_torch_optim():
    import nn
    import optim

    assert ag.nn.Linear is nn.Linear and ag.optim.SGD is optim.SGD
    assert ag.nn.functional.relu is nn.functional.relu and ag.nn.utils.clip_grad_norm_ is nn.utils.clip_grad_norm_
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        ag.nothing_here  # noqa: B018


# ------------------------------------------------------------- Tensor(...): the legacy constructor
def test_tensor_class_is_pytorchs_legacy_constructor():
    """``Tensor(*sizes)`` makes a float tensor of that shape and ``Tensor(data)`` copies data as
    the default float dtype (``nn.Parameter(torch.Tensor(out, in))`` in custom layers), unlike
    ``tensor(data)``, which keeps ints as int64."""
    torch = pytest.importorskip("torch")
    cases = [(), (2, 3), (5,), (0,), ([1, 2],), ((2, 3),), ([[1, 2], [3, 4]],), ([True, False],),
             (np.arange(3),), (np.ones(2, np.float64),)]
    for args in cases:
        ours, theirs = ag.Tensor(*args), torch.Tensor(*args)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), args
        if theirs.numel() and args and not isinstance(args[0], int):
            assert ours.tolist() == theirs.tolist(), args
    assert ag.Tensor(ag.Size([2, 3])).shape == (2, 3) and ag.Tensor(ag.Size([2, 3])).dtype == ag.float32
    assert ag.tensor([1, 2]).dtype == ag.int64  # the factory keeps its own inference
    import nn

    weight = nn.Parameter(ag.Tensor(3, 4))
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
    assert weight.shape == (3, 4) and weight.dtype == ag.float32 and weight.requires_grad


def test_tensor_class_shares_a_tensors_memory_and_follows_the_default_dtype():
    a = ag.ones(2)
    b = ag.Tensor(a)
    b.add_(1.0)
    assert a.tolist() == [2.0, 2.0] and a._version == b._version == 1  # one memory, one version counter
    assert ag.Tensor(ag.tensor([1, 2])).dtype == ag.int64  # kept, as PyTorch does
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.Tensor([1, 2]).dtype == ag.float64 and ag.Tensor(2).dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)


def test_tensor_class_refuses_what_pytorch_refuses():
    torch = pytest.importorskip("torch")
    for args, exc in [((3.5,), TypeError), ((2, 3.0), TypeError), ((-1,), RuntimeError)]:
        with pytest.raises(exc):
            torch.Tensor(*args)
        with pytest.raises(exc, match="Tensor"):
            ag.Tensor(*args)


def test_initial_seed_reports_the_last_manual_seed_and_a_fresh_process_draws_its_own():
    import subprocess
    import sys

    ag.manual_seed(1234)
    assert ag.initial_seed() == 1234
    code = "import autograd_core as ag; a = ag.rand(3).tolist(); s = ag.initial_seed(); ag.manual_seed(s); print(ag.rand(3).tolist() == a, s)"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert [r[0] for r in runs] == ["True", "True"]  # the start-up seed is the one the generator used
    assert runs[0][1] != runs[1][1]  # and it differs from process to process


def test_manual_seed_returns_the_default_generator_which_is_the_default_stream():
    g = ag.manual_seed(0)
    assert g is ag.default_generator and g.initial_seed() == 0 and isinstance(g, ag.Generator)
    a = ag.rand(3).tolist()
    ag.manual_seed(0)
    assert ag.rand(3, generator=ag.default_generator).tolist() == a  # the same stream as no generator
    state = ag.default_generator.get_state()
    b = ag.rand(2).tolist()
    ag.default_generator.set_state(state)
    assert ag.rand(2).tolist() == b
    assert ag.default_generator.manual_seed(5) is ag.default_generator and ag.initial_seed() == 5
