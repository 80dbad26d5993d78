"""LBFGS against PyTorch's (Rosenbrock and a least-squares model, float64, with and without the strong-Wolfe
line search, every option): the loss, the parameters, the closure calls and the whole state after every
step; its closure protocol, errors, checkpoints and devices."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_core as ag
import optim
from backends import DeviceError
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray
from tests.optim._cases import host

RTOL, ATOL = 1e-10, 1e-12
STEPS = 4

# (problem, options): both searches, a short history (pairs dropped), few iterations or evaluations, and
# each termination test made to fire (tolerance_grad, tolerance_change, max_eval, a spent budget).
CASES = [
    ("rosenbrock", dict()),
    ("rosenbrock", dict(line_search_fn="strong_wolfe")),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=10, max_iter=6)),  # overshoots: the zoom phase
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=1000, max_iter=6)),  # zoom trials near an end
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.01, max_iter=6)),  # too short: extrapolation
    ("rosenbrock", dict(lr=0.1, max_iter=7, history_size=3)),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.5, max_iter=6, max_eval=5, history_size=2)),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", tolerance_change=1e-3)),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", max_iter=1)),  # max_eval 1: no search evaluation left
    ("rosenbrock", dict(tolerance_grad=20.0)),
    ("least_squares", dict()),
    ("least_squares", dict(line_search_fn="strong_wolfe")),
    ("least_squares", dict(line_search_fn="strong_wolfe", lr=20, max_iter=4)),
    ("least_squares", dict(line_search_fn="strong_wolfe", lr=0.001, max_iter=4)),
    ("least_squares", dict(lr=0.5, max_iter=3, history_size=1)),
    ("least_squares", dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, max_iter=50)),
    ("least_squares", dict(lr=0.3, tolerance_change=1e-2)),
]


def case_id(case) -> str:
    return case[0] + "(" + ",".join(f"{k}={v}" for k, v in case[1].items()) + ")"


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------- the problems
def _data():
    rng = np.random.default_rng(3)
    return rng.standard_normal((20, 3)), rng.standard_normal((20, 2)), rng.standard_normal((3, 2))


def make_problem(lib, problem, dtype="float64", device=None):
    """Parameters and a loss function for ``lib`` (autograd_core or torch)."""
    dt = getattr(lib, dtype)
    kw = dict(dtype=dt) if device is None else dict(dtype=dt, device=device)
    if problem == "rosenbrock":
        x = lib.tensor([-1.2, 1.0, 0.5, -0.3], requires_grad=True, **kw)
        return [x], lambda: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    X, Y, W0 = _data()
    X, Y = lib.tensor(X, **kw), lib.tensor(Y, **kw)
    w = lib.tensor(W0, requires_grad=True, **kw)
    b = lib.tensor([0.5, -0.5], requires_grad=True, **kw)
    unused = lib.tensor([1.0, 2.0, 3.0], requires_grad=True, **kw)  # never gets a grad: zeros in the flat grad
    return [w, b, unused], lambda: ((X @ w + b - Y) ** 2).mean()


def initial_gradient(torch, problem) -> float:
    """The largest entry of the gradient at the start: the scale of the errors in the state's vectors."""
    params, loss_fn = make_problem(torch, problem)
    loss_fn().backward()
    return max(float(p.grad.abs().max()) for p in params if p.grad is not None)


def make_opt(lib, problem, kw, dtype="float64", device=None):
    params, loss_fn = make_problem(lib, problem, dtype, device)
    opt = lib.optim.LBFGS(params, **kw) if lib is not ag else optim.LBFGS(params, **kw)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    return params, opt, closure, calls


def run(lib, problem, kw, steps=STEPS, dtype="float64", device=None):
    """(loss returned, parameters, closure calls so far, state_dict) after each ``step``."""
    params, opt, closure, calls = make_opt(lib, problem, kw, dtype, device)
    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        # deep-copied: PyTorch's state_dict shares its state's dicts and lists, which later steps change
        out.append((loss.item(), [as_array(p) for p in params], calls[0], copy.deepcopy(opt.state_dict())))
    return out


def as_array(t):
    return host(t) if isinstance(t, ag.Tensor) else t.detach().numpy().copy()


def assert_same_value(ours, theirs, where, rtol=RTOL, atol=ATOL):
    """``ours`` (autograd_core) has the kind, dtype and value of ``theirs`` (PyTorch), lists element by element."""
    if isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_value(a, b, f"{where}[{i}]", rtol, atol)
    elif theirs is None or isinstance(theirs, (bool, int)):
        assert ours == theirs and type(ours) is type(theirs), f"{where}: {ours!r} != {theirs!r}"
    elif isinstance(theirs, float):
        assert type(ours) is float, where
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:  # a tensor
        assert isinstance(ours, ag.Tensor), f"{where}: {type(ours).__name__}"
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.") and ours.shape == theirs.shape, where
        np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=rtol, atol=atol, err_msg=where)


