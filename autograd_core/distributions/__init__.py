"""``autograd_core.distributions``: PyTorch's ``torch.distributions``, composed from autograd_core ops.

Every parameter, ``log_prob``, ``entropy``, ``cdf``, ``rsample`` and ``kl_divergence`` is built
from differentiable ops, so gradients come from the engine (no backward rules here) and the
same code runs on the CPU and the GPU.  Sampling draws from the distribution's device
generator, so ``ag.manual_seed`` makes it reproducible (the streams differ from PyTorch's).

- Discrete: ``Bernoulli``, ``Categorical``, ``OneHotCategorical``, ``Binomial``, ``Geometric``,
  ``Poisson``.
- Continuous: ``Normal``, ``Uniform``, ``Exponential``, ``Laplace``, ``Cauchy``, ``LogNormal``,
  ``Gamma``, ``Beta``, ``Dirichlet``, ``MultivariateNormal``.
- Wrappers: ``Independent``, ``TransformedDistribution`` (with ``transforms.ExpTransform``
  and ``transforms.AffineTransform``).
- ``kl_divergence(p, q)`` and ``register_kl``; ``constraints``; the ``Distribution`` base.

``Gamma``, ``Beta`` and ``Dirichlet`` have no ``rsample`` (PyTorch's uses implicit
reparameterisation gradients); their ``sample`` draws without gradient.

A REINFORCE step, as in PyTorch's examples:

>>> import autograd_core as ag
>>> from autograd_core.distributions import Categorical
>>> _ = ag.manual_seed(0)
>>> logits = ag.tensor([0.5, -0.5, 0.0], requires_grad=True)
>>> policy = Categorical(logits=logits)
>>> action = policy.sample()
>>> loss = -policy.log_prob(action) * 2.0   # reward 2
>>> loss.backward()
>>> logits.grad.shape
torch.Size([3])
"""

from __future__ import annotations

from autograd_core.distributions import constraints, transforms
from autograd_core.distributions.bernoulli import Bernoulli
from autograd_core.distributions.beta import Beta
from autograd_core.distributions.binomial import Binomial
from autograd_core.distributions.categorical import Categorical, OneHotCategorical
from autograd_core.distributions.cauchy import Cauchy
from autograd_core.distributions.dirichlet import Dirichlet
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.exponential import Exponential
from autograd_core.distributions.gamma import Gamma
from autograd_core.distributions.geometric import Geometric
from autograd_core.distributions.independent import Independent
from autograd_core.distributions.kl import kl_divergence, register_kl
from autograd_core.distributions.laplace import Laplace
from autograd_core.distributions.log_normal import LogNormal
from autograd_core.distributions.multivariate_normal import MultivariateNormal
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.poisson import Poisson
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AffineTransform, ExpTransform, Transform
from autograd_core.distributions.uniform import Uniform

__all__ = [
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Dirichlet",
    "Distribution",
    "ExpTransform",
    "Exponential",
    "Gamma",
    "Geometric",
    "Independent",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
    "transforms",
]
