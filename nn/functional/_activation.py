"""Activation functions, composed from autograd_core ops (PyTorch's names, arguments and gradients).

Where PyTorch picks a particular subgradient at a kink (leaky_relu, elu, hardtanh at
their breakpoints) the composition is arranged to pick the same one, so gradients
agree with PyTorch's everywhere, not just almost everywhere.

``inplace=True`` works as in PyTorch: the input tensor takes the result and is
returned, and the change is recorded on the tape (``autograd_core.ops.inplace.in_place``),
so an in-place activation on a leaf that requires grad, or on a tensor a backward
saved (``sigmoid``'s output, say), raises as PyTorch does.  ``relu_``, ``elu_``,
``leaky_relu_``, ``hardtanh_``, ``threshold_``, ``rrelu_``, ``celu_`` and ``selu_`` are
the in-place forms PyTorch names.

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
from autograd_core.amp import AUTOCAST, float32_dtype, lower_precision
from autograd_core.ops.inplace import in_place
from autograd_core.ops.special import erf

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "rrelu",
    "rrelu_",
    "prelu",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "hardtanh",
    "hardtanh_",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "tanhshrink",
    "hardshrink",
    "softshrink",
    "threshold",
    "threshold_",
    "glu",
    "softmax",
    "softmin",
    "log_softmax",
    "gumbel_softmax",
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


def _apply(name: str, input: Tensor, inplace: bool, compute) -> Tensor:
    """``compute(input)``; with ``inplace`` the result is written into ``input`` and ``input`` returned,
    recorded on the tape as PyTorch records ``<name>_``."""
    return in_place(name + "_", input, compute) if inplace else compute(input)


def _refuse_negative_slope(name: str, input: Tensor, slope: float, inplace: bool) -> None:
    """PyTorch's in-place leaky_relu / elu backward works from the result, which a negative slope makes
    ambiguous, so PyTorch refuses it (at backward); here at the call, where the fix is made."""
    if inplace and slope < 0 and input.requires_grad and ag.is_grad_enabled():
        raise RuntimeError(
            f"In-place {name} backward calculation is triggered with a negative slope which is not supported. "
            f"This is caused by calling in-place forward function with a negative slope ({slope}), please call "
            "out-of-place version instead."
        )


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); gradient 0 at 0 (as PyTorch).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.relu(ag.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    _check("relu", input)
    return ag.relu_(input) if inplace else ag.relu(input)


def relu_(input: Tensor) -> Tensor:
    """``relu(input, inplace=True)``: ``input`` becomes max(input, 0) and is returned."""
    return relu(input, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds (PyTorch's rule).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.hardtanh(ag.tensor([-3.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    _check("hardtanh", input)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")

    def compute(x: Tensor) -> Tensor:
        inside = (x > min_val) & (x < max_val)
        # clamp alone would pass the gradient at the bounds; PyTorch's hardtanh does not.
        return ag.where(inside, x, ag.clamp(x.detach(), min_val, max_val))

    return _apply("hardtanh", input, inplace, compute)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh(input, min_val, max_val, inplace=True)``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise (gradient negative_slope at 0, as PyTorch).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.leaky_relu(ag.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    _check("leaky_relu", input)
    _refuse_negative_slope("leakyReLu", input, negative_slope, inplace)
    return _apply("leaky_relu", input, inplace, lambda x: ag.where(x > 0, x, x * float(negative_slope)))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu(input, negative_slope, inplace=True)``."""
    return leaky_relu(input, negative_slope, inplace=True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): in training each x <= 0 gets its own slope drawn from
    U(lower, upper); otherwise the fixed slope (lower + upper) / 2.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.rrelu(ag.tensor([-3.0, 2.0]), 0.25, 0.75).tolist()
    [-1.5, 2.0]
    """
    _check("rrelu", input)
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper bound (got lower={lower}, "
                           f"upper={upper})")
    if not training:
        return _apply("rrelu", input, inplace, lambda x: ag.where(x > 0, x, x * ((lower + upper) / 2.0)))
    # PyTorch draws a slope for x <= 0 (zero included); the slopes are constants of the graph.
    slopes = ag.rand(tuple(input.shape), dtype=input.dtype, device=input.device) * (upper - lower) + lower
    return _apply("rrelu", input, inplace, lambda x: ag.where(x > 0, x, x * slopes))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """``rrelu(input, lower, upper, training, inplace=True)``."""
    return rrelu(input, lower, upper, training, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """leaky_relu with a learned slope per channel (dim 1), or one slope shared by all elements.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.prelu(ag.tensor([[-2.0, 3.0]]), ag.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    _check("prelu", input)
    if not isinstance(weight, Tensor) or weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be a 1-D tensor, got {getattr(weight, 'shape', type(weight).__name__)}")
    if AUTOCAST[0]:  # (autocast: float16 operands; see autograd_core/amp.py)
        input, weight = lower_precision("prelu", input, weight)
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
    _refuse_negative_slope("elu", input, alpha, inplace)
    return _apply("elu", input, inplace, lambda x: _elu(x, alpha))


def _elu(x: Tensor, alpha: float) -> Tensor:
    # exp of the clamped input: the unused branch must not overflow for large positive x.
    negative = (ag.exp(ag.clamp(x, max=0.0)) - 1.0) * float(alpha)
    return ag.where(x > 0, x, negative)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu(input, alpha, inplace=True)``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. 2017."""
    _check("selu", input)
    return _apply("selu", input, inplace, lambda x: _elu(x, _SELU_ALPHA) * _SELU_SCALE)


def selu_(input: Tensor) -> Tensor:
    """``selu(input, inplace=True)``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _check("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    _refuse_negative_slope("elu", input, alpha, inplace)

    def compute(x: Tensor) -> Tensor:
        negative = (ag.exp(ag.clamp(x, max=0.0) / float(alpha)) - 1.0) * float(alpha)
        return ag.where(x > 0, x, negative)

    return _apply("celu", input, inplace, compute)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu(input, alpha, inplace=True)``."""
    return celu(input, alpha, inplace=True)


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
    return _apply("silu", input, inplace, lambda x: x * ag.sigmoid(x))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    _check("mish", input)
    return _apply("mish", input, inplace, lambda x: x * ag.tanh(ag.softplus(x)))


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
    _check("hardsigmoid", input)
    return _apply("hardsigmoid", input, inplace, lambda x: hardtanh(x + 3.0, 0.0, 6.0) / 6.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3 (PyTorch's gradients at both breakpoints)."""
    _check("hardswish", input)

    def compute(x: Tensor) -> Tensor:
        middle = x * (x + 3.0) / 6.0
        return ag.where(x >= 3.0, x, ag.where(x <= -3.0, x * 0.0, middle))

    return _apply("hardswish", input, inplace, compute)


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
    return _apply("threshold", input, inplace, lambda x: ag.where(x > threshold, x, ag.full_like(x, value)))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold(input, threshold, value, inplace=True)``."""
    return _threshold(input, threshold, value, inplace=True)


_threshold = threshold  # (threshold_'s own argument named threshold hides the function)


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
    if AUTOCAST[0]:  # (cuda autocast: float32 unless a dtype is given; see autograd_core/amp.py)
        dtype = float32_dtype("softmax", input, dtype)
    return ag.softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    return ag.softmax(-input, dim, dtype=dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax (Concrete) distribution over ``dim`` (Jang et al. 2016;
    Maddison et al. 2016): ``softmax((logits + g) / tau)`` with ``g`` standard Gumbel noise.  With
    ``hard=True`` the result is the one-hot vector of the sample's argmax in the forward pass, and
    the soft sample's gradient in backward (straight-through: ``y_hard - y_soft.detach() + y_soft``).
    ``eps`` is deprecated and unused, as in PyTorch.

    >>> import autograd_core as ag, nn.functional as F
    >>> y = F.gumbel_softmax(ag.zeros(2, 3), hard=True)
    >>> y.sum(dim=-1).tolist()
    [1.0, 1.0]
    """
    _check("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # -log(Exp(1)) is standard Gumbel; exponential_ never returns 0 (it inverts the CDF at u in [0, 1)).
    gumbels = -ag.empty_like(logits).exponential_().log()
    y_soft = ag.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = ag.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


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
    if AUTOCAST[0]:
        dtype = float32_dtype("log_softmax", input, dtype)
    return ag.log_softmax(input, dim, dtype=dtype)
