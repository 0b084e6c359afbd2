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
* serves the admin API: ``GET /__admin/health``, ``GET|DELETE /__admin/calls`` (``?since=<seq>``: only
  later calls), ``GET|POST|DELETE /__admin/faults``, ``DELETE /__admin/faults/<id>``, ``POST /__admin/reset``,
  ``POST /__admin/credentials`` (accept an API key / bearer token, or verify an AWS key pair, for a run)
  and ``DELETE /__admin/credentials?run=<nonce>`` (forget what that run registered).

Fast path: a subclass may list hot routes in :attr:`MockApp.fast_routes` (``(method, path) -> endpoint``)
and write ``fast_<endpoint>(environ, body) -> FastResponse | None``. While no fault is scheduled, a request
to such a route with a ``Content-Length`` body is answered from the WSGI ``environ`` directly, without
werkzeug ``Request``/``Response`` objects or URL matching, and recorded like any other call. The fast
handler answers only the happy path: it returns ``None`` for anything else (an auth failure, a validation
error), and the request then takes the regular path, which renders the error. Outputs are the same on
both paths; only the cost differs.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, NamedTuple
from urllib.parse import parse_qsl

import orjson
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.core.faults import Fault, FaultSchedule, FaultSpecError, inject_stream_error, stream_format
from mocks.core.journal import Journal
from mocks.core.secrets import auth_secret, fingerprint
from mocks.core.sse import sse_error_event

__all__ = ["FastResponse", "MockApp", "ProviderError", "caused_by", "json_response", "read_timed_out"]

