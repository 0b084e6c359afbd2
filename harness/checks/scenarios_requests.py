"""Scenarios for request-level rules (raw bodies, boolean query parameters, the unified chat body) and the
index API the ``semantic_text`` path needs.

They register in :data:`~harness.checks.scenarios.SCENARIOS` like the scenarios there. Orders that matter,
as Elasticsearch has them: the REST layer reads the body (``RestRequest.requiredContent``) and boolean
parameters (``RestRequest.paramAsBoolean``) before anything else; with the task type in the URL,
``TransportInferenceActionProxy`` parses the inference body before it looks the endpoint up; the PUT
transport action parses its body (``parser.map()``) before storing. So these errors do not depend on the
endpoint existing, but the scenarios create it when the service's mock is readable, so the check holds
whatever order a target uses.
"""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from harness.checks.registry import CheckContext, NotApplicable, NotChecked
from harness.checks.responses import expected_error, status_is
from harness.checks.scenarios import Draw, _endpoint, _needs_mock, _scenario
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.target import Response

__all__: list[str] = []

_FIELD = "content"
_ASCII = string.ascii_lowercase + string.digits


def _raw(
    ctx: CheckContext, method: str, path: str, raw: bytes | None = None, params: dict[str, str] | None = None
) -> Response:
    """Send verbatim bytes (or no body at all) and keep the exchange as evidence."""
    resp = ctx.target.request(method, path, raw=raw, params=params)
    ctx.exchanges.append(resp)
    return resp


@contextlib.contextmanager
def _maybe_endpoint(ctx: CheckContext, rule_id: str, case: EndpointCase) -> Iterator[None]:
    """Create the case's endpoint when its mock is readable (a valid PUT needs the upstream); else nothing."""
    if case.service not in ctx.mocks:
        yield
        return
    with _endpoint(ctx, rule_id, case):
        yield


def _post_path(case: EndpointCase) -> str | None:
    # a chat_completion endpoint parses POST bodies with the unified parser (errors in the unified format)
    return None if case.task_type == "chat_completion" else case.path


# ------------------------------------------------------------------------------------------------ bodies
def _malformed(draw: Draw) -> tuple[str, int, int]:
    """A JSON object cut by a mismatched close marker; returns the text and the marker's (line, column).

    Jackson reports a mismatched end marker at the marker itself (``_currentLocationMinusOne``); ASCII only,
    because Jackson counts bytes and the oracle counts characters."""
    key = draw(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8))
    value = draw(st.text(alphabet=_ASCII + " ", max_size=12))
    gap = draw(st.sampled_from(["", " ", "\n", "\n  "]))
    nested = draw(st.booleans())
    if nested:  # '}' closing an array
        prefix = "{" + gap + f'"{key}": ["{value}", "x"' + gap
        closer = "}"
    else:  # ']' closing an object
        prefix = "{" + gap + f'"{key}": "{value}"' + gap
        closer = "]"
    return _located(prefix, closer)


def _located(prefix: str, closer: str) -> tuple[str, int, int]:
    line = prefix.count("\n") + 1
    column = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return prefix + closer, line, column


@_scenario("body.malformed")
def _body_malformed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    bodies = [_located('{"input": "x"', "]"), _located('{\n  "input": ["a", "b"', "}"), _malformed(draw)]
    with _maybe_endpoint(ctx, rule_id, case):
        for text, line, column in bodies:
            paths = [("PUT", f"/_inference/{case.task_type}/{case.inference_id}-b")]
            post = _post_path(case)
            if post is not None:
                paths.append(("POST", post))
            for method, path in paths:
                resp = _raw(ctx, method, path, text.encode())
                expected_error(ctx, rule_id, resp, line=line, column=column, detail="…")


_NOT_OBJECTS = (("[]", "START_ARRAY"), ('"text"', "VALUE_STRING"), ("42", "VALUE_NUMBER"), ("true", "VALUE_BOOLEAN"))


