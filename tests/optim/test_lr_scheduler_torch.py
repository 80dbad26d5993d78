"""Every learning-rate scheduler against PyTorch's: the same lr (and momentum/beta1) sequence, step by step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim

torch = pytest.importorskip("torch")


def _decay(e):
    return 0.95**e


def _warmup(e):
    return min(1.0, (e + 1) / 4)


def _per_cycle(c):
    return 1 / (1 + 0.5 * (c - 1))


def _per_iteration(i):
    return 0.97**i


# (scheduler name, kwargs, steps, optimizer name): kwargs may be a function of the framework (for callables).
CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5), 20, "SGD"),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), 15, "SGD"),
    ("ExponentialLR", dict(gamma=0.9), 20, "SGD"),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001), 40, "SGD"),
    ("CosineAnnealingLR", dict(T_max=10), 25, "Adam"),
    ("LambdaLR", dict(lr_lambda=_decay), 15, "SGD"),
    ("LambdaLR", dict(lr_lambda=[_decay, _warmup]), 15, "SGD"),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=6), 12, "SGD"),
    ("LinearLR", dict(), 8, "Adam"),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=25), 24, "SGD"),
    (
        "OneCycleLR",
        dict(
            max_lr=[1.0, 0.3],
            epochs=5,
            steps_per_epoch=5,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        24,
        "SGD",
    ),
    ("OneCycleLR", dict(max_lr=0.01, total_steps=30, pct_start=0.25, base_momentum=0.8, max_momentum=0.9), 29, "Adam"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=12, cycle_momentum=False), 11, "Adagrad"),
    ("MultiplicativeLR", dict(lr_lambda=_decay), 12, "SGD"),
    ("MultiplicativeLR", dict(lr_lambda=[_decay, _warmup]), 12, "Adam"),
    ("ConstantLR", dict(factor=0.5, total_iters=3), 8, "SGD"),
    ("ConstantLR", dict(), 8, "Adam"),
    ("PolynomialLR", dict(total_iters=8, power=2.0), 12, "SGD"),
    ("PolynomialLR", dict(), 8, "Adam"),
    ("CosineAnnealingWarmRestarts", dict(T_0=5), 23, "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01), 40, "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4), 25, "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.5], step_size_up=3, mode="triangular2"), 30, "SGD"),
    ("CyclicLR", dict(base_lr=[0.001, 0.002], max_lr=0.01, step_size_up=2, step_size_down=5), 29, "RMSprop"),
    (
        "CyclicLR",
        dict(base_lr=0.001, max_lr=0.01, step_size_up=5, mode="exp_range", gamma=0.95, base_momentum=0.85),
        33,
        "Adam",
    ),
    (
        "CyclicLR",
        dict(
            base_lr=0.001, max_lr=0.006, step_size_up=3, step_size_down=2, base_momentum=[0.7, 0.8], max_momentum=0.95
        ),
        23,
        "AdamW",
    ),
    ("CyclicLR", dict(base_lr=0.02, max_lr=0.2, step_size_up=3, scale_fn=_per_cycle), 26, "SGD"),
    (
        "CyclicLR",
        dict(base_lr=0.02, max_lr=0.2, step_size_up=4, scale_fn=_per_iteration, scale_mode="iterations"),
        26,
        "NAdam",
    ),
    ("CyclicLR", dict(base_lr=0.05, max_lr=0.5, step_size_up=2, mode="bogus", scale_fn=_per_cycle), 12, "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", cycle_momentum=False), 15, "Adagrad"),
]


def _ids(case):
    return f"{case[0]}-{case[3]}-{sorted(case[1])}"


def _optimizers(opt_name):
    extra = {"SGD": dict(momentum=0.9)}.get(opt_name, {})

    def build(lib, tensor):
        ps = [tensor([1.0, 2.0]), tensor([3.0])]
        for p in ps:
            p.requires_grad_(True)
        return getattr(lib, opt_name)([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}], lr=0.1, **extra)

    return build(optim, ag.tensor), build(torch.optim, torch.tensor)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _run(sched, opt, steps, metrics=None):
    lrs, moms = [sched.get_last_lr()], [_momenta(opt)]
    for t in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
        lrs.append(list(sched.get_last_lr()))
        moms.append(_momenta(opt))
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return lrs, moms


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_lr_sequence_matches_pytorch(case):
    name, kw, steps, opt_name = case
    opt, topt = _optimizers(opt_name)
    ours, theirs = getattr(optim.lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, steps), _run(theirs, topt, steps)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.array(moms, dtype=float), np.array(tmoms, dtype=float), rtol=1e-14, atol=0)
    assert ours.last_epoch == theirs.last_epoch


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_a_pytorch_scheduler_state_dict_loads_and_resumes(case):
    name, kw, steps, opt_name = case
    opt, topt = _optimizers(opt_name)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    _run(theirs, topt, steps // 2)
    ours = getattr(optim.lr_scheduler, name)(opt, **kw)
    osd = topt.state_dict()
    opt.load_state_dict({"state": {}, "param_groups": osd["param_groups"]})
    ours.load_state_dict(theirs.state_dict())
    rest = steps - steps // 2
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, rest), _run(theirs, topt, rest)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.array(moms, dtype=float), np.array(tmoms, dtype=float), rtol=1e-14, atol=0)


PLATEAU_CASES = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, factor=0.5, threshold=0.05),
    dict(patience=1, threshold_mode="abs", threshold=0.2, cooldown=2, factor=0.3),
    dict(mode="max", threshold_mode="abs", patience=0, min_lr=[0.01, 0.02], factor=0.5),
    dict(patience=0, factor=0.5, min_lr=0.004, eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU_CASES, ids=str)
def test_reduce_lr_on_plateau_matches_pytorch(kw):
    rng = np.random.default_rng(3)
    metrics = list(np.round(np.cumsum(rng.standard_normal(40)) * 0.3 + 5, 3))
    metrics[10:25] = [metrics[9]] * 15  # a plateau
    opt, topt = _optimizers("SGD")
    ours = optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    (lrs, _), (tlrs, _) = _run(ours, opt, 40, metrics), _run(theirs, topt, 40, [float(m) for m in metrics])
    assert lrs == tlrs
    assert ours.num_bad_epochs == theirs.num_bad_epochs and ours.best == theirs.best


def test_step_with_an_epoch_uses_the_closed_form_like_pytorch():
    opt, topt = _optimizers("SGD")
    ours = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 7, 4]:
            opt.step()
            topt.step()
            ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()


def _cyclic_pair(opt_name, **kw):
    opt, topt = _optimizers(opt_name)
    return opt, optim.lr_scheduler.CyclicLR(opt, **kw), topt, torch.optim.lr_scheduler.CyclicLR(topt, **kw)


def test_cyclic_lr_sets_the_groups_like_pytorch_at_construction():
    """lr = base_lr, momentum (or beta1) = max_momentum, and the groups' max/base_momentum and initial_lr keys."""
    for opt_name in ["SGD", "Adam"]:
        opt, ours, topt, theirs = _cyclic_pair(opt_name, base_lr=[0.01, 0.02], max_lr=0.1, max_momentum=[0.9, 0.95])
        for g, tg in zip(opt.param_groups, topt.param_groups):
            assert g.keys() == tg.keys()
            assert {k: v for k, v in g.items() if k != "params"} == {k: v for k, v in tg.items() if k != "params"}
        assert ours.get_last_lr() == theirs.get_last_lr() == [0.01, 0.02]
        assert ours.state_dict() == theirs.state_dict()


