"""Documented errors: status, type and the rule table's message, per version profile; bad input never 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_helpers import assert_no_canary, azure_settings, bedrock_settings, openai_settings

from contract import load_profile, load_rules

VERSIONS = ["8.18", "9.1", "9.4"]


def _expect(resp: requests.Response, rule_id: str, version: str, **params: Any) -> None:
    expected = load_rules().expected(rule_id, load_profile(version), **params)
    assert resp.status_code == expected.status, resp.text
    body = resp.json()
    assert body["status"] == expected.status
    assert body["error"]["type"] == expected.error_type
    assert body["error"]["reason"] == expected.reason
    assert body["error"]["root_cause"][0]["reason"] == expected.reason
    assert resp.headers["X-Elastic-Product"] == "Elasticsearch"


@pytest.mark.parametrize("version", VERSIONS)
def test_crud_errors(target: Any, mocks: dict[str, Any], version: str) -> None:
    with target(es_version=version) as (server, _):
        url = server.url
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "text_embedding")}
        _expect(requests.get(f"{url}/_inference/nope"), "crud.not_found", version, inference_id="nope")
        _expect(requests.delete(f"{url}/_inference/nope"), "crud.not_found", version, inference_id="nope")
        _expect(requests.post(f"{url}/_inference/nope", json={"input": "x"}), "crud.not_found", version, inference_id="nope")
        assert requests.put(f"{url}/_inference/text_embedding/e1", json=body).status_code == 200
        before = mocks["openai"].journal.count()
        dup = requests.put(f"{url}/_inference/text_embedding/e1", json=body)
        _expect(dup, "crud.duplicate", version, inference_id="e1")
        # the duplicate check comes after the validation call
        assert mocks["openai"].journal.count() == before + 1
        _expect(
            requests.get(f"{url}/_inference/completion/e1"),
            "crud.task_type.mismatch",
            version,
            requested="completion",
            actual="text_embedding",
        )
        _expect(
            requests.post(f"{url}/_inference/completion/e1", json={"input": "x"}),
            "input.task_type.mismatch",
            version,
            requested="completion",
            actual="text_embedding",
        )
        _expect(requests.put(f"{url}/_inference/bad_type/e2", json=body), "task_type.unknown", version, task_type="bad_type")
        _expect(requests.put(f"{url}/_inference/e2", json=body), "task_type.missing", version)
        unknown = {"service": "nope", "service_settings": {}}
        _expect(requests.put(f"{url}/_inference/text_embedding/e2", json=unknown), "service.unknown", version, service="nope")
        _expect(requests.post(f"{url}/_inference/e1", json={}), "input.null", version)


@pytest.mark.parametrize("version", VERSIONS)
def test_unsupported_task_type_per_version(target: Any, version: str) -> None:
    with target(es_version=version, skip_validation=True) as (server, _):
        body = {"service": "azureopenai", "service_settings": azure_settings()}
        resp = requests.put(f"{server.url}/_inference/chat_completion/az-chat", json=body)
        if load_profile(version).supports("azureopenai", "chat_completion"):
            assert resp.status_code == 200, resp.text
        else:
            _expect(resp, "service.unsupported_task_type", version, service="azureopenai", task_type="chat_completion")


def test_validation_call_failure_is_wrapped(target: Any, mocks: dict[str, Any]) -> None:
    from mocks.core.faults import Fault

    mocks["openai"].faults.add(Fault(kind="http_error", status=401, times=1))
    with target() as (server, _):
        body = {"service": "openai", "service_settings": openai_settings(mocks["openai"], "text_embedding")}
        resp = requests.put(f"{server.url}/_inference/text_embedding/e1", json=body)
        _expect_prefix = load_rules().expected("validation_call.failed", load_profile("8.18"))
        assert resp.status_code == 400
        error = resp.json()["error"]
        assert error["reason"] == _expect_prefix.reason
        assert error["caused_by"]["type"] == "status_exception"
        assert "Received an authentication error status code" in error["root_cause"][0]["reason"]
        assert_no_canary(resp.content)
        assert requests.get(f"{server.url}/_inference/e1").status_code == 404


def test_dimensions_mismatch(target: Any, mocks: dict[str, Any]) -> None:
    with target() as (server, _):
        settings_ = openai_settings(mocks["openai"], "text_embedding", dimensions=7)
        resp = requests.put(f"{server.url}/_inference/text_embedding/e1", json={"service": "openai", "service_settings": settings_})
        assert resp.status_code == 200, resp.text  # the mock honours `dimensions`
        assert resp.json()["service_settings"]["dimensions"] == 7
        assert mocks["openai"].journal.last.json["dimensions"] == 7


def test_bedrock_provider_rules(target: Any) -> None:
    with target(skip_validation=True) as (server, _):
        body = {"service": "amazonbedrock", "service_settings": bedrock_settings("text_embedding", provider="anthropic")}
        resp = requests.put(f"{server.url}/_inference/text_embedding/br", json=body)
        _expect(resp, "bedrock.provider.task_type", "8.18", task_type="text_embedding", provider="anthropic")


def test_routing_errors_are_elasticsearch_shaped(target: Any) -> None:
    with target(skip_validation=True) as (server, _):
        resp = requests.get(f"{server.url}/a/b/c/d")
        assert resp.status_code == 400
        assert resp.json() == {"error": "no handler found for uri [/a/b/c/d] and method [GET]"}
        resp = requests.patch(f"{server.url}/_inference/x")
        assert resp.status_code == 405
        assert resp.json()["error"].startswith("Incorrect HTTP method for uri [/_inference/x] and method [PATCH], allowed: [")
        assert "GET" in resp.headers["Allow"]
        resp = requests.put(f"{server.url}/_inference/x", data=b"{}", headers={"Content-Type": "text/plain"})
        assert resp.status_code == 406
        assert resp.json() == {"error": "Content-Type header [text/plain] is not supported", "status": 406}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"{bad", id="malformed"),
        pytest.param(b"\xff\xfe{}", id="invalid-utf8"),
        pytest.param(b'{"a":1,"a":2}', id="duplicate-key"),
        pytest.param(b"[1,2]", id="array"),
        pytest.param(b'"text"', id="string"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 5000, id="deep"),
    ],
)
def test_bad_bodies_never_500(target: Any, data: bytes) -> None:
    with target(skip_validation=True) as (server, _):
        for method, path in (
            ("PUT", "/_inference/text_embedding/x"),
            ("POST", "/_inference/x"),
            ("POST", "/_inference/completion/x/_stream"),
            ("POST", "/_inference/chat_completion/x/_stream"),
            ("PUT", "/_inference/x/_update"),
            ("PUT", "/idx"),
            ("PUT", "/idx/_doc/1"),
        ):
            resp = requests.request(method, server.url + path, data=data, headers={"Content-Type": "application/json"})
            assert resp.status_code < 500, (method, path, resp.status_code, resp.text)
            assert resp.status_code >= 400 or path == "/idx", (method, path, resp.text)
            assert "Traceback" not in resp.text
            assert resp.headers["X-Elastic-Product"] == "Elasticsearch"
        server.raise_errors()


def test_huge_body_gets_413(target: Any) -> None:
    with target(skip_validation=True, max_body_bytes=1024) as (server, _):
        resp = requests.put(
            f"{server.url}/_inference/text_embedding/x", data=b"x" * 4096, headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 413
        assert resp.content == b""


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(["service", "service_settings", "task_settings", "chunking_settings", "task_type", "x"]),
        _json,
        max_size=4,
    ),
    task_type=st.sampled_from(["text_embedding", "completion", "chat_completion", "sparse_embedding"]),
)
def test_fuzzed_put_bodies_never_500(target: Any, body: dict[str, Any], task_type: str) -> None:
    with target(skip_validation=True) as (server, _):
        resp = requests.put(f"{server.url}/_inference/{task_type}/fz", json=body)
        assert resp.status_code in (200, 400), resp.text
        server.raise_errors()
