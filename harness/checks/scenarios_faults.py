"""Scenarios for upstream failures that are not an HTTP error status: an empty or unparsable 2xx body, a
connection reset, a stream cut mid-way, a Bedrock call or event stream failing.

Each injects one fault in the provider mock, matched to the case's key fingerprint (so parallel plan items
never see each other's faults), sends one request, removes the fault, and judges the answer through the
rule table. Errors on the unified ``chat_completion`` route are judged in the unified format
(``{"error": {"code", "message", "type"}}``); an error that happens once a stream has started is judged as
the ``event: error`` of a 200 stream (``ServerSentEventsRestActionListener``).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from harness.checks.registry import CheckContext, NotApplicable
from harness.checks.responses import error_matches, expected_error, secrets_absent
from harness.checks.scenarios import Draw, _endpoint, _inference_body, _needs_mock, _scenario
from harness.checks.upstream import calls_for, sse_events
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.target import Response

__all__: list[str] = []


# ------------------------------------------------------------------------------------------------ helpers
def _fault(ctx: CheckContext, case: EndpointCase, fault: dict[str, Any]) -> contextlib.AbstractContextManager[None]:
    """``fault`` injected for this case's key only."""
    return ctx.fault(case.service, {**fault, "key": case.key})


def _brief(resp: Response) -> str:
    return f"{resp.status} {resp.text[:300]}"


def _sse_error(ctx: CheckContext, rule_id: str, resp: Response) -> Any:
    """The JSON of the stream's ``event: error`` (Failure when there is none)."""
    ctype = resp.header("content-type") or ""
    if not ctype.startswith("text/event-stream"):
        raise Failure(
            rule_id,
            "an error once streaming started must be an SSE error event",
            expected="text/event-stream with event: error",
            seen=f"{ctype}: {_brief(resp)}",
        )
    events = sse_events(rule_id, resp.body, bom=ctx.profile.sse_bom)
    errors = [data for event, data in events if event == "error"]
    if not errors:
        raise Failure(
            rule_id, "the stream carries no error event", expected="event: error", seen=[e for e, _ in events]
        )
    if events[-1][0] != "error":
        raise Failure(
            rule_id, "the error event must end the stream", expected="event: error last", seen=[e for e, _ in events]
        )
    try:
        return json.loads(errors[-1])
    except ValueError:
        raise Failure(rule_id, "error event data is not JSON", expected="JSON", seen=errors[-1][:200]) from None


def _expect(ctx: CheckContext, rule_id: str, resp: Response, *, unified: bool, **params: Any) -> None:
    """The rule's error as a plain response (an SSE error event on the unified route)."""
    if not unified:
        expected_error(ctx, rule_id, resp, **params)
        return
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    if resp.status != exp.status:
        raise Failure(rule_id, "wrong status", expected=exp.status, seen=_brief(resp))
    body = resp.json if resp.json is not None else _sse_error(ctx, rule_id, resp)
    error_matches(ctx, rule_id, body, unified=True, status=exp.status, **params)


def _expect_in_stream(ctx: CheckContext, rule_id: str, resp: Response, *, unified: bool, **params: Any) -> None:
    """The rule's error once a stream has started: the ``event: error`` ending a 200 stream (an error
    answered before the stream started, with the rule's status, is accepted too)."""
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    if resp.status == exp.status:
        _expect(ctx, rule_id, resp, unified=unified, **params)
        return
    if resp.status != 200:
        raise Failure(
            rule_id, "wrong status", expected=f"200 stream with event: error, or {exp.status}", seen=_brief(resp)
        )
    error_matches(
        ctx, rule_id, _sse_error(ctx, rule_id, resp), unified=unified, status=exp.status, where="event: error", **params
    )


def _attempts(ctx: CheckContext, rule_id: str, case: EndpointCase, before: int, *, retried: bool) -> None:
    attempts = len(calls_for(ctx, case)) - before
    if retried and attempts < 2:
        raise Failure(rule_id, "a retryable failure must be retried", expected="3 attempts", seen=attempts)
    if not retried and attempts != 1:
        raise Failure(rule_id, "this failure must not be retried", expected=1, seen=attempts)


