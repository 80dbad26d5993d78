"""Mixed precision: autocast's per-op dtypes (against PyTorch's CPU autocast), gradients through
the casts, and GradScaler's scale/skip/backoff sequence (against PyTorch's GradScaler on cpu)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from tests.helpers import strict_backend

strict_backend.register()

F16 = ag.float16


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((4, 4)).astype(np.float32),
        "w": rng.standard_normal((4, 4)).astype(np.float32),
        "b3": rng.standard_normal((2, 4, 4)).astype(np.float32),
        "img": rng.standard_normal((1, 2, 5, 5)).astype(np.float32),
        "k": rng.standard_normal((3, 2, 3, 3)).astype(np.float32),
        "h": rng.standard_normal((4, 4)).astype(np.float16),
        "t": np.array([0, 1, 2, 3]),
    }


# (name, call): one call written once and run with (torch, torch.nn.functional) or (ag, F).
OPS = [
    ("matmul", lambda m, f, a: a["x"] @ a["w"]),
    ("mm", lambda m, f, a: m.mm(a["x"], a["w"])),
    ("bmm", lambda m, f, a: m.bmm(a["b3"], a["b3"])),
    ("addmm", lambda m, f, a: m.addmm(a["x"], a["x"], a["w"])),
    ("addbmm", lambda m, f, a: m.addbmm(a["x"], a["b3"], a["b3"])),
    ("baddbmm", lambda m, f, a: m.baddbmm(a["b3"], a["b3"], a["b3"])),
    ("linear", lambda m, f, a: f.linear(a["x"], a["w"], a["x"][0])),
    ("mv (not on cpu's list)", lambda m, f, a: m.mv(a["x"], a["x"][0])),
    ("addmv (not on cpu's list)", lambda m, f, a: m.addmv(a["x"][0], a["x"], a["x"][0])),
    ("addr (not on cpu's list)", lambda m, f, a: m.addr(a["x"], a["x"][0], a["x"][0])),
    ("conv1d", lambda m, f, a: f.conv1d(a["img"][:, :, 0], a["k"][:, :, 0])),
    ("conv2d", lambda m, f, a: f.conv2d(a["img"], a["k"], a["k"][:, 0, 0, 0])),
    ("conv_transpose2d", lambda m, f, a: f.conv_transpose2d(a["img"], a["k"].transpose(0, 1))),
    ("prelu", lambda m, f, a: f.prelu(a["img"], a["x"][0, :1])),
    ("scaled_dot_product_attention", lambda m, f, a: f.scaled_dot_product_attention(a["b3"], a["b3"], a["b3"])),
    ("float64 matmul is not cast", lambda m, f, a: m.mm(a["x"].double(), a["w"].double())),
    ("softmax of float16 (cpu: keeps it)", lambda m, f, a: f.softmax(a["h"], -1)),
    ("log_softmax of float16 (cpu: keeps it)", lambda m, f, a: f.log_softmax(a["h"], -1)),
    ("relu of float16", lambda m, f, a: f.relu(a["h"])),
    ("cross_entropy of float16", lambda m, f, a: f.cross_entropy(a["h"], a["t"])),
    ("cross_entropy of a float16 matmul", lambda m, f, a: f.cross_entropy(a["x"] @ a["w"], a["t"])),
    ("nll_loss of float16", lambda m, f, a: f.nll_loss(a["h"], a["t"])),
    ("mse_loss of float16", lambda m, f, a: f.mse_loss(a["h"], a["h"])),
    ("mse_loss of float16 and float32", lambda m, f, a: f.mse_loss(a["h"], a["x"])),
    ("l1_loss of float16", lambda m, f, a: f.l1_loss(a["h"], a["h"])),
    ("smooth_l1_loss of float16", lambda m, f, a: f.smooth_l1_loss(a["h"], a["h"])),
    ("huber_loss of float16", lambda m, f, a: f.huber_loss(a["h"], a["h"])),
    ("kl_div of float16", lambda m, f, a: f.kl_div(a["h"], a["h"], reduction="batchmean")),
    ("binary_cross_entropy of float16", lambda m, f, a: f.binary_cross_entropy(a["h"].sigmoid(), a["h"].sigmoid())),
    ("bce_with_logits of float16", lambda m, f, a: f.binary_cross_entropy_with_logits(a["h"], a["h"].sigmoid())),
]


def _inputs(mod, arrays):
    return {k: mod.tensor(v) for k, v in arrays.items()}


@pytest.mark.parametrize("name,call", OPS, ids=[n for n, _ in OPS])
def test_autocast_dtypes_vs_torch(name, call):
    torch = pytest.importorskip("torch")
    arrays = _inputs_np = _arrays()  # the same arrays for both
    with torch.autocast("cpu", dtype=torch.float16):
        expected = call(torch, torch.nn.functional, _inputs(torch, _inputs_np)).dtype
    with ag.autocast("cpu", dtype=ag.float16):
        got = call(ag, F, _inputs(ag, arrays)).dtype
    assert _name(got) == _name(expected)
    plain = call(ag, F, _inputs(ag, arrays)).dtype  # outside the region: the inputs' own dtypes
    assert _name(plain) == _name(call(torch, torch.nn.functional, _inputs(torch, _inputs_np)).dtype)


def _name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def test_autocast_values_are_the_explicitly_cast_computation():
    a = _arrays(1)
    x, w, bias = ag.tensor(a["x"]), ag.tensor(a["w"], requires_grad=True), ag.tensor(a["x"][0], requires_grad=True)
    with ag.autocast("cpu", dtype=F16):
        y = F.linear(x, w, bias)
    assert y.dtype == F16
    np.testing.assert_array_equal(y.detach().numpy(), F.linear(x.half(), w.half(), bias.half()).detach().numpy())


def test_gradients_reach_float32_parameters_in_float32():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x, t = ag.tensor(_arrays(2)["x"]), ag.tensor([0, 1, 2, 0])
    with ag.autocast("cpu", dtype=F16):
        hidden = model[0](x)
        loss = F.cross_entropy(model(x), t)
    assert hidden.dtype == F16 and loss.dtype == ag.float32
    loss.backward()
    for p in model.parameters():
        assert p.dtype == ag.float32 and p.grad.dtype == ag.float32
    # The same computation, cast by hand, gives the same gradients exactly.
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    w0, b0, w1, b1 = model.parameters()
    h = F.relu(F.linear(x.half(), w0.half(), b0.half()))
    F.cross_entropy(F.linear(h, w1.half(), b1.half()).float(), t).backward()
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(g.numpy(), p.grad.numpy())


def test_nested_disabled_region_and_state_queries():
    x = ag.ones(2, 2)
    assert not ag.is_autocast_enabled("cpu") and not ag.amp.is_autocast_enabled()
    with ag.autocast("cpu", dtype=F16):
        assert ag.is_autocast_enabled("cpu") and ag.get_autocast_dtype("cpu") == F16
        assert not ag.is_autocast_enabled()  # no argument: cuda's state, as in PyTorch
        with ag.autocast("cpu", enabled=False):
            assert not ag.is_autocast_enabled("cpu")
            assert (x @ x).dtype == ag.float32
        assert (x @ x).dtype == F16
    assert not ag.is_autocast_enabled("cpu") and (x @ x).dtype == ag.float32
    assert ag.amp.is_autocast_available("cpu") and ag.amp.is_autocast_available("cuda")


def test_decorator_and_exit_on_error():
    @ag.autocast("cpu", dtype=F16)
    def product(a, b):
        return a @ b

    assert product(ag.ones(2, 2), ag.ones(2, 2)).dtype == F16
    assert product(ag.ones(2, 2), ag.ones(2, 2)).dtype == F16  # the same object twice
    with pytest.raises(ZeroDivisionError), ag.autocast("cpu", dtype=F16):
        raise ZeroDivisionError
    assert not ag.is_autocast_enabled("cpu")


def test_weight_cast_is_cached_within_a_region_and_refreshed_after_an_update():
    w = ag.ones(3, 3, requires_grad=True)
    x = ag.ones(2, 3)
    with ag.autocast("cpu", dtype=F16):
        for _ in range(2):  # two forward/backward passes through the one cached cast
            (x @ w).float().sum().backward()
        assert float(w.grad[0, 0]) == 4.0
        with ag.no_grad():
            w.mul_(2.0)  # an optimizer step inside the region: the cache must not serve the old copy
        assert float((x @ w)[0, 0]) == 6.0
    with ag.autocast("cpu", dtype=F16, cache_enabled=False):
        assert (x @ w).dtype == F16


def test_autocast_argument_errors_and_warnings():
    with pytest.raises(ValueError, match="device_type"):
        ag.autocast(1)
    with pytest.raises(RuntimeError, match="device_type"):
        ag.autocast("tpu")
    with pytest.raises(RuntimeError, match="bfloat16.*dtype=ag.float16"):
        ag.autocast("cpu")  # PyTorch's cpu default, bfloat16, which NumPy lacks
    ag.autocast("cpu", enabled=False)  # fine: nothing to cast
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        region = ag.autocast("cpu", dtype=ag.float64)
    with region:
        assert not ag.is_autocast_enabled("cpu")


@pytest.mark.skipif(ag.cuda.is_available(), reason="checks the no-GPU path")
def test_cuda_autocast_without_gpu_warns_and_disables():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        region = ag.autocast("cuda")
    with region:
        assert not ag.is_autocast_enabled("cuda")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ag.cuda.amp.autocast()
    assert {w.category for w in caught} == {FutureWarning, UserWarning}
    assert "torch.amp.autocast('cuda', args...)" in str(caught[0].message)


def _cuda():
    if not ag.cuda.is_available():
        pytest.skip("no usable CUDA device")


@pytest.mark.cuda
def test_cuda_autocast_lists():
    _cuda()
    x = ag.randn(4, 4, device="cuda")
    h = x.half()
    with ag.autocast("cuda"):
        assert (x @ x).dtype == F16 and ag.mv(x, x[0]).dtype == F16  # mv is on cuda's list
        assert F.softmax(h, -1).dtype == ag.float32 and F.log_softmax(h, -1).dtype == ag.float32
        assert F.softmax(h, -1, dtype=F16).dtype == F16
        assert F.mse_loss(h, h).dtype == ag.float32
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            F.binary_cross_entropy(h.sigmoid(), h.sigmoid())


# ---------------------------------------------------------------------------- GradScaler
def _finite_sequence():
    # True: a finite step; False: a step whose gradients hold an inf (or a NaN).
    return [True, True, True, False, True, True, True, True, True, False, False, True, True]


def _poison(index, grads):
    if index % 2:
        grads[0][0] = float("inf")
    else:
        grads[1][0] = float("nan")


def test_grad_scaler_scale_sequence_vs_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(3).astype(np.float32)
    kwargs = dict(init_scale=2.0**10, growth_factor=4.0, backoff_factor=0.25, growth_interval=3)
    tp = torch.nn.Parameter(torch.tensor(w0))
    tb = torch.nn.Parameter(torch.zeros(2))
    topt = torch.optim.SGD([tp, tb], lr=0.5)
    tscaler = torch.amp.GradScaler("cpu", **kwargs)
    op, ob = nn.Parameter(ag.tensor(w0)), nn.Parameter(ag.zeros(2))
    oopt = optim.SGD([op, ob], lr=0.5)
    oscaler = ag.amp.GradScaler("cpu", **kwargs)
    for i, finite in enumerate(_finite_sequence()):
        for p, b, opt, scaler, mod in ((tp, tb, topt, tscaler, torch), (op, ob, oopt, oscaler, ag)):
            opt.zero_grad()
            loss = (p * p).sum() + b.sum() * 3.0
            scaler.scale(loss).backward()
            if not finite:
                with mod.no_grad():
                    _poison(i, [p.grad, b.grad])
            if i % 4 == 1:
                scaler.unscale_(opt)  # (unscaled early, as before clipping; step doesn't repeat it)
            scaler.step(opt)
            scaler.update()
        assert oscaler.get_scale() == tscaler.get_scale()
        assert oscaler.state_dict() == tscaler.state_dict()
        np.testing.assert_array_equal(op.detach().numpy(), tp.detach().numpy())
        np.testing.assert_array_equal(ob.detach().numpy(), tb.detach().numpy())
    assert list(oscaler.state_dict()) == ["scale", "growth_factor", "backoff_factor", "growth_interval",
                                          "_growth_tracker"]


def test_grad_scaler_training_matches_a_hand_written_loop():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    twin = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    twin.load_state_dict(model.state_dict())
    x, t = ag.tensor(_arrays(4)["x"]), ag.tensor([0, 1, 1, 0])
    opt, twin_opt = optim.SGD(model.parameters(), lr=0.1), optim.SGD(twin.parameters(), lr=0.1)
    scaler, scale = ag.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2), 256.0
    for step in range(5):
        opt.zero_grad()
        with ag.autocast("cpu", dtype=F16):
            loss = F.cross_entropy(model(x), t)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        # By hand: the same float16 forward, the loss times the scale, gradients divided by it.
        twin_opt.zero_grad()
        with ag.autocast("cpu", dtype=F16):
            twin_loss = F.cross_entropy(twin(x), t)
        (twin_loss * ag.tensor(scale)).backward()
        inv = ag.tensor(scale, dtype=ag.float64).reciprocal().float()
        with ag.no_grad():
            for p in twin.parameters():
                p.grad.mul_(inv)
        nn.utils.clip_grad_norm_(twin.parameters(), 1.0)
        twin_opt.step()
        scale = scale * 2.0 if step % 2 == 1 else scale
        assert scaler.get_scale() == scale
    for a, b in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_grad_scaler_on_the_strict_device_keeps_data_there():
    p = nn.Parameter(ag.ones(3, device=strict_backend.DEVICE))
    opt = optim.SGD([p], lr=1.0)
    scaler = ag.amp.GradScaler("cpu", init_scale=8.0, growth_interval=1)
    scaler.scale((p * p).sum()).backward()
    assert float(p.grad.cpu()[0]) == 16.0
    scaler.step(opt)
    scaler.update()
    assert p.device.type == strict_backend.DEVICE and scaler.get_scale() == 16.0
    np.testing.assert_array_equal(p.detach().cpu().numpy(), [-1.0, -1.0, -1.0])


def test_scale_nested_outputs():
    scaler = ag.amp.GradScaler("cpu", init_scale=4.0)
    out = scaler.scale([ag.tensor(2.0), (ag.tensor([1.0]), ag.tensor(3.0, dtype=ag.float64))])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[0].item() == 8.0 and out[1][0].tolist() == [4.0] and out[1][1].dtype == ag.float64
    assert scaler.scale(ag.tensor([1.0], dtype=F16)).dtype == F16  # a 0-d float32 scale doesn't promote
    with pytest.raises(ValueError, match="iterable of Tensors"):
        scaler.scale(3.0)


def test_disabled_scaler_is_a_pass_through():
    scaler = ag.amp.GradScaler("cpu", enabled=False)
    p = nn.Parameter(ag.ones(2))
    opt = optim.SGD([p], lr=1.0)
    loss = (p * 2).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    assert scaler.step(opt) is None and p.tolist() == [-1.0, -1.0]
    scaler.update()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    scaler.load_state_dict({})  # ignored, as in PyTorch


def test_scaler_misuse_errors_as_pytorch():
    p = nn.Parameter(ag.ones(2))
    opt = optim.SGD([p], lr=0.1)
    scaler = ag.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        scaler.step(opt)
    scaler.scale((p * p).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    scaler.update(new_scale=8.0)
    assert scaler.get_scale() == 8.0
    half = nn.Parameter(ag.ones(2, dtype=F16))
    half_opt = optim.SGD([half], lr=0.1)
    scaler.scale((half * half).sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(half_opt)
    with pytest.raises(AssertionError, match="growth factor"):
        ag.amp.GradScaler("cpu", growth_factor=1.0)


def test_state_dict_round_trip():
    scaler = ag.amp.GradScaler("cpu", init_scale=32.0, growth_interval=7)
    state = {"scale": 4.0, "growth_factor": 3.0, "backoff_factor": 0.125, "growth_interval": 5, "_growth_tracker": 2}
    scaler.load_state_dict(state)
    assert scaler.state_dict() == state
    assert scaler.get_growth_factor() == 3.0 and scaler.get_backoff_factor() == 0.125
    assert scaler.get_growth_interval() == 5
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        scaler.load_state_dict({})


@pytest.mark.skipif(ag.cuda.is_available(), reason="checks the no-GPU path")
def test_cuda_scaler_without_gpu_warns_and_disables():
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        scaler = ag.amp.GradScaler()
    assert not scaler.is_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy = ag.cuda.amp.GradScaler(init_scale=8.0)
    assert caught[0].category is FutureWarning and not legacy.is_enabled()


@pytest.mark.cuda
def test_cuda_grad_scaler_skips_inf_steps():
    _cuda()
    p = nn.Parameter(ag.ones(2, device="cuda"))
    opt = optim.SGD([p], lr=0.1)
    scaler = ag.amp.GradScaler("cuda", init_scale=16.0)
    with ag.autocast("cuda"):
        loss = (p.half() * p.half()).sum().float()
    scaler.scale(loss).backward()
    with ag.no_grad():
        p.grad[0] = float("inf")
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 8.0 and p.cpu().tolist() == [1.0, 1.0]
