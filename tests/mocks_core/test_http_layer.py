"""The HTTP layer of every werkzeug-served server (three mocks and the reference), over raw sockets.

Errors the server itself answers (414, 431, bad framing, absurd ``Content-Length``) come in the server's own
format; differing ``Content-Length`` headers and ``Content-Length`` with ``Transfer-Encoding`` are refused
(RFC 9112 6.3); a client that stalls an upload neither holds up other clients nor is kept forever.
No timing: socket timeouts are generous safety nets only.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from mocks.azure import create_app as create_azure
from mocks.bedrock import create_app as create_bedrock
from mocks.core import MockServer
from mocks.openai import OpenAIConfig, create_app
from mocks.reference.config import ReferenceConfig
from mocks.reference.server import ReferenceServer

SAFETY = 30.0  # seconds: only so that a regression fails instead of hanging


def _openai(body: dict[str, Any], headers: dict[str, str]) -> bool:
    return isinstance(body.get("error"), dict) and isinstance(body["error"].get("message"), str)


def _azure(body: dict[str, Any], headers: dict[str, str]) -> bool:
    return isinstance(body.get("error"), dict) and {"code", "message"} <= set(body["error"])


def _bedrock(body: dict[str, Any], headers: dict[str, str]) -> bool:
    return "x-amzn-errortype" in headers and isinstance(body.get("message", body.get("Message")), str)


def _elasticsearch(body: dict[str, Any], headers: dict[str, str]) -> bool:
    return "error" in body and isinstance(body.get("status"), int) and headers.get("x-elastic-product") == "Elasticsearch"


SERVERS: dict[str, tuple[Callable[..., MockServer], Callable[[dict[str, Any], dict[str, str]], bool]]] = {
    "openai": (lambda **kw: MockServer(create_app(OpenAIConfig(seed=1)), **kw), _openai),
    "azure": (lambda **kw: MockServer(create_azure(), **kw), _azure),
    "bedrock": (lambda **kw: MockServer(create_bedrock(), **kw), _bedrock),
    "reference": (lambda **kw: _reference(**kw), _elasticsearch),
}


def _reference(**kw: Any) -> MockServer:
    server = ReferenceServer(ReferenceConfig(skip_validation=True))
    server.read_timeout = kw.get("read_timeout", server.read_timeout)
    return server


@pytest.fixture(scope="module", params=sorted(SERVERS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[MockServer, Callable[..., bool]]]:
    factory, looks_right = SERVERS[request.param]
    with factory() as server:
        yield server, looks_right


def exchange(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` raw, read the answer until the server closes; (status, lower-cased headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=SAFETY) as sock:
        sock.sendall(data)
        return _read_answer(sock)


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without an answer: {raw!r}"
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


HOST = b"Host: 127.0.0.1\r\n"
CASES = {
    "long-url": (b"GET /v1/" + b"a" * 70_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", {414, 400}),
    "large-header": (b"GET /v1/models HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n", {431, 400}),
    "many-headers": (
        b"GET /v1/models HTTP/1.1\r\n" + HOST + b"".join(b"X-H%d: 1\r\n" % i for i in range(150)) + b"\r\n",
        {431, 400},
    ),
    "differing-content-length": (
        b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}",
        {400},
    ),
    "content-length-and-chunked": (
        b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
        {400},
    ),
    "invalid-content-length": (
        b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Length: 12abc\r\n\r\n{}", {400}
    ),
    "bad-chunk-size": (
        b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
        {400},
    ),
    "absurd-content-length": (
        b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
        b"Content-Length: 99999999999999999999\r\n\r\n{}",
        {413, 400},  # Bedrock answers a too-large body as a 400 ValidationException
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_http_layer_errors_come_in_the_servers_own_format(
    served: tuple[MockServer, Callable[..., bool]], case: str
) -> None:
    server, looks_right = served
    data, statuses = CASES[case]
    status, headers, body = exchange(server.port, data)
    assert status in statuses, (status, body[:300])
    if body or status != 413:  # Elasticsearch's own 413 has an empty body (Netty4HttpContentSizeHandler)
        assert headers.get("content-type", "").startswith("application/json"), (headers, body[:200])
        assert looks_right(json.loads(body), headers), body[:300]
    # and the server keeps serving
    assert requests.get(server.url + "/__admin/health" if not isinstance(server, ReferenceServer) else server.url,
                        timeout=SAFETY).status_code == 200


STALLED_UPLOAD = (
    b"POST /v1/embeddings HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n10\r\n{\"input\": "
)


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_a_stalled_upload_does_not_hold_up_other_clients(name: str) -> None:
    factory, _ = SERVERS[name]
    with factory() as server, socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as stalled:
        stalled.sendall(STALLED_UPLOAD)
        for _ in range(3):  # answered while the stalled upload is still open
            assert requests.get(server.url + "/__admin/health" if name != "reference" else server.url,
                                timeout=SAFETY).status_code == 200
        stalled.sendall(b"")  # still open


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_a_stalled_upload_times_out_with_an_answer_or_a_close(name: str) -> None:
    factory, looks_right = SERVERS[name]
    with factory(read_timeout=0.5) as server, socket.create_connection(("127.0.0.1", server.port), timeout=SAFETY) as stalled:
        stalled.sendall(STALLED_UPLOAD)
        first = stalled.recv(65536)  # blocks until the server's read timeout fires
        if name == "reference":  # Elasticsearch has no body read timeout: the connection is just closed
            assert first == b"" or first.startswith(b"HTTP/1.1 ")
        else:
            assert first.startswith(b"HTTP/1.1 408 "), first[:200]
            body = first.partition(b"\r\n\r\n")[2] or stalled.recv(65536)
            assert looks_right(json.loads(body), {"x-amzn-errortype": "x"} if b"x-amzn-ErrorType" in first else {})
        assert not server.app.errors
