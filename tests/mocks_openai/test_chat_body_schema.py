"""The chat mocks refuse a body their own upstream document calls invalid (``mocks.core.body_schema``), with the
provider's invalid-parameter error naming the field; a valid body still answers 200. Raw HTTP: the official
SDKs' types would not send these bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mocks.azure import AzureMock
from mocks.openai import OpenAIMock

MESSAGES = [{"role": "user", "content": "hi"}]
INVALID = [
    ({"temperature": 3}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"user": 5}, "user"),
    ({"stream": "yes"}, "stream"),
    ({"stream_options": {"include_usage": "x"}}, "stream_options.include_usage"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"stop": []}, "stop"),
    ({"tools": [1]}, "tools[0]"),
    ({"tool_choice": 1}, "tool_choice"),
]


@pytest.fixture(scope="module")
def mocks() -> Iterator[dict[str, Any]]:
    with OpenAIMock(seed=1, api_keys={"sk-body"}) as openai, AzureMock(seed=1, api_keys={"az-body"}) as azure:
        yield {"openai": openai, "azure": azure}


def _post(mocks: dict[str, Any], provider: str, extra: dict[str, Any]) -> requests.Response:
    if provider == "openai":
        url, headers = f"{mocks['openai'].url}/v1/chat/completions", {"Authorization": "Bearer sk-body"}
        body = {"model": "gpt-4o", "messages": MESSAGES, **extra}
    else:
        url = f"{mocks['azure'].url}/openai/deployments/chat/chat/completions?api-version=2024-10-21"
        headers, body = {"api-key": "az-body"}, {"messages": MESSAGES, **extra}
    return requests.post(url, json=body, headers=headers, timeout=10)


@pytest.mark.parametrize("provider", ["openai", "azure"])
@pytest.mark.parametrize(("extra", "field"), INVALID, ids=[f for _, f in INVALID])
def test_a_body_the_document_calls_invalid_is_refused(mocks: dict[str, Any], provider: str, extra: Any, field: str) -> None:
    resp = _post(mocks, provider, extra)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["message"].startswith(f"'$.{field}' is invalid.") and error["type"] == "invalid_request_error"
    assert not mocks[provider].app.errors


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_a_valid_body_with_every_optional_field_answers(mocks: dict[str, Any], provider: str) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    extra = {"temperature": 2, "top_p": 0, "user": "u", "stop": ["a", "b", "c", "d"], "n": 2, "tools": tools,
             "tool_choice": "auto", "max_completion_tokens": 3}
    resp = _post(mocks, provider, extra)
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["choices"]) == 2


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_a_null_optional_field_counts_as_absent(mocks: dict[str, Any], provider: str) -> None:
    resp = _post(mocks, provider, {"n": None, "temperature": None, "stream_options": None, "user": None})
    assert resp.status_code == 200, resp.text
