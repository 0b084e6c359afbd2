"""The scenario of every rule an invalid endpoint configuration breaks (the mutations of
:mod:`harness.gen.mutations`): each family's module registers its rules with :func:`register_invalid_puts`."""

from __future__ import annotations

from harness.checks.registry import NotApplicable
from harness.gen.cases import EndpointCase
from harness.gen.mutations import MUTATIONS, variants
from harness.scenarios.common import refused_before_upstream
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    Steps,
    calls_for,
    scenario,
)

__all__ = ["judge_put_invalid", "register_invalid_puts"]


#: Each invalid PUT got the rule's error, and none reached the upstream.
judge_put_invalid = refused_before_upstream("an invalid configuration")


def _send_put_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    """PUT configurations breaking exactly ``rule_id``: every fixed variant of the rule (each unsupported task
    type, each bound's first invalid value…) then one drawn variant (one created by mistake is deleted)."""
    plan = variants(rule_id, case, ctx.profile)
    if plan is None:
        raise NotApplicable(f"{rule_id} cannot be broken for {case.service} {case.task_type}")
    sent = []
    for invalid in (*plan.fixed, *([draw(plan.extra)] if plan.extra is not None else [])):
        resp = ctx.request(invalid.method, invalid.path, body=invalid.body)
        sent.append(Exchange(resp, params=invalid.params))
        if resp.status == 200:
            ctx.target.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})
    calls = tuple(calls_for(ctx, case)) if case.service in ctx.mocks else None
    return Steps(tuple(sent), calls)


def register_invalid_puts(family: str) -> None:
    """Register the invalid-PUT scenario for every rule of ``family`` that :data:`MUTATIONS` can break."""
    for rule_id in MUTATIONS:
        if rule_id.split(".", 1)[0] == family:
            scenario(rule_id, judge=judge_put_invalid)(_send_put_invalid)
