"""Reverse-mode automatic differentiation: Function, the backward graph, the engine, grad mode.

The graph is torch's: every tensor computed from tensors that require grad holds a node
(``t.grad_fn``); a node's ``next_functions`` are ``(node, output_nr)`` edges to the nodes that
produced its inputs, with an ``AccumulateGrad`` node for each leaf and ``(None, 0)`` for an
input that needs no gradient. Edges point at nodes, never at tensors, so an in-place operation
can give a tensor a new node (``rebase``) without disturbing the nodes that used its old value.

Two kinds of ``Function``:

- convkit's own primitives (every subclass defined inside the ``convkit`` package, e.g. in
  ``convkit/ops``) compute on NumPy arrays: ``forward(ctx, *args)`` receives arrays where the
  caller passed Tensors and returns an array, or a tuple whose first item is the differentiable
  output and whose other items are auxiliary arrays (pooling indices) that carry no gradient;
  ``backward(ctx, grad)`` returns one array (or None) per positional input. ``grad_fn_name``
  names the node as torch names it (``"ConvolutionBackward0"``); it may also be a function of
  the node (``node._shape`` is the output's shape) when the name depends on the call.
- user subclasses (defined outside convkit) follow torch's API: forward and backward receive
  and return Tensors, ``ctx.save_for_backward`` takes Tensors, ``setup_context`` is supported.

The engine (``run_backward``) walks the nodes in reverse topological order, undoes broadcasting
once for every op (``sum_to``), casts every gradient to its input's dtype, runs tensor and node
hooks, and accumulates into ``.grad`` of leaves. Tensors that an op saved for backward are
checked against the version counter their tensor shares with its views, as torch checks them.

autograd never imports ``tensor``: ``convkit.tensor`` registers the Tensor class here at import
(``register_tensor_type``), so the imports point one way, tensor -> autograd.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import itertools
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar, cast

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
# A convkit.Tensor. autograd never imports tensor.py; it reaches the class through
# ``_tensor_type`` and the attributes documented on Tensor (``_array``, ``_node``, ...).
TensorLike = Any
Edge = tuple["Node | None", int]
FuncT = TypeVar("FuncT", bound=Callable[..., Any])

_tensor_type: Any = None


def register_tensor_type(cls: type) -> None:
    """Tell the engine which class wraps arrays (called once by ``convkit.tensor``)."""
    global _tensor_type
    _tensor_type = cls


def tensor_type() -> Any:
    """The registered Tensor class, for the modules below ``convkit.tensor`` that hand back a
    Tensor (``random``'s generator state) without importing it."""
    return _tensor_type


# ----- grad mode ------------------------------------------------------------------------------


class _ModeState(threading.local):
    grad_enabled: bool = True
    inference: bool = False


_mode = _ModeState()


def is_grad_enabled() -> bool:
    """Whether operations record the graph now (torch.is_grad_enabled)."""
    return _mode.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _mode.inference


class _ModeSwitch:
    """A grad-mode switch usable as a ``with`` block and as a decorator."""

    def _switch(self) -> None:
        raise NotImplementedError

    def clone(self) -> _ModeSwitch:
        return type(self)()

    def __enter__(self) -> None:
        self._prev = (_mode.grad_enabled, _mode.inference)
        self._switch()

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled, _mode.inference = self._prev

    def __call__(self, func: FuncT) -> FuncT:
        if inspect.isclass(func):
            raise RuntimeError(f"{type(self).__name__} cannot decorate a class, got {func!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return cast(FuncT, wrapper)


class no_grad(_ModeSwitch):
    """Operations record no graph inside (``with no_grad():``, ``@no_grad()`` or ``@no_grad``)."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def _switch(self) -> None:
        _mode.grad_enabled = False


class enable_grad(_ModeSwitch):
    """Turn graph recording back on inside a ``no_grad`` block (also a decorator)."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def _switch(self) -> None:
        _mode.grad_enabled = True


class set_grad_enabled(_ModeSwitch):
    """Set grad mode now (``set_grad_enabled(False)``); as a ``with`` block or a decorator it
    restores the previous mode on exit, as torch's does."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {mode!r}")
        self.mode = bool(mode)
        self._prev = (_mode.grad_enabled, _mode.inference)
        _mode.grad_enabled = self.mode

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self.mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, func: FuncT) -> FuncT:
        _mode.grad_enabled, _mode.inference = self._prev  # decorating must not switch the mode
        return super().__call__(func)


class inference_mode(_ModeSwitch):
    """``no_grad`` that also reports ``is_inference_mode_enabled()``; ``inference_mode(False)``
    leaves grad mode alone. Usable bare as a decorator (``@inference_mode``)."""

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, (bool, np.bool_)):
            self = super().__new__(cls)
            self.mode = bool(mode)
            return self
        return cls(True)(mode)

    mode: bool

    def __init__(self, mode: Any = True) -> None:
        pass

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)

    def _switch(self) -> None:
        if self.mode:
            _mode.grad_enabled = False
        _mode.inference = self.mode


# ----- hooks ----------------------------------------------------------------------------------


class HookDict(dict):  # type: ignore[type-arg]
    """A hook registry (a dict that a handle can refer to weakly)."""


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook (also a ``with``
    block that removes it on exit), as ``torch.utils.hooks.RemovableHandle``; ``extra_dict``
    names more registries (one dict or a list) the same id is removed from."""

    _ids: ClassVar[Iterator[int]] = itertools.count()

    def __init__(self, hooks_dict: dict[int, Any], *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        extras = extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(hooks: dict[int, Any], fn: Any) -> RemovableHandle:
    """Register ``fn`` in ``hooks`` (in registration order) and return its handle."""
    if not callable(fn):
        raise TypeError(f"hook must be callable, got {type(fn).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class TensorHooks:
    """A leaf tensor's gradient hooks (``register_hook``, ``register_post_accumulate_grad_hook``)
    and whether a non-leaf retains its gradient; kept on the tensor as ``t._hooks``."""

    __slots__ = ("pre", "post_accumulate", "retains_grad")

    def __init__(self) -> None:
        self.pre: dict[int, Any] = HookDict()
        self.post_accumulate: dict[int, Any] = HookDict()
        self.retains_grad = False


class _NodeHooks:
    __slots__ = ("tensor_pre", "retain", "pre", "post", "metadata")

    def __init__(self) -> None:
        self.tensor_pre: dict[int, tuple[int, Any]] = HookDict()  # id -> (output_nr, hook)
        self.retain: dict[int, weakref.ref[Any]] = {}  # output_nr -> the tensor retaining it
        self.pre: dict[int, Any] = HookDict()
        self.post: dict[int, Any] = HookDict()
        self.metadata: dict[Any, Any] = {}


def add_tensor_pre_hook(node: Node, output_nr: int, fn: Any) -> RemovableHandle:
    """A non-leaf tensor's ``register_hook``: ``fn(grad)`` on output ``output_nr`` of ``node``."""
    store = node._hooks().tensor_pre
    handle = add_hook(HookDict(), fn)
    store[handle.id] = (output_nr, fn)
    handle.hooks_dict_ref = weakref.ref(store)
    return handle


def retain(node: Node, t: TensorLike) -> None:
    """Fill ``t.grad`` with the gradient reaching output ``t._output_nr`` of ``node``."""
    node._hooks().retain[t._output_nr] = weakref.ref(t)


def tensor_hooks(t: TensorLike) -> TensorHooks:
    """``t``'s hook record, made on first use."""
    hooks: TensorHooks | None = t._hooks
    if hooks is None:
        hooks = t._hooks = TensorHooks()
    return hooks


# ----- graph nodes ----------------------------------------------------------------------------


class Node:
    """A node of the backward graph: what ``t.grad_fn`` returns, and the ``ctx`` that a
    Function's forward and backward share.

    ``next_functions`` are the ``(node, output_nr)`` edges to the producers of the inputs.
    ``_next`` holds one entry per positional input of forward (None where the argument is no
    graph input, e.g. a kernel size); ``_shape``/``_dtype`` describe output 0 (``_more`` the
    others) so the engine can sum and cast incoming gradients; ``_saved`` is what
    ``save_for_backward`` kept (None once freed by a backward pass).
    """

    __slots__ = (
        "needs_input_grad",
        "_next",
        "_saved",
        "_shape",
        "_dtype",
        "_more",
        "_hookset",
        "__dict__",
        "__weakref__",
    )
    _fn: ClassVar[Any] = None  # the Function class this node differentiates
    _name: ClassVar[str] = "Node"
    # Version records of what was saved, set by Function.apply (kept in __dict__, so a backward
    # pass frees them with the rest of the context): the positional arguments, their versions,
    # and (version counter, version, array) of output 0.
    _args: tuple[Any, ...] | None = None
    _versions: tuple[int, ...] | None = None
    _out: tuple[list[int], int, Any] | None = None
    # Set by the engine before a ``_may_take_grad`` backward: whether the gradient it is handed
    # is its own to overwrite.
    grad_is_theirs: bool = False

    needs_input_grad: tuple[bool, ...]
    _next: tuple[Edge | None, ...]
    _saved: tuple[Any, ...] | None
    _shape: tuple[int, ...]
    _dtype: np.dtype[Any]
    _more: tuple[tuple[tuple[int, ...], np.dtype[Any]], ...]
    _hookset: _NodeHooks | None

    def name(self) -> str:
        return type(self)._name

    @property
    def next_functions(self) -> tuple[Edge, ...]:
        return tuple(e for e in self._next if e is not None)

    @property
    def metadata(self) -> dict[Any, Any]:
        return self._hooks().metadata

    def _hooks(self) -> _NodeHooks:
        if self._hookset is None:
            self._hookset = _NodeHooks()
        return self._hookset

    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward and may return
        replacement ``grad_inputs``."""
        return add_hook(self._hooks().post, fn)

    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node's backward and may return replacement
        ``grad_outputs``."""
        return add_hook(self._hooks().pre, fn)

    def __repr__(self) -> str:
        cls = type(self)
        prefix = "" if cls.__module__ == "builtins" else cls.__module__ + "."
        return f"<{prefix}{cls.__qualname__} object at {id(self):#x}>"

    # ----- what Function.forward and backward see as ``ctx`` ---------------------------------
    def save_for_backward(self, *items: Any) -> None:
        if self._fn is not None and not self._fn._array_io:
            T = _tensor_type
            for i, t in enumerate(items):
                if t is not None and not isinstance(t, T):
                    raise TypeError(
                        f"save_for_backward can only save variables, but argument {i} is of "
                        f"type {type(t).__name__}"
                    )
            self._args = items
            self._versions = tuple(_version(t) if t is not None else 0 for t in items)
        self._saved = items

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        if self._args is not None:
            self._check_versions(saved)
        return saved

    def mark_dirty(self, *tensors: Any) -> None:
        self.__dict__["_dirty"] = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.__dict__["_non_differentiable"] = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.__dict__["_materialize"] = bool(value)

    def _check_versions(self, saved: tuple[Any, ...]) -> None:
        args, versions = self._args, self._versions
        assert args is not None and versions is not None
        T = _tensor_type
        out = self._out
        if (out is None or out[0][0] == out[1]) and versions == tuple(
            [_version(a) if isinstance(a, T) else 0 for a in args]
        ):
            return  # nothing written since: the common case, without matching arrays to owners
        if not self._fn._array_io:  # user Function: the saved items are the tensors
            for t, v in zip(args, versions, strict=True):
                if t is not None and _version(t) != v:
                    _raise_modified(t, v, None)
            return
        for s in saved:
            if not isinstance(s, np.ndarray):
                continue
            owner = _owner(s)
            out = self._out
            if out is not None and _owner(out[2]) is owner:
                if out[0][0] != out[1]:
                    _raise_modified(None, out[1], self, out[0][0], s)
                continue
            for a, v in zip(args, versions, strict=False):
                if isinstance(a, T) and _owner(a._array) is owner:
                    if _version(a) != v:
                        _raise_modified(a, v, None)
                    break


_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _owner(a: Array) -> Any:
    """The object that owns ``a``'s memory (NumPy collapses view chains to it)."""
    base = a.base
    return a if base is None else base


def _version(t: TensorLike) -> int:
    vc = t._vc
    return 0 if vc is None else int(vc[0])


def version_counter(t: TensorLike) -> list[int]:
    """``t``'s version counter (a one-item list shared with its views), made on first use."""
    vc: list[int] | None = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


_TYPE_NAMES = {
    "float16": "HalfTensor",
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "bool": "BoolTensor",
}


def _op_name(node: Node) -> str:
    return re.sub(r"Backward\d*$", "", node.name())


def _raise_modified(
    t: TensorLike | None,
    expected: int,
    owner: Node | None,
    current: int | None = None,
    array: Array | None = None,
) -> None:
    """torch's error for a saved tensor that an in-place operation has changed since."""
    arr = t._array if t is not None else array
    assert arr is not None
    kind = "convkit." + _TYPE_NAMES.get(str(arr.dtype), "Tensor")
    where = ""
    if owner is not None:  # an output of ``owner`` that it saved itself
        where = f", which is output 0 of {_op_name(owner)},"
    elif t is not None:
        node = grad_fn(t)
        if node is not None:
            where = f", which is output {t._output_nr} of {_op_name(node)},"
    now = _version(t) if t is not None else current
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind} {list(arr.shape)}]{where} is at version {now}; expected version "
        f"{expected} instead. Hint: the tensor was saved for backward before the in-place "
        "operation changed it; use the out-of-place form (y = y.relu() rather than y.relu_()) "
        "or .clone() it first."
    )


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds what reaches it to ``variable.grad``."""

    __slots__ = ("variable",)
    _name = "convkit::autograd::AccumulateGrad"

    def __init__(self, variable: TensorLike) -> None:
        self.variable = variable
        self.needs_input_grad = ()
        self._next = ()
        self._saved = ()
        self._shape = variable._array.shape
        self._dtype = variable._array.dtype
        self._hookset = None

    def __repr__(self) -> str:
        # torch's AccumulateGrad is a built-in (C++) node: its repr names no module.
        return f"<AccumulateGrad object at {id(self):#x}>"


def accumulator(t: TensorLike) -> AccumulateGrad:
    """The AccumulateGrad node of leaf ``t``: one per leaf while a graph holds it (torch keeps
    it weakly, so ``a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]`` when both
    use the same leaf)."""
    ref = t._accum
    acc: AccumulateGrad | None = ref() if ref is not None else None
    arr = t._array
    if acc is None or acc._shape != arr.shape or acc._dtype != arr.dtype:
        acc = AccumulateGrad(t)
        t._accum = weakref.ref(acc)
    return acc


def grad_fn(t: TensorLike) -> Node | None:
    """``t.grad_fn``; a view whose base was modified in place with autograd since the view's
    node was made gets a fresh node over the base's new history (torch's AsStridedBackward0)."""
    view = t._view
    if view is not None:
        base = view[0]
        if base._node is not None and view[2] != _version(t):
            t._node = _ViewOfBase.make(base, view[1])
            t._output_nr = 0
            t._requires_grad = True
            t._view = (base, view[1], _version(t))
    node: Node | None = t._node
    return node


def _refreshed(t: TensorLike) -> bool:
    """Whether view ``t`` requires grad now (its base may have gained a history since)."""
    grad_fn(t)
    return bool(t._requires_grad)


def edge(t: TensorLike) -> Edge:
    """The graph edge that carries gradient to tensor ``t`` (which requires grad)."""
    node = grad_fn(t)
    if node is not None:
        return (node, t._output_nr)
    return (accumulator(t), 0)


_NO_GRAD_EDGE: Edge = (None, 0)


# ----- Function -------------------------------------------------------------------------------


def _spatial_name(template: str, node: Node) -> str:
    """``template`` with ``{d}`` replaced by the output's spatial rank (``MaxPool2D...``)."""
    return template.format(d=len(node._shape) - 2)


