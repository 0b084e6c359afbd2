"""OpenAI and Azure OpenAI requests exactly as Elasticsearch builds them, and their response parsers.

Sources (``elastic/elasticsearch``, ``x-pack/plugin/inference/.../services/``):

* OpenAI: ``openai/request/OpenAiEmbeddingsRequest(Entity)``, ``OpenAiUnifiedChatCompletionRequest(Entity)``,
  ``openai/OpenAiUtils`` (``OpenAI-Organization``), default URLs ``https://api.openai.com/v1/embeddings`` /
  ``.../v1/chat/completions``; the ``url`` setting replaces the whole URL.
* Azure: ``azureopenai/request/AzureOpenAiUtils`` (URL), ``AzureOpenAiRequest`` (``api-key`` or
  ``Authorization: Bearer <entra_id>``), ``AzureOpenAiEmbeddingsRequestEntity`` (no ``model``),
  ``AzureOpenAiCompletionRequestEntity`` (``messages``, ``n``, ``stream``?, ``user``?).
* Parsers: ``OpenAiEmbeddingsResponseEntity`` (``data[].embedding`` in array order),
  ``OpenAiChatCompletionResponseEntity`` (``choices[].message.content``, a string),
  ``OpenAiStreamingProcessor`` (``choices[].delta.content``; ``[DONE]`` ends the stream).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

__all__ = [
    "DEFAULT_CHAT_URL",
    "DEFAULT_EMBEDDINGS_URL",
    "azure_headers",
    "azure_url",
    "chat_body",
    "embeddings_body",
    "openai_headers",
    "parse_completion",
    "parse_embeddings",
    "parse_stream_delta",
    "truncate_by_tokens",
    "truncate_half",
]

DEFAULT_EMBEDDINGS_URL = "https://api.openai.com/v1/embeddings"
DEFAULT_CHAT_URL = "https://api.openai.com/v1/chat/completions"
#: ``Truncator.CHARS_PER_TOKEN``: a conservative 3 characters per token.
CHARS_PER_TOKEN = 3


def openai_headers(api_key: str, organization_id: str | None) -> dict[str, str]:
    """``Content-Type``, ``Authorization: Bearer`` and, when set, ``OpenAI-Organization``."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
    if organization_id:
        headers["OpenAI-Organization"] = organization_id
    return headers


def azure_headers(secrets: Mapping[str, str], *, host: str | None) -> dict[str, str]:
    """``Content-Type`` and ``api-key`` (or ``Authorization: Bearer <entra_id>``); ``Host`` when a stand-in
    base URL is used, so the mock still sees ``{resource_name}.openai.azure.com``."""
    headers = {"Content-Type": "application/json"}
    if secrets.get("entra_id"):
        headers["Authorization"] = f"Bearer {secrets['entra_id']}"
    else:
        headers["api-key"] = secrets.get("api_key", "")
    if host:
        headers["Host"] = host
    return headers


def azure_url(base_url: str | None, settings: Mapping[str, Any], operation: str) -> tuple[str, str | None]:
    """``(url, host_header)`` for ``operation`` (``embeddings`` or ``chat/completions``).

    ``https://{resource_name}.openai.azure.com/openai/deployments/{deployment_id}/{operation}?api-version=...``;
    with ``base_url`` the scheme and host come from it and the real host goes in ``Host``.
    """
    resource = str(settings["resource_name"])
    real_host = f"{resource}.openai.azure.com"
    path = f"/openai/deployments/{quote(str(settings['deployment_id']), safe='')}/{operation}"
    query = f"?api-version={quote(str(settings['api_version']), safe='')}"
    if base_url:
        return base_url.rstrip("/") + path + query, real_host
    return f"https://{real_host}{path}{query}", None


def truncate_by_tokens(inputs: list[str], max_input_tokens: int | None) -> list[str]:
    """``Truncator.truncate(input, maxInputTokens)``: cut each input to ``floor(tokens * 3)`` characters."""
    if max_input_tokens is None:
        return list(inputs)
    limit = math.floor(max_input_tokens * CHARS_PER_TOKEN)
    return [text[:limit] for text in inputs]


def truncate_half(inputs: list[str]) -> list[str]:
    """``Truncator.truncate(input)``: cut each input to half its length (reduction percentage 0.5)."""
    return [text[: math.floor(len(text) * 0.5)] for text in inputs]


