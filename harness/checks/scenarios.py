"""Scenarios of the endpoint rules: invalid PUTs, secrets and the filtered config, defaults, CRUD.

``SCENARIOS[rule_id](ctx, rule_id, case, draw)`` gets a fresh valid :class:`EndpointCase` (unique id and
canaries) and ``draw`` (draws from a hypothesis strategy). Each scenario is a sending step (``_send_*``: the
requests, returning plain data, deleting what it created) and a pure judge (``judge_*``) registered together
with :func:`~harness.checks.sending.scenario`; see :mod:`harness.checks.sending`. Rules that are one-field
mutations of a valid PUT share :func:`judge_put_invalid`, whose sending step tries every fixed variant of the
rule in every example. The inference, streaming and upstream rules are in :mod:`harness.checks.scenarios_inference`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contract import java_str
from harness.checks.registry import CheckContext, JudgeContext, NotApplicable, NotChecked
from harness.checks.responses import (
    about,
    error_envelope,
    expected_error,
    filtered_config,
    secrets_absent,
    single_endpoint,
    status_is,
)
from harness.checks.sending import (
    SCENARIOS,
    Draw,
    Exchange,
    Judge,
    Steps,
    calls_for,
    endpoint,
    forget,
    infer,
    inference_body,
    needs_mock,
    put_ok,
    scenario,
)
from harness.checks.upstream import texts_sent, word_count
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.gen.mutations import MUTATIONS, variants
from harness.gen.strategies import chunk_text
from harness.target import Response
from mocks.core.journal import Call

__all__ = [
    "Draw",
    "SCENARIOS",
    "judge_chunk_bounds",
    "judge_chunk_default",
    "judge_consistency",
    "judge_crud_mismatch",
    "judge_delete_referenced",
    "judge_dims_default",
    "judge_dims_hidden",
    "judge_envelope",
    "judge_errors",
    "judge_filtered",
    "judge_no_upstream",
    "judge_put_invalid",
    "judge_rate_default",
    "judge_secrets",
    "judge_similarity_default",
    "judge_update_empty",
    "other_task",
    "refused_before_upstream",
]

_TASKS = ("text_embedding", "completion", "chat_completion")


# ------------------------------------------------------------------------------------------------ helpers
def judge_errors(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """Each exchange is the rule's error (rendered with the exchange's parameters), in the order sent."""
    for exchange in sent:
        expected_error(jc, rule_id, exchange.response, **exchange.params)


def other_task(case: EndpointCase, *, exclude_chat: bool = False) -> str:
    """A task type other than the case's (the first one, for the same run on every target)."""
    options = [t for t in _TASKS if t != case.task_type and not (exclude_chat and t == "chat_completion")]
    return options[0]


def _get(ctx: CheckContext, case: EndpointCase) -> Response:
    return ctx.request("GET", f"/_inference/{case.inference_id}")


def _without(case: EndpointCase, *keys: str) -> EndpointCase:
    case.body["service_settings"] = {k: v for k, v in case.settings.items() if k not in keys}
    return case


def refused_before_upstream(what: str) -> Judge[Steps]:
    """A judge: each exchange is the rule's error, and none of ``what`` (the requests, as a failure names them)
    reached the upstream (when the sending step could read the calls)."""

    def judge(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Steps) -> None:
        judge_errors(jc, rule_id, case, sent.exchanges)
        if sent.calls:
            raise Failure(rule_id, f"{what} reached the upstream", expected=[], seen=[c.summary() for c in sent.calls])

    return judge


# ------------------------------------------------------------------------------------------------ invalid PUTs
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


for _rid in MUTATIONS:
    scenario(_rid, judge=judge_put_invalid)(_send_put_invalid)


# ------------------------------------------------------------------------------------------------ invariants
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
        responses.append(_get(ctx, case))
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


def _send_put_get(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case) as put:
        return put, _get(ctx, case)


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


scenario("secrets.dimensions_set_by_user_hidden", judge=judge_dims_hidden)(_send_put_get)
scenario("envelope.filtered_config", judge=judge_filtered)(_send_put_get)


# ------------------------------------------------------------------------------------------------ defaults
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
    return _send_put_get(ctx, rule_id, _without(case, "rate_limit"), draw)


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
        return _get(ctx, case)


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
        get = _get(ctx, case)
        return get, ctx.request("POST", case.path, body=inference_body(case, case.inputs[:1]))


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
    return _send_put_get(ctx, rule_id, case, draw)


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
        return ctx.request("PUT", case.path, body=case.body), _get(ctx, case)
    finally:
        forget(ctx, case.inference_id)


# ------------------------------------------------------------------------------------------------ crud
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
        return Steps((*sent, Exchange(_get(ctx, case))))


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


