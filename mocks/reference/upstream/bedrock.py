"""Amazon Bedrock Runtime calls exactly as Elasticsearch makes them (through the AWS SDK), without boto3.

ES (``services/amazonbedrock/``) uses ``BedrockRuntimeAsyncClient`` with static access/secret keys, the
endpoint's region, no endpoint override and a single attempt. Here: the request is serialised as the SDK
does (compact JSON), signed with ``botocore.auth.SigV4Auth`` (signing name ``bedrock``) over the exact
bytes sent, sent with urllib3, and event streams are decoded with ``botocore.eventstream.EventStreamBuffer``.

Bodies:

* embeddings, InvokeModel ``/model/{modelId}/invoke``: Titan ``{"inputText": "..."}`` (one text per call),
  Cohere ``{"texts": [...], "input_type": "search_document"|..., "truncate"?}``
  (``AmazonBedrockTitanEmbeddingsRequestEntity``, ``AmazonBedrockCohereEmbeddingsRequestEntity``);
* completion, Converse ``/model/{modelId}/converse`` (``/converse-stream`` when streaming):
  ``{"messages": [{"role": "user", "content": [{"text": ...}]}], "inferenceConfig"?: {"maxTokens"?,
  "temperature"?, "topP"?}, "additionalModelResponseFieldPaths"?: ["{\\"top_k\\":%f}"]}``
  (``AmazonBedrockConverseUtils``: ``top_k`` goes in the response-field paths, an ES quirk).

Failures (``AmazonBedrockInferenceClient.onFailure``): an AWS error becomes a 500 ``exception``
``"AmazonBedrock <invoke model|converse> failure: [<message> (Service: BedrockRuntime, Status Code: <n>,
Request ID: <id>)]"`` (the SDK's ``AwsServiceException.getMessage``); anything else
``"Amazon Bedrock <op> call failed"``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import orjson
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from urllib3.exceptions import HTTPError

from contract import RuleViolation

from ._errors import violation
from ._pools import UpstreamPools

__all__ = [
    "BATCH_SIZE",
    "BedrockClient",
    "converse_body",
    "embeddings_body",
    "invoke_url",
]

SIGNING_NAME = "bedrock"
SERVICE_NAME = "BedrockRuntime"
#: ``AmazonBedrockProviderCapabilities``: texts per InvokeModel call.
BATCH_SIZE = {"amazontitan": 1, "cohere": 96}
_COHERE_INPUT_TYPES = {
    "ingest": "search_document",
    "internal_ingest": "search_document",
    "search": "search_query",
    "internal_search": "search_query",
    "classification": "classification",
    "clustering": "clustering",
}
_TOP_K_PROVIDERS = frozenset({"anthropic", "cohere", "mistral"})


def invoke_url(base_url: str | None, region: str, model: str, operation: str) -> str:
    """``{base}/model/{url-encoded model}/{operation}``; the base defaults to the regional AWS endpoint."""
    base = (base_url or f"https://bedrock-runtime.{region}.amazonaws.com").rstrip("/")
    return f"{base}/model/{quote(model, safe='')}/{operation}"


def embeddings_body(
    provider: str, texts: Sequence[str], task_settings: Mapping[str, Any], input_type: str | None = None
) -> dict[str, Any]:
    """The InvokeModel body for ``provider`` (``amazontitan``: exactly one text)."""
    if provider == "amazontitan":
        if len(texts) != 1:
            raise ValueError("Titan embeddings take exactly one input per request")
        return {"inputText": texts[0]}
    body: dict[str, Any] = {
        "texts": list(texts),
        "input_type": _COHERE_INPUT_TYPES.get((input_type or "").lower(), "search_document"),
    }
    truncation = task_settings.get("truncation")
    if truncation:
        body["truncate"] = str(truncation).upper()
    return body


def converse_body(provider: str, texts: Sequence[str], task_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The Converse / ConverseStream body (camelCase, as the SDK serialises ``ConverseRequest``)."""
    body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": t}]} for t in texts]}
    config: dict[str, Any] = {}
    if task_settings.get("max_new_tokens") is not None:
        config["maxTokens"] = int(task_settings["max_new_tokens"])
    if task_settings.get("temperature") is not None:
        config["temperature"] = _float32(task_settings["temperature"])
    if task_settings.get("top_p") is not None:
        config["topP"] = _float32(task_settings["top_p"])
    if config:
        body["inferenceConfig"] = config
    top_k = task_settings.get("top_k")
    if top_k is not None and provider in _TOP_K_PROVIDERS:
        # Java's Strings.format("{\"top_k\":%f}", topK.floatValue()): six decimals.
        body["additionalModelResponseFieldPaths"] = [f'{{"top_k":{_float32(top_k):.6f}}}']
    return body


