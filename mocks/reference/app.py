"""The reference ``_inference`` target: a werkzeug app that answers like Elasticsearch.

Routes (the REST handlers under ``x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/rest/``
in elastic/elasticsearch): ``PUT|GET|DELETE|POST /_inference[/{task_type}]/{id}``, ``GET /_inference``,
``…/_stream`` (SSE), ``POST /_inference/chat_completion/{id}/_stream`` (unified), ``PUT …/_update``,
``GET /`` (cluster info, for the official clients), and a minimal index API for the ``semantic_text``
ingest path.

This module is the REST layer in front of the handlers: it reads the body (413 past the limit),
authenticates and authorizes (security on), refuses what ``RestController`` refuses before any handler
(no route, a method a route does not take, a media type, an unrecognized parameter), renders every
:class:`~contract.RuleViolation` through the rule table and scrubs the secrets of the endpoints a request
used from its answer. The handlers are mixins: the endpoint routes (:mod:`mocks.reference._endpoints`), the
inference and streaming routes (:mod:`mocks.reference._inference`) and the index API
(:mod:`mocks.reference._indexes`). Validation and the rules' error wording come from ``contract``.

Example::

    >>> from werkzeug.test import Client
    >>> client = Client(create_app(ReferenceConfig(skip_validation=True)))
    >>> client.get("/_inference/missing").status_code
    404
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.exceptions import ClientDisconnected, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

import specs
from contract import rest
from contract.errors import RuleViolation, es_error
from contract.profiles import load_profile
from contract.rules import load_rules
from mocks.core.wsgi import read_timed_out
from mocks.reference import _http
from mocks.reference._endpoints import EndpointHandlers
from mocks.reference._handlers import SecretsInUse
from mocks.reference._indexes import IndexHandlers
from mocks.reference._inference import InferenceHandlers
from mocks.reference.config import ReferenceConfig
from mocks.reference.store import Store

__all__ = ["ReferenceApp", "create_app"]

_INF = "/_inference"
_METHOD_ORDER = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT")
#: ``GET /`` per profile: (version.number, lucene_version, minimum_wire, minimum_index), from
#: specs/profiles.yaml ``info``. Build metadata is illustrative; clients only check the product header and
#: the major version.
_INFO: dict[str, tuple[str, ...]] = {v: tuple(info) for v, info in specs.profiles_document()["info"].items()}
_DRAIN_LIMIT = 64 * 1024 * 1024


def _rules() -> Map:
    r = Rule
    return Map(
        [
            r("/", methods=["GET"], endpoint="info"),
            r(_INF, methods=["GET"], endpoint="get_all"),
            r(f"{_INF}/<inference_id>", methods=["GET"], endpoint="get"),
            r(f"{_INF}/<task_type>/<inference_id>", methods=["GET"], endpoint="get"),
            r(f"{_INF}/<inference_id>", methods=["PUT"], endpoint="put"),
            r(f"{_INF}/<task_type>/<inference_id>", methods=["PUT"], endpoint="put"),
            r(f"{_INF}/<inference_id>/_update", methods=["PUT"], endpoint="update"),
            r(f"{_INF}/<task_type>/<inference_id>/_update", methods=["PUT"], endpoint="update"),
            r(f"{_INF}/<inference_id>", methods=["DELETE"], endpoint="delete"),
            r(f"{_INF}/<task_type>/<inference_id>", methods=["DELETE"], endpoint="delete"),
            r(f"{_INF}/<inference_id>", methods=["POST"], endpoint="infer"),
            r(f"{_INF}/<task_type>/<inference_id>", methods=["POST"], endpoint="infer"),
            r(f"{_INF}/<inference_id>/_stream", methods=["POST"], endpoint="stream"),
            r(f"{_INF}/<task_type>/<inference_id>/_stream", methods=["POST"], endpoint="stream"),
            r(f"{_INF}/chat_completion/<inference_id>/_stream", methods=["POST"], endpoint="unified"),
            r("/<index>", methods=["GET"], endpoint="index_get"),
            r("/<index>", methods=["PUT"], endpoint="index_create"),
            r("/<index>", methods=["DELETE"], endpoint="index_delete"),
            r("/<index>/_doc", methods=["POST"], endpoint="doc_create"),
            r("/<index>/_doc/<doc_id>", methods=["PUT", "POST"], endpoint="doc_put"),
            r("/<index>/_doc/<doc_id>", methods=["GET"], endpoint="doc_get"),
        ],
        strict_slashes=False,
        # no redirect to the merged path (werkzeug answers a 308 outside the app's dispatch): an empty path
        # segment matches no route and gets Elasticsearch's "no handler found", never a 500 or an HTML page
        merge_slashes=False,
    )


def _make_upstream(config: ReferenceConfig) -> Any:
    from mocks.reference.upstream import Upstream  # imported when a reference is built without its own

    return Upstream(config)


def _make_security(config: ReferenceConfig) -> Any:
    if config.security is None:
        return None
    from mocks.reference.security import Security

    return Security(config.security, load_profile(config.es_version), load_rules(), seed=config.seed)


class ReferenceApp(EndpointHandlers, InferenceHandlers, IndexHandlers):
    """The WSGI app (see the module docstring). Build it with :func:`create_app`.

    Its state (``config``, ``profile``, ``rules``, ``store``, ``upstream``, ``errors``) is described on
    :class:`~mocks.reference._handlers.Handlers`; ``security`` is the authentication and authorization of
    the requests (``None``: security off).
    """

    service = "reference"

    def __init__(self, config: ReferenceConfig, *, upstream: Any = None, store: Store | None = None) -> None:
        self.config = config
        self.profile = load_profile(config.es_version)
        self.rules = load_rules()
        self.store = store if store is not None else Store(config.storage_path)
        self.upstream = upstream if upstream is not None else _make_upstream(config)
        self.url_map = _rules()
        self.errors: list[BaseException] = []
        self._secrets = SecretsInUse()
        self._doc_counter = 0
        self._counter_lock = threading.Lock()
        self.security = _make_security(config)

    # ------------------------------------------------------------------ WSGI plumbing
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.max_content_length = self.config.max_body_bytes
        self._secrets.values = ()
        try:
            response = self.dispatch(request)
        finally:
            secrets = self._secrets.values
            self._secrets.values = ()
        if secrets:
            response = _scrubbed(response, secrets)
        return response(environ, start_response)

    def http_layer_error(self, status: int, message: str) -> Response:
        """An error the HTTP server answers before routing (414, 431, 400 bad framing), in ES's format."""
        return _http.http_layer_error(status, message)

    def reset(self) -> None:
        """Forget collected errors (the store is kept)."""
        self.errors.clear()

    def dispatch(self, request: Request) -> Response:
        """Route ``request`` and turn every failure into Elasticsearch's answer (never a traceback)."""
        if (request.content_length or 0) > self.config.max_body_bytes:
            _drain(request)
            return _http.too_large()
        try:
            request.get_data(cache=True)
        except RequestEntityTooLarge:
            return _http.too_large()
        except (OSError, ClientDisconnected) as exc:
            if read_timed_out(exc):  # a stalled upload: Elasticsearch has no body read timeout; just close
                raise ConnectionAbortedError("request body not received") from None
            # bad chunked framing or a short body: a decoder failure, a 400 (inferred from Netty's decoder)
            response = _http.http_layer_error(400, "The request body could not be read")
            response.headers["Connection"] = "close"
            return response
        principal = None
        if self.security is not None:  # ES authenticates before routing (mocks.reference.security)
            try:
                principal = self.security.authenticate(request)
                if isinstance(principal, Response):
                    return principal
                if request.path.startswith("/_security/"):
                    return self.security.serve(request, principal)
            except Exception as exc:  # noqa: BLE001 - never a traceback
                self.errors.append(exc)
                return _http.es_json(request, es_error(500, "exception", "internal error"), 500)
        refused = _http.compatible_error(request, self.profile.version)
        if refused is not None:  # RestRequest's media-type parsing, before any handler
            return refused
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except MethodNotAllowed as exc:
            return _method_not_allowed(request, exc.valid_methods or ())
        except (NotFound, RequestRedirect):  # a redirect would leave Elasticsearch's format: never one
            message = f"no handler found for uri [{_http.raw_uri(request)}] and method [{request.method}]"
            return _http.simple_error(request, 400, message, with_status=False)
        if request.method == "HEAD" and request.path.startswith(_INF):
            # no _inference route registers HEAD, and Elasticsearch does not fall back to GET (rule rest.head)
            return _method_not_allowed(request, adapter.allowed_methods())
        if principal is not None:
            denied = self.security.authorize(request, principal, endpoint)
            if denied is not None:
                return denied
        content_error = _http.content_type_error(request)
        if content_error is not None:
            return _http.simple_error(request, 406, content_error)
        try:
            unconsumed = _unconsumed(request, endpoint, values)
            if unconsumed:
                return self._unrecognized(request, endpoint, values, unconsumed)
            return getattr(self, f"on_{endpoint}")(request, **values)
        except RuleViolation as err:
            try:
                status, body = err.render(self.profile, self.rules)
            except KeyError as exc:  # a rule id or param missing from the table: our bug, still no traceback
                self.errors.append(exc)
                return _http.es_json(request, es_error(500, "exception", "internal error"), 500)
            return _http.es_json(request, body, status)
        except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback
            self.errors.append(exc)
            return _http.es_json(request, es_error(500, "exception", "internal error"), 500)

    def _unrecognized(
        self, request: Request, endpoint: str, values: Mapping[str, Any], unconsumed: list[str]
    ) -> Response:
        """``BaseRestHandler``: after the handler read its parameters and its body (so ``body.required`` and
        ``param.boolean`` come first), the parameters nothing consumed are refused (``rest.unrecognized_parameter``)."""
        if endpoint == "delete":
            _http.bool_param(request, "dry_run")
            _http.bool_param(request, "force")
        if endpoint in _NEEDS_BODY:
            _http.require_body(request)
        exp = self.rules.expected("rest.unrecognized_parameter", self.profile, path="…", param="…")
        candidates = (*rest.ALWAYS_ACCEPTED, *values, *_CONSUMED.get(endpoint, ()))
        reason = rest.unrecognized_message(request.path, unconsumed, candidates)
        return _http.es_json(request, es_error(exp.status, exp.error_type, reason), exp.status)

    # ------------------------------------------------------------------ GET /
    def on_info(self, request: Request) -> Response:
        """``GET /``: the cluster info document of the profile's version."""
        number, lucene, wire, index = _INFO[self.profile.version]
        return _http.es_json(
            request,
            {
                "name": "reference-node",
                "cluster_name": self.config.cluster_name,
                "cluster_uuid": f"reference-{self.config.seed:016x}",
                "version": {
                    "number": number,
                    "build_flavor": "default",
                    "build_type": "reference",
                    "build_hash": "0" * 40,
                    "build_date": "2025-01-01T00:00:00.000Z",
                    "build_snapshot": False,
                    "lucene_version": lucene,
                    "minimum_wire_compatibility_version": wire,
                    "minimum_index_compatibility_version": index,
                },
                "tagline": "You Know, for Search",
            },
        )

    def next_doc_id(self) -> str:
        """A deterministic auto-generated document id (20 url-safe characters, like ES's)."""
        import base64
        import hashlib

        with self._counter_lock:
            self._doc_counter += 1
            n = self._doc_counter
        digest = hashlib.sha256(f"{self.config.seed}:{n}".encode()).digest()
        return base64.urlsafe_b64encode(digest)[:20].decode()