_MAX_ERRORS = 100
_DRAIN_LIMIT = 64 * 1024 * 1024
#: numpy arrays in a response (embeddings) serialise in orjson's native loop, not as Python floats.
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response serialised with orjson (numpy arrays allowed, written as JSON arrays)."""
    return Response(
        orjson.dumps(data, option=_ORJSON_OPTIONS),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


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

    _admin_map: ClassVar[Map] = Map(
        [
            Rule("/__admin/health", methods=["GET"], endpoint="health"),
            Rule("/__admin/calls", methods=["GET"], endpoint="calls"),
            Rule("/__admin/calls", methods=["DELETE"], endpoint="clear_calls"),
            Rule("/__admin/faults", methods=["GET"], endpoint="faults"),
            Rule("/__admin/faults", methods=["POST"], endpoint="add_faults"),
            Rule("/__admin/faults", methods=["DELETE"], endpoint="clear_faults"),
            Rule("/__admin/faults/<fault_id>", methods=["DELETE"], endpoint="remove_fault"),
            Rule("/__admin/reset", methods=["POST"], endpoint="reset"),
            Rule("/__admin/credentials", methods=["POST"], endpoint="add_credentials"),
            Rule("/__admin/credentials", methods=["DELETE"], endpoint="forget_credentials"),
        ]
    )

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
        body = _json_or_none(request.get_data(cache=True))
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
        body = _json_or_none(request.get_data(cache=True))
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
            body = _read_declared_body(environ, self.max_body_bytes)
            if body is not None:
                answer = self._serve_fast(environ, endpoint, body)
                if answer is not None:
                    headers = [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(answer.body))),
                    ]
                    start_response(_status_line(answer.status), headers + answer.headers)
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
            query=_environ_query(environ),
            headers=_environ_headers(environ),
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
                return Response(_broken_body(), status=200, mimetype="application/json")  # body breaks instead
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
                _abort_connection(request.environ)
            elif fault.kind == "http_error":
                return self.fault_response(fault, request)
        try:
            response: Response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            response = self.handle_http_exception(request, exc)
        if fault is not None and fault.kind in ("malformed_json", "sse_cut", "eventstream_corrupt"):
            response = self._mangle(fault, response, request.environ)
        elif fault is not None and fault.kind == "stream_error":
            response = self._stream_error(fault, response)
        return response

    def _stream_error(self, fault: Fault, response: Response) -> Response:
        """Cut a successful stream after ``fault.after`` events and end it with the provider's error event.

        An answer that is not a 2xx stream (an auth error, say) is left as it is: the fault was spent on it.
        """
        fmt = stream_format(response.mimetype)
        if fmt is None or not 200 <= response.status_code < 300:
            return response
        error = fault.body.encode() if fault.body is not None else self.render_stream_error(fault, fmt)
        sequence = response.is_sequence
        chunks = inject_stream_error(b"".join(response.iter_encoded()), fmt, fault.after, error)
        # the same framing as without the fault: a generator streams without Content-Length, a list with one
        response.response = chunks if sequence else iter(chunks)
        response.headers.pop("Content-Length", None)
        return response

    def _mangle(self, fault: Fault, response: Response, environ: dict[str, Any]) -> Response:
        if fault.kind == "malformed_json" and not response.is_streamed:
            data = response.get_data()
            response.set_data(data[: max(1, len(data) // 2)])
            return response
        data = b"".join(response.iter_encoded())
        if fault.kind == "eventstream_corrupt":
            response.response = [self.corrupt_eventstream(data)]
            response.headers.pop("Content-Length", None)
            return response
        response.response = _cut_stream(data, fault.after, environ, close=fault.close)
        response.headers.pop("Content-Length", None)
        return response

    def _read_body(self, request: Request) -> bytes | None:
        """The request body, or ``None`` when it exceeds :attr:`max_body_bytes` (the rest is drained)."""
        request.max_content_length = self.max_body_bytes
        try:
            return request.get_data(cache=True)
        except RequestEntityTooLarge:
            _drain(request)
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
        adapter = self._admin_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            return getattr(self, f"_admin_{endpoint}")(request, **values)  # type: ignore[no-any-return]
        except HTTPException as exc:
            code = exc.code or 500
            return json_response({"error": HTTP_STATUS_CODES.get(code, "Error")}, code)
        except FaultSpecError as exc:
            return json_response({"error": str(exc), "field": exc.field}, 400)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        except Exception as exc:  # noqa: BLE001 - kept for raise_errors(), never on the wire
            self._keep_error(exc)
            return json_response({"error": "internal error"}, 500)

    def _admin_health(self, request: Request) -> Response:
        return json_response(
            {
                "status": "ok",
                "service": self.service,
                "seed": self.seed,
                "calls": len(self.journal),
                "retained": len(self.journal),
                "total": self.journal.recorded,
                "faults": len(self.faults),
                "last_seq": self.journal.recorded,
                **self.health_extra(),
            }
        )

    def _admin_calls(self, request: Request) -> Response:
        filters: dict[str, Any] = {}
        for name in ("method", "path", "service", "endpoint", "model", "key"):
            if name in request.args:
                filters[name] = request.args[name]
        if "status" in request.args:
            filters["status"] = int(request.args["status"])
        if "matched" in request.args:
            filters["matched"] = request.args["matched"].lower() in ("1", "true", "yes")
        since = request.args.get("since")
        if since is not None:
            if not since.isdigit():
                raise ValueError("since must be a sequence number (a non-negative integer)")
            filters["since"] = int(since)
        calls = self.journal.filter(**filters) if filters else self.journal.calls
        return json_response(
            {
                "calls": [c.to_dict() for c in calls],
                "count": len(calls),
                "retained": len(self.journal),
                "total": self.journal.recorded,
            }
        )

    def _admin_clear_calls(self, request: Request) -> Response:
        self.journal.clear()
        return json_response({"cleared": True})

    def _admin_faults(self, request: Request) -> Response:
        return json_response({"faults": self.faults.to_dict()})

    def _admin_add_faults(self, request: Request) -> Response:
        data = _json_or_none(request.get_data())
        if data is None:
            raise ValueError("the body must be a JSON fault object or an array of them")
        items = data if isinstance(data, list) else [data]
        faults = [_fault_at(i, item, isinstance(data, list)) for i, item in enumerate(items)]  # all before any
        ids = [self.faults.add(f) for f in faults]
        return json_response({"ids": ids, "id": ids[0] if len(ids) == 1 else None}, 201)

    def _admin_clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return json_response({"cleared": True})

    def _admin_remove_fault(self, request: Request, fault_id: str) -> Response:
        if not self.faults.remove(fault_id):
            return json_response({"error": f"no fault with id {fault_id!r}"}, 404)
        return json_response({"removed": fault_id})

    def _admin_add_credentials(self, request: Request) -> Response:
        body = _json_or_none(request.get_data())
        if not isinstance(body, dict):
            raise ValueError(
                'expected {"api_key": "..."}, {"entra_token": "..."} or '
                '{"access_key": "...", "secret_key": "..."}, with an optional "run"'
            )
        run = body.get("run", "")
        if not isinstance(run, str):
            raise ValueError("run must be a string")
        registered = []
        if "access_key" in body or "secret_key" in body:
            access_key, secret_key = body.get("access_key"), body.get("secret_key")
            if not isinstance(access_key, str) or not isinstance(secret_key, str):
                raise ValueError("access_key and secret_key must be strings")
            registered.append(self.register_credentials(access_key, secret_key, run=run))
        for name in ("api_key", "entra_token"):
            if name in body:
                registered.append(self.register_key(body[name], run=run))
        if not registered:
            raise ValueError("nothing to register: give api_key, entra_token or access_key + secret_key")
        return json_response({"registered": registered[0] if len(registered) == 1 else registered})

    def _admin_forget_credentials(self, request: Request) -> Response:
        run = request.args.get("run")
        if run is None:
            raise ValueError("give the run whose credentials to forget: ?run=<nonce>")
        return json_response({"forgotten": self.forget_credentials(run)})

    def _admin_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})

    def reset(self) -> None:
        """Clear the journal, the faults and the collected errors."""
        self.journal.clear()
        self.faults.clear()
        with self._errors_lock:
            self.errors.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(service={self.service!r}, seed={self.seed}, journal={self.journal!r})"


_STATUS_LINES: dict[int, str] = {code: f"{code} {reason}" for code, reason in HTTP_STATUS_CODES.items()}
_HEADER_NAMES_MAX = 4096
# WSGI environ key -> header name (None when the key is not a header). Granian copies the process
# environment into every environ, so most keys are not headers: one dict lookup each beats parsing.
_header_names: dict[str, str | None] = {}
_UNSEEN: Any = object()


def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_"):
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            return None
        return key[5:].replace("_", "-").title()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").title()
    return None


def _status_line(status: int) -> str:
    return _STATUS_LINES.get(status) or f"{status} UNKNOWN"


def _read_declared_body(environ: dict[str, Any], limit: int) -> bytes | None:
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


def _environ_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
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


def _environ_query(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The query pairs as werkzeug's ``request.args.items(multi=True)`` lists them."""
    qs = environ.get("QUERY_STRING")
    if not qs:
        return []
    return parse_qsl(qs.encode("latin1").decode(), keep_blank_values=True, errors="werkzeug.url_quote")