def test_cyclic_lr_after_another_scheduler_starts_from_the_earlier_initial_lr_like_pytorch():
    """PyTorch runs the first step with base_lrs = the groups' ``initial_lr`` (set by the first scheduler)."""
    opt, topt = _optimizers("SGD")
    optim.lr_scheduler.StepLR(opt, step_size=2)
    torch.optim.lr_scheduler.StepLR(topt, step_size=2)
    ours = optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=3)
    theirs = torch.optim.lr_scheduler.CyclicLR(topt, base_lr=0.01, max_lr=0.2, step_size_up=3)
    assert ours.get_last_lr() == theirs.get_last_lr() == [0.1, 0.05]
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, 8), _run(theirs, topt, 8)
    assert lrs == tlrs and moms == tmoms


def test_cyclic_lr_resumed_with_last_epoch_matches_pytorch():
    opt, topt = _optimizers("Adam")
    kw = dict(base_lr=0.001, max_lr=0.01, step_size_up=4, mode="triangular2")
    optim.lr_scheduler.CyclicLR(opt, **kw)
    torch.optim.lr_scheduler.CyclicLR(topt, **kw)
    ours = optim.lr_scheduler.CyclicLR(opt, **kw, last_epoch=6)
    theirs = torch.optim.lr_scheduler.CyclicLR(topt, **kw, last_epoch=6)
    assert ours.last_epoch == theirs.last_epoch == 7
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, 12), _run(theirs, topt, 12)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.array(moms, dtype=float), np.array(tmoms, dtype=float), rtol=1e-14, atol=0)