def _magnitude(v) -> float:
    """The largest absolute entry of a PyTorch tensor or (nested) list of them; 0 for anything else."""
    if isinstance(v, (list, tuple)):
        return max([_magnitude(x) for x in v] + [0.0])
    return float(abs(v).max()) if hasattr(v, "numpy") else 0.0


def assert_runs_match(ours, theirs, rtol=RTOL, atol=ATOL, g0=0.0):
    """The same losses, parameters, closure calls and state at every step.

    Each state entry is compared to ``rtol`` of the largest value it takes in the run (normwise over
    the run): near the minimum, gradients and steps are tiny differences of larger numbers (``y = g_new -
    g_old``), whose absolute error is that of the larger numbers, and our backward and PyTorch's round
    those differently in the last bit."""
    scale: dict[str, float] = {}
    for *_, tsd in theirs:
        for key, tv in tsd["state"][0].items():
            scale[key] = max(scale.get(key, 0.0), _magnitude(tv), g0)
    for step, ((loss, params, calls, sd), (tloss, tparams, tcalls, tsd)) in enumerate(zip(ours, theirs)):
        assert calls == tcalls, f"step {step}: closure calls"
        np.testing.assert_allclose(loss, tloss, rtol=rtol, atol=atol, err_msg=f"step {step}: loss")
        for i, (p, tp) in enumerate(zip(params, tparams)):
            np.testing.assert_allclose(p, tp, rtol=rtol, atol=atol, err_msg=f"step {step}: param {i}")
        assert list(sd["state"]) == list(tsd["state"]) == [0]
        assert list(sd["state"][0]) == list(tsd["state"][0]), f"step {step}: state keys"
        for key, tv in tsd["state"][0].items():
            where = f"step {step}: state[{key!r}]"
            assert_same_value(sd["state"][0][key], tv, where, rtol, max(atol, rtol * scale[key]))
        assert sd["param_groups"] == tsd["param_groups"]


# ----------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_losses_parameters_calls_and_state_match_pytorch_at_every_step(case, torch):
    problem, kw = case
    assert_runs_match(run(ag, problem, kw), run(torch, problem, kw), g0=initial_gradient(torch, problem))


def test_the_runs_converge_and_each_budget_and_tolerance_stops_a_step_early():
    """The comparisons above are not vacuous: the searches converge to a stationary point, line searches
    take extra evaluations, and each budget or tolerance ends a step before ``max_iter``."""
    params, opt, closure, calls = make_opt(ag, "rosenbrock", dict(line_search_fn="strong_wolfe", max_iter=100))
    opt.step(closure)
    closure()
    # a stationary point (4-D Rosenbrock's local minimum near -0.78, 0.61, ...); the gradient started at 1e2
    assert float(params[0].grad.abs().max()) < 1e-3

    def first_step(problem, kw):
        loss, _, calls, sd = run(ag, problem, kw, steps=1)[0]
        return calls, sd["state"][0]["n_iter"]

    for kw in (dict(lr=10, max_iter=6), dict(lr=0.01, max_iter=6)):
        calls, n_iter = first_step("rosenbrock", dict(kw, line_search_fn="strong_wolfe"))
        assert calls > n_iter + 1  # the search evaluated more than one trial step
    assert first_step("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.5, max_iter=6, max_eval=5)) == (5, 4)
    assert first_step("rosenbrock", dict(line_search_fn="strong_wolfe", tolerance_change=1e-3))[1] < 20
    assert first_step("rosenbrock", dict(tolerance_grad=20.0))[1] < 20
    assert first_step("least_squares", dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, max_iter=50))[1] < 50
    assert first_step("least_squares", dict(lr=0.3, tolerance_change=1e-2))[1] < 20


def test_a_tensor_lr_gives_pytorchs_path(torch):
    ours = run(ag, "least_squares", dict(lr=ag.tensor(0.7), max_iter=5))
    theirs = run(torch, "least_squares", dict(lr=torch.tensor(0.7), max_iter=5))
    for o, t in zip(ours, theirs):  # the groups hold our tensor and theirs; compare the rest
        for sd in (o[3], t[3]):
            sd["param_groups"][0]["lr"] = float(sd["param_groups"][0]["lr"])
    assert_runs_match(ours, theirs)


def test_float32_parameters_keep_float32_state_and_follow_pytorch(torch):
    """Scalars such as ``ro`` and ``H_diag`` are 0-dim tensors of the parameters' dtype, as in PyTorch; the
    first steps agree to float32 precision (later ones drift apart: the two sum in different orders)."""
    kw = dict(line_search_fn="strong_wolfe", max_iter=3)
    assert_runs_match(
        run(ag, "least_squares", kw, 2, "float32"), run(torch, "least_squares", kw, 2, "float32"), rtol=1e-5, atol=1e-6
    )


