"""The official openai SDK, unchanged but for base_url, against the OpenAI mock over real HTTP."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import openai
import pytest
import requests

from mocks.core import embedding_for, fingerprint
from mocks.openai import OpenAIMock

CANARY = "sk-CANARY-openai-5e6f7a8b9c"
E3S = "text-embedding-3-small"


@pytest.fixture(scope="module")
def mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=11, api_keys={CANARY}, organization="org-mock") as server:
        yield server


@pytest.fixture
def client(mock: OpenAIMock) -> Iterator[openai.OpenAI]:
    mock.clear()
    with openai.OpenAI(api_key=CANARY, base_url=mock.base_url, max_retries=0, timeout=10) as c:
        yield c
    mock.raise_errors()


def test_embeddings_base64_default_equals_oracle(client: openai.OpenAI, mock: OpenAIMock) -> None:
    out = client.embeddings.create(model=E3S, input=["alpha", "beta"])
    assert [d.embedding for d in out.data] == [
        embedding_for(t, model=E3S, dimensions=1536, seed=11) for t in ("alpha", "beta")
    ]
    mock.journal.assert_called(
        times=1, path="/v1/embeddings", json={"encoding_format": "base64"}, key=fingerprint(CANARY)
    )


def test_embeddings_float_and_dimensions(client: openai.OpenAI) -> None:
    out = client.embeddings.create(
        model="text-embedding-3-large", input="x", encoding_format="float", dimensions=256
    )
    assert out.data[0].embedding == embedding_for(
        "x", model="text-embedding-3-large", dimensions=256, seed=11
    )
    assert out.model == "text-embedding-3-large" and out.usage.total_tokens == 1


def test_chat_and_streaming_with_usage(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "What is Elasticsearch?"}]
    full = client.chat.completions.create(model="gpt-4o", messages=messages)  # type: ignore[arg-type]
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=messages,
        stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == full.choices[0].message.content
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == full.usage.total_tokens  # type: ignore[union-attr]


def test_models_list(client: openai.OpenAI) -> None:
    ids = {m.id for m in client.models.list()}
    assert {E3S, "text-embedding-3-large", "text-embedding-ada-002", "gpt-4o", "gpt-4o-mini"} <= ids


def test_errors_are_the_sdk_classes(client: openai.OpenAI, mock: OpenAIMock) -> None:
    with openai.OpenAI(api_key="sk-wrong-0000000000", base_url=mock.base_url, max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as auth:
            bad.embeddings.create(model=E3S, input="x")
    assert auth.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError, match="does not support specifying dimensions"):
        client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)
    with pytest.raises(openai.NotFoundError) as missing:
        client.embeddings.create(model="text-embedding-4", input="x")
    assert missing.value.code == "model_not_found"


def test_injected_429_carries_rate_limit_headers(client: openai.OpenAI, mock: OpenAIMock) -> None:
    mock.faults.add({"kind": "http_error", "status": 429, "times": 1})
    with pytest.raises(openai.RateLimitError) as info:
        client.embeddings.create(model=E3S, input="x")
    assert info.value.code == "rate_limit_exceeded"
    assert info.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert info.value.response.headers["x-ratelimit-reset-tokens"]
    assert client.embeddings.create(model=E3S, input="x").data  # times=1: next call passes


def test_fault_kinds_as_the_sdk_sees_them(client: openai.OpenAI, mock: OpenAIMock) -> None:
    mock.faults.add({"kind": "latency", "latency_ms": 1500, "times": 1})
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.3).embeddings.create(model=E3S, input="x")
    mock.faults.add({"kind": "reset", "times": 1})
    with pytest.raises(openai.APIConnectionError):
        client.embeddings.create(model=E3S, input="x")
    mock.faults.add({"kind": "malformed_json", "times": 1, "model": E3S})
    with pytest.raises(json.JSONDecodeError):  # the SDK lets the parse error through
        client.embeddings.create(model=E3S, input="x")
    mock.faults.add({"kind": "sse_cut", "after": 3, "times": 1})
    got: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(
            model="gpt-4o", stream=True, messages=[{"role": "user", "content": "hi"}]
        ):
            got.append(chunk.choices[0].delta.content or "")
    assert len(got) == 3
    assert client.embeddings.create(model=E3S, input="x").data  # and the server keeps serving


def test_canary_never_in_admin_calls_repr_or_logs(client: openai.OpenAI, mock: OpenAIMock) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        client.embeddings.create(model=E3S, input="x")
        with openai.OpenAI(api_key=CANARY + "-bad", base_url=mock.base_url, max_retries=0) as bad:
            with pytest.raises(openai.AuthenticationError) as info:
                bad.models.list()
    finally:
        logging.getLogger().removeHandler(handler)
    exported = requests.get(mock.url + "/__admin/calls").text
    for text in (
        exported,
        repr(mock),
        repr(mock.journal.calls),
        repr(mock.app.config),
        stream.getvalue(),
        info.value.response.text,
    ):
        assert CANARY not in text
    assert fingerprint(CANARY) in exported


def test_unknown_route_and_oversized_body_keep_serving(client: openai.OpenAI, mock: OpenAIMock) -> None:
    resp = requests.post(mock.url + "/v1/nope", headers={"Authorization": f"Bearer {CANARY}"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_url"
    resp = requests.post(
        mock.url + "/v1/embeddings",
        data=b"x" * (10 * 1024 * 1024 + 10),
        headers={"Authorization": f"Bearer {CANARY}"},
    )
    assert resp.status_code == 413 and set(resp.json()["error"]) == {"message", "type", "param", "code"}
    assert client.embeddings.create(model=E3S, input="x").data
    mock.journal.assert_called(times=1, status=413, path="/v1/embeddings")


def test_organization_header_recorded(mock: OpenAIMock) -> None:
    mock.clear()
    with openai.OpenAI(api_key=CANARY, base_url=mock.base_url, max_retries=0, organization="org-abc") as c:
        raw = c.embeddings.with_raw_response.create(model=E3S, input="x")
    assert raw.headers["openai-organization"] == "org-mock"
    mock.journal.assert_called(times=1, headers={"OpenAI-Organization": "org-abc"})
