"""Shared core of every provider mock.

Public API (stable; other mocks and the harness code against it):

* ``fingerprint(secret) -> str``: ``"fp-" + sha256(secret)[:16]``.
* ``redact_headers(headers) -> tuple[tuple[str, str], ...]``, ``redact_header(name, value) -> str``,
  ``redact_query(pairs)``, ``redact_body(bytes)``, ``auth_secret(headers) -> str | None`` (raw secret, for
  fingerprinting only).
* ``Call`` (NamedTuple: ``seq, service, method, path, query, headers, body, time, status, matched,
  endpoint``; ``.json``, ``.model``, ``.key``, ``.header(name)``, ``.query_param(name)``, ``.to_dict()``).
* ``Journal(maxlen=10_000)``: ``record(...)``, ``calls``, ``last``, ``count(**flt)``, ``filter(**flt)``,
  ``assert_called(times=None, **expected)``, ``clear()``, ``to_json()``. Filters: ``method``, ``path``
  (exact or glob), ``service``, ``endpoint``, ``status``, ``matched``, ``model``, ``key`` (fingerprint),
  ``json`` (dict subset), ``headers`` (dict), ``query`` (dict).
* ``Fault(kind, status=500, headers={}, body=None, message=None, code=None, type=None, latency_ms=0,
  after=1, close="reset", path=None, model=None, key=None, times=None, probability=1.0)``; ``FAULT_KINDS``
  (``http_error``, ``latency``, ``reset``, ``malformed_json``, ``sse_cut``: ``after`` stream events and half
  the next, then a TCP reset, or with ``close="fin"`` an orderly shutdown, so the client reads EOF inside the
  chunked body; ``eventstream_corrupt``, ``stream_error``: the provider's own error event after ``after``
  stream events, streamed requests only);
  ``FaultSchedule(seed)``: ``add(fault | dict) -> id``, ``remove(id)``, ``clear()``, ``list()``,
  ``pick(path, model=None, key=None, *, stream=None) -> Fault | None``, ``to_dict()``; ``Fault.from_dict`` /
  ``.to_dict``.
  Every spec is validated by ``mocks.core.fault_schema.FAULT_SCHEMA`` (a JSON Schema): a refused one raises
  ``FaultSpecError`` (a ``ValueError`` whose ``field`` names the field), a 400 at the admin API.
* ``embedding_for(text_or_tokens, *, model, dimensions, seed=0) -> list[float]``, ``embedding_bytes(...)``
  (little-endian float32), ``embedding_array(...)`` (read-only numpy), ``completion_for(prompt, *, model,
  seed=0) -> str``, ``token_count(text_or_tokens) -> int``.
* ``MockApp(*, seed=0, journal_maxlen=10_000)``: subclass with ``service``, ``url_map`` and
  ``on_<endpoint>(request, **values)``; hooks ``render_error(status, message, code=None, type=None,
  headers=None) -> Response``, ``fault_response(fault, request)``, ``handle_unmatched(request, exc)``,
  ``handle_http_exception(request, exc)``, ``request_model(request, endpoint, values)``,
  ``add_response_headers(request, response)`` (the provider's headers on every answer, errors included),
  ``request_streams(request, endpoint, values) -> bool``, ``render_stream_error(fault, fmt) -> bytes``,
  ``corrupt_eventstream(data)`` (default: one byte flipped; Bedrock breaks a frame's CRC),
  ``internal_error_message`` (each provider's 500 wording); attributes ``journal``, ``faults``, ``errors``; ``reset()``.
  ``ProviderError(response)``: raise it (or a subclass) from a handler to answer ``response``.
  ``json_response(data, status=200, headers=None)`` (``mocks.core.wsgi``).
* The admin API under ``/__admin/`` (``mocks.core.admin``); the faults that break the wire (resets, cut
  streams, corrupted bodies, mid-stream error events) applied in ``mocks.core.wire_faults``.
* ``MockApp.fast_routes`` / ``fast_<endpoint>(environ, body) -> FastResponse | None``: an optional fast path
  for hot routes while no fault is scheduled (same outputs; falls back to the regular path).
* ``AppServer(app, host="127.0.0.1", port=0, *, read_timeout=60.0)``: one thread per connection;
  HTTP-layer errors rendered by the app's ``http_layer_error``; ``start()``, ``stop()``, ``url``, ``clear()``,
  ``raise_errors()``, context manager (re-raises server-thread errors on a clean exit);
  ``MockServer(app, ...)``: an ``AppServer`` of a ``MockApp``, adding ``journal`` and ``faults``.
* ``mocks.core.sse``: ``sse_body(chunks)``, ``sse_error_event(message, *, type, code, param)``.
"""

from mocks.core.app import MockApp, ProviderError
from mocks.core.faults import FAULT_KINDS, Fault, FaultSchedule
from mocks.core.journal import Call, Journal
from mocks.core.secrets import (
    auth_secret,
    fingerprint,
    redact_body,
    redact_header,
    redact_headers,
    redact_query,
)
from mocks.core.server import MockServer
from mocks.core.vectors import completion_for, embedding_array, embedding_bytes, embedding_for, token_count
from mocks.core.wsgi import json_response

__all__ = [
    "FAULT_KINDS",
    "Call",
    "Fault",
    "FaultSchedule",
    "Journal",
    "MockApp",
    "MockServer",
    "ProviderError",
    "auth_secret",
    "completion_for",
    "embedding_array",
    "embedding_bytes",
    "embedding_for",
    "fingerprint",
    "json_response",
    "redact_body",
    "redact_header",
    "redact_headers",
    "redact_query",
    "token_count",
]
