"""OpenAI's errors, each rendered as the API's own error object.

Exception tree::

    werkzeug.exceptions.HTTPException
     └── mocks.core.ProviderError
          └── OpenAIError            {"error": {"message", "type", "param", "code"}}

Messages are the real API's wording (see the sources named on each constructor).
"""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.wrappers import Request, Response

from mocks.core.app import ProviderError
from mocks.core.wsgi import json_response

__all__ = [
    "API_REFERENCE",
    "STREAM_ERROR_MESSAGE",
    "OpenAIError",
    "context_length_exceeded",
    "dimensions_not_supported",
    "incorrect_api_key",
    "invalid_json_body",
    "invalid_param",
    "missing_api_key",
    "missing_model",
    "model_not_found",
    "not_a_chat_model",
    "parse_json_body",
    "rate_limited",
    "required_property",
    "unknown_url",
]

API_REFERENCE = "https://platform.openai.com/docs/api-reference"

#: OpenAI's documented 500 wording ("The server had an error while processing your request",
#: https://platform.openai.com/docs/guides/error-codes): the mock's own 500 and the default message of a
#: mid-stream error event (an SSE ``event: error`` whose data is the error object of openai/openai-openapi
#: ``ErrorResponse``).
STREAM_ERROR_MESSAGE = "The server had an error while processing your request."


class OpenAIError(ProviderError):
    """An error the OpenAI API answers, ``{"error": {"message", "type", "param", "code"}}`` (all four keys);
    raise it from the pure models, the app returns its response (:meth:`get_response` where a response is
    wanted instead)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status, self.message, self.type, self.param, self.error_code = status, message, type, param, code
        body = {"error": {"message": message, "type": type, "param": param, "code": code}}
        super().__init__(json_response(body, status, headers))

    def __repr__(self) -> str:
        return f"OpenAIError({self.status}, {self.message!r}, code={self.error_code!r})"

    def __str__(self) -> str:
        return f"{self.status} {self.message}"


def missing_api_key() -> OpenAIError:
    """401 with no ``Authorization: Bearer`` (wording captured from api.openai.com)."""
    return OpenAIError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using "
        "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) "
        "if you're accessing the API from your browser and are prompted for a username and password. You can "
        "obtain an API key from https://platform.openai.com/account/api-keys.",
    )


def mask_key(key: str) -> str:
    """The key as shown in a 401 message. OpenAI echoes a prefix and the last characters; the mock shows
    at most the 3-character scheme prefix (e.g. ``sk-``) so no part of a secret reaches a response."""
    return (key[:3] if len(key) >= 12 else "") + "*" * 8


def incorrect_api_key(key: str) -> OpenAIError:
    """401 for a key the mock does not accept (``code: invalid_api_key``)."""
    return OpenAIError(
        401,
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )


def model_not_found(model: str) -> OpenAIError:
    """404 ``model_not_found`` for an unknown model."""
    return OpenAIError(
        404, f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
    )


def not_a_chat_model() -> OpenAIError:
    """404 when a non-chat model is sent to ``/v1/chat/completions``."""
    return OpenAIError(
        404,
        "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
        "Did you mean to use v1/completions?",
    )


def missing_model() -> OpenAIError:
    """400 without ``model``."""
    return OpenAIError(400, "you must provide a model parameter")


def required_property(name: str) -> OpenAIError:
    """400 for a missing required body field (JSON-schema wording)."""
    return OpenAIError(400, f"'{name}' is a required property")


def invalid_param(path: str) -> OpenAIError:
    """400 for an invalid field, e.g. ``invalid_param("input")`` (``'$.input' is invalid. …``)."""
    return OpenAIError(400, f"'$.{path}' is invalid. Please check the API reference: {API_REFERENCE}.")


def dimensions_not_supported() -> OpenAIError:
    """400 for ``dimensions`` on text-embedding-ada-002."""
    return OpenAIError(400, "This model does not support specifying dimensions.")


def context_length_exceeded(max_tokens: int, requested: int) -> OpenAIError:
    """400 for an input over the model's context (Elasticsearch matches 'Please reduce your prompt')."""
    return OpenAIError(
        400,
        f"This model's maximum context length is {max_tokens} tokens, however you requested {requested} tokens "
        f"({requested} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
    )


def invalid_json_body() -> OpenAIError:
    """400 for a body that is not valid JSON."""
    return OpenAIError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
        "have trouble figuring out how to fix this, please contact us through our help center at "
        "help.openai.com.)",
    )


def parse_json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or OpenAI's 400 (invalid JSON, invalid UTF-8, not an object);
    Azure OpenAI answers the same error object."""
    try:
        body = orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError:
        raise invalid_json_body() from None
    if not isinstance(body, dict):
        raise invalid_json_body()
    return body


def unknown_url(method: str, path: str) -> Response:
    """404 for a path the API does not serve (``code: unknown_url``)."""
    return OpenAIError(
        404,
        f"Unknown request URL: {method} {path}. Please check the URL for typos, or see the docs at {API_REFERENCE}/.",
        code="unknown_url",
    ).get_response()


def rate_limited(model: str, headers: dict[str, str] | None = None) -> Response:
    """429 ``rate_limit_exceeded`` with OpenAI's ``x-ratelimit-*`` headers (overridable)."""
    hdrs = {
        "retry-after": "0",
        "x-ratelimit-limit-requests": "3000",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "20ms",
        "x-ratelimit-limit-tokens": "1000000",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    hdrs.update(headers or {})
    return OpenAIError(
        429,
        f"Rate limit reached for {model} in organization org-mock on tokens per min (TPM): Limit 1000000, "
        "Used 1000000, Requested 1. Please try again in 20ms.",
        type="tokens",
        code="rate_limit_exceeded",
        headers=hdrs,
    ).get_response()
