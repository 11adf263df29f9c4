"""Losses and distances with torch's signatures, argument checks and reductions."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...autograd import is_grad_enabled
from ...errors import DimensionError
from ...ops import basic as B
from ...ops.activation import Log1p
from ...ops.loss import BinaryCrossEntropy
from ...ops.nn import NllLoss
from ...ops.norm import PdistInf, VectorNorm
from ...tensor import (
    Tensor,
    check_broadcast,
    minimum,
    ones_like,
    result_dtype,
    where,
    zeros_like,
)
from ._utils import check_bool, check_int, check_number, check_tensor, scalar_name
from .activation import log_softmax, logsigmoid

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
    _constant("nll_loss_forward", "weight", weight)
    t = target._array.astype(np.int64, copy=False)
    bad = (t != ignore_index) & ((t < 0) | (t >= classes))
    if bad.any():
        raise DimensionError(
            f"Target {int(t[bad].reshape(-1)[0])} is out of bounds: {op} targets "
            f"must be class indices in [0, {classes - 1}] (or ignore_index="
            f"{ignore_index})"
        )


def _constant(function: str, name: str, t: Tensor | None) -> None:
    """torch's kernels with no derivative for an argument refuse one that requires grad."""
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{name}'. This input cannot have requires_grad True (it is a constant of the "
            f"loss: pass {name}.detach())"
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
            # torch gathers the weights by the target here, and gather takes int32/int64 only
            if target.dtype.kind != "i":
                raise RuntimeError(
                    f"gather(): Expected dtype int32/int64 for index (cross_entropy's weighted "
                    f"label-smoothed mean gathers the weights by a {target.dtype} target)"
                )
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
    dtype = _pair_dtype(input, target)
    if weight is not None:
        # torch's Python path: the weight's shape, then plain arithmetic in any dtype (no
        # mse_cpu kernel), then the reduction
        _check_weight_shape(weight, input)
        shape = check_broadcast(tuple(input.shape), tuple(target.shape))
        diff = input.expand(shape) - target.expand(shape)  # torch.broadcast_tensors, then -
        _check_reduction(reduction)
        return _weighted(diff * diff, weight, input, reduction)
    _check_reduction(reduction)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"mse_cpu\" not implemented for '{dtype}': mse_loss needs "
            f"a floating-point input or target"
        )
    # One node, as torch's MseLossBackward0 (its grad_fn is what torch code prints and walks).
    return B.MseLoss.apply(input.to(dtype), target.to(dtype), reduction=reduction)


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


# ----- the rest of torch's losses ---------------------------------------------------------------

__all__ += [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "multi_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "pairwise_distance",
    "cosine_similarity",
    "pdist",
]


def _reduction_of(size_average, reduce, reduction: str) -> str:
    """The legacy pair folded in, then checked (torch's ``_Reduction.get_enum``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _same_size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to "
            f"broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _broadcast_pair(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    shape = check_broadcast(tuple(input.shape), tuple(target.shape))
    return input.expand(shape), target.expand(shape)


def _kernel_operands(x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
    """torch's fused loss kernels read a bool operand in the promoted dtype (convkit's Tensor
    subtraction, like torch's, refuses bool)."""
    if x.dtype.kind == "b" or t.dtype.kind == "b":
        dtype = result_dtype(x, t)
        return x.to(dtype), t.to(dtype)
    return x, t


def _floating_pair(op: str, input: Tensor, target: Tensor) -> None:
    if input.dtype.kind != "f" and target.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype} ({op} needs floating-point tensors)"
        )


def _floating_kernel(kernel: str, input: Tensor, target: Tensor) -> None:
    """torch's fused pointwise loss kernels exist for floating dtypes only."""
    dtype = _pair_dtype(input, target)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_name(dtype)}': the loss needs a "
            f"floating-point input or target"
        )


def _check_weight_shape(weight: Tensor, input: Tensor) -> None:
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(
            f"Weights and input must have the same size. (weight {list(weight.shape)}, input "
            f"{list(input.shape)})"
        )


