"""Pooling modules: thin wrappers over nn.functional, with torch's arguments and ``repr``.

torch keeps the arguments as given (``MaxPool2d(2)`` shows ``kernel_size=2, stride=2``), except the
1-d average and unpooling modules, which store tuples; the reprs follow that. The modules that keep
the arguments as given check them at forward, in nn.functional, as torch does (``MaxPool2d(2,
stride=True)`` builds and its forward raises TypeError); the tuple-storing ones check them when
built.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import shapes
from ..tensor import Tensor
from . import functional as F
from .module import Module


class _MaxPoolNd(Module):
    _n = 0

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = shapes.default_stride(kernel_size, stride, empty=False)
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor):
        pool = getattr(F, f"max_pool{self._n}d")
        return pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    _n = 1


class MaxPool2d(_MaxPoolNd):
    """Max over each kernel window; padding counts as -inf. Output size per dimension:
    ``floor((L + 2p - d(k-1) - 1)/s) + 1`` (ceil with ``ceil_mode=True``)."""

    _n = 2


class MaxPool3d(_MaxPoolNd):
    _n = 3


class _AvgPoolNd(Module):
    _n = 0

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = shapes.default_stride(kernel_size, stride, empty=False)
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        pool = getattr(F, f"avg_pool{self._n}d")
        if self._n == 1:
            return pool(
                input,
                self.kernel_size,
                self.stride,
                self.padding,
                self.ceil_mode,
                self.count_include_pad,
            )
        return pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool1d(_AvgPoolNd):
    _n = 1

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # torch stores ``_single`` values and refuses a bool or a float at forward; convkit
        # refuses them here (TypeError, as torch).
        self.kernel_size = shapes.ntuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = shapes.ntuple(self.stride, 1, "stride", "AvgPool1d")
        self.padding = shapes.ntuple(padding, 1, "padding", "AvgPool1d")


class AvgPool2d(_AvgPoolNd):
    _n = 2


class AvgPool3d(_AvgPoolNd):
    _n = 3


class _AdaptivePoolNd(Module):
    _n = 0
    _kind = ""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor):
        pool = getattr(F, f"adaptive_{self._kind}_pool{self._n}d")
        if self._kind == "max":
            return pool(input, self.output_size, self.return_indices)
        return pool(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    _n, _kind = 1, "avg"

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average over ``output_size`` windows: window i spans
    ``[floor(i*L/out), ceil((i+1)*L/out))`` (``convkit.shapes.adaptive_pool_bins``)."""

    _n, _kind = 2, "avg"

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    _n, _kind = 3, "avg"

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    _n, _kind = 1, "max"


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    _n, _kind = 2, "max"


class AdaptiveMaxPool3d(_AdaptivePoolNd):
    _n, _kind = 3, "max"


class _MaxUnpoolNd(Module):
    _n = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self._n
        # F.max_unpool's own rules (True counts as 1, no 1-tuple expansion), checked here.
        op, stride = type(self).__name__, shapes.default_stride(kernel_size, stride, empty=False)
        self.kernel_size, self.stride, self.padding = (
            shapes.int_tuple(v, n, name, op, expand_one=False, bools=True, length_error=ValueError)
            for name, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding))
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        unpool = getattr(F, f"max_unpool{self._n}d")
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    _n = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Put each pooled value back at the index MaxPool2d(return_indices=True) recorded."""

    _n = 2


class MaxUnpool3d(_MaxUnpoolNd):
    _n = 3


class _LPPoolNd(Module):
    _n = 0

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Tensor:
        pool = getattr(F, f"lp_pool{self._n}d")
        return pool(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    _n = 1


class LPPool2d(_LPPoolNd):
    """``(sum over the window of x^p)^(1/p)``."""

    _n = 2


class LPPool3d(_LPPoolNd):
    _n = 3


def _as_tuple(value, n: int):
    """torch's ``_ntuple`` as these modules use it: any iterable as a tuple, else n copies;
    the functional checks the values."""
    return tuple(value) if isinstance(value, Iterable) else (value,) * n


class _FractionalMaxPoolNd(Module):
    _n = 0

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ):
        super().__init__()
        n, name = self._n, type(self).__name__
        if n == 3 and any(
            shapes.is_int(k) and k <= 0 for k in _as_tuple(kernel_size, 1)
        ):  # torch's 3-d module alone checks
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _as_tuple(kernel_size, n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _as_tuple(output_size, n)
        self.output_ratio = None if output_ratio is None else _as_tuple(output_ratio, n)
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(
            0 < self.output_ratio[d] < 1 for d in range(n)
        ):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor):
        pool = getattr(F, f"fractional_max_pool{self._n}d")
        return pool(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Max over pseudo-random, overlapping windows of ``kernel_size`` that step by floor or ceil
    of ``(L - k) / (out - 1)`` (Graham 2014); fresh steps per call and plane unless
    ``_random_samples`` (a buffer) fixes them."""

    _n = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    _n = 3
