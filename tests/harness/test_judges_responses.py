"""The response checks (``harness.checks.responses``) on hand-built answers: no target, no mock, no network.

A check passes the answer Elasticsearch gives and fails a broken one with the failure a report prints: the rule
id, the title, what was expected and what was seen, about the response judged (the evidence a run ends with and
replays). Each failure is compared whole. ``bench/mutation.py`` measures these tests (docs/mutation.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract import load_profile, load_rules
from harness.checks import JudgeContext
from harness.checks.responses import (
    about,
    error_envelope,
    error_matches,
    expected_error,
    filtered_config,
    judges_response,
    secrets_absent,
    single_endpoint,
    status_is,
)
from harness.errors import Failure
from harness.target import Response

RULES = load_rules()
JC = JudgeContext(load_profile("8.18"), RULES)  # empty task_settings rendered as {}
JC_90 = JudgeContext(load_profile("9.0"), RULES)  # empty task_settings omitted
URL = "http://target/_inference/text_embedding/h-1"
ENVELOPE_SHAPE = '{"error":{"root_cause":[{"type","reason"}],"type","reason"},"status":<http status>}'
UNIFIED_SHAPE = '{"error":{"code","message","type"}}'
KEY = "sk-canary-responses-0001"


def _response(status: int, body: Any, *, ctype: str | None = "application/json", method: str = "GET") -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": ctype} if ctype else {}
    return Response(method, URL, None, status, headers, raw)


def _failure(check: Any, *args: Any, **kwargs: Any) -> Failure:
    with pytest.raises(Failure) as info:
        check(*args, **kwargs)
    return info.value


def _whole(failure: Failure) -> tuple[Any, ...]:
    return failure.rule_id, failure.title, failure.expected, failure.seen


def _envelope(rule_id: str, jc: JudgeContext = JC, **params: Any) -> dict[str, Any]:
    exp = jc.rules.expected(rule_id, jc.profile, **params)
    error = {"type": exp.error_type, "reason": exp.reason}
    return {"error": {"root_cause": [error], **error}, "status": exp.status}


def _expected(rule_id: str, **params: Any) -> dict[str, Any]:
    exp = RULES.expected(rule_id, JC.profile, **params)
    return {"status": exp.status, "type": exp.error_type, "reason": exp.reason}


# ------------------------------------------------------------------------------------------ about / judged
def test_a_failure_is_about_the_outermost_response_judged() -> None:
    first, second = _response(200, {}), _response(404, {})
    with pytest.raises(Failure) as info, about(first), about(second):
        raise Failure("r", "t")
    assert info.value.response is first


def test_a_marked_check_returns_its_value_and_its_failures_name_the_response() -> None:
    @judges_response
    def check(ctx: Any, rule_id: str, response: Response, fail: bool) -> int:
        if fail:
            raise Failure(rule_id, "broken")
        return response.status

    response = _response(201, {})
    assert check(JC, "r", response, False) == 201
    failure = _failure(check, JC, "r", response, fail=True)
    assert failure.response is response and failure.title == "broken"


# ------------------------------------------------------------------------------------------ status_is
def test_status_is_passes_the_expected_status() -> None:
    assert status_is(JC, "crud.not_found", _response(404, {}), 404, "GET of a deleted endpoint") is None


def test_status_is_names_the_status_and_the_answer() -> None:
    response = _response(500, {"error": "boom"})
    failure = _failure(status_is, JC, "crud.not_found", response, 404, "GET of a deleted endpoint")
    assert _whole(failure) == (
        "crud.not_found",
        "GET of a deleted endpoint: unexpected status",
        404,
        '500 {"error": "boom"}',
    )
    assert failure.response is response


@pytest.mark.parametrize(
    ("length", "seen_tail"),
    [(300, "x" * 300), (301, "x" * 300 + "..."), (299, "x" * 299)],
)
def test_a_failure_shows_at_most_300_characters_of_the_answer(length: int, seen_tail: str) -> None:
    failure = _failure(status_is, JC, "r", _response(500, b"x" * length, ctype="text/plain"), 200, "PUT")
    assert failure.seen == "500 " + seen_tail


# ------------------------------------------------------------------------------------------ single_endpoint
def test_single_endpoint_returns_the_one_endpoint_of_a_get() -> None:
    item = {"inference_id": "h-1", "task_type": "text_embedding"}
    assert single_endpoint(JC, "r", _response(200, {"endpoints": [item]})) == item


def test_single_endpoint_wants_a_200() -> None:
    response = _response(404, _envelope("crud.not_found", inference_id="h-1"))
    failure = _failure(single_endpoint, JC, "check.crud_consistency", response)
    assert _whole(failure)[:3] == ("check.crud_consistency", "GET of a created endpoint: unexpected status", 200)
    assert failure.seen.startswith("404 {") and failure.response is response


@pytest.mark.parametrize(
    "body",
    [
        {"endpoints": []},
        {"endpoints": [{"inference_id": "a"}, {"inference_id": "b"}]},
        {"endpoints": {"inference_id": "a"}},
        {"models": [{"inference_id": "a"}]},  # the listing key of another version
        [{"inference_id": "a"}],
        {"endpoints": [{"inference_id": "a", "pad": "p" * 400}, {}]},
    ],
)
def test_single_endpoint_wants_exactly_one_endpoint_under_the_profiles_key(body: Any) -> None:
    response = _response(200, body)
    failure = _failure(single_endpoint, JC, "check.crud_consistency", response)
    assert _whole(failure) == (
        "check.crud_consistency",
        "GET must return {endpoints: [one endpoint]}",
        1,
        response.text[:300],
    )
    assert failure.response is response


# ------------------------------------------------------------------------------------------ error_envelope
def test_error_envelope_returns_the_error_object() -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    assert error_envelope(JC, "crud.not_found", _response(404, body)) == body["error"]


@pytest.mark.parametrize("body", [{"error": "boom"}, ["error"], {"message": "not found"}, b"not json"])
def test_error_envelope_refuses_a_body_that_is_no_envelope(body: Any) -> None:
    response = _response(404, body)
    failure = _failure(error_envelope, JC, "crud.not_found", response)
    assert _whole(failure) == (
        "crud.not_found",
        "error is not the Elasticsearch envelope",
        ENVELOPE_SHAPE,
        f"404 {response.text}",
    )
    assert failure.response is response


ROOT = {"type": "resource_not_found_exception", "reason": "Inference endpoint not found [h-1]"}
TYPE_MISSING = "error.type/error.reason missing"
ROOTS_BAD = "error.root_cause is not a non-empty list of {type, reason}"


@pytest.mark.parametrize(
    ("error", "status", "problems"),
    [
        ({"root_cause": [ROOT], "reason": ROOT["reason"]}, 404, [TYPE_MISSING]),
        ({"root_cause": [ROOT], "type": ROOT["type"]}, 404, [TYPE_MISSING]),
        ({"root_cause": [ROOT], "type": ROOT["type"], "reason": 7}, 404, [TYPE_MISSING]),
        ({"root_cause": [], **ROOT}, 404, [ROOTS_BAD]),
        ({**ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": 5, **ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": ROOT, **ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": [{"reason": ROOT["reason"]}], **ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": [{"type": ROOT["type"]}], **ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": [ROOT, "text"], **ROOT}, 404, [ROOTS_BAD]),
        ({"root_cause": [ROOT], **ROOT}, 400, ["status field 400 != HTTP status 404"]),
        ({"root_cause": [ROOT], **ROOT}, None, ["status field None != HTTP status 404"]),
        ({}, "404", [TYPE_MISSING, ROOTS_BAD, "status field '404' != HTTP status 404"]),
    ],
)
def test_error_envelope_names_every_problem(error: dict[str, Any], status: Any, problems: list[str]) -> None:
    body: dict[str, Any] = {"error": error}
    if status is not None:
        body["status"] = status
    response = _response(404, body)
    failure = _failure(error_envelope, JC, "crud.not_found", response)
    assert _whole(failure) == (
        "crud.not_found",
        "malformed error envelope: " + "; ".join(problems),
        ENVELOPE_SHAPE,
        f"404 {response.text}",
    )
    assert failure.response is response


# ------------------------------------------------------------------------------------------ expected_error
def test_expected_error_passes_the_rules_error() -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    assert expected_error(JC, "crud.not_found", _response(404, body), inference_id="h-1") is None


def test_expected_error_renders_the_rule_with_the_params() -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    response = _response(404, body)
    failure = _failure(expected_error, JC, "crud.duplicate", response, inference_id="h-1")
    assert _whole(failure) == (
        "crud.duplicate",
        "wrong status",
        _expected("crud.duplicate", inference_id="h-1"),
        f"404 {response.text}",
    )
    assert failure.response is response


def test_expected_error_wants_the_envelope_before_the_type() -> None:
    body = {"error": {"type": "status_exception", "reason": "Request body is empty"}, "status": 400}
    response = _response(400, body)
    failure = _failure(expected_error, JC, "crud.update.empty_body", response)
    assert _whole(failure) == (
        "crud.update.empty_body",
        "malformed error envelope: " + ROOTS_BAD,
        ENVELOPE_SHAPE,
        f"400 {response.text}",
    )


def test_expected_error_wants_the_rules_type_and_text() -> None:
    body = _envelope("crud.update.empty_body")
    body["error"]["type"] = body["error"]["root_cause"][0]["type"] = "illegal_argument_exception"
    failure = _failure(expected_error, JC, "crud.update.empty_body", _response(400, body))
    assert _whole(failure) == (
        "crud.update.empty_body",
        "wrong error type",
        "status_exception",
        {"type": "illegal_argument_exception", "reason": "Request body is empty"},
    )


def _sse(*events: tuple[str | None, str], ctype: str = "text/event-stream") -> Response:
    raw = "".join((f"event: {e}\n" if e else "") + f"data: {d}\n\n" for e, d in events).encode()
    return _response(400, raw, ctype=ctype, method="POST")


def test_expected_error_reads_an_error_event_of_a_stream() -> None:
    body = json.dumps(_envelope("streaming.unified.empty_messages"))
    for ctype in ("text/event-stream", "text/event-stream;charset=UTF-8"):
        response = _sse(("message", '{"id": "1"}'), ("error", body), ctype=ctype)
        assert expected_error(JC, "streaming.unified.empty_messages", response) is None


def test_expected_error_judges_the_envelope_of_the_error_event_and_names_the_stream() -> None:
    envelope = _envelope("streaming.unified.empty_messages")
    envelope["status"] = 500
    response = _sse(("error", json.dumps(envelope)), ("error", "{}"))
    failure = _failure(expected_error, JC, "streaming.unified.empty_messages", response)
    assert _whole(failure) == (
        "streaming.unified.empty_messages",
        "malformed error envelope: status field 500 != HTTP status 400",
        ENVELOPE_SHAPE,
        f"400 {json.dumps(envelope)}",
    )
    assert failure.response is response  # the stream as it came, not the event read out of it


@pytest.mark.parametrize(
    "response",
    [
        _sse(("message", '{"id": "1"}')),  # no error event
        _sse(("error", "not json")),  # an error event that is not JSON
        _response(400, b"plain text", ctype="text/plain"),
        _response(400, b"plain text", ctype=None),
    ],
)
def test_expected_error_without_a_json_error_judges_the_answer_as_it_came(response: Response) -> None:
    failure = _failure(expected_error, JC, "streaming.unified.empty_messages", response)
    assert _whole(failure) == (
        "streaming.unified.empty_messages",
        "error is not the Elasticsearch envelope",
        ENVELOPE_SHAPE,
        f"400 {response.text}",
    )


def test_expected_error_judges_a_json_answer_as_json_whatever_its_content_type() -> None:
    body = _envelope("streaming.unified.empty_messages")
    response = _response(400, body, ctype="text/event-stream")
    assert expected_error(JC, "streaming.unified.empty_messages", response) is None


def test_expected_error_judges_the_unified_format_without_the_envelope() -> None:
    rule = "streaming.chat_completion.only_stream"
    exp = RULES.expected(rule, JC.profile)
    good = {"error": {"code": "bad_request", "message": exp.reason, "type": exp.error_type}}
    assert expected_error(JC, rule, _response(400, good, method="POST")) is None
    envelope = _envelope(rule)
    failure = _failure(expected_error, JC, rule, _response(400, envelope, method="POST"))
    assert _whole(failure) == (rule, "error is not the unified error format", UNIFIED_SHAPE, repr(envelope)[:300])


# ------------------------------------------------------------------------------------------ error_matches
def test_error_matches_returns_the_type_and_reason() -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    seen = error_matches(JC, "crud.not_found", body, unified=False, status=404, inference_id="h-1")
    assert seen == ("resource_not_found_exception", "Inference endpoint not found [h-1]")


def test_error_matches_accepts_the_other_types_given() -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    body["error"]["type"] = "status_exception"
    kwargs: dict[str, Any] = {"unified": False, "status": 404, "inference_id": "h-1"}
    assert error_matches(JC, "crud.not_found", body, also_types=("status_exception",), **kwargs)[0] == (
        "status_exception"
    )
    failure = _failure(error_matches, JC, "crud.not_found", body, also_types=("x_exception",), **kwargs)
    assert _whole(failure) == (
        "crud.not_found",
        "wrong error type",
        "resource_not_found_exception or x_exception",
        {"type": "status_exception", "reason": "Inference endpoint not found [h-1]"},
    )


@pytest.mark.parametrize("where", [None, "event"])
def test_error_matches_wants_the_rules_stable_text(where: str | None) -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    body["error"]["reason"] = "no such endpoint [h-1]"
    named = {} if where is None else {"where": where}
    failure = _failure(
        error_matches, JC, "crud.not_found", body, unified=False, status=404, inference_id="h-1", **named
    )
    assert _whole(failure) == (
        "crud.not_found",
        f"{where or 'error'} reason lacks the rule's stable text",
        _expected("crud.not_found", inference_id="h-1"),
        {"type": "resource_not_found_exception", "reason": "no such endpoint [h-1]"},
    )


@pytest.mark.parametrize("where", [None, "event"])
def test_error_matches_wants_the_status_field_given(where: str | None) -> None:
    body = _envelope("crud.not_found", inference_id="h-1")
    named = {} if where is None else {"where": where}
    failure = _failure(
        error_matches, JC, "crud.not_found", body, unified=False, status=500, inference_id="h-1", **named
    )
    assert _whole(failure) == ("crud.not_found", f"wrong status in the {where or 'error'}", 500, 404)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "Inference endpoint not found [h-1]",
        {"error": "Inference endpoint not found [h-1]", "status": 404},
        {"error": {"type": "resource_not_found_exception"}, "status": 404},
        {"error": {"type": "resource_not_found_exception", "reason": ["x"]}, "status": 404},
        {"error": {"type": "resource_not_found_exception", "reason": None, "pad": "r" * 400}, "status": 404},
    ],
)
@pytest.mark.parametrize("where", [None, "event"])
def test_error_matches_wants_the_envelope(body: Any, where: str | None) -> None:
    named = {} if where is None else {"where": where}
    failure = _failure(error_matches, JC, "crud.not_found", body, unified=False, status=404, inference_id="h", **named)
    shown = body if isinstance(body, str) else repr(body)
    assert _whole(failure) == (
        "crud.not_found",
        f"{where or 'error'} is not the Elasticsearch error envelope",
        ENVELOPE_SHAPE,
        shown[:300],
    )


UNIFIED_RULE = "streaming.chat_completion.only_stream"


def test_error_matches_reads_the_unified_format() -> None:
    exp = RULES.expected(UNIFIED_RULE, JC.profile)
    body = {"error": {"code": None, "message": exp.reason, "type": exp.error_type}}
    assert error_matches(JC, UNIFIED_RULE, body, unified=True, status=400) == (exp.error_type, exp.reason)
    body["error"]["type"] = "invalid_request_error"
    failure = _failure(error_matches, JC, UNIFIED_RULE, body, unified=True, status=400)
    assert _whole(failure) == (
        UNIFIED_RULE,
        "wrong error type",
        exp.error_type,
        {"type": "invalid_request_error", "reason": exp.reason},
    )


@pytest.mark.parametrize(
    "error",
    [
        "only supports streaming",
        {"message": "only supports streaming", "type": "status_exception"},  # no code
        {"code": 400, "message": 7, "type": "status_exception"},
        {"code": 400, "type": "status_exception"},
        {"code": 400, "reason": "only supports streaming", "type": "status_exception"},
    ],
)
@pytest.mark.parametrize("where", [None, "event"])
def test_error_matches_wants_the_unified_format(error: Any, where: str | None) -> None:
    body = {"error": error}
    named = {} if where is None else {"where": where}
    failure = _failure(error_matches, JC, UNIFIED_RULE, body, unified=True, status=400, **named)
    assert _whole(failure) == (
        UNIFIED_RULE,
        f"{where or 'error'} is not the unified error format",
        UNIFIED_SHAPE,
        repr(body),
    )


# ------------------------------------------------------------------------------------------ secrets_absent
def test_secrets_absent_passes_an_answer_without_them() -> None:
    body = {"endpoints": [{"inference_id": "h-1", "service_settings": {"model_id": "m"}}]}
    assert secrets_absent(JC, "secrets.never_returned", _response(200, body), [KEY, "AKIACANARY"]) is None


@pytest.mark.parametrize(
    ("where", "secrets"),
    [
        ("body", [KEY]),
        ("body", ["", KEY]),  # an empty secret is skipped, not the end of the list
        ("header", ["AKIACANARY", KEY]),
        ("header-name", [KEY]),
    ],
)
def test_secrets_absent_finds_a_secret_anywhere_in_the_answer(where: str, secrets: list[str]) -> None:
    headers = {"Content-Type": "application/json"}
    body: dict[str, Any] = {"error": {"reason": "bad key"}, "status": 401}
    if where == "body":
        body["error"]["reason"] = f"bad key {KEY}"
    elif where == "header":
        headers["WWW-Authenticate"] = f'Bearer realm="{KEY}"'
    else:
        headers[f"X-{KEY}"] = "1"
    response = Response("POST", URL, None, 401, headers, json.dumps(body).encode())
    failure = _failure(secrets_absent, JC, "secrets.never_returned", response, secrets)
    assert _whole(failure) == (
        "secrets.never_returned",
        "a secret was returned",
        "no secret in any response",
        f"POST {URL} -> 401 contains {KEY}",
    )
    assert failure.response is response


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"service_settings": {"api_key": "<redacted>"}}, ["service_settings.api_key"]),
        (
            {
                "endpoints": [
                    {"service_settings": {"model_id": "m"}},
                    {"service_settings": {"access_key": "a", "secret_key": "s"}},
                ]
            },
            ["endpoints.1.service_settings.access_key", "endpoints.1.service_settings.secret_key"],
        ),
        (
            {"endpoints": [{"service_settings": {"api_key": "a"}}, {"service_settings": {"model_id": "m"}}]},
            ["endpoints.0.service_settings.api_key"],
        ),
        ({"entra_id": {"api_key": 1}}, ["entra_id", "entra_id.api_key"]),
    ],
)
def test_secrets_absent_refuses_secret_fields_in_a_success(body: Any, fields: list[str]) -> None:
    response = _response(200, body)
    failure = _failure(secrets_absent, JC, "secrets.never_returned", response, [KEY])
    assert _whole(failure) == (
        "secrets.never_returned",
        "a secret field was returned",
        "no api_key/entra_id/access_key/secret_key",
        f"GET {URL} -> fields {fields}",
    )
    assert failure.response is response


@pytest.mark.parametrize("status", [300, 400])
def test_secrets_absent_lets_an_error_name_a_secret_field(status: int) -> None:
    body = {"error": {"api_key": "missing"}, "status": status}
    assert secrets_absent(JC, "secrets.never_returned", _response(status, body), [KEY]) is None


# ------------------------------------------------------------------------------------------ filtered_config
SENT = {"service": "openai", "service_settings": {"api_key": KEY, "model_id": "m-1", "dimensions": 8}}
IDS = {"inference_id": "h-1", "task_type": "text_embedding", "service": "openai"}


def _config(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        **IDS,
        "service_settings": {"model_id": "m-1", "dimensions": 8, "similarity": "dot_product"},
        "task_settings": {},
        "chunking_settings": {"strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1},
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not ...}


def _filtered(config: Any, jc: JudgeContext = JC, sent: dict[str, Any] = SENT, **ids: str) -> None:
    filtered_config(jc, "crud.put.response", config, sent=sent, **{**IDS, **ids})


def test_filtered_config_passes_the_filtered_endpoint() -> None:
    _filtered(_config())
    _filtered(_config(task_settings=...), jc=JC_90)
    completion = _config(task_type="completion", chunking_settings=None)
    _filtered(completion, task_type="completion")


@pytest.mark.parametrize("config", [None, ["endpoint"], "h-1"])
def test_filtered_config_wants_an_object(config: Any) -> None:
    failure = _failure(_filtered, config)
    assert _whole(failure) == ("crud.put.response", "endpoint config is not an object", "object", config)


@pytest.mark.parametrize(
    "change",
    [{"inference_id": "h-2"}, {"task_type": "completion"}, {"service": "azureopenai"}, {"inference_id": ...}],
)
def test_filtered_config_wants_the_endpoints_identity(change: dict[str, Any]) -> None:
    config = _config(**change)
    failure = _failure(_filtered, config)
    seen = {k: config.get(k) for k in IDS}
    assert _whole(failure) == ("crud.put.response", "endpoint identity differs", IDS, seen)


@pytest.mark.parametrize("settings", [..., None, ["model_id"]])
def test_filtered_config_wants_service_settings(settings: Any) -> None:
    config = _config(service_settings=settings)
    failure = _failure(_filtered, config)
    assert _whole(failure) == ("crud.put.response", "service_settings missing", "object", config)


def test_filtered_config_wants_every_non_secret_setting_echoed() -> None:
    config = _config(service_settings={"model_id": "m-1"})
    failure = _failure(_filtered, config)
    assert _whole(failure) == ("crud.put.response", "service_settings.dimensions not echoed", 8, None)
    config = _config(service_settings={"model_id": "m-2", "dimensions": 8})
    failure = _failure(_filtered, config)
    assert _whole(failure) == ("crud.put.response", "service_settings.model_id not echoed", "m-1", "m-2")


def test_filtered_config_never_wants_a_secret_echoed() -> None:
    sent = {"service_settings": {"api_key": KEY, "entra_id": "e", "model_id": "m-1"}}
    _filtered(_config(service_settings={"model_id": "m-1"}), sent=sent)
    failure = _failure(_filtered, _config(service_settings={"model_id": "m-9"}), sent=sent)
    assert _whole(failure) == ("crud.put.response", "service_settings.model_id not echoed", "m-1", "m-9")


@pytest.mark.parametrize(
    ("task", "seen"),
    [({"user": "someone-else"}, "someone-else"), ({}, None), (..., None), (["user"], None)],
)
def test_filtered_config_wants_the_task_settings_sent(task: Any, seen: Any) -> None:
    sent = {**SENT, "task_settings": {"user": "u-1"}}
    failure = _failure(_filtered, _config(task_settings=task), sent=sent)
    assert _whole(failure) == ("crud.put.response", "task_settings.user not echoed", "u-1", seen)
    _filtered(_config(task_settings={"user": "u-1"}), sent=sent)


@pytest.mark.parametrize(("task", "seen"), [(..., "<absent>"), (None, None), ({"user": "u"}, {"user": "u"})])
def test_filtered_config_renders_empty_task_settings_as_an_object_before_9_0(task: Any, seen: Any) -> None:
    failure = _failure(_filtered, _config(task_settings=task))
    assert _whole(failure) == (
        "crud.put.response",
        "empty task_settings must be rendered as {} in this version",
        {},
        seen,
    )


@pytest.mark.parametrize("task", [{}, None])
def test_filtered_config_omits_empty_task_settings_from_9_0(task: Any) -> None:
    failure = _failure(_filtered, _config(task_settings=task), jc=JC_90)
    assert _whole(failure) == (
        "crud.put.response",
        "empty task_settings must be omitted in this version",
        "<absent>",
        task,
    )


def test_filtered_config_wants_no_chunking_settings_but_for_embeddings() -> None:
    chunking = {"strategy": "word", "max_chunk_size": 100, "overlap": 10}
    for task_type in ("completion", "chat_completion", "sparse_embedding"):
        config = _config(task_type=task_type, chunking_settings=chunking)
        failure = _failure(_filtered, config, task_type=task_type)
        assert _whole(failure) == (
            "crud.put.response",
            "chunking_settings on a non-embedding endpoint",
            "<absent>",
            chunking,
        )


# ---------------------------------------------------------------- the REST layer's simple error bodies (issue 24)
_405 = {"uri": "/_inference/completion/x/_stream", "method": "GET", "allowed": "POST"}
_405_TEXT = "Incorrect HTTP method for uri [/_inference/completion/x/_stream] and method [GET], allowed: [POST]"
_NO_HANDLER = {"uri": "/_inference/a/b/c/d", "method": "GET"}
_NO_HANDLER_TEXT = "no handler found for uri [/_inference/a/b/c/d] and method [GET]"


def test_a_simple_error_body_passes() -> None:
    expected_error(JC, "rest.method_not_allowed", _response(405, {"error": _405_TEXT, "status": 405}), **_405)
    expected_error(JC, "rest.no_handler", _response(400, {"error": _NO_HANDLER_TEXT}), **_NO_HANDLER)


@pytest.mark.parametrize(
    ("rule_id", "params", "status", "body", "title"),
    [
        ("rest.method_not_allowed", _405, 405, {"error": {"type": "x", "reason": _405_TEXT}, "status": 405},
         "not the REST layer's simple error body"),
        ("rest.method_not_allowed", _405, 405, {"error": _405_TEXT}, "not the REST layer's simple error body"),
        ("rest.method_not_allowed", _405, 405, {"error": _405_TEXT, "status": 400}, "wrong status in the error body"),
        ("rest.method_not_allowed", _405, 405, {"error": "Method Not Allowed", "status": 405},
         "error lacks the rule's stable text"),
        ("rest.no_handler", _NO_HANDLER, 400, {"error": _NO_HANDLER_TEXT, "status": 400},
         "not the REST layer's bare error body"),
        ("rest.no_handler", _NO_HANDLER, 400, {"error": "not found"}, "error lacks the rule's stable text"),
        ("rest.no_handler", _NO_HANDLER, 400, ["no handler found for uri ["], "not the REST layer's bare error body"),
    ],
)
def test_a_broken_simple_error_body_fails(
    rule_id: str, params: dict[str, str], status: int, body: Any, title: str
) -> None:
    failure = _failure(expected_error, JC, rule_id, _response(status, body), **params)
    exp = RULES.expected(rule_id, JC.profile, **params)
    shape = {"error": exp.reason, **({"status": exp.status} if exp.format == "simple" else {})}
    assert (failure.rule_id, failure.title) == (rule_id, title)
    assert failure.expected == (exp.status if title.startswith("wrong status") else shape)
    assert failure.seen == (body["status"] if title.startswith("wrong status") else repr(body)[:300])


def test_a_simple_error_with_another_status_fails_on_the_status_first() -> None:
    failure = _failure(expected_error, JC, "rest.method_not_allowed", _response(404, {"error": "x", "status": 404}),
                       **_405)
    assert (failure.rule_id, failure.title) == ("rest.method_not_allowed", "wrong status")
