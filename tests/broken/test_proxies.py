"""The broken proxies themselves, checked with plain HTTP: each really alters what it claims to (and what
reaches the mocks, for the upstream-side defects), and the reference behind it stays clean."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from broken_targets import DEFECTS, BrokenProxy, ProxyServer, Stack, parse_inference_path

from mocks.core.secrets import fingerprint

_ids = itertools.count()


@pytest.fixture(scope="module")
def clean() -> Iterator[Stack]:
    """Mocks + reference (and a transparent proxy), shared by this module's tests (ids are unique)."""
    with Stack(None) as stack:
        yield stack


@pytest.fixture
def proxy(clean: Stack) -> Iterator[Callable[[str], str]]:
    """``proxy(defect_name) -> url`` of a broken proxy in front of the shared reference."""
    servers: list[ProxyServer] = []

    def start(name: str) -> str:
        server = ProxyServer(BrokenProxy(clean.reference_url, DEFECTS[name])).start()
        servers.append(server)
        return str(server.url)

    yield start
    for server in servers:
        server.stop()
        server.raise_errors()


def _id(prefix: str = "px") -> str:
    return f"{prefix}-{next(_ids)}"


def _openai(stack: Stack, task: str = "text_embedding", *, key: str | None = None, **settings: Any) -> dict[str, Any]:
    path = "/v1/embeddings" if task == "text_embedding" else "/v1/chat/completions"
    model = "text-embedding-3-small" if task == "text_embedding" else "gpt-4o-mini"
    return {"service": "openai", "service_settings": {
        "api_key": key or f"sk-proxy-{next(_ids)}", "model_id": model, "url": stack.openai.url + path, **settings}}


def _put(base: str, task: str, ident: str, body: dict[str, Any]) -> requests.Response:
    return requests.put(f"{base}/_inference/{task}/{ident}", json=body, timeout=30)


def _get(base: str, ident: str) -> dict[str, Any]:
    resp = requests.get(f"{base}/_inference/{ident}", timeout=30)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    return (data.get("endpoints") or data.get("models"))[0]


