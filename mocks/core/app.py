"""``MockApp``: the WSGI base every provider mock extends.

A subclass sets ``service`` and ``url_map`` (a werkzeug ``Map`` whose rules name endpoints), writes one
``on_<endpoint>(request, **values) -> Response`` method per rule, and renders the provider's own errors in
:meth:`MockApp.render_error`. The base class does the rest, the same way for every provider:

* reads the body before dispatch (over :attr:`MockApp.max_body_bytes` -> a provider-format 413);
* records every request (matched or not, except ``/__admin/``) in :attr:`MockApp.journal` with the final
  status, secrets fingerprinted;
* applies faults from :attr:`MockApp.faults` to matched requests (a ``stream_error`` fault only to requests
  :meth:`MockApp.request_streams` says are streamed; its error event comes from
  :meth:`MockApp.render_stream_error`, which each provider renders in its own format);
* turns any unexpected exception into a provider-format 500 with a generic message (no traceback, no
  secret) and keeps the exception in :attr:`MockApp.errors` so a test can re-raise it;
* serves the admin API under ``/__admin/`` (:mod:`mocks.core.admin`), where a harness run also registers
  the credentials it uses (:meth:`MockApp.register_key`, :meth:`MockApp.register_credentials`).

A fault that breaks the wire (a reset, a cut stream, a corrupted or truncated body, a mid-stream error
event) is applied by :mod:`mocks.core.wire_faults`; the JSON and environ plumbing is :mod:`mocks.core.wsgi`.

Fast path: a subclass may list hot routes in :attr:`MockApp.fast_routes` (``(method, path) -> endpoint``)
and write ``fast_<endpoint>(environ, body) -> FastResponse | None``. While no fault is scheduled, a request
to such a route with a ``Content-Length`` body is answered from the WSGI ``environ`` directly, without
werkzeug ``Request``/``Response`` objects or URL matching, and recorded like any other call. The fast
handler answers only the happy path: it returns ``None`` for anything else (an auth failure, a validation
error), and the request then takes the regular path, which renders the error. Outputs are the same on
both paths; only the cost differs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any, ClassVar, NamedTuple

from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from mocks.core import admin, wire_faults
from mocks.core.faults import Fault, FaultSchedule
from mocks.core.journal import Journal
from mocks.core.secrets import auth_secret, fingerprint
from mocks.core.sse import sse_error_event
from mocks.core.wsgi import (
    declared_body,
    drain,
    environ_headers,
    environ_query,
    json_or_none,
    json_response,
    read_timed_out,
    status_line,
)

__all__ = ["FastResponse", "MockApp", "ProviderError"]

_MAX_ERRORS = 100


class FastResponse(NamedTuple):
    """What a ``fast_<endpoint>`` handler answers: a status, extra headers and a JSON body.

    The base app adds ``Content-Type: application/json`` and ``Content-Length``.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ProviderError(HTTPException):
    """Base of a provider's errors: an ``HTTPException`` whose ``get_response`` renders the provider's body.

    Raise a subclass from an ``on_<endpoint>`` method; the base app returns its response as is.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response=response)
        self.code = response.status_code


class MockApp:
    """Base WSGI app of a provider mock (see the module docstring)."""

    #: Service name recorded on each call (``"openai"``, ``"azureopenai"``, ``"amazonbedrock"``, ``"es"``).
    service: ClassVar[str] = "mock"
    #: The provider's routes; endpoint ``name`` dispatches to ``on_<name>``.
    url_map: ClassVar[Map] = Map([])
    #: Requests with larger bodies get a 413 in the provider's format.
    max_body_bytes: ClassVar[int] = 10 * 1024 * 1024
    #: Message of the 500 answered when the mock itself fails (and of a ``stream_error`` fault's default
    #: event); each provider sets its own wording.
    internal_error_message: ClassVar[str] = "Internal server error."
    #: Hot routes answered by ``fast_<endpoint>(environ, body)`` while no fault is scheduled (see the
    #: module docstring): exact ``(REQUEST_METHOD, PATH_INFO)`` -> endpoint name.
    fast_routes: ClassVar[dict[tuple[str, str], str]] = {}

    def __init__(self, *, seed: int = 0, journal_maxlen: int = 10_000) -> None:
        self.seed = seed
        self.journal = Journal(maxlen=journal_maxlen)
        self.faults = FaultSchedule(seed)
        self.errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        #: API keys / bearer tokens accepted at run time even where the mock restricts keys
        self.registered_keys: set[str] = set()
        self._runs: dict[str, list[tuple[str, str]]] = {}
        self._credentials_lock = threading.Lock()

    # ---- hooks for subclasses -------------------------------------------------------------------------

    def render_error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Render an error in the provider's format. Override in every provider mock."""
        return json_response({"error": {"message": message, "type": type, "code": code}}, status, headers)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """The response of an ``http_error`` fault: ``fault.body`` verbatim, else a provider error."""
        if fault.body is not None:
            response = Response(fault.body, status=fault.status, headers=fault.headers, mimetype="application/json")
            response.verbatim = True  # type: ignore[attr-defined]  # sent as given: no provider headers added
            return response
        message = fault.message or HTTP_STATUS_CODES.get(fault.status, "Error")
        return self.render_error(fault.status, message, code=fault.code, type=fault.type, headers=fault.headers)

    def render_stream_error(self, fault: Fault, fmt: str) -> bytes:
        """The mid-stream error event of a ``stream_error`` fault, in the provider's stream format ``fmt``
        (``"sse"`` or ``"eventstream"``). Default: :func:`mocks.core.sse.sse_error_event` (``message`` /
        ``type`` / ``code`` from the fault when set, else :attr:`internal_error_message` and
        ``server_error``); a provider with another stream format overrides it."""
        if fmt != "sse":
            raise NotImplementedError(f"{type(self).__name__} renders no {fmt} stream error")
        return sse_error_event(
            fault.message or self.internal_error_message, type=fault.type or "server_error", code=fault.code
        )

    def request_streams(self, request: Request, endpoint: str, values: dict[str, Any]) -> bool:
        """Whether the request asks for a streamed answer (for ``stream_error`` faults): a ``*stream``
        endpoint, or a JSON body with ``"stream": true``."""
        if endpoint.endswith("stream"):
            return True
        body = json_or_none(request.get_data(cache=True))
        return isinstance(body, dict) and body.get("stream") is True

    def add_response_headers(self, request: Request, response: Response) -> None:
        """Add the headers the provider sends on every answer (request id, version, rate limits…) to
        ``response``: successes, errors, unmatched paths, faults and the mock's own 500s alike (not an
        ``http_error`` fault with a verbatim ``body``: that answer is sent exactly as the fault says). Default:
        nothing. Providers override it; ids drawn here must be seeded so a run reproduces."""

    def http_layer_error(self, status: int, message: str) -> Response:
        """An error the HTTP server answers before the app runs (414 long URL, 431 large headers, 400 bad
        framing, 505...): the provider's own error format, never an HTML page. Not recorded (no request)."""
        return self.render_error(status, message)

    def handle_unmatched(self, request: Request, exc: HTTPException) -> Response:
        """The response to a request no rule matched (404/405): a provider error by default."""
        code = exc.code or 404
        return self.render_error(code, HTTP_STATUS_CODES.get(code, "Not Found"))

    def handle_http_exception(self, request: Request, exc: HTTPException) -> Response:
        """Turn an ``HTTPException`` raised by a handler into a response (provider errors pass through)."""
        if isinstance(exc, ProviderError) and isinstance(exc.response, Response):
            return exc.response
        code = exc.code or 500
        return self.render_error(code, exc.description or HTTP_STATUS_CODES.get(code, "Error"))

    def request_model(self, request: Request, endpoint: str, values: dict[str, Any]) -> str | None:
        """The model a request targets (for fault matching): a path value, else the JSON body's ``model``."""
        for name in ("model", "model_id", "deployment"):
            if isinstance(values.get(name), str):
                return str(values[name])
        body = json_or_none(request.get_data(cache=True))
        model = body.get("model") if isinstance(body, dict) else None
        return model if isinstance(model, str) else None

    def corrupt_eventstream(self, data: bytes) -> bytes:
        """The body of an ``eventstream_corrupt`` fault. Default: one byte in the middle flipped; a provider
        that streams a framed format (Bedrock's AWS event stream) overrides it to break a frame checksum."""
        if not data:
            return data
        pos = len(data) // 2
        return data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1 :]

    def health_extra(self) -> dict[str, Any]:
        """Extra fields of ``GET /__admin/health`` (a provider adds e.g. the regions it answers)."""
        return {}

    # ---- credentials registered at run time -----------------------------------------------------------

    def register_key(self, secret: str, *, run: str = "") -> str:
        """Accept ``secret`` (an API key or bearer token) from now on, even where the mock restricts keys;
        return its fingerprint. ``run`` groups it with the other credentials of one harness run."""
        if not isinstance(secret, str) or not secret:
            raise ValueError("api_key / entra_token must be a non-empty string")
        with self._credentials_lock:
            self.registered_keys.add(secret)
            self._runs.setdefault(run, []).append(("key", secret))
        return fingerprint(secret)

    def register_credentials(self, access_key: str, secret_key: str, *, run: str = "") -> str:
        """Verify signatures made with an AWS key pair (Bedrock overrides this); other mocks take none."""
        raise ValueError(f"the {self.service} mock takes no AWS credentials")

    def _remember(self, run: str, kind: str, secret: str) -> None:
        with self._credentials_lock:
            self._runs.setdefault(run, []).append((kind, secret))

    def forget_credentials(self, run: str) -> int:
        """Forget every credential registered with ``run``; return how many."""
        with self._credentials_lock:
            items = self._runs.pop(run, [])
            for kind, secret in items:
                self.forget_credential(kind, secret)
        return len(items)

    def forget_credential(self, kind: str, secret: str) -> None:
        """Forget one registered credential (``kind`` ``"key"``; providers add theirs). Called locked."""
        if kind == "key":
            self.registered_keys.discard(secret)

    def key_registered(self, secret: str) -> bool:
        """True when ``secret`` was registered at run time (an accepted key even if not configured)."""
        return secret in self.registered_keys

    # ---- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body: bytes | None = None
        endpoint = self.fast_routes.get((environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")))
        if endpoint is not None and not len(self.faults):
            body = declared_body(environ, self.max_body_bytes)
            if body is not None:
                answer = self._serve_fast(environ, endpoint, body)
                if answer is not None:
                    headers = [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(answer.body))),
                    ]
                    start_response(status_line(answer.status), headers + answer.headers)
                    return [answer.body]
        request = Request(environ)
        if body is not None:
            request._cached_data = body  # type: ignore[attr-defined]  # already read by the fast path
        if request.path.startswith("/__admin/") or request.path == "/__admin":
            return self._admin(request)(environ, start_response)
        response = self._serve(request)
        return response(environ, start_response)

    def _serve_fast(self, environ: dict[str, Any], endpoint: str, body: bytes) -> FastResponse | None:
        """Answer and record a fast-path request, or ``None`` to serve it the regular way."""
        try:
            answer: FastResponse | None = getattr(self, f"fast_{endpoint}")(environ, body)
        except Exception:  # noqa: BLE001 - the regular path answers (and keeps the error if it recurs)
            return None
        if answer is None:
            return None
        self.journal.record(
            service=self.service,
            method=environ["REQUEST_METHOD"],
            path=environ["PATH_INFO"],
            query=environ_query(environ),
            headers=environ_headers(environ),
            body=body,
            status=answer.status,
            matched=True,
            endpoint=endpoint,
        )
        return answer

    def _serve(self, request: Request) -> Response:
        endpoint, matched, fault = "", False, None
        try:
            try:
                body = self._read_body(request)
            except (OSError, ClientDisconnected) as exc:  # a stalled upload timed out, bad chunked framing,
                request._cached_data = b""  # type: ignore[attr-defined]  # or the client left mid-body
                status, message = (
                    (408, "Timed out reading the request body.")
                    if read_timed_out(exc)
                    else (400, "The request body could not be read (invalid chunked encoding or a short body).")
                )
                response = self.render_error(status, message, headers={"Connection": "close"})
                self._record(request, b"", response.status_code, False, "")
                return response
            if body is None:
                response = self.render_error(413, "Request body too large.", headers={"Connection": "close"})
                self.add_response_headers(request, response)
                self._record(request, b"", response.status_code, False, "")
                return response
            try:
                adapter = self.url_map.bind_to_environ(request.environ)
                rule, matched_values = adapter.match(return_rule=True)
                values: dict[str, Any] = dict(matched_values)
            except HTTPException as exc:
                response = self.handle_unmatched(request, exc)
            else:
                endpoint, matched = str(rule.endpoint), True
                if len(self.faults):
                    secret = auth_secret(request.headers.items())
                    fault = self.faults.pick(
                        request.path,
                        self.request_model(request, endpoint, values),
                        fingerprint(secret) if secret else None,
                        stream=self.request_streams(request, endpoint, values),
                    )
                response = self._dispatch(request, endpoint, values, fault)
        except ConnectionError:
            if request.environ.get("werkzeug.socket") is None:  # granian: no socket to reset; the answer's
                return Response(wire_faults.broken_body(), status=200, mimetype="application/json")  # body breaks
            raise
        except Exception as exc:  # noqa: BLE001 - the mock's own bug: never a traceback on the wire
            self._keep_error(exc)
            response = self.render_error(500, self.internal_error_message)
        if not getattr(response, "verbatim", False):
            self.add_response_headers(request, response)
        self._record(request, request.get_data(cache=True), response.status_code, matched, endpoint)
        return response

    def _dispatch(self, request: Request, endpoint: str, values: dict[str, Any], fault: Fault | None) -> Response:
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.latency_ms / 1000.0)
            elif fault.kind == "reset":
                self._record(request, request.get_data(cache=True), 0, True, endpoint)
                wire_faults.abort_connection(request.environ)
            elif fault.kind == "http_error":
                return self.fault_response(fault, request)
        try:
            response: Response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = self.handle_http_exception(request, exc)
        if fault is not None and fault.kind in ("malformed_json", "sse_cut", "eventstream_corrupt"):
            response = wire_faults.break_answer(fault, response, request.environ, self.corrupt_eventstream)
        elif fault is not None and fault.kind == "stream_error":
            response = wire_faults.stream_error_answer(fault, response, self.render_stream_error)
        return response

    def _read_body(self, request: Request) -> bytes | None:
        """The request body, or ``None`` when it exceeds :attr:`max_body_bytes` (the rest is drained)."""
        request.max_content_length = self.max_body_bytes
        try:
            return request.get_data(cache=True)
        except RequestEntityTooLarge:
            drain(request)
            request._cached_data = b""  # type: ignore[attr-defined]
            return None

    def _record(self, request: Request, body: bytes, status: int, matched: bool, endpoint: str) -> None:
        self.journal.record(
            service=self.service,
            method=request.method,
            path=request.path,
            query=request.args.items(multi=True),
            headers=request.headers.items(),
            body=body,
            status=status,
            matched=matched,
            endpoint=endpoint,
        )

    def _keep_error(self, exc: BaseException) -> None:
        with self._errors_lock:
            if len(self.errors) < _MAX_ERRORS:
                self.errors.append(exc)

    # ---- admin API ------------------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        try:
            return admin.answer(self, request)
        except Exception as exc:  # noqa: BLE001 - kept for raise_errors(), never on the wire
            self._keep_error(exc)
            return json_response({"error": "internal error"}, 500)

    def reset(self) -> None:
        """Clear the journal, the faults and the collected errors."""
        self.journal.clear()
        self.faults.clear()
        with self._errors_lock:
            self.errors.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(service={self.service!r}, seed={self.seed}, journal={self.journal!r})"
