"""Scenario judges are pure: given a hand-built exchange (no target, no mock, no network) they pass the answer a
conforming target gives and fail a broken one with the rule id and message a run reports.

The responses are built from the rule table (``rules.expected``): status, type and reason as Elasticsearch
renders them. That the whole scenarios catch broken targets end to end is shown in ``tests/broken``.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from contract import load_profile, load_rules
from harness.checks import JudgeContext
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.mock_handles import MockHandles
from harness.report.redact import Redactor
from harness.scenarios.check import _Lifecycle, judge_consistency, judge_sse
from harness.scenarios.common import judge_errors
from harness.scenarios.context import CheckContext
from harness.scenarios.envelope import judge_envelope
from harness.scenarios.invalid_put import judge_put_invalid
from harness.scenarios.sending import SCENARIOS, Exchange, Scenario, Steps
from harness.scenarios.upstream import judge_body_fault
from harness.scenarios.upstream_stream import judge_stream_cut
from harness.target import Response, Target
from mocks.core.journal import Call

JC = JudgeContext(load_profile("8.18"), load_rules())
KEY = "sk-canary-judge-0001"


def _case(task_type: str = "text_embedding") -> EndpointCase:
    settings = {"api_key": KEY, "model_id": "text-embedding-3-small", "url": "http://127.0.0.1:9/v1/embeddings"}
    return EndpointCase("openai", task_type, "h-judge-1", {"service": "openai", "service_settings": settings}, ["a"])


def _call(n: int) -> Call:
    return Call(n, "openai", "POST", "/v1/embeddings", (), (), b"{}", 0.0, 500, True, "embeddings")


def _response(status: int, body: Any, *, ctype: str = "application/json") -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response("POST", "http://target/_inference/x", {"input": ["a"]}, status, {"Content-Type": ctype}, raw)


def _envelope(rule_id: str, **params: Any) -> dict[str, Any]:
    exp = JC.rules.expected(rule_id, JC.profile, **params)
    error = {"type": exp.error_type, "reason": exp.reason}
    return {"error": {"root_cause": [error], **error}, "status": exp.status}


IO_PARAMS = {"request_kind": "…", "inference_id": "h-judge-1", "error_message": "…", "to_url": "…"}


def test_body_fault_judge_passes_the_rules_error_after_retries() -> None:
    good = Exchange(_response(500, _envelope("upstream.io_error", **IO_PARAMS)), (_call(1), _call(2), _call(3)))
    judge_body_fault(JC, "upstream.io_error", _case(), good)


@pytest.mark.parametrize(
    ("status", "body", "calls", "message"),
    [
        (502, None, 3, "wrong status"),  # the rule's error under another status
        (500, {"error": "boom"}, 3, "error is not the Elasticsearch envelope"),  # not the ES envelope
        (500, None, 1, "a retryable failure must be retried"),  # right answer, no retry
        (500, "leak", 3, "a secret was returned"),  # the key quoted in the reason
    ],
)
def test_body_fault_judge_fails_a_broken_answer(status: int, body: Any, calls: int, message: str) -> None:
    doc = _envelope("upstream.io_error", **IO_PARAMS)
    doc["status"] = status
    if body == "leak":
        doc["error"]["reason"] += f" (key {KEY})"
    elif body is not None:
        doc = body
    broken = Exchange(_response(status, doc), tuple(_call(i) for i in range(calls)))
    with pytest.raises(Failure) as failure:
        judge_body_fault(JC, "upstream.io_error", _case(), broken)
    assert failure.value.rule_id == "upstream.io_error"
    assert message in failure.value.title
    assert failure.value.response is broken.response  # the exchange a report replays and ends its evidence with


def _stream(*events: tuple[str | None, str]) -> Response:
    frames = "".join((f"event: {e}\n" if e else "") + f"data: {d}\n\n" for e, d in events)
    return _response(200, frames.encode(), ctype="text/event-stream")


def test_stream_cut_judge_passes_an_error_event_ending_the_stream() -> None:
    rule = "upstream.stream.connection_reset"
    sent = Exchange(_stream(("message", '{"completion":[{"delta":"a"}]}'), ("error", json.dumps(_envelope(rule)))))
    judge_stream_cut(JC, rule, _case("completion"), Exchange(sent.response, (_call(1),)))


def test_stream_cut_judge_fails_a_swallowed_error() -> None:
    rule = "upstream.stream.connection_reset"
    sent = Exchange(_stream(("message", '{"completion":[{"delta":"a"}]}'), (None, "[DONE]")), (_call(1),))
    with pytest.raises(Failure, match="the stream carries no error event"):
        judge_stream_cut(JC, rule, _case("completion"), sent)


def test_every_scenario_is_a_sending_step_and_a_judge_that_gets_no_target() -> None:
    """Every scenario's judge takes a JudgeContext (the profile and the rule table: nothing to send with; mypy
    holds the checks it calls to the same Oracle) and never the sending step's context."""
    assert SCENARIOS
    assert all(isinstance(s, Scenario) for s in SCENARIOS.values())
    assert set(JudgeContext.__dataclass_fields__) == {"profile", "rules"}
    for rule_id, pair in SCENARIOS.items():
        first = next(iter(inspect.signature(pair.judge).parameters.values()))
        assert first.annotation in ("JudgeContext", JudgeContext), (rule_id, pair.judge)
        assert "CheckContext" not in str(inspect.signature(pair.judge)), (rule_id, pair.judge)


