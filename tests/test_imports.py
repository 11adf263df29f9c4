"""The import graph of convkit, read from the source with ``ast``: no circle through the modules
that read weights, train, predict or run the command line (imports inside functions count too)."""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKED = (
    "convkit.weights",
    "convkit.training",
    "convkit.models",
    "convkit.predict",
    "convkit.cli",
    "convkit.commands",
    "convkit.commandline",
    "convkit.io",
    "convkit.data",
)


def modules() -> dict[str, str]:
    found = {}
    for folder, _, files in os.walk(os.path.join(ROOT, "convkit")):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """module -> the convkit modules it imports (``from . import x`` names the submodule x)."""
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [{"a", "b", "c"}]


def test_no_import_circle_through_weights_training_models_or_the_cli():
    graph = import_graph()
    assert "convkit.weights" in graph["convkit.training"]
    assert "convkit.models" in graph["convkit.weights"]
    assert "convkit.training" not in graph["convkit.models"]
    for component in cycles(graph):
        involved = sorted(m for m in component if m.startswith(CHECKED))
        assert not involved, f"import circle {sorted(component)} through {involved}"


def test_no_import_circle_anywhere_in_the_package():
    graph = import_graph()
    assert not cycles(graph), f"import circles: {[sorted(c) for c in cycles(graph)]}"


def test_the_layers_point_one_way():
    """The layers of docs/ARCHITECTURE.md: shapes and kernels import no convkit module above
    them; autograd never imports tensor (the Tensor registers itself); random draws below it."""
    graph = import_graph()
    below_tensor = ("convkit.shapes", "convkit.kernels", "convkit.autograd", "convkit.random")
    for module, targets in graph.items():
        if module.startswith(below_tensor):
            assert "convkit.tensor" not in targets, f"{module} imports convkit.tensor"
        if module.startswith(("convkit.shapes", "convkit.kernels")):
            above = sorted(
                t for t in targets if not t.startswith(("convkit.shapes", "convkit.kernels"))
            )
            assert not above, f"{module} imports {above}"


def test_import_convkit_stays_light():
    """``import convkit`` loads NumPy only: no explainer, no Pillow/matplotlib/tqdm/mpi4py, no
    numba (convkit[fast] imports it on the first kernel call that uses it)."""
    code = (
        "import sys, convkit; heavy = ('convkit.explain', 'PIL', 'matplotlib', 'tqdm', "
        "'mpi4py', 'torch', 'IPython', 'numba', 'llvmlite', 'convkit.kernels.numba_kernels'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or "
        "m.startswith('convkit.explain')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
