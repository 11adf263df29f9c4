"""Spatial transformer primitives: the affine grid generator and the grid sampler.

- affine_grid ``grid[n] = base @ theta[n]^T``: linear in theta, so ``d theta[n] = g[n]^T @ base``.
- grid_sample: linear in the input (the adjoint scatters the gradient back through the taps);
  in the grid, the derivative of each tap weight (kernels/grid_sample.py).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..kernels import grid_sample as kgrid


class AffineGrid(Function):
    """theta (N, d, d + 1) -> grid (N, *spatial, d)."""

    grad_fn_name = "AffineGridGeneratorBackward0"

    @staticmethod
    def forward(ctx, theta, spatial, align_corners):
        base = kgrid.affine_base(spatial, align_corners, theta.dtype.type)  # (P, d + 1)
        ctx.base = base
        n, d = theta.shape[0], theta.shape[1]
        out = np.matmul(base[None], theta.transpose(0, 2, 1))  # (N, P, d)
        return out.reshape(n, *spatial, d)

    @staticmethod
    def backward(ctx, g):
        base = ctx.base
        g3 = g.reshape(g.shape[0], base.shape[0], g.shape[-1])  # (N, P, d)
        return np.matmul(g3.transpose(0, 2, 1), base[None]), None, None  # (N, d, d + 1)


class GridSampler(Function):
    """input (N, C, *S), grid (N, *O, d) -> (N, C, *O)."""

    grad_fn_name = "GridSampler{d}DBackward0"

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners):
        ctx.save_for_backward(x, grid)
        ctx.conf = (mode, padding_mode, align_corners)
        return kgrid.grid_sample_forward(x, grid, mode, padding_mode, align_corners)

    @staticmethod
    def backward(ctx, g):
        x, grid = ctx.saved_tensors
        need_x, need_grid = ctx.needs_input_grad[:2]
        gx, ggrid = kgrid.grid_sample_backward(
            x, grid, g, *ctx.conf, need_input=need_x, need_grid=need_grid
        )
        return gx, ggrid, None, None, None