def test_error_judges_take_the_rule_and_parameters_from_the_data() -> None:
    missing = _envelope("crud.not_found", inference_id="h-judge-1")
    refused = Exchange(_response(404, missing), params={"inference_id": "h-judge-1"})
    judge_errors(JC, "crud.not_found", _case(), (refused,))
    judge_envelope(JC, "envelope.error", _case(), (refused.response,))
    with pytest.raises(Failure, match="wrong status"):  # the missing endpoint answered 200
        judge_errors(JC, "crud.not_found", _case(), (Exchange(_response(200, {}), params=refused.params),))
    with pytest.raises(Failure, match="an invalid request was accepted"):
        judge_envelope(JC, "envelope.error", _case(), (refused.response, _response(200, {})))


def test_envelope_judge_names_the_request_that_broke_the_rule_not_the_last_one() -> None:
    refused = _response(404, _envelope("crud.not_found", inference_id="h-judge-1"))
    accepted = Response("GET", "http://target/_inference/h-judge-1-missing", None, 200, {}, b"{}")
    bare = Response("DELETE", "http://target/_inference/h-judge-1-missing", None, 404, {}, b"not found")
    for sent, broken in (((accepted, refused, refused), accepted), ((refused, bare, refused), bare)):
        with pytest.raises(Failure) as failure:
            judge_envelope(JC, "envelope.error", _case(), sent)
        assert failure.value.response is broken  # what the report's evidence ends with and the replay sends


def test_refused_put_judge_fails_when_an_invalid_configuration_reached_the_upstream() -> None:
    rule = "crud.not_found"
    refused = Exchange(_response(404, _envelope(rule, inference_id="h-judge-1")), params={"inference_id": "h-judge-1"})
    judge_put_invalid(JC, rule, _case(), Steps((refused,), ()))
    judge_put_invalid(JC, rule, _case(), Steps((refused,), None))  # no mock to read: not judged
    with pytest.raises(Failure, match="an invalid configuration reached the upstream"):
        judge_put_invalid(JC, rule, _case(), Steps((refused,), (_call(1),)))


def test_sse_judge_wants_message_events_then_done() -> None:
    done = _stream(("message", '{"completion":[{"delta":"a"}]}'), (None, "[DONE]"))
    judge_sse(JC, "check.sse_framing", _case("completion"), done)
    cut = _stream(("message", '{"completion":[{"delta":"a"}]}'))
    with pytest.raises(Failure, match=r"stream must end with data: \[DONE\]"):
        judge_sse(JC, "check.sse_framing", _case("completion"), cut)
    with pytest.raises(Failure, match="completion event shape"):
        judge_sse(JC, "check.sse_framing", _case("completion"), _stream(("message", "{}"), (None, "[DONE]")))


def _get(status: int, body: Any) -> Response:
    return Response("GET", "http://target/_inference/h-judge-1", None, status, {"Content-Type": "application/json"},
                    json.dumps(body).encode())


def test_lifecycle_judge_reads_a_whole_put_get_list_delete_sequence() -> None:
    created = {"inference_id": "h-judge-1", "task_type": "text_embedding", "service": "openai"}
    listed = {"endpoints": [created]}
    missing = _envelope("crud.not_found", inference_id="h-judge-1")

    def lifecycle(get_after: Response) -> _Lifecycle:
        return _Lifecycle(
            put=_response(200, created),
            get=_get(200, listed),
            listings=(("/_inference/_all", _get(200, listed)), ("/_inference/text_embedding/_all", _get(200, listed))),
            delete=_response(200, {"acknowledged": True}),
            get_after=get_after,
            listing_after=_get(200, {"endpoints": []}),
        )

    judge_consistency(JC, "check.crud_consistency", _case(), lifecycle(_get(404, missing)))
    with pytest.raises(Failure, match="GET after DELETE"):  # acknowledged, not deleted
        judge_consistency(JC, "check.crud_consistency", _case(), lifecycle(_get(200, listed)))


def test_evidence_ends_with_the_exchange_the_failure_is_about() -> None:
    """A scenario sends its whole plan before it is judged: the evidence stops at the judged exchange."""
    ctx = CheckContext(JC.profile, JC.rules, Target("http://127.0.0.1:9"), MockHandles(), 0, Redactor())
    first, judged, later = _response(200, {}), _response(500, {}), _response(200, {})
    ctx.exchanges += [first, judged, later]
    with pytest.raises(Failure) as failure:
        judge_errors(JC, "crud.not_found", _case(), (Exchange(judged, params={"inference_id": "h-judge-1"}),))
    assert ctx.evidence(failure.value) == [first, judged]
    assert ctx.evidence(Failure("crud.not_found", "about no exchange")) == [first, judged, later]
