"""nn.Module, Parameter and the containers behave as PyTorch's do.

Registration, traversal order and dotted names, shared parameters, buffers,
train/eval, zero_grad, apply, dtype/device moves, repr, and load_state_dict
(all-or-nothing, every problem listed, NumPy arrays accepted).  Where PyTorch
is installed the same structures are built with torch.nn and compared.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


class Net(nn.Module):
    """A model with nesting, a shared layer, buffers and a plain attribute."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6))
        self.head = nn.Linear(6, 2)
        self.scale = nn.Parameter(ag.ones(2))
        self.register_buffer("running", ag.zeros(2))
        self.register_buffer("scratch", ag.zeros(3), persistent=False)
        self.register_buffer("absent", None)
        self.note = "not registered"
        self.plain = ag.ones(3)  # a tensor that is not a Parameter: a plain attribute

    def forward(self, x):
        return self.head(self.encoder(x)) * self.scale + self.running


def _torch_net(torch):
    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6))
            self.head = torch.nn.Linear(6, 2)
            self.scale = torch.nn.Parameter(torch.ones(2))
            self.register_buffer("running", torch.zeros(2))
            self.register_buffer("scratch", torch.zeros(3), persistent=False)
            self.register_buffer("absent", None)

        def forward(self, x):
            return self.head(self.encoder(x)) * self.scale + self.running

    return TNet()


def _values(model):
    return {k: to_host(v).copy() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------- registration and traversal
def test_registration_and_dotted_names_in_pytorchs_order(torch):
    ours, theirs = Net(), _torch_net(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "plain" not in dict(ours.named_parameters()) and "note" not in ours.state_dict()
    assert len(list(ours.parameters())) == 7 and len(list(ours.parameters(recurse=False))) == 1
    assert ours.get_submodule("encoder.2") is ours.encoder[2]
    assert ours.get_parameter("encoder.0.bias") is ours.encoder[0].bias
    assert list(dict(ours.named_parameters(prefix="net")))[:2] == ["net.scale", "net.encoder.0.weight"]


def test_shared_parameter_is_listed_once_but_saved_under_each_name(torch):
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight  # tied weights
    model = nn.Sequential(a, b)
    ta, tb = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    tb.weight = ta.weight
    tmodel = torch.nn.Sequential(ta, tb)
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in tmodel.named_parameters()]
    assert len(list(model.parameters())) == 3
    assert sorted(n for n, _ in model.named_parameters(remove_duplicate=False)) == sorted(
        n for n, _ in tmodel.named_parameters(remove_duplicate=False))
    assert sorted(model.state_dict()) == sorted(tmodel.state_dict())
    model(ag.ones(2, 3)).sum().backward()
    assert a.weight.grad is not None and b.weight is a.weight


def test_reassigning_a_parameter_keeps_its_place(torch):
    a, ta = nn.Linear(3, 3), torch.nn.Linear(3, 3)
    a.weight = nn.Parameter(ag.zeros(3, 3))
    ta.weight = torch.nn.Parameter(torch.zeros(3, 3))
    assert list(a.state_dict()) == list(ta.state_dict())


def test_state_dict_of_a_module_registered_twice_matches_torch(torch):
    lin, tlin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = nn.Sequential(lin, nn.ReLU(), lin)
    theirs = torch.nn.Sequential(tlin, torch.nn.ReLU(), tlin)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_named_parameters_without_dedup_through_shared_module(torch):
    lin, tlin = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = nn.Sequential(lin, lin)
    theirs = torch.nn.Sequential(tlin, tlin)
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)]


