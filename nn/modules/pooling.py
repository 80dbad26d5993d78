"""Pooling and upsampling layers: thin modules over ``nn.functional``, with PyTorch's arguments and repr."""

from __future__ import annotations

from autograd_core import Tensor
from nn.functional import _pooling as Fp
from nn.module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "PixelShuffle",
    "PixelUnshuffle",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "ChannelShuffle",
]


_UPSAMPLE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")


class _MaxPoolNd(Module):
    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)``; the gradient goes to each window's first maximum.

    >>> import autograd_core as ag, nn
    >>> nn.MaxPool1d(3, stride=2)(ag.randn(2, 4, 11)).shape
    torch.Size([2, 4, 5])
    """

    def forward(self, input: Tensor):
        return Fp.max_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, H, W)`` (padding with ``-inf``, ``ceil_mode``, ``dilation``).

    >>> import autograd_core as ag, nn
    >>> nn.MaxPool2d(2)(ag.randn(2, 4, 8, 8)).shape
    torch.Size([2, 4, 4, 4])
    """

    def forward(self, input: Tensor):
        return Fp.max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, D, H, W)`` (padding with ``-inf``, ``ceil_mode``, ``dilation``).

    >>> import autograd_core as ag, nn
    >>> nn.MaxPool3d((1, 2, 2))(ag.randn(2, 4, 3, 8, 8)).shape
    torch.Size([2, 4, 3, 4, 4])
    """

    def forward(self, input: Tensor):
        return Fp.max_pool3d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, self.return_indices
        )


class AvgPool1d(Module):
    """Mean over sliding windows of ``(N, C, L)``.

    >>> import autograd_core as ag, nn
    >>> nn.AvgPool1d(2)(ag.randn(2, 4, 10)).shape
    torch.Size([2, 4, 5])
    """

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True
    ) -> None:
        super().__init__()
        # PyTorch keeps the 1-D pool's geometry as 1-tuples (and shows them so in repr).
        self.kernel_size = Fp._ntuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = Fp._ntuple(stride if stride is not None else kernel_size, 1, "stride", "AvgPool1d")
        self.padding = Fp._ntuple(padding, 1, "padding", "AvgPool1d")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return Fp.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class _AvgPoolNd(Module):
    """What AvgPool2d and 3d share: their settings; ``_pool`` is the functional form."""

    _pool = None

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, H, W)``, with PyTorch's ``count_include_pad`` and
    ``divisor_override`` rules.

    >>> import autograd_core as ag, nn
    >>> nn.AvgPool2d(3, stride=2, padding=1)(ag.randn(2, 4, 8, 8)).shape
    torch.Size([2, 4, 4, 4])
    """

    _pool = staticmethod(Fp.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, D, H, W)``, with PyTorch's ``count_include_pad`` and
    ``divisor_override`` rules.

    >>> import autograd_core as ag, nn
    >>> nn.AvgPool3d(3, stride=2, padding=1)(ag.randn(2, 4, 5, 8, 8)).shape
    torch.Size([2, 4, 3, 4, 4])
    """

    _pool = staticmethod(Fp.avg_pool3d)


class AdaptiveAvgPool1d(Module):
    """Average pooling to a fixed output length.

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveAvgPool1d(3)(ag.randn(2, 4, 10)).shape
    torch.Size([2, 4, 3])
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return Fp.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``(oh, ow)``; ``None`` keeps the input's size in that dim.

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveAvgPool2d((1, 1))(ag.randn(2, 4, 7, 5)).shape
    torch.Size([2, 4, 1, 1])
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return Fp.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(Module):
    """Average pooling to a fixed ``(od, oh, ow)``; ``None`` keeps the input's size in that dim.

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveAvgPool3d((1, 2, None))(ag.randn(2, 4, 3, 7, 5)).shape
    torch.Size([2, 4, 1, 2, 5])
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return Fp.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    """What AdaptiveMaxPool1d, 2d and 3d share: their settings; ``_pool`` is the functional form."""

    _pool = None

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor):
        return type(self)._pool(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length (with ``return_indices=True`` also the argmax indices).

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveMaxPool1d(3)(ag.randn(2, 4, 10)).shape
    torch.Size([2, 4, 3])
    """

    _pool = staticmethod(Fp.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(oh, ow)``; ``None`` keeps the input's size in that dim.

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveMaxPool2d((1, 1))(ag.randn(2, 4, 7, 5)).shape
    torch.Size([2, 4, 1, 1])
    """

    _pool = staticmethod(Fp.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``(od, oh, ow)``; ``None`` keeps the input's size in that dim.

    >>> import autograd_core as ag, nn
    >>> nn.AdaptiveMaxPool3d(1)(ag.randn(2, 4, 3, 7, 5)).shape
    torch.Size([2, 4, 1, 1, 1])
    """

    _pool = staticmethod(Fp.adaptive_max_pool3d)


class Upsample(Module):
    """Upsampling of ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``: ``mode`` as in
    ``F.interpolate`` (``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``, ``"bicubic"``,
    ``"trilinear"``, ``"area"``).

    >>> import autograd_core as ag, nn
    >>> nn.Upsample(scale_factor=2, mode="nearest")(ag.randn(1, 3, 4, 5)).shape
    torch.Size([1, 3, 8, 10])
    """

    def __init__(
        self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None, recompute_scale_factor=None
    ) -> None:
        super().__init__()
        if mode not in _UPSAMPLE_MODES:
            raise NotImplementedError(f"Upsample: mode {mode!r} is not supported; use one of {_UPSAMPLE_MODES}")
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"

    def forward(self, input: Tensor) -> Tensor:
        return Fp.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )


