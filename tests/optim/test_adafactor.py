"""``optim.Adafactor`` against ``torch.optim.Adafactor``: every step, the factored state, checkpoints, errors,
and the strict (NumPy-refusing) device."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import optim
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray
from tests.optim._cases import host

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-11, 1e-13
# A matrix, a vector, a batch of matrices (factored over the last two dimensions) and a scalar.
SHAPES = [(3, 4), (5,), (2, 3, 4), ()]

CASES = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.02, weight_decay=0.1),
    dict(lr=0.05, maximize=True),
    dict(lr=0.3, beta2_decay=-0.5, eps=(1e-12, 1e-2), d=1.5),
    dict(lr=0.05, weight_decay=0.2, maximize=True, eps=(None, 0.0), foreach=True),
    dict(lr=0.01, d=4.0, beta2_decay=0.0),
]


def case_id(kw) -> str:
    return ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults"


def initial_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.standard_normal(s)) for s in SHAPES]


def grad_sequence(steps: int, seed: int = 1, scale: float = 1.0) -> list[list[np.ndarray | None]]:
    """Each step's gradients; the vector has none at step 2 (it must be skipped and keep its step count)."""
    rng = np.random.default_rng(seed)
    seq = [[scale * np.asarray(rng.standard_normal(s)) for s in SHAPES] for _ in range(steps)]
    if steps > 2:
        seq[2][1] = None
    return seq


def make_ours(values, device="cpu", **kw):
    params = [ag.tensor(v, dtype=ag.float64, device=device, requires_grad=True) for v in values]
    return params, optim.Adafactor(params, **kw)


def make_torch(values, **kw):
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    return params, torch.optim.Adafactor(params, **kw)


def run_ours(params, opt, grads, device="cpu"):
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else ag.tensor(g, dtype=ag.float64, device=device)
        opt.step()
        history.append([host(p) for p in params])
    return history


def run_torch(params, opt, grads):
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def assert_histories_match(ours, theirs):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=f"step {step}, param {i}")


def assert_states_match(opt, topt):
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert set(ours["state"]) == set(theirs["state"])
    for idx, tstate in theirs["state"].items():
        assert set(ours["state"][idx]) == set(tstate), f"state keys of param {idx}"
        for key, tv in tstate.items():
            ov = host(ours["state"][idx][key])
            assert ov.shape == tuple(tv.shape), key
            np.testing.assert_allclose(ov, tv.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"param {idx}: {key}")
    for og, tg in zip(ours["param_groups"], theirs["param_groups"]):
        assert og == tg


def torch_state_as_arrays(topt) -> dict:
    sd = topt.state_dict()
    return {
        "state": {i: {k: v.numpy().copy() for k, v in s.items()} for i, s in sd["state"].items()},
        "param_groups": [dict(g) for g in sd["param_groups"]],
    }


# ----------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("kw", CASES, ids=case_id)
def test_steps_match_pytorch(kw):
    values, grads = initial_params(), grad_sequence(8)
    ours, opt = make_ours(values, **kw)
    theirs, topt = make_torch(values, **kw)
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))
    assert_states_match(opt, topt)


def test_state_is_factored_for_two_or_more_dimensions():
    values = initial_params()
    ours, opt = make_ours(values)
    run_ours(ours, opt, grad_sequence(1))
    assert sorted(opt.state[ours[0]]) == ["col_var", "row_var", "step"]
    assert tuple(opt.state[ours[0]]["row_var"].shape) == (3, 1)
    assert tuple(opt.state[ours[0]]["col_var"].shape) == (1, 4)
    assert tuple(opt.state[ours[2]]["row_var"].shape) == (2, 3, 1)
    assert tuple(opt.state[ours[2]]["col_var"].shape) == (2, 1, 4)
    assert sorted(opt.state[ours[1]]) == ["step", "variance"]
    assert tuple(opt.state[ours[1]]["variance"].shape) == (5,)
    assert opt.state[ours[0]]["step"].dtype == ag.float32


def test_tiny_gradients_meet_eps1_as_pytorch_does():
    """Gradients of 1e-20: the variance estimate is clamped at eps1**2 (the default eps1: float64's eps)."""
    values, grads = initial_params(), grad_sequence(5, scale=1e-20)
    ours, opt = make_ours(values, lr=0.1)
    theirs, topt = make_torch(values, lr=0.1)
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))
    assert_states_match(opt, topt)


