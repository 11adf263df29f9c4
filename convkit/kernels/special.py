"""Special functions NumPy lacks: erf, erfc and erfinv, vectorised, in float64 internally;
torch's float32 erf; GELU and its derivative in torch's formulas.

erf: a Taylor expansion about the nearest of the centres ``c = k/8``, k = 0..48 (erf(x) rounds to
+-1 in float64 beyond 6), with ``|x - c| <= 1/16``. The derivatives come from
``erf^(n+1)(c) = 2/sqrt(pi) (-1)^n H_n(c) exp(-c^2)`` (H_n the physicists' Hermite polynomials,
``H_(n+1) = 2c H_n - 2n H_(n-1)``); the values ``erf(c)`` from ``math.erf``. 16 terms leave a
truncation error under 1e-17 at every centre (the n-th term is about
``(2c/16)^n / n! * exp(-c^2)``, or ``(1/16)^n / n!`` near 0). One table gather per term and a
Horner step: about 50 array passes, against the 120 of a series or continued fraction.
erfc: |x| >= 2 by the continued fraction
``exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))``, 40 levels deep, which keeps
full relative precision far into the tail (erfc(10) = 2.09e-45); below 2 as ``1 - erf(x)``
(erfc >= 0.0047 there, so the absolute error 1e-16 stays 2e-14 relative).
erfinv: Giles's single-precision polynomial ("Approximating the erfinv function", GPU Computing
Gems, 2011) refined by four Newton steps on erf (or on log erfc for |x| >= 0.5, where ``1 - |x|`` is
exact), each of which squares the relative error: 1e-7 -> 1e-14 -> double precision.

``erf_float32``: the approximation torch's AVX2/AVX-512 float32 kernels use for
``Vectorized<float>::erf`` (Abramowitz & Stegun 7.1.26, absolute error under 1.5e-7):
``sign(x) (1 - t (p1 + t (p2 + t (p3 + t (p4 + t p5)))) exp(-x^2))``, ``t = 1 / (1 + p|x|)``,
with torch's fused multiply-adds, in float32, so float32 GELU rounds as torch's does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from . import parallel as par
from .fma import fma

Array = npt.NDArray[Any]

_SQRT_PI = math.sqrt(math.pi)


_STEP = 8  # centres per unit
_LAST = 48  # erf(48 / 8) = erf(6) is 1 in float64
_TERMS = 16


def _taylor_table() -> NDArray[np.float64]:
    """(_TERMS + 1, _LAST + 1): row n holds erf^(n)(c) / n! at every centre c."""
    c = np.arange(_LAST + 1) / _STEP
    table = np.empty((_TERMS + 1, c.size))
    table[0] = [math.erf(v) for v in c]
    scale = 2 / math.sqrt(math.pi) * np.exp(-c * c)
    h_prev, h = np.zeros_like(c), np.ones_like(c)  # H_(-1) (unused), H_0
    fact = 1.0
    for n in range(1, _TERMS + 1):
        fact *= n
        table[n] = (-1) ** (n - 1) * h * scale / fact  # erf^(n) = 2/sqrt(pi) (-1)^(n-1) H_(n-1)
        h_prev, h = h, 2 * c * h - 2 * (n - 1) * h_prev
    return table


_TABLE = _taylor_table()


def erf(x: Any) -> Array:
    """The error function in float64 (to about 1 ulp), returned in x's dtype."""
    x64 = np.asarray(x, dtype=np.float64)
    top = _LAST / _STEP
    a = np.minimum(np.abs(x64), top)  # erf is +-1 beyond; NaN stays NaN
    idx = (np.fmin(a, top) * _STEP + 0.5).astype(np.intp)  # nearest centre (NaN: the last)
    dx = a - idx / _STEP  # NaN carries through to the result
    acc = np.take(_TABLE[_TERMS], idx)
    for n in range(_TERMS - 1, -1, -1):
        acc *= dx
        acc += np.take(_TABLE[n], idx)
    out: NDArray[np.floating] = np.copysign(acc, x64).astype(np.result_type(x), copy=False)
    return out


