"""A provider's mid-stream error (the mocks' ``stream_error`` fault) through the reference target.

OpenAI and Azure: ``upstream.stream_error`` ("Received an error response for request from inference entity
id [id]. Error message: [...]"); Bedrock: ``upstream.bedrock.stream``. Checked on the upstream client and
end to end on ``_stream`` / ``chat_completion/_stream``: a 200 stream, the deltas sent before the failure,
then one ``event: error``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from reference_upstream_helpers import AWS_ACCESS_KEY, AWS_SECRET_KEY, AZURE_KEY, OPENAI_KEY, endpoint

from contract import REPRESENTATIVE_PROFILES, RuleViolation, load_profile, load_rules
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core.faults import Fault
from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer
from mocks.reference.upstream import Upstream

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
AZURE = {"resource_name": "my-resource", "deployment_id": "chat-dep", "api_version": "2024-10-21"}
BEDROCK = {"region": "us-east-1", "model": CLAUDE, "provider": "anthropic"}
SECRETS = (OPENAI_KEY, AZURE_KEY, AWS_ACCESS_KEY, AWS_SECRET_KEY)
REASON = "Received an error response for request from inference entity id [my-endpoint]. Error message: [{}]"


def _openai(url: str, task_type: str = "completion") -> Any:
    return endpoint("openai", task_type, {"model_id": "gpt-4o", "url": url}, {"api_key": OPENAI_KEY})


def _azure() -> Any:
    return endpoint("azureopenai", "completion", AZURE, {"api_key": AZURE_KEY})


def _bedrock() -> Any:
    return endpoint("amazonbedrock", "completion", BEDROCK, {"access_key": AWS_ACCESS_KEY,
                                                             "secret_key": AWS_SECRET_KEY})


def _drain(stream: Iterator[Any]) -> tuple[list[Any], RuleViolation]:
    items: list[Any] = []
    with pytest.raises(RuleViolation) as info:
        for item in stream:
            items.append(item)  # noqa: PERF402 - keeps what came before the error
    assert not any(s in repr(info.value.params) for s in SECRETS)
    return items, info.value


# ---------------------------------------------------------------------------------------- the upstream client
def test_openai_completion_stream_error(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    ep = _openai(openai_mock.url + "/v1/chat/completions")
    full = list(upstream.stream_completion(ep, "tell me more"))
    openai_mock.faults.add(Fault("stream_error", after=3, times=1, message="engine fell over"))
    deltas, err = _drain(upstream.stream_completion(ep, "tell me more"))
    assert deltas == full[:2]  # the role chunk carries no text
    assert (err.rule_id, err.params["reason"]) == ("upstream.stream_error", REASON.format("engine fell over"))
    status, envelope = err.render(load_profile("8.18"), load_rules())
    assert (status, envelope["error"]["type"], envelope["error"]["reason"]) == (
        500, "status_exception", REASON.format("engine fell over"))


def test_openai_unified_stream_error_keeps_the_upstream_type_and_code(
    upstream: Upstream, openai_mock: OpenAIMock
) -> None:
    ep = _openai(openai_mock.url + "/v1/chat/completions", "chat_completion")
    openai_mock.faults.add(Fault("stream_error", after=1, times=1, type="server_error", code="overloaded"))
    chunks, err = _drain(upstream.unified_chat_stream(ep, {"messages": [{"role": "user", "content": "hi"}]}))
    assert len(chunks) == 1 and chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert err.rule_id == "upstream.stream_error"
    assert err.params["reason"] == REASON.format("The server had an error while processing your request.")
    assert (err.params["upstream_type"], err.params["upstream_code"]) == ("server_error", "overloaded")


def test_azure_completion_stream_error(upstream: Upstream, azure_mock: AzureMock) -> None:
    # Azure's first chunk is its prompt_filter_results, the second the role: neither carries text
    azure_mock.faults.add(Fault("stream_error", after=3, times=1, message="azure fell over"))
    deltas, err = _drain(upstream.stream_completion(_azure(), "tell me more"))
    assert len(deltas) == 1
    assert (err.rule_id, err.params["reason"]) == ("upstream.stream_error", REASON.format("azure fell over"))


def test_bedrock_exception_frame_is_a_streaming_processor_failure(
    upstream: Upstream, bedrock_mock: BedrockMock
) -> None:
    bedrock_mock.faults.add(Fault("stream_error", after=2, times=1, code="throttlingException", message="slow"))
    deltas, err = _drain(upstream.stream_completion(_bedrock(), "tell me more"))
    assert len(deltas) == 1  # messageStart, then the first contentBlockDelta
    assert (err.rule_id, err.params["reason"]) == (
        "upstream.bedrock.stream", "AmazonBedrock StreamingChatProcessor failure: [slow]")
    status, envelope = err.render(load_profile("8.18"), load_rules())
    assert (status, envelope["error"]["type"]) == (500, "exception")


# ---------------------------------------------------------------------------------------- end to end
def _events(raw: bytes) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for block in raw.decode().split("\n\n"):
        block = block.strip("\n").removeprefix("\ufeff")
        if not block:
            continue
        lines = block.split("\n")
        event = next((line[7:] for line in lines if line.startswith("event: ")), None)
        out.append((event, "\n".join(line[6:] for line in lines if line.startswith("data: "))))
    return out


@pytest.fixture
def reference(request: pytest.FixtureRequest, azure_mock: AzureMock, bedrock_mock: BedrockMock
              ) -> Iterator[tuple[ReferenceServer, urllib3.PoolManager]]:
    version = getattr(request, "param", "8.18")
    config = ReferenceConfig(es_version=version, azure_base_url=azure_mock.url, bedrock_base_url=bedrock_mock.url,
                             retry_initial_delay_s=0.0, retry_max_delay_s=0.0, http_timeout_s=5.0)
    with ReferenceServer(config) as server:
        yield server, urllib3.PoolManager()


def _call(ref: tuple[ReferenceServer, urllib3.PoolManager], method: str, path: str, body: Any) -> Any:
    server, http = ref
    return http.request(method, server.url + path, body=json.dumps(body),
                        headers={"Content-Type": "application/json"})


def _put(ref: Any, task_type: str, inference_id: str, service: str, settings: dict[str, Any]) -> None:
    resp = _call(ref, "PUT", f"/_inference/{task_type}/{inference_id}", {"service": service,
                                                                          "service_settings": settings})
    assert resp.status == 200, resp.data


@pytest.mark.parametrize("reference", list(REPRESENTATIVE_PROFILES), indirect=True)  # servers: a subset
def test_stream_route_sends_deltas_then_the_es_error(reference: Any, openai_mock: OpenAIMock,
                                                    azure_mock: AzureMock, bedrock_mock: BedrockMock) -> None:
    _put(reference, "completion", "oa", "openai",
         {"api_key": OPENAI_KEY, "model_id": "gpt-4o", "url": openai_mock.url + "/v1/chat/completions"})
    _put(reference, "completion", "az", "azureopenai", {"api_key": AZURE_KEY, **AZURE})
    _put(reference, "completion", "br", "amazonbedrock",
         {"access_key": AWS_ACCESS_KEY, "secret_key": AWS_SECRET_KEY, **BEDROCK})
    cases = [  # events before the error: role (+ Azure's filter results, Bedrock's messageStart) + one word
        ("oa", openai_mock, 500, "status_exception", REASON.replace("my-endpoint", "oa").format("boom")),
        ("az", azure_mock, 500, "status_exception", REASON.replace("my-endpoint", "az").format("boom")),
        ("br", bedrock_mock, 500, "exception", "AmazonBedrock StreamingChatProcessor failure: [boom]"),
    ]
    for inference_id, mock, status, error_type, reason in cases:
        after = 3 if mock is azure_mock else 2
        mock.faults.add(Fault("stream_error", after=after, times=1, message="boom"))
        resp = _call(reference, "POST", f"/_inference/completion/{inference_id}/_stream", {"input": "tell me"})
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
        events = _events(resp.data)
        assert [e for e, _ in events] == ["message", "error"], events
        assert json.loads(events[0][1])["completion"][0]["delta"]
        error = json.loads(events[1][1])
        assert error["status"] == status
        assert (error["error"]["type"], error["error"]["reason"]) == (error_type, reason)
        assert not any(s in resp.data.decode() for s in SECRETS)


def test_chat_completion_route_sends_chunks_then_the_unified_error(reference: Any, openai_mock: OpenAIMock) -> None:
    _put(reference, "chat_completion", "chat", "openai",
         {"api_key": OPENAI_KEY, "model_id": "gpt-4o", "url": openai_mock.url + "/v1/chat/completions"})
    openai_mock.faults.add(Fault("stream_error", after=2, times=1, message="boom"))
    resp = _call(reference, "POST", "/_inference/chat_completion/chat/_stream",
                 {"messages": [{"role": "user", "content": "hi"}]})
    assert resp.status == 200
    events = _events(resp.data)
    assert [e for e, _ in events] == ["message", "message", "error"], events
    assert all(json.loads(data)["object"] == "chat.completion.chunk" for _, data in events[:2])
    error = json.loads(events[2][1])["error"]
    assert error["message"] == ("Received an error response for request from inference entity id [chat]. "
                                "Error message: [boom]")
    # the unified format keeps the upstream error's own type (OpenAiServiceTests.testMidStreamUnifiedCompletionError)
    assert error["type"] == "server_error"
    assert OPENAI_KEY not in resp.data.decode()


@pytest.mark.parametrize("data", ['"just text"', '{"error": {"message": "no type"}}', "not json"])
def test_an_error_event_without_an_openai_error_object(data: str) -> None:
    """OpenAiUnifiedChatCompletionResponseHandler#buildMidStreamError without ``{error: {message, type}}``:
    500, "Received an error response for request from inference entity id [id]" (no "Error message"), type
    ``ErrorResponse``, code ``stream_error`` (issue 20: the reference always added the message)."""
    from mocks.reference.upstream._service import _raise_stream_error

    with pytest.raises(RuleViolation) as info:
        _raise_stream_error("error", data, "sx", [])
    err = info.value
    assert (err.params["upstream_type"], err.params["upstream_code"]) == ("ErrorResponse", "stream_error")
    status, envelope = err.render(load_profile("9.1"), load_rules())
    assert (status, envelope["error"]["reason"]) == (
        500, "Received an error response for request from inference entity id [sx]")
