"""Optimizers without PyTorch: the written update formulas, checkpoint round trips, the base-class contract,
and the strict (NumPy-refusing) and CUDA devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import optim
from backends import DeviceError
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray
from tests.optim._cases import CASES, case_id, grad_sequence, host, initial_params, make_ours, run_ours


# ----------------------------------------------------------------------------- the formulas, in NumPy
def reference(name, kw, p, grads):
    """The update rules as the papers / PyTorch's documentation write them, for one parameter."""
    p = p.copy()
    out = []
    lr = kw.get(
        "lr",
        {
            "SGD": 1e-3,
            "Adam": 1e-3,
            "AdamW": 1e-3,
            "Adamax": 2e-3,
            "NAdam": 2e-3,
            "RMSprop": 1e-2,
            "Adagrad": 1e-2,
            "Adadelta": 1.0,
        }[name],
    )
    wd = kw.get("weight_decay", 1e-2 if name == "AdamW" else 0.0)
    b1, b2 = kw.get("betas", (0.9, 0.999))
    eps = kw.get("eps", {"Adagrad": 1e-10, "Adadelta": 1e-6}.get(name, 1e-8))
    m = v = vmax = u = buf = gavg = None
    mu_prod = 1.0
    acc = np.full_like(p, kw.get("initial_accumulator_value", 0.0))
    for t, g in enumerate(grads, start=1):
        g = -g if kw.get("maximize") else g.copy()
        decoupled = name == "AdamW" or kw.get("decoupled_weight_decay")
        if wd and decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        if name == "SGD":
            mom, damp = kw.get("momentum", 0.0), kw.get("dampening", 0.0)
            if mom:
                buf = g.copy() if buf is None else mom * buf + (1 - damp) * g
                g = g + mom * buf if kw.get("nesterov") else buf
            p = p - lr * g
        elif name in ("Adam", "AdamW"):
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            if kw.get("amsgrad"):
                vmax = v.copy() if vmax is None else np.maximum(vmax, v)
                v_hat = vmax / (1 - b2**t)
            else:
                v_hat = v / (1 - b2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        elif name == "Adamax":
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            u = np.abs(g) + eps if u is None else np.maximum(b2 * u, np.abs(g) + eps)
            p = p - lr / (1 - b1**t) * m / u
        elif name == "NAdam":
            psi = kw.get("momentum_decay", 4e-3)
            mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            mu_prod = float(np.float32(mu_prod) * np.float32(mu_t))  # PyTorch keeps this product in float32
            m = (1 - b1) * g if m is None else b1 * m + (1 - b1) * g
            v = (1 - b2) * g * g if v is None else b2 * v + (1 - b2) * g * g
            denom = np.sqrt(v / (1 - b2**t)) + eps
            p = p - lr * (1 - mu_t) / (1 - mu_prod) * g / denom - lr * mu_next / (1 - mu_prod * mu_next) * m / denom
        elif name == "RMSprop":
            alpha, mom = kw.get("alpha", 0.99), kw.get("momentum", 0.0)
            v = (1 - alpha) * g * g if v is None else alpha * v + (1 - alpha) * g * g
            if kw.get("centered"):
                gavg = (1 - alpha) * g if gavg is None else alpha * gavg + (1 - alpha) * g
                denom = np.sqrt(v - gavg * gavg) + eps
            else:
                denom = np.sqrt(v) + eps
            if mom:
                buf = g / denom if buf is None else mom * buf + g / denom
                p = p - lr * buf
            else:
                p = p - lr * g / denom
        elif name == "Adagrad":
            clr = lr / (1 + (t - 1) * kw.get("lr_decay", 0.0))
            acc = acc + g * g
            p = p - clr * g / (np.sqrt(acc) + eps)
        elif name == "Adadelta":
            rho = kw.get("rho", 0.9)
            v = (1 - rho) * g * g if v is None else rho * v + (1 - rho) * g * g
            u = np.zeros_like(p) if u is None else u
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            p = p - lr * delta
        out.append(p.copy())
    return out


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_steps_follow_the_written_update_formula(case):
    name, kw = case
    values, grads = initial_params(), grad_sequence(6, with_gaps=False)
    params, opt = make_ours(name, kw, values)
    history = run_ours(params, opt, grads)
    for i in range(len(values)):
        expected = reference(name, kw, values[i], [g[i] for g in grads])
        for t in range(len(grads)):
            np.testing.assert_allclose(history[t][i], expected[t], rtol=1e-10, atol=1e-12, err_msg=f"step {t}")


def test_hand_computed_first_steps():
    """A few single steps worked out on paper."""

    def one_step(name, p0, g, **kw):
        w = ag.tensor([p0], dtype=ag.float64, requires_grad=True)
        opt = getattr(optim, name)([w], **kw)
        w.grad = ag.tensor([g], dtype=ag.float64)
        opt.step()
        return w.item()

    assert one_step("SGD", 1.0, 2.0, lr=0.1) == pytest.approx(0.8, abs=1e-15)
    assert one_step("SGD", 1.0, 2.0, lr=0.1, weight_decay=0.5) == pytest.approx(1 - 0.1 * 2.5, abs=1e-15)
    assert one_step("SGD", 1.0, 2.0, lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(1 - 0.1 * 3.8, abs=1e-15)
    assert one_step("SGD", 1.0, 2.0, lr=0.1, maximize=True) == pytest.approx(1.2, abs=1e-15)
    # Adam's first step is lr * g / (|g| + eps*sqrt(1-b2)) after the corrections cancel: ~lr * sign(g)
    assert one_step("Adam", 1.0, 2.0, lr=0.1, eps=0.0) == pytest.approx(0.9, abs=1e-12)
    assert one_step("AdamW", 1.0, 2.0, lr=0.1, eps=0.0, weight_decay=0.5) == pytest.approx(0.95 - 0.1, abs=1e-12)
    assert one_step("Adamax", 1.0, -2.0, lr=0.1, eps=0.0) == pytest.approx(1.1, abs=1e-12)
    assert one_step("RMSprop", 1.0, 2.0, lr=0.01, alpha=0.75, eps=0.0) == pytest.approx(1 - 0.01 * 2 / 1.0, abs=1e-15)
    # centered: v = 0.25*4 = 1, gbar = 0.25*2 = 0.5, denom = sqrt(1 - 0.25)
    assert one_step("RMSprop", 1.0, 2.0, lr=0.01, alpha=0.75, eps=0.0, centered=True) == pytest.approx(
        1 - 0.01 * 2 / math.sqrt(0.75), abs=1e-15
    )
    assert one_step("Adagrad", 1.0, 2.0, lr=0.1, eps=0.0, initial_accumulator_value=5.0) == pytest.approx(
        1 - 0.1 * 2 / 3, abs=1e-15
    )
    assert one_step("Adadelta", 1.0, 2.0, rho=0.0, eps=0.25) == pytest.approx(1 - 0.5 / math.sqrt(4.25) * 2, abs=1e-15)
    # NAdam, momentum_decay=0: mu = mu_next = b1/2 = 0.45; m = 0.1*g; denom = |g| (eps=0)
    mu = 0.45
    expected = 1 - 0.1 * (1 - mu) / (1 - mu) * 1 - 0.1 * mu / (1 - mu * mu) * 0.1
    assert one_step("NAdam", 1.0, 2.0, lr=0.1, eps=0.0, momentum_decay=0.0) == pytest.approx(expected, abs=1e-7)


@given(
    lr=st.floats(1e-4, 1.0),
    momentum=st.floats(0.0, 0.99),
    wd=st.floats(0.0, 0.5),
    nesterov=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_sgd_formula_for_any_options(lr, momentum, wd, nesterov, seed):
    kw = dict(lr=lr, momentum=momentum, weight_decay=wd, nesterov=nesterov and momentum > 0)
    rng = np.random.default_rng(seed)
    p0, grads = rng.standard_normal(4), [rng.standard_normal(4) for _ in range(4)]
    params, opt = make_ours("SGD", kw, [p0])
    history = run_ours(params, opt, [[g] for g in grads])
    for got, want in zip(history, reference("SGD", kw, p0, grads)):
        np.testing.assert_allclose(got[0], want, rtol=1e-10, atol=1e-12)


@given(b1=st.floats(0.0, 0.99), b2=st.floats(0.0, 0.999), amsgrad=st.booleans(), seed=st.integers(0, 2**16))
def test_adam_formula_for_any_betas(b1, b2, amsgrad, seed):
    kw = dict(lr=0.01, betas=(b1, b2), amsgrad=amsgrad)
    rng = np.random.default_rng(seed)
    p0, grads = rng.standard_normal(4), [rng.standard_normal(4) for _ in range(4)]
    params, opt = make_ours("Adam", kw, [p0])
    history = run_ours(params, opt, [[g] for g in grads])
    for got, want in zip(history, reference("Adam", kw, p0, grads)):
        np.testing.assert_allclose(got[0], want, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_round_trip_resumes_bit_identically(case):
    name, kw = case
    grads = grad_sequence(8)
    params, opt = make_ours(name, kw, initial_params())
    run_ours(params, opt, grads[:4])
    saved_opt = opt.state_dict()
    saved_params = [host(p) for p in params]
    frozen = {
        i: {k: host(v) for k, v in st.items() if isinstance(v, ag.Tensor)} for i, st in saved_opt["state"].items()
    }
    continued = run_ours(params, opt, grads[4:])

    fresh, fresh_opt = make_ours(name, kw, saved_params)
    fresh_opt.load_state_dict(saved_opt)
    resumed = run_ours(fresh, fresh_opt, grads[4:])
    for a, b in zip(continued, resumed):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)
    # the state_dict taken earlier is a snapshot: the later steps did not change it
    for idx, state in frozen.items():
        for key, value in state.items():
            assert np.array_equal(host(saved_opt["state"][idx][key]), value)


def test_state_dict_has_pytorch_layout():
    a, b, c = (ag.zeros(2, requires_grad=True) for _ in range(3))
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}], lr=0.01, amsgrad=True)
    for p in (a, c):
        p.grad = ag.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.01, 0.1]
    assert sorted(sd["state"]) == [0, 2]  # b had no grad: no state
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"].dtype == ag.float32 and sd["state"][0]["step"].item() == 1.0
    # string keys (what a JSON-based format gives back) load as well
    opt2 = optim.Adam([{"params": [a, b]}, {"params": [c]}], lr=0.5)
    opt2.load_state_dict({"state": {str(k): v for k, v in sd["state"].items()}, "param_groups": sd["param_groups"]})
    assert opt2.param_groups[1]["lr"] == 0.1 and opt2.state[c]["step"].item() == 1.0
    assert opt2.param_groups[0]["params"][1] is b


