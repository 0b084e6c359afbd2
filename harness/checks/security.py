"""Pure checks of the ``security.*`` rules: a 401's challenges, a 403 as Elasticsearch words it, and no credential
in any response. The principals and the requests sent as them: :mod:`harness.scenarios.principals`."""

from __future__ import annotations

from collections.abc import Mapping

from harness.checks.registry import Oracle
from harness.checks.responses import error_envelope, expected_error, judges_response
from harness.errors import Failure
from harness.target import Response

__all__ = ["challenge_sent", "credentials_absent", "denied_as_es"]


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
