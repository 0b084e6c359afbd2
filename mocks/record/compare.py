"""Compare a recording with what a mock answers to the same requests: status, header names, body field
names and JSON types, stream event order (and each event kind's fields). Values are not compared (but for
:data:`DISCRIMINATORS`): a mock's vectors and texts differ from a real provider's by design; its shape must not.

:func:`shape_diff`, :func:`event_labels` and :func:`compare_exchange` are pure; :func:`compare` sends the
recorded requests to a WSGI app in-process (werkzeug's test client) and collects the differences.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from werkzeug.test import Client

from mocks.record import cassette as cs

__all__ = [
    "DEFAULT_IGNORED_HEADERS",
    "DISCRIMINATORS",
    "Difference",
    "compare",
    "compare_exchange",
    "event_labels",
    "format_report",
    "shape_diff",
]

#: Response headers left out of the comparison by default: framing, CDN and transport headers a mock
#: has no reason to imitate.
DEFAULT_IGNORED_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "set-cookie",
        "cf-ray",
        "cf-cache-status",
        "alt-svc",
        "strict-transport-security",
        "x-content-type-options",
        "via",
        "x-envoy-upstream-service-time",
        "access-control-expose-headers",
        "vary",
    }
)
#: Replaces the recorded (fingerprinted) credentials: the mock is built to accept any.
_AUTH = {
    "openai": ("Authorization", "Bearer compare-key"),
    "azure": ("api-key", "compare-key"),
    "bedrock": ("Authorization", "Bearer compare-token"),
}
_AUTH_HEADERS = {"authorization", "api-key", "x-api-key", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256"}


@dataclass(frozen=True)
class Difference:
    """One way the mock's answer differs from the recorded one."""

    file: str
    where: str
    recorded: str
    mock: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: recorded {self.recorded}, mock {self.mock}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


#: Members whose string value names a kind, not content (``object: "list"``, ``type: "invalid_request_error"``,
#: ``code: "model_not_found"``): their values are compared too.
DISCRIMINATORS = frozenset({"object", "type", "code"})


def shape_diff(recorded: Any, mock: Any, path: str = "$") -> list[tuple[str, str, str]]:
    """``(path, recorded, mock)`` for every field present on one side only, every JSON type that differs
    (arrays compared by their first element) and every :data:`DISCRIMINATORS` value that differs."""
    a, b = _kind(recorded), _kind(mock)
    if a != b:
        return [(path, a, b)]
    if a == "string" and path.rsplit(".", 1)[-1] in DISCRIMINATORS and recorded != mock:
        return [(path, json.dumps(recorded), json.dumps(mock))]
    if a == "object":
        out = []
        for key in list(dict.fromkeys([*recorded, *mock])):
            if key not in mock:
                out.append((f"{path}.{key}", "present", "missing"))
            elif key not in recorded:
                out.append((f"{path}.{key}", "missing", "present"))
            else:
                out.extend(shape_diff(recorded[key], mock[key], f"{path}.{key}"))
        return out
    if a == "array" and recorded and mock:
        return shape_diff(recorded[0], mock[0], f"{path}[0]")
    return []


def _sse_parts(event: dict[str, Any]) -> tuple[str | None, Any]:
    """``(event name or None, data)`` of a cassette SSE event (``data`` parsed when it is JSON)."""
    if "data" in event:
        return None, event["data"]
    lines = str(event["text"]).splitlines()
    name = next((line[6:].strip() for line in lines if line.startswith("event:")), None)
    data = "\n".join(line[5:].strip() for line in lines if line.startswith("data:"))
    try:
        return name, orjson.loads(data)
    except orjson.JSONDecodeError:
        return name, data


def _sse_label(event: dict[str, Any]) -> tuple[str, Any]:
    name, data = _sse_parts(event)
    if name is not None:
        return f"event:{name}", data
    if data == "[DONE]":
        return "[DONE]", None
    if not isinstance(data, dict) or "choices" not in data:
        return "data", data
    if not data["choices"]:
        return ("usage" if data.get("usage") else "no-choices"), data
    choice = data["choices"][0]
    parts = sorted(k for k, v in (choice.get("delta") or {}).items() if v not in (None, ""))
    if choice.get("finish_reason"):
        parts.append("finish")
    return "chunk(" + ",".join(parts) + ")", data


