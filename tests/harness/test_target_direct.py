"""The embedded target's direct transport sends and returns exactly what the requests session does.

A recording server on 127.0.0.1 sees the request line, headers (order included) and body of each request
sent both ways, and both ways return the same status, headers, body and URL.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from harness.errors import TargetUnreachable
from harness.target import SendFailed, Target

_CASES: list[tuple[str, str, Any, dict[str, str] | None, bytes | None]] = [
    ("GET", "/_inference/_all", None, None, None),
    ("PUT", "/_inference/text_embedding/e-1", {"service": "openai", "n": [1, 2.5, "é"]}, None, None),
    ("DELETE", "/_inference/e-1", None, {"force": "true"}, None),
    ("DELETE", "/_inference/e-2", None, None, None),
    ("POST", "/_inference/e-1", None, None, b""),
    ("POST", "/_inference/e-1", None, None, b'{"input": '),
    ("GET", "/%41b/../c d/\u00e9", None, {"q": "a b", "z": "\u00e9"}, None),
    ("HEAD", "/_inference/_all", None, None, None),
    ("POST", "/stream", None, None, b"{}"),
    ("POST", "/gzip", None, None, b"{}"),
]


@Request.application
def _app(request: Request) -> Response:
    seen = request.environ["harness.seen"]
    seen.append((request.environ.get("RAW_URI"), list(request.headers.items()), request.get_data()))
    if request.path == "/stream":  # no Content-Length: chunked
        return Response((chunk for chunk in [b"data: 1\n\n", b"data: 2\n\n"]), content_type="text/event-stream")
    if request.path == "/gzip":
        body = Response(gzip.compress(b'{"zipped": true}'), content_type="application/json")
        body.headers["Content-Encoding"] = "gzip"
        return body
    response = Response(json.dumps({"ok": True}), status=404 if "e-2" in request.path else 200)
    response.headers.add("X-Twice", "a")
    response.headers.add("X-Twice", "b")
    return response


@pytest.fixture
def recording() -> Iterator[tuple[str, list[Any]]]:
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ["harness.seen"] = seen
        return _app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}", seen
    server.shutdown()
    server.server_close()


def _exchanges(target: Target) -> list[Any]:
    out = []
    for method, path, body, params, raw in _CASES:
        r = target.request(method, path, body=body, params=params, raw=raw)
        headers = {k: v for k, v in r.headers.items() if k != "Date"}
        out.append((r.method, r.url, r.request_text, r.status, headers, r.body))
    return out


def test_direct_sends_and_returns_what_requests_does(recording: tuple[str, list[Any]]) -> None:
    url, seen = recording
    through_requests = _exchanges(Target(url, user="elastic:pw"))
    sent_by_requests = list(seen)
    seen.clear()
    direct = _exchanges(Target(url, user="elastic:pw", direct=True))
    assert seen == sent_by_requests
    assert direct == through_requests
    assert direct[-1][-1] == b'{"zipped": true}' and direct[-2][-1] == b"data: 1\n\ndata: 2\n\n"


def test_direct_unreachable_is_target_unreachable(recording: tuple[str, list[Any]]) -> None:
    url, _ = recording
    dead = url.rsplit(":", 1)[0] + ":1"
    for direct in (False, True):
        with pytest.raises(TargetUnreachable, match="did not answer GET /_inference/_all: connection refused"):
            Target(dead, direct=direct, timeout=5).request("GET", "/_inference/_all")


def test_bare_session_sent_directly_as_through_requests(recording: tuple[str, list[Any]]) -> None:
    """What the security checks send with other credentials (none, malformed ones) goes out the same way."""
    url, seen = recording
    target = Target(url, user="elastic:pw", direct=True)
    session = target.bare_session()
    assert target.sends_direct(session) and not Target(url).sends_direct(session)
    answers = []
    for authorization in (None, "Basic !!!!", "ApiKey ="):
        headers = {"Accept": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        resp = session.request("PUT", url + "/_inference/x", data=b"{}", headers=headers, timeout=5)
        direct = target.send_direct(session, "PUT", "/_inference/x", b"{}", None, headers)
        answers.append(((resp.status_code, dict(resp.headers), resp.content), direct[:3]))
    first, second = seen[0::2], seen[1::2]
    assert first == second and len(first) == 3
    assert all(
        {k: v for k, v in a[1].items() if k != "Date"} == {k: v for k, v in b[1].items() if k != "Date"}
        and a[0] == b[0]
        and a[2] == b[2]
        for a, b in answers
    )


def test_invalid_header_value_fails_both_ways_before_sending(recording: tuple[str, list[Any]]) -> None:
    url, seen = recording
    target = Target(url, direct=True)
    session = target.bare_session()
    with pytest.raises(SendFailed, match="return character"):
        target.send_direct(session, "GET", "/", None, None, {"Authorization": "Basic a\r\nX: y"})
    assert seen == []


def test_local_mock_calls_by_key_as_the_journal_filters_them() -> None:
    import requests

    from harness.mock_handles import LocalMock
    from mocks.core.secrets import fingerprint
    from mocks.openai import OpenAIMock

    with OpenAIMock(seed=1) as server:
        mock = LocalMock("openai", server, 1)
        for i in range(6):
            requests.post(
                server.url + "/v1/embeddings",
                json={"model": "text-embedding-3-small", "input": f"x{i}"},
                headers={"Authorization": f"Bearer sk-key-{i % 2}"},
                timeout=10,
            )
        for key in (fingerprint("sk-key-0"), fingerprint("sk-key-1"), "fp-none"):
            assert mock.calls(key=key) == server.journal.filter(key=key)
            assert mock.calls(key=key) == mock.calls(key=key)  # from the cache the second time
        assert len(mock.calls(key=fingerprint("sk-key-1"))) == 3
