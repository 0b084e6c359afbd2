"""Every kind of answer the OpenAI and Azure mocks give, produced in-process (werkzeug test Client).

Each case is a request (plus an optional fault) and the answer's kind: ``success`` (a JSON body), ``stream``
(SSE ``data:`` events, ``[DONE]`` excluded; an ``event: error`` is kept as an error body) or ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from werkzeug.test import Client

from mocks.azure import AzureConfig
from mocks.azure import create_app as create_azure
from mocks.core import Fault
from mocks.openai import OpenAIConfig, create_app

KEY = "sk-contract-canary-7d1f"
E3S = "text-embedding-3-small"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hi"}]}
AZ_QUERY = "?api-version=2024-10-21"


@dataclass(frozen=True)
class Case:
    """One request to a mock and what kind of answer it gets."""

    id: str
    path: str
    body: Any = None
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: {"Authorization": f"Bearer {KEY}"})
    fault: dict[str, Any] | None = None
    status: int = 200


@dataclass
class Answer:
    """A mock's answer: status, headers, and its JSON body or stream events."""

    status: int
    headers: dict[str, str]
    body: Any
    events: list[tuple[str | None, Any]]


def call(app: Any, case: Case) -> Answer:
    """Send ``case`` to ``app`` (faults scheduled first) and parse the answer."""
    app.reset()
    if case.fault:
        app.faults.add(Fault.from_dict(case.fault))
    data = case.body if isinstance(case.body, bytes) else (None if case.body is None else orjson.dumps(case.body))
    response = Client(app).open(
        case.path, method=case.method, data=data, headers={**case.headers, "Content-Type": "application/json"}
    )
    raw = response.get_data()
    headers = {k.lower(): v for k, v in response.headers.items()}
    if headers.get("content-type", "").startswith("text/event-stream"):
        return Answer(response.status_code, headers, None, sse_events(raw))
    return Answer(response.status_code, headers, orjson.loads(raw), [])


def sse_events(raw: bytes) -> list[tuple[str | None, Any]]:
    """``(event name or None, parsed data)`` per SSE event; ``[DONE]`` is dropped."""
    out: list[tuple[str | None, Any]] = []
    for block in raw.decode().split("\n\n"):
        if not block.strip():
            continue
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        text = "\n".join(data)
        if text != "[DONE]":
            out.append((name, orjson.loads(text)))
    return out


def openai_app() -> Any:
    return create_app(OpenAIConfig(seed=5, api_keys=frozenset({KEY})))


def azure_app() -> Any:
    return create_azure(AzureConfig(seed=5, api_keys=frozenset({KEY}), deployments={"embed": E3S, "chat": "gpt-4o"}))


