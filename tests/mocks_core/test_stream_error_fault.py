"""The ``stream_error`` fault: pure stream helpers, schedule semantics, the base app and the admin API."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator

import pytest
import requests
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from mocks.core import MockApp, MockServer, json_response
from mocks.core.faults import (
    FAULT_KINDS,
    Fault,
    FaultSchedule,
    inject_stream_error,
    split_eventstream_frames,
    split_sse_events,
    stream_format,
)

ERROR = b'event: error\ndata: {"error":{"message":"m"}}\n\n'


class StreamApp(MockApp):
    """Four SSE events then ``[DONE]`` on ``POST /chat`` with ``stream: true``, JSON otherwise."""

    service = "stream"
    url_map = Map([Rule("/chat", methods=["POST"], endpoint="chat")])

    def on_chat(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}")
        if body.get("fail"):
            return json_response({"error": {"message": "nope"}}, 401)
        if body.get("stream") is not True:
            return json_response({"answer": "whole"})

        def events() -> Iterator[bytes]:
            for i in range(4):
                yield b'data: {"i": %d}\n\n' % i
            yield b"data: [DONE]\n\n"

        return Response(events(), mimetype="text/event-stream")


def _frame(n: int) -> bytes:
    payload = b"x" * n
    total = 16 + len(payload)
    return struct.pack(">II", total, 0) + b"\0" * 4 + payload + b"\0" * 4


# ---------------------------------------------------------------------------------------- pure helpers
def test_kind_is_known_and_from_dict_accepts_it() -> None:
    assert "stream_error" in FAULT_KINDS
    fault = Fault.from_dict({"kind": "stream_error", "after": 1, "message": "m", "code": "c", "type": "t"})
    assert (fault.kind, fault.after, fault.message, fault.code, fault.type) == ("stream_error", 1, "m", "c", "t")
    with pytest.raises(ValueError, match="after"):
        Fault.from_dict({"kind": "stream_error", "after": -1})


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        pytest.param("text/event-stream", "sse", id="sse"),
        pytest.param("text/event-stream; charset=utf-8", "sse", id="sse-charset"),
        pytest.param("application/vnd.amazon.eventstream", "eventstream", id="eventstream"),
        pytest.param("application/json", None, id="json"),
        pytest.param(None, None, id="none"),
    ],
)
def test_stream_format(mimetype: str | None, expected: str | None) -> None:
    assert stream_format(mimetype) == expected


def test_split_sse_events_keeps_lf_and_crlf_framing() -> None:
    data = b"data: 1\n\nevent: x\r\ndata: 2\r\n\r\ndata: 3"
    assert split_sse_events(data) == [b"data: 1\n\n", b"event: x\r\ndata: 2\r\n\r\n", b"data: 3"]


def test_split_eventstream_frames_by_prelude_length() -> None:
    frames = [_frame(3), _frame(10), _frame(0)]
    assert split_eventstream_frames(b"".join(frames)) == frames
    assert split_eventstream_frames(b"".join(frames) + b"\x00\x01") == [*frames, b"\x00\x01"]


@pytest.mark.parametrize(
    ("after", "kept"),
    [pytest.param(0, 0, id="at-once"), pytest.param(2, 2, id="after-2"), pytest.param(9, 4, id="past-the-end")],
)
def test_inject_stream_error_into_sse_drops_done(after: int, kept: int) -> None:
    data = b"".join(b"data: %d\n\n" % i for i in range(4)) + b"data: [DONE]\n\n"
    out = inject_stream_error(data, "sse", after, ERROR)
    assert out == [b"data: %d\n\n" % i for i in range(kept)] + [ERROR]


def test_inject_stream_error_into_eventstream() -> None:
    frames = [_frame(i) for i in range(3)]
    assert inject_stream_error(b"".join(frames), "eventstream", 1, b"ERR") == [frames[0], b"ERR"]
    with pytest.raises(ValueError, match="unknown stream format"):
        inject_stream_error(b"", "json", 1, b"ERR")


def test_pick_skips_stream_error_for_non_stream_requests_without_consuming_it() -> None:
    schedule = FaultSchedule(seed=1)
    schedule.add(Fault("stream_error", times=1))
    schedule.add(Fault("latency", times=1))
    picked = schedule.pick("/chat", stream=False)
    assert picked is not None and picked.kind == "latency"
    stream_fault = schedule.list()[0]
    assert (stream_fault.remaining, stream_fault.hits) == (1, 0)
    picked = schedule.pick("/chat", stream=True)
    assert picked is stream_fault and stream_fault.remaining == 0
    schedule.add(Fault("stream_error"))
    assert schedule.pick("/chat") is not None  # unknown: not filtered


# ---------------------------------------------------------------------------------------- the base app
def test_base_app_cuts_the_stream_and_ends_it_with_the_error_event() -> None:
    app = StreamApp()
    app.faults.add(Fault("stream_error", after=1, times=1, message="boom", code="c1"))
    client = Client(app)
    plain = client.post("/chat", json={"stream": False})
    assert plain.json == {"answer": "whole"}
    assert app.faults.list()[0].remaining == 1  # a non-stream request does not spend it
    resp = client.post("/chat", json={"stream": True})
    assert resp.status_code == 200
    events = split_sse_events(resp.get_data())
    assert events[0] == b'data: {"i": 0}\n\n'
    assert len(events) == 2 and events[1].startswith(b"event: error\ndata: ")
    assert json.loads(events[1].split(b"data: ", 1)[1]) == {
        "error": {"message": "boom", "type": "server_error", "param": None, "code": "c1"}
    }
    assert b"[DONE]" not in resp.get_data()
    assert app.faults.list()[0].remaining == 0
    assert len(split_sse_events(client.post("/chat", json={"stream": True}).get_data())) == 5


def test_error_answers_are_left_alone_and_body_is_verbatim() -> None:
    app = StreamApp()
    app.faults.add(Fault("stream_error", times=1))
    resp = Client(app).post("/chat", json={"stream": True, "fail": True})
    assert resp.status_code == 401 and resp.json == {"error": {"message": "nope"}}
    app.faults.add(Fault("stream_error", after=2, body="data: custom\n\n"))
    events = split_sse_events(Client(app).post("/chat", json={"stream": True}).get_data())
    assert events[2:] == [b"data: custom\n\n"] and len(events) == 3


def test_a_base_app_has_no_eventstream_error_format() -> None:
    with pytest.raises(NotImplementedError):
        StreamApp().render_stream_error(Fault("stream_error"), "eventstream")


# ---------------------------------------------------------------------------------------- over HTTP
@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(StreamApp(seed=2)) as srv:
        yield srv
        srv.raise_errors()


def test_admin_api_accepts_a_stream_error_fault(server: MockServer) -> None:
    resp = requests.post(f"{server.url}/__admin/faults", json={"kind": "stream_error", "after": 1}, timeout=10)
    assert resp.status_code == 201
    listed = requests.get(f"{server.url}/__admin/faults", timeout=10).json()["faults"]
    assert [(f["kind"], f["after"], f["id"]) for f in listed] == [("stream_error", 1, resp.json()["id"])]
    with requests.post(f"{server.url}/chat", json={"stream": True}, stream=True, timeout=10) as streamed:
        raw = b"".join(streamed.iter_content(None))
    assert streamed.status_code == 200 and "content-length" not in {k.lower() for k in streamed.headers}
    assert split_sse_events(raw)[0] == b'data: {"i": 0}\n\n'
    assert split_sse_events(raw)[1].startswith(b"event: error\n")
    bad = requests.post(f"{server.url}/__admin/faults", json={"kind": "stream_errors"}, timeout=10)
    assert bad.status_code == 400 and "stream_error" in bad.json()["error"]
