"""``convkit.backends``: torch.backends' switches as torch 2.13 has them on a CPU-only build.

convkit computes with NumPy; ``cudnn``, ``cuda`` and ``mps`` report that they are absent and
keep the flags that code written for torch sets (``cudnn.benchmark = True``, ...), which change
nothing here. ``fast`` (convkit's own) switches the optional numba kernels of convkit[fast].
"""

from . import cuda, cudnn, fast, mps

__all__ = ["cuda", "cudnn", "fast", "mps"]
