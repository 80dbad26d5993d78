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
