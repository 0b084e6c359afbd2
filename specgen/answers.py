"""What the API answers: the component schemas of the response bodies (endpoint info, listings, results,
errors, stream events) and the ``components.responses`` objects that refer to them."""

from __future__ import annotations

from specgen.profile import VersionProfile
from specgen.schema import SERVICE_TITLE, Schema, json_content, obj, ref, strict, x_rule
from specs import SERVICES

__all__ = ["response_components", "responses"]


# --------------------------------------------------------------------------- response schemas


def response_components(v: VersionProfile) -> dict[str, Schema]:
    """The response bodies: endpoint info per service, listings, delete and inference results, errors, stream events."""
    out: dict[str, Schema] = {}
    for service in SERVICES:
        title = SERVICE_TITLE[service]
        out[f"InferenceEndpointInfo{title}"] = obj(
            {
                "inference_id": {"type": "string"},
                "task_type": ref(f"TaskType{title}"),
                "service": {"const": service},
                "service_settings": ref(f"{title}ServiceSettingsInfo"),
                "task_settings": {"type": "object"},
                "chunking_settings": ref("ChunkingSettingsInfo"),
            },
            ["inference_id", "task_type", "service", "service_settings"],
        )
    out["InferenceEndpointInfo"] = {
        "oneOf": [ref(f"InferenceEndpointInfo{SERVICE_TITLE[s]}") for s in SERVICES],
        "discriminator": {
            "propertyName": "service",
            "mapping": {s: f"#/components/schemas/InferenceEndpointInfo{SERVICE_TITLE[s]}" for s in SERVICES},
        },
    }
    out["InferenceEndpointInfoOther"] = obj(
        {
            "inference_id": {"type": "string"},
            "task_type": ref("TaskType"),
            "service": {"type": "string", "not": {"enum": list(SERVICES)}},
            "service_settings": {"type": "object"},
        },
        ["inference_id", "task_type", "service", "service_settings"],
        description="An endpoint of another service (e.g. preconfigured `.elser-2-elasticsearch`).",
    )
    out["InferenceEndpointInfoAny"] = {"oneOf": [ref("InferenceEndpointInfo"), ref("InferenceEndpointInfoOther")]}
    out["GetInferenceResponse"] = strict(
        {"endpoints": {"type": "array", "items": ref("InferenceEndpointInfoAny")}}, ["endpoints"]
    )
    out["DeleteInferenceEndpointResult"] = obj(
        {
            "acknowledged": {"type": "boolean"},
            "pipelines": {"type": "array", "items": {"type": "string"}},
            "indexes": {"type": "array", "items": {"type": "string"}},
            "error_message": {"type": "string", "description": "Only on a dry run when references exist."},
        },
        ["acknowledged", "pipelines"],
    )
    emb = {
        "type": "array",
        "items": obj({"embedding": {"type": "array", "items": {"type": "number"}}}, ["embedding"]),
    }
    byte_emb = {
        "type": "array",
        "items": obj({"embedding": {"type": "array", "items": {"type": "integer"}}}, ["embedding"]),
    }
    completion = {"type": "array", "items": obj({"result": {"type": "string"}}, ["result"])}
    out["InferenceResult"] = {
        "oneOf": [
            obj({"text_embedding": emb}, ["text_embedding"], additionalProperties=False),
            obj({"text_embedding_bytes": byte_emb}, ["text_embedding_bytes"], additionalProperties=False),
            obj({"text_embedding_bits": byte_emb}, ["text_embedding_bits"], additionalProperties=False),
            obj({"completion": completion}, ["completion"], additionalProperties=False),
        ],
        "description": "One result per input, in input order.",
    }
    out.update(_error_components())
    out.update(_stream_components())
    return out


def _error_components() -> dict[str, Schema]:
    """The Elasticsearch error envelope and the unified (OpenAI-style) error object."""
    return {
        "ErrorCause": obj(
            {
                "type": {"type": "string"},
                "reason": {"type": ["string", "null"]},
                "caused_by": ref("ErrorCause"),
                "root_cause": {"type": "array", "items": ref("ErrorCause")},
                "stack_trace": {"type": "string"},
            },
            ["type"],
        ),
        "ErrorResponse": obj(
            {
                "error": obj(
                    {
                        "root_cause": {"type": "array", "items": ref("ErrorCause")},
                        "type": {"type": "string"},
                        "reason": {"type": ["string", "null"]},
                        "caused_by": ref("ErrorCause"),
                    },
                    ["root_cause", "type", "reason"],
                ),
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
            },
            ["error", "status"],
            description="The Elasticsearch error envelope.",
            **x_rule("envelope.error"),
        ),
        "UnifiedErrorResponse": obj(
            {
                "error": obj(
                    {
                        "code": {"type": ["string", "null"]},
                        "message": {"type": "string"},
                        "type": {"type": "string"},
                        "param": {"type": ["string", "null"]},
                    },
                    ["message", "type"],
                )
            },
            ["error"],
            description="OpenAI-style error object used by the unified chat_completion route.",
            **x_rule("streaming.chat_completion.only_stream"),
        ),
    }


