"""WSGI plumbing of the mocks: JSON answers and bodies, request bodies that cannot be read, and the request
as the fast path reads it.

* :func:`json_response` (orjson, numpy arrays allowed) and :func:`json_or_none` (a body's JSON, or ``None``):
  shared by :class:`~mocks.core.app.MockApp`, its admin API (:mod:`mocks.core.admin`) and the providers.
* :func:`drain` (an oversized body read and dropped, so the client sees the 413), :func:`read_timed_out`
  and :func:`caused_by` (what an exception raised while reading or sending wraps; the reference target
  reads its own failures with them too).
* The fast path (``MockApp.fast_routes``) reads the WSGI ``environ`` directly, without a werkzeug
  ``Request``: :func:`declared_body`, :func:`environ_headers` and :func:`environ_query` give what the
  ``Request`` would (same names, order and values), :func:`status_line` the status line of its answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

__all__ = [
    "caused_by",
    "declared_body",
    "drain",
    "environ_headers",
    "environ_query",
    "json_or_none",
    "json_response",
    "read_timed_out",
    "status_line",
]

#: numpy arrays in a response (embeddings) serialise in orjson's native loop, not as Python floats.
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY
#: :func:`drain` reads at most this much of an oversized body (one declared longer is not read at all).
_DRAIN_LIMIT = 64 * 1024 * 1024
_STATUS_LINES: dict[int, str] = {code: f"{code} {reason}" for code, reason in HTTP_STATUS_CODES.items()}
_HEADER_NAMES_MAX = 4096
# WSGI environ key -> header name (None when the key is not a header). Granian copies the process
# environment into every environ, so most keys are not headers: one dict lookup each beats parsing.
_header_names: dict[str, str | None] = {}
_UNSEEN: Any = object()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised with orjson (numpy arrays allowed, written as JSON arrays)."""
    return Response(
        orjson.dumps(data, option=_ORJSON_OPTIONS),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def json_or_none(data: bytes) -> Any:
    """``data`` parsed as JSON; ``None`` when it is empty or not JSON."""
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def status_line(status: int) -> str:
    """The WSGI status line of ``status`` (``"200 OK"``; an unknown code reads ``UNKNOWN``)."""
    return _STATUS_LINES.get(status) or f"{status} UNKNOWN"


def declared_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body of a request with a valid ``Content-Length`` within ``limit``, else ``None`` (nothing read)."""
    text = environ.get("CONTENT_LENGTH")
    if not text or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    try:
        length = int(text)
    except ValueError:
        return None
    if not 0 <= length <= limit:
        return None
    try:
        data: bytes = environ["wsgi.input"].read(length) if length else b""
    except (OSError, ValueError):  # the client went away: the regular path deals with the stream
        return None
    return data


def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_"):
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            return None
        return key[5:].replace("_", "-").title()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").title()
    return None


def environ_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request headers as werkzeug's ``EnvironHeaders`` lists them (same names, order and values)."""
    out = []
    names = _header_names
    for key, value in environ.items():
        name = names.get(key, _UNSEEN)
        if name is _UNSEEN:
            name = _header_name(key)
            if len(names) < _HEADER_NAMES_MAX:  # bounded: header names come from clients
                names[key] = name
        # werkzeug lists HTTP_* values as they are, CONTENT_TYPE/CONTENT_LENGTH only when non-empty
        if name is not None and (value or key[0] == "H"):
            out.append((name, value))
    return out


def environ_query(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The query pairs as werkzeug's ``request.args.items(multi=True)`` lists them."""
    qs = environ.get("QUERY_STRING")
    if not qs:
        return []
    return parse_qsl(qs.encode("latin1").decode(), keep_blank_values=True, errors="werkzeug.url_quote")


def drain(request: Request) -> None:
    """Read and drop an oversized body so the client sees the 413 instead of a reset."""
    stream = request.environ.get("wsgi.input")
    length = request.content_length
    if stream is None or (length is not None and length > _DRAIN_LIMIT):
        return
    remaining = length if length is not None else _DRAIN_LIMIT
    try:
        while remaining > 0:
            chunk = stream.read(min(65536, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except (OSError, ValueError):
        pass


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or an exception it wraps is a ``kind``: through ``__cause__`` / ``__context__``, a
    ``reason`` attribute (urllib3) and an exception as the last argument (urllib3's ``ProtocolError("Connection
    broken: ...", ConnectionResetError(...))``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        nxt = current.__cause__ or current.__context__ or getattr(current, "reason", None)
        if nxt is None and current.args and isinstance(current.args[-1], BaseException):
            nxt = current.args[-1]
        current = nxt if isinstance(nxt, BaseException) else None
    return False


def read_timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` or an exception it wraps (werkzeug's chunk reader wraps some) is a socket timeout."""
    return caused_by(exc, TimeoutError)