def test_max_eval_defaults_to_five_quarters_of_max_iter(torch):
    for max_iter in (1, 7, 20, 30):
        ours = optim.LBFGS([ag.zeros(1, requires_grad=True)], max_iter=max_iter)
        theirs = torch.optim.LBFGS([torch.zeros(1, requires_grad=True)], max_iter=max_iter)
        assert ours.param_groups[0]["max_eval"] == theirs.param_groups[0]["max_eval"] == max_iter * 5 // 4
    assert ours.defaults == theirs.defaults
    assert list(ours.param_groups[0]) == list(theirs.param_groups[0])


def test_a_zero_gradient_returns_after_one_call_as_pytorch(torch):
    for lib, opt_lib in ((ag, optim), (torch, torch.optim)):
        x = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        opt = opt_lib.LBFGS([x])

        def closure(x=x, opt=opt):
            opt.zero_grad()
            loss = ((x - 1) ** 2).sum()
            loss.backward()
            return loss

        assert opt.step(closure).item() == 0.0
        assert {k: v for k, v in opt.state_dict()["state"][0].items()} == {"func_evals": 1, "n_iter": 0}


@pytest.mark.parametrize("kw", [dict(), dict(line_search_fn="strong_wolfe")], ids=["fixed", "strong_wolfe"])
def test_a_pytorch_state_dict_converted_to_arrays_resumes_identically(kw, torch):
    """PyTorch's state (history lists, 0-dim scalars) after 2 steps, converted to arrays, loads into ours."""

    def to_arrays(v):
        if isinstance(v, torch.Tensor):
            return v.numpy().copy()
        if isinstance(v, (list, tuple)):
            return type(v)(to_arrays(x) for x in v)
        return {k: to_arrays(x) for k, x in v.items()} if isinstance(v, dict) else v

    params, opt, closure, calls = make_opt(ag, "least_squares", dict(kw, history_size=3))
    tparams, topt, tclosure, tcalls = make_opt(torch, "least_squares", dict(kw, history_size=3))
    for _ in range(2):
        topt.step(tclosure)
    with ag.no_grad():
        for p, tp in zip(params, tparams):
            p.copy_(ag.tensor(tp.detach().numpy()))
    opt.load_state_dict(to_arrays(topt.state_dict()))
    assert_same_value(opt.state_dict()["state"][0]["old_dirs"], topt.state_dict()["state"][0]["old_dirs"], "loaded")
    for _ in range(2):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=RTOL)
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(host(p), tp.detach().numpy(), rtol=RTOL, atol=ATOL)
    for key, tv in topt.state_dict()["state"][0].items():
        assert_same_value(opt.state_dict()["state"][0][key], tv, key)


# ----------------------------------------------------------------------------- the closure protocol
def test_step_returns_the_closures_first_loss_and_runs_it_with_grad_enabled():
    params, opt, closure, calls = make_opt(ag, "rosenbrock", dict(max_iter=5))
    seen = []

    def recording():
        seen.append(ag.is_grad_enabled())
        loss = closure()
        seen.append(loss)
        return loss

    with ag.no_grad():
        loss = opt.step(recording)
    assert loss is seen[1] and all(s is True for s in seen[0::2]) and len(seen) == 2 * calls[0] == 10
    assert params[0].grad_fn is None and params[0].is_leaf and params[0].requires_grad


def test_step_without_a_closure_is_a_type_error():
    with pytest.raises(TypeError):
        optim.LBFGS([ag.zeros(1, requires_grad=True)]).step()


# ----------------------------------------------------------------------------- errors
def test_errors_are_pytorchs(torch):
    cases = [
        (ValueError, lambda lib, p: lib.LBFGS(p, lr=-1.0)),
        (ValueError, lambda lib, p: lib.LBFGS([{"params": p[:1]}, {"params": p[1:], "lr": 0.1}])),
    ]
    for exc, make in cases:
        with pytest.raises(exc) as theirs:
            make(torch.optim, [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)])
        with pytest.raises(exc) as ours:
            make(optim, [ag.zeros(1, requires_grad=True), ag.zeros(1, requires_grad=True)])
        assert str(ours.value) == str(theirs.value)


