"""The target's upstream connections are kept alive, and a pooled connection the server closed while it was
idle is replaced, not reported: against a real HTTP/1.1 server on port 0 that counts connections and requests
and can close its connections on demand (as a provider's idle timeout does)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from reference_upstream_helpers import OPENAI_KEY, endpoint

from mocks.reference.config import ReferenceConfig
from mocks.reference.upstream import Upstream, _pools

_ANSWER = json.dumps(
    {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.25]}], "model": "m"}
).encode()


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.requests = 0

    def close_connections(self) -> None:
        """Close every open connection from the server's side (FIN), as an idle timeout does."""
        with self.lock:
            for sock in self.connections:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _KeepAliveServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections.append(self.connection)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(_ANSWER)))
        self.end_headers()
        self.wfile.write(_ANSWER)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def server() -> Iterator[_KeepAliveServer]:
    srv = _KeepAliveServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.close_connections()
        srv.server_close()


def _embed(upstream: Upstream, server: _KeepAliveServer, text: str) -> list[list[float]]:
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/embeddings"
    target = endpoint("openai", "text_embedding", {"model_id": "m", "url": url}, {"api_key": OPENAI_KEY})
    return upstream.embed(target, [text])


def _upstream() -> Upstream:
    return Upstream(ReferenceConfig(retry_initial_delay_s=0.0, retry_max_delay_s=0.0, http_timeout_s=5.0))


def test_calls_to_one_host_share_a_kept_alive_connection(server: _KeepAliveServer) -> None:
    upstream = _upstream()
    for n in range(3):
        assert _embed(upstream, server, f"call {n}") == [[0.5, -0.25]]
    assert (server.requests, len(server.connections)) == (3, 1)


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(server: _KeepAliveServer) -> None:
    upstream = _upstream()
    _embed(upstream, server, "before")
    server.close_connections()
    # no upstream error and no retry: the closed connection is dropped before the request is sent
    assert _embed(upstream, server, "after") == [[0.5, -0.25]]
    assert (server.requests, len(server.connections)) == (2, 2)


def test_a_connection_idle_longer_than_the_eviction_time_is_not_reused(
    server: _KeepAliveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pools, "MAX_IDLE_S", -1.0)  # every pooled connection counts as idle too long
    upstream = _upstream()
    _embed(upstream, server, "first")
    _embed(upstream, server, "second")
    assert (server.requests, len(server.connections)) == (2, 2)
