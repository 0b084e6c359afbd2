"""The Amazon Bedrock Runtime mock: a thin werkzeug app on :class:`mocks.core.MockApp`.

Routes (all POST; ``model_id`` may be an ARN, hence the ``path`` converter)::

    /model/<model_id>/invoke                        InvokeModel                      application/json
    /model/<model_id>/invoke-with-response-stream   InvokeModelWithResponseStream    event stream
    /model/<model_id>/converse                      Converse                         application/json
    /model/<model_id>/converse-stream               ConverseStream                   event stream

Every request is authenticated first (SigV4 checked with botocore, or a Bearer API key; see
:mod:`mocks.bedrock.sigv4`); the body is then handled by :mod:`mocks.bedrock.models`.  Errors are AWS's
(:mod:`mocks.bedrock.errors`); injected faults render the same way (an ``http_error`` 429 is a
``ThrottlingException``; ``eventstream_corrupt`` flips a CRC byte of the first frame; ``stream_error`` sends
``after`` event frames, then an exception frame, ``modelStreamErrorException`` unless the fault's ``code``
names another, e.g. ``throttlingException``).

Example::

    with BedrockMock(credentials={"AKIDEXAMPLE": "secret"}, seed=7) as mock:
        client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=mock.url, ...)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mocks.bedrock import eventstream, models
from mocks.bedrock.errors import (
    BedrockError,
    ModelStreamErrorException,
    UnknownOperationException,
    ValidationException,
    error_for_status,
)
from mocks.bedrock.sigv4 import AuthConfig, raw_uri, shown_secrets, verify_request
from mocks.core import Fault, MockApp, MockServer, fingerprint

#: An operation path whatever its model id holds (werkzeug's ``path`` converter stops at a line break).
_OPERATION_PATH = re.compile(r"/model/.+/(?:invoke|invoke-with-response-stream|converse|converse-stream)", re.DOTALL)

__all__ = ["MAX_BODY_BYTES", "BedrockApp", "BedrockConfig", "BedrockMock", "create_app"]

#: InvokeModel's documented body limit (botocore's service model: ``Body`` max 25,000,000 bytes).
MAX_BODY_BYTES = 25_000_000


@dataclass(frozen=True)
class BedrockConfig:
    """Settings of the Bedrock mock.

    Args:
        seed: seeds every generated vector and text.
        regions: regions this endpoint answers for (SigV4 credential scope); the first is the default.
        credentials: access key id -> secret access key; ``None`` accepts any well-formed signature
            without verifying it.
        bearer_tokens: accepted Bedrock API keys; ``None`` accepts any token when ``credentials`` is
            ``None`` and none otherwise.
        clock_skew_seconds: allowed ``X-Amz-Date`` skew (AWS: 900); ``None`` disables the check.
        journal_maxlen: how many calls the journal keeps.
    """

    seed: int = 0
    regions: tuple[str, ...] = ("us-east-1",)
    credentials: Mapping[str, str] | None = None
    bearer_tokens: frozenset[str] | None = None
    clock_skew_seconds: float | None = 900.0
    journal_maxlen: int = 10_000
    _auth: AuthConfig = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.regions, str):
            object.__setattr__(self, "regions", (self.regions,))
        if not self.regions:
            raise ValueError("regions must name at least one region")
        tokens = self.bearer_tokens
        if tokens is not None:
            tokens = frozenset(tokens)
        elif self.credentials is not None:
            tokens = frozenset()
        credentials = None if self.credentials is None else dict(self.credentials)
        object.__setattr__(self, "_auth", AuthConfig(credentials, tuple(self.regions), tokens, self.clock_skew_seconds))

    @property
    def auth(self) -> AuthConfig:
        """The auth settings :func:`mocks.bedrock.sigv4.verify_request` checks against."""
        return self._auth

    def __repr__(self) -> str:
        keys, tokens = shown_secrets(self.credentials), shown_secrets(self.bearer_tokens)
        return (
            f"BedrockConfig(seed={self.seed}, regions={self.regions!r}, access_keys={keys!r}, "
            f"bearer_tokens={tokens!r}, clock_skew_seconds={self.clock_skew_seconds!r})"
        )


def _first_frame_length(data: bytes) -> int:
    if len(data) < 16:
        return len(data)
    return min(struct.unpack("!I", data[:4])[0], len(data))


class BedrockApp(MockApp):
    """The Bedrock Runtime WSGI app (construct with :func:`create_app`)."""

    service: ClassVar[str] = "amazonbedrock"
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    internal_error_message: ClassVar[str] = (
        "The system encountered an unexpected error during processing. Try your request again."
    )
    url_map: ClassVar[Map] = Map(
        [
            Rule("/model/<path:model_id>/invoke", methods=["POST"], endpoint="invoke"),
            Rule(
                "/model/<path:model_id>/invoke-with-response-stream",
                methods=["POST"],
                endpoint="invoke_with_response_stream",
            ),
            Rule("/model/<path:model_id>/converse", methods=["POST"], endpoint="converse"),
            Rule("/model/<path:model_id>/converse-stream", methods=["POST"], endpoint="converse_stream"),
        ],
        strict_slashes=False,
    )

    def __init__(self, config: BedrockConfig | None = None) -> None:
        self.config = config or BedrockConfig()
        super().__init__(seed=self.config.seed, journal_maxlen=self.config.journal_maxlen)
        self._request_ids = itertools.count(1)

    def register_credentials(self, access_key: str, secret_key: str, *, run: str = "") -> str:
        """Verify signatures made with ``access_key`` from now on (against ``secret_key``), even when the
        mock accepts any signature otherwise; return the access key's fingerprint. ``POST
        /__admin/credentials`` calls it; ``DELETE /__admin/credentials?run=<run>`` forgets the pair."""
        if not access_key or not secret_key:
            raise ValueError("access_key and secret_key must be non-empty strings")
        with self._credentials_lock:
            self.config.auth.registered[access_key] = secret_key
        self._remember(run, "aws", access_key)
        return fingerprint(access_key)

    def forget_credential(self, kind: str, secret: str) -> None:
        """Forget a registered AWS key pair (``kind`` ``"aws"``, ``secret`` its access key)."""
        if kind == "aws":
            self.config.auth.registered.pop(secret, None)
        else:
            super().forget_credential(kind, secret)

    def health_extra(self) -> dict[str, Any]:
        """The regions this endpoint answers for (a harness draws its endpoints' regions among them)."""
        return {"regions": list(self.config.regions)}

    # ---- routes ---------------------------------------------------------------------------------------

    def on_invoke(self, request: Request, model_id: str) -> Response:
        """InvokeModel."""
        body = self._request_body(request, model_id, generates=False)
        result = models.invoke(model_id, body, seed=self.seed)
        return self._json(result.body, self._usage_headers(result))

    def on_converse(self, request: Request, model_id: str) -> Response:
        """Converse."""
        body = self._request_body(request, model_id, generates=True, converse=True)
        result = models.converse(model_id, body, seed=self.seed)
        return self._json(result.body)

    def on_converse_stream(self, request: Request, model_id: str) -> Response:
        """ConverseStream: one event-stream frame per event."""
        body = self._request_body(request, model_id, generates=True, converse=True)
        events = models.converse_stream_events(model_id, body, seed=self.seed)
        frames = [eventstream.event_frame(kind, payload) for kind, payload in events]
        return self._stream(frames)

    def on_invoke_with_response_stream(self, request: Request, model_id: str) -> Response:
        """InvokeModelWithResponseStream: ``chunk`` frames of base64 model JSON."""
        body = self._request_body(request, model_id, generates=True)
        chunks, _ = models.invoke_stream_chunks(model_id, body, seed=self.seed)
        frames = [eventstream.event_frame("chunk", chunk) for chunk in chunks]
        response = self._stream(frames)
        response.headers["X-Amzn-Bedrock-Content-Type"] = "application/json"
        return response

    # ---- MockApp hooks --------------------------------------------------------------------------------

    def render_error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Render ``status`` as the Bedrock error AWS would send (``code`` may name one, e.g.
        ``"ModelNotReadyException"``)."""
        if status == 413:
            err: BedrockError = ValidationException(
                "1 validation error detected: Value at 'body' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_BODY_BYTES}",
                headers=headers,
            )
        elif status == 500 and message == self.internal_error_message:
            err = error_for_status(500, headers=headers)
        else:
            err = error_for_status(status, name=code or type, message=message, headers=headers)
        return err.get_response()

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """An ``http_error`` fault: ``fault.body`` verbatim, else the Bedrock error for its status with
        AWS's default message unless the fault names one."""
        if fault.body is not None:
            return super().fault_response(fault, request)
        err = error_for_status(
            fault.status, name=fault.code or fault.type, message=fault.message, headers=fault.headers
        )
        return err.get_response()

    def add_response_headers(self, request: Request, response: Response) -> None:
        """``x-amzn-RequestId`` on every answer, errors and streams included: a seeded UUID (one per
        answer), replacing any id set earlier, so one seed reproduces a run."""
        digest = hashlib.blake2b(f"{self.seed}:{next(self._request_ids)}".encode(), digest_size=16).digest()
        response.headers["x-amzn-RequestId"] = str(uuid.UUID(bytes=digest, version=4))

    def handle_unmatched(self, request: Request, exc: HTTPException) -> Response:
        """No operation at this path/method: Smithy's ``UnknownOperationException`` (404). A POST to an
        operation whose model id holds a character the routes do not match (a line break) is an operation
        call with an invalid model id, as AWS routes it: ``ValidationException``."""
        if request.method == "POST" and _OPERATION_PATH.fullmatch(request.path):
            return ValidationException(models.INVALID_MODEL).get_response()
        return UnknownOperationException().get_response()

    def request_streams(self, request: Request, endpoint: str, values: dict[str, Any]) -> bool:
        """ConverseStream and InvokeModelWithResponseStream stream; the body never decides it."""
        return endpoint in ("converse_stream", "invoke_with_response_stream")

    def render_stream_error(self, fault: Fault, fmt: str) -> bytes:
        """A ``stream_error`` fault's exception frame: ``fault.code`` (or ``type``) names the exception in
        either case (``ThrottlingException`` / ``throttlingException``; default
        ``modelStreamErrorException``), ``fault.message`` replaces its default message. A name Bedrock does
        not define is sent as given."""
        name = fault.code or fault.type or ModelStreamErrorException.error_name
        pascal = name[:1].upper() + name[1:]
        err = error_for_status(ModelStreamErrorException.code, name=pascal, message=fault.message)
        if err.error_name != pascal:
            message = fault.message or ModelStreamErrorException.default_message or ""
            return eventstream.exception_frame(name[:1].lower() + name[1:], message)
        return err.frame()

    def corrupt_eventstream(self, data: bytes) -> bytes:
        """Flip a byte of the first frame's message CRC (botocore then raises ``ChecksumMismatch``)."""
        end = _first_frame_length(data)
        if end < 16:
            return data
        return eventstream.corrupt(data[:end]) + data[end:]

    # ---- helpers --------------------------------------------------------------------------------------

    def _request_body(
        self, request: Request, model_id: str, *, generates: bool, converse: bool = False
    ) -> dict[str, Any]:
        """Authenticate (SigV4 over the raw bytes), check the model, then parse the body: AWS's order."""
        self._authorize(request)
        models.check_model(model_id, generates=generates)
        raw = request.get_data(cache=True)
        return models.parse_converse_body(raw) if converse else models.parse_invoke_body(raw)

    def _authorize(self, request: Request) -> None:
        verify_request(
            self.config.auth,
            method=request.method,
            raw_uri=raw_uri(request.environ),
            headers=dict(request.headers.items()),
            body=request.get_data(cache=True),
        )

    @staticmethod
    def _usage_headers(result: models.Result) -> dict[str, str]:
        return {
            "X-Amzn-Bedrock-Input-Token-Count": str(result.input_tokens),
            "X-Amzn-Bedrock-Output-Token-Count": str(result.output_tokens),
            "X-Amzn-Bedrock-Invocation-Latency": str(result.latency_ms),
        }

    @staticmethod
    def _json(body: Any, headers: Mapping[str, str] | None = None) -> Response:
        response = Response(json.dumps(body, separators=(",", ":")), status=200, mimetype="application/json")
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    @staticmethod
    def _stream(frames: list[bytes]) -> Response:
        response = Response(frames, status=200, content_type=eventstream.CONTENT_TYPE)
        return response


def create_app(config: BedrockConfig | None = None, **settings: Any) -> BedrockApp:
    """Build the Bedrock mock app from a :class:`BedrockConfig` (or its fields as keywords)."""
    if config is not None and settings:
        raise TypeError("pass either a BedrockConfig or keyword settings, not both")
    return BedrockApp(config or BedrockConfig(**settings))


class BedrockMock(MockServer):
    """A running Bedrock mock on ``127.0.0.1`` (port 0 by default); a context manager.

    Example::

        with BedrockMock(credentials={"AKID": "secret"}) as mock:
            mock.url, mock.journal.last
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        regions: tuple[str, ...] | str = ("us-east-1",),
        credentials: Mapping[str, str] | None = None,
        bearer_tokens: set[str] | frozenset[str] | None = None,
        clock_skew_seconds: float | None = 900.0,
        host: str = "127.0.0.1",
        port: int = 0,
        config: BedrockConfig | None = None,
    ) -> None:
        config = config or BedrockConfig(
            seed=seed,
            regions=(regions,) if isinstance(regions, str) else tuple(regions),
            credentials=None if credentials is None else dict(credentials),
            bearer_tokens=None if bearer_tokens is None else frozenset(bearer_tokens),
            clock_skew_seconds=clock_skew_seconds,
        )
        super().__init__(create_app(config), host=host, port=port)

    @property
    def app_config(self) -> BedrockConfig:
        """The mock's settings."""
        assert isinstance(self.app, BedrockApp)
        return self.app.config