def test_assignment_rules():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.weight = ag.ones(2, 2)  # a plain tensor can't replace a parameter
    m.bias = None
    assert m.bias is None and "bias" not in m.state_dict()
    with pytest.raises(TypeError, match="must be an nn.Parameter"):
        m.register_parameter("extra", ag.ones(1))
    with pytest.raises(KeyError, match="contain no"):
        m.register_buffer("a.b", ag.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("forward", None)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Early()
    m.weight = nn.Parameter(ag.zeros(2, 2))
    assert to_host(m.weight.detach()).sum() == 0
    del m.weight
    with pytest.raises(AttributeError, match="weight"):
        _ = m.weight
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = m.missing


def test_buffers_persistent_and_not_and_their_dtype_moves():
    m = Net()
    assert set(m.state_dict()) >= {"running"} and "scratch" not in m.state_dict()
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    m.register_buffer("count", ag.tensor(3))  # integer buffers keep their dtype on .double()
    m.double()
    assert m.running.dtype == np.float64 and m.scratch.dtype == np.float64 and m.count.dtype == np.int64
    assert m.scale.dtype == np.float64


def test_train_and_eval_propagate_to_every_submodule():
    m = Net()
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.encoder.eval()
    assert m.training and not m.encoder[1].training
    with pytest.raises(ValueError, match="bool"):
        m.train("yes")


def test_zero_grad_sets_to_none_by_default_or_zeros():
    m = Net()
    m(ag.ones(3, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not to_host(p.grad).any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_first_like_torch(torch):
    seen, tseen = [], []
    Net().apply(lambda mod: seen.append(type(mod).__name__))
    _torch_net(torch).apply(lambda mod: tseen.append(type(mod).__name__.replace("TNet", "Net")))
    assert seen == tseen
    m = Net().apply(lambda mod: nn.init.zeros_(mod.weight) if isinstance(mod, nn.Linear) else None)
    assert not to_host(m.head.weight.detach()).any()


def test_to_dtype_keeps_parameter_identity_and_converts_grads():
    m = Net()
    m(ag.ones(2, 4)).sum().backward()
    params = list(m.parameters())
    grads_before = [to_host(p.grad).copy() for p in params]
    assert m.to(ag.float64) is m
    for p, g in zip(m.parameters(), grads_before):
        assert p.dtype == np.float64 and p.grad.dtype == np.float64 and isinstance(p, nn.Parameter)
        np.testing.assert_allclose(to_host(p.grad), g)
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())
    with pytest.raises(TypeError, match="floating"):
        m.to(ag.int64)


def test_to_device_keeps_parameter_identity_and_moves_buffers():
    m = Net()
    params = list(m.parameters())
    m.to(STRICT)
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(str(t.device) == STRICT for t in list(m.parameters()) + list(m.buffers()))
    out = m(ag.ones(2, 4, device=STRICT))
    out.sum().backward()
    assert str(m.head.weight.grad.device) == STRICT
    m.cpu()
    assert str(m.head.weight.device) == "cpu"


def test_requires_grad_and_hooks():
    m = nn.Linear(2, 2)
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    calls = []
    handle = m.register_forward_hook(lambda mod, inp, out: calls.append(out.shape))
    pre = m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0.0,))
    out = m(ag.ones(3, 2))
    assert calls == [(3, 2)]
    np.testing.assert_allclose(to_host(out), np.broadcast_to(to_host(m.bias.detach()), (3, 2)))
    handle.remove()
    pre.remove()
    m(ag.ones(1, 2))
    assert calls == [(3, 2)]


# ---------------------------------------------------------------------------- repr
def test_repr_of_nested_models_matches_torch(torch):
    ours = nn.Sequential(OrderedDict([
        ("fc1", nn.Linear(4, 8)), ("act", nn.ReLU()),
        ("block", nn.Sequential(nn.Linear(8, 8, bias=False), nn.ReLU(), nn.Dropout(0.1))),
        ("out", nn.Linear(8, 2)),
    ]))
    theirs = torch.nn.Sequential(OrderedDict([
        ("fc1", torch.nn.Linear(4, 8)), ("act", torch.nn.ReLU()),
        ("block", torch.nn.Sequential(torch.nn.Linear(8, 8, bias=False), torch.nn.ReLU(), torch.nn.Dropout(0.1))),
        ("out", torch.nn.Linear(8, 2)),
    ]))
    assert repr(ours) == repr(theirs)
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())
    assert repr(nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 2)})) == repr(
        torch.nn.ModuleDict({"a": torch.nn.ReLU(), "b": torch.nn.Linear(1, 2)}))
    assert repr(Net()).replace("Net", "X").startswith("X(\n  (encoder): Sequential(\n    (0): Linear(")


def test_module_list_repr_matches_torch(torch):
    assert repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])) == repr(
        torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()]))


def test_parameter_basics(torch):
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert not nn.Parameter(ag.ones(1), requires_grad=False).requires_grad
    data = ag.zeros(2)
    q = nn.Parameter(data)
    with ag.no_grad():
        q.add_(1.0)
    assert to_host(data).tolist() == [1.0, 1.0]  # shares storage, as PyTorch's does
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Parameter(np.ones(2))


