"""Coverage of torch.nn by convkit.nn: which modules and functional functions convkit has.

The lists are torch's own: ``torch.nn.modules.__all__`` and the public functions of
``torch.nn.functional`` (callables that are not classes or torch's dispatch helpers). Each name
convkit lacks is listed with the reason it is not planned, or as missing. Run from the project
root (torch, the tests' oracle, must be installed):

    python tools/nn_coverage.py            # Markdown tables
    python tools/nn_coverage.py --missing  # only what convkit lacks
"""

from __future__ import annotations

import argparse
import inspect
import sys

import torch
import torch.nn.functional as TF

import convkit.nn as nn
import convkit.nn.functional as F

_SEQUENCE = "sequence models (RNN/attention/embedding), outside CNN work"
_POOLING = "pooling family (nn/pooling.py, kept by the pooling owner)"
NOT_PLANNED = {
    # modules
    "AdaptiveLogSoftmaxWithLoss": "language-model output layer, outside CNN work",
    "CTCLoss": "sequence loss, outside CNN work (issue 9: not needed)",
    "Container": "deprecated since torch 0.4",
    "CrossMapLRN2d": "legacy Lua-torch LRN with its own running-sum window; LocalResponseNorm",
    "Embedding": _SEQUENCE,
    "EmbeddingBag": _SEQUENCE,
    "FractionalMaxPool2d": _POOLING,
    "FractionalMaxPool3d": _POOLING,
    "LPPool3d": _POOLING,
    "GRU": _SEQUENCE,
    "GRUCell": _SEQUENCE,
    "LSTM": _SEQUENCE,
    "LSTMCell": _SEQUENCE,
    "RNN": _SEQUENCE,
    "RNNBase": _SEQUENCE,
    "RNNCell": _SEQUENCE,
    "RNNCellBase": _SEQUENCE,
    "MultiheadAttention": _SEQUENCE,
    "Transformer": _SEQUENCE,
    "TransformerDecoder": _SEQUENCE,
    "TransformerDecoderLayer": _SEQUENCE,
    "TransformerEncoder": _SEQUENCE,
    "TransformerEncoderLayer": _SEQUENCE,
    "LinearCrossEntropyLoss": "fused linear + cross-entropy for large vocabularies",
    "LinearCrossEntropyOptions": "options of LinearCrossEntropyLoss",
    "SyncBatchNorm": "multi-process GPU batch norm; convkit is single-process CPU",
    # functional
    "ctc_loss": "sequence loss, outside CNN work",
    "conv_tbc": "legacy time-batch-channel convolution for sequence models",
    "embedding": _SEQUENCE,
    "embedding_bag": _SEQUENCE,
    "multi_head_attention_forward": _SEQUENCE,
    "scaled_dot_product_attention": _SEQUENCE,
    "grouped_mm": "low-precision grouped GEMM for GPUs",
    "scaled_grouped_mm": "low-precision grouped GEMM for GPUs",
    "scaled_mm": "low-precision GEMM for GPUs",
    "linear_cross_entropy": "fused linear + cross-entropy for large vocabularies",
    "fractional_max_pool2d": _POOLING,
    "fractional_max_pool2d_with_indices": _POOLING,
    "fractional_max_pool3d": _POOLING,
    "fractional_max_pool3d_with_indices": _POOLING,
    "lp_pool3d": _POOLING,
    "adaptive_max_pool1d_with_indices": _POOLING,
    "adaptive_max_pool2d_with_indices": _POOLING,
    "adaptive_max_pool3d_with_indices": _POOLING,
    "max_pool1d_with_indices": _POOLING,
    "max_pool2d_with_indices": _POOLING,
    "max_pool3d_with_indices": _POOLING,
    "gumbel_softmax": "needs exponential_ draws from torch's stream (random streams owner)",
    "assert_int_or_pair": "torch-internal argument check",
}
_NOT_TORCH = ("typing", "collections.abc", "builtins")  # type names F imports
_DISPATCH_HELPERS = {
    "boolean_dispatch",
    "handle_torch_function",
    "has_torch_function",
    "has_torch_function_unary",
    "has_torch_function_variadic",
}


def torch_modules() -> list[str]:
    return sorted(torch.nn.modules.__all__, key=str.lower)


def torch_functions() -> list[str]:
    names = []
    for name in dir(TF):
        obj = getattr(TF, name)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj):
            continue
        if name in _DISPATCH_HELPERS or getattr(obj, "__module__", "") in _NOT_TORCH:
            continue
        names.append(name)
    return sorted(names, key=str.lower)


def status(name: str, namespace) -> str:
    if hasattr(namespace, name):
        return "have"
    if name in NOT_PLANNED:
        return "not planned: " + NOT_PLANNED[name]
    return "MISSING"


def table(title: str, names: list[str], namespace, only_missing: bool) -> tuple[str, int, int]:
    rows = [(n, status(n, namespace)) for n in names]
    have = sum(s == "have" for _, s in rows)
    planned_out = sum(s.startswith("not planned") for _, s in rows)
    missing = len(rows) - have - planned_out
    heading = f"### {title}: {have} of {len(rows)} ({planned_out} not planned, {missing} missing)"
    lines = [heading, "", "| torch | convkit |", "|---|---|"]
    lines += [f"| {n} | {s} |" for n, s in rows if not (only_missing and s == "have")]
    return "\n".join(lines), have, len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="list only what convkit lacks")
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}\n")
    for title, names, ns in (
        ("torch.nn modules (torch.nn.modules.__all__)", torch_modules(), nn),
        ("torch.nn.functional functions", torch_functions(), F),
    ):
        text, _, _ = table(title, names, ns, args.missing)
        print(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