class _Scratch:
    """A throwaway ctx for replaying a view op's forward on another array."""

    needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *items: Any) -> None:
        pass


def _prepared_fp_state() -> tuple[Any, Any]:
    """NumPy's context variable for the floating-point error state and an all-ignore value for
    it (NumPy >= 2 keeps the state there), or (None, None)."""
    try:
        _multiarray_umath = importlib.import_module("numpy._core._multiarray_umath")
        _ufunc_config = importlib.import_module("numpy._core._ufunc_config")
    except ImportError:  # NumPy 1.x
        return None, None
    var = getattr(_ufunc_config, "_extobj_contextvar", None)
    make = getattr(_multiarray_umath, "_make_extobj", None)
    if var is None or make is None:
        return None, None
    return var, make(all="ignore")


_fp_state, _FP_IGNORE = _prepared_fp_state()


def _forward_ignoring_fp(forward: Callable[..., Any], ctx: Node, raw: list[Any], kw: Any) -> Any:
    """``forward(ctx, *raw, **kw)`` with IEEE results (inf, NaN) and no NumPy RuntimeWarnings,
    as torch computes them.

    ``np.errstate`` builds its state object on every entry (2.5 us, as much as a small op's
    whole forward); setting NumPy's context variable to one prepared state costs 0.6 us.
    """
    if _fp_state is None:
        with np.errstate(all="ignore"):
            return forward(ctx, *raw, **kw)
    token = _fp_state.set(_FP_IGNORE)
    try:
        return forward(ctx, *raw, **kw)
    finally:
        _fp_state.reset(token)


