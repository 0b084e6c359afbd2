"""Fixtures: a secured reference target (OpenAI mock behind it) and official clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from security_helpers import ELASTIC_PASSWORD

from mocks.openai.app import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer
from mocks.reference.security import SecurityConfig


@pytest.fixture(scope="module")
def openai_mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=3) as mock:
        yield mock


@pytest.fixture()
def secured(openai_mock: OpenAIMock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceServer]:
    """A reference target with security on (``elastic`` / :data:`ELASTIC_PASSWORD`), storing to a file."""
    storage = tmp_path_factory.mktemp("store") / "endpoints.json"
    config = ReferenceConfig(storage_path=str(storage), security=SecurityConfig.with_password(ELASTIC_PASSWORD))
    with ReferenceServer(config) as server:
        yield server
