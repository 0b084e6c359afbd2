"""Fixtures: the three provider mocks (session) and a reference target factory wired to them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from reference_helpers import CANARIES  # noqa: F401  (re-exported for tests)

from harness.es_client import official_client
from mocks.azure.app import AzureMock
from mocks.bedrock.app import BedrockMock
from mocks.openai.app import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer


@pytest.fixture(scope="session")
def openai_mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=7) as mock:
        yield mock


@pytest.fixture(scope="session")
def azure_mock() -> Iterator[AzureMock]:
    with AzureMock(seed=7) as mock:
        yield mock


@pytest.fixture(scope="session")
def bedrock_mock() -> Iterator[BedrockMock]:
    with BedrockMock(seed=7) as mock:
        yield mock


@pytest.fixture()
def mocks(openai_mock: OpenAIMock, azure_mock: AzureMock, bedrock_mock: BedrockMock) -> Iterator[dict[str, Any]]:
    for mock in (openai_mock, azure_mock, bedrock_mock):
        mock.clear()
    yield {"openai": openai_mock, "azure": azure_mock, "bedrock": bedrock_mock}


Target = Callable[..., Any]


@pytest.fixture()
def target(mocks: dict[str, Any]) -> Iterator[Target]:
    """``with target(es_version=..., **config) as (server, es):`` a running target and a client on it."""

    @contextmanager
    def make(**settings: Any) -> Iterator[tuple[ReferenceServer, Elasticsearch]]:
        config = ReferenceConfig(
            azure_base_url=mocks["azure"].url, bedrock_base_url=mocks["bedrock"].url, **settings
        )
        with ReferenceServer(config) as server:
            client = official_client(server.url, config.es_version, request_timeout=30)
            try:
                yield server, client
            finally:
                client.close()

    yield make
