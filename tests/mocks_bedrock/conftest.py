"""Fixtures of the Bedrock mock tests: a running mock with canary credentials and a boto3 client on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bedrock_helpers import ACCESS_KEY, BEARER, SECRET_KEY, SEED, make_client

from mocks.bedrock import BedrockMock


@pytest.fixture(scope="module")
def bedrock() -> Iterator[BedrockMock]:
    """One mock per module (journal and faults are cleared per test by ``mock``)."""
    with BedrockMock(
        seed=SEED, credentials={ACCESS_KEY: SECRET_KEY}, bearer_tokens=frozenset({BEARER})
    ) as server:
        yield server


@pytest.fixture
def mock(bedrock: BedrockMock) -> Iterator[BedrockMock]:
    """The module's mock, cleared before the test; server-thread errors are re-raised after it."""
    bedrock.clear()
    yield bedrock
    bedrock.raise_errors()


@pytest.fixture
def client(mock: BedrockMock) -> Any:
    """A boto3 bedrock-runtime client signed with the canary credentials."""
    return make_client(mock.url)
