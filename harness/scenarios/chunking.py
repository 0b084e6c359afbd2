"""``chunking.*``: the default chunking settings, ``none``'s extra keys, and the invalid chunking settings
(:mod:`harness.scenarios.invalid_put`)."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.checks.registry import JudgeContext
from harness.checks.responses import (
    single_endpoint,
    status_is,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import get_endpoint, send_put_get
from harness.scenarios.context import CheckContext
from harness.scenarios.invalid_put import register_invalid_puts
from harness.scenarios.sending import (
    Draw,
    forget,
    needs_mock,
    scenario,
)
from harness.target import Response

__all__ = ["judge_chunk_default", "judge_none_extra_keys"]


def judge_chunk_default(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """PUT and GET show the version's default chunking settings."""
    want = dict(jc.profile.chunking_default)
    put, get = sent
    for where, cfg in (("PUT", put.json), ("GET", single_endpoint(jc, rule_id, get))):
        got = cfg.get("chunking_settings") if isinstance(cfg, dict) else None
        if got != want:
            raise Failure(rule_id, f"default chunking_settings in {where}", expected=want, seen=got, response=get)


@scenario("chunking.default", judge=judge_chunk_default)
def _send_chunk_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    case.body.pop("chunking_settings", None)
    return send_put_get(ctx, rule_id, case, draw)


def judge_none_extra_keys(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """A PUT of strategy none with other chunking keys is accepted, and PUT and GET show ``{strategy: none}``."""
    put, get = sent
    status_is(jc, rule_id, put, 200, "a PUT of chunking strategy none with other keys")
    want = {"strategy": "none"}
    for where, cfg in (("PUT", put.json), ("GET", single_endpoint(jc, rule_id, get))):
        got = cfg.get("chunking_settings") if isinstance(cfg, dict) else None
        if got != want:
            raise Failure(
                rule_id, f"chunking_settings of strategy none in {where}", expected=want, seen=got, response=get
            )


@scenario("chunking.none.extra_keys_ignored", judge=judge_none_extra_keys)
def _send_none_extra_keys(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    size = draw(st.integers(10, 300))
    extra = draw(st.sampled_from(({"max_chunk_size": size}, {"max_chunk_size": size, "overlap": 1}, {"foo": "bar"})))
    case.body["chunking_settings"] = {"strategy": "none", **extra}
    needs_mock(ctx, case)
    try:  # not endpoint(): a refusal is this rule's failure, judged with the PUT's answer
        return ctx.request("PUT", case.path, body=case.body), get_endpoint(ctx, case)
    finally:
        forget(ctx, case.inference_id)


register_invalid_puts("chunking")
