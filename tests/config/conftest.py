"""Config tests run with a clean environment: no ``HARNESS_*`` variable of the developer's shell leaks in.

``pytester`` is loaded for the plugin test (``pytest_plugins`` may only sit in the rootdir conftest), and the
modules an in-process pytester run imports are imported here first (extension modules load once).
"""

from __future__ import annotations

import os

import pytest

import mocks.reference.server  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    """Load ``pytester``."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture(autouse=True)
def _no_harness_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HARNESS_"):
            monkeypatch.delenv(name)
