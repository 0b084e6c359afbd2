"""Component schemas of the request bodies: PUT (task type in the path or in the body), ``_update``, and
the POST bodies (inference, ``_stream``, unified chat completion)."""

from __future__ import annotations

from specgen.profile import VersionProfile
from specgen.schema import SERVICE_TITLE, TASK_TITLE, Schema, obj, ref, strict, x_rule
from specgen.settings import secret_names
from specs import SERVICES

__all__ = ["put_components", "request_components"]


# --------------------------------------------------------------------------- PUT bodies


def _task_settings_ref(service: str, task: str | None) -> Schema:
    """The ``task_settings`` of a PUT body of ``service`` for ``task`` (None: any of its task types)."""
    if service == "amazonbedrock" and task == "text_embedding":
        return ref("AmazonBedrockTaskSettingsTextEmbedding")
    if service == "amazonbedrock" and task is None:
        return {"anyOf": [ref("AmazonBedrockTaskSettings"), ref("AmazonBedrockTaskSettingsTextEmbedding")]}
    return ref(f"{SERVICE_TITLE[service]}TaskSettings")


def _top_k_guard(v: VersionProfile) -> Schema:
    """Bedrock: top_k only for the providers that take it (elastic/elasticsearch
    ``x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/services/amazonbedrock/
    AmazonBedrockProviderCapabilities.java``)."""
    others = [p for p in v.bedrock_providers if p not in v.bedrock_top_k_providers]
    return {
        "if": {
            "required": ["service_settings"],
            "properties": {
                "service_settings": {"required": ["provider"], "properties": {"provider": {"enum": others}}}
            },
        },
        "then": {"properties": {"task_settings": {"properties": {"top_k": False}}}},
    }


def _put_body(service: str, v: VersionProfile, task: str | None) -> Schema:
    """A PUT body of ``service`` for ``task`` (None: the task type is in the path, any of the service's)."""
    title = SERVICE_TITLE[service]
    props: dict[str, Schema] = {"service": {"const": service}}
    if task is None:
        props["task_type"] = ref(f"TaskType{title}")
        props["service_settings"] = ref(f"{title}ServiceSettings")
    else:
        props["task_type"] = {"const": task}
        kind = "TextEmbedding" if task == "text_embedding" else "Completion"
        props["service_settings"] = ref(f"{title}ServiceSettings{kind}")
    props["task_settings"] = _task_settings_ref(service, task)
    if task in (None, "text_embedding"):
        props["chunking_settings"] = ref("ChunkingSettings")
    required = ["service", "service_settings"] + (["task_type"] if task else [])
    extra: Schema = {"x-rules": ["settings.unknown", "service.service_settings_missing"]}
    if task is None:
        extra["description"] = "`task_type`, when given, must equal the task type in the path."
        extra["x-rules"] = extra["x-rules"] + ["task_type.conflict"]
    body = strict(props, required, **extra)
    if service == "amazonbedrock" and task != "text_embedding":
        body.update(_top_k_guard(v))
    return body


def put_components(v: VersionProfile) -> dict[str, Schema]:
    """The PUT bodies (task type in the path or in the body, per service and task type) and the ``_update`` body."""
    out: dict[str, Schema] = {}
    for service in SERVICES:
        title = SERVICE_TITLE[service]
        out[f"Put{title}"] = _put_body(service, v, None)
        names = {t: f"Put{title}{TASK_TITLE[t]}" for t in v.task_types[service]}
        for task, name in names.items():
            out[name] = _put_body(service, v, task)
        out[f"Put{title}ByTaskType"] = {
            "oneOf": [ref(n) for n in names.values()],
            "discriminator": {
                "propertyName": "task_type",
                "mapping": {t: f"#/components/schemas/{n}" for t, n in names.items()},
            },
        }
    out["PutWithTaskTypeInPath"] = {
        "oneOf": [ref(f"Put{SERVICE_TITLE[s]}") for s in SERVICES],
        "discriminator": {
            "propertyName": "service",
            "mapping": {s: f"#/components/schemas/Put{SERVICE_TITLE[s]}" for s in SERVICES},
        },
        "x-rules": ["service.missing", "service.unknown"],
    }
    out["PutWithTaskTypeInBody"] = {
        "oneOf": [ref(f"Put{SERVICE_TITLE[s]}ByTaskType") for s in SERVICES],
        "discriminator": {
            "propertyName": "service",
            "mapping": {s: f"#/components/schemas/Put{SERVICE_TITLE[s]}ByTaskType" for s in SERVICES},
        },
        "x-rules": ["service.missing", "service.unknown", "task_type.missing"],
    }
    secret_props: dict[str, Schema] = {name: ref("Secret") for s in SERVICES for name in secret_names(s, v)}
    out["UpdateRequest"] = strict(
        {
            "service_settings": strict({**secret_props, "rate_limit": ref("RateLimit")}),
            "task_settings": {"anyOf": [ref(f"{SERVICE_TITLE[s]}TaskSettings") for s in SERVICES]},
            "task_type": ref("ServiceTaskType"),
        },
        description="New secrets (inside service_settings) and/or task settings for an existing endpoint.",
        **x_rule("crud.update.task_type"),
    )
    return out


