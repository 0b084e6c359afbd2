"""``envelope.*``: the error envelope of refused requests, and the filtered configuration PUT and GET answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.checks.registry import JudgeContext
from harness.checks.responses import (
    about,
    error_envelope,
    filtered_config,
    single_endpoint,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import send_put_get
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    scenario,
)
from harness.target import Response

__all__ = ["judge_envelope", "judge_filtered"]


def judge_envelope(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """Every invalid request is refused with the Elasticsearch error envelope (judged in order once all were
    sent; a failure is about the request that broke it, so the evidence and the replay end with that one)."""
    for resp in sent:
        with about(resp):
            if resp.status < 400:
                raise Failure(rule_id, "an invalid request was accepted", expected=">= 400", seen=resp.status)
            error_envelope(jc, rule_id, resp)


@scenario("envelope.error", judge=judge_envelope)
def _send_envelope(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    missing = case.inference_id + "-missing"
    bad = dict(case.body, service="nonexistent_service")
    return (
        ctx.request("GET", f"/_inference/{missing}"),
        ctx.request("DELETE", f"/_inference/{missing}"),
        ctx.request("POST", f"/_inference/{missing}", body={"input": "x"}),
        ctx.request("PUT", case.path, body=bad),
    )


def judge_filtered(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """The PUT response and the GET are the filtered view of what was sent, and the same."""
    put, get = sent
    kw: dict[str, Any] = {
        "inference_id": case.inference_id,
        "task_type": case.task_type,
        "service": case.service,
        "sent": case.body,
    }
    with about(put):  # judged before the GET is sent
        filtered_config(jc, rule_id, put.json, **kw)
    item = single_endpoint(jc, rule_id, get)
    filtered_config(jc, rule_id, item, **kw)
    if item != put.json:
        raise Failure(rule_id, "GET differs from the PUT response", expected=put.json, seen=item, response=get)


scenario("envelope.filtered_config", judge=judge_filtered)(send_put_get)
