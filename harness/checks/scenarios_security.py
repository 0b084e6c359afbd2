"""Scenarios of the ``security.*`` rules (see :mod:`harness.checks.security` for the principals).

Every route of an endpoint (PUT, GET, GET all, inference, ``_update``, DELETE) is tried without credentials,
with wrong ones and with malformed ``Authorization`` headers; a ``monitor_inference`` principal may read and
infer but not write; a ``manage_inference`` one may do all; no response carries a credential.
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

from harness.checks.registry import CheckContext
from harness.checks.responses import error_envelope, expected_error
from harness.checks.scenarios import SCENARIOS, Draw, _endpoint, _inference_body
from harness.checks.security import (
    GRANTED_BY,
    Principal,
    basic,
    challenge_sent,
    credentials_absent,
    denied_as_es,
    principal,
    require_security,
    send_as,
)
from harness.errors import Failure
from harness.gen.cases import EndpointCase
from harness.target import Response

__all__: list[str] = []

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
        body = {"messages": [{"role": "user", "content": case.inputs[0]}]}
        return f"/_inference/chat_completion/{case.inference_id}/_stream", body
    return case.path, _inference_body(case)


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


def _still_absent(ctx: CheckContext, rule_id: str, case: EndpointCase, what: str) -> None:
    resp = ctx.request("GET", f"/_inference/{case.inference_id}")
    if resp.status == 200:
        with contextlib.suppress(Exception):
            ctx.target.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})
        raise Failure(
            rule_id,
            f"{what} created the endpoint",
            expected="404 for the endpoint afterwards",
            seen=f"GET -> {resp.status} {resp.text[:200]}",
        )


def _authn_missing(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """No ``Authorization`` header, or a scheme ES does not know: 401 on every route, nothing created."""
    require_security(ctx)
    for authorization in (None, "Bogus harness"):
        for method, path, body in _routes(case):
            resp = send_as(ctx, method, path, authorization=authorization, body=body)
            expected_error(ctx, rule_id, resp, uri=path)
            challenge_sent(ctx, rule_id, resp)
    _still_absent(ctx, rule_id, case, "an unauthenticated PUT")


def _authn_wrong(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """A wrong password (security.authn.wrong_password) or an unknown API key (…wrong_api_key): 401."""
    require_security(ctx)
    user = (ctx.target.user or "elastic").partition(":")[0]
    wrong = basic(user, "harness-wrong-password") if rule_id.endswith("password") else f"ApiKey {_NO_KEY}"
    for method, path, body in _routes(case):
        resp = send_as(ctx, method, path, authorization=wrong, body=body)
        expected_error(ctx, rule_id, resp, uri=path, user=user)
        challenge_sent(ctx, rule_id, resp)
    _still_absent(ctx, rule_id, case, "a PUT with wrong credentials")


def _authn_malformed(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """Every malformed ``Authorization`` value is a 401 ``security_exception`` (never a 500)."""
    require_security(ctx)
    for method, path, body in _routes(case)[:2]:
        for authorization in MALFORMED:
            resp = send_as(ctx, method, path, authorization=authorization, body=body)
            if resp.status != 401 or error_envelope(ctx, rule_id, resp)["type"] != "security_exception":
                raise Failure(
                    rule_id,
                    "a malformed Authorization header must be a 401 security_exception",
                    expected={"status": 401, "type": "security_exception"},
                    seen=f"Authorization: {authorization!r} -> {resp.status} {resp.text[:200]}",
                )
    _still_absent(ctx, rule_id, case, "a PUT with a malformed Authorization header")


for _rid in ("security.authn.missing",):
    SCENARIOS[_rid] = _authn_missing
for _rid in ("security.authn.wrong_password", "security.authn.wrong_api_key"):
    SCENARIOS[_rid] = _authn_wrong
SCENARIOS["security.authn.malformed"] = _authn_malformed


def _forget(ctx: CheckContext, case: EndpointCase, suffix: str) -> None:
    with contextlib.suppress(Exception):
        ctx.target.request("DELETE", f"/_inference/{case.inference_id}{suffix}", params={"force": "true"})


def _monitor(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """``monitor_inference``: GET and inference allowed; PUT, ``_update`` and DELETE are 403 (and do nothing)."""
    who = principal(ctx, "monitor_inference")
    with _endpoint(ctx, rule_id, case), contextlib.ExitStack() as cleanup:
        cleanup.callback(_forget, ctx, case, "-m")
        for method, path, body in [r for r in _routes(case) if r[0] in ("GET", "POST")]:
            resp = _as(ctx, who, method, path, body)
            if resp.status in (401, 403) or (method == "GET" and resp.status != 200):
                raise Failure(
                    rule_id,
                    f"a monitor_inference principal must be allowed to {method} {path}",
                    expected=200 if method == "GET" else "not 401/403",
                    seen=f"{resp.status} {resp.text[:300]}",
                )
        other = f"{case.path}-m"
        for method, path, body in (
            ("PUT", other, case.body),
            ("PUT", f"{case.path}/_update", {"task_settings": {}}),
            ("DELETE", f"/_inference/{case.inference_id}", None),
        ):
            resp = _as(ctx, who, method, path, body)
            if resp.status != 403:
                raise Failure(
                    rule_id,
                    f"a monitor_inference principal must get 403 for {method} {path}",
                    expected=403,
                    seen=f"{resp.status} {resp.text[:300]}",
                )
        after = ctx.request("GET", f"/_inference/{case.inference_id}")
        if after.status != 200:
            raise Failure(
                rule_id,
                "a monitor_inference principal deleted the endpoint despite the 403",
                expected="GET 200 after the refused DELETE",
                seen=f"{after.status} {after.text[:200]}",
            )


def _denied(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """The 403 of a missing privilege is Elasticsearch's ``security_exception`` for PUT, ``_update``, DELETE."""
    who = principal(ctx, "monitor_inference")
    with _endpoint(ctx, rule_id, case), contextlib.ExitStack() as cleanup:
        cleanup.callback(_forget, ctx, case, "-d")
        for method, path, body, action in (
            ("PUT", f"{case.path}-d", case.body, "put"),
            ("PUT", f"{case.path}/_update", {"task_settings": {}}, "update"),
            ("DELETE", f"/_inference/{case.inference_id}", None, "delete"),
        ):
            resp = _as(ctx, who, method, path, body)
            denied_as_es(
                ctx,
                rule_id,
                resp,
                action=f"cluster:admin/xpack/inference/{action}",
                who=who,
                granted_by=GRANTED_BY["admin"],
            )


