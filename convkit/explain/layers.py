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
import difflib
import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .i18n import ExplainError, Text

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


class LayerSyntaxError(ExplainError):
    """The text is not a plain layer call with literal arguments; nothing was run."""

    exit_code = 2  # the command line itself is wrong (convkit.commandline)


class LayerBuildError(ExplainError):
    """The layer's constructor refused the arguments (its own message is kept)."""

    exit_code = 2  # the command line itself is wrong (convkit.commandline)


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


def _check_literal(node: ast.expr, name: str, arg: str) -> None:
    """Allow constants, tuples/lists of literals and a sign on a number; refuse the rest."""
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, _LITERAL_CONSTANTS):
            raise LayerSyntaxError(
                "literal_type", name=name, arg=arg, kind=type(node.value).__name__
            )
        return
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _check_literal(element, name, arg)
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
        "literal_only", name=name, arg=arg, what=_describe(node), code=ast.unparse(node)
    )


_KINDS = {
    ast.Name: "kind_name",
    ast.Attribute: "kind_attribute",
    ast.Call: "kind_call",
    ast.Subscript: "kind_subscript",
    ast.Lambda: "kind_lambda",
    ast.BinOp: "kind_operator",
    ast.BoolOp: "kind_operator",
    ast.UnaryOp: "kind_operator",
    ast.Compare: "kind_comparison",
    ast.JoinedStr: "kind_fstring",
    ast.Dict: "kind_dict",
    ast.Set: "kind_set",
    ast.IfExp: "kind_conditional",
    ast.Starred: "kind_unpacking",
    ast.NamedExpr: "kind_walrus",
    ast.ListComp: "kind_comprehension",
    ast.GeneratorExp: "kind_comprehension",
    ast.DictComp: "kind_comprehension",
    ast.SetComp: "kind_comprehension",
    ast.Await: "kind_await",
    ast.Yield: "kind_yield",
    ast.Constant: "kind_constant",
    ast.Tuple: "kind_tuple",
    ast.List: "kind_list",
}