def test_load_state_dict_checks_everything_before_changing_anything():
    w, v = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    opt = optim.SGD([w, v], lr=0.1, momentum=0.9)
    w.grad, v.grad = ag.ones(2), ag.ones(3)
    opt.step()
    before = opt.state_dict()

    one_group = optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="doesn't match the size"):
        one_group.load_state_dict(before)
    two_groups = optim.SGD([{"params": [w]}, {"params": [v]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two_groups.load_state_dict(before)
    swapped = optim.SGD([v, w], lr=0.7, momentum=0.9)  # same count, wrong shapes
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        swapped.load_state_dict(before)
    assert swapped.param_groups[0]["lr"] == 0.7 and len(swapped.state) == 0
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_state_follows_the_parameters_dtype_on_load():
    w = ag.zeros(2, dtype=ag.float32, requires_grad=True)
    opt = optim.Adam([w])
    sd = {
        "state": {0: {"step": np.array(3.0, dtype=np.float32), "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)}},
        "param_groups": [{**{k: v for k, v in opt.defaults.items()}, "params": [0]}],
    }
    opt.load_state_dict(sd)
    assert opt.state[w]["exp_avg"].dtype == ag.float32
    assert opt.state[w]["step"].dtype == ag.float32 and opt.state[w]["step"].item() == 3.0


# ----------------------------------------------------------------------------- the base class
def test_param_groups_defaults_and_add_param_group():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)
    opt = optim.SGD([{"params": a}], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[0]["params"] == [a] and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = ag.ones(2), ag.ones(2)
    opt.step()
    np.testing.assert_allclose(host(a), [-0.1, -0.1])
    np.testing.assert_allclose(host(b), [-0.01, -0.01])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([b])


def test_named_parameters_are_accepted():
    a = ag.zeros(2, requires_grad=True)
    opt = optim.SGD([("layer.weight", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["layer.weight"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight"]


def test_required_options():
    from optim.optimizer import Optimizer, required

    class Custom(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Custom([ag.zeros(1, requires_grad=True)])
    assert Custom([{"params": [ag.zeros(1, requires_grad=True)], "lr": 0.3}]).param_groups[0]["lr"] == 0.3
    with pytest.raises(NotImplementedError, match="does not implement step"):
        Custom([ag.zeros(1, requires_grad=True)], lr=0.1).step()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.SGD(p, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
        (lambda p: optim.Adam(p, lr=-1), "Invalid learning rate"),
        (lambda p: optim.Adam(p, eps=-1), "Invalid epsilon value: -1"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
        (lambda p: optim.Adamax(p, weight_decay=-1), "Invalid weight_decay value"),
        (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value"),
        (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
        (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    ],
)
def test_bad_options_are_refused_as_pytorch_does(make, match):
    with pytest.raises(ValueError, match=match):
        make([ag.zeros(1, requires_grad=True)])


def test_bad_params_are_refused():
    w = ag.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(NotImplementedError, match="capturable=True"):
        optim.Adam([w], capturable=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.SGD([{"params": [w], "differentiable": True}], lr=0.1)
    optim.Adam([w], foreach=False)  # accepted for compatibility; one code path
    optim.Adam([w], fused=True)  # the same update in one kernel in PyTorch: accepted, one code path here
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        optim.AdamW([w], fused=True, foreach=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = ag.ones(3)
    with pytest.raises(RuntimeError, match=r"shape \(2,\) has a .grad of shape \(3,\)"):
        opt.step()


def test_zero_grad_and_skipped_parameters():
    a, b = ag.ones(2, requires_grad=True), ag.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = ag.ones(2)
    opt.step()
    assert b not in opt.state and np.array_equal(host(b), [1.0, 1.0])  # no grad: untouched, no state
    assert not np.array_equal(host(a), [1.0, 1.0])
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and np.array_equal(host(a.grad), [0.0, 0.0]) and b.grad is None
    opt.zero_grad()
    assert a.grad is None


def test_zero_grad_detaches_a_grad_built_with_create_graph():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w**3).sum().backward(create_graph=True)
    assert w.grad.requires_grad
    optim.SGD([w], lr=0.1).zero_grad(set_to_none=False)
    assert not w.grad.requires_grad and np.array_equal(host(w.grad), [0.0, 0.0])


def test_step_returns_the_closure_loss_and_records_no_graph():
    w = ag.tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still runs with grad enabled
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.item() == 1.5
    assert w.grad_fn is None and w.is_leaf


def test_repr_lists_each_group():
    text = repr(optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_strict_device_gives_cpu_results(case):
    name, kw = case
    grads = grad_sequence(4)
    params, opt = make_ours(name, kw, initial_params(), device=STRICT)
    on_strict = run_ours(params, opt, grads, device=STRICT)
    assert all(isinstance(p._data, StrictArray) for p in params)
    for state in opt.state.values():
        for key, value in state.items():
            if key not in ("step", "mu_product"):
                assert isinstance(value._data, StrictArray), key
    cpu_params, cpu_opt = make_ours(name, kw, initial_params())
    for a, b in zip(on_strict, run_ours(cpu_params, cpu_opt, grads)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)
    # and a checkpoint taken on the strict device resumes there
    fresh, fresh_opt = make_ours(name, kw, [host(p) for p in params], device=STRICT)
    fresh_opt.load_state_dict(opt.state_dict())
    for a, b in zip(run_ours(fresh, fresh_opt, grads, device=STRICT), run_ours(params, opt, grads, device=STRICT)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)


def _cuda():
    try:
        return ag.get_device("cuda")
    except DeviceError as e:
        pytest.skip(f"no cuda device: {e}")


@pytest.mark.cuda
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cuda_matches_cpu(case):
    _cuda()
    name, kw = case
    grads = grad_sequence(5)
    params, opt = make_ours(name, kw, initial_params(), device="cuda")
    on_gpu = run_ours(params, opt, grads, device="cuda")
    assert all(p.device.type == "cuda" for p in params)
    cpu_params, cpu_opt = make_ours(name, kw, initial_params())
    for a, b in zip(on_gpu, run_ours(cpu_params, cpu_opt, grads)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
