"""The OpenAI API's behaviour as pure functions: parsed body in, response dict out (or an ``OpenAIError``).

No I/O and no clock: the caller passes ``created`` and the seed. Embeddings come from
:func:`mocks.core.vectors.embedding_for`, completions from :func:`mocks.core.vectors.completion_for`, so
the harness can compute every expected output with the same functions.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mocks.core.body_schema import body_checker
from mocks.core.vectors import as_float64, completion_for, embedding_array, token_count
from mocks.openai import errors

__all__ = [
    "MAX_EMBEDDING_INPUTS",
    "MODELS",
    "ModelInfo",
    "chat_chunks",
    "chat_completion",
    "embeddings",
    "list_models",
    "prompt_text",
    "resolve_model",
]

MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_TOKENS = 8192


@dataclass(frozen=True)
class ModelInfo:
    """One model the mock serves. ``dimensions`` is the default (and maximum) embedding size."""

    id: str
    kind: str  # "embedding" | "chat"
    dimensions: int | None = None
    shortenable: bool = False
    owned_by: str = "system"
    created: int = 1_705_953_180


MODELS: Mapping[str, ModelInfo] = {
    m.id: m
    for m in (
        ModelInfo("text-embedding-3-small", "embedding", 1536, True),
        ModelInfo("text-embedding-3-large", "embedding", 3072, True),
        ModelInfo("text-embedding-ada-002", "embedding", 1536, False, "openai-internal", 1_671_217_299),
        ModelInfo("gpt-4o", "chat", created=1_715_367_049),
        ModelInfo("gpt-4o-mini", "chat", created=1_721_172_741),
        ModelInfo("gpt-3.5-turbo", "chat", owned_by="openai", created=1_677_610_602),
    )
}


def resolve_model(body: Mapping[str, Any], models: Mapping[str, ModelInfo] = MODELS) -> ModelInfo:
    """The ``ModelInfo`` named by ``body["model"]``; 400 when missing, 404 ``model_not_found`` when unknown."""
    model = body.get("model")
    if model is None or model == "":
        raise errors.missing_model()
    if not isinstance(model, str):
        raise errors.invalid_param("model")
    info = models.get(model)
    if info is None:
        raise errors.model_not_found(model)
    return info


def _inputs(value: Any) -> list[str | list[int]]:
    """Normalise ``input`` to a list of strings or token lists; 400 ``'$.input' is invalid`` otherwise."""
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        items = [value]
    elif isinstance(value, list) and value:
        items = value
    else:
        raise errors.invalid_param("input")
    if len(items) > MAX_EMBEDDING_INPUTS:
        raise errors.invalid_param("input")
    for item in items:
        if isinstance(item, str):
            if not item:
                raise errors.invalid_param("input")
        elif not (
            isinstance(item, list)
            and item
            and all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in item)
        ):
            raise errors.invalid_param("input")
    return items


def embeddings(
    body: Mapping[str, Any],
    *,
    seed: int = 0,
    models: Mapping[str, ModelInfo] = MODELS,
    model_name: str | None = None,
    arrays: bool = False,
) -> dict[str, Any]:
    """The ``POST /v1/embeddings`` response for ``body``.

    ``model_name`` overrides the ``model`` echoed in the response (Azure answers the underlying model).
    ``arrays=True`` gives each float embedding as a float64 numpy array instead of a list (same values;
    ``orjson.dumps(..., option=orjson.OPT_SERIALIZE_NUMPY)`` writes the same JSON text, faster).
    Example::

        >>> r = embeddings({"model": "text-embedding-3-small", "input": "hi", "dimensions": 4})
        >>> len(r["data"][0]["embedding"])
        4
    """
    if "input" not in body:
        raise errors.required_property("input")
    info = resolve_model(body, models)
    if info.kind != "embedding":
        raise errors.model_not_found(info.id)
    items = _inputs(body["input"])
    fmt = body.get("encoding_format", "float")
    if fmt is None:
        fmt = "float"
    if fmt not in ("float", "base64"):
        raise errors.invalid_param("encoding_format")
    dims = info.dimensions or 1536
    if body.get("dimensions") is not None:
        requested = body["dimensions"]
        if not info.shortenable:
            raise errors.dimensions_not_supported()
        if not isinstance(requested, int) or isinstance(requested, bool) or not 1 <= requested <= dims:
            raise errors.invalid_param("dimensions")
        dims = requested
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise errors.invalid_param("user")
    data = []
    prompt_tokens = 0
    for index, item in enumerate(items):
        tokens = token_count(item)
        if tokens > MAX_EMBEDDING_TOKENS:
            raise errors.context_length_exceeded(MAX_EMBEDDING_TOKENS, tokens)
        prompt_tokens += tokens
        vec = embedding_array(item, model=info.id, dimensions=dims, seed=seed)
        value: Any
        if fmt == "base64":
            value = base64.b64encode(vec.tobytes()).decode("ascii")
        else:
            value = as_float64(vec) if arrays else vec.tolist()
        data.append({"object": "embedding", "index": index, "embedding": value})
    return {
        "object": "list",
        "data": data,
        "model": model_name or info.id,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def prompt_text(messages: Any) -> str:
    """The text the mock completes: every message's text content joined by newlines.

    String contents are used as is; a list of content parts contributes its ``text`` parts.
    """
    parts: list[str] = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return "\n".join(parts)


#: The document and schema a chat body is checked against (``mocks.core.body_schema``): what the mock declares.
CHAT_BODY_SCHEMA = ("upstream-openai.yaml", "CreateChatCompletionRequest")


def _validate_chat(
    body: Mapping[str, Any], models: Mapping[str, ModelInfo], body_schema: tuple[str, str]
) -> tuple[ModelInfo, list[Any], int]:
    if "messages" not in body:
        raise errors.required_property("messages")
    info = resolve_model(body, models)
    messages = body["messages"]
    if not isinstance(messages, list):
        raise errors.invalid_param("messages")
    if not messages:
        raise errors.OpenAIError(400, "[] is too short - 'messages'")
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise errors.invalid_param("messages")
    if info.kind != "chat":
        raise errors.not_a_chat_model()
    n = body.get("n", 1)
    if n is None:
        n = 1
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 128:
        raise errors.invalid_param("n")
    # the rest of what the mock's upstream document declares (types, ranges, enums; max_completion_tokens and
    # max_tokens >= 1); a null optional field counts as absent, as it did before the schema check
    invalid = body_checker(*body_schema)({k: v for k, v in body.items() if v is not None})
    if invalid is not None:
        raise errors.invalid_param(invalid)
    return info, messages, n


def _choice_text(prompt: str, index: int, model: str, seed: int, limit: int | None) -> tuple[str, str]:
    text = completion_for(prompt if index == 0 else f"{prompt}\x00{index}", model=model, seed=seed)
    words = text.split(" ")
    if limit is not None and len(words) > limit:
        return " ".join(words[:limit]), "length"
    return text, "stop"


def _completion_id(seed: int, model: str, prompt: str) -> str:
    digest = hashlib.blake2b(f"{seed}\x00{model}\x00{prompt}".encode(), digest_size=12).hexdigest()
    return "chatcmpl-" + digest


def chat_completion(
    body: Mapping[str, Any],
    *,
    seed: int = 0,
    created: int = 0,
    models: Mapping[str, ModelInfo] = MODELS,
    model_name: str | None = None,
    body_schema: tuple[str, str] = CHAT_BODY_SCHEMA,
) -> dict[str, Any]:
    """The non-streaming ``POST /v1/chat/completions`` response for ``body``.

    Choice 0's content is ``completion_for(prompt_text(messages), model=model, seed=seed)``, cut to
    ``max_completion_tokens``/``max_tokens`` words (then ``finish_reason: "length"``).
    """
    info, messages, n = _validate_chat(body, models, body_schema)
    prompt = prompt_text(messages)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    choices = []
    completion_tokens = 0
    for index in range(n):
        text, finish = _choice_text(prompt, index, info.id, seed, limit)
        completion_tokens += token_count(text)
        choices.append(
            {
                "index": index,
                "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": finish,
            }
        )
    prompt_tokens = token_count(prompt)
    return {
        "id": _completion_id(seed, info.id, prompt),
        "object": "chat.completion",
        "created": created,
        "model": model_name or info.id,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "service_tier": "default",
        "system_fingerprint": "fp_" + _completion_id(seed, info.id, "")[-10:],
    }


def chat_chunks(
    body: Mapping[str, Any],
    *,
    seed: int = 0,
    created: int = 0,
    models: Mapping[str, ModelInfo] = MODELS,
    model_name: str | None = None,
    body_schema: tuple[str, str] = CHAT_BODY_SCHEMA,
) -> list[dict[str, Any]]:
    """The chunks of a streamed chat completion (``stream: true``), without the ``[DONE]`` sentinel.

    Per choice: a role chunk (``content: ""``), one chunk per word, a finishing chunk (``delta: {}``).
    With ``stream_options.include_usage`` every chunk has ``usage: null`` and a final chunk with
    ``choices: []`` carries the usage. The concatenated deltas equal :func:`chat_completion`'s contents.
    """
    full = chat_completion(
        body, seed=seed, created=created, models=models, model_name=model_name, body_schema=body_schema
    )
    options = body.get("stream_options")  # an object when present: chat_completion checked the body
    include_usage = bool(options and options.get("include_usage"))
    base = {
        "id": full["id"],
        "object": "chat.completion.chunk",
        "created": created,
        "model": full["model"],
        "service_tier": "default",
        "system_fingerprint": full["system_fingerprint"],
    }

    def chunk(choices: list[dict[str, Any]]) -> dict[str, Any]:
        out = dict(base, choices=choices)
        if include_usage:
            out["usage"] = None
        return out

    chunks = []
    for choice in full["choices"]:
        i = choice["index"]
        chunks.append(
            chunk(
                [
                    {
                        "index": i,
                        "delta": {"role": "assistant", "content": "", "refusal": None},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ]
            )
        )
        words = choice["message"]["content"].split(" ")
        for pos, word in enumerate(words):
            piece = word if pos == 0 else " " + word
            chunks.append(chunk([{"index": i, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}]))
        chunks.append(chunk([{"index": i, "delta": {}, "logprobs": None, "finish_reason": choice["finish_reason"]}]))
    if include_usage:
        chunks.append(dict(base, choices=[], usage=full["usage"]))
    return chunks


def list_models(models: Mapping[str, ModelInfo] = MODELS) -> dict[str, Any]:
    """The ``GET /v1/models`` response."""
    return {"object": "list", "data": [model_object(m) for m in models.values()]}


def model_object(info: ModelInfo) -> dict[str, Any]:
    """One model as ``GET /v1/models/{model}`` answers it."""
    return {"id": info.id, "object": "model", "created": info.created, "owned_by": info.owned_by}