def _weighted(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str) -> Tensor:
    """torch's python-side weighting of l1_loss: the weighted mean divides by sum(weight)."""
    if weight is None:
        return _reduce(loss, reduction)
    _check_weight_shape(weight, input)
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``-w * (t log x + (1 - t) log(1 - x))`` for probabilities x in [0, 1] (logs clamped at
    -100, as torch)."""
    check_tensor("binary_cross_entropy", "input", input)
    check_tensor("binary_cross_entropy", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"Found dtype {target.dtype} but expected {input.dtype} (binary_cross_entropy's "
            f"target must have the input's dtype)"
        )
    w = None
    if weight is not None:
        check_tensor("binary_cross_entropy", "weight", weight)
        try:
            shape = np.broadcast_shapes(tuple(target.shape), tuple(weight.shape))
        except ValueError:
            shape = None
        if shape != tuple(target.shape):
            raise RuntimeError(
                f"The size of tensor a ({list(weight.shape)}) must match the size of tensor b "
                f"({list(target.shape)}): binary_cross_entropy's weight must broadcast to the "
                f"target's shape"
            )
        w = weight.expand(tuple(target.shape))
    if input.dtype.kind != "f":  # after the weight's broadcast, as torch's kernel dispatch
        raise NotImplementedError(
            f"\"binary_cross_entropy\" not implemented for '{scalar_name(input.dtype)}'"
        )
    # torch's kernel checks each element's input, then its target, in order (NaN fails both)
    bad_x = ~((input._array >= 0) & (input._array <= 1))
    bad_t = ~((target._array >= 0) & (target._array <= 1))
    bad = (bad_x | bad_t).ravel()
    if bad.any():
        first = int(np.argmax(bad))
        name = "input" if bad_x.ravel()[first] else "target"
        raise RuntimeError(
            f"all elements of {name} should be between 0 and 1 (flat element {first}: input="
            f"{input._array.ravel()[first]}, target={target._array.ravel()[first]})"
        )
    _constant("binary_cross_entropy", "weight", weight)
    return _reduce(BinaryCrossEntropy.apply(input, target, w), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE on logits, stable for any input: ``(1 - t) x - lw * logsigmoid(x)`` with
    ``lw = 1 + (pos_weight - 1) t`` (1 without pos_weight), times ``weight``."""
    check_tensor("binary_cross_entropy_with_logits", "input", input)
    check_tensor("binary_cross_entropy_with_logits", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    _constant("binary_cross_entropy_with_logits", "weight", weight)
    _constant("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    shape = tuple(input.shape)
    # torch: log_sig.mul_(log_weight); loss = (1 - target).mul_(input).sub_(log_sig).mul_(weight):
    # the in-place steps keep the dtype of their left side, so the loss is in (1 - target)'s
    # dtype (float32 for a float32 target and a float64 input), rounded after every step.
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        check_tensor("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
        log_weight = (pos_weight - 1) * target + 1
        _in_place_fits("binary_cross_entropy_with_logits", shape, log_weight, "pos_weight")
        log_sig = _kept(log_sig * log_weight, log_sig.dtype)
    loss = 1 - target
    loss = _kept(loss * input, loss.dtype)
    loss = _kept(loss - log_sig, loss.dtype)
    if weight is not None:
        check_tensor("binary_cross_entropy_with_logits", "weight", weight)
        _in_place_fits("binary_cross_entropy_with_logits", shape, weight, "weight")
        loss = _kept(loss * weight, loss.dtype)
    return _reduce(loss, reduction)


def _kept(result: Tensor, dtype: np.dtype) -> Tensor:
    """``result`` of an in-place update of a ``dtype`` tensor: cast back to ``dtype``, which
    torch refuses from floating point to an integer or bool dtype."""
    if result.dtype == dtype:
        return result
    if result.dtype.kind == "f" and dtype.kind in "iub":
        raise RuntimeError(
            f"result type {scalar_name(result.dtype)} can't be cast to the desired output type "
            f"{scalar_name(dtype)}"
        )
    return result.to(dtype)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (sum, none) of ``|input - target|``; with ``weight`` the mean is weighted."""
    check_tensor("l1_loss", "input", input)
    check_tensor("l1_loss", "target", target)
    _same_size_warning(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, t = _broadcast_pair(input, target)  # torch broadcasts before it reads the reduction
    if weight is not None:
        # torch's Python path: the weight's shape, then plain arithmetic in any dtype, then the
        # reduction
        _check_weight_shape(weight, input)
        loss = (x - t).abs()
        _check_reduction(reduction)
        return _weighted(loss, weight, input, reduction)
    _check_reduction(reduction)
    _floating_pair("l1_loss", x, t)
    return _reduce((x - t).abs(), reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 z^2 / beta`` where ``z = |input - target| < beta``, else ``z - 0.5 beta``."""
    check_tensor("smooth_l1_loss", "input", input)
    check_tensor("smooth_l1_loss", "target", target)
    _same_size_warning(input, target)
    x, t = _broadcast_pair(input, target)  # torch broadcasts before it reads the reduction
    reduction = _reduction_of(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _floating_kernel("smooth_l1_cpu", input, target)
    if beta == 0.0:  # torch's l1_loss: its python subtraction refuses a bool operand
        return _reduce((x - t).abs(), reduction)
    x, t = _kernel_operands(x, t)
    z = (x - t).abs()
    # 0.5 m^2 / beta + (z - m) with m = min(z, beta): the two branches without a select, whose
    # unused branch would send 0 * inf = NaN back from an infinite z
    m = z.clamp(max=beta)
    return _reduce(m * m * (0.5 / beta) + (z - m), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 z^2`` where ``z = |input - target| < delta``, else ``delta (z - 0.5 delta)``."""
    check_tensor("huber_loss", "input", input)
    check_tensor("huber_loss", "target", target)
    _same_size_warning(input, target)
    x, t = _broadcast_pair(input, target)  # torch broadcasts first, then checks the rest
    # torch's python side checks the weight's size before its kernel checks delta and the
    # dtypes; with a weight, the reduction is looked at last
    if weight is None:
        reduction = _reduction_of(None, None, reduction)
    elif tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _floating_kernel("huber_cpu", input, target)
    x, t = _kernel_operands(x, t)
    z = (x - t).abs()
    m = z.clamp(max=delta)  # 0.5 m^2 + delta (z - m), m = min(z, delta): as smooth_l1_loss
    loss = m * m * 0.5 + (z - m) * delta
    if weight is None:
        # torch's huber kernel writes into a loss shaped and typed like the input (a float64
        # target beside a float32 input gives a float32 loss, unlike smooth_l1_loss)
        return _reduce(loss.to(input.dtype), reduction)
    return _reduce(loss * weight, _reduction_of(None, None, reduction))


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Pointwise KL divergence with ``input`` as log-probabilities: ``t (log t - input)``, or
    ``exp(t) (t - input)`` with ``log_target``; 'batchmean' divides the sum by the batch size."""
    check_tensor("kl_div", "input", input)
    check_tensor("kl_div", "target", target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    check_bool("kl_div", "log_target", log_target)
    for name, t in (("input", input), ("target", target)):
        if t.dtype.kind != "f":
            raise RuntimeError(
                f"kl_div: Integral inputs not supported. ({name} is {scalar_name(t.dtype)})"
            )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # torch's xlogy(t, t): its d/dt (log t + t / t) is NaN at t = 0 and below, as torch's.
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, target in {1, -1}."""
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor("margin_ranking_loss", name, t)
    reduction = _reduction_of(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    check_broadcast(tuple(input1.shape), tuple(input2.shape), tuple(target.shape))
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """x where target == 1, ``max(0, margin - x)`` where target == -1 (both for other values)."""
    check_tensor("hinge_embedding_loss", "input", input)
    check_tensor("hinge_embedding_loss", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    check_broadcast(tuple(input.shape), tuple(target.shape))
    t = target._array
    zero: Tensor | float = 0.0
    if np.dtype(input.dtype).kind in "iu":
        # torch computes in the input's integer dtype: the margin converted to it (truncated,
        # refused where it does not fit), the result integer (and its mean refused)
        info = np.iinfo(input.dtype)
        if not (math.isfinite(margin) and info.min <= margin <= info.max):
            raise RuntimeError(
                f"value cannot be converted to type {scalar_name(input.dtype, 'conversion')} "
                f"without overflow (hinge_embedding_loss of an integer input: margin={margin})"
            )
        margin, zero = int(margin), zeros_like(input)
    margin_part = where(t != 1, (margin - input).clamp(min=0), zero)
    self_part = where(t != -1, input, zero)
    return _reduce(margin_part + self_part, reduction)


def _in_place_fits(op: str, shape: tuple[int, ...], other: Tensor, name: str) -> None:
    """torch updates a ``shape``-sized result in place with ``other``, so ``other`` may broadcast
    to it but not grow it."""
    grown = check_broadcast(shape, tuple(other.shape))
    if tuple(grown) != tuple(shape):
        raise RuntimeError(
            f"output with shape {list(shape)} doesn't match the broadcast shape {list(grown)} "
            f"({op}: {name} of shape {list(other.shape)} may not add dimensions to the loss)"
        )


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``log(1 + exp(-target * input))``."""
    check_tensor("soft_margin_loss", "input", input)
    check_tensor("soft_margin_loss", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    _in_place_fits("soft_margin_loss", tuple(input.shape), target, "target")
    _constant("soft_margin_loss", "target", target)
    # torch multiplies into a tensor of the input's dtype, then takes exp and log1p in it (in
    # place: an integer input cannot hold the floating product or its exp)
    product = -input * target
    if input.dtype.kind in "iu":
        floating = product.dtype if product.dtype.kind == "f" else np.dtype(np.float32)
        _kept(Tensor._wrap(np.zeros((), dtype=floating)), input.dtype)
    margin = product.to(input.dtype)
    return _reduce(Log1p.apply(margin.exp()), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Per-class logistic loss averaged over the classes (last dimension) of each sample."""
    check_tensor("multilabel_soft_margin_loss", "input", input)
    check_tensor("multilabel_soft_margin_loss", "target", target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def _long_target(target: Tensor) -> None:
    if target.dtype != np.int64:
        raise RuntimeError(
            f"expected scalar type Long but found {scalar_name(target.dtype)} (the target holds "
            f"class indices)"
        )


def _class_rows(
    op: str, input: Tensor, target: Tensor, weight: Tensor | None = None
) -> tuple[Tensor, np.ndarray, bool]:
    """(N, C) input and (N,) int64 targets for the multi-class margin losses; a class ``weight``
    must have C entries (checked before the targets' range, as torch)."""
    # torch reads a 0-d input as one sample of one class
    if input.ndim > 2 or (input.ndim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    _long_target(target)
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    t = target._array.reshape(-1).astype(np.int64) if target.ndim <= 1 else None
    if target.ndim > 1 or t is None or t.shape[0] != x.shape[0]:
        raise RuntimeError(
            f"{op}: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{x.shape[0]}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != x.shape[1]:
        raise RuntimeError(
            f"inconsistent weight size, expected {x.shape[1]} but got {list(weight.shape)}"
        )
    if ((t < 0) | (t >= x.shape[1])).any():
        raise RuntimeError("target out of range")
    return x, t, unbatched


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: ``sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C`` per sample."""
    check_tensor("multi_margin_loss", "input", input)
    check_tensor("multi_margin_loss", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x, t, unbatched = _class_rows("multi_margin_loss", input, target, weight)
    _constant("multi_margin_loss", "weight", weight)
    n, c = x.shape
    rows = np.arange(n)
    picked = x[rows, t].reshape(n, 1)  # (N, 1)
    z = margin - picked + x  # (N, C)
    # torch's kernel adds a term only where z > 0 (a NaN z, from NaN or inf - inf, adds nothing)
    # and weights only the terms it adds; masking z and the weight keeps 0 * inf out of both
    # the loss and its gradient
    use = (z._array > 0) & (np.arange(c) != t[:, None])  # (N, C)
    z = where(use, z, 0.0)
    h = z if p == 1 else z * z
    if weight is not None:
        h = h * Tensor._wrap(np.where(use, weight._array[t][:, None], 0).astype(h.dtype))
    loss = h.sum(1) / c
    if target.ndim == 0 and reduction == "none":  # torch: (N,) for a 1-d target, else ()
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge: ``sum_{j in labels} sum_{i not in labels} max(0, 1 - (x_j - x_i)) / C``;
    each row of ``target`` lists the labels, ended by the first -1."""
    check_tensor("multilabel_margin_loss", "input", input)
    check_tensor("multilabel_margin_loss", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    shape = tuple(input.shape)
    if not (input.ndim == 0 or (input.ndim in (1, 2) and shape[-1] != 0)):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(shape)}"
        )
    if input.ndim <= 1:  # one sample: any target of at most one dimension and C entries
        fits = target.ndim <= 1 and target.numel() == (shape[0] if shape else 1)
    else:
        fits = tuple(target.shape) == shape
    if not fits:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(shape)}"
        )
    _long_target(target)
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    t = target._array.reshape(x.shape).astype(np.int64)
    n, c = x.shape
    # torch checks every entry, also those after the ending -1
    if t.size and (t.min() < -1 or t.max() >= c):
        bad = int(t.min()) if t.min() < -1 else int(t.max())
        raise RuntimeError(
            f"multilabel_margin_loss(): argument #2 'target' is out of range: every entry "
            f"must lie in [-1, {c}) (-1 ends a row's labels), got {bad}"
        )
    # The labels of row k are t[k, :j] up to the first -1.
    slot = np.cumprod(t >= 0, axis=1).astype(bool)  # (N, C): slot j holds a label
    labels = np.where(slot, t, 0)  # (N, C)
    is_label = np.zeros((n, c), dtype=bool)  # (N, C): class i is a label of row k
    rows = np.broadcast_to(np.arange(n)[:, None], (n, c))
    is_label[rows[slot], labels[slot]] = True
    x_label = _rows(x, labels)  # (N, C): x[k, labels[k, j]]
    z = (1 - x_label).unsqueeze(2) + x.unsqueeze(1)  # (N, slot j, class i): torch's order
    # torch adds a term only where z > 0: a NaN z (NaN input, inf - inf) adds nothing
    mask = slot[:, :, None] & ~is_label[:, None, :] & (z._array > 0)
    loss = where(mask, z, 0.0).sum((1, 2)) / c
    if unbatched and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def _rows(x: Tensor, index: np.ndarray) -> Tensor:
    """``x[k, index[k, j]]`` for every (k, j)."""
    return x[np.arange(x.shape[0])[:, None], index]


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension."""
    check_tensor("pairwise_distance", "x1", x1)
    check_tensor("pairwise_distance", "x2", x2)
    check_broadcast(tuple(x1.shape), tuple(x2.shape))
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        diff = diff.reshape(1)
        return VectorNorm.apply(diff, float(p), (0,), keepdim)
    return VectorNorm.apply(diff, float(p), (diff.ndim - 1,), keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1/|x1| * x2/|x2|)`` along ``dim``, each norm at least ``eps``."""
    check_tensor("cosine_similarity", "x1", x1)
    check_tensor("cosine_similarity", "x2", x2)
    shape = check_broadcast(tuple(x1.shape), tuple(x2.shape))
    if eps < 0:
        raise RuntimeError(f"eps must be non-negative, got: {eps:g}")
    dtype = result_dtype(x1, x2)
    if dtype.kind == "f":
        # torch casts only an integer (or bool) operand: a float operand keeps its own dtype, so
        # a float32 x2 beside a float64 x1 is normalised in float32.
        x1 = x1 if x1.dtype.kind == "f" else x1.to(dtype)
        x2 = x2 if x2.dtype.kind == "f" else x2.to(dtype)
    a, b = x1.expand(shape), x2.expand(shape)
    axis = a._dim(dim)
    na = VectorNorm.apply(a, 2.0, (axis,), True)
    nb = VectorNorm.apply(b, 2.0, (axis,), True)
    # torch clamps clones of the norms under no_grad: the gradient ignores the clamp.
    na, nb = na + 0.0, nb + 0.0
    np.maximum(na._array, eps, out=na._array)
    np.maximum(nb._array, eps, out=nb._array)
    return ((a / na) * (b / nb)).sum(axis)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """Distances between all pairs of rows i < j of an (N, M) input, in row-major order."""
    check_tensor("pdist", "input", input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not p >= 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    i, j = np.triu_indices(input.shape[0], k=1)
    diff = input[i] - input[j]  # (P, M)
    if p == 0:
        # torch's pdist counts min(ceil(|d|), 1) (NaN for a NaN difference, where vector_norm
        # counts it as non-zero) and gives p = 0 a zero gradient (vector_norm's gives none): the
        # count's gradient reaches the input through a branch that where() never selects
        d = diff._array
        count = Tensor._wrap(np.minimum(np.ceil(np.abs(d)), d.dtype.type(1)).sum(1))  # (P,)
        return where(np.zeros(count.shape, dtype=bool), diff.sum(1), count)
    if p == math.inf:
        return PdistInf.apply(diff)  # torch's tie rule: each maximal entry gets the gradient
    return VectorNorm.apply(diff, float(p), (1,), False)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where target == 1, ``max(0, cos - margin)`` where target == -1."""
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor("cosine_embedding_loss", name, t)
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != input2.ndim or input1.ndim != target.ndim + 1:
        raise RuntimeError(
            f"cosine_embedding_loss : All input tensors should have same dimension but got "
            f"sizes: input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    dim = input1.ndim - 1
    # torch's EPSILON in cosine_embedding_loss is a C++ float: 1e-12 rounded to float32, which
    # shows in float64 wherever a magnitude is near zero
    eps = float(np.float32(1e-12))
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    labels = target._array
    check_broadcast(tuple(cos.shape), labels.shape)
    pos = where(labels == 1, 1 - cos, 0.0)
    neg = where(labels == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(pos + neg, reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with d the pairwise p-distance (``swap``: d(a, n)
    becomes min(d(a, n), d(p, n)))."""
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        check_tensor("triplet_margin_loss", name, t)
    reduction = _reduction_of(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """triplet_margin_loss with any ``distance_function(x, y)`` (default pairwise_distance)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``exp(input) - target * input`` (log_input), else ``input - target * log(input + eps)``;
    ``full`` adds Stirling's ``t log t - t + 0.5 log(2 pi t)`` where target > 1."""
    check_tensor("poisson_nll_loss", "input", input)
    check_tensor("poisson_nll_loss", "target", target)
    reduction = _reduction_of(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # torch's form: the term over every target, masked where target <= 1 (so a negative
        # target's gradient is 0 * log(target) = NaN there, as in torch)
        with np.errstate(invalid="ignore", divide="ignore"):
            stirling = target * target.log() - target + 0.5 * ((2 * math.pi) * target).log()
        loss = loss + where(target._array > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """``0.5 (log var + (input - target)^2 / var)`` (+ 0.5 log 2 pi with ``full``), var clamped
    to at least eps (the clamp does not stop the gradient, as in torch)."""
    check_tensor("gaussian_nll_loss", "input", input)
    check_tensor("gaussian_nll_loss", "target", target)
    if not isinstance(var, (float, Tensor)):
        raise TypeError(
            f"gaussian_nll_loss(): var must be a Tensor or a float, not {type(var).__name__}"
        )
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ones_like(input) * var
    elif (var._array < 0).any():
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (
            input.ndim == var.ndim
            and sum(y for x, y in zip(input.shape, var.shape, strict=True) if x != y) == 1
        ):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not valid")
    if var.dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type "
            f"{scalar_name(var.dtype, 'c')} (var is clamped in place to eps={eps})"
        )
    var = var + 0.0  # torch clamps a clone under no_grad
    np.maximum(var._array, eps, out=var._array)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
