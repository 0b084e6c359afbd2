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

from contract import rest
from contract.errors import RuleViolation, es_error

__all__ = [
    "DONE_EVENT",
    "PRODUCT_HEADERS",
    "bool_param",
    "compatible_error",
    "content_type_error",
    "es_json",
    "flag",
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


def bool_param(request: Request, name: str) -> bool:
    """A request parameter read as ``RestRequest#paramAsBoolean``: absent ``False``, empty or ``true``
    ``True``, ``false`` ``False``; any other value is refused (rule ``param.boolean``)."""
    value = request.args.get(name)
    if value is None:
        return False
    if value in ("", "true"):
        return True
    if value == "false":
        return False
    raise RuleViolation("param.boolean", value=value)


def flag(request: Request, name: str) -> bool:
    """A response parameter read as ``paramAsBoolean``: present and empty, or ``true``."""
    value = request.args.get(name)
    return value is not None and value in ("", "true")


def es_json(request: Request, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response with Elasticsearch's headers (content type follows a compatible-with ``Accept``) and
    its response parameters (rules ``rest.*``): ``filter_path`` on a success body only (``newErrorBuilder``
    builds without filtering), ``error_trace`` adds ``stack_trace`` to an error other than a 401, ``pretty``
    on every body; ``X-elastic-product`` on every answer but a 401 or 403 (``RestResponse#filterHeaders``)."""
    if status < 300 and request.args.get("filter_path"):
        data = rest.filter_path(data, request.args.get("filter_path"))
    if status >= 400 and status != 401 and flag(request, "error_trace"):
        data = _with_stack_traces(data)
    body = rest.pretty_json(data).encode() if flag(request, "pretty") else orjson.dumps(data)
    response = Response(body, status=status, content_type=_content_type(request))
    if status not in (401, 403):
        response.headers.update(PRODUCT_HEADERS)
    if headers:
        response.headers.update(headers)
    return response


def _with_stack_traces(data: Any) -> Any:
    """The error envelope with ``stack_trace`` on the error, each root cause and each cause (what
    ``REST_EXCEPTION_SKIP_STACK_TRACE=false`` renders; the frames are the reference's own, not a JVM's)."""
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return data

    def traced(error: dict[str, Any]) -> dict[str, Any]:
        out = dict(error)
        name = "".join(part.capitalize() for part in str(error.get("type", "exception")).split("_"))
        out["stack_trace"] = f"{name}[{error.get('reason', '')}]\n\tat mocks.reference (the reference target)"
        if isinstance(error.get("caused_by"), dict):
            out["caused_by"] = traced(error["caused_by"])
        if isinstance(error.get("root_cause"), list):
            out["root_cause"] = [traced(c) if isinstance(c, dict) else c for c in error["root_cause"]]
        return out

    return {**data, "error": traced(data["error"])}


def compatible_error(request: Request, es_version: str) -> Response | None:
    """The 400 ``media_type_header_exception`` of a ``compatible-with`` version the line does not accept
    (``RestCompatibleVersionHelper#getCompatibleVersion``; rule ``rest.compatible_with.refused``), else ``None``.

    Only the version ranges: the 8.0-era helper also refuses a versioned ``Content-Type`` beside an unversioned
    ``Accept``, which the official client's own ``_stream`` calls send (``Accept: text/event-stream``) and which
    Elasticsearch answers, so the newer helper (not read) differs there; those checks are left out."""
    current, minimum = rest.compatible_versions(es_version)
    accept, content_type = request.headers.get("Accept", ""), request.headers.get("Content-Type", "")
    a_version = rest.compatible_with(accept)
    has_body = bool(request.get_data(cache=True))
    c_version = rest.compatible_with(content_type) if has_body else None
    accept_version = current if a_version is None else a_version
    content_version = current if c_version is None else c_version
    reason = None
    if not minimum <= accept_version <= current:
        reason = (
            f"Accept version must be either version {current} or {minimum}, but found {accept_version}. Accept={accept}"
        )
    elif has_body and not minimum <= content_version <= current:
        reason = (
            f"Content-Type version must be either version {current} or {minimum}, but found {content_version}. "
            f"Content-Type={content_type}"
        )
    if reason is None:
        return None
    body = es_error(
        400,
        "media_type_header_exception",
        "Invalid media-type value on headers [Accept, Content-Type]",
        caused_by={"type": "status_exception", "reason": reason},
    )
    # the cause is an ElasticsearchException: the root cause is the header exception itself (guessRootCauses)
    body["error"]["root_cause"] = [{"type": "media_type_header_exception", "reason": body["error"]["reason"]}]
    response = es_json(request, body, 400)
    response.content_type = "application/json"  # answered as the request without the failed headers
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