def _fault_at(index: int, item: Any, in_array: bool) -> Fault:
    """``Fault.from_dict(item)``; in an array, a refused spec's field is prefixed with its index."""
    try:
        return Fault.from_dict(item)
    except FaultSpecError as exc:
        if not in_array:
            raise
        field = f"{index}.{exc.field}" if exc.field else str(index)
        raise FaultSpecError(f"[{index}] {exc}", field) from None


def _json_or_none(data: bytes) -> Any:
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _drain(request: Request) -> None:
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


def _broken_body() -> Iterator[bytes]:
    """A response body that fails before its first byte: the server drops the connection (``reset`` fault
    on a server that hands the app no socket, such as granian)."""
    raise ConnectionResetError("mock fault: connection reset")
    yield b""  # pragma: no cover - makes this a generator


def _abort_connection(environ: dict[str, Any]) -> None:
    """Close the client socket with SO_LINGER 0 (a TCP reset) and stop the request."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # dup2 of /dev/null onto the descriptor closes the connection now (its last reference: with
            # SO_LINGER 0 a reset), although the server's rfile/wfile still hold the socket object (a plain
            # close() would wait for them), and keeps the descriptor NUMBER taken until the handler closes
            # it. Closing the number itself (os.close) let the server accept another connection on it
            # while this handler's TLS object still wrote its alert there: another client then read a
            # corrupted record ("decryption failed or bad record mac").
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, sock.fileno())
            finally:
                os.close(null)
        except OSError:
            pass
    raise ConnectionResetError("mock fault: connection reset")


def _close_connection(environ: dict[str, Any]) -> None:
    """Shut the client socket down in order (FIN, no reset) and stop the request.

    ``shutdown(SHUT_RDWR)`` sends the FIN at once although the server's rfile/wfile still hold the socket;
    the ``ConnectionAbortedError`` then ends the response iteration before werkzeug writes the closing
    zero-length chunk (werkzeug treats a ``ConnectionError`` as a dropped connection: no log, no
    traceback), its next read sees EOF, and the server closes the socket and keeps serving others.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("mock fault: connection closed")


def _cut_stream(data: bytes, after: int, environ: dict[str, Any], *, close: str = "reset") -> Iterator[bytes]:
    """Yield ``after`` complete SSE events (or half a non-SSE body) plus half the next one, then end the
    connection: a TCP reset (``close="reset"``) or an orderly shutdown (``close="fin"``).

    The partial event is one write (one chunk of the chunked body), so with ``"fin"`` the client reads EOF
    where the next chunk's size line should be: a premature end of a chunk-coded body.
    """
    if b"\n\n" in data:
        pos = 0
        for _ in range(after):
            nxt = data.find(b"\n\n", pos)
            if nxt < 0:
                break
            pos = nxt + 2
        end = data.find(b"\n\n", pos)
        end = len(data) if end < 0 else end
        cut = pos + max(1, (end - pos) // 2)
    else:
        cut = max(1, len(data) // 2)
    yield data[:cut]
    if close == "fin":
        _close_connection(environ)
    _abort_connection(environ)
