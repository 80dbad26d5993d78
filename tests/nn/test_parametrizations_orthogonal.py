"""nn.utils.parametrizations.orthogonal: orthogonality, PyTorch's maps, defaults, state_dict layout,
values and gradients against PyTorch (same original tensors), assignment, errors, devices."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.utils import parametrize
from tests.helpers.op_factory import DEVICES, to_host

MAPS = [None, "matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 3, 3), (2, 4, 2)]


class _Holder(nn.Module):
    """A module with one weight of any shape (batches of matrices included)."""

    def __init__(self, w) -> None:
        super().__init__()
        self.weight = nn.Parameter(ag.tensor(w))


def _torch_holder(torch, w):
    class Holder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.tensor(w))

    return Holder()


def _is_orthogonal(W: np.ndarray) -> bool:
    m, n = W.shape[-2:]
    gram = np.swapaxes(W, -1, -2) @ W if m >= n else W @ np.swapaxes(W, -1, -2)
    return np.allclose(gram, np.eye(min(m, n)), atol=1e-10)


@pytest.mark.parametrize("use_trivialization", [True, False])
@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_pytorch_layout_values_and_gradients(shape, orthogonal_map, use_trivialization):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal(shape)
    ours = nn.utils.parametrizations.orthogonal(_Holder(w), orthogonal_map=orthogonal_map,
                                                 use_trivialization=use_trivialization)
    theirs = torch.nn.utils.parametrizations.orthogonal(_torch_holder(torch, w), orthogonal_map=orthogonal_map,
                                                         use_trivialization=use_trivialization)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    W = to_host(ours.weight)
    assert W.shape == shape and _is_orthogonal(W)
    # Initial values: PyTorch's where no random completion is involved (square or already-orthogonal bases)
    if use_trivialization or orthogonal_map == "householder" or (orthogonal_map is None and shape[-1] != shape[-2]):
        np.testing.assert_allclose(W, theirs.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    # The same state in both: the same weight and the same gradient of the trained tensor.
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(to_host(ours.weight), theirs.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(shape)
    (ours.weight * ag.tensor(g)).sum().backward()
    (theirs.weight * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_host(ours.parametrizations.weight.original.grad),
                               theirs.parametrizations.weight.original.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, expected", [((4, 4), "matrix_exp"), ((5, 3), "householder"), ((3, 5), "householder")])
def test_default_map_is_pytorchs(shape, expected):
    m = nn.utils.parametrizations.orthogonal(nn.Linear(shape[1], shape[0]))
    assert m.parametrizations.weight[0].orthogonal_map == expected


def test_state_dict_of_a_linear_layer_has_pytorchs_keys():
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"use_trivialization": False}):
        ours = nn.utils.parametrizations.orthogonal(nn.Linear(3, 5), **kwargs)
        theirs = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 5), **kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [tuple(v.shape) for v in ours.state_dict().values()] == [tuple(v.shape) for v in theirs.state_dict().values()]


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_gradcheck_through_each_map(orthogonal_map):
    for shape in [(3, 3), (4, 2), (2, 4)]:
        w = np.random.default_rng(2).standard_normal(shape)
        for triv in (True, False):
            m = nn.utils.parametrizations.orthogonal(_Holder(w), orthogonal_map=orthogonal_map, use_trivialization=triv)
            orth = m.parametrizations.weight[0]
            X = ag.tensor(np.random.default_rng(3).standard_normal(shape) * 0.5, requires_grad=True)
            assert ag.gradcheck(orth, (X,))
            assert ag.gradgradcheck(orth, (X,))


def test_assigning_a_weight_stores_it_with_the_trivialization():
    rng = np.random.default_rng(4)
    q = np.linalg.qr(rng.standard_normal((5, 3)))[0]
    for orthogonal_map in ("matrix_exp", "cayley", "householder"):
        m = nn.utils.parametrizations.orthogonal(nn.Linear(3, 5), orthogonal_map=orthogonal_map)
        m.weight = ag.tensor(q, dtype=ag.float32)
        np.testing.assert_allclose(to_host(m.weight), q, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(to_host(m.parametrizations.weight.original), -np.eye(5, 3))


def test_without_trivialization_householder_takes_an_assignment_and_the_others_refuse_as_pytorch():
    torch = pytest.importorskip("torch")
    q = np.linalg.qr(np.random.default_rng(5).standard_normal((4, 4)))[0]
    m = nn.utils.parametrizations.orthogonal(_Holder(np.eye(4)), orthogonal_map="householder", use_trivialization=False)
    m.weight = ag.tensor(q)
    np.testing.assert_allclose(to_host(m.weight), q, rtol=1e-10, atol=1e-12)
    for orthogonal_map in ("matrix_exp", "cayley"):
        m = nn.utils.parametrizations.orthogonal(_Holder(np.eye(4)), orthogonal_map=orthogonal_map,
                                                 use_trivialization=False)
        t = torch.nn.utils.parametrizations.orthogonal(_torch_holder(torch, np.eye(4)),
                                                       orthogonal_map=orthogonal_map, use_trivialization=False)
        with pytest.raises(NotImplementedError, match="use_trivialization=False"):
            m.weight = ag.tensor(q)
        with pytest.raises(NotImplementedError, match="use_trivialization=False"):
            t.weight = torch.tensor(q)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "bias2"}, r"has no parameter or buffer with name 'bias2'"),
        ({"name": "bias"}, r"Expected a matrix or batch of matrices\. Got a tensor of 1 dimensions\."),
        ({"orthogonal_map": "qr"}, r'orthogonal_map has to be one of "matrix_exp", "cayley", "householder"\. Got: qr'),
    ],
    ids=["no_such_tensor", "vector", "bad_map"],
)
def test_errors_as_pytorch(kwargs, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=match):
        nn.utils.parametrizations.orthogonal(nn.Linear(3, 3), **kwargs)
    with pytest.raises(ValueError, match=match):
        torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), **kwargs)


def test_right_inverse_checks_the_shape():
    m = nn.utils.parametrizations.orthogonal(nn.Linear(3, 4))
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape \(4, 3\)"):
        m.weight = ag.ones(3, 4)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_training_keeps_the_weight_orthogonal(orthogonal_map):
    ag.manual_seed(0)
    m = nn.utils.parametrizations.orthogonal(nn.Linear(4, 6).double(), orthogonal_map=orthogonal_map)
    opt = optim.SGD(m.parameters(), lr=0.1)
    x = ag.randn(8, 4, dtype=ag.float64)
    target = ag.randn(8, 6, dtype=ag.float64)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = ((m(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert _is_orthogonal(to_host(m.weight))
    assert parametrize.is_parametrized(m, "weight")


@pytest.mark.parametrize("device", DEVICES)
def test_runs_on_every_device(device):
    for orthogonal_map in ("matrix_exp", "cayley", "householder"):
        for triv in (True, False):
            lin = nn.Linear(3, 5).double().to(device)
            m = nn.utils.parametrizations.orthogonal(lin, orthogonal_map=orthogonal_map, use_trivialization=triv)
            assert m.weight.device == lin.bias.device
            assert _is_orthogonal(to_host(m.weight))
            m(ag.ones(2, 3, dtype=ag.float64, device=device)).sum().backward()
            assert m.parametrizations.weight.original.grad.shape == (5, 3)