class Function:
    """Base class of differentiable operations (torch.autograd.Function).

    Subclass it with static ``forward`` and ``backward`` and call ``apply``. Inside convkit the
    methods see NumPy arrays (see the module docstring); outside, Tensors, exactly as in torch::

        class Exp(convkit.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y
    """

    # torch's name for the node ("ConvolutionBackward0"); "{d}" stands for the output's spatial
    # rank ("MaxPool{d}DWithIndicesBackward0"), or a function of the node gives the name.
    grad_fn_name: ClassVar[str | Callable[[Node], str] | None] = None
    _array_io: ClassVar[bool] = True
    # A backward that may write its result into the gradient it receives when the engine hands
    # it one nothing else holds: it then finds ``ctx.grad_is_theirs`` True.
    _may_take_grad: ClassVar[bool] = False
    # A forward that writes its result into its first argument's array, which its caller
    # hands over (no one else holds it): the output then is that array, not a copy.
    _writes_input: ClassVar[bool] = False
    _node_cls: ClassVar[type[Node]]
    _name_of: ClassVar[Callable[[Node], str] | None] = None
    _named: ClassVar[dict[str, type[Node]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_array_io" not in cls.__dict__:
            cls._array_io = cls.__module__.split(".")[0] == "convkit"
        name = cls.grad_fn_name if cls._array_io else None
        if isinstance(name, str) and "{d}" in name:
            name = functools.partial(_spatial_name, name)
        # A name that depends on the call is worked out when the node is made (backward frees
        # its context) and picks a node class of that name; grad_fn_name is then a plain
        # function stored on the class, not a method.
        cls._name_of = staticmethod(name) if callable(name) else None
        cls._named = {}
        cls._node_cls = cls._named_node_cls(
            name if isinstance(name, str) else f"{cls.__name__}Backward"
        )

    @classmethod
    def _named_node_cls(cls, name: str) -> type[Node]:
        """The node class named ``name`` for this Function (made once)."""
        node_cls = cls._named.get(name)
        if node_cls is None:
            node_cls = cls._named[name] = type(
                name,
                (Node,),
                {
                    "__slots__": (),
                    "__module__": "builtins" if cls._array_io else "convkit.autograd.function",
                    "__qualname__": name,
                    "_fn": cls,
                    "_name": name,
                },
            )
        return node_cls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method: call "
            f"{type(self).__name__}.apply(...) instead of instantiating it."
        )

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def vjp(cls, ctx: Any, *grad_outputs: Any) -> Any:
        return cls.backward(ctx, *grad_outputs)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        if not cls._array_io:
            return _apply_tensor_function(cls, args, kwargs)
        T = _tensor_type
        ctx = object.__new__(cls._node_cls)
        ctx._saved = ()
        # One pass over the arguments: the arrays forward sees, and which inputs need a gradient
        # (a view's base may have gained a history since the view was made).
        raw: list[Any] = []
        flags: list[bool] = []
        record = False
        grad_on = _mode.grad_enabled
        for a in args:
            if isinstance(a, T):
                raw.append(a._array)
                need = grad_on and (a._requires_grad or (a._view is not None and _refreshed(a)))
                flags.append(need)
                record = record or need
            else:
                raw.append(a)
                flags.append(False)
        needs = ctx.needs_input_grad = tuple(flags)
        out = _forward_ignoring_fp(cls.forward, ctx, raw, kwargs)
        aux: list[Any] = []
        if type(out) is tuple:
            out, *aux = out
        if raw and out is raw[0] and not cls._writes_input:
            out = out.copy()  # an op that returned its input unchanged: outputs never alias
        result = T._wrap(out)
        out = result._array  # an ndarray even when forward returned a NumPy scalar
        if out.base is not None and raw and isinstance(args[0], T):
            if _owner(out) is _owner(raw[0]):
                _make_view(result, args[0], cls, args[1:], kwargs)
        if record:
            nxt: list[Edge | None] = []
            for a, r, need in zip(args, raw, needs, strict=True):
                if need:
                    nxt.append(edge(a))
                elif r is None or (isinstance(r, np.ndarray) and r.dtype.kind == "f"):
                    nxt.append(_NO_GRAD_EDGE)
                elif isinstance(r, np.ndarray):
                    nxt.append(None)  # an integer or bool input: never differentiable
                else:
                    break  # the graph inputs are the leading run of array arguments
            ctx._next = tuple(nxt)
            ctx._shape = out.shape
            ctx._dtype = out.dtype
            ctx._hookset = None
            if cls._name_of is not None:
                ctx.__class__ = cls._named_node_cls(cls._name_of(ctx))
            if ctx._saved:
                ctx._args = args
                ctx._versions = tuple([_version(a) if isinstance(a, T) else 0 for a in args])
                owner = _owner(out)
                if any([type(s) is np.ndarray and _owner(s) is owner for s in ctx._saved]):
                    # only an op that saved its output reads this; the others leave the output
                    # array held by its tensor alone (what Sequential's fusion checks)
                    ctx._out = (version_counter(result), 0, out)
            result._requires_grad = True
            result._node = ctx
        if aux:
            return (result, *(T._wrap(x) for x in aux))
        return result


def _make_view(
    result: TensorLike, src: TensorLike, cls: type[Function], extra: Any, kw: Any
) -> None:
    """Record that ``result`` (made by ``cls`` from ``src``) is a view of ``src``'s memory: it
    shares the version counter and remembers how to make it from its base, so an in-place write
    through it can update the base's history (CopySlices)."""
    result._vc = version_counter(src)
    step = (cls, extra, kw)
    view = src._view
    if view is None:
        result._view = (src, (step,), _version(src))
    else:
        result._view = (view[0], view[1] + (step,), _version(src))


def replay_view(chain: Sequence[Any], array: Array) -> Array:
    """Apply a view chain (as recorded by ``_make_view``) to ``array``."""
    with np.errstate(all="ignore"):
        for cls, extra, kw in chain:
            array = cls.forward(_Scratch(), array, *extra, **kw)
    return array


def _view_backward(chain: Sequence[Any], shape: tuple[int, ...], dtype: Any, g: Array) -> Array:
    """The gradient w.r.t. a base of ``shape`` of the view made by ``chain``, given the view's
    gradient ``g``: each step's own backward, in reverse."""
    array: Array = np.zeros(shape, dtype=dtype)
    steps = []
    for cls, extra, kw in chain:
        ctx = _Scratch()
        steps.append((cls, ctx, array.shape))
        array = cls.forward(ctx, array, *extra, **kw)
    for cls, ctx, in_shape in reversed(steps):
        out = cls.backward(ctx, g)
        g = sum_to(np.asarray(out[0] if isinstance(out, tuple) else out), in_shape)
    return g


class CopySlices(Function):
    """The new history of a base whose view was written in place (torch's CopySlices).

    Input 0 is the base's old value, whose gradient is zero in the view's region. ``ctx.fn`` is
    the node that computed the view's new values from the view's old value (its input 0) and
    its other inputs (this node's inputs 1, 2, ...): the view's share of the gradient runs
    through it, and what it gives its input 0 returns to the base's old value in the region.
    """

    grad_fn_name = "CopySlices"

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, ...]:
        chain, shape, fn = ctx.chain, g.shape, ctx.fn
        ones: Array = np.ones(ctx.view_shape, dtype=g.dtype)
        region = _view_backward(chain, shape, g.dtype, ones) != 0
        old = np.where(region, np.zeros((), dtype=g.dtype), g) if ctx.needs_input_grad[0] else None
        g_view = np.array(replay_view(chain, g))
        if fn is None:
            return (old,)
        grads = fn._fn.backward(fn, g_view)
        if type(grads) is not tuple:
            grads = (grads,)
        grads = grads + (None,) * (len(fn._next) - len(grads))
        if old is not None and grads[0] is not None:
            back = sum_to(np.asarray(grads[0]), ctx.view_shape).astype(g.dtype, copy=False)
            old = old + _view_backward(chain, shape, g.dtype, back)
        return (old, *grads[1:])


