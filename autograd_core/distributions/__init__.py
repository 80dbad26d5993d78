"""``autograd_core.distributions``: PyTorch's ``torch.distributions``, composed from autograd_core ops.

Every parameter, ``log_prob``, ``entropy``, ``cdf``, ``rsample`` and ``kl_divergence`` is built
from differentiable ops, so gradients come from the engine (no backward rules here) and the
same code runs on the CPU and the GPU.  Sampling draws from the distribution's device
generator, so ``ag.manual_seed`` makes it reproducible (the streams differ from PyTorch's).

- Discrete: ``Bernoulli``, ``Categorical``, ``OneHotCategorical``, ``Binomial``, ``Geometric``,
  ``Poisson``.
- Continuous: ``Normal``, ``Uniform``, ``Exponential``, ``Laplace``, ``Cauchy``, ``LogNormal``,
  ``Gamma``, ``Beta``, ``Dirichlet``, ``MultivariateNormal``.
- More continuous: ``StudentT``, ``Chi2``, ``FisherSnedecor``, ``HalfNormal``, ``HalfCauchy``,
  ``Gumbel``, ``Weibull``, ``Pareto``, ``Kumaraswamy``, ``ContinuousBernoulli``, ``VonMises``,
  ``LowRankMultivariateNormal``, ``LogisticNormal``, ``RelaxedBernoulli``,
  ``RelaxedOneHotCategorical``; more discrete: ``Multinomial``, ``NegativeBinomial``.
- Wrappers: ``Independent``, ``TransformedDistribution``, ``MixtureSameFamily``.
- ``transforms`` (``ExpTransform``, ``AffineTransform``, ``TanhTransform``, ``SigmoidTransform``,
  ``StickBreakingTransform``, ``ComposeTransform`` ...) and the ``biject_to`` / ``transform_to``
  registries from constraints to transforms.
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

from autograd_core.distributions import _kl_extra, constraints, transforms  # noqa: F401  (_kl_extra registers KL pairs)
from autograd_core.distributions.bernoulli import Bernoulli
from autograd_core.distributions.beta import Beta
from autograd_core.distributions.binomial import Binomial
from autograd_core.distributions.categorical import Categorical, OneHotCategorical
from autograd_core.distributions.cauchy import Cauchy
from autograd_core.distributions.chi2 import Chi2
from autograd_core.distributions.constraint_registry import biject_to, transform_to
from autograd_core.distributions.continuous_bernoulli import ContinuousBernoulli
from autograd_core.distributions.dirichlet import Dirichlet
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.exponential import Exponential
from autograd_core.distributions.fishersnedecor import FisherSnedecor
from autograd_core.distributions.gamma import Gamma
from autograd_core.distributions.geometric import Geometric
from autograd_core.distributions.gumbel import Gumbel
from autograd_core.distributions.half_cauchy import HalfCauchy
from autograd_core.distributions.half_normal import HalfNormal
from autograd_core.distributions.independent import Independent
from autograd_core.distributions.kl import kl_divergence, register_kl
from autograd_core.distributions.kumaraswamy import Kumaraswamy
from autograd_core.distributions.laplace import Laplace
from autograd_core.distributions.log_normal import LogNormal
from autograd_core.distributions.logistic_normal import LogisticNormal
from autograd_core.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from autograd_core.distributions.mixture_same_family import MixtureSameFamily
from autograd_core.distributions.multinomial import Multinomial
from autograd_core.distributions.multivariate_normal import MultivariateNormal
from autograd_core.distributions.negative_binomial import NegativeBinomial
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.pareto import Pareto
from autograd_core.distributions.poisson import Poisson
from autograd_core.distributions.relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from autograd_core.distributions.relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from autograd_core.distributions.studentT import StudentT
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from autograd_core.distributions.uniform import Uniform
from autograd_core.distributions.von_mises import VonMises
from autograd_core.distributions.weibull import Weibull

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ComposeTransform",
    "ContinuousBernoulli",
    "Dirichlet",
    "Distribution",
    "ExpRelaxedCategorical",
    "ExpTransform",
    "Exponential",
    "FisherSnedecor",
    "Gamma",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "IndependentTransform",
    "Kumaraswamy",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LogitRelaxedBernoulli",
    "LowRankMultivariateNormal",
    "LowerCholeskyTransform",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "Pareto",
    "Poisson",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StickBreakingTransform",
    "StudentT",
    "TanhTransform",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "VonMises",
    "Weibull",
    "biject_to",
    "constraints",
    "identity_transform",
    "kl_divergence",
    "register_kl",
    "transform_to",
    "transforms",
]
