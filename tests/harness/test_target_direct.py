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
from harness.target import Target

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
