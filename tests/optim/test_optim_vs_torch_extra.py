"""More of torch.optim's contract against PyTorch: a tensor lr, the kernel flags kept in every param
group (``foreach``/``fused``/...), ``fused=True`` accepted, and checkpoints without the newer flags."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim
from tests.optim._cases import grad_sequence, host, initial_params

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-11, 1e-13
NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RMSprop", "Adagrad", "Adadelta"]
# Options under which each optimizer turns the lr into other scalars (lr / bias_correction, 1 - lr*wd, ...).
OPTIONS = {
    "SGD": dict(momentum=0.9, weight_decay=0.1),
    "Adam": dict(weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True),
    "AdamW": dict(),
    "Adamax": dict(weight_decay=0.1),
    "NAdam": dict(weight_decay=0.1, decoupled_weight_decay=True),
    "RMSprop": dict(momentum=0.5, centered=True),
    "Adagrad": dict(lr_decay=0.1),
    "Adadelta": dict(weight_decay=0.1),
}


def _run(lib, tensor, name, kw, values, grads):
    params = [tensor(v, requires_grad=True) for v in values]
    opt = getattr(lib, name)(params, **kw)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else tensor(g)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt


def _assert_same_path(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, param {i}")


@pytest.mark.parametrize("name", NAMES)
def test_a_tensor_lr_gives_pytorchs_path(name):
    """``lr=tensor(0.013)`` (float32): PyTorch computes lr/bias_correction etc. in float32, and so must we."""
    values, grads = initial_params(5), grad_sequence(6, seed=6)
    kw = OPTIONS[name]
    ours, _ = _run(optim, ag.tensor, name, dict(kw, lr=ag.tensor(0.013)), values, grads)
    theirs, _ = _run(torch.optim, torch.tensor, name, dict(kw, lr=torch.tensor(0.013)), values, grads)
    _assert_same_path(ours, theirs)


@pytest.mark.parametrize("name", NAMES)
def test_a_tensor_lr_must_have_one_element(name):
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(optim, name)([ag.zeros(2, requires_grad=True)], lr=ag.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", NAMES)
def test_param_groups_and_state_dict_have_pytorchs_keys(name):
    opt = getattr(optim, name)([ag.zeros(2, requires_grad=True)], foreach=False)
    topt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], foreach=False)
    assert opt.param_groups[0].keys() == topt.param_groups[0].keys()
    group, tgroup = opt.state_dict()["param_groups"][0], topt.state_dict()["param_groups"][0]
    assert {k: v for k, v in group.items() if k != "lr"} == {k: v for k, v in tgroup.items() if k != "lr"}
    opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)], "lr": 0.5})
    topt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    assert opt.param_groups[1].keys() == topt.param_groups[1].keys()


@pytest.mark.parametrize(
    "name, kw",
    [
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
        ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
        ("AdamW", dict(lr=0.01)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ],
)
def test_fused_is_accepted_and_gives_pytorchs_path(name, kw):
    values, grads = initial_params(7), grad_sequence(6, seed=8, with_gaps=False)
    ours, opt = _run(optim, ag.tensor, name, dict(kw, fused=True), values, grads)
    theirs, topt = _run(torch.optim, torch.tensor, name, dict(kw, fused=True), values, grads)
    _assert_same_path(ours, theirs)
    assert opt.param_groups[0]["fused"] is True and topt.param_groups[0]["fused"] is True


def test_fused_and_foreach_together_are_refused_like_pytorch():
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        torch.optim.Adam([torch.zeros(1, requires_grad=True)], fused=True, foreach=True)
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        optim.Adam([ag.zeros(1, requires_grad=True)], fused=True, foreach=True)


def test_a_checkpoint_without_the_newer_flags_loads_and_steps_like_pytorch():
    """An old PyTorch checkpoint lacks ``maximize``/``foreach``/...: PyTorch fills their defaults on load."""
    values, grads = initial_params(9), grad_sequence(3, seed=10, with_gaps=False)
    _, topt = _run(torch.optim, torch.tensor, "SGD", dict(lr=0.1, momentum=0.9), values, grads)
    theirs = topt.param_groups[0]["params"]
    sd = topt.state_dict()
    old_groups = [
        {k: v for k, v in g.items() if k not in ("maximize", "foreach", "differentiable", "fused")}
        for g in sd["param_groups"]
    ]
    converted = {"state": {i: {k: v.numpy() for k, v in s.items()} for i, s in sd["state"].items()}}
    params = [ag.tensor(p.detach().numpy(), requires_grad=True) for p in theirs]
    opt = optim.SGD(params, lr=0.5)
    opt.load_state_dict(dict(converted, param_groups=old_groups))
    topt.load_state_dict(dict(sd, param_groups=[dict(g) for g in old_groups]))
    assert opt.param_groups[0].keys() == topt.param_groups[0].keys()
    for p, tp, g in zip(params, theirs, grads[0]):
        p.grad, tp.grad = ag.tensor(g), torch.tensor(g)
    opt.step()
    topt.step()
    for p, tp in zip(params, theirs):
        np.testing.assert_allclose(host(p), tp.detach().numpy(), rtol=RTOL, atol=ATOL)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 4])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.9**e)),
    ("LinearLR", dict(start_factor=0.2, total_iters=4)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=12)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("CyclicLR", dict(base_lr=0.3, max_lr=1.0, step_size_up=2, step_size_down=4, mode="triangular2")),
    ("ReduceLROnPlateau", dict(patience=0, factor=0.5)),
]


@pytest.mark.parametrize("name, kw", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_schedulers_fill_a_tensor_lr_in_place_like_pytorch(name, kw):
    """With a tensor lr PyTorch's schedulers keep the group's tensor (filled in place) and return tensor copies."""

    def run(lib, sched_lib, tensor, float64):
        p = tensor([1.0, 2.0], dtype=float64, requires_grad=True)
        opt = lib.SGD([p], lr=tensor(0.1), momentum=0.9)
        lr_tensor = opt.param_groups[0]["lr"]
        sched = getattr(sched_lib, name)(opt, **kw)
        lrs = []
        for _ in range(11):
            p.grad = tensor([1.0, -0.5], dtype=float64)
            opt.step()
            if name == "ReduceLROnPlateau":
                sched.step(1.0)
            else:
                sched.step()
            last = sched.get_last_lr()[0]
            assert opt.param_groups[0]["lr"] is lr_tensor
            assert type(last) is type(lr_tensor) and last is not lr_tensor
            lrs.append(last.item())
        return lrs, p.detach().numpy()

    lrs, p = run(optim, optim.lr_scheduler, ag.tensor, ag.float64)
    tlrs, tp = run(torch.optim, torch.optim.lr_scheduler, torch.tensor, torch.float64)
    assert lrs == tlrs
    np.testing.assert_allclose(p, tp, rtol=RTOL, atol=ATOL)


# (name, function of (scheduler module, optimizer) giving the kwargs, steps): schedulers made of schedulers.
COMPOSITE = [
    (
        "SequentialLR",
        lambda L, o: dict(
            schedulers=[L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=20)],
            milestones=[5],
        ),
        30,
    ),
    (
        "SequentialLR",
        lambda L, o: dict(
            schedulers=[L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, gamma=0.9), L.StepLR(o, 2)],
            milestones=[4, 10],
        ),
        20,
    ),
    (
        "SequentialLR",
        lambda L, o: dict(
            schedulers=[L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingWarmRestarts(o, T_0=4)],
            milestones=[6],
        ),
        20,
    ),
    (
        "ChainedScheduler",
        lambda L, o: dict(schedulers=[L.ConstantLR(o, factor=0.1, total_iters=2), L.ExponentialLR(o, 0.9)]),
        12,
    ),
    (
        "ChainedScheduler",
        lambda L, o: dict(
            schedulers=[L.LinearLR(o, start_factor=0.2, total_iters=4), L.MultiStepLR(o, [3, 8])], optimizer=o
        ),
        12,
    ),
]


def _composite(lib, sched_lib, tensor, name, make_kw):
    params = [tensor([1.0, 2.0], requires_grad=True), tensor([3.0], requires_grad=True)]
    opt = lib.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], lr=0.1, momentum=0.9)
    kw = make_kw(sched_lib, opt)
    sched = getattr(sched_lib, name)(**kw) if name == "ChainedScheduler" else getattr(sched_lib, name)(opt, **kw)
    return opt, sched


def _lr_path(opt, sched, steps):
    lrs = [list(sched.get_last_lr())]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return lrs


@pytest.mark.parametrize("case", COMPOSITE, ids=lambda c: c[0])
def test_sequential_and_chained_schedulers_match_pytorch(case):
    name, make_kw, steps = case
    ours = _composite(optim, optim.lr_scheduler, ag.tensor, name, make_kw)
    theirs = _composite(torch.optim, torch.optim.lr_scheduler, torch.tensor, name, make_kw)
    np.testing.assert_allclose(_lr_path(*ours, steps), _lr_path(*theirs, steps), rtol=1e-14, atol=0)


@pytest.mark.parametrize("case", COMPOSITE, ids=lambda c: c[0])
def test_a_pytorch_sequential_or_chained_state_dict_resumes(case):
    name, make_kw, steps = case
    topt, theirs = _composite(torch.optim, torch.optim.lr_scheduler, torch.tensor, name, make_kw)
    _lr_path(topt, theirs, steps // 2)
    opt, ours = _composite(optim, optim.lr_scheduler, ag.tensor, name, make_kw)
    opt.load_state_dict({"state": {}, "param_groups": topt.state_dict()["param_groups"]})
    ours.load_state_dict(theirs.state_dict())
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    rest = steps - steps // 2
    np.testing.assert_allclose(_lr_path(opt, ours, rest), _lr_path(topt, theirs, rest), rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "name, kw",
    [
        ("ConstantLR", dict(factor=0.5, total_iters=3)),
        ("PolynomialLR", dict(total_iters=8, power=2.0)),
        ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
        ("CosineAnnealingWarmRestarts", dict(T_0=3)),
    ],
)
def test_step_with_an_epoch_matches_pytorch_for_the_new_schedulers(name, kw):
    """``step(epoch)``: the closed forms, and SGDR's fractional epochs and restarts."""
    results = []
    for lib, sched_lib, tensor in [
        (optim, optim.lr_scheduler, ag.tensor),
        (torch.optim, torch.optim.lr_scheduler, torch.tensor),
    ]:
        opt = lib.SGD([tensor([1.0], requires_grad=True)], lr=0.1)
        sched = getattr(sched_lib, name)(opt, **kw)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [1, 5, 2.5, 7, 0, 12.3, 4]:
                opt.step()
                sched.step(epoch)
                out.append((sched.get_last_lr(), sched.last_epoch, getattr(sched, "T_cur", None)))
        results.append(out)
    assert results[0] == results[1]


def test_composite_schedulers_refuse_what_pytorch_refuses():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1)
    other = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1)
    L = optim.lr_scheduler
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        L.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestones"):
        L.SequentialLR(opt, [L.ConstantLR(opt), L.ConstantLR(opt)], milestones=[])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        L.ChainedScheduler([L.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        L.SequentialLR(opt, [L.ConstantLR(opt), L.ConstantLR(other)], milestones=[2])
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(TypeError, match="lr_lambda should be a function"):
        L.MultiplicativeLR(opt, 0.9)