CopySlices._node_cls._name = "convkit::autograd::CopySlices"


class _ViewOfBase(Function):
    """A view's node regenerated over its base's current history (torch's AsStridedBackward0)."""

    grad_fn_name = "AsStridedBackward0"

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        return _view_backward(ctx.chain, ctx.base_shape, g.dtype, g)

    @staticmethod
    def make(base: TensorLike, chain: tuple[Any, ...]) -> Node:
        arr = replay_view(chain, base._array)
        node = _manual_node(_ViewOfBase, (edge(base),), arr.shape, arr.dtype)
        node.__dict__.update(chain=chain, base_shape=base._array.shape)
        return node


def _manual_node(cls: type[Function], nxt: tuple[Edge | None, ...], shape: Any, dtype: Any) -> Node:
    node = object.__new__(cls._node_cls)
    node.needs_input_grad = tuple(e is not None and e[0] is not None for e in nxt)
    node._next, node._saved, node._shape, node._dtype = nxt, (), shape, dtype
    node._hookset = None
    return node


def rebase(t: TensorLike, result: TensorLike) -> None:
    """Graph surgery of an in-place write, after ``t``'s memory already holds ``result``'s
    values and its version was bumped: ``t`` takes ``result``'s place in the graph.

    A view's base gets a CopySlices node (the view's region from ``result``, the rest from the
    base's old history) and the view a node over it. ``result``'s node keeps what it saved of
    ``result`` as ``t``'s memory at ``t``'s new version, so a later in-place write to ``t`` is
    caught (torch's "output 0 of Relu is at version 2").
    """
    node: Node | None = result._node
    if node is not None and node._out is not None and node._out[2] is result._array:
        node._out = (version_counter(t), _version(t), t._array)
        if node._saved:
            node._saved = tuple(t._array if s is result._array else s for s in node._saved)
    view = t._view
    if view is None:
        previous = t._node
        t._node, t._output_nr, t._requires_grad = node, result._output_nr, node is not None
        _move_retain(t, previous)
        return
    base, chain = view[0], view[1]
    old = edge(base) if base._requires_grad else _NO_GRAD_EDGE
    before = (t._node, t._output_nr) if t._node is not None else _NO_GRAD_EDGE
    if node is not None and node._fn._array_io and node._next and node._next[0] == before:
        # The op read the view's old value as its input 0: CopySlices runs it (torch's layout).
        nxt: tuple[Edge | None, ...] = (old, *node._next[1:])
        fn: Node | None = node
    else:
        nxt = (old, (node, result._output_nr) if node is not None else _NO_GRAD_EDGE)
        fn = _IDENTITY_NODE if node is not None else None
    cs = _manual_node(CopySlices, nxt, base._array.shape, base._array.dtype)
    cs.__dict__.update(chain=chain, view_shape=t._array.shape, fn=fn)
    previous_base, previous = base._node, t._node
    base._node, base._output_nr, base._requires_grad = cs, 0, True
    _move_retain(base, previous_base)
    t._node = _ViewOfBase.make(base, chain)
    t._output_nr, t._requires_grad = 0, True
    t._view = (base, chain, _version(t))
    _move_retain(t, previous)


