"""The safe layer-call parser: ``"Conv2d(1, 5, 5, stride=2)"`` -> a real convkit.nn module.

The text a learner types is parsed with ``ast`` and never evaluated. It must be exactly one call
expression whose function is a known layer name (optionally written ``nn.X``, ``torch.nn.X`` or
``convkit.nn.X``) and whose arguments are literals: numbers, strings, tuples and lists of them,
True/False/None and a unary minus. Each argument node is checked by hand first and only then handed
to ``ast.literal_eval``; names, attribute access, calls, subscripts, lambdas, operators, f-strings,
``*args``/``**kwargs`` and several statements are refused with ``LayerSyntaxError``, before
anything runs.

The module is then built by the layer's real constructor (so its validation and ``repr`` are
convkit's, which are torch's), minus the random weight initialisation: the explainer needs shapes,
not weights, and skipping it keeps ``Linear(25088, 4096)`` instant and leaves the global random
state alone.
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import dataclass, field
from typing import Any

from .. import shapes

#: Layer names the parser accepts (the convkit.nn classes whose shapes the explainer knows).
KNOWN_LAYERS = (
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "Flatten",
    "Linear",
    "Unfold",
    "Fold",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "LogSoftmax",
    "Identity",
    "Dropout",
    "Dropout2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
)

# ``nn.Conv2d``, ``torch.nn.Conv2d`` and ``convkit.nn.Conv2d`` name the same layer.
_PREFIXES = ((), ("nn",), ("torch", "nn"), ("convkit", "nn"))

MAX_SOURCE_CHARS = 500
# Parameters are allocated lazily (np.zeros) and never initialised, so this only guards against
# absurd sizes; VGG's Linear(25088, 4096) (1e8) is fine.
MAX_PARAMETERS = 1_000_000_000


class LayerSyntaxError(ValueError):
    """The text is not a plain layer call with literal arguments; nothing was run."""


class LayerBuildError(ValueError):
    """The layer's constructor refused the arguments (its own message is kept)."""


@dataclass(frozen=True)
class LayerCall:
    """A parsed layer call: ``name(*args, **kwargs)`` with literal values only."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    source: str = ""


def _dotted(node: ast.expr) -> tuple[str, ...] | None:
    """``torch.nn.Conv2d`` -> ("torch", "nn", "Conv2d"); None for anything but names and dots."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


_LITERAL_CONSTANTS = (int, float, str, bool, type(None))


def _check_literal(node: ast.expr, where: str) -> None:
    """Allow constants, tuples/lists of literals and a sign on a number; refuse the rest."""
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, _LITERAL_CONSTANTS):
            raise LayerSyntaxError(
                f"{where}: {type(node.value).__name__} literals are not "
                f"accepted (use ints, floats, strings, True/False/None)"
            )
        return
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _check_literal(element, where)
        return
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return
    raise LayerSyntaxError(
        f"{where}: only literal values are accepted (numbers, strings, tuples, lists, "
        f"True/False/None), not {_describe(node)} '{ast.unparse(node)}'"
    )


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Name: "a name",
        ast.Attribute: "an attribute access",
        ast.Call: "a call",
        ast.Subscript: "a subscript",
        ast.Lambda: "a lambda",
        ast.BinOp: "an operator",
        ast.BoolOp: "an operator",
        ast.Compare: "a comparison",
        ast.JoinedStr: "an f-string",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.IfExp: "a conditional expression",
        ast.Starred: "an unpacking",
        ast.NamedExpr: "an assignment expression",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.UnaryOp: "an operator",
        ast.Await: "an await",
        ast.Yield: "a yield",
    }
    return kinds.get(type(node), f"a {type(node).__name__} expression")


