"""``security.*``: authentication and authorization with security on (the principals:
:mod:`harness.scenarios.principals`)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.checks.registry import JudgeContext
from harness.checks.responses import error_envelope, expected_error
from harness.checks.security import challenge_sent, credentials_absent, denied_as_es
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.scenarios.context import CheckContext
from harness.scenarios.principals import GRANTED_BY, Principal, basic, principal, require_security, send_as
from harness.scenarios.sending import Draw, Exchange, chat_body, endpoint, forget, inference_body, scenario
from harness.target import Response

__all__ = [
    "MALFORMED",
    "judge_authn_malformed",
    "judge_denied",
    "judge_manage",
    "judge_monitor",
    "judge_never_returned",
    "judge_unauthenticated",
]


_NO_KEY = base64.b64encode(b"harness-no-such-key:harness-wrong-secret").decode()

#: Malformed ``Authorization`` values: each must be a 401, never a 500 (UsernamePasswordToken, ApiKeyService).
MALFORMED = (
    "Basic !!!!",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    "ApiKey !!!!",
    "ApiKey " + base64.b64encode(b"no-colon").decode(),
    "ApiKey =",
)


def _infer_route(case: EndpointCase) -> tuple[str, dict[str, Any]]:
    if case.task_type == "chat_completion":
        return f"/_inference/chat_completion/{case.inference_id}/_stream", chat_body(case)
    return case.path, inference_body(case)


def _routes(case: EndpointCase) -> list[tuple[str, str, Any]]:
    infer_path, infer_body = _infer_route(case)
    return [
        ("PUT", case.path, case.body),
        ("GET", f"/_inference/{case.inference_id}", None),
        ("GET", "/_inference", None),
        ("POST", infer_path, infer_body),
        ("PUT", f"{case.path}/_update", {"task_settings": {}}),
        ("DELETE", f"/_inference/{case.inference_id}", None),
    ]


def _as(ctx: CheckContext, who: Principal, method: str, path: str, body: Any = None) -> Response:
    resp = who.target.request(method, path, body=body)
    ctx.exchanges.append(resp)
    return resp


@dataclass(frozen=True)
class _Refused:
    """Requests a principal may not make, then a GET of the case's endpoint (force-deleted when it exists)."""

    exchanges: tuple[Exchange, ...]
    get: Response


def _get_and_forget(ctx: CheckContext, case: EndpointCase) -> Response:
    resp = ctx.request("GET", f"/_inference/{case.inference_id}")
    if resp.status == 200:
        forget(ctx, case.inference_id)
    return resp


def _still_absent(rule_id: str, get: Response, what: str) -> None:
    if get.status == 200:
        raise Failure(
            rule_id,
            f"{what} created the endpoint",
            expected="404 for the endpoint afterwards",
            seen=f"GET -> {get.status} {get.text[:200]}",
            response=get,
        )


def judge_unauthenticated(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Refused) -> None:
    """Each request is the rule's 401 with the authentication challenges; the PUT created nothing."""
    for exchange in sent.exchanges:
        expected_error(jc, rule_id, exchange.response, **exchange.params)
        challenge_sent(jc, rule_id, exchange.response)
    what = "an unauthenticated PUT" if rule_id == "security.authn.missing" else "a PUT with wrong credentials"
    _still_absent(rule_id, sent.get, what)


