"""SSE framing of ``_stream`` and the unified chat-completion route (ServerSentEventsRestActionListener)."""

from __future__ import annotations

import json
from typing import Any

import requests
from reference_helpers import assert_no_canary, azure_settings, openai_settings

from contract import load_profile, load_rules

BOM = "\ufeff".encode()


def _events(raw: bytes) -> list[tuple[str, str]]:
    out = []
    for block in raw.split(b"\n\n"):
        if not block:
            continue
        assert block.startswith(BOM), block
        event_line, data_line = block[len(BOM) :].split(b"\n")
        assert event_line.startswith(b"event: ") and data_line.startswith(b"data: ")
        out.append((event_line[7:].decode(), data_line[6:].decode()))
    return out


def test_stream_completion_framing(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, _):
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "completion")}
        assert requests.put(f"{server.url}/_inference/completion/c1", json=body).status_code == 200
        resp = requests.post(f"{server.url}/_inference/completion/c1/_stream", json={"input": "Tell me a story"})
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        events = _events(resp.content)
        assert events[-1] == ("message", "[DONE]")
        deltas = [json.loads(d)["completion"][0]["delta"] for e, d in events[:-1]]
        assert all(e == "message" for e, _ in events) and "".join(deltas)
        upstream = mocks["openai"].journal.last.json
        assert upstream["stream"] is True and upstream["stream_options"] == {"include_usage": True}
        assert_no_canary(resp.content)


def test_stream_not_allowed_is_a_single_error_event(target: Any, mocks: dict[str, Any]) -> None:
    with target(skip_validation=True) as (server, _):
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "text_embedding")}
        requests.put(f"{server.url}/_inference/text_embedding/e1", json=body)
        resp = requests.post(f"{server.url}/_inference/text_embedding/e1/_stream", json={"input": "x"})
        expected = load_rules().expected(
            "streaming.not_allowed", load_profile("8.18"), service="openai", task_type="text_embedding",
            supported="completion,chat_completion",
        )
        assert resp.status_code == expected.status == 405
        ((event, data),) = _events(resp.content)
        assert event == "error"
        error = json.loads(data)
        assert error["status"] == 405 and error["error"]["reason"] == expected.reason


def test_mid_stream_error_event(target: Any, mocks: dict[str, Any]) -> None:
    from mocks.core.faults import Fault

    with target(skip_validation=True) as (server, _):
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "completion")}
        requests.put(f"{server.url}/_inference/completion/c1", json=body)
        mocks["openai"].faults.add(Fault(kind="sse_cut", times=1))
        resp = requests.post(f"{server.url}/_inference/completion/c1/_stream", json={"input": "Tell me a long story"})
        assert resp.status_code == 200
        events = _events(resp.content)
        assert events[-1][0] == "error" and ("message", "[DONE]") not in events
        # ES forwards the raw SocketException mid-stream (StreamingHttpResultPublisher -> SSE listener)
        expected = load_rules().expected("upstream.stream.connection_reset", load_profile("8.18"))
        error = json.loads(events[-1][1])
        assert error["status"] == expected.status == 500
        assert (error["error"]["type"], error["error"]["reason"]) == (expected.error_type, expected.reason)
        server.raise_errors()


def test_unified_chat_completion_bare_chunks(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, _):
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "chat_completion")}
        assert requests.put(f"{server.url}/_inference/chat_completion/chat", json=body).status_code == 200
        resp = requests.post(
            f"{server.url}/_inference/chat_completion/chat/_stream",
            json={"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 20},
        )
        assert resp.status_code == 200
        events = _events(resp.content)
        assert events[-1] == ("message", "[DONE]")
        chunks = [json.loads(d) for _, d in events[:-1]]
        assert chunks and all(c["object"] == "chat.completion.chunk" for c in chunks)
        assert "chat_completion" not in chunks[0]  # bare chunks, as the source sends them
        # chat_completion without _stream: the unified error format
        plain = requests.post(f"{server.url}/_inference/chat", json={"input": "hi"})
        expected = load_rules().expected("streaming.chat_completion.only_stream", load_profile("8.18"))
        assert plain.status_code == 400
        assert plain.json()["error"]["message"] == expected.reason
        assert set(plain.json()["error"]) >= {"code", "message", "type"}


def test_unified_errors_use_the_unified_format(target: Any) -> None:
    with target(skip_validation=True) as (server, _):
        resp = requests.post(
            f"{server.url}/_inference/chat_completion/missing/_stream", json={"messages": [{"role": "user", "content": "x"}]}
        )
        assert resp.status_code == 404
        ((event, data),) = _events(resp.content)
        error = json.loads(data)["error"]
        assert event == "error" and error["message"] == "Inference endpoint not found [missing]"
        assert error["code"] == "not_found"


def test_azure_stream(target: Any) -> None:
    with target() as (server, _):
        body = {"service": "azureopenai", "service_settings": azure_settings(deployment_id="chat")}
        assert requests.put(f"{server.url}/_inference/completion/az", json=body).status_code == 200
        resp = requests.post(f"{server.url}/_inference/completion/az/_stream", json={"input": "hello"})
        assert resp.status_code == 200 and _events(resp.content)[-1] == ("message", "[DONE]")
