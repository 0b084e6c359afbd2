"""Cassettes: one recorded exchange per JSON file, readable and diffable. Pure: no I/O but bytes in/out.

A cassette (``"harness_cassette": 1``)::

    {"harness_cassette": 1, "provider": "openai", "upstream": "https://api.openai.com",
     "request": {"method": "POST", "path": "/v1/embeddings", "query": [], "headers": {"Authorization":
                 "Bearer fp-…", …}, "json": {…}},
     "response": {"status": 200, "headers": {"x-request-id": "req_…", …}, "json": {…}}}

Headers are objects in arrival order (a repeated header's values become a list).

Bodies are ``json`` (parsed, when the bytes are JSON that re-serialises to the same bytes, or at least
parses), ``text`` (UTF-8) or ``base64``. A stream response has ``"stream": {"format": "sse" | "eventstream",
"events": [...]}`` instead of a body: one entry per SSE event (``{"data": <json>}``, or ``{"text": raw}``)
or per AWS event-stream frame (``{"headers": {...}, "json": <payload>}``, or ``{"base64": frame}`` when the
decoded form would not re-encode to the same bytes); each may carry ``"t_ms"``, its arrival time after the
response started (recorded with timing on).

Secrets never reach a cassette: request headers and query go through :mod:`mocks.core.secrets` (keys,
Entra tokens and AWS key ids become fingerprints, SigV4 signatures ``***``), secret body fields are
fingerprinted, and any secret of the request found in the response (an echoed key) is replaced by its
fingerprint too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from mocks.bedrock.eventstream import encode_frame
from mocks.core.secrets import auth_secret, fingerprint, redact_body, redact_headers, redact_query

__all__ = [
    "FORMAT_VERSION",
    "HOP_BY_HOP",
    "body_bytes",
    "body_fields",
    "header_object",
    "header_pairs",
    "cassette_name",
    "event_bytes",
    "exchange",
    "match_key",
    "normalised_body",
    "split_events",
    "stream_format",
]

FORMAT_VERSION = 1
#: Response headers not stored (the replaying server sets its own framing).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"})
_SECRET_REQUEST_HEADERS = ("authorization", "api-key", "x-api-key", "x-amz-security-token")


def header_object(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Headers as a JSON object in order; a repeated name's values become a list."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            out[name] = [*(out[name] if isinstance(out[name], list) else [out[name]]), value]
        else:
            out[name] = value
    return out


def header_pairs(headers: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a :func:`header_object`."""
    return [(k, x) for k, v in headers.items() for x in (v if isinstance(v, list) else [v])]