#: query parameters each ``_inference`` handler reads besides its path parameters (``request.param(...)``
#: marks a parameter consumed): DELETE's booleans, the inference actions' ``timeout``
_CONSUMED: dict[str, tuple[str, ...]] = {
    "delete": ("dry_run", "force"),
    "infer": ("timeout",),
    "stream": ("timeout",),
    "unified": ("timeout",),
    "put": ("timeout",),
    "update": ("timeout",),
}
#: the routes whose handler requires a body (``RestRequest#requiredContent``) before parameters are checked
_NEEDS_BODY = frozenset({"put", "update", "infer", "stream", "unified"})


def _method_not_allowed(request: Request, valid: Iterable[str]) -> Response:
    """``RestController#handleUnsupportedHttpMethod``: 405, the allowed methods in the body and ``Allow``."""
    allowed = [m for m in _METHOD_ORDER if m in set(valid) and m != "HEAD"]
    message = f"Incorrect HTTP method for uri [{_http.raw_uri(request)}] and method [{request.method}]"
    response = _http.simple_error(request, 405, f"{message}, allowed: [{', '.join(allowed)}]")
    response.headers["Allow"] = ",".join(allowed)
    return response


def _unconsumed(request: Request, endpoint: str, values: Mapping[str, Any]) -> list[str]:
    """The query parameters of an ``_inference`` route that nothing consumes (other routes: none checked)."""
    if not request.path.startswith(_INF):
        return []
    known = {*rest.ALWAYS_ACCEPTED, *values, *_CONSUMED.get(endpoint, ())}
    return sorted(name for name in request.args if name not in known)


