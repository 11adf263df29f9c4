"""Strategies for the differential fuzzer: one per name in ``convkit.nn.functional.__all__``.

Each strategy draws a ``Call``: the function name, its positional and keyword arguments (tensor
arguments as ``T`` specs, materialised identically for torch and for convkit), and how to
compare the result. The draws cover the whole argument space on purpose: mostly valid calls,
with just-illegal values (a zero or negative size, a bool or float where an int belongs, a tuple
of the wrong length, a mismatched dtype or channel count), non-contiguous views, float32/float64/
int64/bool tensors, NaN and infinity, and empty dimensions.

A function added to ``nn.functional.__all__`` later must get a strategy here: the fuzz test
fails for a name that has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

# ----------------------------------------------------------------------------------------------
# Tensor specs
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A tensor argument: built with NumPy from ``seed`` the same way for both libraries.

    fill: 'normal' (N(0, 1) * scale), 'special' (normal with NaN/inf/-inf/0 sprinkled in),
    'ints' (integers in [low, high), in the dtype), 'positive' (|normal| + 0.1), 'probs' (rows
    that sum to 1 along dimension 1, or 0 for 1-d), 'perm' (distinct integers in [0, high) per
    (n, c) plane when there is room: max_unpool's indices).
    view: 'contiguous', 'strided' (every other element of a leaf twice as long in the last
    dimension) or 'transposed' (the last two dimensions of a leaf swapped back).
    """

    shape: tuple[int, ...]
    dtype: str = "float32"
    fill: str = "normal"
    grad: bool = False
    view: str = "contiguous"
    seed: int = 0
    low: int = 0
    high: int = 5
    scale: float = 1.0
    plane_ndim: int = 0

    def array(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        shape = self.shape
        if self.fill == "ints" or (np.dtype(self.dtype).kind in "iub" and self.fill != "perm"):
            a = rng.integers(self.low, max(self.high, self.low + 1), shape)
            return (a % 2 == 1).astype(bool) if self.dtype == "bool" else a.astype(self.dtype)
        if self.fill == "perm":
            return _distinct_indices(rng, shape, self.high, self.plane_ndim).astype(self.dtype)
        a = rng.standard_normal(shape) * self.scale
        if self.fill == "positive":
            a = np.abs(a) + 0.1
        elif self.fill == "special" and a.size:
            specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
            mask = rng.random(shape) < 0.3
            a = np.where(mask, rng.choice(specials, shape), a)
        elif self.fill == "probs":
            a = np.abs(a) + 0.05
            if a.ndim >= 2:
                a = a / a.sum(axis=1, keepdims=True)
            elif a.size:
                a = a / a.sum()
        return a.astype(self.dtype)


def _distinct_indices(
    rng: np.random.Generator, shape: tuple[int, ...], high: int, plane_ndim: int
) -> np.ndarray:
    """Distinct flat indices in [0, high) within each plane of the last ``plane_ndim``
    dimensions when the plane has room (duplicates would make max_unpool's result depend on
    the write order), else indices up to ``high`` (one may be out of range)."""
    count = int(np.prod(shape[len(shape) - plane_ndim :])) if plane_ndim else 1
    planes = int(np.prod(shape)) // count if count else 0
    out = np.empty((planes, count), dtype=np.int64)
    for i in range(planes):
        if count <= high:
            out[i] = rng.choice(high, count, replace=False)
        else:
            out[i] = rng.integers(0, high + 1, count)
    return out.reshape(shape)


@dataclass(frozen=True)
class D:
    """A dtype argument, ``lib.<name>`` in each library."""

    name: str


def materialise(value: Any, lib: Any, leaves: list) -> Any:
    """Replace every ``T`` in ``value`` by a tensor of ``lib``; gradient leaves go to ``leaves``."""
    if isinstance(value, D):
        return getattr(lib, value.name)
    if isinstance(value, T):
        a = value.array()
        if value.view == "strided" and a.ndim:
            base = np.repeat(a, 2, axis=-1)  # (..., 2L): base[..., ::2] == a
            t = lib.tensor(base)
        elif value.view == "transposed" and a.ndim >= 2:
            t = lib.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
        else:
            t = lib.tensor(a)
        if value.grad and np.dtype(value.dtype).kind == "f":
            t.requires_grad_(True)
            leaves.append(t)
        if value.view == "strided" and a.ndim:
            t = t[..., ::2]
        elif value.view == "transposed" and a.ndim >= 2:
            t = t.transpose(-1, -2)
        return t
    if isinstance(value, tuple):
        return tuple(materialise(v, lib, leaves) for v in value)
    if isinstance(value, list):
        return [materialise(v, lib, leaves) for v in value]
    if isinstance(value, dict):
        return {k: materialise(v, lib, leaves) for k, v in value.items()}
    return value


@dataclass
class Call:
    """One drawn call. ``torch_name``: the torch function where it differs (torch.flatten).
    ``random``: the output is random (dropout): compared by shape, dtype and the zero-or-scaled
    property only. ``mutated``: argument positions whose tensors the call updates in place
    (batch_norm's running statistics), compared after the call."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    torch_name: str | None = None
    random: bool = False
    mutated: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return f"{self.name}(*{self.args!r}, **{self.kwargs!r})"


# ----------------------------------------------------------------------------------------------
# Building blocks
# ----------------------------------------------------------------------------------------------


def _weighted(*options: tuple[int, Any]) -> st.SearchStrategy:
    """``sampled_from`` with weights: ((3, 'a'), (1, 'b')) draws 'a' three times as often."""
    return st.sampled_from([v for w, v in options for _ in range(w)])


FLOAT_DTYPES = _weighted((4, "float32"), (2, "float64"))
ANY_DTYPE = _weighted((8, "float32"), (3, "float64"), (1, "int64"), (1, "bool"))


@st.composite
def tensor(
    draw,
    shape: tuple[int, ...],
    dtype: str | st.SearchStrategy | None = None,
    grad: bool | None = None,
    fill: str | None = None,
    view: bool = True,
    **kw: Any,
) -> T:
    if dtype is None:
        dtype = draw(FLOAT_DTYPES)
    elif not isinstance(dtype, str):
        dtype = draw(dtype)
    if fill is None:
        fill = draw(_weighted((6, "normal"), (1, "special"), (1, "ints")))
    kind = np.dtype(dtype).kind
    if grad is None:
        grad = kind == "f" and draw(_weighted((3, True), (1, False)))
    v = "contiguous"
    if view and shape and all(s > 0 for s in shape):
        v = draw(_weighted((3, "contiguous"), (1, "strided"), (1, "transposed")))
    if v == "transposed" and len(shape) < 2:
        v = "contiguous"
    return T(
        tuple(shape),
        dtype,
        fill,
        bool(grad) and kind == "f",
        v,
        draw(st.integers(0, 2**31 - 1)),
        **kw,
    )


def int_arg(n: int, lo: int, hi: int, bad: tuple = ()) -> st.SearchStrategy:
    """An int-or-tuple argument: mostly an int or an n-tuple in [lo, hi]; sometimes a 1-tuple, a
    list, a tuple of the wrong length, a bool, a float, or one of ``bad``."""
    good = st.integers(lo, hi)
    options = [
        (6, good),
        (3, st.tuples(*([good] * n))),
        (1, st.lists(good, min_size=n, max_size=n)),
        (1, st.tuples(good)),
        (1, st.sampled_from([True, False, (True,) * n, 2.0, (1,) * (n + 1), ()])),
    ]
    if bad:
        options.append((1, st.sampled_from(list(bad))))
    return st.one_of(*[s for w, s in options for _ in range(w)])


def _spatial(draw, n: int, lo: int = 1, hi: int = 7) -> tuple[int, ...]:
    return tuple(draw(_weighted((12, None), (1, 0))) or draw(st.integers(lo, hi)) for _ in range(n))


def _batch(draw) -> tuple[int, ...]:
    """(), (0,), (1,) or (2,): no batch dimension (unbatched), an empty, one or two samples."""
    return draw(_weighted((2, ()), (1, (0,)), (4, (1,)), (3, (2,))))


# ----------------------------------------------------------------------------------------------
# Convolutions
# ----------------------------------------------------------------------------------------------


@st.composite
def conv(draw, n: int, transposed: bool) -> Call:
    groups = draw(_weighted((6, 1), (2, 2), (1, 3), (1, 0)))
    g = max(groups, 1)
    cin_g = draw(_weighted((8, None), (1, 0))) if not transposed else None
    cin_g = draw(st.integers(1, 3)) if cin_g is None else cin_g
    cout_g = draw(st.integers(1, 3))
    cin = cin_g * g + draw(_weighted((12, 0), (1, 1)))
    kernel = tuple(draw(_weighted((15, None), (1, 0))) or draw(st.integers(1, 4)) for _ in range(n))
    dtype = draw(FLOAT_DTYPES)
    x_dtype = draw(_weighted((20, dtype), (1, "int64"), (1, "bool"), (1, "float64")))
    w_dtype = draw(_weighted((20, dtype), (1, "float32")))
    x = draw(tensor(_batch(draw) + (cin,) + _spatial(draw, n, 1, 7), x_dtype))
    if transposed:
        w = draw(tensor((cin_g * g, cout_g) + kernel, w_dtype, view=False))
    else:
        w = draw(tensor((cout_g * g, cin_g) + kernel, w_dtype, view=False))
    bias = draw(
        _weighted(
            (3, None),
            (3, tensor((cout_g * g,), w_dtype, view=False)),
            (1, tensor((cout_g * g + 1,), w_dtype, view=False)),
        )
    )
    if isinstance(bias, st.SearchStrategy):
        bias = draw(bias)
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["stride"] = draw(int_arg(n, 1, 3, bad=(0, -1)))
    if draw(st.booleans()):
        if transposed:
            kwargs["padding"] = draw(int_arg(n, 0, 2, bad=(-1, "same")))
        else:
            kwargs["padding"] = draw(
                st.one_of(int_arg(n, 0, 2, bad=(-1,)), _weighted((2, "same"), (1, "valid")))
            )
    if draw(st.booleans()):
        kwargs["dilation"] = draw(int_arg(n, 1, 3, bad=(0,)))
    if transposed and draw(st.booleans()):
        kwargs["output_padding"] = draw(int_arg(n, 0, 2, bad=(-1,)))
    if groups != 1 or draw(_weighted((9, False), (1, True))):
        kwargs["groups"] = draw(_weighted((10, groups), (1, float(g)), (1, True)))
    name = f"conv_transpose{n}d" if transposed else f"conv{n}d"
    return Call(name, (x, w, bias), kwargs)


@st.composite
def unfold(draw) -> Call:
    x = draw(tensor(_batch(draw) + (draw(st.integers(1, 3)),) + _spatial(draw, 2, 1, 6)))
    kwargs = {"kernel_size": draw(int_arg(2, 1, 3, bad=(0,)))}
    for name, lo, hi, bad in (
        ("dilation", 1, 2, (0,)),
        ("padding", 0, 2, (-1,)),
        ("stride", 1, 3, (0,)),
    ):
        if draw(st.booleans()):
            kwargs[name] = draw(int_arg(2, lo, hi, bad=bad))
    return Call("unfold", (x,), kwargs)


@st.composite
def fold(draw) -> Call:
    size = tuple(draw(st.integers(1, 6)) for _ in range(2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(2))
    blocks = [
        (L + 2 * p - (k - 1) - 1) // s + 1
        for L, k, s, p in zip(size, kernel, stride, padding, strict=True)
    ]
    length = max(blocks[0], 0) * max(blocks[1], 0) + draw(_weighted((10, 0), (1, 1)))
    channels = draw(st.integers(1, 2))
    rows = channels * kernel[0] * kernel[1] + draw(_weighted((10, 0), (1, 1)))
    batch = draw(_weighted((1, ()), (3, (1,)), (1, (2,)), (1, (0,))))
    x = draw(tensor(batch + (rows, length)))
    kwargs = dict(output_size=size, kernel_size=kernel, stride=stride, padding=padding)
    if draw(_weighted((4, False), (1, True))):
        kwargs["output_size"] = draw(int_arg(2, 1, 6, bad=(0,)))
    if draw(_weighted((4, False), (1, True))):
        kwargs["kernel_size"] = draw(int_arg(2, 1, 3, bad=(0,)))
    return Call("fold", (x,), kwargs)


# ----------------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------------

POOL_DTYPES = _weighted((8, "float32"), (3, "float64"), (1, "int64"), (1, "int32"), (1, "uint8"))


def _pool_input(draw, n: int, dtype=POOL_DTYPES, fill=None) -> T:
    fill = fill or draw(_weighted((4, "normal"), (2, "ints"), (1, "special")))
    return draw(
        tensor(
            _batch(draw) + (draw(st.integers(1, 3)),) + _spatial(draw, n, 1, 8),
            dtype,
            fill=fill,
            high=4,
        )
    )


@st.composite
def max_pool(draw, n: int) -> Call:
    x = _pool_input(draw, n)
    kernel = draw(int_arg(n, 1, 4, bad=(0,)))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["stride"] = draw(st.one_of(st.none(), int_arg(n, 1, 3, bad=(0, []))))
    if draw(st.booleans()):
        kwargs["padding"] = draw(int_arg(n, 0, 2, bad=(-1,)))
    if draw(st.booleans()):
        kwargs["dilation"] = draw(int_arg(n, 1, 3, bad=(0,)))
    if draw(st.booleans()):
        kwargs["ceil_mode"] = draw(_weighted((5, True), (5, False), (1, 1)))
    if draw(st.booleans()):
        kwargs["return_indices"] = True
    return Call(f"max_pool{n}d", (x, kernel), kwargs)


@st.composite
def avg_pool(draw, n: int) -> Call:
    x = _pool_input(draw, n)
    kernel = draw(int_arg(n, 1, 4, bad=(0,)))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["stride"] = draw(st.one_of(st.none(), int_arg(n, 1, 3, bad=(0,))))
    if draw(st.booleans()):
        kwargs["padding"] = draw(int_arg(n, 0, 2, bad=(-1,)))
    if draw(st.booleans()):
        kwargs["ceil_mode"] = draw(st.booleans())
    if draw(st.booleans()):
        kwargs["count_include_pad"] = draw(_weighted((5, True), (5, False), (1, 0)))
    if n > 1 and draw(_weighted((3, False), (1, True))):
        kwargs["divisor_override"] = draw(_weighted((4, 3), (2, 1), (1, 0), (1, -2), (1, 2.0)))
    return Call(f"avg_pool{n}d", (x, kernel), kwargs)


@st.composite
def lp_pool(draw, n: int) -> Call:
    fill = draw(_weighted((4, "positive"), (2, "normal"), (1, "special")))
    x = _pool_input(draw, n, FLOAT_DTYPES, fill)
    norm = draw(_weighted((3, 2), (2, 1), (2, 3), (1, 1.5), (1, math.inf), (1, -math.inf), (1, 0)))
    kernel = draw(st.integers(1, 3)) if n == 1 else draw(int_arg(n, 1, 3, bad=(0,)))
    kwargs: dict[str, Any] = {}
    if draw(st.booleans()):
        kwargs["stride"] = draw(st.one_of(st.none(), int_arg(n, 1, 3, bad=(0,))))
    if draw(st.booleans()):
        kwargs["ceil_mode"] = draw(st.booleans())
    return Call(f"lp_pool{n}d", (x, norm, kernel), kwargs)


@st.composite
def adaptive(draw, kind: str, n: int) -> Call:
    dtype = _weighted((8, "float32"), (3, "float64"), (1, "int64"))
    x = draw(
        tensor(
            _batch(draw) + (draw(_weighted((8, 2), (1, 0))),) + _spatial(draw, n, 1, 8),
            dtype,
            high=4,
        )
    )
    size = st.integers(0, 5)
    if n == 1:
        out = draw(st.one_of(size, st.tuples(size), _weighted((1, True), (1, 2.0), (1, (2, 2)))))
    else:
        entry = st.one_of(size, st.none())
        out = draw(
            st.one_of(
                size,
                size,
                st.tuples(*([entry] * n)),
                _weighted((1, True), (1, (2,)), (1, (1,) * (n + 1)), (1, -1)),
            )
        )
    kwargs = {}
    if kind == "max" and draw(st.booleans()):
        kwargs["return_indices"] = True
    return Call(f"adaptive_{kind}_pool{n}d", (x, out), kwargs)


@st.composite
def max_unpool(draw, n: int) -> Call:
    kernel = draw(st.integers(1, 3))
    stride = draw(_weighted((3, None), (2, 1), (2, 2), (1, 3)))
    padding = draw(_weighted((4, 0), (1, 1)))
    s = kernel if stride is None else stride
    spatial = _spatial(draw, n, 1, 4)
    default = [(L - 1) * s - 2 * padding + kernel for L in spatial]
    plane = int(np.prod([max(d, 0) for d in default]))
    shape = _batch(draw) + (draw(st.integers(1, 2)),) + spatial
    dtype = draw(FLOAT_DTYPES)
    x = draw(tensor(shape, dtype))
    idx_dtype = draw(_weighted((10, "int64"), (1, "int32")))
    indices = draw(tensor(shape, idx_dtype, fill="perm", view=False, high=plane, plane_ndim=n))
    kwargs: dict[str, Any] = {}
    kw_kernel: Any = kernel
    if draw(_weighted((5, False), (1, True))):
        kw_kernel = draw(_weighted((1, (kernel,) * n), (1, True), (1, (kernel,)), (1, 0)))
    if stride is not None:
        kwargs["stride"] = stride
    if padding:
        kwargs["padding"] = padding
    if draw(_weighted((4, False), (1, True))):
        kwargs["output_size"] = tuple(d + draw(st.integers(-1, 1)) for d in default) + draw(
            _weighted((4, ()), (1, (9,)))
        )
    return Call(f"max_unpool{n}d", (x, indices, kw_kernel), kwargs)


# ----------------------------------------------------------------------------------------------
# Padding, linear, activations, normalisation, losses
# ----------------------------------------------------------------------------------------------


@st.composite
def pad(draw) -> Call:
    mode = draw(
        _weighted((4, "constant"), (2, "reflect"), (2, "replicate"), (2, "circular"), (1, "zeros"))
    )
    ndim = draw(st.integers(1, 5))
    shape = tuple(
        draw(_weighted((10, None), (1, 0))) or draw(st.integers(1, 5)) for _ in range(ndim)
    )
    dtype = draw(_weighted((6, "float32"), (2, "float64"), (2, "int64"), (1, "uint8"), (1, "bool")))
    x = draw(tensor(shape, dtype, high=6))
    pairs = draw(st.integers(0, min(ndim, 3)))
    lo = -2 if mode in ("constant", "circular") else 0
    flat = tuple(draw(st.integers(lo, 4)) for _ in range(2 * pairs))
    if draw(_weighted((10, False), (1, True))):
        flat = flat + (1,)
    kwargs: dict[str, Any] = {"mode": mode}
    if draw(_weighted((3, False), (1, True))):
        kwargs["value"] = draw(
            _weighted((3, 1.5), (1, -2.0), (1, float("nan")), (1, float("inf")), (1, 300.0), (1, 0))
        )
    return Call("pad", (x, flat), kwargs)


@st.composite
def linear(draw) -> Call:
    fin = draw(st.integers(0, 4))
    fout = draw(st.integers(1, 3))
    lead = tuple(
        draw(st.integers(0, 3)) for _ in range(draw(_weighted((1, 0), (3, 1), (2, 2), (1, 3))))
    )
    dtype = draw(FLOAT_DTYPES)
    x = draw(tensor(lead + (fin + draw(_weighted((12, 0), (1, 1))),), dtype))
    wshape = draw(_weighted((8, (fout, fin)), (1, (fin,)), (1, (1, fout, fin))))
    w = draw(tensor(wshape, draw(_weighted((12, dtype), (1, "float32"))), view=False))
    out = lead + ((fout,) if len(wshape) == 2 else ())
    bshape = draw(
        _weighted(
            (3, None), (4, (fout,)), (1, ()), (1, (1,)), (1, out), (1, (2, fout)), (1, (fout + 1,))
        )
    )
    b = None if bshape is None else draw(tensor(bshape, dtype, view=False))
    return Call("linear", (x, w, b), {})


@st.composite
def flatten(draw) -> Call:
    ndim = draw(st.integers(0, 4))
    x = draw(tensor(tuple(draw(st.integers(0, 3)) for _ in range(ndim)), ANY_DTYPE))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["start_dim"] = draw(st.integers(-ndim - 1, ndim + 1))
    if draw(st.booleans()):
        kwargs["end_dim"] = draw(st.integers(-ndim - 1, ndim + 1))
    return Call("flatten", (x,), kwargs, torch_name="torch.flatten")


def _any_input(draw, max_ndim: int = 4) -> T:
    ndim = draw(st.integers(0, max_ndim))
    shape = tuple(
        draw(_weighted((8, None), (1, 0))) or draw(st.integers(1, 4)) for _ in range(ndim)
    )
    return draw(
        tensor(
            shape,
            ANY_DTYPE,
            fill=draw(_weighted((4, "normal"), (2, "special"), (1, "ints"))),
            scale=3.0,
        )
    )


@st.composite
def elementwise(draw, name: str) -> Call:
    x = _any_input(draw)
    kwargs: dict[str, Any] = {}
    if name == "leaky_relu" and draw(st.booleans()):
        kwargs["negative_slope"] = draw(_weighted((3, 0.2), (1, -1.0), (1, 0), (1, 2), (1, "a")))
    if name == "gelu" and draw(st.booleans()):
        kwargs["approximate"] = draw(_weighted((3, "tanh"), (2, "none"), (1, "fast"), (1, None)))
    return Call(name, (x,), kwargs)


@st.composite
def softmax(draw, name: str) -> Call:
    x = _any_input(draw)
    ndim = len(x.shape)
    dim = draw(
        st.one_of(
            st.integers(-ndim - 1, max(ndim, 1)),
            _weighted((2, None), (1, "1"), (1, 1.0), (1, True)),
        )
    )
    kwargs: dict[str, Any] = {"dim": dim}
    if draw(_weighted((4, False), (1, True))):
        kwargs["dtype"] = draw(_weighted((1, D("float64")), (1, D("float32")), (1, D("int64"))))
    return Call(name, (x,), kwargs)


@st.composite
def dropout(draw, name: str) -> Call:
    ndim = draw(st.integers(2, 4)) if name == "dropout2d" else draw(st.integers(0, 3))
    x = draw(tensor(tuple(draw(st.integers(0, 4)) for _ in range(ndim)), ANY_DTYPE))
    p = draw(
        _weighted((4, 0.0), (2, 1.0), (3, 0.5), (1, -0.1), (1, 1.5), (1, float("nan")), (1, "a"))
    )
    training = draw(_weighted((5, True), (3, False), (1, 1), (1, None)))
    random = training is True and isinstance(p, float) and 0.0 < p < 1.0
    return Call(name, (x,), dict(p=p, training=training), random=random)


@st.composite
def batch_norm(draw) -> Call:
    channels = draw(st.integers(1, 3))
    ndim = draw(_weighted((1, 1), (3, 2), (3, 3), (3, 4)))
    shape = (draw(st.integers(0, 3)), channels) + tuple(
        draw(st.integers(1, 3)) for _ in range(ndim - 2)
    )
    dtype = draw(FLOAT_DTYPES)
    x = draw(tensor(shape[:ndim], dtype))
    stat_c = channels + draw(_weighted((12, 0), (1, 1)))
    mean = draw(_weighted((5, True), (1, False)))
    running = (
        draw(tensor((stat_c,), dtype, grad=False, view=False)) if mean else None,
        draw(tensor((stat_c,), dtype, grad=False, fill="positive", view=False)) if mean else None,
    )
    weight = draw(st.one_of(st.none(), tensor((stat_c,), dtype, view=False)))
    bias = draw(st.one_of(st.none(), tensor((stat_c,), dtype, view=False)))
    training = draw(_weighted((5, True), (4, False), (1, 1)))
    kwargs: dict[str, Any] = {"training": training}
    if draw(st.booleans()):
        kwargs["momentum"] = draw(_weighted((3, 0.3), (1, 0.0), (1, 1.0), (1, None)))
    if draw(st.booleans()):
        kwargs["eps"] = draw(_weighted((3, 1e-3), (1, 0.0), (1, -1.0), (1, float("nan"))))
    mutated = (1, 2) if mean else ()
    return Call("batch_norm", (x, *running, weight, bias), kwargs, mutated=mutated)


def _class_problem(draw):
    """(input spec, classes, target shape, batch-less?) for the class-index losses."""
    classes = draw(st.integers(1, 4))
    layout = draw(_weighted((5, "nc"), (2, "c"), (2, "ncd"), (1, "nc2d")))
    n = draw(st.integers(0, 3))
    extra = tuple(
        draw(st.integers(1, 3)) for _ in range({"nc": 0, "c": 0, "ncd": 1, "nc2d": 2}[layout])
    )
    shape = (classes,) if layout == "c" else (n, classes) + extra
    target = () if layout == "c" else (n,) + extra
    return shape, classes, target


@st.composite
def class_loss(draw, name: str) -> Call:
    shape, classes, tshape = _class_problem(draw)
    dtype = draw(FLOAT_DTYPES)
    x = draw(tensor(shape, dtype, fill=draw(_weighted((6, "normal"), (1, "special")))))
    ignore = draw(_weighted((5, -100), (2, 0), (1, 1), (1, "a"), (1, 1.0)))
    probabilities = name == "cross_entropy" and draw(_weighted((4, False), (1, True)))
    if probabilities:
        target = draw(tensor(shape, dtype, fill="probs", grad=False))
    else:
        tdtype = draw(_weighted((12, "int64"), (1, "uint8"), (1, "float32")))
        high = classes + draw(_weighted((12, 0), (1, 1)))
        target = draw(tensor(tshape, tdtype, fill="ints", grad=False, view=False, high=high))
    kwargs: dict[str, Any] = {}
    if ignore != -100:
        kwargs["ignore_index"] = ignore
    if draw(_weighted((3, False), (1, True))):
        wgrad = draw(_weighted((4, False), (1, True)))
        kwargs["weight"] = draw(
            tensor(
                (classes + draw(_weighted((12, 0), (1, 1))),),
                dtype,
                grad=wgrad,
                fill="positive",
                view=False,
            )
        )
    if draw(st.booleans()):
        kwargs["reduction"] = draw(_weighted((3, "none"), (3, "sum"), (3, "mean"), (1, "avg")))
    if name == "cross_entropy" and draw(_weighted((2, False), (1, True))):
        kwargs["label_smoothing"] = draw(
            _weighted((3, 0.1), (1, 1.0), (1, 1.5), (1, -0.1), (1, float("nan")))
        )
    return Call(name, (x, target), kwargs)


@st.composite
def pointwise_loss(draw, name: str) -> Call:
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.integers(0, 3)) for _ in range(ndim))
    tshape = draw(
        _weighted((6, shape), (1, shape[1:]), (1, ()), (1, (1,) * ndim), (1, shape + (2,)))
    )
    x = draw(tensor(shape, ANY_DTYPE))
    t = draw(tensor(tshape, ANY_DTYPE))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["reduction"] = draw(_weighted((3, "none"), (3, "sum"), (3, "mean"), (1, "x")))
    return Call(name, (x, t), kwargs)


# ----------------------------------------------------------------------------------------------
# The registry: nn.functional name -> strategy of Calls
# ----------------------------------------------------------------------------------------------

STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Call]]] = {}
for _n in (1, 2, 3):
    STRATEGIES[f"conv{_n}d"] = lambda n=_n: conv(n, False)
    STRATEGIES[f"conv_transpose{_n}d"] = lambda n=_n: conv(n, True)
    STRATEGIES[f"max_pool{_n}d"] = lambda n=_n: max_pool(n)
    STRATEGIES[f"avg_pool{_n}d"] = lambda n=_n: avg_pool(n)
    STRATEGIES[f"lp_pool{_n}d"] = lambda n=_n: lp_pool(n)
    STRATEGIES[f"adaptive_avg_pool{_n}d"] = lambda n=_n: adaptive("avg", n)
    STRATEGIES[f"adaptive_max_pool{_n}d"] = lambda n=_n: adaptive("max", n)
    STRATEGIES[f"max_unpool{_n}d"] = lambda n=_n: max_unpool(n)
STRATEGIES.update(
    {
        "unfold": unfold,
        "fold": fold,
        "pad": pad,
        "linear": linear,
        "flatten": flatten,
        "batch_norm": batch_norm,
        "relu": lambda: elementwise("relu"),
        "leaky_relu": lambda: elementwise("leaky_relu"),
        "sigmoid": lambda: elementwise("sigmoid"),
        "tanh": lambda: elementwise("tanh"),
        "gelu": lambda: elementwise("gelu"),
        "softmax": lambda: softmax("softmax"),
        "log_softmax": lambda: softmax("log_softmax"),
        "dropout": lambda: dropout("dropout"),
        "dropout2d": lambda: dropout("dropout2d"),
        "cross_entropy": lambda: class_loss("cross_entropy"),
        "nll_loss": lambda: class_loss("nll_loss"),
        "mse_loss": lambda: pointwise_loss("mse_loss"),
    }
)
from tests.parity import fuzz_strategies_vision  # noqa: E402, F401  (adds affine_grid, grid_sample)
