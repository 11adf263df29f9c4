"""tools/tensor_coverage.py: every Tensor method and torch.* function torch has is either in
convkit, or classified (missing with a note, not planned with a reason), and no "not planned"
entry names something convkit has."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "tensor_coverage.py"


def load():
    spec = importlib.util.spec_from_file_location("tensor_coverage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_torch_name_is_present_or_classified():
    coverage = load()
    table = coverage.rows()
    unclassified = [(group, name) for group, name, status, _ in table if status == "unclassified"]
    assert not unclassified, unclassified


def test_not_planned_entries_are_not_stale_and_have_reasons():
    import convkit

    coverage = load()
    have = {name for _, name, status, _ in coverage.rows() if status == "have"}
    stale = sorted(set(coverage.NOT_PLANNED) & have)
    assert not stale, f"convkit has these now; drop them from NOT_PLANNED: {stale}"
    torch_names = set(coverage.torch_tensor_names()) | set(coverage.torch_function_names())
    unknown = sorted((set(coverage.NOT_PLANNED) | set(coverage.MISSING)) - torch_names)
    assert not unknown, f"torch has no such names: {unknown}"
    for groups in (coverage.NOT_PLANNED_GROUPS, coverage.MISSING_GROUPS):
        for reason, names in groups.items():
            assert len(reason) > 20 and names
    overlap = set(coverage.NOT_PLANNED) & set(coverage.MISSING)
    assert not overlap, overlap
    assert hasattr(convkit.Tensor, "cumsum") and hasattr(convkit, "einsum")


def test_counts_add_up():
    coverage = load()
    table = coverage.rows()
    c = coverage.counts(table)
    assert set(c) == {"Tensor methods", "torch.* functions"}
    for group, numbers in c.items():
        assert sum(numbers.values()) == sum(1 for row in table if row[0] == group)