def embeddings_body(
    inputs: list[str],
    *,
    model: str | None,
    user: str | None,
    dimensions: int | None,
    dimensions_set_by_user: bool,
) -> dict[str, Any]:
    """``{"input": [...], "model"?, "user"?, "dimensions"?}``; ``model`` is None for Azure."""
    body: dict[str, Any] = {"input": list(inputs)}
    if model is not None:
        body["model"] = model
    if user is not None:
        body["user"] = user
    if dimensions_set_by_user and dimensions is not None:
        body["dimensions"] = dimensions
    return body


def chat_body(
    messages: list[dict[str, Any]],
    *,
    model: str | None,
    user: str | None,
    stream: bool,
    stream_options: bool,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``UnifiedChatCompletionRequestEntity`` body (OpenAI) or ``AzureOpenAiCompletionRequestEntity``.

    Key order is ES's: ``messages``, ``stop``?, ``temperature``?, ``tool_choice``?, ``tools``?, ``top_p``?,
    ``max_completion_tokens``?, ``model``, ``n``, ``stream``, ``stream_options``?, ``user``?.
    """
    body: dict[str, Any] = {"messages": messages}
    for key in ("stop", "temperature", "tool_choice", "tools", "top_p", "max_completion_tokens"):
        value = (extra or {}).get(key)
        if value is None or (key in ("stop", "tools") and not value):
            continue
        body[key] = value
    if model is not None:
        body["model"] = model
    body["n"] = 1
    if model is not None or stream:
        body["stream"] = stream
    if stream and stream_options:
        body["stream_options"] = {"include_usage": True}
    if user:
        body["user"] = user
    return body


def unified_messages(messages: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages of a unified request as ES re-serialises them: ``content``, ``role``, ``tool_call_id``?,
    ``tool_calls``?."""
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {}
        if message.get("content") is not None:
            item["content"] = message["content"]
        item["role"] = message.get("role")
        if message.get("tool_call_id") is not None:
            item["tool_call_id"] = message["tool_call_id"]
        if message.get("tool_calls") is not None:
            item["tool_calls"] = message["tool_calls"]
        out.append(item)
    return out


_FLOAT = {float}


def parse_embeddings(body: bytes, expected: int) -> list[list[float]]:
    """``data[].embedding`` in array order (``index`` is ignored, as ES does); the count must match."""
    parsed = orjson.loads(body)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), list):
        raise ValueError("Failed to find required field [data] in OpenAI embeddings response")
    vectors: list[list[float]] = []
    for item in parsed["data"]:
        embedding = item.get("embedding") if isinstance(item, dict) else None
        if isinstance(embedding, list) and set(map(type, embedding)) <= _FLOAT:  # the usual case, at C speed
            vectors.append(embedding)
            continue
        if not isinstance(embedding, list) or not all(isinstance(v, (int, float)) for v in embedding):
            raise ValueError("Failed to find required field [embedding] in OpenAI embeddings response")
        vectors.append([float(v) for v in embedding])
    if len(vectors) != expected:
        raise ValueError(f"The number of inputs [{expected}] does not match the embeddings [{len(vectors)}]")
    return vectors


def parse_completion(body: bytes) -> str:
    """``choices[0].message.content`` (a string; ``null`` fails as in ES)."""
    parsed = orjson.loads(body)
    choices = parsed.get("choices") if isinstance(parsed, dict) else None
    if not isinstance(choices, list) or not choices:
        raise ValueError("Failed to find required field [choices] in OpenAI chat completions response")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise ValueError("Failed to find required field [content] in OpenAI chat completions response")
    return content


def parse_stream_delta(data: str) -> list[str]:
    """Text deltas of one streamed chunk (``OpenAiStreamingProcessor``): empty strings are dropped."""
    parsed = orjson.loads(data)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("choices"), list):
        raise ValueError("Failed to find required field [choices] in OpenAI chat completions response")
    deltas: list[str] = []
    for choice in parsed["choices"]:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if not isinstance(delta, dict):
            raise ValueError("Failed to find required field [delta] in OpenAI chat completions response")
        content = delta.get("content", "")
        if "content" in delta and not isinstance(content, str):
            raise ValueError("Failed to parse [content] in OpenAI chat completions response")
        if content:
            deltas.append(content)
    return deltas
