"""The reference target's OpenAI calls, checked on the OpenAI mock's journal: bodies, headers, URLs,
batching, retries and the ES error mapping (BaseResponseHandler / OpenAiResponseHandler)."""

from __future__ import annotations

import json

import pytest
from reference_upstream_helpers import OPENAI_KEY, endpoint

from contract import RuleViolation
from mocks.core.faults import Fault
from mocks.core.secrets import fingerprint
from mocks.openai import OpenAIMock
from mocks.reference.upstream import Upstream

EMBED_MODEL = "text-embedding-3-small"
CHAT_MODEL = "gpt-4o-mini"


def embeddings_endpoint(mock: OpenAIMock, **kwargs: object) -> object:
    settings = {"model_id": EMBED_MODEL, "url": mock.url + "/v1/embeddings", **kwargs.pop("settings", {})}  # type: ignore[dict-item]
    return endpoint("openai", "text_embedding", settings, {"api_key": OPENAI_KEY}, **kwargs)  # type: ignore[arg-type]


def chat_endpoint(mock: OpenAIMock, task_type: str = "completion", **kwargs: object) -> object:
    settings = {
        "model_id": CHAT_MODEL,
        "url": mock.url + "/v1/chat/completions",
        **kwargs.pop("settings", {}),
    }  # type: ignore[dict-item]
    return endpoint("openai", task_type, settings, {"api_key": OPENAI_KEY}, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ requests


def test_validate_sends_how_big_and_returns_the_vector_length(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    assert upstream.validate(embeddings_endpoint(openai_mock)) == 1536
    call = openai_mock.journal.assert_called(times=1, method="POST", path="/v1/embeddings")[0]
    assert call.body == b'{"input":["how big"],"model":"text-embedding-3-small"}'
    assert call.header("Authorization") == f"Bearer {fingerprint(OPENAI_KEY)}"
    assert call.header("Content-Type") == "application/json"
    assert call.header("OpenAI-Organization") is None
    assert call.query == ()


def test_embeddings_user_dimensions_and_organization(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = embeddings_endpoint(
        openai_mock,
        settings={"dimensions": 8, "organization_id": "org-123"},
        task_settings={"user": "stored-user"},
        dimensions_set_by_user=True,
    )
    vectors = upstream.embed(ep, ["first", "second"], {"user": "overridden_user"})
    assert [len(v) for v in vectors] == [8, 8]
    call = openai_mock.journal.last
    assert call.json == {
        "input": ["first", "second"],
        "model": EMBED_MODEL,
        "user": "overridden_user",
        "dimensions": 8,
    }
    assert call.header("OpenAI-Organization") == "org-123"


def test_dimensions_not_sent_when_not_set_by_user(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = embeddings_endpoint(openai_mock, settings={"dimensions": 1536}, dimensions_set_by_user=False)
    upstream.embed(ep, ["x"])
    assert "dimensions" not in openai_mock.journal.last.json


def test_max_input_tokens_truncates_to_three_chars_per_token(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    upstream.embed(embeddings_endpoint(openai_mock, settings={"max_input_tokens": 2}), ["abcdefghij"])
    assert openai_mock.journal.last.json["input"] == ["abcdef"]


def test_embed_chunks_batches_2048_inputs_per_request(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = embeddings_endpoint(openai_mock, settings={"dimensions": 2}, dimensions_set_by_user=True)
    chunks = [f"chunk {i}" for i in range(2050)]
    vectors = upstream.embed_chunks(ep, chunks)
    assert len(vectors) == 2050
    calls = openai_mock.journal.assert_called(times=2, path="/v1/embeddings")
    assert [len(c.json["input"]) for c in calls] == [2048, 2]
    assert calls[0].json["input"][0] == "chunk 0" and calls[1].json["input"][-1] == "chunk 2049"
    # Order is kept: the vector of a chunk equals the one a single request returns.
    assert upstream.embed(ep, ["chunk 2049"])[0] == vectors[-1]


def test_completion_body(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    text = upstream.complete(chat_endpoint(openai_mock, task_settings={"user": "me"}), "abc")
    assert isinstance(text, str) and text
    call = openai_mock.journal.assert_called(times=1, path="/v1/chat/completions")[0]
    assert json.loads(call.body) == {
        "messages": [{"content": "abc", "role": "user"}],
        "model": CHAT_MODEL,
        "n": 1,
        "stream": False,
        "user": "me",
    }
    assert list(call.json) == ["messages", "model", "n", "stream", "user"]


def test_stream_completion_body_and_deltas(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = chat_endpoint(openai_mock)
    deltas = list(upstream.stream_completion(ep, "abc"))
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert openai_mock.journal.last.json == {
        "messages": [{"content": "abc", "role": "user"}],
        "model": CHAT_MODEL,
        "n": 1,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert "".join(deltas) == upstream.complete(ep, "abc")


def test_unified_chat_stream_body_and_chunks(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    body = {
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "model": "gpt-4o",
        "temperature": 0.5,
        "max_completion_tokens": 20,
        "stop": ["\n"],
    }
    chunks = list(upstream.unified_chat_stream(chat_endpoint(openai_mock, "chat_completion"), body))
    assert chunks[0]["object"] == "chat.completion.chunk"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert openai_mock.journal.last.json == {
        "messages": [{"content": "be brief", "role": "system"}, {"content": "hi", "role": "user"}],
        "stop": ["\n"],
        "temperature": 0.5,
        "max_completion_tokens": 20,
        "model": "gpt-4o",
        "n": 1,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_validate_chat_completion_makes_one_streaming_call(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    assert upstream.validate(chat_endpoint(openai_mock, "chat_completion")) is None
    call = openai_mock.journal.assert_called(times=1, path="/v1/chat/completions")[0]
    assert call.json["messages"] == [{"content": "how big", "role": "user"}] and call.json["stream"] is True


# -------------------------------------------------------------------------------- retries and errors


def test_persistent_429_is_tried_three_times_then_maps_to_429(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    limits = {
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "59",
    }
    openai_mock.faults.add(Fault(kind="http_error", status=429, message="Rate limit reached", headers=limits))
    with pytest.raises(RuleViolation) as info:
        upstream.embed(embeddings_endpoint(openai_mock), ["x"])
    calls = openai_mock.journal.assert_called(times=3, path="/v1/embeddings")
    assert {c.status for c in calls} == {429}
    err = info.value
    assert err.rule_id == "upstream.429" and err.params["status"] == 429
    assert err.params["reason"] == (
        "Received a rate limit status code. Token limit [1000], remaining tokens [0]. Request limit [60], "
        "remaining requests [59] for request from inference entity id [my-endpoint] status [429]. "
        "Error message: [Rate limit reached]"
    )


def test_429_without_rate_limit_headers_says_unknown(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    body = json.dumps({"error": {"message": "busy", "type": "requests", "param": None, "code": None}})
    openai_mock.faults.add(
        Fault(kind="http_error", status=429, body=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(RuleViolation) as info:
        upstream.embed(embeddings_endpoint(openai_mock), ["x"])
    assert info.value.params["reason"].startswith(
        "Received a rate limit status code. Token limit [unknown], remaining tokens [unknown]. "
        "Request limit [unknown], remaining requests [unknown] for request"
    )


def test_429_then_success_is_retried(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=429, times=1))
    assert len(upstream.embed(embeddings_endpoint(openai_mock), ["x"])) == 1
    assert [c.status for c in openai_mock.journal.calls] == [429, 200]


@pytest.mark.parametrize(
    ("status", "rule", "es_status", "prefix"),
    [
        pytest.param(500, "upstream.500", 400, "Received a server error status code", id="500"),
        pytest.param(503, "upstream.503", 400, "Received a server busy error status code", id="503"),
    ],
)
def test_server_errors_are_retried_then_map_to_400(
    upstream: Upstream, openai_mock: OpenAIMock, status: int, rule: str, es_status: int, prefix: str
) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=status, message="boom"))
    with pytest.raises(RuleViolation) as info:
        upstream.embed(embeddings_endpoint(openai_mock), ["x"])
    openai_mock.journal.assert_called(times=3)
    assert info.value.rule_id == rule and info.value.params["status"] == es_status
    assert info.value.params["reason"] == (
        f"{prefix} for request from inference entity id [my-endpoint] status [{status}]. Error message: [boom]"
    )


def test_401_is_not_retried_and_keeps_the_upstream_message(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    ep = endpoint(
        "openai",
        "text_embedding",
        {"model_id": EMBED_MODEL, "url": openai_mock.url + "/v1/embeddings"},
        {"api_key": "sk-wrong-key-abcdef"},
    )
    with pytest.raises(RuleViolation) as info:
        upstream.embed(ep, ["x"])
    openai_mock.journal.assert_called(times=1)
    err = info.value
    assert err.rule_id == "upstream.401" and err.params["status"] == 401
    assert err.params["reason"].startswith(
        "Received an authentication error status code for request from inference entity id [my-endpoint] "
        "status [401]. Error message: [Incorrect API key provided"
    )
    assert "sk-wrong-key-abcdef" not in repr(err.params)


@pytest.mark.parametrize(
    ("status", "rule", "prefix"),
    [
        pytest.param(400, "upstream.400", "Received a bad request status code", id="400"),
        pytest.param(422, "upstream.422", "Received an input validation error response", id="422"),
        pytest.param(403, "upstream.other", "Received an unsuccessful status code", id="403"),
    ],
)
def test_client_errors_are_not_retried(
    upstream: Upstream, openai_mock: OpenAIMock, status: int, rule: str, prefix: str
) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=status, message="nope"))
    with pytest.raises(RuleViolation) as info:
        upstream.complete(chat_endpoint(openai_mock), "x")
    openai_mock.journal.assert_called(times=1)
    assert info.value.rule_id == rule and info.value.params["status"] == status
    assert info.value.params["reason"] == (
        f"{prefix} for request from inference entity id [my-endpoint] status [{status}]. Error message: [nope]"
    )


def test_404_names_the_url(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = embeddings_endpoint(openai_mock, settings={"model_id": "no-such-model"})
    with pytest.raises(RuleViolation) as info:
        upstream.embed(ep, ["x"])
    url = openai_mock.url + "/v1/embeddings"
    assert info.value.rule_id == "upstream.404"
    assert info.value.params["upstream_code"] == "model_not_found"
    assert info.value.params["reason"].startswith(
        f"Resource not found at [{url}] for request from inference entity id [my-endpoint] status [404]. Error message: ["
    )


def test_completion_429_is_not_retried(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=429, message="slow down"))
    with pytest.raises(RuleViolation) as info:
        upstream.complete(chat_endpoint(openai_mock), "x")
    openai_mock.journal.assert_called(times=1)
    assert info.value.params["reason"] == (
        "Received a rate limit status code for request from inference entity id [my-endpoint] status [429]. "
        "Error message: [slow down]"
    )


def test_content_too_large_truncates_and_retries_once(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=413, message="too large", times=1))
    upstream.embed(embeddings_endpoint(openai_mock), ["abcdefghij", "xyz"])
    first, second = openai_mock.journal.calls
    assert first.json["input"] == ["abcdefghij", "xyz"] and first.status == 413
    assert second.json["input"] == ["abcde", "x"] and second.status == 200


def test_persistent_content_too_large_maps_to_413(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=413, message="too large"))
    with pytest.raises(RuleViolation) as info:
        upstream.embed(embeddings_endpoint(openai_mock), ["abcdefghij"])
    assert openai_mock.journal.count() == 2
    assert info.value.rule_id == "upstream.413" and info.value.params["status"] == 413


def test_upstream_echo_of_the_key_is_scrubbed(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    body = json.dumps(
        {"error": {"message": f"bad key {OPENAI_KEY}", "type": "x", "param": None, "code": None}}
    )
    openai_mock.faults.add(
        Fault(kind="http_error", status=400, body=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(RuleViolation) as info:
        upstream.embed(embeddings_endpoint(openai_mock), ["x"])
    assert OPENAI_KEY not in info.value.params["reason"]
    assert fingerprint(OPENAI_KEY) in info.value.params["reason"]


def test_unknown_host_is_not_retried() -> None:
    from mocks.reference.config import ReferenceConfig

    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0, http_timeout_s=2.0))
    url = "http://does-not-exist.invalid/v1/embeddings"
    ep = endpoint("openai", "text_embedding", {"model_id": EMBED_MODEL, "url": url}, {"api_key": OPENAI_KEY})
    with pytest.raises(RuleViolation) as info:
        up.embed(ep, ["x"])
    assert info.value.rule_id == "upstream.invalid_host"
    assert info.value.params["reason"] == f"Invalid host [{url}], please check that the URL is correct."
