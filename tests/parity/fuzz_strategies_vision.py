"""Fuzz strategies for the spatial transformer pair, affine_grid and grid_sample.

Kept apart from fuzz_strategies.py (imported at its end, adding to ``STRATEGIES``) so that the
families can grow independently. The draws: 4-d and 5-d inputs (5-d with bicubic is torch's
error), every mode, padding mode and align_corners (None warns), grids spread past the borders
and sometimes integer-valued (pixel positions and +-1, where the grid gradient is one-sided),
NaN and infinity in the input, mismatched dtypes, batch sizes and last dimensions, empty sizes.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.parity.fuzz_strategies import FLOAT_DTYPES, STRATEGIES, Call, _weighted, tensor


@st.composite
def affine_grid(draw) -> Call:
    d = draw(_weighted((3, 2), (1, 3)))
    n = draw(_weighted((1, 0), (3, 1), (3, 2)))
    rows, cols = d, d + 1
    if draw(_weighted((8, False), (1, True))):  # the wrong matrix shape
        rows, cols = draw(st.sampled_from([(2, 3), (3, 4), (2, 2), (3, 3)]))
    theta_n = n if draw(_weighted((8, True), (1, False))) else n + 1
    dtype = draw(_weighted((6, "float32"), (3, "float64"), (1, "int64")))
    theta = draw(
        tensor((theta_n, rows, cols), dtype, fill=draw(_weighted((6, "normal"), (1, "ints"))))
    )
    spatial = [draw(_weighted((10, None), (1, 0), (1, 1))) for _ in range(d)]
    spatial = [s if s is not None else draw(st.integers(1, 6)) for s in spatial]
    size = [n, draw(st.integers(1, 3)), *spatial]
    if draw(_weighted((10, False), (1, True))):
        size = size[:-1]
    size_arg = draw(st.sampled_from([list, tuple]))(size)
    align = draw(_weighted((3, False), (3, True), (1, None)))
    return Call("affine_grid", (theta, size_arg), dict(align_corners=align))


@st.composite
def grid_sample(draw) -> Call:
    d = draw(_weighted((3, 2), (1, 3)))
    n = draw(_weighted((1, 0), (3, 1), (3, 2)))
    channels = draw(_weighted((1, 0), (4, 1), (4, 3)))
    spatial = tuple(
        draw(_weighted((12, None), (1, 0))) or draw(st.integers(1, 5)) for _ in range(d)
    )
    out = tuple(draw(_weighted((12, None), (1, 0))) or draw(st.integers(1, 4)) for _ in range(d))
    dtype = draw(_weighted((10, FLOAT_DTYPES), (1, st.just("int64"))))
    dtype = draw(dtype) if not isinstance(dtype, str) else dtype
    x = draw(tensor((n, channels, *spatial), dtype))
    grid_dtype = dtype if draw(_weighted((10, True), (1, False))) else "float64"
    last = d if draw(_weighted((12, True), (1, False))) else d + 1
    grid_n = n if draw(_weighted((12, True), (1, False))) else n + 1
    # Never NaN or infinity in the grid: torch 2.13's CPU kernel crashes (segmentation fault) on
    # an infinite coordinate with reflection padding. The input still gets them.
    fill = draw(_weighted((3, "normal"), (1, "ints")))
    grid = draw(tensor((grid_n, *out, last), grid_dtype, fill=fill, low=-1, high=2, scale=0.8))
    kwargs = dict(
        mode=draw(_weighted((4, "bilinear"), (2, "nearest"), (2, "bicubic"), (1, "area"))),
        padding_mode=draw(_weighted((3, "zeros"), (2, "border"), (2, "reflection"), (1, "wrap"))),
        align_corners=draw(_weighted((3, False), (3, True), (1, None))),
    )
    return Call("grid_sample", (x, grid), kwargs)


STRATEGIES.update({"affine_grid": affine_grid, "grid_sample": grid_sample})
