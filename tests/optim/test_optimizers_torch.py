"""Every optimizer against PyTorch's: same parameters, same gradient sequence, float64, every step."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import optim
from tests.optim._cases import CASES, case_id, grad_sequence, host, initial_params, make_ours, run_ours

torch = pytest.importorskip("torch")

STEPS = 8
RTOL, ATOL = 1e-11, 1e-13


def make_torch(name, kw, values):
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    return params, getattr(torch.optim, name)(params, **kw)


def run_torch(params, opt, grads):
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def assert_histories_match(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, param {i}")


def assert_states_match(our_opt, torch_opt):
    ours, theirs = our_opt.state_dict(), torch_opt.state_dict()
    assert set(ours["state"]) == set(theirs["state"])
    for idx, tstate in theirs["state"].items():
        assert set(ours["state"][idx]) == set(tstate), f"state keys of param {idx}"
        for key, tv in tstate.items():
            np.testing.assert_allclose(host(ours["state"][idx][key]), tv.numpy(), rtol=RTOL, atol=ATOL, err_msg=key)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_steps_match_pytorch(case):
    name, kw = case
    values, grads = initial_params(), grad_sequence(STEPS)
    ours, opt = make_ours(name, kw, values)
    theirs, topt = make_torch(name, kw, values)
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))
    assert_states_match(opt, topt)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RMSprop", "Adagrad", "Adadelta"])
def test_param_groups_with_their_own_options_match_pytorch(name):
    values, grads = initial_params(3), grad_sequence(5, seed=4)
    extra = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5}}.get(name, {})
    ours = [ag.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.003, "weight_decay": 0.2}]  # noqa: E731
    opt = getattr(optim, name)(groups(ours), lr=0.05, **extra)
    topt = getattr(torch.optim, name)(groups(theirs), lr=0.05, **extra)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))
    assert_states_match(opt, topt)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_pytorch_state_dict_converted_to_arrays_resumes_identically(case):
    """Take PyTorch's optimizer state after 3 steps, load it into ours, and continue both: the same path.

    (Continuing PyTorch's own optimizer, not a reloaded one: PyTorch's load_state_dict casts NAdam's
    float32 mu_product to float64, which changes its path at the 1e-11 level; ours keeps the dtype.)
    """
    name, kw = case
    values, grads = initial_params(), grad_sequence(7)
    theirs, topt = make_torch(name, kw, values)
    run_torch(theirs, topt, grads[:3])
    sd = topt.state_dict()
    converted = {
        "state": {i: {k: v.numpy().copy() for k, v in s.items()} for i, s in sd["state"].items()},
        "param_groups": [dict(g) for g in sd["param_groups"]],
    }
    ours, opt = make_ours(name, kw, [p.detach().numpy() for p in theirs])
    opt.load_state_dict(converted)
    assert_histories_match(run_ours(ours, opt, grads[3:]), run_torch(theirs, topt, grads[3:]))
    assert_states_match(opt, topt)


def test_nn_training_loop_matches_pytorch_sgd_nesterov_and_adam():
    """The usual loop (zero_grad, backward, step) on a tiny least-squares problem gives PyTorch's iterates."""
    rng = np.random.default_rng(7)
    X, y, w0 = rng.standard_normal((16, 3)), rng.standard_normal(16), rng.standard_normal(3)
    for name, kw in [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.05, amsgrad=True))]:
        w, tw = ag.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
        opt, topt = getattr(optim, name)([w], **kw), getattr(torch.optim, name)([tw], **kw)
        Xa, ya, Xt, yt = ag.tensor(X), ag.tensor(y), torch.tensor(X), torch.tensor(y)
        for _ in range(10):
            opt.zero_grad()
            ((Xa @ w - ya) ** 2).mean().backward()
            opt.step()
            topt.zero_grad()
            ((Xt @ tw - yt) ** 2).mean().backward()
            topt.step()
        np.testing.assert_allclose(host(w), tw.detach().numpy(), rtol=RTOL, atol=ATOL)
