"""Layers and activations against PyTorch: same weights (through load_state_dict), same float64 inputs.

Every case compares the forward result, the input's gradient and every
parameter's gradient.  Loading PyTorch's state_dict (converted to NumPy arrays)
is itself under test: it is how the weights get here.  Inputs include the
kinks of piecewise activations (0, the hardtanh bounds, the softplus threshold)
so the subgradients PyTorch picks there are checked too.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-10, "atol": 1e-12}
KINKS = np.array([0.0, -1.0, 1.0, 6.0, -3.0, 3.0, 20.0, -20.0, 0.5, -0.5])


def _inputs(shape, seed, kinks=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2.0
    if kinks:
        flat = x.reshape(-1)
        n = min(flat.size, KINKS.size)
        flat[:n] = KINKS[:n]
    return x


def load_from_torch(ours: nn.Module, theirs) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _torch_grad_fix(module_or_fn, grad: np.ndarray) -> np.ndarray:
    """PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 even in float64; ours is exact."""
    name = module_or_fn if isinstance(module_or_fn, str) else type(module_or_fn).__name__
    if name.lower() == "hardsigmoid":
        return grad * ((1.0 / 6.0) / float(np.float32(1.0 / 6.0)))
    return grad


def compare_module(ours, theirs, arrays, int_inputs=(), seed=0):
    """Forward on the same inputs, backward with the same random upstream gradient; compare everything."""
    ours_in = [ag.tensor(a) if i in int_inputs else ag.tensor(a, dtype=ag.float64, requires_grad=True)
               for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a) if i in int_inputs else torch.tensor(a, dtype=torch.float64, requires_grad=True)
                 for i, a in enumerate(arrays)]
    out = ours(*ours_in)
    expected = theirs(*theirs_in)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), err_msg="forward", **TOL)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(expected.shape))
    out.backward(ag.tensor(g, dtype=ag.float64))
    expected.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        if i in int_inputs:
            continue
        expected_grad = _torch_grad_fix(theirs, b.grad.numpy())
        np.testing.assert_allclose(to_host(a.grad), expected_grad, err_msg=f"grad of input {i}", **TOL)
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == list(theirs_params), "parameter names and order differ from PyTorch's"
    for name, p in ours_params.items():
        q = theirs_params[name]
        assert tuple(p.shape) == tuple(q.shape), name
        if q.grad is None:
            assert p.grad is None or not to_host(p.grad).any(), name
            continue
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=f"grad of {name}", **TOL)


# ---------------------------------------------------------------------------- layers with parameters
LAYERS = [
    ("linear", lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), [(4, 5)]),
    ("linear_nobias", lambda: nn.Linear(5, 3, bias=False), lambda: torch.nn.Linear(5, 3, bias=False), [(4, 5)]),
    ("linear_3d_input", lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), [(2, 4, 5)]),
    ("linear_1d_input", lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), [(5,)]),
    ("bilinear", lambda: nn.Bilinear(3, 4, 5), lambda: torch.nn.Bilinear(3, 4, 5), [(6, 3), (6, 4)]),
    ("bilinear_nobias_3d", lambda: nn.Bilinear(3, 4, 2, bias=False), lambda: torch.nn.Bilinear(3, 4, 2, bias=False),
     [(2, 5, 3), (2, 5, 4)]),
    ("prelu_shared", lambda: nn.PReLU(), lambda: torch.nn.PReLU(), [(3, 4, 5)]),
    ("prelu_channels", lambda: nn.PReLU(4, init=0.1), lambda: torch.nn.PReLU(4, init=0.1), [(3, 4, 5)]),
    ("prelu_channels_2d", lambda: nn.PReLU(4), lambda: torch.nn.PReLU(4), [(3, 4)]),
    ("prelu_1d_input", lambda: nn.PReLU(), lambda: torch.nn.PReLU(), [(4,)]),
    ("flatten", lambda: nn.Flatten(), lambda: torch.nn.Flatten(), [(2, 3, 4)]),
    ("flatten_range", lambda: nn.Flatten(0, 1), lambda: torch.nn.Flatten(0, 1), [(2, 3, 4)]),
    ("unflatten", lambda: nn.Unflatten(1, (2, -1)), lambda: torch.nn.Unflatten(1, (2, -1)), [(3, 8)]),
    ("identity", lambda: nn.Identity(3, x=1), lambda: torch.nn.Identity(3, x=1), [(2, 3)]),
    ("mlp", lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 2)),
     lambda: torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.GELU(),
                                 torch.nn.Linear(8, 2)), [(5, 4)]),
]


@pytest.mark.parametrize("name,make_ours,make_theirs,shapes", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_torch(name, make_ours, make_theirs, shapes):
    torch.manual_seed(0)
    theirs = make_theirs().double()
    ours = make_ours().double()
    load_from_torch(ours, theirs)
    compare_module(ours, theirs, [_inputs(s, seed=i, kinks=name.startswith("prelu")) for i, s in enumerate(shapes)])


# ---------------------------------------------------------------------------- activations
ACTIVATIONS = [
    ("ReLU", {}), ("ReLU6", {}), ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {}),
    ("ELU", {"alpha": 0.5}), ("SELU", {}), ("CELU", {"alpha": 2.0}), ("GELU", {}), ("GELU", {"approximate": "tanh"}),
    ("SiLU", {}), ("Mish", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 6.0}), ("Softsign", {}), ("Hardtanh", {}),
    ("Hardtanh", {"min_val": -3.0, "max_val": 0.5}), ("Hardsigmoid", {}), ("Hardswish", {}), ("LogSigmoid", {}),
    ("Tanhshrink", {}), ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}), ("Softmin", {"dim": 0}),
    ("LogSoftmax", {"dim": 1}),
]


@pytest.mark.parametrize("cls,kwargs", ACTIVATIONS, ids=[f"{c}{k or ''}" for c, k in ACTIVATIONS])
def test_activation_module_matches_torch_including_kinks(cls, kwargs):
    ours, theirs = getattr(nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(ours) == repr(theirs)
    compare_module(ours, theirs, [_inputs((3, 4, 5), seed=3, kinks=True)])


FUNCTIONAL = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 1.5}), ("selu", {}),
    ("celu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("sigmoid", {}),
    ("tanh", {}), ("softplus", {"beta": 0.5, "threshold": 10.0}), ("softsign", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 2.0}), ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}),
    ("tanhshrink", {}), ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}), ("softmin", {"dim": 1}),
]


@pytest.mark.parametrize("fn,kwargs", FUNCTIONAL, ids=[f"{f}{k or ''}" for f, k in FUNCTIONAL])
def test_functional_activation_matches_torch(fn, kwargs):
    x = _inputs((4, 6), seed=7, kinks=True)
    ours = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = getattr(nn.functional, fn)(ours, **kwargs)
    expected = getattr(torch.nn.functional, fn)(theirs, **kwargs)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TOL)
    g = np.random.default_rng(0).standard_normal(x.shape)
    out.backward(ag.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(ours.grad), _torch_grad_fix(fn, theirs.grad.numpy()), **TOL)


def test_gelu_second_derivative_matches_torch():
    x = _inputs((10,), seed=2)
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (g,) = ag.grad(nn.functional.gelu(ours).sum(), [ours], create_graph=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.gelu(theirs).sum(), [theirs], create_graph=True)
    g.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(to_host(ours.grad), theirs.grad.numpy(), **TOL)


def test_prelu_functional_matches_torch_per_channel_on_4d():
    x = _inputs((2, 3, 4, 5), seed=1, kinks=True)
    w = np.array([0.1, -0.2, 0.3])
    ours_x, ours_w = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    th_x, th_w = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = nn.functional.prelu(ours_x, ours_w)
    expected = torch.nn.functional.prelu(th_x, th_w)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TOL)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_allclose(to_host(ours_x.grad), th_x.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_host(ours_w.grad), th_w.grad.numpy(), **TOL)


# ---------------------------------------------------------------------------- embedding, one_hot, dropout
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_embedding_matches_torch(padding_idx):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(7, 4, padding_idx=padding_idx).double()
    ours = nn.Embedding(7, 4, padding_idx=padding_idx).double()
    assert repr(ours) == repr(theirs)
    load_from_torch(ours, theirs)
    idx = np.array([[0, 3, 3, 6], [1, 0, 6, 2]])
    compare_module(ours, theirs, [idx], int_inputs=(0,))


def test_embedding_padding_row_keeps_its_value_but_gets_no_gradient_like_torch():
    w = np.random.default_rng(0).standard_normal((5, 3))  # a non-zero padding row, as after loading weights
    idx = np.array([2, 2, 4, 0])
    ours = ag.tensor(w, requires_grad=True)
    theirs = torch.tensor(w, requires_grad=True)
    out = nn.functional.embedding(ag.tensor(idx), ours, padding_idx=2)
    expected = torch.nn.functional.embedding(torch.tensor(idx), theirs, padding_idx=2)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TOL)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(to_host(ours.grad), theirs.grad.numpy(), **TOL)
    assert not to_host(ours.grad)[2].any()


def test_embedding_max_norm_renormalises_rows_like_torch():
    w = np.random.default_rng(1).standard_normal((6, 4)) * 3
    idx = np.array([[0, 1], [1, 5]])
    ours = ag.tensor(w.copy(), requires_grad=True)
    theirs = torch.tensor(w.copy(), requires_grad=True)
    out = nn.functional.embedding(ag.tensor(idx), ours, max_norm=1.5)
    expected = torch.nn.functional.embedding(torch.tensor(idx), theirs, max_norm=1.5)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TOL)
    np.testing.assert_allclose(to_host(ours.detach()), theirs.detach().numpy(), **TOL)  # rows renormed in place


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 4, 6):
        ours = nn.functional.one_hot(ag.tensor(idx), n)
        expected = torch.nn.functional.one_hot(torch.tensor(idx), n)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(to_host(ours), expected.numpy())


def test_dropout_eval_is_identity_and_repr_matches_torch():
    for p in (0.0, 0.3, 1.0):
        ours, theirs = nn.Dropout(p), torch.nn.Dropout(p)
        assert repr(ours) == repr(theirs)
        compare_module(ours.eval(), theirs.eval(), [_inputs((3, 4), seed=0)])
    assert repr(nn.Dropout2d(0.2)) == repr(torch.nn.Dropout2d(0.2))


# ---------------------------------------------------------------------------- reprs and initialisation
def test_reprs_match_torch():
    pairs = [
        (nn.Linear(3, 4), torch.nn.Linear(3, 4)),
        (nn.Linear(3, 4, bias=False), torch.nn.Linear(3, 4, bias=False)),
        (nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))),
        (nn.Identity(), torch.nn.Identity()),
        (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.LeakyReLU(0.2, inplace=True), torch.nn.LeakyReLU(0.2, inplace=True)),
        (nn.PReLU(3), torch.nn.PReLU(3)),
        (nn.Embedding(10, 3, max_norm=2.0, norm_type=1.0), torch.nn.Embedding(10, 3, max_norm=2.0, norm_type=1.0)),
        (nn.Softmax(), torch.nn.Softmax()),
        (nn.ReLU6(), torch.nn.ReLU6()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def _bounds_like_torch(ours_param, theirs_param):
    a, b = to_host(ours_param.detach()), theirs_param.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype
    return a, b


@pytest.mark.parametrize("fan_in,fan_out", [(64, 32), (7, 300)])
def test_linear_default_init_has_torchs_distribution(fan_in, fan_out):
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = nn.Linear(fan_in, fan_out), torch.nn.Linear(fan_in, fan_out)
    bound = 1 / np.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) on (out, in) gives U(-1/sqrt(in), 1/sqrt(in))
    for name in ("weight", "bias"):
        a, b = _bounds_like_torch(getattr(ours, name), getattr(theirs, name))
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        # Uniform on [-bound, bound]: std bound/sqrt(3); the sample std is within a few standard errors.
        n = a.size
        assert abs(a.std() - bound / np.sqrt(3)) < 6 * bound / np.sqrt(n) + 1e-3, name
        assert abs(a.mean()) < 6 * bound / np.sqrt(3 * n), name


def test_embedding_and_prelu_default_init_match_torch():
    ag.manual_seed(0)
    emb = nn.Embedding(2000, 8, padding_idx=5)
    w = to_host(emb.weight.detach())
    assert abs(w.std() - 1.0) < 0.05 and abs(w.mean()) < 0.05  # N(0, 1), like torch's normal_
    assert not w[5].any()
    np.testing.assert_array_equal(to_host(nn.PReLU(3, init=0.1).weight.detach()), torch.nn.PReLU(3, init=0.1).weight
                                  .detach().numpy())


def test_bilinear_default_init_bounds_match_torch():
    ag.manual_seed(0)
    ours = nn.Bilinear(16, 5, 4)
    bound = 1 / np.sqrt(16)
    for p in (ours.weight, ours.bias):
        a = to_host(p.detach())
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound


def test_pytorch_state_dict_loads_and_gives_the_same_outputs_in_float32():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Embedding(3, 3))
    ours = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Embedding(3, 3))
    load_from_torch(ours, theirs)
    for (k, v), (k2, v2) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(to_host(v), v2.numpy())
        assert v.dtype == np.float32
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(to_host(ours[0](ag.tensor(x))), theirs[0](torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
