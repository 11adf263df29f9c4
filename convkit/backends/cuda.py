"""``convkit.backends.cuda``: CUDA's switches, absent as on torch's CPU build."""

from __future__ import annotations


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    return False


__all__ = ["is_built", "matmul"]
