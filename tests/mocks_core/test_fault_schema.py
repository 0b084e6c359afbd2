"""Fault specs are validated by a JSON Schema (admin API and Python), and no accepted fault makes a mock 500.

Also: the admin API's exact totals (``total`` since start beside ``retained``).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mocks.core import Fault, MockServer
from mocks.core.fault_schema import MAX_LATENCY_MS, FaultSpecError, validate_fault_spec
from mocks.openai import OpenAIConfig, create_app

BAD_SPECS = [
    pytest.param({"kind": "latency", "latency_ms": 1e12}, "latency_ms", id="huge-latency"),
    pytest.param({"kind": "latency", "latency_ms": MAX_LATENCY_MS + 1}, "latency_ms", id="over-max-latency"),
    pytest.param({"kind": "latency", "latency_ms": -1}, "latency_ms", id="negative-latency"),
    pytest.param({"kind": "http_error", "status": 101}, "status", id="informational-status"),
    pytest.param({"kind": "http_error", "status": 600}, "status", id="no-such-status"),
    pytest.param({"kind": "http_error", "status": True}, "status", id="bool-status"),
    pytest.param({"kind": "http_error", "status": "500"}, "status", id="string-status"),
    pytest.param({"kind": "http_error", "body": 123}, "body", id="number-body"),
    pytest.param({"kind": "http_error", "headers": {"X-A": "a\r\nX-Injected: 1"}}, "headers.X-A", id="crlf-value"),
    pytest.param({"kind": "http_error", "headers": {"X-A": "a\nb"}}, "headers.X-A", id="lf-value"),
    pytest.param({"kind": "http_error", "headers": {"X-A": "\u20ac"}}, "headers.X-A", id="non-latin-1-value"),
    pytest.param({"kind": "http_error", "headers": {"X-A": 1}}, "headers.X-A", id="number-value"),
    pytest.param({"kind": "http_error", "headers": [["X-A", "1"]]}, "headers", id="headers-list"),
    pytest.param({"kind": "http_error", "headers": {"Bad Name": "1"}}, "headers.Bad Name", id="bad-name"),
    pytest.param({"kind": "http_error", "headers": {"Content-Length": "1"}}, "headers.Content-Length", id="framing"),
    pytest.param({"kind": "http_error", "path": ["/v1/*"]}, "path", id="list-path"),
    pytest.param({"kind": "http_error", "path": "/v1/\nx"}, "path", id="control-char-path"),
    pytest.param({"kind": "http_error", "path": "v1/embeddings"}, "path", id="relative-path"),
    pytest.param({"kind": "http_error", "path": 5}, "path", id="number-path"),
    pytest.param({"kind": "http_error", "match": {"path": "v1/*"}}, "match.path", id="relative-match-path"),
    pytest.param({"kind": "http_error", "probability": 1.5}, "probability", id="probability-over-1"),
    pytest.param({"kind": "http_error", "probability": -0.1}, "probability", id="probability-negative"),
    pytest.param({"kind": "http_error", "times": 0}, "times", id="zero-times"),
    pytest.param({"kind": "http_error", "times": 1.5}, "times", id="fractional-times"),
    pytest.param({"kind": "sse_cut", "after": -1}, "after", id="negative-after"),
    pytest.param({"kind": "explode"}, "kind", id="unknown-kind"),
    pytest.param({"status": 500}, "kind", id="no-kind"),
    pytest.param({"kind": "http_error", "colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"kind": "http_error", "message": ["a"]}, "message", id="list-message"),
]


@pytest.mark.parametrize(("spec", "field"), BAD_SPECS)
def test_bad_spec_is_refused_in_python_naming_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(FaultSpecError) as info:
        Fault.from_dict(spec)
    assert info.value.field == field and field in str(info.value)


def test_bad_values_are_refused_by_the_constructor_too() -> None:
    with pytest.raises(FaultSpecError, match="latency_ms"):
        Fault("latency", latency_ms=10**12)
    with pytest.raises(FaultSpecError, match="status"):
        Fault("http_error", status=101)


@pytest.fixture(scope="module")
def server() -> Any:
    with MockServer(create_app(OpenAIConfig(seed=1))) as running:
        yield running


@pytest.mark.parametrize(("spec", "field"), BAD_SPECS[:18])
def test_admin_api_answers_400_naming_the_field(server: MockServer, spec: dict[str, Any], field: str) -> None:
    answer = requests.post(server.url + "/__admin/faults", json=spec, timeout=30)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and field in answer.json()["error"]
    assert len(server.faults) == 0


def test_admin_api_refuses_a_whole_array_naming_the_item(server: MockServer) -> None:
    answer = requests.post(
        server.url + "/__admin/faults", json=[{"kind": "reset"}, {"kind": "latency", "latency_ms": 1e12}], timeout=30
    )
    assert answer.status_code == 400 and answer.json()["field"] == "1.latency_ms"
    assert len(server.faults) == 0


def test_json_body_object_is_sent_as_json(server: MockServer) -> None:
    server.clear()
    server.faults.add({"kind": "http_error", "status": 429, "body": {"error": {"message": "slow"}}, "times": 1})
    answer = requests.post(server.url + "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x"},
                           headers={"Authorization": "Bearer sk-test"}, timeout=30)
    assert answer.status_code == 429 and answer.json() == {"error": {"message": "slow"}}


def test_admin_totals_count_past_the_journal_size() -> None:
    app = create_app(OpenAIConfig(seed=1))
    app.journal = type(app.journal)(maxlen=3)
    with MockServer(app) as running:
        for _ in range(7):
            requests.get(running.url + "/v1/models", headers={"Authorization": "Bearer sk-t"}, timeout=30)
        health = requests.get(running.url + "/__admin/health", timeout=30).json()
        calls = requests.get(running.url + "/__admin/calls", timeout=30).json()
    assert (health["total"], health["retained"]) == (7, 3)
    assert (calls["total"], calls["retained"], calls["count"]) == (7, 3, 3)


# ---- no accepted fault makes the mock answer a 500 it did not mean ---------------------------------------
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)
_header_value = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=20)
_FAULTS = st.fixed_dictionaries(
    {"kind": st.sampled_from(["http_error", "latency", "malformed_json", "stream_error", "eventstream_corrupt"])},
    optional={
        "status": st.integers(400, 599),
        "headers": st.dictionaries(st.from_regex(r"\AX-[A-Za-z0-9-]{1,10}\Z"), _header_value, max_size=3),
        "body": st.one_of(st.none(), _text, st.dictionaries(_text, _text, max_size=2)),
        "message": st.one_of(st.none(), _text),
        "code": st.one_of(st.none(), _text),
        "type": st.one_of(st.none(), _text),
        "latency_ms": st.integers(0, 3),
        "after": st.integers(0, 5),
        "path": st.sampled_from(["/v1/*", "/v1/embeddings", "*", "/[!x]1/*", "/v1/chat/completions"]),
        "probability": st.floats(0, 1),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate], derandomize=True)
@given(spec=_FAULTS, stream=st.booleans())
def test_no_accepted_fault_makes_our_500(server: MockServer, spec: dict[str, Any], stream: bool) -> None:
    validate_fault_spec(spec)
    server.clear()
    server.faults.add(spec)
    try:
        answer = requests.post(
            server.url + "/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": stream},
            headers={"Authorization": "Bearer sk-test"},
            timeout=30,
        )
    except requests.exceptions.ChunkedEncodingError:
        # a malformed_json fault cuts a streamed answer mid-body (that is the fault); nothing else may
        assert spec["kind"] == "malformed_json" and stream, spec
        return
    meant = spec["kind"] == "http_error" and spec.get("status", 500) == answer.status_code
    assert answer.status_code < 500 or meant, (spec, answer.status_code, answer.text[:200])
    assert not server.app.errors, server.app.errors