# ---------------------------------------------------------------------------- load_state_dict
def test_load_state_dict_round_trip_and_numpy_arrays_from_torch(torch):
    theirs = _torch_net(torch)
    ours = Net()
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(to_host(ours.state_dict()[k]), v.numpy())
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(to_host(ours(ag.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    clone = Net()
    clone.load_state_dict(ours.state_dict())
    assert _values(clone).keys() == _values(ours).keys()
    for k, v in _values(ours).items():
        np.testing.assert_array_equal(_values(clone)[k], v)


def test_load_state_dict_strict_lists_every_problem_and_leaves_the_model_unchanged():
    m = Net()
    before = _values(m)
    bad = {k: np.full(to_host(v).shape, 7.0) for k, v in m.state_dict().items()}
    del bad["head.bias"], bad["encoder.0.weight"]
    bad["extra.weight"] = np.ones(2)
    bad["head.weight"] = np.ones((3, 3))  # wrong shape
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(bad)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "encoder.0.weight", "head.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert "size mismatch for head.weight: copying a param with shape (3, 3) from checkpoint, the shape in " \
           "current model is (2, 6)." in msg
    after = _values(m)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=f"{k} changed by a failed load")


def test_load_state_dict_shape_mismatch_fails_even_when_not_strict():
    m = nn.Linear(3, 2)
    before = _values(m)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        m.load_state_dict({"weight": np.ones((2, 4)), "bias": np.zeros(2)}, strict=False)
    for k, v in _values(m).items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_not_strict_returns_missing_and_unexpected():
    m = Net()
    sd = m.state_dict()
    new = {"head.weight": np.ones((2, 6)), "bogus": np.zeros(1)}
    result = m.load_state_dict(new, strict=False)
    assert result.unexpected_keys == ["bogus"]
    assert result.missing_keys == [k for k in sd if k != "head.weight"]
    assert (to_host(m.head.weight.detach()) == 1).all()


def test_load_state_dict_converts_dtype_and_keeps_parameters():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": np.ones((2, 2), dtype=np.float64), "bias": ag.zeros(2, dtype=ag.float64)})
    assert m.weight is w and w.dtype == np.float32 and (to_host(w.detach()) == 1).all()
    assert w.requires_grad and w.is_leaf


def test_load_state_dict_non_array_value_is_an_error_and_changes_nothing():
    m = nn.Linear(2, 2)
    before = _values(m)
    with pytest.raises(RuntimeError, match='value for "weight"'):
        m.load_state_dict({"weight": "not an array", "bias": np.ones(2)})
    np.testing.assert_array_equal(_values(m)["bias"], before["bias"])


def test_state_dict_values_share_storage_and_keep_vars():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    with ag.no_grad():
        sd["weight"].fill_(3.0)
    assert (to_host(m.weight.detach()) == 3).all()
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


# ---------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_append_len(torch):
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and s[0] is layers[0] and s[-1] is layers[2]
    part = s[1:]
    assert isinstance(part, nn.Sequential) and list(part._modules) == ["1", "2"]  # names kept, as PyTorch
    assert list(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.ReLU())[1:]._modules) == ["1", "2"]
    assert list(s) == layers
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    with pytest.raises(IndexError, match="out of range"):
        s[4]
    out = s(ag.ones(5, 2))
    assert out.shape == (5, 1)
    named = nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.ReLU())]))
    assert named.a is named[0] and list(named.state_dict()) == ["a.weight", "a.bias"]
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and list(s._modules) == ["0", "1", "2", "3", "4"]


def test_sequential_setitem_replaces_in_place():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh) and s(ag.ones(4, 2)).shape == (4, 1)


def test_sequential_del_then_append_keeps_every_module(torch):
    s = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
    del s[0]
    s.append(nn.Sigmoid())
    t = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Tanh())
    del t[0]
    t.append(torch.nn.Sigmoid())
    assert repr(s) == repr(t)


def test_module_list_and_module_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml += [nn.Sigmoid()]
    assert len(ml) == 6 and isinstance(ml[-1], nn.Sigmoid)
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(5)]
    ml.insert(1, nn.Identity())
    assert isinstance(ml[1], nn.Identity) and len(ml) == 6
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    with pytest.raises(NotImplementedError):
        ml(ag.ones(1))
    md = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.ReLU()})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    assert [k for k, _ in md.items()] == ["b", "a", "c"]
    assert isinstance(md.pop("a"), nn.ReLU) and "a" not in md
    md.update([("d", nn.Linear(2, 2))])
    assert list(md.state_dict()) == ["b.weight", "b.bias", "d.weight", "d.bias"]
    holder = nn.Module()
    holder.layers = ml
    assert len(list(holder.parameters())) == 4  # registered through the list