# ------------------------------------------------------------------------------------------------ plumbing
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/_inference/text_embedding/e1", ("text_embedding", "e1", None), id="task-and-id"),
        pytest.param("/_inference/e1", (None, "e1", None), id="id-only"),
        pytest.param("/_inference/chat_completion/e1/_stream", ("chat_completion", "e1", "_stream"), id="stream"),
        pytest.param("/_inference/e1/_update", (None, "e1", "_update"), id="update"),
        pytest.param("/_inference/_all", (None, None, None), id="all"),
        pytest.param("/_inference/completion/_all", ("completion", None, None), id="task-all"),
        pytest.param("/my-index", (None, None, None), id="not-inference"),
    ],
)
def test_parse_inference_path(path: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert parse_inference_path(path) == expected


def test_transparent_proxy_answers_like_the_reference(clean: Stack) -> None:
    ident = _id()
    put = _put(clean.url, "text_embedding", ident, _openai(clean))
    assert put.status_code == 200, put.text
    assert _get(clean.url, ident) == _get(clean.reference_url, ident) == put.json()
    missing = requests.get(f"{clean.url}/_inference/{ident}-missing", timeout=30)
    direct = requests.get(f"{clean.reference_url}/_inference/{ident}-missing", timeout=30)
    assert (missing.status_code, missing.json()) == (direct.status_code, direct.json()) == (404, direct.json())
    emb = requests.post(f"{clean.url}/_inference/text_embedding/{ident}", json={"input": ["a", "b"]}, timeout=30)
    assert emb.json() == requests.post(f"{clean.reference_url}/_inference/text_embedding/{ident}",
                                       json={"input": ["a", "b"]}, timeout=30).json()


# ------------------------------------------------------------------------------------------------ secrets
def test_key_leaked_in_get(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("key_leaked_in_get"), _id(), "sk-leak-get-1"
    assert _put(url, "text_embedding", ident, _openai(clean, key=key)).status_code == 200
    assert _get(url, ident)["service_settings"]["api_key"] == key
    assert key not in requests.get(f"{clean.reference_url}/_inference/{ident}", timeout=30).text


def test_key_leaked_in_put_response(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("key_leaked_in_put_response"), _id(), "sk-leak-put-1"
    put = _put(url, "text_embedding", ident, _openai(clean, key=key))
    assert put.status_code == 200 and put.json()["service_settings"]["api_key"] == key
    assert key not in requests.get(f"{url}/_inference/{ident}", timeout=30).text


def test_key_leaked_in_error_message(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("key_leaked_in_error_message"), _id(), "sk-leak-err-1"
    body = _openai(clean, key=key)
    assert _put(url, "text_embedding", ident, body).status_code == 200
    dup = _put(url, "text_embedding", ident, body)
    assert dup.status_code == 400 and key in dup.json()["error"]["reason"]
    assert "already exists" in dup.json()["error"]["reason"]


# ------------------------------------------------------------------------------------------------ chunking
@pytest.mark.parametrize(
    ("name", "chunking", "stored"),
    [
        pytest.param("word_max_chunk_size_301_accepted", {"strategy": "word", "max_chunk_size": 301, "overlap": 1},
                     {"max_chunk_size": 300}, id="word-301"),
        pytest.param("word_max_chunk_size_9_accepted", {"strategy": "word", "max_chunk_size": 9, "overlap": 1},
                     {"max_chunk_size": 10}, id="word-9"),
        pytest.param("sentence_max_chunk_size_19_accepted", {"strategy": "sentence", "max_chunk_size": 19,
                                                             "sentence_overlap": 1},
                     {"max_chunk_size": 20}, id="sentence-19"),
        pytest.param("overlap_above_half_accepted", {"strategy": "word", "max_chunk_size": 100, "overlap": 51},
                     {"overlap": 50}, id="overlap-51-of-100"),
    ],
)
def test_invalid_chunking_accepted(
    clean: Stack, proxy: Callable[[str], str], name: str, chunking: dict[str, Any], stored: dict[str, Any]
) -> None:
    url, ident = proxy(name), _id()
    body = {**_openai(clean), "chunking_settings": chunking}
    assert _put(clean.reference_url, "text_embedding", _id(), body).status_code == 400  # the reference refuses
    put = _put(url, "text_embedding", ident, body)
    assert put.status_code == 200, put.text
    assert put.json()["chunking_settings"] == chunking  # echoed as if accepted
    kept = _get(clean.reference_url, ident)["chunking_settings"]
    assert {k: kept[k] for k in stored} == stored  # what was really stored


# ------------------------------------------------------------------------------------------------ task types
@pytest.mark.parametrize("name", ["unsupported_task_type_accepted", "azure_chat_completion_accepted"])
def test_unsupported_task_type_accepted(clean: Stack, proxy: Callable[[str], str], name: str) -> None:
    url, ident = proxy(name), _id()
    body = {"service": "azureopenai", "service_settings": {
        "api_key": "az-unsupported-1", "resource_name": "res", "deployment_id": "gpt-4o", "api_version": "2024-10-21"}}
    refused = _put(clean.reference_url, "chat_completion", _id(), body)
    assert refused.status_code == 400 and "does not support task type" in refused.text  # 8.18
    put = _put(url, "chat_completion", ident, body)
    assert put.status_code == 200 and put.json()["task_type"] == "chat_completion", put.text
    assert _get(clean.reference_url, ident)["task_type"] == "completion"
    sparse = _put(url, "sparse_embedding", _id(), body)
    assert sparse.status_code == (200 if name == "unsupported_task_type_accepted" else 400)


def test_chat_completion_without_stream(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident = proxy("chat_completion_without_stream"), _id()
    assert _put(url, "chat_completion", ident, _openai(clean, "chat_completion")).status_code == 200
    direct = requests.post(f"{clean.reference_url}/_inference/chat_completion/{ident}", json={"input": "hi"}, timeout=30)
    assert direct.status_code == 400
    resp = requests.post(f"{url}/_inference/chat_completion/{ident}", json={"input": "hi"}, timeout=30)
    assert resp.status_code == 200 and resp.json()["completion"][0]["result"]


def test_stream_without_done(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident = proxy("stream_without_done"), _id()
    assert _put(url, "completion", ident, _openai(clean, "completion")).status_code == 200
    path = f"/_inference/completion/{ident}/_stream"
    direct = requests.post(clean.reference_url + path, json={"input": "hi"}, timeout=30)
    broken = requests.post(url + path, json={"input": "hi"}, timeout=30)
    assert "[DONE]" in direct.text and "[DONE]" not in broken.text
    assert broken.headers["content-type"].startswith("text/event-stream")
    assert broken.text.count("data:") == direct.text.count("data:") - 1


# ------------------------------------------------------------------------------------------------ errors
def test_bad_request_as_500(clean: Stack, proxy: Callable[[str], str]) -> None:
    url = proxy("bad_request_as_500")
    body = {**_openai(clean), "service": "no_such_service"}
    resp = _put(url, "text_embedding", _id(), body)
    assert resp.status_code == 500 and resp.json()["status"] == 500
    assert _put(clean.reference_url, "text_embedding", _id(), body).status_code == 400


@pytest.mark.parametrize(("name", "gone"), [pytest.param("envelope_without_root_cause", "root_cause", id="root_cause"),
                                            pytest.param("envelope_without_status", "status", id="status")])
def test_broken_envelope(clean: Stack, proxy: Callable[[str], str], name: str, gone: str) -> None:
    resp = requests.get(f"{proxy(name)}/_inference/{_id()}-missing", timeout=30)
    assert resp.status_code == 404
    body = resp.json()
    assert gone not in (body["error"] if gone == "root_cause" else body)
    assert body["error"]["type"] == "resource_not_found_exception"


def test_upstream_429_as_500(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("upstream_429_as_500"), _id(), "sk-rate-limited-1"
    assert _put(url, "text_embedding", ident, _openai(clean, key=key)).status_code == 200
    fid = clean.openai.faults.add({"kind": "http_error", "status": 429, "key": fingerprint(key)})
    try:
        direct = requests.post(f"{clean.reference_url}/_inference/text_embedding/{ident}", json={"input": "x"}, timeout=30)
        broken = requests.post(f"{url}/_inference/text_embedding/{ident}", json={"input": "x"}, timeout=30)
    finally:
        clean.openai.faults.remove(fid)
    assert direct.status_code == 429
    assert broken.status_code == 500 and broken.json()["status"] == 500


# ------------------------------------------------------------------------------------------------ upstream
def _calls(stack: Stack, key: str) -> list[Any]:
    return stack.openai.journal.filter(key=fingerprint(key))


def test_dimensions_not_sent_upstream(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("dimensions_not_sent_upstream"), _id(), "sk-dims-1"
    put = _put(url, "text_embedding", ident, _openai(clean, key=key, dimensions=8))
    assert put.status_code == 200 and put.json()["service_settings"]["dimensions"] == 8  # looks kept
    assert _get(url, ident)["service_settings"]["dimensions"] == 8
    assert _get(clean.reference_url, ident)["service_settings"]["dimensions"] != 8  # was not stored
    requests.post(f"{url}/_inference/text_embedding/{ident}", json={"input": "x"}, timeout=30)
    calls = _calls(clean, key)
    assert len(calls) == 2 and all("dimensions" not in c.json for c in calls)


def test_user_not_sent_upstream(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident, key = proxy("user_not_sent_upstream"), _id(), "sk-user-1"
    body = {**_openai(clean, "completion", key=key), "task_settings": {"user": "alice"}}
    put = _put(url, "completion", ident, body)
    assert put.status_code == 200 and put.json()["task_settings"] == {"user": "alice"}
    requests.post(f"{url}/_inference/completion/{ident}", json={"input": "x"}, timeout=30)
    calls = _calls(clean, key)
    assert len(calls) == 2 and all("user" not in c.json for c in calls)


@pytest.mark.parametrize(("name", "transform"), [
    pytest.param("embeddings_reversed", lambda v: v[::-1], id="reversed"),
    pytest.param("embedding_missing", lambda v: v[:-1], id="missing"),
])
def test_embeddings_altered(clean: Stack, proxy: Callable[[str], str], name: str,
                            transform: Callable[[list[Any]], list[Any]]) -> None:
    url, ident = proxy(name), _id()
    assert _put(url, "text_embedding", ident, _openai(clean)).status_code == 200
    body = {"input": ["one", "two", "three"]}
    direct = requests.post(f"{clean.reference_url}/_inference/text_embedding/{ident}", json=body, timeout=30).json()
    broken = requests.post(f"{url}/_inference/text_embedding/{ident}", json=body, timeout=30).json()
    assert broken["text_embedding"] == transform(direct["text_embedding"]) != direct["text_embedding"]


# ------------------------------------------------------------------------------------------------ crud
def test_delete_acknowledged_not_done(clean: Stack, proxy: Callable[[str], str]) -> None:
    url, ident = proxy("delete_acknowledged_not_done"), _id()
    assert _put(url, "text_embedding", ident, _openai(clean)).status_code == 200
    resp = requests.delete(f"{url}/_inference/{ident}", timeout=30)
    assert resp.status_code == 200 and resp.json() == {"acknowledged": True}
    assert _get(clean.reference_url, ident)["inference_id"] == ident  # still there


# ------------------------------------------------------------------------------------------------ rendering
def test_empty_task_settings_rendered_in_9_1() -> None:
    with Stack(DEFECTS["empty_task_settings_rendered_in_9_1"]) as stack:
        ident = _id()
        put = _put(stack.url, "text_embedding", ident, _openai(stack))
        assert put.status_code == 200 and put.json()["task_settings"] == {}
        assert _get(stack.url, ident)["task_settings"] == {}
        assert "task_settings" not in _get(stack.reference_url, ident)  # 9.1 omits it
