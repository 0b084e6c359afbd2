"""``input.*``: inference request bodies each input rule refuses."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract.validate import COMPLETION_INPUT_PREFIX
from harness.checks.registry import NotApplicable
from harness.gen.cases import EndpointCase
from harness.scenarios.common import judge_errors, not_chat, other_task
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    endpoint,
    exchange,
    needs_mock,
    scenario,
)

__all__ = []


_INPUT_PARAMS: dict[str, dict[str, Any]] = {
    "input.unknown_field": {"field": "unknown_harness_field", "line": 1, "column": 2, "suggestion": ""},
}


def _input_body(rule_id: str, case: EndpointCase) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "input.null": {},
        "input.empty": {"input": []},
        "input.unknown_field": {"input": case.inputs[0], "unknown_harness_field": 1},
    }
    return bodies[rule_id]


@scenario("input.null", "input.empty", "input.unknown_field", judge=judge_errors)
def _send_input(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    not_chat(case)
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return (exchange(ctx, "POST", case.path, _input_body(rule_id, case), **_INPUT_PARAMS.get(rule_id, {})),)


@scenario("input.input_type.rejected", judge=judge_errors)
def _send_input_type(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if case.task_type != "text_embedding":
        raise NotApplicable("request validation rejects input_type first for completion tasks")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return tuple(  # every one, in every example
            exchange(ctx, "POST", case.path, {"input": case.inputs, "input_type": t}, input_type=t)
            for t in ctx.profile.input_types
        )


@scenario("input.input_type.not_for_task", judge=judge_errors)
def _send_input_type_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        body = {"input": case.inputs[0], "input_type": "search"}
        return (exchange(ctx, "POST", case.path, body, task_type=case.task_type),)


@scenario("input.completion.single", judge=judge_errors)
def _send_single(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    title = COMPLETION_INPUT_PREFIX[case.service]
    with endpoint(ctx, rule_id, case):
        body = {"input": [case.inputs[0], case.inputs[0] + " again"]}
        return (exchange(ctx, "POST", case.path, body, service_title=title),)


@scenario("input.task_type.mismatch", judge=judge_errors)
def _send_post_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    other = other_task(case, exclude_chat=True)
    with endpoint(ctx, rule_id, case):
        path = f"/_inference/{other}/{case.inference_id}"
        return (exchange(ctx, "POST", path, {"input": case.inputs[0]}, requested=other, actual=case.task_type),)


@scenario("input.query.not_for_task", judge=judge_errors)
def _send_query_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        body = {"input": case.inputs[0], "query": case.inputs[0]}
        return (exchange(ctx, "POST", case.path, body, task_type=case.task_type),)


@scenario("input.rerank_option.not_for_task", judge=judge_errors)
def _send_rerank_option(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return (  # each option on its own: each one returns its own error
            exchange(
                ctx,
                "POST",
                case.path,
                {"input": case.inputs[0], "return_documents": True},
                field="return_documents",
                task_type=case.task_type,
            ),
            exchange(
                ctx,
                "POST",
                case.path,
                {"input": case.inputs[0], "top_n": draw(st.integers(1, 5))},
                field="top_n",
                task_type=case.task_type,
            ),
        )
