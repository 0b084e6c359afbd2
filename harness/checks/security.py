"""Checks and principals of the ``security.*`` rules: who may call which ``_inference`` route.

The harness authenticates as the principal it is given (``--api-key`` / ``--user``; in embedded mode the
superuser ``elastic`` of the secured reference). The authorization rules need principals with *less*:
a ``monitor_inference`` one (``--monitor-api-key``, or an API key the harness creates with
``POST /_security/api_key`` and ``role_descriptors`` limited to that privilege) and a ``manage_inference``
one (always created). Without credentials the target is taken to run without security, and every
``security.*`` rule is *not checked* with that reason; so is a rule whose principal cannot be had.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
from collections.abc import Mapping
from typing import Any

from harness.checks.registry import CheckContext, NotChecked, Oracle
from harness.checks.responses import error_envelope, expected_error, judges_response
from harness.errors import Failure, TargetUnreachable
from harness.target import Response, SendFailed, Target

__all__ = [
    "Principal",
    "challenge_sent",
    "credentials_absent",
    "denied_as_es",
    "principal",
    "require_security",
    "send_as",
]

#: ``findPrivilegesThatGrant`` for the inference actions (``ClusterPrivilegeResolver``, least privileged first).
GRANTED_BY = {
    "admin": "manage_inference,manage,all",
    "monitor": "monitor_inference,manage_inference,monitor,manage,all",
}


@dataclasses.dataclass(frozen=True)
class Principal:
    """A restricted principal: the target as it sees it, and how ES names it in a 403 (``""``: unknown)."""

    target: Target
    described: str
    secrets: tuple[str, ...]


_CACHE: dict[tuple[str, str, str], Principal | str] = {}
_LOCK = threading.Lock()


def require_security(ctx: CheckContext) -> None:
    """Raise :class:`NotChecked` when the harness has no credentials (the target is taken to be unsecured)."""
    if not (ctx.target.api_key or ctx.target.user):
        raise NotChecked("no credentials given (--api-key / --user): the target is taken to run without security")


def _as_key(target: Target, encoded: str) -> Target:
    return dataclasses.replace(target, api_key=encoded, user=None, monitor_api_key=None, _local=threading.local())


def _describe(target: Target) -> str:
    """``API key id [id] of user [u]`` from ``GET /_security/_authenticate`` (``""`` if it cannot be read)."""
    try:
        resp = target.request("GET", "/_security/_authenticate")
    except TargetUnreachable:
        return ""
    body = resp.json if resp.status == 200 and isinstance(resp.json, dict) else {}
    key, user = body.get("api_key"), body.get("username")
    if isinstance(key, dict) and isinstance(key.get("id"), str) and isinstance(user, str):
        return f"API key id [{key['id']}] of user [{user}]"
    return ""


def _create(ctx: CheckContext, privilege: str) -> Principal | str:
    body = {
        "name": f"harness-{privilege}",
        "expiration": "1d",
        "role_descriptors": {f"harness_{privilege}": {"cluster": [privilege]}},
    }
    resp = ctx.target.request("POST", "/_security/api_key", body=body)
    data = resp.json if isinstance(resp.json, dict) else {}
    encoded = data.get("encoded")
    if resp.status != 200 or not isinstance(encoded, str):
        return (
            f"no {privilege} principal: POST /_security/api_key answered {resp.status} "
            f"(give --monitor-api-key, or a principal with manage_api_key / manage_own_api_key)"
        )
    secrets = tuple(s for s in (encoded, data.get("api_key")) if isinstance(s, str))
    ctx.redactor.add(*secrets)
    target = _as_key(ctx.target, encoded)
    return Principal(target, _describe(target), secrets)


def principal(ctx: CheckContext, privilege: str) -> Principal:
    """The ``monitor_inference`` or ``manage_inference`` principal of this target (created once per run).

    Raises:
        NotChecked: no credentials, or no way to get such a principal.
    """
    require_security(ctx)
    if privilege == "monitor_inference" and ctx.target.monitor_api_key:
        target = _as_key(ctx.target, ctx.target.monitor_api_key)
        return Principal(target, _describe(target), (ctx.target.monitor_api_key,))
    who = hashlib.sha256(str(ctx.target.headers().get("Authorization")).encode()).hexdigest()
    key = (ctx.target.base_url, who, privilege)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = _CACHE[key] = _create(ctx, privilege)
    if isinstance(found, str):
        raise NotChecked(found)
    return found


def send_as(ctx: CheckContext, method: str, path: str, *, authorization: str | None, body: Any = None) -> Response:
    """One request with exactly ``Authorization: authorization`` (none when ``None``), kept as evidence."""
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = None
    if body is not None:
        import json

        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    target = ctx.target
    url = target.base_url + path
    try:
        status, got, content, _ = target.send(target.bare_session(), method, path, data, None, headers)
    except SendFailed as exc:
        raise TargetUnreachable(f"target {target.base_url} did not answer {method} {path}: {exc}") from None
    response = Response(method, url, body, status, got, content)
    ctx.exchanges.append(response)
    return response


def basic(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@judges_response
def challenge_sent(ctx: Oracle, rule_id: str, response: Response) -> None:
    """A 401 carries ``WWW-Authenticate`` with the Basic challenge, in the header and in ``error.header``
    (``DefaultAuthenticationFailureHandler``; ``ElasticsearchException`` renders headers under ``header``)."""
    value = response.header("WWW-Authenticate") or ""
    err = error_envelope(ctx, rule_id, response)
    rendered = (err.get("header") or {}).get("WWW-Authenticate") if isinstance(err.get("header"), dict) else None
    if "Basic" not in value or not rendered:
        raise Failure(
            rule_id,
            "a 401 must carry the WWW-Authenticate challenges",
            expected='WWW-Authenticate: Basic realm="security", charset="UTF-8" (+ ApiKey), also in error.header',
            seen={"header": value, "error.header": err.get("header")},
        )


@judges_response
def denied_as_es(
    ctx: Oracle, rule_id: str, response: Response, *, action: str, described: str, granted_by: str
) -> None:
    """A 403 ``security_exception`` naming the action, the principal (as ES describes it, ``described``;
    ``""``: unknown) and the privileges that grant it."""
    params = {"action": action, "principal": described or "<principal>", "privileges": granted_by}
    expected_error(ctx, rule_id, response, **params)
    if described:
        want = ctx.rules.expected(rule_id, ctx.profile, **params).reason
        reason = error_envelope(ctx, rule_id, response)["reason"]
        if reason != want:
            raise Failure(rule_id, "the 403 reason is not Elasticsearch's", expected=want, seen=reason)


@judges_response
def credentials_absent(ctx: Oracle, rule_id: str, response: Response, secrets: Mapping[str, str]) -> None:
    """None of the credentials (passwords, API keys, Authorization values) appears in the response."""
    haystack = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    for name, secret in secrets.items():
        if secret and len(secret) >= 6 and secret in haystack:
            raise Failure(
                rule_id,
                "a credential was returned",
                expected="no password, API key or Authorization value in any response",
                seen=f"{response.method} {response.url} -> {response.status} contains the {name}",
            )