def stream_format(content_type: str | None) -> str | None:
    """``"sse"``, ``"eventstream"`` or ``None`` for a response ``Content-Type``."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "text/event-stream":
        return "sse"
    if kind == "application/vnd.amazon.eventstream":
        return "eventstream"
    return None


def body_fields(data: bytes) -> dict[str, Any]:
    """How a body is stored: ``{"json": …}``, ``{"text": …}``, ``{"base64": …}`` or ``{}`` when empty."""
    if not data:
        return {}
    try:
        return {"json": orjson.loads(data)}
    except orjson.JSONDecodeError:
        pass
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def body_bytes(fields: dict[str, Any]) -> bytes:
    """The bytes of a body stored by :func:`body_fields` (JSON re-serialised compactly)."""
    if "json" in fields:
        return orjson.dumps(fields["json"])
    if "text" in fields:
        return str(fields["text"]).encode("utf-8")
    if "base64" in fields:
        return base64.b64decode(fields["base64"])
    return b""


def normalised_body(data: bytes) -> str:
    """What replay matches a body on: canonical JSON (sorted keys) of the redacted body, else its sha256."""
    data = redact_body(data)
    try:
        return json.dumps(orjson.loads(data), sort_keys=True, separators=(",", ":"))
    except orjson.JSONDecodeError:
        return "sha256:" + hashlib.sha256(data).hexdigest()


def match_key(method: str, path: str, body: bytes) -> tuple[str, str, str]:
    """The replay key of a request: method, path and normalised body."""
    return method.upper(), path, normalised_body(body)


# ---- streams ------------------------------------------------------------------------------------------


def _sse_blocks(data: bytes) -> Iterator[bytes]:
    pos = 0
    while pos < len(data):
        end = data.find(b"\n\n", pos)
        if end < 0:
            yield data[pos:]
            return
        yield data[pos : end + 2]
        pos = end + 2


def _sse_event(raw: bytes) -> dict[str, Any]:
    if raw.startswith(b"data: ") and raw.endswith(b"\n\n") and raw.count(b"\n") == 2:
        try:
            data = orjson.loads(raw[6:-2])
        except orjson.JSONDecodeError:
            data = None
        if data is not None and orjson.dumps(data) == raw[6:-2]:
            return {"data": data}
    return {"text": raw.decode("utf-8", "replace")}


def _frames(data: bytes) -> Iterator[bytes]:
    pos = 0
    while pos + 12 <= len(data):
        total = struct.unpack("!I", data[pos : pos + 4])[0]
        if total < 16:
            break
        yield data[pos : pos + total]
        pos += total
    if pos < len(data):
        yield data[pos:]


def _frame_headers(frame: bytes) -> dict[str, str] | None:
    """The string headers of a well-formed frame, or ``None`` (other header types, a cut frame)."""
    if len(frame) < 16:
        return None
    total, headers_length = struct.unpack("!II", frame[:8])
    if total != len(frame):
        return None
    pos, end, out = 12, 12 + headers_length, {}
    while pos < end:
        name_length = frame[pos]
        name = frame[pos + 1 : pos + 1 + name_length].decode("utf-8", "replace")
        pos += 1 + name_length
        if frame[pos] != 7:
            return None
        value_length = struct.unpack("!H", frame[pos + 1 : pos + 3])[0]
        out[name] = frame[pos + 3 : pos + 3 + value_length].decode("utf-8", "replace")
        pos += 3 + value_length
    return out


def _eventstream_event(frame: bytes) -> dict[str, Any]:
    headers = _frame_headers(frame)
    if headers is not None:
        start = 12 + struct.unpack("!I", frame[4:8])[0]
        payload = body_fields(frame[start:-4])
        event = {"headers": headers, **payload}
        if event_bytes("eventstream", event) == frame:
            return event
    return {"base64": base64.b64encode(frame).decode("ascii")}


def split_events(fmt: str, data: bytes) -> list[dict[str, Any]]:
    """A stream body as cassette events (SSE events or event-stream frames), in order."""
    if fmt == "sse":
        return [_sse_event(block) for block in _sse_blocks(data)]
    return [_eventstream_event(frame) for frame in _frames(data)]


def event_bytes(fmt: str, event: dict[str, Any]) -> bytes:
    """The wire bytes of one cassette event (inverse of :func:`split_events`)."""
    if "base64" in event and "headers" not in event:
        return base64.b64decode(event["base64"])
    if fmt == "sse":
        if "data" in event:
            return b"data: " + orjson.dumps(event["data"]) + b"\n\n"
        return str(event["text"]).encode("utf-8")
    payload = body_bytes({k: v for k, v in event.items() if k != "headers"})
    if "json" in event:  # AWS writes payload JSON the way the event was recorded
        payload = json.dumps(event["json"], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return encode_frame(event["headers"], payload)


# ---- exchanges ----------------------------------------------------------------------------------------


def _request_secrets(headers: Iterable[tuple[str, str]]) -> list[str]:
    """Raw secrets a request carries (for scrubbing echoes from the response; never stored)."""
    pairs = list(headers)
    out = [s for s in [auth_secret(pairs)] if s]
    for name, value in pairs:
        if name.lower() in _SECRET_REQUEST_HEADERS and value:
            out.append(value.strip())
            out.append(value.strip().partition(" ")[2].strip())
    return sorted({s for s in out if len(s) >= 8}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret in ``secrets`` replaced by its fingerprint."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, fingerprint(secret))
    return text


def exchange(
    *,
    provider: str,
    upstream: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    request_headers: Iterable[tuple[str, str]],
    request_body: bytes,
    status: int,
    response_headers: Iterable[tuple[str, str]],
    response_body: bytes,
    arrivals_ms: list[tuple[int, float]] | None = None,
    complete: bool = True,
) -> dict[str, Any]:
    """A cassette for one exchange, secrets removed (see the module docstring).

    ``arrivals_ms``: ``(byte offset, ms since the response started)`` per received chunk; with it, each
    stream event gets ``t_ms`` (when its last byte arrived).
    """
    headers = list(request_headers)
    secrets = _request_secrets(headers)
    kept = [(k, scrub(v, secrets)) for k, v in response_headers if k.lower() not in HOP_BY_HOP]
    content_type = next((v for k, v in kept if k.lower() == "content-type"), None)
    fmt = stream_format(content_type) if 200 <= status < 300 else None
    response: dict[str, Any] = {"status": status, "headers": header_object(kept)}
    if fmt is None:
        response.update(_scrubbed(body_fields(response_body), secrets))
    else:
        events = [_scrubbed(e, secrets) for e in split_events(fmt, response_body)]
        if arrivals_ms:
            _stamp(events, fmt, arrivals_ms)
        response["stream"] = {"format": fmt, "events": events}
    if not complete:
        response["complete"] = False
    return {
        "harness_cassette": FORMAT_VERSION,
        "provider": provider,
        "upstream": upstream,
        "request": {
            "method": method.upper(),
            "path": path,
            "query": [list(p) for p in redact_query(query)],
            "headers": header_object(redact_headers(headers)),
            **body_fields(redact_body(request_body)),
        },
        "response": response,
    }


def _scrubbed(fields: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    if not secrets:
        return fields
    text = json.dumps(fields)
    if not any(s in text for s in secrets):
        return fields
    return json.loads(scrub(text, secrets))  # type: ignore[no-any-return]


def _stamp(events: list[dict[str, Any]], fmt: str, arrivals_ms: list[tuple[int, float]]) -> None:
    end = 0
    for event in events:
        end += len(event_bytes(fmt, event))
        event["t_ms"] = round(next((t for offset, t in arrivals_ms if offset >= end), arrivals_ms[-1][1]), 1)


_SLUG = re.compile(r"[^a-z0-9]+")


def cassette_name(seq: int, method: str, path: str) -> str:
    """``0003-post-v1-embeddings.json``: sortable, readable."""
    slug = _SLUG.sub("-", path.lower()).strip("-")[:60] or "root"
    return f"{seq:04d}-{method.lower()}-{slug}.json"
