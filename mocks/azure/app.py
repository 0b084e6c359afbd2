"""The Azure OpenAI mock as a thin werkzeug app: ``/openai/deployments/{deployment}/…?api-version=…``."""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.azure import errors, models
from mocks.core.app import MockApp, ProviderError
from mocks.core.faults import Fault
from mocks.core.server import MockServer
from mocks.core.sse import sse_body
from mocks.core.wsgi import json_response
from mocks.openai.errors import STREAM_ERROR_MESSAGE, parse_json_body

__all__ = ["AzureApp", "AzureConfig", "AzureMock", "create_app"]

_OPERATIONS = {"embeddings": "Embeddings_Create", "chat_completions": "ChatCompletions_Create"}


@dataclass(frozen=True)
class AzureConfig:
    """Settings of an Azure OpenAI mock.

    ``api_keys`` / ``entra_tokens``: accepted ``api-key`` values / bearer tokens (``None`` accepts any
    non-empty one). ``deployments``: ``{"deployment" or "resource/deployment": model}`` (``None`` accepts any
    deployment). The resource comes from the ``Host`` header (``{resource}.openai.azure.com``). ``region``:
    the ``x-ms-region`` header of every answer (Azure sends the region's display name, e.g. ``East US``).
    """

    seed: int = 0
    api_keys: frozenset[str] | None = None
    entra_tokens: frozenset[str] | None = None
    deployments: Mapping[str, str] | None = None
    journal_maxlen: int = 10_000
    region: str = "East US"

    def __repr__(self) -> str:  # never show the keys themselves
        def count(v: frozenset[str] | None) -> str | None:
            return None if v is None else f"<{len(v)}>"

        return (
            f"AzureConfig(seed={self.seed}, api_keys={count(self.api_keys)}, "
            f"entra_tokens={count(self.entra_tokens)}, deployments={self.deployments!r})"
        )


class AzureApp(MockApp):
    """Embeddings and chat completions (+ SSE) per deployment, with Azure's auth, errors and annotations."""

    service = "azureopenai"
    #: also the message of a ``stream_error`` fault's default event: Azure streams chat completions in
    #: OpenAI's SSE format (``event: error``), and Elasticsearch reads both with the same processor
    internal_error_message: ClassVar[str] = STREAM_ERROR_MESSAGE
    url_map = Map(
        [
            Rule("/openai/deployments/<deployment>/embeddings", methods=["POST"], endpoint="embeddings"),
            Rule(
                "/openai/deployments/<deployment>/chat/completions",
                methods=["POST"],
                endpoint="chat_completions",
            ),
        ]
    )

    def __init__(self, config: AzureConfig | None = None) -> None:
        self.config = config or AzureConfig()
        super().__init__(seed=self.config.seed, journal_maxlen=self.config.journal_maxlen)
        self._ids = itertools.count(1)

    # ---- provider format ------------------------------------------------------------------------------

    def render_error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return errors.error_response(status, code or str(status), message, headers)

    def fault_response(self, fault: Fault, request: Request) -> Response:
        if fault.body is not None or fault.message is not None:
            return super().fault_response(fault, request)
        if fault.status == 429:
            endpoint = "chat_completions" if request.path.endswith("/chat/completions") else "embeddings"
            version = request.args.get("api-version", "")
            return errors.rate_limited(_OPERATIONS[endpoint], version, headers=fault.headers)
        if fault.status == 500:
            return errors.internal_error(fault.headers)
        return super().fault_response(fault, request)

    def handle_unmatched(self, request: Request, exc: HTTPException) -> Response:
        return errors.resource_not_found()

    def _seeded_uuid(self, n: int, kind: str) -> str:
        digest = hashlib.blake2b(f"{self.seed}:{n}:{kind}".encode(), digest_size=16).digest()
        return str(uuid.UUID(bytes=digest, version=4))

    def add_response_headers(self, request: Request, response: Response) -> None:
        """Azure's headers on every answer, errors included (seeded ids, one set per answer):
        ``apim-request-id`` (the spec's response header; ``x-ms-client-request-id`` repeats it),
        ``x-request-id``, ``x-ms-region`` and the remaining-only rate-limit headers. Headers the answer
        sets itself (a 429's limits) win."""
        n = next(self._ids)
        apim = self._seeded_uuid(n, "apim")
        headers = (
            ("apim-request-id", apim),
            ("x-request-id", self._seeded_uuid(n, "request")),
            ("x-ms-client-request-id", apim),
            ("x-ms-region", self.config.region),
            ("x-ratelimit-remaining-requests", "9999"),
            ("x-ratelimit-remaining-tokens", "9999999"),
        )
        for name, value in headers:
            if name not in response.headers:
                response.headers[name] = value

    def health_extra(self) -> dict[str, Any]:
        """Whether any key / token is accepted (else a harness registers its canaries before using them)."""
        return {"accepts_any_key": self.config.api_keys is None and self.config.entra_tokens is None}

    def _check(self, request: Request, deployment: str, kind: str) -> str:
        """api-version, auth, deployment: in Azure's order. Returns the deployment's model."""
        if not request.args.get("api-version"):
            raise ProviderError(errors.resource_not_found())
        key = request.headers.get("api-key", "").strip()
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if key:
            if self.config.api_keys is not None and key not in self.config.api_keys and not self.key_registered(key):
                raise errors.access_denied()
        elif scheme.lower() == "bearer" and token:
            if (
                self.config.entra_tokens is not None
                and token not in self.config.entra_tokens
                and not self.key_registered(token)
            ):
                raise errors.invalid_token()
        elif request.headers.get("Authorization"):
            raise errors.invalid_token()
        else:
            raise errors.missing_key()
        resource = models.resource_from_host(request.host)
        return models.resolve_deployment(self.config.deployments, resource, deployment, kind)

    # ---- endpoints ------------------------------------------------------------------------------------

    def on_embeddings(self, request: Request, deployment: str) -> Response:
        model = self._check(request, deployment, "embeddings")
        body = parse_json_body(request)
        return json_response(models.embeddings(body, model=model, seed=self.seed))

    def on_chat_completions(self, request: Request, deployment: str) -> Response:
        model = self._check(request, deployment, "chat")
        body = parse_json_body(request)
        created = int(time.time())
        if body.get("stream") is True:
            chunks = models.chat_chunks(body, model=model, seed=self.seed, created=created)
            return Response(sse_body(chunks), mimetype="text/event-stream")
        result = models.chat_completion(body, model=model, seed=self.seed, created=created)
        return json_response(result)


def create_app(config: AzureConfig | None = None) -> AzureApp:
    """The Azure OpenAI mock WSGI app for ``config`` (defaults: seed 0, any key, any deployment)."""
    return AzureApp(config)


class AzureMock(MockServer):
    """An Azure OpenAI mock on a real port; pytest-free.

    Example::

        with AzureMock(seed=1, api_keys={"k"}, deployments={"embed": "text-embedding-3-small"}) as mock:
            client = openai.AzureOpenAI(api_key="k", azure_endpoint=mock.url, api_version="2024-10-21",
                                        max_retries=0)
            client.embeddings.create(model="embed", input="hi")
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        api_keys: set[str] | frozenset[str] | None = None,
        entra_tokens: set[str] | frozenset[str] | None = None,
        deployments: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        config: AzureConfig | None = None,
    ) -> None:
        config = config or AzureConfig(
            seed=seed,
            api_keys=None if api_keys is None else frozenset(api_keys),
            entra_tokens=None if entra_tokens is None else frozenset(entra_tokens),
            deployments=None if deployments is None else dict(deployments),
        )
        super().__init__(create_app(config), host=host, port=port)