def _erfc_fraction(x: Array) -> Array:
    """erfc(x) for x >= 2."""
    frac = np.zeros_like(x)
    for k in range(40, 0, -1):
        frac = (k / 2) / (x + frac)
    with np.errstate(over="ignore", under="ignore"):
        out: Array = np.exp(-x * x) / _SQRT_PI / (x + frac)
    return out


def erfc(x: Any) -> Array:
    """The complementary error function ``1 - erf(x)``, with full relative precision for large x."""
    x64 = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x64)
    ax = np.abs(x64)
    small = ax < 2.0
    out[small] = 1 - erf(x64[small])
    tail = _erfc_fraction(ax[~small])
    out[~small] = np.where(x64[~small] > 0, tail, 2 - tail)
    out[np.isnan(x64)] = np.nan
    return out.astype(np.result_type(x), copy=False)


def _giles(x: Array) -> Array:
    """Giles's approximation of erfinv(x) for |x| < 1 (relative error about 1e-7)."""
    w = -np.log((1 - x) * (1 + x))
    central = w < 5
    wc = w - 2.5
    p = np.full_like(x, 2.81022636e-08)
    for c in (
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ):
        p = c + p * wc
    wt = np.sqrt(w) - 3
    q = np.full_like(x, -0.000200214257)
    for c in (
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ):
        q = c + q * wt
    out: Array = np.where(central, p, q) * x
    return out


def erfinv(x: Any) -> Array:
    """The inverse error function on [-1, 1] (±inf at ±1, NaN outside), in x's dtype."""
    x64 = np.asarray(x, dtype=np.float64)
    ax = np.abs(x64)
    inside = ax < 1
    a = ax[inside]
    with np.errstate(all="ignore"):
        y = _giles(a)
        near_one = a >= 0.5
        one_minus = 1 - a  # exact for a >= 0.5 (Sterbenz)
        for _ in range(4):
            slope = (2 / _SQRT_PI) * np.exp(-y * y)
            # In the tail erfc(y) ~ exp(-y^2): Newton on its logarithm, which is almost
            # quadratic in y, converges where Newton on erfc itself overshoots.
            tail = erfc(y)
            step = np.where(
                near_one,
                (np.log(tail) - np.log(one_minus)) * tail / -slope,
                (erf(y) - a) / slope,
            )
            y = y - step
    out = np.full_like(x64, np.nan)
    out[inside] = np.sign(x64[inside]) * y
    out[ax == 1] = np.sign(x64[ax == 1]) * np.inf
    return out.astype(np.result_type(x), copy=False)


_AS_P = np.float32(0.3275911)
_AS_COEFFS = [np.float32(v) for v in (1.061405429, -1.453152027, 1.421413741, -0.284496736)]
_AS_P1 = np.float32(0.254829592)


