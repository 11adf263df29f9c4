"""Coverage of torch.optim in convkit.optim, computed from torch's own name lists.

    python tools/optim_coverage.py        # prints the Markdown table

Every public name of ``torch.optim``, ``torch.optim.optimizer``, ``torch.optim.lr_scheduler`` and
``torch.optim.swa_utils`` (their ``__all__``) is looked up in the matching convkit module:
"have", or "not planned" with the reason from NOT_PLANNED. tests/optim/test_coverage.py fails
when a torch name is neither. torch is needed to run this (it is the tests' oracle, not a convkit
dependency).
"""

from __future__ import annotations

import importlib

MODULES = [
    ("torch.optim", "convkit.optim"),
    ("torch.optim.optimizer", "convkit.optim.optimizer"),
    ("torch.optim.lr_scheduler", "convkit.optim.lr_scheduler"),
    ("torch.optim.swa_utils", "convkit.optim.swa_utils"),
]

NOT_PLANNED = {
    "torch.optim.SparseAdam": "updates only the rows a sparse gradient touches; convkit has no "
    "sparse tensors (nn.Embedding(sparse=True) is torch's only producer of them)",
    "torch.optim.swap_in_optimizer_params_and_state": "swaps functional (torch.func) parameters "
    "and state into an optimizer; convkit has no torch.func",
}


def rows() -> list[tuple[str, str, str]]:
    """(torch name, status, note) for every name in torch's lists."""
    out = []
    for torch_name, ck_name in MODULES:
        torch_module = importlib.import_module(torch_name)
        ck_module = importlib.import_module(ck_name)
        for name in torch_module.__all__:
            full = f"{torch_name}.{name}"
            if hasattr(ck_module, name):
                out.append((full, "have", ""))
            else:
                out.append((full, "not planned", NOT_PLANNED.get(full, "MISSING: no reason given")))
    return out


def main() -> None:
    table = rows()
    print("| torch name | convkit | note |")
    print("|---|---|---|")
    for name, status, note in table:
        print(f"| `{name}` | {status} | {note} |")
    have = sum(status == "have" for _, status, _ in table)
    print(f"\n{have} of {len(table)} names in torch's lists are in convkit.")


if __name__ == "__main__":
    main()
