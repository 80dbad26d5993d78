"""Learning-rate schedulers without PyTorch: closed forms, checkpoint round trips, warnings and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as S


def make_opt(name="SGD", lrs=(0.1, 0.05), **kw):
    groups = [{"params": [ag.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if name == "SGD":
        kw.setdefault("momentum", 0.9)
    return getattr(optim, name)(groups, **kw)


def lrs_over(sched, opt, steps, metrics=None):
    out = [list(sched.get_last_lr())]
    for t in range(steps):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[t])
        out.append(list(sched.get_last_lr()))
    return out


def test_closed_forms():
    """The recursive forms agree with each scheduler's closed form (up to rounding)."""
    base = [0.1, 0.05]
    cases = [
        (lambda o: S.StepLR(o, step_size=3, gamma=0.5), lambda t, b: b * 0.5 ** (t // 3)),
        (lambda o: S.MultiStepLR(o, [2, 5, 5], gamma=0.1), lambda t, b: b * 0.1 ** ((t >= 2) + 2 * (t >= 5))),
        (lambda o: S.ExponentialLR(o, gamma=0.9), lambda t, b: b * 0.9**t),
        (
            lambda o: S.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
            lambda t, b: 0.01 + (b - 0.01) * (1 + math.cos(math.pi * t / 8)) / 2,
        ),
        (lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)), lambda t, b: b / (1 + t)),
        (
            lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.8, total_iters=4),
            lambda t, b: b * (0.2 + 0.6 * min(t, 4) / 4),
        ),
    ]
    for make, closed in cases:
        opt = make_opt()
        sched = make(opt)
        got = lrs_over(sched, opt, 20)
        for t, lrs in enumerate(got):
            np.testing.assert_allclose(lrs, [closed(t, b) for b in base], rtol=1e-12, err_msg=f"{type(sched)} t={t}")


def test_cosine_continues_past_t_max_as_pytorch():
    opt = make_opt(lrs=(1.0,))
    got = [lrs[0] for lrs in lrs_over(S.CosineAnnealingLR(opt, T_max=4), opt, 8)]
    np.testing.assert_allclose(got, [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.146447, 0.5, 0.853553, 1.0], atol=1e-6)


def test_one_cycle_shape():
    opt = make_opt(lrs=(0.1,))
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=20, pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    lrs, moms = [sched.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(19):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    assert lrs[0] == pytest.approx(0.1) and moms[0] == pytest.approx(0.95)
    assert max(lrs) == pytest.approx(1.0) and int(np.argmax(lrs)) == 4  # peak at pct_start * total - 1
    assert moms[4] == pytest.approx(0.85)
    assert lrs[-1] == pytest.approx(0.1 / 100)
    assert all(a <= b for a, b in zip(lrs[:5], lrs[1:5])) and all(a >= b for a, b in zip(lrs[4:], lrs[5:]))
    opt.step()
    sched.step()  # step 20 is allowed (PyTorch checks step_num > total_steps)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        sched.step()


def test_one_cycle_cycles_beta1_of_adam():
    opt = make_opt("Adam", lrs=(0.1,), betas=(0.9, 0.99))
    sched = S.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=5)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99)
    opt.step()
    sched.step()  # half way up the warm-up: beta1 half way down
    assert 0.85 < opt.param_groups[0]["betas"][0] < 0.95 and opt.param_groups[0]["betas"][1] == 0.99


def test_reduce_lr_on_plateau_patience_cooldown_and_min_lr():
    opt = make_opt(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.3)
    got = [lrs[0] for lrs in lrs_over(sched, opt, 10, [1.0] * 10)]
    # epoch 1 sets the best; epochs 2-4 are bad -> reduce after the third (> patience);
    # epoch 5 is cooldown (not counted); epochs 6-8 bad -> reduce again, clipped at min_lr
    assert got == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3]
    improving = S.ReduceLROnPlateau(make_opt(lrs=(1.0,)), patience=0)
    for m in [5.0, 4.0, 3.0]:
        improving.step(ag.tensor(m))  # one-element tensors are accepted
    assert improving.get_last_lr() == [1.0] and improving.best == 3.0


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.StepLR(o, step_size=2, gamma=0.5),
        lambda o: S.MultiStepLR(o, milestones=[3, 6]),
        lambda o: S.ExponentialLR(o, gamma=0.8),
        lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
        lambda o: S.LinearLR(o, start_factor=0.5, total_iters=7),
        lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=20, three_phase=True),
        lambda o: S.ReduceLROnPlateau(o, patience=1, factor=0.5),
        lambda o: S.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 / (1 + e)]),
        lambda o: S.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=2, step_size_down=3, mode="exp_range", gamma=0.9),
    ],
    ids=[
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "LinearLR",
        "OneCycleLR",
        "Plateau",
        "Lambda",
        "CyclicLR",
    ],
)
def test_state_dict_round_trip_resumes_identically(make):
    metrics = [3.0, 2.0, 2.0, 2.0, 2.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    is_plateau = lambda s: isinstance(s, S.ReduceLROnPlateau)  # noqa: E731
    opt = make_opt()
    sched = make(opt)
    lrs_over(sched, opt, 6, metrics[:6] if is_plateau(sched) else None)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    cont = lrs_over(sched, opt, 9, metrics[6:] if is_plateau(sched) else None)

    fresh_opt = make_opt(lrs=(0.7, 0.7))
    fresh = make(fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    resumed = lrs_over(fresh, fresh_opt, 9, metrics[6:] if is_plateau(fresh) else None)
    assert resumed == cont


def test_lambda_lr_saves_callable_objects_state_but_not_functions():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, e):
            return self.rate**e

    obj = Decay()
    sched = S.LambdaLR(make_opt(), [obj, lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    obj.rate = 0.9
    sched.load_state_dict(sd)
    assert obj.rate == 0.5 and "lr_lambdas" in sd


def test_resuming_with_last_epoch_needs_initial_lr():
    opt = make_opt()
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(opt, step_size=2, last_epoch=3)
    S.StepLR(opt, step_size=2)  # sets initial_lr
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    resumed = S.ExponentialLR(opt, gamma=0.5, last_epoch=3)
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == [0.1, 0.05]  # construction does not advance


def test_warnings_as_pytorch():
    opt = make_opt()
    sched = S.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(5)
    opt2 = make_opt()
    sched2 = S.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda o: S.StepLR(object(), 1), TypeError, "is not an Optimizer"),
        (lambda o: S.LinearLR(o, start_factor=0.0), ValueError, "Starting multiplicative factor"),
        (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "Ending multiplicative factor"),
        (lambda o: S.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda o: S.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps OR"),
        (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "positive integer total_steps"),
        (lambda o: S.OneCycleLR(o, max_lr=[1.0], total_steps=5), ValueError, "max_lr has 1 values"),
        (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=2.0), ValueError, "pct_start"),
        (lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp"), ValueError, "anneal_strategy"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0"),
        (lambda o: S.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown"),
        (lambda o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x is unknown"),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    ],
)
def test_bad_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make(make_opt())


def test_one_cycle_refuses_an_optimizer_without_momentum():
    with pytest.raises(ValueError, match="momentum or beta1"):
        S.OneCycleLR(make_opt("Adagrad"), max_lr=1.0, total_steps=5)