class _Identity(Function):
    """The gradient of the written values passes as it is (they came from another node)."""

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[None, Array]:
        return None, g


_IDENTITY_NODE = _manual_node(_Identity, (_NO_GRAD_EDGE, _NO_GRAD_EDGE), (), np.dtype(np.float32))


def protect_saved(node: Node, t: TensorLike) -> None:
    """Before ``t`` is overwritten with the output of ``node``: what ``node`` saved of ``t``'s
    old value is copied, so the in-place form differentiates like the out-of-place one (torch
    saves ``original_self``). ``t`` leaves the node's records, which would otherwise hold it in
    a reference cycle once ``t`` takes the node as its ``grad_fn``."""
    args = node._args
    if not node._saved or args is None:
        return
    owner = _owner(t._array)
    node._saved = tuple(
        s.copy() if isinstance(s, np.ndarray) and _owner(s) is owner else s for s in node._saved
    )
    node._args = tuple(None if a is t else a for a in args)


def _move_retain(t: TensorLike, old: Node | None = None) -> None:
    """A tensor that retains its gradient keeps doing so under its new node (torch moves the
    retains_grad hook on an in-place operation; other hooks stay with the old node)."""
    hooks = t._hooks
    if hooks is None or not hooks.retains_grad:
        return
    for node in {old, t._node} - {None}:
        hs = node._hookset
        if hs is not None:
            ref = hs.retain.get(t._output_nr)
            if ref is not None and ref() is t:
                del hs.retain[t._output_nr]
    if t._node is not None:
        retain(t._node, t)


# ----- user Functions (Tensors in, Tensors out) -----------------------------------------------


def _apply_tensor_function(cls: type[Function], args: tuple[Any, ...], kwargs: Any) -> Any:
    T = _tensor_type
    grad_on = _mode.grad_enabled
    needs = tuple(bool(grad_on and isinstance(a, T) and a._requires_grad) for a in args)
    record = any(needs)
    ctx = object.__new__(cls._node_cls)
    ctx.needs_input_grad = needs
    ctx._saved = ()
    ctx._hookset = None
    if record:  # the inputs' histories before forward (which may write an input in place)
        ctx._next = tuple(
            (edge(a) if need else _NO_GRAD_EDGE) if isinstance(a, T) else None
            for a, need in zip(args, needs, strict=True)
        )
    custom_setup = cls.setup_context is not Function.setup_context
    prev = _mode.grad_enabled
    _mode.grad_enabled = False
    try:
        if custom_setup:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        _mode.grad_enabled = prev
    single = not isinstance(out, tuple)
    outputs = list((out,) if single else out)
    dirty = ctx.__dict__.get("_dirty", ())
    non_diff = ctx.__dict__.get("_non_differentiable", ())
    metas = []
    for i, o in enumerate(outputs):
        if not isinstance(o, T):
            metas.append(((), np.dtype(np.float32)))
            continue
        if any(o is d for d in dirty):
            version_counter(o)[0] += 1  # torch counts mark_dirty as a write
        src = next((a for a in args if a is o), None)
        if src is not None and not any(o is d for d in dirty):
            o = outputs[i] = T._wrap(src._array)  # an input returned as is: a new tensor on it
            o._vc = version_counter(src)
        metas.append((o._array.shape, o._array.dtype))
        if record and not any(o is n for n in non_diff) and o._array.dtype.kind == "f":
            if any(o is d for d in dirty):  # written in place by forward: takes this history
                if o._requires_grad and o._node is None:
                    raise RuntimeError(
                        "a leaf Variable that requires grad has been used in an in-place operation."
                    )
                o._view = None
            o._node, o._output_nr, o._requires_grad = ctx, i, True
    if record:
        ctx._shape, ctx._dtype = metas[0] if metas else ((), np.dtype(np.float32))
        ctx._more = tuple(metas[1:])
    return outputs[0] if single else tuple(outputs)


