"""Dependencies run one way: contract (+ specs data) <- mocks <- harness.

The contract imports nothing of ours but the ``specs`` data package; nothing under ``mocks/`` (the
reference target included) imports ``harness``; the build-time OpenAPI generator ``specgen`` reads only
``contract`` and ``specs``, and nothing that runs imports it. Checked by walking every module's imports
(including imports inside functions), so a lazy import cannot hide a back edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: package -> top-level packages of ours it must never import
FORBIDDEN: dict[str, set[str]] = {
    "contract": {"harness", "mocks", "specgen"},
    "specs": {"harness", "mocks", "specgen"},
    "specgen": {"harness", "mocks"},
    "mocks": {"harness", "specgen"},
    "harness": {"specgen"},
}


def _imported_top_levels(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_a_higher_layer(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, line in sorted(_imported_top_levels(path))
        if name in FORBIDDEN[package]
    ]
    assert not offenders, "imports against the layering:\n" + "\n".join(offenders)


def test_the_walker_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from harness.runner import run\n    return run\n", encoding="utf-8")
    assert ("harness", 2) in _imported_top_levels(module)


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _edges(path: Path, modules: set[str]) -> set[str]:
    """The modules of ours ``path`` imports (lazy imports included; ``from a.b import c`` is ``a.b.c`` when that
    is a module, else ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module)
    return found


def test_no_import_circles() -> None:
    """Issue 22: no two modules of ours import each other, directly or round a loop (lazy imports included)."""
    paths = {_module_of(p): p for package in FORBIDDEN | {"harness": set()} for p in (ROOT / package).rglob("*.py")}
    modules = set(paths)
    graph = {name: _edges(path, modules) - {name} for name, path in paths.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert circles == [], f"import circles: {circles}"
