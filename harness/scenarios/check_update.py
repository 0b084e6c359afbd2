"""``check.update*``: a valid ``_update`` and the invalid ones, each breaking one rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contract import java_hash_order
from harness.checks.registry import JudgeContext, NotApplicable, Oracle
from harness.checks.responses import about, expected_error, filtered_config, secrets_absent, single_endpoint, status_is
from harness.checks.upstream import request_matches
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.gen.strategies import aws_access_key, aws_secret_key, entra_token, faker_text, openai_key
from harness.scenarios.common import other_task
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import Draw, Exchange, calls_for, endpoint, infer, needs_mock, scenario
from harness.target import Response
from mocks.core.journal import Call

__all__ = ["judge_update", "judge_update_invalid", "update_body"]


def _new_secrets(case: EndpointCase) -> st.SearchStrategy[dict[str, str]]:
    """Fresh canaries of the same kind as the case's (``U`` + the case's token appended: unique per case)."""
    if case.service == "amazonbedrock":
        return st.fixed_dictionaries({"access_key": aws_access_key(), "secret_key": aws_secret_key()})
    if "entra_id" in case.secrets:
        return st.fixed_dictionaries({"entra_id": entra_token()})
    if case.service == "azureopenai":
        return openai_key().map(lambda k: {"api_key": k.replace("sk-canary-", "azcanary")})
    return st.fixed_dictionaries({"api_key": openai_key()})


def _new_task_settings(case: EndpointCase) -> st.SearchStrategy[dict[str, Any]]:
    if case.service in ("openai", "azureopenai") and case.task_type != "chat_completion":
        return st.fixed_dictionaries({}, optional={"user": faker_text("user_name").map(lambda u: u + "-upd")})
    if case.service == "amazonbedrock" and case.task_type == "completion":
        unit = st.floats(0.0, 1.0, allow_nan=False).map(lambda f: round(f, 2))
        return st.fixed_dictionaries({}, optional={"temperature": unit, "max_new_tokens": st.integers(1, 256)})
    return st.just({})


def update_body(case: EndpointCase) -> st.SearchStrategy[dict[str, Any]]:
    """A valid ``_update`` body for ``case``: new secrets, and optionally new task settings.

    No ``rate_limit``: Elasticsearch ignores it on an ``_update`` unless the service updates its service
    settings (``update_service_settings_services``, from 9.5 for OpenAI, not dated for Azure)."""

    def build(t: tuple[dict[str, str], dict[str, Any]]) -> dict[str, Any]:
        secrets, task = t
        token = case.inference_id.rsplit("-", 1)[-1].upper() + "U"
        body: dict[str, Any] = {"service_settings": {k: v + token for k, v in secrets.items()}}
        if task:
            body["task_settings"] = task
        return body

    return st.tuples(_new_secrets(case), _new_task_settings(case)).map(build)


def _merged(case: EndpointCase, body: dict[str, Any]) -> EndpointCase:
    """The endpoint the ``_update`` must leave: secrets replaced, rate limit set, task settings merged."""
    out = case.copy()
    settings = {k: v for k, v in out.settings.items() if k not in ("api_key", "entra_id", "access_key", "secret_key")}
    out.body["service_settings"] = {**settings, **body.get("service_settings", {})}
    task = {**out.task_settings, **body.get("task_settings", {})}
    if task:
        out.body["task_settings"] = task
    return out


@dataclass(frozen=True)
class _Updated:
    """A valid ``_update`` (``body``), the GET after it (twice: as sent, and as one endpoint), the next
    inference (with the new key) and the upstream calls since, with the old key and with the new one."""

    body: dict[str, Any]
    update: Response
    get: Response
    get_item: Response
    answer: Response
    old_calls: tuple[Call, ...]
    new_calls: tuple[Call, ...]


def judge_update(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Updated) -> None:
    """The ``_update`` answers the filtered merged endpoint without a secret, GET shows the same, and the next
    inference reaches the upstream with the new key (never the old one) and the new task settings."""
    after = _merged(case, sent.body)
    secrets = [*case.secrets.values(), *after.secrets.values()]
    status_is(jc, rule_id, sent.update, 200, "a valid _update")
    secrets_absent(jc, rule_id, sent.update, secrets)
    kw = {"inference_id": case.inference_id, "task_type": case.task_type, "service": case.service}
    with about(sent.update):
        filtered_config(jc, rule_id, sent.update.json, sent=after.body, **kw)
    secrets_absent(jc, rule_id, sent.get, secrets)
    item = single_endpoint(jc, rule_id, sent.get_item)
    if item != sent.update.json:
        raise Failure(
            rule_id,
            "GET after _update differs from the _update response",
            expected=sent.update.json,
            seen=item,
            response=sent.get_item,
        )
    status_is(jc, rule_id, sent.answer, 200, "inference after _update")
    secrets_absent(jc, rule_id, sent.answer, secrets)
    if sent.old_calls:
        raise Failure(
            rule_id,
            "the upstream was called with the key replaced by _update",
            expected=f"calls with {after.key} only",
            seen=[c.summary() for c in sent.old_calls],
            response=sent.answer,
        )
    if case.service == "amazonbedrock":
        if not sent.new_calls:
            raise Failure(
                rule_id,
                "no upstream call with the key set by _update",
                expected=after.key,
                seen=[],
                response=sent.answer,
            )
        return
    with about(sent.answer):
        request_matches(jc, rule_id, after, sent.new_calls, after.inputs, stream=case.task_type == "chat_completion")


@scenario("check.update", judge=judge_update)
def _send_update(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Updated:
    needs_mock(ctx, case)
    body = draw(update_body(case))
    after = _merged(case, body)
    ctx.plant(*after.secrets.values())
    get_path = f"/_inference/{case.inference_id}"
    with endpoint(ctx, rule_id, case):
        update = ctx.request("PUT", f"{case.path}/_update", body=body)
        get, get_item = ctx.request("GET", get_path), ctx.request("GET", get_path)
        old_before, new_before = len(calls_for(ctx, case)), len(calls_for(ctx, after))
        answer = infer(ctx, after)
        old_calls, new_calls = calls_for(ctx, case)[old_before:], calls_for(ctx, after)[new_before:]
        return _Updated(body, update, get, get_item, answer, tuple(old_calls), tuple(new_calls))


def _invalid_updates(ctx: Oracle, case: EndpointCase) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``(rule_id, _update body, params)`` breaking exactly one rule each, for this service and version.

    Elasticsearch reads an ``_update`` loosely (``TransportUpdateInferenceModelAction``): unknown keys inside
    ``service_settings`` and ``task_settings`` are ignored, so only what it refuses is sent (a top-level key it
    cannot update has its own scenario): a body task type of ``any`` or one that contradicts the URL, and a
    ``service_settings`` map without the service's secrets (read by ``newSecretSettings``; to 9.4, whose scope is
    ``[secret_settings]``)."""
    other = other_task(case, exclude_chat=False)
    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("task_type.any_in_body", {"task_type": "any", "task_settings": {}}, {}),
        (
            "task_type.conflict",
            {"task_type": other, "task_settings": {}},
            {"url_task_type": case.task_type, "body_task_type": other},
        ),
    ]
    if ctx.profile.version in _SECRET_SCOPE_READ:
        if case.service == "openai":
            out.append(
                (
                    "settings.required",
                    {"service_settings": {"rate_limit": {"requests_per_minute": 10}}},
                    {"scope": "secret_settings", "field": "api_key"},
                )
            )
        if case.service == "azureopenai":
            out.append(("secrets.azure.neither", {"service_settings": {"rate_limit": {"requests_per_minute": 10}}}, {}))
    if case.service == "azureopenai":
        both = {"api_key": "azcanaryboth" + case.inference_id[-8:], "entra_id": "eyJcanary.both.entra"}
        out.append(("secrets.azure.both", {"service_settings": both}, {"received": ", ".join(java_hash_order(both))}))
    return [o for o in out if ctx.rules.get(o[0]).applies(ctx.profile, case.service, case.task_type)]