def _call_tensor_backward(node: Node, grads: list[Array | None]) -> tuple[Array | None, ...]:
    T = _tensor_type
    fn = node._fn
    materialize = node.__dict__.get("_materialize", True)
    metas = ((node._shape, node._dtype), *getattr(node, "_more", ()))
    wrapped = []
    for g, (shape, dtype) in zip(grads, metas, strict=False):
        if g is None and materialize:
            g = np.zeros(shape, dtype=dtype)
        wrapped.append(None if g is None else T._wrap(g))
    result = fn.backward(node, *wrapped)
    if not isinstance(result, tuple):
        result = (result,)
    n_inputs = len(node._next)
    if len(result) < n_inputs or any(r is not None for r in result[n_inputs:]):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients (expected "
            f"{n_inputs}, got {len(result)})"
        )
    out: list[Array | None] = []
    for i, (r, e) in enumerate(zip(result[:n_inputs], node._next, strict=True)):
        if r is None or e is None:
            out.append(None)
            continue
        if not isinstance(r, T):
            raise TypeError(
                f"function {node.name()} returned a gradient of type {type(r).__name__} at "
                f"index {i}; expected a Tensor or None"
            )
        g = r._array
        if e[0] is not None:
            shape = _meta(e[0], e[1])[0]
            try:
                g = sum_to(g, shape)
            except (RuntimeError, ValueError):
                raise RuntimeError(
                    f"Function {node.name()} returned an invalid gradient at index {i} - got "
                    f"{list(g.shape)} but expected shape compatible with {list(shape)}"
                ) from None
        out.append(g)
    return tuple(out)


def once_differentiable(fn: FuncT) -> FuncT:
    """torch's decorator for a backward that cannot itself be differentiated. convkit never
    differentiates a backward (no ``create_graph``), so every backward already is one."""
    return fn


# ----- the engine -----------------------------------------------------------------------------