def _manage(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """``manage_inference``: PUT, GET, inference, ``_update`` and DELETE are all allowed."""
    who = principal(ctx, "manage_inference")
    created = False
    try:
        for method, path, body in _routes(case):
            resp = _as(ctx, who, method, path, body)
            created = created or (method == "PUT" and resp.status == 200)
            strict = method in ("PUT", "GET", "DELETE") and not path.endswith("/_update")
            if resp.status in (401, 403) or (strict and resp.status != 200):
                raise Failure(
                    rule_id,
                    f"a manage_inference principal must be allowed to {method} {path}",
                    expected=200 if strict else "not 401/403",
                    seen=f"{resp.status} {resp.text[:300]}",
                )
            created = created and not (method == "DELETE" and resp.status == 200)
    finally:
        if created:
            with contextlib.suppress(Exception):
                ctx.target.request("DELETE", f"/_inference/{case.inference_id}", params={"force": "true"})


def _never_returned(ctx: CheckContext, rule_id: str, case: EndpointCase, draw: Draw) -> None:
    """For every principal (the given one, monitor_inference, wrong credentials), on successes and errors alike,
    no response carries a password, an API key or an ``Authorization`` value."""
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
    with _endpoint(ctx, rule_id, case):
        for authorization, _ in who:
            for method, path, body in [
                *_routes(case)[1:4],
                ("GET", f"/_inference/{case.inference_id}-missing", None),
                ("PUT", f"{case.path}-x", {"service": "no-such-service"}),
            ]:
                credentials_absent(
                    ctx, rule_id, send_as(ctx, method, path, authorization=authorization, body=body), secrets
                )


SCENARIOS["security.authz.monitor_inference"] = _monitor
SCENARIOS["security.authz.denied"] = _denied
SCENARIOS["security.authz.manage_inference"] = _manage
SCENARIOS["security.credentials_never_returned"] = _never_returned
