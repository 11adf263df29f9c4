"""Lazy modules: LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyLinear, LazyBatchNorm1d/2d/3d,
LazyInstanceNorm1d/2d/3d.

They are built without their input size. Until the first forward their parameters are
placeholders (``UninitializedParameter``), which the optimiser can already hold. The first
forward reads the size from the input, materialises the placeholders in place, initialises them
exactly as the ordinary module would at that moment (same draws from the global generator, in the
same order) and turns the module into that ordinary class (``cls_to_become``).
"""

from __future__ import annotations

from typing import Any, cast

from ..autograd import no_grad
from ..tensor import Tensor, tensor
from .conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .linear import Linear
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)
from .parameter import (
    UninitializedBuffer,
    UninitializedParameter,
    UninitializedTensorMixin,
    is_lazy,
)

__all__ = [
    "LazyModuleMixin",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyLinear",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]


def _materialize(placeholder: Any, shape: tuple[int, ...]) -> None:
    cast(UninitializedTensorMixin, placeholder).materialize(shape)


class LazyModuleMixin:
    """Infers its parameters' shapes at the first call, then becomes ``cls_to_become``.

    As in torch, the inference is a forward pre-hook registered at construction (so global
    pre-hooks run before it and the module's own later ones after it), removed once it ran.
    """

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(  # type: ignore[attr-defined]
            self._infer_parameters, with_kwargs=True
        )

    def _lazy_load_hook(self, state_dict, prefix: str) -> None:
        """Before load_state_dict copies: each placeholder the checkpoint has a real tensor for
        takes that tensor's shape (uninitialised values, then overwritten by the copy). The
        module stays lazy; its first forward then only turns it into ``cls_to_become`` (sizes
        such as in_channels keep their placeholder 0, as in torch)."""
        stores = (self._parameters, self._buffers)  # type: ignore[attr-defined]
        for store in stores:
            for name, placeholder in store.items():
                value = state_dict.get(prefix + name)
                if value is not None and is_lazy(placeholder) and not is_lazy(value):
                    _materialize(placeholder, tuple(value.shape))

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """As Module's, but a placeholder is saved as itself (torch: detaching it would lose
        that it is one), so that loading the dict leaves a lazy module lazy."""
        out = super().state_dict(destination, prefix, keep_vars)  # type: ignore[misc]
        for store in (self._parameters, self._buffers):  # type: ignore[attr-defined]
            for name, t in store.items():
                if is_lazy(t) and prefix + name in out:
                    out[prefix + name] = t
        return out

    def has_uninitialized_params(self) -> bool:
        stores = (self._parameters.values(), self._buffers.values())  # type: ignore[attr-defined]
        return any(is_lazy(t) for store in stores for t in store)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        delattr(module, "_initialize_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class _LazyConvXdMixin(LazyModuleMixin):
    """Conv whose in_channels is read from the first input (``input.shape[1]``, or
    ``shape[0]`` for an unbatched input)."""

    _n = 0
    # set by the convolution class this mixin is combined with
    in_channels: int
    out_channels: int
    groups: int
    kernel_size: tuple[int, ...]
    transposed: bool
    weight: Any
    bias: Any

    def _placeholders(self, out_channels: int, bias: bool, dtype) -> None:
        # The base class was built with in_channels 0 and no bias: nothing allocated or drawn.
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def _get_in_channels(self, input: Tensor) -> int:
        unbatched = self._n + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
            )
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        k = self.kernel_size
        if self.transposed:
            self.weight.materialize((self.in_channels, self.out_channels // self.groups, *k))
        else:
            self.weight.materialize((self.out_channels, self.in_channels // self.groups, *k))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


class _LazyConvNd(_LazyConvXdMixin):
    def __init__(
        self,
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
        super().__init__(
            0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype
        )
        self._placeholders(out_channels, bias, dtype)


class _LazyConvTransposeNd(_LazyConvXdMixin):
    def __init__(
        self,
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
        super().__init__(
            0,
            0,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            False,
            dilation,
            padding_mode,
            device,
            dtype,
        )
        self._placeholders(out_channels, bias, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    _n = 1
    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    _n = 2
    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    _n = 3
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    _n = 1
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    _n = 2
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    _n = 3
    cls_to_become = ConvTranspose3d


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is read from the first input (``input.shape[-1]``)."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False, device, dtype)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                _materialize(self.weight, (self.out_features, self.in_features))
                if self.bias is not None:
                    _materialize(self.bias, (self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # loaded from a state_dict: torch reads in_features now
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                    f"in_features from self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]


class _LazyNormBase(LazyModuleMixin):
    """Batch or instance norm whose num_features is read from the first input's dimension 1."""

    weight: Any
    bias: Any

    def __init__(
        self,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ) -> None:
        # affine and track_running_stats are off here so that nothing is allocated yet.
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        self.use_bias = affine and bias
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = tensor(0)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        if self.affine:
            _materialize(self.weight, (self.num_features,))
            if self.bias is not None:
                _materialize(self.bias, (self.num_features,))
        if self.track_running_stats:
            _materialize(self.running_mean, (self.num_features,))
            _materialize(self.running_var, (self.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    cls_to_become = InstanceNorm3d