# ------------------------------------------------------------------------------------------------ semantic_text
@contextlib.contextmanager
def _semantic_index(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Iterator[tuple[str, int]]:
    """The case's endpoint and a semantic_text index bound to it (NotChecked without an index API; a refused
    index is a precondition failure); yields the index name and how many upstream calls the case's key had
    made before the index was created; deletes both afterwards."""
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    needs_mock(ctx, case)
    index = f"h-idx-{case.inference_id}"[:200]
    mapping = {"mappings": {"properties": {"content": {"type": "semantic_text", "inference_id": case.inference_id}}}}
    with endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        resp = ctx.request("PUT", f"/{index}", body=mapping)
        if resp.status in (404, 405, 501) or (resp.status >= 400 and "semantic_text" not in resp.text):
            raise NotChecked(f"the target has no index API for semantic_text (PUT /{index} -> {resp.status})")
        try:
            status_is(ctx, rule_id, resp, 200, "create a semantic_text index")  # precondition
            yield index, before
        finally:
            ctx.target.request("DELETE", f"/{index}")


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
    with _semantic_index(ctx, rule_id, case):
        delete = ctx.request("DELETE", f"/_inference/{case.inference_id}")
        return delete, _get(ctx, case)


def _chunking(jc: JudgeContext | CheckContext, case: EndpointCase) -> tuple[dict[str, Any], int]:
    chunking = case.body.get("chunking_settings") or dict(jc.profile.chunking_default)
    return chunking, int(chunking.get("max_chunk_size") or 0)


def judge_chunk_bounds(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The document was indexed, and every chunk sent upstream has at most ``max_chunk_size`` words."""
    with about(sent.response):
        _judge_chunks(jc, rule_id, case, sent)


def _judge_chunks(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    if sent.response.status not in (200, 201):
        raise Failure(rule_id, "indexing into semantic_text failed", expected="200/201", seen=sent.response.text[:300])
    chunks = texts_sent(case, sent.calls)
    if not chunks:
        raise Failure(rule_id, "no chunk reached the upstream", expected=">= 1 chunk", seen=[])
    chunking, size = _chunking(jc, case)
    if chunking.get("strategy") in ("word", "sentence") and size:
        over = [c for c in chunks if word_count(c) > size]
        if over:
            raise Failure(
                rule_id,
                f"chunk longer than max_chunk_size={size} words",
                expected=f"<= {size} words",
                seen=f"{word_count(over[0])} words: {over[0][:120]}...",
            )


@scenario("check.chunk_bounds", judge=judge_chunk_bounds)
def _send_chunk_bounds(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    """Index a document long enough for several chunks; keep the upstream calls since the index was created."""
    with _semantic_index(ctx, rule_id, case) as (index, before):
        text = draw(chunk_text(words=max(_chunking(ctx, case)[1], 20) * 3))
        resp = ctx.request("PUT", f"/{index}/_doc/1", body={"content": text})
        return Exchange(resp, tuple(calls_for(ctx, case)[before:]))


# ------------------------------------------------------------------------------------------------ lifecycle
@dataclass(frozen=True)
class _Lifecycle:
    """PUT, GET, both listings, DELETE, then GET and the listing again."""

    put: Response
    get: Response
    listings: tuple[tuple[str, Response], ...]
    delete: Response
    get_after: Response
    listing_after: Response


def _listed(jc: JudgeContext, resp: Response, inference_id: str) -> list[Any]:
    listing = (resp.json or {}).get(jc.profile.get_list_key) or []
    return [e for e in listing if isinstance(e, dict) and e.get("inference_id") == inference_id]


def judge_consistency(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Lifecycle) -> None:
    """GET and both listings show the endpoint once, as created; DELETE acknowledges; then it is gone."""
    with about(sent.delete):  # the DELETE is sent (cleanup) before a failure there ends the scenario
        item = single_endpoint(jc, rule_id, sent.get)
        if item != sent.put.json:
            raise Failure(rule_id, "GET differs from PUT", expected=sent.put.json, seen=item)
        for path, resp in sent.listings:
            mine = _listed(jc, resp, case.inference_id)
            if mine != [sent.put.json]:
                raise Failure(
                    rule_id, f"{path} must list the endpoint once, as created", expected=[sent.put.json], seen=mine
                )
    status_is(jc, rule_id, sent.delete, 200, "DELETE")
    if (sent.delete.json or {}).get("acknowledged") is not True:
        raise Failure(
            rule_id,
            "DELETE must acknowledge",
            expected={"acknowledged": True},
            seen=sent.delete.text[:200],
            response=sent.delete,
        )
    status_is(jc, rule_id, sent.get_after, 404, "GET after DELETE")
    if _listed(jc, sent.listing_after, case.inference_id):
        raise Failure(
            rule_id,
            "deleted endpoint still listed",
            expected="absent",
            seen=case.inference_id,
            response=sent.listing_after,
        )


@scenario("check.crud_consistency", judge=judge_consistency)
def _send_lifecycle(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Lifecycle:
    needs_mock(ctx, case)
    put = put_ok(ctx, rule_id, case)
    try:
        get = _get(ctx, case)
        paths = ("/_inference/_all", f"/_inference/{case.task_type}/_all")
        listings = tuple((path, ctx.request("GET", path)) for path in paths)
    finally:
        delete = ctx.request("DELETE", f"/_inference/{case.inference_id}")
    return _Lifecycle(put, get, listings, delete, _get(ctx, case), ctx.request("GET", "/_inference/_all"))


def judge_no_upstream(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[int, tuple[Call, ...]]) -> None:
    """The journal (``before`` calls, then all of them) grew by nothing over the GETs and the DELETE."""
    before, after = sent
    if len(after) != before:
        raise Failure(
            rule_id, "GET/DELETE called the upstream", expected=[], seen=[c.summary() for c in after[before:]]
        )


@scenario("check.no_upstream_on_read", judge=judge_no_upstream)
def _send_reads(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[int, tuple[Call, ...]]:
    needs_mock(ctx, case)
    put_ok(ctx, rule_id, case)
    before = len(calls_for(ctx, case))
    _get(ctx, case)
    ctx.request("GET", "/_inference/_all")
    ctx.request("GET", f"/_inference/{case.task_type}/_all")
    ctx.request("DELETE", f"/_inference/{case.inference_id}")
    return before, tuple(calls_for(ctx, case))
