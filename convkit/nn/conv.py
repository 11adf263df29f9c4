"""Convolution modules: one _ConvNd / _ConvTransposeNd base, thin 1d/2d/3d subclasses.

Constructor signatures, parameter shapes, initialisation, ``repr`` and ``state_dict`` keys are
torch's. Arguments are normalised once here; where torch would accept a nonsensical value and only
fail at the first forward (kernel_size=0, stride=0, negative padding, string padding for a
transposed conv, ``stride=True`` or ``stride=2.0``), convkit raises in the constructor with the
exception class it would give later. (torch builds ``Conv2d(1, 1, kernel_size=True)`` as a 1x1
kernel only because ``torch.empty(True)`` has one element; convkit refuses it as F.conv2d does.)
"""

from __future__ import annotations

import math

from .. import shapes
from ..tensor import Tensor, empty
from . import functional as F
from . import init
from .module import Module, Parameter


def _check_channels(in_channels, out_channels, groups):
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if not shapes._is_int(v) or v < 0:
            raise TypeError(f"{name} must be a non-negative int, got {v!r}")
    if not shapes._is_int(groups) or groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError(
            f"in_channels must be divisible by groups (in_channels={in_channels}, groups={groups})"
        )
    if out_channels % groups != 0:
        raise ValueError(
            f"out_channels must be divisible by groups (out_channels="
            f"{out_channels}, groups={groups})"
        )


class _ConvNd(Module):
    """torch's constructor signature, once: the 1d/2d/3d classes only set ``_n``."""

    _n = 0  # number of spatial dimensions, set by the subclasses
    transposed = False

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        self._setup(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype,
            0,
        )

    def _setup(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        bias,
        padding_mode,
        dtype,
        output_padding,
    ):
        super().__init__()
        n = self._n
        _check_channels(in_channels, out_channels, groups)
        if padding_mode not in shapes.PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(shapes.PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        # torch's constructor stores any value and its forward refuses a bool or a float
        # (TypeError) or a wrong length; convkit refuses them here, with the same class for the
        # type (a wrong length is a ValueError, as for the other constructor errors).
        op = type(self).__name__
        self.kernel_size = shapes.ntuple(kernel_size, n, "kernel_size", op)
        self.stride = shapes.ntuple(stride, n, "stride", op)
        self.dilation = shapes.ntuple(dilation, n, "dilation", op)
        self.output_padding = shapes.ntuple(output_padding, n, "output_padding", op)
        shapes.check_positive(self.kernel_size, "kernel_size")
        shapes.check_positive(self.stride, "stride")
        shapes.check_positive(self.dilation, "dilation")
        self.padding_mode = padding_mode
        # (before, after) per dimension; raises for bad strings and 'same' with stride > 1.
        pairs = shapes.conv_padding(
            padding, self.kernel_size, self.stride, self.dilation, warn=False
        )
        self.padding = padding if isinstance(padding, str) else tuple(p for p, _ in pairs)
        self._padding_pairs = pairs
        # F.pad takes (before, after) pairs from the last dimension backwards.
        self._reversed_padding_repeated_twice = [v for pair in reversed(pairs) for v in pair]
        if self.transposed:
            wshape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            wshape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(*wshape, dtype=dtype))
        self.bias = Parameter(empty(out_channels, dtype=dtype)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) is U(+-1/sqrt(fan_in)); the bias uses the same bound.
        # Weights are drawn before the bias, so a seeded run matches torch's numbers.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._n
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        padding = self.padding if isinstance(self.padding, str) else tuple(self.padding)
        if padding != (0,) * n:
            s += f", padding={padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def forward(self, input: Tensor) -> Tensor:
        conv = getattr(F, f"conv{self._n}d")
        if self.padding_mode != "zeros":
            mode = self.padding_mode
            x = F.pad(input, self._reversed_padding_repeated_twice, mode=mode)
            return conv(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L) or (C_in, L) input. Weight (C_out, C_in/groups, k)."""

    _n = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W) input.

    Weight (C_out, C_in/groups, kh, kw). Output size per dimension:
    ``floor((L + 2p - d(k-1) - 1)/s) + 1`` (``convkit.shapes.conv_output_size``).

    Example::

        >>> conv = nn.Conv2d(1, 1, 11, stride=4)
        >>> conv(convkit.Tensor(1, 1, 227, 227)).shape
        convkit.Size([1, 1, 55, 55])
    """

    _n = 2


class Conv3d(_ConvNd):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W) input."""

    _n = 3


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__} does not support string padding "
                f"('{padding}'): give padding as an int or a tuple"
            )
        self._setup(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype,
            output_padding,
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        n = self._n
        spatial = tuple(input.shape[-n:])
        _, output_padding = shapes.conv_transpose_output_shape(
            type(self).__name__,
            spatial,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            (0,) * n,
            output_size,
            input_ndim=input.ndim,
        )
        return output_padding

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        conv_t = getattr(F, f"conv_transpose{self._n}d")
        output_padding = self._output_padding(input, output_size)
        return conv_t(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution. Weight (C_in, C_out/groups, k)."""

    _n = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution. Weight (C_in, C_out/groups, kh, kw). Output size per dimension:
    ``(L-1)s - 2p + d(k-1) + output_padding + 1``."""

    _n = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution. Weight (C_in, C_out/groups, kd, kh, kw)."""

    _n = 3


class Unfold(Module):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (
            kernel_size,
            dilation,
            padding,
            stride,
        )

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Fold(Module):
    """Sum sliding blocks back into an image: (N, C*kh*kw, L) -> (N, C, H, W)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size, self.dilation, self.padding, self.stride = (
            output_size,
            kernel_size,
            dilation,
            padding,
            stride,
        )

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
