"""More of torch.nn's behaviour that ported programs rely on, compared with PyTorch itself.

Module API details (train() overrides in children, registering over an existing
attribute, hook handles as context managers, get_buffer, legacy BatchNorm
checkpoints without ``num_batches_tracked``), container methods (``+``, ``pop``,
ParameterDict's dict methods, ParameterList slicing) and adaptive max pooling.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")


def _both(build):
    """Run ``build(lib, T)`` with (nn, autograd_core) and with (torch.nn, torch)."""
    return build(nn, ag), build(torch.nn, torch)


# ---------------------------------------------------------------------------- Module API
def test_parent_train_calls_each_childs_own_train_like_torch():
    def build(lib, T):
        class FrozenNorm(lib.Module):
            """A common pattern: batch norm statistics stay frozen whatever mode the model is put in."""

            def __init__(self):
                super().__init__()
                self.bn = lib.BatchNorm1d(2)

            def train(self, mode=True):
                super().train(mode)
                self.bn.eval()
                return self

        model = lib.Sequential(FrozenNorm(), lib.Linear(2, 2))
        model.eval()
        model.train()
        return [m.training for m in model.modules()]

    ours, theirs = _both(build)
    assert ours == theirs == [True, True, False, True]


@pytest.mark.parametrize(
    "register",
    [
        lambda lib, T, m: m.register_buffer("training", None),  # a plain attribute
        lambda lib, T, m: m.add_module("weight", lib.ReLU()),  # a parameter, as a module
        lambda lib, T, m: m.register_buffer("bias", T.zeros(1)),  # a parameter, as a buffer
        lambda lib, T, m: m.register_parameter("forward", None),  # a method
    ],
)
def test_registering_over_an_existing_attribute_is_a_key_error_like_torch(register):
    def build(lib, T):
        m = lib.Linear(1, 1)
        with pytest.raises(KeyError, match="already exists"):
            register(lib, T, m)
        return m.training, [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()]

    ours, theirs = _both(build)
    assert ours == theirs == (True, ["weight", "bias"], [])


def test_registering_again_as_the_same_kind_replaces_like_torch():
    def build(lib, T):
        m = lib.Linear(1, 1)
        m.register_parameter("bias", None)
        m.register_buffer("extra", T.zeros(2))
        m.register_buffer("extra", T.ones(3))
        m.add_module("sub", lib.ReLU())
        m.add_module("sub", lib.Tanh())
        return list(m.state_dict()), tuple(m.extra.shape), type(m.sub).__name__

    ours, theirs = _both(build)
    assert ours == theirs


def test_hook_handle_is_a_context_manager_like_torch():
    def build(lib, T):
        m = lib.Identity()
        with m.register_forward_hook(lambda mod, args, out: out + 1):
            inside = m(1)
        with m.register_forward_pre_hook(lambda mod, args: (args[0] * 10,)):
            inside_pre = m(1)
        return inside, inside_pre, m(1)

    ours, theirs = _both(build)
    assert ours == theirs == (2, 10, 1)


def test_get_buffer_like_torch():
    def build(lib, T):
        m = lib.Sequential(lib.Linear(2, 3), lib.BatchNorm1d(3))
        with pytest.raises(AttributeError):
            m.get_buffer("1.weight")  # a parameter, not a buffer
        return tuple(m.get_buffer("1.running_var").shape), int(m.get_buffer("1.num_batches_tracked"))

    ours, theirs = _both(build)
    assert ours == theirs == ((3,), 0)


def test_batchnorm_checkpoint_without_num_batches_tracked_loads_like_torch():
    """Checkpoints from PyTorch < 0.4.1 (and many converted pretrained weights) lack the counter."""
    t_model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    with torch.no_grad():
        t_model[1].running_mean.uniform_()
        t_model[1].num_batches_tracked.fill_(7)
    legacy = {k: v.numpy() for k, v in t_model.state_dict().items() if not k.endswith("num_batches_tracked")}
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    model[1].num_batches_tracked.fill_(5)
    result = model.load_state_dict(legacy)
    t_result = t_model.load_state_dict({k: torch.tensor(v) for k, v in legacy.items()})
    assert list(result.missing_keys) == list(t_result.missing_keys) == []
    # PyTorch keeps the module's own count; everything else comes from the checkpoint.
    assert int(model[1].num_batches_tracked) == 5 and int(t_model[1].num_batches_tracked) == 7
    np.testing.assert_array_equal(to_host(model[1].running_mean), legacy["1.running_mean"])
    # Without running stats there is no counter to fill in, and nothing extra is expected.
    untracked = nn.BatchNorm1d(2, track_running_stats=False).load_state_dict({"weight": np.ones(2), "bias": np.zeros(2)})
    assert untracked.missing_keys == [] and untracked.unexpected_keys == []
    # Any other missing key is still an error.
    del legacy["1.running_var"]
    with pytest.raises(RuntimeError, match="running_var"):
        model.load_state_dict(legacy)


# ---------------------------------------------------------------------------- containers
def test_sequential_and_module_list_concatenate_and_pop_like_torch():
    def build(lib, T):
        a = lib.Sequential(lib.Linear(2, 3), lib.ReLU())
        b = lib.Sequential(lib.Linear(3, 1))
        both = a + b
        ml = lib.ModuleList([lib.ReLU(), lib.Tanh()]) + lib.ModuleList([lib.Sigmoid()])
        popped = ml.pop(1)
        return (
            type(both).__name__,
            list(both.state_dict()),
            both[0] is a[0],
            type(ml).__name__,
            type(popped).__name__,
            [(k, type(m).__name__) for k, m in ml._modules.items()],
        )

    ours, theirs = _both(build)
    assert ours == theirs


def test_parameter_dict_methods_like_torch():
    def build(lib, T):
        d = lib.ParameterDict({"w": lib.Parameter(T.ones(2))})
        d.update({"b": T.zeros(3)})
        d.update([("c", lib.Parameter(T.ones(1)))])
        got = d.get("b"), d.get("missing", "default")
        popped = d.pop("w")
        d.setdefault("e", lib.Parameter(T.ones(4)))
        del d["c"]
        result = (
            type(got[0]).__name__,
            got[0].requires_grad,
            got[1],
            tuple(popped.shape),
            list(d.keys()),
            [n for n, _ in d.named_parameters()],
        )
        d.clear()
        return result + (len(d),)

    ours, theirs = _both(build)
    assert ours == theirs


def test_parameter_list_slicing_like_torch():
    def build(lib, T):
        pl = lib.ParameterList([T.ones(1), T.ones(2), T.ones(3)])
        part = pl[1:]
        return type(part).__name__, [tuple(p.shape) for p in part], part[0] is pl[1], [n for n, _ in part.named_parameters()]

    ours, theirs = _both(build)
    assert ours == theirs


# ---------------------------------------------------------------------------- adaptive max pooling
@pytest.mark.parametrize(
    "cls, output_size, shape",
    [
        ("AdaptiveMaxPool2d", (4, 3), (2, 3, 9, 7)),
        ("AdaptiveMaxPool2d", 1, (2, 3, 5, 5)),
        ("AdaptiveMaxPool2d", (None, 2), (3, 9, 7)),  # unbatched, None keeps the size
        ("AdaptiveMaxPool2d", (5, 6), (2, 2, 9, 7)),  # overlapping windows
        ("AdaptiveMaxPool1d", 4, (2, 3, 11)),
        ("AdaptiveMaxPool1d", 3, (3, 6)),
    ],
)
@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_max_pool_matches_torch_with_indices_and_gradients(cls, output_size, shape, ties):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    if ties:  # many equal values per window: the gradient must go to the first maximum only
        x = np.round(x)
    mod, t_mod = getattr(nn, cls)(output_size, return_indices=True), getattr(torch.nn, cls)(output_size, True)
    assert repr(mod) == repr(t_mod)
    xi, txi = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, idx), (t_out, t_idx) = mod(xi), t_mod(txi)
    np.testing.assert_array_equal(to_host(out.detach()), t_out.detach().numpy())
    np.testing.assert_array_equal(to_host(idx), t_idx.numpy())
    g = rng.standard_normal(t_out.shape).astype(np.float32)
    (out * ag.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_host(xi.grad), txi.grad.numpy(), rtol=1e-6, atol=1e-6)
    fn, t_fn = getattr(F, cls.replace("AdaptiveMaxPool", "adaptive_max_pool")), getattr(
        torch.nn.functional, cls.replace("AdaptiveMaxPool", "adaptive_max_pool")
    )
    np.testing.assert_array_equal(
        to_host(fn(ag.tensor(x), output_size=output_size)), t_fn(torch.tensor(x), output_size=output_size).numpy()
    )


def test_adaptive_max_pool_non_finite_values_match_torch():
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 5)).astype(np.float32)
    x[0, 0, 1, 1], x[0, 1, 2, 2], x[1, 0, 3, 3], x[1, 1, :3, :3] = np.nan, np.inf, -np.inf, -np.inf
    out, idx = F.adaptive_max_pool2d(ag.tensor(x), (3, 2), return_indices=True)
    t_out, t_idx = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), (3, 2), return_indices=True)
    np.testing.assert_array_equal(to_host(out), t_out.numpy())
    np.testing.assert_array_equal(to_host(idx), t_idx.numpy())
