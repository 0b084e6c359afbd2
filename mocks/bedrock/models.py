"""Bedrock Runtime request/response models (pure: parsed input in, response dict out or a BedrockError).

Operations:

* :func:`invoke` — InvokeModel. Embeddings for Amazon Titan Text Embeddings v1 (1536 floats) / v2
  (``dimensions`` 1024|512|256, ``normalize``, ``embeddingTypes``) and Cohere Embed v3 (``texts`` <= 96,
  ``input_type`` required, ``truncate``, ``embedding_types``); text completion bodies of the six providers
  Elasticsearch supports (``amazontitan``, ``anthropic`` Messages + legacy, ``ai21labs``, ``cohere``,
  ``meta``, ``mistral``), chosen by model id prefix.
* :func:`converse` / :func:`converse_stream_events` — Converse and ConverseStream.
* :func:`invoke_stream_chunks` — InvokeModelWithResponseStream (completion models only).

Outputs are deterministic: vectors come from :func:`mocks.core.vectors.embedding_for` and text from
:func:`mocks.core.vectors.completion_for`, both keyed by ``(seed, model_id as in the path, input)``.  The
prompt of a Converse call is the text blocks of all its messages joined by ``"\\n"`` (for Elasticsearch,
which sends one user message per input, a single input is the prompt itself).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mocks.bedrock._schema import check_enum, check_keys, constraint, optional, required
from mocks.bedrock.errors import ValidationException, malformed
from mocks.core.vectors import completion_for, embedding_array, token_count

__all__ = [
    "COMPLETION_FAMILIES",
    "EMBEDDING_FAMILIES",
    "Result",
    "check_model",
    "converse",
    "converse_stream_events",
    "family_of",
    "invoke",
    "invoke_stream_chunks",
    "parse_converse_body",
    "parse_invoke_body",
    "parse_json",
]

EMBEDDING_FAMILIES = ("titan-embed-v1", "titan-embed-v2", "cohere-embed")
COMPLETION_FAMILIES = ("amazontitan", "anthropic", "ai21labs", "cohere", "meta", "mistral")

INVALID_MODEL = "The provided model identifier is invalid."
UNSUPPORTED_ACTION = (
    "This action doesn't support the model that you provided. Try again with a supported text or chat model."
)
NOT_USER_FIRST = (
    "A conversation must start with a user message. Try again with a conversation that starts with a user message."
)
COHERE_MAX_TEXTS = 96
_GEO_PREFIXES = ("us", "eu", "apac", "global", "us-gov", "ca", "jp", "au")
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("amazon.titan-embed-text-v2", "titan-embed-v2"),
    ("amazon.titan-embed-text-v1", "titan-embed-v1"),
    ("amazon.titan-embed-g1-text", "titan-embed-v1"),
    ("cohere.embed-", "cohere-embed"),
    ("amazon.titan-text", "amazontitan"),
    ("amazon.titan-tg1", "amazontitan"),
    ("anthropic.", "anthropic"),
    ("ai21.", "ai21labs"),
    ("cohere.command", "cohere"),
    ("meta.", "meta"),
    ("mistral.", "mistral"),
)
_COHERE_INPUT_TYPES = ("search_document", "search_query", "classification", "clustering", "image")
_COHERE_EMBEDDING_TYPES = ("float", "int8", "uint8", "binary", "ubinary")


@dataclass(frozen=True)
class Result:
    """A response body plus the token counts AWS reports in ``X-Amzn-Bedrock-*-Token-Count`` headers."""

    body: dict[str, Any]
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = field(default=0)


def parse_json(body: bytes) -> Any:
    """Parse a request body as JSON, or raise AWS's generic ValidationException (bad UTF-8, bad JSON,
    nesting too deep for the parser)."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationException() from None


def _base_id(model_id: str) -> str:
    base = model_id
    if base.startswith("arn:"):
        base = base.rsplit("/", 1)[-1]
    head, dot, rest = base.partition(".")
    if dot and head in _GEO_PREFIXES:
        base = rest
    return base


