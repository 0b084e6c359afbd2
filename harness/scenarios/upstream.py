"""``upstream.*``: the upstream's HTTP errors, broken bodies, Bedrock faults and an invalid host, injected into the
mocks, and the errors the target must answer."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from harness.checks.registry import JudgeContext, NotApplicable, Oracle
from harness.checks.responses import about, error_matches, expected_error, secrets_absent
from harness.checks.sse import sse_events
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import forget_created, not_chat
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    endpoint,
    inference_body,
    needs_mock,
    scenario,
    sent_with_calls,
    stream,
)
from harness.target import Response
from mocks.core.journal import Call

__all__ = [
    "brief",
    "expect_error",
    "fault_for_case",
    "judge_bedrock_call_failed",
    "judge_bedrock_fault",
    "judge_body_fault",
    "judge_invalid_host",
    "judge_upstream_fault",
    "retried_as_asked",
    "sse_error",
]


def fault_for_case(
    ctx: CheckContext, case: EndpointCase, fault: dict[str, Any]
) -> contextlib.AbstractContextManager[None]:
    """``fault`` injected for this case's key only."""
    return ctx.fault(case.service, {**fault, "key": case.key})


def brief(resp: Response) -> str:
    return f"{resp.status} {resp.text[:300]}"


def sse_error(ctx: Oracle, rule_id: str, resp: Response) -> Any:
    """The JSON of the stream's ``event: error`` (Failure when there is none)."""
    ctype = resp.header("content-type") or ""
    if not ctype.startswith("text/event-stream"):
        raise Failure(
            rule_id,
            "an error once streaming started must be an SSE error event",
            expected="text/event-stream with event: error",
            seen=f"{ctype}: {brief(resp)}",
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


def expect_error(ctx: Oracle, rule_id: str, resp: Response, *, unified: bool, **params: Any) -> None:
    """The rule's error as a plain response (an SSE error event on the unified route)."""
    if not unified:
        expected_error(ctx, rule_id, resp, **params)
        return
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    if resp.status != exp.status:
        raise Failure(rule_id, "wrong status", expected=exp.status, seen=brief(resp))
    body = resp.json if resp.json is not None else sse_error(ctx, rule_id, resp)
    error_matches(ctx, rule_id, body, unified=True, status=exp.status, **params)


def retried_as_asked(rule_id: str, calls: Sequence[Call], *, retried: bool) -> None:
    """``calls`` (the upstream calls of one inference) are retries of a retryable failure, or a single call."""
    attempts = len(calls)
    if retried and attempts < 2:
        raise Failure(rule_id, "a retryable failure must be retried", expected="3 attempts", seen=attempts)
    if not retried and attempts != 1:
        raise Failure(rule_id, "this failure must not be retried", expected=1, seen=attempts)


#: rule -> (fault, retried?)
_BODY_FAULTS: dict[str, tuple[dict[str, Any], bool]] = {
    "upstream.empty_body": (
        {"kind": "http_error", "status": 200, "body": "", "headers": {"Content-Type": "application/json"}},
        False,
    ),
    "upstream.malformed_response": ({"kind": "malformed_json"}, True),
    "upstream.io_error": ({"kind": "reset"}, True),
}


def judge_body_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The rule's error, no secret, and the retries the rule asks for (none for an empty body)."""
    with about(sent.response):
        _judge_body_fault(jc, rule_id, case, sent)


def _judge_body_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    # request_kind / error_message are not part of any stable text: placeholders render the message
    params = {"request_kind": "…", "inference_id": case.inference_id, "error_message": "…", "to_url": "…"}
    expected_error(jc, rule_id, sent.response, **params)
    secrets_absent(jc, rule_id, sent.response, list(case.secrets.values()))
    retried_as_asked(rule_id, sent.calls, retried=_BODY_FAULTS[rule_id][1])


@scenario(*_BODY_FAULTS, judge=judge_body_fault)
def _send_body_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    if case.task_type == "chat_completion":
        raise NotApplicable(f"{rule_id} is checked on a non-streamed call; chat_completion only streams")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case), fault_for_case(ctx, case, _BODY_FAULTS[rule_id][0]):
        return sent_with_calls(ctx, case, lambda: ctx.request("POST", case.path, body=inference_body(case)))


