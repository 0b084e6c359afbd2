"""``rest.*``: the REST layer in front of the ``_inference`` handlers (product header, unrecognized parameters,
response parameters, error traces, compatible-with, routing), judged with :mod:`contract.rest`."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from contract import rest
from harness.checks.registry import JudgeContext
from harness.checks.responses import about, expected_error, status_is
from harness.errors import Failure, TargetUnreachable
from harness.gen.cases import EndpointCase
from harness.scenarios.context import CheckContext
from harness.scenarios.sending import Draw, Exchange, endpoint, needs_mock, scenario, stream
from harness.target import Response, SendFailed

__all__ = [
    "judge_accepted",
    "judge_empty_segments",
    "judge_error_trace",
    "judge_head",
    "judge_product_header",
    "judge_refused",
    "judge_response_params",
    "judge_routing",
    "judge_trailing_slash",
    "judge_unrecognized",
]


_PRODUCT = ("X-elastic-product", "Elasticsearch")

_VENDOR = "application/vnd.elasticsearch+json; compatible-with={}"


def _send(
    ctx: CheckContext,
    method: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    raw: bytes | None = None,
) -> Response:
    """One request with the run's credentials and ``headers`` over the defaults, kept as evidence."""
    target = ctx.target
    sent = {**target.headers(), **(headers or {})}
    if raw is not None:
        sent.setdefault("Content-Type", "application/json")
    try:
        status, got, content, url = target.send(target.bare_session(), method, path, raw, params, sent)
    except SendFailed as exc:
        raise TargetUnreachable(f"target {target.base_url} did not answer {method} {path}: {exc}") from None
    body = raw.decode("utf-8", "replace") if raw is not None else None
    response = Response(method, url, body, status, got, content, raw is not None)
    ctx.exchanges.append(response)
    return response


