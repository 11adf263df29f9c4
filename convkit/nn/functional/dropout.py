"""Channel-wise and alpha dropout: dropout1d, dropout3d, alpha_dropout, feature_alpha_dropout.

Every mask is one ``bernoulli(1 - p)`` draw over the noise shape torch uses (the input's shape, or
(N, C, 1, ...) for the feature forms), taken from convkit's generator in torch's order, so the
masks follow torch's stream (``convkit.random.dropout_noise`` and ``alpha_dropout_noise``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import random
from ...ops import basic as B
from ...tensor import Tensor
from ._utils import check_tensor, scalar_name
from .activation import _apply_mask, _check_p, _result

__all__ = ["dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _feature_shape(x: Tensor) -> tuple[int, ...]:
    """(N, C, 1, ...): one draw per feature map."""
    if x.ndim < 2:
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input, got input of size "
            f"{list(x.shape)}"
        )
    return tuple(x.shape[:2]) + (1,) * (x.ndim - 2)


def _feature_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    if not training or p == 0.0 or x.numel() == 0:
        return x
    return _apply_mask(x, _feature_shape(x), p)


def _unbatched(input: Tensor, p: float, training: bool, inplace: bool, batched_ndim: int) -> Tensor:
    """Feature dropout of an input that may lack its batch dimension (then one is added)."""
    if input.ndim == batched_ndim:
        out = _feature_dropout(input, p, training)
    else:
        out = _feature_dropout(input.unsqueeze(0), p, training).squeeze(0)
    return _result(input, out, inplace) if out is not input else input


def _alpha_dropout(x: Tensor, p: float, training: bool, feature: bool) -> Tensor:
    """Dropped units take SELU's saturation value; an affine map keeps mean 0 and variance 1.

    With ``a = 1 / sqrt((alpha^2 p + 1)(1 - p))`` and ``b = a * alpha * p``, a kept unit becomes
    ``a*x + b`` and a dropped one ``b - a*alpha``, computed as torch does:
    ``x * (a*mask) + ((mask - 1) * a*alpha + b)``.
    """
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        # torch multiplies by a 0-d zero of the input's dtype before drawing (or checking the
        # feature form's rank): integer and bool inputs are zeroed, inf and NaN become NaN.
        return B.Mul.apply(x, np.zeros((), dtype=x.dtype))
    if x.dtype.kind != "f":
        # torch's noise has the input's dtype; a bool one becomes Long at its ``add(-1)``
        name = "Long" if x.dtype.kind == "b" else scalar_name(x.dtype)
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {name}: "
            f"alpha dropout needs a floating-point input (p={p})"
        )
    shape = _feature_shape(x) if feature else tuple(x.shape)
    noise, shift = random.alpha_dropout_noise(shape, p, x.dtype)
    return B.Add.apply(B.Mul.apply(x, noise), shift)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of a (N, C, L) or (C, L) input, one draw per channel."""
    check_tensor("dropout1d", "input", input)

    def check_rank() -> None:
        if input.ndim not in (2, 3):
            raise RuntimeError(
                f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
                f"that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                f"dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                f"inputs)."
            )

    p = _check_p("dropout1d", p, training, check_rank)
    return _unbatched(input, p, training, inplace, 3)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input, one draw per channel."""
    check_tensor("dropout3d", "input", input)
    p = _check_p("dropout3d", p, training)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and "
            f"will result in an error in a future release. To retain the behavior and silence "
            f"this warning, please use dropout instead. Note that dropout3d exists to provide "
            f"channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and "
            f"an optional batch dimension (i.e. 4D or 5D inputs).",
            UserWarning,
            stacklevel=2,
        )
    return _unbatched(input, p, training, inplace, 5)


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's saturation value, and the result is
    rescaled to keep zero mean and unit variance."""
    check_tensor("alpha_dropout", "input", input)
    out = _alpha_dropout(input, _check_p("alpha_dropout", p, training), training, feature=False)
    return _result(input, out, inplace) if out is not input else input


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """alpha_dropout of whole channels: one draw per (sample, channel)."""
    check_tensor("feature_alpha_dropout", "input", input)
    out = _alpha_dropout(
        input, _check_p("feature_alpha_dropout", p, training), training, feature=True
    )
    return _result(input, out, inplace) if out is not input else input