def test_default_eps1_comes_from_the_groups_first_parameter_dtype():
    """PyTorch fixes eps1 from the first parameter with a gradient: a float32 one sets float32's eps for a
    float64 neighbour too, which shows when that neighbour's gradients are small (1e-9)."""
    rng = np.random.default_rng(3)
    v32, v64 = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    ours = [ag.tensor(v32, dtype=ag.float32, requires_grad=True), ag.tensor(v64, requires_grad=True)]
    theirs = [torch.tensor(v32, dtype=torch.float32, requires_grad=True), torch.tensor(v64, requires_grad=True)]
    opt, topt = optim.Adafactor(ours, lr=0.1), torch.optim.Adafactor(theirs, lr=0.1)
    small = []
    for _ in range(4):
        g32, g64 = rng.standard_normal((2, 3)), 1e-9 * rng.standard_normal((3, 2))
        small.append(g64)
        ours[0].grad, ours[1].grad = ag.tensor(g32, dtype=ag.float32), ag.tensor(g64)
        theirs[0].grad, theirs[1].grad = torch.tensor(g32, dtype=torch.float32), torch.tensor(g64)
        opt.step()
        topt.step()
        np.testing.assert_allclose(host(ours[1]), theirs[1].detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(host(ours[0]), theirs[0].detach().numpy(), rtol=1e-6, atol=1e-7)
    # the float32 eps1 did change the float64 path: alone (eps1 from float64) it goes elsewhere
    alone = ag.tensor(v64, requires_grad=True)
    alone_opt = optim.Adafactor([alone], lr=0.1)
    for g64 in small:
        alone.grad = ag.tensor(g64)
        alone_opt.step()
    assert not np.allclose(host(alone), host(ours[1]), rtol=1e-6, atol=0)


def test_tensor_lr_matches_pytorch():
    values, grads = initial_params(), grad_sequence(4)
    ours, opt = make_ours(values, lr=ag.tensor(0.05, dtype=ag.float64))
    theirs, topt = make_torch(values, lr=torch.tensor(0.05, dtype=torch.float64))
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))


