"""Fixtures: the real provider mocks on port 0 and an :class:`Upstream` pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reference_upstream_helpers import AWS_ACCESS_KEY, AWS_SECRET_KEY, AZURE_KEY, ENTRA_TOKEN, OPENAI_KEY

from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.openai import OpenAIMock
from mocks.reference.config import ReferenceConfig
from mocks.reference.upstream import Upstream


@pytest.fixture(scope="module")
def openai_mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=7, api_keys={OPENAI_KEY}) as mock:
        yield mock


@pytest.fixture(scope="module")
def azure_mock() -> Iterator[AzureMock]:
    with AzureMock(seed=7, api_keys={AZURE_KEY}, entra_tokens={ENTRA_TOKEN}) as mock:
        yield mock


@pytest.fixture(scope="module")
def bedrock_mock() -> Iterator[BedrockMock]:
    with BedrockMock(seed=7, credentials={AWS_ACCESS_KEY: AWS_SECRET_KEY}) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty journals and no faults."""
    mocks = [
        request.getfixturevalue(n)
        for n in ("openai_mock", "azure_mock", "bedrock_mock")
        if n in request.fixturenames
    ]
    for mock in mocks:
        mock.clear()
        mock.faults.clear()
    yield
    for mock in mocks:
        mock.raise_errors()


@pytest.fixture
def upstream(azure_mock: AzureMock, bedrock_mock: BedrockMock) -> Upstream:
    config = ReferenceConfig(
        azure_base_url=azure_mock.url,
        bedrock_base_url=bedrock_mock.url,
        retry_initial_delay_s=0.0,
        retry_max_delay_s=0.0,
        http_timeout_s=5.0,
    )
    return Upstream(config)
