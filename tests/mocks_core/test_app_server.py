"""The base app and the server: recording, admin API, faults on the wire, errors kept off the wire."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from mocks.core import MockApp, MockServer, fingerprint, json_response

CANARY = "sk-CANARY-app-1234567"


class EchoApp(MockApp):
    service = "echo"
    url_map = Map(
        [
            Rule("/echo", methods=["POST"], endpoint="echo"),
            Rule("/stream", methods=["GET"], endpoint="stream"),
            Rule("/boom", methods=["GET"], endpoint="boom"),
        ]
    )

    def on_echo(self, request: Request) -> Response:
        return json_response({"size": len(request.get_data()), "model": "m"})

    def on_stream(self, request: Request) -> Response:
        def events() -> Iterator[bytes]:
            for i in range(4):
                yield b'data: {"i": %d}\n\n' % i

        return Response(events(), mimetype="text/event-stream")

    def on_boom(self, request: Request) -> Response:
        raise RuntimeError(f"bug with {CANARY}")


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(EchoApp(seed=3)) as srv:
        yield srv
        srv.app.errors.clear()


def test_test_client_records_matched_and_unmatched() -> None:
    app = EchoApp()
    client = Client(app)
    assert client.post("/echo", data=b"abc").status_code == 200
    assert client.get("/nope").status_code == 404
    assert client.get("/echo").status_code == 405
    assert [(c.path, c.status, c.matched) for c in app.journal.calls] == [
        ("/echo", 200, True),
        ("/nope", 404, False),
        ("/echo", 405, False),
    ]
    assert app.journal.calls[0].body == b"abc"


def test_internal_error_is_generic_and_reraised(server: MockServer) -> None:
    resp = requests.get(server.url + "/boom", headers={"Authorization": f"Bearer {CANARY}"})
    assert resp.status_code == 500 and CANARY not in resp.text and "Traceback" not in resp.text
    assert resp.json()["error"]["message"] == EchoApp.internal_error_message
    with pytest.raises(RuntimeError, match="bug with"):
        server.raise_errors()
    assert requests.post(server.url + "/echo", data=b"x").status_code == 200  # still serving


def test_oversized_body_gets_413_and_server_keeps_serving(server: MockServer) -> None:
    resp = requests.post(server.url + "/echo", data=b"x" * (10 * 1024 * 1024 + 1))
    assert resp.status_code == 413 and "error" in resp.json()
    assert server.journal.last is not None and server.journal.last.status == 413
    assert server.journal.last.body == b""
    assert requests.post(server.url + "/echo", data=b"x" * (1024 * 1024)).json()["size"] == 1024 * 1024


def test_admin_api(server: MockServer) -> None:
    requests.post(
        server.url + "/echo", data=b'{"api_key": "%s"}' % CANARY.encode(), headers={"api-key": CANARY}
    )
    health = requests.get(server.url + "/__admin/health").json()
    assert health == {
        "status": "ok", "service": "echo", "seed": 3, "calls": 1, "retained": 1, "total": 1, "faults": 0,
        "last_seq": 1,
    }
    calls = requests.get(server.url + "/__admin/calls").text
    assert CANARY not in calls and fingerprint(CANARY) in calls
    assert requests.get(server.url + "/__admin/calls", params={"path": "/nope"}).json()["count"] == 0
    added = requests.post(server.url + "/__admin/faults", json={"kind": "http_error", "status": 503})
    assert added.status_code == 201
    fid = added.json()["id"]
    assert [f["id"] for f in requests.get(server.url + "/__admin/faults").json()["faults"]] == [fid]
    assert requests.post(server.url + "/echo").status_code == 503
    assert requests.delete(server.url + f"/__admin/faults/{fid}").status_code == 200
    assert requests.delete(server.url + f"/__admin/faults/{fid}").status_code == 404
    bad = requests.post(server.url + "/__admin/faults", json={"kind": "explode"})
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    assert requests.post(server.url + "/__admin/faults", data=b"{").status_code == 400
    assert requests.delete(server.url + "/__admin/calls").status_code == 200
    assert server.journal.count() == 0
    assert requests.get(server.url + "/__admin/nope").status_code == 404
    server.faults.add({"kind": "latency"})
    assert requests.post(server.url + "/__admin/reset").json() == {"reset": True}
    assert len(server.faults) == 0 and server.journal.count() == 0


def test_reset_fault_drops_the_connection(server: MockServer) -> None:
    server.faults.add({"kind": "reset", "times": 1})
    with pytest.raises(requests.ConnectionError):
        requests.post(server.url + "/echo", data=b"x")
    assert server.journal.assert_called(times=1, status=0)
    assert requests.post(server.url + "/echo", data=b"x").status_code == 200


def test_malformed_json_fault_truncates_the_body(server: MockServer) -> None:
    server.faults.add({"kind": "malformed_json", "times": 1})
    resp = requests.post(server.url + "/echo", data=b"x")
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()


def test_sse_cut_fault_cuts_mid_event(server: MockServer) -> None:
    server.faults.add({"kind": "sse_cut", "after": 2, "times": 1})
    received = b""
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        with requests.get(server.url + "/stream", stream=True) as resp:
            for chunk in resp.iter_content(None):
                received += chunk
    assert received.startswith(b'data: {"i": 0}\n\ndata: {"i": 1}\n\n') and b'{"i": 3}' not in received


def test_eventstream_corrupt_changes_one_byte() -> None:
    app = EchoApp()
    frame = (20).to_bytes(4, "big") + b"\x00" * 8 + b"abcd" + b"\x00" * 4
    corrupted = app.corrupt_eventstream(frame)
    assert len(corrupted) == len(frame) and sum(a != b for a, b in zip(frame, corrupted, strict=True)) == 1


def test_stop_releases_the_port() -> None:
    server = MockServer(EchoApp()).start()
    port = server.port
    server.stop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        _ = server.url
