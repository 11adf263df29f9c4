"""Array math only: NumPy arrays in, NumPy arrays out. No Tensor, no autograd.

The one place for speed work. Each fast kernel has a short, obviously correct reference beside it
(``conv_ref.py``, ``pool_ref.py``, ``pad_ref.py``) that the tests compare against. Threads, BLAS
pinning and scratch buffers live in ``parallel.py``, the sliding-window slices in ``windows.py``.
"""
