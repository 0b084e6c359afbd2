"""Fixtures shared by every test layer.

``test_data`` reads a JSON file of ``tests/data/``: facts taken from Elastic's OpenAPI documents and from
provider test vectors, with their public origin in each file's ``source`` field (see
``tests/data/README.md``). No test reads anything outside the repository, so every clone runs every test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


def load_test_data(name: str) -> Any:
    """The parsed JSON file ``tests/data/<name>``."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def test_data() -> Callable[[str], Any]:
    """``test_data("upstream-vectors.json")``: a parsed file of ``tests/data/``."""
    return load_test_data
