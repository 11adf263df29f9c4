"""Pooling kernels: NumPy arrays in, NumPy arrays out; one N-d implementation for 1d/2d/3d.

Every array here is ``(B, *spatial)``: the callers fold batch and channels into one leading axis
(``x.reshape(N*C, *spatial)`` is free on a contiguous input), which is also the axis the work is
split on between threads.

Sliding windows are computed as a loop over the kernel offsets: offset ``j`` of every window is
one strided view of the padded input (``windows.offset_slices``), so one ufunc call per offset
does all windows at once. NumPy ufuncs release the GIL, so the threads of ``parallel.py``, each
working on its share of the leading axis, run in parallel (docs/PERFORMANCE.md: 1.5-4x faster
than torch for max pooling, where ``sliding_window_view(...).max()`` is 20x slower).

Reference loops that spell out each definition are in ``pool_ref.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .. import shapes
from . import parallel as par
from . import windows as win

Ints = Sequence[int]

# Below this many input elements the thread hand-off costs more than it saves.
_PARALLEL_MIN_ELEMENTS = 1 << 17
# Rows are processed in blocks of about this many padded input elements (512 KB of float32), so
# that the padded copy of a block stays in cache across the k^d passes over it.
_BLOCK_ELEMENTS = 1 << 17
# The phase-major max pooling backward makes many short, unit-stride ufunc calls; threads only
# overlap when each call is long enough to hide the GIL hand-off (tens of microseconds), so its
# blocks are larger (measured: 1<<19 beats 1<<17 by 15-20% on 2 threads).
_PHASE_BLOCK_ELEMENTS = 1 << 19


def _split(work: Callable[[slice], None], rows: int, elements: int) -> None:
    """Run ``work(rows_slice)`` over the leading axis, split between the threads when large."""
    if elements < _PARALLEL_MIN_ELEMENTS or rows < 2:
        work(slice(0, rows))
        return
    par.run_parts(work, par.split(rows, par.get_num_threads()), uses_blas=False)


# ----------------------------------------------------------------------------------------------
# Geometry shared by the windowed kernels
# ----------------------------------------------------------------------------------------------


def _right_pad(
    spatial: Ints, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints
) -> tuple[int, ...]:
    """Cells needed after the input so that the last window fits (explicit pad or ceil overhang).

    The last window ends at ``(o-1)*s + d*(k-1) + 1`` in padded coordinates; floor mode may need
    less than ``p`` (the remainder is never read), ceil mode may need more.
    """
    return tuple(
        max(0, (o - 1) * s + d * (k - 1) + 1 - p - L)
        for L, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out, strict=True)
    )


class _Windows:
    """The sliding-window geometry of one call, computed once."""

    def __init__(
        self, spatial: Ints, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints
    ):
        self.spatial, self.kernel, self.stride = tuple(spatial), tuple(kernel), tuple(stride)
        self.padding, self.dilation, self.out = tuple(padding), tuple(dilation), tuple(out)
        after = _right_pad(spatial, kernel, stride, padding, dilation, out)
        self.padded = tuple(L + p + a for L, p, a in zip(spatial, padding, after, strict=True))
        self.needs_pad = any(padding) or any(after)
        self.interior = (slice(None),) + tuple(
            slice(p, p + L) for L, p in zip(spatial, padding, strict=True)
        )
        self.slices = [
            (slice(None),) + sl for _, sl in win.all_offset_slices(kernel, stride, dilation, out)
        ]
        # No two (window, offset) pairs read the same cell: gradients can be written, not added.
        self.disjoint = all(
            s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation, strict=True)
        )
        # ...and every cell is read exactly once: the gradient needs no zero fill.
        self.tiles = not self.needs_pad and all(
            d == 1 and s == k and o * s == L
            for L, k, s, d, o in zip(spatial, kernel, stride, dilation, out, strict=True)
        )
        self.plane = math.prod(self.padded)
        self.block = max(1, _BLOCK_ELEMENTS // max(self.plane, 1))

    def blocks(self, rows: slice) -> Iterator[slice]:
        for start in range(rows.start, rows.stop, self.block):
            yield slice(start, min(start + self.block, rows.stop))


class _PadBuffer:
    """A per-thread padded block, reused across blocks: the border is filled once."""

    def __init__(self, w: _Windows, fill: float, dtype: np.dtype):
        self.w, self.fill, self.dtype = w, fill, dtype
        self.buf: np.ndarray | None = None

    def _get(self, n: int) -> np.ndarray:
        if self.buf is None:  # the first block of a thread is its largest
            self.buf = np.full((n,) + self.w.padded, self.fill, dtype=self.dtype)
        return self.buf[:n]

    def load(self, block: np.ndarray) -> np.ndarray:
        """``block`` with the border around it (``block`` itself when there is none)."""
        if not self.w.needs_pad:
            return block
        view = self._get(block.shape[0])
        view[self.w.interior] = block
        return view

    def zeroed(self, n: int) -> np.ndarray:
        view = self._get(n)
        view.fill(0)
        return view


def _result(out: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``out`` (a ``(B, *spatial)`` view the caller allocated in its own layout, so that the
    gradient it returns owns its memory) or a fresh array."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    assert out.shape == shape and out.dtype == dtype, (out.shape, shape, out.dtype, dtype)
    return out


def _lowest(dtype: np.dtype) -> float:
    """The padding value of max pooling: -inf, or the smallest integer."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _positions(w: _Windows) -> list[np.ndarray]:
    """Per kernel offset, the flat index into the unpadded plane of that offset of every window,
    -1 where it lies in the padding. Shape ``(1, *out)``; separable:
    ``flat = sum_i pos_i * prod(L_{i+1:})``."""
    n = len(w.spatial)
    result = []
    for offset in win.offsets(w.kernel):
        flat = np.zeros((1,) * (n + 1), dtype=np.int64)
        valid = np.ones((1,) * (n + 1), dtype=bool)
        for i, (L, s, p, d, o, j) in enumerate(
            zip(w.spatial, w.stride, w.padding, w.dilation, w.out, offset, strict=True)
        ):
            shape = [1] * (n + 1)
            shape[i + 1] = o
            pos = (np.arange(o, dtype=np.int64) * s - p + j * d).reshape(shape)
            valid = valid & (pos >= 0) & (pos < L)
            flat = flat * L + pos
        result.append(np.where(valid, flat, -1))
    return result


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------

