"""``Security``: what the reference app calls to authenticate, authorize and serve ``/_security/…``.

Error bodies (``ElasticsearchSecurityException`` rendered by ``ElasticsearchException.toXContent``): type
``security_exception``, metadata keys without their ``es.`` prefix, response headers under ``header``.
401s carry ``WWW-Authenticate: Basic realm="security", charset="UTF-8"`` and ``ApiKey`` (the realms' and
the API key service's challenges, ``Realm.getAuthenticationFailureHeaders`` / ``ApiKeyService``; a cluster
without TLS on HTTP has no token service, hence no ``Bearer``; inferred from 8.15-9.x responses).
403 reasons:
``x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authz/AuthorizationDenialMessages.java``
(``actionDenied``, verified 8.13-9.x).
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from contract import Profile, RuleTable, load_profile, load_rules
from contract.errors import RuleViolation
from mocks.reference import _http
from mocks.reference.security import hashing
from mocks.reference.security.authn import AuthFailure, authenticate
from mocks.reference.security.config import SecurityConfig
from mocks.reference.security.privileges import GRANTED_BY, Role, UnknownPrivilege, action_for, resolve
from mocks.reference.security.realm import ApiKey, Principal, Realm, User, load_file_realm

__all__ = ["CHALLENGES", "Security"]

#: ``WWW-Authenticate`` values of every 401, in ES's order.
CHALLENGES = ('Basic realm="security", charset="UTF-8"', "ApiKey")
_CREATE = "cluster:admin/xpack/security/api_key/create"


def security_error(
    status: int, reason: str, *, additional: str | None = None, challenge: bool = False
) -> dict[str, Any]:
    """The ES envelope of an ``ElasticsearchSecurityException``."""
    cause: dict[str, Any] = {"type": "security_exception", "reason": reason}
    if additional:
        cause["additional_unsuccessful_credentials"] = additional
    if challenge:
        cause["header"] = {"WWW-Authenticate": list(CHALLENGES)}
    return {"error": {"root_cause": [dict(cause)], **cause}, "status": status}


def _denied_text(principal: Principal, realm: Realm) -> str:
    user = f"user [{principal.user.username}]"
    if principal.api_key is not None:
        return f"API key id [{principal.api_key.id}] of {user}"
    found = sorted(r for r in principal.user.roles if r in realm.roles)
    text = f"{user} with effective roles [{','.join(found)}]"
    missing = sorted(set(principal.user.roles) - set(found))
    return text + (f" (assigned roles [{','.join(missing)}] were not found)" if missing else "")


class Security:
    """Authentication and authorization of one reference app (built from a :class:`SecurityConfig`)."""

    def __init__(
        self, config: SecurityConfig, profile: Profile | None = None, rules: RuleTable | None = None, *, seed: int = 0
    ) -> None:
        self.profile = profile or load_profile()
        self.rules = rules or load_rules()
        self.seed = seed
        self._issued: dict[tuple[str, str], int] = {}
        self._issued_lock = threading.Lock()
        users, roles = load_file_realm(config.config_dir) if config.config_dir else ({}, {})
        if config.elastic_password_hash:
            users["elastic"] = User(
                "elastic", config.elastic_password_hash, ("superuser",), ("reserved", "reserved"), {"_reserved": True}
            )
        self.realm = Realm(users, roles)

    # ------------------------------------------------------------------ the three hooks of the app
    def authenticate(self, request: Request) -> Principal | Response:
        """The request's principal, or ES's 401."""
        try:
            return authenticate(request.headers.get("Authorization"), _http.raw_uri(request), self.realm)
        except AuthFailure as failure:
            return self._unauthenticated(request, failure)

    def authorize(self, request: Request, principal: Principal, endpoint: str) -> Response | None:
        """``None`` when ``principal`` may call the route ``endpoint``, else ES's 403."""
        action = action_for(endpoint)
        if action is None or principal.grants(action):
            return None
        return self.denied(request, principal, action)

    def serve(self, request: Request, principal: Principal) -> Response:
        """``POST|PUT /_security/api_key`` and ``GET /_security/_authenticate``."""
        path = request.path.rstrip("/")
        if path == "/_security/_authenticate" and request.method == "GET":
            return _http.es_json(request, self._authenticate_body(principal))
        if path == "/_security/api_key" and request.method in ("POST", "PUT"):
            return self._create_api_key(request, principal)
        message = f"no handler found for uri [{_http.raw_uri(request)}] and method [{request.method}]"
        return _http.simple_error(request, 400, message, with_status=False)

    # ------------------------------------------------------------------ responses
    def denied(self, request: Request, principal: Principal, action: str) -> Response:
        """403 ``action [a] is unauthorized for …, this action is granted by the cluster privileges [...]``."""
        who = _denied_text(principal, self.realm)
        if action in GRANTED_BY:
            reason = self.rules.expected(
                "security.authz.denied",
                self.profile,
                action=action,
                principal=who,
                privileges=",".join(GRANTED_BY[action]),
            ).reason
        else:  # actionDenied without granting privileges: the message ends after the principal
            reason = f"action [{action}] is unauthorized for {who}"
        return _http.es_json(request, security_error(403, reason), 403)

    def _unauthenticated(self, request: Request, failure: AuthFailure) -> Response:
        reason = failure.reason
        if failure.rule_id is not None:
            reason = self.rules.expected(failure.rule_id, self.profile, **failure.params).reason
        body = security_error(401, reason, additional=failure.additional, challenge=True)
        response = _http.es_json(request, body, 401)
        for value in CHALLENGES:
            response.headers.add("WWW-Authenticate", value)
        return response

    def _authenticate_body(self, principal: Principal) -> dict[str, Any]:
        user, key = principal.user, principal.api_key
        realm = (
            {"name": "_es_api_key", "type": "_es_api_key"}
            if key
            else dict(zip(("name", "type"), user.realm, strict=True))
        )
        body: dict[str, Any] = {
            "username": user.username,
            "roles": [] if key else list(user.roles),
            "full_name": None,
            "email": None,
            "metadata": {} if key else dict(user.metadata),
            "enabled": True,
            "authentication_realm": realm,
            "lookup_realm": realm,
            "authentication_type": "api_key" if key else "realm",
        }
        if key is not None:
            body["api_key"] = {"id": key.id, "name": key.name}
        return body

    def _create_api_key(self, request: Request, principal: Principal) -> Response:
        if not principal.grants(_CREATE):
            return self.denied(request, principal, _CREATE)
        try:
            body = _http.parse_json_body(request, required=False)
            name, descriptors, expiration_ms = _parse_create(body if isinstance(body, dict) else {})
        except RuleViolation as err:  # no body is fine (name missing); malformed JSON is ES's parse error
            status, rendered = err.render(self.profile, self.rules)
            return _http.es_json(request, rendered, status)
        except ValueError as exc:
            return _http.es_json(request, _validation_failed(str(exc)), 400)
        if principal.api_key is not None and (not descriptors or any(r.cluster for r in descriptors)):
            message = "creating derived api keys requires an explicit role descriptor that is empty (has no privileges)"
            return _http.es_json(request, _illegal(message), 400)
        return self._issue(request, principal, name, descriptors, expiration_ms)

    def _key_id(self, owner: str, name: str) -> str:
        """A 20-character id from (seed, owner, name, how many such keys before): the same in two runs with
        one seed (``harness diff`` compares 403 reasons that name it); never part of the credential's secret."""
        with self._issued_lock:
            n = self._issued.get((owner, name), 0)
            self._issued[(owner, name)] = n + 1
        digest = hashlib.sha256(f"{self.seed}\0{owner}\0{name}\0{n}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()[:20]

    def _issue(
        self,
        request: Request,
        principal: Principal,
        name: str,
        descriptors: tuple[Role, ...],
        expiration_ms: int | None,
    ) -> Response:
        key_id = self._key_id(principal.user.username, name)
        secret = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")  # random: a credential
        limited_by = principal.api_key.limited_by if principal.api_key else principal.roles
        self.realm.add_key(
            ApiKey(
                key_id,
                name,
                hashing.hash_secret(secret, cost=1000),
                principal.user,
                descriptors,
                limited_by,
                int(time.time() * 1000),
                expiration_ms,
            )
        )
        out: dict[str, Any] = {"id": key_id, "name": name}
        if expiration_ms is not None:
            out["expiration"] = expiration_ms
        out["api_key"] = secret
        out["encoded"] = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
        return _http.es_json(request, out)


_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _parse_create(body: dict[str, Any]) -> tuple[str, tuple[Role, ...], int | None]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("api key name is required")
    descriptors = []
    for role_name, descriptor in (body.get("role_descriptors") or {}).items():
        cluster = descriptor.get("cluster", []) if isinstance(descriptor, dict) else []
        try:
            for privilege in cluster:
                resolve(str(privilege))
        except UnknownPrivilege as exc:
            raise ValueError(str(exc)) from None
        descriptors.append(Role(str(role_name), tuple(str(c) for c in cluster)))
    expiration = body.get("expiration")
    expiration_ms = None
    if isinstance(expiration, str) and expiration:
        unit = next(
            (u for u in ("ms", "s", "m", "h", "d") if expiration.endswith(u) and expiration[: -len(u)].isdigit()), None
        )
        if unit is None:  # TimeValue.parseTimeValue's wording, rendered as a validation failure (approximate)
            raise ValueError(f"failed to parse setting [expiration] with value [{expiration}] as a time value")
        expiration_ms = int(time.time() * 1000) + int(expiration[: -len(unit)]) * _UNITS_MS[unit]
    return name, tuple(descriptors), expiration_ms


def _validation_failed(message: str) -> dict[str, Any]:
    reason = f"Validation Failed: 1: {message};"
    cause = {"type": "action_request_validation_exception", "reason": reason}
    return {"error": {"root_cause": [dict(cause)], **cause}, "status": 400}


def _illegal(message: str) -> dict[str, Any]:
    cause = {"type": "illegal_argument_exception", "reason": message}
    return {"error": {"root_cause": [dict(cause)], **cause}, "status": 400}
