"""``check.*``: the harness's own checks of a working endpoint (validation call, upstream request, embeddings
oracle, SSE framing, CRUD consistency, no upstream call on reads, chunk bounds)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.checks.registry import JudgeContext, NotApplicable
from harness.checks.responses import (
    about,
    single_endpoint,
    status_is,
)
from harness.checks.sse import sse_events
from harness.checks.upstream import embeddings_match, request_matches, texts_sent, validation_call, word_count
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.gen.strategies import chunk_text
from harness.scenarios.common import get_endpoint, semantic_index
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import (
    Draw,
    Exchange,
    calls_for,
    endpoint,
    infer,
    needs_mock,
    put_ok,
    scenario,
    sent_with_calls,
    stream,
)
from harness.target import Response
from mocks.core.journal import Call

__all__ = [
    "judge_chunk_bounds",
    "judge_consistency",
    "judge_no_upstream",
    "judge_oracle",
    "judge_sse",
    "judge_upstream_request",
    "judge_validation",
]


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
    with semantic_index(ctx, rule_id, case) as (index, before):
        text = draw(chunk_text(words=max(_chunking(ctx, case)[1], 20) * 3))
        resp = ctx.request("PUT", f"/{index}/_doc/1", body={"content": text})
        return Exchange(resp, tuple(calls_for(ctx, case)[before:]))


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
        get = get_endpoint(ctx, case)
        paths = ("/_inference/_all", f"/_inference/{case.task_type}/_all")
        listings = tuple((path, ctx.request("GET", path)) for path in paths)
    finally:
        delete = ctx.request("DELETE", f"/_inference/{case.inference_id}")
    return _Lifecycle(put, get, listings, delete, get_endpoint(ctx, case), ctx.request("GET", "/_inference/_all"))


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
    get_endpoint(ctx, case)
    ctx.request("GET", "/_inference/_all")
    ctx.request("GET", f"/_inference/{case.task_type}/_all")
    ctx.request("DELETE", f"/_inference/{case.inference_id}")
    return before, tuple(calls_for(ctx, case))


def judge_sse(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """A 200 ``text/event-stream`` of ``message`` events with the task's JSON, ending with ``data: [DONE]``."""
    with about(sent):
        _judge_sse(jc, rule_id, case, sent)


def _judge_sse(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    status_is(jc, rule_id, sent, 200, "_stream")
    ctype = sent.header("content-type") or ""
    if not ctype.startswith("text/event-stream"):
        raise Failure(rule_id, "content type", expected="text/event-stream", seen=ctype)
    events = sse_events(rule_id, sent.body, bom=jc.profile.sse_bom)
    if not events or events[-1][1].strip() != "[DONE]":
        raise Failure(
            rule_id,
            "stream must end with data: [DONE]",
            expected="[DONE]",
            seen=events[-1][1][:100] if events else "no events",
        )
    for event, data in events[:-1]:
        if event not in (None, "message"):
            raise Failure(rule_id, "unexpected event type in a successful stream", expected="message", seen=event)
        try:
            doc = json.loads(data)
        except ValueError:
            raise Failure(rule_id, "data is not JSON", expected="a JSON object", seen=data[:200]) from None
        if case.task_type == "completion" and not (isinstance(doc, dict) and isinstance(doc.get("completion"), list)):
            raise Failure(rule_id, "completion event shape", expected={"completion": [{"delta": "…"}]}, seen=doc)
        if case.task_type == "chat_completion" and not (isinstance(doc, dict) and "choices" in doc):
            raise Failure(rule_id, "chat_completion event shape", expected="chat.completion.chunk", seen=doc)


@scenario("check.sse_framing", judge=judge_sse)
def _send_stream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    if not ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} does not stream {case.task_type}")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return stream(ctx, case)


def judge_validation(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Call, ...]) -> None:
    """The PUT made exactly one validation call, the right one."""
    validation_call(jc, rule_id, case, sent)


@scenario("check.validation_call", judge=judge_validation)
def _send_put(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Call, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return tuple(calls_for(ctx, case))


def judge_upstream_request(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The inference succeeded, and its upstream calls carry the configured request."""
    with about(sent.response):
        _judge_upstream_request(jc, rule_id, case, sent)


def _judge_upstream_request(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    status_is(jc, rule_id, sent.response, 200, "inference")
    request_matches(jc, rule_id, case, sent.calls, case.inputs, stream=case.task_type == "chat_completion")


@scenario("check.upstream_request", judge=judge_upstream_request)
def _send_inference(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return sent_with_calls(ctx, case, lambda: infer(ctx, case))


def judge_oracle(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The inference returned the vectors of the mock seeded ``sent.params["seed"]`` for the inputs, in order."""
    with about(sent.response):
        _judge_oracle(jc, rule_id, case, sent)


def _judge_oracle(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    status_is(jc, rule_id, sent.response, 200, "inference")
    embeddings_match(jc, rule_id, case, sent.calls, case.inputs, sent.response.json, seed=sent.params["seed"])


@scenario("check.embeddings_oracle", judge=judge_oracle)
def _send_embedding(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    if case.task_type != "text_embedding":
        raise NotApplicable("only text_embedding returns vectors")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return sent_with_calls(ctx, case, lambda: infer(ctx, case), seed=ctx.mocks[case.service].seed)
