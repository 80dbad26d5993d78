"""``inplace=True`` activations and dropouts, and PyTorch's in-place functional forms (``F.relu_``,
``F.elu_`` ...): the input is modified and returned, gradients equal the out-of-place ones and
PyTorch's, and the in-place errors fire where PyTorch's do."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

# (name, kwargs); the input avoids the kinks at 0, +-1, +-3, 6 and the threshold 0.1
CASES = [
    ("relu", {}), ("relu6", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("leaky_relu", {"negative_slope": 0.2}), ("rrelu", {"lower": 0.1, "upper": 0.3}), ("elu", {"alpha": 0.7}),
    ("celu", {"alpha": 0.5}), ("selu", {}), ("threshold", {"threshold": 0.1, "value": -2.0}), ("hardsigmoid", {}),
    ("hardswish", {}), ("silu", {}), ("mish", {}),
]
IDS = [name for name, _ in CASES]


def _input(seed=0, shape=(4, 5)):
    x = np.random.default_rng(seed).standard_normal(shape) * 2.5
    for kink in (0.0, 0.1, -0.5, 1.0, -1.0, 2.0, 3.0, -3.0, 6.0):
        close = np.abs(x * 1.5 - kink) < 0.1
        x[close] += 0.2
    return x


def _run(fn, x_host, inplace, **kwargs):
    """x -> h = 1.5 x (in the graph) -> fn(h) -> weighted sum; returns (h, y, x.grad)."""
    x = ag.tensor(x_host, requires_grad=True)
    h = x * 1.5
    y = fn(h, inplace=inplace, **kwargs) if inplace is not None else fn(h, **kwargs)
    weights = ag.tensor(np.random.default_rng(1).standard_normal(x_host.shape))
    (y * weights).sum().backward()
    return h, y, to_host(x.grad)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_inplace_modifies_the_input_and_matches_out_of_place(name, kwargs):
    x_host = _input()
    fn = getattr(F, name)
    _, expected, grad = _run(fn, x_host, False, **kwargs)
    h, y, grad_inplace = _run(fn, x_host, True, **kwargs)
    assert y is h and h._version == 1
    np.testing.assert_array_equal(to_host(y.detach()), to_host(expected.detach()))
    np.testing.assert_allclose(grad_inplace, grad, rtol=1e-14, atol=1e-15)


def _torch_grad(torch, name, x_host, inplace, **kwargs):
    """PyTorch's forward and input gradient for ``_run``'s graph.  PyTorch's float64 hardsigmoid backward
    multiplies by float32(1/6) (undone here exactly); likewise its celu backward uses 1/alpha rounded to
    float32, so celu's alpha here is 0.5 and 2, whose inverses are exact."""
    xt = torch.tensor(x_host, requires_grad=True)
    ht = xt * 1.5
    yt = getattr(torch.nn.functional, name)(ht, inplace=inplace, **kwargs)
    assert (yt is ht) == inplace
    (yt * torch.tensor(np.random.default_rng(1).standard_normal(x_host.shape))).sum().backward()
    grad = xt.grad.numpy()
    if name == "hardsigmoid":
        grad = grad * ((1.0 / 6.0) / float(np.float32(1.0 / 6.0)))
    return yt.detach().numpy(), grad


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_inplace_gradients_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    x_host = _input(3)
    h, y, grad = _run(getattr(F, name), x_host, True, **kwargs)
    expected, expected_grad = _torch_grad(torch, name, x_host, True, **kwargs)
    np.testing.assert_allclose(to_host(y.detach()), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-12)


UNDERSCORED = [
    ("relu_", {}), ("elu_", {"alpha": 0.5}), ("leaky_relu_", {"negative_slope": 0.3}),
    ("hardtanh_", {"min_val": -0.5, "max_val": 2.0}), ("threshold_", {"threshold": 0.1, "value": 5.0}),
    ("rrelu_", {"lower": 0.2, "upper": 0.4}), ("celu_", {"alpha": 2.0}), ("selu_", {}),
]


