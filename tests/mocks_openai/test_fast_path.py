"""The embeddings fast path answers exactly what the regular werkzeug path answers, and records the same call.

``OpenAIApp.fast_routes`` sends ``POST /v1/embeddings`` through ``fast_embeddings`` (no werkzeug objects)
while no fault is scheduled; anything off the happy path falls back to the regular path. Each case runs on
two apps with the same seed: the real one and one with the fast path switched off.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import openai
import orjson
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import Client, EnvironBuilder

from mocks.core import Call, Fault, embedding_for, fingerprint
from mocks.core import wsgi as core_wsgi
from mocks.openai import OpenAIApp, OpenAIConfig, models

E3S = "text-embedding-3-small"
CANARY = "sk-canary-fastpath-0123456789"


class RegularOnlyApp(OpenAIApp):
    """The OpenAI mock with the fast path switched off."""

    fast_routes: ClassVar[dict[tuple[str, str], str]] = {}


def _pair(**config: Any) -> tuple[OpenAIApp, OpenAIApp]:
    return OpenAIApp(OpenAIConfig(seed=5, **config)), RegularOnlyApp(OpenAIConfig(seed=5, **config))


def _post(app: OpenAIApp, data: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    resp = Client(app).post("/v1/embeddings", data=data, headers=headers)
    return resp.status_code, sorted((k.lower(), v) for k, v in resp.headers.items()), resp.get_data()


def _recorded(call: Call) -> tuple[Any, ...]:
    return tuple(call._replace(seq=0, time=0.0))


AUTH = {"Authorization": f"Bearer {CANARY}", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        pytest.param({"model": E3S, "input": "hello"}, AUTH, id="float"),
        pytest.param({"model": E3S, "input": ["a b", "c"], "encoding_format": "base64"}, AUTH, id="base64"),
        pytest.param({"model": E3S, "input": [[1, 2, 3], [4]], "dimensions": 8}, AUTH, id="tokens-dims"),
        pytest.param({"model": "text-embedding-ada-002", "input": "x", "user": "u"}, AUTH, id="ada"),
        pytest.param({"model": E3S, "input": "x", "api_key": CANARY}, AUTH, id="secret-in-body"),
        pytest.param({"model": E3S, "input": "x"}, {}, id="no-auth"),
        pytest.param({"model": E3S, "input": "x"}, {"Authorization": "Basic abc"}, id="not-bearer"),
        pytest.param({"model": "nope", "input": "x"}, AUTH, id="unknown-model"),
        pytest.param({"model": "gpt-4o", "input": "x"}, AUTH, id="chat-model"),
        pytest.param({"model": E3S, "input": ""}, AUTH, id="empty-input"),
        pytest.param({"model": E3S, "input": "x", "dimensions": 0}, AUTH, id="bad-dims"),
        pytest.param(b"{not json", AUTH, id="invalid-json"),
        pytest.param(b"[1, 2]", AUTH, id="not-an-object"),
        pytest.param(b"", AUTH, id="empty-body"),
    ],
)
def test_fast_path_answers_and_records_like_the_regular_path(data: Any, headers: dict[str, str]) -> None:
    fast, regular = _pair()
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    for _ in range(2):  # twice: the second answer comes from the vector cache, the request ids move on
        assert _post(fast, body, headers) == _post(regular, body, headers)
    assert [_recorded(c) for c in fast.journal.calls] == [_recorded(c) for c in regular.journal.calls]
    for call in fast.journal.calls:
        assert CANARY not in repr(call.to_dict())


def test_fast_path_with_query_and_repeated_headers_records_like_werkzeug() -> None:
    fast, regular = _pair(api_keys=frozenset({CANARY}))
    headers = [("Authorization", f"Bearer {CANARY}"), ("X-Trace", "1"), ("X-Trace", "2"), ("Api-Key", CANARY)]
    for app in (fast, regular):
        resp = Client(app).post(
            "/v1/embeddings",
            query_string="api-key=" + CANARY + "&b=%ZZ&c=",
            headers=headers,
            json={"model": E3S, "input": "q"},
        )
        assert resp.status_code == 200
    assert _recorded(fast.journal.calls[0]) == _recorded(regular.journal.calls[0])
    call = fast.journal.calls[0]
    assert call.query_param("api-key") == fingerprint(CANARY) and call.key == fingerprint(CANARY)


def test_wrong_key_falls_back_to_the_provider_401() -> None:
    fast, _ = _pair(api_keys=frozenset({"sk-right"}))
    resp = Client(fast).post(
        "/v1/embeddings", json={"model": E3S, "input": "x"}, headers={"Authorization": "Bearer sk-wrong"}
    )
    assert resp.status_code == 401 and resp.json["error"]["code"] == "invalid_api_key"
    assert fast.journal.last is not None and fast.journal.last.status == 401


def test_the_fast_path_answers_without_the_regular_path(monkeypatch: pytest.MonkeyPatch) -> None:
    app = OpenAIApp(OpenAIConfig(seed=2))

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("regular path taken")

    monkeypatch.setattr(app, "_serve", boom)
    resp = Client(app).post("/v1/embeddings", json={"model": E3S, "input": "x"}, headers=AUTH)
    assert resp.status_code == 200
    assert resp.json["data"][0]["embedding"] == embedding_for("x", model=E3S, dimensions=1536, seed=2)
    assert resp.headers["Content-Length"] == str(len(resp.get_data()))


def test_a_scheduled_fault_turns_the_fast_path_off() -> None:
    app = OpenAIApp(OpenAIConfig(seed=2))
    app.faults.add(Fault(kind="http_error", status=503, times=1))
    first = Client(app).post("/v1/embeddings", json={"model": E3S, "input": "x"}, headers=AUTH)
    second = Client(app).post("/v1/embeddings", json={"model": E3S, "input": "x"}, headers=AUTH)
    assert (first.status_code, second.status_code) == (503, 200)
    assert [c.status for c in app.journal.calls] == [503, 200]


def test_a_bug_in_the_fast_handler_is_answered_by_the_regular_path(monkeypatch: pytest.MonkeyPatch) -> None:
    app = OpenAIApp(OpenAIConfig(seed=2))
    monkeypatch.setattr(app, "fast_embeddings", lambda environ, body: 1 / 0)
    resp = Client(app).post("/v1/embeddings", json={"model": E3S, "input": "x"}, headers=AUTH)
    assert resp.status_code == 200 and len(app.journal) == 1


def test_chunked_and_oversized_bodies_take_the_regular_path() -> None:
    app = OpenAIApp(OpenAIConfig(seed=2))
    data = json.dumps({"model": E3S, "input": "x"}).encode()
    env = EnvironBuilder(
        path="/v1/embeddings", method="POST", headers=AUTH, input_stream=io.BytesIO(data)
    ).get_environ()
    env.pop("CONTENT_LENGTH", None)
    env["HTTP_TRANSFER_ENCODING"] = "chunked"
    env["wsgi.input_terminated"] = True
    status: list[str] = []
    out = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    assert status == ["200 OK"] and json.loads(out)["data"][0]["index"] == 0
    big = Client(app).post("/v1/embeddings", data=b"x" * (app.max_body_bytes + 1), headers=AUTH)
    assert big.status_code == 413 and app.journal.last is not None and app.journal.last.status == 413


_header_keys = st.one_of(
    st.sampled_from(
        [
            "HTTP_CONTENT_TYPE",
            "HTTP_CONTENT_LENGTH",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
            "HTTPLIB2_X",
            "PATH_INFO",
            "wsgi.input",
            "HTTP_",
            "HTTP_X__Y",
        ]
    ),
    st.from_regex(r"\AHTTP_[A-Z0-9_]{1,12}\Z"),
    st.from_regex(r"\A[A-Za-z_.]{1,12}\Z"),
)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(_header_keys, st.sampled_from(["", "v", "a b", "Bearer x"]), max_size=12))
def test_environ_headers_match_werkzeug(environ: dict[str, str]) -> None:
    assert core_wsgi.environ_headers(environ) == list(EnvironHeaders(environ))


# ---- over real HTTP, with granian ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def granian_url() -> Iterator[str]:
    pytest.importorskip("granian")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "mock",
            "openai",
            "--server",
            "granian",
            "--port",
            str(port),
            "--seed",
            "4",
            "--api-key",
            CANARY,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/__admin/health", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("granian mock did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert CANARY.encode() not in err


def test_granian_serves_the_sdk_and_records_every_call(granian_url: str) -> None:
    client = openai.OpenAI(api_key=CANARY, base_url=granian_url + "/v1", max_retries=0)
    got = client.embeddings.create(model=E3S, input=["one", "two"])  # the SDK asks for base64
    assert got.data[1].embedding == embedding_for("two", model=E3S, dimensions=1536, seed=4)
    floats = requests.post(
        granian_url + "/v1/embeddings",
        json={"model": E3S, "input": "three", "dimensions": 4},
        headers={"Authorization": f"Bearer {CANARY}"},
    ).json()
    assert floats["data"][0]["embedding"] == embedding_for("three", model=E3S, dimensions=4, seed=4)
    assert base64.b64decode(
        requests.post(
            granian_url + "/v1/embeddings",
            json={"model": E3S, "input": "x", "encoding_format": "base64"},
            headers={"Authorization": f"Bearer {CANARY}"},
        ).json()["data"][0]["embedding"]
    )
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="sk-other", base_url=granian_url + "/v1", max_retries=0).embeddings.create(
            model=E3S, input="x"
        )
    calls = requests.get(granian_url + "/__admin/calls", params={"path": "/v1/embeddings"}).text
    assert CANARY not in calls and fingerprint(CANARY) in calls
    assert [c["status"] for c in json.loads(calls)["calls"]] == [200, 200, 200, 401]


@settings(max_examples=30, deadline=None)
@given(
    st.one_of(st.text(min_size=1, max_size=30), st.lists(st.integers(0, 50_000), min_size=1, max_size=5)),
    st.sampled_from([None, 1, 7, 256, 1536]),
    st.integers(0, 2**32),
)
def test_numpy_arrays_serialise_to_the_same_json_text_as_lists(
    text: Any, dims: int | None, seed: int
) -> None:
    body: dict[str, Any] = {"model": E3S, "input": text}
    if dims is not None:
        body["dimensions"] = dims
    as_lists = orjson.dumps(models.embeddings(body, seed=seed))
    as_arrays = orjson.dumps(
        models.embeddings(body, seed=seed, arrays=True), option=orjson.OPT_SERIALIZE_NUMPY
    )
    assert as_arrays == as_lists
