"""ES's ``RetryingHttpSender`` for the HTTP services (OpenAI, Azure OpenAI), over urllib3.

* At most :data:`MAX_ATTEMPTS` attempts (``RetryingHttpSender.MAX_RETIES = 3``, ES 8.15+).
* Retried: what the response handler flags (429 per service, 500, 503), I/O errors, and a 2xx body
  that fails to parse (``BaseResponseHandler.parseResult`` wraps parse errors as retryable).
* Back-off as ES's ``RetryableAction``: a random delay below a bound that starts at the initial delay
  and doubles up to the max bound; no retry once the overall timeout would pass. The random source is
  seeded, so a run is reproducible.
* An embeddings request answered "content too large" is truncated once (each input cut to half its
  length, ``Truncator.REDUCTION_PERCENTAGE`` 0.5) and re-sent.
* An unknown host is not retried: ``"Invalid host [<url>], please check that the URL is correct."``.
* Every other failure that is not an ES exception (I/O error, empty body, unparsable body) reaches the
  client wrapped by ``ActionUtils.wrapFailuresInElasticsearchException``: a 500 ``status_exception``
  ``"Failed to send <request kind> request. Cause: <cause message>"`` (:func:`request_kind`).
* A connection cut inside a stream that has started is an ``event: error`` on the 200 stream carrying the
  raw exception (``StreamingHttpResultPublisher`` -> ``ServerSentEventsRestActionListener``): rule
  ``upstream.stream.connection_reset`` (a TCP reset), else ``upstream.stream.connection_closed``.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import urllib3
from urllib3.exceptions import HTTPError, NameResolutionError

from contract import RuleViolation
from mocks.core.wsgi import caused_by

from ._errors import failure_for_status, violation
from ._pools import POOL_MAXSIZE, UpstreamPools

__all__ = [
    "MAX_ATTEMPTS",
    "POOL_MAXSIZE",
    "HttpRequest",
    "RetryingSender",
    "iter_sse_data",
    "request_kind",
]

MAX_ATTEMPTS = 3
T = TypeVar("T")

#: ``constructFailedToSendRequestMessage(<prefix>)`` per (service, task): ``OpenAiActionCreator``
#: (``"OpenAI embeddings"``, ``COMPLETION_ERROR_PREFIX`` also used for unified chat) and
#: ``AzureOpenAiActionCreator`` (``EMBEDDINGS_ERROR_PREFIX`` / ``COMPLETION_ERROR_PREFIX``).
_REQUEST_KINDS = {
    ("openai", "embeddings"): "OpenAI embeddings",
    ("openai", "completion"): "OpenAI chat completions",
    ("openai", "unified"): "OpenAI chat completions",
    ("azureopenai", "embeddings"): "Azure OpenAI embeddings",
    ("azureopenai", "completion"): "Azure OpenAI completion",
    ("azureopenai", "unified"): "Azure OpenAI completion",  # not checked against ES source (9.4 only)
}


def request_kind(service: str, task: str) -> str:
    """The ``<kind>`` of ES's ``"Failed to send <kind> request"`` for a service and task."""
    return _REQUEST_KINDS.get((service, task), f"{service} {task}")


@dataclass
class HttpRequest:
    """One outbound JSON POST (ES's ``OutboundRequest``)."""

    service: str
    task: str
    inference_id: str
    url: str
    headers: dict[str, str] = field(repr=False)  # holds the auth secret
    body: dict[str, Any] = field(repr=False)
    secrets: Sequence[str] = field(default=(), repr=False)
    truncate: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    #: the URI the 8.18 "Failed to send ... request to [uri]" wrapper names
    #: (ActionUtils#constructFailedToSendRequestMessage with the settings' uri(): OpenAI's only when the user set
    #: one, Azure's always), else None
    message_uri: str | None = None

    @property
    def to_url(self) -> str:
        """`` to [uri]`` for the 8.18 wrapper message, or ``""``."""
        return f" to [{self.message_uri}]" if self.message_uri else ""

    def encoded(self) -> bytes:
        """The body bytes as ES sends them (compact JSON, keys in insertion order)."""
        return orjson.dumps(self.body)


class _Unsendable(OSError):
    """A request that cannot be put on the wire (an invalid header value)."""


