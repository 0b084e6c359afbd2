"""``body.*``: a request body that is malformed JSON, not an object, or missing where one is required."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from harness.checks.registry import NotApplicable
from harness.gen.cases import EndpointCase
from harness.scenarios.common import ASCII_NAME, judge_errors, judge_errors_then, maybe_endpoint, send_raw
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import Draw, Exchange, Steps, scenario
from harness.target import Response

__all__ = []


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


def _malformed(draw: Draw) -> tuple[str, int, int]:
    """A JSON object cut by a mismatched close marker; returns the text and the marker's (line, column).

    Jackson reports a mismatched end marker at the marker itself (``_currentLocationMinusOne``); ASCII only,
    because Jackson counts bytes and the oracle counts characters."""
    key = draw(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8))
    value = draw(st.text(alphabet=ASCII_NAME + " ", max_size=12))
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
    with maybe_endpoint(ctx, rule_id, case):
        return tuple(
            Exchange(send_raw(ctx, method, path, text.encode()), params={"line": line, "column": column, "detail": "…"})
            for text, line, column in bodies
            for method, path in _body_paths(case)
        )


_NOT_OBJECTS = (("[]", "START_ARRAY"), ('"text"', "VALUE_STRING"), ("42", "VALUE_NUMBER"), ("true", "VALUE_BOOLEAN"))


@scenario("body.not_object", judge=judge_errors)
def _send_body_not_object(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    post = _post_path(case)
    if post is None:
        raise NotApplicable("a chat_completion endpoint parses POST bodies with the unified parser")
    words = draw(st.lists(st.text(alphabet=ASCII_NAME, min_size=1, max_size=6), max_size=3))
    drawn = ('["' + '", "'.join(words) + '"]' if words else "[]", "START_ARRAY")
    params = {"line": 1, "column": 1, "parser": "inference_request"}
    with maybe_endpoint(ctx, rule_id, case):
        return tuple(
            Exchange(send_raw(ctx, "POST", post, text.encode()), params={**params, "token": token})
            for text, token in (*_NOT_OBJECTS, drawn)
        )


@scenario("body.required", judge=judge_errors_then)
def _send_body_required(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Steps, Response | None, int, str]:
    with maybe_endpoint(ctx, rule_id, case):
        steps = Steps(tuple(Exchange(send_raw(ctx, method, path)) for method, path in _body_paths(case)))
        # the failed PUT created nothing
        get = ctx.request("GET", f"/_inference/{case.inference_id}-b") if case.service in ctx.mocks else None
    return steps, get, 404, "GET after a PUT without a body"
