"""DataParallel as torch behaves without GPUs: the wrapped module runs as it is."""

from __future__ import annotations

from typing import Any

from ..module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """torch's single-process multi-GPU wrapper. convkit has no GPUs, and torch on a machine
    without them ignores ``device_ids`` and runs ``module`` unchanged; so does this
    (``state_dict`` keys get ``module.``, as torch's). For several CPU processes use
    ``DistributedDataParallel``."""

    def __init__(
        self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[int] = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
