"""Upstream failures -> :class:`~contract.RuleViolation`, as Elasticsearch maps them.

OpenAI and Azure share ES's ``OpenAiResponseHandler`` (``BaseResponseHandler``): the reason is
``"<prefix> for request from inference entity id [<id>] status [<code>]"`` plus
``". Error message: [<upstream error.message>]"`` when the body holds ``{"error": {"message": ...}}``.
Every rule id below carries ``inference_id``, ``code`` (the upstream status), ``status`` (ES's status,
``BaseResponseHandler.toRestStatus``: a known code ``< 500`` passes through, others become 400),
``error_suffix``, ``error_message`` and ``reason`` (the full ES reason), so a renderer can use the rule table or
the reason as is; ``upstream_code``,
``upstream_type`` and ``upstream_param`` (the upstream ``error`` object's fields) feed the unified
chat-completion error format (``OpenAiUnifiedChatCompletionResponseHandler`` keeps them).

Secrets never reach a raised error: :func:`scrub` replaces every secret value of the endpoint that an
upstream echoes back with its fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from contract import RuleViolation, to_rest_status
from mocks.core.secrets import fingerprint

__all__ = ["error_message_of", "failure_for_status", "scrub", "violation"]

# BaseResponseHandler / OpenAiResponseHandler constants (ES source, quoted).
SERVER_ERROR = "Received a server error status code"
SERVER_BUSY = "Received a server busy error status code"
RATE_LIMIT = "Received a rate limit status code"
AUTHENTICATION = "Received an authentication error status code"
REDIRECTION = "Unhandled redirection"
CONTENT_TOO_LARGE = "Received a content too large status code"
UNSUCCESSFUL = "Received an unsuccessful status code"
BAD_REQUEST = "Received a bad request status code"
VALIDATION_ERROR = "Received an input validation error response"
CONTENT_TOO_LARGE_MESSAGE = "Please reduce your prompt; or completion length."


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Return ``text`` with every (non-trivial) secret value replaced by its fingerprint."""
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, fingerprint(secret))
    return text


def violation(rule_id: str, secrets: Iterable[str] = (), **params: Any) -> RuleViolation:
    """A :class:`RuleViolation` whose string params are scrubbed of ``secrets``."""
    values = list(secrets)
    clean: dict[str, Any] = {k: scrub(v, values) if isinstance(v, str) else v for k, v in params.items()}
    return RuleViolation(rule_id, **clean)


def error_message_of(body: bytes) -> str | None:
    """ES's ``ErrorMessageResponseEntity``: ``error.message`` of an OpenAI-style error body, else None."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    error = parsed.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        return message if isinstance(message, str) and message else None
    return None


def _error_object(body: bytes) -> dict[str, Any]:
    """The upstream ``error`` object (for the unified chat-completion error format), or ``{}``."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return {}
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else {}


def failure_for_status(
    *,
    service: str,
    task: str,
    inference_id: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str],
) -> tuple[RuleViolation, bool, bool]:
    """Map an upstream non-2xx response to ``(violation, retryable, content_too_large)``.

    ``service`` is ``openai`` or ``azureopenai``; ``task`` is ``embeddings``, ``completion`` or
    ``unified`` (OpenAI does not retry a 429 on chat completions, Azure does).
    """
    message = error_message_of(body)
    upstream = _error_object(body)
    lower = {k.lower(): v for k, v in headers.items()}
    content_too_large = status == 413 or (
        status == 400 and message is not None and CONTENT_TOO_LARGE_MESSAGE in message
    )
    retry = False
    params: dict[str, Any] = {}
    if status in (400, 404, 422):  # their own wording from 9.1 (OpenAiResponseHandler, PR #128538)
        params["fallback_rule"] = "upstream.other"
    if status == 500:
        rule, prefix, retry = "upstream.500", SERVER_ERROR, True
    elif status == 503:
        rule, prefix, retry = "upstream.503", SERVER_BUSY, True
    elif status > 500:
        rule, prefix = "upstream.500", SERVER_ERROR
    elif status == 429:
        rule, prefix, retry, params = _rate_limit(service, task, lower)
    elif content_too_large:
        rule, prefix = "upstream.413", CONTENT_TOO_LARGE
    elif status == 401:
        rule, prefix = "upstream.401", AUTHENTICATION
    elif 300 <= status < 400:
        rule, prefix = "upstream.3xx", REDIRECTION
    elif status == 422:
        rule, prefix = "upstream.422", VALIDATION_ERROR
    elif status == 400:
        rule, prefix = "upstream.400", BAD_REQUEST
    elif status == 404:
        rule, prefix = "upstream.404", f"Resource not found at [{url}]"
    else:
        rule, prefix = "upstream.other", UNSUCCESSFUL
    suffix = f". Error message: [{message}]" if message else ""
    reason = f"{prefix} for request from inference entity id [{inference_id}] status [{status}]{suffix}"
    err = violation(
        rule,
        secrets,
        inference_id=inference_id,
        code=status,
        status=to_rest_status(status),
        url=url,
        error_suffix=suffix,
        error_message=message or "",
        reason=reason,
        upstream_code=str(upstream.get("code") or ""),
        upstream_type=str(upstream.get("type") or ""),
        upstream_param=upstream.get("param") if isinstance(upstream.get("param"), str) else None,
        **params,
    )
    return err, retry, content_too_large


def _rate_limit(service: str, task: str, headers: Mapping[str, str]) -> tuple[str, str, bool, dict[str, Any]]:
    def first(name: str) -> str:
        return headers.get(name) or "unknown"

    remaining_tokens = first("x-ratelimit-remaining-tokens")
    remaining_requests = first("x-ratelimit-remaining-requests")
    if service == "azureopenai":
        # AzureOpenAiResponseHandler: no limit headers on Azure; retried for every task type.
        prefix = f"{RATE_LIMIT}. Remaining tokens [{remaining_tokens}]. Remaining requests [{remaining_requests}]."
        params = {"remaining_tokens": remaining_tokens, "remaining_requests": remaining_requests}
        return "upstream.azureopenai.429", prefix, True, params
    if task in ("completion", "unified"):
        # OpenAiChatCompletionResponseHandler: "We don't retry, if the chat completion input is too large".
        return "upstream.openai.completion_429", RATE_LIMIT, False, {}
    token_limit, request_limit = first("x-ratelimit-limit-tokens"), first("x-ratelimit-limit-requests")
    prefix = (
        f"{RATE_LIMIT}. Token limit [{token_limit}], remaining tokens [{remaining_tokens}]. "
        f"Request limit [{request_limit}], remaining requests [{remaining_requests}]"
    )
    params = {
        "token_limit": token_limit,
        "remaining_tokens": remaining_tokens,
        "request_limit": request_limit,
        "remaining_requests": remaining_requests,
    }
    return "upstream.429", prefix, True, params
