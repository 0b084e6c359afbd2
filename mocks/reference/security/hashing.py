"""Password and API-key hashes as Elasticsearch's ``Hasher`` writes and reads them.

Source: ``x-pack/plugin/core/src/main/java/org/elasticsearch/xpack/core/security/authc/support/Hasher.java``
(verified, 8.x-9.x): ``{PBKDF2}<cost>$<base64 salt>$<base64 hash>`` (PBKDF2withHMACSHA512, 32-byte salt,
256-bit key, default cost 10000), ``{PBKDF2_STRETCH}`` (the same over the SHA-512 hex of the secret) and
bcrypt ``$2a$/$2b$/$2y$`` (the ``elasticsearch-users`` default, read with the ``bcrypt`` package).
Comparisons are constant-time. Like ES's realm and API-key caches, a secret verified once is remembered
as a keyed digest (never the secret), so later requests skip the slow hash. A secret that failed is
remembered the same way (ES hashes it again on every attempt: the answer is the same, only slower), so a
client repeating a wrong password costs one hash, not one per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading

__all__ = ["UnsupportedHash", "VerifyCache", "hash_secret", "is_supported", "verify"]

_PBKDF2 = "{PBKDF2}"
_STRETCH = "{PBKDF2_STRETCH}"
DEFAULT_COST = 10000


class UnsupportedHash(ValueError):
    """A stored password that is not a hash the reference reads (plain text included)."""


def hash_secret(secret: str, *, cost: int = DEFAULT_COST) -> str:
    """``{PBKDF2}cost$salt$hash`` of ``secret`` (a fresh 32-byte salt)."""
    salt = os.urandom(32)
    key = hashlib.pbkdf2_hmac("sha512", secret.encode("utf-8"), salt, cost, dklen=32)
    return f"{_PBKDF2}{cost}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def is_supported(stored: str) -> bool:
    """Whether ``stored`` is a hash :func:`verify` can check."""
    return stored.startswith((_PBKDF2, _STRETCH)) or stored[:4] in ("$2a$", "$2b$", "$2y$")


def _verify_pbkdf2(secret: bytes, stored: str, prefix: str) -> bool:
    try:
        cost_text, salt_text, hash_text = stored[len(prefix) :].split("$", 2)
        cost, salt, expected = int(cost_text), base64.b64decode(salt_text), base64.b64decode(hash_text)
    except ValueError:
        return False
    if len(salt) < 8 or not expected:
        return False
    actual = hashlib.pbkdf2_hmac("sha512", secret, salt, cost, dklen=len(expected))
    return hmac.compare_digest(actual, expected)


def verify(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches ``stored`` (constant-time comparison).

    Raises:
        UnsupportedHash: ``stored`` is not a PBKDF2 or bcrypt hash.
    """
    data = secret.encode("utf-8")
    if stored.startswith(_STRETCH):
        return _verify_pbkdf2(hashlib.sha512(data).hexdigest().encode(), stored, _STRETCH)
    if stored.startswith(_PBKDF2):
        return _verify_pbkdf2(data, stored, _PBKDF2)
    if stored[:4] in ("$2a$", "$2b$", "$2y$"):
        import bcrypt

        try:
            return bool(bcrypt.checkpw(data, ("$2b$" + stored[4:]).encode()))
        except ValueError:
            return False
    raise UnsupportedHash("not a {PBKDF2}, {PBKDF2_STRETCH} or bcrypt hash")


class VerifyCache:
    """Remembers (as an HMAC under a per-process key) secrets that verified, or failed, against a stored hash."""

    def __init__(self, maxsize: int = 1024) -> None:
        self._key = os.urandom(32)
        self._seen: dict[str, bytes] = {}
        self._refused: set[tuple[str, bytes]] = set()
        self._lock = threading.Lock()
        self._maxsize = maxsize

    def verify(self, secret: str, stored: str) -> bool:
        """:func:`verify`, answered from the cache when this secret was checked against ``stored`` before."""
        digest = hmac.new(self._key, secret.encode("utf-8"), hashlib.sha256).digest()
        with self._lock:
            known = self._seen.get(stored)
            refused = (stored, digest) in self._refused
        if known is not None and hmac.compare_digest(known, digest):
            return True
        if refused:
            return False
        if not verify(secret, stored):
            with self._lock:
                if len(self._refused) >= self._maxsize:
                    self._refused.clear()
                self._refused.add((stored, digest))
            return False
        with self._lock:
            if len(self._seen) >= self._maxsize:
                self._seen.clear()
            self._seen[stored] = digest
        return True
