"""Activation functions, composed from autograd_core ops (PyTorch's names, arguments and gradients).

Where PyTorch picks a particular subgradient at a kink (leaky_relu, elu, hardtanh at
their breakpoints) the composition is arranged to pick the same one, so gradients
agree with PyTorch's everywhere, not just almost everywhere.

``inplace=True`` is accepted for porting but computes out of place: the tape
records no in-place ops, and the result is the same tensor value.

>>> import autograd_core as ag
>>> import nn.functional as F
>>> F.leaky_relu(ag.tensor([-1.0, 2.0]), 0.1).tolist()
[-0.10000000149011612, 2.0]
"""

from __future__ import annotations

import math
import warnings

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.special import erf

__all__ = [
    "relu",
    "relu6",
    "leaky_relu",
    "rrelu",
    "prelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "hardtanh",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "tanhshrink",
    "hardshrink",
    "softshrink",
    "threshold",
    "glu",
    "softmax",
    "softmin",
    "log_softmax",
    "elliot",
    "symmetric_elliot",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


def _check(name: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point tensor, got dtype {input.dtype}; convert it with .float()")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); gradient 0 at 0 (as PyTorch).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.relu(ag.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    _check("relu", input)
    return ag.relu(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds (PyTorch's rule).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.hardtanh(ag.tensor([-3.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    _check("hardtanh", input)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    inside = (input > min_val) & (input < max_val)
    # clamp alone would pass the gradient at the bounds; PyTorch's hardtanh does not.
    return ag.where(inside, input, ag.clamp(input.detach(), min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise (gradient negative_slope at 0, as PyTorch).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.leaky_relu(ag.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    _check("leaky_relu", input)
    return ag.where(input > 0, input, input * float(negative_slope))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): in training each x <= 0 gets its own slope drawn from
    U(lower, upper); otherwise the fixed slope (lower + upper) / 2.  ``inplace`` computes out of place.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.rrelu(ag.tensor([-3.0, 2.0]), 0.25, 0.75).tolist()
    [-1.5, 2.0]
    """
    _check("rrelu", input)
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper bound (got lower={lower}, "
                           f"upper={upper})")
    if not training:
        return leaky_relu(input, (lower + upper) / 2.0)
    # PyTorch draws a slope for x <= 0 (zero included); the slopes are constants of the graph.
    slopes = ag.rand(tuple(input.shape), dtype=input.dtype, device=input.device) * (upper - lower) + lower
    return ag.where(input > 0, input, input * slopes)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """leaky_relu with a learned slope per channel (dim 1), or one slope shared by all elements.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.prelu(ag.tensor([[-2.0, 3.0]]), ag.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    _check("prelu", input)
    if not isinstance(weight, Tensor) or weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be a 1-D tensor, got {getattr(weight, 'shape', type(weight).__name__)}")
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())
    else:
        # PyTorch: the channel dim is dim 1; inputs with fewer than 2 dims have a single channel.
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError(
                f"prelu: weight has {n} parameters but the input (shape {tuple(input.shape)}) has {channels} "
                f"channel(s) in dim 1; use num_parameters=1 or num_parameters={channels}"
            )
        w = weight.reshape((n,) + (1,) * (input.ndim - 2))
    return ag.where(input > 0, input, input * w)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.elu(ag.tensor([-1.0])).item(), 4)
    -0.6321
    """
    _check("elu", input)
    # exp of the clamped input: the unused branch must not overflow for large positive x.
    negative = (ag.exp(ag.clamp(input, max=0.0)) - 1.0) * float(alpha)
    return ag.where(input > 0, input, negative)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. 2017."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _check("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    negative = (ag.exp(ag.clamp(input, max=0.0) / float(alpha)) - 1.0) * float(alpha)
    return ag.where(input > 0, input, negative)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x): exact with erf (``approximate='none'``) or the tanh approximation (``'tanh'``).

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.gelu(ag.tensor([1.0])).item(), 4)
    0.8413
    """
    _check("gelu", input)
    if approximate == "none":
        return input * (erf(input * _INV_SQRT_2) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * (ag.tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (swish)."""
    _check("silu", input)
    return input * ag.sigmoid(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    _check("mish", input)
    return input * ag.tanh(ag.softplus(input))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), stable for any x."""
    _check("sigmoid", input)
    return ag.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    _check("tanh", input)
    return ag.tanh(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6 (gradient 1/6 strictly inside (-3, 3), as PyTorch)."""
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3 (PyTorch's gradients at both breakpoints)."""
    _check("hardswish", input)
    middle = input * (input + 3.0) / 6.0
    return ag.where(input >= 3.0, input, ag.where(input <= -3.0, input * 0.0, middle))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    _check("logsigmoid", input)
    return -ag.softplus(-input, 1.0, float("inf"))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    _check("tanhshrink", input)
    return input - ag.tanh(input)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.hardshrink(ag.tensor([-1.0, 0.2, 0.7])).tolist()
    [-1.0, 0.0, 0.699999988079071]
    """
    _check("hardshrink", input)
    return ag.where(ag.abs(input) > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.softshrink(ag.tensor([-1.0, 0.2, 1.5])).tolist()
    [-0.5, 0.0, 1.0]
    """
    _check("softshrink", input)
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}")
    return ag.where(input > lambd, input - lambd, ag.where(input < -lambd, input + lambd, 0.0))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.threshold(ag.tensor([-1.0, 0.5, 2.0]), 1.0, -5.0).tolist()
    [-5.0, -5.0, 2.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"threshold: expected a Tensor, got {type(input).__name__}")
    return ag.where(input > threshold, input, ag.full_like(input, value))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of ``input`` along ``dim``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.glu(ag.tensor([[2.0, 0.0]])).tolist()
    [[1.0]]
    """
    _check("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu: does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    a, b = ag.chunk(input, 2, dim)
    return a * ag.sigmoid(b)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.softplus(ag.tensor([0.0])).item(), 4)
    0.6931
    """
    _check("softplus", input)
    return ag.softplus(input, beta, threshold)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    _check("softsign", input)
    return input / (ag.abs(input) + 1.0)


def elliot(input: Tensor, steepness: float = 1.0) -> Tensor:
    """The Elliot sigmoid 0.5 * s*x / (1 + |s*x|) + 0.5: a sigmoid-shaped curve in (0, 1) without exp.

    Not in PyTorch; from the classic NumPy network libraries (FANN's ``ELLIOT``).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.elliot(ag.tensor([0.0, 1.0])).tolist()
    [0.5, 0.75]
    """
    _check("elliot", input)
    sx = input * float(steepness)
    return sx / (ag.abs(sx) + 1.0) * 0.5 + 0.5


def symmetric_elliot(input: Tensor, steepness: float = 1.0) -> Tensor:
    """The symmetric Elliot function s*x / (1 + |s*x|): a tanh-shaped curve in (-1, 1) without exp.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.symmetric_elliot(ag.tensor([-1.0, 0.0]), steepness=2.0).tolist()
    [-0.6666666865348816, 0.0]
    """
    _check("symmetric_elliot", input)
    sx = input * float(steepness)
    return sx / (ag.abs(sx) + 1.0)


def _softmax_dim(name: str, ndim: int) -> int:
    # PyTorch's legacy rule for dim=None, kept so that old code ports unchanged.
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.softmax(ag.zeros(2, 4), dim=1).tolist()[0]
    [0.25, 0.25, 0.25, 0.25]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"softmax: expected a Tensor, got {type(input).__name__}")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ag.softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    return ag.softmax(-input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably in one primitive.

    >>> import autograd_core as ag, nn.functional as F
    >>> round(F.log_softmax(ag.zeros(1, 2), dim=1)[0, 0].item(), 4)
    -0.6931
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"log_softmax: expected a Tensor, got {type(input).__name__}")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ag.log_softmax(input, dim, dtype=dtype)