def _scrubbed(response: Response, secrets: tuple[str, ...]) -> Response:
    if response.is_streamed:
        response.response = _http.scrub_stream(response.response, secrets)  # type: ignore[arg-type]
        return response
    data = response.get_data()
    clean = _http.scrub(data, secrets)
    if clean != data:
        response.set_data(clean)
    return response


def _drain(request: Request) -> None:
    """Read and drop an oversized body so the client sees the 413, not a reset. A declared length past
    ``_DRAIN_LIMIT`` is not read at all (the 413 goes out at once and the connection closes): waiting for
    an absurd ``Content-Length`` would leave the client with no answer."""
    stream = request.environ.get("wsgi.input")
    remaining = request.content_length or 0
    if remaining > _DRAIN_LIMIT:
        return
    try:
        while stream is not None and remaining > 0:
            chunk = stream.read(min(65536, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except (OSError, ValueError):  # the client went away or stalled: the 413 is all it gets
        pass


def create_app(config: ReferenceConfig | None = None, *, upstream: Any = None) -> ReferenceApp:
    """Build the reference target for ``config`` (default: 8.18, memory only).

    ``upstream`` replaces the provider client (tests); by default it is built from ``config``.
    """
    return ReferenceApp(config or ReferenceConfig(), upstream=upstream)
