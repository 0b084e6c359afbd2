"""The principals of the ``security.*`` rules: who may call which ``_inference`` route, and sending as them.

The harness authenticates as the principal it is given (``--api-key`` / ``--user``; in embedded mode the
superuser ``elastic`` of the secured reference). The authorization rules need principals with *less*:
a ``monitor_inference`` one (``--monitor-api-key``, or an API key the harness creates with
``POST /_security/api_key`` and ``role_descriptors`` limited to that privilege) and a ``manage_inference``
one (always created, once per target and principal in a process). Without credentials the target is taken to
run without security, and every ``security.*`` rule is *not checked* with that reason; so is a rule whose
principal cannot be had. The judges of these rules are pure: :mod:`harness.checks.security`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
from typing import Any

from harness.checks.registry import NotChecked
from harness.errors import TargetUnreachable
from harness.scenarios.context import CheckContext
from harness.target import Response, SendFailed, Target

__all__ = ["GRANTED_BY", "Principal", "basic", "principal", "require_security", "send_as"]

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
