"""pixel_shuffle, pixel_unshuffle and channel_shuffle against torch; gradients; errors."""

import numpy as np
import pytest
import torch.nn.functional as TF

import convkit as ck
import convkit.nn.functional as F
from tests.helpers import assert_same_outcome, check_against_torch, gradcheck, to_torch

CASES = [
    ("pixel_shuffle", (2, 8, 3, 4), 2),
    ("pixel_shuffle", (9, 2, 3), 3),
    ("pixel_shuffle", (2, 1, 4, 2, 3), 2),
    ("pixel_unshuffle", (2, 3, 4, 6), 2),
    ("pixel_unshuffle", (1, 6, 3), 3),
    ("channel_shuffle", (2, 6, 3, 2), 3),
    ("channel_shuffle", (2, 6, 4), 2),
    ("native_channel_shuffle", (1, 4, 2, 2), 2),
]


@pytest.mark.parametrize("name,shape,factor", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(name, shape, factor, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    # torch defines no derivative for native_channel_shuffle (convkit's is channel_shuffle's).
    check_against_torch(
        lambda t: getattr(F, name)(t, factor),
        lambda t: getattr(TF, name)(t, factor),
        [x],
        dtype,
        grads=name != "native_channel_shuffle",
    )


@pytest.mark.parametrize("name,shape,factor", CASES[:2] + CASES[3:4] + CASES[5:6])
def test_gradcheck(name, shape, factor):
    gradcheck(
        lambda t: getattr(F, name)(t, factor), np.random.default_rng(1).standard_normal(shape)
    )


@pytest.mark.parametrize(
    "name,shape,factor",
    [
        ("pixel_shuffle", (2, 2), 2),
        ("pixel_shuffle", (5, 2, 2), 2),
        ("pixel_shuffle", (4, 2, 2), 0),
        ("pixel_unshuffle", (1, 5, 4), 2),
        ("pixel_unshuffle", (1, 4, 5), 2),
        ("pixel_unshuffle", (4, 4), 2),
        ("channel_shuffle", (1, 5, 4), 2),
        ("channel_shuffle", (1, 4, 4), 0),
        ("channel_shuffle", (4, 4), 2),
    ],
)
def test_errors_match_torch(name, shape, factor):
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(RuntimeError) as theirs:
        getattr(TF, name)(to_torch(x), factor)
    with pytest.raises(RuntimeError) as ours:
        getattr(F, name)(ck.tensor(x), factor)
    assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]


def test_integer_input_keeps_its_dtype():
    x = np.arange(24).reshape(1, 4, 2, 3)
    y = F.pixel_shuffle(ck.tensor(x), 2)
    np.testing.assert_array_equal(y.data, TF.pixel_shuffle(to_torch(x), 2).numpy())


# ---- affine_grid and grid_sample -------------------------------------------------------------

SAMPLE_MODES = [
    (mode, pad, ac)
    for mode in ("bilinear", "nearest", "bicubic")
    for pad in ("zeros", "border", "reflection")
    for ac in (False, True)
]


def _grid(rng, shape, dtype, spread=1.3):
    """Random coordinates past the borders, plus exact pixel positions and +-1 (the edges of
    clipping and reflection, where torch's derivative rules are one-sided)."""
    g = rng.uniform(-spread, spread, shape)
    flat = g.reshape(-1)
    flat[: min(8, flat.size)] = [-1.0, 1.0, 0.0, -1.0, 1.0, 0.5, -0.5, 1.25][: min(8, flat.size)]
    return g.astype(dtype)


@pytest.mark.parametrize("mode,padding_mode,align_corners", SAMPLE_MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample_2d_matches_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    grid = _grid(rng, (2, 4, 7, 2), dtype)
    check_against_torch(
        lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
        lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners),
        [x, grid],
        dtype,
    )


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_sample_3d_matches_torch(mode, padding_mode, align_corners, dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 3, 4, 5)).astype(dtype)
    grid = _grid(rng, (2, 3, 2, 4, 3), dtype)
    check_against_torch(
        lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
        lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners),
        [x, grid],
        dtype,
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(mode, padding_mode):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 4, 5))
    # keep away from integer source positions, where the derivative is one-sided
    grid = rng.uniform(-0.9, 0.9, (1, 3, 2, 2))
    gradcheck(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners=False), x, grid)


def _bilinear_zeros_loop(x, grid, align_corners):
    """A plain per-pixel loop of bilinear sampling with zero padding (the docs' definition)."""
    n, c, h, w = x.shape
    _, ho, wo, _ = grid.shape
    out = np.zeros((n, c, ho, wo))
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                gx, gy = grid[b, i, j]
                if align_corners:
                    sx, sy = (gx + 1) / 2 * (w - 1), (gy + 1) / 2 * (h - 1)
                else:
                    sx, sy = ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2
                x0, y0 = int(np.floor(sx)), int(np.floor(sy))
                for yy, wy in ((y0, y0 + 1 - sy), (y0 + 1, sy - y0)):
                    for xx, wx in ((x0, x0 + 1 - sx), (x0 + 1, sx - x0)):
                        if 0 <= yy < h and 0 <= xx < w:
                            out[b, :, i, j] += wy * wx * x[b, :, yy, xx]
    return out


