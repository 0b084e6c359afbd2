"""OpenAI mock, pure models and the thin app in-process (werkzeug test Client)."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest
from werkzeug.test import Client

from mocks.core import embedding_for
from mocks.openai import OpenAIConfig, OpenAIError, create_app, models

E3S = "text-embedding-3-small"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        pytest.param({"input": "x"}, 400, "you must provide a model parameter", id="no-model"),
        pytest.param({"model": E3S}, 400, "'input' is a required property", id="no-input"),
        pytest.param({"model": "text-embedding-4", "input": "x"}, 404, "does not exist", id="unknown-model"),
        pytest.param({"model": E3S, "input": ""}, 400, "'$.input' is invalid", id="empty-string"),
        pytest.param({"model": E3S, "input": []}, 400, "'$.input' is invalid", id="empty-list"),
        pytest.param({"model": E3S, "input": ["a", ""]}, 400, "'$.input' is invalid", id="empty-item"),
        pytest.param({"model": E3S, "input": ["a"] * 2049}, 400, "'$.input' is invalid", id="2049-inputs"),
        pytest.param({"model": E3S, "input": 5}, 400, "'$.input' is invalid", id="number"),
        pytest.param(
            {"model": "text-embedding-ada-002", "input": "x", "dimensions": 8},
            400,
            "This model does not support specifying dimensions.",
            id="ada-dimensions",
        ),
        pytest.param(
            {"model": E3S, "input": "x", "dimensions": 1537}, 400, "'$.dimensions'", id="dims-over-max"
        ),
        pytest.param({"model": E3S, "input": "x", "dimensions": 0}, 400, "'$.dimensions'", id="dims-zero"),
        pytest.param(
            {"model": E3S, "input": "x", "encoding_format": "int8"}, 400, "encoding_format", id="format"
        ),
        pytest.param({"model": E3S, "input": "a " * 8193}, 400, "Please reduce your prompt", id="too-long"),
    ],
)
def test_embedding_validation(body: dict[str, Any], status: int, message: str) -> None:
    with pytest.raises(OpenAIError) as info:
        models.embeddings(body)
    assert info.value.status == status and message in info.value.message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("hello", id="string"),
        pytest.param(["a", "b"], id="strings"),
        pytest.param([1, 2, 3], id="tokens"),
        pytest.param([[1, 2], [3]], id="token-lists"),
    ],
)
def test_embedding_input_shapes(value: Any) -> None:
    out = models.embeddings({"model": E3S, "input": value, "dimensions": 16}, seed=5)
    items = value if isinstance(value, list) and not isinstance(value[0], int) else [value]
    assert [d["index"] for d in out["data"]] == list(range(len(items)))
    for item, datum in zip(items, out["data"], strict=True):
        assert datum["embedding"] == embedding_for(item, model=E3S, dimensions=16, seed=5)
    assert out["usage"]["prompt_tokens"] == out["usage"]["total_tokens"] > 0


def test_base64_is_little_endian_float32() -> None:
    out = models.embeddings({"model": E3S, "input": "x", "encoding_format": "base64", "dimensions": 4})
    raw = base64.b64decode(out["data"][0]["embedding"])
    assert list(struct.unpack("<4f", raw)) == embedding_for("x", model=E3S, dimensions=4)


def test_chat_stream_chunks_match_the_completion() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "stream_options": {"include_usage": True},
    }
    full = models.chat_completion(body, seed=2)
    chunks = models.chat_chunks(body, seed=2)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == full["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == full["usage"]
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_chat_max_tokens_and_validation() -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 2,
    }
    choice = models.chat_completion(body)["choices"][0]
    assert choice["finish_reason"] == "length" and len(choice["message"]["content"].split(" ")) == 2
    for bad, status in (
        ({"model": "gpt-4o"}, 400),
        ({"model": "gpt-4o", "messages": []}, 400),
        ({"model": E3S, "messages": [{"role": "user", "content": "x"}]}, 404),
    ):
        with pytest.raises(OpenAIError) as info:
            models.chat_completion(bad)
        assert info.value.status == status


@pytest.mark.parametrize(
    ("data", "headers", "message"),
    [
        pytest.param(
            b"{not json", {"Content-Type": "application/json"}, "could not parse the JSON", id="malformed"
        ),
        pytest.param(
            b'{"model": "\xff"}', {"Content-Type": "application/json"}, "could not parse", id="bad-utf8"
        ),
        pytest.param(
            b"model=x",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "could not parse",
            id="form-body",
        ),
        pytest.param(b"[1]", {"Content-Type": "application/json"}, "could not parse", id="not-an-object"),
    ],
)
def test_bad_bodies_get_openai_errors(data: bytes, headers: dict[str, str], message: str) -> None:
    app = create_app()
    client = Client(app)
    resp = client.post("/v1/embeddings", data=data, headers={"Authorization": "Bearer k", **headers})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and message in error["message"]
    assert app.journal.last is not None and app.journal.last.status == 400 and not app.errors


def test_unknown_route_and_auth_in_process() -> None:
    client = Client(create_app(OpenAIConfig(api_keys=frozenset({"sk-good-key-123456"}))))
    resp = client.post("/v1/nope", headers={"Authorization": "Bearer x"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_url"
    resp = client.get("/v1/models")
    assert resp.status_code == 401 and "You didn't provide an API key" in resp.get_json()["error"]["message"]
    resp = client.get("/v1/models", headers={"Authorization": "Bearer sk-wrong-key-987654"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_api_key"
    assert "987654" not in resp.get_data(as_text=True)
    assert client.get("/v1/models", headers={"Authorization": "Bearer sk-good-key-123456"}).status_code == 200
