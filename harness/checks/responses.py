"""Checks on the target's responses: expected errors, the ES envelope, secrets, the filtered config, defaults."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

from contract import SECRET_FIELDS
from harness.checks.registry import Oracle
from harness.checks.sse import parse_sse
from harness.errors import Failure
from harness.target import Response

__all__ = [
    "about",
    "judges_response",
    "error_envelope",
    "error_matches",
    "expected_error",
    "filtered_config",
    "secrets_absent",
    "single_endpoint",
    "status_is",
]

_SECRET_KEYS = frozenset(SECRET_FIELDS)
_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextlib.contextmanager
def about(response: Response) -> Iterator[None]:
    """A failure raised in the block is about ``response`` (the exchange a run's evidence ends with and
    replays; the outermost ``about`` wins)."""
    try:
        yield
    except Failure as failure:
        failure.response = response
        raise


def judges_response(
    check: Callable[Concatenate[Any, str, Response, _P], _R],
) -> Callable[Concatenate[Any, str, Response, _P], _R]:
    """Mark a check ``(ctx, rule_id, response, ...)``: its failures are about ``response`` (see :func:`about`)."""

    @functools.wraps(check)
    def judged(ctx: Any, rule_id: str, response: Response, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with about(response):
            return check(ctx, rule_id, response, *args, **kwargs)

    return judged


_ENVELOPE_SHAPE = '{"error":{"root_cause":[{"type","reason"}],"type","reason"},"status":<http status>}'
_UNIFIED_SHAPE = '{"error":{"code","message","type"}}'


def _brief(response: Response, limit: int = 300) -> str:
    text = response.text
    return f"{response.status} {text[:limit]}" + ("..." if len(text) > limit else "")


@judges_response
def status_is(ctx: Oracle, rule_id: str, response: Response, expected: int, what: str) -> None:
    """The response has HTTP status ``expected``."""
    if response.status != expected:
        raise Failure(rule_id, f"{what}: unexpected status", expected=expected, seen=_brief(response))


@judges_response
def single_endpoint(ctx: Oracle, rule_id: str, response: Response) -> dict[str, Any]:
    """The response is a 200 GET of one endpoint, ``{<the profile's list key>: [one endpoint]}``; returns it."""
    status_is(ctx, rule_id, response, 200, "GET of a created endpoint")
    key = ctx.profile.get_list_key
    items = (response.json or {}).get(key) if isinstance(response.json, dict) else None
    if not isinstance(items, list) or len(items) != 1:
        raise Failure(rule_id, f"GET must return {{{key}: [one endpoint]}}", expected=1, seen=response.text[:300])
    return dict(items[0])


@judges_response
def error_envelope(ctx: Oracle, rule_id: str, response: Response) -> dict[str, Any]:
    """The body is ``{"error": {"root_cause": [{type, reason}], "type", "reason"}, "status": N}`` with N the
    HTTP status. Returns the ``error`` object."""
    body = response.json
    shape = _ENVELOPE_SHAPE
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        raise Failure(rule_id, "error is not the Elasticsearch envelope", expected=shape, seen=_brief(response))
    err = body["error"]
    problems = []
    if not isinstance(err.get("type"), str) or not isinstance(err.get("reason"), str):
        problems.append("error.type/error.reason missing")
    roots = err.get("root_cause")
    if (
        not isinstance(roots, list)
        or not roots
        or not all(
            isinstance(r, dict) and isinstance(r.get("type"), str) and isinstance(r.get("reason"), str) for r in roots
        )
    ):
        problems.append("error.root_cause is not a non-empty list of {type, reason}")
    if body.get("status") != response.status:
        problems.append(f"status field {body.get('status')!r} != HTTP status {response.status}")
    if problems:
        raise Failure(
            rule_id, "malformed error envelope: " + "; ".join(problems), expected=shape, seen=_brief(response)
        )
    return err


@judges_response
def expected_error(ctx: Oracle, rule_id: str, response: Response, **params: Any) -> None:
    """The response is the error the rule table gives for ``rule_id`` with ``params``: status, ``type`` and the
    stable substring of the reason (the ES envelope, or the unified ``{"error":{code,message,type}}``)."""
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    if response.status != exp.status:
        raise Failure(
            rule_id,
            "wrong status",
            expected={"status": exp.status, "type": exp.error_type, "reason": exp.reason},
            seen=_brief(response),
        )
    body = response.json
    if body is None and (response.header("content-type") or "").startswith("text/event-stream"):
        # an error on a _stream route may come as one SSE "event: error" carrying the envelope
        body = _sse_error_body(response)
        if body is not None:
            response = _with_body(response, body)
    if exp.format in ("simple", "bare"):
        simple_error_matches(ctx, rule_id, body, **params)
        return
    if exp.format != "unified":
        error_envelope(ctx, rule_id, response)
    error_matches(ctx, rule_id, body, unified=exp.format == "unified", status=exp.status, **params)


def simple_error_matches(ctx: Oracle, rule_id: str, body: Any, **params: Any) -> None:
    """The REST layer's own error body: ``{"error": "<reason>", "status": N}`` (``simple``, RestResponse's
    ``createSimpleErrorResponse``) or ``{"error": "<reason>"}`` (``bare``, ``handleBadRequest``), the reason
    holding the rule's stable text."""
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    shape: dict[str, Any] = {"error": exp.reason, **({"status": exp.status} if exp.format == "simple" else {})}
    if not isinstance(body, dict) or set(body) != set(shape) or not isinstance(body.get("error"), str):
        raise Failure(rule_id, f"not the REST layer's {exp.format} error body", expected=shape, seen=_short(body))
    if exp.format == "simple" and body.get("status") != exp.status:
        raise Failure(rule_id, "wrong status in the error body", expected=exp.status, seen=body.get("status"))
    if exp.stable not in body["error"]:
        raise Failure(rule_id, "error lacks the rule's stable text", expected=shape, seen=_short(body))


def error_matches(
    ctx: Oracle,
    rule_id: str,
    body: Any,
    *,
    unified: bool,
    status: int,
    also_types: tuple[str, ...] = (),
    where: str = "error",
    **params: Any,
) -> tuple[Any, str]:
    """The one error judge: ``body`` (a parsed response body or the data of an SSE ``event: error``) is the
    rule's error: the unified ``{"error":{code,message,type}}`` when ``unified``, else the ES envelope with a
    ``status`` field equal to ``status``; its type is the rule's (or one of ``also_types``) and its reason
    holds the rule's stable text. Returns ``(type, reason)``; ``where`` names the error in messages."""
    exp = ctx.rules.expected(rule_id, ctx.profile, **params)
    expected = {"status": exp.status, "type": exp.error_type, "reason": exp.reason}
    err = body.get("error") if isinstance(body, dict) else None
    if unified:
        if not isinstance(err, dict) or not isinstance(err.get("message"), str) or "code" not in err:
            raise Failure(
                rule_id, f"{where} is not the unified error format", expected=_UNIFIED_SHAPE, seen=_short(body)
            )
        etype, reason = err.get("type"), err["message"]
    else:
        if not isinstance(err, dict) or not isinstance(err.get("reason"), str):
            raise Failure(
                rule_id, f"{where} is not the Elasticsearch error envelope", expected=_ENVELOPE_SHAPE, seen=_short(body)
            )
        if body.get("status") != status:
            raise Failure(rule_id, f"wrong status in the {where}", expected=status, seen=body.get("status"))
        etype, reason = err.get("type"), err["reason"]
    seen = {"type": etype, "reason": reason}
    if etype not in (exp.error_type, *also_types):
        raise Failure(rule_id, f"wrong {where} type", expected=" or ".join((exp.error_type, *also_types)), seen=seen)
    if exp.stable not in reason:
        raise Failure(rule_id, f"{where} reason lacks the rule's stable text", expected=expected, seen=seen)
    return etype, reason


def _short(body: Any, limit: int = 300) -> str:
    text = body if isinstance(body, str) else repr(body)
    return text[:limit]


@judges_response
def secrets_absent(ctx: Oracle, rule_id: str, response: Response, secrets: list[str]) -> None:
    """No secret (canary) appears in the response body, any header, or (raw or JSON-escaped) anywhere."""
    haystacks = [response.text, *(f"{k}: {v}" for k, v in response.headers.items())]
    for secret in secrets:
        if not secret:
            continue
        for hay in haystacks:
            if secret in hay:
                raise Failure(
                    rule_id,
                    "a secret was returned",
                    expected="no secret in any response",
                    seen=f"{response.method} {response.url} -> {response.status} contains {secret}",
                )
    body = response.json
    found = _secret_keys(body)
    if found and response.status < 300:
        raise Failure(
            rule_id,
            "a secret field was returned",
            expected="no api_key/entra_id/access_key/secret_key",
            seen=f"{response.method} {response.url} -> fields {found}",
        )


def _secret_keys(value: Any, path: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in _SECRET_KEYS:
                out.append(f"{path}{k}")
            out += _secret_keys(v, f"{path}{k}.")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _secret_keys(v, f"{path}{i}.")
    return out


def filtered_config(
    ctx: Oracle,
    rule_id: str,
    config: Any,
    *,
    inference_id: str,
    task_type: str,
    service: str,
    sent: dict[str, Any],
) -> None:
    """``config`` (a PUT response or a GET item) is the filtered view of what was sent: same id, task type,
    service; every non-secret service/task setting sent is echoed; no ``dimensions_set_by_user``; empty
    ``task_settings`` rendered per the profile; chunking_settings only for text_embedding."""
    if not isinstance(config, dict):
        raise Failure(rule_id, "endpoint config is not an object", expected="object", seen=config)
    want = {"inference_id": inference_id, "task_type": task_type, "service": service}
    got = {k: config.get(k) for k in want}
    if got != want:
        raise Failure(rule_id, "endpoint identity differs", expected=want, seen=got)
    settings = config.get("service_settings")
    if not isinstance(settings, dict):
        raise Failure(rule_id, "service_settings missing", expected="object", seen=config)
    for key, value in (sent.get("service_settings") or {}).items():
        if key in _SECRET_KEYS:
            continue
        if settings.get(key) != value:
            raise Failure(rule_id, f"service_settings.{key} not echoed", expected=value, seen=settings.get(key))
    task = config.get("task_settings")
    sent_task = sent.get("task_settings") or {}
    if sent_task:
        for key, value in sent_task.items():
            if not isinstance(task, dict) or task.get(key) != value:
                raise Failure(
                    rule_id,
                    f"task_settings.{key} not echoed",
                    expected=value,
                    seen=None if not isinstance(task, dict) else task.get(key),
                )
    elif ctx.profile.empty_task_settings == "object" and task != {}:
        raise Failure(
            rule_id,
            "empty task_settings must be rendered as {} in this version",
            expected={},
            seen=task if "task_settings" in config else "<absent>",
        )
    elif ctx.profile.empty_task_settings == "omit" and "task_settings" in config:
        raise Failure(rule_id, "empty task_settings must be omitted in this version", expected="<absent>", seen=task)
    if task_type != "text_embedding" and config.get("chunking_settings") is not None:
        raise Failure(
            rule_id,
            "chunking_settings on a non-embedding endpoint",
            expected="<absent>",
            seen=config.get("chunking_settings"),
        )


def _sse_error_body(response: Response) -> Any:
    """The JSON of the first ``event: error`` in an SSE body (None when there is none or it is not JSON)."""
    import json

    events, _ = parse_sse(response.body)
    data = next((e.data for e in events if e.event == "error"), None)
    try:
        return json.loads(data) if data is not None else None
    except ValueError:
        return None


def _with_body(response: Response, body: Any) -> Response:
    import json
    from dataclasses import replace

    return replace(
        response, body=json.dumps(body).encode(), headers={**response.headers, "Content-Type": "application/json"}
    )
