"""``secrets.*``: no secret in any response, ``dimensions_set_by_user`` hidden, and the invalid secret settings
(:mod:`harness.scenarios.invalid_put`)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.checks.registry import JudgeContext
from harness.checks.responses import (
    about,
    secrets_absent,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import get_endpoint, send_put_get
from harness.scenarios.context import CheckContext
from harness.scenarios.invalid_put import register_invalid_puts
from harness.scenarios.sending import (
    Draw,
    endpoint,
    infer,
    inference_body,
    needs_mock,
    scenario,
)
from harness.target import Response

__all__ = ["judge_dims_hidden", "judge_secrets"]


def judge_secrets(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """No response carries a canary secret or a secret field (judged once all were sent: the evidence is all of
    them, the failure names the response)."""
    with about(sent[-1]):
        for resp in sent:
            secrets_absent(jc, rule_id, resp, list(case.secrets.values()))


@scenario("secrets.never_returned", judge=judge_secrets)
def _send_secrets(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    """PUT, GET, both listings, an inference, a duplicate PUT (an error) and an upstream 401 (OpenAI, Azure)."""
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case) as put:
        responses = [put]
        responses.append(get_endpoint(ctx, case))
        responses.append(ctx.request("GET", "/_inference/_all"))
        responses.append(ctx.request("GET", f"/_inference/{case.task_type}/_all"))
        responses.append(infer(ctx, case))
        responses.append(ctx.request("PUT", case.path, body=case.body))  # duplicate: an error
        if case.service in ("openai", "azureopenai") and case.task_type != "chat_completion":
            with ctx.fault(case.service, {"kind": "http_error", "status": 401, "key": case.key}):
                responses.append(ctx.request("POST", case.path, body=inference_body(case)))
    return tuple(responses)


def judge_dims_hidden(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """Neither the PUT response nor the GET renders ``dimensions_set_by_user`` (judged once both were sent)."""
    for resp in sent:
        if "dimensions_set_by_user" in resp.text:
            raise Failure(
                rule_id, "dimensions_set_by_user rendered", expected="absent", seen=resp.text[:300], response=sent[-1]
            )


scenario("secrets.dimensions_set_by_user_hidden", judge=judge_dims_hidden)(send_put_get)


register_invalid_puts("secrets")
