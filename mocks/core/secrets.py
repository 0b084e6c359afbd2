"""Secret handling: fingerprints and redaction.

Every export of a mock (journal, ``repr``, logs, admin API, reports) shows a secret only as its
fingerprint, ``"fp-" + sha256(secret)[:16]``. Redaction happens when a call is recorded, so a secret
never sits in a :class:`~mocks.core.journal.Call`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

import orjson

from contract import SECRET_FIELDS

__all__ = [
    "SECRET_BODY_FIELDS",
    "SECRET_HEADERS",
    "SECRET_QUERY_PARAMS",
    "auth_secret",
    "fingerprint",
    "key_from_redacted",
    "redact_body",
    "redact_header",
    "redact_headers",
    "redact_query",
]

#: Header names (lower case) whose values are secrets.
SECRET_HEADERS: frozenset[str] = frozenset({"authorization", "api-key", "x-amz-security-token", "x-api-key"})
#: Query parameters (lower case) whose values are secrets (pre-signed URLs, key-in-query styles).
SECRET_QUERY_PARAMS: frozenset[str] = frozenset(
    {"api-key", "api_key", "key", "x-amz-signature", "x-amz-security-token", "x-amz-credential"}
)
#: JSON body fields whose values are secrets: the contract's secret settings (an ES ``_inference`` PUT
#: carries them in ``service_settings``) plus generic names a provider request may carry.
SECRET_BODY_FIELDS: frozenset[str] = frozenset(SECRET_FIELDS) | {"password", "session_token"}

_FP = re.compile(r"fp-[0-9a-f]{16}")
_AWS_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)")
_AWS_SIGNATURE = re.compile(r"Signature=[0-9a-fA-F]*")
_BODY_HINT = re.compile(rb'"(?:' + b"|".join(re.escape(f.encode()) for f in sorted(SECRET_BODY_FIELDS)) + rb')"')


def fingerprint(secret: str | bytes) -> str:
    """Return a stable, non-reversible fingerprint of ``secret``.

    >>> fingerprint("sk-test")[:3]
    'fp-'
    """
    data = secret.encode("utf-8", "surrogateescape") if isinstance(secret, str) else secret
    return "fp-" + hashlib.sha256(data).hexdigest()[:16]


def _redact_authorization(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.upper() == "AWS4-HMAC-SHA256":
        rest = _AWS_CREDENTIAL.sub(lambda m: "Credential=" + fingerprint(unquote(m.group(1))), rest)
        rest = _AWS_SIGNATURE.sub("Signature=***", rest)
        return f"{scheme} {rest}"
    if not rest:
        # A bare value with no scheme is itself the secret.
        return fingerprint(scheme)
    return f"{scheme} {fingerprint(rest.strip())}"


def redact_header(name: str, value: str) -> str:
    """Return ``value`` with its secret replaced by a fingerprint when ``name`` is a secret header.

    ``Authorization: Bearer <token>`` becomes ``Bearer fp-…``; a SigV4 ``Authorization`` keeps the scheme,
    date, region and service, fingerprints the access key id in ``Credential=`` and shows the signature
    as ``***``. ``api-key``, ``x-api-key`` and ``x-amz-security-token`` become fingerprints.
    """
    lname = name.lower()
    if lname not in SECRET_HEADERS or not value:
        return value
    if lname == "authorization":
        return _redact_authorization(value)
    return fingerprint(value)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Return headers as a tuple of ``(name, value)`` pairs with every secret replaced by its fingerprint."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for k, v in items:
        if type(k) is not str or type(v) is not str:
            k, v = str(k), str(v)
        out.append((k, redact_header(k, v) if k.lower() in SECRET_HEADERS else v))
    return tuple(out)


def redact_query(query: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Return query pairs with the values of secret parameters replaced by fingerprints."""
    return tuple((k, fingerprint(v) if k.lower() in SECRET_QUERY_PARAMS and v else v) for k, v in query)


def _redact_json(value: object) -> object:
    if isinstance(value, dict):
        return {
            k: (fingerprint(v) if k in SECRET_BODY_FIELDS and isinstance(v, str) else _redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


def redact_body(body: bytes) -> bytes:
    """Return ``body`` with string values of :data:`SECRET_BODY_FIELDS` in a JSON body fingerprinted.

    Bodies that are not JSON or hold no such field are returned unchanged (the check is a fast byte search).
    """
    if not body or not _BODY_HINT.search(body):
        return body
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    return orjson.dumps(_redact_json(parsed))


def auth_secret(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str | None:
    """Return the raw auth secret of a request (bearer token, ``api-key``, ``x-api-key`` or AWS key id).

    Used to fingerprint the caller's key for fault matching; never store the result.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    found: dict[str, str] = {str(k).lower(): str(v) for k, v in items}
    auth = found.get("authorization", "").strip()
    if auth:
        scheme, _, rest = auth.partition(" ")
        if scheme.upper() == "AWS4-HMAC-SHA256":
            match = _AWS_CREDENTIAL.search(rest)
            return unquote(match.group(1)) if match else None
        return rest.strip() or scheme
    return found.get("api-key") or found.get("x-api-key") or None


def key_from_redacted(headers: Iterable[tuple[str, str]]) -> str | None:
    """Return the fingerprint of the auth secret from already-redacted headers (as stored in a ``Call``)."""
    for name, value in headers:
        if name.lower() in ("authorization", "api-key", "x-api-key"):
            match = _FP.search(value)
            if match:
                return match.group(0)
    return None
