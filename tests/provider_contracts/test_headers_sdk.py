"""Provider headers on every answer, errors included, as the official clients read them; seeded ids.

openai-python reads ``x-request-id`` into ``APIStatusError.request_id``; botocore reads
``x-amzn-RequestId`` into ``ResponseMetadata.RequestId`` (sources in tests/data/provider_contracts/headers.json).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import openai
import pytest
from botocore.exceptions import ClientError
from contract_facts import load

from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.openai import OpenAIMock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mocks_bedrock"))
from bedrock_helpers import make_client  # noqa: E402

KEY = "sk-headers-canary-31c9"
E3S = "text-embedding-3-small"


def _openai_errors(seed: int) -> list[tuple[type[Exception], Any]]:
    """The three errors' exceptions from one mock with ``seed``."""
    out = []
    with OpenAIMock(seed=seed, api_keys={KEY}) as mock:
        calls = [
            (openai.AuthenticationError, "sk-wrong", lambda c: c.embeddings.create(model=E3S, input="a")),
            (openai.NotFoundError, KEY, lambda c: c.embeddings.create(model="nope", input="a")),
            (openai.BadRequestError, KEY, lambda c: c.embeddings.create(model=E3S, input="")),
        ]
        for cls, key, send in calls:
            with openai.OpenAI(api_key=key, base_url=mock.base_url, max_retries=0) as client:
                with pytest.raises(cls) as info:
                    send(client)
            out.append((cls, info.value))
    return out


def test_openai_errors_carry_request_id_and_headers() -> None:
    facts = load("headers")["openai"]
    first = _openai_errors(seed=3)
    for cls, exc in first:
        assert exc.request_id and exc.request_id.startswith("req_"), f"{cls.__name__}.request_id is {exc.request_id!r}"
        missing = [h for h in facts["every_response"] + facts["rate_limit"] if h not in exc.response.headers]
        assert not missing, f"{cls.__name__} response lacks {missing}"
    again = [exc.request_id for _, exc in _openai_errors(seed=3)]
    other = [exc.request_id for _, exc in _openai_errors(seed=4)]
    assert [exc.request_id for _, exc in first] == again, "one seed must reproduce the request ids"
    assert len(set(again)) == 3 and not set(again) & set(other)


def test_openai_success_request_id_and_organization() -> None:
    with OpenAIMock(seed=3, api_keys={KEY}) as mock, openai.OpenAI(api_key=KEY, base_url=mock.base_url, max_retries=0) as c:
        raw = c.embeddings.with_raw_response.create(model=E3S, input="a")
        assert raw.headers["openai-organization"] == "org-mock"
        assert raw.parse()._request_id == raw.headers["x-request-id"]


def test_azure_errors_carry_azure_headers() -> None:
    facts = load("headers")["azure"]
    with AzureMock(seed=3, api_keys={KEY}, deployments={"embed": E3S}) as mock:
        for key, deployment, cls in (("wrong", "embed", openai.AuthenticationError), (KEY, "nope", openai.NotFoundError)):
            client = openai.AzureOpenAI(api_key=key, azure_endpoint=mock.url, api_version="2024-10-21", max_retries=0)
            with client, pytest.raises(cls) as info:
                client.embeddings.create(model=deployment, input="a")
            headers = info.value.response.headers
            assert not [h for h in facts["every_response"] if h not in headers], headers
            assert headers["x-ms-region"] == "East US"
            assert info.value.request_id == headers["x-request-id"]


def _bedrock_ids(seed: int) -> list[str]:
    with BedrockMock(seed=seed) as mock:
        client = make_client(mock.url)
        ok = client.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])
        with pytest.raises(ClientError) as info:
            client.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=b"{not json")
        return [ok["ResponseMetadata"]["RequestId"], info.value.response["ResponseMetadata"]["RequestId"]]


def test_bedrock_request_ids_are_seeded_on_success_and_error() -> None:
    first = _bedrock_ids(7)
    assert all(first) and first[0] != first[1]
    assert _bedrock_ids(7) == first, "one seed must reproduce x-amzn-RequestId"
    assert not set(_bedrock_ids(8)) & set(first)
