"""Scenarios of the inference rules: invalid inference bodies, streaming, what reaches the upstream, the
validation call, upstream HTTP errors, and an error in the middle of a stream.

Each is a sending step (``_send_*``) and a pure judge (``judge_*``), see :mod:`harness.checks.sending`.
Upstream failures without an HTTP error status are in :mod:`harness.checks.scenarios_faults`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from contract.validate import COMPLETION_INPUT_PREFIX
from harness.checks.registry import CheckContext, JudgeContext, NotApplicable
from harness.checks.responses import about, error_matches, expected_error, secrets_absent, status_is
from harness.checks.scenarios import judge_errors, other_task
from harness.checks.sending import (
    Draw,
    Exchange,
    calls_for,
    chat_body,
    endpoint,
    exchange,
    infer,
    inference_body,
    needs_mock,
    scenario,
    sent_with_calls,
    stream,
)
from harness.checks.sse import sse_events
from harness.checks.upstream import embeddings_match, request_matches, validation_call
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.target import Response
from mocks.core.journal import Call

__all__ = [
    "judge_bedrock_fault",
    "judge_dims_mismatch",
    "judge_invalid_host",
    "judge_oracle",
    "judge_sse",
    "judge_stream_error",
    "judge_upstream_fault",
    "judge_upstream_request",
    "judge_validation",
    "judge_validation_failed",
]


def _not_chat(case: EndpointCase) -> None:
    if case.task_type == "chat_completion":
        raise NotApplicable("chat_completion endpoints only answer _stream")


def _forget_created(ctx: CheckContext, resp: Response, case: EndpointCase) -> None:
    """Delete the endpoint a PUT the scenario expected to fail created after all (cleanup, not evidence)."""
    if resp.status == 200:
        ctx.target.request("DELETE", f"/_inference/{case.inference_id}")


# ------------------------------------------------------------------------------------------------ inference bodies
_INPUT_PARAMS: dict[str, dict[str, Any]] = {
    "input.unknown_field": {"field": "unknown_harness_field", "line": 1, "column": 2, "suggestion": ""},
}


def _input_body(rule_id: str, case: EndpointCase) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "input.null": {},
        "input.empty": {"input": []},
        "input.unknown_field": {"input": case.inputs[0], "unknown_harness_field": 1},
    }
    return bodies[rule_id]


@scenario("input.null", "input.empty", "input.unknown_field", judge=judge_errors)
def _send_input(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    _not_chat(case)
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return (exchange(ctx, "POST", case.path, _input_body(rule_id, case), **_INPUT_PARAMS.get(rule_id, {})),)


@scenario("input.input_type.rejected", judge=judge_errors)
def _send_input_type(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if case.task_type != "text_embedding":
        raise NotApplicable("request validation rejects input_type first for completion tasks")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return tuple(  # every one, in every example
            exchange(ctx, "POST", case.path, {"input": case.inputs, "input_type": t}, input_type=t)
            for t in ctx.profile.input_types
        )


@scenario("input.input_type.not_for_task", judge=judge_errors)
def _send_input_type_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        body = {"input": case.inputs[0], "input_type": "search"}
        return (exchange(ctx, "POST", case.path, body, task_type=case.task_type),)


@scenario("input.completion.single", judge=judge_errors)
def _send_single(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    title = COMPLETION_INPUT_PREFIX[case.service]
    with endpoint(ctx, rule_id, case):
        body = {"input": [case.inputs[0], case.inputs[0] + " again"]}
        return (exchange(ctx, "POST", case.path, body, service_title=title),)


@scenario("input.task_type.mismatch", judge=judge_errors)
def _send_post_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    other = other_task(case, exclude_chat=True)
    with endpoint(ctx, rule_id, case):
        path = f"/_inference/{other}/{case.inference_id}"
        return (exchange(ctx, "POST", path, {"input": case.inputs[0]}, requested=other, actual=case.task_type),)


@scenario("input.query.not_for_task", judge=judge_errors)
def _send_query_task(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        body = {"input": case.inputs[0], "query": case.inputs[0]}
        return (exchange(ctx, "POST", case.path, body, task_type=case.task_type),)


@scenario("input.rerank_option.not_for_task", judge=judge_errors)
def _send_rerank_option(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return (  # each option on its own: each one returns its own error
            exchange(
                ctx,
                "POST",
                case.path,
                {"input": case.inputs[0], "return_documents": True},
                field="return_documents",
                task_type=case.task_type,
            ),
            exchange(
                ctx,
                "POST",
                case.path,
                {"input": case.inputs[0], "top_n": draw(st.integers(1, 5))},
                field="top_n",
                task_type=case.task_type,
            ),
        )


# ------------------------------------------------------------------------------------------------ streaming
@scenario("streaming.chat_completion.only_stream", judge=judge_errors)
def _send_only_stream(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    # TransportInferenceActionProxy refuses before parsing the body: a chat body, an inference body and
    # (with no task type in the URL, after the endpoint lookup) the same
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return tuple(
            exchange(ctx, "POST", path, body)
            for path in (case.path, f"/_inference/{case.inference_id}")
            for body in (chat_body(case), {"input": case.inputs[0]})
        )


@scenario("streaming.not_allowed", judge=judge_errors)
def _send_not_streamable(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    if ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} streams {case.task_type} in {ctx.profile.version}")
    needs_mock(ctx, case)
    supported = ", ".join(ctx.profile.streaming_task_types.get(case.service, ()))
    params = {"service": case.service, "task_type": case.task_type, "supported": supported}
    with endpoint(ctx, rule_id, case):
        return (exchange(ctx, "POST", f"{case.path}/_stream", inference_body(case), **params),)


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


# ------------------------------------------------------------------------------------------------ upstream requests
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


# ------------------------------------------------------------------------------------------------ upstream errors
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


def judge_upstream_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """The rule's error for the upstream status, no secret, and retries exactly where ES retries."""
    with about(sent.response):
        _judge_upstream_fault(jc, rule_id, case, sent)