def test_parameter_list_and_dict_register_parameters():
    pl = nn.ParameterList([nn.Parameter(ag.ones(2)), ag.zeros(3)])
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"] and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"w": ag.ones(2)})
    assert list(pd.state_dict()) == ["w"] and pd["w"].requires_grad


# -- nn.Buffer ---------------------------------------------------------------------------


def test_assigning_an_nn_buffer_registers_it_persistent_or_not():
    m = nn.Module()
    data = ag.ones(2)
    m.mean = b = nn.Buffer(data)
    m.scratch = nn.Buffer(ag.zeros(1), persistent=False)
    assert m.mean is b and isinstance(b, ag.Tensor) and b.persistent and not m.scratch.persistent
    assert list(m.state_dict()) == ["mean"] and [n for n, _ in m.named_buffers()] == ["mean", "scratch"]
    b.add_(1)  # shares data's memory
    assert data.tolist() == [2.0, 2.0]
    m.register_buffer("was_hidden", ag.ones(1), persistent=False)
    m.was_hidden = nn.Buffer(ag.ones(2))  # the Buffer's own flag decides
    assert "was_hidden" in m.state_dict()
    assert nn.Buffer().shape == (0,) and nn.Buffer(ag.ones(1, requires_grad=True)).requires_grad


def test_nn_buffer_errors_copies_and_saving(tmp_path):
    import copy

    m = nn.Module()
    m.w = nn.Parameter(ag.ones(1))
    with pytest.raises(TypeError, match="cannot assign a Buffer as parameter 'w'"):
        m.w = nn.Buffer(ag.ones(1))
    m.plain = 5
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.plain = nn.Buffer(ag.ones(1))
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Buffer([1.0])
    m.keep = nn.Buffer(ag.ones(2))
    m.skip = nn.Buffer(ag.ones(2), persistent=False)
    clone = copy.deepcopy(m)
    assert type(clone.skip) is type(m.skip) and list(clone.state_dict()) == ["w", "keep"]
    ag.save(m.state_dict(), tmp_path / "m.pt")
    assert ag.load(tmp_path / "m.pt")["keep"].tolist() == [1.0, 1.0]


def test_nn_buffer_state_dict_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Module(), torch.nn.Module()
    ours.a, theirs.a = nn.Buffer(ag.ones(2)), torch.nn.Buffer(torch.ones(2))
    ours.b, theirs.b = nn.Buffer(ag.zeros(1), persistent=False), torch.nn.Buffer(torch.zeros(1), persistent=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_load_state_dict_assign_takes_the_checkpoints_tensors():
    m = nn.Linear(2, 2)
    sd = {k: (v.double() * 0 + 1) for k, v in m.state_dict().items()}
    m.load_state_dict(sd, assign=True)
    assert m.weight.dtype == ag.float64 and isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    sd["weight"].add_(1)  # the module holds the checkpoint's memory
    assert m.weight.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert [p for p in m.parameters()][0] is m.weight
    bn = nn.BatchNorm1d(2)
    buffers = {k: v.clone() for k, v in bn.state_dict().items()}
    bn.load_state_dict(buffers, assign=True)
    assert bn.running_mean is buffers["running_mean"]
    frozen = nn.Linear(2, 2)
    frozen.weight.requires_grad_(False)
    p = nn.Parameter(ag.ones(2, 2))
    frozen.load_state_dict({"weight": p, "bias": ag.zeros(2)}, assign=True)
    assert frozen.weight is p and not p.requires_grad  # the module's requires_grad is kept
    with pytest.raises(RuntimeError, match="size mismatch"):  # checked first: nothing assigned
        frozen.load_state_dict({"weight": ag.ones(3, 2), "bias": ag.zeros(2)}, assign=True)
    assert frozen.weight is p


def test_load_state_dict_assign_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    values = {k: np.arange(v.numel(), dtype=np.float64).reshape(tuple(v.shape)) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: ag.tensor(v) for k, v in values.items()}, assign=True)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in values.items()}, assign=True)
    x = np.ones((1, 3))
    assert str(ours.weight.dtype) == str(theirs.weight.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())