#: release lines whose secret settings were read naming the ``[secret_settings]`` scope on ``newSecretSettings``
#: (the newest source names ``[service_settings]``: PR #149628 / #154418, not dated to a line)
_SECRET_SCOPE_READ = ("8.18", "8.19", "9.0", "9.1", "9.2", "9.3", "9.4")


@dataclass(frozen=True)
class _Refused:
    """The PUT creating the endpoint, each invalid ``_update`` with the rule it breaks, the GET after them and
    the upstream calls they caused."""

    put: Response
    updates: tuple[tuple[str, Exchange], ...]
    get: Response
    calls: tuple[Call, ...]


def judge_update_invalid(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Refused) -> None:
    """Each invalid ``_update`` gets its rule's error without a secret; the endpoint is unchanged and nothing
    reached the upstream."""
    for broken_rule, exchange in sent.updates:
        expected_error(jc, broken_rule, exchange.response, **exchange.params)
        secrets_absent(jc, rule_id, exchange.response, list(case.secrets.values()))
    item = single_endpoint(jc, rule_id, sent.get)
    if item != sent.put.json:
        raise Failure(
            rule_id, "a refused _update changed the endpoint", expected=sent.put.json, seen=item, response=sent.get
        )
    if sent.calls:
        raise Failure(
            rule_id, "a refused _update reached the upstream", expected=[], seen=[c.summary() for c in sent.calls]
        )


@scenario("check.update_invalid", judge=judge_update_invalid)
def _send_update_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Refused:
    needs_mock(ctx, case)
    plan = _invalid_updates(ctx, case)
    if not plan:
        raise NotApplicable(f"no one-rule-broken _update for {case.service} {case.task_type}")
    with endpoint(ctx, rule_id, case) as put:
        before = len(calls_for(ctx, case))
        updates = tuple(
            (broken_rule, Exchange(ctx.request("PUT", f"{case.path}/_update", body=body), params=params))
            for broken_rule, body, params in plan
        )
        get = ctx.request("GET", f"/_inference/{case.inference_id}")
        return _Refused(put, updates, get, tuple(calls_for(ctx, case)[before:]))
