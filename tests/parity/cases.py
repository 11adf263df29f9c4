"""Generated argument combinations for the torch parity suite, and the code that runs one.

Every generator is deterministic (``random.Random(seed)``) and keeps only the combinations torch
itself accepts: a candidate is tried on torch with zero tensors at collection time, so a case is
never "valid" by our own reading of the rules. The size formulas used to steer the draw towards
valid combinations come from ``convkit.shapes``.

A case is ``fn(*tensors, *args, **kwargs)``: the tensors are drawn from NumPy with a seed derived
from the case id, identically for float64 and float32 and for both libraries.
"""

from __future__ import annotations

import inspect
import math
import random
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import convkit as ck
from convkit import shapes
from tests.helpers import tolerance


@dataclass
class Case:
    fn: str
    tensors: tuple  # shapes of the leading tensor arguments; None passes None
    args: tuple = ()  # further positional arguments
    kwargs: dict = field(default_factory=dict)
    id: str = ""
    ck_kwargs: dict | None = None  # convkit's keywords when they differ from torch's
    positive: bool = False  # draw |x| + 0.5 (lp_pool with fractional/odd norm)
    data: str = "normal"  # the input's values: "normal", "ties" (small integers:
    # equal maxima, first index wins) or "nan" (some NaNs)
    unpool: dict | None = None  # max_unpool: pool arguments that produce the indices


# ----------------------------------------------------------------------------------------------
# Formatting of ids
# ----------------------------------------------------------------------------------------------


def _s(v) -> str:
    if isinstance(v, (tuple, list)):
        return "x".join("N" if e is None else str(e) for e in v) if v else "()"
    if isinstance(v, str):
        return v
    return str(v)


def _kw_id(kwargs: dict) -> str:
    short = {
        "stride": "s",
        "padding": "p",
        "dilation": "d",
        "groups": "g",
        "output_padding": "op",
        "ceil_mode": "ceil",
        "return_indices": "idx",
        "count_include_pad": "cip",
        "divisor_override": "div",
        "output_size": "out",
        "mode": "",
        "value": "v",
    }
    parts = []
    for k, v in kwargs.items():
        if isinstance(v, bool):
            if v:
                parts.append(short.get(k, k))
            elif k == "count_include_pad":
                parts.append("nocip")
            continue
        parts.append(f"{short.get(k, k)}{_s(v)}")
    return "-".join(parts)


def _shape_id(shape) -> str:
    return "None" if shape is None else _s(shape)


def _finish(cases: list[Case]) -> list[Case]:
    seen: dict[str, int] = {}
    for c in cases:
        base = c.id or c.fn
        n = seen.get(base, 0)
        seen[base] = n + 1
        c.id = base if n == 0 else f"{base}#{n}"
    return cases


def _fmt(values, rng: random.Random):
    """An int when every entry is equal (most of the time), else a tuple."""
    values = tuple(values)
    if len(set(values)) == 1 and rng.random() < 0.6:
        return values[0]
    return values


# ----------------------------------------------------------------------------------------------
# torch as the judge of validity
# ----------------------------------------------------------------------------------------------


def torch_call(case: Case, tensors: list):
    with warnings.catch_warnings():
        # torch's uneven padding='same' warning is expected; convkit's is asserted in run_case.
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
        return getattr(TF, case.fn)(*tensors, *case.args, **case.kwargs)


def _torch_accepts(case: Case) -> bool:
    try:
        arrays = make_arrays(case, np.float64)
        tensors = [None if a is None else torch.from_numpy(a) for a in arrays]
        with torch.no_grad():
            out = torch_call(case, tensors)
        out = out[0] if isinstance(out, tuple) else out
        return out.numel() > 0
    except Exception:
        return False


def _keep(cases: list[Case], candidate: Case) -> bool:
    if _torch_accepts(candidate):
        cases.append(candidate)
        return True
    return False


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------


def _seed(case: Case) -> int:
    return zlib.crc32(f"{case.fn}|{case.id}|{case.tensors}|{case.args}|{case.kwargs}".encode())


