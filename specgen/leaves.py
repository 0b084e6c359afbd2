"""Component schemas shared by the request bodies: the leaves (ids, task types, similarity, secrets, numbers,
rate limit, headers) and ``chunking_settings`` per strategy."""

from __future__ import annotations

from specgen.profile import VersionProfile
from specgen.schema import INT_MAX, LONG_MAX, SERVICE_TITLE, Schema, obj, ref, strict, x_rule
from specs import SERVICES

__all__ = ["chunking_components", "leaf_components"]


def leaf_components(v: VersionProfile) -> dict[str, Schema]:
    """The small schemas the others refer to: ids, task types, similarity, secrets, numbers, rate limit, headers."""
    ours = [
        t for t in ("text_embedding", "completion", "chat_completion") if any(t in v.task_types[s] for s in SERVICES)
    ]
    leaves: dict[str, Schema] = {
        "InferenceId": {
            "type": "string",
            "pattern": "^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$",
            "description": (
                "Lowercase alphanumerics, hyphens, underscores (and, undocumented, dots);"
                " starts and ends with an alphanumeric."
            ),
            "x-rule": "id_format.invalid",
        },
        "InferenceIdOrAll": {
            "description": "An inference id, or `_all` / `*` for every endpoint.",
            "anyOf": [ref("InferenceId"), {"type": "string", "enum": ["_all", "*"]}],
        },
        "Duration": {
            "type": "string",
            "pattern": "^(?:-1|0|[0-9]+(?:nanos|micros|ms|s|m|h|d))$",
            "description": "An Elasticsearch time value, e.g. `30s`.",
        },
        "TaskType": {"type": "string", "enum": list(v.all_task_types), "description": "Any task type."},
        "ServiceTaskType": {
            "type": "string",
            "enum": ours,
            "description": f"Task types supported by at least one of {', '.join(SERVICES)}.",
        },
        "Similarity": {
            "type": "string",
            "enum": list(v.similarity_values),
            "x-rule": "settings.similarity.enum",
        },
        "NonEmptyString": {"type": "string", "minLength": 1, "x-rule": "settings.empty_string"},
        "Secret": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "x-secret": True,
            "description": "A secret: accepted on PUT/_update, never returned, logged or exported.",
            "x-rule": "settings.empty_string",
        },
        "PositiveInteger": {
            "type": "integer",
            "minimum": 1,
            "maximum": INT_MAX,
            "x-rule": "settings.positive_integer",
        },
        "Url": {"type": "string", "minLength": 1, "format": "uri", "x-rule": "settings.url.invalid"},
        "RateLimit": strict(
            {
                "requests_per_minute": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": LONG_MAX,
                    "x-rule": "settings.positive_long",
                }
            },
            description=(
                "Defaults: openai text_embedding 3000, completion/chat_completion 500; azureopenai"
                " text_embedding 1440, completion/chat_completion 120; amazonbedrock 240."
            ),
            **x_rule("settings.rate_limit.unknown"),
        ),
        "Headers": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Custom HTTP headers added to the upstream request.",
        },
    }
    for service in SERVICES:
        leaves[f"TaskType{SERVICE_TITLE[service]}"] = {
            "type": "string",
            "enum": list(v.task_types[service]),
            "x-rule": "service.unsupported_task_type",
        }
    return leaves


def _chunk_size(minimum: int, cap: int | None, strategy: str) -> Schema:
    schema: Schema = {"type": "integer", "minimum": minimum}
    rules = ["chunking.max_chunk_size.min"]
    schema["maximum"] = INT_MAX if cap is None else cap  # uncapped versions still parse a Java Integer
    if cap is not None:
        rules.append("chunking.max_chunk_size.max")
    schema["x-rules"] = rules
    return schema


def chunking_components(v: VersionProfile) -> dict[str, Schema]:
    """``chunking_settings``: one schema per strategy of the profile, their union, and the echoed form."""
    variants: dict[str, Schema] = {
        "word": strict(
            {
                "strategy": {"const": "word"},
                "max_chunk_size": _chunk_size(10, v.chunk_max, "word"),
                "overlap": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": INT_MAX,
                    "description": "At most max_chunk_size / 2 (integer division).",
                    "x-rules": ["settings.positive_integer", "chunking.overlap.max"],
                },
            },
            ["strategy", "max_chunk_size", "overlap"],
            **{"x-rules": ["settings.required", "chunking.invalid_settings"]},
        ),
        "sentence": strict(
            {
                "strategy": {"const": "sentence"},
                "max_chunk_size": _chunk_size(20, v.chunk_max, "sentence"),
                "sentence_overlap": {
                    "type": "integer",
                    "enum": [0, 1],
                    "default": 1,
                    "x-rule": "chunking.sentence_overlap.value",
                },
            },
            ["strategy", "max_chunk_size"],
            **{"x-rules": ["settings.required", "chunking.invalid_settings"]},
        ),
        # ChunkingSettingsBuilder maps none straight to NoneChunkingSettings.INSTANCE: other keys are dropped
        "none": obj({"strategy": {"const": "none"}}, ["strategy"], **x_rule("chunking.none.extra_keys_ignored")),
        "recursive": strict(
            {
                "strategy": {"const": "recursive"},
                "max_chunk_size": _chunk_size(10, v.chunk_max, "recursive"),
                "separators": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "separator_group": {"type": "string", "enum": ["plaintext", "markdown"]},
            },
            ["strategy", "max_chunk_size"],
            oneOf=[{"required": ["separators"]}, {"required": ["separator_group"]}],
            **{"x-rules": ["settings.required", "chunking.invalid_settings"]},
        ),
    }
    names = {s: f"ChunkingSettings{s.capitalize()}" for s in v.strategies}
    out: dict[str, Schema] = {names[s]: variants[s] for s in v.strategies}
    out["ChunkingSettingsDefault"] = {
        "type": "object",
        "maxProperties": 0,
        "description": "`{}` means the default: sentence, max_chunk_size 250, sentence_overlap 1.",
    }
    out["ChunkingSettingsStrategy"] = {
        "oneOf": [ref(names[s]) for s in v.strategies],
        "discriminator": {
            "propertyName": "strategy",
            "mapping": {s: f"#/components/schemas/{names[s]}" for s in v.strategies},
        },
        "x-rules": ["chunking.strategy.unknown", "chunking.strategy.missing"],
    }
    out["ChunkingSettings"] = {
        "description": "Chunking for text_embedding endpoints only; rejected for other task types.",
        "oneOf": [ref("ChunkingSettingsDefault"), ref("ChunkingSettingsStrategy")],
        "x-task-types": ["text_embedding"],
        "x-rule": "settings.unknown",
    }
    out["ChunkingSettingsInfo"] = obj(
        {
            "strategy": {"type": "string", "enum": list(v.strategies)},
            "max_chunk_size": {"type": "integer"},
            "overlap": {"type": "integer"},
            "sentence_overlap": {"type": "integer"},
        },
        ["strategy"],
        description="Chunking settings as echoed by PUT/GET (defaults filled in).",
    )
    return out
