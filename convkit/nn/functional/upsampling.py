"""``interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and the
deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``, with torch's argument rules.

The coordinate arithmetic is in ``kernels.upsample``; 'area' is adaptive average pooling.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ...kernels import upsample as K
from ...ops.upsample import Resample, ResampleAntialias
from ...tensor import Tensor
from ._utils import check_tensor, scalar_name
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# The spatial rank each interpolating mode needs, and its name in torch's messages.
_LINEAR_RANK = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_RANK_NAME = {1: "3D", 2: "4D", 3: "5D"}


def _is_integer(v) -> bool:
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _sizes_and_scales(
    input: Tensor, size, scale_factor, dim: int
) -> tuple[list[int] | None, list[float] | None]:
    """torch's checks: exactly one of size and scale_factor, of the input's spatial rank."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    f"output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(v) for v in size):
                raise TypeError(
                    f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(v) for v in size]}"
                )
            return [int(v) for v in size], None
        if not _is_integer(size):
            # torch repeats a scalar size unchecked; only the kernel's parser refuses it, after
            # the mode and rank checks (see _check_scalar_size)
            return [size] * dim, None
        return [int(size)] * dim, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                f"format and scale_factor in (s1, s2, ...,sK) format."
            )
        return None, [float(s) for s in scale_factor]
    return None, [float(scale_factor)] * dim


def _check_scalar_size(size, out_size: list[int] | None) -> None:
    if out_size is not None and not all(_is_integer(v) for v in out_size):
        raise TypeError(
            f"interpolate(): size must be an int or a tuple of ints, got "
            f"{type(size).__name__} {size!r}"
        )


def _check_sizes(input: Tensor, out: list[int]) -> None:
    spatial = list(input.shape[2:])
    if all(s > 0 for s in spatial) and all(o > 0 for o in out):
        return
    names = ("D", "H", "W")[3 - len(out) :]
    given = ", ".join(f"{k}: {s}" for k, s in zip(names, spatial, strict=True))
    got = ", ".join(f"{k}: {o}" for k, o in zip(names, out, strict=True))
    raise RuntimeError(
        f"Input and output sizes should be greater than 0, but got input ({given}) and output "
        f"({got})"
    )


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of a (N, C, *spatial) input with torch's coordinate rules.

    Give ``size`` (the output's spatial size) or ``scale_factor`` (output = floor(in * scale)).
    Unless ``recompute_scale_factor=True``, a given scale factor is also the one used to map
    coordinates (``src = (dst + 0.5) / scale - 0.5``), as in torch. ``align_corners`` (linear
    and cubic modes only) maps the corner pixels' centres onto each other.
    """
    check_tensor("interpolate", "input", input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    out_size, scales = _sizes_and_scales(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor and scales is not None:
        out_size = [K.output_size(input.shape[2 + i], scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if antialias:
        return _antialiased(input, out_size, scales, mode, bool(align_corners), size)
    known = mode in ("nearest", "nearest-exact", "area") or mode in _LINEAR_RANK
    if not known or dim not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: {_MODES} (got {mode})"
        )
    rank = _LINEAR_RANK.get(mode)
    if rank is not None and rank != dim:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_RANK_NAME[rank]} input"
        )
    _check_scalar_size(size, out_size)
    if out_size is None:
        assert scales is not None
        out_size = [K.output_size(input.shape[2 + i], scales[i]) for i in range(dim)]
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, out_size)
    _check_sizes(input, out_size)
    if input.numel() == 0:
        raise RuntimeError(
            f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
            f"{list(input.shape)}"
        )
    kernel = {"nearest": "nearest", "nearest-exact": "nearest"}.get(mode, "linear")
    if input.dtype.kind != "f" and not (kernel == "nearest" and input.dtype == np.uint8):
        raise NotImplementedError(
            f"\"compute_indices_weights_{kernel}\" not implemented for '{input.dtype}'"
        )
    # torch computes coordinates in the input's float type (nearest: always float32).
    dtype = input.dtype.type if input.dtype.kind == "f" else np.float32
    plans = []
    for i in range(dim):
        n_in, n_out = int(input.shape[2 + i]), out_size[i]
        s = None if scales is None else scales[i]
        if mode in ("nearest", "nearest-exact"):
            plans.append(
                K.nearest_plan(n_in, n_out, s, mode == "nearest-exact", dtype, shortcuts=dim == 2)
            )
        elif mode == "bicubic":
            plans.append(K.cubic_plan(n_in, n_out, bool(align_corners), s, dtype))
        else:
            plans.append(K.linear_plan(n_in, n_out, bool(align_corners), s, dtype))
    return Resample.apply(input, tuple(plans), mode == "bilinear")


def _antialiased(
    input: Tensor,
    out_size: list[int] | None,
    scales: list[float] | None,
    mode: str,
    align_corners: bool,
    size,
) -> Tensor:
    """torch's ``_upsample_{bilinear,bicubic,lanczos}2d_aa`` of a 4-d input."""
    _check_scalar_size(size, out_size)
    if out_size is None:
        assert scales is not None
        out_size = [K.output_size(input.shape[2 + i], scales[i]) for i in range(2)]
    _check_sizes(input, out_size)
    if input.shape[1] == 0:  # torch's aa kernels take an empty batch, not zero channels
        raise RuntimeError(
            f"Non-empty 4D data tensor expected but got a tensor with sizes {list(input.shape)}"
        )
    if input.dtype.kind != "f" and list(out_size) == list(input.shape[2:]):
        return input.clone()  # torch copies an unchanged size before it computes any weight
    if input.dtype.kind != "f":
        # torch computes uint8 in its own fixed-point arithmetic; convkit refuses it as it
        # refuses uint8 in the other interpolating modes
        raise NotImplementedError(
            f"\"compute_index_ranges_weights\" not implemented for '{scalar_name(input.dtype)}'"
        )
    dtype = input.dtype.type
    plans = tuple(
        K.antialias_plan(
            int(input.shape[2 + i]),
            out_size[i],
            align_corners,
            None if scales is None else scales[i],
            dtype,
            mode,
        )
        for i in range(2)
    )
    return ResampleAntialias.apply(input, plans)


def upsample(
    input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None
) -> Tensor:
    """Deprecated alias of ``interpolate`` (with torch's warning)."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(mode='nearest')``."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(mode='bilinear', align_corners=True)``."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
