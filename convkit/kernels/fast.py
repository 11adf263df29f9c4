"""convkit[fast]: the optional numba kernels, where NumPy measurably cannot reach torch.

Where a NumPy kernel makes a pass over memory per call and a compiled loop makes one
(docs/PERFORMANCE.md, "The optional numba kernels", has the measurements): depthwise
convolution's forward and input gradient (NumPy's best forward was 2.3-3.9x torch's) and max
pooling with indices (``return_indices=True``): the forward that finds torch's argmax and the
gradient that scatters by it (one pass each where NumPy makes several per kernel offset).
With numba installed (``pip install "convkit[fast]"``) they run as the compiled loops of
``numba_kernels.py``; without it, or switched off, the NumPy kernels run, and they stay the
reference the tests hold both to.

The switch: the environment variable ``CONVKIT_FAST`` (``0``, ``false``, ``off`` or ``no`` turns
the fast path off; read at import) and at run time ``convkit.backends.fast.enabled = False``
(or ``set_enabled``). numba itself is imported on the first call that would use it, never at
``import convkit``.

Each entry point returns False, having written nothing, when it does not apply (switched off, no
numba, a dtype other than float32/float64, or a 3-d convolution, which has no kernel here); the
caller then runs the NumPy kernel. 1-d problems run as 2-d ones with a unit row axis.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from . import parallel as par

Ints = Sequence[int]
Pairs = Sequence[tuple[int, int]]

#: Environment variable read once at import: ``0``/``false``/``off``/``no`` turns the fast path off.
ENV_VAR = "CONVKIT_FAST"
_OFF = ("0", "false", "off", "no")

_enabled = os.environ.get(ENV_VAR, "").strip().lower() not in _OFF
_kernels: ModuleType | None = None
_broken = False  # numba is installed but failed to import or compile: NumPy from then on

#: Below this many multiply-adds (or window cells) a kernel runs on the calling thread: handing
#: work to a thread costs tens of microseconds.
PARALLEL_MIN_WORK = 1 << 20
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def is_available() -> bool:
    """Whether numba is installed (looked up without importing it)."""
    return not _broken and importlib.util.find_spec("numba") is not None


def is_enabled() -> bool:
    """Whether the fast path is switched on (it runs only where numba is also available)."""
    return _enabled


def set_enabled(flag: bool) -> None:
    """Switch the fast path on or off for this process (``CONVKIT_FAST`` sets the start)."""
    global _enabled
    if not isinstance(flag, bool):
        raise TypeError(f"fast.enabled must be a bool, but got {type(flag).__name__}")
    _enabled = flag


def _load() -> ModuleType | None:
    """The compiled kernels, imported on first use; None where the fast path does not run."""
    global _kernels, _broken
    if not _enabled or _broken:
        return None
    if _kernels is None:
        if importlib.util.find_spec("numba") is None:
            return None
        try:
            _kernels = importlib.import_module(".numba_kernels", __package__)
        except Exception as exc:  # a broken numba install must not break convkit
            _broken = True
            warnings.warn(
                f"convkit[fast]: numba failed to load ({exc!r}); using the NumPy kernels",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
    return _kernels


def _run(kernel: Callable[[int, int], Any], planes: int, work: int) -> list[Any]:
    """``kernel(p0, p1)`` over ``[0, planes)``, split between the threads when large."""
    parts = par.split(planes, par.get_num_threads())
    threaded = work >= PARALLEL_MIN_WORK and len(parts) > 1
    return par.run_parts(lambda s: kernel(s.start, s.stop), parts, threaded, uses_blas=False)


def _as_2d(
    pads: Pairs, stride: Ints, dilation: Ints
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
    """(pad before, stride, dilation) per axis of a 1-d or 2-d problem as 2-d; None for 3-d."""
    if len(stride) == 2:
        return (pads[0][0], pads[1][0]), (stride[0], stride[1]), (dilation[0], dilation[1])
    if len(stride) == 1:
        return (0, pads[0][0]), (1, stride[0]), (1, dilation[0])
    return None


def _rows(a: np.ndarray, nsp: int) -> np.ndarray:
    """``(N, C, L)`` as ``(N, C, 1, L)`` for 1-d; 2-d unchanged (views of contiguous arrays)."""
    return a.reshape(a.shape[:2] + (1,) + a.shape[2:]) if nsp == 1 else a


# ----------------------------------------------------------------------------------------------
# Depthwise convolution (one input channel per group, channel multiplier m = C_out / C_in)
# ----------------------------------------------------------------------------------------------


def depthwise_forward(
    x: np.ndarray,
    w: np.ndarray,
    pads: Pairs,
    stride: Ints,
    dilation: Ints,
    out: np.ndarray,
    bias: np.ndarray | None,
) -> bool:
    """``kernels.conv.conv_forward`` of a depthwise convolution into ``out (N, C*m, *O)``.

    Only where the last stride is 1: the compiled loop's strided reads do not vectorize, and
    NumPy's grouped GEMM measured faster at stride 2 (15.0 against 19.6 ms on (32, 128, 32, 32)
    3x3; 4.9 against 6.3 on (8, 64, 56, 56)). Returns False, writing nothing, where the fast
    path does not apply.
    """
    geometry = _as_2d(pads, stride, dilation)
    if geometry is None or out.dtype not in _FLOATS or not out.flags.c_contiguous:
        return False
    if stride[-1] != 1:
        return False
    nk = _load()
    if nk is None:
        return False
    (ph, pw), (sh, sw), (dh, dw) = geometry
    nsp = len(stride)
    dtype = out.dtype
    N, C = x.shape[:2]
    Co = out.shape[1]
    xs = _rows(np.ascontiguousarray(x, dtype=dtype), nsp)
    ws = np.ascontiguousarray(_rows(w, nsp)[:, 0], dtype=dtype)  # (C*m, KH, KW)
    b = np.zeros(Co, dtype) if bias is None else np.ascontiguousarray(bias, dtype=dtype)
    o = _rows(out, nsp)

    def kernel(p0: int, p1: int) -> None:
        nk.depthwise_forward(xs, ws, b, o, p0, p1, sh, ph, pw, dh, dw, Co // C, True)

    _run(kernel, N * Co, out.size * ws[0].size)
    return True


def depthwise_input_grad(
    w: np.ndarray,
    g: np.ndarray,
    pads: Pairs,
    stride: Ints,
    dilation: Ints,
    gx: np.ndarray,
) -> bool:
    """The input gradient of a depthwise ``conv_forward`` into ``gx (N, C, *S)``, as
    ``kernels.conv._depthwise_backward`` computes it.

    The weight gradient stays in NumPy: its per-offset ``einsum`` (19-22 ms on the benchmark's
    (32, 128, 32, 32) 3x3) beat the compiled loop (26-29 ms; docs/PERFORMANCE.md). Returns
    False, writing nothing, where the fast path does not apply.
    """
    geometry = _as_2d(pads, stride, dilation)
    dtype = g.dtype
    if geometry is None or dtype not in _FLOATS or gx.dtype != dtype:
        return False
    if not gx.flags.c_contiguous:
        return False
    nk = _load()
    if nk is None:
        return False
    (ph, pw), (sh, sw), (dh, dw) = geometry
    nsp = len(stride)
    N, Co = g.shape[:2]
    C = gx.shape[1]
    m = Co // C
    gs = _rows(np.ascontiguousarray(g), nsp)
    ws = np.ascontiguousarray(_rows(w, nsp)[:, 0], dtype=dtype)  # (C*m, KH, KW)
    KH, KW = ws.shape[1:]
    gxs = _rows(gx, nsp)
    if m == 1 and sh == sw == 1:
        # stride 1: the input gradient is the correlation of g, padded by (k-1)*d - p before,
        # with the flipped filter, which the forward kernel runs in fused passes
        flipped = np.ascontiguousarray(ws[:, ::-1, ::-1])
        zero = np.zeros(C, dtype)
        back = ((KH - 1) * dh - ph, (KW - 1) * dw - pw)

        def kernel(p0: int, p1: int) -> None:
            nk.depthwise_forward(gs, flipped, zero, gxs, p0, p1, 1, *back, dh, dw, 1, False)

    else:

        def kernel(p0: int, p1: int) -> None:
            nk.depthwise_input_grad(gs, ws, gxs, p0, p1, sh, sw, ph, pw, dh, dw, m)

    _run(kernel, N * C, g.size * KH * KW)
    return True


# ----------------------------------------------------------------------------------------------
# Max pooling backward
# ----------------------------------------------------------------------------------------------


def max_pool_backward(
    g: np.ndarray,
    indices: np.ndarray | None,
    gx: np.ndarray,
) -> bool:
    """``kernels.pool.max_pool_backward`` from saved ``indices`` (``return_indices=True``) into
    ``gx (B, *spatial)``: each window's g added at its index, in one pass (NumPy's phase-major
    path compares every offset with the indices: 26.6 against 5.3 ms on (8, 64, 112, 112)
    k3 s2 p1).

    Without indices the argmax is recomputed, and NumPy stays: a compiled scan of the windows
    (torch's rule, selects instead of branches) measured no faster than the phase-major passes
    (25-28 against 23-29 ms; forward+backward 0.66 against 0.61 of torch). Returns False,
    writing nothing, where the fast path does not apply.
    """
    if indices is None or g.dtype not in _FLOATS or gx.dtype != g.dtype:
        return False
    if not gx.flags.c_contiguous or g.size == 0:
        return False  # an empty batch cannot reshape to (0, -1): NumPy's path handles it
    nk = _load()
    if nk is None:
        return False
    B = g.shape[0]
    flat_g = np.ascontiguousarray(g).reshape(B, -1)
    flat_i = np.ascontiguousarray(indices, dtype=np.int64).reshape(B, -1)
    flat_gx = gx.reshape(B, -1)

    def by_index(p0: int, p1: int) -> None:
        nk.max_pool_backward_indices(flat_g, flat_i, flat_gx, p0, p1)

    _run(by_index, B, g.size)
    return True


def max_pool_indices(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    dilation: Ints,
    y: np.ndarray,
    idx: np.ndarray,
) -> bool:
    """``kernels.pool.max_pool_indices`` of a 1-d or 2-d float ``x (B, *spatial)`` into ``y``
    and ``idx`` (``return_indices=True``): torch's scan of each window in one pass, where NumPy
    makes five per kernel offset (131 ms against torch's 54 on (8, 64, 112, 112) k3 s2 p1).

    Returns False, writing nothing, where the fast path does not apply.
    """
    nsp = len(kernel)
    if nsp > 2 or x.dtype not in _FLOATS:
        return False
    nk = _load()
    if nk is None:
        return False
    pads = [(p, p) for p in padding]
    geometry = _as_2d(pads, stride, dilation)
    assert geometry is not None
    (ph, pw), (sh, sw), (dh, dw) = geometry
    kh, kw = (1, kernel[0]) if nsp == 1 else (kernel[0], kernel[1])
    xs = np.ascontiguousarray(x)
    xs, ys, ids = (xs[:, None], y[:, None], idx[:, None]) if nsp == 1 else (xs, y, idx)

    def scan(p0: int, p1: int) -> None:
        nk.max_pool_indices(xs, ys, ids, p0, p1, kh, kw, sh, sw, ph, pw, dh, dw)

    _run(scan, x.shape[0], y.size * kh * kw)
    return True
