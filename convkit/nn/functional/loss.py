"""Losses: cross_entropy, nll_loss, mse_loss, with torch's argument checks."""

from __future__ import annotations

import warnings

import numpy as np

from ...autograd import is_grad_enabled
from ...errors import DimensionError
from ...ops.nn import NllLoss
from ...tensor import Tensor, result_dtype, where
from ._utils import check_int, check_number, check_tensor
from .activation import log_softmax

__all__ = ["cross_entropy", "nll_loss", "mse_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction} is not a valid value for reduction (expected one of {_REDUCTIONS})"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def _check_class_target(
    op: str,
    input: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
) -> None:
    """Shapes, dtype and range of class-index targets, as torch checks them."""
    if target.dtype == np.uint8 and input.ndim >= 3:
        # torch's spatial (nll_loss2d) kernel takes int64 targets only
        raise RuntimeError(
            f"expected scalar type Long but found Byte ({op}: a spatial target must be int64)"
        )
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got "
            f"{target.dtype} ({op} takes class indices as int64)"
        )
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target "
            f"batch_size ({target.shape[0]})."
        )
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError(
                f"0D or 1D target tensor expected, multi-target not supported "
                f"(input {list(input.shape)}, target {list(target.shape)})"
            )
        if input.ndim == 1 and target.ndim != 0:
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)} , target: "
                f"{list(target.shape)}): an unbatched (C,) input takes a 0-d "
                f"target"
            )
        if input.ndim == 2 and target.ndim != 1:
            raise RuntimeError(
                f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)})"
            )
    else:
        if input.ndim == 4 and target.ndim != 3:
            raise RuntimeError(
                f"only batches of spatial targets supported (3D tensors) but got "
                f"targets of dimension: {target.ndim}"
            )
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            if input.ndim == 4:
                raise RuntimeError(
                    f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
                )
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None:
        check_tensor(op, "weight", weight)
        if weight.ndim != 1 or weight.numel() != classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} "
                f"classes or no classes but got weight tensor of shape: "
                f"{list(weight.shape)}"
            )
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected scalar type {input.dtype} but found {weight.dtype} "
                f"(weight must have the input's dtype)"
            )
    if weight is not None and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "The function 'nll_loss_forward' is not differentiable with respect to argument "
            f"'weight'. This input cannot have requires_grad True ({op}'s class weights are "
            "constants: pass weight.detach())"
        )
    t = target._array.astype(np.int64, copy=False)
    bad = (t != ignore_index) & ((t < 0) | (t >= classes))
    if bad.any():
        raise DimensionError(
            f"Target {int(t[bad].reshape(-1)[0])} is out of bounds: {op} targets "
            f"must be class indices in [0, {classes - 1}] (or ignore_index="
            f"{ignore_index})"
        )