@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_loop_reference(align_corners):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4, 5))
    grid = rng.uniform(-1.2, 1.2, (2, 3, 4, 2))
    got = F.grid_sample(ck.tensor(x), ck.tensor(grid), align_corners=align_corners)
    np.testing.assert_allclose(got.data, _bilinear_zeros_loop(x, grid, align_corners), rtol=1e-12)


@pytest.mark.parametrize("size", [(2, 3, 5, 4), (2, 1, 1, 3), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_grid_matches_torch(size, align_corners, dtype):
    d = len(size) - 2
    theta = np.random.default_rng(7).standard_normal((2, d, d + 1)).astype(dtype)
    check_against_torch(
        lambda t: F.affine_grid(t, size, align_corners),
        lambda t: TF.affine_grid(t, size, align_corners),
        [theta],
        dtype,
    )


def test_affine_grid_gradcheck_and_names():
    theta = np.random.default_rng(8).standard_normal((2, 2, 3))
    gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), theta)
    t = ck.tensor(theta, requires_grad=True)
    grid = F.affine_grid(t, (2, 1, 3, 4), align_corners=False)
    assert type(grid.grad_fn).__name__ == "AffineGridGeneratorBackward0"
    y = F.grid_sample(ck.ones(2, 1, 3, 4, dtype=ck.float64), grid, align_corners=False)
    assert type(y.grad_fn).__name__ == "GridSampler2DBackward0"
    y5 = F.grid_sample(
        ck.ones(2, 1, 2, 3, 4, requires_grad=True), ck.zeros(2, 1, 1, 1, 3), align_corners=False
    )
    assert type(y5.grad_fn).__name__ == "GridSampler3DBackward0"


def test_spatial_transformer_round_trip_matches_torch():
    """The spatial-transformer tutorial's use: affine_grid then grid_sample, grads to theta."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 1, 6, 6))
    theta = np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]], [[1, 0, 0], [0, 1, 0]]], float)
    check_against_torch(
        lambda a, t: F.grid_sample(
            a, F.affine_grid(t, a.size(), align_corners=False), align_corners=False
        ),
        lambda a, t: TF.grid_sample(
            a, TF.affine_grid(t, a.size(), align_corners=False), align_corners=False
        ),
        [x, theta],
        np.float64,
    )


def test_align_corners_none_warns_like_torch():
    x, g = ck.ones(1, 1, 2, 2), ck.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, g)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(ck.zeros(1, 2, 3), (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(ck.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)


GRID_ERRORS = [
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(2, 6, 7, 2, dtype=lib.float64), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(6, 7, 2), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(2, 6, 2), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(2, 6, 7, 3), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 0, 5), lib.ones(2, 6, 7, 2), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4), lib.ones(2, 3, 1), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5, 6), lib.ones(2, 3, 4, 5, 3), mode="bicubic", align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5, dtype=lib.int64), lib.ones(2, 6, 7, 2), align_corners=False
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(2, 6, 7, 2), mode="area"
    ),
    lambda lib: lib.nn.functional.grid_sample(
        lib.ones(2, 3, 4, 5), lib.ones(2, 6, 7, 2), padding_mode="wrap"
    ),
    lambda lib: lib.nn.functional.affine_grid(
        lib.ones(2, 2, 3, dtype=lib.int64), (2, 3, 5, 4), False
    ),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 3, 4), (2, 3, 5, 4), False),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 5, 4, 4), False),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 5), False),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (2, 3, 0, 4), False),
    lambda lib: lib.nn.functional.affine_grid(lib.ones(2, 2, 3), (3, 3, 5, 4), False),
]


@pytest.mark.parametrize("case", range(len(GRID_ERRORS)))
def test_grid_errors_match_torch(case):
    assert_same_outcome(GRID_ERRORS[case], message=True)


def test_empty_grid_and_batch_match_torch():
    for x, g in [
        ((0, 3, 4, 5), (0, 6, 7, 2)),
        ((2, 0, 4, 5), (2, 6, 7, 2)),
        ((2, 3, 4, 5), (2, 0, 7, 2)),
    ]:
        xs = np.ones(x)
        gs = np.zeros(g)
        check_against_torch(
            lambda a, b: F.grid_sample(a, b, align_corners=False),
            lambda a, b: TF.grid_sample(a, b, align_corners=False),
            [xs, gs],
            np.float64,
        )
