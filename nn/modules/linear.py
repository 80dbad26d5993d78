"""Linear layers and shape helpers: ``Identity``, ``Linear``, ``Bilinear``, ``Flatten``, ``Unflatten``.

Parameter names, layouts and default initialisations are PyTorch's, so a
PyTorch state_dict converted to arrays loads with ``load_state_dict``.

>>> import autograd_core as ag, nn
>>> nn.Linear(4, 2)
Linear(in_features=4, out_features=2, bias=True)
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor
from nn import init
from nn.functional import _linear as F
from nn.module import Module
from nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear", "Flatten", "Unflatten"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (as in PyTorch).

    >>> import autograd_core as ag, nn
    >>> nn.Identity(54, unused="x")(ag.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with weight (out_features, in_features) and bias (out_features,).

    Initialised as PyTorch does: weight with ``kaiming_uniform_(a=sqrt(5))``, that is
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and bias from the same range.

    >>> import autograd_core as ag, nn
    >>> m = nn.Linear(3, 2, bias=False)
    >>> m.weight.shape, m.bias, m(ag.ones(5, 3)).shape
    (torch.Size([2, 3]), None, torch.Size([5, 2]))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {v!r}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"Linear: expected a Tensor input, got {type(input).__name__}")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}): input of shape "
                f"{tuple(input.shape)} must have {self.in_features} features in its last dim"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y[k] = x1 @ weight[k] @ x2 + bias[k]`` with weight (out, in1, in2), bias (out,).

    Both initialised U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch.

    >>> import autograd_core as ag, nn
    >>> nn.Bilinear(3, 4, 5)(ag.ones(2, 3), ag.ones(2, 4)).shape
    torch.Size([2, 5])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in1_features, in2_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` (default: all but the batch dim).

    >>> import autograd_core as ag, nn
    >>> nn.Flatten()(ag.ones(2, 3, 4)).shape
    torch.Size([2, 12])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (which may hold one -1).

    >>> import autograd_core as ag, nn
    >>> nn.Unflatten(1, (3, 4))(ag.ones(2, 12)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        d = self.dim + input.ndim if self.dim < 0 else self.dim
        if not 0 <= d < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {tuple(input.shape)}")
        sizes = tuple(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != input.shape[d]) or (
            -1 in sizes and (known == 0 or input.shape[d] % known)
        ):
            raise RuntimeError(
                f"Unflatten: sizes {sizes} don't multiply to dim {self.dim}'s size {input.shape[d]} "
                f"(input shape {tuple(input.shape)})"
            )
        return input.reshape(input.shape[:d] + sizes + input.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
