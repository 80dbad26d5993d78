"""nn.utils.prune: masks, pruned outputs, gradients, state_dict layout, removal and errors, compared with
torch.nn.utils.prune on the same weights (float64)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.utils import prune
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

rng = np.random.default_rng(0)

# (our class, torch's class name, constructor args, input shape)
LAYERS = [
    (nn.Linear, "Linear", (6, 5), (3, 6)),
    (nn.Conv2d, "Conv2d", (3, 4, 3), (2, 3, 6, 6)),
    (nn.Conv1d, "Conv1d", (4, 5, 3), (2, 4, 7)),
]


def _torch():
    """PyTorch with its pruning module loaded (``torch.nn.utils.prune`` is not imported by ``torch``)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torch.nn.utils.prune")
    return torch


def _pair(torch, cls, torch_name, args):
    """Our layer and PyTorch's, float64, with the same random weights."""
    t = getattr(torch.nn, torch_name)(*args).double()
    o = cls(*args).double()
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    o.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return o, t


def _assert_same_state(o, t) -> None:
    so, st = o.state_dict(), t.state_dict()
    assert list(so) == list(st)
    for k in st:
        np.testing.assert_array_equal(to_host(so[k]), st[k].numpy(), err_msg=k)


def _assert_same_forward_backward(torch, o, t, x_shape, names=("weight_orig",)) -> None:
    x = rng.standard_normal(x_shape)
    yo, yt = o(ag.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(yt.shape))
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    named_t = dict(t.named_parameters())
    for name, p in o.named_parameters():
        np.testing.assert_allclose(to_host(p.grad), named_t[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    for name in names:  # gradients reach ``_orig`` only where the mask keeps the entry
        mask = to_host(getattr(o, name.replace("_orig", "_mask")))
        assert np.all(to_host(getattr(o, name).grad)[mask == 0] == 0)


# ---------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("cls, torch_name, args, x_shape", LAYERS)
@pytest.mark.parametrize("amount", [0.3, 0.5, 7, 0, 0.0, 1.0])
def test_l1_unstructured_matches_torch(cls, torch_name, args, x_shape, amount):
    torch = _torch()
    o, t = _pair(torch, cls, torch_name, args)
    assert prune.l1_unstructured(o, "weight", amount=amount) is o
    torch.nn.utils.prune.l1_unstructured(t, "weight", amount=amount)
    _assert_same_state(o, t)
    assert list(o.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert isinstance(o.weight_orig, nn.Parameter) and not isinstance(o.weight, nn.Parameter)
    assert "weight" not in dict(o.named_parameters()) and "weight_mask" in dict(o.named_buffers())
    _assert_same_forward_backward(torch, o, t, x_shape)


def test_fraction_rounds_half_to_even_as_torch():
    torch = _torch()
    for size in (5, 7, 9, 11):  # 0.5 * size ends in .5: Python's round goes to the even neighbour
        o, t = _pair(torch, nn.Linear, "Linear", (size, 1))
        prune.l1_unstructured(o, "weight", amount=0.5)
        torch.nn.utils.prune.l1_unstructured(t, "weight", amount=0.5)
        assert int((o.weight_mask == 0).sum()) == round(0.5 * size) == int((t.weight_mask == 0).sum())
        _assert_same_state(o, t)


@pytest.mark.parametrize("n", [1, 2, float("inf"), float("-inf"), "fro", 0.5])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ln_structured_matches_torch(n, dim):
    torch = _torch()
    o, t = _pair(torch, nn.Conv1d, "Conv1d", (5, 6, 3))
    prune.ln_structured(o, "weight", amount=0.4, n=n, dim=dim)
    torch.nn.utils.prune.ln_structured(t, "weight", amount=0.4, n=n, dim=dim)
    _assert_same_state(o, t)
    _assert_same_forward_backward(torch, o, t, (2, 5, 7))


def test_ln_structured_nuclear_norm_and_importance_scores_match_torch():
    torch = _torch()
    o, t = _pair(torch, nn.Conv1d, "Conv1d", (5, 6, 3))
    prune.ln_structured(o, "weight", amount=2, n="nuc", dim=1)
    torch.nn.utils.prune.ln_structured(t, "weight", amount=2, n="nuc", dim=1)
    _assert_same_state(o, t)
    scores = rng.standard_normal((6, 5, 3))
    prune.ln_structured(o, "weight", amount=1, n=1, dim=0, importance_scores=ag.tensor(scores))
    torch.nn.utils.prune.ln_structured(t, "weight", amount=1, n=1, dim=0, importance_scores=torch.tensor(scores))
    _assert_same_state(o, t)
    scores = rng.standard_normal((6, 5, 3))
    prune.l1_unstructured(o, "weight", amount=0.25, importance_scores=ag.tensor(scores))
    torch.nn.utils.prune.l1_unstructured(t, "weight", amount=0.25, importance_scores=torch.tensor(scores))
    _assert_same_state(o, t)
    _assert_same_forward_backward(torch, o, t, (2, 5, 7))


def test_repeated_pruning_composes_masks_as_torch():
    torch = _torch()
    o, t = _pair(torch, nn.Conv2d, "Conv2d", (4, 6, 3))
    custom = (rng.random((6, 4, 3, 3)) > 0.2).astype(np.int64)
    steps = [
        ("identity", {}),
        ("l1_unstructured", {"amount": 0.2}),
        ("ln_structured", {"amount": 2, "n": 2, "dim": 0}),
        ("l1_unstructured", {"amount": 15}),
        ("ln_structured", {"amount": 0.5, "n": 1, "dim": 1}),
        ("custom_from_mask", {"mask": custom}),
        ("l1_unstructured", {"amount": 0.5}),
    ]
    for i, (fn, kwargs) in enumerate(steps):
        ko = {k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        getattr(prune, fn)(o, "weight", **ko)
        getattr(torch.nn.utils.prune, fn)(t, "weight", **kt)
        _assert_same_state(o, t)
        hooks = list(o._forward_pre_hooks.values())
        assert len(hooks) == 1  # one hook per tensor: a container once pruned twice
        if i == 0:
            assert isinstance(hooks[0], prune.Identity)
        else:
            assert isinstance(hooks[0], prune.PruningContainer) and len(hooks[0]) == i + 1
            assert len(list(t._forward_pre_hooks.values())[0]) == i + 1
    # Pruned entries stay pruned: every step only removes more.
    assert int((o.weight_mask == 0).sum()) == int((t.weight_mask == 0).sum()) > 0
    _assert_same_forward_backward(torch, o, t, (2, 4, 7, 7))
    prune.remove(o, "weight")
    torch.nn.utils.prune.remove(t, "weight")
    _assert_same_state(o, t)


def test_global_unstructured_matches_torch_across_modules():
    torch = _torch()
    pairs = [_pair(torch, cls, name, args) for cls, name, args, _ in LAYERS]
    prune.l1_unstructured(pairs[1][0], "weight", amount=10)  # one already pruned: its mask is respected
    torch.nn.utils.prune.l1_unstructured(pairs[1][1], "weight", amount=10)
    prune.global_unstructured(
        ((o, "weight") for o, _ in pairs),  # a generator works too (PyTorch's reads it twice)
        pruning_method=prune.L1Unstructured, amount=0.4,
    )
    torch.nn.utils.prune.global_unstructured(
        [(t, "weight") for _, t in pairs], pruning_method=torch.nn.utils.prune.L1Unstructured, amount=0.4
    )
    for (o, t), (_, _, _, x_shape) in zip(pairs, LAYERS):
        _assert_same_state(o, t)
        _assert_same_forward_backward(torch, o, t, x_shape)
    total = sum(int((o.weight_mask == 0).sum()) for o, _ in pairs)
    assert total == sum(int((t.weight_mask == 0).sum()) for _, t in pairs)
    # Importance scores, an int amount, and a bias in the mix.
    o2, t2 = _pair(torch, nn.Linear, "Linear", (4, 3))
    s = rng.standard_normal((3, 4))
    prune.global_unstructured([(o2, "weight"), (o2, "bias")], prune.L1Unstructured, amount=5,
                              importance_scores={(o2, "weight"): ag.tensor(s)})
    torch.nn.utils.prune.global_unstructured([(t2, "weight"), (t2, "bias")], torch.nn.utils.prune.L1Unstructured,
                                             amount=5, importance_scores={(t2, "weight"): torch.tensor(s)})
    _assert_same_state(o2, t2)
    _assert_same_forward_backward(torch, o2, t2, (2, 4), names=("weight_orig", "bias_orig"))


def test_prune_method_and_custom_from_mask_match_torch():
    torch = _torch()
    x = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(
        to_host(prune.L1Unstructured(amount=0.35).prune(ag.tensor(x))),
        torch.nn.utils.prune.L1Unstructured(amount=0.35).prune(torch.tensor(x)).numpy(),
    )
    np.testing.assert_array_equal(
        to_host(prune.LnStructured(amount=2, n=2, dim=-1).prune(ag.tensor(x))),
        torch.nn.utils.prune.LnStructured(amount=2, n=2, dim=-1).prune(torch.tensor(x)).numpy(),
    )
    o, t = _pair(torch, nn.Linear, "Linear", (5, 3))
    prune.custom_from_mask(o, "bias", mask=ag.tensor([0, 1, 0]))
    torch.nn.utils.prune.custom_from_mask(t, "bias", mask=torch.tensor([0, 1, 0]))
    _assert_same_state(o, t)
    assert o.bias_mask.dtype == ag.float64  # the parameter's dtype, whatever the mask's
    _assert_same_forward_backward(torch, o, t, (2, 5), names=("bias_orig",))


def test_a_pruned_torch_state_dict_loads():
    torch = _torch()
    t = torch.nn.Linear(6, 4).double()
    torch.nn.utils.prune.l1_unstructured(t, "weight", amount=0.5)
    torch.nn.utils.prune.ln_structured(t, "weight", amount=1, n=2, dim=0)
    o = prune.identity(nn.Linear(6, 4).double(), "weight")
    o.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    _assert_same_state(o, t)
    _assert_same_forward_backward(torch, o, t, (3, 6))  # the hook recomputes weight from the loaded tensors


# ---------------------------------------------------------------------------- behaviour
def test_remove_keeps_the_parameter_object_and_the_zeros():
    lin = nn.Linear(5, 4).double()
    w = lin.weight
    opt = optim.SGD(lin.parameters(), lr=0.1)
    prune.l1_unstructured(lin, "weight", amount=8)
    assert lin.weight_orig is w and prune.is_pruned(lin)
    pruned = to_host(lin.weight)
    lin(ag.ones(2, 5, dtype=ag.float64)).sum().backward()
    assert np.all(to_host(w.grad)[to_host(lin.weight_mask) == 0] == 0)
    prune.remove(lin, "weight")
    assert lin.weight is w and isinstance(lin.weight, nn.Parameter) and not prune.is_pruned(lin)
    assert list(lin.state_dict()) == ["bias", "weight"] and not list(lin.buffers())
    np.testing.assert_array_equal(to_host(lin.weight), pruned)
    opt.step()  # the optimizer still holds the live parameter
    assert not np.array_equal(to_host(lin.weight), pruned)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(lin, "weight")


def test_training_keeps_pruned_entries_at_zero_and_gradcheck():
    lin = prune.l1_unstructured(nn.Linear(4, 3).double(), "weight", amount=0.5)
    opt = optim.SGD(lin.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        lin(ag.tensor(rng.standard_normal((5, 4)))).pow(2).sum().backward()
        opt.step()
    lin(ag.ones(1, 4, dtype=ag.float64))  # the pre-hook refreshes ``weight``
    assert np.all(to_host(lin.weight)[to_host(lin.weight_mask) == 0] == 0)
    x = ag.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert ag.gradcheck(lambda x, w: lin(x), (x, lin.weight_orig))


def test_random_methods_prune_the_right_counts_and_follow_the_seed():
    def masks(seed):
        ag.manual_seed(seed)
        conv = nn.Conv2d(4, 6, 3)
        prune.random_unstructured(conv, "weight", amount=0.3)
        first = to_host(conv.weight_mask)
        prune.random_structured(conv, "weight", amount=2, dim=0)
        prune.random_unstructured(conv, "bias", amount=2)
        return first, to_host(conv.weight_mask), to_host(conv.bias_mask)

    first, both, bias = masks(3)
    assert int((first == 0).sum()) == round(0.3 * first.size)
    per_channel = both.reshape(6, -1)
    assert int((per_channel.sum(axis=1) == 0).sum()) == 2  # two whole output channels
    assert np.all(both[first == 0] == 0)  # earlier pruning is kept
    assert int((bias == 0).sum()) == 2
    for a, b in zip(masks(3), masks(3)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(masks(3), masks(4)))


def test_repeated_random_unstructured_counts_what_is_left():
    lin = nn.Linear(10, 10)
    prune.random_unstructured(lin, "weight", amount=0.5)
    prune.random_unstructured(lin, "weight", amount=0.5)  # half of the 50 left
    assert int((lin.weight_mask == 0).sum()) == 75
    prune.random_structured(lin, "weight", amount=0.5, dim=1)
    assert int((to_host(lin.weight_mask).sum(axis=0) == 0).sum()) >= 5


def test_pruning_containers_and_deepcopy():
    a, b = prune.L1Unstructured(0.5), prune.Identity()
    a._tensor_name = b._tensor_name = "weight"
    c = prune.PruningContainer(a, b)
    assert len(c) == 2 and list(c) == [a, b] and c[0] is a and c._tensor_name == "weight"
    other = prune.Identity()
    other._tensor_name = "bias"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter named 'weight'"):
        c.add_pruning_method(other)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        c.add_pruning_method("l1")
    empty = prune.PruningContainer()
    empty.add_pruning_method(other)  # (PyTorch fails here: its empty container has no tensor name)
    assert len(empty) == 1 and empty._tensor_name == "bias"
    lin = prune.l1_unstructured(nn.Linear(3, 3), "weight", amount=3)
    with pytest.raises(RuntimeError, match="deepcopy"):  # ``weight`` is a graph result, as in PyTorch
        copy.deepcopy(lin)
    with ag.no_grad():
        lin(ag.ones(1, 3))  # now ``weight`` is recomputed without a graph
    twin = copy.deepcopy(lin)
    assert prune.is_pruned(twin) and twin.weight_orig is not lin.weight_orig
    np.testing.assert_array_equal(to_host(twin(ag.ones(1, 3))), to_host(lin(ag.ones(1, 3))))


def test_is_pruned_looks_at_submodules():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    assert not prune.is_pruned(net)
    prune.random_unstructured(net[1][0], "bias", amount=1)
    assert prune.is_pruned(net) and not prune.is_pruned(net[0])


def test_pruning_on_the_strict_device():
    conv = nn.Conv2d(3, 4, 3).to(STRICT)
    lin = nn.Linear(4, 2).to(STRICT)
    prune.l1_unstructured(conv, "weight", amount=0.3)
    prune.ln_structured(conv, "weight", amount=1, n=2, dim=0)
    prune.random_unstructured(conv, "weight", amount=0.2)
    prune.random_structured(conv, "weight", amount=1, dim=1)
    prune.identity(lin, "weight")
    prune.global_unstructured([(conv, "bias"), (lin, "weight")], prune.L1Unstructured, amount=3)
    prune.custom_from_mask(lin, "bias", mask=ag.tensor([1, 0], device=STRICT))
    for t in (conv.weight_mask, conv.weight, lin.weight_mask, lin.bias_mask):
        assert str(t.device) == STRICT
    x = ag.ones(2, 3, 5, 5, device=STRICT, requires_grad=True)
    lin(conv(x).mean(dim=(2, 3))).sum().backward()
    assert str(conv.weight_orig.grad.device) == STRICT
    assert np.all(to_host(conv.weight_orig.grad)[to_host(conv.weight_mask) == 0] == 0)
    prune.remove(conv, "weight")
    assert str(conv.weight.device) == STRICT


# ---------------------------------------------------------------------------- errors
def _error_type(torch, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (we want whichever type PyTorch raises)
        return type(e)
    raise AssertionError("PyTorch raised nothing")


@pytest.mark.parametrize("fn, kwargs, match", [
    ("l1_unstructured", {"amount": "half"}, "Invalid type for amount"),
    ("l1_unstructured", {"amount": -1}, "should either be a float in the range"),
    ("l1_unstructured", {"amount": 1.5}, "should either be a float in the range"),
    ("random_unstructured", {"amount": 13}, "should be smaller than the number of parameters to prune=12"),
    ("ln_structured", {"amount": 5, "n": 2, "dim": 0}, "should be smaller than the number of parameters to prune=3"),
    ("ln_structured", {"amount": 1, "n": 2, "dim": 2}, "Invalid index 2"),
    ("random_structured", {"amount": 1, "dim": 5}, "Invalid index 5"),
    ("l1_unstructured", {"amount": 1, "importance_scores": np.ones((4, 3))}, "importance_scores should have the same"),
    ("custom_from_mask", {"mask": np.ones((4, 3))}, "must match self.mask shape"),
])
def test_errors_match_torch_and_leave_the_module_unchanged(fn, kwargs, match):
    torch = _torch()
    o, t = _pair(torch, nn.Linear, "Linear", (4, 3))
    ko = {k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    expected = _error_type(torch, lambda: getattr(torch.nn.utils.prune, fn)(t, "weight", **kt))
    with pytest.raises(expected, match=match):
        getattr(prune, fn)(o, "weight", **ko)
    assert list(o.state_dict()) == ["weight", "bias"] and not prune.is_pruned(o)
    assert isinstance(o.weight, nn.Parameter)


def test_a_failed_repeat_keeps_the_earlier_pruning():
    lin = prune.l1_unstructured(nn.Linear(4, 3), "weight", amount=6)
    mask = to_host(lin.weight_mask)
    with pytest.raises(ValueError, match="should be smaller than the number of parameters to prune=6"):
        prune.l1_unstructured(lin, "weight", amount=7)  # 6 entries left
    hooks = list(lin._forward_pre_hooks.values())
    assert len(hooks) == 1 and isinstance(hooks[0], prune.L1Unstructured)  # PyTorch would drop the hook here
    np.testing.assert_array_equal(to_host(lin.weight_mask), mask)
    prune.remove(lin, "weight")


def test_structured_errors_and_bad_targets():
    torch = _torch()
    with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional tensors"):
        prune.ln_structured(nn.Linear(3, 2), "bias", amount=1, n=2, dim=0)
    with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional tensors"):
        torch.nn.utils.prune.ln_structured(torch.nn.Linear(3, 2), "bias", amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE'):
        prune.global_unstructured([(nn.Linear(3, 2), "weight")], prune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        prune.global_unstructured(3, prune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        prune.global_unstructured([(nn.Linear(3, 2), "weight")], prune.L1Unstructured, importance_scores=[],
                                  amount=1)
    with pytest.raises(TypeError, match=r"must be \(module, name\) pairs"):
        prune.global_unstructured([nn.Linear(3, 2)], prune.L1Unstructured, amount=1)
    with pytest.raises(AttributeError, match="has no parameter named 'kernel'"):
        prune.l1_unstructured(nn.Linear(3, 2), "kernel", amount=1)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match="not a parameter"):
        prune.l1_unstructured(bn, "running_mean", amount=1)
    with pytest.raises(TypeError, match="not a parameter"):
        prune.identity(nn.Linear(3, 2, bias=False), "bias")
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(TypeError):
        prune.BasePruningMethod()  # abstract: compute_mask must be defined