def _stream_components() -> dict[str, Schema]:
    """The ``data:`` of the server-sent events: completion deltas and unified chat completion chunks."""
    chunk = obj(
        {
            "id": {"type": "string"},
            "choices": {
                "type": "array",
                "items": obj(
                    {
                        "delta": obj(
                            {
                                "content": {"type": ["string", "null"]},
                                "refusal": {"type": ["string", "null"]},
                                "role": {"type": "string"},
                                "tool_calls": {"type": "array", "items": {"type": "object"}},
                            }
                        ),
                        "finish_reason": {"type": ["string", "null"]},
                        "index": {"type": "integer"},
                    },
                    ["delta", "index"],
                ),
            },
            "model": {"type": "string"},
            "object": {"const": "chat.completion.chunk"},
            "usage": {
                "oneOf": [
                    {"type": "null"},
                    obj(
                        {k: {"type": "integer"} for k in ("completion_tokens", "prompt_tokens", "total_tokens")},
                        ["completion_tokens", "prompt_tokens", "total_tokens"],
                    ),
                ]
            },
        },
        ["id", "choices", "model", "object"],
    )
    return {
        "StreamCompletionEvent": obj(
            {"completion": {"type": "array", "items": obj({"delta": {"type": "string"}}, ["delta"])}},
            ["completion"],
            description="`data:` of an `event: message` on a completion `_stream`.",
        ),
        "UnifiedChatCompletionChunk": chunk,
        "UnifiedChatCompletionEvent": {
            "description": (
                "`data:` of an `event: message` on the chat_completion `_stream`: the bare chunk"
                " (authoritative), or wrapped as in Elastic's spec examples."
            ),
            "anyOf": [
                ref("UnifiedChatCompletionChunk"),
                obj({"chat_completion": ref("UnifiedChatCompletionChunk")}, ["chat_completion"]),
            ],
        },
    }


# --------------------------------------------------------------------------- components.responses


def _sse(events: dict[str, str], description: str) -> Schema:
    """A ``text/event-stream`` content object: one event's schema, and the data schema of each event name."""
    return {
        "text/event-stream": {
            # OpenAPI 3.1: for an event stream `schema` describes ONE event (as tools such as
            # schemathesis read it): the `event` name and the `data` text (JSON, or `[DONE]`).
            "schema": {
                "type": "object",
                "description": description,
                "properties": {
                    "event": {"type": "string", "enum": sorted({"message", "error", *events})},
                    "data": {"type": "string"},
                    "id": {"type": "string"},
                    "retry": {"type": "integer"},
                },
                "required": ["data"],
            },
            "x-sse-events": {name: f"#/components/schemas/{schema}" for name, schema in events.items()},
            "x-sse-terminator": "[DONE]",
        }
    }


def responses() -> dict[str, Schema]:
    """The ``components.responses`` objects the operations refer to."""
    sse_error = "A single `event: error` whose data is the Elasticsearch error envelope."
    return {
        "EndpointInfo": {
            "description": "The stored endpoint, without secrets.",
            "content": json_content("InferenceEndpointInfo"),
        },
        "EndpointList": {
            "description": "Matching endpoints, without secrets.",
            "content": json_content("GetInferenceResponse"),
        },
        "DeleteResult": {
            "description": "Deletion (or dry-run) result.",
            "content": json_content("DeleteInferenceEndpointResult"),
        },
        "InferenceResult": {"description": "Inference results.", "content": json_content("InferenceResult")},
        "Error": {"description": "Elasticsearch error envelope.", "content": json_content("ErrorResponse")},
        "InferenceError": {
            "description": (
                "Elasticsearch error envelope; a chat_completion endpoint called without `_stream`"
                " answers in the unified (OpenAI-style) error format."
            ),
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/ErrorResponse"},
                            {"$ref": "#/components/schemas/UnifiedErrorResponse"},
                        ]
                    }
                }
            },
        },
        "StreamError": {
            "description": "Failure before the stream opened: the exception's status.",
            "content": {**json_content("ErrorResponse"), **_sse({"error": "ErrorResponse"}, sse_error)},
        },
        "UnifiedError": {
            "description": (
                "Unified chat-completion error (OpenAI-style), as JSON or as one `event: error`; an error of the REST"
                " layer, raised before the action runs (an unrecognized query parameter: BaseRestHandler), is the"
                " Elasticsearch error envelope."
            ),
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/UnifiedErrorResponse"},
                            {"$ref": "#/components/schemas/ErrorResponse"},
                        ]
                    }
                },
                **_sse(
                    {"error": "UnifiedErrorResponse"},
                    "A single `event: error` with the unified error object.",
                ),
            },
        },
        "CompletionStream": {
            "description": (
                "Server-sent events: UTF-8 BOM, `event: message`, `data: <json>`; ends with `data: [DONE]`."
            ),
            "content": _sse(
                {"message": "StreamCompletionEvent", "error": "ErrorResponse"}, "Completion deltas as SSE."
            ),
        },
        "ChatCompletionStream": {
            "description": (
                "Server-sent events of OpenAI-style `chat.completion.chunk` objects; ends with `data: [DONE]`."
            ),
            "content": _sse(
                {"message": "UnifiedChatCompletionEvent", "error": "UnifiedErrorResponse"},
                "Chat chunks as SSE.",
            ),
        },
    }
