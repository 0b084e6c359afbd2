"""Test modules have unique basenames: the suite runs in pytest's default ``rootdir`` import mode without
packages, where two ``test_x.py`` in different folders make collection fail on a fresh clone (once with
``tests/mocks_core/test_keepalive.py`` and ``tests/reference_upstream/test_keepalive.py``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_test_module_basenames_are_unique() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not clashes, f"test modules sharing a basename (rename one): {clashes}"