#: upstream codes with their own rule from 9.1 (OpenAiResponseHandler, PR #128538): "unsuccessful" before
_OWN_WORDING_FROM = {400: "upstream.400", 404: "upstream.404", 422: "upstream.422"}


def _other_codes(ctx: CheckContext) -> list[int]:
    """The codes ``upstream.other`` covers on the profile: 418, and 400/404/422 where their rule does not hold."""
    return [418] + [c for c, r in _OWN_WORDING_FROM.items() if ctx.profile.version not in ctx.rules.get(r).versions]


def _judge_upstream_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    code = int(sent.params.get("code", _HTTP_FAULTS[rule_id]))
    expected_error(jc, rule_id, sent.response, **_fault_params(case, code, case.settings.get("url", "")))
    secrets_absent(jc, rule_id, sent.response, list(case.secrets.values()))
    attempts = len(sent.calls)
    retried = rule_id in _RETRIED and not (
        rule_id == "upstream.429" and case.service == "openai" and case.task_type != "text_embedding"
    )
    if retried and attempts < 2:
        raise Failure(rule_id, "a retryable upstream error must be retried", expected="3 attempts", seen=attempts)
    if not retried and attempts != 1:
        raise Failure(rule_id, "a non-retryable upstream error must not be retried", expected=1, seen=attempts)


@scenario(*_HTTP_FAULTS, judge=judge_upstream_fault)
def _send_upstream_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    _not_chat(case)
    needs_mock(ctx, case)
    code = _HTTP_FAULTS[rule_id] if rule_id != "upstream.other" else draw(st.sampled_from(_other_codes(ctx)))
    if rule_id == "upstream.413" and case.task_type == "text_embedding":
        raise NotApplicable("413 on embeddings triggers truncate-and-retry")
    with endpoint(ctx, rule_id, case), ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
        return sent_with_calls(ctx, case, lambda: ctx.request("POST", case.path, body=inference_body(case)), code=code)