def _float32(value: Any) -> float:
    """``Double.floatValue()`` then the SDK's JSON rendering of the float (shortest repr)."""
    as32 = struct.unpack("f", struct.pack("f", float(value)))[0]
    # Java prints a float with its shortest round-tripping decimal; repr of the float32 widened to
    # a double would print noise digits, so find the shortest decimal that maps to the same float32.
    for digits in range(1, 10):
        candidate = float(f"{as32:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == as32:
            return candidate
    return as32


class BedrockClient:
    """Signs and sends Bedrock Runtime requests for one reference target (thread-safe)."""

    def __init__(self, *, base_url: str | None, http_timeout_s: float, ca_certs: str | None = None) -> None:
        self._base_url = base_url
        self._pools = UpstreamPools(http_timeout_s=http_timeout_s, ca_certs=ca_certs)

    def invoke_model(self, settings: Mapping[str, Any], secrets: Mapping[str, str], body: dict[str, Any]) -> Any:
        """InvokeModel; the parsed JSON answer. Raises ``upstream.bedrock.invoke_model`` on failure."""
        response = self._post(settings, secrets, "invoke", body, stream=False, method="invoke model")
        return _json_answer(response.data, secrets, "invoke model")

    def converse(self, settings: Mapping[str, Any], secrets: Mapping[str, str], body: dict[str, Any]) -> Any:
        """Converse; the parsed JSON answer. Raises ``upstream.bedrock.converse`` on failure."""
        response = self._post(settings, secrets, "converse", body, stream=False, method="converse")
        return _json_answer(response.data, secrets, "converse")

    def converse_stream(
        self, settings: Mapping[str, Any], secrets: Mapping[str, str], body: dict[str, Any]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """ConverseStream: opens the stream (errors raised now), then yields ``(event_type, payload)``."""
        response = self._post(settings, secrets, "converse-stream", body, stream=True, method="converse")
        return _events(response, list(secrets.values()))

    def _post(
        self,
        settings: Mapping[str, Any],
        secrets: Mapping[str, str],
        operation: str,
        body: dict[str, Any],
        *,
        stream: bool,
        method: str,
    ) -> urllib3.BaseHTTPResponse:
        region = str(settings["region"])
        url = invoke_url(self._base_url, region, str(settings["model"]), operation)
        data = orjson.dumps(body)
        request = AWSRequest(method="POST", url=url, data=data, headers={"Content-Type": "application/json"})
        credentials = Credentials(secrets.get("access_key", ""), secrets.get("secret_key", ""))
        SigV4Auth(credentials, SIGNING_NAME, region).add_auth(request)
        headers = {k: v for k, v in request.headers.items()}
        rule = "upstream.bedrock.invoke_model" if method == "invoke model" else "upstream.bedrock.converse"
        try:
            response = self._pools.post(url, data, headers, preload_content=not stream)
        except (HTTPError, OSError, ValueError) as exc:  # ValueError: a header the wire cannot carry
            # (a non-Latin-1 access key or region in the signed headers): the SDK fails before sending, not
            # with a BedrockRuntimeException, so ES answers "Amazon Bedrock <method> call failed" (inferred)
            raise violation(
                "upstream.bedrock.call_failed",
                secrets.values(),
                method=method,
                # a ValueError's text quotes the header (a secret): only its type
                error_message=type(exc).__name__ if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}",
                reason=f"Amazon Bedrock {method} call failed",
            ) from None
        if response.status != 200:
            payload = response.read() if stream else response.data
            if stream:
                response.release_conn()
            message = _aws_message(response.status, dict(response.headers), payload)
            raise violation(
                rule,
                secrets.values(),
                error_message=message,
                reason=f"AmazonBedrock {method} failure: [{message}]",
            )
        return response


def _json_answer(data: bytes, secrets: Mapping[str, str], method: str) -> Any:
    """The JSON of a 200 answer; a body that does not parse fails as ES's Bedrock client fails.

    ``AmazonBedrockInferenceClient.invokeModel`` / ``converse`` call ``responseListener.onResponse`` inside
    their ``try``: the parse failure (ES's JSON parser in ``AmazonBedrockEmbeddingsResponse.fromResponse``
    for InvokeModel, the AWS SDK's unmarshaller for Converse), not a ``BedrockRuntimeException``, reaches
    ``onFailure`` and becomes ``ElasticsearchException("Amazon Bedrock <method> call failed", cause)``, a 500
    (verified in x-pack/plugin/inference/.../amazonbedrock/client/AmazonBedrockInferenceClient.java,
    elastic/elasticsearch 8.15-9.x; the cause's exact type is inferred).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise violation(
            "upstream.bedrock.call_failed",
            secrets.values(),
            method=method,
            error_message=f"{type(exc).__name__}: {exc}",
            reason=f"Amazon Bedrock {method} call failed",
        ) from None


def _aws_message(status: int, headers: Mapping[str, str], payload: bytes) -> str:
    """``AwsServiceException.getMessage()``: ``<message> (Service: BedrockRuntime, Status Code: n, Request ID: id)``."""
    lower = {k.lower(): v for k, v in headers.items()}
    message: str | None = None
    try:
        parsed = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        found = parsed.get("message", parsed.get("Message"))
        message = found if isinstance(found, str) else None
    if message is None:
        message = "Service returned HTTP status code " + str(status)
    details = [
        f"Service: {SERVICE_NAME}",
        f"Status Code: {status}",
        f"Request ID: {lower.get('x-amzn-requestid')}",
    ]
    if lower.get("x-amz-id-2"):
        details.append(f"Extended Request ID: {lower['x-amz-id-2']}")
    return f"{message} ({', '.join(details)})"


def _events(response: urllib3.BaseHTTPResponse, secrets: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    buffer = EventStreamBuffer()
    try:
        for chunk in response.stream(8192):
            buffer.add_data(chunk)
            for message in buffer:
                headers = message.headers
                kind = headers.get(":message-type")
                payload = orjson.loads(message.payload) if message.payload else {}
                if kind == "event":
                    yield str(headers.get(":event-type")), payload
                    continue
                text = payload.get("message") if isinstance(payload, dict) else None
                if kind == "error":
                    text = headers.get(":error-message") or text
                raise violation(
                    "upstream.bedrock.stream",
                    secrets,
                    error_message=str(text or headers.get(":exception-type") or "unknown"),
                    reason=f"AmazonBedrock StreamingChatProcessor failure: [{text}]",
                )
    except RuleViolation:
        raise
    except Exception as exc:  # noqa: BLE001 - CRC errors, truncated frames, resets
        raise violation(
            "upstream.bedrock.stream",
            secrets,
            error_message=f"{type(exc).__name__}: {exc}",
            reason=f"AmazonBedrock StreamingChatProcessor failure: [{exc}]",
        ) from None
    finally:
        response.release_conn()


def is_finite_vector(vector: Any) -> bool:
    """True when ``vector`` is a list of finite numbers."""
    return isinstance(vector, list) and all(isinstance(v, (int, float)) and math.isfinite(v) for v in vector)
