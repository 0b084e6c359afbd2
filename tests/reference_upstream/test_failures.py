"""Failure paths the provider mocks reach through faults (malformed bodies, resets, cut streams) and the
mid-stream error event, served by pytest-httpserver."""

from __future__ import annotations

import json
import socket

import pytest
from pytest_httpserver import HTTPServer
from reference_upstream_helpers import OPENAI_KEY, endpoint
from werkzeug import Response

from contract import RuleViolation
from mocks.core.faults import Fault
from mocks.openai import OpenAIMock
from mocks.reference.config import ReferenceConfig
from mocks.reference.upstream import Upstream


def _ep(url: str, task_type: str = "text_embedding", model: str = "text-embedding-3-small") -> object:
    return endpoint("openai", task_type, {"model_id": model, "url": url}, {"api_key": OPENAI_KEY})


def test_malformed_success_body_is_retried_three_times(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="malformed_json"))
    with pytest.raises(RuleViolation) as info:
        upstream.embed(_ep(openai_mock.url + "/v1/embeddings"), ["x"])
    openai_mock.journal.assert_called(times=3)
    assert info.value.rule_id == "upstream.malformed_response"


def test_connection_reset_is_retried_then_succeeds(openai_mock: OpenAIMock) -> None:
    # A reset (or a read timeout: the mock's reset can leave the socket open) is an I/O error, retried.
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0, retry_max_delay_s=0.0, http_timeout_s=1.0))
    openai_mock.faults.add(Fault(kind="reset", times=1))
    assert len(up.embed(_ep(openai_mock.url + "/v1/embeddings"), ["x"])) == 1
    assert openai_mock.journal.count() == 2


def test_503_before_a_stream_is_retried(upstream: Upstream, openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=503, times=1))
    deltas = list(
        upstream.stream_completion(
            _ep(openai_mock.url + "/v1/chat/completions", "completion", "gpt-4o-mini"), "hi"
        )
    )
    assert deltas
    assert [c.status for c in openai_mock.journal.calls] == [503, 200]


def test_connection_refused_is_an_io_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0, retry_max_delay_s=0.0, http_timeout_s=2.0))
    with pytest.raises(RuleViolation) as info:
        up.embed(_ep(f"http://127.0.0.1:{port}/v1/embeddings"), ["x"])
    assert info.value.rule_id == "upstream.io_error"
    assert OPENAI_KEY not in repr(info.value.params)


def _sse(*events: str) -> Response:
    return Response("".join(events), content_type="text/event-stream")


def test_mid_stream_error_event_raises_while_iterating(httpserver: HTTPServer) -> None:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": None}],
    }
    error = {
        "error": {"message": "model overloaded", "type": "server_error", "code": "overloaded", "param": None}
    }
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_response(
        _sse(f"data: {json.dumps(chunk)}\n\n", f"event: error\ndata: {json.dumps(error)}\n\n")
    )
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0))
    stream = up.stream_completion(_ep(httpserver.url_for("/v1/chat/completions"), "completion", "m"), "hi")
    assert next(stream) == "Hel"
    with pytest.raises(RuleViolation) as info:
        next(stream)
    assert info.value.rule_id == "upstream.stream_error"
    assert info.value.params["reason"] == (
        "Received an error response for request from inference entity id [my-endpoint]. "
        "Error message: [model overloaded]"
    )
    assert info.value.params["upstream_code"] == "overloaded"


def test_sse_parser_handles_crlf_and_done_case_insensitively(httpserver: HTTPServer) -> None:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": None}],
    }
    empty = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}],
    }
    httpserver.expect_request("/v1/chat/completions").respond_with_response(
        _sse(
            f"data: {json.dumps(chunk)}\r\n\r\n",
            f"data: {json.dumps(empty)}\r\n\r\n",
            "data: [done]\r\n\r\n",
            f"data: {json.dumps(chunk)}\r\n\r\n",
        )
    )
    up = Upstream(ReferenceConfig())
    assert list(
        up.stream_completion(_ep(httpserver.url_for("/v1/chat/completions"), "completion", "m"), "x")
    ) == ["ok"]


def test_empty_success_body_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/embeddings").respond_with_data(b"", status=200)
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0))
    with pytest.raises(RuleViolation) as info:
        up.embed(_ep(httpserver.url_for("/v1/embeddings")), ["x"])
    assert info.value.rule_id == "upstream.empty_body"
    assert len(httpserver.log) == 1


def test_embedding_count_mismatch_is_a_parse_failure(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/embeddings").respond_with_json({"data": [{"embedding": [0.1]}]})
    up = Upstream(ReferenceConfig(retry_initial_delay_s=0.0, retry_max_delay_s=0.0))
    with pytest.raises(RuleViolation) as info:
        up.embed(_ep(httpserver.url_for("/v1/embeddings")), ["a", "b"])
    assert "The number of inputs [2] does not match the embeddings [1]" in info.value.params["reason"]
    assert len(httpserver.log) == 3


def test_a_tls_failure_is_an_io_error_not_a_crash() -> None:
    """An ``ssl.SSLError`` carries its ``reason`` as a str; the unknown-host test once followed it as an
    exception and the reference answered 500 "internal error" (seen on the HTTPS external run)."""
    import ssl

    from urllib3.exceptions import NameResolutionError, SSLError

    from mocks.reference.upstream._http import _is_unknown_host

    tls = ssl.SSLError(1, "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac")
    tls.reason = "DECRYPTION_FAILED_OR_BAD_RECORD_MAC"
    wrapped = SSLError(tls)
    wrapped.__context__ = tls
    assert _is_unknown_host(wrapped) is False
    assert _is_unknown_host(NameResolutionError("x.invalid", None, OSError("no such host"))) is True  # type: ignore[arg-type]
