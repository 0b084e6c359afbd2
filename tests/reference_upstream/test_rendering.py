"""Every failure the upstream client raises renders through the rule table (no KeyError, so no 500 from
the target), with ES's status, type and the exact reason the client computed (``params["reason"]``)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from reference_upstream_helpers import AWS_ACCESS_KEY, AWS_SECRET_KEY, AZURE_KEY, OPENAI_KEY, endpoint

from contract import PROFILES, RuleViolation, load_profile, load_rules
from mocks.azure import AzureMock
from mocks.bedrock import BedrockMock
from mocks.core.faults import Fault
from mocks.openai import OpenAIMock
from mocks.reference.config import ReferenceConfig
from mocks.reference.upstream import Upstream

_FAST = {"retry_initial_delay_s": 0.0, "retry_max_delay_s": 0.0, "http_timeout_s": 5.0}
_BEDROCK = {"region": "us-east-1", "model": "anthropic.claude-3-haiku-20240307-v1:0", "provider": "anthropic"}
_AWS = {"access_key": AWS_ACCESS_KEY, "secret_key": AWS_SECRET_KEY}


def _openai(url: str, task_type: str = "text_embedding") -> Any:
    model = "text-embedding-3-small" if task_type == "text_embedding" else "gpt-4o-mini"
    return endpoint("openai", task_type, {"model_id": model, "url": url}, {"api_key": OPENAI_KEY})


def _rendered(err: RuleViolation, version: str = "8.18") -> tuple[int, dict[str, Any]]:
    status, envelope = err.render(load_profile(version), load_rules())
    assert envelope["status"] == status
    return status, envelope["error"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("version", PROFILES)
def test_connection_refused_renders_as_actionutils_wraps_it(version: str) -> None:
    up = Upstream(ReferenceConfig(**_FAST))
    with pytest.raises(RuleViolation) as info:
        up.embed(_openai(f"http://127.0.0.1:{_closed_port()}/v1/embeddings"), ["x"])
    status, error = _rendered(info.value, version)
    assert (status, error["type"]) == (500, "status_exception")
    assert info.value.params["reason"] == "Failed to send OpenAI embeddings request. Cause: Connection refused"
    if version == "8.18":  # PR #123638's ". Cause:" reached 8.19 and 9.0 by backport, not 8.18 (issue 20)
        assert error["reason"] == f"Failed to send OpenAI embeddings request to [{info.value.params['url']}]"
    else:
        assert error["reason"] == info.value.params["reason"]
    assert error["caused_by"] == {"type": "connect_exception", "reason": "Connection refused"}
    assert error["root_cause"] == [error["caused_by"]]


def test_empty_body_is_a_wrapped_illegal_state_exception(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_data(b"", status=200)
    up = Upstream(ReferenceConfig(**_FAST))
    with pytest.raises(RuleViolation) as info:
        up.complete(_openai(httpserver.url_for("/v1/chat/completions"), "completion"), "hi")
    status, error = _rendered(info.value, "8.19")
    cause = "Response body was empty for request from inference entity id [my-endpoint]"
    assert (status, error["type"]) == (500, "status_exception")
    assert error["reason"] == info.value.params["reason"]
    assert error["reason"] == f"Failed to send OpenAI chat completions request. Cause: {cause}"
    assert error["caused_by"] == {"type": "illegal_state_exception", "reason": cause}
    # 8.18: the wrapper names the URL the user set and keeps the cause in caused_by only
    status, error = _rendered(info.value, "8.18")
    url = httpserver.url_for("/v1/chat/completions")
    assert error["reason"] == f"Failed to send OpenAI chat completions request to [{url}]"
    assert error["caused_by"] == {"type": "illegal_state_exception", "reason": cause}


def test_malformed_body_renders_with_the_parse_failure_as_cause(openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="malformed_json"))
    up = Upstream(ReferenceConfig(**_FAST))
    with pytest.raises(RuleViolation) as info:
        up.embed(_openai(openai_mock.url + "/v1/embeddings"), ["x"])
    status, error = _rendered(info.value, "9.1")
    assert status == 500 and error["reason"] == info.value.params["reason"]
    assert error["reason"].startswith("Failed to send OpenAI embeddings request. Cause: ")
    # from 9.2 the wrapper's status is the cause's (PR #134178): a parse failure is a 400
    assert _rendered(info.value, "9.2")[0] == 400


def test_azure_429_renders_the_azure_rate_limit_message(upstream: Upstream, azure_mock: AzureMock) -> None:
    azure_mock.faults.add(Fault(kind="http_error", status=429, message="slow down"))
    settings = {"resource_name": "r", "deployment_id": "d", "api_version": "2024-02-01"}
    ep = endpoint("azureopenai", "completion", settings, {"api_key": AZURE_KEY})
    with pytest.raises(RuleViolation) as info:
        upstream.complete(ep, "x")
    status, error = _rendered(info.value)
    assert (status, error["type"]) == (429, "status_exception")
    assert error["reason"] == info.value.params["reason"]
    assert error["reason"].startswith("Received a rate limit status code. Remaining tokens [")


def test_openai_completion_429_is_not_retried_and_renders(openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=429, message="slow down"))
    up = Upstream(ReferenceConfig(**_FAST))
    with pytest.raises(RuleViolation) as info:
        up.complete(_openai(openai_mock.url + "/v1/chat/completions", "completion"), "hi")
    openai_mock.journal.assert_called(times=1)
    status, error = _rendered(info.value)
    assert status == 429 and error["reason"] == info.value.params["reason"] == (
        "Received a rate limit status code for request from inference entity id [my-endpoint] status [429]. "
        "Error message: [slow down]"
    )


@pytest.mark.parametrize(
    ("code", "rule_id", "status"),
    [
        pytest.param(302, "upstream.3xx", 302, id="302-passes-through"),
        pytest.param(409, "upstream.other", 409, id="409-passes-through"),
        pytest.param(418, "upstream.other", 400, id="418-unknown-to-RestStatus"),
    ],
)
def test_pass_through_statuses_come_from_the_upstream_code(
    openai_mock: OpenAIMock, code: int, rule_id: str, status: int
) -> None:
    openai_mock.faults.add(Fault(kind="http_error", status=code))
    up = Upstream(ReferenceConfig(**_FAST))
    with pytest.raises(RuleViolation) as info:
        up.embed(_openai(openai_mock.url + "/v1/embeddings"), ["x"])
    assert info.value.rule_id == rule_id
    got, error = _rendered(info.value)
    assert got == status and error["reason"] == info.value.params["reason"]


def test_cut_stream_is_a_connection_reset_rule(openai_mock: OpenAIMock) -> None:
    openai_mock.faults.add(Fault(kind="sse_cut", times=1))
    up = Upstream(ReferenceConfig(**_FAST))
    stream = up.stream_completion(
        _openai(openai_mock.url + "/v1/chat/completions", "completion"), "a long story"
    )
    with pytest.raises(RuleViolation) as info:
        list(stream)
    assert info.value.rule_id == "upstream.stream.connection_reset"
    status, error = _rendered(info.value)
    assert (status, error["type"], error["reason"]) == (500, "socket_exception", "Connection reset")


def test_bedrock_unreachable_is_call_failed() -> None:
    up = Upstream(ReferenceConfig(bedrock_base_url=f"http://127.0.0.1:{_closed_port()}", **_FAST))
    with pytest.raises(RuleViolation) as info:
        up.complete(endpoint("amazonbedrock", "completion", _BEDROCK, _AWS), "hi")
    status, error = _rendered(info.value)
    assert (status, error["type"], error["reason"]) == (
        500,
        "exception",
        "Amazon Bedrock converse call failed",
    )
    assert AWS_SECRET_KEY not in repr(info.value.params)


def test_bedrock_corrupt_stream_renders(upstream: Upstream, bedrock_mock: BedrockMock) -> None:
    bedrock_mock.faults.add(Fault(kind="eventstream_corrupt", times=1))
    with pytest.raises(RuleViolation) as info:
        list(upstream.stream_completion(endpoint("amazonbedrock", "completion", _BEDROCK, _AWS), "hi"))
    assert info.value.rule_id == "upstream.bedrock.stream"
    status, error = _rendered(info.value)
    assert (status, error["type"]) == (500, "exception")
    assert error["reason"].startswith("AmazonBedrock StreamingChatProcessor failure: [")
