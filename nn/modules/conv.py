"""Convolution layers with PyTorch's names, parameter layouts and default initialisation.

``weight`` is ``(out_channels, in_channels / groups, *kernel_size)`` for ``Conv1d``/``2d``/``3d``
and ``(in_channels, out_channels / groups, *kernel_size)`` for the transposed layers, so a
PyTorch ``state_dict`` loads as is.  The computation lives in ``nn.functional``.
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor
from nn import init
from nn.functional import _conv as Fc
from nn.module import Module
from nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Unfold", "Fold"]

_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride,
        padding,
        dilation,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding=0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {tuple(_PADDING_MODES)}, got {padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported for transposed convolutions")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = Fc._ntuple(kernel_size, n, "kernel_size", name)
        self.stride = Fc._ntuple(stride, n, "stride", name)
        self.dilation = Fc._ntuple(dilation, n, "dilation", name)
        Fc._check_positive(name, kernel_size=self.kernel_size, stride=self.stride, dilation=self.dilation)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}; expected 'valid' or 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = Fc._ntuple(padding, n, "padding", name)
        # Per-dim (left, right) pads, used when padding_mode isn't zeros (PyTorch pads first, then convolves).
        self._pairs = Fc.conv_padding(name, self.padding, self.kernel_size, self.stride, self.dilation)
        self.output_padding = Fc._ntuple(output_padding, n, "output_padding", name)
        self.groups, self.padding_mode = groups, padding_mode
        shape = (
            (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        ) + self.kernel_size
        self.weight = Parameter(ag.empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), same for the bias.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input: Tensor, fn) -> Tensor:
        if self.padding_mode != "zeros":
            input = Fc.pad(input, Fc._flat_pad(self._pairs), mode=_PADDING_MODES[self.padding_mode])
            return fn(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``).

    >>> import autograd_core as ag, nn
    >>> nn.Conv1d(3, 8, 5, padding="same")(ag.randn(2, 3, 20)).shape
    torch.Size([2, 8, 20])
    """

    _n = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, Fc.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``).

    >>> import autograd_core as ag, nn
    >>> conv = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)
    >>> conv.weight.shape, conv(ag.randn(4, 3, 32, 32)).shape
    (torch.Size([16, 3, 3, 3]), torch.Size([4, 16, 16, 16]))
    """

    _n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, Fc.conv2d)


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, C_in, D, H, W)`` (or unbatched ``(C_in, D, H, W)``), e.g. for video or volumes.

    >>> import autograd_core as ag, nn
    >>> conv = nn.Conv3d(2, 4, kernel_size=3, stride=(1, 2, 2), padding=1)
    >>> conv.weight.shape, conv(ag.randn(1, 2, 5, 8, 8)).shape
    (torch.Size([4, 2, 3, 3, 3]), torch.Size([1, 4, 5, 4, 4]))
    """

    _n = 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, Fc.conv3d)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding=output_padding,
            device=device,
            dtype=dtype,
        )
        for o, s, d in zip(self.output_padding, self.stride, self.dilation):
            if o >= s and o >= d:
                raise ValueError(
                    f"{type(self).__name__}: output_padding {self.output_padding} must be smaller than either "
                    f"stride {self.stride} or dilation {self.dilation}"
                )

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """``output_padding``, or the one that makes the output ``output_size`` (as PyTorch's ``forward``)."""
        if output_size is None:
            return self.output_padding
        n = self._n
        size = tuple(int(s) for s in output_size)[-n:]
        if len(size) != n:
            raise ValueError(f"{type(self).__name__}: output_size must have {n} spatial sizes, got {output_size}")
        base = Fc.conv_transpose_output_size(
            type(self).__name__, input.shape[-n:], self.kernel_size, self.stride, self.padding, (0,) * n, self.dilation
        )
        extra = tuple(s - b for s, b in zip(size, base))
        if any(e < 0 or e >= max(st, d) for e, st, d in zip(extra, self.stride, self.dilation)):
            raise ValueError(
                f"{type(self).__name__}: requested output_size {size} is not reachable from input of shape "
                f"{tuple(input.shape)}: sizes between {base} and stride/dilation - 1 beyond are possible"
            )
        return extra

    def _forward(self, input: Tensor, output_size, fn) -> Tensor:
        return fn(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution; weight ``(in_channels, out_channels / groups, k)``.

    >>> import autograd_core as ag, nn
    >>> nn.ConvTranspose1d(4, 2, 3, stride=2)(ag.randn(1, 4, 5)).shape
    torch.Size([1, 2, 11])
    """

    _n = 1

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._forward(input, output_size, Fc.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (the adjoint of ``Conv2d``), e.g. for learned upsampling.

    >>> import autograd_core as ag, nn
    >>> up = nn.ConvTranspose2d(8, 4, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> up.weight.shape, up(ag.randn(2, 8, 5, 5)).shape
    (torch.Size([8, 4, 3, 3]), torch.Size([2, 4, 10, 10]))
    """

    _n = 2

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._forward(input, output_size, Fc.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution (the adjoint of ``Conv3d``); weight ``(in_channels, out_channels / groups, kd, kh, kw)``.

    >>> import autograd_core as ag, nn
    >>> nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1)(ag.randn(1, 4, 2, 3, 3)).shape
    torch.Size([1, 2, 4, 6, 6])
    """

    _n = 3

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._forward(input, output_size, Fc.conv_transpose3d)


class Unfold(Module):
    """Sliding local blocks of ``(N, C, H, W)`` as columns ``(N, C*kh*kw, L)`` (im2col), as ``F.unfold``.

    >>> import autograd_core as ag, nn
    >>> nn.Unfold(kernel_size=2)(ag.randn(1, 3, 4, 4)).shape
    torch.Size([1, 12, 9])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return Fc.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Columns ``(N, C*kh*kw, L)`` summed back into an ``output_size`` image (col2im), as ``F.fold``.

    >>> import autograd_core as ag, nn
    >>> nn.Fold(output_size=(3, 3), kernel_size=2)(ag.ones(1, 4, 4))[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return Fc.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