_429 = {"kind": "http_error", "status": 429}
OPENAI_SUCCESS = [
    Case("embeddings-float", "/v1/embeddings", {"model": E3S, "input": ["a", "b"], "encoding_format": "float"}),
    Case("embeddings-dimensions", "/v1/embeddings", {"model": E3S, "input": "a", "dimensions": 8}),
    Case("chat", "/v1/chat/completions", CHAT),
    Case("chat-n2", "/v1/chat/completions", {**CHAT, "n": 2, "max_tokens": 3}),
    Case("models", "/v1/models", method="GET"),
    Case("model", "/v1/models/gpt-4o", method="GET"),
]
OPENAI_BASE64 = Case("embeddings-base64", "/v1/embeddings", {"model": E3S, "input": "a", "encoding_format": "base64"})
OPENAI_STREAMS = [
    Case("stream", "/v1/chat/completions", {**CHAT, "stream": True}),
    Case("stream-usage", "/v1/chat/completions", {**CHAT, "stream": True, "stream_options": {"include_usage": True}}),
    Case(
        "stream-error-event",
        "/v1/chat/completions",
        {**CHAT, "stream": True},
        fault={"kind": "stream_error", "after": 1},
    ),
]
OPENAI_ERRORS = [
    Case("no-key", "/v1/embeddings", {"model": E3S, "input": "a"}, headers={}, status=401),
    Case("wrong-key", "/v1/embeddings", {"model": E3S, "input": "a"}, headers={"Authorization": "Bearer sk-x"}, status=401),
    Case("no-model", "/v1/embeddings", {"input": "a"}, status=400),
    Case("no-input", "/v1/embeddings", {"model": E3S}, status=400),
    Case("bad-input", "/v1/embeddings", {"model": E3S, "input": ""}, status=400),
    Case("ada-dimensions", "/v1/embeddings", {"model": "text-embedding-ada-002", "input": "a", "dimensions": 8}, status=400),
    Case("too-long", "/v1/embeddings", {"model": E3S, "input": "word " * 9000}, status=400),
    Case("invalid-json", "/v1/embeddings", b"{not json", status=400),
    Case("unknown-model", "/v1/embeddings", {"model": "nope", "input": "a"}, status=404),
    Case("not-chat", "/v1/chat/completions", {**CHAT, "model": E3S}, status=404),
    Case("unknown-model-get", "/v1/models/nope", method="GET", status=404),
    Case("unknown-url", "/v1/nothing", {}, status=404),
    Case("rate-limited", "/v1/embeddings", {"model": E3S, "input": "a"}, fault=_429, status=429),
    Case("fault-500", "/v1/embeddings", {"model": E3S, "input": "a"}, fault={"kind": "http_error", "status": 500}, status=500),
    Case("fault-503", "/v1/embeddings", {"model": E3S, "input": "a"}, fault={"kind": "http_error", "status": 503}, status=503),
    Case("too-large", "/v1/embeddings", b"x" * (10 * 1024 * 1024 + 1), status=413),
]

_EMBED = f"/openai/deployments/embed/embeddings{AZ_QUERY}"
_CHAT = f"/openai/deployments/chat/chat/completions{AZ_QUERY}"
_AZ_KEY = {"api-key": KEY}
AZURE_SUCCESS = [
    Case("embeddings", _EMBED, {"input": ["a", "b"], "encoding_format": "float"}, headers=_AZ_KEY),
    Case("chat", _CHAT, {"messages": CHAT["messages"]}, headers=_AZ_KEY),
]
AZURE_STREAMS = [
    Case("stream", _CHAT, {"messages": CHAT["messages"], "stream": True}, headers=_AZ_KEY),
    Case(
        "stream-error-event",
        _CHAT,
        {"messages": CHAT["messages"], "stream": True},
        headers=_AZ_KEY,
        fault={"kind": "stream_error", "after": 2},
    ),
]
AZURE_ERRORS = [
    Case("no-key", _EMBED, {"input": "a"}, headers={}, status=401),
    Case("wrong-key", _EMBED, {"input": "a"}, headers={"api-key": "nope"}, status=401),
    Case("unknown-deployment", f"/openai/deployments/nope/embeddings{AZ_QUERY}", {"input": "a"}, headers=_AZ_KEY, status=404),
    Case("no-api-version", "/openai/deployments/embed/embeddings", {"input": "a"}, headers=_AZ_KEY, status=404),
    Case("unknown-url", f"/openai/nothing{AZ_QUERY}", {}, headers=_AZ_KEY, status=404),
    Case("rate-limited", _EMBED, {"input": "a"}, headers=_AZ_KEY, fault=_429, status=429),
    Case("fault-500", _EMBED, {"input": "a"}, headers=_AZ_KEY, fault={"kind": "http_error", "status": 500}, status=500),
    Case("too-large", _EMBED, b"x" * (10 * 1024 * 1024 + 1), headers=_AZ_KEY, status=413),
]
#: Request-body errors: Azure forwards OpenAI's error objects (``param``/``code`` may be null).
AZURE_BODY_ERRORS = [
    Case("invalid-json", _EMBED, b"{not json", headers=_AZ_KEY, status=400),
    Case("bad-input", _EMBED, {"input": ""}, headers=_AZ_KEY, status=400),
]
