"""F.gumbel_softmax: the Gumbel-max distribution of its hard samples, soft samples on the simplex,
the straight-through gradient, gradcheck with the noise fixed, and dim / eps as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from tests.helpers.op_factory import to_host


def test_hard_samples_follow_the_softmax_of_the_logits():
    """Gumbel-max: argmax(logits + g) is distributed as softmax(logits), at any tau."""
    ag.manual_seed(0)
    logits = ag.tensor([1.0, 0.0, -1.0, 0.5], dtype=ag.float64)
    probs = to_host(ag.softmax(logits, 0))
    for tau in (1.0, 0.3):
        y = F.gumbel_softmax(logits.expand(40000, 4), tau=tau, hard=True)
        frequencies = to_host(y).mean(0)
        # 40000 draws: the standard error of each frequency is below 0.0025; 4 of them is 0.01.
        np.testing.assert_allclose(frequencies, probs, atol=0.01)
        assert set(np.unique(to_host(y))) == {0.0, 1.0} and (to_host(y).sum(1) == 1).all()


def test_soft_samples_lie_on_the_simplex_and_sharpen_as_tau_falls():
    ag.manual_seed(1)
    logits = ag.randn(500, 5, dtype=ag.float64)
    soft = to_host(F.gumbel_softmax(logits, tau=1.0))
    assert (soft > 0).all()
    np.testing.assert_allclose(soft.sum(1), 1.0, rtol=1e-12)
    sharp = to_host(F.gumbel_softmax(logits, tau=0.05))
    assert np.median(sharp.max(1)) > 0.99 > np.median(soft.max(1))


def test_hard_is_one_hot_of_the_soft_sample_with_its_gradient():
    x = ag.randn(6, 4, dtype=ag.float64, requires_grad=True)
    w = ag.randn(6, 4, dtype=ag.float64)
    ag.manual_seed(3)
    hard = F.gumbel_softmax(x, tau=0.7, hard=True, dim=1)
    (hard * w).sum().backward()
    grad_hard = to_host(x.grad)
    x.grad = None
    ag.manual_seed(3)
    soft = F.gumbel_softmax(x, tau=0.7, dim=1)
    (soft * w).sum().backward()
    expected = np.eye(4)[to_host(soft.detach()).argmax(1)]
    np.testing.assert_array_equal(to_host(hard.detach()), expected)
    np.testing.assert_allclose(grad_hard, to_host(x.grad), rtol=1e-12)


def test_gradcheck_with_the_noise_fixed():
    def fixed_noise(hard):
        def fn(x):
            ag.manual_seed(5)
            return F.gumbel_softmax(x, tau=0.5, hard=hard, dim=0)
        return fn

    x = ag.randn(4, 3, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(fixed_noise(False), (x,))
    assert ag.gradgradcheck(fixed_noise(False), (x,))


def test_dim_and_deprecated_eps_as_torch():
    torch = pytest.importorskip("torch")
    y = F.gumbel_softmax(ag.zeros(2, 3, 4), hard=True, dim=1)
    np.testing.assert_array_equal(to_host(y).sum(1), np.ones((2, 4)))
    yt = torch.nn.functional.gumbel_softmax(torch.zeros(2, 3, 4), hard=True, dim=1)
    assert tuple(yt.shape) == tuple(y.shape) and yt.dtype == torch.float32 and y.dtype == ag.float32
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(ag.zeros(3), eps=1e-5)
    with pytest.warns(UserWarning, match="deprecated"):
        torch.nn.functional.gumbel_softmax(torch.zeros(3), eps=1e-5)
    with pytest.raises(TypeError):
        F.gumbel_softmax(ag.zeros(3, dtype=ag.int64))
