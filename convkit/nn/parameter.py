"""Parameter and the placeholders lazy modules hold before their first forward:
UninitializedParameter and UninitializedBuffer (torch.nn.parameter's names).

A placeholder is the very object the optimiser receives; ``materialize(shape)`` gives it storage
and turns it into its ``cls_to_become`` (Parameter, or Tensor for buffers) in place, so an
optimiser built before the first forward updates the real weights after it.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ..dtypes import as_dtype, get_default_dtype
from ..tensor import Tensor, _to_array

__all__ = ["Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter (requires grad by default)."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            array = np.zeros(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._array
        else:
            array = _to_array(data)  # torch's default dtypes: Python floats become float32
        self._setup(array, bool(requires_grad))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # Tensor's __str__ is bound to Tensor.__repr__


class UninitializedTensorMixin:
    """Shape-less storage until ``materialize``; the dtype is kept (``.double()`` before the
    first forward still gives float64 weights)."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate zero-filled storage of ``shape`` and become ``cls_to_become``."""
        if isinstance(shape, int):
            shape = (shape,)
        tensor = cast(Tensor, self)
        dt = tensor._array.dtype if dtype is None else as_dtype(dtype)
        tensor._array = np.zeros(tuple(shape), dtype=dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes."
        )

    def size(self, dim=None):
        return self.shape

    def numel(self) -> int:
        raise RuntimeError(
            "Can't access the number of elements of an uninitialized parameter or buffer: call "
            "`forward` (or load a state_dict) to initialize the lazy module first."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


def _placeholder(dtype) -> np.ndarray:
    return np.zeros(0, dtype=as_dtype(dtype) if dtype is not None else get_default_dtype())


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter without shape yet: what a lazy module registers before its first forward."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        super().__init__(Tensor._wrap(_placeholder(dtype)), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer without shape yet (a lazy norm layer's running statistics)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        super().__init__(0, requires_grad=requires_grad)
        self._array = _placeholder(dtype)


def is_lazy(param) -> bool:
    """Whether ``param`` is a placeholder still waiting for its shape."""
    return isinstance(param, UninitializedTensorMixin)
