"""``sse_cut`` with ``close: "fin"``: the stream ends with an orderly shutdown inside the chunked body (the peer
reads EOF, not ``ECONNRESET``), quietly, and the server keeps serving; ``close: "reset"`` (the default) still
resets. The reference's stream reader tells the two apart (``upstream.stream.connection_closed`` vs
``upstream.stream.connection_reset``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import openai
import pytest
import requests

from contract import EndpointConfig, RuleViolation, load_profile, load_rules
from mocks.core import Fault
from mocks.openai import OpenAIMock
from mocks.reference.config import ReferenceConfig
from mocks.reference.upstream import Upstream

CANARY = "sk-CANARY-close-0a1b2c3d4e"
_CHAT = b'{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"tell me a long story"}]}'


@pytest.fixture(scope="module")
def mock() -> Iterator[OpenAIMock]:
    with OpenAIMock(seed=5, api_keys={CANARY}) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(mock: OpenAIMock) -> Iterator[None]:
    mock.clear()
    yield
    mock.raise_errors()  # nothing went wrong inside the mock: the cut is on purpose, not an error


def _raw_stream(mock: OpenAIMock) -> tuple[bytes, str]:
    """POST a streamed chat completion on a raw socket; return the bytes read and how the stream ended
    (``"eof"``: ``recv`` returned ``b""``; ``"reset"``: ``ECONNRESET``)."""
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer " + CANARY.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(_CHAT)
    )
    received = b""
    with socket.create_connection(("127.0.0.1", mock.port), timeout=10) as sock:
        sock.sendall(head + _CHAT)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return received, "reset"
    return received, "eof"


# ------------------------------------------------------------------------------------------------ the field
def test_close_defaults_to_reset_and_round_trips() -> None:
    assert Fault(kind="sse_cut").close == "reset"
    fault = Fault.from_dict({"kind": "sse_cut", "after": 1, "close": "fin"})
    assert fault.close == "fin"
    assert fault.to_dict()["close"] == "fin"
    assert Fault.from_dict(fault.to_dict()) == fault


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param({"kind": "sse_cut", "close": "rst"}, "close must be one of reset, fin", id="unknown-mode"),
        pytest.param({"kind": "reset", "close": "fin"}, "applies to sse_cut faults only", id="other-kind"),
    ],
)
def test_bad_close_is_refused(data: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault.from_dict(data)


def test_admin_api_accepts_and_lists_close(mock: OpenAIMock) -> None:
    resp = requests.post(mock.url + "/__admin/faults", json={"kind": "sse_cut", "close": "fin"}, timeout=10)
    assert resp.status_code == 201
    listed = requests.get(mock.url + "/__admin/faults", timeout=10).json()["faults"]
    assert [(f["kind"], f["close"]) for f in listed] == [("sse_cut", "fin")]
    bad = requests.post(mock.url + "/__admin/faults", json={"kind": "sse_cut", "close": "nope"}, timeout=10)
    assert bad.status_code == 400 and "close must be one of" in bad.json()["error"]


# ------------------------------------------------------------------------------------------------ on the wire
@pytest.mark.parametrize("close, ending", [("fin", "eof"), ("reset", "reset")])
def test_raw_socket_sees_eof_or_reset(mock: OpenAIMock, close: str, ending: str) -> None:
    mock.faults.add({"kind": "sse_cut", "after": 1, "close": close, "times": 1})
    received, how = _raw_stream(mock)
    assert how == ending
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    # the first event, then half of the second as one complete HTTP chunk; no closing zero-length chunk
    assert body.count(b"\n\n") == 1 and body.endswith(b"\r\n") and not body.endswith(b"0\r\n\r\n")
    mock.journal.assert_called(times=1, path="/v1/chat/completions", status=200)


def test_openai_sdk_sees_a_connection_error_and_the_server_keeps_serving(
    mock: OpenAIMock, capfd: pytest.CaptureFixture[str]
) -> None:
    mock.faults.add({"kind": "sse_cut", "after": 2, "close": "fin", "times": 1})
    got: list[str] = []
    with openai.OpenAI(api_key=CANARY, base_url=mock.base_url, max_retries=0, timeout=10) as client:
        with pytest.raises(openai.APIConnectionError) as info:
            for chunk in client.chat.completions.create(
                model="gpt-4o", stream=True, messages=[{"role": "user", "content": "tell me a long story"}]
            ):
                got.append(chunk.id)
        assert len(got) == 2
        assert "incomplete chunked read" in str(info.value.__cause__)  # EOF inside the body, not a reset
        assert "reset" not in str(info.value.__cause__).lower()
        # the same server answers the next requests, streamed or not
        assert client.embeddings.create(model="text-embedding-3-small", input="x").data
        assert len(list(client.chat.completions.create(
            model="gpt-4o", stream=True, messages=[{"role": "user", "content": "hi"}]
        ))) > 2
    assert mock.running
    assert "Traceback" not in capfd.readouterr().err


# ------------------------------------------------------------------------------------------------ the reader
@pytest.mark.parametrize(
    "close, rule_id, error_type, reason",
    [
        pytest.param("fin", "upstream.stream.connection_closed", "connection_closed_exception",
                     "Premature end of chunk coded message body: closing chunk expected", id="fin"),
        pytest.param("reset", "upstream.stream.connection_reset", "socket_exception", "Connection reset",
                     id="reset"),
    ],
)
def test_reference_reader_tells_eof_from_reset(
    mock: OpenAIMock, close: str, rule_id: str, error_type: str, reason: str
) -> None:
    mock.faults.add(Fault(kind="sse_cut", after=1, close=close, times=1))
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0, retry_max_delay_s=0.0, http_timeout_s=5.0))
    config = EndpointConfig(
        inference_id="closing",
        task_type="completion",
        service="openai",
        service_settings={"model_id": "gpt-4o-mini", "url": mock.url + "/v1/chat/completions"},
        task_settings={},
        secrets={"api_key": CANARY},
        dimensions_set_by_user=False,
    )
    with pytest.raises(RuleViolation) as info:
        list(up.stream_completion(config, "a long story"))
    assert info.value.rule_id == rule_id
    status, envelope = info.value.render(load_profile("8.18"), load_rules())
    assert (status, envelope["error"]["type"], envelope["error"]["reason"]) == (500, error_type, reason)
    mock.journal.assert_called(times=1, path="/v1/chat/completions")  # a started stream is never retried