def judge_bedrock_call_failed(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The rule's error (unified on the chat_completion route), no secret, no retry."""
    with about(sent.response):
        _judge_bedrock_call_failed(jc, rule_id, case, sent)


def _judge_bedrock_call_failed(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    expect_error(jc, rule_id, sent.response, unified=case.task_type == "chat_completion", **sent.params)
    secrets_absent(jc, rule_id, sent.response, list(case.secrets.values()))
    retried_as_asked(rule_id, sent.calls, retried=False)


@scenario("upstream.bedrock.call_failed", judge=judge_bedrock_call_failed)
def _send_bedrock_call_failed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    needs_mock(ctx, case)
    method = "invoke model" if case.task_type == "text_embedding" else "converse"
    unified = case.task_type == "chat_completion"
    with endpoint(ctx, rule_id, case), fault_for_case(ctx, case, {"kind": "reset"}):
        return sent_with_calls(
            ctx,
            case,
            lambda: stream(ctx, case) if unified else ctx.request("POST", case.path, body=inference_body(case)),
            method=method,
        )


_HTTP_FAULTS = {
    "upstream.401": 401,
    "upstream.429": 429,
    "upstream.500": 500,
    "upstream.503": 503,
    "upstream.400": 400,
    "upstream.404": 404,
    "upstream.413": 413,
    "upstream.422": 422,
    "upstream.3xx": 300,
    "upstream.other": 418,
    "upstream.azureopenai.429": 429,
    "upstream.openai.completion_429": 429,
}

_RETRIED = {"upstream.429", "upstream.500", "upstream.503", "upstream.azureopenai.429"}


def _fault_params(case: EndpointCase, code: int, url: str) -> dict[str, Any]:
    return {
        "inference_id": case.inference_id,
        "code": code,
        "error_suffix": "",
        "url": url,
        "token_limit": "unknown",
        "remaining_tokens": "unknown",
        "request_limit": "unknown",
        "remaining_requests": "unknown",
        "error_message": "…",
    }


def judge_upstream_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The rule's error for the upstream status, no secret, and retries exactly where ES retries."""
    with about(sent.response):
        _judge_upstream_fault(jc, rule_id, case, sent)


#: upstream codes with their own rule from 9.1 (OpenAiResponseHandler, PR #128538): "unsuccessful" before
_OWN_WORDING_FROM = {400: "upstream.400", 404: "upstream.404", 422: "upstream.422"}


def _other_codes(ctx: CheckContext) -> list[int]:
    """The codes ``upstream.other`` covers on the profile: 418, and 400/404/422 where their rule does not hold."""
    return [418] + [c for c, r in _OWN_WORDING_FROM.items() if ctx.profile.version not in ctx.rules.get(r).versions]


def _judge_upstream_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    code = int(sent.params.get("code", _HTTP_FAULTS[rule_id]))
    expected_error(jc, rule_id, sent.response, **_fault_params(case, code, case.settings.get("url", "")))
    secrets_absent(jc, rule_id, sent.response, list(case.secrets.values()))
    attempts = len(sent.calls)
    retried = rule_id in _RETRIED and not (
        rule_id == "upstream.429" and case.service == "openai" and case.task_type != "text_embedding"
    )
    if retried and attempts < 2:
        raise Failure(rule_id, "a retryable upstream error must be retried", expected="3 attempts", seen=attempts)
    if not retried and attempts != 1:
        raise Failure(rule_id, "a non-retryable upstream error must not be retried", expected=1, seen=attempts)


@scenario(*_HTTP_FAULTS, judge=judge_upstream_fault)
def _send_upstream_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    not_chat(case)
    needs_mock(ctx, case)
    code = _HTTP_FAULTS[rule_id] if rule_id != "upstream.other" else draw(st.sampled_from(_other_codes(ctx)))
    if rule_id == "upstream.413" and case.task_type == "text_embedding":
        raise NotApplicable("413 on embeddings triggers truncate-and-retry")
    with endpoint(ctx, rule_id, case), ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
        return sent_with_calls(ctx, case, lambda: ctx.request("POST", case.path, body=inference_body(case)), code=code)


def judge_bedrock_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The rule's error for a Bedrock 400, without a secret."""
    expected_error(jc, rule_id, sent, error_message="…")
    secrets_absent(jc, rule_id, sent, list(case.secrets.values()))


@scenario("upstream.bedrock.invoke_model", "upstream.bedrock.converse", judge=judge_bedrock_fault)
def _send_bedrock_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    wants_embedding = rule_id.endswith("invoke_model")
    if (case.task_type == "text_embedding") != wants_embedding or case.task_type == "chat_completion":
        raise NotApplicable(f"{rule_id} is about {'embeddings' if wants_embedding else 'completion'}")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case), ctx.fault(case.service, {"kind": "http_error", "status": 400, "key": case.key}):
        return ctx.request("POST", case.path, body=inference_body(case))


def judge_invalid_host(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The validation call's failure, naming the unknown host as its cause."""
    with about(sent):
        _judge_invalid_host(jc, rule_id, case, sent)


def _judge_invalid_host(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    try:
        expected_error(jc, "validation_call.failed", sent)
        stable = jc.rules.expected(rule_id, jc.profile, url=case.settings["url"]).stable
        if stable not in sent.text:
            raise Failure(rule_id, "unknown host must be reported as the cause", expected=stable, seen=sent.text[:300])
    except Failure as exc:
        exc.rule_id = rule_id
        raise


@scenario("upstream.invalid_host", judge=judge_invalid_host)
def _send_invalid_host(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    case.body["service_settings"]["url"] = f"http://{case.inference_id.replace('_', '-')}.invalid/v1/embeddings"
    resp = ctx.request("PUT", case.path, body=case.body)
    forget_created(ctx, resp, case)
    return resp
