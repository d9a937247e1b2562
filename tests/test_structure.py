"""The package's structure: no import cycle, the dependency rules, no oversized module.

The import graph is read from the source with :mod:`ast`: every ``import`` of a
circuitspin module anywhere in a file counts, the ones inside functions too (a lazy
import is still a dependency).  Edges into a package's ``__init__`` (``from . import
__version__``, ``from .solvers import solve``) count as edges to that ``__init__``
module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PKG = Path(__file__).resolve().parent.parent / "circuitspin"
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = ["circuitspin", *path.relative_to(PKG).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _resolve(name: str, mods) -> str | None:
    """The module that ``import name`` loads (a package's __init__, or a module)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # "from . import x" imports submodule x when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                           for a in node.names]
            for t in targets:
                if t.startswith("circuitspin"):
                    target = _resolve(t, mods)
                    if target and target != mod:
                        g.add_edge(mod, target)
    return g


def _reaches(g, a, b) -> bool:
    return any(n == b or n.startswith(b + ".") for n in nx.descendants(g, a))


def test_no_import_cycle():
    g = import_graph()
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("module, forbidden", [
    ("circuitspin.diffusion", "circuitspin.network"),
    ("circuitspin.diffusion", "circuitspin.solvers"),
    ("circuitspin.geometry", "circuitspin.network"),
    ("circuitspin.reader", "circuitspin.network"),
    ("circuitspin.network", "circuitspin.solvers"),
    ("circuitspin.solvers.nodal", "circuitspin.solvers.spice"),
])
def test_dependency_rule(module, forbidden):
    """The closed form stays independent of the circuit; the model of the network."""
    assert not _reaches(import_graph(), module, forbidden)


def test_nothing_below_imports_plot_or_cli():
    g = import_graph()
    above = ("circuitspin.cli", "circuitspin.commands", "circuitspin.__main__",
             "circuitspin.plot")
    for a, b in g.edges:
        if b == "circuitspin.cli" or b.startswith("circuitspin.cli."):
            assert a == "circuitspin.__main__", f"{a} imports {b}"
        if b == "circuitspin.plot" or b.startswith("circuitspin.plot."):
            assert a.startswith(above), f"{a} imports {b}"


def test_no_module_over_700_lines():
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long
