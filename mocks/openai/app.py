"""The OpenAI mock as a thin werkzeug app: routing, auth, JSON in/out, SSE; behaviour lives in ``models``."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.core.app import FastResponse, MockApp
from mocks.core.faults import Fault
from mocks.core.server import MockServer
from mocks.core.sse import sse_body
from mocks.core.wsgi import json_response
from mocks.openai import errors, models
from mocks.openai.errors import STREAM_ERROR_MESSAGE, parse_json_body

__all__ = [
    "DEFAULT_ORGANIZATION",
    "STREAM_ERROR_MESSAGE",
    "OpenAIApp",
    "OpenAIConfig",
    "OpenAIMock",
    "create_app",
    "parse_json_body",
    "sse_body",
]

_ERROR_MESSAGES = {
    500: ("The server had an error while processing your request. Sorry about that!", "server_error"),
    503: ("The engine is currently overloaded, please try again later.", "server_error"),
}


@dataclass(frozen=True)
class OpenAIConfig:
    """Settings of an OpenAI mock.

    ``api_keys``: accepted keys (``None`` accepts any non-empty key). ``organization``: sent in the
    ``openai-organization`` header of every response (default :data:`DEFAULT_ORGANIZATION`). ``models``:
    the model table (default :data:`models.MODELS`).
    """

    seed: int = 0
    api_keys: frozenset[str] | None = None
    organization: str | None = None
    models: Mapping[str, models.ModelInfo] = field(default_factory=lambda: dict(models.MODELS))
    journal_maxlen: int = 10_000

    def __repr__(self) -> str:  # never show the keys themselves
        keys = None if self.api_keys is None else f"<{len(self.api_keys)} keys>"
        return f"OpenAIConfig(seed={self.seed}, api_keys={keys}, organization={self.organization!r})"


#: ``openai-organization`` when the config names none (the organization the 429 message names, too).
DEFAULT_ORGANIZATION = "org-mock"

#: Headers OpenAI sends on every response besides ``x-request-id`` and ``openai-organization`` (names from
#: OpenAI's API reference, "Debugging requests" and "Rate limits in headers"; see
#: tests/data/provider_contracts/openai.json).
_STATIC_HEADERS: tuple[tuple[str, str], ...] = (
    ("openai-version", "2020-10-01"),
    ("openai-processing-ms", "1"),
    ("x-ratelimit-limit-requests", "10000"),
    ("x-ratelimit-remaining-requests", "9999"),
    ("x-ratelimit-reset-requests", "6ms"),
    ("x-ratelimit-limit-tokens", "10000000"),
    ("x-ratelimit-remaining-tokens", "9999999"),
    ("x-ratelimit-reset-tokens", "0s"),
)


class OpenAIApp(MockApp):
    """``/v1/embeddings``, ``/v1/chat/completions`` (+ SSE), ``/v1/models`` with OpenAI's auth and errors."""

    service = "openai"
    #: also the default message of a ``stream_error`` fault's ``event: error`` (:func:`sse_error_event`)
    internal_error_message: ClassVar[str] = STREAM_ERROR_MESSAGE
    url_map = Map(
        [
            Rule("/v1/embeddings", methods=["POST"], endpoint="embeddings"),
            Rule("/v1/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/v1/models/<path:model>", methods=["GET"], endpoint="get_model"),
        ]
    )

    fast_routes: ClassVar[dict[tuple[str, str], str]] = {("POST", "/v1/embeddings"): "embeddings"}

    def __init__(self, config: OpenAIConfig | None = None) -> None:
        self.config = config or OpenAIConfig()
        super().__init__(seed=self.config.seed, journal_maxlen=self.config.journal_maxlen)
        self._request_ids = itertools.count(1)
        self._static_headers = [
            ("openai-organization", self.config.organization or DEFAULT_ORGANIZATION),
            *_STATIC_HEADERS,
        ]

    # ---- provider format ------------------------------------------------------------------------------

    def render_error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        default_type = "server_error" if status >= 500 else "invalid_request_error"
        return errors.OpenAIError(status, message, type=type or default_type, code=code, headers=headers).get_response()

    def fault_response(self, fault: Fault, request: Request) -> Response:
        if fault.body is not None or fault.message is not None:
            return super().fault_response(fault, request)
        if fault.status == 429:
            model = self.request_model(request, "", {}) or "the model"
            return errors.rate_limited(model, fault.headers)
        message, type_ = _ERROR_MESSAGES.get(fault.status, (None, None))
        if message is None:
            return super().fault_response(fault, request)
        return self.render_error(fault.status, message, code=fault.code, type=type_, headers=fault.headers)

    def handle_unmatched(self, request: Request, exc: HTTPException) -> Response:
        return errors.unknown_url(request.method, request.path)

    def health_extra(self) -> dict[str, Any]:
        """Whether any key is accepted (else a harness registers its canary keys before using them)."""
        return {"accepts_any_key": self.config.api_keys is None}

    def _header_list(self) -> list[tuple[str, str]]:
        """``x-request-id`` (seeded: ``req_`` + 32 hex digits, one per answer) and the static headers."""
        rid = hashlib.blake2b(f"{self.seed}:{next(self._request_ids)}".encode(), digest_size=16).hexdigest()
        return [("x-request-id", "req_" + rid), *self._static_headers]

    def add_response_headers(self, request: Request, response: Response) -> None:
        """OpenAI's headers on every answer, errors included (``openai`` reads ``x-request-id`` into
        ``APIStatusError.request_id``); headers the answer sets itself (a 429's limits) win."""
        for name, value in self._header_list():
            if name not in response.headers:
                response.headers[name] = value

    def _auth_error(self, authorization: str) -> errors.OpenAIError | None:
        """The 401 for an ``Authorization`` header value, or ``None`` when the key is accepted."""
        scheme, _, key = authorization.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return errors.missing_api_key()
        if self.config.api_keys is not None and key not in self.config.api_keys and not self.key_registered(key):
            return errors.incorrect_api_key(key)
        return None

    def _authenticate(self, request: Request) -> None:
        error = self._auth_error(request.headers.get("Authorization", ""))
        if error is not None:
            raise error

    # ---- endpoints ------------------------------------------------------------------------------------

    def on_embeddings(self, request: Request) -> Response:
        self._authenticate(request)
        body = parse_json_body(request)
        result = models.embeddings(body, seed=self.seed, models=self.config.models, arrays=True)
        return json_response(result)

    def fast_embeddings(self, environ: dict[str, Any], body: bytes) -> FastResponse | None:
        """``on_embeddings`` from the WSGI environ, for the happy path only (``None``: take the regular path)."""
        if self._auth_error(environ.get("HTTP_AUTHORIZATION", "")) is not None:
            return None
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(parsed, dict):
            return None
        try:
            result = models.embeddings(parsed, seed=self.seed, models=self.config.models, arrays=True)
        except errors.OpenAIError:
            return None
        return FastResponse(200, self._header_list(), orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY))

    def on_chat_completions(self, request: Request) -> Response:
        self._authenticate(request)
        body = parse_json_body(request)
        created = int(time.time())
        if body.get("stream") is True:
            chunks = models.chat_chunks(body, seed=self.seed, created=created, models=self.config.models)
            return Response(sse_body(chunks), mimetype="text/event-stream")
        result = models.chat_completion(body, seed=self.seed, created=created, models=self.config.models)
        return json_response(result)

    def on_list_models(self, request: Request) -> Response:
        self._authenticate(request)
        return json_response(models.list_models(self.config.models))

    def on_get_model(self, request: Request, model: str) -> Response:
        self._authenticate(request)
        info = self.config.models.get(model)
        if info is None:
            raise errors.model_not_found(model)
        return json_response(models.model_object(info))


def create_app(config: OpenAIConfig | None = None) -> OpenAIApp:
    """The OpenAI mock WSGI app for ``config`` (defaults: seed 0, any non-empty key)."""
    return OpenAIApp(config)


class OpenAIMock(MockServer):
    """An OpenAI mock on a real port; pytest-free.

    Example::

        with OpenAIMock(seed=1, api_keys={"sk-test"}) as mock:
            client = openai.OpenAI(api_key="sk-test", base_url=mock.url + "/v1", max_retries=0)
            client.embeddings.create(model="text-embedding-3-small", input="hi")
            mock.journal.assert_called(times=1, path="/v1/embeddings")
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        api_keys: set[str] | frozenset[str] | None = None,
        organization: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        config: OpenAIConfig | None = None,
    ) -> None:
        config = config or OpenAIConfig(
            seed=seed, api_keys=None if api_keys is None else frozenset(api_keys), organization=organization
        )
        super().__init__(create_app(config), host=host, port=port)

    @property
    def base_url(self) -> str:
        """``url + "/v1"``: what to pass as the SDK's ``base_url``."""
        return self.url + "/v1"
