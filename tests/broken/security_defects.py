"""Broken targets for the ``security.*`` rules: a secured reference behind a proxy with ONE security defect.

The proxy knows the superuser's credentials (as a gateway in front of a cluster would), so a defect can let
a request through with them, or rewrite what comes back.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from broken_targets import BrokenProxy, Defect, ProxyRequest, Reply, Stack

__all__ = ["ELASTIC_PASSWORD", "SECURITY_DEFECTS", "SecuredStack"]

#: The superuser's password in these stacks: a canary, it must appear in no report and no output.
ELASTIC_PASSWORD = "canary-broken-elastic-pw-3c9e71"
ADMIN = "Basic " + base64.b64encode(f"elastic:{ELASTIC_PASSWORD}".encode()).decode()


def _authorization(req: ProxyRequest) -> str | None:
    return next((v for k, v in req.headers if k.lower() == "authorization"), None)


def _as_admin(req: ProxyRequest) -> ProxyRequest:
    headers = tuple((k, v) for k, v in req.headers if k.lower() != "authorization")
    return replace(req, headers=(*headers, ("Authorization", ADMIN)))


def _unauthenticated_put(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A PUT without credentials is sent on with the gateway's own."""
    if req.method == "PUT" and _authorization(req) is None:
        req = _as_admin(req)
    return proxy.forward(req)


def _api_key_deletes(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A DELETE by any API key is sent on as the superuser (a monitor_inference key can delete)."""
    if req.method == "DELETE" and (_authorization(req) or "").startswith("ApiKey "):
        req = _as_admin(req)
    return proxy.forward(req)


def _denied_as_500(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A missing privilege answered 500 instead of 403."""
    reply = proxy.forward(req)
    if reply.status != 403:
        return reply
    data = reply.json
    data["status"] = 500
    return reply.with_json(data, status=500)


def _echo_authorization(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """Error reasons quote the request's Authorization header."""
    reply = proxy.forward(req)
    data = reply.json
    if reply.status < 400 or not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return reply
    data["error"]["reason"] = f"{data['error'].get('reason')} (request Authorization: {_authorization(req)})"
    return reply.with_json(data)


SECURITY_DEFECTS: dict[str, Defect] = {d.name: d for d in (
    Defect("unauthenticated_put_let_through", "a PUT without credentials is let through", "security.authn.*",
           ("security.authn.missing",), _unauthenticated_put, reason="wrong status", seen="200"),
    Defect("monitor_key_can_delete", "a monitor_inference-only API key can DELETE an endpoint",
           "security.authz.*", ("security.authz.monitor_inference",), _api_key_deletes, reason="must get 403",
           seen="200"),
    Defect("missing_privilege_as_500", "a missing privilege answered 500", "security.authz.*",
           ("security.authz.denied", "security.authz.monitor_inference"), _denied_as_500, reason="", seen="500"),
    Defect("authorization_echoed_in_error", "error reasons echo the Authorization header",
           "security.credentials_never_returned", ("security.credentials_never_returned",), _echo_authorization,
           reason="a credential was returned"),
)}


class SecuredStack(Stack):
    """:class:`Stack` with security on in the reference; the harness authenticates as ``elastic``."""

    def reference_settings(self) -> dict[str, Any]:
        """Security on, with the built-in superuser's password."""
        from mocks.reference.security import SecurityConfig

        return {"security": SecurityConfig.with_password(ELASTIC_PASSWORD)}

    def harness_args(self, target: str, **kwargs: Any) -> list[str]:
        """The stack's ``harness run`` arguments, authenticated as the superuser."""
        return [*super().harness_args(target, **kwargs), "--user", f"elastic:{ELASTIC_PASSWORD}"]


def planted(report: dict[str, Any], output: str) -> list[str]:
    """The superuser's credentials found in a report or console output (must be none)."""
    text = json.dumps(report) + output
    return [s for s in (ELASTIC_PASSWORD, ADMIN.split(" ", 1)[1]) if s in text]