def _describe(node: ast.AST) -> Text:
    key = _KINDS.get(type(node))
    return Text(key) if key else Text("kind_other", kind=type(node).__name__)


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` most likely meant: the same letters in another case (conv2d, Conv2D ->
    Conv2d), else the closest spelling (strid -> stride), else None."""
    by_case = {c.lower(): c for c in choices}
    if word.lower() in by_case:
        return by_case[word.lower()]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return close[0]
    close = difflib.get_close_matches(word.lower(), list(by_case), n=1, cutoff=0.6)
    return by_case[close[0]] if close else None


def _unknown_layer(path: tuple[str, ...], code: str) -> LayerSyntaxError:
    guess = suggest(path[-1], KNOWN_LAYERS)
    if guess:
        return LayerSyntaxError(
            "layer_unknown_guess", code=code, hint=Text("did_you_mean", guess=guess)
        )
    return LayerSyntaxError("layer_unknown", code=code, known=", ".join(KNOWN_LAYERS))


# ``conv = nn.Conv2d(...)`` or ``self.conv1 = nn.Conv2d(...)``: the name before '=' is dropped.
_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*\s*=(?!=)")


def _parse_expression(text: str) -> tuple[str, ast.expr]:
    """(source, expression) of one piece of layer text, assignment target removed."""
    if not isinstance(text, str):
        raise LayerSyntaxError("layer_not_text", kind=type(text).__name__)
    source = _ASSIGNMENT.sub("", text, count=1).strip()
    if not source:
        raise LayerSyntaxError("layer_empty")
    if len(source) > MAX_SOURCE_CHARS:
        raise LayerSyntaxError("layer_too_long", length=len(source), limit=MAX_SOURCE_CHARS)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise LayerSyntaxError("layer_syntax", source=source, message=e.msg) from None
    except (ValueError, RecursionError, MemoryError):
        raise LayerSyntaxError("layer_not_single", source=source) from None
    return source, tree.body


def _layer_calls(node: ast.expr, source: str) -> list[LayerCall]:
    """The layers one expression names: a call ``Conv2d(1, 5, 5)``, a bare name ``ReLU`` (called
    with no arguments), or ``nn.Sequential(...)`` of those."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        path = _dotted(node)
        if path is None:
            raise LayerSyntaxError("layer_not_call", source=source, what=_describe(node))
        node = ast.Call(func=node, args=[], keywords=[])
    if not isinstance(node, ast.Call):
        raise LayerSyntaxError("layer_not_call", source=source, what=_describe(node))
    path = _dotted(node.func)
    if path is None:
        raise LayerSyntaxError(
            "layer_bad_callee",
            source=source,
            what=_describe(node.func),
            code=ast.unparse(node.func),
        )
    name = path[-1]
    if path[:-1] in _PREFIXES and name == "Sequential":
        if node.keywords:
            raise LayerSyntaxError("sequential_keywords", source=source)
        calls: list[LayerCall] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise LayerSyntaxError("layer_star", source=source)
            calls += _layer_calls(arg, ast.unparse(arg))
        return calls
    if path[:-1] not in _PREFIXES or name not in KNOWN_LAYERS:
        raise _unknown_layer(path, ast.unparse(node.func))
    args = []
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            raise LayerSyntaxError("layer_star", source=source)
        _check_literal(arg, name, str(i + 1))
        args.append(ast.literal_eval(arg))
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise LayerSyntaxError("layer_starstar", source=source)
        _check_literal(kw.value, name, f"{kw.arg}=")
        kwargs[kw.arg] = ast.literal_eval(kw.value)
    return [LayerCall(name, tuple(args), kwargs, source)]


def parse_layer(text: str) -> LayerCall:
    """Parse one layer without evaluating it: a call such as ``"nn.Conv2d(1, 1, 11, stride=4)"``,
    optionally with an assignment before it (``"conv = ..."``), or a bare name (``"ReLU"``).
    ``LayerSyntaxError`` says what was refused."""
    source, node = _parse_expression(text)
    calls = _layer_calls(node, source)
    if len(calls) != 1:
        raise LayerSyntaxError("layer_not_single", source=source)
    return calls[0]


def split_layers(text: str) -> list[str]:
    """Cut a string holding several layers into one piece per layer: at commas, semicolons and
    line breaks outside brackets and quotes, and at spaces between two layers
    (``"Conv2d(1, 5, 5) ReLU MaxPool2d(2)"``; ``"conv = Conv2d(...)"`` stays one piece)."""
    pieces: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in ",;\n":
            pieces.append("".join(current))
            current = []
            i += 1
            continue
        elif depth == 0 and ch.isspace():
            so_far = "".join(current).rstrip()
            rest = text[i:].lstrip()
            ends_layer = bool(so_far) and (so_far[-1] == ")" or so_far[-1].isalnum())
            starts_layer = bool(rest) and (rest[0].isalpha() or rest[0] == "_")
            if ends_layer and starts_layer:
                pieces.append(so_far)
                current = []
                i += len(text[i:]) - len(rest)
                continue
        current.append(ch)
        i += 1
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]


def parse_layers(text: str) -> list[LayerCall]:
    """Every layer in ``text``: one layer, several (separated by commas, semicolons, line breaks
    or spaces) or an ``nn.Sequential(...)``. Nothing is evaluated."""
    if not isinstance(text, str):
        raise LayerSyntaxError("layer_not_text", kind=type(text).__name__)
    pieces = split_layers(text)
    if not pieces:
        raise LayerSyntaxError("layer_empty")
    calls: list[LayerCall] = []
    for piece in pieces:
        source, node = _parse_expression(piece)
        calls += _layer_calls(node, source)
    return calls


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
        kernel = bound.get("kernel_size", 1)
        sizes = kernel if isinstance(kernel, (tuple, list)) else (kernel,) * getattr(cls, "_n", 1)
        if all(isinstance(k, int) for k in sizes):
            return ints["in_channels"] * ints["out_channels"] * math.prod(sizes)
    if "num_features" in ints:
        return ints["num_features"]
    return None


def _check_keywords(cls, call: LayerCall) -> None:
    """A keyword the constructor does not take: say which one it probably meant."""
    signature = inspect.signature(cls.__init__).parameters
    if any(p.kind == p.VAR_KEYWORD for p in signature.values()):
        return
    params = [
        name
        for name, p in signature.items()
        if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    for key in call.kwargs:
        if key not in params:
            guess = suggest(key, params)
            raise LayerBuildError(
                "layer_bad_keyword",
                source=call.source,
                name=call.name,
                key=key,
                hint=Text("did_you_mean", guess=f"{guess}=") if guess else "",
                accepted=", ".join(params),
            )


def build_layer(call: LayerCall | str) -> Any:
    """The convkit.nn module for a parsed call (or for the text of one)."""
    if isinstance(call, str):
        call = parse_layer(call)
    cls = _layer_class(call.name)
    _check_keywords(cls, call)
    estimate = _parameter_estimate(cls, call.args, call.kwargs)
    if estimate is not None and estimate > MAX_PARAMETERS:
        raise LayerBuildError(
            "layer_too_big", source=call.source, count=f"{estimate:,}", limit=f"{MAX_PARAMETERS:,}"
        )
    try:
        return _without_init(cls)(*call.args, **call.kwargs)
    except (TypeError, ValueError, RuntimeError, OverflowError) as e:
        raise LayerBuildError("layer_refused", source=call.source, message=str(e)) from None
    except MemoryError:
        raise LayerBuildError("layer_no_memory", source=call.source) from None
