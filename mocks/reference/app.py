"""The reference ``_inference`` target: a werkzeug app that answers like Elasticsearch.

Routes (the REST handlers under ``x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/rest/``
in elastic/elasticsearch): ``PUT|GET|DELETE|POST /_inference[/{task_type}]/{id}``, ``GET /_inference``,
``…/_stream`` (SSE), ``POST /_inference/chat_completion/{id}/_stream`` (unified), ``PUT …/_update``,
``GET /`` (cluster info, for the official clients), and a minimal index API for the ``semantic_text``
ingest path (see :mod:`mocks.reference._indexes`).

Every validation and error wording comes from the rule table (``contract``); this module only
routes, calls the store and the upstream, and frames responses.

Example::

    >>> from werkzeug.test import Client
    >>> client = Client(create_app(ReferenceConfig(skip_validation=True)))
    >>> client.get("/_inference/missing").status_code
    404
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from werkzeug.exceptions import ClientDisconnected, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

import specs
from contract import key_locations, rest, validate
from contract.config import EndpointConfig
from contract.errors import RuleViolation, es_error, unified_error
from contract.profiles import load_profile
from contract.rules import load_rules
from mocks.core.app import read_timed_out
from mocks.reference import _http
from mocks.reference._indexes import IndexHandlers
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
        # segment matches no route and gets Elasticsearch's "no handler found" (issue 24 reported a 500 page)
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


class _Secrets(threading.local):
    values: tuple[str, ...] = ()


class ReferenceApp(IndexHandlers):
    """The WSGI app (see the module docstring). Build it with :func:`create_app`.

    Attributes:
        config: the :class:`ReferenceConfig`.
        profile / rules: the version profile and the rule table every answer is rendered through.
        store: endpoints, secrets and indexes.
        upstream: the provider client (``embed``, ``embed_chunks``, ``complete``, ``stream_completion``,
            ``unified_chat_stream``, ``validate``).
        errors: unexpected exceptions caught while serving (re-raised by ``ReferenceServer``).
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
        self._secrets = _Secrets()
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
            _bool_param(request, "dry_run")
            _bool_param(request, "force")
        if endpoint in _NEEDS_BODY:
            _http.require_body(request)
        exp = self.rules.expected("rest.unrecognized_parameter", self.profile, path="…", param="…")
        candidates = (*rest.ALWAYS_ACCEPTED, *values, *_CONSUMED.get(endpoint, ()))
        reason = rest.unrecognized_message(request.path, unconsumed, candidates)
        return _http.es_json(request, es_error(exp.status, exp.error_type, reason), exp.status)

    def _url_task_type(self, task_type: str | None) -> str:
        """The URL's task type as ``TaskType.fromStringOrStatusException`` reads it (``any`` when absent)."""
        return validate.parse_task_type(task_type, self.profile.known_task_types) if task_type is not None else "any"

    def _use_secrets(self, endpoint: EndpointConfig) -> None:
        self._secrets.values = self._secrets.values + tuple(v for v in endpoint.secrets.values() if v)

    def _lookup(self, inference_id: str) -> EndpointConfig:
        endpoint = self.store.with_secrets(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        self._use_secrets(endpoint)
        return endpoint

    def _cause(self, err: RuleViolation) -> dict[str, Any]:
        _, body = err.render(self.profile, self.rules)
        error = body.get("error", {})
        if isinstance(error, dict) and "reason" in error:
            return {k: v for k, v in error.items() if k != "root_cause"}
        return {"type": error.get("type", "exception"), "reason": error.get("message", "")}

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

    # ------------------------------------------------------------------ GET
    def on_get_all(self, request: Request) -> Response:
        """``GET /_inference``: every endpoint."""
        return self._listing(request, None)

    def on_get(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``GET /_inference[/{task_type}]/{id}`` (``_all`` or ``*`` lists)."""
        requested = self._url_task_type(task_type)
        if inference_id in ("_all", "*"):
            return self._listing(request, None if requested == "any" else requested)
        endpoint = self.store.get(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        if requested not in ("any", endpoint.task_type):
            raise RuleViolation("crud.task_type.mismatch", requested=requested, actual=endpoint.task_type)
        return _http.es_json(request, {self.profile.get_list_key: [endpoint.to_filtered_dict(self.profile)]})

    def _listing(self, request: Request, task_type: str | None) -> Response:
        endpoints = [e for e in self.store.list() if task_type is None or e.task_type == task_type]
        return _http.es_json(
            request, {self.profile.get_list_key: [e.to_filtered_dict(self.profile) for e in endpoints]}
        )

    # ------------------------------------------------------------------ PUT
    def on_put(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``PUT /_inference[/{task_type}]/{id}``: parse, validation call, duplicate check, store."""
        if task_type is not None:
            validate.parse_task_type(task_type, self.profile.known_task_types)
        body = _http.parse_json_body(request)
        # TransportPutInferenceModelAction reads the body with parser.map(): a non-object body is an empty map
        config = validate.parse_put(
            self.profile,
            url_task_type=task_type,
            inference_id=inference_id,
            body=body if isinstance(body, dict) else {},
        )
        self._use_secrets(config)
        if not self.config.skip_validation:
            config = self._validation_call(config)
        if not self.store.create(config):
            raise RuleViolation("crud.duplicate", inference_id=inference_id)
        return _http.es_json(request, config.to_filtered_dict(self.profile))

    def _validation_call(self, config: EndpointConfig) -> EndpointConfig:
        try:
            size = self.upstream.validate(config)
        except RuleViolation as err:
            raise RuleViolation("validation_call.failed", cause=self._cause(err)) from None
        if config.task_type == "text_embedding" and size is not None:
            return config.with_embedding_size(self.profile, int(size))
        return config

    def on_update(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``PUT /_inference[/{task_type}]/{id}/_update``: new task settings, secrets or rate limit."""
        if task_type is not None:
            validate.parse_task_type(task_type, self.profile.known_task_types)
        body = _http.parse_json_body(request)
        # the body's keys and the task type are checked before the endpoint is looked up
        requested, config = validate.parse_update_request(task_type, body, self.profile.known_task_types)
        existing = self._lookup(inference_id)
        updated = validate.parse_update(self.profile, existing, requested, config)
        self._use_secrets(updated)
        if not self.store.replace(updated):
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        return _http.es_json(request, updated.to_filtered_dict(self.profile))

    # ------------------------------------------------------------------ DELETE
    def on_delete(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``DELETE /_inference[/{task_type}]/{id}`` with ``dry_run`` / ``force``."""
        requested = self._url_task_type(task_type)
        dry_run = _bool_param(request, "dry_run")
        force = _bool_param(request, "force")
        endpoint = self.store.get(inference_id)
        if endpoint is None:
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        if requested not in ("any", endpoint.task_type):
            raise RuleViolation("crud.task_type.mismatch", requested=requested, actual=endpoint.task_type)
        indexes = self.store.indexes_using(inference_id)
        detail = _referenced_detail(inference_id, indexes)
        if dry_run:  # DeleteInferenceEndpointAction.Response: error_message always, "" when nothing refers to it
            body: dict[str, Any] = {"acknowledged": False, "pipelines": [], "indexes": indexes, "error_message": detail}
            return _http.es_json(request, body)
        if indexes and not force:
            raise RuleViolation("crud.delete.referenced", detail=detail, inference_id=inference_id)
        if not self.store.delete(inference_id):
            raise RuleViolation("crud.not_found", inference_id=inference_id)
        return _http.es_json(request, {"acknowledged": True, "pipelines": [], "indexes": []})

    # ------------------------------------------------------------------ POST inference
    def on_infer(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``POST /_inference[/{task_type}]/{id}``: text_embedding or completion results.

        Order as Elasticsearch: the URL task type (``BaseInferenceAction#parseParams``), a body is required
        (``RestRequest#requiredContent``), then ``TransportInferenceActionProxy#doExecute``: with no task type
        in the URL the endpoint is looked up first; a chat_completion request is refused before its body is
        parsed (``sendUnifiedCompletionRequest``); any other body is parsed as an inference request.
        """
        requested = self._url_task_type(task_type)
        _http.require_body(request)
        endpoint = self._lookup(inference_id) if requested == "any" else None
        chat = requested == "chat_completion" or (endpoint is not None and endpoint.task_type == "chat_completion")
        if chat and not self.profile.chat_completion_non_streaming:
            raise RuleViolation("streaming.chat_completion.only_stream")
        body = _http.parse_json_body(request)
        if not isinstance(body, dict):
            raise RuleViolation("body.not_object", line=1, column=1, parser="inference_request", token=_token(body))
        endpoint = endpoint or self._lookup(inference_id)
        parsed = validate.parse_inference_request(
            self.profile, endpoint, task_type, body, False, key_locations(request.get_data(as_text=True))
        )
        if endpoint.task_type == "text_embedding":
            vectors = self.upstream.embed(endpoint, list(parsed.input), dict(parsed.task_settings) or None)
            return _http.es_json(request, {"text_embedding": [{"embedding": v} for v in vectors]})
        text = self.upstream.complete(endpoint, parsed.input[0], dict(parsed.task_settings) or None)
        return _http.es_json(request, {"completion": [{"result": text}]})

    # ------------------------------------------------------------------ streaming
    def on_stream(self, request: Request, inference_id: str, task_type: str | None = None) -> Response:
        """``POST /_inference[/{task_type}]/{id}/_stream``: completion deltas as ES frames them."""
        try:
            if task_type is not None:
                validate.parse_task_type(task_type, self.profile.known_task_types)
            body = _http.parse_json_body(request)
            if not isinstance(body, dict):
                raise RuleViolation("body.not_object", line=1, column=1, parser="inference_request", token=_token(body))
            endpoint = self._lookup(inference_id)
            parsed = validate.parse_inference_request(
                self.profile, endpoint, task_type, body, True, key_locations(request.get_data(as_text=True))
            )
            # the upstream stream is open once this returns: later failures (even before the first delta)
            # are `event: error` on a 200 stream, as ServerSentEventsRestActionListener sends them
            task_settings = dict(parsed.task_settings) or None
            deltas = iter(self.upstream.stream_completion(endpoint, parsed.input[0], task_settings))
        except RuleViolation as err:
            status, envelope = err.render(self.profile, self.rules)
            return _sse_response(iter([_http.sse_event(envelope, "error")]), status)

        def events() -> Iterator[bytes]:
            try:
                for delta in deltas:
                    yield _http.sse_event({"completion": [{"delta": delta}]})
            except RuleViolation as err:
                _, envelope = err.render(self.profile, self.rules)
                yield _http.sse_event(envelope, "error")
                return
            except Exception as exc:  # noqa: BLE001 - reported as ES does, as a mid-stream error event
                self.errors.append(exc)
                yield _http.sse_event(es_error(500, "exception", "internal error"), "error")
                return
            yield _http.DONE_EVENT

        return _sse_response(events(), 200)

    def on_unified(self, request: Request, inference_id: str) -> Response:
        """``POST /_inference/chat_completion/{id}/_stream``: bare OpenAI chunks; errors in the unified format."""
        try:
            body = _http.parse_json_body(request)
            # TransportInferenceActionProxy#sendUnifiedCompletionRequest parses the body (and the request is
            # validated) before the transport action looks the endpoint up: a bad body wins over a 404
            try:
                validate.parse_unified_chat(body)
            except RuleViolation as err:
                if self.rules.get(err.rule_id).outcome(self.profile).format == "unified":
                    raise
                # the request's own validate() (TransportAction#execute, before the doExecute that converts
                # failures to the unified format): Elasticsearch's envelope in an SSE error event
                status, envelope = err.render(self.profile, self.rules)
                return _sse_response(iter([_http.sse_event(envelope, "error")]), status)
            endpoint = self._lookup(inference_id)
            if endpoint.task_type != "chat_completion":
                raise RuleViolation("input.task_type.mismatch", requested="chat_completion", actual=endpoint.task_type)
            if not self.profile.streams(endpoint.service, "chat_completion"):
                supported = ",".join(self.profile.streaming_task_types.get(endpoint.service, ()))
                raise RuleViolation(
                    "streaming.not_allowed", service=endpoint.service, task_type="chat_completion", supported=supported
                )
            chunks = iter(self.upstream.unified_chat_stream(endpoint, dict(body)))
        except RuleViolation as err:
            status, error = self._unified_error(err)
            return _sse_response(iter([_http.sse_event(error, "error")]), status)

        def events() -> Iterator[bytes]:
            try:
                for chunk in chunks:
                    yield _http.sse_event(chunk)
            except RuleViolation as err:
                yield _http.sse_event(self._unified_error(err)[1], "error")
                return
            except Exception as exc:  # noqa: BLE001
                self.errors.append(exc)
                yield _http.sse_event(unified_error(500, "exception", "internal error"), "error")
                return
            yield _http.DONE_EVENT

        return _sse_response(events(), 200)

    def _unified_error(self, err: RuleViolation) -> tuple[int, dict[str, Any]]:
        status, body = err.render(self.profile, self.rules)
        if self.rules.get(err.rule_id).outcome(self.profile).format == "unified":
            return status, body
        error = body["error"]
        rendered = unified_error(status, error["type"], error["reason"])
        # An upstream (OpenAI-style) error keeps the provider's own type, code and param on this route
        # (OpenAiUnifiedChatCompletionResponseHandler; OpenAiServiceTests.testUnifiedCompletionError).
        params = err.params
        if params.get("upstream_type"):
            rendered["error"]["type"] = params["upstream_type"]
        if params.get("upstream_code"):
            rendered["error"]["code"] = params["upstream_code"]
        if params.get("upstream_param"):
            rendered["error"]["param"] = params["upstream_param"]
        return status, rendered

    def next_doc_id(self) -> str:
        """A deterministic auto-generated document id (20 url-safe characters, like ES's)."""
        import base64
        import hashlib

        with self._counter_lock:
            self._doc_counter += 1
            n = self._doc_counter
        digest = hashlib.sha256(f"{self.config.seed}:{n}".encode()).digest()
        return base64.urlsafe_b64encode(digest)[:20].decode()


def _token(value: Any) -> str:
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER"
    return "VALUE_NULL"


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


def _bool_param(request: Request, name: str) -> bool:
    value = request.args.get(name)
    if value is None:
        return False
    if value in ("", "true"):
        return True
    if value == "false":
        return False
    raise RuleViolation("param.boolean", value=value)


def _referenced_detail(inference_id: str, indexes: list[str]) -> str:
    if not indexes:
        return ""
    return (
        f" Inference endpoint {inference_id} is being used in the mapping for indexes: [{', '.join(indexes)}]. "
        "Ensure that no index mappings are using this inference endpoint, or use force to ignore this warning "
        "and delete the inference endpoint."
    )


def _sse_response(chunks: Iterator[bytes], status: int) -> Response:
    response = Response(chunks, status=status, content_type="text/event-stream", direct_passthrough=True)
    response.headers.update(_http.PRODUCT_HEADERS)
    return response


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
