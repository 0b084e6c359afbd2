"""Fixtures of the Bedrock mock tests: a running mock with canary credentials and a boto3 client on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from mocks.bedrock import BedrockMock

ACCESS_KEY = "AKIDBEDROCKCANARY"
SECRET_KEY = "canary-aws-secret-9f3b7c1e"  # planted: must never appear in any output
BEARER = "ABSKcanary-bearer-4e8d2a"  # planted: must never appear in any output
SEED = 11


def make_client(url: str, *, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY,
                region: str = "us-east-1", **config: Any) -> Any:
    """A boto3 bedrock-runtime client, unchanged but for the endpoint (one attempt, no retries)."""
    return boto3.client(
        "bedrock-runtime",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


@pytest.fixture(scope="module")
def bedrock() -> Iterator[BedrockMock]:
    """One mock per module (journal and faults are cleared per test by ``mock``)."""
    with BedrockMock(seed=SEED, credentials={ACCESS_KEY: SECRET_KEY}, bearer_tokens=frozenset({BEARER})) as server:
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