class _Damped:
    """A callable object: its ``__dict__`` goes into the state dict (a function's does not)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate ** (x - 1)


@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_cyclic_lr_custom_scale_fn_and_its_state_like_pytorch(scale_mode):
    kw = dict(base_lr=0.01, max_lr=0.3, step_size_up=3, step_size_down=2, scale_mode=scale_mode)
    opt, ours, topt, theirs = _cyclic_pair("SGD", scale_fn=_Damped(0.8), **kw)
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, 14), _run(theirs, topt, 14)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.array(moms, dtype=float), np.array(tmoms, dtype=float), rtol=1e-14, atol=0)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sd == tsd and sd["_scale_fn_custom"] == {"rate": 0.8} and "_scale_fn_ref" not in sd

    # PyTorch's state (rate 0.8) loads into a scheduler built with another rate and resumes the same.
    opt2, topt2 = _optimizers("SGD")
    fn = _Damped(0.5)
    resumed = optim.lr_scheduler.CyclicLR(opt2, scale_fn=fn, **kw)
    opt2.load_state_dict({"state": {}, "param_groups": topt.state_dict()["param_groups"]})
    resumed.load_state_dict(tsd)
    assert fn.rate == 0.8 and resumed.scale_mode == scale_mode
    (lrs, moms), (tlrs, tmoms) = _run(resumed, opt2, 9), _run(theirs, topt, 9)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
    np.testing.assert_allclose(np.array(moms, dtype=float), np.array(tmoms, dtype=float), rtol=1e-14, atol=0)


def test_cyclic_lr_state_dict_matches_pytorch_and_drops_a_function_scale_fn():
    for kw in [
        dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9),
        dict(base_lr=0.01, max_lr=0.1, scale_fn=_per_iteration, scale_mode="iterations", cycle_momentum=False),
        dict(base_lr=0.01, max_lr=0.1, scale_fn=lambda c: 1.0),
    ]:
        opt, ours, topt, theirs = _cyclic_pair("SGD", **kw)
        _run(ours, opt, 5)
        _run(theirs, topt, 5)
        sd, tsd = ours.state_dict(), theirs.state_dict()
        assert sd == tsd and sd["_scale_fn_custom"] is None and "_scale_fn_ref" not in sd
        ours.load_state_dict(sd)
        assert "_scale_fn_custom" in sd  # the caller's dict is not emptied (PyTorch pops it)
        assert ours.scale_fn(2) == theirs.scale_fn(2)


def test_cyclic_lr_exp_range_state_rebuilds_its_scale_fn_from_gamma_like_pytorch():
    """load_state_dict re-derives the built-in scaling (and scale_mode) from the loaded mode and gamma."""
    opt, ours, topt, theirs = _cyclic_pair("SGD", base_lr=0.01, max_lr=0.1, step_size_up=2)
    _, tsrc_opt = _optimizers("SGD")
    tsrc = torch.optim.lr_scheduler.CyclicLR(
        tsrc_opt, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.8
    )
    _run(tsrc, tsrc_opt, 3)
    ours.load_state_dict(tsrc.state_dict())
    theirs.load_state_dict(tsrc.state_dict())
    assert ours.scale_mode == theirs.scale_mode == "iterations"
    assert ours.scale_fn(3) == theirs.scale_fn(3) == 0.8**3
    (lrs, _), (tlrs, _) = _run(ours, opt, 6), _run(theirs, topt, 6)
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "opt_name, kw",
    [
        ("SGD", dict(base_lr=0.01, max_lr=0.1, mode="triangular3")),
        ("Adagrad", dict(base_lr=0.01, max_lr=0.1)),
        ("Adadelta", dict(base_lr=0.01, max_lr=0.1, mode="exp_range")),
        ("SGD", dict(base_lr=0.01, max_lr=[0.1, 0.2, 0.3])),
        ("SGD", dict(base_lr=[0.01], max_lr=0.1)),
        ("Adam", dict(base_lr=0.01, max_lr=0.1, base_momentum=[0.8])),
        ("SGD", dict(base_lr=0.01, max_lr=0.1, max_momentum=(0.9, 0.9, 0.9))),
    ],
)
def test_cyclic_lr_refuses_what_pytorch_refuses(opt_name, kw):
    opt, topt = _optimizers(opt_name)
    with pytest.raises(ValueError) as theirs:
        torch.optim.lr_scheduler.CyclicLR(topt, **kw)
    with pytest.raises(ValueError) as ours:
        optim.lr_scheduler.CyclicLR(opt, **kw)
    assert str(ours.value) == str(theirs.value)


def test_cyclic_lr_refuses_a_non_optimizer_like_pytorch():
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        optim.lr_scheduler.CyclicLR([], base_lr=0.01, max_lr=0.1)
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        torch.optim.lr_scheduler.CyclicLR([], base_lr=0.01, max_lr=0.1)


def test_cyclic_lr_without_cycle_momentum_leaves_momentum_alone_like_pytorch():
    opt, ours, topt, theirs = _cyclic_pair("SGD", base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False)
    (lrs, moms), (tlrs, tmoms) = _run(ours, opt, 6), _run(theirs, topt, 6)
    assert moms == tmoms == [[0.9, 0.9]] * 7
    assert "max_momentum" not in opt.param_groups[0] and opt.param_groups[0].keys() == topt.param_groups[0].keys()
    np.testing.assert_allclose(np.array(lrs, dtype=float), np.array(tlrs, dtype=float), rtol=1e-14, atol=0)