@scenario("security.authn.missing", judge=judge_unauthenticated)
def _send_authn_missing(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Refused:
    """No ``Authorization`` header, or a scheme ES does not know, on every route."""
    require_security(ctx)
    sent = tuple(
        Exchange(send_as(ctx, method, path, authorization=authorization, body=body), params={"uri": path})
        for authorization in (None, "Bogus harness")
        for method, path, body in _routes(case)
    )
    return _Refused(sent, _get_and_forget(ctx, case))


@scenario("security.authn.wrong_password", "security.authn.wrong_api_key", judge=judge_unauthenticated)
def _send_authn_wrong(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Refused:
    """A wrong password (security.authn.wrong_password) or an unknown API key (…wrong_api_key) on every route."""
    require_security(ctx)
    user = (ctx.target.user or "elastic").partition(":")[0]
    wrong = basic(user, "harness-wrong-password") if rule_id.endswith("password") else f"ApiKey {_NO_KEY}"
    sent = tuple(
        Exchange(send_as(ctx, method, path, authorization=wrong, body=body), params={"uri": path, "user": user})
        for method, path, body in _routes(case)
    )
    return _Refused(sent, _get_and_forget(ctx, case))


def judge_authn_malformed(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Refused) -> None:
    """Every malformed ``Authorization`` value (the label) is a 401 ``security_exception`` (never a 500); the
    PUT created nothing."""
    for exchange in sent.exchanges:
        resp = exchange.response
        if resp.status != 401 or error_envelope(jc, rule_id, resp)["type"] != "security_exception":
            raise Failure(
                rule_id,
                "a malformed Authorization header must be a 401 security_exception",
                expected={"status": 401, "type": "security_exception"},
                seen=f"Authorization: {exchange.label!r} -> {resp.status} {resp.text[:200]}",
                response=resp,
            )
    _still_absent(rule_id, sent.get, "a PUT with a malformed Authorization header")


@scenario("security.authn.malformed", judge=judge_authn_malformed)
def _send_authn_malformed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Refused:
    require_security(ctx)
    sent = tuple(
        Exchange(send_as(ctx, method, path, authorization=a, body=body), label=a)
        for method, path, body in _routes(case)[:2]
        for a in MALFORMED
    )
    return _Refused(sent, _get_and_forget(ctx, case))


def _forget(ctx: CheckContext, case: EndpointCase, suffix: str) -> None:
    forget(ctx, f"{case.inference_id}{suffix}")


def _as_labelled(ctx: CheckContext, who: Principal, method: str, path: str, body: Any = None) -> Exchange:
    return Exchange(_as(ctx, who, method, path, body), label=f"{method} {path}")


@dataclass(frozen=True)
class _AsMonitor:
    """What a monitor_inference principal read and inferred, what it tried to write, and a GET after that."""

    reads: tuple[Exchange, ...]
    writes: tuple[Exchange, ...]
    after: Response


def judge_monitor(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _AsMonitor) -> None:
    """``monitor_inference``: GET and inference allowed; PUT, ``_update`` and DELETE are 403 (and do nothing)."""
    for read in sent.reads:
        resp, method = read.response, read.response.method
        if resp.status in (401, 403) or (method == "GET" and resp.status != 200):
            raise Failure(
                rule_id,
                f"a monitor_inference principal must be allowed to {read.label}",
                expected=200 if method == "GET" else "not 401/403",
                seen=f"{resp.status} {resp.text[:300]}",
                response=resp,
            )
    for write in sent.writes:
        if write.response.status != 403:
            raise Failure(
                rule_id,
                f"a monitor_inference principal must get 403 for {write.label}",
                expected=403,
                seen=f"{write.response.status} {write.response.text[:300]}",
                response=write.response,
            )
    if sent.after.status != 200:
        raise Failure(
            rule_id,
            "a monitor_inference principal deleted the endpoint despite the 403",
            expected="GET 200 after the refused DELETE",
            seen=f"{sent.after.status} {sent.after.text[:200]}",
            response=sent.after,
        )


@scenario("security.authz.monitor_inference", judge=judge_monitor)
def _send_monitor(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _AsMonitor:
    who = principal(ctx, "monitor_inference")
    with endpoint(ctx, rule_id, case), contextlib.ExitStack() as cleanup:
        cleanup.callback(_forget, ctx, case, "-m")
        reads = tuple(_as_labelled(ctx, who, *r) for r in _routes(case) if r[0] in ("GET", "POST"))
        writes = tuple(
            _as_labelled(ctx, who, method, path, body)
            for method, path, body in (
                ("PUT", f"{case.path}-m", case.body),
                ("PUT", f"{case.path}/_update", {"task_settings": {}}),
                ("DELETE", f"/_inference/{case.inference_id}", None),
            )
        )
        return _AsMonitor(reads, writes, ctx.request("GET", f"/_inference/{case.inference_id}"))


def judge_denied(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """The 403 of a missing privilege is Elasticsearch's ``security_exception`` for PUT, ``_update``, DELETE."""
    for exchange in sent:
        denied_as_es(jc, rule_id, exchange.response, granted_by=GRANTED_BY["admin"], **exchange.params)


@scenario("security.authz.denied", judge=judge_denied)
def _send_denied(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    who = principal(ctx, "monitor_inference")
    with endpoint(ctx, rule_id, case), contextlib.ExitStack() as cleanup:
        cleanup.callback(_forget, ctx, case, "-d")
        return tuple(
            Exchange(
                _as(ctx, who, method, path, body),
                params={"action": f"cluster:admin/xpack/inference/{action}", "described": who.described},
            )
            for method, path, body, action in (
                ("PUT", f"{case.path}-d", case.body, "put"),
                ("PUT", f"{case.path}/_update", {"task_settings": {}}, "update"),
                ("DELETE", f"/_inference/{case.inference_id}", None, "delete"),
            )
        )


def judge_manage(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: Sequence[Exchange]) -> None:
    """``manage_inference``: PUT, GET, inference, ``_update`` and DELETE are all allowed."""
    for exchange in sent:
        resp, method = exchange.response, exchange.response.method
        strict = method in ("PUT", "GET", "DELETE") and not exchange.label.endswith("/_update")
        if resp.status in (401, 403) or (strict and resp.status != 200):
            raise Failure(
                rule_id,
                f"a manage_inference principal must be allowed to {exchange.label}",
                expected=200 if strict else "not 401/403",
                seen=f"{resp.status} {resp.text[:300]}",
                response=resp,
            )


@scenario("security.authz.manage_inference", judge=judge_manage)
def _send_manage(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> tuple[Exchange, ...]:
    who = principal(ctx, "manage_inference")
    sent: list[Exchange] = []
    created = False
    try:
        for method, path, body in _routes(case):
            sent.append(_as_labelled(ctx, who, method, path, body))
            status = sent[-1].response.status
            created = (created or (method == "PUT" and status == 200)) and not (method == "DELETE" and status == 200)
    finally:
        if created:
            forget(ctx, case.inference_id)
    return tuple(sent)


@dataclass(frozen=True)
class _Credentialed:
    """The credentials in play (name -> value) and every response to every principal."""

    secrets: Mapping[str, str]
    responses: tuple[Response, ...]


def judge_never_returned(jc: JudgeContext, rule_id: str, case: EndpointCase, sent: _Credentialed) -> None:
    """No response carries a password, an API key or an ``Authorization`` value."""
    for resp in sent.responses:
        credentials_absent(jc, rule_id, resp, sent.secrets)


@scenario("security.credentials_never_returned", judge=judge_never_returned)
def _send_never_returned(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> _Credentialed:
    """For every principal (the given one, monitor_inference, wrong credentials), on successes and errors alike."""
    require_security(ctx)
    who = [(ctx.target.headers()["Authorization"], "the harness principal's Authorization value")]
    secrets = {"harness principal's Authorization value": who[0][0]}
    if ctx.target.user:
        secrets["password"] = ctx.target.user.partition(":")[2]
    if ctx.target.api_key:
        secrets["API key"] = ctx.target.api_key
    with contextlib.suppress(Exception):
        monitor = principal(ctx, "monitor_inference")
        who.append((monitor.target.headers()["Authorization"], "monitor principal"))
        secrets.update({f"monitor principal credential {i}": s for i, s in enumerate(monitor.secrets)})
    wrong_password = "harness-wrong-pw-" + case.inference_id[-8:]
    wrong = basic((ctx.target.user or "elastic").partition(":")[0], wrong_password)
    who += [(wrong, "wrong password"), (f"ApiKey {_NO_KEY}", "unknown API key")]
    secrets.update(
        {"wrong password's Authorization value": wrong, "wrong password": wrong_password, "unknown API key": _NO_KEY}
    )
    routes = [
        *_routes(case)[1:4],
        ("GET", f"/_inference/{case.inference_id}-missing", None),
        ("PUT", f"{case.path}-x", {"service": "no-such-service"}),
    ]
    with endpoint(ctx, rule_id, case):
        responses = tuple(
            send_as(ctx, method, path, authorization=authorization, body=body)
            for authorization, _ in who
            for method, path, body in routes
        )
    return _Credentialed(secrets, responses)