# --------------------------------------------------------------------------- request bodies (POST)


def request_components(v: VersionProfile) -> dict[str, Schema]:
    """The POST bodies: inference, ``_stream`` and the unified chat completion (its messages and tools)."""
    input_schema: Schema = {
        "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
        "description": "One string or a non-empty array of strings; completion takes exactly one.",
        "x-rules": ["input.null", "input.empty", "input.completion.single"],
    }
    task_settings = {"anyOf": [ref(f"{SERVICE_TITLE[s]}TaskSettings") for s in SERVICES]}
    props: dict[str, Schema] = {"input": input_schema}
    if v.input_type:
        props["input_type"] = _input_type_schema(v)
    props["task_settings"] = task_settings
    return {
        "InferenceRequest": strict(props, ["input"], **x_rule("input.unknown_field")),
        "StreamRequest": strict({"input": input_schema, "task_settings": task_settings}, ["input"]),
        "ChatMessage": _chat_message_schema(),
        "ChatTool": _chat_tool_schema(),
        "ChatCompletionRequest": strict(_chat_request_properties(v), ["messages"]),
    }


def _input_type_schema(v: VersionProfile) -> Schema:
    """``input_type`` of an inference request (the profiles that accept the field)."""
    return {
        "type": "string",
        "enum": [*v.input_types, *(t.upper() for t in v.input_types)],
        "description": ("Case-insensitive; openai and azureopenai reject any user-supplied input_type in 9.x."),
        "x-rules": ["input.input_type.rejected", "input.input_type.not_for_task"],
    }


def _chat_request_properties(v: VersionProfile) -> dict[str, Schema]:
    """The properties of a unified chat completion request (``reasoning`` where the profile has it)."""
    chat: dict[str, Schema] = {
        "messages": {"type": "array", "minItems": 1, "items": ref("ChatMessage")},
        "model": {"type": "string"},
        "max_completion_tokens": {"type": "integer", "minimum": 1},
        "stop": {"type": "array", "items": {"type": "string"}},
        "temperature": {"type": "number"},
        "tool_choice": {
            "oneOf": [
                {"type": "string"},
                obj(
                    {"type": {"type": "string"}, "function": obj({"name": {"type": "string"}}, ["name"])},
                    ["type", "function"],
                ),
            ]
        },
        "tools": {"type": "array", "items": ref("ChatTool")},
        "top_p": {"type": "number"},
    }
    if v.chat_reasoning:
        chat["reasoning"] = obj(
            {
                "effort": {"type": "string"},
                "enabled": {"type": "boolean"},
                "exclude": {"type": "boolean"},
                "summary": {"type": "string"},
            }
        )
    return chat


def _chat_message_schema() -> Schema:
    """One message of a unified chat completion request."""
    return strict(
        {
            "role": {"type": "string"},
            "content": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": strict({"type": {"const": "text"}, "text": {"type": "string"}}, ["type", "text"]),
                    },
                ]
            },
            "tool_call_id": {"type": "string"},
            "tool_calls": {
                "type": "array",
                "items": strict(
                    {
                        "id": {"type": "string"},
                        "type": {"const": "function"},
                        "function": strict(
                            {"arguments": {"type": "string"}, "name": {"type": "string"}},
                            ["arguments", "name"],
                        ),
                    },
                    ["id", "function", "type"],
                ),
            },
        },
        ["role"],
    )


def _chat_tool_schema() -> Schema:
    """One tool of a unified chat completion request."""
    return strict(
        {
            "type": {"const": "function"},
            "function": strict(
                {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "parameters": {"type": "object"},
                    "strict": {"type": "boolean"},
                },
                ["name"],
            ),
        },
        ["type", "function"],
    )
