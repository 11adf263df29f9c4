"""Convolution primitives: conv, transposed conv, unfold, fold.

All four run on one engine (``kernels/conv.py``). The derivatives, each from the adjoint of a
linear map (docs/ARCHITECTURE.md traces one conv through them):

- conv ``y = W * x``: ``dx`` is the conv input gradient (a transposed conv of g with W),
  ``dW`` the conv weight gradient (a conv of x with g), ``db = sum of g over N and space``.
- transposed conv is, by definition, the conv input gradient applied to x; the adjoint of that
  w.r.t. x is the conv forward of g, and w.r.t. W it is the conv weight gradient with the roles
  of input and output swapped (g plays the conv input, x the conv output gradient).
- unfold and fold are each other's adjoints.

Arguments arrive canonical from ``nn.functional``: tuples of ints, ``pads`` as (before, after)
pairs, ``groups`` an int.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..kernels import conv as kconv


def _bias_view(b: np.ndarray, nsp: int) -> np.ndarray:
    return b.reshape((1, -1) + (1,) * nsp)  # (1, C_out, 1, ...)


def _bias_grad(g: np.ndarray) -> np.ndarray:
    return g.sum(axis=(0,) + tuple(range(2, g.ndim)))  # (C_out,)


class ConvNd(Function):
    """``conv(x, w, b)``: x ``(N, C_in, *S)``, w ``(C_out, C_in/G, *K)``, b ``(C_out,)`` or None."""

    grad_fn_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, pads, stride, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.conf = (pads, stride, dilation, groups)
        return kconv.conv_forward(x, w, pads, stride, dilation, groups, bias=b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        pads, stride, dilation, groups = ctx.conf
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = None
        if need_x or need_w:
            gx, gw = kconv.conv_backward(
                x, w, g, pads, stride, dilation, groups, need_input=need_x, need_weight=need_w
            )
        gb = _bias_grad(g) if need_b else None
        return gx, gw, gb, None, None, None, None


class ConvTransposeNd(Function):
    """``conv_transpose(x, w, b)``: x ``(N, C_in, *S)``, w ``(C_in, C_out/G, *K)``; the output
    ``(N, C_out, *out_spatial)`` is the conv input gradient of x, ``padding`` cropped off both
    ends (output_padding is already in ``out_spatial``)."""

    grad_fn_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, padding, out_spatial, stride, dilation, groups):
        pads = tuple((p, p) for p in padding)
        ctx.save_for_backward(x, w)
        ctx.conf = (pads, stride, dilation, groups)
        out = kconv.conv_input_grad(x, w, out_spatial, pads, stride, dilation, groups)
        if b is not None:
            out += _bias_view(b, x.ndim - 2)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        pads, stride, dilation, groups = ctx.conf
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = None
        if need_x:
            gx = kconv.conv_forward(g, w, pads, stride, dilation, groups, out_shape=x.shape[2:])
        if need_w:
            gw = kconv.conv_weight_grad(g, x, w.shape[2:], pads, stride, dilation, groups)
        gb = _bias_grad(g) if need_b else None
        return gx, gw, gb, None, None, None, None, None


class Unfold(Function):
    """im2col: ``(N, C, *S)`` -> ``(N, C*prod(K), L)`` in torch's row order."""

    grad_fn_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, kernel, pads, stride, dilation):
        ctx.conf = (x.shape[2:], kernel, pads, stride, dilation)
        return kconv.unfold(x, kernel, pads, stride, dilation)

    @staticmethod
    def backward(ctx, g):
        spatial, kernel, pads, stride, dilation = ctx.conf
        return kconv.fold(g, spatial, kernel, pads, stride, dilation), None, None, None, None


class Fold(Function):
    """col2im: ``(N, C*prod(K), L)`` -> ``(N, C, *output_size)``, overlaps summed."""

    grad_fn_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, output_size, kernel, pads, stride, dilation):
        ctx.conf = (kernel, pads, stride, dilation)
        return kconv.fold(cols, output_size, kernel, pads, stride, dilation)

    @staticmethod
    def backward(ctx, g):
        kernel, pads, stride, dilation = ctx.conf
        return kconv.unfold(g, kernel, pads, stride, dilation), None, None, None, None, None