@_scenario("body.not_object")
def _body_not_object(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    post = _post_path(case)
    if post is None:
        raise NotApplicable("a chat_completion endpoint parses POST bodies with the unified parser")
    words = draw(st.lists(st.text(alphabet=_ASCII, min_size=1, max_size=6), max_size=3))
    drawn = ('["' + '", "'.join(words) + '"]' if words else "[]", "START_ARRAY")
    with _maybe_endpoint(ctx, rule_id, case):
        for text, token in (*_NOT_OBJECTS, drawn):
            resp = _raw(ctx, "POST", post, text.encode())
            expected_error(ctx, rule_id, resp, line=1, column=1, parser="inference_request", token=token)


@_scenario("body.required")
def _body_required(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    with _maybe_endpoint(ctx, rule_id, case):
        paths = [("PUT", f"/_inference/{case.task_type}/{case.inference_id}-b")]
        post = _post_path(case)
        if post is not None:
            paths.append(("POST", post))
        for method, path in paths:
            expected_error(ctx, rule_id, _raw(ctx, method, path))
        if case.service in ctx.mocks:  # the failed PUT created nothing
            status_is(
                ctx,
                rule_id,
                ctx.request("GET", f"/_inference/{case.inference_id}-b"),
                404,
                "GET after a PUT without a body",
            )


@_scenario("param.boolean")
def _param_boolean(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    # Booleans.parseBoolean: only "true"/"false" (and "" = true, blank = default); case matters
    drawn = draw(
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8).filter(
            lambda v: v not in ("true", "false")
        )
    )
    with _maybe_endpoint(ctx, rule_id, case):
        for name in ("dry_run", "force"):
            for value in ("maybe", "True", "1", drawn):
                resp = _raw(ctx, "DELETE", f"/_inference/{case.inference_id}", params={name: value})
                expected_error(ctx, rule_id, resp, value=value)
        if case.service in ctx.mocks:
            status_is(
                ctx,
                rule_id,
                ctx.request("GET", f"/_inference/{case.inference_id}"),
                200,
                "GET after DELETEs with invalid boolean parameters (nothing deleted)",
            )


@_scenario("streaming.unified.invalid")
def _unified_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "chat_completion":
        raise NotApplicable("the unified body is the chat_completion _stream body")
    _needs_mock(ctx, case)
    model = draw(st.text(alphabet=_ASCII, min_size=1, max_size=10))
    path = f"/_inference/chat_completion/{case.inference_id}/_stream"
    with _endpoint(ctx, rule_id, case):
        before = len(ctx.mocks[case.service].calls(key=case.key))
        for body in ({}, {"model": model}, {"temperature": 0.5, "model": model}):
            expected_error(ctx, rule_id, ctx.request("POST", path, body=body), detail="Required [messages]")
        after = ctx.mocks[case.service].calls(key=case.key)[before:]
        if after:
            raise Failure(
                rule_id, "an invalid unified body reached the upstream", expected=[], seen=[c.summary() for c in after]
            )


# ------------------------------------------------------------------------------------------------ indexes
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


@_scenario("index.not_found")
def _index_not_found(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """A never-created index, and one created (bound to the endpoint when it can be a semantic_text one),
    given a document, then deleted: both are missing for GET, DELETE and a document GET."""
    semantic = case.task_type == "text_embedding" and case.service in ctx.mocks
    deleted = _index(case, "deleted")
    with contextlib.ExitStack() as stack:
        if semantic:
            stack.enter_context(_endpoint(ctx, rule_id, case))
        created = stack.enter_context(
            _fresh_index(ctx, rule_id, deleted, _mapping(case.inference_id) if semantic else None)
        )
        status_is(ctx, rule_id, created, 200, "create an index (precondition)")
        doc = ctx.request("PUT", f"/{deleted}/_doc/1", body={_FIELD: case.inputs[0]})
        if doc.status not in (200, 201):
            raise Failure(rule_id, "indexing a document failed (precondition)", expected="200/201", seen=doc.text[:300])
        status_is(ctx, rule_id, ctx.request("DELETE", f"/{deleted}"), 200, "DELETE of the index")
        for missing in (_index(case, "missing"), deleted):
            for method, path in (("GET", f"/{missing}"), ("DELETE", f"/{missing}"), ("GET", f"/{missing}/_doc/1")):
                expected_error(ctx, rule_id, ctx.request(method, path), index=missing)


@_scenario("index.already_exists")
def _index_exists(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    name = _index(case, "dup")
    with _fresh_index(ctx, rule_id, name) as first:
        status_is(ctx, rule_id, first, 200, "create an index")
        for body in (None, {"mappings": {"properties": {"title": {"type": "text"}}}}):
            expected_error(ctx, rule_id, ctx.request("PUT", f"/{name}", body=body), index=name, uuid="…")
        status_is(ctx, rule_id, ctx.request("GET", f"/{name}"), 200, "GET of the existing index")


@_scenario("index.invalid_name")
def _index_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    base = _index(case, "bad")
    with _fresh_index(ctx, rule_id, _index(case, "probe")) as probe:
        status_is(ctx, rule_id, probe, 200, "create an index (precondition)")
        for bad in (base.upper(), "-" + base, base + "*x"):
            resp = ctx.request("PUT", f"/{bad}")
            try:
                expected_error(ctx, rule_id, resp, index=bad, detail="…")
            finally:
                if resp.status == 200:
                    ctx.target.request("DELETE", f"/{bad}")


@_scenario("index.semantic_text.inference_id_not_found")
def _semantic_missing(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    _needs_mock(ctx, case)
    name = _index(case, "gone")
    with _endpoint(ctx, rule_id, case), _fresh_index(ctx, rule_id, name, _mapping(case.inference_id)) as created:
        status_is(ctx, rule_id, created, 200, "create a semantic_text index")
        gone = ctx.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})
        status_is(ctx, rule_id, gone, 200, "force-DELETE of the referenced endpoint")
        resp = ctx.request("PUT", f"/{name}/_doc/1", body={_FIELD: case.inputs[0]})
        expected_error(ctx, rule_id, resp, inference_id=case.inference_id, field=_FIELD)


@_scenario("index.semantic_text.task_type")
def _semantic_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type == "text_embedding":
        raise NotApplicable("semantic_text supports text_embedding endpoints")
    _needs_mock(ctx, case)
    name = _index(case, "task")
    with _endpoint(ctx, rule_id, case), _fresh_index(ctx, rule_id, name, _mapping(case.inference_id)) as created:
        # Elasticsearch may refuse the mapping already, or the first document
        resp = created if created.status != 200 else ctx.request("PUT", f"/{name}/_doc/1", body={_FIELD: "x"})
        expected_error(ctx, rule_id, resp, field=_FIELD, task_type=case.task_type)


@_scenario("index.semantic_text.value")
def _semantic_value(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    _needs_mock(ctx, case)
    key = draw(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8))
    name = _index(case, "value")
    with _endpoint(ctx, rule_id, case), _fresh_index(ctx, rule_id, name, _mapping(case.inference_id)) as created:
        status_is(ctx, rule_id, created, 200, "create a semantic_text index")
        before = len(ctx.mocks[case.service].calls(key=case.key))
        for doc_id, value in (("1", {key: "text"}), ("2", [{key: 1}])):
            resp = ctx.request("PUT", f"/{name}/_doc/{doc_id}", body={_FIELD: value})
            expected_error(ctx, rule_id, resp, field=_FIELD, doc_id=doc_id)
        after = ctx.mocks[case.service].calls(key=case.key)[before:]
        if after:
            raise Failure(
                rule_id, "a value that is not text reached the upstream", expected=[], seen=[c.summary() for c in after]
            )
