"""Policy-gradient programs as PyTorch's examples write them give PyTorch's gradients:
REINFORCE with ``Categorical(logits=...)`` and a Gaussian policy with ``Normal(mu, std)``,
on the same weights, states, actions and rewards."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
import nn
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
STATES = RNG.standard_normal((6, 4))
W1, B1 = RNG.standard_normal((8, 4)) * 0.5, RNG.standard_normal(8) * 0.1
W2, B2 = RNG.standard_normal((3, 8)) * 0.5, RNG.standard_normal(3) * 0.1
REWARDS = RNG.standard_normal(6)


def _policy(lib, nn_module):
    net = nn_module.Sequential(nn_module.Linear(4, 8), nn_module.Tanh(), nn_module.Linear(8, 3))
    with lib.no_grad():
        for layer, (w, b) in zip((net[0], net[2]), ((W1, B1), (W2, B2))):
            layer.weight.copy_(lib.tensor(w, dtype=lib.float64))
            layer.bias.copy_(lib.tensor(b, dtype=lib.float64))
    return net


def _grads(net, host):
    return [host(p.grad) for p in net.parameters()]


def test_reinforce_gradient_equals_torchs():
    ours = _policy(ag, nn).to(ag.float64)
    theirs = _policy(torch, torch.nn).double()
    # actions drawn by our policy (any actions will do: the gradient is a function of them)
    with ag.no_grad():
        ag.manual_seed(0)
        actions = AD.Categorical(logits=ours(ag.tensor(STATES, dtype=ag.float64))).sample()
    a = to_host(actions)
    for lib, D, net in ((ag, AD, ours), (torch, torch.distributions, theirs)):
        dist = D.Categorical(logits=net(lib.tensor(STATES, dtype=lib.float64)))
        returns = lib.tensor(REWARDS, dtype=lib.float64)
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        loss = (-dist.log_prob(lib.tensor(a)) * returns).sum() - 0.01 * dist.entropy().mean()
        loss.backward()
    for g_ours, g_theirs in zip(_grads(ours, to_host), _grads(theirs, lambda t: t.numpy())):
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-10, atol=1e-12)


def test_gaussian_policy_and_vae_style_losses_equal_torchs():
    mu_np, log_std_np = RNG.standard_normal((5, 2)), RNG.standard_normal(2) * 0.3
    actions = RNG.standard_normal((5, 2))
    eps = RNG.standard_normal((5, 2))
    results = []
    for lib, D in ((ag, AD), (torch, torch.distributions)):
        mu = lib.tensor(mu_np, dtype=lib.float64, requires_grad=True)
        log_std = lib.tensor(log_std_np, dtype=lib.float64, requires_grad=True)
        policy = D.Normal(mu, log_std.exp())
        prior = D.Normal(lib.zeros(5, 2, dtype=lib.float64), lib.ones(5, 2, dtype=lib.float64))
        z = mu + log_std.exp() * lib.tensor(eps, dtype=lib.float64)  # rsample with shared noise
        loss = (-policy.log_prob(lib.tensor(actions, dtype=lib.float64)).sum(-1) * 1.5).mean()
        loss = loss + D.kl_divergence(policy, prior).sum() + (z**2).sum() - policy.entropy().sum()
        loss.backward()
        host = to_host if lib is ag else (lambda t: t.detach().numpy())
        results.append([host(loss), host(mu.grad), host(log_std.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_a_few_reinforce_steps_learn_the_better_arm():
    ag.manual_seed(0)
    logits = ag.zeros(3, requires_grad=True)
    rewards = ag.tensor([0.0, 1.0, 0.2])
    for _ in range(60):
        d = AD.Categorical(logits=logits)
        a = d.sample((16,))
        loss = -(d.log_prob(a) * rewards[a]).mean()
        loss.backward()
        with ag.no_grad():
            logits -= 0.5 * logits.grad
        logits.grad = None
    assert int(logits.argmax()) == 1
