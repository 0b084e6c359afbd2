"""The streaming routes through the official ``elasticsearch`` client.

elasticsearch-py 9.5 has no ``inference.stream_completion`` / ``chat_completion_unified`` helpers (older
clients had them; they call these same routes), so the test goes through the client's own transport,
``Elasticsearch.perform_request``, exactly as those helpers do.
"""

from __future__ import annotations

import json
from typing import Any

from reference_helpers import openai_settings

SSE_HEADERS = {"accept": "text/event-stream", "content-type": "application/json"}


def _data(text: str) -> list[str]:
    return [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]


def test_stream_completion_through_the_official_client(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (_, es):
        es.inference.put(task_type="completion", inference_id="c1", inference_config={
            "service": "openai", "service_settings": openai_settings(mocks["openai"], "completion")})
        resp = es.perform_request("POST", "/_inference/completion/c1/_stream", headers=SSE_HEADERS,
                                  body={"input": "Tell me a story"})
        assert resp.meta.status == 200
        data = _data(str(resp.body))
        assert data[-1] == "[DONE]"
        text = "".join(json.loads(d)["completion"][0]["delta"] for d in data[:-1])
        assert text, "no completion text streamed"


def test_chat_completion_unified_through_the_official_client(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (_, es):
        es.inference.put(task_type="chat_completion", inference_id="chat1", inference_config={
            "service": "openai", "service_settings": openai_settings(mocks["openai"], "chat_completion")})
        resp = es.perform_request("POST", "/_inference/chat_completion/chat1/_stream", headers=SSE_HEADERS,
                                  body={"messages": [{"role": "user", "content": "hi"}]})
        assert resp.meta.status == 200
        chunks = [json.loads(d) for d in _data(str(resp.body)) if d != "[DONE]"]
        assert chunks and all(c["object"] == "chat.completion.chunk" for c in chunks)
        upstream = mocks["openai"].journal.last.json
        assert upstream["messages"] == [{"role": "user", "content": "hi"}] and upstream["stream"] is True
