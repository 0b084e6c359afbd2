"""Server-side check of a Bedrock Runtime request's auth: AWS SigV4 (with botocore) or a Bearer API key.

The SigV4 check follows botocore's signer (boto/botocore ``botocore/auth.py`` ``SigV4Auth``:
``canonical_request``, ``string_to_sign``, ``signature``; AWS's "Signature Version 4 signing process"
documentation): rebuild the request botocore signed
from the **raw** request URI (``%3A`` stays encoded, so botocore double-encodes it as AWS does), only the
headers named in ``SignedHeaders`` (``host`` with its port), the raw body bytes, and
``context['timestamp'] = X-Amz-Date``; recompute the signature with ``SigV4Auth(..., "bedrock", region)``
and compare with :func:`hmac.compare_digest`.

Outcomes (all :mod:`mocks.bedrock.errors`, status 403 unless noted):

* no ``Authorization``                      -> ``AccessDeniedException`` "Authorization header is missing"
* malformed SigV4 header / no date          -> ``IncompleteSignatureException`` (400)
* unknown access key id or bearer token     -> ``UnrecognizedClientException``
* date outside the allowed skew             -> ``InvalidSignatureException`` "Signature expired: ..."
* wrong secret, region, service or body     -> ``InvalidSignatureException`` (AWS's mismatch wording)

Secrets never leave this module: errors carry only AWS's fixed messages, and :class:`Principal` holds
the access key id (not secret) and the fingerprint of a bearer token.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from mocks.bedrock.errors import (
    CORAL_NAMESPACE,
    BedrockError,
    InvalidSignatureException,
    MissingAuthorization,
    UnrecognizedClientException,
)
from mocks.core.secrets import fingerprint

__all__ = [
    "raw_uri",
    "SIGNING_NAME",
    "AuthConfig",
    "IncompleteSignatureException",
    "Principal",
    "parse_authorization",
    "shown_secrets",
    "verify_request",
]

SIGNING_NAME = "bedrock"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_PARAM = re.compile(r"(\w+)=([^,\s]*)")


class IncompleteSignatureException(BedrockError):
    """A SigV4 ``Authorization`` header that lacks a part (400, per AWS's Bedrock troubleshooting page)."""

    error_name = "IncompleteSignatureException"
    code = 400
    default_message = "The request signature does not conform to AWS standards."
    namespace = CORAL_NAMESPACE


def shown_secrets(secrets: Iterable[str] | None) -> list[str] | None:
    """Access keys or tokens as a repr shows them: sorted fingerprints (``None`` stays ``None``)."""
    return None if secrets is None else sorted(fingerprint(s) for s in secrets)


@dataclass(frozen=True)
class AuthConfig:
    """What the mock accepts.

    Args:
        credentials: access key id -> secret access key. ``None`` accepts any well-formed SigV4 header
            without checking the signature (the region and date checks still apply).
        regions: regions the endpoint answers for; the first is "this" endpoint's region.
        bearer_tokens: accepted Bedrock API keys (``Authorization: Bearer``); ``None`` accepts any token,
            an empty set refuses every token.
        clock_skew_seconds: allowed distance between ``X-Amz-Date`` and now (AWS: 15 min); ``None`` skips.
    """

    credentials: Mapping[str, str] | None = None
    regions: tuple[str, ...] = ("us-east-1",)
    bearer_tokens: frozenset[str] | None = None
    clock_skew_seconds: float | None = 900.0
    #: credentials registered while running (:meth:`BedrockApp.register_credentials`, ``POST
    #: /__admin/credentials``): with ``credentials=None`` a signature made with one of these access keys
    #: IS verified, other access keys are still accepted unverified.
    registered: dict[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        keys, tokens = shown_secrets(self.credentials), shown_secrets(self.bearer_tokens)
        return (
            f"AuthConfig(access_keys={keys!r}, regions={self.regions!r}, bearer_tokens={tokens!r}, "
            f"clock_skew_seconds={self.clock_skew_seconds!r})"
        )


@dataclass(frozen=True)
class Principal:
    """Who made a verified request: ``key`` is the access key id (SigV4) or a token fingerprint (Bearer)."""

    scheme: Literal["sigv4", "bearer"]
    key: str
    region: str | None = None

    def __repr__(self) -> str:
        shown = self.key if self.key.startswith("fp-") else fingerprint(self.key)
        return f"Principal(scheme={self.scheme!r}, key={shown!r}, region={self.region!r})"


@dataclass(frozen=True)
class _Authorization:
    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def raw_uri(environ: Mapping[str, Any]) -> str:
    """The path and query as the client sent them (percent-encoding kept: SigV4 signs the encoded path)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    # Fallback for servers that keep neither: re-quote the decoded path the way botocore sent it.
    path = quote(environ.get("PATH_INFO", ""), safe="/")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def parse_authorization(value: str) -> _Authorization:
    """Parse an ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`` header value.

    Raises:
        IncompleteSignatureException: a part is missing or the credential scope is malformed.
    """
    _scheme, _, rest = value.strip().partition(" ")
    params = dict(_PARAM.findall(rest))
    missing = [p for p in ("Credential", "Signature", "SignedHeaders") if not params.get(p)]
    if missing:
        raise IncompleteSignatureException(" ".join(f"Authorization header requires '{p}' parameter." for p in missing))
    scope = params["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise IncompleteSignatureException(
            "Credential should be scoped to a valid region."
            if len(scope) == 5
            else "Authorization header requires a valid 'Credential' parameter."
        )
    return _Authorization(
        access_key=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(h.strip().lower() for h in params["SignedHeaders"].split(";") if h.strip()),
        signature=params["Signature"].lower(),
    )


class _SignedHeadersOnly(SigV4Auth):
    """SigV4Auth that signs exactly the given headers (botocore's own blacklist would drop e.g. a
    ``user-agent`` another SDK chose to sign)."""

    def __init__(self, credentials: Credentials, region: str, headers: HTTPHeaders) -> None:
        super().__init__(credentials, SIGNING_NAME, region)
        self._headers = headers

    def headers_to_sign(self, request: Any) -> HTTPHeaders:
        return self._headers


def _expected_signature(
    auth: _Authorization,
    secret: str,
    region: str,
    *,
    method: str,
    url: str,
    headers: HTTPHeaders,
    body: bytes,
    amz_date: str,
) -> str:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers.items()))
    request.context["timestamp"] = amz_date
    signer = _SignedHeadersOnly(Credentials(auth.access_key, secret), region, headers)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    return str(signer.signature(string_to_sign, request))


def _check_skew(amz_date: str, now: datetime, skew: float) -> None:
    try:
        signed = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError as exc:
        raise IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ) from exc
    window = timedelta(seconds=skew)
    minutes = f"{skew / 60:g} min."
    if signed < now - window:
        raise InvalidSignatureException(
            f"Signature expired: {amz_date} is now earlier than {(now - window).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} - {minutes})"
        )
    if signed > now + window:
        raise InvalidSignatureException(
            f"Signature not yet current: {amz_date} is still later than {(now + window).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} + {minutes})"
        )


def _verify_bearer(config: AuthConfig, token: str) -> Principal:
    if not token or (config.bearer_tokens is not None and token not in config.bearer_tokens):
        raise UnrecognizedClientException()
    return Principal("bearer", fingerprint(token))


def verify_request(
    config: AuthConfig,
    *,
    method: str,
    raw_uri: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> Principal:
    """Check a request's ``Authorization`` and return who sent it, or raise the AWS error.

    Args:
        config: accepted credentials, regions, tokens and clock skew.
        method: the HTTP method.
        raw_uri: the request target exactly as on the wire (path and query, still percent-encoded).
        headers: the request headers; looked up case-insensitively.
        body: the raw body bytes.
        now: the server clock (UTC); defaults to ``datetime.now(UTC)``.

    Example::

        verify_request(AuthConfig({"AKID": "secret"}), method="POST", raw_uri="/model/m/invoke",
                       headers=request.headers, body=request.get_data())
    """
    lower = {k.lower(): v for k, v in headers.items()}
    value = lower.get("authorization", "").strip()
    if not value:
        raise MissingAuthorization()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        return _verify_bearer(config, rest.strip())
    if scheme != "AWS4-HMAC-SHA256":
        raise IncompleteSignatureException(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
            "parameter. Authorization header requires 'SignedHeaders' parameter."
        )
    auth = parse_authorization(value)
    amz_date = lower.get("x-amz-date", "")
    if not amz_date:
        raise IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if config.clock_skew_seconds is not None:
        _check_skew(amz_date, now or datetime.now(UTC), config.clock_skew_seconds)
    if config.credentials is None and auth.access_key not in config.registered:
        region_ok = auth.region in config.regions and auth.service == SIGNING_NAME
        if not region_ok or "host" not in auth.signed_headers:
            raise InvalidSignatureException()
        return Principal("sigv4", auth.access_key, auth.region)
    known = config.registered if config.credentials is None else config.credentials
    secret = known.get(auth.access_key) or config.registered.get(auth.access_key)
    if secret is None:
        raise UnrecognizedClientException()
    missing_header = [h for h in auth.signed_headers if h not in lower]
    if missing_header or "host" not in auth.signed_headers:
        raise InvalidSignatureException()
    signed = HTTPHeaders()
    for name in auth.signed_headers:
        signed[name] = lower[name]
    # Sign for this endpoint's region and service: a client that signed for another region or service
    # gets AWS's ordinary mismatch answer.
    region = auth.region if auth.region in config.regions else config.regions[0]
    expected = _expected_signature(
        auth,
        secret,
        region,
        method=method,
        url=f"http://{lower['host']}{raw_uri}",
        headers=signed,
        body=body,
        amz_date=amz_date,
    )
    if auth.service != SIGNING_NAME or not hmac.compare_digest(expected, auth.signature):
        raise InvalidSignatureException()
    return Principal("sigv4", auth.access_key, region)