def erf_float32(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """torch's vectorised float32 erf (see the module docstring), elementwise."""
    f32 = np.float32
    t = f32(1) / fma(x.dtype.type(_AS_P), np.abs(x), f32(1))  # type: ignore[arg-type]
    r = fma(x.dtype.type(_AS_COEFFS[0]), t, _AS_COEFFS[1])  # type: ignore[arg-type]
    for coeff in (*_AS_COEFFS[2:], _AS_P1):
        r = fma(r, t, coeff)  # type: ignore[arg-type]
    # NumPy's float32 exp: within an ulp of Sleef's (torch's), four times faster than rounding
    # the float64 exp
    e = np.exp(-(x * x))
    out: NDArray[np.float32] = np.copysign(fma(-e * t, r, f32(1)), x)  # type: ignore[arg-type]
    return out


# ----------------------------------------------------------------------------------------------
# GELU, evaluated in cache-sized blocks
# ----------------------------------------------------------------------------------------------

#: Elements per block: the dozens of elementwise passes of one block stay in the L2 cache.
BLOCK = 1 << 14

_SQRT1_2 = math.sqrt(0.5)
_TANH_BETA = math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5  # sqrt(2 / pi)
_TANH_KAPPA = 0.044715
_PDF_ALPHA = (2 / math.sqrt(math.pi)) * _SQRT1_2 * 0.5  # 1 / sqrt(2 pi)


def _blockwise(
    fn: Callable[..., NDArray[np.floating]], *arrays: NDArray[np.floating]
) -> NDArray[np.floating]:
    """``fn(*arrays)`` (elementwise, same-shape arrays) computed block by block, the blocks
    dealt to the kernel threads."""
    flats = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty(arrays[0].shape, dtype=arrays[0].dtype)
    out_flat = out.reshape(-1)
    blocks = par.split(out_flat.size, -(-out_flat.size // BLOCK))

    def work(part: list[slice]) -> None:
        for sl in part:
            out_flat[sl] = fn(*(f[sl] for f in flats))

    par.run_parts(work, par.deal(blocks, par.get_num_threads()), uses_blas=False)
    return out


def _erf_like_torch(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """torch's vectorised erf for z's dtype: the float32 approximation, else an accurate one."""
    return erf_float32(z) if z.dtype == np.float32 else erf(z)


def _gelu(x: NDArray[np.floating], tanh: bool) -> NDArray[np.floating]:
    t = x.dtype.type
    if tanh:  # torch: 0.5 x (1 + tanh(beta (x + kappa x^3)))
        inner = t(_TANH_BETA) * (x + t(_TANH_KAPPA) * (x * x * x))
        out: NDArray[np.floating] = t(0.5) * x * (t(1) + np.tanh(inner))
    else:
        out = x * t(0.5) * (t(1) + _erf_like_torch(x * t(_SQRT1_2)))
    return out


def _gelu_backward(
    g: NDArray[np.floating], x: NDArray[np.floating], tanh: bool
) -> NDArray[np.floating]:
    t = x.dtype.type
    if tanh:  # d/dx [0.5 x (1 + th)] = 0.5 (1 + th) + 0.5 x (1 - th^2) beta (1 + 3 kappa x^2)
        x_sq = x * x
        th = np.tanh(t(_TANH_BETA) * (x + t(_TANH_KAPPA) * (x_sq * x)))
        right = t(1) + th
        d_right = (t(1) - th * th) * t(_TANH_BETA) * (t(1) + t(3 * _TANH_KAPPA) * x_sq)
        out: NDArray[np.floating] = g * (t(0.5) * x * d_right + t(0.5) * right)
    else:  # d/dx x Phi(x) = Phi(x) + x phi(x)
        cdf = t(0.5) * (t(1) + _erf_like_torch(x * t(_SQRT1_2)))
        pdf = t(_PDF_ALPHA) * np.exp(x * x * t(-0.5))
        out = g * (cdf + x * pdf)
    return out


def gelu(x: NDArray[np.floating], approximate: str) -> NDArray[np.floating]:
    """GELU with torch's formula for ``approximate`` ('none' or 'tanh'), in x's dtype."""
    if x.dtype.kind != "f" or x.dtype == np.float16:
        return _gelu(x.astype(np.float64), approximate == "tanh").astype(x.dtype)
    return _blockwise(lambda a: _gelu(a, approximate == "tanh"), x)


def gelu_backward(
    g: NDArray[np.floating], x: NDArray[np.floating], approximate: str
) -> NDArray[np.floating]:
    """The gradient of ``gelu`` at x times g."""
    if x.dtype.kind != "f" or x.dtype == np.float16:
        d = _gelu_backward(g.astype(np.float64), x.astype(np.float64), approximate == "tanh")
        return d.astype(g.dtype)
    g, x = np.broadcast_arrays(g, x)
    return _blockwise(lambda gb, xb: _gelu_backward(gb, xb, approximate == "tanh"), g, x)