def judge_product_header(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """Every answer but a 401 or 403 carries ``X-elastic-product: Elasticsearch``; those two do not need it."""
    for response in sent:
        if response.status in (401, 403):
            continue
        with about(response):
            if response.header(_PRODUCT[0]) != _PRODUCT[1]:
                raise Failure(
                    rule_id,
                    f"{response.method} answered {response.status} without the product header",
                    expected=f"{_PRODUCT[0]}: {_PRODUCT[1]}",
                    seen=response.header(_PRODUCT[0]),
                )


@scenario("rest.product_header", judge=judge_product_header)
def _send_product_header(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    sent = [
        ctx.request("GET", "/_inference/_all"),
        ctx.request("GET", f"/_inference/{case.inference_id}-none"),  # 404
        ctx.request("PUT", f"/_inference/{case.task_type}/Not_Valid", body=case.body),  # 400
        _send(ctx, "POST", "/_inference"),  # 405
        _send(ctx, "GET", "/_inference/a/b/c/d"),  # no handler
    ]
    if case.service in ctx.mocks:
        with endpoint(ctx, rule_id, case) as created:
            sent.append(created)
            sent.append(ctx.request("GET", case.path))
            if case.task_type in ("completion", "chat_completion"):
                sent.append(stream(ctx, case))
    return tuple(sent)


def _far_name(draw: Draw) -> str:
    """A parameter name far from every name an ``_inference`` handler consumes (no "did you mean")."""
    tail = draw(st.text(alphabet=string.ascii_lowercase, min_size=6, max_size=10))
    return f"zq{tail}"


def judge_unrecognized(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """Each request is refused with the rule's error; its reason is ``BaseRestHandler#unrecognized``'s exact
    text for the name sent (a far name gets no suggestion; ``prety`` gets ``did you mean [pretty]``)."""
    for exchange in sent:
        expected_error(jc, rule_id, exchange.response, **exchange.params)
        reason = (exchange.response.json or {}).get("error", {}).get("reason")
        want = rest.unrecognized_message(exchange.params["path"], [exchange.params["param"]], rest.ALWAYS_ACCEPTED)
        if reason != want:
            with about(exchange.response):
                raise Failure(rule_id, "not BaseRestHandler's unrecognized-parameter text", expected=want, seen=reason)


@scenario("rest.unrecognized_parameter", judge=judge_unrecognized)
def _send_unrecognized(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    far = _far_name(draw)
    paths = ["/_inference/_all", f"/_inference/{case.task_type}/_all"]
    sent = [
        Exchange(_send(ctx, "GET", path, params={name: "1"}), params={"path": path, "param": name})
        for path in paths
        for name in (far, "prety")
    ]
    return tuple(sent)


_FILTERS = ("endpoints.inference_id", "-endpoints.service_settings", "**.task_type", "endpoints.*_id", "nothing.here")


def judge_response_params(
    jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, list[Exchange], Response, Response]
) -> None:
    """``filter_path`` gives the unfiltered body filtered as Elasticsearch filters it (``{}`` when nothing
    matches); it leaves an error whole; ``pretty`` is the same document over several lines ending in LF;
    ``human`` changes nothing here."""
    plain, filtered, error, pretty = sent
    status_is(jc, rule_id, plain, 200, "GET of the created endpoint")
    for exchange in filtered:
        with about(exchange.response):
            status_is(jc, rule_id, exchange.response, 200, f"GET with filter_path={exchange.params['filter']}")
            want = rest.filter_path(plain.json, exchange.params["filter"])
            if exchange.response.json != want:
                raise Failure(
                    rule_id,
                    f"filter_path={exchange.params['filter']} not applied",
                    expected=want,
                    seen=exchange.response.text[:500],
                )
    with about(error):
        status_is(jc, rule_id, error, 404, "GET of a missing endpoint with filter_path")
        if not isinstance((error.json or {}).get("error"), dict):
            raise Failure(
                rule_id,
                "filter_path filtered an error body (errors are built without filtering)",
                expected="the whole error envelope",
                seen=error.text[:300],
            )
    with about(pretty):
        status_is(jc, rule_id, pretty, 200, "GET with pretty")
        if pretty.json != plain.json or not pretty.text.endswith("\n") or pretty.text.count("\n") < 2:
            raise Failure(
                rule_id,
                "?pretty is not the same document pretty-printed and ending in a line feed",
                expected=rest.pretty_json(plain.json)[:300],
                seen=pretty.text[:300],
            )


@scenario("rest.response_params", judge=judge_response_params)
def _send_response_params(
    ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw
) -> tuple[Response, list[Exchange], Response, Response]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        plain = _send(ctx, "GET", case.path)
        filtered = [
            Exchange(_send(ctx, "GET", case.path, params={"filter_path": f}), params={"filter": f}) for f in _FILTERS
        ]
        error = _send(ctx, "GET", f"{case.path}-none", params={"filter_path": "endpoints.inference_id"})
        pretty = _send(ctx, "GET", case.path, params={"pretty": "", "human": "true"})
    return plain, filtered, error, pretty


def _levels(error: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while isinstance(error, dict):
        out.append(error)
        out += [c for c in error.get("root_cause") or [] if isinstance(c, dict)]
        error = error.get("caused_by")
    return out


def judge_error_trace(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """With ``error_trace=true`` the error has a ``stack_trace`` text; without it no level has one."""
    traced, plain = sent
    with about(traced):
        status_is(jc, rule_id, traced, 404, "GET of a missing endpoint with error_trace=true")
        error = (traced.json or {}).get("error")
        if not isinstance(error, dict) or not isinstance(error.get("stack_trace"), str):
            raise Failure(
                rule_id, "error_trace=true gave no stack_trace", expected="error.stack_trace", seen=traced.text[:300]
            )
    with about(plain):
        if any("stack_trace" in level for level in _levels((plain.json or {}).get("error"))):
            raise Failure(
                rule_id, "a stack_trace without error_trace", expected="no stack_trace", seen=plain.text[:300]
            )


@scenario("rest.error_trace", judge=judge_error_trace)
def _send_error_trace(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    missing = f"/_inference/{case.task_type}/{case.inference_id}-none"
    return _send(ctx, "GET", missing, params={"error_trace": "true"}), _send(ctx, "GET", missing)


def judge_refused(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """A version outside the line's two: the 400 ``media_type_header_exception`` whose cause says which
    versions the line accepts and what it found."""
    for exchange in sent:
        expected_error(jc, rule_id, exchange.response, headers="…")
        cause = ((exchange.response.json or {}).get("error") or {}).get("caused_by") or {}
        want = exchange.params["cause"]
        if cause.get("reason") != want:
            with about(exchange.response):
                raise Failure(
                    rule_id, "the cause does not name the accepted versions", expected=want, seen=cause.get("reason")
                )


@scenario("rest.compatible_with.refused", judge=judge_refused)
def _send_refused(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    current, minimum = rest.compatible_versions(ctx.profile.version)
    sent = []
    for version in (minimum - 1, current + 1):
        accept = _VENDOR.format(version)
        cause = f"Accept version must be either version {current} or {minimum}, but found {version}. Accept={accept}"
        response = _send(ctx, "GET", "/_inference/_all", headers={"Accept": accept})
        sent.append(Exchange(response, params={"cause": cause}))
    return tuple(sent)


def judge_accepted(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """The line's major and the one before are answered (200, a JSON body)."""
    for response in sent:
        with about(response):
            status_is(jc, rule_id, response, 200, f"GET with Accept: {response.request_text or ''}")
            if not isinstance(response.json, dict) or "json" not in (response.header("content-type") or ""):
                raise Failure(rule_id, "not a JSON answer", expected="a JSON body", seen=response.text[:300])


@scenario("rest.compatible_with.accepted", judge=judge_accepted)
def _send_accepted(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    return tuple(
        _send(ctx, "GET", "/_inference/_all", headers={"Accept": _VENDOR.format(v)})
        for v in rest.compatible_versions(ctx.profile.version)
    )


def judge_routing(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """The rule's REST-layer error; a 405 also names its allowed methods in ``Allow``."""
    for exchange in sent:
        expected_error(jc, rule_id, exchange.response, **exchange.params)
        allowed = exchange.params.get("allowed")
        if allowed is not None:
            header = {m.strip() for m in (exchange.response.header("Allow") or "").split(",") if m.strip()}
            if header != set(allowed.split(", ")):
                with about(exchange.response):
                    raise Failure(
                        rule_id,
                        "the Allow header does not list the allowed methods",
                        expected=allowed.split(", "),
                        seen=exchange.response.header("Allow"),
                    )


@scenario("rest.method_not_allowed", judge=judge_routing)
def _send_method_not_allowed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    # only POST is routed on ``{task_type}/{inference_id}/_stream`` (a completion endpoint: every line has it)
    path = f"/_inference/completion/{case.inference_id}/_stream"
    return tuple(
        Exchange(_send(ctx, method, path), params={"uri": path, "method": method, "allowed": "POST"})
        for method in ("GET", "DELETE")
    )


@scenario("rest.no_handler", judge=judge_routing)
def _send_no_handler(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    paths = [f"/_inference/{case.task_type}/{case.inference_id}/_nothing/x", "/_inference/a/b/c/d"]
    return tuple(Exchange(_send(ctx, "GET", p), params={"uri": p, "method": "GET"}) for p in paths)


@scenario("rest.content_type", judge=judge_routing)
def _send_content_type(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    raw = json.dumps(case.body).encode()
    path = f"/_inference/{case.task_type}/{case.inference_id}-ct"
    sent = []
    for header in ("application/xml", "text/csv"):
        response = _send(ctx, "PUT", path, raw=raw, headers={"Content-Type": header})
        sent.append(Exchange(response, params={"header": header}))
    return tuple(sent)


def judge_empty_segments(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """A 4xx with a JSON body and the product header, never a 5xx, a redirect or an HTML page."""
    for response in sent:
        with about(response):
            if not 400 <= response.status < 500 or not isinstance(response.json, dict):
                raise Failure(
                    rule_id,
                    "an empty path segment is not a JSON 4xx",
                    expected="a 4xx in JSON",
                    seen=f"{response.status} {response.text[:200]}",
                )
            if response.header(_PRODUCT[0]) != _PRODUCT[1]:
                raise Failure(
                    rule_id,
                    "an empty path segment's answer lacks the product header",
                    expected=f"{_PRODUCT[0]}: {_PRODUCT[1]}",
                    seen=response.header(_PRODUCT[0]),
                )


@scenario("rest.empty_segment", judge=judge_empty_segments)
def _send_empty_segments(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    paths = [
        f"/_inference//{case.inference_id}",
        f"/_inference/{case.task_type}//{case.inference_id}",
        "/_inference//_all",
    ]
    sent = [_send(ctx, "GET", p) for p in paths]
    sent.append(_send(ctx, "PUT", f"/_inference//{case.inference_id}", raw=json.dumps(case.body).encode()))
    return tuple(sent)


def judge_trailing_slash(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: tuple[Response, Response]) -> None:
    """The path with a trailing slash is answered as the path without it."""
    plain, slashed = sent
    status_is(jc, rule_id, plain, 200, "GET of the created endpoint")
    with about(slashed):
        if slashed.status != 200 or slashed.json != plain.json:
            raise Failure(
                rule_id,
                "a trailing slash changed the answer",
                expected=plain.text[:300],
                seen=f"{slashed.status} {slashed.text[:300]}",
            )


@scenario("rest.trailing_slash", judge=judge_trailing_slash)
def _send_trailing_slash(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, Response]:
    needs_mock(ctx, case)
    with endpoint(ctx, rule_id, case):
        return _send(ctx, "GET", case.path), _send(ctx, "GET", case.path + "/")


def judge_head(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Response]) -> None:
    """HEAD on a GET route of ``_inference``: a 405 whose ``Allow`` names GET."""
    for response in sent:
        with about(response):
            allowed = {m.strip() for m in (response.header("Allow") or "").split(",") if m.strip()}
            if response.status != 405 or "GET" not in allowed or "HEAD" in allowed:
                raise Failure(
                    rule_id,
                    "HEAD on an _inference route is not Elasticsearch's 405",
                    expected="405 with Allow naming GET (not HEAD)",
                    seen=f"{response.status} Allow: {response.header('Allow')}",
                )


@scenario("rest.head", judge=judge_head)
def _send_head(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Response, ...]:
    return tuple(_send(ctx, "HEAD", p) for p in ("/_inference/_all", f"/_inference/{case.task_type}/_all"))
