"""Scenarios for request-level rules (raw bodies, boolean query parameters, the unified chat body) and the
index API the ``semantic_text`` path needs.

Each is a sending step (``_send_*``) and a pure judge, registered in
:data:`~harness.checks.sending.SCENARIOS` (see :mod:`harness.checks.sending`). Orders that matter,
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

from harness.checks.registry import CheckContext, JudgeContext, NotApplicable, NotChecked
from harness.checks.responses import status_is
from harness.checks.scenarios import judge_errors, refused_before_upstream
from harness.checks.sending import Draw, Exchange, Steps, endpoint, exchange, needs_mock, scenario, steps_with_calls
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.target import Response

__all__ = [
    "judge_errors_then",
    "judge_index_exists",
    "judge_index_not_found",
    "judge_semantic_value",
    "judge_unified_empty",
    "judge_unified_invalid",
]

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
    with endpoint(ctx, rule_id, case):
        yield


def _body_paths(case: EndpointCase) -> list[tuple[str, str]]:
    """A PUT of another endpoint id, and the POST inference unless the case is chat_completion."""
    paths = [("PUT", f"/_inference/{case.task_type}/{case.inference_id}-b")]
    post = _post_path(case)
    if post is not None:
        paths.append(("POST", post))
    return paths


def _post_path(case: EndpointCase) -> str | None:
    # a chat_completion endpoint parses POST bodies with the unified parser (errors in the unified format)
    return None if case.task_type == "chat_completion" else case.path


def judge_errors_then(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Steps, Response | None, int, str]
) -> None:
    """Each exchange is the rule's error; then the GET (when sent) has the given status."""
    steps, get, status, what = sent
    judge_errors(jc, rule_id, case, steps.exchanges)
    if get is not None:
        status_is(jc, rule_id, get, status, what)


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


@scenario("body.malformed", judge=judge_errors)
def _send_body_malformed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    bodies = [_located('{"input": "x"', "]"), _located('{\n  "input": ["a", "b"', "}"), _malformed(draw)]
    with _maybe_endpoint(ctx, rule_id, case):
        return tuple(
            Exchange(_raw(ctx, method, path, text.encode()), params={"line": line, "column": column, "detail": "…"})
            for text, line, column in bodies
            for method, path in _body_paths(case)
        )


_NOT_OBJECTS = (("[]", "START_ARRAY"), ('"text"', "VALUE_STRING"), ("42", "VALUE_NUMBER"), ("true", "VALUE_BOOLEAN"))


@scenario("body.not_object", judge=judge_errors)
def _send_body_not_object(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    post = _post_path(case)
    if post is None:
        raise NotApplicable("a chat_completion endpoint parses POST bodies with the unified parser")
    words = draw(st.lists(st.text(alphabet=_ASCII, min_size=1, max_size=6), max_size=3))
    drawn = ('["' + '", "'.join(words) + '"]' if words else "[]", "START_ARRAY")
    params = {"line": 1, "column": 1, "parser": "inference_request"}
    with _maybe_endpoint(ctx, rule_id, case):
        return tuple(
            Exchange(_raw(ctx, "POST", post, text.encode()), params={**params, "token": token})
            for text, token in (*_NOT_OBJECTS, drawn)
        )


@scenario("body.required", judge=judge_errors_then)
def _send_body_required(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Steps, Response | None, int, str]:
    with _maybe_endpoint(ctx, rule_id, case):
        steps = Steps(tuple(Exchange(_raw(ctx, method, path)) for method, path in _body_paths(case)))
        # the failed PUT created nothing
        get = ctx.request("GET", f"/_inference/{case.inference_id}-b") if case.service in ctx.mocks else None
    return steps, get, 404, "GET after a PUT without a body"


@scenario("param.boolean", judge=judge_errors_then)
def _send_param_boolean(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Steps, Response | None, int, str]:
    # Booleans.parseBoolean: only "true"/"false" (and "" = true, blank = default); case matters
    drawn = draw(
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8).filter(
            lambda v: v not in ("true", "false")
        )
    )
    path = f"/_inference/{case.inference_id}"
    with _maybe_endpoint(ctx, rule_id, case):
        steps = Steps(
            tuple(
                Exchange(_raw(ctx, "DELETE", path, params={name: value}), params={"value": value})
                for name in ("dry_run", "force")
                for value in ("maybe", "True", "1", drawn)
            )
        )
        get = ctx.request("GET", path) if case.service in ctx.mocks else None
    return steps, get, 200, "GET after DELETEs with invalid boolean parameters (nothing deleted)"


judge_unified_invalid = refused_before_upstream("an invalid unified body")


@scenario("streaming.unified.invalid", judge=judge_unified_invalid)
def _send_unified_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    if case.task_type != "chat_completion":
        raise NotApplicable("the unified body is the chat_completion _stream body")
    needs_mock(ctx, case)
    model = draw(st.text(alphabet=_ASCII, min_size=1, max_size=10))
    path = f"/_inference/chat_completion/{case.inference_id}/_stream"
    bodies: tuple[dict[str, Any], ...] = ({}, {"model": model}, {"temperature": 0.5, "model": model})
    with endpoint(ctx, rule_id, case):
        return steps_with_calls(
            ctx,
            case,
            lambda: (exchange(ctx, "POST", path, body, detail="Required [messages]") for body in bodies),
        )


judge_unified_empty = refused_before_upstream("a unified body with no messages")


@scenario("streaming.unified.empty_messages", judge=judge_unified_empty)
def _send_unified_empty(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Steps:
    """``messages: []`` parses, then the request's validation refuses it (Elasticsearch's envelope, in an SSE
    error event): with and without other fields."""
    if case.task_type != "chat_completion":
        raise NotApplicable("the unified body is the chat_completion _stream body")
    needs_mock(ctx, case)
    model = draw(st.text(alphabet=_ASCII, min_size=1, max_size=10))
    path = f"/_inference/chat_completion/{case.inference_id}/_stream"
    bodies: tuple[dict[str, Any], ...] = ({"messages": []}, {"messages": [], "model": model, "temperature": 0.5})
    with endpoint(ctx, rule_id, case):
        return steps_with_calls(ctx, case, lambda: (exchange(ctx, "POST", path, body) for body in bodies))


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
