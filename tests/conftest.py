"""Fixtures shared by every test layer.

``shared_dir`` points at ``../shared`` (the team's reference material). It exists on the
developers' machines and in CI, never on a user's machine, so tests that read it skip with a
clear reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    return Path(os.environ.get("HARNESS_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` reference directory, or skip when it is not there."""
    path = _shared_dir()
    if not path.is_dir():
        pytest.skip(f"reference material not found at {path} (only present on developer machines and CI)")
    return path