def make_arrays(case: Case, dtype) -> list:
    """The case's tensors as NumPy arrays: float64 draws, cast to ``dtype`` (identical values)."""
    rng = np.random.default_rng(_seed(case))
    arrays = []
    for shape in case.tensors:
        if shape is None:
            arrays.append(None)
            continue
        a = rng.standard_normal(shape)
        if case.positive:
            a = np.abs(a) + 0.5
        if not arrays and case.data == "ties":
            a = rng.integers(-1, 2, shape).astype(np.float64)  # many equal maxima per window
        elif not arrays and case.data == "nan":
            a[rng.random(shape) < 0.15] = np.nan
        arrays.append(a.astype(dtype))
    if case.unpool is not None:
        # max_unpool's (input, indices): indices from torch's own max_pool of a source tensor
        src = rng.standard_normal(case.unpool["source"])
        pool = getattr(TF, case.fn.replace("max_unpool", "max_pool"))
        kw = {k: v for k, v in case.unpool.items() if k != "source"}
        vals, idx = pool(torch.from_numpy(src), return_indices=True, **kw)
        arrays = [rng.standard_normal(tuple(vals.shape)).astype(dtype), idx.numpy().copy()]
    return arrays


# ----------------------------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------------------------


def conv_cases(n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    max_len = {1: 9, 2: 7, 3: 5}[n]
    tries = 0
    while len(cases) < count and tries < 50 * count:
        tries += 1
        kind = rng.choice(["plain", "plain", "grouped", "depthwise"])
        g = 1 if kind == "plain" else rng.choice([2, 3])
        cin_g = 1 if kind == "depthwise" else rng.randint(1, 3 if g == 1 else 2)
        cout_g = rng.randint(1, 2) if kind != "plain" else rng.randint(1, 4)
        cin, cout = g * cin_g, g * cout_g
        spatial = tuple(rng.randint(2, max_len) for _ in range(n))
        kernel = tuple(rng.randint(1, 4 if n < 3 else 3) for _ in range(n))
        dilation = tuple(rng.choice([1, 1, 2]) for _ in range(n))
        mode = rng.choice(["int", "int", "tuple", "same", "valid"])
        if mode == "same":
            stride = (1,) * n
        else:
            stride = tuple(rng.choice([1, 1, 2, 3]) for _ in range(n))
        if mode == "int":
            padding = rng.randint(0, 2)
        elif mode == "tuple":
            padding = tuple(rng.randint(0, 2) for _ in range(n))
        else:
            padding = mode
        pairs = (
            shapes.conv_padding(padding, kernel, stride, dilation)
            if mode != "same"
            else tuple(shapes.same_padding(k, d) for k, d in zip(kernel, dilation, strict=True))
        )
        if any(
            shapes.conv_output_size(L, k, s, p, d) <= 0
            for L, k, s, p, d in zip(spatial, kernel, stride, pairs, dilation, strict=True)
        ):
            continue
        batch = rng.choice([None, 1, 2, 2])
        x = ((batch,) if batch else ()) + (cin,) + spatial
        w = (cout, cin_g) + kernel
        b = (cout,) if rng.random() < 0.6 else None
        kwargs = {}
        if mode == "same" or rng.random() < 0.8:
            kwargs["stride"] = _fmt(stride, rng) if mode != "same" else 1
        kwargs["padding"] = padding
        if rng.random() < 0.8:
            kwargs["dilation"] = _fmt(dilation, rng)
        elif any(d != 1 for d in dilation):
            continue
        if mode == "same" and kwargs.get("stride") == 1 and rng.random() < 0.5:
            del kwargs["stride"]
        if g != 1:
            kwargs["groups"] = g
        cid = f"conv{n}d-{kind}-x{_shape_id(x)}-w{_shape_id(w)}{'-b' if b else ''}-{_kw_id(kwargs)}"
        _keep(cases, Case(f"conv{n}d", (x, w, b), (), kwargs, cid))
    return _finish(cases)


def conv_transpose_cases(n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    max_len = {1: 6, 2: 5, 3: 3}[n]
    tries = 0
    while len(cases) < count and tries < 50 * count:
        tries += 1
        g = rng.choice([1, 1, 2, 3])
        cin, cout_g = g * rng.randint(1, 2), rng.randint(1, 3)
        spatial = tuple(rng.randint(1, max_len) for _ in range(n))
        kernel = tuple(rng.randint(1, 4 if n < 3 else 3) for _ in range(n))
        stride = tuple(rng.choice([1, 2, 3]) for _ in range(n))
        dilation = tuple(rng.choice([1, 1, 2]) for _ in range(n))
        padding = tuple(rng.randint(0, 2) for _ in range(n))
        outpad = tuple(
            rng.randint(0, max(s, d) - 1) if rng.random() < 0.6 else 0
            for s, d in zip(stride, dilation, strict=True)
        )
        if any(
            shapes.conv_transpose_output_size(L, k, s, p, d, o) <= 0
            for L, k, s, p, d, o in zip(
                spatial, kernel, stride, padding, dilation, outpad, strict=True
            )
        ):
            continue
        batch = rng.choice([None, 1, 2])
        x = ((batch,) if batch else ()) + (cin,) + spatial
        w = (cin, cout_g) + kernel
        b = (g * cout_g,) if rng.random() < 0.6 else None
        kwargs = {
            "stride": _fmt(stride, rng),
            "padding": _fmt(padding, rng),
            "output_padding": _fmt(outpad, rng),
        }
        if g != 1:
            kwargs["groups"] = g
        kwargs["dilation"] = _fmt(dilation, rng)
        cid = (
            f"conv_transpose{n}d-x{_shape_id(x)}-w{_shape_id(w)}{'-b' if b else ''}-"
            f"{_kw_id(kwargs)}"
        )
        _keep(cases, Case(f"conv_transpose{n}d", (x, w, b), (), kwargs, cid))
    return _finish(cases)


def conv_transpose_output_size_cases(n: int, count: int, seed: int) -> list[Case]:
    """``output_size=`` for convkit, the output_padding it must pick for torch.

    torch's functional conv_transpose has no ``output_size``; its ConvTranspose modules turn it
    into output_padding in ``[0, stride - 1]``; these cases stay inside that range.
    """
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = tuple(rng.randint(1, 4) for _ in range(n))
        kernel = tuple(rng.randint(1, 3) for _ in range(n))
        stride = tuple(rng.choice([2, 3]) for _ in range(n))
        padding = tuple(rng.randint(0, 1) for _ in range(n))
        dilation = tuple(rng.choice([1, 2]) for _ in range(n))
        outpad = tuple(rng.randint(0, s - 1) for s in stride)
        size = tuple(
            shapes.conv_transpose_output_size(L, k, s, p, d, o)
            for L, k, s, p, d, o in zip(
                spatial, kernel, stride, padding, dilation, outpad, strict=True
            )
        )
        if any(v <= 0 for v in size):
            continue
        batch = rng.choice([None, 2])
        x = ((batch,) if batch else ()) + (2,) + spatial
        w = (2, 3) + kernel
        common = {"stride": stride, "padding": padding}
        full = rng.random() < 0.4
        out_size = ((batch,) if batch else ()) + (3,) + size if full else size
        kwargs = dict(common, output_padding=outpad, dilation=dilation)
        ck_kwargs = dict(common, output_size=out_size, dilation=dilation)
        cid = f"conv_transpose{n}d-output_size-x{_shape_id(x)}-k{_s(kernel)}-out{_s(out_size)}"
        _keep(cases, Case(f"conv_transpose{n}d", (x, w, (3,)), (), kwargs, cid, ck_kwargs))
    return _finish(cases)


# ----------------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------------


def _pool_spatial(rng, n):
    return tuple(rng.randint(1, {1: 10, 2: 7, 3: 5}[n]) for _ in range(n))


def _batch_shape(rng, n, spatial):
    batch = rng.choice([None, 1, 2])
    c = rng.randint(1, 3)
    return ((batch,) if batch else ()) + (c,) + spatial


def max_pool_cases(n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = _pool_spatial(rng, n)
        kernel = tuple(rng.randint(1, 4) for _ in range(n))
        stride = None if rng.random() < 0.25 else tuple(rng.randint(1, 3) for _ in range(n))
        dilation = tuple(rng.choice([1, 1, 2]) for _ in range(n))
        padding = tuple(
            rng.randint(0, (d * (k - 1) + 1) // 2) for k, d in zip(kernel, dilation, strict=True)
        )
        ceil = rng.random() < 0.5
        s = stride if stride is not None else kernel
        if any(
            shapes.pool_output_size(L, k, st, p, d, ceil) <= 0
            for L, k, st, p, d in zip(spatial, kernel, s, padding, dilation, strict=True)
        ):
            continue
        x = _batch_shape(rng, n, spatial)
        kwargs = {}
        if stride is not None:
            kwargs["stride"] = _fmt(stride, rng)
        kwargs["padding"] = _fmt(padding, rng)
        kwargs["dilation"] = _fmt(dilation, rng)
        kwargs["ceil_mode"] = ceil
        kwargs["return_indices"] = rng.random() < 0.5
        k = _fmt(kernel, rng)
        data = rng.choice(["normal"] * 4 + ["ties", "nan"])
        cid = f"max_pool{n}d-x{_shape_id(x)}-k{_s(k)}-{_kw_id(kwargs)}" + (
            "" if data == "normal" else f"-{data}"
        )
        _keep(cases, Case(f"max_pool{n}d", (x,), (k,), kwargs, cid, data=data))
    return _finish(cases)


def avg_pool_cases(n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = _pool_spatial(rng, n)
        kernel = tuple(rng.randint(1, 4) for _ in range(n))
        stride = None if rng.random() < 0.25 else tuple(rng.randint(1, 3) for _ in range(n))
        padding = tuple(rng.randint(0, k // 2) for k in kernel)
        ceil = rng.random() < 0.5
        s = stride if stride is not None else kernel
        if any(
            shapes.pool_output_size(L, k, st, p, 1, ceil) <= 0
            for L, k, st, p in zip(spatial, kernel, s, padding, strict=True)
        ):
            continue
        x = _batch_shape(rng, n, spatial)
        kwargs = {}
        if stride is not None:
            kwargs["stride"] = _fmt(stride, rng)
        kwargs["padding"] = _fmt(padding, rng)
        kwargs["ceil_mode"] = ceil
        kwargs["count_include_pad"] = rng.random() < 0.5
        if n > 1 and rng.random() < 0.3:
            kwargs["divisor_override"] = rng.randint(1, 5)
        k = _fmt(kernel, rng)
        cid = f"avg_pool{n}d-x{_shape_id(x)}-k{_s(k)}-{_kw_id(kwargs)}"
        _keep(cases, Case(f"avg_pool{n}d", (x,), (k,), kwargs, cid))
    return _finish(cases)


def adaptive_cases(kind: str, n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = _pool_spatial(rng, n)
        out = []
        for L in spatial:
            r = rng.random()
            out.append(
                None
                if (r < 0.15 and n > 1)
                else L + rng.randint(1, 3)
                if r < 0.35
                else rng.randint(1, L)
            )
        out = tuple(out)
        size = out[0] if (len(set(out)) == 1 and out[0] is not None and rng.random() < 0.5) else out
        if n == 1:
            size = out[0] if rng.random() < 0.7 else out
        x = _batch_shape(rng, n, spatial)
        kwargs = {}
        if kind == "max":
            kwargs["return_indices"] = rng.random() < 0.5
        fn = f"adaptive_{kind}_pool{n}d"
        data = rng.choice(["normal", "normal", "ties", "nan"]) if kind == "max" else "normal"
        cid = f"{fn}-x{_shape_id(x)}-out{_s(size)}{'-idx' if kwargs.get('return_indices') else ''}"
        cid += "" if data == "normal" else f"-{data}"
        _keep(cases, Case(fn, (x,), (size,), kwargs, cid, data=data))
    return _finish(cases)


def max_unpool_cases(n: int, count: int, seed: int) -> list[Case]:
    """Indices from a non-overlapping max pool (stride >= kernel), so no index repeats."""
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = tuple(rng.randint(2, {1: 10, 2: 7, 3: 5}[n]) for _ in range(n))
        kernel = tuple(rng.randint(1, 3) for _ in range(n))
        stride = tuple(k + rng.randint(0, 1) for k in kernel)
        padding = tuple(rng.randint(0, k // 2) for k in kernel)
        if any(
            shapes.pool_output_size(L, k, s, p) <= 0
            for L, k, s, p in zip(spatial, kernel, stride, padding, strict=True)
        ):
            continue
        src = _batch_shape(rng, n, spatial)
        pooled = tuple(
            shapes.pool_output_size(L, k, s, p)
            for L, k, s, p in zip(spatial, kernel, stride, padding, strict=True)
        )
        default = tuple(
            shapes.max_unpool_output_size(L, k, s, p)
            for L, k, s, p in zip(pooled, kernel, stride, padding, strict=True)
        )
        kwargs = {"stride": _fmt(stride, rng), "padding": _fmt(padding, rng)}
        r = rng.random()
        if r < 0.3:
            kwargs["output_size"] = tuple(max(d, L) for d, L in zip(default, spatial, strict=True))
        elif r < 0.45:
            kwargs["output_size"] = src[:-n] + tuple(
                max(d, L) for d, L in zip(default, spatial, strict=True)
            )
        k = _fmt(kernel, rng)
        fn = f"max_unpool{n}d"
        cid = f"{fn}-src{_shape_id(src)}-k{_s(k)}-{_kw_id(kwargs)}"
        case = Case(
            fn,
            (),
            (k,),
            kwargs,
            cid,
            unpool={"source": src, "kernel_size": kernel, "stride": stride, "padding": padding},
        )
        _keep(cases, case)
    return _finish(cases)


def lp_pool_cases(n: int, count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = _pool_spatial(rng, n)
        kernel = tuple(rng.randint(1, 3) for _ in range(n))
        stride = None if rng.random() < 0.4 else tuple(rng.randint(1, 3) for _ in range(n))
        ceil = rng.random() < 0.4
        s = stride if stride is not None else kernel
        if any(
            shapes.pool_output_size(L, k, st, 0, 1, ceil) <= 0
            for L, k, st in zip(spatial, kernel, s, strict=True)
        ):
            continue
        norm = rng.choice([1, 2, 2, 3, 1.5])
        x = _batch_shape(rng, n, spatial)
        kwargs = {}
        if stride is not None:
            kwargs["stride"] = _fmt(stride, rng)
        kwargs["ceil_mode"] = ceil
        k = _fmt(kernel, rng) if n > 1 else kernel[0]
        fn = f"lp_pool{n}d"
        cid = "-".join(
            filter(None, [fn, f"x{_shape_id(x)}", f"norm{norm}", f"k{_s(k)}", _kw_id(kwargs)])
        )
        _keep(cases, Case(fn, (x,), (norm, k), kwargs, cid, positive=norm not in (1, 2)))
    return _finish(cases)


# ----------------------------------------------------------------------------------------------
# Padding, unfold, fold
# ----------------------------------------------------------------------------------------------


def pad_cases(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    modes = ["constant", "reflect", "replicate", "circular"]
    i = 0
    while len(cases) < count:
        mode = modes[i % 4]
        i += 1
        dims = rng.randint(1, 3)
        if mode == "constant":
            ndim = rng.randint(dims, min(dims + 2, 5))
        else:
            ndim = rng.choice([dims + 1, dims + 2])
        shape = tuple(rng.randint(1, 3) for _ in range(ndim - dims)) + tuple(
            rng.randint(2, 5) for _ in range(dims)
        )
        pad = []
        for d in range(dims):
            L = shape[-1 - d]
            for _ in range(2):
                if mode == "constant":
                    pad.append(rng.randint(-2, 3))
                elif mode == "reflect":
                    pad.append(rng.randint(0, L - 1))
                elif mode == "replicate":
                    pad.append(rng.randint(0, 5))
                else:
                    pad.append(rng.randint(-1, L) if rng.random() < 0.2 else rng.randint(0, L))
        if mode == "circular" and any(
            max(lo, hi) > shape[-1 - d] + min(lo, 0) + min(hi, 0)
            for d, (lo, hi) in enumerate(zip(pad[::2], pad[1::2], strict=True))
        ):
            # wrapping by more than the cropped core reads torch's own half-written output
            # (sometimes "unsupported operation: ... refer to a single memory location"):
            # torch's result there is not a contract, so no parity case goes there.
            continue
        kwargs = {"mode": mode}
        if mode == "constant":
            if rng.random() < 0.4:
                kwargs["value"] = 1.5
            if rng.random() < 0.3:
                del kwargs["mode"]
        pad = tuple(pad)
        cid = f"pad-{mode}-x{_shape_id(shape)}-pad{_s(pad)}" + (
            f"-v{kwargs['value']}" if "value" in kwargs else ""
        )
        _keep(cases, Case("pad", (shape,), (pad,), kwargs, cid))
    return _finish(cases)


def unfold_cases(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        spatial = tuple(rng.randint(2, 7) for _ in range(2))
        kernel = tuple(rng.randint(1, 3) for _ in range(2))
        dilation = tuple(rng.choice([1, 1, 2]) for _ in range(2))
        padding = tuple(rng.randint(0, 2) for _ in range(2))
        stride = tuple(rng.randint(1, 3) for _ in range(2))
        if any(
            shapes.conv_output_size(L, k, s, p, d) <= 0
            for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
        ):
            continue
        x = _batch_shape(rng, 2, spatial)
        kwargs = {
            "dilation": _fmt(dilation, rng),
            "padding": _fmt(padding, rng),
            "stride": _fmt(stride, rng),
        }
        k = _fmt(kernel, rng)
        cid = f"unfold-x{_shape_id(x)}-k{_s(k)}-{_kw_id(kwargs)}"
        _keep(cases, Case("unfold", (x,), (k,), kwargs, cid))
    return _finish(cases)


def fold_cases(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    while len(cases) < count:
        out = tuple(rng.randint(2, 7) for _ in range(2))
        kernel = tuple(rng.randint(1, 3) for _ in range(2))
        dilation = tuple(rng.choice([1, 1, 2]) for _ in range(2))
        padding = tuple(rng.randint(0, 2) for _ in range(2))
        stride = tuple(rng.randint(1, 3) for _ in range(2))
        blocks = [
            shapes.conv_output_size(L, k, s, p, d)
            for L, k, s, p, d in zip(out, kernel, stride, padding, dilation, strict=True)
        ]
        if any(b <= 0 for b in blocks):
            continue
        c = rng.randint(1, 3)
        batch = rng.choice([None, 1, 2])
        x = ((batch,) if batch else ()) + (c * math.prod(kernel), math.prod(blocks))
        kwargs = {
            "dilation": _fmt(dilation, rng),
            "padding": _fmt(padding, rng),
            "stride": _fmt(stride, rng),
        }
        size, k = _fmt(out, rng), _fmt(kernel, rng)
        cid = f"fold-x{_shape_id(x)}-out{_s(size)}-k{_s(k)}-{_kw_id(kwargs)}"
        _keep(cases, Case("fold", (x,), (size, k), kwargs, cid))
    return _finish(cases)


# ----------------------------------------------------------------------------------------------
# Running one case on both libraries
# ----------------------------------------------------------------------------------------------


def convkit_function(name: str):
    import convkit.nn.functional as F

    fn = getattr(F, name, None)
    if fn is None:
        pytest.fail(f"convkit.nn.functional.{name} does not exist")
    return fn


def _torch_dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _leaf_and_arg(lib, a, requires_grad: bool, strided: bool):
    """The leaf tensor and the argument made from it; ``strided`` passes a step-2 slice view."""
    if strided:
        base = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        base[..., ::2] = a
        a = base
    leaf = (
        torch.from_numpy(a.copy()).requires_grad_(requires_grad)
        if lib == "torch"
        else ck.tensor(a.copy(), requires_grad=requires_grad)
    )
    return leaf, (leaf[..., ::2] if strided else leaf)


def _user_warnings(records) -> list[str]:
    return [str(w.message) for w in records if issubclass(w.category, UserWarning)]


def _same_padding_is_uneven(case: Case) -> bool:
    if case.kwargs.get("padding") != "same":
        return False
    kernel = case.tensors[1][2:]
    dilation = shapes.ntuple(case.kwargs.get("dilation", 1), len(kernel), "dilation")
    return any(d * (k - 1) % 2 for k, d in zip(kernel, dilation, strict=True))


def run_case(case: Case, dtype, strided: bool = False, grad_only: int | None = None) -> None:
    """Compare outputs, indices, and the gradients of sum(out * G) with torch.

    ``strided``: the first argument is a non-contiguous view (every other element of a larger
    leaf). ``grad_only``: only that argument requires grad (the ops' needs_input_grad paths).
    """
    ck_fn = convkit_function(case.fn)
    if case.ck_kwargs is not None and "output_size" in case.ck_kwargs:
        try:
            params = inspect.signature(ck_fn).parameters
        except (TypeError, ValueError):
            params = {}
        if "output_size" not in params:
            pytest.fail(f"convkit's {case.fn} has no output_size= keyword")
    dtype = np.dtype(dtype)
    tol = tolerance(dtype)
    arrays = make_arrays(case, dtype)
    needs = [
        a is not None and a.dtype.kind == "f" and grad_only in (None, i)
        for i, a in enumerate(arrays)
    ]

    leaves, t_in, c_in = {"torch": [], "convkit": []}, [], []
    for lib, args in (("torch", t_in), ("convkit", c_in)):
        for i, (a, f) in enumerate(zip(arrays, needs, strict=True)):
            leaf, arg = (None, None) if a is None else _leaf_and_arg(lib, a, f, strided and i == 0)
            leaves[lib].append(leaf)
            args.append(arg)
    t_res = torch_call(case, t_in)
    t_out, t_idx = t_res if isinstance(t_res, tuple) else (t_res, None)
    kwargs = case.kwargs if case.ck_kwargs is None else case.ck_kwargs
    with warnings.catch_warnings(record=True) as c_warned:
        warnings.simplefilter("always")
        c_res = ck_fn(*c_in, *case.args, **kwargs)
    # torch warns (once per process, so it cannot be the oracle here) when padding='same' needs
    # an uneven split: an odd total d*(k-1) in some dimension. convkit must warn exactly then.
    assert bool(_user_warnings(c_warned)) == _same_padding_is_uneven(case), (
        f"padding='same' warning: convkit gave {_user_warnings(c_warned)}"
    )
    if t_idx is not None:
        assert isinstance(c_res, tuple) and len(c_res) == 2, (
            f"torch returns (output, indices); convkit returned {type(c_res).__name__}"
        )
        c_out, c_idx = c_res
    else:
        assert not isinstance(c_res, tuple), "convkit returned a tuple, torch a single tensor"
        c_out, c_idx = c_res, None

    assert tuple(c_out.shape) == tuple(t_out.shape), (
        f"shape: torch {tuple(t_out.shape)}, convkit {tuple(c_out.shape)}"
    )
    assert str(np.dtype(c_out.dtype)) == _torch_dtype_name(t_out), (
        f"dtype: torch {t_out.dtype}, convkit {c_out.dtype}"
    )
    np.testing.assert_allclose(
        np.asarray(c_out.data), t_out.detach().numpy(), **tol, err_msg="output values"
    )
    if t_idx is not None:
        assert tuple(c_idx.shape) == tuple(t_idx.shape), "indices shape"
        assert str(np.dtype(c_idx.dtype)) == _torch_dtype_name(t_idx), (
            f"indices dtype: torch {t_idx.dtype}, convkit {c_idx.dtype}"
        )
        np.testing.assert_array_equal(np.asarray(c_idx.data), t_idx.numpy(), err_msg="indices")

    g = np.random.default_rng(_seed(case) + 1).standard_normal(tuple(t_out.shape)).astype(dtype)
    (t_out * torch.from_numpy(g)).sum().backward()
    (c_out * ck.tensor(g)).sum().backward()
    for i, (t, c, f) in enumerate(zip(leaves["torch"], leaves["convkit"], needs, strict=True)):
        if c is None:
            continue
        if not f:
            assert c.grad is None, f"argument {i} does not require grad but got a gradient"
            continue
        assert c.grad is not None, f"argument {i} got no gradient"
        assert tuple(c.grad.shape) == tuple(t.grad.shape), f"gradient {i} shape"
        assert str(np.dtype(c.grad.dtype)) == _torch_dtype_name(t.grad), (
            f"gradient {i} dtype: torch {t.grad.dtype}, convkit {c.grad.dtype}"
        )
        np.testing.assert_allclose(
            np.asarray(c.grad.data), t.grad.numpy(), **tol, err_msg=f"gradient of argument {i}"
        )


DTYPES = [pytest.param(np.float64, id="f64"), pytest.param(np.float32, id="f32")]


def params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id) for c in cases]