@pytest.mark.parametrize("name,kwargs", UNDERSCORED, ids=[n for n, _ in UNDERSCORED])
def test_functional_underscore_forms_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    x_host = _input(5)
    h, y, grad = _run(getattr(F, name), x_host, None, **kwargs)
    assert y is h
    xt = torch.tensor(x_host, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(xt * 1.5, **kwargs)
    (yt * torch.tensor(np.random.default_rng(1).standard_normal(x_host.shape))).sum().backward()
    np.testing.assert_allclose(to_host(y.detach()), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_top_level_relu_():
    x = ag.tensor([-1.0, 2.0])
    assert ag.relu_(x) is x and x.tolist() == [0.0, 2.0] and x._version == 1


MODULES = [
    lambda: nn.ReLU(inplace=True), lambda: nn.ReLU6(inplace=True), lambda: nn.LeakyReLU(0.1, inplace=True),
    lambda: nn.ELU(inplace=True), lambda: nn.CELU(0.5, inplace=True), lambda: nn.SELU(inplace=True),
    lambda: nn.Hardtanh(inplace=True), lambda: nn.Threshold(0.1, 0.0, inplace=True),
    lambda: nn.Hardsigmoid(inplace=True), lambda: nn.Hardswish(inplace=True), lambda: nn.SiLU(inplace=True),
    lambda: nn.Mish(inplace=True), lambda: nn.RReLU(inplace=True).eval(),
]


def _train(make, inplace, steps=3):
    """Linear -> activation -> Linear from seed 0, ``steps`` SGD steps; the parameters after each."""
    import optim

    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), make(), nn.Linear(6, 2)).double()
    model[1].inplace = inplace
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(2)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        (model(ag.tensor(rng.standard_normal((8, 4)))) ** 2).mean().backward()
        opt.step()
        history.append([to_host(p.detach()) for p in model.parameters()])
    return history


@pytest.mark.parametrize("make", MODULES, ids=lambda m: type(m()).__name__)
def test_module_after_linear_trains_identically_in_place(make):
    for ours, reference in zip(_train(make, True), _train(make, False)):
        for a, b in zip(ours, reference):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [m for m in MODULES if type(m()).__name__ != "Hardsigmoid"],
                         ids=lambda m: type(m()).__name__)
