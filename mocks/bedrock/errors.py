"""Amazon Bedrock Runtime errors, rendered as AWS renders them (rest-json protocol).

Wire format: ``x-amzn-ErrorType: <Name>:http://internal.amazon.com/coral/<namespace>/``, a JSON body
``{"message": ...}``, ``Content-Type: application/json`` and ``x-amzn-RequestId``.  botocore takes the
error code from the header up to the first ``:``.  Inside an event stream the same error is an
exception frame (``:exception-type`` = camelCase name), see :meth:`BedrockError.frame`.

Exception tree::

    werkzeug HTTPException
    └── mocks.core.ProviderError
        └── BedrockError                       (abstract: name, status, default message)
            ├── ValidationException            400
            ├── ServiceQuotaExceededException  400
            ├── AccessDeniedException          403
            ├── ResourceNotFoundException      404
            ├── ModelTimeoutException          408
            ├── ModelErrorException            424
            ├── ModelStreamErrorException      424
            ├── ThrottlingException            429
            ├── ModelNotReadyException         429
            ├── InternalServerException        500
            ├── ServiceUnavailableException    503
            └── protocol errors (namespace com.amazon.coral.service, raised before the operation runs)
                ├── UnrecognizedClientException   403  unknown access key / bearer token
                ├── InvalidSignatureException     403  bad signature, wrong region, expired date
                ├── MissingAuthorization          403  AccessDeniedException "Authorization header is missing"
                └── UnknownOperationException     404  no such route

Sources: status codes and names from botocore's bedrock-runtime service model (boto/botocore
``botocore/data/bedrock-runtime/2023-09-30/service-2.json``); messages from real responses quoted in public
issues: InvalidSignatureException https://github.com/BerriAI/litellm/issues/14763 and
https://github.com/aws/aws-sdk-js/issues/168, UnrecognizedClientException
https://github.com/langchain-ai/langchain/issues/19677, ValidationException "Malformed input request"
https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/12; the missing-auth answer from
https://github.com/karthink/gptel/issues/1397 (a captured bedrock-runtime 403).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from werkzeug.wrappers import Response

from mocks.bedrock.eventstream import exception_frame
from mocks.core.app import ProviderError

__all__ = [
    "BEDROCK_NAMESPACE",
    "CORAL_NAMESPACE",
    "ERRORS",
    "AccessDeniedException",
    "BedrockError",
    "InternalServerException",
    "InvalidSignatureException",
    "MissingAuthorization",
    "ModelErrorException",
    "ModelNotReadyException",
    "ModelStreamErrorException",
    "ModelTimeoutException",
    "ResourceNotFoundException",
    "ServiceQuotaExceededException",
    "ServiceUnavailableException",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationException",
    "error_for_status",
    "malformed",
]

BEDROCK_NAMESPACE = "com.amazon.bedrock"
CORAL_NAMESPACE = "com.amazon.coral.service"


class BedrockError(ProviderError):
    """Base of every Bedrock error; a :class:`~mocks.core.app.ProviderError` in AWS's wire format, so the
    core app answers it as it answers every provider's errors.

    Args:
        message: the ``message`` body field; defaults to the class's ``default_message``.
        status: the HTTP status; defaults to the class's ``code`` (an injected fault may give another).
        headers: extra response headers (an injected fault's).
        request_id: value of ``x-amzn-RequestId``; when omitted, the app adds its seeded id.
        **extra: extra body fields (``originalStatusCode``, ``resourceName``...).

    Example::

        raise ValidationException("The provided model identifier is invalid.")
    """

    error_name: ClassVar[str] = "InternalServerException"
    code: int = 500
    default_message: ClassVar[str | None] = None
    namespace: ClassVar[str] = BEDROCK_NAMESPACE
    #: body key for the message; AWS's front door (missing auth) uses ``Message``.
    message_key: ClassVar[str] = "message"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        **extra: Any,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.request_id = request_id
        self.extra = extra
        response = Response(
            json.dumps(self.body(), separators=(",", ":")),
            status=status if status is not None else type(self).code,
            headers=self._headers(),
        )
        for name, value in (headers or {}).items():
            response.headers[name] = value
        super().__init__(response)
        self.description = self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.error_name}: {self.message}"

    @property
    def exception_type(self) -> str:
        """The camelCase event-stream member name (``ThrottlingException`` -> ``throttlingException``)."""
        return self.error_name[:1].lower() + self.error_name[1:]

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        out: dict[str, Any] = {}
        if self.message is not None:
            out[self.message_key] = self.message
        out.update(self.extra)
        return out

    def _headers(self) -> list[tuple[str, str]]:
        headers = [("Content-Type", "application/json")]
        if self.request_id is not None:
            headers.append(("x-amzn-RequestId", self.request_id))
        headers.append(("x-amzn-ErrorType", f"{self.error_name}:http://internal.amazon.com/coral/{self.namespace}/"))
        return headers

    def frame(self) -> bytes:
        """This error as an event-stream exception frame (for a failure inside a stream)."""
        return exception_frame(self.exception_type, self.message or "", **self.extra)


def _error(name: str, status: int, message: str | None, namespace: str = BEDROCK_NAMESPACE) -> type[BedrockError]:
    return type(
        name,
        (BedrockError,),
        {
            "error_name": name,
            "code": status,
            "default_message": message,
            "namespace": namespace,
            "__doc__": f"``{name}`` ({status}).",
            "__module__": __name__,
        },
    )


ValidationException = _error(
    "ValidationException", 400, "Malformed input request, please reformat your input and try again."
)
ServiceQuotaExceededException = _error(
    "ServiceQuotaExceededException", 400, "Your request exceeds the service quota for your account."
)
AccessDeniedException = _error(
    "AccessDeniedException", 403, "You don't have access to the model with the specified model ID."
)
ResourceNotFoundException = _error(
    "ResourceNotFoundException",
    404,
    "Could not resolve the foundation model from the provided model identifier.",
)
ModelTimeoutException = _error(
    "ModelTimeoutException", 408, "Model has timed out in processing the request. Try your request again."
)
ModelErrorException = _error("ModelErrorException", 424, "The model returned an error.")
ModelStreamErrorException = _error("ModelStreamErrorException", 424, "The model stream returned an error.")
ThrottlingException = _error("ThrottlingException", 429, "Too many requests, please wait before trying again.")
ModelNotReadyException = _error(
    "ModelNotReadyException", 429, "Model is not ready for inference. Wait and try your request again."
)
InternalServerException = _error(
    "InternalServerException",
    500,
    "The system encountered an unexpected error during processing. Try your request again.",
)
ServiceUnavailableException = _error("ServiceUnavailableException", 503, "Bedrock is unable to process your request.")
UnrecognizedClientException = _error(
    "UnrecognizedClientException",
    403,
    "The security token included in the request is invalid.",
    CORAL_NAMESPACE,
)
InvalidSignatureException = _error(
    "InvalidSignatureException",
    403,
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.",
    CORAL_NAMESPACE,
)
# Smithy's framework error for a request that matches no operation; it carries no message.
UnknownOperationException = _error("UnknownOperationException", 404, None, CORAL_NAMESPACE)


class MissingAuthorization(BedrockError):
    """No ``Authorization`` header: bedrock-runtime answers 403 ``AccessDeniedException`` from its
    front door, with a capitalised ``Message`` key (captured in karthink/gptel#1397)."""

    error_name = "AccessDeniedException"
    code = 403
    default_message = "Authorization header is missing"
    namespace = CORAL_NAMESPACE
    message_key = "Message"


#: THE table of the operation errors an injected fault can name, in botocore's order; the first error of a
#: status is the one an ``http_error`` fault of that status renders as (400 ValidationException, 403
#: AccessDeniedException, 424 ModelErrorException, 429 ThrottlingException...).
ERRORS: tuple[type[BedrockError], ...] = (
    ValidationException,
    ServiceQuotaExceededException,
    AccessDeniedException,
    ResourceNotFoundException,
    ModelTimeoutException,
    ModelErrorException,
    ModelStreamErrorException,
    ThrottlingException,
    ModelNotReadyException,
    InternalServerException,
    ServiceUnavailableException,
    UnrecognizedClientException,
    InvalidSignatureException,
)
_BY_NAME: dict[str, type[BedrockError]] = {cls.error_name: cls for cls in ERRORS}
_BY_STATUS: dict[int, type[BedrockError]] = {}
for _cls in ERRORS:
    _BY_STATUS.setdefault(_cls.code, _cls)


def error_for_status(
    status: int,
    *,
    name: str | None = None,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> BedrockError:
    """The Bedrock error an injected ``http_error`` fault of ``status`` renders as.

    ``name`` picks a specific error (``"ModelNotReadyException"``); otherwise the usual error for the
    status (429 -> ThrottlingException, 5xx other than 500/503 -> InternalServerException with that
    status, other 4xx -> ValidationException with that status).
    """
    cls = _BY_NAME.get(name or "") or _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerException if status >= 500 else ValidationException
    return cls(message, status=status, headers=headers)


def malformed(detail: str | None = None) -> BedrockError:
    """A ValidationException in AWS's schema-violation wording.

    ``malformed("#: required key [inputText] not found")`` ->
    "Malformed input request: #: required key [inputText] not found, please reformat your input and try again."
    """
    if detail is None:
        return ValidationException()
    return ValidationException(f"Malformed input request: {detail}, please reformat your input and try again.")