def test_bad_line_search_and_added_groups_are_refused_at_step():
    params, opt, closure, _ = make_opt(ag, "rosenbrock", dict(line_search_fn="backtracking"))
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.LBFGS(params, lr=ag.tensor([0.1, 0.2]))
    params, opt, closure, _ = make_opt(ag, "rosenbrock", dict())
    opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)]})
    with pytest.raises(AssertionError, match="exactly one param_group"):
        opt.step(closure)


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("kw", [dict(history_size=2), dict(line_search_fn="strong_wolfe")], ids=["fixed", "wolfe"])
def test_state_dict_round_trip_resumes_bit_identically(kw):
    params, opt, closure, _ = make_opt(ag, "least_squares", dict(kw, max_iter=4))
    opt.step(closure)
    sd, values = opt.state_dict(), [host(p) for p in params]
    fresh, fresh_opt, fresh_closure, _ = make_opt(ag, "least_squares", dict(kw, max_iter=4))
    with ag.no_grad():
        for p, v in zip(fresh, values):
            p.copy_(ag.tensor(v))
    fresh_opt.load_state_dict(sd)
    d, evals = host(sd["state"][0]["d"]), sd["state"][0]["func_evals"]
    for _ in range(2):
        assert fresh_opt.step(fresh_closure).item() == opt.step(closure).item()
        for p, q in zip(fresh, params):
            assert np.array_equal(host(p), host(q))
    # the state_dict is a copy: later steps (of either optimizer) left it as it was
    assert sd["state"][0]["func_evals"] == evals < opt.state[params[0]]["func_evals"]
    assert np.array_equal(host(sd["state"][0]["d"]), d) and not np.array_equal(host(opt.state[params[0]]["d"]), d)


def test_load_state_dict_checks_the_flat_vectors_before_changing_anything():
    params, opt, closure, _ = make_opt(ag, "least_squares", dict())
    opt.step(closure)
    sd = opt.state_dict()
    small, small_opt, small_closure, _ = make_opt(ag, "rosenbrock", dict())
    small_opt.step(small_closure)
    before = small_opt.state_dict()
    sd["param_groups"][0]["params"] = [0]  # one parameter, as in the rosenbrock optimizer
    with pytest.raises(ValueError, match=r"state 'd' has shape \(11,\) but the parameters have 4 elements"):
        small_opt.load_state_dict(sd)
    after = small_opt.state_dict()
    assert after["state"][0]["n_iter"] == before["state"][0]["n_iter"]
    assert np.array_equal(host(after["state"][0]["d"]), host(before["state"][0]["d"]))


def test_loaded_state_takes_the_parameters_dtype():
    params, opt, closure, _ = make_opt(ag, "rosenbrock", dict(max_iter=3))
    opt.step(closure)
    sd = opt.state_dict()
    p32, opt32, closure32, _ = make_opt(ag, "rosenbrock", dict(max_iter=3), dtype="float32")
    opt32.load_state_dict(sd)
    state = opt32.state[p32[0]]
    assert state["d"].dtype == ag.float32 and all(r.dtype == ag.float32 for r in state["ro"])
    assert state["n_iter"] == sd["state"][0]["n_iter"] > 0 and isinstance(state["prev_loss"], float)
    opt32.step(closure32)  # and it runs


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize("case", CASES[:7] + CASES[10:14], ids=case_id)
def test_the_strict_device_gives_cpu_results(case):
    problem, kw = case
    params, opt, closure, _ = make_opt(ag, problem, kw, device=STRICT)
    on_strict = [(opt.step(closure).item(), [host(p) for p in params]) for _ in range(2)]
    state = opt.state[params[0]]
    for key in ("d", "prev_flat_grad"):
        assert isinstance(state[key]._data, StrictArray), key
    assert all(isinstance(t._data, StrictArray) for t in state["old_dirs"] + state["ro"])
    cpu_params, cpu_opt, cpu_closure, _ = make_opt(ag, problem, kw)
    on_cpu = [(cpu_opt.step(cpu_closure).item(), [host(p) for p in cpu_params]) for _ in range(2)]
    for (loss, ps), (cpu_loss, cpu_ps) in zip(on_strict, on_cpu):
        assert loss == cpu_loss and all(np.array_equal(a, b) for a, b in zip(ps, cpu_ps))


@pytest.mark.cuda
@pytest.mark.parametrize("case", CASES[:4] + CASES[10:13], ids=case_id)
def test_cuda_matches_cpu(case):
    try:
        ag.get_device("cuda")
    except DeviceError as e:
        pytest.skip(f"no cuda device: {e}")
    problem, kw = case
    on_gpu = run(ag, problem, kw, steps=2, device="cuda")
    on_cpu = run(ag, problem, kw, steps=2)
    for (loss, ps, calls, _), (cpu_loss, cpu_ps, cpu_calls, _) in zip(on_gpu, on_cpu):
        assert calls == cpu_calls
        np.testing.assert_allclose(loss, cpu_loss, rtol=1e-10)
        for a, b in zip(ps, cpu_ps):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