def _stream(ctx: CheckContext, case: EndpointCase) -> Response:
    """A streamed inference: the unified route for chat_completion, ``…/_stream`` for completion."""
    if case.task_type == "chat_completion":
        body = {"messages": [{"role": "user", "content": case.inputs[0]}]}
        return ctx.request("POST", f"/_inference/chat_completion/{case.inference_id}/_stream", body=body)
    return ctx.request("POST", f"{case.path}/_stream", body=_inference_body(case))


# ------------------------------------------------------------------------------------------------ OpenAI / Azure
#: rule -> (fault, retried?)
_BODY_FAULTS: dict[str, tuple[dict[str, Any], bool]] = {
    "upstream.empty_body": (
        {"kind": "http_error", "status": 200, "body": "", "headers": {"Content-Type": "application/json"}},
        False,
    ),
    "upstream.malformed_response": ({"kind": "malformed_json"}, True),
    "upstream.io_error": ({"kind": "reset"}, True),
}


@_scenario(*_BODY_FAULTS)
def _body_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type == "chat_completion":
        raise NotApplicable(f"{rule_id} is checked on a non-streamed call; chat_completion only streams")
    _needs_mock(ctx, case)
    fault, retried = _BODY_FAULTS[rule_id]
    # request_kind / error_message are not part of any stable text: placeholders render the message
    params = {"request_kind": "…", "inference_id": case.inference_id, "error_message": "…"}
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        with _fault(ctx, case, fault):
            resp = ctx.request("POST", case.path, body=_inference_body(case))
        expected_error(ctx, rule_id, resp, **params)
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
        _attempts(ctx, rule_id, case, before, retried=retried)


def _streams(ctx: CheckContext, case: EndpointCase) -> None:
    if case.task_type != "chat_completion" and not ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} does not stream {case.task_type} in {ctx.profile.version}")


def _stream_cut(ctx: CheckContext, rule_id: str, case: EndpointCase, fault: dict[str, Any]) -> None:
    """Cut the upstream stream with ``fault``; the target must end its 200 stream with the rule's error
    event, leak no secret, and not retry a stream that had started."""
    _streams(ctx, case)
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        with _fault(ctx, case, fault):
            resp = _stream(ctx, case)
        _expect_in_stream(ctx, rule_id, resp, unified=case.task_type == "chat_completion")
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
        _attempts(ctx, rule_id, case, before, retried=False)


@_scenario("upstream.stream.connection_reset")
def _stream_reset(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    # sse_cut: one whole event, half of the next, then a TCP reset (SO_LINGER 0)
    _stream_cut(ctx, rule_id, case, {"kind": "sse_cut", "after": 1})


@_scenario("upstream.stream.connection_closed")
def _stream_closed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    # sse_cut close=fin: one whole event, half of the next as a complete HTTP chunk, then an orderly
    # shutdown, so the reader meets EOF where the next chunk's size line should be (no reset)
    _stream_cut(ctx, rule_id, case, {"kind": "sse_cut", "after": 1, "close": "fin"})


# ------------------------------------------------------------------------------------------------ Bedrock
@_scenario("upstream.bedrock.call_failed")
def _bedrock_call_failed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    unified = case.task_type == "chat_completion"
    method = "invoke model" if case.task_type == "text_embedding" else "converse"
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        with _fault(ctx, case, {"kind": "reset"}):
            resp = _stream(ctx, case) if unified else ctx.request("POST", case.path, body=_inference_body(case))
        _expect(ctx, rule_id, resp, unified=unified, method=method)
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
        _attempts(ctx, rule_id, case, before, retried=False)


@_scenario("upstream.bedrock.stream")
def _bedrock_stream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _streams(ctx, case)
    _needs_mock(ctx, case)
    # a frame failing its CRC, and an exception frame after one event
    faults: list[dict[str, Any]] = [{"kind": "eventstream_corrupt"}, {"kind": "stream_error", "after": 1}]
    with _endpoint(ctx, rule_id, case):
        for fault in faults:
            with _fault(ctx, case, fault):
                resp = _stream(ctx, case)
            _expect_in_stream(ctx, rule_id, resp, unified=case.task_type == "chat_completion", error_message="…")
            secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
