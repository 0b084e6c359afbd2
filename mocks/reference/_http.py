"""Elasticsearch's HTTP edges: JSON and SSE responses, request bodies, routing errors.

Sources (``elastic/elasticsearch``): ``rest/RestController.java`` (``handleBadRequest``,
``handleUnsupportedHttpMethod``, content-type checks), ``rest/RestResponse.java``
(``createSimpleErrorResponse``), ``x-pack/.../inference/rest/ServerSentEventsRestActionListener.java``
(SSE framing), ``modules/transport-netty4/.../Netty4HttpContentSizeHandler.java`` (413).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
from werkzeug.wrappers import Request, Response

from contract.errors import RuleViolation, es_error

__all__ = [
    "DONE_EVENT",
    "PRODUCT_HEADERS",
    "content_type_error",
    "es_json",
    "http_layer_error",
    "parse_json_body",
    "require_body",
    "raw_uri",
    "scrub",
    "scrub_stream",
    "simple_error",
    "sse_event",
    "too_large",
]

#: Sent on every response: the official clients refuse a server without it.
PRODUCT_HEADERS: Mapping[str, str] = {"X-elastic-product": "Elasticsearch"}

_BOM = "\ufeff".encode()
#: ``ServerSentEventDoneBodyPart``: BOM, ``event: message``, ``data: [DONE]``.
DONE_EVENT = _BOM + b"event: message\ndata: [DONE]\n\n"
_JSON_TYPES = ("application/json", "application/vnd.elasticsearch+json")


def _content_type(request: Request) -> str:
    accept = request.headers.get("Accept", "")
    if "vnd.elasticsearch+json" in accept:
        version = accept.split("compatible-with=", 1)[1].split(";")[0].strip() if "compatible-with=" in accept else "8"
        return f"application/vnd.elasticsearch+json;compatible-with={version}"
    return "application/json"


def es_json(request: Request, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response with Elasticsearch's headers (content type follows a compatible-with ``Accept``)."""
    response = Response(orjson.dumps(data), status=status, content_type=_content_type(request))
    response.headers.update(PRODUCT_HEADERS)
    if headers:
        response.headers.update(headers)
    return response


def simple_error(request: Request, status: int, message: str, *, with_status: bool = True) -> Response:
    """``{"error": message, "status": N}`` (``createSimpleErrorResponse``); without ``status`` for
    ``handleBadRequest``'s ``no handler found`` answer."""
    body: dict[str, Any] = {"error": message}
    if with_status:
        body["status"] = status
    return es_json(request, body, status)


#: Errors of the HTTP layer as ES's Netty transport answers them: a 400 whose type names Netty's decoder
#: exception (``TooLongHttpLineException``, ``TooLongHttpHeaderException``; inferred from
#: ``modules/transport-netty4/.../Netty4HttpRequest`` decoder failures rendered by ``RestController``,
#: elastic/elasticsearch 8.x-9.x). The limits are werkzeug's (64 KiB line, 64 KiB header line, 100 headers),
#: not ES's ``http.max_initial_line_length`` / ``http.max_header_size``.
_LAYER_TYPES = {
    414: ("too_long_http_line_exception", "An HTTP line is larger than 65536 bytes."),
    431: ("too_long_http_header_exception", "HTTP header is larger than 65536 bytes or more than 100 headers."),
}


def http_layer_error(status: int, message: str) -> Response:
    """An error the HTTP server answers before routing (414, 431, bad framing 400, 505), in ES's format."""
    if status in _LAYER_TYPES:
        error_type, reason = _LAYER_TYPES[status]
        body: dict[str, Any] = es_error(400, error_type, reason)
        status = 400
    else:
        body = {"error": message, "status": status}
    response = Response(orjson.dumps(body), status=status, content_type="application/json")
    response.headers.update(PRODUCT_HEADERS)
    return response


def too_large() -> Response:
    """ES's 413: empty body, ``Content-Length: 0``, connection closed (``Netty4HttpContentSizeHandler``)."""
    response = Response(b"", status=413)
    response.headers.update(PRODUCT_HEADERS)
    response.headers["Connection"] = "close"
    return response


def raw_uri(request: Request) -> str:
    """The request URI as the client sent it (path and query), as ES prints it in routing errors."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _location(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def require_body(request: Request) -> None:
    """Raise ``body.required`` when the request has no body (``RestRequest#requiredContent``)."""
    if not request.get_data(cache=True).strip():
        raise RuleViolation("body.required")


def parse_json_body(request: Request, *, required: bool = True) -> Any:
    """The request body parsed as JSON, or ``None`` when there is none and it is optional.

    Raises ``body.required`` (no body), ``body.malformed`` (invalid UTF-8, invalid JSON, duplicate keys;
    Jackson's ``[line:column]`` location is kept, the detail wording is approximate).
    """
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise RuleViolation("body.required")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", "replace")
        line, column = _location(prefix, len(prefix))
        raise RuleViolation(
            "body.malformed", line=line, column=column, detail=f"Invalid UTF-8 start byte 0x{data[exc.start]:x}"
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        raise RuleViolation("body.malformed", line=1, column=1, detail=f"Duplicate field '{dup.key}'") from None
    except json.JSONDecodeError as exc:
        line, column = exc.lineno, exc.colno
        char = text[exc.pos] if exc.pos < len(text) else None
        detail = f"Unexpected character ('{char}' (code {ord(char)}))" if char else "Unexpected end-of-input"
        raise RuleViolation("body.malformed", line=line, column=column, detail=detail) from None
    except RecursionError:
        raise RuleViolation(
            "body.malformed", line=1, column=1, detail="Document nesting depth exceeds the maximum allowed"
        ) from None


def content_type_error(request: Request) -> str | None:
    """ES's 406 message when a request with a body has a missing or unsupported ``Content-Type``."""
    if not request.get_data(cache=True):
        return None
    header = request.headers.get("Content-Type")
    if header is None:
        return "Content-Type header is missing"
    media = header.split(";", 1)[0].strip().lower()
    if media not in _JSON_TYPES:
        return f"Content-Type header [{header}] is not supported"
    return None


def sse_event(data: Any, event: str = "message") -> bytes:
    """One SSE event as ES frames it: BOM, ``event: <type>``, ``data: <json>``, blank line."""
    payload = data if isinstance(data, bytes) else orjson.dumps(data)
    return _BOM + f"event: {event}\n".encode() + b"data: " + payload + b"\n\n"


def scrub(data: bytes, secrets: Iterable[str]) -> bytes:
    """``data`` with every secret value replaced by ``[REDACTED]`` (a last line of defence, e.g. a key
    echoed in an upstream error message)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            data = data.replace(secret.encode(), b"[REDACTED]")
    return data


def scrub_stream(chunks: Iterable[bytes], secrets: Iterable[str]) -> Iterator[bytes]:
    """Scrub every chunk of a streamed body."""
    values = [s for s in secrets if s]
    for chunk in chunks:
        yield scrub(chunk, values)