class RetryingSender:
    """Sends :class:`HttpRequest` objects with ES's retry policy; thread-safe."""

    def __init__(
        self,
        *,
        initial_delay_s: float,
        max_delay_s: float,
        timeout_s: float,
        http_timeout_s: float,
        seed: int = 0,
        ca_certs: str | None = None,
    ) -> None:
        self._initial = max(initial_delay_s, 0.0)
        self._max = max(max_delay_s, self._initial)
        self._timeout = timeout_s
        self._rng = random.Random(seed)
        self._pools = UpstreamPools(http_timeout_s=http_timeout_s, ca_certs=ca_certs)

    def send(self, request: HttpRequest, parse: Callable[[bytes], T]) -> T:
        """POST ``request`` and return ``parse(body)`` of the 2xx answer, retrying like ES."""
        return self._send(request, stream=False, parse=parse)  # type: ignore[no-any-return]

    def open_stream(self, request: HttpRequest) -> urllib3.BaseHTTPResponse:
        """POST a streaming ``request``; retry until a 2xx response starts, then return it unread."""
        return self._send(request, stream=True, parse=None)  # type: ignore[return-value]

    def _send(self, request: HttpRequest, *, stream: bool, parse: Callable[[bytes], Any] | None) -> Any:
        start = time.monotonic()
        truncated = False
        bound = self._initial
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(request, stream=stream, parse=parse)
            if outcome.error is None:
                return outcome.result
            if outcome.too_large:
                # ContentTooLargeException: truncate once and re-send (embeddings only).
                new_body = request.truncate(request.body) if request.truncate and not truncated else None
                if new_body is None or attempt >= MAX_ATTEMPTS:
                    raise outcome.error
                request.body, truncated = new_body, True
                continue
            if not outcome.retry or attempt >= MAX_ATTEMPTS:
                raise outcome.error
            delay = self._rng.uniform(0, bound) if bound > 0 else 0.0
            if time.monotonic() - start + delay > self._timeout:
                raise outcome.error
            time.sleep(delay)
            bound = min(bound * 2, self._max)

    def _attempt(self, request: HttpRequest, *, stream: bool, parse: Callable[[bytes], Any] | None) -> _Outcome:
        try:
            response = self._pools.post(request.url, request.encoded(), request.headers, preload_content=not stream)
        except (HTTPError, OSError) as exc:
            if _is_unknown_host(exc):
                return _Outcome(error=_invalid_host(request))
            return _Outcome(error=_io_error(request, exc), retry=True)
        except UnicodeError:
            # A host that cannot be encoded (a non-ASCII ``resource_name``: urllib3 cannot even put it in
            # ``Host``) cannot resolve either: ES's UnknownHostException path (inferred), never retried.
            return _Outcome(error=_invalid_host(request))
        except ValueError:
            # A header value http.client refuses (CR/LF in a key): not sent. The message names no value,
            # since the value is a secret.
            return _Outcome(error=_io_error(request, _Unsendable("the request headers could not be sent")))
        status = response.status
        if not 200 <= status < 300:
            body = _drain(response) if stream else response.data
            err, retryable, too_large = failure_for_status(
                service=request.service,
                task=request.task,
                inference_id=request.inference_id,
                url=request.url,
                status=status,
                headers=dict(response.headers),
                body=body,
                secrets=request.secrets,
            )
            return _Outcome(error=err, retry=retryable, too_large=too_large)
        if stream:
            return _Outcome(result=response)
        body = response.data
        if not body:
            # HttpUtils.checkForEmptyBody throws IllegalStateException: not retried, wrapped by ActionUtils.
            cause = f"Response body was empty for request from inference entity id [{request.inference_id}]"
            return _Outcome(
                error=violation(
                    "upstream.empty_body",
                    request.secrets,
                    cause={"type": "illegal_state_exception", "reason": cause},
                    inference_id=request.inference_id,
                    request_kind=request_kind(request.service, request.task),
                    to_url=request.to_url,
                    reason=f"Failed to send {request_kind(request.service, request.task)} request. Cause: {cause}",
                )
            )
        try:
            return _Outcome(result=parse(body) if parse else body)
        except Exception as exc:  # noqa: BLE001 - any parse failure is retryable in ES
            return _Outcome(error=_parse_error(request, exc), retry=True)


@dataclass
class _Outcome:
    result: Any = None
    error: RuleViolation | None = None
    retry: bool = False
    too_large: bool = False


def _invalid_host(request: HttpRequest) -> RuleViolation:
    return violation(
        "upstream.invalid_host",
        request.secrets,
        url=request.url,
        reason=f"Invalid host [{request.url}], please check that the URL is correct.",
    )


