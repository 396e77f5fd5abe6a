"""The package's layers: each step imports only the steps before it, and no modules import each other.

Every import counts, also one inside a function (it is a dependency all the same, only a later one).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "graphbuild"
# Lowest first: a module may import its own layer and the layers before it, never one after it.
LAYERS = [
    ("errors",),
    ("util",),
    ("ingest",),  # posts (files) -> Document
    ("nlp",),  # Document -> spaCy Doc -> extraction records
    ("graph",),  # records -> RDF store, NetworkX view
    ("query",),  # reading a built graph
    ("outputs",),  # the map, exports, charts, publishing
    ("build",),  # runs the steps
    ("cli", "__main__", "__init__"),  # the command and the package's front door
]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module name -> the modules of the same package it imports (the package folder `root`)."""
    package = root.name
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[:len(here) - node.level + 1] if node.level else []
                stem = ".".join(base + ([node.module] if node.module else []))
                submodules = [f"{stem}.{alias.name}" for alias in node.names if f"{stem}.{alias.name}" in modules]
                targets = submodules or [stem]  # `from package import module`: the module
            else:
                continue
            for target in targets:
                if target.split(".")[0] != package:
                    continue
                while target not in modules and "." in target:  # `from x import name`: the module x
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def layer_of(module: str, layers: list[tuple[str, ...]]) -> int:
    """The index of the layer of `module` ("graphbuild.nlp.talks" is in "nlp"); the package itself is `__init__`."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for i, names in enumerate(layers):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer; add {top!r} to LAYERS")


def upward_imports(graph: dict[str, set[str]], layers: list[tuple[str, ...]]) -> list[str]:
    """Each import of a later layer by an earlier one, as "importer -> imported"."""
    return sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                  if layer_of(t, layers) > layer_of(m, layers))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's strongly
    connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_step_imports_a_later_step():
    assert upward_imports(import_graph(PACKAGE), LAYERS) == []


def test_no_modules_import_each_other():
    assert cycles(import_graph(PACKAGE)) == []


def test_every_entry_of_the_package_has_a_layer():
    entries = {p.stem for p in PACKAGE.iterdir() if p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir())}
    assert entries <= {name for layer in LAYERS for name in layer}


def test_the_checks_catch_a_planted_cycle_and_an_upward_import(tmp_path):
    """A synthetic package: `low` imports `high` (upward), and two modules of `high` import each other."""
    root = tmp_path / "planted"
    (root / "low").mkdir(parents=True)
    (root / "high").mkdir()
    for init in (root / "__init__.py", root / "low" / "__init__.py", root / "high" / "__init__.py"):
        init.write_text("", encoding="utf-8")
    (root / "low" / "base.py").write_text("def f():\n    from planted.high import top  # a lazy import counts\n",
                                          encoding="utf-8")
    (root / "high" / "top.py").write_text("from . import side\nfrom planted.low.base import f\n", encoding="utf-8")
    (root / "high" / "side.py").write_text("from planted.high.top import *\n", encoding="utf-8")
    graph = import_graph(root)
    assert graph["planted.high.top"] == {"planted.high.side", "planted.low.base"}
    layers = [("low",), ("high",), ("__init__",)]
    assert upward_imports(graph, layers) == ["planted.low.base -> planted.high.top"]
    assert cycles(graph) == [["planted.high.side", "planted.high.top", "planted.low.base"]]
    (root / "low" / "base.py").write_text("X = 1\n", encoding="utf-8")
    assert cycles(import_graph(root)) == [["planted.high.side", "planted.high.top"]]
    assert upward_imports(import_graph(root), layers) == []
