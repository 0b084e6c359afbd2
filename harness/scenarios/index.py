"""``index.*``: the index API the semantic_text rules need (missing, existing and invalid indexes, semantic_text
fields bound to an endpoint)."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from harness.checks.registry import JudgeContext, NotApplicable, NotChecked
from harness.checks.responses import status_is
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.common import judge_errors, refused_before_upstream
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import Draw, Exchange, Steps, endpoint, exchange, needs_mock, scenario, steps_with_calls
from harness.target import Response

__all__ = ["judge_index_exists", "judge_index_not_found", "judge_semantic_value"]


_FIELD = "content"


def _index(case: EndpointCase, tag: str) -> str:
    return f"h-{tag}-{case.inference_id}".lower()[:200]


def _no_index_api(resp: Response) -> bool:
    body = resp.json
    envelope = isinstance(body, dict) and isinstance(body.get("error"), dict)
    return resp.status in (404, 405, 501) or (resp.status == 400 and not envelope)


def _mapping(inference_id: str) -> dict[str, Any]:
    return {"mappings": {"properties": {_FIELD: {"type": "semantic_text", "inference_id": inference_id}}}}


@contextlib.contextmanager
def _fresh_index(ctx: CheckContext, rule_id: str, name: str, body: Any = None) -> Iterator[Response]:
    """Create index ``name`` (NotChecked when the target has no index API); delete it afterwards.

    Yields the PUT response, which may be an error (a mapping the target refuses)."""
    resp = ctx.request("PUT", f"/{name}", body=body)
    if _no_index_api(resp):
        raise NotChecked(f"the target has no index API (PUT /{name} -> {resp.status})")
    try:
        yield resp
    finally:
        if resp.status == 200:
            with contextlib.suppress(Exception):
                ctx.target.request("DELETE", f"/{name}")


def judge_index_not_found(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Steps]) -> None:
    """The index was deleted; then it, and one never created, are missing for every request."""
    delete, steps = sent
    status_is(jc, rule_id, delete, 200, "DELETE of the index")
    judge_errors(jc, rule_id, case, steps.exchanges)


@scenario("index.not_found", judge=judge_index_not_found)
def _send_index_not_found(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Steps]:
    """A never-created index, and one created (bound to the endpoint when it can be a semantic_text one),
    given a document, then deleted: both are asked for with GET, DELETE and a document GET."""
    semantic = case.task_type == "text_embedding" and case.service in ctx.mocks
    deleted = _index(case, "deleted")
    with contextlib.ExitStack() as stack:
        if semantic:
            stack.enter_context(endpoint(ctx, rule_id, case))
        created = stack.enter_context(
            _fresh_index(ctx, rule_id, deleted, _mapping(case.inference_id) if semantic else None)
        )
        status_is(ctx, rule_id, created, 200, "create an index (precondition)")
        doc = ctx.request("PUT", f"/{deleted}/_doc/1", body={_FIELD: case.inputs[0]})
        if doc.status not in (200, 201):
            raise Failure(rule_id, "indexing a document failed (precondition)", expected="200/201", seen=doc.text[:300])
        delete = ctx.request("DELETE", f"/{deleted}")
        steps = Steps(
            tuple(
                Exchange(ctx.request(method, path), params={"index": missing})
                for missing in (_index(case, "missing"), deleted)
                for method, path in (("GET", f"/{missing}"), ("DELETE", f"/{missing}"), ("GET", f"/{missing}/_doc/1"))
            )
        )
    return delete, steps


def judge_index_exists(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Steps, Response]) -> None:
    """Creating an existing index (with or without mappings) gets the rule's error; the index is still there."""
    steps, get = sent
    judge_errors(jc, rule_id, case, steps.exchanges)
    status_is(jc, rule_id, get, 200, "GET of the existing index")


@scenario("index.already_exists", judge=judge_index_exists)
def _send_index_exists(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Steps, Response]:
    name = _index(case, "dup")
    with _fresh_index(ctx, rule_id, name) as first:
        status_is(ctx, rule_id, first, 200, "create an index")  # precondition
        steps = Steps(
            tuple(
                Exchange(ctx.request("PUT", f"/{name}", body=body), params={"index": name, "uuid": "…"})
                for body in (None, {"mappings": {"properties": {"title": {"type": "text"}}}})
            )
        )
        return steps, ctx.request("GET", f"/{name}")


@scenario("index.invalid_name", judge=judge_errors)
def _send_index_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    base = _index(case, "bad")
    sent = []
    with _fresh_index(ctx, rule_id, _index(case, "probe")) as probe:
        status_is(ctx, rule_id, probe, 200, "create an index (precondition)")
        for bad in (base.upper(), "-" + base, base + "*x"):
            resp = ctx.request("PUT", f"/{bad}")
            sent.append(Exchange(resp, params={"index": bad, "detail": "…"}))
            if resp.status == 200:
                ctx.target.request("DELETE", f"/{bad}")
    return tuple(sent)


@contextlib.contextmanager
def _semantic_index(ctx: CheckContext, rule_id: str, case: EndpointCase, tag: str) -> Iterator[tuple[str, Response]]:
    """The case's endpoint and index ``tag`` mapping a semantic_text field to it; yields the name and the
    index PUT's response."""
    name = _index(case, tag)
    with endpoint(ctx, rule_id, case), _fresh_index(ctx, rule_id, name, _mapping(case.inference_id)) as created:
        yield name, created


@scenario("index.semantic_text.inference_id_not_found", judge=judge_errors)
def _send_semantic_missing(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    needs_mock(ctx, case)
    with _semantic_index(ctx, rule_id, case, "gone") as (name, created):
        status_is(ctx, rule_id, created, 200, "create a semantic_text index")  # precondition
        gone = ctx.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})
        status_is(ctx, rule_id, gone, 200, "force-DELETE of the referenced endpoint")  # precondition
        resp = ctx.request("PUT", f"/{name}/_doc/1", body={_FIELD: case.inputs[0]})
        return (Exchange(resp, params={"inference_id": case.inference_id, "field": _FIELD}),)


@scenario("index.semantic_text.task_type", judge=judge_errors)
def _send_semantic_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if case.task_type == "text_embedding":
        raise NotApplicable("semantic_text supports text_embedding endpoints")
    needs_mock(ctx, case)
    with _semantic_index(ctx, rule_id, case, "task") as (name, created):
        # Elasticsearch may refuse the mapping already, or the first document
        resp = created if created.status != 200 else ctx.request("PUT", f"/{name}/_doc/1", body={_FIELD: "x"})
        return (Exchange(resp, params={"field": _FIELD, "task_type_name": case.task_type.upper()}),)


judge_semantic_value = refused_before_upstream("a value that is not text")


@scenario("index.semantic_text.value", judge=judge_semantic_value)
def _send_semantic_value(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    needs_mock(ctx, case)
    key = draw(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8))
    with _semantic_index(ctx, rule_id, case, "value") as (name, created):
        status_is(ctx, rule_id, created, 200, "create a semantic_text index")  # precondition
        docs = (("1", {key: "text"}), ("2", [{key: 1}]))
        return steps_with_calls(
            ctx,
            case,
            lambda: (
                exchange(
                    ctx, "PUT", f"/{name}/_doc/{i}", {_FIELD: value}, field=_FIELD, doc_id=i, detail="…", java_class="…"
                )
                for i, value in docs
            ),
        )
