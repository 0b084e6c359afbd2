"""Component schemas of the `_inference` OpenAPI documents, built per version profile.

Read only by the generator (``python -m specs._build``). Conventions used in the output:

* ``x-rule`` / ``x-rules``: ids of the contract rules (``specs/rules.yaml``) a schema encodes; a test
  checks that every id exists in the rule table.
* ``x-task-types``: the task types a field is accepted for, where the schema cannot say it itself
  (the generic ``PUT /_inference/{task_type}/{inference_id}`` body cannot see the path).
* ``x-json-type: double``: ES parses the field as a Java ``Double``; a bare JSON integer (``1``) is
  rejected, write ``1.0``.
* ``x-secret: true`` (with ``writeOnly``): never returned by any response.
* Response schemas are tolerant (extra fields allowed) but forbid secrets with ``false`` schemas.
"""

from __future__ import annotations

from typing import Any

from specs import SERVICES
from specs._versions import (
    BEDROCK_EMBEDDING_PROVIDERS,
    BEDROCK_PROVIDERS,
    BEDROCK_TOP_K_PROVIDERS,
    VersionProfile,
)

Schema = dict[str, Any]

INT_MAX = 2**31 - 1  # Java Integer
LONG_MAX = 2**63 - 1  # Java Long

SERVICE_TITLE = {"openai": "OpenAI", "azureopenai": "AzureOpenAI", "amazonbedrock": "AmazonBedrock"}
TASK_TITLE = {
    "text_embedding": "TextEmbedding",
    "completion": "Completion",
    "chat_completion": "ChatCompletion",
}
SECRETS = {
    "openai": ("api_key",),
    "azureopenai": ("api_key", "entra_id"),
    "amazonbedrock": ("access_key", "secret_key"),
}