def judge_bedrock_fault(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The rule's error for a Bedrock 400, without a secret."""
    expected_error(jc, rule_id, sent, error_message="…")
    secrets_absent(jc, rule_id, sent, list(case.secrets.values()))


@scenario("upstream.bedrock.invoke_model", "upstream.bedrock.converse", judge=judge_bedrock_fault)
def _send_bedrock_fault(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    wants_embedding = rule_id.endswith("invoke_model")
    if (case.task_type == "text_embedding") != wants_embedding or case.task_type == "chat_completion":
        raise NotApplicable(f"{rule_id} is about {'embeddings' if wants_embedding else 'completion'}")
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case), ctx.fault(case.service, {"kind": "http_error", "status": 400, "key": case.key}):
        return ctx.request("POST", case.path, body=inference_body(case))


# ------------------------------------------------------------------------------------------------ validation call
def judge_validation_failed(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[tuple[int, Response, Response], ...]
) -> None:
    """Each ``(upstream status, PUT, GET after it)``: the PUT failed with the upstream failure as its
    ``caused_by`` and no secret, and created nothing."""
    for code, put, get in sent:
        expected_error(jc, rule_id, put)
        err = (put.json or {}).get("error") or {}
        if "caused_by" not in err:
            raise Failure(
                rule_id,
                f"the upstream failure ({code}) must be the caused_by",
                expected="error.caused_by",
                seen=put.text[:300],
                response=put,
            )
        secrets_absent(jc, rule_id, put, list(case.secrets.values()))
        status_is(jc, rule_id, get, 404, "GET after a failed PUT")


@scenario("validation_call.failed", judge=judge_validation_failed)
def _send_validation_failed(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[tuple[int, Response, Response], ...]:
    needs_mock(ctx, case)
    sent = []
    for code in (400, 401, 404):  # every one, in every example
        with ctx.fault(case.service, {"kind": "http_error", "status": code, "key": case.key}):
            put = ctx.request("PUT", case.path, body=case.body)
        try:
            sent.append((code, put, ctx.request("GET", f"/_inference/{case.inference_id}")))
        finally:
            _forget_created(ctx, put, case)
    return tuple(sent)


def judge_dims_mismatch(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The PUT fails: the validation call's vectors are one longer than the dimensions set."""
    dims = case.settings["dimensions"]
    expected_error(jc, rule_id, sent, actual=dims + 1, expected=dims, inference_id=case.inference_id)


@scenario("validation_call.dimensions_mismatch", judge=judge_dims_mismatch)
def _send_dims_mismatch(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    if case.service == "amazonbedrock":
        raise NotApplicable("Bedrock does not accept dimensions in a PUT")
    needs_mock(ctx, case)
    dims = draw(st.integers(2, 16))
    case.body["service_settings"]["dimensions"] = dims
    body = {
        "object": "list",
        "model": "m",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
        "data": [{"object": "embedding", "index": 0, "embedding": [0.125] * (dims + 1)}],
    }
    fault = {
        "kind": "http_error",
        "status": 200,
        "body": json.dumps(body),
        "key": case.key,
        "headers": {"Content-Type": "application/json"},
    }
    with ctx.fault(case.service, fault):
        resp = ctx.request("PUT", case.path, body=case.body)
    _forget_created(ctx, resp, case)
    return resp


def judge_invalid_host(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    """The validation call's failure, naming the unknown host as its cause."""
    with about(sent):
        _judge_invalid_host(jc, rule_id, case, sent)


def _judge_invalid_host(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Response) -> None:
    try:
        expected_error(jc, "validation_call.failed", sent)
        stable = jc.rules.expected(rule_id, jc.profile, url=case.settings["url"]).stable
        if stable not in sent.text:
            raise Failure(rule_id, "unknown host must be reported as the cause", expected=stable, seen=sent.text[:300])
    except Failure as exc:
        exc.rule_id = rule_id
        raise


@scenario("upstream.invalid_host", judge=judge_invalid_host)
def _send_invalid_host(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Response:
    case.body["service_settings"]["url"] = f"http://{case.inference_id.replace('_', '-')}.invalid/v1/embeddings"
    resp = ctx.request("PUT", case.path, body=case.body)
    _forget_created(ctx, resp, case)
    return resp


# ------------------------------------------------------------------------------------------------ mid-stream error
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


def judge_stream_error(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    """A 200 stream with at least one message event, then ONE ``event: error`` carrying the ES error (the
    unified error on the chat_completion route) with the rule's stable message and the upstream's message
    (``sent.params["error_message"]``), nothing after it, and no secret anywhere."""
    with about(sent.response):
        _judge_stream_error(jc, rule_id, case, sent)


def _judge_stream_error(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Exchange) -> None:
    resp = sent.response
    status_is(jc, rule_id, resp, 200, "_stream with a mid-stream upstream error (the stream had started)")
    secrets_absent(jc, rule_id, resp, list(case.secrets.values()))
    events = sse_events(rule_id, resp.body, bom=jc.profile.sse_bom)
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
    _stream_error_event(jc, rule_id, case, events[at][1], sent.params["error_message"])


def _stream_error_event(jc: JudgeContext, rule_id: str, case: EndpointCase, data: str, message: str) -> None:
    try:
        doc = json.loads(data)
    except ValueError:
        raise Failure(rule_id, "event: error data is not JSON", expected="an error object", seen=data[:300]) from None
    unified = case.task_type == "chat_completion"
    params = {
        "inference_id": case.inference_id,
        "error_message": message,
        "error_suffix": f". Error message: [{message}]",
    }
    exp = jc.rules.expected(rule_id, jc.profile, **params)
    # the unified format keeps the upstream's type (OpenAiUnifiedChatCompletionResponseHandler)
    etype, reason = error_matches(
        jc,
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


@scenario("upstream.stream_error", judge=judge_stream_error)
def _send_stream_error(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> Exchange:
    """The upstream sends a few chunks, then an ``event: error`` (fault ``stream_error``) with a drawn message."""
    if not ctx.profile.streams(case.service, case.task_type):
        raise NotApplicable(f"{case.service} does not stream {case.task_type} in {ctx.profile.version}")
    needs_mock(ctx, case)
    message = draw(st.sampled_from(_STREAM_ERROR_MESSAGES))
    fault = {
        "kind": "stream_error",
        "after": _STREAM_ERROR_AFTER[case.service],
        "times": 1,
        "key": case.key,
        "message": message,
        "type": _STREAM_ERROR_TYPE,
    }
    # the fault comes after the PUT: chat_completion validates by streaming
    with endpoint(ctx, rule_id, case), ctx.fault(case.service, fault):
        return Exchange(stream(ctx, case), params={"error_message": message})