def event_labels(fmt: str, events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Each stream event as ``(kind label, payload)``, runs of the same kind collapsed to their first."""
    out: list[tuple[str, Any]] = []
    for event in events:
        if fmt == "sse":
            label, payload = _sse_label(event)
        else:
            headers = event.get("headers", {})
            label = headers.get(":event-type") or headers.get(":exception-type") or "frame"
            payload = event.get("json")
        if not out or out[-1][0] != label:
            out.append((label, payload))
    return out


def compare_exchange(
    file: str, recorded: dict[str, Any], mock: dict[str, Any], ignored: Iterable[str] = DEFAULT_IGNORED_HEADERS
) -> list[Difference]:
    """The differences between a recorded response and the mock's (both in cassette form)."""
    out = []
    if recorded["status"] != mock["status"]:
        out.append(Difference(file, "status", str(recorded["status"]), str(mock["status"])))
    skip = {h.lower() for h in ignored}
    names_a = {k.lower() for k in recorded["headers"]} - skip
    names_b = {k.lower() for k in mock["headers"]} - skip
    out += [Difference(file, f"header {h}", "present", "missing") for h in sorted(names_a - names_b)]
    out += [Difference(file, f"header {h}", "missing", "present") for h in sorted(names_b - names_a)]
    stream_a, stream_b = recorded.get("stream"), mock.get("stream")
    if (stream_a is None) != (stream_b is None):
        return [*out, Difference(file, "body", "stream" if stream_a else "plain", "stream" if stream_b else "plain")]
    if stream_a is None or stream_b is None:
        return out + [
            Difference(file, f"body {p}", a, b) for p, a, b in shape_diff(recorded.get("json"), mock.get("json"))
        ]
    return out + _stream_diff(file, stream_a, stream_b)


def _stream_diff(file: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
    labels_a, labels_b = event_labels(a["format"], a["events"]), event_labels(b["format"], b["events"])
    out = []
    if [x for x, _ in labels_a] != [x for x, _ in labels_b]:
        out.append(
            Difference(file, "event order", " > ".join(x for x, _ in labels_a), " > ".join(x for x, _ in labels_b))
        )
    seen = set()
    mock_by_label = {label: payload for label, payload in labels_b}
    for label, payload in labels_a:
        if label in mock_by_label and label not in seen:
            seen.add(label)
            out += [
                Difference(file, f"event {label} {p}", x, y) for p, x, y in shape_diff(payload, mock_by_label[label])
            ]
    return out


def _mock_request(provider: str, request: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes]:
    headers = [
        (k, v)
        for k, v in cs.header_pairs(request["headers"])
        if k.lower() not in _AUTH_HEADERS and k.lower() not in cs.HOP_BY_HOP
    ]
    return [*headers, _AUTH[provider]], cs.body_bytes(request)


def compare(
    provider: str, cassettes: list[dict[str, Any]], app: Any, ignored: Iterable[str] = DEFAULT_IGNORED_HEADERS
) -> list[Difference]:
    """Send every recorded request to ``app`` (a mock's WSGI app) and compare its answers with the recording."""
    client = Client(app)
    out = []
    for cassette in cassettes:
        request = cassette["request"]
        headers, body = _mock_request(provider, request)
        query = urlencode([tuple(p) for p in request.get("query", [])])
        response = client.open(
            request["path"] + (f"?{query}" if query else ""), method=request["method"], headers=headers, data=body
        )
        data = response.get_data()
        answer = cs.exchange(
            provider=provider,
            upstream="mock",
            method=request["method"],
            path=request["path"],
            query=[],
            request_headers=[],
            request_body=b"",
            status=response.status_code,
            response_headers=list(response.headers.items()),
            response_body=data,
        )["response"]
        out += compare_exchange(cassette.get("_file", "?"), cassette["response"], answer, ignored)
    return out


def format_report(directory: str, provider: str, count: int, differences: list[Difference]) -> str:
    """The text report: one line per difference, then a summary line."""
    lines = [str(d) for d in differences]
    verdict = "no difference" if not differences else f"{len(differences)} difference(s)"
    lines.append(f"{count} recorded exchange(s) in {directory} compared with the {provider} mock: {verdict}")
    return "\n".join(lines)