def _parse_error(request: HttpRequest, exc: Exception) -> RuleViolation:
    kind = request_kind(request.service, request.task)
    return violation(
        "upstream.malformed_response",
        request.secrets,
        inference_id=request.inference_id,
        request_kind=kind,
        to_url=request.to_url,
        error_message=str(exc),
        reason=f"Failed to send {kind} request. Cause: {exc}",
    )


def _drain(response: urllib3.BaseHTTPResponse) -> bytes:
    try:
        return response.read()
    finally:
        response.release_conn()


def _is_unknown_host(exc: BaseException) -> bool:
    # through caused_by: an ssl.SSLError's ``reason`` is a str, which a walker of its own once followed
    return caused_by(exc, socket.gaierror) or caused_by(exc, NameResolutionError)


def _java_io_cause(exc: BaseException) -> dict[str, str] | None:
    """The JDK exception ES would see for ``exc``, where it is known (``{"type","reason"}``), else None."""
    if caused_by(exc, ConnectionRefusedError):
        return {"type": "connect_exception", "reason": "Connection refused"}
    if caused_by(exc, ConnectionResetError):
        return {"type": "socket_exception", "reason": "Connection reset"}
    return None


def _io_error(request: HttpRequest, exc: BaseException) -> RuleViolation:
    # RetryingHttpSender: an IOException becomes RetryException(true, e); once retries are spent,
    # ActionUtils wraps the unwrapped IOException: "Failed to send <kind> request. Cause: <message>".
    java = _java_io_cause(exc)
    message = java["reason"] if java else f"{type(exc).__name__}: {exc}"
    kind = request_kind(request.service, request.task)
    return violation(
        "upstream.io_error",
        request.secrets,
        cause=java,
        inference_id=request.inference_id,
        url=request.url,
        request_kind=kind,
        to_url=request.to_url,
        error_message=message,
        reason=f"Failed to send {kind} request. Cause: {message}",
    )


def _stream_cut(exc: BaseException) -> RuleViolation:
    """A failure while reading a started stream (the ``sse_cut`` fault): ES forwards the raw exception
    as an ``event: error`` on the 200 stream (``StreamingHttpResultPublisher.consumeContent``).

    A TCP reset (``close: "reset"``) is ``SocketException: Connection reset``; any other cut, such as EOF
    where the next chunk's size line should be (``close: "fin"``, urllib3's ``"Response ended
    prematurely"``), is HttpCore's ``ConnectionClosedException`` ("Premature end of chunk coded message body:
    closing chunk expected", thrown by its chunk decoder on end of stream while reading a chunk header)."""
    if caused_by(exc, ConnectionResetError):
        return violation("upstream.stream.connection_reset", error_message=f"{type(exc).__name__}: {exc}")
    return violation("upstream.stream.connection_closed", error_message=f"{type(exc).__name__}: {exc}")


def iter_sse_data(response: urllib3.BaseHTTPResponse) -> Iterator[tuple[str | None, str]]:
    """Yield ``(event, data)`` of each server-sent event (ES's ``ServerSentEventParser``).

    Multi-line ``data:`` fields are joined with ``\\n``; comments and ids are ignored.
    """
    event: str | None = None
    data: list[str] = []
    buffer = b""
    try:
        for chunk in response.stream(8192, decode_content=True):
            buffer += chunk
            while True:
                cut = _line_end(buffer)
                if cut is None:
                    break
                end, width = cut
                line = buffer[:end].decode("utf-8", "replace")
                buffer = buffer[end + width :]
                if not line:
                    if data:
                        yield event, "\n".join(data)
                    event, data = None, []
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    data.append(value)
                elif name == "event":
                    event = value
        if buffer.strip():
            name, _, value = buffer.decode("utf-8", "replace").partition(":")
            if name == "data":
                data.append(value.removeprefix(" "))
        if data:
            yield event, "\n".join(data)
    except (HTTPError, OSError) as exc:
        raise _stream_cut(exc) from None
    finally:
        response.release_conn()


def _line_end(buffer: bytes) -> tuple[int, int] | None:
    lf, cr = buffer.find(b"\n"), buffer.find(b"\r")
    if cr == -1 or (lf != -1 and lf < cr):
        return None if lf == -1 else (lf, 1)
    if cr + 1 >= len(buffer):
        return None  # a CR at the end may be the first half of CRLF
    return (cr, 2) if buffer[cr + 1] == 0x0A else (cr, 1)