class UpsamplingNearest2d(Upsample):
    """``Upsample(mode="nearest")`` on ``(N, C, H, W)``, PyTorch's older name.

    >>> import autograd_core as ag, nn
    >>> nn.UpsamplingNearest2d(scale_factor=2)(ag.randn(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(mode="bilinear", align_corners=True)`` on ``(N, C, H, W)``, PyTorch's older name.

    >>> import autograd_core as ag, nn
    >>> nn.UpsamplingBilinear2d(scale_factor=2)(ag.randn(1, 1, 2, 3)).shape
    torch.Size([1, 1, 4, 6])
    """

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """``(*, C * r**2, H, W)`` -> ``(*, C, H * r, W * r)`` (ESPCN's sub-pixel upsampling).

    >>> import autograd_core as ag, nn
    >>> nn.PixelShuffle(3)(ag.randn(1, 9, 4, 4)).shape
    torch.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return Fp.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` -> ``(*, C * r**2, H, W)``, the inverse of ``PixelShuffle``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return Fp.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling ``(sum of x^p over the window)^(1/p)`` over ``(N, C, L)``.

    >>> import autograd_core as ag, nn
    >>> nn.LPPool1d(2, 3, stride=2)
    LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Tensor:
        return Fp.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling ``(sum of x^p over the window)^(1/p)`` over ``(N, C, H, W)``.

    >>> import autograd_core as ag, nn
    >>> nn.LPPool2d(2, (2, 3))(ag.ones(1, 2, 4, 6)).shape
    torch.Size([1, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        return Fp.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """Power-average pooling ``(sum of x^p over the window)^(1/p)`` over ``(N, C, D, H, W)``.

    >>> import autograd_core as ag, nn
    >>> nn.LPPool3d(2, 2)(ag.ones(1, 2, 4, 4, 6)).shape
    torch.Size([1, 2, 2, 2, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return Fp.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpoolNd(Module):
    _n = 1

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        op = type(self).__name__
        self.kernel_size = Fp._ntuple(kernel_size, self._n, "kernel_size", op)
        self.stride = Fp._ntuple(stride if stride is not None else kernel_size, self._n, "stride", op)
        self.padding = Fp._ntuple(padding, self._n, "padding", op)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Put ``MaxPool1d``'s maxima back at their ``indices`` (zeros elsewhere).

    >>> import autograd_core as ag, nn
    >>> out, idx = nn.MaxPool1d(2, return_indices=True)(ag.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]))
    >>> nn.MaxUnpool1d(2)(out, idx, output_size=[1, 1, 5]).tolist()
    [[[0.0, 3.0, 0.0, 5.0, 0.0]]]
    """

    _n = 1

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return Fp.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Put ``MaxPool2d``'s maxima back at their flat ``indices`` (zeros elsewhere).

    >>> import nn
    >>> nn.MaxUnpool2d(2)
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    _n = 2

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return Fp.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """Put ``MaxPool3d``'s maxima back at their flat ``indices`` (zeros elsewhere).

    >>> import nn
    >>> nn.MaxUnpool3d(2)
    MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    _n = 3

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return Fp.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (ShuffleNet): ``(N, g * k, *)`` -> ``(N, k * g, *)``.

    >>> import autograd_core as ag, nn
    >>> nn.ChannelShuffle(3)(ag.arange(6.0).reshape(1, 6, 1)).flatten().tolist()
    [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return Fp.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
