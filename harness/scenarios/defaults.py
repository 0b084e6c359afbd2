"""``defaults.*``: the rate limit, similarity and dimensions a PUT response and GET show by default."""

from __future__ import annotations

from harness.checks.registry import JudgeContext
from harness.checks.responses import (
    single_endpoint,
    status_is,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import get_endpoint, send_put_get
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    endpoint,
    inference_body,
    needs_mock,
    scenario,
)
from harness.target import Response

__all__ = ["judge_dims_default", "judge_rate_default", "judge_similarity_default"]


def _without(case: EndpointCase, *keys: str) -> EndpointCase:
    case.body["service_settings"] = {k: v for k, v in case.settings.items() if k not in keys}
    return case


def judge_rate_default(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """PUT and GET show the version's default rate limit of the service and task type."""
    want = {"requests_per_minute": jc.profile.rate_limit_default(case.service, case.task_type)}
    put, get = sent
    for where, cfg in (("PUT", put.json), ("GET", single_endpoint(jc, rule_id, get))):
        got = (cfg.get("service_settings") or {}).get("rate_limit") if isinstance(cfg, dict) else None
        if got != want:
            raise Failure(rule_id, f"default rate_limit in {where}", expected=want, seen=got, response=get)


@scenario("defaults.rate_limit", judge=judge_rate_default)
def _send_rate_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    return send_put_get(ctx, rule_id, _without(case, "rate_limit"), draw)


def judge_similarity_default(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """GET shows the service's default similarity."""
    want = jc.profile.similarity_default(case.service, case.settings.get("provider"))
    got = single_endpoint(jc, rule_id, sent).get("service_settings", {}).get("similarity")
    if got != want:
        raise Failure(rule_id, "default similarity", expected=want, seen=got, response=sent)


@scenario("defaults.similarity", judge=judge_similarity_default)
def _send_similarity_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    needs_mock(ctx, case)
    _without(case, "similarity")
    with endpoint(ctx, rule_id, case):
        return get_endpoint(ctx, case)


def judge_dims_default(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """The dimensions GET shows are the length of the vectors an inference returns."""
    get, resp = sent
    got = single_endpoint(jc, rule_id, get).get("service_settings", {}).get("dimensions")
    status_is(jc, rule_id, resp, 200, "inference")
    vec = ((resp.json or {}).get("text_embedding") or [{}])[0].get("embedding") or []
    if got != len(vec):
        raise Failure(
            rule_id, "dimensions = length of the upstream's vectors", expected=len(vec), seen=got, response=resp
        )


@scenario("defaults.dimensions", judge=judge_dims_default)
def _send_dims_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    needs_mock(ctx, case)
    _without(case, "dimensions")
    with endpoint(ctx, rule_id, case):
        get = get_endpoint(ctx, case)
        return get, ctx.request("POST", case.path, body=inference_body(case, case.inputs[:1]))