def sum_to(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape and grad.size != int(np.prod(shape)):
        raise RuntimeError(
            f"a gradient of shape {list(grad.shape)} cannot be summed to its input's shape "
            f"{list(shape)}"
        )
    return grad.reshape(shape)


def _meta(node: Node, nr: int) -> tuple[tuple[int, ...], np.dtype[Any]]:
    if nr == 0:
        return node._shape, node._dtype
    return node._more[nr - 1]


def _add(grads: dict[Node, Any], node: Node, nr: int, g: Array) -> None:
    shape, dtype = _meta(node, nr)
    if g.shape != shape:
        try:
            g = sum_to(g, shape)
        except (RuntimeError, ValueError):
            raise RuntimeError(
                f"Function {node.name()} received an invalid gradient - got {list(g.shape)} but "
                f"expected shape compatible with {list(shape)}"
            ) from None
    if g.dtype != dtype:
        g = g.astype(dtype)
    if nr == 0 and not isinstance(grads.get(node), dict):
        prev = grads.get(node)
        grads[node] = g if prev is None else prev + g
        return
    slot = grads.setdefault(node, {})
    if not isinstance(slot, dict):
        slot = grads[node] = {0: slot}
    slot[nr] = g if nr not in slot else slot[nr] + g


def _toposort(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each after every node that feeds it a gradient."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for e in node._next:
            if e is not None and e[0] is not None and e[0] not in seen:
                stack.append((e[0], False))
    order.reverse()
    return order


def _wrap_grad(g: Array) -> TensorLike:
    return _tensor_type._wrap(g)


def _run_tensor_hooks(hooks: dict[int, Any], g: Array) -> Array:
    for fn in list(hooks.values()):
        new = fn(_wrap_grad(g))
        if new is not None:
            g = _own_array(new)
    return g


def _own_array(t: Any) -> Array:
    return cast(Array, t._array if isinstance(t, _tensor_type) else np.asarray(t))


def run_backward(
    roots: Sequence[Edge],
    root_grads: Sequence[Array],
    retain_graph: bool = False,
    inputs: Sequence[TensorLike] | None = None,
    accumulate: bool = True,
) -> list[Array | None]:
    """Propagate ``root_grads`` from the ``roots`` edges through the graph, then run the
    callbacks queued during the pass (``queue_callback``).

    ``accumulate``: add into ``.grad`` of the leaves (of ``inputs`` only, when given), as
    ``backward`` does; otherwise return the gradients of ``inputs`` (``autograd.grad``).
    """
    queued: list[Callable[[], object]] = []
    _final_callbacks.stack.append(queued)
    # The whole pass, hooks and callbacks included, runs with grad mode off, as torch's engine
    # runs it (grad mode = create_graph, which convkit never is).
    prev = _mode.grad_enabled
    _mode.grad_enabled = False
    try:
        with np.errstate(all="ignore"):  # as in forward: IEEE results, no NumPy warnings
            found = _run(roots, root_grads, retain_graph, inputs, accumulate)
        i = 0
        while i < len(queued):  # a callback may queue another, which runs after it
            queued[i]()
            i += 1
    finally:
        _mode.grad_enabled = prev
        _final_callbacks.stack.pop()
    return found


class _FinalCallbacks(threading.local):
    def __init__(self) -> None:
        # One list per backward pass running on this thread (a pass may start another inside a
        # hook or a custom Function); queue_callback appends to the innermost.
        self.stack: list[list[Callable[[], object]]] = []


_final_callbacks = _FinalCallbacks()


def queue_callback(callback: Callable[[], object]) -> None:
    """Run ``callback()`` once the backward pass now running has finished, after every
    gradient has been accumulated (torch's ``Variable._execution_engine.queue_callback``).

    Callbacks run in the order queued; one called outside a backward pass is an error, as in
    torch. DistributedDataParallel uses this to wait for its gradient all-reduces.
    """
    if not callable(callback):
        raise TypeError(f"queue_callback expects a callable, got {type(callback).__name__}")
    if not _final_callbacks.stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks.stack[-1].append(callback)


def _run(
    roots: Sequence[Edge],
    root_grads: Sequence[Array],
    retain_graph: bool,
    inputs: Sequence[TensorLike] | None,
    accumulate: bool,
) -> list[Array | None]:
    grads: dict[Node, Any] = {}
    for (node, nr), root_g in zip(roots, root_grads, strict=True):
        if node is not None:
            _add(grads, node, nr, root_g)
    order = _toposort(n for n, _ in roots if n is not None)
    # Targets: (node, output_nr) -> index in ``inputs``; a leaf's node is its AccumulateGrad.
    targets: dict[tuple[Node, int], int] = {}
    captured: list[Array | None] = []
    if inputs is not None:
        for i, t in enumerate(inputs):
            node, nr = edge(t)
            assert node is not None
            targets[(node, nr)] = i
        captured = [None] * len(inputs)
        needed = _needed(order, {n for n, _ in targets})
        order = [n for n in order if n in needed]
    handed: set[int] = set()  # arrays already given to a leaf's .grad in this pass
    root_ids = {id(g) for g in root_grads}
    in_grads: Any
    pg: Any
    g: Any
    have: Any
    for node in order:
        buf = grads.pop(node, None)
        # the last node's hand-over holds no array any more
        in_grads = pg = g = have = None
        if buf is None:
            continue
        if type(node) is AccumulateGrad:
            _accumulate(node, buf, targets, captured, accumulate, handed, root_ids)
            continue
        if node._saved is None:
            raise RuntimeError(_FREED)
        hs = node._hookset
        if hs is not None:
            buf = _pre_hooks(node, hs, buf)
        if targets:
            _capture(node, buf, targets, captured, accumulate, inputs)
        if node._fn._array_io:
            g0 = buf if type(buf) is not dict else buf.get(0)
            if g0 is None:
                g0 = np.zeros(node._shape, dtype=node._dtype)
            if node._fn._may_take_grad:
                count = _refcount(g0) - (buf is g0)  # its own statement: no stacked argument
                node.grad_is_theirs = _only_here(g0, count)
            in_grads = node._fn.backward(node, g0)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
        else:
            n_out = 1 + len(getattr(node, "_more", ()))
            per_out = list(map(buf.get, range(n_out))) if isinstance(buf, dict) else [buf]
            per_out += [None] * (n_out - len(per_out))
            in_grads = _call_tensor_backward(node, per_out)
        if hs is not None and hs.post:
            in_grads = _post_hooks(node, hs, in_grads, buf)
        if not retain_graph and (node._saved or node.__dict__):
            # Free what forward saved, as torch does; ops that saved nothing stay re-runnable.
            node._saved = None
            node.__dict__.clear()
        for e, pg in zip(node._next, in_grads, strict=False):
            if pg is None or e is None:
                continue
            nxt, nr = e
            if nxt is None:
                continue
            g = pg if type(pg) is np.ndarray else np.asarray(pg)
            if nr == 0 and g.shape == nxt._shape and g.dtype == nxt._dtype:
                # the common case, _add's first branch without its checks
                have = grads.get(nxt)
                if have is None:
                    grads[nxt] = g
                    continue
                if type(have) is not dict:
                    grads[nxt] = have + g
                    continue
            _add(grads, nxt, nr, g)
    return captured


def _refcount_of_one_local() -> int:
    a = np.empty(1)
    return sys.getrefcount(a)


# Reference counts tell whether a gradient array is held anywhere but in the engine's own
# locals (CPython with its GIL only; elsewhere no array counts as the engine's alone). The count
# of an array held by one local is measured, not assumed.
_refcount: Callable[[Any], int] = sys.getrefcount
_ONE_LOCAL = (
    _refcount_of_one_local()
    if sys.implementation.name == "cpython" and getattr(sys, "_is_gil_enabled", lambda: True)()
    else -1
)


def sole_array(t: TensorLike, count: int) -> bool:
    """Whether tensor ``t``, whose reference count less the caller's other locals is ``count``,
    and its array are held by the caller alone: a non-leaf (or a tensor needing no gradient)
    that no hook, view or graph node can see, so an op may overwrite its memory
    (``Function._writes_input``)."""
    if count != _ONE_LOCAL or type(t) is not _tensor_type or t._hooks is not None:
        return False
    if t._requires_grad and t._node is None:
        return False  # a leaf: its AccumulateGrad node would hold it
    a = t._array
    return a.base is None and a.flags.writeable and _refcount(a) == _ONE_LOCAL + 1


def _only_here(g: Array, count: int) -> bool:
    """Whether gradient ``g``, whose reference count less the engine's second local is
    ``count``, is the engine's alone: no other node's pending gradient, no hook, no leaf's
    ``.grad``, no caller and no view (a view holds its base) can see it, so the backward it is
    handed to may overwrite it (``Function._may_take_grad``)."""
    return count == _ONE_LOCAL and type(g) is np.ndarray and g.base is None and g.flags.writeable


def _needed(order: list[Node], target_nodes: set[Node]) -> set[Node]:
    """Nodes from which a target can be reached (``order`` is topological, roots first)."""
    needed: set[Node] = set()
    for node in reversed(order):
        if node in target_nodes or any(
            e is not None and e[0] is not None and e[0] in needed for e in node._next
        ):
            needed.add(node)
    return needed


def _pre_hooks(node: Node, hs: _NodeHooks, buf: Any) -> Any:
    """Tensor hooks (by output), retained gradients, then the node's pre-hooks."""
    if hs.tensor_pre or hs.retain:
        single = not isinstance(buf, dict)
        per = {0: buf} if single else dict(buf)
        for nr, fn in list(hs.tensor_pre.values()):
            if per.get(nr) is not None:
                new = fn(_wrap_grad(per[nr]))
                if new is not None:
                    per[nr] = _own_array(new)
        for nr, ref in hs.retain.items():
            t = ref()
            if t is not None and per.get(nr) is not None:
                g = per[nr]
                t._grad = _wrap_grad(g.copy() if t._grad is None else t._grad._array + g)
        buf = per[0] if single else per
    if hs.pre:
        outs = (buf,) if not isinstance(buf, dict) else tuple(buf.get(i) for i in sorted(buf))
        for fn in list(hs.pre.values()):
            new = fn(tuple(None if g is None else _wrap_grad(g) for g in outs))
            if new is not None:
                outs = tuple(None if g is None else _own_array(g) for g in new)
        buf = outs[0] if not isinstance(buf, dict) else dict(enumerate(outs))
    return buf


def _post_hooks(node: Node, hs: _NodeHooks, in_grads: Any, buf: Any) -> Any:
    outs = (buf,) if not isinstance(buf, dict) else tuple(buf.get(i) for i in sorted(buf))
    grad_outputs = tuple(None if g is None else _wrap_grad(g) for g in outs)
    edges = [i for i, e in enumerate(node._next) if e is not None]
    grad_inputs = tuple(
        None if i >= len(in_grads) or in_grads[i] is None else _wrap_grad(np.asarray(in_grads[i]))
        for i in edges
    )
    for fn in list(hs.post.values()):
        new = fn(grad_inputs, grad_outputs)
        if new is not None:
            grad_inputs = tuple(new)
    full: list[Array | None] = [None] * len(node._next)
    for i, g in zip(edges, grad_inputs, strict=True):
        full[i] = None if g is None else _own_array(g)
    return tuple(full)


def _capture(
    node: Node,
    buf: Any,
    targets: dict[tuple[Node, int], int],
    captured: list[Array | None],
    accumulate: bool,
    inputs: Sequence[TensorLike] | None,
) -> None:
    per = buf if isinstance(buf, dict) else {0: buf}
    for nr, g in per.items():
        i = targets.get((node, nr))
        if i is None or g is None:
            continue
        if accumulate and inputs is not None:  # backward(inputs=[non_leaf]) fills its .grad
            t = inputs[i]
            t._grad = _wrap_grad(g.copy() if t._grad is None else t._grad._array + g)
        else:
            captured[i] = g


def _accumulate(
    node: AccumulateGrad,
    g: Any,
    targets: dict[tuple[Node, int], int],
    captured: list[Array | None],
    accumulate: bool,
    handed: set[int],
    root_ids: set[int],
) -> None:
    t = node.variable
    hooks: TensorHooks | None = t._hooks
    if hooks is not None and hooks.pre:
        g = _run_tensor_hooks(hooks.pre, g)
        handed.add(id(g))  # a hook may have kept the array it returned: .grad gets a copy
    if node._hookset is not None and node._hookset.pre:
        g = _pre_hooks(node, node._hookset, g)
    i = targets.get((node, 0)) if targets else None
    if not accumulate:
        if i is not None:
            captured[i] = g
        return
    if targets and i is None:
        return  # backward(inputs=...) fills only the named inputs
    arr = t._array
    current = t._grad
    if current is None:
        t._grad = _wrap_grad(_own(g, arr.dtype, root_ids, handed))
    else:
        ca = current._array
        if ca.shape == g.shape and ca.flags.writeable and ca.dtype == arr.dtype:
            np.add(ca, g, out=ca, casting="unsafe")  # in place, as torch (optimisers keep .grad)
        else:
            t._grad = _wrap_grad((ca + g).astype(arr.dtype, copy=False))
    if hooks is not None and hooks.post_accumulate:
        for fn in list(hooks.post_accumulate.values()):
            fn(t)


def _own(g: Array, dtype: Any, root_ids: set[int], handed: set[int]) -> Array:
    """An array a leaf may keep as its ``.grad``: ``g`` itself when nothing else can reach it,
    else a copy.

    Copying every leaf gradient cost 6 ms of a 38 ms max-pool step on a (8, 64, 112, 112) input.
    ``g`` is safe to keep when it owns its memory (not a view of, or broadcast from, an array an
    op or the caller still holds), is writeable, is not the caller's own gradient, and has not
    already been given to another leaf (Add returns one array for both of its inputs). Backward
    functions write into the gradient they receive only when no one else holds it (``_only_here``),
    so sharing with a pending non-leaf gradient is harmless.
    """
    if (
        id(g) not in root_ids
        and id(g) not in handed
        and g.dtype == dtype
        and g.flags.owndata
        and g.flags.writeable
        and g.flags.c_contiguous
    ):
        handed.add(id(g))
        return g
    return np.array(g, dtype=dtype, copy=True)


# ----- the public entry points ----------------------------------------------------------------


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _root_grads(
    outputs: tuple[Any, ...], grads: tuple[Any, ...], what: str
) -> tuple[list[Edge], list[Array]]:
    T = _tensor_type
    if grads and len(grads) != len(outputs):
        raise RuntimeError(
            f"{what} should be a sequence of length {len(outputs)}, got a sequence of length "
            f"{len(grads)}"
        )
    edges, arrays = [], []
    for i, t in enumerate(outputs):
        if not isinstance(t, T):
            raise TypeError(
                f"expected a Tensor at index {i} of the outputs, got {type(t).__name__}"
            )
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        g = grads[i] if grads else None
        if g is None:
            if t._array.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            arr: Array = np.ones(t._array.shape, dtype=t._array.dtype)
        else:
            arr = np.asarray(g._array if isinstance(g, T) else g)
            if arr.shape != t._array.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of "
                    f"{_size(arr.shape)} and output[{i}] has a shape of "
                    f"{_size(t._array.shape)}."
                )
            if arr.dtype != t._array.dtype:
                arr = arr.astype(t._array.dtype)
        edges.append(edge(t))
        arrays.append(arr)
    return edges, arrays


def _size(shape: tuple[int, ...]) -> str:
    return f"convkit.Size({list(shape)})"


def _check_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (differentiating a gradient) is not supported: convkit's "
            "backward functions compute on NumPy arrays and record no graph"
        )


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (autograd.backward).

    Args:
        tensors: the outputs to differentiate (a Tensor or a sequence of them).
        grad_tensors: the gradient for each output (None for a one-element output).
        retain_graph: keep the saved tensors for another backward pass (default False).
        inputs: accumulate only into these tensors (leaves or not).
    """
    _check_create_graph(create_graph)
    if grad_variables is not None:
        grad_tensors = grad_variables
    outputs = _as_tuple(tensors)
    edges, arrays = _root_grads(outputs, _as_tuple(grad_tensors), "grad_tensors")
    ins = _as_tuple(inputs) if inputs is not None else None
    if ins is not None:
        if not ins:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        _check_inputs(ins)
    run_backward(edges, arrays, bool(retain_graph), ins, accumulate=True)


def _check_inputs(ins: tuple[Any, ...]) -> None:
    T = _tensor_type
    for t in ins:
        if not isinstance(t, T):
            raise TypeError(f"inputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned rather than accumulated
    (torch.autograd.grad). ``.grad`` of the leaves is left alone."""
    _check_create_graph(create_graph)
    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True (vmap over grad_outputs) is not supported")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    _check_inputs(ins)
    edges, arrays = _root_grads(outs, _as_tuple(grad_outputs), "grad_outputs")
    found = run_backward(edges, arrays, bool(retain_graph), ins, accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(ins, found, strict=True)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(_wrap_grad(np.zeros_like(t._array)) if materialize_grads else None)
        else:
            result.append(_wrap_grad(np.array(g, dtype=t._array.dtype, copy=True)))
    return tuple(result)


def Variable(data: Any, requires_grad: bool = False) -> Any:
    """torch's legacy wrapper: returns the tensor itself (with ``requires_grad`` set)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


class _ExecutionEngine:
    """``Variable._execution_engine``: the engine handle through which code written for torch
    (DDP-style reducers, checkpointing libraries) queues end-of-backward callbacks."""

    @staticmethod
    def queue_callback(callback: Callable[[], object]) -> None:
        queue_callback(callback)


Variable._execution_engine = _ExecutionEngine()  # type: ignore[attr-defined]


__all__ = [
    "AccumulateGrad",
    "Function",
    "Node",
    "RemovableHandle",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "queue_callback",
    "set_grad_enabled",
]
