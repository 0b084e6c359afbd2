"""``validation_call.*``: a PUT whose validation call fails or returns other dimensions."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from harness.checks.registry import JudgeContext, NotApplicable
from harness.checks.responses import expected_error, secrets_absent, status_is
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import forget_created
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    needs_mock,
    scenario,
)
from harness.target import Response

__all__ = ["judge_dims_mismatch", "judge_validation_failed"]


def judge_validation_failed(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[tuple[int, Response, Response], ...]
) -> None:
    """Each ``(upstream status, PUT, GET after it)``: the PUT failed with the upstream failure as its
    ``caused_by`` and no secret, and created nothing."""
    for code, put, get in sent:
        expected_error(jc, rule_id, put)
        err = (put.json or {}).get("error") or {}
        if "caused_by" not in err:
            raise Failure(
                rule_id,
                f"the upstream failure ({code}) must be the caused_by",
                expected="error.caused_by",
                seen=put.text[:300],
                response=put,
            )
        secrets_absent(jc, rule_id, put, list(case.secrets.values()))
        status_is(jc, rule_id, get, 404, "GET after a failed PUT")


@scenario("validation_call.failed", judge=judge_validation_failed)
def _send_validation_failed(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[tuple[int, Response, Response], ...]:
    needs_mock(ctx, case)
    sent = []
    for code in (400, 401, 404):  # every one, in every example
        with ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
            put = ctx.request("PUT", case.path, body=case.body)
        try:
            sent.append((code, put, ctx.request("GET", f"/_inference/{case.inference_id}")))
        finally:
            forget_created(ctx, put, case)
    return tuple(sent)


def judge_dims_mismatch(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The PUT fails: the validation call's vectors are one longer than the dimensions set."""
    dims = case.settings["dimensions"]
    expected_error(jc, rule_id, sent, actual=dims + 1, expected=dims, inference_id=case.inference_id)


@scenario("validation_call.dimensions_mismatch", judge=judge_dims_mismatch)
def _send_dims_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    if case.service == "amazonbedrock":
        raise NotApplicable("Bedrock does not accept dimensions in a PUT")
    needs_mock(ctx, case)
    dims = draw(st.integers(2, 16))
    case.body["service_settings"]["dimensions"] = dims
    body = {
        "object": "list",
        "model": "m",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
        "data": [{"object": "embedding", "index": 0, "embedding": [0.125] * (dims + 1)}],
    }
    fault = {
        "kind": "http_error",
        "status": 200,
        "body": json.dumps(body),
        "key": case.key,
        "headers": {"Content-Type": "application/json"},
    }
    with ctx.fault(case.service, fault):
        resp = ctx.request("PUT", case.path, body=case.body)
    forget_created(ctx, resp, case)
    return resp