def test_param_groups_with_their_own_options_match_pytorch():
    values, grads = initial_params(2), grad_sequence(5, seed=4)

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003, "weight_decay": 0.2, "d": 2.0}]

    ours = [ag.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    opt, topt = optim.Adafactor(groups(ours), lr=0.05), torch.optim.Adafactor(groups(theirs), lr=0.05)
    assert_histories_match(run_ours(ours, opt, grads), run_torch(theirs, topt, grads))
    assert_states_match(opt, topt)


def test_a_training_loop_matches_pytorch():
    """zero_grad, backward, step on a least-squares fit of a matrix: the same iterates as PyTorch."""
    rng = np.random.default_rng(7)
    X, Y, W0 = rng.standard_normal((16, 3)), rng.standard_normal((16, 2)), rng.standard_normal((3, 2))
    w, tw = ag.tensor(W0, requires_grad=True), torch.tensor(W0, requires_grad=True)
    opt, topt = optim.Adafactor([w], lr=0.1), torch.optim.Adafactor([tw], lr=0.1)
    for _ in range(10):
        opt.zero_grad()
        ((ag.tensor(X) @ w - ag.tensor(Y)) ** 2).mean().backward()
        opt.step()
        topt.zero_grad()
        ((torch.tensor(X) @ tw - torch.tensor(Y)) ** 2).mean().backward()
        topt.step()
        np.testing.assert_allclose(host(w), tw.detach().numpy(), rtol=RTOL, atol=ATOL)


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("kw", CASES[:4], ids=case_id)
def test_a_pytorch_state_dict_converted_to_arrays_resumes_identically(kw):
    values, grads = initial_params(), grad_sequence(7)
    theirs, topt = make_torch(values, **kw)
    run_torch(theirs, topt, grads[:3])
    ours, opt = make_ours([p.detach().numpy() for p in theirs], **kw)
    opt.load_state_dict(torch_state_as_arrays(topt))
    assert_states_match(opt, topt)
    assert_histories_match(run_ours(ours, opt, grads[3:]), run_torch(theirs, topt, grads[3:]))
    assert_states_match(opt, topt)


def test_our_state_dict_loads_into_pytorch():
    values, grads = initial_params(), grad_sequence(6)
    ours, opt = make_ours(values, lr=0.05, weight_decay=0.1)
    run_ours(ours, opt, grads[:3])
    sd = opt.state_dict()
    theirs, topt = make_torch([host(p) for p in ours], lr=0.05, weight_decay=0.1)
    topt.load_state_dict(
        {
            "state": {i: {k: torch.tensor(host(v)) for k, v in s.items()} for i, s in sd["state"].items()},
            "param_groups": sd["param_groups"],
        }
    )
    assert_histories_match(run_ours(ours, opt, grads[3:]), run_torch(theirs, topt, grads[3:]))


def test_state_dict_round_trip_resumes_bit_identically():
    values, grads = initial_params(), grad_sequence(6)
    ours, opt = make_ours(values, lr=0.05)
    run_ours(ours, opt, grads[:3])
    sd = opt.state_dict()
    fresh, fresh_opt = make_ours([host(p) for p in ours], lr=0.05)
    fresh_opt.load_state_dict(sd)
    run_ours(ours, opt, grads[3:4])  # a state_dict is a snapshot: this step must not leak into it
    assert sd["state"][0]["step"].item() == 3.0
    a = run_ours(fresh, fresh_opt, grads[3:])
    ours2, opt2 = make_ours(values, lr=0.05)
    b = run_ours(ours2, opt2, grads)[3:]  # one uninterrupted run
    for x_step, y_step in zip(a, b):
        for x, y in zip(x_step, y_step):
            assert np.array_equal(x, y)


def test_loading_factored_state_of_the_wrong_shape_is_refused_and_changes_nothing():
    values, grads = initial_params(), grad_sequence(2)
    ours, opt = make_ours(values)
    run_ours(ours, opt, grads)
    sd = opt.state_dict()
    sd["state"][0]["row_var"] = np.zeros((4, 1))  # the transposed matrix's
    before = host(opt.state[ours[0]]["row_var"])
    with pytest.raises(ValueError, match=r"row_var.*\(4, 1\).*\(3, 4\).*\(3, 1\)"):
        opt.load_state_dict(sd)
    assert np.array_equal(host(opt.state[ours[0]]["row_var"]), before)
    sd = opt.state_dict()
    sd["state"][1]["row_var"] = np.zeros((5, 1))  # a vector has no factored state
    with pytest.raises(ValueError, match="no row_var"):
        opt.load_state_dict(sd)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kw",
    [
        dict(lr=-1.0),
        dict(beta2_decay=0.5),
        dict(eps=(-1e-3, 1e-3)),
        dict(eps=(None, -1.0)),
        dict(d=0.5),
        dict(weight_decay=-0.1),
    ],
    ids=case_id,
)
def test_bad_options_raise_pytorchs_errors(kw):
    with pytest.raises(ValueError) as theirs:
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as ours:
        optim.Adafactor([ag.zeros(2, requires_grad=True)], **kw)
    assert str(ours.value) == str(theirs.value)


def test_a_tensor_lr_must_have_one_element():
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.Adafactor([ag.zeros(2, requires_grad=True)], lr=ag.tensor([0.1, 0.2]))


def test_a_gradient_of_the_wrong_shape_is_refused():
    w = ag.zeros(2, 3, requires_grad=True)
    opt = optim.Adafactor([w])
    w.grad = ag.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"Adafactor.step.*\(2, 3\).*\(3, 2\)"):
        opt.step()


# ----------------------------------------------------------------------------- devices
def test_the_strict_device_gives_cpu_results():
    kw = dict(lr=0.05, weight_decay=0.1)
    grads = grad_sequence(4)
    params, opt = make_ours(initial_params(), device=STRICT, **kw)
    on_strict = run_ours(params, opt, grads, device=STRICT)
    assert all(isinstance(p._data, StrictArray) for p in params)
    for state in opt.state.values():
        for key, value in state.items():
            if key != "step":
                assert isinstance(value._data, StrictArray), key
    cpu_params, cpu_opt = make_ours(initial_params(), **kw)
    for a, b in zip(on_strict, run_ours(cpu_params, cpu_opt, grads)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)
    # a checkpoint taken on the strict device resumes there
    fresh, fresh_opt = make_ours([host(p) for p in params], device=STRICT, **kw)
    fresh_opt.load_state_dict(opt.state_dict())
    assert isinstance(fresh_opt.state[fresh[0]]["row_var"]._data, StrictArray)
    for a, b in zip(run_ours(fresh, fresh_opt, grads, device=STRICT), run_ours(params, opt, grads, device=STRICT)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)