def parse_layer(text: str) -> LayerCall:
    """Parse one layer call without evaluating it; ``LayerSyntaxError`` says what was refused."""
    if not isinstance(text, str):
        raise LayerSyntaxError(f"a layer must be given as text, got {type(text).__name__}")
    source = text.strip()
    if not source:
        raise LayerSyntaxError("empty layer: write a layer call such as 'Conv2d(1, 5, 5)'")
    if len(source) > MAX_SOURCE_CHARS:
        raise LayerSyntaxError(
            f"layer text is {len(source)} characters long; at most {MAX_SOURCE_CHARS} are accepted"
        )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise LayerSyntaxError(
            f"'{source}' is not a single layer call such as 'Conv2d(1, 5, 5)' "
            f"(Python syntax error: {e.msg})"
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise LayerSyntaxError(f"'{source}' is not a single layer call") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise LayerSyntaxError(
            f"'{source}' is {_describe(call)}, not a layer call: write one constructor call "
            f"such as 'Conv2d(1, 5, 5)' or 'nn.MaxPool2d(2)'"
        )
    path = _dotted(call.func)
    if path is None:
        raise LayerSyntaxError(
            f"'{source}': the called object must be a layer name such as Conv2d or nn.Conv2d, "
            f"not {_describe(call.func)} '{ast.unparse(call.func)}'"
        )
    name = path[-1]
    if path[:-1] not in _PREFIXES or name not in KNOWN_LAYERS:
        raise LayerSyntaxError(
            f"'{ast.unparse(call.func)}' is not a layer the explainer knows; use one of "
            f"{', '.join(KNOWN_LAYERS)} (optionally written nn.Name or torch.nn.Name)"
        )
    args = []
    for i, node in enumerate(call.args):
        if isinstance(node, ast.Starred):
            raise LayerSyntaxError(
                f"'{source}': *-unpacking is not accepted; write the arguments out"
            )
        _check_literal(node, f"{name} argument {i + 1}")
        args.append(ast.literal_eval(node))
    kwargs = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise LayerSyntaxError(
                f"'{source}': **-unpacking is not accepted; write the keyword arguments out"
            )
        _check_literal(kw.value, f"{name} argument {kw.arg}=")
        kwargs[kw.arg] = ast.literal_eval(kw.value)
    return LayerCall(name, tuple(args), kwargs, source)


def _layer_class(name: str):
    from .. import nn

    return getattr(nn, name)


def _without_init(cls):
    """The layer class with ``reset_parameters`` a no-op: the constructor and repr are the real
    ones, the weights stay zero and no random numbers are drawn."""
    if not hasattr(cls, "reset_parameters"):
        return cls
    return type(
        cls.__name__,
        (cls,),
        {
            "reset_parameters": lambda self: None,
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        },
    )


def _parameter_estimate(cls, args: tuple, kwargs: dict) -> int | None:
    """Weight elements the layer would allocate, when its size arguments are plain ints."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs).arguments
    except TypeError:
        return None  # the constructor gives the real message
    ints = {k: v for k, v in bound.items() if isinstance(v, int) and not isinstance(v, bool)}
    if "in_features" in ints and "out_features" in ints:
        return ints["in_features"] * ints["out_features"]
    if "in_channels" in ints and "out_channels" in ints:
        try:
            sizes = shapes.ntuple(bound.get("kernel_size", 1), getattr(cls, "_n", 1), "kernel_size")
        except (TypeError, ValueError):
            return None  # the constructor gives the real message
        return ints["in_channels"] * ints["out_channels"] * math.prod(sizes)
    if "num_features" in ints:
        return ints["num_features"]
    return None


def build_layer(call: LayerCall | str) -> Any:
    """The convkit.nn module for a parsed call (or for the text of one)."""
    if isinstance(call, str):
        call = parse_layer(call)
    cls = _layer_class(call.name)
    estimate = _parameter_estimate(cls, call.args, call.kwargs)
    if estimate is not None and estimate > MAX_PARAMETERS:
        raise LayerBuildError(
            f"{call.source}: this layer would hold {estimate:,} weights; the "
            f"explainer builds at most {MAX_PARAMETERS:,}"
        )
    try:
        return _without_init(cls)(*call.args, **call.kwargs)
    except (TypeError, ValueError, RuntimeError, OverflowError) as e:
        raise LayerBuildError(f"{call.source}: {e}") from None
    except MemoryError:
        raise LayerBuildError(f"{call.source}: not enough memory to build this layer") from None