def _nll(logp: Tensor, target: Tensor, weight, ignore_index: int, reduction: str) -> Tensor:
    """NLL on checked arguments; an unbatched (C,) input is made (1, C)."""
    unbatched = logp.ndim == 1
    if unbatched:
        logp, target = logp.unsqueeze(0), target.reshape(1)
    out = NllLoss.apply(
        logp,
        target._array.astype(np.int64, copy=False),
        None if weight is None else weight._array,
        int(ignore_index),
        reduction,
    )
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class-index targets: ``-weight[t] * input[n, t]``, averaged
    over the summed weights of the non-ignored targets for reduction='mean'."""
    check_tensor("nll_loss", "input", input)
    check_tensor("nll_loss", "target", target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    ignore_index = check_int("nll_loss", "ignore_index", ignore_index)
    _check_class_target("nll_loss", input, target, weight, ignore_index)
    return _nll(input, target, weight, ignore_index, reduction)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``, with optional label smoothing; ``target``
    holds class indices, or class probabilities of the input's shape."""
    check_tensor("cross_entropy", "input", input)
    check_tensor("cross_entropy", "target", target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    ignore_index = check_int("cross_entropy", "ignore_index", ignore_index)
    label_smoothing = check_number("cross_entropy", "label_smoothing", label_smoothing)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    if input.ndim >= 1 and tuple(input.shape) == tuple(target.shape):
        return _cross_entropy_probs(
            input, target, weight, ignore_index, reduction, label_smoothing, class_dim
        )
    if input.ndim == 0:
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, "
            f"got {target.dtype} (a 0-d input has no class dimension)"
        )
    _check_class_target("cross_entropy", input, target, weight, ignore_index)
    if input.dtype.kind != "f":
        raise NotImplementedError(
            f'"log_softmax_lastdim_kernel_impl" not implemented for '
            f"'{input.dtype}': cross_entropy needs floating-point logits"
        )
    logp = log_softmax(input, class_dim)
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if not label_smoothing > 0.0:  # torch smooths only above 0: a NaN or negative is none
        return nll
    # torch: (1 - eps) * nll + eps / C * smooth, smooth = -sum_c w_c logp_c per position, with
    # ignored positions zeroed and the mean divided as nll's mean is (by the counted weights).
    classes = input.shape[class_dim]
    keep = target._array.astype(np.int64) != ignore_index
    if weight is not None:
        wshape = [1] * input.ndim
        wshape[class_dim] = classes
        smooth = -(logp * weight.reshape(wshape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    # where, not a multiply: ignored positions must get a zero gradient even when the mean
    # below divides by zero (as torch's masked_fill does).
    smooth = where(keep, smooth, 0.0)
    if reduction == "mean":
        if weight is not None:
            t = np.where(keep, target._array.astype(np.int64), 0)
            denom = (weight._array[t] * keep).sum(dtype=input.dtype)
        else:
            denom = keep.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = smooth.sum() / Tensor._wrap(np.asarray(denom, dtype=input.dtype))
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _cross_entropy_probs(
    input: Tensor,
    target: Tensor,
    weight,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    class_dim: int,
) -> Tensor:
    if target.dtype.kind != "f":
        raise RuntimeError(
            f"Expected floating point type for target with class probabilities, got {target.dtype}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if input.dtype.kind != "f":
        raise NotImplementedError(
            f'"log_softmax_lastdim_kernel_impl" not implemented for '
            f"'{input.dtype}': cross_entropy needs floating-point logits"
        )
    classes = input.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    logp = log_softmax(input, class_dim)
    prod = logp * target
    if weight is not None:
        check_tensor("cross_entropy", "weight", weight)
        if weight.ndim != 1 or weight.numel() != classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} "
                f"classes or no classes but got weight tensor of shape: "
                f"{list(weight.shape)}"
            )
        wshape = [1] * input.ndim
        wshape[class_dim] = classes
        prod = prod * weight.reshape(wshape)
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    positions = input.numel() // classes if classes else 0
    if positions == 0:
        return -prod.sum() * float("nan")
    return -prod.sum() / positions


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight=None,
) -> Tensor:
    """Mean (or sum, or none) of ``(input - target)^2``, broadcasting as torch does (with its
    warning when the shapes differ)."""
    check_tensor("mse_loss", "input", input)
    check_tensor("mse_loss", "target", target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to "
            f"broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({list(input.shape)}) must match the size of "
            f"tensor b ({list(target.shape)}) at non-singleton dimensions: "
            f"mse_loss's input and target must broadcast"
        ) from None
    _check_reduction(reduction)
    dtype = _pair_dtype(input, target)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"mse_cpu\" not implemented for '{dtype}': mse_loss needs "
            f"a floating-point input or target"
        )
    diff = input.to(dtype) - target.to(dtype)
    return _reduce(diff * diff, reduction)


def _pair_dtype(input: Tensor, target: Tensor) -> np.dtype:
    """The dtype of a loss over ``input`` and ``target``.

    torch's pointwise losses broadcast the two first (``torch.broadcast_tensors``), so a 0-d
    operand promotes as a dimensioned one: mse_loss(0-d float64, float32 vector) is float64,
    where ``a - b`` would be float32.
    """
    if input.ndim == 0 and target.ndim == 0:
        return result_dtype(input, target)
    return result_dtype(*(np.empty((1,), dtype=t.dtype) for t in (input, target)))


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """torch's deprecated size_average/reduce pair, mapped onto ``reduction`` with its warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use "
        f"reduction='{result}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return result