def test_module_after_linear_gradients_match_torch(make):
    """One backward of Linear -> activation(inplace=True) -> Linear from the same weights as PyTorch's.
    (Hardsigmoid: PyTorch's float32(1/6), see _torch_grad; covered in the functional test.)"""
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 6), make(), nn.Linear(6, 2)).double()
    module = ours[1]
    cls = getattr(torch.nn, type(module).__name__)
    options = {k: v for k, v in vars(module).items() if k in inspect.signature(cls).parameters}
    assert options["inplace"]
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), cls(**options),
                                 torch.nn.Linear(6, 2)).double()
    if not module.training:
        theirs.eval()
    theirs.load_state_dict({k: torch.tensor(to_host(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((8, 4))
    (ours(ag.tensor(x)) ** 2).mean().backward()
    (theirs(torch.tensor(x)) ** 2).mean().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def _both_raise(ours, theirs_call):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        theirs_call(torch)
    with pytest.raises(type(theirs.value)):
        ours()


def test_inplace_on_a_leaf_that_requires_grad_raises_as_torch():
    for name in ("relu", "elu", "hardtanh", "silu"):
        _both_raise(lambda name=name: getattr(F, name)(ag.ones(3, requires_grad=True), inplace=True),
                    lambda t, name=name: getattr(t.nn.functional, name)(t.ones(3, requires_grad=True), inplace=True))
    _both_raise(lambda: F.dropout(ag.ones(3, requires_grad=True), 0.5, True, inplace=True),
                lambda t: t.nn.functional.dropout(t.ones(3, requires_grad=True), 0.5, True, inplace=True))


@pytest.mark.parametrize("fn", ["relu", "leaky_relu", "elu", "hardtanh", "threshold_args", "dropout"])
def test_inplace_on_an_output_a_backward_saved_raises_at_backward_as_torch(fn):
    def call(lib, f):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = lib.sigmoid(x)
        if fn == "threshold_args":
            f.threshold(y, 0.6, 0.0, inplace=True)
        elif fn == "dropout":
            f.dropout(y, 0.5, True, inplace=True)
        else:
            getattr(f, fn)(y, inplace=True)
        y.sum().backward()

    _both_raise(lambda: call(ag, F), lambda t: call(t, t.nn.functional))


def test_modifying_relu_output_again_before_backward_raises_as_torch():
    def call(lib, f):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        h = f.relu(x * 2, inplace=True)  # relu's backward reads its result: h itself
        h.mul_(3)
        h.sum().backward()

    _both_raise(lambda: call(ag, F), lambda t: call(t, t.nn.functional))


@pytest.mark.parametrize("call", [
    lambda f, h: f.leaky_relu(h, -0.1, inplace=True), lambda f, h: f.elu(h, -1.0, inplace=True),
    lambda f, h: f.celu(h, -1.0, inplace=True),
])
def test_negative_slope_in_place_is_refused_as_torch(call):
    """PyTorch refuses these at backward; here at the call (same error type and message)."""
    torch = pytest.importorskip("torch")
    xt = torch.randn(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="negative slope"):
        call(torch.nn.functional, xt * 1).sum().backward()
    with pytest.raises(RuntimeError, match="negative slope"):
        call(F, ag.randn(4, requires_grad=True) * 1)
    with ag.no_grad():  # nothing recorded: allowed, as in PyTorch
        h = ag.tensor([-1.0, 1.0])
        assert call(F, h) is h and h[1].item() == 1.0


def test_inplace_under_no_grad_and_on_plain_tensors_just_writes():
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        assert F.relu(x, inplace=True) is x and F.elu(x, inplace=True) is x
    assert x.tolist() == [0.0, 2.0] and x.requires_grad and x.grad_fn is None
    plain = ag.tensor([-2.0, 3.0])
    assert F.hardtanh(plain, inplace=True) is plain and plain.tolist() == [-1.0, 1.0]
    assert plain.grad_fn is None and not plain.requires_grad


DROPOUTS = [
    ("dropout", (6, 5)), ("dropout1d", (2, 6, 5)), ("dropout2d", (2, 3, 4, 5)), ("dropout3d", (2, 3, 2, 2, 2)),
    ("alpha_dropout", (6, 5)), ("feature_alpha_dropout", (2, 6, 5)),
]


@pytest.mark.parametrize("name,shape", DROPOUTS, ids=[n for n, _ in DROPOUTS])
@pytest.mark.parametrize("p", [0.4, 1.0])
def test_dropout_inplace_draws_the_same_mask_and_gradient(name, shape, p):
    x_host = np.random.default_rng(0).standard_normal(shape) + 5.0  # nonzero: dropped units are visible
    results = []
    for inplace in (False, True):
        ag.manual_seed(7)
        h, y, grad = _run(lambda t, inplace: getattr(F, name)(t, p, True, inplace=inplace), x_host, inplace)
        assert (y is h) == inplace
        results.append((to_host(y.detach()), grad))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    np.testing.assert_array_equal(results[1][1], results[0][1])
    if p == 1.0 and not name.startswith("alpha") and not name.startswith("feature"):
        assert not results[1][0].any()


def test_dropout_inplace_in_eval_returns_the_input_unchanged():
    x = ag.randn(3, 4)
    before = x.tolist()
    for module in (nn.Dropout(0.5, inplace=True), nn.AlphaDropout(0.5, inplace=True)):
        assert module.eval()(x) is x and x.tolist() == before and x._version == 0


def test_dropout_module_inplace_modifies_its_input():
    ag.manual_seed(0)
    h = ag.ones(200, requires_grad=True) * 1.0
    y = nn.Dropout(0.5, inplace=True)(h)
    assert y is h and set(np.unique(to_host(h.detach()))) <= {0.0, 2.0}
    y.sum().backward()


def test_inplace_activations_on_the_strict_device_match_cpu():
    x_host = _input(9)
    grads = {}
    for device in ("cpu", STRICT):
        x = ag.tensor(x_host, device=device, requires_grad=True)
        h = x * 1.5
        for name, kwargs in CASES:
            h = getattr(F, name)(h, inplace=True, **kwargs) * 1.0  # (* 1.0: a fresh tensor for the next op)
        h.sum().backward()
        assert str(x.grad.device) == device
        grads[device] = to_host(x.grad)
    np.testing.assert_allclose(grads[STRICT], grads["cpu"], rtol=1e-12, atol=1e-14)
