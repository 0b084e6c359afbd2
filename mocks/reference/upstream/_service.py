"""The :class:`Upstream` facade: one method per kind of upstream call, dispatched on the endpoint's service."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from contract import RuleViolation

from . import bedrock as br
from . import openai as oa
from ._errors import violation
from ._http import HttpRequest, RetryingSender, iter_sse_data, request_kind

__all__ = ["Upstream"]

#: ``ServiceUtils.TEST_EMBEDDING_INPUT``: what the PUT validation call sends.
VALIDATION_INPUT = "how big"
#: ``OpenAiServiceFields.EMBEDDING_MAX_BATCH_SIZE`` (Azure reuses it).
OPENAI_BATCH_SIZE = 2048


def _merged(endpoint: Any, override: Mapping[str, Any] | None) -> dict[str, Any]:
    settings = dict(endpoint.task_settings or {})
    for key, value in (override or {}).items():
        if value is not None:
            settings[key] = value
    return settings


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Upstream:
    """Calls OpenAI, Azure OpenAI and Amazon Bedrock for the reference target, as Elasticsearch does.

    See the package docstring for the interface. Thread-safe; create one per reference server.
    """

    def __init__(self, config: Any) -> None:
        self._config = config
        self._sender = RetryingSender(
            initial_delay_s=float(config.retry_initial_delay_s),
            max_delay_s=float(config.retry_max_delay_s),
            timeout_s=float(config.retry_timeout_s),
            http_timeout_s=float(config.http_timeout_s),
            seed=int(getattr(config, "seed", 0)),
            ca_certs=getattr(config, "ca_certs", None),
        )
        self._bedrock = br.BedrockClient(
            base_url=config.bedrock_base_url,
            http_timeout_s=float(config.http_timeout_s),
            ca_certs=getattr(config, "ca_certs", None),
        )
        self._default_headers: dict[str, str] = dict(getattr(config, "default_headers", None) or {})

    def __repr__(self) -> str:
        return (
            f"Upstream(azure_base_url={self._config.azure_base_url!r}, "
            f"bedrock_base_url={self._config.bedrock_base_url!r})"
        )

    # ------------------------------------------------------------------ public API

    def validate(self, endpoint: Any) -> int | None:
        """The PUT validation call: the embedding length for ``text_embedding``, else ``None``."""
        if endpoint.task_type == "text_embedding":
            return len(self.embed(endpoint, [VALIDATION_INPUT])[0])
        if endpoint.task_type == "chat_completion":
            body = {"messages": [{"role": "user", "content": VALIDATION_INPUT}]}
            for _ in self.unified_chat_stream(endpoint, body):
                pass
            return None
        self.complete(endpoint, VALIDATION_INPUT)
        return None

    def embed(
        self,
        endpoint: Any,
        inputs: list[str],
        task_settings_override: Mapping[str, Any] | None = None,
        *,
        input_type: str | None = None,
    ) -> list[list[float]]:
        """Embed ``inputs`` in one upstream request (Titan: one request per input), order kept."""
        task = _merged(endpoint, task_settings_override)
        if endpoint.service == "amazonbedrock":
            return self._bedrock_embed(endpoint, list(inputs), task, input_type)
        return self._openai_embed(endpoint, list(inputs), task)

    def embed_chunks(self, endpoint: Any, chunks: list[str]) -> list[list[float]]:
        """Embed ``chunks`` (semantic_text ingestion) in ES's per-service batches, order kept."""
        if endpoint.service == "amazonbedrock":
            size = br.BATCH_SIZE.get(str(endpoint.service_settings.get("provider", "")).lower(), 1)
        else:
            size = OPENAI_BATCH_SIZE
        vectors: list[list[float]] = []
        for batch in _batches(list(chunks), size):
            vectors.extend(self.embed(endpoint, batch, input_type="ingest"))
        return vectors

    def complete(self, endpoint: Any, input: str, task_settings_override: Mapping[str, Any] | None = None) -> str:
        """One completion for ``input``."""
        task = _merged(endpoint, task_settings_override)
        if endpoint.service == "amazonbedrock":
            settings = endpoint.service_settings
            body = br.converse_body(_provider(endpoint), [input], task)
            answer = self._bedrock.converse(settings, endpoint.secrets, body)
            return _converse_text(answer, endpoint)
        request = self._chat_request(endpoint, [{"content": input, "role": "user"}], task, stream=False)
        return self._sender.send(request, oa.parse_completion)

    def stream_completion(
        self, endpoint: Any, input: str, task_settings_override: Mapping[str, Any] | None = None
    ) -> Iterator[str]:
        """Stream a completion: the upstream stream is opened now; iterate for the text deltas."""
        task = _merged(endpoint, task_settings_override)
        if endpoint.service == "amazonbedrock":
            body = br.converse_body(_provider(endpoint), [input], task)
            events = self._bedrock.converse_stream(endpoint.service_settings, endpoint.secrets, body)
            return _bedrock_deltas(events)
        request = self._chat_request(endpoint, [{"content": input, "role": "user"}], task, stream=True)
        response = self._sender.open_stream(request)
        return self._openai_deltas(response, endpoint)

    def unified_chat_stream(self, endpoint: Any, body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Stream a unified chat completion; yields OpenAI ``chat.completion.chunk`` dicts."""
        task = _merged(endpoint, None)
        messages = list(body.get("messages") or [])
        if endpoint.service == "amazonbedrock":
            texts = [_text_of(m.get("content")) for m in messages]
            merged = dict(task)
            for src, dst in (
                ("temperature", "temperature"),
                ("top_p", "top_p"),
                ("max_completion_tokens", "max_new_tokens"),
            ):
                if body.get(src) is not None:
                    merged[dst] = body[src]
            converse = br.converse_body(_provider(endpoint), texts, merged)
            converse["messages"] = [
                {"role": m.get("role", "user"), "content": [{"text": _text_of(m.get("content"))}]} for m in messages
            ]
            events = self._bedrock.converse_stream(endpoint.service_settings, endpoint.secrets, converse)
            return _bedrock_chunks(events, str(body.get("model") or endpoint.service_settings.get("model")))
        request = self._chat_request(endpoint, oa.unified_messages(messages), task, stream=True, unified=body)
        response = self._sender.open_stream(request)
        return self._unified_chunks(response, endpoint)

    # ------------------------------------------------------------------ OpenAI / Azure

    def _base_request(
        self, endpoint: Any, task_name: str, operation: str, body: dict[str, Any], task: Mapping[str, Any]
    ) -> HttpRequest:
        settings = endpoint.service_settings
        secrets = endpoint.secrets
        if endpoint.service == "azureopenai":
            url, host = oa.azure_url(self._config.azure_base_url, settings, operation)
            headers = oa.azure_headers(secrets, host=host)
        else:
            default = oa.DEFAULT_EMBEDDINGS_URL if operation == "embeddings" else oa.DEFAULT_CHAT_URL
            url = str(settings.get("url") or default)
            headers = oa.openai_headers(secrets.get("api_key", ""), settings.get("organization_id"))
        extra = dict(self._default_headers)
        if isinstance(task.get("headers"), Mapping):
            extra.update({str(k): str(v) for k, v in task["headers"].items()})
        headers.update(extra)
        return HttpRequest(
            service=endpoint.service,
            task=task_name,
            inference_id=endpoint.inference_id,
            url=url,
            headers=headers,
            body=body,
            secrets=tuple(v for v in secrets.values() if v),
            message_uri=url if endpoint.service == "azureopenai" else settings.get("url"),
        )

    def _openai_embed(self, endpoint: Any, inputs: list[str], task: Mapping[str, Any]) -> list[list[float]]:
        settings = endpoint.service_settings
        texts = oa.truncate_by_tokens(inputs, settings.get("max_input_tokens"))
        azure = endpoint.service == "azureopenai"
        body = oa.embeddings_body(
            texts,
            model=None if azure else settings.get("model_id"),
            user=task.get("user"),
            dimensions=settings.get("dimensions"),
            dimensions_set_by_user=bool(getattr(endpoint, "dimensions_set_by_user", False)),
        )
        request = self._base_request(endpoint, "embeddings", "embeddings", body, task)

        def truncate(current: dict[str, Any]) -> dict[str, Any]:
            return {**current, "input": oa.truncate_half(current["input"])}

        request.truncate = truncate
        return self._sender.send(request, lambda raw: oa.parse_embeddings(raw, len(texts)))

    def _chat_request(
        self,
        endpoint: Any,
        messages: list[dict[str, Any]],
        task: Mapping[str, Any],
        *,
        stream: bool,
        unified: Mapping[str, Any] | None = None,
    ) -> HttpRequest:
        settings = endpoint.service_settings
        user = task.get("user")
        if endpoint.service == "azureopenai":
            if unified is None:
                # AzureOpenAiCompletionRequestEntity: role before content, no model, no stream_options.
                messages = [{"role": m["role"], "content": m["content"]} for m in messages]
            body = oa.chat_body(
                messages,
                model=None,
                user=user,
                stream=stream,
                stream_options=unified is not None,
                extra=unified,
            )
        else:
            model = (unified or {}).get("model") or settings.get("model_id")
            body = oa.chat_body(messages, model=model, user=user, stream=stream, stream_options=True, extra=unified)
        return self._base_request(
            endpoint, "unified" if unified is not None else "completion", "chat/completions", body, task
        )

    def _openai_deltas(self, response: Any, endpoint: Any) -> Iterator[str]:
        secrets = [v for v in endpoint.secrets.values() if v]
        for data in _sse_payloads(response, endpoint, secrets):
            try:
                deltas = oa.parse_stream_delta(data)
            except (ValueError, orjson.JSONDecodeError) as exc:
                raise _stream_parse_error(endpoint, "completion", exc, secrets) from None
            yield from deltas

    def _unified_chunks(self, response: Any, endpoint: Any) -> Iterator[dict[str, Any]]:
        secrets = [v for v in endpoint.secrets.values() if v]
        for data in _sse_payloads(response, endpoint, secrets):
            try:
                chunk = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise _stream_parse_error(endpoint, "unified", exc, secrets) from None
            if not isinstance(chunk, dict) or not isinstance(chunk.get("choices"), list):
                raise _stream_parse_error(endpoint, "unified", ValueError("missing [choices]"), secrets)
            yield chunk

    # ------------------------------------------------------------------ Bedrock

    def _bedrock_embed(
        self, endpoint: Any, inputs: list[str], task: Mapping[str, Any], input_type: str | None
    ) -> list[list[float]]:
        provider = _provider(endpoint)
        settings, secrets = endpoint.service_settings, endpoint.secrets
        size = br.BATCH_SIZE.get(provider, 1)
        vectors: list[list[float]] = []
        for batch in _batches(inputs, size):
            answer = self._bedrock.invoke_model(
                settings, secrets, br.embeddings_body(provider, batch, task, input_type)
            )
            vectors.extend(_bedrock_vectors(answer, provider, len(batch), secrets))
        return vectors


def _provider(endpoint: Any) -> str:
    return str(endpoint.service_settings.get("provider", "")).lower()


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def _bedrock_vectors(answer: Any, provider: str, expected: int, secrets: Mapping[str, str]) -> list[list[float]]:
    field = "embedding" if provider == "amazontitan" else "embeddings"
    value = answer.get(field) if isinstance(answer, dict) else None
    vectors = [value] if provider == "amazontitan" else value
    if not isinstance(vectors, list) or not all(br.is_finite_vector(v) for v in vectors) or len(vectors) != expected:
        message = f"Failed to find required field [{field}] in Amazon Bedrock embeddings response"
        raise violation(
            "upstream.bedrock.invoke_model",
            secrets.values(),
            error_message=message,
            reason=f"AmazonBedrock invoke model failure: [{message}]",
        )
    return [[float(x) for x in v] for v in vectors]


def _converse_text(answer: Any, endpoint: Any) -> str:
    try:
        blocks = answer["output"]["message"]["content"]
        return "".join(str(block["text"]) for block in blocks if "text" in block)
    except (KeyError, TypeError) as exc:
        message = f"Failed to parse the Converse response: missing {exc}"
        raise violation(
            "upstream.bedrock.converse",
            endpoint.secrets.values(),
            error_message=message,
            reason=f"AmazonBedrock converse failure: [{message}]",
        ) from None


def _bedrock_deltas(events: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[str]:
    # AmazonBedrockStreamingChatProcessor: only contentBlockDelta text is forwarded.
    for event, payload in events:
        if event == "contentBlockDelta":
            text = (payload.get("delta") or {}).get("text")
            if text:
                yield text


def _bedrock_chunks(events: Iterator[tuple[str, dict[str, Any]]], model: str) -> Iterator[dict[str, Any]]:
    chunk_id = f"chatcmpl-{int(time.time() * 1000):x}"

    def chunk(
        delta: dict[str, Any],
        finish: str | None = None,
        usage: dict[str, Any] | None = None,
        choices: bool = True,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else [],
        }
        if usage is not None:
            out["usage"] = usage
        return out

    for event, payload in events:
        if event == "messageStart":
            yield chunk({"role": payload.get("role", "assistant")})
        elif event == "contentBlockDelta":
            text = (payload.get("delta") or {}).get("text")
            if text:
                yield chunk({"content": text})
        elif event == "messageStop":
            yield chunk({}, finish=str(payload.get("stopReason", "stop")))
        elif event == "metadata" and isinstance(payload.get("usage"), dict):
            usage = payload["usage"]
            yield chunk(
                {},
                usage={
                    "completion_tokens": usage.get("outputTokens", 0),
                    "prompt_tokens": usage.get("inputTokens", 0),
                    "total_tokens": usage.get("totalTokens", 0),
                },
                choices=False,
            )


def _sse_payloads(response: Any, endpoint: Any, secrets: list[str]) -> Iterator[str]:
    """The ``data`` of each SSE event up to ``[DONE]``; an error event raises the endpoint's stream error."""
    for event, data in iter_sse_data(response):
        if data.strip().lower() == "[done]":
            return
        _raise_stream_error(event, data, endpoint.inference_id, secrets)
        yield data


def _raise_stream_error(event: str | None, data: str, inference_id: str, secrets: list[str]) -> None:
    """An ``event: error`` or a ``{"error": {...}}`` payload mid-stream
    (``OpenAiUnifiedChatCompletionResponseHandler#buildMidStreamError``): a 500 ``UnifiedChatCompletionException``
    whose message names the upstream's message when the data is an error object with a ``message`` and a
    ``type`` (keeping its type, code and param), else no message, type ``ErrorResponse`` and code ``stream_error``."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if event != "error" and not isinstance(error, dict):
        return
    info = error if isinstance(error, dict) else {}
    message, etype = info.get("message"), info.get("type")
    if isinstance(message, str) and isinstance(etype, str):
        suffix, code = f". Error message: [{message}]", info.get("code")
    else:
        message, suffix, etype, code = "", "", "ErrorResponse", "stream_error"
    raise violation(
        "upstream.stream_error",
        secrets,
        inference_id=inference_id,
        error_message=message,
        error_suffix=suffix,
        upstream_type=etype,
        upstream_code=str(code or ""),
        reason=f"Received an error response for request from inference entity id [{inference_id}]{suffix}",
    )


def _stream_parse_error(endpoint: Any, task: str, exc: Exception, secrets: list[str]) -> RuleViolation:
    kind = request_kind(endpoint.service, task)
    return violation(
        "upstream.malformed_response",
        secrets,
        inference_id=endpoint.inference_id,
        request_kind=kind,
        to_url="",
        error_message=str(exc),
        reason=f"Failed to send {kind} request. Cause: {exc}",
    )