def family_of(model_id: str) -> str:
    """The model family of a model id, foundation model ARN or inference profile id.

    >>> family_of("us.anthropic.claude-3-haiku-20240307-v1:0")
    'anthropic'

    Raises:
        ValidationException: "The provided model identifier is invalid." (AWS's answer to an unknown id).
    """
    base = _base_id(model_id)
    for prefix, family in _PREFIXES:
        if base.startswith(prefix) and (base != prefix or prefix[-1] not in ".-"):
            return family
    raise ValidationException(INVALID_MODEL)


def _latency(out_tokens: int) -> int:
    return 40 + 3 * out_tokens


def _generate(prompt: str, model_id: str, seed: int, max_tokens: int | None) -> tuple[str, int, bool]:
    """(text, output tokens, truncated by max_tokens)."""
    text = completion_for(prompt, model=model_id, seed=seed)
    words = text.split()
    if max_tokens is not None and len(words) > max_tokens:
        return " ".join(words[:max_tokens]), max_tokens, True
    return text, len(words), False


def _request_id(seed: int, model_id: str, payload: Any) -> str:
    digest = hashlib.sha256(f"{seed}\x00{model_id}\x00{json.dumps(payload, sort_keys=True)}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


# --- embeddings -------------------------------------------------------------------------------------------


def _titan_embed(body: dict[str, Any], model_id: str, seed: int, *, v2: bool) -> Result:
    if v2:
        check_keys(body, ("inputText", "dimensions", "normalize", "embeddingTypes"))
    else:
        check_keys(body, ("inputText",))
    text = required(body, "inputText", str)
    if not text:
        raise malformed("#/inputText: expected minLength: 1, actual: 0")
    dims = 1536
    types: list[str] = ["float"]
    if v2:
        dims = optional(body, "dimensions", int, 1024)
        check_enum(dims, (256, 512, 1024), "#/dimensions")
        optional(body, "normalize", bool, True)
        types = optional(body, "embeddingTypes", list, ["float"])
        for i, t in enumerate(types):
            check_enum(t, ("float", "binary"), f"#/embeddingTypes/{i}")
    vector = embedding_array(text, model=model_id, dimensions=dims, seed=seed)
    floats = vector.tolist()
    tokens = token_count(text)
    out: dict[str, Any] = {"embedding": floats, "inputTextTokenCount": tokens}
    if v2:
        by_type: dict[str, Any] = {"float": floats}
        if "binary" in types:
            by_type["binary"] = [int(x > 0) for x in floats]
        out["embeddingsByType"] = by_type
    return Result(out, tokens, 0, _latency(0))


def _quantize(vectors: np.ndarray, kind: str) -> list[list[Any]]:
    if kind == "float":
        return vectors.tolist()  # type: ignore[no-any-return]
    if kind == "int8":
        return np.clip(np.rint(vectors * 127), -128, 127).astype(int).tolist()  # type: ignore[no-any-return]
    if kind == "uint8":
        return np.clip(np.rint((vectors + 1) * 127.5), 0, 255).astype(int).tolist()  # type: ignore[no-any-return]
    packed = np.packbits(vectors > 0, axis=1).astype(np.uint8)
    if kind == "binary":
        return packed.astype(np.int8).astype(int).tolist()  # type: ignore[no-any-return]
    return packed.astype(int).tolist()  # type: ignore[no-any-return]


def _cohere_embed(body: dict[str, Any], model_id: str, seed: int) -> Result:
    check_keys(body, ("texts", "images", "input_type", "truncate", "embedding_types"))
    input_type = required(body, "input_type", str)
    check_enum(input_type, _COHERE_INPUT_TYPES, "#/input_type")
    if "images" in body and "texts" in body:
        raise malformed("#: only one of [texts, images] is permitted")
    texts = required(body, "texts", list)
    if len(texts) > COHERE_MAX_TEXTS:
        raise malformed(f"#/texts: expected maximum item count: {COHERE_MAX_TEXTS}, found: {len(texts)}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise malformed(f"#/texts/{i}: expected type: String, found: {type(text).__name__}")
    truncate = optional(body, "truncate", str, "NONE")
    check_enum(truncate, ("NONE", "START", "END"), "#/truncate")
    types = optional(body, "embedding_types", list, None)
    for i, t in enumerate(types or ()):
        check_enum(t, _COHERE_EMBEDDING_TYPES, f"#/embedding_types/{i}")
    matrix = np.array(
        [embedding_array(t, model=model_id, dimensions=1024, seed=seed) for t in texts], dtype="<f4"
    ).reshape(len(texts), 1024)
    out: dict[str, Any] = {"id": _request_id(seed, model_id, body), "texts": texts}
    if types:
        out["embeddings"] = {t: _quantize(matrix, t) for t in dict.fromkeys(types)}
        out["response_type"] = "embeddings_by_type"
    else:
        out["embeddings"] = matrix.tolist()
        out["response_type"] = "embeddings_floats"
    tokens = sum(token_count(t) for t in texts)
    return Result(out, tokens, 0, _latency(0))


# --- text completions over InvokeModel --------------------------------------------------------------------


def _anthropic_messages(body: dict[str, Any], model_id: str, seed: int) -> Result:
    required(body, "anthropic_version", str)
    max_tokens = required(body, "max_tokens", int)
    messages = required(body, "messages", list)
    parts: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise malformed(f"#/messages/{i}: expected type: JSONObject, found: {type(message).__name__}")
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    prompt = "\n".join(parts)
    text, out_tokens, cut = _generate(prompt, model_id, seed, max_tokens)
    in_tokens = token_count(prompt) if prompt else 0
    result = {
        "id": "msg_bdrk_" + _request_id(seed, model_id, body).replace("-", "")[:24],
        "type": "message",
        "role": "assistant",
        "model": _base_id(model_id).split(".", 1)[-1].split("-v", 1)[0],
        "content": [{"type": "text", "text": text}],
        "stop_reason": "max_tokens" if cut else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": in_tokens, "output_tokens": out_tokens},
    }
    return Result(result, in_tokens, out_tokens, _latency(out_tokens))


def _prompt_completion(family: str, body: dict[str, Any], model_id: str, seed: int) -> Result:
    if family == "amazontitan":
        prompt = required(body, "inputText", str)
        config = optional(body, "textGenerationConfig", dict, {})
        max_tokens = optional(config, "maxTokenCount", int, 512, "#/textGenerationConfig")
    elif family == "anthropic":
        if "messages" in body or "anthropic_version" in body:
            return _anthropic_messages(body, model_id, seed)
        prompt = required(body, "prompt", str)
        max_tokens = required(body, "max_tokens_to_sample", int)
    elif family == "ai21labs":
        prompt = required(body, "prompt", str)
        max_tokens = optional(body, "maxTokens", int, 16)
    elif family == "cohere":
        key = "message" if "message" in body else "prompt"
        prompt = required(body, key, str)
        max_tokens = optional(body, "max_tokens", int, 20 if key == "prompt" else None)
    elif family == "meta":
        prompt = required(body, "prompt", str)
        max_tokens = optional(body, "max_gen_len", int, 512)
    else:  # mistral
        prompt = required(body, "prompt", str)
        max_tokens = optional(body, "max_tokens", int, 512)
    text, out_tokens, cut = _generate(prompt, model_id, seed, max_tokens)
    in_tokens = token_count(prompt)
    rid = _request_id(seed, model_id, body)
    result: dict[str, Any]
    if family == "amazontitan":
        result = {
            "inputTextTokenCount": in_tokens,
            "results": [
                {
                    "tokenCount": out_tokens,
                    "outputText": text,
                    "completionReason": "LENGTH" if cut else "FINISH",
                }
            ],
        }
    elif family == "anthropic":
        result = {
            "completion": " " + text,
            "stop_reason": "max_tokens" if cut else "stop_sequence",
            "stop": None if cut else "\n\nHuman:",
        }
    elif family == "ai21labs":
        result = {
            "id": int(rid[:8], 16),
            "prompt": {"text": prompt},
            "completions": [{"data": {"text": text}, "finishReason": {"reason": "length" if cut else "endoftext"}}],
        }
    elif family == "cohere" and "message" in body:
        result = {
            "response_id": rid,
            "text": text,
            "generation_id": rid,
            "finish_reason": "MAX_TOKENS" if cut else "COMPLETE",
        }
    elif family == "cohere":
        result = {
            "id": rid,
            "prompt": prompt,
            "generations": [{"id": rid, "text": text, "finish_reason": "MAX_TOKENS" if cut else "COMPLETE"}],
        }
    elif family == "meta":
        result = {
            "generation": text,
            "prompt_token_count": in_tokens,
            "generation_token_count": out_tokens,
            "stop_reason": "length" if cut else "stop",
        }
    else:
        result = {"outputs": [{"text": text, "stop_reason": "length" if cut else "stop"}]}
    return Result(result, in_tokens, out_tokens, _latency(out_tokens))


def check_model(model_id: str, *, generates: bool) -> str:
    """The family of ``model_id`` (``ValidationException`` for an unknown one); with ``generates``, also
    refuse an embedding model (``UNSUPPORTED_ACTION``: Converse and the streaming operations). AWS checks the
    model before it reads the body."""
    family = family_of(model_id)
    if generates and family in EMBEDDING_FAMILIES:
        raise ValidationException(UNSUPPORTED_ACTION)
    return family


def parse_invoke_body(body: bytes) -> dict[str, Any]:
    """An InvokeModel body: a JSON object, else AWS's ValidationException (schema wording for a non-object)."""
    parsed = parse_json(body)
    if not isinstance(parsed, dict):
        raise malformed(f"#: expected type: JSONObject, found: {'JSONArray' if isinstance(parsed, list) else 'value'}")
    return parsed


def invoke(model_id: str, parsed: dict[str, Any], *, seed: int = 0) -> Result:
    """InvokeModel: answer the model-specific request ``parsed`` (see :func:`parse_invoke_body`) for ``model_id``.

    Example::

        invoke("amazon.titan-embed-text-v2:0", {"inputText": "hi", "dimensions": 256}).body["embedding"]

    Raises:
        ValidationException: unknown model id or a schema violation (AWS wording).
    """
    family = family_of(model_id)
    if family == "titan-embed-v1":
        return _titan_embed(parsed, model_id, seed, v2=False)
    if family == "titan-embed-v2":
        return _titan_embed(parsed, model_id, seed, v2=True)
    if family == "cohere-embed":
        return _cohere_embed(parsed, model_id, seed)
    return _prompt_completion(family, parsed, model_id, seed)


def invoke_stream_chunks(model_id: str, body: dict[str, Any], *, seed: int = 0) -> tuple[list[dict[str, Any]], Result]:
    """InvokeModelWithResponseStream: the ``chunk`` event payloads (``{"bytes": base64(json)}``) and the
    underlying result.  Anthropic Messages streams its event sequence; other providers send their whole
    response as one chunk, followed by ``amazon-bedrock-invocationMetrics`` as AWS appends them."""
    check_model(model_id, generates=True)
    result = invoke(model_id, body, seed=seed)
    metrics = {
        "inputTokenCount": result.input_tokens,
        "outputTokenCount": result.output_tokens,
        "invocationLatency": result.latency_ms,
        "firstByteLatency": result.latency_ms // 2,
    }
    if result.body.get("type") == "message":
        msg = result.body
        events: list[dict[str, Any]] = [
            {
                "type": "message_start",
                "message": {
                    **msg,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": msg["usage"]["input_tokens"], "output_tokens": 0},
                },
            },
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ]
        events += [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            for piece in _pieces(msg["content"][0]["text"])
        ]
        events += [
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": msg["usage"]["output_tokens"]},
            },
            {"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics},
        ]
    else:
        events = [{**result.body, "amazon-bedrock-invocationMetrics": metrics}]
    chunks = [{"bytes": base64.b64encode(json.dumps(e).encode()).decode("ascii")} for e in events]
    return chunks, result


# --- Converse ---------------------------------------------------------------------------------------------


def _converse_prompt(body: dict[str, Any]) -> tuple[str, int | None]:
    messages = body.get("messages")
    if messages is None:
        raise constraint(None, "messages", "Member must not be null")
    if not isinstance(messages, list):
        raise ValidationException("Malformed input request, please reformat your input and try again.")
    if not messages or not isinstance(messages[0], dict) or messages[0].get("role") != "user":
        raise ValidationException(NOT_USER_FIRST)
    parts: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValidationException("Malformed input request, please reformat your input and try again.")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise constraint(
                role, f"messages.{i + 1}.member.role", "Member must satisfy enum value set: [user, assistant]"
            )
        content = message.get("content")
        if content is None:
            raise constraint(None, f"messages.{i + 1}.member.content", "Member must not be null")
        if not isinstance(content, list):
            raise ValidationException("Malformed input request, please reformat your input and try again.")
        parts.extend(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    config = body.get("inferenceConfig") or {}
    if not isinstance(config, dict):
        raise ValidationException("Malformed input request, please reformat your input and try again.")
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise constraint(max_tokens, "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")
    for name in ("temperature", "topP"):
        value = config.get(name)
        if value is not None and isinstance(value, (int, float)) and not 0 <= value <= 1:
            bound = "greater than or equal to 0" if value < 0 else "less than or equal to 1"
            raise constraint(value, f"inferenceConfig.{name}", f"Member must have value {bound}")
    return "\n".join(parts), max_tokens


def parse_converse_body(body: bytes) -> dict[str, Any]:
    """A Converse body: a JSON object, else AWS's generic ValidationException."""
    parsed = parse_json(body)
    if not isinstance(parsed, dict):
        raise ValidationException()
    return parsed


def _converse_result(model_id: str, body: dict[str, Any], seed: int) -> tuple[Result, str]:
    check_model(model_id, generates=True)
    prompt, max_tokens = _converse_prompt(body)
    text, out_tokens, cut = _generate(prompt, model_id, seed, max_tokens)
    in_tokens = token_count(prompt) if prompt else 0
    usage = {"inputTokens": in_tokens, "outputTokens": out_tokens, "totalTokens": in_tokens + out_tokens}
    response = {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "max_tokens" if cut else "end_turn",
        "usage": usage,
        "metrics": {"latencyMs": _latency(out_tokens)},
    }
    return Result(response, in_tokens, out_tokens, _latency(out_tokens)), text


def converse(model_id: str, body: dict[str, Any], *, seed: int = 0) -> Result:
    """Converse: ``{output: {message: {role, content: [{text}]}}, stopReason, usage, metrics}``.

    ``additionalModelRequestFields`` and ``additionalModelResponseFieldPaths`` are accepted and ignored
    (Elasticsearch puts ``{"top_k": ...}`` JSON strings in the latter).
    """
    return _converse_result(model_id, body, seed)[0]


def _pieces(text: str, words_per_piece: int = 4) -> list[str]:
    words = text.split(" ")
    pieces = [" ".join(words[i : i + words_per_piece]) for i in range(0, len(words), words_per_piece)]
    return [p if i == 0 else " " + p for i, p in enumerate(pieces)] or [""]


def converse_stream_events(model_id: str, body: dict[str, Any], *, seed: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """ConverseStream: ``(event type, payload)`` pairs — messageStart, contentBlockDelta..., contentBlockStop,
    messageStop, metadata.  The deltas concatenate to the text :func:`converse` returns."""
    result, text = _converse_result(model_id, body, seed)
    events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
    events += [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": p}}) for p in _pieces(text)]
    events += [
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": result.body["stopReason"]}),
        ("metadata", {"usage": result.body["usage"], "metrics": result.body["metrics"]}),
    ]
    return events
