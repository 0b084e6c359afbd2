"""Azure OpenAI's errors: ``{"error": {"code", "message"}}`` (``type``/``param`` usually absent).

Exception tree::

    werkzeug.exceptions.HTTPException
     └── mocks.core.ProviderError
          └── AzureError

Validation errors of the request body itself come from the OpenAI models (``mocks.openai.errors``) as Azure
forwards OpenAI's error objects for them.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from mocks.core.app import ProviderError
from mocks.core.wsgi import json_response

__all__ = [
    "AzureError",
    "access_denied",
    "deployment_not_found",
    "error_response",
    "internal_error",
    "invalid_token",
    "missing_key",
    "rate_limited",
    "resource_not_found",
]


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An Azure error response."""
    return json_response({"error": {"code": code, "message": message}}, status, headers)


class AzureError(ProviderError):
    """An error Azure OpenAI answers; raise it from a handler, the app returns its response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.error_code, self.message = status, code, message
        super().__init__(error_response(status, code, message, headers))

    def __repr__(self) -> str:
        return f"AzureError({self.status}, {self.error_code!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.status} {self.error_code}: {self.message}"


def access_denied() -> AzureError:
    """401 for a wrong ``api-key``."""
    return AzureError(
        401,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key "
        "for an active subscription and use a correct regional API endpoint for your resource.",
    )


def missing_key() -> AzureError:
    """401 with neither ``api-key`` nor ``Authorization``."""
    return AzureError(
        401,
        "401",
        "Access denied due to missing subscription key. Make sure to include subscription key when making "
        "requests to an API.",
    )


def invalid_token() -> AzureError:
    """401 for an Entra ID bearer token the mock does not accept."""
    return AzureError(
        401,
        "401",
        "Unauthorized. Access token is missing, invalid, audience is incorrect "
        "(https://cognitiveservices.azure.com), or have expired.",
    )


def deployment_not_found() -> AzureError:
    """404 ``DeploymentNotFound``."""
    return AzureError(
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment within the last "
        "5 minutes, please wait a moment and try again.",
    )


def resource_not_found() -> Response:
    """404 for an unknown path or a missing ``api-version``."""
    return error_response(404, "404", "Resource not found")


def internal_error(headers: dict[str, str] | None = None) -> Response:
    """500 ``InternalServerError``."""
    return error_response(
        500, "InternalServerError", "The service encountered an internal error. Please retry.", headers
    )


def rate_limited(
    operation: str, api_version: str, retry_after: int = 1, headers: dict[str, str] | None = None
) -> Response:
    """429 with ``retry-after`` and Azure's remaining-only rate-limit headers."""
    hdrs = {
        "retry-after": str(retry_after),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-remaining-tokens": "0",
    }
    hdrs.update(headers or {})
    return error_response(
        429,
        "429",
        f"Requests to the {operation} Operation under Azure OpenAI API version {api_version} have exceeded call "
        f"rate limit of your current OpenAI S0 pricing tier. Please retry after {hdrs['retry-after']} seconds. "
        "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default "
        "rate limit.",
        hdrs,
    )
