"""``streaming.*``: which task types stream, and the unified chat completion route's errors."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from harness.checks.registry import NotApplicable
from harness.gen.cases import EndpointCase
from harness.scenarios.common import ASCII_NAME, judge_errors, refused_before_upstream
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    Steps,
    chat_body,
    endpoint,
    exchange,
    inference_body,
    needs_mock,
    scenario,
    steps_with_calls,
)

__all__ = ["judge_unified_empty", "judge_unified_invalid"]


@scenario("streaming.chat_completion.only_stream", judge=judge_errors)
def _send_only_stream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    # TransportInferenceActionProxy refuses before parsing the body: a chat body, an inference body and
    # (with no task type in the URL, after the endpoint lookup) the same
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return tuple(
            exchange(ctx, "POST", path, body)
            for path in (case.path, f"/_inference/{case.inference_id}")
            for body in (chat_body(case), {"input": case.inputs[0]})
        )


@scenario("streaming.not_allowed", judge=judge_errors)
def _send_not_streamable(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} streams {case.task_type} in {ctx.profile.version}")
    needs_mock(ctx, case)
    supported = ", ".join(ctx.profile.streaming_task_types.get(case.service, ()))
    params = {"service": case.service, "task_type": case.task_type, "supported": supported}
    with endpoint(ctx, rule_id, case):
        return (exchange(ctx, "POST", f"{case.path}/_stream", inference_body(case), **params),)


judge_unified_invalid = refused_before_upstream("an invalid unified body")


@scenario("streaming.unified.invalid", judge=judge_unified_invalid)
def _send_unified_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    if case.task_type != "chat_completion":
        raise NotApplicable("the unified body is the chat_completion _stream body")
    needs_mock(ctx, case)
    model = draw(st.text(alphabet=ASCII_NAME, min_size=1, max_size=10))
    path = f"/_inference/chat_completion/{case.inference_id}/_stream"
    bodies: tuple[dict[str, Any], ...] = ({}, {"model": model}, {"temperature": 0.5, "model": model})
    with endpoint(ctx, rule_id, case):
        return steps_with_calls(
            ctx,
            case,
            lambda: (exchange(ctx, "POST", path, body, detail="Required [messages]") for body in bodies),
        )


judge_unified_empty = refused_before_upstream("a unified body with no messages")


@scenario("streaming.unified.empty_messages", judge=judge_unified_empty)
def _send_unified_empty(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    """``messages: []`` parses, then the request's validation refuses it (Elasticsearch's envelope, in an SSE
    error event): with and without other fields."""
    if case.task_type != "chat_completion":
        raise NotApplicable("the unified body is the chat_completion _stream body")
    needs_mock(ctx, case)
    model = draw(st.text(alphabet=ASCII_NAME, min_size=1, max_size=10))
    path = f"/_inference/chat_completion/{case.inference_id}/_stream"
    bodies: tuple[dict[str, Any], ...] = ({"messages": []}, {"messages": [], "model": model, "temperature": 0.5})
    with endpoint(ctx, rule_id, case):
        return steps_with_calls(ctx, case, lambda: (exchange(ctx, "POST", path, body) for body in bodies))
