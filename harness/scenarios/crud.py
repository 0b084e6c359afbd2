"""``crud.*``: GET/DELETE of a missing endpoint, task type mismatches, duplicates, ``_update`` misuse and deleting
an endpoint an index uses."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract import java_str
from harness.checks.registry import JudgeContext
from harness.checks.responses import (
    expected_error,
    secrets_absent,
    single_endpoint,
)
from harness.gen.cases import EndpointCase
from harness.scenarios.common import get_endpoint, judge_errors, other_task, semantic_index
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    Steps,
    endpoint,
    inference_body,
    needs_mock,
    scenario,
)
from harness.target import Response

__all__ = ["judge_crud_mismatch", "judge_delete_referenced", "judge_update_empty"]


@scenario("crud.not_found", judge=judge_errors)
def _send_not_found(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    ident = case.inference_id
    sent = []
    for method, path, body in (
        ("GET", f"/_inference/{ident}", None),
        ("DELETE", f"/_inference/{ident}", None),
        ("POST", case.path, inference_body(case)),
    ):
        if case.task_type == "chat_completion" and method == "POST":
            continue
        sent.append(Exchange(ctx.request(method, path, body=body), params={"inference_id": ident}))
    return tuple(sent)


def judge_crud_mismatch(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Steps) -> None:
    """GET and DELETE under another task type get the rule's error; the endpoint is still there."""
    *refused, get = sent.exchanges
    judge_errors(jc, rule_id, case, refused)
    single_endpoint(jc, rule_id, get.response)


@scenario("crud.task_type.mismatch", judge=judge_crud_mismatch)
def _send_crud_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    needs_mock(ctx, case)
    other = other_task(case)
    params = {"requested": other, "actual": case.task_type}
    with endpoint(ctx, rule_id, case):
        sent = [
            Exchange(ctx.request(method, f"/_inference/{other}/{case.inference_id}"), params=params)
            for method in ("GET", "DELETE")
        ]
        return Steps((*sent, Exchange(get_endpoint(ctx, case))))


@scenario("crud.duplicate", judge=judge_errors)
def _send_duplicate(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return (Exchange(ctx.request("PUT", case.path, body=case.body), params={"inference_id": case.inference_id}),)


@scenario("crud.update.unknown_fields", judge=judge_errors)
def _send_update_unknown(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    """An ``_update`` naming a key it cannot update (the service, or a drawn name), on the endpoint and on a
    missing one (the check comes before the lookup)."""
    needs_mock(ctx, case)
    extra = draw(st.sampled_from(({"service": case.service}, {"inference_id": case.inference_id}, {"model": "x"})))
    missing = f"{case.inference_id}-gone"
    with endpoint(ctx, rule_id, case):
        return tuple(
            Exchange(
                ctx.request("PUT", f"/_inference/{case.task_type}/{ident}/_update", body=extra),
                params={"fields": java_str(extra)},
            )
            for ident in (case.inference_id, missing)
        )


@scenario("crud.update.task_type", judge=judge_errors)
def _send_update_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    other = other_task(case)
    with endpoint(ctx, rule_id, case):
        path = f"/_inference/{other}/{case.inference_id}/_update"
        return (Exchange(ctx.request("PUT", path, body={"task_settings": {}})),)


#: ``_update`` bodies Elasticsearch reads as no field at all (``{}`` verified; an array or a scalar reads as an
#: empty map too, inferred from ``XContentHelper.convertToMap``)
_EMPTY_UPDATE_BODIES: tuple[Any, ...] = ({}, [], [{"task_settings": {}}], 7)


def judge_update_empty(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """An ``_update`` with no field gets the rule's error, without a secret."""
    expected_error(jc, rule_id, sent)
    secrets_absent(jc, rule_id, sent, list(case.secrets.values()))


@scenario("crud.update.empty_body", judge=judge_update_empty)
def _send_update_empty(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    needs_mock(ctx, case)
    body = draw(st.sampled_from(_EMPTY_UPDATE_BODIES))
    with endpoint(ctx, rule_id, case):
        return ctx.request("PUT", f"{case.path}/_update", body=body)


def judge_delete_referenced(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]
) -> None:
    """DELETE of an endpoint an index uses gets the rule's error; the endpoint is still there."""
    delete, get = sent
    expected_error(jc, rule_id, delete, detail="")
    single_endpoint(jc, rule_id, get)


@scenario("crud.delete.referenced", judge=judge_delete_referenced)
def _send_delete_referenced(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Response, Response]:
    with semantic_index(ctx, rule_id, case):
        delete = ctx.request("DELETE", f"/_inference/{case.inference_id}")
        return delete, get_endpoint(ctx, case)
