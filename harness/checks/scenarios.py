"""Scenarios: for each rule id, the requests that exercise it and the checks that judge the answers.

``SCENARIOS[rule_id](ctx, rule_id, case, draw)`` gets a fresh valid :class:`EndpointCase` (unique id and
canaries) and ``draw`` (draws from a hypothesis strategy). It raises :class:`~harness.errors.Failure`,
:class:`NotChecked` or :class:`NotApplicable`, and deletes what it created. Rules that are one-field
mutations of a valid PUT share :func:`put_invalid`, which tries every fixed variant of the rule in every
example.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from harness.checks.registry import CheckContext, NotApplicable, NotChecked
from harness.checks.responses import (
    error_envelope,
    error_matches,
    expected_error,
    filtered_config,
    secrets_absent,
    status_is,
)
from harness.checks.sending import SCENARIOS, Draw, endpoint, infer, inference_body, needs_mock, put_ok
from harness.checks.upstream import (
    calls_for,
    embeddings_match,
    request_matches,
    sse_events,
    validation_call,
    word_count,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.gen.mutations import MUTATIONS, variants
from harness.gen.strategies import chunk_text

__all__ = ["SCENARIOS", "Draw", "Scenario"]

Scenario = Callable[[CheckContext, str, EndpointCase, Draw], None]
_TASKS = ("text_embedding", "completion", "chat_completion")


def _scenario(*rule_ids: str) -> Callable[[Scenario], Scenario]:
    def deco(fn: Scenario) -> Scenario:
        for rid in rule_ids:
            SCENARIOS[rid] = fn
        return fn

    return deco


# ------------------------------------------------------------------------------------------------ helpers
_put_ok = put_ok
_endpoint = endpoint
_needs_mock = needs_mock
_inference_body = inference_body
_infer = infer


def _other_task(case: EndpointCase, *, exclude_chat: bool = False) -> str:
    options = [t for t in _TASKS if t != case.task_type and not (exclude_chat and t == "chat_completion")]
    return options[0]


def _get_item(ctx: CheckContext, rule_id: str, case: EndpointCase) -> dict[str, Any]:
    resp = ctx.request("GET", f"/_inference/{case.inference_id}")
    status_is(ctx, rule_id, resp, 200, "GET of a created endpoint")
    items = (resp.json or {}).get(ctx.profile.get_list_key) if isinstance(resp.json, dict) else None
    if not isinstance(items, list) or len(items) != 1:
        raise Failure(
            rule_id, f"GET must return {{{ctx.profile.get_list_key}: [one endpoint]}}", expected=1, seen=resp.text[:300]
        )
    return dict(items[0])


def _without(case: EndpointCase, *keys: str) -> EndpointCase:
    case.body["service_settings"] = {k: v for k, v in case.settings.items() if k not in keys}
    return case


# ------------------------------------------------------------------------------------------------ invalid PUTs
def put_invalid(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """PUT configurations breaking exactly ``rule_id``: every fixed variant of the rule (each unsupported task
    type, each bound's first invalid value…) then one drawn variant; each must get the rule's error and
    create nothing, and none may reach the upstream."""
    plan = variants(rule_id, case, ctx.profile)
    if plan is None:
        raise NotApplicable(f"{rule_id} cannot be broken for {case.service} {case.task_type}")
    for invalid in (*plan.fixed, *([draw(plan.extra)] if plan.extra is not None else [])):
        resp = ctx.request(invalid.method, invalid.path, body=invalid.body)
        try:
            expected_error(ctx, rule_id, resp, **invalid.params)
        finally:
            if resp.status == 200:
                ctx.target.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})
    if case.service in ctx.mocks:
        calls = calls_for(ctx, case)
        if calls:
            raise Failure(
                rule_id, "an invalid configuration reached the upstream", expected=[], seen=[c.summary() for c in calls]
            )


for _rid in MUTATIONS:
    SCENARIOS[_rid] = put_invalid


# ------------------------------------------------------------------------------------------------ invariants
@_scenario("secrets.never_returned")
def _secrets(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    secrets = list(case.secrets.values())
    with _endpoint(ctx, rule_id, case) as put:
        responses = [put]
        responses.append(ctx.request("GET", f"/_inference/{case.inference_id}"))
        responses.append(ctx.request("GET", "/_inference/_all"))
        responses.append(ctx.request("GET", f"/_inference/{case.task_type}/_all"))
        responses.append(_infer(ctx, case))
        responses.append(ctx.request("PUT", case.path, body=case.body))  # duplicate: an error
        if case.service in ("openai", "azureopenai") and case.task_type != "chat_completion":
            with ctx.fault(case.service, {"kind": "http_error", "status": 401, "key": case.key}):
                responses.append(ctx.request("POST", case.path, body=_inference_body(case)))
        for resp in responses:
            secrets_absent(ctx, rule_id, resp, secrets)


@_scenario("secrets.dimensions_set_by_user_hidden")
def _dims_hidden(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case) as put:
        for resp in (put, ctx.request("GET", f"/_inference/{case.inference_id}")):
            if "dimensions_set_by_user" in resp.text:
                raise Failure(rule_id, "dimensions_set_by_user rendered", expected="absent", seen=resp.text[:300])


@_scenario("envelope.error")
def _envelope(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    missing = case.inference_id + "-missing"
    bad = dict(case.body, service="nonexistent_service")
    for resp in (
        ctx.request("GET", f"/_inference/{missing}"),
        ctx.request("DELETE", f"/_inference/{missing}"),
        ctx.request("POST", f"/_inference/{missing}", body={"input": "x"}),
        ctx.request("PUT", case.path, body=bad),
    ):
        if resp.status < 400:
            raise Failure(rule_id, "an invalid request was accepted", expected=">= 400", seen=resp.status)
        error_envelope(ctx, rule_id, resp)


@_scenario("envelope.filtered_config")
def _filtered(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case) as put:
        kw: dict[str, Any] = {
            "inference_id": case.inference_id,
            "task_type": case.task_type,
            "service": case.service,
            "sent": case.body,
        }
        filtered_config(ctx, rule_id, put.json, **kw)
        item = _get_item(ctx, rule_id, case)
        filtered_config(ctx, rule_id, item, **kw)
        if item != put.json:
            raise Failure(rule_id, "GET differs from the PUT response", expected=put.json, seen=item)


# ------------------------------------------------------------------------------------------------ defaults
@_scenario("defaults.rate_limit")
def _rate_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    _without(case, "rate_limit")
    want = {"requests_per_minute": ctx.profile.rate_limit_default(case.service, case.task_type)}
    with _endpoint(ctx, rule_id, case) as put:
        for where, cfg in (("PUT", put.json), ("GET", _get_item(ctx, rule_id, case))):
            got = (cfg.get("service_settings") or {}).get("rate_limit") if isinstance(cfg, dict) else None
            if got != want:
                raise Failure(rule_id, f"default rate_limit in {where}", expected=want, seen=got)


@_scenario("defaults.similarity")
def _similarity_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    _without(case, "similarity")
    want = ctx.profile.similarity_defaults[case.service]
    with _endpoint(ctx, rule_id, case):
        got = _get_item(ctx, rule_id, case).get("service_settings", {}).get("similarity")
        if got != want:
            raise Failure(rule_id, "default similarity", expected=want, seen=got)


@_scenario("defaults.dimensions")
def _dims_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    _without(case, "dimensions")
    with _endpoint(ctx, rule_id, case):
        got = _get_item(ctx, rule_id, case).get("service_settings", {}).get("dimensions")
        resp = ctx.request("POST", case.path, body=_inference_body(case, case.inputs[:1]))
        status_is(ctx, rule_id, resp, 200, "inference")
        vec = ((resp.json or {}).get("text_embedding") or [{}])[0].get("embedding") or []
        if got != len(vec):
            raise Failure(rule_id, "dimensions = length of the upstream's vectors", expected=len(vec), seen=got)


@_scenario("chunking.default")
def _chunk_default(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    case.body.pop("chunking_settings", None)
    want = dict(ctx.profile.chunking_default)
    with _endpoint(ctx, rule_id, case) as put:
        for where, cfg in (("PUT", put.json), ("GET", _get_item(ctx, rule_id, case))):
            got = cfg.get("chunking_settings") if isinstance(cfg, dict) else None
            if got != want:
                raise Failure(rule_id, f"default chunking_settings in {where}", expected=want, seen=got)


# ------------------------------------------------------------------------------------------------ crud
@_scenario("crud.not_found")
def _not_found(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    ident = case.inference_id
    for method, path, body in (
        ("GET", f"/_inference/{ident}", None),
        ("DELETE", f"/_inference/{ident}", None),
        ("POST", case.path, _inference_body(case)),
    ):
        if case.task_type == "chat_completion" and method == "POST":
            continue
        expected_error(ctx, rule_id, ctx.request(method, path, body=body), inference_id=ident)


@_scenario("crud.task_type.mismatch")
def _crud_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    other = _other_task(case)
    with _endpoint(ctx, rule_id, case):
        for method in ("GET", "DELETE"):
            resp = ctx.request(method, f"/_inference/{other}/{case.inference_id}")
            expected_error(ctx, rule_id, resp, requested=other, actual=case.task_type)
        _get_item(ctx, rule_id, case)  # still there


@_scenario("crud.duplicate")
def _duplicate(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        expected_error(ctx, rule_id, ctx.request("PUT", case.path, body=case.body), inference_id=case.inference_id)


@_scenario("crud.update.task_type")
def _update_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    other = _other_task(case)
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("PUT", f"/_inference/{other}/{case.inference_id}/_update", body={"task_settings": {}})
        expected_error(ctx, rule_id, resp)


#: ``_update`` bodies Elasticsearch reads as no field at all (``{}`` verified; an array or a scalar reads as an
#: empty map too, inferred from ``XContentHelper.convertToMap``)
_EMPTY_UPDATE_BODIES: tuple[Any, ...] = ({}, [], [{"task_settings": {}}], 7)


@_scenario("crud.update.empty_body")
def _update_empty(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    body = draw(st.sampled_from(_EMPTY_UPDATE_BODIES))
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("PUT", f"{case.path}/_update", body=body)
        expected_error(ctx, rule_id, resp)
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))


@_scenario("crud.delete.referenced", "check.chunk_bounds")
def _semantic_text(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "text_embedding":
        raise NotApplicable("semantic_text binds text_embedding endpoints")
    _needs_mock(ctx, case)
    index = f"h-idx-{case.inference_id}"[:200]
    mapping = {"mappings": {"properties": {"content": {"type": "semantic_text", "inference_id": case.inference_id}}}}
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        resp = ctx.request("PUT", f"/{index}", body=mapping)
        if resp.status in (404, 405, 501) or (resp.status >= 400 and "semantic_text" not in resp.text):
            raise NotChecked(f"the target has no index API for semantic_text (PUT /{index} -> {resp.status})")
        try:
            status_is(ctx, rule_id, resp, 200, "create a semantic_text index")
            if rule_id == "crud.delete.referenced":
                resp = ctx.request("DELETE", f"/_inference/{case.inference_id}")
                expected_error(ctx, rule_id, resp, detail="")
                _get_item(ctx, rule_id, case)
                return
            chunking = case.body.get("chunking_settings") or dict(ctx.profile.chunking_default)
            size = int(chunking.get("max_chunk_size") or 0)
            text = draw(chunk_text(words=max(size, 20) * 3))
            resp = ctx.request("PUT", f"/{index}/_doc/1", body={"content": text})
            if resp.status not in (200, 201):
                raise Failure(rule_id, "indexing into semantic_text failed", expected="200/201", seen=resp.text[:300])
            calls = calls_for(ctx, case)[before:]
            from harness.checks.upstream import _texts_sent

            chunks = _texts_sent(case, calls)
            if not chunks:
                raise Failure(rule_id, "no chunk reached the upstream", expected=">= 1 chunk", seen=[])
            if chunking.get("strategy") in ("word", "sentence") and size:
                over = [c for c in chunks if word_count(c) > size]
                if over:
                    raise Failure(
                        rule_id,
                        f"chunk longer than max_chunk_size={size} words",
                        expected=f"<= {size} words",
                        seen=f"{word_count(over[0])} words: {over[0][:120]}...",
                    )
        finally:
            ctx.target.request("DELETE", f"/{index}")


@_scenario("check.crud_consistency")
def _consistency(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    put = _put_ok(ctx, rule_id, case)
    try:
        item = _get_item(ctx, rule_id, case)
        if item != put.json:
            raise Failure(rule_id, "GET differs from PUT", expected=put.json, seen=item)
        for path in ("/_inference/_all", f"/_inference/{case.task_type}/_all"):
            listing = (ctx.request("GET", path).json or {}).get(ctx.profile.get_list_key) or []
            mine = [e for e in listing if isinstance(e, dict) and e.get("inference_id") == case.inference_id]
            if mine != [put.json]:
                raise Failure(
                    rule_id, f"{path} must list the endpoint once, as created", expected=[put.json], seen=mine
                )
    finally:
        resp = ctx.request("DELETE", f"/_inference/{case.inference_id}")
    status_is(ctx, rule_id, resp, 200, "DELETE")
    if (resp.json or {}).get("acknowledged") is not True:
        raise Failure(rule_id, "DELETE must acknowledge", expected={"acknowledged": True}, seen=resp.text[:200])
    status_is(ctx, rule_id, ctx.request("GET", f"/_inference/{case.inference_id}"), 404, "GET after DELETE")
    listing = (ctx.request("GET", "/_inference/_all").json or {}).get(ctx.profile.get_list_key) or []
    if any(isinstance(e, dict) and e.get("inference_id") == case.inference_id for e in listing):
        raise Failure(rule_id, "deleted endpoint still listed", expected="absent", seen=case.inference_id)


@_scenario("check.no_upstream_on_read")
def _no_upstream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    _put_ok(ctx, rule_id, case)
    before = calls_for(ctx, case)
    ctx.request("GET", f"/_inference/{case.inference_id}")
    ctx.request("GET", "/_inference/_all")
    ctx.request("GET", f"/_inference/{case.task_type}/_all")
    ctx.request("DELETE", f"/_inference/{case.inference_id}")
    after = calls_for(ctx, case)
    if len(after) != len(before):
        raise Failure(
            rule_id, "GET/DELETE called the upstream", expected=[], seen=[c.summary() for c in after[len(before) :]]
        )


# ------------------------------------------------------------------------------------------------ inference
def _not_chat(case: EndpointCase) -> None:
    if case.task_type == "chat_completion":
        raise NotApplicable("chat_completion endpoints only answer _stream")


@_scenario("input.null", "input.empty", "input.unknown_field")
def _input(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _not_chat(case)
    _needs_mock(ctx, case)
    bodies: dict[str, dict[str, Any]] = {
        "input.null": {},
        "input.empty": {"input": []},
        "input.unknown_field": {"input": case.inputs[0], "unknown_harness_field": 1},
    }
    body = bodies[rule_id]
    params = {"field": "unknown_harness_field", "line": 1, "column": 2} if rule_id == "input.unknown_field" else {}
    with _endpoint(ctx, rule_id, case):
        expected_error(ctx, rule_id, ctx.request("POST", case.path, body=body), **params)


@_scenario("input.input_type.rejected")
def _input_type(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "text_embedding":
        raise NotApplicable("request validation rejects input_type first for completion tasks")
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        for input_type in ctx.profile.input_types:  # every one, in every example
            resp = ctx.request("POST", case.path, body={"input": case.inputs, "input_type": input_type})
            expected_error(ctx, rule_id, resp, input_type=input_type)


@_scenario("input.input_type.not_for_task")
def _input_type_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("POST", case.path, body={"input": case.inputs[0], "input_type": "search"})
        expected_error(ctx, rule_id, resp, task_type=case.task_type)


@_scenario("input.completion.single")
def _single(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    title = {"openai": "OpenAI completions", "azureopenai": "Azure OpenAI completion"}[case.service]
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("POST", case.path, body={"input": [case.inputs[0], case.inputs[0] + " again"]})
        expected_error(ctx, rule_id, resp, service_title=title)


@_scenario("input.task_type.mismatch")
def _post_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    other = _other_task(case, exclude_chat=True)
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("POST", f"/_inference/{other}/{case.inference_id}", body={"input": case.inputs[0]})
        expected_error(ctx, rule_id, resp, requested=other, actual=case.task_type)


@_scenario("input.query.not_for_task")
def _query_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("POST", case.path, body={"input": case.inputs[0], "query": case.inputs[0]})
        expected_error(ctx, rule_id, resp, task_type=case.task_type)


@_scenario("streaming.chat_completion.only_stream")
def _only_stream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    # TransportInferenceActionProxy refuses before parsing the body: a chat body, an inference body and
    # (with no task type in the URL, after the endpoint lookup) the same
    _needs_mock(ctx, case)
    chat = {"messages": [{"role": "user", "content": case.inputs[0]}]}
    with _endpoint(ctx, rule_id, case):
        for path in (case.path, f"/_inference/{case.inference_id}"):
            for body in (chat, {"input": case.inputs[0]}):
                expected_error(ctx, rule_id, ctx.request("POST", path, body=body))


@_scenario("streaming.not_allowed")
def _not_streamable(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} streams {case.task_type} in {ctx.profile.version}")
    _needs_mock(ctx, case)
    supported = ", ".join(ctx.profile.streaming_task_types.get(case.service, ()))
    with _endpoint(ctx, rule_id, case):
        resp = ctx.request("POST", f"{case.path}/_stream", body=_inference_body(case))
        expected_error(ctx, rule_id, resp, service=case.service, task_type=case.task_type, supported=supported)


@_scenario("check.sse_framing")
def _sse(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if not ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} does not stream {case.task_type}")
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        if case.task_type == "chat_completion":
            resp = _infer(ctx, case)
        else:
            resp = ctx.request("POST", f"{case.path}/_stream", body=_inference_body(case))
        status_is(ctx, rule_id, resp, 200, "_stream")
        ctype = resp.header("content-type") or ""
        if not ctype.startswith("text/event-stream"):
            raise Failure(rule_id, "content type", expected="text/event-stream", seen=ctype)
        events = sse_events(rule_id, resp.body, bom=ctx.profile.sse_bom)
        if not events or events[-1][1].strip() != "[DONE]":
            raise Failure(
                rule_id,
                "stream must end with data: [DONE]",
                expected="[DONE]",
                seen=events[-1][1][:100] if events else "no events",
            )
        import json

        for event, data in events[:-1]:
            if event not in (None, "message"):
                raise Failure(rule_id, "unexpected event type in a successful stream", expected="message", seen=event)
            try:
                doc = json.loads(data)
            except ValueError:
                raise Failure(rule_id, "data is not JSON", expected="a JSON object", seen=data[:200]) from None
            if case.task_type == "completion" and not (
                isinstance(doc, dict) and isinstance(doc.get("completion"), list)
            ):
                raise Failure(rule_id, "completion event shape", expected={"completion": [{"delta": "…"}]}, seen=doc)
            if case.task_type == "chat_completion" and not (isinstance(doc, dict) and "choices" in doc):
                raise Failure(rule_id, "chat_completion event shape", expected="chat.completion.chunk", seen=doc)


@_scenario("check.validation_call")
def _validation(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        validation_call(ctx, rule_id, case, calls_for(ctx, case))


@_scenario("check.upstream_request")
def _upstream_request(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        resp = _infer(ctx, case)
        status_is(ctx, rule_id, resp, 200, "inference")
        request_matches(
            ctx, rule_id, case, calls_for(ctx, case)[before:], case.inputs, stream=case.task_type == "chat_completion"
        )


@_scenario("check.embeddings_oracle")
def _oracle(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.task_type != "text_embedding":
        raise NotApplicable("only text_embedding returns vectors")
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        resp = _infer(ctx, case)
        status_is(ctx, rule_id, resp, 200, "inference")
        embeddings_match(
            ctx, rule_id, case, calls_for(ctx, case)[before:], case.inputs, resp.json, seed=ctx.mocks[case.service].seed
        )


# ------------------------------------------------------------------------------------------------ upstream faults
_HTTP_FAULTS = {
    "upstream.401": 401,
    "upstream.429": 429,
    "upstream.500": 500,
    "upstream.503": 503,
    "upstream.400": 400,
    "upstream.404": 404,
    "upstream.413": 413,
    "upstream.422": 422,
    "upstream.3xx": 300,
    "upstream.other": 418,
    "upstream.azureopenai.429": 429,
    "upstream.openai.completion_429": 429,
}
_RETRIED = {"upstream.429", "upstream.500", "upstream.503", "upstream.azureopenai.429"}


def _fault_params(case: EndpointCase, code: int, url: str) -> dict[str, Any]:
    return {
        "inference_id": case.inference_id,
        "code": code,
        "error_suffix": "",
        "url": url,
        "token_limit": "unknown",
        "remaining_tokens": "unknown",
        "request_limit": "unknown",
        "remaining_requests": "unknown",
        "error_message": "…",
    }


@_scenario(*_HTTP_FAULTS)
def _upstream_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _not_chat(case)
    _needs_mock(ctx, case)
    code = _HTTP_FAULTS[rule_id]
    if rule_id == "upstream.413" and case.task_type == "text_embedding":
        raise NotApplicable("413 on embeddings triggers truncate-and-retry")
    with _endpoint(ctx, rule_id, case):
        before = len(calls_for(ctx, case))
        with ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
            resp = ctx.request("POST", case.path, body=_inference_body(case))
        expected_error(ctx, rule_id, resp, **_fault_params(case, code, case.settings.get("url", "")))
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
        attempts = len(calls_for(ctx, case)) - before
        retried = rule_id in _RETRIED and not (
            rule_id == "upstream.429" and case.service == "openai" and case.task_type != "text_embedding"
        )
        if retried and attempts < 2:
            raise Failure(rule_id, "a retryable upstream error must be retried", expected="3 attempts", seen=attempts)
        if not retried and attempts != 1:
            raise Failure(rule_id, "a non-retryable upstream error must not be retried", expected=1, seen=attempts)


@_scenario("upstream.bedrock.invoke_model", "upstream.bedrock.converse")
def _bedrock_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    wants_embedding = rule_id.endswith("invoke_model")
    if (case.task_type == "text_embedding") != wants_embedding or case.task_type == "chat_completion":
        raise NotApplicable(f"{rule_id} is about {'embeddings' if wants_embedding else 'completion'}")
    _needs_mock(ctx, case)
    with _endpoint(ctx, rule_id, case):
        with ctx.fault(case.service, {"kind": "http_error", "status": 400, "key": case.key}):
            resp = ctx.request("POST", case.path, body=_inference_body(case))
        expected_error(ctx, rule_id, resp, error_message="…")
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))


@_scenario("validation_call.failed")
def _validation_failed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    _needs_mock(ctx, case)
    for code in (400, 401, 404):  # every one, in every example
        with ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
            resp = ctx.request("PUT", case.path, body=case.body)
        try:
            expected_error(ctx, rule_id, resp)
            err = (resp.json or {}).get("error") or {}
            if "caused_by" not in err:
                raise Failure(
                    rule_id,
                    f"the upstream failure ({code}) must be the caused_by",
                    expected="error.caused_by",
                    seen=resp.text[:300],
                )
            secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
            status_is(
                ctx, rule_id, ctx.request("GET", f"/_inference/{case.inference_id}"), 404, "GET after a failed PUT"
            )
        finally:
            if resp.status == 200:
                ctx.target.request("DELETE", f"/_inference/{case.inference_id}")


@_scenario("validation_call.dimensions_mismatch")
def _dims_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    if case.service == "amazonbedrock":
        raise NotApplicable("Bedrock does not accept dimensions in a PUT")
    _needs_mock(ctx, case)
    dims = draw(st.integers(2, 16))
    case.body["service_settings"]["dimensions"] = dims
    body = {
        "object": "list",
        "model": "m",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
        "data": [{"object": "embedding", "index": 0, "embedding": [0.125] * (dims + 1)}],
    }
    with ctx.fault(
        case.service,
        {
            "kind": "http_error",
            "status": 200,
            "body": json.dumps(body),
            "key": case.key,
            "headers": {"Content-Type": "application/json"},
        },
    ):
        resp = ctx.request("PUT", case.path, body=case.body)
    try:
        expected_error(ctx, rule_id, resp, actual=dims + 1, expected=dims, inference_id=case.inference_id)
    finally:
        if resp.status == 200:
            ctx.target.request("DELETE", f"/_inference/{case.inference_id}")


@_scenario("upstream.invalid_host")
def _invalid_host(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    url = f"http://{case.inference_id.replace('_', '-')}.invalid/v1/embeddings"
    case.body["service_settings"]["url"] = url
    resp = ctx.request("PUT", case.path, body=case.body)
    try:
        expected_error(ctx, "validation_call.failed", resp)
        stable = ctx.rules.expected(rule_id, ctx.profile, url=url).stable
        if stable not in resp.text:
            raise Failure(rule_id, "unknown host must be reported as the cause", expected=stable, seen=resp.text[:300])
    except Failure as exc:
        exc.rule_id = rule_id
        raise
    finally:
        if resp.status == 200:
            ctx.target.request("DELETE", f"/_inference/{case.inference_id}")


#: Events a mock sends before its mid-stream error, so that one carries text: OpenAI's first chunk only has the
#: role (no ``completion`` delta from the target), Azure's first two are its prompt filter results and the
#: role, Bedrock's first is ``messageStart``.
_STREAM_ERROR_AFTER = {"openai": 2, "azureopenai": 3, "amazonbedrock": 2}
#: Upstream error messages the mock sends (the first is OpenAI's own, from upstream-samples.json).
_STREAM_ERROR_MESSAGES = (
    "The server had an error while processing your request.",
    'Harness mid-stream failure: "quoted" [bracketed] text',
)
_STREAM_ERROR_TYPE = "server_error"


@_scenario("upstream.stream_error")
def _stream_error(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """The upstream sends a few chunks, then an ``event: error`` (fault ``stream_error``): the target's
    ``_stream`` is a 200 stream with at least one message event, then ONE ``event: error`` carrying the ES
    error (the unified error on the chat_completion route) with the rule's stable message and the
    upstream's message, nothing after it, and no secret anywhere."""
    if not ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} does not stream {case.task_type} in {ctx.profile.version}")
    _needs_mock(ctx, case)
    message = draw(st.sampled_from(_STREAM_ERROR_MESSAGES))
    with _endpoint(ctx, rule_id, case):  # the fault comes after the PUT: chat_completion validates by streaming
        with ctx.fault(
            case.service,
            {
                "kind": "stream_error",
                "after": _STREAM_ERROR_AFTER[case.service],
                "times": 1,
                "key": case.key,
                "message": message,
                "type": _STREAM_ERROR_TYPE,
            },
        ):
            if case.task_type == "chat_completion":
                resp = _infer(ctx, case)
            else:
                resp = ctx.request("POST", f"{case.path}/_stream", body=_inference_body(case))
        status_is(ctx, rule_id, resp, 200, "_stream with a mid-stream upstream error (the stream had started)")
        secrets_absent(ctx, rule_id, resp, list(case.secrets.values()))
        events = sse_events(rule_id, resp.body, bom=ctx.profile.sse_bom)
        errors = [i for i, (event, _) in enumerate(events) if event == "error"]
        if not errors:
            raise Failure(
                rule_id,
                "the mid-stream upstream error must reach the client as an event: error",
                expected="event: error",
                seen=[f"{e or 'message'}: {d[:80]}" for e, d in events[-3:]],
            )
        at = errors[0]
        if not any(event in (None, "message") and data.strip() != "[DONE]" for event, data in events[:at]):
            raise Failure(
                rule_id,
                "the events sent before the upstream error must reach the client first",
                expected="at least one message event before the event: error",
                seen=[f"{e or 'message'}: {d[:80]}" for e, d in events[: at + 1]],
            )
        if events[at + 1 :]:
            raise Failure(
                rule_id,
                "the stream must end with the event: error",
                expected="nothing after it",
                seen=[f"{e or 'message'}: {d[:80]}" for e, d in events[at + 1 :]],
            )
        _stream_error_event(ctx, rule_id, case, events[at][1], message)


def _stream_error_event(ctx: CheckContext, rule_id: str, case: EndpointCase, data: str, message: str) -> None:
    try:
        doc = json.loads(data)
    except ValueError:
        raise Failure(rule_id, "event: error data is not JSON", expected="an error object", seen=data[:300]) from None
    unified = case.task_type == "chat_completion"
    params = {"inference_id": case.inference_id, "error_message": message}
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    # the unified format keeps the upstream's type (OpenAiUnifiedChatCompletionResponseHandler)
    etype, reason = error_matches(
        ctx,
        rule_id,
        doc,
        unified=unified,
        status=exp.status,
        where="event: error",
        also_types=(_STREAM_ERROR_TYPE,) if unified else (),
        **params,
    )
    if message not in reason:
        raise Failure(
            rule_id,
            "event: error lacks the upstream's error message",
            expected=exp.reason,
            seen={"type": etype, "reason": reason},
        )
