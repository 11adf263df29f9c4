"""Stochastic weight averaging and exponential moving averages of a model (torch.optim.swa_utils).

``AveragedModel`` keeps a copy of a model whose parameters are the running average (SWA) or an
exponential moving average (EMA) of the trained model's; ``SWALR`` anneals each group's rate to a
constant SWA rate; ``update_bn`` recomputes BatchNorm statistics for the averaged weights.
"""

from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy
from typing import Any, Callable, Iterable

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..dtypes import get_default_dtype, int64
from ..tensor import Tensor
from . import _pointwise as pw
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

# torch's _BatchNorm: the base of BatchNorm1d/2d/3d (wherever convkit.nn defines it).
_BatchNorm: type = nn.BatchNorm1d.__mro__[1]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def _is_floating(t: Tensor) -> bool:
    return t._array.dtype.kind in "fc"


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An EMA update of lists of tensors in place: ``ema = lerp(ema, current, 1 - decay)``."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list: list, current_param_list: list, _: Any) -> None:
        if _is_floating(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                pw.lerp_(p_ema._array, p_model._array, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema._array[...] = p_ema._array * decay + p_model._array * (1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """A running-mean update of lists of tensors in place:
    ``avg = lerp(avg, current, 1 / (num_averaged + 1))``."""

    @no_grad()
    def swa_update(averaged_param_list: list, current_param_list: list, num_averaged: Any) -> None:
        n = num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged
        weight = 1 / (n + 1)
        if isinstance(num_averaged, Tensor):
            # torch: 1 / (count + 1) is an integer tensor's reciprocal, in the default dtype.
            weight = float(get_default_dtype().type(weight))
        if _is_floating(averaged_param_list[0]):
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                pw.lerp_(p_avg._array, p_model._array, weight)
        else:
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                diff = p_model._array - p_avg._array
                if isinstance(num_averaged, Tensor):
                    p_avg._array[...] = p_avg._array + diff / (n + 1)
                else:
                    p_avg._array[...] = p_avg._array + diff * (1.0 / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """``avg_fn(ema, current, n) = decay * ema + (1 - decay) * current`` (a new tensor)."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """``avg_fn(avg, current, n) = avg + (current - avg) / (n + 1)`` (a new tensor)."""

    @no_grad()
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(nn.Module):
    """A copy of ``model`` whose parameters average the model's over ``update_parameters`` calls.

    With neither function given the average is the running mean (SWA); ``multi_avg_fn`` (e.g.
    ``get_ema_multi_avg_fn(0.999)``) updates lists of tensors in place, ``avg_fn`` returns the
    new average of one tensor. The first call copies the model. With ``use_buffers`` the buffers
    (BatchNorm statistics) are averaged too, else they are copied from the model.
    ``n_averaged`` counts the calls (an int64 buffer). Calling it runs the averaged model.
    """

    def __init__(
        self,
        model: nn.Module,
        device: Any = None,
        avg_fn: Callable | None = None,
        multi_avg_fn: Callable | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor._wrap(np.array(0, dtype=int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: nn.Module) -> None:
        """Fold the model's current parameters (and buffers, with use_buffers) into the average."""
        if self.use_buffers:
            self_params = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            model_params = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            self_params = list(self.parameters())
            model_params = list(model.parameters())
        pairs = list(zip(self_params, model_params, strict=False))
        n_averaged = int(self.n_averaged._array)
        if n_averaged == 0:
            for p, m in pairs:
                p._array[...] = m._array
        else:
            count = Tensor._wrap(np.array(n_averaged, dtype=int64))
            if self.multi_avg_fn is not None or self.avg_fn is None:
                # As torch does, the lists go to multi_avg_fn one dtype at a time.
                by_dtype: dict[np.dtype, tuple[list, list]] = {}
                for p, m in pairs:
                    group = by_dtype.setdefault(p._array.dtype, ([], []))
                    group[0].append(Tensor._wrap(p._array))
                    group[1].append(Tensor._wrap(m._array))
                for averaged, current in by_dtype.values():
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(averaged, current, count)
                        continue
                    # torch's CPU path (no foreach kernels there): get_swa_avg_fn's running
                    # mean, avg + (current - avg) / (n + 1), rounded in the tensor's dtype.
                    for a, m in zip(averaged, current, strict=True):
                        arr = a._array
                        arr[...] = arr + (m._array - arr) / arr.dtype.type(n_averaged + 1)
            else:
                for p, m in pairs:
                    a = Tensor._wrap(p._array)
                    p._array[...] = self.avg_fn(a, Tensor._wrap(m._array), count)._array
        if not self.use_buffers:
            for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_swa._array[...] = b_model._array
        self.n_averaged._array += 1


def update_bn(loader: Iterable, model: nn.Module, device: Any = None) -> None:
    """Recompute every BatchNorm's running statistics as the plain mean over one pass of
    ``loader`` (momentum None), in training mode; restores the momenta and the mode after.
    A batch that is a list or tuple is used through its first element."""
    with no_grad():
        momenta = {}
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate from its current value to ``swa_lr`` over ``anneal_epochs``
    epochs (``cos`` or ``linear``), then hold it."""

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The rate the annealing started from, given the current rate at progress alpha."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [
            self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
            for group in self.optimizer.param_groups
        ]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [
            group["swa_lr"] * alpha + lr * (1 - alpha)
            for group, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)
        ]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