# The backward of overlapping or padded windows runs in a phase-major (space-to-depth) layout. With
# stride s along an axis, padded position q = r + s*m lies in phase r = q % s at m = q // s, and
# offset j of window o reads q = j*d + o*s, i.e. phase (j*d) % s at m = (j*d) // s + o: consecutive
# windows read consecutive cells of one phase. Each block of planes is copied once into rows, one
# per phase, of ``(planes, *M)`` cells (M = ceil(padded / s)). Windows are then indexed on the same
# ``(planes, *M)`` grid as the cells (the "extended" output: the real windows are its ``[:, :o0,
# :o1, ...]`` corner), so offset j of every window is ONE contiguous run of a phase row, starting
# ``ravel(j*d // s)`` cells in: every pass over a kernel offset is a flat, unit-stride ufunc call.
# The extended grid's spare windows read whatever lies beyond (other planes, the row's margin):
# their values are never returned and their gradient is zero.


class _Phases:
    """The phase-major geometry of one max pooling call (see the comment above)."""

    def __init__(self, w: _Windows):
        self.w = w
        self.grid = tuple(-(-P // s) for P, s in zip(w.padded, w.stride, strict=True))  # M per axis
        self.cells = math.prod(self.grid)
        pitch = [math.prod(self.grid[i + 1 :]) for i in range(len(self.grid))]
        phases, self.shifts = [], []
        for offset in win.offsets(w.kernel):
            reach = [j * d for j, d in zip(offset, w.dilation, strict=True)]
            phases.append(tuple(q % s for q, s in zip(reach, w.stride, strict=True)))
            self.shifts.append(
                sum(q // s * p for q, s, p in zip(reach, w.stride, pitch, strict=True))
            )
        used = sorted(set(phases))
        self.row_of = {r: i for i, r in enumerate(used)}
        self.rows = [self.row_of[r] for r in phases]  # phase row of each kernel offset
        self.margin = max(self.shifts)
        # Per phase: where its input cells sit in the phase row, and where they came from.
        self.places = []
        for r in itertools.product(*(range(s) for s in w.stride)):
            dst, src = [slice(None)], [slice(None)]
            for L, s, p, ri in zip(w.spatial, w.stride, w.padding, r, strict=True):
                first = (ri - p) % s  # first input index in this phase
                count = len(range(first, L, s))
                dst.append(slice((p + first) // s, (p + first) // s + count))
                src.append(slice(first, L, s))
            self.places.append((self.row_of.get(r), tuple(dst), tuple(src)))
        self.corner = (slice(None),) + tuple(slice(0, o) for o in w.out)
        self.block = max(1, _PHASE_BLOCK_ELEMENTS // max(len(used) * self.cells, 1))

    def blocks(self, rows: slice) -> Iterator[slice]:
        for start in range(rows.start, rows.stop, self.block):
            yield slice(start, min(start + self.block, rows.stop))

    def buffer(self, rows: slice, fill: float, dtype: np.dtype) -> np.ndarray:
        """Phase rows for the largest block of ``rows``, filled with ``fill``."""
        n = min(self.block, rows.stop - rows.start)
        return np.full((len(self.row_of), n * self.cells + self.margin), fill, dtype=dtype)

    def load(self, buf: np.ndarray, block: np.ndarray) -> None:
        """Copy ``block`` (n, *spatial) into the phase rows; padding cells keep their fill."""
        n = block.shape[0]
        for row, dst, src in self.places:
            if row is not None:
                buf[row, : n * self.cells].reshape((n,) + self.grid)[dst] = block[src]

    def unload(self, buf: np.ndarray, block: np.ndarray) -> None:
        """Copy the phase rows back to ``block`` (n, *spatial); unused phases get zeros."""
        n = block.shape[0]
        for row, dst, src in self.places:
            if row is None:
                block[src] = 0
            else:
                block[src] = buf[row, : n * self.cells].reshape((n,) + self.grid)[dst]

    def offset(self, buf: np.ndarray, t: int, n: int) -> np.ndarray:
        """Offset ``t`` of every extended window of an ``n``-plane block: a contiguous run."""
        start = self.shifts[t]
        return buf[self.rows[t], start : start + n * self.cells]

    def extended(self, flat: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` planes of an extended-window buffer, shaped ``(n, *M)``."""
        return flat[: n * self.cells].reshape((n,) + self.grid)


def max_pool(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints
) -> np.ndarray:
    """Max over each window of ``x`` (B, *spatial) padded with -inf; NaN wins (np.maximum)."""
    w = _Windows(x.shape[1:], kernel, stride, padding, dilation, out)
    y = np.empty(x.shape[:1] + w.out, dtype=x.dtype)

    def work(rows: slice) -> None:
        pad = _PadBuffer(w, _lowest(x.dtype), x.dtype)
        for blk in w.blocks(rows):
            src, dst = pad.load(x[blk]), y[blk]
            np.copyto(dst, src[w.slices[0]])
            for sl in w.slices[1:]:
                np.maximum(dst, src[sl], out=dst)

    _split(work, x.shape[0], x.size)
    return y


def max_pool_indices(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling with torch's argmax: (values, int64 flat index into the unpadded plane).

    torch scans a window in row-major order starting from its first in-bounds cell and moves on
    ``val > best or isnan(val)``: the first of tied maxima wins, and among NaNs the last.
    """
    w = _Windows(x.shape[1:], kernel, stride, padding, dilation, out)
    y = np.empty(x.shape[:1] + w.out, dtype=x.dtype)
    idx = np.empty(y.shape, dtype=np.int64)
    floating = x.dtype.kind == "f"
    positions = _positions(w)

    def work(rows: slice) -> None:
        pad = _PadBuffer(w, _lowest(x.dtype), x.dtype)
        for blk in w.blocks(rows):
            src, best, arg = pad.load(x[blk]), y[blk], idx[blk]
            arg.fill(-1)
            best.fill(_lowest(x.dtype))
            for sl, pos in zip(w.slices, positions, strict=True):
                view = src[sl]
                take = view > best
                if floating:
                    take |= np.isnan(view)
                take |= arg < 0  # the first in-bounds cell starts the scan
                take &= pos >= 0
                np.copyto(best, view, where=take)
                np.copyto(arg, pos, where=take)

    _split(work, x.shape[0], x.size)
    return y, idx


def max_pool_backward(
    x: np.ndarray,
    y: np.ndarray,
    g: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    dilation: Ints,
    out: Ints,
    indices: np.ndarray | None = None,
    out_array: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of max pooling: each window's ``g`` goes to its (first) maximum, overlaps add.

    Without ``indices`` the argmax is recomputed as the first offset, in row-major order, whose
    value equals the window's max (cheaper than tracking it in forward, docs/PERFORMANCE.md).
    That misses NaN maxima and all--inf windows (which would match the -inf padding), so those
    take the exact argmax instead.

    Windows that tile the input (k == s, no padding) run here on strided views, where the input
    needs no copy and each offset writes its cells once; all others take the phase-major path
    (``_max_pool_backward_phases``), whose unit-stride passes beat strided ones once the input
    must be copied for its padding anyway, and overlaps add.
    """
    w = _Windows(x.shape[1:], kernel, stride, padding, dilation, out)
    if not w.tiles:
        return _max_pool_backward_phases(x, y, g, w, indices, out_array)
    # Tiled windows: no padding, and every input cell belongs to exactly one window.
    if indices is None and x.dtype.kind == "f" and y.size and np.isnan(np.min(y)):
        _, indices = max_pool_indices(x, kernel, stride, padding, dilation, out)
    positions = [] if indices is None else _positions(w)
    # g * mask is the fast way to drop gradients of non-maxima, but inf * 0 is NaN. A finite sum
    # proves every entry finite (an overflowing sum only sends us down the safe path).
    finite = g.dtype.kind != "f" or bool(np.isfinite(np.sum(g, dtype=np.float64)))
    gx = _result(out_array, x.shape, g.dtype)
    count = len(w.slices)

    upsample = indices is None and x.dtype.kind == "f" and all(d == 1 for d in dilation)

    def work(rows: slice) -> None:
        shape = (min(w.block, rows.stop - rows.start),) + w.out
        hit_buf, taken_buf = np.empty(shape, dtype=bool), np.empty(shape, dtype=bool)
        for blk in w.blocks(rows):
            n = blk.stop - blk.start
            if upsample and _tiled_backward_block(x[blk], y[blk], g[blk], gx[blk], kernel, finite):
                continue
            grad, hit, taken, dst = g[blk], hit_buf[:n], taken_buf[:n], gx[blk]
            if not finite:
                dst.fill(0)
            if indices is None:
                src, top = x[blk], y[blk]
            else:
                arg = indices[blk]
            for t, sl in enumerate(w.slices):
                if indices is None:
                    np.equal(src[sl], top, out=hit)
                    if t == 0:
                        np.copyto(taken, hit)
                    else:
                        np.greater(hit, taken, out=hit)  # a maximum not taken by an earlier cell
                        if t < count - 1:
                            np.logical_or(taken, hit, out=taken)
                else:
                    np.equal(arg, positions[t], out=hit)
                if finite:
                    np.multiply(grad, hit, out=dst[sl])  # each cell is written exactly once
                else:
                    np.add(dst[sl], grad, out=dst[sl], where=hit)

    _split(work, x.shape[0], x.size)
    return gx


def _upsample(a: np.ndarray, kernel: Ints) -> np.ndarray:
    """``a (n, *out)`` with every cell repeated ``k`` times along each axis: ``(n, *(o*k))``.

    The last axis, where ``np.repeat`` copies element by element, doubles 4-byte cells in one
    ufunc pass instead: a uint32 times 0x100000001 is a uint64 holding the same bits twice.
    The other axes repeat whole rows.
    """
    for axis in range(a.ndim - 1, 0, -1):
        k = kernel[axis - 1]
        if k == 1:
            continue
        if axis == a.ndim - 1 and k == 2 and a.dtype.itemsize == 4:
            pair = np.multiply(a.view(np.uint32), np.uint64(0x100000001), dtype=np.uint64)
            a = pair.view(a.dtype).reshape(a.shape[:-1] + (2 * a.shape[-1],))
        else:
            a = np.repeat(a, k, axis=axis)
    return a


def _tiled_backward_block(
    x: np.ndarray, y: np.ndarray, g: np.ndarray, gx: np.ndarray, kernel: Ints, finite: bool
) -> bool:
    """Windows that tile a block exactly: ``gx = g_up * (x == y_up)`` in flat, unit-stride passes
    (g and y upsampled to x's shape). Returns False, writing nothing, when some window's maximum
    appears twice (the first must win; the caller resolves that) or is NaN (equality misses it):
    then the cells equal to their window's max do not number exactly one per window."""
    hit = x == _upsample(y, kernel)
    if np.count_nonzero(hit) != y.size:
        return False
    g_up = _upsample(g, kernel)
    if finite:
        np.multiply(g_up, hit, out=gx)
    else:  # inf * 0 would be NaN: AND the bits with all-ones / all-zeros instead
        bits = np.dtype(f"i{g.dtype.itemsize}")
        mask = np.negative(hit.view(np.int8), dtype=bits)
        np.bitwise_and(g_up.view(bits), mask, out=gx.view(bits))
    return True


def _max_pool_backward_phases(
    x: np.ndarray,
    y: np.ndarray,
    g: np.ndarray,
    w: _Windows,
    indices: np.ndarray | None,
    out_array: np.ndarray | None = None,
) -> np.ndarray:
    """``max_pool_backward`` in the phase-major layout (see the comment above ``_Phases``).

    Without ``indices`` the argmax is recomputed (cheaper than tracking it in forward,
    docs/PERFORMANCE.md): offsets are visited in row-major order, and each window's gradient, still
    ``pending``, goes to the first offset whose value equals the window's max, then is cleared.
    Equality misses NaN maxima and all--inf windows (which would match the -inf padding), so
    those take the exact argmax instead.

    A window's gradient is selected with a 0/1 mask: ``pending * hit`` when every gradient is
    finite, else by AND-ing its bits with an all-ones/all-zeros mask (``inf * 0`` would be NaN).
    ``where=`` masks are avoided: as scattered as an argmax, they run 20-30x slower than a
    plain ufunc.
    """
    ph = _Phases(w)
    if indices is None and x.dtype.kind == "f" and y.size:
        low = np.min(y)  # NaN if any maximum is NaN
        if np.isnan(low) or (w.needs_pad and low == -np.inf):
            _, indices = max_pool_indices(x, w.kernel, w.stride, w.padding, w.dilation, w.out)
    if indices is not None:
        # Each offset's flat input index on the extended grid; -2 (never an index) off the
        # real windows, -1 (also never) where the offset falls in the padding.
        targets = []
        for pos in _positions(w):
            ext = np.full((1,) + ph.grid, -2, dtype=np.int64)
            ext[ph.corner] = pos
            targets.append(ext.reshape(1, ph.cells))
    # A finite sum proves every gradient finite (an overflowing sum only picks the bit path).
    with np.errstate(over="ignore", invalid="ignore"):
        finite = g.dtype.kind != "f" or bool(np.isfinite(np.sum(g)))
    bits = np.dtype(f"i{g.dtype.itemsize}")
    count = len(ph.shifts)
    # The first offset (row-major) of a phase row has the smallest shift; at shift 0 it covers
    # the whole row and can write it instead of adding to zeros.
    first: dict[int, int] = {}
    for t, row in enumerate(ph.rows):
        first.setdefault(row, t)
    writes = {t for t in first.values() if ph.shifts[t] == 0}
    zero_rows = [row for row, t in first.items() if t not in writes]
    exact = ph.grid == w.out  # no spare windows: the extended grid is the output itself
    gx = _result(out_array, x.shape, g.dtype)

    def work(rows: slice) -> None:
        with np.errstate(invalid="ignore"):  # inf + -inf gradients meet: NaN, as in torch
            _work(rows)

    def _work(rows: slice) -> None:
        grad = ph.buffer(rows, 0, g.dtype)
        size = grad.shape[1] - ph.margin
        # The extended grid's spare windows keep a zero gradient: only their corners are loaded.
        pending = np.zeros(size, dtype=g.dtype)
        hit, taken = np.empty(size, dtype=bool), np.empty(size, dtype=g.dtype)
        mask = np.empty(0 if finite else size, dtype=bits)
        if indices is None:
            src = ph.buffer(rows, _lowest(x.dtype), x.dtype)
            top = np.zeros(0 if exact else size, dtype=x.dtype)
        else:
            arg = np.full(size, -3, dtype=np.int64)
        for blk in ph.blocks(rows):
            n = blk.stop - blk.start
            m = n * ph.cells
            ph.extended(pending, n)[ph.corner] = g[blk]
            for row in zero_rows:
                grad[row].fill(0)
            if indices is None:
                ph.load(src, x[blk])
                if exact:
                    peak = y[blk].reshape(m)
                else:
                    ph.extended(top, n)[ph.corner] = y[blk]
                    peak = top[:m]
            else:
                ph.extended(arg, n)[ph.corner] = indices[blk]
            have, hits = pending[:m], hit[:m]
            for t in range(count):
                if indices is None:
                    np.equal(ph.offset(src, t, n), peak, out=hits)
                else:
                    np.equal(
                        arg[:m].reshape(n, ph.cells), targets[t], out=hits.reshape(n, ph.cells)
                    )
                view = ph.offset(grad, t, n)
                chosen = view if t in writes else taken[:m]
                if finite:
                    np.multiply(have, hits, out=chosen)
                else:
                    np.negative(hits.view(np.int8), out=mask[:m], casting="unsafe")  # 0 or -1
                    np.bitwise_and(have.view(bits), mask[:m], out=chosen.view(bits))
                if t not in writes:
                    np.add(view, chosen, out=view)
                if indices is None and t < count - 1:  # taken by its first maximum
                    if finite:
                        np.subtract(have, chosen, out=have)
                    else:
                        np.bitwise_xor(have.view(bits), chosen.view(bits), out=have.view(bits))
            ph.unload(grad, gx[blk])

    _split(work, x.shape[0], x.size)
    return gx


# ----------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------


def avg_pool_divisor(
    spatial: Ints,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    out: Ints,
    count_include_pad: bool,
    divisor_override: int | None,
    dtype: np.dtype,
) -> np.ndarray:
    """Divisor of every window, shape ``(1, *out)``: the outer product of the per-dimension
    divisors (``shapes.avg_pool_divisors``), or ``divisor_override`` everywhere."""
    n = len(spatial)
    if divisor_override is not None:
        return np.full((1,) * (n + 1), divisor_override, dtype=dtype)
    divisor = np.ones((1,) * (n + 1), dtype=np.int64)
    for i, (L, k, s, p, o) in enumerate(zip(spatial, kernel, stride, padding, out, strict=True)):
        shape = [1] * (n + 1)
        shape[i + 1] = o
        per_dim = shapes.avg_pool_divisors(L, k, s, p, o, count_include_pad)
        divisor = divisor * np.asarray(per_dim, dtype=np.int64).reshape(shape)
    return divisor.astype(dtype)


def _divide(total: np.ndarray, divisor: np.ndarray) -> np.ndarray:
    if total.dtype.kind == "f":
        return np.divide(total, divisor, out=total)  # type: ignore[no-any-return]
    # Integer average pooling truncates toward zero (C++ integer division), unlike //.
    quotient = np.abs(total) // np.abs(divisor)
    result: np.ndarray = np.where((total < 0) != (divisor < 0), -quotient, quotient)
    return result.astype(total.dtype)


def avg_pool(
    x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, out: Ints, divisor: np.ndarray
) -> np.ndarray:
    """Sum over each zero-padded window of ``x`` (B, *spatial), divided by ``divisor``."""
    w = _Windows(x.shape[1:], kernel, stride, padding, (1,) * len(kernel), out)
    total = np.empty(x.shape[:1] + w.out, dtype=x.dtype)

    def work(rows: slice) -> None:
        pad = _PadBuffer(w, 0, x.dtype)
        for blk in w.blocks(rows):
            src, dst = pad.load(x[blk]), total[blk]
            np.copyto(dst, src[w.slices[0]])
            for sl in w.slices[1:]:
                np.add(dst, src[sl], out=dst)

    _split(work, x.shape[0], x.size)
    return _divide(total, divisor)


def avg_pool_backward(
    g: np.ndarray,
    spatial: Ints,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    out: Ints,
    divisor: np.ndarray,
    out_array: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of average pooling: ``g / divisor`` added back over every kernel offset."""
    w = _Windows(spatial, kernel, stride, padding, (1,) * len(kernel), out)
    gd = g / divisor
    gx = _result(out_array, g.shape[:1] + w.spatial, g.dtype)

    def work(rows: slice) -> None:
        gpad = _PadBuffer(w, 0, g.dtype)
        for blk in w.blocks(rows):
            if w.needs_pad:
                dst = gpad.zeroed(blk.stop - blk.start)
            else:
                dst = gx[blk]
                if not w.tiles:
                    dst.fill(0)
            src = gd[blk]
            for sl in w.slices:
                view = dst[sl]
                if w.disjoint:
                    np.copyto(view, src)
                else:
                    np.add(view, src, out=view)
            if w.needs_pad:
                gx[blk] = dst[w.interior]

    _split(work, g.shape[0], gx.size)
    return gx


# ----------------------------------------------------------------------------------------------
# Adaptive pooling: separable, one spatial axis at a time
# ----------------------------------------------------------------------------------------------
# An n-d adaptive window is the product of per-dimension bins, so its mean is the mean over one
# axis after another, and its max likewise. Each axis is a loop over that axis's output bins
# (shapes.adaptive_pool_bins; bins may overlap) or, when the bins partition the axis, a reshape.


def _partition(size: int, out: int) -> bool:
    return out > 0 and size % out == 0


def adaptive_avg_pool(x: np.ndarray, out: Ints) -> np.ndarray:
    """Mean over each adaptive window of ``x`` (B, *spatial)."""
    if all(o == 1 for o in out) and x.dtype in (np.float32, np.float64) and x.size:
        # Global pooling (a ResNet's head): a matrix-vector product with ones sums each
        # plane in BLAS, 7x faster than NumPy's per-row reduction over short planes.
        planes = x.reshape(x.shape[0], -1)  # (B, prod(spatial))
        total = planes @ np.ones(planes.shape[1], dtype=x.dtype)  # (B,)
        return (total / planes.shape[1]).reshape((x.shape[0],) + (1,) * len(out))
    y = x
    for axis, o in enumerate(out, start=1):
        L = y.shape[axis]
        if _partition(L, o):
            split = y.shape[:axis] + (o, L // o) + y.shape[axis + 1 :]
            y = y.reshape(split).mean(axis=axis + 1)  # (..., o, ...)
            continue
        parts = [
            y[(slice(None),) * axis + (slice(a, b),)].mean(axis=axis, keepdims=True)
            for a, b in shapes.adaptive_pool_bins(L, o)
        ]
        y = (
            np.concatenate(parts, axis=axis)
            if parts
            else np.empty(y.shape[:axis] + (0,) + y.shape[axis + 1 :], dtype=x.dtype)
        )
    return np.ascontiguousarray(y, dtype=x.dtype)


def adaptive_avg_pool_backward(g: np.ndarray, spatial: Ints) -> np.ndarray:
    """Gradient of adaptive average pooling: each bin's ``g / width`` spread over the bin."""
    gx = g
    for axis in range(len(spatial), 0, -1):
        L, o = spatial[axis - 1], gx.shape[axis]
        if _partition(L, o):
            gx = np.repeat(gx / (L // o), L // o, axis=axis)
            continue
        acc = np.zeros(gx.shape[:axis] + (L,) + gx.shape[axis + 1 :], dtype=g.dtype)
        for i, (a, b) in enumerate(shapes.adaptive_pool_bins(L, o)):
            lead = (slice(None),) * axis
            acc[lead + (slice(a, b),)] += gx[lead + (slice(i, i + 1),)] / (b - a)
        gx = acc
    return gx


def _argmax_axis(v: np.ndarray, axis: int) -> np.ndarray:
    """torch's window argmax along one axis: the first maximum, or the last NaN if any."""
    arg = np.argmax(v, axis=axis, keepdims=True)
    if v.dtype.kind == "f":
        nan = np.isnan(v)
        if nan.any():
            w = v.shape[axis]
            last = w - 1 - np.argmax(np.flip(nan, axis=axis), axis=axis, keepdims=True)
            arg = np.where(nan.any(axis=axis, keepdims=True), last, arg)
    return arg  # type: ignore[no-any-return]


def adaptive_max_pool(x: np.ndarray, out: Ints) -> tuple[np.ndarray, list[np.ndarray]]:
    """Max over each adaptive window of ``x`` (B, *spatial), and the per-axis argmax.

    Axes are reduced last to first, so that picking the first maximum on each axis picks the
    row-major first maximum of the window (and the last NaN likewise). Returns the values and,
    for each spatial axis, the absolute position of the chosen cell along that axis, with the
    output's shape; ``adaptive_max_pool_indices`` turns them into torch's flat indices.
    """
    n = len(out)
    y = x
    # winners[a]: position along axis a of the cell chosen so far, shape of the current y
    winners: dict[int, np.ndarray] = {}
    for axis in range(n, 0, -1):
        L, o = y.shape[axis], out[axis - 1]
        lead = (slice(None),) * axis
        if _partition(L, o):
            w = L // o
            v = y.reshape(y.shape[:axis] + (o, w) + y.shape[axis + 1 :])  # (..., o, w, ...)
            arg = _argmax_axis(v, axis + 1)
            y = np.take_along_axis(v, arg, axis=axis + 1).squeeze(axis + 1)
            arg = arg.squeeze(axis + 1)
            # the window of output j starts at j*w
            start = (np.arange(o) * w).reshape((1,) * axis + (o,) + (1,) * (n - axis))
            pos = arg + start
        else:
            vals, poss = [], []
            for a, b in shapes.adaptive_pool_bins(L, o):
                v = y[lead + (slice(a, b),)]
                arg = _argmax_axis(v, axis)
                vals.append(np.take_along_axis(v, arg, axis=axis))
                poss.append(arg + a)
            empty = y.shape[:axis] + (0,) + y.shape[axis + 1 :]
            y = np.concatenate(vals, axis=axis) if vals else np.empty(empty, dtype=x.dtype)
            pos = np.concatenate(poss, axis=axis) if poss else np.empty(empty, dtype=np.int64)
        # cells chosen on later axes are re-indexed by the winner along this axis
        winners = {a: np.take_along_axis(p, pos, axis=axis) for a, p in winners.items()}
        winners[axis] = pos
    return np.ascontiguousarray(y), [winners[a].astype(np.int64) for a in range(1, n + 1)]


def adaptive_max_pool_indices(winners: Sequence[np.ndarray], spatial: Ints) -> np.ndarray:
    """torch's flat index into the input plane from the per-axis winners."""
    flat = np.zeros(winners[0].shape, dtype=np.int64)
    for pos, L in zip(winners, spatial, strict=True):
        flat = flat * L + pos
    return flat


def adaptive_max_pool_backward(
    g: np.ndarray, winners: Sequence[np.ndarray], spatial: Ints
) -> np.ndarray:
    """Gradient of adaptive max pooling: ``g`` scattered to each window's chosen cell."""
    flat = adaptive_max_pool_indices(winners, spatial)
    return _scatter_add(g, flat, spatial)


# ----------------------------------------------------------------------------------------------
# Fractional max pooling (Graham 2014, arXiv:1412.6071)
# ----------------------------------------------------------------------------------------------


def fractional_starts(samples: np.ndarray, size: int, out: int, kernel: int) -> np.ndarray:
    """Window starts along one axis, one row per plane: (B,) samples in [0, 1) -> (B, out).

    With ``alpha = (size - kernel) / (out - 1)``, window i < out - 1 starts at
    ``trunc((i + u) * alpha) - trunc(u * alpha)`` and the last at ``size - kernel``: pseudo-random
    steps of floor or ceil of alpha that cover the axis. The arithmetic is in the samples' dtype
    (float32 rounds as torch's float kernel does), so the starts are torch's.
    """
    dtype = samples.dtype
    starts = np.empty((samples.shape[0], out), dtype=np.int64)
    if out > 1:
        alpha = dtype.type(size - kernel) / dtype.type(out - 1)
        steps = np.arange(out - 1, dtype=dtype)[None, :] + samples[:, None]  # (B, out-1)
        first = (samples * alpha).astype(np.int64)[:, None]
        starts[:, :-1] = (steps * alpha).astype(np.int64) - first
    if out > 0:
        starts[:, -1] = size - kernel
    return starts


def fractional_max_pool(
    x: np.ndarray, starts: Sequence[np.ndarray], kernel: Ints
) -> tuple[np.ndarray, np.ndarray]:
    """Max over the windows ``[start, start + kernel)`` of ``x`` (B, *spatial); ``starts[d]`` is
    (B, out_d). Returns values and flat indices into each plane (first maximum in row-major
    order, the last NaN if any, as torch's scan)."""
    n = len(kernel)
    spatial = x.shape[1:]
    rows = x.shape[0]
    out = tuple(s.shape[1] for s in starts)
    # flat[b, *o, *j]: the plane index of cell j of window o, built one axis at a time
    flat: np.ndarray = np.zeros((rows,) + (1,) * (2 * n), dtype=np.int64)
    for d, (st, k, L) in enumerate(zip(starts, kernel, spatial, strict=True)):
        o_shape = [1] * n
        o_shape[d] = out[d]
        j_shape = [1] * n
        j_shape[d] = k
        pos = st.reshape((rows, *o_shape, *[1] * n)) + np.arange(k).reshape((1, *[1] * n, *j_shape))
        flat = flat * L + pos  # (B, *out, *kernel) once every axis is in
    windows = math.prod(kernel)
    cells = math.prod(out) * windows
    table = np.broadcast_to(flat, (rows, *out, *kernel)).reshape(rows, cells)  # (B, out*K)
    vals = np.take_along_axis(x.reshape(rows, math.prod(spatial)), table, axis=1)
    vals = vals.reshape((rows, *out, windows))  # (B, *out, K)
    arg = _argmax_axis(vals, vals.ndim - 1)
    y = np.take_along_axis(vals, arg, axis=-1)[..., 0]
    idx = np.take_along_axis(table.reshape(vals.shape), arg, axis=-1)[..., 0]
    return np.ascontiguousarray(y), np.ascontiguousarray(idx)


def fractional_max_pool_backward(g: np.ndarray, indices: np.ndarray, spatial: Ints) -> np.ndarray:
    """Gradient of fractional max pooling: ``g`` added at each window's chosen cell (windows
    overlap when kernel > alpha, so a cell may collect several)."""
    return _scatter_add(g, indices, spatial)


# ----------------------------------------------------------------------------------------------
# Max unpooling
# ----------------------------------------------------------------------------------------------


def _scatter_add(x: np.ndarray, indices: np.ndarray, out: Ints) -> np.ndarray:
    """Zeros of shape (B, *out) with ``x`` added at the flat ``indices`` of each plane.

    Overlapping adaptive windows can choose the same cell, so repeats must add (np.add.at).
    """
    rows = x.shape[0]
    y = np.zeros((rows, math.prod(out)), dtype=x.dtype)
    per_row = math.prod(indices.shape[1:])
    keys = np.arange(rows, dtype=np.int64)[:, None] * y.shape[1] + indices.reshape(rows, per_row)
    np.add.at(y.reshape(-1), keys.reshape(-1), x.reshape(-1))
    return y.reshape((rows,) + tuple(out))


def max_unpool(x: np.ndarray, indices: np.ndarray, out: Ints) -> np.ndarray:
    """torch's max_unpool: zeros of shape (B, *out), ``y[b, indices[b, i]] = x[b, i]``.

    With repeated indices the last write wins (torch's CPU loop writes in order).
    """
    rows = x.shape[0]
    y = np.zeros((rows, math.prod(out)), dtype=x.dtype)
    per_row = math.prod(x.shape[1:])
    np.put_along_axis(y, indices.reshape(rows, per_row), x.reshape(rows, per_row), axis=1)
    return y.reshape((rows,) + tuple(out))


def max_unpool_backward(g: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Gradient of max unpooling: each input reads the output gradient at its index."""
    rows = g.shape[0]
    flat = np.take_along_axis(
        g.reshape(rows, math.prod(g.shape[1:])),
        indices.reshape(rows, math.prod(indices.shape[1:])),
        axis=1,
    )
    return flat.reshape(indices.shape)