def ref(name: str) -> Schema:
    """A ``$ref`` to ``#/components/schemas/<name>``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    schema.update(extra)
    return schema


def _x_rule(rule_id: str) -> dict[str, Any]:
    """The ``x-rule`` extension naming the rule a schema part enforces."""
    return {"x-rule": rule_id}


def _strict(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    return _obj(properties, required, additionalProperties=False, **extra)


# --------------------------------------------------------------------------- shared leaves


def _leaves(v: VersionProfile) -> dict[str, Schema]:
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
            "description": "Task types supported by at least one of openai, azureopenai, amazonbedrock.",
        },
        "Similarity": {
            "type": "string",
            "enum": ["cosine", "dot_product", "l2_norm"],
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
        "RateLimit": _strict(
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
            **_x_rule("settings.rate_limit.unknown"),
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


# --------------------------------------------------------------------------- chunking


def _chunk_size(minimum: int, cap: int | None, strategy: str) -> Schema:
    schema: Schema = {"type": "integer", "minimum": minimum}
    rules = ["chunking.max_chunk_size.min"]
    schema["maximum"] = INT_MAX if cap is None else cap  # uncapped versions still parse a Java Integer
    if cap is not None:
        rules.append("chunking.max_chunk_size.max")
    schema["x-rules"] = rules
    return schema


def _chunking(v: VersionProfile) -> dict[str, Schema]:
    variants: dict[str, Schema] = {
        "word": _strict(
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
        "sentence": _strict(
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
        "none": _obj({"strategy": {"const": "none"}}, ["strategy"], **_x_rule("chunking.none.extra_keys_ignored")),
        "recursive": _strict(
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
    out["ChunkingSettingsInfo"] = _obj(
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


# --------------------------------------------------------------------------- service settings


def _settings_fields(service: str, v: VersionProfile) -> dict[str, tuple[Schema, tuple[str, ...] | None]]:
    """Field name -> (schema, task types it is limited to or None)."""
    emb = ("text_embedding",)
    if service == "openai":
        return {
            "api_key": (ref("Secret"), None),
            "model_id": (ref("NonEmptyString"), None),
            "url": (ref("Url"), None),
            "organization_id": (ref("NonEmptyString"), None),
            "dimensions": (ref("PositiveInteger"), emb),
            "similarity": (ref("Similarity"), emb),
            "max_input_tokens": (ref("PositiveInteger"), None),
            "rate_limit": (ref("RateLimit"), None),
        }
    if service == "azureopenai":
        fields: dict[str, tuple[Schema, tuple[str, ...] | None]] = {
            "api_key": (ref("Secret"), None),
            "entra_id": (ref("Secret"), None),
        }
        if v.azure_oauth2:
            fields["client_secret"] = (ref("Secret"), None)
            fields["client_id"] = (ref("NonEmptyString"), None)
            fields["tenant_id"] = (ref("NonEmptyString"), None)
            fields["scopes"] = ({"type": "array", "minItems": 1, "items": ref("NonEmptyString")}, None)
        fields.update(
            {
                "resource_name": (ref("NonEmptyString"), None),
                "deployment_id": (ref("NonEmptyString"), None),
                "api_version": (ref("NonEmptyString"), None),
                "dimensions": (ref("PositiveInteger"), emb),
                "similarity": (ref("Similarity"), emb),
                "max_input_tokens": (ref("PositiveInteger"), emb),
                "rate_limit": (ref("RateLimit"), None),
            }
        )
        return fields
    return {
        "access_key": (ref("Secret"), None),
        "secret_key": (ref("Secret"), None),
        "region": (ref("NonEmptyString"), None),
        "model": (ref("NonEmptyString"), None),
        "provider": (ref("AmazonBedrockProvider"), None),
        "similarity": (ref("Similarity"), emb),
        "max_input_tokens": (ref("PositiveInteger"), emb),
        "rate_limit": (ref("RateLimit"), None),
    }


_REQUIRED = {
    "openai": ["api_key", "model_id"],
    "azureopenai": ["resource_name", "deployment_id", "api_version"],
    # provider is optional in Elastic's spec but required by Elasticsearch (elastic/elasticsearch,
    # x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/services/amazonbedrock/
    # AmazonBedrockServiceSettings.java).
    "amazonbedrock": ["access_key", "secret_key", "region", "model", "provider"],
}
_ECHOED = {
    "openai": ["model_id", "rate_limit"],
    "azureopenai": ["resource_name", "deployment_id", "api_version", "rate_limit"],
    "amazonbedrock": ["region", "model", "provider", "rate_limit"],
}
_FORBIDDEN_ON_PUT = {
    "openai": ("dimensions_set_by_user",),
    "azureopenai": ("dimensions_set_by_user",),
    "amazonbedrock": ("dimensions",),
}


def _settings_schema(service: str, v: VersionProfile, task: str | None) -> Schema:
    """Request service_settings for one task type (or for all of them when ``task`` is None)."""
    props: dict[str, Schema] = {}
    limited: dict[str, list[str]] = {}
    for name, (schema, tasks) in _settings_fields(service, v).items():
        if task is not None and tasks is not None and task not in tasks:
            continue
        props[name] = schema
        if task is None and tasks is not None:
            limited[name] = list(tasks)
    rules = ["settings.required", "settings.unknown", "settings.wrong_type"]
    if service in _FORBIDDEN_ON_PUT:
        rules.append("settings.not_allowed")
    extra: Schema = {"x-rules": rules}
    if limited:
        extra["x-task-types"] = limited
    if service == "azureopenai":
        extra["allOf"] = [ref("AzureOpenAIAuth")]
    if service == "amazonbedrock" and task == "text_embedding":
        props["provider"] = ref("AmazonBedrockEmbeddingProvider")
    return _strict(props, list(_REQUIRED[service]), **extra)


def _settings_info(service: str, v: VersionProfile) -> Schema:
    """Response service_settings: tolerant, secrets forbidden."""
    props: dict[str, Schema] = {}
    for name, (schema, _tasks) in _settings_fields(service, v).items():
        props[name] = False if schema == ref("Secret") else schema  # type: ignore[assignment]
    props["dimensions"] = {"type": "integer", "minimum": 1}
    if "provider" in props:
        props["provider"] = {"type": "string"}  # echoed as stored
    rules = ["secrets.never_returned", "secrets.dimensions_set_by_user_hidden", "defaults.rate_limit"]
    props["dimensions_set_by_user"] = False  # type: ignore[assignment]
    return _obj(props, list(_ECHOED[service]), **{"x-rules": rules})


def _secret_names(service: str, v: VersionProfile) -> list[str]:
    names = list(SECRETS[service])
    if service == "azureopenai" and v.azure_oauth2:
        names.append("client_secret")
    return names


def _azure_auth(v: VersionProfile) -> Schema:
    secrets = _secret_names("azureopenai", v)
    required = {
        "api_key": ["api_key"],
        "entra_id": ["entra_id"],
        "client_secret": ["client_secret", "client_id", "scopes", "tenant_id"],
    }
    # Each branch names its secret(s) and forbids the others, so partial combinations fail too.
    branches: list[Schema] = [
        {"required": required[name], "properties": {other: False for other in secrets if other != name}}
        for name in secrets
    ]
    return {
        "description": "Exactly one of the secrets (api_key XOR entra_id"
        + (" XOR OAuth2 client_secret)." if v.azure_oauth2 else ")."),
        "oneOf": branches,
        "x-rules": ["secrets.azure.neither", "secrets.azure.both"],
    }


# --------------------------------------------------------------------------- task settings


def _task_settings(v: VersionProfile) -> dict[str, Schema]:
    user = {"type": "string", "minLength": 1, "x-rule": "settings.empty_string"}
    openai: dict[str, Schema] = {"user": user}
    if v.openai_task_headers:
        openai["headers"] = ref("Headers")
    azure: dict[str, Schema] = {"user": user}
    if v.azure_task_headers:
        azure["headers"] = ref("Headers")

    def unit(field: str) -> Schema:
        return {
            "type": "number",
            "minimum": 0.0,
            "maximum": 1.0,
            "x-json-type": "double",
            "x-rules": ["settings.range.min", "settings.range.max", "settings.wrong_type"],
        }

    bedrock = {
        "temperature": unit("temperature"),
        "top_p": unit("top_p"),
        "top_k": {**unit("top_k"), "x-rules": unit("top_k")["x-rules"] + ["bedrock.top_k.provider"]},
        "max_new_tokens": {
            "type": "integer",
            "minimum": 1,
            "maximum": INT_MAX,
            "default": 64,
            "x-rule": "settings.positive_integer",
        },
    }
    return {
        "OpenAITaskSettings": _strict(openai, **_x_rule("settings.unknown")),
        "AzureOpenAITaskSettings": _strict(azure, **_x_rule("settings.unknown")),
        "AmazonBedrockTaskSettings": _strict(
            bedrock,
            description="For completion and chat_completion; top_k only for anthropic, cohere, mistral.",
            **_x_rule("settings.unknown"),
        ),
        "AmazonBedrockTaskSettingsTextEmbedding": _strict(
            {},
            description="text_embedding endpoints take no task settings.",
            **_x_rule("settings.unknown"),
        ),
    }


def _settings_components(v: VersionProfile) -> dict[str, Schema]:
    out: dict[str, Schema] = {
        "AmazonBedrockProvider": {
            "type": "string",
            "enum": list(BEDROCK_PROVIDERS),
            "x-rule": "bedrock.provider.enum",
        },
        "AmazonBedrockEmbeddingProvider": {
            "type": "string",
            "enum": list(BEDROCK_EMBEDDING_PROVIDERS),
            "x-rule": "bedrock.provider.task_type",
        },
        "AzureOpenAIAuth": _azure_auth(v),
    }
    for service in SERVICES:
        title = SERVICE_TITLE[service]
        out[f"{title}ServiceSettings"] = _settings_schema(service, v, None)
        out[f"{title}ServiceSettingsTextEmbedding"] = _settings_schema(service, v, "text_embedding")
        out[f"{title}ServiceSettingsCompletion"] = _settings_schema(service, v, "completion")
        out[f"{title}ServiceSettingsInfo"] = _settings_info(service, v)
    out.update(_task_settings(v))
    return out


# --------------------------------------------------------------------------- PUT bodies


def _task_settings_ref(service: str, task: str | None) -> Schema:
    if service == "amazonbedrock" and task == "text_embedding":
        return ref("AmazonBedrockTaskSettingsTextEmbedding")
    if service == "amazonbedrock" and task is None:
        return {"anyOf": [ref("AmazonBedrockTaskSettings"), ref("AmazonBedrockTaskSettingsTextEmbedding")]}
    return ref(f"{SERVICE_TITLE[service]}TaskSettings")


def _top_k_guard() -> Schema:
    """Bedrock: top_k only for anthropic, cohere and mistral (elastic/elasticsearch
    ``x-pack/plugin/inference/src/main/java/org/elasticsearch/xpack/inference/services/amazonbedrock/
    AmazonBedrockProviderCapabilities.java``)."""
    others = [p for p in BEDROCK_PROVIDERS if p not in BEDROCK_TOP_K_PROVIDERS]
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
    body = _strict(props, required, **extra)
    if service == "amazonbedrock" and task != "text_embedding":
        body.update(_top_k_guard())
    return body


def _put_components(v: VersionProfile) -> dict[str, Schema]:
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
    secret_props: dict[str, Schema] = {name: ref("Secret") for s in SERVICES for name in _secret_names(s, v)}
    out["UpdateRequest"] = _strict(
        {
            "service_settings": _strict({**secret_props, "rate_limit": ref("RateLimit")}),
            "task_settings": {"anyOf": [ref(f"{SERVICE_TITLE[s]}TaskSettings") for s in SERVICES]},
            "task_type": ref("ServiceTaskType"),
        },
        description="New secrets (inside service_settings) and/or task settings for an existing endpoint.",
        **_x_rule("crud.update.task_type"),
    )
    return out


# --------------------------------------------------------------------------- responses


def _response_components(v: VersionProfile) -> dict[str, Schema]:
    out: dict[str, Schema] = {}
    for service in SERVICES:
        title = SERVICE_TITLE[service]
        out[f"InferenceEndpointInfo{title}"] = _obj(
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
    out["InferenceEndpointInfoOther"] = _obj(
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
    out["GetInferenceResponse"] = _strict(
        {"endpoints": {"type": "array", "items": ref("InferenceEndpointInfoAny")}}, ["endpoints"]
    )
    out["DeleteInferenceEndpointResult"] = _obj(
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
        "items": _obj({"embedding": {"type": "array", "items": {"type": "number"}}}, ["embedding"]),
    }
    byte_emb = {
        "type": "array",
        "items": _obj({"embedding": {"type": "array", "items": {"type": "integer"}}}, ["embedding"]),
    }
    completion = {"type": "array", "items": _obj({"result": {"type": "string"}}, ["result"])}
    out["InferenceResult"] = {
        "oneOf": [
            _obj({"text_embedding": emb}, ["text_embedding"], additionalProperties=False),
            _obj({"text_embedding_bytes": byte_emb}, ["text_embedding_bytes"], additionalProperties=False),
            _obj({"text_embedding_bits": byte_emb}, ["text_embedding_bits"], additionalProperties=False),
            _obj({"completion": completion}, ["completion"], additionalProperties=False),
        ],
        "description": "One result per input, in input order.",
    }
    out.update(_error_components())
    out.update(_stream_components())
    return out


def _error_components() -> dict[str, Schema]:
    return {
        "ErrorCause": _obj(
            {
                "type": {"type": "string"},
                "reason": {"type": ["string", "null"]},
                "caused_by": ref("ErrorCause"),
                "root_cause": {"type": "array", "items": ref("ErrorCause")},
                "stack_trace": {"type": "string"},
            },
            ["type"],
        ),
        "ErrorResponse": _obj(
            {
                "error": _obj(
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
            **_x_rule("envelope.error"),
        ),
        "UnifiedErrorResponse": _obj(
            {
                "error": _obj(
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
            **_x_rule("streaming.chat_completion.only_stream"),
        ),
    }


def _stream_components() -> dict[str, Schema]:
    chunk = _obj(
        {
            "id": {"type": "string"},
            "choices": {
                "type": "array",
                "items": _obj(
                    {
                        "delta": _obj(
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
                    _obj(
                        {k: {"type": "integer"} for k in ("completion_tokens", "prompt_tokens", "total_tokens")},
                        ["completion_tokens", "prompt_tokens", "total_tokens"],
                    ),
                ]
            },
        },
        ["id", "choices", "model", "object"],
    )
    return {
        "StreamCompletionEvent": _obj(
            {"completion": {"type": "array", "items": _obj({"delta": {"type": "string"}}, ["delta"])}},
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
                _obj({"chat_completion": ref("UnifiedChatCompletionChunk")}, ["chat_completion"]),
            ],
        },
    }


# --------------------------------------------------------------------------- request bodies (POST)


def _request_components(v: VersionProfile) -> dict[str, Schema]:
    input_schema: Schema = {
        "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
        "description": "One string or a non-empty array of strings; completion takes exactly one.",
        "x-rules": ["input.null", "input.empty", "input.completion.single"],
    }
    task_settings = {"anyOf": [ref(f"{SERVICE_TITLE[s]}TaskSettings") for s in SERVICES]}
    props: dict[str, Schema] = {"input": input_schema}
    if v.input_type:
        props["input_type"] = _input_type_schema()
    props["task_settings"] = task_settings
    return {
        "InferenceRequest": _strict(props, ["input"], **_x_rule("input.unknown_field")),
        "StreamRequest": _strict({"input": input_schema, "task_settings": task_settings}, ["input"]),
        "ChatMessage": _chat_message_schema(),
        "ChatTool": _chat_tool_schema(),
        "ChatCompletionRequest": _strict(_chat_request_properties(v), ["messages"]),
    }


def _input_type_schema() -> Schema:
    """``input_type`` of an inference request (the profiles that accept the field)."""
    return {
        "type": "string",
        "enum": [
            "search",
            "ingest",
            "classification",
            "clustering",
            "SEARCH",
            "INGEST",
            "CLASSIFICATION",
            "CLUSTERING",
        ],
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
                _obj(
                    {"type": {"type": "string"}, "function": _obj({"name": {"type": "string"}}, ["name"])},
                    ["type", "function"],
                ),
            ]
        },
        "tools": {"type": "array", "items": ref("ChatTool")},
        "top_p": {"type": "number"},
    }
    if v.chat_reasoning:
        chat["reasoning"] = _obj(
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
    return _strict(
        {
            "role": {"type": "string"},
            "content": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "array",
                        "items": _strict({"type": {"const": "text"}, "text": {"type": "string"}}, ["type", "text"]),
                    },
                ]
            },
            "tool_call_id": {"type": "string"},
            "tool_calls": {
                "type": "array",
                "items": _strict(
                    {
                        "id": {"type": "string"},
                        "type": {"const": "function"},
                        "function": _strict(
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
    return _strict(
        {
            "type": {"const": "function"},
            "function": _strict(
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


def components(v: VersionProfile) -> dict[str, Schema]:
    """Every component schema of the `_inference` document for one version profile."""
    out: dict[str, Schema] = {}
    out.update(_leaves(v))
    out.update(_chunking(v))
    out.update(_settings_components(v))
    out.update(_put_components(v))
    out.update(_request_components(v))
    out.update(_response_components(v))
    return out
