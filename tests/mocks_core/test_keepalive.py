"""``keep_alive=True`` (the default): several requests per connection, answered exactly as werkzeug's handler
answers them (``keep_alive=False``); a stopped server shuts the connections it kept open.

Each test talks raw HTTP/1.1 over one socket (http.client) to a reference target on 127.0.0.1, port 0.
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator

import pytest

from mocks.openai import OpenAIMock
from mocks.reference import ReferenceConfig, ReferenceServer
from mocks.tls import MockCA, TLSMockServer

_PUT = json.dumps({"service": "openai", "service_settings": {"api_key": "sk-x", "model_id": "m"}}).encode()


@pytest.fixture
def servers() -> Iterator[tuple[ReferenceServer, ReferenceServer]]:
    config = ReferenceConfig(skip_validation=True, max_body_bytes=1000)
    with ReferenceServer(config, keep_alive=False) as closing, ReferenceServer(config) as kept:
        yield closing, kept


def _connection(server: ReferenceServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)


def _answer(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None, **headers: str):
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
    resp = conn.getresponse()
    got = {k: v for k, v in resp.getheaders() if k not in ("Date", "Connection")}
    return resp.status, got, resp.read(), resp.getheader("Connection")


_REQUESTS = [
    ("GET", "/_inference/_all", None),
    ("PUT", "/_inference/text_embedding/e1", _PUT),
    ("GET", "/_inference/e1", None),
    ("POST", "/_inference/text_embedding/missing", b'{"input": "' + b"x" * 300 + b'"}'),  # body left unread
    ("POST", "/_inference/e1", b"{not json"),
    ("DELETE", "/_inference/e1", None),
    ("GET", "/_inference/e1", None),
]


def test_one_connection_many_requests_same_answers(servers: tuple[ReferenceServer, ReferenceServer]) -> None:
    closing, kept = servers
    conn = _connection(kept)
    expected = []
    for method, path, body in _REQUESTS:
        fresh = _connection(closing)  # werkzeug's handler: a connection per request, then closed
        status, headers, content, connection = _answer(fresh, method, path, body)
        fresh.close()
        assert connection == "close"
        expected.append((status, headers, content))
    seen, sockets = [], set()
    for method, path, body in _REQUESTS:
        status, headers, content, connection = _answer(conn, method, path, body)
        assert connection is None  # kept open
        sockets.add(id(conn.sock))
        seen.append((status, headers, content))
    assert seen == expected
    assert len(sockets) == 1 and conn.sock is not None  # every request went over the same socket
    conn.close()


def test_closes_when_the_client_asks(servers: tuple[ReferenceServer, ReferenceServer]) -> None:
    _, kept = servers
    conn = _connection(kept)
    assert _answer(conn, "GET", "/_inference/_all", Connection="close")[3] == "close"
    assert conn.sock is None  # http.client closed it as told


def test_closes_after_a_response_that_says_close(servers: tuple[ReferenceServer, ReferenceServer]) -> None:
    closing, kept = servers
    too_large = b"{" + b" " * 2000 + b"}"  # above max_body_bytes: ES's 413 says Connection: close
    conn = _connection(kept)
    answer = _answer(conn, "POST", "/_inference/e1", too_large)
    assert answer[0] == 413 and "close" in str(answer[3])
    assert conn.sock is None
    assert answer == _answer(_connection(closing), "POST", "/_inference/e1", too_large)  # as werkzeug's, byte for byte


def test_chunked_request_body_then_close(servers: tuple[ReferenceServer, ReferenceServer]) -> None:
    _, kept = servers
    conn = _connection(kept)
    conn.putrequest("PUT", "/_inference/text_embedding/e2")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(_PUT), _PUT))
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Connection") == "close"
    resp.read()


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_stopped_server_answers_nothing_on_a_connection_it_kept_open(tls: bool) -> None:
    ca = MockCA()
    server = TLSMockServer(OpenAIMock().app, ca=ca) if tls else OpenAIMock()
    with server:
        if tls:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", server.port, timeout=10, context=ca.client_context()
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        status, _, _, connection = _answer(conn, "GET", "/__admin/health")
        assert (status, connection) == (200, None)  # answered and kept open
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError, OSError)):
        _answer(conn, "GET", "/__admin/health")  # stopped: the kept connection is shut, not served


def test_a_reset_fault_still_resets_after_a_fork() -> None:
    """A forked child (the harness's worker processes, when a test serves the target in the same process)
    does not keep the parent's kept-open connections alive: the reset fault's last close sends the RST, and
    the client reads ``Connection reset`` instead of waiting for its read timeout (issue 21's probe found it)."""
    import os

    with OpenAIMock() as mock:
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=30)
        body = json.dumps({"model": "text-embedding-3-small", "input": ["a"]}).encode()
        headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-canary-fork"}
        conn.request("POST", "/v1/embeddings", body=body, headers=headers)
        assert conn.getresponse().read()  # the connection is now kept open by the mock's handler
        done_r, done_w = os.pipe()
        child = os.fork()
        if child == 0:  # the child: hold whatever it inherited until the parent is done, then leave
            os.close(done_w)
            os.read(done_r, 1)
            os._exit(0)
        os.close(done_r)
        try:
            mock.faults.add({"kind": "reset", "times": 1})
            conn.request("POST", "/v1/embeddings", body=body, headers=headers)
            with pytest.raises(ConnectionResetError):
                conn.getresponse()
        finally:
            os.close(done_w)
            os.waitpid(child, 0)
