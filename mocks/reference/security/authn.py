"""Authentication of a REST request from its ``Authorization`` header, with Elasticsearch's failures.

Sources (``elastic/elasticsearch``):

* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/security/authc/support/UsernamePasswordToken.java``
  (verified): ``Basic`` (case-insensitive) with nothing after it -> ``invalid basic authentication header value``;
  not base64 -> ``invalid basic authentication header encoding``; no colon -> ``... header value``.
* ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/security/authc/``
  ``DefaultAuthenticationFailureHandler.java``
  (verified 8.x): ``missing authentication credentials for REST request [uri]`` (no usable credentials) and
  ``unable to authenticate user [u] for REST request [uri]`` (wrong password or unknown user).
* ``x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authc/AuthenticatorChain.java``
  (verified): an API key that does not authenticate ends in ``handleNullToken``: ``unable to authenticate with
  provided credentials and anonymous access is not allowed for this request`` with the metadata
  ``es.additional_unsuccessful_credentials`` = ``API key: <ApiKeyService message>``.
* ``x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/authc/ApiKeyService.java`` (verified):
  ``invalid ApiKey value`` (no colon), ``unable to find apikey with id X``, ``invalid credentials for API key [X]``.
"""

from __future__ import annotations

import base64
import binascii
import string

from mocks.reference.security.realm import Principal, Realm

__all__ = ["AuthFailure", "authenticate"]

_B64 = set(string.ascii_letters + string.digits + "+/=")


class AuthFailure(Exception):
    """A 401: the rule it breaks (its reason rendered from the rule table) or, for a malformed Basic header,
    the literal reason; for API keys the ``additional_unsuccessful_credentials`` detail."""

    def __init__(self, rule_id: str | None, reason: str = "", additional: str | None = None, **params: str) -> None:
        super().__init__(rule_id or reason)
        self.rule_id = rule_id
        self.reason = reason
        self.additional = additional
        self.params = params


def _java_b64decode(text: str) -> bytes:
    """``Base64.getDecoder().decode`` (RFC 4648, padding optional), with Java's message on bad input."""
    for char in text:
        if char not in _B64:
            raise ValueError(f"Illegal base64 character {ord(char):x}")
    try:
        return base64.b64decode(text + "=" * (-len(text.rstrip("=")) % 4 if "=" not in text else 0), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("Input byte array has wrong 4-byte ending unit") from None


def _basic(value: str, uri: str, realm: Realm) -> Principal:
    encoded = value[len("Basic ") :].strip()
    if not encoded:
        raise AuthFailure(None, "invalid basic authentication header value")
    try:
        decoded = _java_b64decode(encoded).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise AuthFailure(None, "invalid basic authentication header encoding") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise AuthFailure(None, "invalid basic authentication header value")
    user = realm.authenticate_user(username, password)
    if user is None:
        raise AuthFailure("security.authn.wrong_password", user=username, uri=uri)
    return Principal(user, None, realm.roles_of(user))


def _api_key(value: str, realm: Realm) -> Principal:
    failed = "security.authn.wrong_api_key"
    try:
        decoded = _java_b64decode(value[len("ApiKey ") :].strip()).decode("utf-8")
    except ValueError as exc:
        raise AuthFailure(failed, additional=f"API key: {exc}") from None
    key_id, sep, secret = decoded.partition(":")
    if not sep or not key_id:
        raise AuthFailure(failed, additional="API key: invalid ApiKey value")
    key, why = realm.authenticate_key(key_id, secret)
    if key is None:
        raise AuthFailure(failed, additional=f"API key: {why}")
    return Principal(key.owner, key, ())


def authenticate(header: str | None, uri: str, realm: Realm) -> Principal:
    """The principal of a request with ``Authorization: header`` sent to ``uri`` (path and query).

    Raises:
        AuthFailure: no usable credentials, a malformed header, wrong credentials.
    """
    value = (header or "").strip()
    if value[:7].lower() == "apikey " and len(value) > 7:
        return _api_key(value, realm)
    if value[:6].lower() == "basic ":
        return _basic(value, uri, realm)
    raise AuthFailure("security.authn.missing", uri=uri)
