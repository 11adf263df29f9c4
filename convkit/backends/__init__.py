"""``convkit.backends``: torch.backends' switches as torch 2.13 has them on a CPU-only build.

convkit has one backend (NumPy); ``cudnn``, ``cuda`` and ``mps`` report that they are absent and
keep the flags that code written for torch sets (``cudnn.benchmark = True``, ...), which change
nothing here.
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
