"""The plugin is tested with ``pytester``: each test writes a small user suite and runs pytest on it.

``pytester`` is loaded here (``pytest_plugins`` may only sit in the rootdir conftest).

In-process runs (``pytester.runpytest``) forget the modules they imported afterwards; extension modules
(numpy) cannot be loaded twice, so everything the user suites import is imported here first.
"""

import boto3  # noqa: F401
import elasticsearch  # noqa: F401
import numpy  # noqa: F401
import openai  # noqa: F401
import pytest
import requests  # noqa: F401

import mocks.azure
import mocks.bedrock
import mocks.openai
import mocks.reference.server  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    """Load ``pytester`` (``pytest_plugins`` is only allowed in the rootdir conftest)."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
