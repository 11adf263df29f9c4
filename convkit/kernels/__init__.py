"""Array math only: NumPy arrays in, NumPy arrays out. No Tensor, no autograd.

The one place for speed work. Each fast kernel has a short, obviously correct reference beside it
(in ``kernels/reference.py``) that the tests compare against.
"""
