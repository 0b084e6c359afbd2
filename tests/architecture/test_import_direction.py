"""Dependencies run one way: contract (+ specs data) <- mocks <- harness.

The contract imports nothing of ours but the ``specs`` data package; nothing under ``mocks/`` (the
reference target included) imports ``harness``. Checked by walking every module's imports (including
imports inside functions), so a lazy import cannot hide a back edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: package -> top-level packages of ours it must never import
FORBIDDEN: dict[str, set[str]] = {
    "contract": {"harness", "mocks"},
    "specs": {"harness", "mocks"},
    "mocks": {"harness"},
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
