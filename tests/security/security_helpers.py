"""Canary credentials and expected bodies shared by the security tests."""

from __future__ import annotations

from typing import Any

#: Canary credentials planted by these tests: they must never come back anywhere.
ELASTIC_PASSWORD = "canary-elastic-pw-8d21f0"
OPENAI_KEY = "sk-canary-sec-openai-55aa"
#: ``WWW-Authenticate`` values of every 401 of a cluster without TLS on HTTP.
CHALLENGES = ['Basic realm="security", charset="UTF-8"', "ApiKey"]


def envelope(status: int, reason: str, *, header: bool, additional: str | None = None) -> dict[str, Any]:
    """An ``ElasticsearchSecurityException`` as ES renders it (``ElasticsearchException.toXContent``)."""
    cause: dict[str, Any] = {"type": "security_exception", "reason": reason}
    if additional is not None:
        cause["additional_unsuccessful_credentials"] = additional
    if header:
        cause["header"] = {"WWW-Authenticate": CHALLENGES}
    return {"error": {"root_cause": [dict(cause)], **cause}, "status": status}
